/**
 * `npm run oncall`: the friendly face of reclaim-on-demand. It turns flags into the function's payload,
 * checks it with the function's own schema before anything is sent, invokes the deployed function (Lambda)
 * or, with `--local`, the real handler in this process against the local endpoint, prints the answer, and
 * for a change follows the reservations until they reach their target or stall: a bar per reservation.
 */
import { parseArgs } from 'node:util';
import { InvokeCommand, type InvokeCommandOutput, LambdaClient } from '@aws-sdk/client-lambda';
import {
  DEFAULT_LOCAL_AWS_URL,
  LocalAwsAdminClient,
  sdkConfigFor,
} from '@odcr-reclaimer/local-aws/admin-client.ts';
import type { Context } from 'aws-lambda';
import { buildSandboxHandlers } from '#sandbox/handlers.ts';
import { lambdaContext } from '#sandbox/lambda-context.ts';
import { lambdaLogShipper } from '#sandbox/log-shipper.ts';
import { REPO_ROOT } from '#sandbox/runner.ts';
import { describeIssues } from '#sandbox/scenario.ts';
import {
  deployedNameOf,
  deployedRegion,
  readFunctionEnvironments,
  readFunctionTimeouts,
} from '#sandbox/service-definition.ts';
import { marketTimeZone } from '#shared/calendar/calendar.ts';
import type { Clock } from '#shared/clock.ts';
import { EXAMPLE_CONFIG_FILE } from '#shared/config/example-fleet.ts';
import { loadConfigFile } from '#shared/config/load-config.ts';
import type { PolicyConfig } from '#shared/config/schema.ts';
import { formatDuration, formatTime } from '#shared/display/time.ts';
import type { ReservationSnapshot } from '#shared/domain/reservation.ts';
import { ValidationError } from '#shared/errors/index.ts';
import { EVENT_SOURCE } from '#shared/events/service-events.ts';
import type { CapacityGateway, Gateways } from '#shared/gateways/index.ts';
import { createSilentLogger } from '#shared/logging/logger.ts';
import {
  checkOnDemandPayload,
  ON_DEMAND_ACTIONS,
  type OnDemandAction,
  onDemandPayloadSchema,
} from '#shared/on-demand/payload.ts';
import { calendarOptions } from '#shared/policy/lead.ts';
import { readRuntimeEnvironment } from '#shared/runtime/environment.ts';
import { createCapacityGateways, createGateways, type ServiceNames } from '#shared/runtime/gateways.ts';
import { formatTable, type OutputFormat, outputFormat } from './table.ts';
import { argumentProblem, endpointProblem, switchFlags, valueFlags } from './usage.ts';

/** The on-call function's key in serverless.yml; its deployed name is read from there. */
const ON_DEMAND_FUNCTION = 'reclaim-on-demand';

export const ONCALL_USAGE = `usage: npm run oncall -- <status|plan|reclaim|lend|clear|close-market|reopen-market> [scope] [amount] [expiry] [options]
  scope    --reservations cr-a,cr-b | --group <name> | --all
  amount   --count <n> | --target <n> | --everything          (reclaim, lend)
  expiry   --for <2h|90m|1h30m> | --until <ISO time>          (reclaim, lend)
  market   --market <MIC or custom market> --date <YYYY-MM-DD> (close-market, reopen-market)
  options  --reason "<text>"  --dry-run  --no-wait  --output table|json
           --local [--config <file>]   the handler in-process against AWS_ENDPOINT_URL or ${DEFAULT_LOCAL_AWS_URL}
           --function <name>           deployed function (default: $ODCR_ON_DEMAND_FUNCTION or serverless.yml's ${ON_DEMAND_FUNCTION})
  A change is followed to the end: a bar per reservation, redrawn in place on a terminal (a line per change
  when piped), with the elapsed time and EC2's status; the last line says how it ended. Exit codes: 0 done,
  1 refused, stalled or failed, 2 a mistake in the command. Against the local endpoint the clock moves as
  fast as the run asks; start it with \`npm run local-aws -- --example --speed 10\` to watch it in time.
examples
  npm run oncall -- status --all
  npm run oncall -- reclaim --reservations cr-0123456789abcdef0 --everything --for 2h --reason "market stress"
  npm run oncall -- lend --group risk-engine --count 1 --until 2026-03-12T21:00:00Z --dry-run --local
  npm run oncall -- close-market --market XNYS --date 2025-01-09 --reason "national day of mourning"`;

/** The command line is wrong (or the environment lacks what it needs, like a region): exit 2 with the usage. */
export class OnCallUsageError extends Error {
  override name = 'OnCallUsageError';
}

/** The function or AWS could not be reached, or answered something unreadable: exit 1, one line. */
export class OnCallRemoteError extends Error {
  override name = 'OnCallRemoteError';
}

/** SDK clients for the deployed mode; built from the environment when absent (tests pass their own). */
export interface OnCallClients {
  lambda?: LambdaClient;
  /** EC2 as the follow reads it; by default the gateway factory's, for the config's accounts and regions. */
  capacity?: CapacityGateway;
}

export interface OnCallCommand {
  action: OnDemandAction;
  payload: Record<string, unknown>;
  local: boolean;
  functionName: string;
  endpointUrl: string;
  configFile: string;
  wait: boolean;
  output: OutputFormat;
}

const integer = (flag: string, text: string): number => {
  if (!/^\d+$/.test(text)) throw new OnCallUsageError(`--${flag}: expected a whole number, got "${text}"`);
  return Number(text);
};

/**
 * Flags to a validated payload; every mistake names the flag (or payload field) it is in. The payload passes the
 * function's own rules (reason, at most 24 h, `until` ahead of `now`) before anything is sent. With --local the
 * endpoint's clock, not `now`, decides whether `until` lies ahead: the handler checks that against it.
 */
export function parseOnCallCommand(
  argv: readonly string[],
  env: NodeJS.ProcessEnv = process.env,
  now: Date = new Date(),
): OnCallCommand {
  let parsed: ReturnType<typeof parseOnCallArgs>;
  try {
    parsed = parseOnCallArgs(argv);
  } catch (error: unknown) {
    throw new OnCallUsageError(
      argumentProblem(error) ?? (error instanceof Error ? error.message : String(error)),
    );
  }
  const { values, positionals } = parsed;
  const [action, ...extra] = positionals;
  if (action === undefined)
    throw new OnCallUsageError(`missing the action: one of ${ON_DEMAND_ACTIONS.join(', ')}`);
  if (!(ON_DEMAND_ACTIONS as readonly string[]).includes(action)) {
    throw new OnCallUsageError(`unknown action "${action}": expected one of ${ON_DEMAND_ACTIONS.join(', ')}`);
  }
  if (extra.length > 0) throw new OnCallUsageError(`unexpected argument "${extra[0]}" (flags start with --)`);

  const payload: Record<string, unknown> = { action };
  if (values.reservations !== undefined) {
    payload.reservations = values.reservations
      .split(',')
      .map((id) => id.trim())
      .filter((id) => id !== '');
  }
  if (values.group !== undefined) payload.group = values.group;
  if (values.all) payload.all = true;
  if (values.count !== undefined) payload.count = integer('count', values.count);
  if (values.target !== undefined) payload.target = integer('target', values.target);
  if (values.everything) payload.everything = true;
  if (values.for !== undefined) payload.for = values.for;
  if (values.until !== undefined) payload.until = values.until;
  if (values.reason !== undefined) payload.reason = values.reason;
  if (values['dry-run']) payload.dryRun = true;
  if (values.market !== undefined) payload.market = values.market;
  if (values.date !== undefined) payload.date = values.date;

  const checked = onDemandPayloadSchema.safeParse(payload);
  if (!checked.success) throw new OnCallUsageError(describeIssues(checked.error).replace(/^(\w+)/gm, '--$1'));
  const scopes = ['reservations', 'group', 'all'].filter((key) => payload[key] !== undefined);
  if (scopes.length > 1)
    throw new OnCallUsageError(`give one scope, not ${scopes.map((key) => `--${key}`).join(' and ')}`);
  const amounts = ['count', 'target', 'everything'].filter((key) => payload[key] !== undefined);
  const changes = action === 'reclaim' || action === 'lend';
  if (changes && scopes.length === 0)
    throw new OnCallUsageError(`${action} needs a scope: --reservations, --group or --all`);
  if (changes && amounts.length !== 1) {
    throw new OnCallUsageError(`${action} needs exactly one amount: --count, --target or --everything`);
  }
  if (!changes && amounts.length > 0)
    throw new OnCallUsageError(`${action} takes no amount (--${amounts[0]})`);
  const expiries = ['for', 'until'].filter((key) => payload[key] !== undefined);
  if (expiries.length > 1) throw new OnCallUsageError('give --for or --until, not both');
  if (!changes && expiries.length > 0)
    throw new OnCallUsageError(`${action} takes no expiry (--${expiries[0]})`);

  const local = values.local ?? false;
  const configFile = values.config ?? env.ODCR_CONFIG_FILE ?? `${REPO_ROOT}/${EXAMPLE_CONFIG_FILE}`;
  try {
    checkOnDemandPayload(payload, {
      ...(local ? {} : { now }),
      // The deployed bundle carries the config `npm run build` was given (config/example.json by default).
      ...(payload.group === undefined ? {} : { groups: groupNames(configFile) }),
    });
  } catch (error: unknown) {
    if (!(error instanceof ValidationError)) throw error;
    throw new OnCallUsageError(asFlag(error.message));
  }

  return {
    action: action as OnDemandAction,
    payload,
    local,
    functionName: values.function ?? env.ODCR_ON_DEMAND_FUNCTION ?? deployedNameOf(ON_DEMAND_FUNCTION),
    endpointUrl: env.AWS_ENDPOINT_URL ?? DEFAULT_LOCAL_AWS_URL,
    configFile,
    wait: !(values['no-wait'] ?? false),
    output: outputFormatOf(values.output),
  };
}

/** `reason: required ...` → `--reason: required ...`: the payload field named as the flag that sets it. */
function asFlag(message: string): string {
  return message.replace(/^dryRun\b/, 'dry-run').replace(/^(\w[\w-]*)/, '--$1');
}

function groupNames(configFile: string): string[] {
  try {
    return loadConfigFile(configFile).azGroups.map((group) => group.name);
  } catch (error: unknown) {
    throw new OnCallUsageError(`--config: ${error instanceof Error ? error.message : String(error)}`);
  }
}

function parseOnCallArgs(argv: readonly string[]) {
  return parseArgs({
    args: [...argv],
    allowPositionals: true,
    strict: true,
    options: {
      ...valueFlags(
        'reservations',
        'group',
        'count',
        'target',
        'for',
        'until',
        'reason',
        'config',
        'function',
        'market',
        'date',
        'output',
      ),
      ...switchFlags('all', 'everything', 'dry-run', 'local', 'no-wait'),
    },
  });
}

function outputFormatOf(text: string | undefined): OutputFormat {
  try {
    return outputFormat(text, false);
  } catch (error: unknown) {
    throw new OnCallUsageError(error instanceof Error ? error.message : String(error));
  }
}

// ------------------------------------------------------------------------------ progress

const BAR_WIDTH = 24;

export interface ProgressRow {
  reservationId: string;
  name?: string;
  /** Allocation count when the change started. */
  start: number;
  current: number;
  target: number;
  status: string;
}

/** `xnys-trading-r7i  [████████░░░░░░░░]  60 → 30 → 0  updating`: how far the allocation has moved. */
export function formatProgressBar(row: ProgressRow): string {
  const distance = Math.abs(row.start - row.target);
  const moved = distance === 0 ? 1 : Math.min(1, Math.abs(row.start - row.current) / distance);
  const filled = Math.round(moved * BAR_WIDTH);
  const bar = `${'█'.repeat(filled)}${'░'.repeat(BAR_WIDTH - filled)}`;
  const label = (row.name ?? row.reservationId).padEnd(22);
  return `${label} [${bar}] ${String(row.current).padStart(4)} → ${String(row.target).padEnd(4)} ${row.status}`;
}

export type ProgressEnd = 'completed' | 'stalled' | 'timed out';

export interface FollowOptions {
  reservationIds: readonly string[];
  names: Record<string, string>;
  /** Each allocation's count before the change (the bars measure from it); the first look otherwise. */
  startCounts?: Record<string, number>;
  describe: () => Promise<ReservationSnapshot[]>;
  /** Waits between looks (the tracker's run with --local, a wall-clock pause otherwise). */
  step: () => Promise<void>;
  /** A stall the tracker reported, if any, since the change. */
  stalled: () => Promise<string | undefined>;
  write: (line: string) => void;
  maxSteps: number;
  /** Steps without any movement before the CLI itself calls it a stall (the deployed case). */
  patience: number;
  /** The time the change runs on, in ms: the endpoint's clock with --local, the wall clock otherwise. */
  now?: () => number;
  /** The zone times are shown in (the reservations' market's). */
  timeZone?: string;
  /** A terminal: each look redraws the bars in place; otherwise a new frame only when a bar moved. */
  tty?: boolean;
  /** Print no frames (`--output json` prints one document at the end). */
  silent?: boolean;
}

export interface FollowResult {
  end: ProgressEnd;
  /** What the tracker or the CLI said when it stalled. */
  detail?: string;
  elapsedMs: number;
  at: number;
  rows: ProgressRow[];
}

/** Cursor up over the previous frame and clear to the end of the screen: the next frame replaces it. */
const redrawOver = (lines: number): string => (lines > 0 ? `\u001b[${lines}A\u001b[J` : '');

/** Follows the reservations until all are at target and active, the tracker reports a stall, or time runs out. */
export async function followProgress(options: FollowOptions): Promise<FollowResult> {
  const now = options.now ?? Date.now;
  const zone = options.timeZone ?? 'UTC';
  const startedAt = now();
  const start = new Map<string, number>(Object.entries(options.startCounts ?? {}));
  let last = '';
  let drawnLines = 0;
  let still = 0;
  let rows: ProgressRow[] = [];
  const result = (end: ProgressEnd, detail?: string): FollowResult => ({
    end,
    ...(detail === undefined ? {} : { detail }),
    elapsedMs: now() - startedAt,
    at: now(),
    rows,
  });
  for (let step = 0; step <= options.maxSteps; step++) {
    const snapshots = (await options.describe()).filter((snapshot) =>
      options.reservationIds.includes(snapshot.reservationId),
    );
    rows = snapshots.map((snapshot) => {
      const current = snapshot.allocation?.current ?? 0;
      if (!start.has(snapshot.reservationId)) start.set(snapshot.reservationId, current);
      return {
        reservationId: snapshot.reservationId,
        ...(options.names[snapshot.reservationId] === undefined
          ? {}
          : { name: options.names[snapshot.reservationId] }),
        start: start.get(snapshot.reservationId) ?? current,
        current,
        target: snapshot.allocation?.target ?? 0,
        status: snapshot.allocation?.status ?? 'none',
      };
    });
    const picture = rows.map(formatProgressBar).join('\n');
    const moved = picture !== last;
    if (moved) still = 0;
    else still++;
    last = picture;
    if (!options.silent && (moved || options.tty)) {
      const header = `elapsed ${formatDuration(now() - startedAt)}  (${formatTime(now(), zone)})`;
      const frame = `${header}\n${picture}`;
      options.write(options.tty ? `${redrawOver(drawnLines)}${frame}` : frame);
      drawnLines = frame.split('\n').length;
    }
    if (
      rows.every((row) => row.current === row.target && row.status !== 'updating' && row.status !== 'pending')
    ) {
      return result('completed');
    }
    const stall = await options.stalled();
    if (stall !== undefined) return result('stalled', stall);
    if (still >= options.patience) return result('stalled', `no movement in ${still} looks`);
    if (step < options.maxSteps) await options.step();
  }
  return result('timed out');
}

/**
 * The one line a finished change ends with: `reclaim completed in 4 min 10 s: xnys-trading-r7i 60 → 0,
 * at Thu 12 Mar 18:04 EDT (22:04Z)`; `reclaim STALLED after ...: <why>`.
 */
export function formatFollowEnd(action: string, result: FollowResult, timeZone: string): string {
  const moves = result.rows
    .map(
      (row) =>
        `${row.name ?? row.reservationId} ${row.start} → ${row.current}${row.current === row.target ? '' : ` (target ${row.target})`}`,
    )
    .join(', ');
  const when = `${formatDuration(result.elapsedMs)}: ${moves}, at ${formatTime(result.at, timeZone)}`;
  if (result.end === 'completed') return `${action} completed in ${when}`;
  if (result.end === 'stalled') return `${action} STALLED after ${when}: ${result.detail ?? 'no movement'}`;
  return `${action} NOT DONE, stopped following after ${when}`;
}

// ------------------------------------------------------------------------------ running

/**
 * The deployed wiring against the local endpoint: serverless.yml's names for reclaim-on-demand unless the
 * environment names its own (a missing name is an error, never a guess), EC2 in each configured region.
 */
function invocationContext(functionName: string): Context {
  return lambdaContext({
    functionName,
    awsRequestId: `oncall-${Date.now().toString(36)}`,
    logStreamName: 'oncall-cli',
    region: deployedRegion(),
    timeoutSeconds: readFunctionTimeouts()['reclaim-on-demand'] ?? 0,
  });
}

function localNames(): ServiceNames {
  const deployed = readFunctionEnvironments()[ON_DEMAND_FUNCTION] ?? {};
  const overrides = Object.fromEntries(
    NAME_VARIABLES.flatMap((name) => (process.env[name] ? [[name, process.env[name]]] : [])),
  );
  return readRuntimeEnvironment({ ...deployed, ...overrides });
}

function gatewaysFor(url: string, region: string, config: PolicyConfig, names: ServiceNames): Gateways {
  return createGateways({
    names,
    regions: config.regions,
    accounts: config.accounts,
    clientSettings: (scope) => sdkConfigFor(url, scope.region ?? region),
    // The handler runs here, not in Lambda: its EMF lines go to the endpoint as Lambda would ship its log.
    metricLog: lambdaLogShipper(new LocalAwsAdminClient(url), ON_DEMAND_FUNCTION),
  });
}

const NAME_VARIABLES = [
  'EVENT_BUS_NAME',
  'TRACKER_RULE_NAME',
  'LEASE_TABLE_NAME',
  'METRICS_NAMESPACE',
  'POWERTOOLS_SERVICE_NAME',
];

/** Reservations a change answer touched (updated or deferred), with their names. */
interface ChangedOutcome {
  reservationId: string;
  name?: string;
  outcome: string;
  from: number;
}

export interface ChangedReservations {
  ids: string[];
  names: Record<string, string>;
  /** Each allocation's target before the change. */
  from: Record<string, number>;
}

export function changedReservations(answer: unknown): ChangedReservations {
  const outcomes =
    typeof answer === 'object' && answer !== null && 'result' in answer
      ? ((answer as { result?: { outcomes?: ChangedOutcome[] } }).result?.outcomes ?? [])
      : [];
  const moved = outcomes.filter((outcome) => outcome.outcome === 'updated' || outcome.outcome === 'deferred');
  return {
    ids: moved.map((outcome) => outcome.reservationId),
    names: Object.fromEntries(
      moved.flatMap((outcome) => (outcome.name ? [[outcome.reservationId, outcome.name]] : [])),
    ),
    from: Object.fromEntries(moved.map((outcome) => [outcome.reservationId, outcome.from])),
  };
}

/** The answer as asked: the table for people, or the function's own JSON. */
export function formatAnswerAs(output: OutputFormat, answer: unknown, timeZone = 'UTC'): string {
  return output === 'json' ? JSON.stringify(answer, null, 2) : formatAnswer(answer, timeZone);
}

interface StatusOverride {
  action: string;
  target: number;
  expiresAt: string;
  reason: string;
}

/** The answer for people: a table of the reservations (status) or of the outcomes (a change), then warnings. */
export function formatAnswer(answer: unknown, timeZone = 'UTC'): string {
  if (typeof answer !== 'object' || answer === null) return String(answer);
  const record = answer as Record<string, unknown>;
  if (record.ok === false) {
    const error = record.error as { code?: string; field?: string; message?: string; correlationId?: string };
    return `refused (${error.code ?? 'error'}${error.field ? `, ${error.field}` : ''}): ${error.message ?? ''}${error.correlationId ? `\ncorrelation id ${error.correlationId}` : ''}`;
  }
  const sections: string[] = [];
  if (Array.isArray(record.reservations)) {
    const statuses = record.reservations as Record<string, unknown>[];
    sections.push(
      formatTable(
        [
          'reservation',
          'owned',
          'owner needs',
          'lent now',
          'running',
          'lent target',
          'EC2 status',
          'would lend',
        ],
        statuses.map((status) => [
          String(status.name ?? status.reservationId),
          String(status.owned),
          String(status.need),
          String(status.lent),
          status.borrowed === undefined ? '-' : String(status.borrowed),
          String(status.target),
          String(status.status),
          String(status.decidedTarget),
        ]),
        {
          rightAligned: [1, 2, 3, 4, 5, 7],
          details: statuses.map((status) => {
            const override = status.override as StatusOverride | null | undefined;
            return [
              ...((status.reasons as string[] | undefined) ?? []),
              ...(override
                ? [
                    `override: ${override.action} to ${override.target} until ${formatTime(override.expiresAt, timeZone)} (${override.reason})`,
                  ]
                : []),
            ];
          }),
        },
      ),
    );
  }
  const result = record.result as { outcomes?: Record<string, unknown>[]; warnings?: string[] } | undefined;
  const outcomes = result?.outcomes ?? [];
  if (outcomes.length > 0) {
    sections.push(
      formatTable(
        ['reservation', 'outcome', 'lent: from → to'],
        outcomes.map((outcome) => [
          String(outcome.name ?? outcome.reservationId),
          String(outcome.outcome),
          `${outcome.from} → ${outcome.to}`,
        ]),
        { details: outcomes.map((outcome) => (outcome.reasons as string[] | undefined) ?? []) },
      ),
    );
  }
  const warnings = [...((record.warnings as string[] | undefined) ?? []), ...(result?.warnings ?? [])];
  if (warnings.length > 0) sections.push(warnings.map((warning) => `warning: ${warning}`).join('\n'));
  return sections.join('\n\n');
}

export interface OnCallIo {
  write: (line: string) => void;
  /** stdout is a terminal: progress redraws in place. */
  isTTY?: boolean;
}

export interface OnCallMainIo extends OnCallIo {
  writeError: (text: string) => void;
}

/**
 * The whole CLI: parse, run, and turn failures into an exit code with one clear line (2 for a usage mistake,
 * with the usage; 1 for a remote failure). Anything else is a bug and keeps its stack.
 */
export async function mainOnCall(
  argv: readonly string[],
  io: OnCallMainIo,
  env: NodeJS.ProcessEnv = process.env,
  clients: OnCallClients = {},
): Promise<number> {
  try {
    return await runOnCall(parseOnCallCommand(argv, env), io, clients);
  } catch (error: unknown) {
    if (error instanceof OnCallUsageError) {
      io.writeError(`${error.message}\n\n${ONCALL_USAGE}\n`);
      return 2;
    }
    if (error instanceof OnCallRemoteError) {
      io.writeError(`${error.message}\n`);
      return 1;
    }
    throw error;
  }
}

/** Runs the command; returns the exit code (0 ok, 1 refused or stalled). */
export async function runOnCall(
  command: OnCallCommand,
  io: OnCallIo,
  clients: OnCallClients = {},
): Promise<number> {
  if (command.local) return runLocal(command, io);
  return runDeployed(command, io, clients);
}

/** `Name: message (HTTP 502)`: what went wrong with an AWS call, on one line. */
function describeRemoteFailure(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  const status = (error as { $metadata?: { httpStatusCode?: unknown } }).$metadata?.httpStatusCode;
  const message = error.message.split('\n')[0] ?? '';
  return `${error.name}: ${message}${typeof status === 'number' ? ` (HTTP ${status})` : ''}`;
}

async function runDeployed(command: OnCallCommand, io: OnCallIo, clients: OnCallClients): Promise<number> {
  const lambda = clients.lambda ?? new LambdaClient({});
  try {
    await lambda.config.region();
  } catch (error: unknown) {
    throw new OnCallUsageError(
      `no AWS region (${describeRemoteFailure(error)}): set AWS_REGION, or AWS_PROFILE to a profile with a region, to the deployed function's region`,
    );
  }
  let response: InvokeCommandOutput;
  try {
    response = await lambda.send(
      new InvokeCommand({
        FunctionName: command.functionName,
        Payload: new TextEncoder().encode(JSON.stringify(command.payload)),
      }),
    );
  } catch (error: unknown) {
    throw new OnCallRemoteError(`invoking ${command.functionName} failed: ${describeRemoteFailure(error)}`, {
      cause: error,
    });
  }
  const text = response.Payload === undefined ? '' : new TextDecoder().decode(response.Payload);
  if (response.FunctionError !== undefined) {
    io.write(`${command.functionName} failed (${response.FunctionError}): ${text}`);
    return 1;
  }
  let answer: unknown;
  try {
    answer = text === '' ? undefined : JSON.parse(text);
  } catch (error: unknown) {
    throw new OnCallRemoteError(
      `${command.functionName} answered something that is not JSON: ${JSON.stringify(text.slice(0, 80))}`,
      { cause: error },
    );
  }
  return answerAndFollow(command, answer, io, () => {
    const capacity = clients.capacity ?? followingGateway(command.configFile);
    return {
      describe: async () => {
        try {
          return await capacity.describeManaged();
        } catch (error: unknown) {
          throw new OnCallRemoteError(
            `following the change failed (the change itself was made): ${describeRemoteFailure(error)}`,
            { cause: error },
          );
        }
      },
      step: () => new Promise((resolve) => setTimeout(resolve, 15_000)),
      stalled: async () => undefined,
      maxSteps: 120,
      patience: 40,
    };
  });
}

/** How one way of running a change is followed: how it looks, waits between looks and hears of a stall. */
type FollowSource = Pick<FollowOptions, 'describe' | 'step' | 'stalled' | 'maxSteps' | 'patience' | 'now'>;

/**
 * Prints on-call's answer and, with --wait, follows a change that moved reservations (never a dry run) to its
 * end, however it was run: the exit code.
 */
async function answerAndFollow(
  command: OnCallCommand,
  answer: unknown,
  io: OnCallIo,
  followBy: (changed: ChangedReservations) => FollowSource,
): Promise<number> {
  const changed = changedReservations(answer);
  const timeZone = timeZoneOf(command.configFile, changed.ids);
  const follows = command.wait && command.payload.dryRun !== true && changed.ids.length > 0;
  if (command.output === 'table' || !follows) io.write(formatAnswerAs(command.output, answer, timeZone));
  if (errorCode(answer) !== undefined) return 1;
  if (!follows) return 0;
  const followed = await followProgress({
    reservationIds: changed.ids,
    names: changed.names,
    startCounts: changed.from,
    ...followBy(changed),
    write: io.write,
    timeZone,
    tty: io.isTTY === true,
    silent: command.output === 'json',
  });
  return finishFollow(command, answer, followed, timeZone, io);
}

/** The last word of a followed change: one line (or, with --output json, one document) and the exit code. */
function finishFollow(
  command: OnCallCommand,
  answer: unknown,
  followed: FollowResult,
  timeZone: string,
  io: OnCallIo,
): number {
  if (command.output === 'json') {
    const document = typeof answer === 'object' && answer !== null ? answer : { answer };
    io.write(
      JSON.stringify(
        {
          ...document,
          followed: {
            end: followed.end,
            ...(followed.detail === undefined ? {} : { detail: followed.detail }),
            elapsedSeconds: Math.round(followed.elapsedMs / 1000),
            at: new Date(followed.at).toISOString(),
            reservations: followed.rows,
          },
        },
        null,
        2,
      ),
    );
  } else {
    io.write(formatFollowEnd(command.action, followed, timeZone));
  }
  return followed.end === 'completed' ? 0 : 1;
}

/**
 * EC2 as the service reads it, from the gateway factory: every region of the config and every spoke through
 * its role (assumed with the caller's credentials, which the spoke's trust must admit), so a change to a
 * spoke's reservation is followed like the hub's.
 */
function followingGateway(configFile: string): CapacityGateway {
  let config: PolicyConfig;
  try {
    config = loadConfigFile(configFile);
  } catch (error: unknown) {
    throw new OnCallUsageError(
      `following the change needs the deployed config's regions and accounts (--config): ${describeRemoteFailure(error)}`,
    );
  }
  // Named as the deployed functions name their sessions in the spokes' roles.
  return createCapacityGateways({ names: localNames(), regions: config.regions, accounts: config.accounts });
}

/** The zone of the changed reservations' market in the config, for the times on-call reads; UTC if unknown. */
function timeZoneOf(configFile: string, reservationIds: readonly string[]): string {
  try {
    const config = loadConfigFile(configFile);
    const entry = config.reservations.find(
      (reservation) => reservation.id !== undefined && reservationIds.includes(reservation.id),
    );
    const market = entry?.market ?? config.reservations[0]?.market;
    return market === undefined ? 'UTC' : marketTimeZone(market, calendarOptions(config));
  } catch {
    return 'UTC';
  }
}

async function runLocal(command: OnCallCommand, io: OnCallIo): Promise<number> {
  const admin = new LocalAwsAdminClient(command.endpointUrl);
  let settings: Awaited<ReturnType<LocalAwsAdminClient['getSettings']>>['settings'];
  try {
    settings = (await admin.getSettings()).settings;
  } catch (error: unknown) {
    const cause = error instanceof Error && error.cause instanceof Error ? ` (${error.cause.message})` : '';
    throw new OnCallRemoteError(
      endpointProblem(error, command.endpointUrl) ??
        `the local endpoint at ${command.endpointUrl} did not answer: ${describeRemoteFailure(error)}${cause}`,
      { cause: error },
    );
  }
  const simulated = settings.speed === undefined;
  // The endpoint's time: read once, then kept in step with what this process advances.
  let now = Date.parse((await admin.getClock()).now);
  const clock: Clock = {
    now: () => new Date(now),
    sleep: async (ms) => {
      if (simulated) {
        now = Date.parse((await admin.advance(ms / 1000)).now);
      } else {
        await new Promise((resolve) => setTimeout(resolve, ms / (settings.speed ?? 1)));
        now = Date.parse((await admin.getClock()).now);
      }
    },
  };
  const config = loadConfigFile(command.configFile);
  const names = localNames();
  const gateways = gatewaysFor(command.endpointUrl, settings.defaultRegion, config, names);
  const handlers = await buildSandboxHandlers({ gateways, config, clock, logger: createSilentLogger() }, [
    'reclaim-on-demand',
    'track-reclamation',
  ]);
  const onDemand = handlers.get('reclaim-on-demand');
  const tracker = handlers.get('track-reclamation');
  if (onDemand === undefined || tracker === undefined) throw new Error('handlers missing');
  const startedAt = new Date(now).toISOString();
  const answer = await onDemand(command.payload, invocationContext('reclaim-on-demand'));
  let run = 0;
  return answerAndFollow(command, answer, io, (changed) => ({
    describe: () => gateways.capacity.describeManaged(),
    // The tracker's own run (it polls ~50 s on the clock) stands for its 1-minute rule.
    step: async () => {
      run++;
      await tracker(
        {
          version: '0',
          id: `oncall-tracker-${run}`,
          'detail-type': 'Scheduled Event',
          source: 'aws.events',
          account: settings.accountId,
          time: new Date(now).toISOString().replace(/\.\d{3}Z$/, 'Z'),
          region: settings.defaultRegion,
          resources: [
            `arn:aws:events:${settings.defaultRegion}:${settings.accountId}:rule/${names.trackerRuleName}`,
          ],
          detail: {},
        },
        invocationContext('track-reclamation'),
      );
      now = Date.parse((await admin.getClock()).now);
    },
    stalled: async () => {
      const stalls = (
        await admin.events({
          source: EVENT_SOURCE,
          detailType: 'Allocation Change Stalled',
          since: startedAt,
        })
      ).events;
      const mine = stalls.find((event) =>
        changed.ids.includes(String((event.detail as { reservationId?: unknown })?.reservationId)),
      );
      return mine === undefined ? undefined : JSON.stringify(mine.detail);
    },
    maxSteps: 60,
    patience: 15,
    now: () => now,
  }));
}

function errorCode(answer: unknown): string | undefined {
  if (typeof answer !== 'object' || answer === null || (answer as { ok?: unknown }).ok !== false)
    return undefined;
  return String((answer as { error?: { code?: unknown } }).error?.code ?? 'error');
}
