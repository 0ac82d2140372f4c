/**
 * Test wiring: the local AWS endpoint on an ephemeral port seeded with the example fleet, the real SDK
 * gateways pointed at it, the example config, and the endpoint's simulated clock, ready for `createHandler`.
 */
import { LocalAwsAdminClient } from '@odcr-reclaimer/local-aws/admin-client.ts';
import { loadExampleFleet } from '@odcr-reclaimer/local-aws/example-fleet.ts';
import { type LocalAws, startLocalAws } from '@odcr-reclaimer/local-aws/server.ts';
import type {
  CallRecord,
  LocalAwsSettings,
  SeedInterruptible,
  SeedState,
  SeedTable,
} from '@odcr-reclaimer/local-aws/types.ts';
import type { Context } from 'aws-lambda';
import { afterAll, beforeAll, onTestFinished } from 'vitest';
import { lambdaContext as sandboxLambdaContext } from '#sandbox/lambda-context.ts';
import { lambdaLogShipper } from '#sandbox/log-shipper.ts';
import { readFunctionTimeouts, readServiceTriggers, serviceNames } from '#sandbox/service-definition.ts';
import type { Clock } from '#shared/clock.ts';
import { loadConfigFile } from '#shared/config/load-config.ts';
import type { PolicyConfig } from '#shared/config/schema.ts';
import type { Ec2RequestLimits } from '#shared/domain/ec2-request-limits.ts';
import { SDK_CLIENT_SETTINGS } from '#shared/gateways/aws-call.ts';
import {
  type Gateways,
  LEASE_EXPIRY_ATTRIBUTE,
  LEASE_KEY_ATTRIBUTE,
  type LeaseGateway,
  type MetricsGateway,
} from '#shared/gateways/index.ts';
import { createSilentLogger } from '#shared/logging/logger.ts';
import type { HandlerDependencies } from '#shared/runtime/container.ts';
import {
  type ClientScope,
  type ClientSettings,
  createGateways,
  type ServiceNames,
} from '#shared/runtime/gateways.ts';
import { EXAMPLE_CONFIG_FILE } from './config-input.ts';

export { EXAMPLE_CONFIG_FILE };
/** serverless.yml's functions and triggers for the example config, on the default stage and region. */
export const SERVICE_TRIGGERS = readServiceTriggers(loadConfigFile(EXAMPLE_CONFIG_FILE));
/** The resource names serverless.yml gives the functions (every function gets the same ones). */
export const SERVICE_NAMES: ServiceNames & { metricsNamespace: string } = deployedNames();
export const EVENT_BUS_NAME = SERVICE_NAMES.eventBusName;
export const TRACKER_RULE_NAME = SERVICE_NAMES.trackerRuleName;
export const METRICS_NAMESPACE = SERVICE_NAMES.metricsNamespace;
export const LEASE_TABLE_NAME = SERVICE_NAMES.leaseTableName;

function deployedNames(): ServiceNames & { metricsNamespace: string } {
  const names = serviceNames(SERVICE_TRIGGERS, 'reclaim-on-schedule');
  if (names.metricsNamespace === undefined) throw new Error('serverless.yml sets no METRICS_NAMESPACE');
  return { ...names, metricsNamespace: names.metricsNamespace };
}
/** The writer's lease table as serverless.yml declares it; every endpoint the tests start has one. */
export const LEASE_TABLE: SeedTable = {
  name: LEASE_TABLE_NAME,
  partitionKey: LEASE_KEY_ATTRIBUTE,
  ttlAttribute: LEASE_EXPIRY_ATTRIBUTE,
};
export const TRADING = 'cr-0123456789abcdef0';
export const RISK_ENGINE = ['cr-0000000000000a001', 'cr-0000000000000b001', 'cr-0000000000000c001'] as const;

/** The example fleet with the trading reservation's interruptible allocation seeded as `interruptible`. */
export function exampleFleetWithTrading(interruptible: SeedInterruptible): SeedState {
  const fleet = loadExampleFleet();
  return {
    ...fleet,
    reservations: (fleet.reservations ?? []).map((seed) =>
      seed.id === TRADING ? { ...seed, interruptible } : seed,
    ),
  };
}

/** SDK settings for the local endpoint: fake credentials, the service's own retry mode. */
export function localSdkConfig(
  url: string,
  maxAttempts: number = SDK_CLIENT_SETTINGS.maxAttempts,
  region = SERVICE_TRIGGERS.region,
) {
  return {
    endpoint: url,
    region,
    credentials: { accessKeyId: 'AKIDLOCAL', secretAccessKey: 'local-secret' },
    ...SDK_CLIENT_SETTINGS,
    maxAttempts,
  } satisfies ClientSettings;
}

/** The gateways as deployed (METRICS_NAMESPACE is set): the metrics gateway is always there. */
export type LocalGateways = Gateways & { metrics: MetricsGateway };

/**
 * The service's real gateways, talking to the endpoint at `url`. The metrics gateway is wired as in
 * production, so reconcile reads the tracker's measured durations and the tracker can run on the same set.
 */
export function localGateways(
  url: string,
  options: {
    sleep?: (ms: number) => Promise<void>;
    maxAttempts?: number;
    /** The config's regions: one EC2 client per region, as production wires them. */
    regions?: readonly string[] | undefined;
    /** Paces each region's EC2 calls on this clock, as production does (against a throttled endpoint). */
    pacing?: Clock;
    /** The clock spoke credentials expire on (the endpoint's simulated one); the system's without. */
    clock?: Clock;
    /** The config's spokes: EC2 clients per spoke and region, as production wires them. */
    accounts?: PolicyConfig['accounts'];
    /** The endpoint of a scope's clients when it is not `url` (another account's endpoint, a dead region). */
    urlFor?: (scope: ClientScope) => string | undefined;
    /** What the service's own clients sign with (a function role's key); the endpoint's anonymous hub without. */
    credentials?: ClientSettings['credentials'];
    /** The account's limits the pacing keeps to (the config's `ec2RequestLimits`); EC2's defaults without. */
    requestLimits?: Ec2RequestLimits;
    /** The function whose log group the metrics' EMF lines go to. */
    functionName?: string;
  } = {},
): LocalGateways {
  const gateways = createGateways({
    names: SERVICE_NAMES,
    regions: options.regions,
    accounts: options.accounts,
    clientSettings: (scope) => ({
      ...localSdkConfig(options.urlFor?.(scope) ?? url, options.maxAttempts, scope.region),
      ...(options.credentials === undefined ? {} : { credentials: options.credentials }),
    }),
    ...(options.sleep ? { sleep: options.sleep } : {}),
    ...(options.pacing ? { pacing: options.pacing } : {}),
    ...(options.clock ? { clock: options.clock } : {}),
    ...(options.requestLimits ? { requestLimits: options.requestLimits } : {}),
    // The functions' EMF lines reach the endpoint as Lambda would ship their log to CloudWatch Logs.
    metricLog: lambdaLogShipper(new LocalAwsAdminClient(url), options.functionName ?? 'local-service'),
  });
  if (gateways.metrics === undefined) throw new Error('the gateways were built without metrics');
  return { ...gateways, metrics: gateways.metrics };
}

/** The writer's lease on the endpoint's table, with the service's SDK settings. */
export function localLeaseGateway(url: string, maxAttempts?: number): LeaseGateway {
  return localGateways(url, maxAttempts === undefined ? {} : { maxAttempts }).lease;
}

/** Creates the lease table unless the seed had it (custom seeds rarely do). */
export function ensureLeaseTable(aws: LocalAws): void {
  if (!aws.admin.tableList().tables.some((table) => table.name === LEASE_TABLE_NAME))
    aws.admin.createTable(LEASE_TABLE);
}

export interface LocalService {
  aws: LocalAws;
  config: PolicyConfig;
  gateways: LocalGateways;
  /**
   * What `createHandler` takes: the gateways above, the example config, the simulated clock, a silent logger.
   * The tracker's `createHandler` takes it too.
   */
  dependencies: HandlerDependencies & { gateways: LocalGateways };
  close(): Promise<void>;
}

export interface LocalServiceOptions {
  now: string;
  seed?: SeedState;
  settings?: Partial<LocalAwsSettings>;
  /** SDK attempts per call (the service's default when absent); fault tests lower it to keep backoff short. */
  maxAttempts?: number;
}

/**
 * Starts an endpoint seeded with the example fleet at simulated time `now`, for the caller to close (the
 * bench, a file's hooks); a test takes `startLocalService`, a file `useLocalService`.
 */
export async function openLocalService(options: LocalServiceOptions): Promise<LocalService> {
  const aws = await startLocalAws({
    port: 0,
    seed: { ...(options.seed ?? loadExampleFleet()), now: options.now },
    settings: { start: options.now, ...options.settings },
  });
  ensureLeaseTable(aws);
  const config = loadConfigFile(EXAMPLE_CONFIG_FILE);
  const gateways = localGateways(aws.url, {
    sleep: (ms) => aws.clock.sleep(ms),
    ...(options.maxAttempts === undefined ? {} : { maxAttempts: options.maxAttempts }),
  });
  let closed: Promise<void> | undefined;
  return {
    aws,
    config,
    gateways,
    dependencies: { gateways, config, clock: aws.clock, logger: createSilentLogger() },
    // Once: a test's own close and its fixture's both end up here.
    close: () => {
      closed ??= aws.close();
      return closed;
    },
  };
}

/** Inside a test: an endpoint as `openLocalService` starts it, closed when the test finishes. */
export async function startLocalService(options: LocalServiceOptions): Promise<LocalService> {
  const service = await openLocalService(options);
  onTestFinished(() => service.close());
  return service;
}

/**
 * For a whole file: one endpoint started before its tests and closed after them. The getter throws when
 * called before `beforeAll` has run (at collection time).
 */
export function useLocalService(options: LocalServiceOptions): () => LocalService {
  let service: LocalService | undefined;
  beforeAll(async () => {
    service = await openLocalService(options);
  });
  afterAll(() => service?.close());
  return () => {
    if (service === undefined) throw new Error('the local service is used before its beforeAll ran');
    return service;
  };
}

let invocation = 0;

/**
 * A Lambda context as the runtime passes it: the request id, and the remaining time of a function deployed
 * with serverless.yml's timeout (`timeoutSeconds` to say otherwise), on `clock` (the endpoint's simulated
 * one, for runs whose sending the budget must stop) or the wall clock.
 */
export function lambdaContext(
  functionName = 'odcr-reclaimer-dev-test',
  options: { clock?: Clock; timeoutSeconds?: number } = {},
): Context {
  invocation++;
  return sandboxLambdaContext({
    functionName,
    awsRequestId: `test-request-${process.pid}-${invocation}`,
    logStreamName: 'test',
    accountId: '123456789012',
    region: SERVICE_TRIGGERS.region,
    timeoutSeconds: options.timeoutSeconds ?? deployedTimeoutSeconds(),
    ...(options.clock === undefined ? {} : { clock: options.clock }),
  });
}

let providerTimeout: number | undefined;
/** The reconciling functions' timeout as deployed (they share it). */
function deployedTimeoutSeconds(): number {
  providerTimeout ??= readFunctionTimeouts()['reclaim-on-schedule'] ?? 0;
  return providerTimeout;
}

/** EC2 update calls that really changed something (DryRun calls excluded). */
export function updateCalls(aws: LocalAws, since?: string): CallRecord[] {
  return aws.admin
    .calls({
      service: 'ec2',
      action: 'UpdateInterruptibleCapacityReservationAllocation',
      ...(since ? { since } : {}),
    })
    .calls.filter((call) => !isDryRun(call));
}

export function isDryRun(call: CallRecord): boolean {
  return (
    typeof call.params === 'object' &&
    call.params !== null &&
    'DryRun' in call.params &&
    call.params.DryRun === 'true'
  );
}

/** The endpoint's view of one source reservation. */
export function reservation(aws: LocalAws, id: string) {
  const found = aws.admin.listReservations({ id }).reservations[0];
  if (!found) throw new Error(`no reservation ${id} on the endpoint`);
  return found;
}

/** What tells the events that wake the service apart: their detail-type and source. */
interface EventKind {
  detailType: string;
  source: string;
}
const SCHEDULER_EVENT: EventKind = { detailType: 'Scheduled Event', source: 'aws.scheduler' };
const RULE_SCHEDULE_EVENT: EventKind = { detailType: 'Scheduled Event', source: 'aws.events' };
const ALARM_CHANGE_EVENT: EventKind = {
  detailType: 'CloudWatch Alarm State Change',
  source: 'aws.cloudwatch',
};

/** EventBridge's envelope for an event of `kind` at the endpoint's simulated now, in the tests' account. */
function eventEnvelope(aws: LocalAws, kind: EventKind, id: string, resource: string) {
  return {
    version: '0',
    id,
    'detail-type': kind.detailType,
    source: kind.source,
    account: '123456789012',
    time: aws.clock.now().toISOString(),
    region: 'us-east-1',
    resources: [resource],
  };
}

/** EventBridge Scheduler's event at the endpoint's simulated time. */
export function scheduledEvent(aws: LocalAws, id = `schedule-${aws.clock.now().getTime()}`) {
  const schedule = 'arn:aws:scheduler:us-east-1:123456789012:schedule/default/odcr-reclaimer-dev-xnys';
  return { ...eventEnvelope(aws, SCHEDULER_EVENT, id, schedule), detail: '{}' };
}

/** The tracker's own rule firing at the endpoint's simulated now, as EventBridge delivers it. */
export function trackerEvent(aws: LocalAws, id = `tracker-${aws.clock.now().getTime()}`) {
  const rule = `arn:aws:events:us-east-1:123456789012:rule/${TRACKER_RULE_NAME}`;
  return { ...eventEnvelope(aws, RULE_SCHEDULE_EVENT, id, rule), detail: {} };
}

/** CloudWatch's state-change event for an alarm, as EventBridge delivers it. */
export function alarmEvent(
  aws: LocalAws,
  alarmName: string,
  state: 'OK' | 'ALARM',
  id = `alarm-${alarmName}-${state}`,
) {
  const alarm = `arn:aws:cloudwatch:us-east-1:123456789012:alarm:${alarmName}`;
  return {
    ...eventEnvelope(aws, ALARM_CHANGE_EVENT, id, alarm),
    detail: { alarmName, state: { value: state, reason: 'test' } },
  };
}
