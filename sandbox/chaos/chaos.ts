/**
 * `npm run chaos`: the sandbox's week with faults injected at random, repeatably from a
 * seed, judged against the same window run without faults. The owner's losses are measured on the ground
 * truth (the endpoint's capacity samples and call log), never on what the service said about itself:
 * - a reclaim that missed its bell: at a session's open, more lent than in the fault-free run;
 * - a lent instance that should have been back: during a session, more lent than in the fault-free run;
 * - a change with no record: a successful Update with no request record (tags) or no published event after it.
 * A loss is explained only by an injected fault that made it unavoidable AND a page (a message on the alarm
 * topic, sandbox/pager.ts) that went out between the fault and the loss (for a capacity loss: before the bell)
 * saying why: naming the reservation, or an alarm on a failure; otherwise it is reported as unexplained.
 */
import type { LocalAws } from '@odcr-reclaimer/local-aws/server.ts';
import type { CallRecord, EventRecord } from '@odcr-reclaimer/local-aws/types.ts';
import { ConfiguredRetryStrategy } from '@smithy/core/retry';
import type { Page } from '#sandbox/pager.ts';
import type { SimulationResult } from '#sandbox/result.ts';
import { type InvocationPlan, type PlannedInvocation, prepareSandbox, runSandbox } from '#sandbox/runner.ts';
import type { LoadedScenario } from '#sandbox/scenario.ts';
import { DETAIL_TYPE } from '#shared/events/service-events.ts';
import { SDK_CLIENT_SETTINGS } from '#shared/gateways/aws-call.ts';
import type { CapacityGateway, Gateways } from '#shared/gateways/index.ts';
import { TAG } from '#shared/records/tag-keys.ts';
import type { GatewayWiring } from '#shared/runtime/gateways.ts';
import { createRandom, type Random } from './random.ts';

export const FAULT_KINDS = [
  'throttling',
  '5xx',
  'slow-past-timeout',
  'incorrect-state',
  'putevents-partial',
  'duplicate-event',
  'late-event',
  'out-of-order-event',
  'lost-tracker-run',
  'handler-died',
  'borrowers-stuck',
  'failed-allocation',
  'denied-call',
  'cloudwatch-down',
  'tracker-enable-lost',
  'run-killed-after-update',
  'concurrent-triggers',
] as const;
export type FaultKind = (typeof FAULT_KINDS)[number];

export interface InjectedFault {
  kind: FaultKind;
  at: string;
  /** The invocation it was injected on. */
  functionName: string;
  trigger: string;
  detail: string;
  reservationId?: string;
}

export type LossKind = 'missed-bell' | 'lent-not-back' | 'change-without-record';

export interface Loss {
  kind: LossKind;
  reservationId: string;
  at: string;
  detail: string;
  /** The injected fault that made it unavoidable, in words; absent: unexplained. */
  explanation?: string;
  explainedBy?: FaultKind;
  /** The page that told on-call, before the loss. */
  pagedBy?: Page;
}

export interface FaultTally {
  kind: FaultKind;
  injected: number;
  /** Injections after which the owner lost nothing they could be blamed for. */
  survived: number;
  losses: number;
}

export interface ChaosReport {
  seed: number;
  days?: number;
  window: { start: string; end: string };
  /** The scenario's zone, in which the report shows times (with UTC beside them). */
  timeZone: string;
  faults: InjectedFault[];
  tally: FaultTally[];
  losses: Loss[];
  unexplained: Loss[];
  invocations: { total: number; failed: number };
  /** Messages on the alarm topic in the chaos run (the fault-free run must have none). */
  pages: number;
  /** Pages of the fault-free run: each is a false alarm. */
  baselinePages: number;
  wallMilliseconds: number;
}

export interface ChaosOptions {
  scenario: LoadedScenario;
  seed: number;
  /** Days from the scenario's start; the scenario's whole window when absent. */
  days?: number;
  /** The fault-free run of the same window, when the caller has it already. */
  baseline?: SimulationResult;
  /**
   * Exactly one fault of this kind, at the first invocation from `after` (simulated ms) that it applies to,
   * instead of faults at random.
   */
  single?: { kind: FaultKind; after: number };
  /** Chance that an invocation gets a fault (each kind then drawn by its weight). */
  faultRate?: number;
}

const FAST_RETRY = new ConfiguredRetryStrategy(SDK_CLIENT_SETTINGS.maxAttempts, () => 1);
const MINUTE = 60_000;
/** The EventBridge gateway's attempts per entry (its default). */
const ENTRY_ATTEMPTS = 3;

/** The process died: nothing after the update ran (no record, no event), as when Lambda times out or crashes. */
export class HandlerDiedError extends Error {
  override readonly name = 'HandlerDiedError';
}

const WEIGHTS: Record<FaultKind, number> = {
  throttling: 3,
  '5xx': 3,
  'slow-past-timeout': 2,
  'incorrect-state': 2,
  'putevents-partial': 2,
  'duplicate-event': 3,
  'late-event': 2,
  'out-of-order-event': 2,
  'lost-tracker-run': 2,
  'handler-died': 2,
  'borrowers-stuck': 1,
  'failed-allocation': 2,
  'denied-call': 3,
  'cloudwatch-down': 2,
  'tracker-enable-lost': 2,
  'run-killed-after-update': 2,
  'concurrent-triggers': 2,
};

/** IAM's refusal as each service spells it (shared/gateways/aws-call.ts counts these). */
const DENIAL_CODE = {
  ec2: 'UnauthorizedOperation',
  cloudwatch: 'AccessDenied',
  events: 'AccessDeniedException',
  dynamodb: 'AccessDeniedException',
} as const;

type DeniableService = keyof typeof DENIAL_CODE;

/** Calls a role could lose its grant for: every action the functions make (metrics are log lines, no call). */
const DENIABLE_ACTIONS: Record<DeniableService, readonly string[]> = {
  ec2: [
    'DescribeCapacityReservations',
    'UpdateInterruptibleCapacityReservationAllocation',
    'CreateTags',
    'DeleteTags',
  ],
  cloudwatch: ['DescribeAlarms', 'GetMetricData'],
  events: ['PutEvents', 'EnableRule', 'DisableRule'],
  dynamodb: ['PutItem'],
};
const DENIABLE = (Object.entries(DENIABLE_ACTIONS) as [DeniableService, readonly string[]][]).flatMap(
  ([service, actions]) => actions.map((action) => ({ service, action })),
);

/** The deaths a fault arms: each strikes the first run that updates, at the first call it guards after that. */
type Death = 'handler-died' | 'run-killed-after-update';
const DEATHS: Record<
  Death,
  { armed: string; struck: (reservationId: string) => string; error: string; endsUpdate: boolean }
> = {
  // Guards the record writes: the capacity gateway's tag calls.
  'handler-died': {
    armed: 'armed: the next run that updates dies before its record',
    struck: (reservationId) => `died between an update of ${reservationId} and its record`,
    error: 'handler died between the update and its record (chaos)',
    // The update it died after is spent: the run's later calls follow no update of their own.
    endsUpdate: true,
  },
  // Guards the events gateway's publish and tracker enable.
  'run-killed-after-update': {
    armed: 'armed: the next run that updates is killed before its events and tracker',
    struck: (reservationId) =>
      `killed after an update of ${reservationId} and its record, before its events and tracker`,
    error: 'run killed after its update (chaos)',
    endsUpdate: false,
  },
};

export async function runChaos(options: ChaosOptions): Promise<ChaosReport> {
  const started = performance.now();
  const window = options.days === undefined ? {} : { days: options.days };
  const prepared = prepareSandbox({ scenario: options.scenario, ...window });
  const baseline =
    options.baseline ?? (await runSandbox({ scenario: options.scenario, ...window, prepared }));
  const injector = new FaultInjector(
    createRandom(options.seed),
    options.faultRate ?? 0.25,
    prepared.triggers.region,
    options.single,
  );
  const chaos = await runSandbox({
    scenario: options.scenario,
    ...window,
    prepared,
    hooks: {
      started: (local) => injector.attach(local),
      beforeInvoke: (invocation) => injector.plan(invocation),
      wiring: (wiring) => injector.wiring(wiring),
      gateways: (gateways) => injector.gateways(gateways),
      finished: (local) => injector.collect(local),
    },
  });
  const pages = chaos.pages ?? [];
  const losses = [...capacityLosses(baseline, chaos), ...recordLosses(injector.calls, injector.events)].map(
    (loss) => explain(loss, injector.faults, injector.calls, pages),
  );
  return {
    seed: options.seed,
    ...window,
    window: chaos.window,
    timeZone: chaos.timeZone,
    faults: injector.faults,
    tally: tally(injector.faults, losses),
    losses,
    unexplained: losses.filter((loss) => loss.explanation === undefined),
    invocations: {
      total: chaos.invocations.length,
      failed: chaos.invocations.filter((invocation) => !invocation.ok).length,
    },
    pages: pages.length,
    baselinePages: baseline.pages?.length ?? 0,
    wallMilliseconds: performance.now() - started,
  };
}

class FaultInjector {
  readonly faults: InjectedFault[] = [];
  calls: CallRecord[] = [];
  events: EventRecord[] = [];
  private local: LocalAws | undefined;
  /** Each armed death, with the index in `faults` of the fault that armed it, to note where it struck. */
  private readonly armed = new Map<Death, number>();
  private updated = false;
  private lastUpdated = '';
  private stuck = 0;

  private singleDone = false;

  constructor(
    private readonly random: Random,
    private readonly rate: number,
    /** The functions' region: the events chaos replays concurrently come from it. */
    private readonly region: string,
    private readonly single?: { kind: FaultKind; after: number },
  ) {}

  attach(local: LocalAws): void {
    this.local = local;
  }

  collect(local: LocalAws): void {
    this.calls = local.admin.calls().calls;
    this.events = local.admin.events().events;
  }

  /** The tracker's rule, as serverless.yml names it (learnt from the functions' wiring). */
  private trackerRule = '';

  /** The sandbox's wiring with retries and PutEvents backoff that do not wait on the wall clock. */
  wiring(wiring: GatewayWiring): GatewayWiring {
    this.trackerRule = wiring.names.trackerRuleName;
    const settings = wiring.clientSettings;
    return {
      ...wiring,
      clientSettings: (scope) => ({ ...settings?.(scope), retryStrategy: FAST_RETRY }),
      sleep: () => Promise.resolve(),
    };
  }

  /** The gateways with a capacity gateway that can die between an update and its record. */
  gateways(gateways: Gateways): Gateways {
    return { ...gateways, capacity: this.mortal(gateways.capacity), events: this.killable(gateways.events) };
  }

  plan(invocation: PlannedInvocation): InvocationPlan {
    this.updated = false;
    if (this.single !== undefined) {
      if (this.singleDone || invocation.at < this.single.after) return { deliver: true };
      const before = this.faults.length;
      const plan = this.inject(this.single.kind, invocation);
      this.singleDone = this.faults.length > before;
      return plan;
    }
    if (!this.random.chance(this.rate)) return { deliver: true };
    const applicable = { ...WEIGHTS };
    if (invocation.functionName !== 'track-reclamation') applicable['lost-tracker-run'] = 0;
    if (this.stuck > 0) applicable['borrowers-stuck'] = 0;
    for (const death of this.armed.keys()) applicable[death] = 0;
    return this.inject(this.random.weighted(applicable), invocation);
  }

  /** Injects one fault of `kind` on this invocation, if it applies to it (noted in `faults` when it does). */
  private inject(kind: FaultKind, invocation: PlannedInvocation): InvocationPlan {
    const note = (detail: string, reservationId?: string) =>
      this.faults.push({
        kind,
        at: new Date(invocation.at).toISOString(),
        functionName: invocation.functionName,
        trigger: invocation.trigger,
        detail,
        ...(reservationId === undefined ? {} : { reservationId }),
      });
    const admin = this.endpoint().admin;
    switch (kind) {
      case 'failed-allocation': {
        const lent = admin
          .listReservations()
          .reservations.filter((reservation) => (reservation.allocation?.current ?? 0) > 0);
        if (lent.length === 0) return { deliver: true };
        const target = this.random.pick(lent);
        const count = this.random.integer(1, 2);
        admin.injectFault({ service: 'ec2', kind: 'allocation-fails', reservationId: target.id, count });
        note(`next ${count} changes of ${target.id} leave its allocation failed`, target.id);
        return { deliver: true };
      }
      case 'denied-call': {
        const { service, action } = this.random.pick(DENIABLE);
        const count = this.random.integer(1, 3);
        admin.injectFault({ service, action, error: DENIAL_CODE[service], status: 403, count });
        note(`next ${count} ${service}:${action} calls denied (${DENIAL_CODE[service]})`);
        return { deliver: true };
      }
      case 'cloudwatch-down': {
        const count = this.random.integer(10, 40);
        admin.injectFault({ service: 'cloudwatch', status: 503, count });
        note(`CloudWatch down: next ${count} calls answer HTTP 503`);
        return { deliver: true };
      }
      case 'tracker-enable-lost': {
        // Enough failures to outlast the SDK's attempts: the enable is lost for this run (or the next few).
        const count = SDK_CLIENT_SETTINGS.maxAttempts * this.random.integer(1, 2);
        admin.injectFault({ service: 'events', action: 'EnableRule', status: 500, count });
        note(`next ${count} EnableRule calls fail (the tracker may stay disabled)`);
        return { deliver: true };
      }
      // Armed until a run makes an update: most runs change nothing, and the death comes after one.
      case 'handler-died':
      case 'run-killed-after-update': {
        this.armed.set(kind, this.faults.length);
        note(DEATHS[kind].armed);
        return { deliver: true };
      }
      case 'concurrent-triggers': {
        const concurrent = this.concurrentTriggers(invocation);
        note(
          `${concurrent.length + 1} triggers at once: ${[invocation.functionName, ...concurrent.map((other) => other.functionName)].join(', ')}`,
        );
        return { deliver: true, concurrent };
      }
      case 'throttling': {
        const count = this.random.integer(2, 8);
        admin.injectFault({ service: 'ec2', error: 'RequestLimitExceeded', count });
        note(`next ${count} EC2 calls throttled`);
        return { deliver: true };
      }
      case '5xx': {
        const service = this.random.pick(['ec2', 'cloudwatch', 'events'] as const);
        const count = this.random.integer(1, 6);
        const status = this.random.pick([500, 503] as const);
        admin.injectFault({ service, status, count });
        note(`next ${count} ${service} calls answer HTTP ${status}`);
        return { deliver: true };
      }
      case 'slow-past-timeout': {
        // The in-process endpoint cannot hold a socket past the SDK's timeout in simulated time: the SDK sees
        // what it would see, an attempt that times out (a transient error it retries), after a real delay.
        const count = this.random.integer(1, 3);
        admin.injectFault({ service: 'ec2', error: 'RequestTimeout', status: 503, latencyMs: 5, count });
        note(`next ${count} EC2 calls time out`);
        return { deliver: true };
      }
      case 'incorrect-state': {
        const count = this.random.integer(1, 3);
        admin.injectFault({
          service: 'ec2',
          action: 'UpdateInterruptibleCapacityReservationAllocation',
          error: 'IncorrectState',
          count,
        });
        note(`next ${count} updates refused with IncorrectState`);
        return { deliver: true };
      }
      case 'putevents-partial': {
        const entries = this.random.integer(1, 4);
        const count = this.random.integer(1, 4);
        admin.injectFault({
          service: 'events',
          action: 'PutEvents',
          kind: 'partial-failure',
          entries,
          count,
        });
        note(`first ${entries} entries of the next ${count} PutEvents fail`);
        return { deliver: true };
      }
      case 'duplicate-event': {
        const copies = this.random.integer(1, 3);
        note(`delivered ${copies + 1} times`);
        return { deliver: true, extraCopies: copies };
      }
      case 'late-event': {
        const minutes = this.random.integer(1, 20);
        note(`delivered again ${minutes} min late`);
        return { deliver: true, redeliverAfterMs: minutes * MINUTE };
      }
      case 'out-of-order-event': {
        const minutes = this.random.integer(2, 15);
        note(`held back ${minutes} min, after later events`);
        return { deliver: false, redeliverAfterMs: minutes * MINUTE };
      }
      case 'lost-tracker-run': {
        if (invocation.functionName !== 'track-reclamation') return { deliver: true };
        note('tracker invocation lost');
        return { deliver: false };
      }
      case 'borrowers-stuck': {
        if (this.stuck > 0) return { deliver: true };
        const lent = admin
          .listReservations()
          .reservations.filter((reservation) => (reservation.allocation?.borrowers.length ?? 0) > 0);
        // The most borrowed first: that is where a reclaim needs borrowers to shut down.
        lent.sort((a, b) => (b.allocation?.borrowers.length ?? 0) - (a.allocation?.borrowers.length ?? 0));
        const target = lent.length === 0 ? undefined : this.random.pick(lent.slice(0, 2));
        if (target === undefined) return { deliver: true };
        this.stuck++;
        admin.injectFault({ service: 'ec2', kind: 'borrowers-stuck', reservationId: target.id });
        note(`borrowers of ${target.id} never shut down once warned`, target.id);
        return { deliver: true };
      }
    }
  }

  /**
   * The same trigger again, the last alarm state change again, and a tracker poll, all at once with the
   * invocation: every kind of trigger racing on the fleet.
   */
  private concurrentTriggers(
    invocation: PlannedInvocation,
  ): { functionName: string; trigger: string; event: unknown }[] {
    const admin = this.endpoint().admin;
    const at = new Date(invocation.at).toISOString().replace(/\.\d{3}Z$/, 'Z');
    const others: { functionName: string; trigger: string; event: unknown }[] = [
      {
        functionName: invocation.functionName,
        trigger: `${invocation.trigger} (concurrent)`,
        event: invocation.event,
      },
    ];
    const alarm = admin.events({ detailType: 'CloudWatch Alarm State Change' }).events.at(-1);
    if (alarm !== undefined) {
      others.push({
        functionName: 'reclaim-on-alarm',
        trigger: 'alarm (concurrent)',
        event: {
          version: '0',
          id: `concurrent-${invocation.at}`,
          'detail-type': alarm['detail-type'],
          source: alarm.source,
          account: alarm.account ?? admin.getSettings().settings.accountId,
          time: at,
          region: alarm.region ?? this.region,
          resources: alarm.resources ?? [],
          detail: alarm.detail,
        },
      });
    }
    if (invocation.functionName !== 'track-reclamation') {
      const rule = admin.ruleList().rules.find((candidate) => candidate.name === this.trackerRule);
      others.push({
        functionName: 'track-reclamation',
        trigger: 'tracker (concurrent)',
        event: {
          version: '0',
          id: `concurrent-tracker-${invocation.at}`,
          'detail-type': 'Scheduled Event',
          source: 'aws.events',
          account: admin.getSettings().settings.accountId,
          time: at,
          region: this.region,
          resources: rule === undefined ? [] : [rule.arn],
          detail: {},
        },
      });
    }
    return others;
  }

  /** Ends the run with `death` when it is armed and the run has updated: notes where it struck. */
  private strike(death: Death): void {
    const index = this.armed.get(death);
    if (index === undefined || !this.updated) return;
    this.armed.delete(death);
    const { struck, error, endsUpdate } = DEATHS[death];
    if (endsUpdate) this.updated = false;
    const fault = this.faults[index];
    if (fault) {
      fault.at = this.endpoint().clock.now().toISOString();
      fault.detail = struck(this.lastUpdated);
      fault.reservationId = this.lastUpdated;
    }
    throw new HandlerDiedError(error);
  }

  /** An events gateway whose run is killed at its first call after an update, when armed. */
  private killable(events: Gateways['events']): Gateways['events'] {
    const die = () => this.strike('run-killed-after-update');
    return {
      publish: async (batch) => {
        die();
        return events.publish(batch);
      },
      enableTracker: async () => {
        die();
        return events.enableTracker();
      },
      disableTracker: () => events.disableTracker(),
    };
  }

  /** A capacity gateway that dies between a successful update and the record, when armed. */
  private mortal(capacity: CapacityGateway): CapacityGateway {
    const die = () => this.strike('handler-died');
    const updated = (request: { reservationId: string; dryRun?: boolean }) => {
      if (request.dryRun) return;
      this.updated = true;
      this.lastUpdated = request.reservationId;
    };
    return {
      describeManaged: (options) => capacity.describeManaged(options),
      createAllocation: async (request) => {
        const change = await capacity.createAllocation(request);
        updated(request);
        return change;
      },
      updateAllocation: async (request) => {
        const change = await capacity.updateAllocation(request);
        updated(request);
        return change;
      },
      tag: async (reservationId, tags) => {
        die();
        return capacity.tag(reservationId, tags);
      },
      untag: (reservationId, keys) => capacity.untag(reservationId, keys),
      tagMany: async (requests) => {
        die();
        return capacity.tagMany?.(requests) ?? [];
      },
      untagMany: async (requests) => capacity.untagMany?.(requests) ?? [],
    };
  }

  private endpoint(): LocalAws {
    if (this.local === undefined) throw new Error('the chaos injector is not attached to an endpoint yet');
    return this.local;
  }
}

/** Lent count of a reservation at `at`: the last sample at or before it. */
function lentAt(result: SimulationResult, reservationId: string, at: number): number | undefined {
  let lent: number | undefined;
  for (const sample of result.samples) {
    if (Date.parse(sample.time) > at) break;
    const point = sample.reservations[reservationId];
    if (point !== undefined) lent = point.lent;
  }
  return lent;
}

/** Missed bells and lent instances that should have been back, against the fault-free run. */
export function capacityLosses(baseline: SimulationResult, chaos: SimulationResult): Loss[] {
  const losses: Loss[] = [];
  for (const session of chaos.sessions) {
    const open = Date.parse(session.open);
    const close = Date.parse(session.close);
    const times = [
      open,
      ...chaos.samples.map((sample) => Date.parse(sample.time)).filter((time) => time > open && time < close),
    ];
    for (const reservation of chaos.reservations) {
      if (reservation.market !== undefined && reservation.market !== session.market) continue;
      let worst: { at: number; excess: number; expected: number } | undefined;
      let missedBell: Loss | undefined;
      for (const time of times) {
        const expected = lentAt(baseline, reservation.id, time);
        const seen = lentAt(chaos, reservation.id, time);
        if (expected === undefined || seen === undefined || seen <= expected) continue;
        if (time === open) {
          missedBell = {
            kind: 'missed-bell',
            reservationId: reservation.id,
            at: new Date(time).toISOString(),
            detail: `${session.market} ${session.date} opened with ${seen} lent, ${expected} without faults`,
          };
        } else if (worst === undefined || seen - expected > worst.excess) {
          worst = { at: time, excess: seen - expected, expected };
        }
      }
      if (missedBell) losses.push(missedBell);
      else if (worst) {
        losses.push({
          kind: 'lent-not-back',
          reservationId: reservation.id,
          at: new Date(worst.at).toISOString(),
          detail: `${session.market} ${session.date}: ${worst.excess} more lent than without faults`,
        });
      }
    }
  }
  return losses;
}

function paramsOf(call: CallRecord): Record<string, string> {
  return (call.params ?? {}) as Record<string, string>;
}

/** Successful updates without a request record (tags) or an `Allocation Change Requested` event after them. */
export function recordLosses(calls: readonly CallRecord[], events: readonly EventRecord[]): Loss[] {
  const losses: Loss[] = [];
  const tagWrites = calls.filter((call) => call.action === 'CreateTags' && call.outcome === 'ok');
  const requested = events.filter((event) => event['detail-type'] === DETAIL_TYPE.changeRequested);
  for (const update of calls) {
    if (update.action !== 'UpdateInterruptibleCapacityReservationAllocation' || update.outcome !== 'ok')
      continue;
    const params = paramsOf(update);
    if (params['DryRun'] === 'true') continue;
    const id = params['CapacityReservationId'] ?? '';
    const target = params['TargetInstanceCount'] ?? '';
    const at = Date.parse(update.at);
    const recorded = tagWrites.some((call) => {
      if (Date.parse(call.at) < at) return false;
      const tagParams = paramsOf(call);
      const resources = Object.entries(tagParams)
        .filter(([key]) => key.startsWith('ResourceId.'))
        .map(([, value]) => value);
      const index = Object.entries(tagParams).find(([, value]) => value === TAG.requestedTarget)?.[0];
      const value = index === undefined ? undefined : tagParams[index.replace('.Key', '.Value')];
      return resources.includes(id) && value === target;
    });
    const published = requested.some((event) => {
      const detail = event.detail as { reservationId?: unknown; to?: unknown };
      return detail.reservationId === id && String(detail.to) === target && Date.parse(event.time) >= at;
    });
    if (!recorded || !published) {
      losses.push({
        kind: 'change-without-record',
        reservationId: id,
        at: update.at,
        detail: `update to ${target}: ${[recorded ? '' : 'no request record', published ? '' : 'no event']
          .filter(Boolean)
          .join(', ')}`,
      });
    }
  }
  return losses;
}

/** Which injected fault an AWS error code comes from. */
const FAULT_OF_CODE: Record<string, FaultKind> = {
  RequestLimitExceeded: 'throttling',
  InternalError: '5xx',
  ServiceUnavailable: '5xx',
  RequestTimeout: 'slow-past-timeout',
  IncorrectState: 'incorrect-state',
  UnauthorizedOperation: 'denied-call',
  AccessDenied: 'denied-call',
  AccessDeniedException: 'denied-call',
};
/** How long before a loss a fault can have caused it: the reclaim it delayed and the retries after it. */
const CAUSE_WINDOW_MS = 60 * MINUTE;
/** A record loss must page within this long: no bell, but on-call hears of it while it is fresh. */
const RECORD_PAGE_WINDOW_MS = 15 * MINUTE;
/** Faults that act on the whole run, not one reservation: any one injected shortly before may be the cause. */
const RUN_FAULTS: ReadonlySet<FaultKind> = new Set([
  'denied-call',
  'cloudwatch-down',
  'tracker-enable-lost',
  'run-killed-after-update',
  'concurrent-triggers',
  'handler-died',
]);

/**
 * The page that told on-call about a loss: between its cause and the loss (a capacity loss: at the latest at
 * the bell; a record loss: soon after), naming the reservation or an alarm going off on a failure.
 */
export function pageFor(loss: Loss, pages: readonly Page[], since: number): Page | undefined {
  const at = Date.parse(loss.at);
  const [from, to] = loss.kind === 'change-without-record' ? [at, at + RECORD_PAGE_WINDOW_MS] : [since, at];
  return pages.find((page) => {
    const time = Date.parse(page.at);
    if (time < from || time > to) return false;
    return page.kind === 'alarm'
      ? page.subject === 'ALARM'
      : page.reservationIds.includes(loss.reservationId);
  });
}
/** How far back an EC2 refusal can explain capacity still lent: the reclaim it delayed. */
const REFUSAL_WINDOW_MS = 30 * MINUTE;

/** The fault that made a loss unavoidable and the page that said so before it; else the loss unexplained. */
export function explain(
  loss: Loss,
  faults: readonly InjectedFault[],
  calls: readonly CallRecord[],
  pages: readonly Page[],
): Loss {
  const caused = cause(loss, faults, calls);
  if (caused.explanation === undefined) return loss;
  const since = Date.parse(loss.at) - CAUSE_WINDOW_MS;
  const page = pageFor(loss, pages, since);
  if (page === undefined) {
    return { ...loss, detail: `${loss.detail}; ${caused.explainedBy} could explain it, but nothing paged` };
  }
  return {
    ...caused,
    explanation: `${caused.explanation}; paged at ${page.at} by ${page.from} (${page.subject}: ${page.message})`,
    pagedBy: page,
  };
}

/** A fault that acts on the whole run, injected shortly before the loss: the run it broke. */
function runFault(loss: Loss, faults: readonly InjectedFault[]): Loss | undefined {
  const at = Date.parse(loss.at);
  const fault = faults.findLast(
    (candidate) =>
      (RUN_FAULTS.has(candidate.kind) ||
        (candidate.kind === 'failed-allocation' && candidate.reservationId === loss.reservationId)) &&
      Date.parse(candidate.at) <= at + (loss.kind === 'change-without-record' ? MINUTE : 0) &&
      at - Date.parse(candidate.at) <= CAUSE_WINDOW_MS,
  );
  if (fault === undefined) return undefined;
  return {
    ...loss,
    explainedBy: fault.kind,
    explanation: `${fault.kind} injected at ${fault.at} on ${fault.functionName}: ${fault.detail}`,
  };
}

/** The fault that made a loss unavoidable, if any. */
function cause(loss: Loss, faults: readonly InjectedFault[], calls: readonly CallRecord[]): Loss {
  const at = Date.parse(loss.at);
  if (loss.kind === 'missed-bell' || loss.kind === 'lent-not-back') {
    const stuck = faults.find(
      (fault) =>
        fault.kind === 'borrowers-stuck' &&
        fault.reservationId === loss.reservationId &&
        Date.parse(fault.at) <= at,
    );
    if (stuck) {
      return {
        ...loss,
        explainedBy: 'borrowers-stuck',
        explanation: `EC2 never finished: borrowers of ${loss.reservationId} never shut down after their warning (injected ${stuck.at}); the service asked in time and reported the stall`,
      };
    }
    // EC2 refused the reclaim (after the SDK's retries): the service deferred it and applied it at the next
    // run; the capacity came back that much later.
    const refused = calls.filter(
      (call) =>
        call.action === 'UpdateInterruptibleCapacityReservationAllocation' &&
        call.outcome !== 'ok' &&
        paramsOf(call)['CapacityReservationId'] === loss.reservationId &&
        Date.parse(call.at) <= at &&
        at - Date.parse(call.at) <= REFUSAL_WINDOW_MS,
    );
    const last = refused[refused.length - 1];
    const kind = last === undefined ? undefined : FAULT_OF_CODE[last.outcome];
    if (last !== undefined && kind !== undefined) {
      return {
        ...loss,
        explainedBy: kind,
        explanation: `EC2 refused the reclaim of ${loss.reservationId} (${last.outcome} at ${last.at}, after the SDK's retries); it went through at the next run`,
      };
    }
    return runFault(loss, faults) ?? loss;
  }
  // A run that dies after its updates loses the records of every update it made.
  const died = faults.find(
    (fault) =>
      fault.kind === 'handler-died' &&
      fault.detail.startsWith('died') &&
      Date.parse(fault.at) >= at &&
      Date.parse(fault.at) - at < MINUTE,
  );
  if (died) {
    return {
      ...loss,
      explainedBy: 'handler-died',
      explanation: `the ${died.functionName} run died after its updates, before their records (${died.at})`,
    };
  }
  // The tags were written but EventBridge refused the event on every attempt (SDK retries, then entry retries).
  const refusedPut = calls.find(
    (call) =>
      call.action === 'PutEvents' &&
      Date.parse(call.at) >= at &&
      Date.parse(call.at) - at < MINUTE &&
      call.outcome !== 'ok',
  );
  // Partial failures answer 200: the gateway's entry retries show as repeated puts of the same entry.
  const entryMarker = `"reservationId\\":\\"${loss.reservationId}\\"`;
  const putsOfEntry = calls.filter((call) => {
    if (call.action !== 'PutEvents' || Date.parse(call.at) < at || Date.parse(call.at) - at >= MINUTE)
      return false;
    const text = JSON.stringify(call.params);
    return text.includes(entryMarker) && text.includes(DETAIL_TYPE.changeRequested);
  }).length;
  const partial =
    putsOfEntry >= ENTRY_ATTEMPTS
      ? faults.findLast((fault) => fault.kind === 'putevents-partial' && Date.parse(fault.at) <= at)
      : undefined;
  if (loss.detail.endsWith(': no event') && (refusedPut !== undefined || partial !== undefined)) {
    const kind: FaultKind = refusedPut ? (FAULT_OF_CODE[refusedPut.outcome] ?? '5xx') : 'putevents-partial';
    return {
      ...loss,
      explainedBy: kind,
      explanation: `EventBridge refused the event on every attempt (${refusedPut ? `${refusedPut.outcome} at ${refusedPut.at}` : `${putsOfEntry} puts of the entry; ${partial?.detail}`}); the change is recorded in the reservation's tags`,
    };
  }
  return runFault(loss, faults) ?? loss;
}

function tally(faults: readonly InjectedFault[], losses: readonly Loss[]): FaultTally[] {
  return FAULT_KINDS.map((kind) => {
    const injected = faults.filter((fault) => fault.kind === kind).length;
    const caused = new Set(
      losses.filter((loss) => loss.explainedBy === kind).map((loss) => `${loss.reservationId}@${loss.at}`),
    ).size;
    const injections =
      losses.filter((loss) => loss.explainedBy === kind).length === 0 ? 0 : Math.min(injected, caused);
    return { kind, injected, survived: injected - injections, losses: caused };
  });
}
