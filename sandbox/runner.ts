/**
 * The sandbox: the whole service over a scenario, in simulated time, with this process playing AWS's part.
 * The local endpoint runs in-process on its simulated clock; the runner reads serverless.yml for the
 * triggers and invokes the real handlers as Lambda would, with the events AWS would send:
 * - EventBridge Scheduler schedules, in their time zone (skipped spring-forward times, one fall-back run);
 * - EventBridge rules: on a schedule while the endpoint says they are ENABLED (the tracker's 1-minute rule),
 *   or on an event pattern, for every event the endpoint logs on their bus (alarm state changes, EC2's
 *   completion event, the service's own events);
 * - on-call invocations of reclaim-on-demand from the scenario, synchronous as `aws lambda invoke`.
 * Time jumps from one due time to the next. A handler's `clock.sleep` is where other due work runs (Lambda
 * runs functions concurrently), and a function with reserved concurrency 1 that is still running is
 * throttled rather than run twice.
 */
import { Logger as PowertoolsLogger } from '@aws-lambda-powertools/logger';
import { readBusPolicy } from '@odcr-reclaimer/local-aws/bus-policy.ts';
import { WARNING_SECONDS } from '@odcr-reclaimer/local-aws/capacity.ts';
import { matchesEventPattern } from '@odcr-reclaimer/local-aws/event-pattern.ts';
import { accessKeyIdFor } from '@odcr-reclaimer/local-aws/iam.ts';
import { inProcessSdkConfig } from '@odcr-reclaimer/local-aws/in-process-handler.ts';
import { type LocalAws, startLocalAws } from '@odcr-reclaimer/local-aws/server.ts';
import type {
  EventRecord,
  LocalAwsSettings,
  ReservationView,
  SeedRule,
  SeedState,
} from '@odcr-reclaimer/local-aws/types.ts';
import type { Context } from 'aws-lambda';
import { DateTime } from 'luxon';
import { DERIVED_VALUES_SOURCE, derivedTemplateValues } from '#infra/build.ts';
import {
  type CalendarOptions,
  dayStatus,
  isKnownMarket,
  type Session,
  sessionsBetween,
} from '#shared/calendar/index.ts';
import type { Clock } from '#shared/clock.ts';
import { loadConfigFile } from '#shared/config/load-config.ts';
import type { PolicyConfig } from '#shared/config/schema.ts';
import { EC2_API_CLASSES, ec2RequestLimits } from '#shared/domain/ec2-request-limits.ts';
import { DETAIL_TYPE } from '#shared/events/service-events.ts';
import { type Gateways, LEASE_EXPIRY_ATTRIBUTE, LEASE_KEY_ATTRIBUTE } from '#shared/gateways/index.ts';
import type { Logger } from '#shared/logging/logger.ts';
import { METRIC } from '#shared/metrics/metric-names.ts';
import { calendarOptions } from '#shared/policy/lead.ts';
import { createGateways, type GatewayWiring } from '#shared/runtime/gateways.ts';
import { BorrowerSubscriptions, borrowerPrincipal } from './borrowers.ts';
import {
  type EventBusPolicy,
  type FunctionRole,
  readEventBusPolicies,
  readFunctionRoles,
} from './function-roles.ts';
import { buildSandboxHandlers, type SandboxHandler } from './handlers.ts';
import { lambdaContext } from './lambda-context.ts';
import { lambdaLogShipper } from './log-shipper.ts';
import { type LambdaInvocation, Pager, type PagingPaths, readPagingPaths } from './pager.ts';
import type { TimelineContext } from './report/terminal.ts';
import type {
  AccountsRecord,
  CapacityPoint,
  CapacitySample,
  ClosedDay,
  InvocationRecord,
  LoggedEvent,
  ReservationInfo,
  SessionSpan,
  SimulationResult,
  TimelineEntry,
} from './result.ts';
import {
  checkScenarioAgainstConfig,
  coveredRegions,
  impairmentAlarmOf,
  type LoadedScenario,
} from './scenario.ts';
import { fireTimes, parseScheduleExpression } from './schedule-expression.ts';
import { type EventRule, readServerlessDefinitions, type ServerlessTriggers } from './serverless-triggers.ts';
import { REPO_ROOT, readServiceTriggers, SERVERLESS_FILE, serviceNames } from './service-definition.ts';
import { spokeRoleSeed } from './spoke-roles.ts';
import { serviceEvents, summarize, summarizeAccounts } from './summary.ts';
import { UnmetNeedMeter } from './unmet-need.ts';

export { REPO_ROOT };

export class SandboxError extends Error {
  override name = 'SandboxError';
}

export interface SandboxOptions {
  scenario: LoadedScenario;
  /** serverless.yml to take the triggers from; the repository's by default. */
  serverlessFile?: string;
  /** Overrides the scenario's window: start at this day's midnight in the scenario's zone... */
  from?: string;
  /** ...for this many days. */
  days?: number;
  /** Each timeline entry as it happens (the terminal prints them live), with the names to show it by. */
  onTimeline?: (entry: TimelineEntry, context: TimelineContext) => void;
  /** Handlers' structured logs; silent by default. */
  logger?: Logger;
  /** Fault injection (`npm run chaos`): unset, the run is exactly the plain sandbox. */
  hooks?: SandboxHooks;
  /** `prepareSandbox(options)`'s answer when the caller already has it (it is not read twice). */
  prepared?: PreparedSandbox;
  /**
   * IAM: each function calls with its own role's credentials and the endpoint enforces the roles read from
   * serverless.yml (sandbox/function-roles.ts). `roles` edits them first (a test removing a grant), and
   * `busPolicies` the event buses' resource policies the stack deploys.
   */
  iam?: {
    enforce?: boolean;
    roles?: (roles: FunctionRole[]) => FunctionRole[];
    busPolicies?: (policies: EventBusPolicy[]) => EventBusPolicy[];
  };
}

/** The function a client is built for, and the credentials its role's requests are signed with. */
export interface FunctionCredentials {
  functionName: string;
  credentials: { accessKeyId: string; secretAccessKey: string };
}

/** An invocation about to be made, as a fault injector sees it. */
export interface PlannedInvocation {
  functionName: string;
  trigger: string;
  event: unknown;
  /** Simulated time (ms). */
  at: number;
}

/** What to do with it: deliver or lose it, deliver extra copies, deliver it once more later. */
export interface InvocationPlan {
  deliver: boolean;
  extraCopies?: number;
  redeliverAfterMs?: number;
  /** Other triggers invoked at the same instant, all running at once with this one. */
  concurrent?: { functionName: string; trigger: string; event: unknown }[];
}

/** Minimal hooks for `sandbox/chaos`: the endpoint (faults go through its admin API), invocations, gateways. */
export interface SandboxHooks {
  started?(local: LocalAws): void;
  /** Called once per original invocation (not for copies or redeliveries it asked for). */
  beforeInvoke?(invocation: PlannedInvocation): InvocationPlan;
  /** How a function's gateways are built, changed (e.g. retries that do not wait on the wall clock). */
  wiring?(wiring: GatewayWiring, context: FunctionCredentials): GatewayWiring;
  /**
   * The gateways a function's handler gets, wrapped (e.g. to die between an update and its record);
   * replacements must sign with `credentials`, the function's role, as IAM is enforced.
   */
  gateways?(gateways: Gateways, context: FunctionCredentials): Gateways;
  /** The endpoint as the run leaves it, before it closes (call log, final state). */
  finished?(local: LocalAws): void;
}

interface DueItem {
  at: number;
  /** Tie-break for items at the same instant: scenario actions before the schedules that see them. */
  order: number;
  sequence: number;
  run: () => Promise<void>;
}

/**
 * The handlers' logger unless the caller gives one: writes nothing, and is its own child. Powertools builds a
 * whole new Logger (and a Console) per child, which every reconcile asks for; a child of a logger that
 * writes nothing would write nothing either, so the sandbox skips building it.
 */
class SilentSandboxLogger extends PowertoolsLogger {
  override createChild(): PowertoolsLogger {
    return this;
  }
}

const MINUTE_MS = 60_000;
/** EC2's event to a borrower's instance 2 minutes before it is interrupted. */
const INTERRUPTION_WARNING = 'EC2 Capacity Reservation Instance Interruption Warning';
const NO_HANDLER = 'no handler in this checkout';
const LOST = 'lost (chaos)';
const THROTTLED = 'throttled';
const THROTTLE_RETRIES = 2;
/** The minute's measurement runs after every other item due at the same instant (orders 0–4). */
const MEASURE_ORDER = 9;

/** What a run is made of, checked: the window, the config, the deployed triggers. */
export interface PreparedSandbox {
  window: { start: number; end: number };
  config: PolicyConfig;
  triggers: ServerlessTriggers;
  /** The alarm topic's paging rule and alarms, as the template declares them. */
  paging: PagingPaths;
}

/**
 * Reads the config and serverless.yml and checks the scenario against them: every mistake the scenario,
 * its options or the config hold is thrown here (ScenarioError, ConfigError, SandboxError), before the
 * endpoint starts, so a bad run never starts at all.
 */
export function prepareSandbox(
  options: Pick<SandboxOptions, 'scenario' | 'serverlessFile' | 'from' | 'days'>,
): PreparedSandbox {
  const { scenario } = options;
  const window = sandboxWindow(scenario, options.from, options.days);
  const config = loadConfigFile(scenario.configFile);
  const serverlessFile = options.serverlessFile ?? SERVERLESS_FILE;
  const files = { [DERIVED_VALUES_SOURCE]: derivedTemplateValues(config) };
  const triggers = readServiceTriggers(config, { serverlessFile });
  checkScenarioAgainstConfig(scenario, config, triggers.region);
  const paging = readPagingPaths(readServerlessDefinitions(serverlessFile, { files }));
  return { window, config, triggers, paging };
}

export async function runSandbox(options: SandboxOptions): Promise<SimulationResult> {
  const wallStart = performance.now();
  const { scenario } = options;
  const { window, config, triggers, paging } = options.prepared ?? prepareSandbox(options);
  const seed = seedFor(scenario, triggers, window.start);
  const { $comment: _comment, ...settings } = scenario.settings;
  const local = await startLocalAws({
    port: 0,
    seed,
    // EC2's request throttling is on, as in AWS, unless the scenario says otherwise.
    // The account's raised limits, as the config states them to the service's pacer.
    settings: {
      requestRateScale: 1,
      ...endpointRequestLimits(config),
      ...settings,
      start: new Date(window.start).toISOString(),
    },
  });
  try {
    const hubAccountId = local.admin.getSettings().settings.accountId;
    const roles = sandboxFunctionRoles(config, hubAccountId, options.serverlessFile);
    const credentials = functionCredentials(options.iam?.roles?.(roles) ?? roles);
    const enforce = options.iam?.enforce !== false;
    const { owners, borrowers } = scenario.accounts;
    // Other accounts need the principals known even unenforced: a spoke's trust names the hub's function
    // roles, and each borrower acts in its own account.
    if (enforce || owners.length + borrowers.length > 0) {
      local.admin.configureIam({
        ...(enforce ? {} : { enforce: false }),
        principals: [
          ...credentials.map(({ role, credentials: { accessKeyId } }) => ({
            name: role.roleName,
            accessKeyId,
            policies: role.policies,
          })),
          ...borrowers.map((borrower) => borrowerPrincipal(borrower.id)),
        ],
      });
    }
    deployAccounts(local, scenario, config, {
      hubAccountId,
      hubStage: triggers.stage,
      hubRegion: triggers.region,
    });
    const busPolicies = sandboxBusPolicies(config, hubAccountId, options.serverlessFile);
    deployBusPolicies(local, hubAccountId, options.iam?.busPolicies?.(busPolicies) ?? busPolicies);
    options.hooks?.started?.(local);
    const runner = new SandboxRunner(local, scenario, config, triggers, window, options, credentials, paging);
    const result = await runner.run(wallStart);
    options.hooks?.finished?.(local);
    return result;
  } finally {
    await local.close();
  }
}

/**
 * The accounts around the hub, before anything runs: the organization RAM shares within, and in each owner
 * spoke the spoke template's role (sandbox/spoke-roles.ts) for the config's entry of that account.
 */
function deployAccounts(
  local: LocalAws,
  scenario: LoadedScenario,
  config: PolicyConfig,
  hub: { hubAccountId: string; hubStage: string; hubRegion: string },
): void {
  if (scenario.organization !== undefined) {
    const { $comment: _comment, ...organization } = scenario.organization;
    local.admin.ram.setOrganization(organization);
  }
  const owners = new Set(scenario.accounts.owners.map((owner) => owner.id));
  const spokes = config.accounts.filter((account) => owners.has(account.id));
  if (spokes.length === 0) return;
  local.admin.putRoles({
    roles: spokes.map((account) =>
      spokeRoleSeed({
        ...hub,
        accountId: account.id,
        // The config names the role by name or ARN; the stack's RoleName is the name.
        roleName: account.role.slice(account.role.lastIndexOf('/') + 1),
        ...(account.externalId === undefined ? {} : { externalId: account.externalId }),
      }),
    ),
  });
}

/**
 * Each bus's resource policy as the stack deploys it, on the hub's bus (as the roles are declared: not a
 * logged call of anyone's); one the endpoint could not evaluate as EventBridge does is refused here.
 */
function deployBusPolicies(local: LocalAws, accountId: string, policies: EventBusPolicy[]): void {
  for (const { busName, policy } of policies) {
    local.admin.account(accountId).busPolicies.set(busName, readBusPolicy(policy));
  }
}

/** The event buses' policies as `npm run package` would deploy them for this config. */
export function sandboxBusPolicies(
  config: PolicyConfig,
  accountId: string,
  serverlessFile = SERVERLESS_FILE,
): EventBusPolicy[] {
  return readEventBusPolicies(serverlessFile, packagedTemplateInputs(config, accountId));
}

/** The functions' roles as `npm run package` would deploy them for this config (the sandbox enforces these). */
export function sandboxFunctionRoles(
  config: PolicyConfig,
  accountId: string,
  serverlessFile = SERVERLESS_FILE,
): FunctionRole[] {
  return readFunctionRoles(serverlessFile, packagedTemplateInputs(config, accountId));
}

/** What `npm run package` resolves serverless.yml against: the build's derived values, in this account. */
function packagedTemplateInputs(config: PolicyConfig, accountId: string) {
  return { files: { [DERIVED_VALUES_SOURCE]: derivedTemplateValues(config) }, accountId };
}

export function sandboxWindow(
  scenario: LoadedScenario,
  from?: string,
  days?: number,
): { start: number; end: number } {
  let start = Date.parse(scenario.start);
  let end = Date.parse(scenario.end);
  if (from !== undefined) {
    const day = DateTime.fromISO(from, { zone: scenario.timeZone });
    if (!day.isValid) throw new SandboxError(`--from: "${from}" is not a date (YYYY-MM-DD)`);
    start = day.startOf('day').toMillis();
    end = day
      .startOf('day')
      .plus({ days: days ?? Math.max(1, Math.round((end - Date.parse(scenario.start)) / 86_400_000)) })
      .toMillis();
  } else if (days !== undefined) {
    end = DateTime.fromMillis(start, { zone: scenario.timeZone }).plus({ days }).toMillis();
  }
  if (days !== undefined && (!Number.isInteger(days) || days <= 0)) {
    throw new SandboxError(`--days: expected a whole number of days above 0, got ${days}`);
  }
  return { start, end };
}

/** The scenario's seed at the window's start, with the rules serverless.yml deploys. */
function seedFor(scenario: LoadedScenario, triggers: ServerlessTriggers, start: number): SeedState {
  const rules: SeedRule[] = triggers.rules.map((rule) => ({
    name: rule.ruleName,
    state: rule.initialState,
    eventBusName: rule.eventBusName,
    ...(rule.scheduleExpression === undefined ? {} : { scheduleExpression: rule.scheduleExpression }),
    ...(rule.eventPattern === undefined ? {} : { eventPattern: JSON.stringify(rule.eventPattern) }),
  }));
  // The writer's lease table of every function, named as serverless.yml passes it to them.
  const leaseTables = new Set(
    Object.keys(triggers.environment).map((fn) => serviceNames(triggers, fn).leaseTableName),
  );
  const tables = [...leaseTables].map((name) => ({
    name,
    partitionKey: LEASE_KEY_ATTRIBUTE,
    ttlAttribute: LEASE_EXPIRY_ATTRIBUTE,
  }));
  return {
    now: new Date(start).toISOString(),
    reservations: scenario.seedState.reservations.map(
      ({ $comment: _comment, ...reservation }) => reservation,
    ),
    alarms: scenario.seedState.alarms,
    rules,
    tables,
  };
}

class SandboxRunner {
  private readonly queue: DueItem[] = [];
  private sequence = 0;
  private handlers = new Map<string, SandboxHandler>();
  /** Invocations in progress per function, against its `reservedConcurrency` from serverless.yml. */
  private readonly running = new Map<string, number>();
  private readonly invocations: InvocationRecord[] = [];
  private readonly timeline: TimelineEntry[] = [];
  private readonly samples: CapacitySample[] = [];
  private eventCursor = 0;
  private steps = 0;
  /** Instances borrowers want to run, per reservation (capped by what is lent when applied). */
  private readonly borrowerDemand = new Map<string, number>();
  /** Next fire of each schedule-expression rule while it is enabled. */
  private readonly ruleNextFire = new Map<string, number>();
  private draining = false;
  private timelineContext: TimelineContext | undefined;
  private meter: UnmetNeedMeter | undefined;
  /** The policy's need per reservation at the last minute measured (drawn in the report). */
  private needs = new Map<string, number>();
  /** The learned lead's samples as CloudWatch holds them, re-read after completions. */
  private reclaimDurations: number[] = [];
  private lastCompletionAt = Number.NEGATIVE_INFINITY;
  private readonly pager: Pager;
  /** Where the pager has read up to in the endpoint's datums and in the invocations. */
  private metricCursor = 0;
  private invocationCursor = 0;
  /** The hub (where the service runs) and the owner spokes, whose reservations the run follows. */
  private readonly hubAccountId: string;
  private readonly ownerAccounts: string[];
  /** The account holding each reservation seen. */
  private readonly reservationAccounts = new Map<string, string>();
  private readonly subscriptions: BorrowerSubscriptions | undefined;
  /** EC2's 2-minute interruption warnings, by reservation: what a heads-up's lead is measured against. */
  private readonly warnings: { reservationId: string; at: string }[] = [];

  constructor(
    private readonly local: LocalAws,
    private readonly scenario: LoadedScenario,
    private readonly config: PolicyConfig,
    private readonly triggers: ServerlessTriggers,
    private readonly window: { start: number; end: number },
    private readonly options: SandboxOptions,
    private readonly credentials: FunctionRoleCredentials[],
    paging: PagingPaths,
  ) {
    this.pager = new Pager(paging);
    this.hubAccountId = local.admin.getSettings().settings.accountId;
    this.ownerAccounts = [this.hubAccountId, ...scenario.accounts.owners.map((owner) => owner.id)];
    this.subscriptions =
      scenario.accounts.borrowers.length === 0
        ? undefined
        : new BorrowerSubscriptions({
            local,
            hubAccountId: this.hubAccountId,
            region: triggers.region,
            busName: serviceNames(triggers, Object.keys(triggers.functionNames)[0] ?? '').eventBusName,
            regions: [
              ...new Set([
                ...coveredRegions(config, triggers.region),
                ...config.accounts.flatMap((account) => account.regions ?? []),
              ]),
            ],
            borrowers: scenario.accounts.borrowers,
          });
  }

  private now(): number {
    return this.local.clock.now().getTime();
  }

  async run(wallStart: number): Promise<SimulationResult> {
    const clock: Clock = { now: () => this.local.clock.now(), sleep: (ms) => this.sleep(ms) };
    const logger = this.options.logger ?? new SilentSandboxLogger({ logLevel: 'SILENT' });
    this.handlers = await buildSandboxHandlers((functionName) => {
      const own = this.credentials.find((entry) => entry.functionName === functionName);
      if (own === undefined) throw new SandboxError(`serverless.yml gives ${functionName} no role`);
      const wiring = sandboxWiring(this.local, this.triggers, this.config, own, clock);
      const hooks = this.options.hooks;
      const gateways = createGateways(hooks?.wiring ? hooks.wiring(wiring, own) : wiring);
      return {
        gateways: hooks?.gateways ? hooks.gateways(gateways, own) : gateways,
        config: this.config,
        clock,
        logger,
      };
    });
    await this.subscriptions?.setUp();
    for (const reservation of this.reservationViews()) {
      this.borrowerDemand.set(reservation.id, reservation.allocation?.borrowers.length ?? 0);
    }
    this.meter = new UnmetNeedMeter(this.config, this.sessionsByReservation(), this.reclaimMs());
    this.enqueueMinute(Math.ceil(this.window.start / MINUTE_MS) * MINUTE_MS);
    this.measure(this.now(), false);
    this.sample(true);
    this.enqueueSchedules();
    this.enqueueScenario();
    await this.advanceUntil(this.window.end);
    this.sample(true);
    return this.result(wallStart);
  }

  // ------------------------------------------------------------------ the queue and the clock

  private enqueue(at: number, order: number, run: () => Promise<void>): void {
    this.queue.push({ at, order, sequence: this.sequence++, run });
  }

  private takeNextDue(limit: number): DueItem | undefined {
    let bestIndex = -1;
    for (let index = 0; index < this.queue.length; index++) {
      const item = this.queue[index]!;
      const best = this.queue[bestIndex];
      if (
        best === undefined ||
        item.at < best.at ||
        (item.at === best.at &&
          (item.order < best.order || (item.order === best.order && item.sequence < best.sequence)))
      ) {
        bestIndex = index;
      }
    }
    const best = this.queue[bestIndex];
    if (best === undefined || best.at > limit) return undefined;
    this.queue.splice(bestIndex, 1);
    return best;
  }

  /** Runs everything due up to `limit` in time order (rules that poll are re-armed as they fire), then moves there. */
  private async advanceUntil(limit: number): Promise<void> {
    for (;;) {
      this.armScheduledRules();
      const item = this.takeNextDue(limit);
      if (item === undefined) break;
      if (item.at > this.now()) this.local.setClock(new Date(item.at));
      this.steps++;
      await item.run();
      await this.afterStep();
    }
    if (limit > this.now()) this.local.setClock(new Date(limit));
    await this.afterStep();
  }

  /** The clock handlers get: sleeping lets whatever falls due meanwhile run, as concurrent Lambdas would. */
  private async sleep(ms: number): Promise<void> {
    const until = this.now() + ms;
    await this.advanceUntil(until);
  }

  private async afterStep(): Promise<void> {
    if (this.draining) return;
    this.draining = true;
    try {
      await this.deliverEvents();
      await this.subscriptions?.refresh();
      const views = this.reservationViews();
      this.sample(false, this.applyBorrowerDemand(false, views) ? this.reservationViews() : views);
    } finally {
      this.draining = false;
    }
  }

  // ------------------------------------------------------------------ the verdict, minute by minute

  /** Each minute of the window, after everything else due then: the endpoint's state as that minute holds it. */
  private enqueueMinute(at: number): void {
    if (at >= this.window.end) return;
    this.enqueue(at, MEASURE_ORDER, async () => {
      this.measure(at, true);
      this.evaluateAlarms(at);
      this.enqueueMinute(at + MINUTE_MS);
    });
  }

  /** The template's alarms on what was put and invoked until `at`; a change of state pages. */
  private evaluateAlarms(at: number): void {
    const datums = this.local.admin.metricsFrom(this.metricCursor);
    this.metricCursor += datums.length;
    const runs: LambdaInvocation[] = this.invocations
      .slice(this.invocationCursor)
      .filter((run) => run.ok || ranAndFailed(run.error))
      .map((run) => ({ at: Date.parse(run.time), functionName: run.functionName, error: !run.ok }));
    this.invocationCursor = this.invocations.length;
    this.pager.minute(at, datums, runs);
  }

  /** Reads the need at `at`; `count`: and counts the minute starting there towards unmet need. */
  private measure(at: number, count: boolean): void {
    const meter = this.meter;
    if (meter === undefined) return;
    if (at - this.lastCompletionAt <= 2 * MINUTE_MS) this.reclaimDurations = this.fleetReclaimDurations();
    const truth = {
      reservations: this.reservationViews(),
      alarms: Object.fromEntries(
        this.local.admin.alarmList().alarms.map((alarm) => [alarm.name, alarm.state]),
      ),
      reclaimDurationsSeconds: this.reclaimDurations,
    };
    this.needs = count ? meter.measure(truth, at) : meter.needs(truth, at);
  }

  /**
   * The fleet series of ReclaimDurationSeconds as the learned lead reads it back: each minute's slowest
   * completion (GetMetricData's per-minute Maximum).
   */
  private fleetReclaimDurations(): number[] {
    const slowest = new Map<number, number>();
    for (const datum of this.local.admin.metrics({ metricName: METRIC.reclaimDurationSeconds }).metrics) {
      if (Object.keys(datum.dimensions).length > 0) continue;
      const values = datum.values ?? (datum.value === undefined ? [] : [datum.value]);
      const minute = Math.floor(Date.parse(datum.timestamp) / MINUTE_MS);
      for (const value of values) slowest.set(minute, Math.max(slowest.get(minute) ?? value, value));
    }
    return [...slowest.values()];
  }

  /** A reclaim's physical duration on this endpoint: EC2's warning, then the slowest borrower's shutdown. */
  private reclaimMs(): number {
    const { shutdownSeconds, shutdownSpreadSeconds } = this.local.admin.getSettings().settings;
    return (WARNING_SECONDS + shutdownSeconds + shutdownSpreadSeconds) * 1000;
  }

  /** The sessions of each reservation's market over the window, as the policy's calendar has them. */
  private sessionsByReservation(): Map<string, Session[]> {
    const calendar = calendarOptions(this.config);
    const byMarket = new Map<string, Session[]>();
    const sessions = new Map<string, Session[]>();
    for (const reservation of this.reservationInfo()) {
      const market = reservation.market;
      if (market === undefined || !isKnownMarket(market, calendar)) continue;
      let list = byMarket.get(market);
      if (list === undefined) {
        list = sessionsBetween(market, new Date(this.window.start), new Date(this.window.end), calendar);
        byMarket.set(market, list);
      }
      sessions.set(reservation.id, list);
    }
    return sessions;
  }

  // ------------------------------------------------------------------ triggers

  private enqueueSchedules(): void {
    for (const schedule of this.triggers.schedules) {
      if (!schedule.enabled) continue;
      const times = fireTimes(schedule.expression, {
        timeZone: schedule.timeZone,
        after: new Date(this.window.start - 1),
        until: new Date(this.window.end),
        startDate: new Date(this.window.start),
      });
      for (const time of times) {
        this.enqueue(time.getTime(), 2, async () => {
          await this.invoke(
            schedule.functionName,
            schedule.name,
            this.schedulerEvent(schedule.name, time, schedule.input),
          );
        });
      }
    }
  }

  /** EventBridge Scheduler's payload for a templated Lambda target: the Input when set, else its default event. */
  private schedulerEvent(name: string, time: Date, input: unknown): unknown {
    const executionId = `${name}-${time.getTime()}`;
    const arn = `arn:aws:scheduler:${this.triggers.region}:${this.accountId()}:schedule/default/${name}`;
    if (input !== undefined) {
      const text = typeof input === 'string' ? input : JSON.stringify(input);
      const filled = text
        .replaceAll('<aws.scheduler.scheduled-time>', time.toISOString())
        .replaceAll('<aws.scheduler.execution-id>', executionId)
        .replaceAll('<aws.scheduler.schedule-arn>', arn)
        .replaceAll('<aws.scheduler.attempt-number>', '1');
      try {
        return JSON.parse(filled);
      } catch {
        return filled;
      }
    }
    return {
      version: '0',
      id: executionId,
      'detail-type': 'Scheduled Event',
      source: 'aws.scheduler',
      account: this.accountId(),
      time: time.toISOString().replace(/\.\d{3}Z$/, 'Z'),
      region: this.triggers.region,
      resources: [arn],
      detail: '{}',
    };
  }

  private accountId(): string {
    return this.local.admin.getSettings().settings.accountId;
  }

  /** Rules with a schedule expression fire on minute boundaries while the endpoint has them ENABLED. */
  private armScheduledRules(): void {
    const states = new Map(
      this.local.admin.ruleList().rules.map((rule) => [`${rule.eventBusName}/${rule.name}`, rule.state]),
    );
    for (const rule of this.triggers.rules) {
      if (rule.scheduleExpression === undefined) continue;
      const key = `${rule.eventBusName}/${rule.ruleName}`;
      if (states.get(key) !== 'ENABLED') {
        this.ruleNextFire.delete(key);
        continue;
      }
      if (this.ruleNextFire.has(key)) continue;
      const parsed = parseScheduleExpression(rule.scheduleExpression);
      const next =
        parsed.kind === 'rate'
          ? Math.floor(this.now() / MINUTE_MS) * MINUTE_MS + parsed.everySeconds * 1000
          : (fireTimes(parsed, {
              after: new Date(this.now()),
              until: new Date(this.window.end),
            })[0]?.getTime() ?? Number.POSITIVE_INFINITY);
      if (next > this.window.end) continue;
      this.ruleNextFire.set(key, next);
      this.enqueue(next, 3, async () => {
        this.ruleNextFire.delete(key);
        const current = this.local.admin
          .ruleList()
          .rules.find((candidate) => `${candidate.eventBusName}/${candidate.name}` === key);
        if (current?.state !== 'ENABLED') return;
        await this.invoke(rule.functionName, rule.ruleName, this.scheduledRuleEvent(rule, current.arn, next));
      });
    }
  }

  private scheduledRuleEvent(rule: EventRule, arn: string, at: number): unknown {
    if (rule.input !== undefined) return rule.input;
    return {
      version: '0',
      id: `${rule.ruleName}-${at}`,
      'detail-type': 'Scheduled Event',
      source: 'aws.events',
      account: this.accountId(),
      time: new Date(at).toISOString().replace(/\.\d{3}Z$/, 'Z'),
      region: this.triggers.region,
      resources: [arn],
      detail: {},
    };
  }

  /** Every event logged since the last look, to the functions whose pattern rules match it. */
  private async deliverEvents(): Promise<void> {
    for (;;) {
      if (this.local.admin.eventCount() <= this.eventCursor) return;
      const all = this.local.admin.events().events;
      if (this.eventCursor >= all.length) return;
      const logged = all.slice(this.eventCursor);
      this.eventCursor = all.length;
      this.noteWarnings(logged);
      // The service's functions and its pager see only the hub's buses: other accounts' events (a spoke's
      // EC2 events, the heads-up forwarded to a borrower) stay in those accounts.
      const fresh = logged.filter((record) => this.onHubBus(record));
      const states = new Map(
        this.local.admin.ruleList().rules.map((rule) => [`${rule.eventBusName}/${rule.name}`, rule.state]),
      );
      for (const entry of timelineFromEvents(fresh)) this.note(entry);
      if (fresh.some((record) => record['detail-type'] === DETAIL_TYPE.changeCompleted))
        this.lastCompletionAt = this.now();
      this.pager.events(
        fresh.map((record) => ({ bus: record.bus ?? 'default', event: this.eventBridgeEnvelope(record) })),
        this.now(),
      );
      for (const record of fresh) {
        const envelope = this.eventBridgeEnvelope(record);
        for (const rule of this.triggers.rules) {
          if (rule.eventPattern === undefined) continue;
          if ((record.bus ?? 'default') !== rule.eventBusName) continue;
          if (states.get(`${rule.eventBusName}/${rule.ruleName}`) !== 'ENABLED') continue;
          if (!matchesEventPattern(rule.eventPattern, envelope)) continue;
          await this.invoke(rule.functionName, rule.ruleName, envelope, THROTTLE_RETRIES);
        }
      }
    }
  }

  /** Whether an event is on one of the hub's buses (a forwarded copy names the bus's account in busAccount). */
  private onHubBus(record: EventRecord): boolean {
    return (record.busAccount ?? record.account ?? this.hubAccountId) === this.hubAccountId;
  }

  /** EC2's interruption warnings among new events, attributed to the reservation whose borrower got each. */
  private noteWarnings(records: readonly EventRecord[]): void {
    const warned = records.filter((record) => record['detail-type'] === INTERRUPTION_WARNING);
    if (warned.length === 0) return;
    const byInstance = new Map<string, string>();
    for (const view of this.reservationViews()) {
      for (const borrower of view.allocation?.borrowers ?? []) byInstance.set(borrower.instanceId, view.id);
    }
    for (const record of warned) {
      const detail = record.detail as { 'instance-id'?: unknown } | undefined;
      const reservationId = byInstance.get(String(detail?.['instance-id']));
      if (reservationId !== undefined) this.warnings.push({ reservationId, at: record.time });
    }
  }

  private eventBridgeEnvelope(record: EventRecord): Record<string, unknown> {
    return {
      version: '0',
      id: record.id ?? `event-${this.eventCursor}`,
      'detail-type': record['detail-type'],
      source: record.source,
      account: record.account ?? this.accountId(),
      time: record.time.replace(/\.\d{3}Z$/, 'Z'),
      region: record.region ?? this.triggers.region,
      resources: record.resources ?? [],
      detail: record.detail,
    };
  }

  /**
   * Invokes a handler. An event-driven (asynchronous) invocation that finds the function at its reserved
   * concurrency is retried a minute later, as Lambda retries throttled asynchronous invocations.
   */
  private async invoke(
    functionName: string,
    trigger: string,
    event: unknown,
    retries = 0,
    planned = false,
  ): Promise<unknown> {
    const time = new Date(this.now()).toISOString();
    const handler = this.handlers.get(functionName);
    if (handler === undefined) {
      this.invocations.push({ time, functionName, trigger, ok: false, error: NO_HANDLER });
      return undefined;
    }
    const plan = planned
      ? undefined
      : this.options.hooks?.beforeInvoke?.({ functionName, trigger, event, at: this.now() });
    if (plan !== undefined) {
      if (plan.redeliverAfterMs !== undefined) {
        this.enqueue(this.now() + plan.redeliverAfterMs, 4, async () => {
          await this.invoke(functionName, `${trigger} (late copy)`, event, retries, true);
        });
      }
      if (!plan.deliver) {
        this.invocations.push({ time, functionName, trigger, ok: false, error: LOST });
        return undefined;
      }
      const [answer] = await Promise.all([
        this.invoke(functionName, trigger, event, retries, true),
        ...(plan.concurrent ?? []).map((other) =>
          this.invoke(other.functionName, other.trigger, other.event, THROTTLE_RETRIES, true),
        ),
      ]);
      for (let copy = 0; copy < (plan.extraCopies ?? 0); copy++) {
        await this.invoke(functionName, `${trigger} (duplicate)`, event, retries, true);
      }
      return answer;
    }
    const reserved = this.triggers.reservedConcurrency[functionName];
    const inProgress = this.running.get(functionName) ?? 0;
    if (reserved !== undefined && inProgress >= reserved) {
      this.invocations.push({
        time,
        functionName,
        trigger,
        ok: false,
        error: `${THROTTLED} (reserved concurrency ${reserved})`,
      });
      if (retries > 0) {
        this.enqueue(this.now() + MINUTE_MS, 4, async () => {
          await this.invoke(functionName, trigger, event, retries - 1);
        });
      }
      return undefined;
    }
    this.running.set(functionName, inProgress + 1);
    try {
      const answer = await handler(
        event,
        sandboxContext(
          this.triggers.functionNames[functionName] ?? functionName,
          time,
          this.triggers.timeoutSeconds[functionName] ?? 0,
          this.local.clock,
          this.triggers.region,
        ),
      );
      this.invocations.push({ time, functionName, trigger, ok: true });
      return answer;
    } catch (error: unknown) {
      const message = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
      this.invocations.push({ time, functionName, trigger, ok: false, error: message });
      this.note({ time, kind: 'error', text: `${functionName} (${trigger}) failed: ${message}` });
      return undefined;
    } finally {
      this.running.set(functionName, (this.running.get(functionName) ?? 1) - 1);
    }
  }

  // ------------------------------------------------------------------ the scenario

  private enqueueScenario(): void {
    const inWindow = (iso: string) => {
      const at = Date.parse(iso);
      return at >= this.window.start && at <= this.window.end;
    };
    for (const change of this.scenario.borrowers) {
      if (!inWindow(change.at)) continue;
      this.enqueue(Date.parse(change.at), 1, async () => {
        this.borrowerDemand.set(change.reservation, change.running);
        this.applyBorrowerDemand(true);
      });
    }
    for (const change of this.scenario.alarms) {
      if (!inWindow(change.at)) continue;
      this.enqueue(Date.parse(change.at), 0, async () => {
        this.local.admin.setAlarm({
          name: change.name,
          state: change.state,
          ...(change.reason === undefined ? {} : { reason: change.reason }),
        });
        this.note({
          time: new Date(this.now()).toISOString(),
          kind: 'alarm',
          text: `${change.name} → ${change.state}${change.reason ? ` (${change.reason})` : ''}`,
        });
      });
    }
    for (const impairment of this.scenario.azImpairments) {
      // checkScenarioAgainstConfig made sure there is one.
      const alarm = impairment.alarm ?? impairmentAlarmOf(this.config, impairment.availabilityZone) ?? '';
      const set = (state: 'ALARM' | 'OK', iso: string, text: string) => {
        if (!inWindow(iso)) return;
        this.enqueue(Date.parse(iso), 0, async () => {
          this.local.admin.setAlarm({ name: alarm, state, reason: text });
          this.note({
            time: new Date(this.now()).toISOString(),
            kind: 'impairment',
            text: `${text} (${alarm} → ${state})`,
          });
        });
      };
      set('ALARM', impairment.from, impairment.reason ?? `${impairment.availabilityZone} impaired`);
      set('OK', impairment.until, `${impairment.availabilityZone} recovered`);
    }
    for (const action of this.scenario.onCall) {
      if (!inWindow(action.at)) continue;
      this.enqueue(Date.parse(action.at), 1, async () => {
        const time = new Date(this.now()).toISOString();
        this.note({
          time,
          kind: 'on-call',
          text: `${action.label ?? 'on-call'}: ${describePayload(action.payload)}`,
        });
        const answer = await this.invoke('reclaim-on-demand', 'on-call', action.payload);
        const error = errorOf(answer);
        if (error !== undefined)
          this.note({ time, kind: 'error', text: `on-call request refused: ${error}` });
      });
    }
  }

  /**
   * Borrowers run what they want up to what is lent. While an allocation moves they are left alone (EC2 is
   * shutting them down); once it is `active` they fill up to the lent count again, as Karpenter would.
   */
  private applyBorrowerDemand(changed = false, views = this.reservationViews()): boolean {
    let applied = false;
    for (const reservation of views) {
      const allocation = reservation.allocation;
      if (allocation === undefined || allocation.status !== 'active') continue;
      const demand = this.borrowerDemand.get(reservation.id);
      if (demand === undefined) continue;
      const running = allocation.borrowers.length;
      const wanted = Math.min(demand, allocation.current);
      if (wanted > running || (changed && wanted < running)) {
        this.local.admin.setBorrowers({ reservationId: reservation.id, running: wanted });
        applied = true;
      }
    }
    return applied;
  }

  // ------------------------------------------------------------------ observation

  /** Every owner account's reservations (the hub's, then each spoke's). */
  private reservationViews(): ReservationView[] {
    if (this.ownerAccounts.length === 1) return this.local.admin.listReservations().reservations;
    return this.ownerAccounts.flatMap((accountId) => {
      const views = this.local.admin.listReservations({ accountId }).reservations;
      for (const view of views) this.reservationAccounts.set(view.id, accountId);
      return views;
    });
  }

  /** Records the capacity now if it changed (`views`: the endpoint's, when the caller just read them). */
  private sample(force: boolean, views = this.reservationViews()): void {
    const reservations: Record<string, CapacityPoint> = {};
    for (const view of views) {
      reservations[view.id] = {
        owned: view.ownedInstanceCount,
        lent: view.allocation?.current ?? 0,
        borrowed: view.allocation?.borrowers.length ?? 0,
        target: view.allocation?.target ?? 0,
        ...(view.allocation === undefined ? {} : { status: view.allocation.status }),
      };
      const need = this.needs.get(view.id);
      if (need !== undefined) reservations[view.id]!.need = need;
    }
    const time = new Date(this.now()).toISOString();
    const last = this.samples.at(-1);
    if (!force && last !== undefined && JSON.stringify(last.reservations) === JSON.stringify(reservations))
      return;
    if (last !== undefined && last.time === time) {
      last.reservations = reservations;
      return;
    }
    this.samples.push({ time, reservations });
  }

  private note(entry: TimelineEntry): void {
    this.timeline.push(entry);
    if (this.options.onTimeline !== undefined) {
      this.timelineContext ??= { reservations: this.reservationInfo(), timeZone: this.scenario.timeZone };
      this.options.onTimeline(entry, this.timelineContext);
    }
  }

  // ------------------------------------------------------------------ the result

  private result(wallStart: number): SimulationResult {
    const events: LoggedEvent[] = this.hubEvents().map((record) => ({
      time: record.time,
      source: record.source,
      'detail-type': record['detail-type'],
      detail: record.detail,
      ...(record.bus === undefined ? {} : { bus: record.bus }),
    }));
    const reservations = this.reservationInfo();
    const accounts = this.accountsRecord(reservations);
    const first = this.samples[0];
    const initialLent = Object.fromEntries(
      Object.entries(first?.reservations ?? {}).map(([id, point]) => [id, point.lent]),
    );
    const timeline = [...this.timeline].sort((a, b) => Date.parse(a.time) - Date.parse(b.time));
    const window = {
      start: new Date(this.window.start).toISOString(),
      end: new Date(this.window.end).toISOString(),
    };
    const result: SimulationResult = {
      scenario: {
        name: this.scenario.name,
        ...(this.scenario.description === undefined ? {} : { description: this.scenario.description }),
        ...(this.scenario.file === undefined ? {} : { file: this.scenario.file }),
        configFile: this.scenario.configFile,
      },
      window,
      timeZone: this.scenario.timeZone,
      reservations,
      ...sessionsAndClosures(reservations, this.window, calendarOptions(this.config)),
      samples: this.samples,
      timeline,
      invocations: this.invocations,
      events,
      pages: this.pager.pages,
      ...(accounts === undefined ? {} : { accounts }),
      summary: {
        ...summarize(events, {
          window,
          initialLent,
          instanceTypes: Object.fromEntries(
            reservations.map((reservation) => [reservation.id, reservation.instanceType]),
          ),
          ...(this.scenario.prices === undefined ? {} : { prices: this.scenario.prices }),
        }),
        unmetNeedInstanceMinutes: this.meter?.summary() ?? {
          total: 0,
          late: 0,
          reaction: 0,
          byReservation: {},
        },
        shortfalls: this.meter?.shortfallRecords() ?? [],
        reclaimSeconds: this.reclaimMs() / 1000,
      },
      run: {
        wallMilliseconds: Math.round(performance.now() - wallStart),
        simulatedDays: (this.window.end - this.window.start) / 86_400_000,
        steps: this.steps,
      },
    };
    if (result.accounts !== undefined) result.summary.accounts = summarizeAccounts(result);
    return result;
  }

  private hubEvents(): EventRecord[] {
    return this.local.admin.events().events.filter((record) => this.onHubBus(record));
  }

  /** The accounts of a run that declares any besides the hub: owners with their reservations, borrowers with what they heard. */
  private accountsRecord(reservations: readonly ReservationInfo[]): AccountsRecord | undefined {
    const { owners, borrowers } = this.scenario.accounts;
    if (owners.length === 0 && borrowers.length === 0) return undefined;
    const named = new Map([...owners, ...borrowers].map((account) => [account.id, account.name]));
    const withName = (accountId: string) => {
      const name = named.get(accountId);
      return name === undefined ? { accountId } : { accountId, name };
    };
    return {
      hubAccountId: this.hubAccountId,
      owners: this.ownerAccounts.map((accountId) => ({
        ...withName(accountId),
        reservationIds: reservations
          .filter((reservation) => (reservation.accountId ?? this.hubAccountId) === accountId)
          .map((reservation) => reservation.id),
      })),
      borrowers: borrowers.map((borrower) => ({
        ...withName(borrower.id),
        shared: this.subscriptions?.shared(borrower.id) ?? [],
        received: this.subscriptions?.received(borrower.id) ?? [],
      })),
      warnings: this.warnings,
    };
  }

  private reservationInfo(): ReservationInfo[] {
    return this.reservationViews().map((view) => {
      // The config's entry as the policy matches it: by id, else the first selector whose tags it carries.
      const entry =
        this.config.reservations.find((candidate) => candidate.id === view.id) ??
        this.config.reservations.find(
          (candidate) =>
            candidate.selector !== undefined &&
            Object.entries(candidate.selector.tags).every(([key, value]) => view.tags[key] === value),
        );
      const accountId = this.reservationAccounts.get(view.id);
      return {
        id: view.id,
        ...(accountId === undefined ? {} : { accountId }),
        instanceType: view.instanceType,
        region: view.region,
        availabilityZone: view.availabilityZone,
        ...(entry?.name === undefined
          ? view.tags.Name
            ? { name: view.tags.Name }
            : {}
          : { name: entry.name }),
        ...(entry?.market === undefined ? {} : { market: entry.market }),
      };
    });
  }
}

/** Decisions, completions, stalls, failures and deadline risks as the service published them. */
export function timelineFromEvents(events: readonly LoggedEvent[]): TimelineEntry[] {
  const entries: TimelineEntry[] = [];
  for (const event of serviceEvents(events)) {
    const detail = (typeof event.detail === 'object' && event.detail !== null ? event.detail : {}) as Record<
      string,
      unknown
    >;
    const reservationId = typeof detail.reservationId === 'string' ? detail.reservationId : undefined;
    const reason =
      typeof detail.reason === 'string'
        ? detail.reason
        : typeof detail.message === 'string'
          ? detail.message
          : '';
    const move =
      typeof detail.from === 'number' && typeof detail.to === 'number' ? `${detail.from} → ${detail.to}` : '';
    const base = { time: event.time, ...(reservationId === undefined ? {} : { reservationId }) };
    switch (event['detail-type']) {
      case DETAIL_TYPE.changeRequested:
        entries.push({
          ...base,
          kind: 'decision',
          text: `lent ${move} (${String(detail.trigger ?? '')}): ${reason}`,
        });
        break;
      case DETAIL_TYPE.changeCompleted: {
        const took =
          typeof detail.durationSeconds === 'number'
            ? ` in ${Math.round(detail.durationSeconds / 6) / 10} min`
            : '';
        entries.push({
          ...base,
          kind: 'completion',
          text: `lent ${move || String(detail.to ?? '')} reached${took}`,
        });
        break;
      }
      case DETAIL_TYPE.changeStalled:
        entries.push({ ...base, kind: 'stall', text: reason || JSON.stringify(detail) });
        break;
      case DETAIL_TYPE.changeFailed:
        entries.push({
          ...base,
          kind: 'failure',
          text: `${move} ${String(detail.errorCode ?? '')}: ${reason}`,
        });
        break;
      case DETAIL_TYPE.deadlineAtRisk:
        entries.push({ ...base, kind: 'deadline-at-risk', text: reason || JSON.stringify(detail) });
        break;
    }
  }
  return entries;
}

function sessionsAndClosures(
  reservations: readonly ReservationInfo[],
  window: { start: number; end: number },
  calendar: CalendarOptions,
): { sessions: SessionSpan[]; closedDays: ClosedDay[] } {
  const markets = [
    ...new Set(reservations.flatMap((reservation) => (reservation.market ? [reservation.market] : []))),
  ];
  const sessions: SessionSpan[] = [];
  const closedDays: ClosedDay[] = [];
  for (const market of markets) {
    if (!isKnownMarket(market, calendar)) continue;
    const mic = market;
    for (const session of sessionsBetween(mic, new Date(window.start), new Date(window.end), calendar)) {
      sessions.push({
        market,
        date: session.date,
        open: session.open.toISOString(),
        close: session.close.toISOString(),
        openLocal: session.openLocal,
        closeLocal: session.closeLocal,
        timeZone: session.timeZone,
        earlyClose: session.earlyClose,
        ...(session.note === undefined ? {} : { note: session.note }),
      });
    }
    const zone = sessions.find((session) => session.market === market)?.timeZone ?? 'UTC';
    let day = DateTime.fromMillis(window.start, { zone }).startOf('day');
    for (; day.toMillis() < window.end; day = day.plus({ days: 1 })) {
      const status = dayStatus(mic, day.toISODate() ?? '', calendar);
      if (!status.trading && status.closure !== undefined) {
        closedDays.push({ market, date: status.date, reason: status.closure });
      }
    }
  }
  return { sessions, closedDays };
}

/**
 * The deployed wiring of a function on SDK clients that reach the endpoint in-process: the SDK signs,
 * serializes and parses as over HTTP, without a loopback socket per call (most of the sandbox's CPU otherwise).
 */
function sandboxWiring(
  local: LocalAws,
  triggers: ServerlessTriggers,
  config: PolicyConfig,
  own: FunctionCredentials,
  clock: Clock,
): GatewayWiring {
  return {
    names: serviceNames(triggers, own.functionName),
    regions: config.regions,
    accounts: config.accounts,
    // Paced on the simulated clock, to the throttling the endpoint enforces (set to the config's limits).
    pacing: clock,
    // Spoke credentials expire on the endpoint's simulated clock, so they are renewed on it too.
    clock,
    requestLimits: ec2RequestLimits(config.ec2RequestLimits),
    clientSettings: (scope) => ({
      ...inProcessSdkConfig(local, scope.region ?? triggers.region),
      credentials: own.credentials,
    }),
    // The function's log, shipped as Lambda would: its EMF documents become the endpoint's metrics.
    metricLog: lambdaLogShipper(local.admin, own.functionName),
  };
}

/** The config's raised EC2 request limits as the endpoint's throttle takes them (nothing when it states none). */
export function endpointRequestLimits(config: PolicyConfig): Pick<LocalAwsSettings, 'requestLimits'> {
  const stated = config.ec2RequestLimits;
  if (stated === undefined) return {};
  const requestLimits: NonNullable<LocalAwsSettings['requestLimits']> = {};
  for (const apiClass of EC2_API_CLASSES) {
    const bucket = stated[apiClass];
    if (bucket !== undefined)
      requestLimits[apiClass] = { capacity: bucket.capacity, refillPerSecond: bucket.refillPerSecond };
  }
  return { requestLimits };
}

/** The invocation's context, its remaining time counted on the simulated clock from the function's timeout. */
function sandboxContext(
  functionName: string,
  time: string,
  timeoutSeconds: number,
  clock: Clock,
  region: string,
): Context {
  const awsRequestId = `${functionName}-${Date.parse(time)}-${Math.random().toString(16).slice(2, 10)}`;
  return lambdaContext({
    functionName,
    awsRequestId,
    logStreamName: 'sandbox',
    timeoutSeconds,
    clock,
    region,
  });
}

interface FunctionRoleCredentials extends FunctionCredentials {
  role: FunctionRole;
}

/** Each function's credentials: an access key id of its role, as Lambda hands the role's session to it. */
function functionCredentials(roles: readonly FunctionRole[]): FunctionRoleCredentials[] {
  return roles.map((role) => ({
    functionName: role.functionName,
    role,
    credentials: { accessKeyId: accessKeyIdFor(role.roleName), secretAccessKey: 'sandbox-role-secret' },
  }));
}

export function describePayload(payload: Record<string, unknown>): string {
  return Object.entries(payload)
    .map(([key, value]) =>
      value === true ? key : `${key}=${Array.isArray(value) ? value.join(',') : String(value)}`,
    )
    .join(' ');
}

/** An invocation record of a handler that ran and threw (not one lost, throttled or never made). */
function ranAndFailed(error: string | undefined): boolean {
  return error !== undefined && error !== LOST && !error.startsWith(THROTTLED) && error !== NO_HANDLER;
}

/** The message of a structured error answer (`{ error: { message } }`), if the answer is one. */
export function errorOf(answer: unknown): string | undefined {
  if (typeof answer !== 'object' || answer === null || !('error' in answer)) return undefined;
  const error = (answer as { error: unknown }).error;
  if (typeof error === 'object' && error !== null && 'message' in error)
    return String((error as { message: unknown }).message);
  return String(error);
}
