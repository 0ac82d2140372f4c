/**
 * EC2's request rate limits, stated once: the local endpoint enforces them, the EC2 gateway paces its calls to
 * them, and the policy's lead counts the time a large reclaim's calls take under them. Pure data and
 * arithmetic, no SDK.
 *
 * EC2 throttles each account per region and per API action: every request takes one token from that action's
 * bucket, which refills continuously up to its capacity; a request that finds no token is refused with
 * `RequestLimitExceeded`. Default capacities and refill rates are per action category, with some actions
 * "uncategorized" (their own figures): https://docs.aws.amazon.com/ec2/latest/devguide/ec2-api-throttling.html
 * ("Request token bucket sizes and refill rates"). An account can have raised limits; these are the defaults.
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
 * The bucket of each EC2 action the service calls. DescribeCapacityReservations is a plain non-mutating
 * action (not in the unfiltered-and-unpaginated list), the interruptible-allocation actions are plain
 * mutating ones, and CreateTags/DeleteTags are uncategorized with a bucket of their own (100, 10 a second).
 */
export const EC2_ACTION_BUCKETS = {
  DescribeCapacityReservations: EC2_BUCKET_CATEGORIES.nonMutating,
  CreateInterruptibleCapacityReservationAllocation: EC2_BUCKET_CATEGORIES.mutating,
  UpdateInterruptibleCapacityReservationAllocation: EC2_BUCKET_CATEGORIES.mutating,
  CreateTags: { capacity: 100, refillPerSecond: 10 },
  DeleteTags: { capacity: 100, refillPerSecond: 10 },
} as const satisfies Record<string, RequestBucket>;

/** The bucket the service's reclaims are bound by: one Update per reservation that changes. */
export const RECLAIM_UPDATE_BUCKET: RequestBucket =
  EC2_ACTION_BUCKETS.UpdateInterruptibleCapacityReservationAllocation;

/** The default bucket of an EC2 action: its own where listed, else its category's by the verb it starts with. */
export function ec2RequestBucket(action: string): RequestBucket {
  const listed = (EC2_ACTION_BUCKETS as Record<string, RequestBucket>)[action];
  if (listed !== undefined) return listed;
  return /^(Describe|List|Search|Get)/.test(action)
    ? EC2_BUCKET_CATEGORIES.nonMutating
    : EC2_BUCKET_CATEGORIES.mutating;
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
