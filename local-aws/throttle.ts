/**
 * EC2's request throttling in the local endpoint: one token bucket per account, region and API action, refilled
 * continuously on the simulated clock up to its size. A request that finds its bucket empty is refused as EC2
 * refuses it: `RequestLimitExceeded`, HTTP 503 (the SDK classifies it as throttling and retries it).
 *
 * Default bucket sizes and refill rates, per action category, with some actions "uncategorized" (figures of
 * their own): https://docs.aws.amazon.com/ec2/latest/devguide/ec2-api-throttling.html ("Request token bucket
 * sizes and refill rates"). DescribeCapacityReservations is a plain non-mutating action (not in the
 * unfiltered-and-unpaginated list), the interruptible-allocation actions plain mutating ones, and CreateTags and
 * DeleteTags are uncategorized. The endpoint plays AWS and imports nothing from the service: the service states
 * what it assumes of these limits in its own code, and a test checks the two agree.
 *
 * `scale` multiplies every bucket's size and refill rate: 1 is AWS's defaults, a smaller figure lets a test
 * reach the limit with a handful of calls, 0 switches throttling off.
 */
import { AwsServiceError } from './errors.ts';

export interface ThrottleBucket {
  capacity: number;
  refillPerSecond: number;
}

/** The categories of the page's first table that the served actions fall in. */
export const EC2_THROTTLE_CATEGORIES = {
  nonMutating: { capacity: 100, refillPerSecond: 20 },
  mutating: { capacity: 50, refillPerSecond: 5 },
} as const satisfies Record<string, ThrottleBucket>;

/** The bucket of every EC2 action the endpoint serves. */
export const EC2_THROTTLE_BUCKETS = {
  DescribeCapacityReservations: EC2_THROTTLE_CATEGORIES.nonMutating,
  CreateInterruptibleCapacityReservationAllocation: EC2_THROTTLE_CATEGORIES.mutating,
  UpdateInterruptibleCapacityReservationAllocation: EC2_THROTTLE_CATEGORIES.mutating,
  CreateTags: { capacity: 100, refillPerSecond: 10 },
  DeleteTags: { capacity: 100, refillPerSecond: 10 },
} as const satisfies Record<string, ThrottleBucket>;

export const REQUEST_LIMIT_EXCEEDED = 'RequestLimitExceeded';
const REQUEST_LIMIT_STATUS = 503;
/** A fraction of a token lost to floating point must not refuse a request the arithmetic allows. */
const EPSILON = 1e-9;

function bucketOf(action: string): ThrottleBucket {
  const listed = (EC2_THROTTLE_BUCKETS as Record<string, ThrottleBucket>)[action];
  if (listed !== undefined) return listed;
  return /^(Describe|List|Search|Get)/.test(action)
    ? EC2_THROTTLE_CATEGORIES.nonMutating
    : EC2_THROTTLE_CATEGORIES.mutating;
}

interface BucketState {
  capacity: number;
  refillPerSecond: number;
  tokens: number;
  atMs: number;
}

export class Ec2RequestThrottle {
  private readonly buckets = new Map<string, BucketState>();
  private bucketScale = -1;

  /** Takes a token for one request, or throws EC2's `RequestLimitExceeded` when its bucket is empty. */
  admit(request: { account: string; region: string; action: string; nowMs: number; scale: number }): void {
    if (!(request.scale > 0)) return;
    if (request.scale !== this.bucketScale) {
      // New limits start from full buckets, as a limit increase in AWS would.
      this.buckets.clear();
      this.bucketScale = request.scale;
    }
    const key = `${request.account}/${request.region}/${request.action}`;
    let state = this.buckets.get(key);
    if (state === undefined) {
      const bucket = bucketOf(request.action);
      const capacity = bucket.capacity * request.scale;
      state = {
        capacity,
        refillPerSecond: bucket.refillPerSecond * request.scale,
        tokens: capacity,
        atMs: request.nowMs,
      };
      this.buckets.set(key, state);
    }
    if (request.nowMs > state.atMs) {
      state.tokens = Math.min(
        state.capacity,
        state.tokens + ((request.nowMs - state.atMs) * state.refillPerSecond) / 1000,
      );
      state.atMs = request.nowMs;
    }
    if (state.tokens + EPSILON < 1) {
      throw new AwsServiceError(REQUEST_LIMIT_EXCEEDED, 'Request limit exceeded.', REQUEST_LIMIT_STATUS);
    }
    state.tokens = Math.max(0, state.tokens - 1);
  }

  /** Full buckets again (the admin API's reset). */
  reset(): void {
    this.buckets.clear();
  }
}
