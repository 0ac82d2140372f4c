/**
 * EC2's request rate limits, stated once: the local endpoint enforces them, the EC2 gateway paces its calls to
 * them, and the policy's lead counts the time a large reclaim's calls take under them. Pure data and
 * arithmetic, no SDK.
 *
 * EC2 throttles each account per region and per API action: every request takes one token from that action's
 * bucket, which refills continuously up to its capacity; a request that finds no token is refused with
 * `RequestLimitExceeded`. Default capacities and refill rates are per action category, with some actions
 * "uncategorized" (their own figures): https://docs.aws.amazon.com/ec2/latest/devguide/ec2-api-throttling.html
 * ("Request token bucket sizes and refill rates"). An account can have raised limits (AWS support raises them
 * on request); the config's `ec2RequestLimits` states them, and these are the defaults.
 */

/** One token bucket: how many requests it allows at once, and how many it gives back each second. */
export interface RequestBucket {
  capacity: number;
  refillPerSecond: number;
}

/** The categories of the throttling page's first table, with their default bucket. */
export const EC2_BUCKET_CATEGORIES = {
  /** `Describe*`, `List*`, `Search*`, `Get*` not in another category. */
  nonMutating: { capacity: 100, refillPerSecond: 20 },
  /** Every mutating action that is not resource-intensive nor uncategorized. */
  mutating: { capacity: 50, refillPerSecond: 5 },
} as const satisfies Record<string, RequestBucket>;

/**
 * The API classes the service's calls fall in, each with its default bucket: the two categories, and
 * CreateTags and DeleteTags, which are uncategorized with a bucket of their own each (100, 10 a second).
 * The config's `ec2RequestLimits` states an account's raised limits per class.
 */
export const EC2_API_CLASS_DEFAULTS = {
  ...EC2_BUCKET_CATEGORIES,
  createTags: { capacity: 100, refillPerSecond: 10 },
  deleteTags: { capacity: 100, refillPerSecond: 10 },
} as const satisfies Record<string, RequestBucket>;

export type Ec2ApiClass = keyof typeof EC2_API_CLASS_DEFAULTS;
export const EC2_API_CLASSES = Object.keys(EC2_API_CLASS_DEFAULTS) as Ec2ApiClass[];

/** An account's bucket per API class: EC2's defaults, or the limits AWS raised for it. */
export type Ec2RequestLimits = Readonly<Record<Ec2ApiClass, RequestBucket>>;

export const DEFAULT_EC2_REQUEST_LIMITS: Ec2RequestLimits = EC2_API_CLASS_DEFAULTS;

/**
 * The class of each EC2 action the service calls. DescribeCapacityReservations is a plain non-mutating
 * action (not in the unfiltered-and-unpaginated list), the interruptible-allocation actions are plain
 * mutating ones, and CreateTags/DeleteTags are uncategorized.
 */
export const EC2_ACTION_CLASSES = {
  DescribeCapacityReservations: 'nonMutating',
  CreateInterruptibleCapacityReservationAllocation: 'mutating',
  UpdateInterruptibleCapacityReservationAllocation: 'mutating',
  CreateTags: 'createTags',
  DeleteTags: 'deleteTags',
} as const satisfies Record<string, Ec2ApiClass>;

/** The default bucket of each EC2 action the service calls. */
export const EC2_ACTION_BUCKETS = Object.fromEntries(
  Object.entries(EC2_ACTION_CLASSES).map(([action, apiClass]) => [action, EC2_API_CLASS_DEFAULTS[apiClass]]),
) as Record<keyof typeof EC2_ACTION_CLASSES, RequestBucket>;

/** The action the service's reclaims are bound by: one Update per reservation that changes. */
export const RECLAIM_UPDATE_ACTION = 'UpdateInterruptibleCapacityReservationAllocation';

/** The default bucket of the reclaim's Update. */
export const RECLAIM_UPDATE_BUCKET: RequestBucket = EC2_ACTION_BUCKETS[RECLAIM_UPDATE_ACTION];

/** The class of an EC2 action: its own where listed, else its category's by the verb it starts with. */
export function ec2ApiClass(action: string): Ec2ApiClass {
  const listed = (EC2_ACTION_CLASSES as Record<string, Ec2ApiClass>)[action];
  if (listed !== undefined) return listed;
  return /^(Describe|List|Search|Get)/.test(action) ? 'nonMutating' : 'mutating';
}

/** The bucket of an EC2 action under `limits` (EC2's defaults unless the account's are raised). */
export function ec2RequestBucket(
  action: string,
  limits: Ec2RequestLimits = DEFAULT_EC2_REQUEST_LIMITS,
): RequestBucket {
  return limits[ec2ApiClass(action)];
}

/** The bucket the reclaim's Updates are sent at under `limits`. */
export function reclaimUpdateBucket(limits: Ec2RequestLimits = DEFAULT_EC2_REQUEST_LIMITS): RequestBucket {
  return ec2RequestBucket(RECLAIM_UPDATE_ACTION, limits);
}

/** The account's limits: the config's classes over EC2's defaults. */
export function ec2RequestLimits(
  stated: Partial<Record<Ec2ApiClass, RequestBucket>> | undefined,
): Ec2RequestLimits {
  return { ...DEFAULT_EC2_REQUEST_LIMITS, ...stated };
}

/** A bucket `scale` times EC2's (both capacity and refill): tests make throttling reachable with few calls. */
export function scaledBucket(bucket: RequestBucket, scale: number): RequestBucket {
  return { capacity: bucket.capacity * scale, refillPerSecond: bucket.refillPerSecond * scale };
}

/**
 * The least time `calls` requests of one bucket can take from a full bucket: the first `capacity` go at once,
 * every later one waits for a refill. The floor of a throttled reclaim, and what the lead adds for it.
 */
export function sendingSeconds(calls: number, bucket: RequestBucket): number {
  return Math.max(0, calls - bucket.capacity) / bucket.refillPerSecond;
}

/**
 * How a reclaim too large for one run is sent: each run sends until its budget is spent, and the rest is
 * handed to the tracker, whose rule fires every `periodSeconds` and which sends for at least `windowSeconds`
 * of each run. Between two runs the bucket refills, up to its capacity.
 */
export interface SendingCadence {
  periodSeconds: number;
  windowSeconds: number;
}

/** The tracker's rule rate, rate(1 minute) (infra/schedules/tracker-rules.yml; the template test checks). */
export const TRACKER_PERIOD_SECONDS = 60;
/** How long a tracker run polls and sends before it leaves the rest to the next (its default run budget). */
export const TRACKER_RUN_BUDGET_SECONDS = 50;
/** What a tracker run spends looking (describes, alarms) before it can send, allowed for generously. */
const TRACKER_LOOK_SECONDS = 5;

export const HAND_OVER_CADENCE: SendingCadence = {
  periodSeconds: TRACKER_PERIOD_SECONDS,
  windowSeconds: TRACKER_RUN_BUDGET_SECONDS - TRACKER_LOOK_SECONDS,
};

/**
 * The time from a reclaim's first run to its last call when `calls` requests of one bucket go out over runs
 * of `cadence`: the first run has the full bucket and a window of sending; each later run starts a period
 * after the one before, with what the bucket refilled in the gap (at most its capacity), and sends for a
 * window. Pessimistic on purpose: every run, the first included, is taken to start on the period and to send
 * for the shortest window. With one run it is `sendingSeconds`.
 */
export function sendingSecondsAcrossRuns(
  calls: number,
  bucket: RequestBucket,
  cadence: SendingCadence = HAND_OVER_CADENCE,
): number {
  const { periodSeconds, windowSeconds } = cadence;
  const firstRun = bucket.capacity + bucket.refillPerSecond * windowSeconds;
  if (calls <= firstRun) return sendingSeconds(calls, bucket);
  const burst = Math.min(
    bucket.capacity,
    bucket.refillPerSecond * Math.max(0, periodSeconds - windowSeconds),
  );
  const perRun = burst + bucket.refillPerSecond * windowSeconds;
  const left = calls - firstRun;
  const laterRuns = Math.ceil(left / perRun);
  const inLastRun = left - (laterRuns - 1) * perRun;
  return laterRuns * periodSeconds + Math.max(0, inLastRun - burst) / bucket.refillPerSecond;
}

/** A fraction of a token lost to floating point must not refuse a request the arithmetic allows. */
const EPSILON = 1e-9;

/**
 * A token bucket on a clock given at each call (milliseconds), full at the start. The endpoint refuses a
 * request when `take` fails; the gateway's pacer waits `msUntilToken` before it sends. Both run the same
 * arithmetic, so a pacer on the endpoint's clock is never refused.
 */
export class TokenBucket {
  private tokens: number;
  private atMs: number | undefined;

  constructor(readonly bucket: RequestBucket) {
    this.tokens = bucket.capacity;
  }

  /** Tokens held at `nowMs` (a clock that went back refills nothing). */
  level(nowMs: number): number {
    if (this.atMs !== undefined && nowMs > this.atMs) {
      this.tokens = Math.min(
        this.bucket.capacity,
        this.tokens + ((nowMs - this.atMs) * this.bucket.refillPerSecond) / 1000,
      );
    }
    if (this.atMs === undefined || nowMs > this.atMs) this.atMs = nowMs;
    return this.tokens;
  }

  /** Takes one token if there is one at `nowMs`. */
  take(nowMs: number): boolean {
    if (this.level(nowMs) + EPSILON < 1) return false;
    this.tokens = Math.max(0, this.tokens - 1);
    return true;
  }

  /** Whole milliseconds from `nowMs` until a token is there (0 when one is). */
  msUntilToken(nowMs: number): number {
    const missing = 1 - this.level(nowMs);
    if (missing <= EPSILON) return 0;
    return Math.ceil((missing * 1000) / this.bucket.refillPerSecond);
  }

  /** Forgets every token: someone else drained the bucket this one mirrors. */
  drain(nowMs: number): void {
    this.level(nowMs);
    this.tokens = 0;
  }
}
