/**
 * JSON shapes of the local AWS endpoint's admin API (`/_local/`) and of its settings.
 * The admin HTTP routes, the in-process admin and the typed client all speak these shapes, so a test
 * can switch between them without rewriting anything. The contract fields (the ones other tools are written against): extend, never change.
 */
// The endpoint's own wire vocabulary, as EC2 and CloudWatch spell it: the package shares no types with the service.
/** An interruptible allocation's status in DescribeCapacityReservations. */
export type AllocationStatus = 'pending' | 'active' | 'updating' | 'canceling' | 'canceled' | 'failed';
export type ZeroSizePreference = 'retain' | 'default';
export type AlarmState = 'OK' | 'ALARM' | 'INSUFFICIENT_DATA';

import type { SeedTable } from './dynamodb.ts';
import type { SeedRole } from './sts.ts';

export type { SeedTable, TableView } from './dynamodb.ts';
export type { RoleView, SeedRole } from './sts.ts';

export type ServiceName = 'ec2' | 'cloudwatch' | 'events' | 'dynamodb' | 'sts' | 'ram';

export type UpdateWhileUpdating = 'reject' | 'retarget';

export interface LocalAwsSettings {
  /** What an Update does while the allocation is `updating`: `IncorrectState` (reject) or a new target. */
  updateWhileUpdating: UpdateWhileUpdating;
  /** Seconds a borrower instance takes to shut down after its 120 s warning has run out. */
  shutdownSeconds: number;
  /** Each instance's shutdown time varies by up to ± this many seconds, drawn from `seed`. */
  shutdownSpreadSeconds: number;
  /** Seed of the generated ids and the shutdown spread: the same seed and calls give the same run. */
  seed: string;
  /** Initial simulated time (ISO 8601). */
  start: string;
  /** When set, simulated time follows wall time `speed` times over (and still moves on advance). */
  speed?: number;
  /** Region of requests without a SigV4 credential scope and of seeds without one. */
  defaultRegion: string;
  /** `MaxResults` bounds of DescribeCapacityReservations and its page size when absent. */
  maxResults: { min: number; max: number; default: number };
  /** Seconds an allocation stays `canceling` before it is `canceled` (extension). */
  cancelSeconds: number;
  /** Seconds a new allocation stays `pending` before it is `active` (extension; 0: active at once). */
  pendingSeconds: number;
  /** Account id of the owner (ARNs, `ownerId`) (extension). */
  accountId: string;
  /**
   * EC2's request throttling (throttle.ts): 1 enforces EC2's default token buckets, another positive figure
   * scales every bucket's size and refill rate by it, 0 switches throttling off (the default of tests).
   */
  requestRateScale: number;
  /**
   * The account's buckets per API class where they differ from EC2's defaults (limits AWS raised for the
   * account), scaled by `requestRateScale` like the defaults (extension).
   */
  requestLimits?: Partial<Record<ThrottleClass, ThrottleBucketLimit>>;
}

/** The API classes the endpoint's throttle tells apart (throttle.ts). */
export type ThrottleClass = 'nonMutating' | 'mutating' | 'createTags' | 'deleteTags';

export interface ThrottleBucketLimit {
  capacity: number;
  refillPerSecond: number;
}

export interface SeedInterruptible {
  instanceCount: number;
  /** Borrowers' running instances in the interruptible reservation (≤ instanceCount). */
  borrowed?: number;
  zeroSizePreference?: ZeroSizePreference;
  /** Tags of the interruptible reservation (extension). */
  tags?: Record<string, string>;
  /** Seeds the allocation `pending` for this many seconds (extension). */
  pendingSeconds?: number;
}

export interface SeedReservation {
  /** The owning account (extension): the hub's (`settings.accountId`) when absent. */
  accountId?: string;
  id?: string;
  /** Defaults to the availability zone's region, else the endpoint's default region. */
  region?: string;
  instanceType: string;
  availabilityZone: string;
  /** The owner's whole reservation before lending. */
  totalInstanceCount: number;
  /** The owner's own running instances in the source (they make capacity used, so not lendable). */
  ownerRunning?: number;
  /** EC2 CapacityReservationState of the source, `active` when absent. */
  state?: string;
  tags?: Record<string, string>;
  interruptible?: SeedInterruptible;
}

export interface SeedAlarm {
  /** The alarm's account (extension): the hub's when absent. */
  accountId?: string;
  name: string;
  state: AlarmState;
  reason?: string;
  /** What the alarm watches (extension): DescribeAlarms shows it as a real metric alarm's fields. */
  metric?: AlarmMetric;
}

/** A metric alarm's configuration, as DescribeAlarms returns it; every member has a default. */
export interface AlarmMetric {
  /** `OdcrReclaimer/Local` when absent. */
  namespace?: string;
  /** The alarm's name when absent. */
  metricName?: string;
  dimensions?: Record<string, string>;
  /** `Maximum` when absent. */
  statistic?: 'SampleCount' | 'Average' | 'Sum' | 'Minimum' | 'Maximum';
  /** Seconds, 60 when absent. */
  period?: number;
  /** 1 when absent. */
  evaluationPeriods?: number;
  /** `evaluationPeriods` when absent. */
  datapointsToAlarm?: number;
  /** 0 when absent. */
  threshold?: number;
  /** `GreaterThanThreshold` when absent. */
  comparisonOperator?:
    | 'GreaterThanOrEqualToThreshold'
    | 'GreaterThanThreshold'
    | 'LessThanThreshold'
    | 'LessThanOrEqualToThreshold';
  /** `missing` when absent. */
  treatMissingData?: 'breaching' | 'notBreaching' | 'ignore' | 'missing';
  description?: string;
}

export interface SeedRule {
  /** The rule's account (extension): the hub's when absent. */
  accountId?: string;
  name: string;
  state: 'ENABLED' | 'DISABLED';
  scheduleExpression?: string;
  eventPattern?: string;
  eventBusName?: string;
  description?: string;
  /** Where matched events go (extension; an existing rule keeps its targets when absent). */
  targets?: Array<{ id: string; arn: string }>;
}

/** Everything `--state <file>`, `startLocalAws({ seed })` and `POST /_local/seed` accept. */
export interface SeedState {
  /** Sets the simulated time before seeding (ISO 8601). */
  now?: string;
  reservations?: SeedReservation[];
  alarms?: SeedAlarm[];
  rules?: SeedRule[];
  /** DynamoDB tables (extension): the writer's lease table. */
  tables?: SeedTable[];
  /** Roles principals may assume with STS (extension, sts.ts). */
  roles?: SeedRole[];
}

export interface SeededReservation {
  id: string;
  interruptibleId?: string;
}

export interface ClockAnswer {
  now: string;
}

export interface SetClockRequest {
  advanceSeconds?: number;
  now?: string;
}

export interface SetAlarmRequest {
  /** The alarm's account (extension): the hub's when absent. */
  accountId?: string;
  name: string;
  state: AlarmState;
  reason?: string;
  /** Creating an alarm: what it watches (extension). An existing alarm keeps its configuration. */
  metric?: AlarmMetric;
}

export interface AlarmView {
  name: string;
  arn: string;
  state: AlarmState;
  reason: string;
  updatedAt: string;
}

export type FaultKind = 'error' | 'borrowers-stuck' | 'allocation-fails' | 'partial-failure';

export interface FaultRequest {
  service: ServiceName;
  /** Matches every action of the service when absent. */
  action?: string;
  /** Error code; derived from `status` when absent (500 InternalError, 503 ServiceUnavailable). */
  error?: string;
  status?: number;
  /** How many matching calls it affects, 1 when absent. */
  count?: number;
  /** Delay before answering (alone: the call is only slowed down). */
  latencyMs?: number;
  /** Extension, `error` when absent: see local-aws/README.md. */
  kind?: FaultKind;
  /** `borrowers-stuck`, `allocation-fails`: the source reservation concerned. */
  reservationId?: string;
  /** `borrowers-stuck`: how many warned instances never shut down (all when absent). */
  instances?: number;
  /** `partial-failure`: how many entries of each matching PutEvents fail (the first ones). */
  entries?: number;
  /** `partial-failure`: the entries' error message. */
  message?: string;
}

export interface FaultView extends FaultRequest {
  id: number;
  remaining: number;
}

export interface CallRecord {
  at: string;
  service: ServiceName | 'unknown';
  action: string;
  region: string;
  /** The account the request's credentials belong to (extension). */
  account?: string;
  /** EC2: the form fields without Action/Version (strings); JSON protocols: the parsed body. */
  params: unknown;
  /** `ok` or the error code. */
  outcome: string;
  /** The request's `content-encoding` when it had one (e.g. `gzip`). */
  contentEncoding?: string;
  /** With IAM enforced: the principal (role name) the request's credentials belong to. */
  principal?: string;
  /** With IAM enforced, for a denied call: why (the action, resource and principal, as AWS says it). */
  denial?: string;
}

export interface CallFilter {
  accountId?: string;
  service?: string;
  action?: string;
  since?: string;
}

export interface EventRecord {
  time: string;
  source: string;
  'detail-type': string;
  detail: unknown;
  bus?: string;
  resources?: string[];
  region?: string;
  account?: string;
  id?: string;
  /** The account whose bus holds the event, when another account's rule sent it there (extension). */
  busAccount?: string;
}

export interface EventFilter {
  /** The account whose bus the event is on. */
  accountId?: string;
  source?: string;
  detailType?: string;
  since?: string;
  bus?: string;
}

export interface MetricRecord {
  namespace: string;
  metricName: string;
  dimensions: Record<string, string>;
  timestamp: string;
  value?: number;
  values?: number[];
  counts?: number[];
  statisticValues?: { SampleCount: number; Sum: number; Minimum: number; Maximum: number };
  unit?: string;
  /** 1 for a high-resolution datum; regular (60) when absent. */
  storageResolution?: number;
}

export interface MetricFilter {
  /** The hub's when absent. */
  accountId?: string;
  namespace?: string;
  metricName?: string;
}

export interface RuleView {
  /** The rule's targets (extension), when it has any. */
  targets?: Array<{ id: string; arn: string }>;
  name: string;
  arn: string;
  state: 'ENABLED' | 'DISABLED';
  eventBusName: string;
  scheduleExpression?: string;
  eventPattern?: string;
  description?: string;
}

export interface BorrowerView {
  instanceId: string;
  warnedAt?: string;
  shutdownAt?: string;
  /** Never shuts down (a `borrowers-stuck` fault). */
  stuck: boolean;
}

export interface AllocationView {
  interruptibleId: string;
  current: number;
  target: number;
  status: AllocationStatus;
  zeroSizePreference: ZeroSizePreference;
  borrowers: BorrowerView[];
}

/** Extension: the endpoint's own view of a source reservation (`GET /_local/reservations`). */
export interface ReservationView {
  id: string;
  region: string;
  instanceType: string;
  availabilityZone: string;
  state: string;
  /** The owner's whole reservation (source total + current allocation). */
  ownedInstanceCount: number;
  ownerRunning: number;
  /** As DescribeCapacityReservations shows the source. */
  totalInstanceCount: number;
  availableInstanceCount: number;
  tags: Record<string, string>;
  allocation?: AllocationView;
}

/**
 * A function's log lines as the Lambda runtime ships them to its log group (`POST /_local/logs`); CloudWatch
 * Logs extracts the EMF documents among them as metrics.
 */
export interface LogLinesRequest {
  /** The hub's when absent. */
  accountId?: string;
  /** `/aws/lambda/<function>`: where the lines would be stored. */
  logGroup: string;
  lines: string[];
}

export interface LogLinesAnswer {
  /** Log events taken (every line, EMF or not). */
  events: number;
  /** Metric datums extracted. */
  metrics: number;
  /** EMF documents that broke a rule and recorded nothing: which line and why. */
  rejected: { line: number; reason: string }[];
}
