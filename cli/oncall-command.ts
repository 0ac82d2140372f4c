/**
 * `npm run oncall`: the friendly face of reclaim-on-demand. It turns flags into the function's payload,
 * checks it with the function's own schema before anything is sent, invokes the deployed function (Lambda)
 * or, with `--local`, the real handler in this process against the local endpoint, prints the answer, and
 * for a change follows the reservations until they reach their target or stall: a bar per reservation.
 */
import { parseArgs } from 'node:util';
import type { EC2Client } from '@aws-sdk/client-ec2';
import { InvokeCommand, type InvokeCommandOutput, LambdaClient } from '@aws-sdk/client-lambda';
import { LocalAwsAdminClient, sdkConfigFor } from '@odcr-reclaimer/local-aws/admin-client.ts';
import type { Context } from 'aws-lambda';
import { buildSandboxHandlers } from '#sandbox/handlers.ts';
import { lambdaContext } from '#sandbox/lambda-context.ts';
import { REPO_ROOT } from '#sandbox/runner.ts';
import { describeIssues } from '#sandbox/scenario.ts';
import { readFunctionEnvironments } from '#sandbox/service-definition.ts';
import type { Clock } from '#shared/clock.ts';
import { loadConfigFile } from '#shared/config/load-config.ts';
import type { PolicyConfig } from '#shared/config/schema.ts';
import type { ReservationSnapshot } from '#shared/domain/reservation.ts';
import { ValidationError } from '#shared/errors/index.ts';
import { createEc2ClientFrom, Ec2CapacityGateway, type Gateways } from '#shared/gateways/index.ts';
import { createSilentLogger } from '#shared/logging/logger.ts';
import {
  checkOnDemandPayload,
  ON_DEMAND_ACTIONS,
  type OnDemandAction,
  onDemandPayloadSchema,
} from '#shared/on-demand/payload.ts';
import { readRuntimeEnvironment } from '#shared/runtime/environment.ts';
import { createGateways, type ServiceNames } from '#shared/runtime/gateways.ts';

export const DEFAULT_FUNCTION_NAME = 'odcr-reclaimer-dev-reclaim-on-demand';
export const DEFAULT_LOCAL_URL = 'http://127.0.0.1:4566';

export const ONCALL_USAGE = `usage: npm run oncall -- <status|plan|reclaim|lend|clear|close-market|reopen-market> [scope] [amount] [expiry] [options]
  scope    --reservations cr-a,cr-b | --group <name> | --all
  amount   --count <n> | --target <n> | --everything          (reclaim, lend)
  expiry   --for <2h|90m|1h30m> | --until <ISO time>          (reclaim, lend)
  market   --market <MIC or custom market> --date <YYYY-MM-DD> (close-market, reopen-market)
  options  --reason "<text>"  --dry-run  --no-wait
           --local [--config <file>]   the handler in-process against AWS_ENDPOINT_URL or ${DEFAULT_LOCAL_URL}
           --function <name>           deployed function (default: $ODCR_ON_DEMAND_FUNCTION or ${DEFAULT_FUNCTION_NAME})
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
  ec2?: EC2Client;
}

export interface OnCallCommand {
  action: OnDemandAction;
  payload: Record<string, unknown>;
  local: boolean;
  functionName: string;
  endpointUrl: string;
  configFile: string;
  wait: boolean;
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
    throw new OnCallUsageError(error instanceof Error ? error.message : String(error));
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
  const configFile = values.config ?? env.ODCR_CONFIG_FILE ?? `${REPO_ROOT}/config/example.json`;
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
    functionName: values.function ?? env.ODCR_ON_DEMAND_FUNCTION ?? DEFAULT_FUNCTION_NAME,
    endpointUrl: env.AWS_ENDPOINT_URL ?? DEFAULT_LOCAL_URL,
    configFile,
    wait: !(values['no-wait'] ?? false),
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
      reservations: { type: 'string' },
      group: { type: 'string' },
      all: { type: 'boolean' },
      count: { type: 'string' },
      target: { type: 'string' },
      everything: { type: 'boolean' },
      for: { type: 'string' },
      until: { type: 'string' },
      reason: { type: 'string' },
      'dry-run': { type: 'boolean' },
      local: { type: 'boolean' },
      config: { type: 'string' },
      function: { type: 'string' },
      'no-wait': { type: 'boolean' },
      market: { type: 'string' },
      date: { type: 'string' },
    },
  });
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
}

/** Follows the reservations until all are at target and active, the tracker reports a stall, or time runs out. */
export async function followProgress(options: FollowOptions): Promise<ProgressEnd> {
  const start = new Map<string, number>(Object.entries(options.startCounts ?? {}));
  let last = '';
  let still = 0;
  for (let step = 0; step <= options.maxSteps; step++) {
    const snapshots = (await options.describe()).filter((snapshot) =>
      options.reservationIds.includes(snapshot.reservationId),
    );
    const rows: ProgressRow[] = snapshots.map((snapshot) => {
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
    if (picture !== last) {
      options.write(picture);
      still = 0;
    } else {
      still++;
    }
    last = picture;
    if (
      rows.every((row) => row.current === row.target && row.status !== 'updating' && row.status !== 'pending')
    ) {
      return 'completed';
    }
    const stall = await options.stalled();
    if (stall !== undefined) {
      options.write(`stalled: ${stall}`);
      return 'stalled';
    }
    if (still >= options.patience) {
      options.write(`stalled: no movement in ${still} looks`);
      return 'stalled';
    }
    if (step < options.maxSteps) await options.step();
  }
  return 'timed out';
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
  });
}

function localNames(): ServiceNames {
  const deployed = readFunctionEnvironments()['reclaim-on-demand'] ?? {};
  const overrides = Object.fromEntries(
    NAME_VARIABLES.flatMap((name) => (process.env[name] ? [[name, process.env[name]]] : [])),
  );
  return readRuntimeEnvironment({ ...deployed, ...overrides });
}

function gatewaysFor(url: string, region: string, config: PolicyConfig, names: ServiceNames): Gateways {
  return createGateways({
    names,
    regions: config.regions,
    clientSettings: (scope) => sdkConfigFor(url, scope.region ?? region),
  });
}

const NAME_VARIABLES = ['EVENT_BUS_NAME', 'TRACKER_RULE_NAME', 'LEASE_TABLE_NAME', 'METRICS_NAMESPACE'];

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

/** The answer for people: one line per reservation, then the warnings. */
export function formatAnswer(answer: unknown): string {
  if (typeof answer !== 'object' || answer === null) return String(answer);
  const record = answer as Record<string, unknown>;
  if (record.ok === false) {
    const error = record.error as { code?: string; field?: string; message?: string; correlationId?: string };
    return `refused (${error.code ?? 'error'}${error.field ? `, ${error.field}` : ''}): ${error.message ?? ''}${error.correlationId ? `\ncorrelation id ${error.correlationId}` : ''}`;
  }
  const lines: string[] = [];
  if (Array.isArray(record.reservations)) {
    for (const status of record.reservations as Record<string, unknown>[]) {
      lines.push(
        `${String(status.name ?? status.reservationId).padEnd(22)} owned ${status.owned}  lent ${status.lent}${status.borrowed === undefined ? '' : ` (${status.borrowed} running)`}  target ${status.target} ${status.status}  need ${status.need} → would set ${status.decidedTarget}`,
      );
      const override = status.override as {
        action: string;
        target: number;
        expiresAt: string;
        reason: string;
      } | null;
      if (override)
        lines.push(
          `${''.padEnd(22)} override: ${override.action} to ${override.target} until ${override.expiresAt} (${override.reason})`,
        );
    }
  }
  const result = record.result as { outcomes?: Record<string, unknown>[]; warnings?: string[] } | undefined;
  for (const outcome of result?.outcomes ?? []) {
    lines.push(
      `${String(outcome.name ?? outcome.reservationId).padEnd(22)} ${String(outcome.outcome).padEnd(9)} ${outcome.from} → ${outcome.to}  ${((outcome.reasons as string[] | undefined) ?? []).join('; ')}`,
    );
  }
  for (const warning of [...((record.warnings as string[] | undefined) ?? []), ...(result?.warnings ?? [])]) {
    lines.push(`warning: ${warning}`);
  }
  return lines.join('\n');
}

export interface OnCallIo {
  write: (line: string) => void;
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
  io.write(formatAnswer(answer));
  if (errorCode(answer) !== undefined) return 1;
  const changed = changedReservations(answer);
  if (!command.wait || command.payload.dryRun === true || changed.ids.length === 0) return 0;
  const capacity = new Ec2CapacityGateway({ client: clients.ec2 ?? createEc2ClientFrom({}) });
  const end = await followProgress({
    reservationIds: changed.ids,
    names: changed.names,
    startCounts: changed.from,
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
    write: io.write,
    maxSteps: 120,
    patience: 40,
  });
  return end === 'completed' ? 0 : 1;
}

async function runLocal(command: OnCallCommand, io: OnCallIo): Promise<number> {
  const admin = new LocalAwsAdminClient(command.endpointUrl);
  let settings: Awaited<ReturnType<LocalAwsAdminClient['settings']>>['settings'];
  try {
    settings = (await admin.settings()).settings;
  } catch (error: unknown) {
    const cause = error instanceof Error && error.cause instanceof Error ? ` (${error.cause.message})` : '';
    throw new OnCallRemoteError(
      `the local endpoint at ${command.endpointUrl} did not answer: ${describeRemoteFailure(error)}${cause}; start it with npm run local-aws`,
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
  io.write(formatAnswer(answer));
  if (errorCode(answer) !== undefined) return 1;
  const changed = changedReservations(answer);
  if (!command.wait || command.payload.dryRun === true || changed.ids.length === 0) return 0;
  let run = 0;
  const end = await followProgress({
    reservationIds: changed.ids,
    names: changed.names,
    startCounts: changed.from,
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
          source: 'odcr-reclaimer',
          detailType: 'Allocation Change Stalled',
          since: startedAt,
        })
      ).events;
      const mine = stalls.find((event) =>
        changed.ids.includes(String((event.detail as { reservationId?: unknown })?.reservationId)),
      );
      return mine === undefined ? undefined : JSON.stringify(mine.detail);
    },
    write: io.write,
    maxSteps: 60,
    patience: 15,
  });
  io.write(end === 'completed' ? `completed at ${new Date(now).toISOString()} (endpoint time)` : end);
  return end === 'completed' ? 0 : 1;
}

function errorCode(answer: unknown): string | undefined {
  if (typeof answer !== 'object' || answer === null || (answer as { ok?: unknown }).ok !== false)
    return undefined;
  return String((answer as { error?: { code?: unknown } }).error?.code ?? 'error');
}
