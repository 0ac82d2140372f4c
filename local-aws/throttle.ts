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
 * reach the limit with a handful of calls, 0 switches throttling off. `requestLimits` sets an account's raised
 * buckets per class (AWS support raises them on request), scaled likewise.
 */
import { AwsServiceError } from './errors.ts';
import type { ThrottleBucketLimit, ThrottleClass } from './types.ts';

export type ThrottleBucket = ThrottleBucketLimit;

/** The categories of the page's first table that the served actions fall in. */
export const EC2_THROTTLE_CATEGORIES = {
  nonMutating: { capacity: 100, refillPerSecond: 20 },
  mutating: { capacity: 50, refillPerSecond: 5 },
} as const satisfies Record<string, ThrottleBucket>;

/** The default bucket of each class: the two categories, and the uncategorized tag actions' own. */
export const EC2_THROTTLE_CLASSES = {
  ...EC2_THROTTLE_CATEGORIES,
  createTags: { capacity: 100, refillPerSecond: 10 },
  deleteTags: { capacity: 100, refillPerSecond: 10 },
} as const satisfies Record<ThrottleClass, ThrottleBucket>;

/** The class of every EC2 action the endpoint serves. */
const ACTION_CLASSES = {
  DescribeCapacityReservations: 'nonMutating',
  CreateInterruptibleCapacityReservationAllocation: 'mutating',
  UpdateInterruptibleCapacityReservationAllocation: 'mutating',
  CreateTags: 'createTags',
  DeleteTags: 'deleteTags',
} as const satisfies Record<string, ThrottleClass>;

/** The default bucket of every EC2 action the endpoint serves. */
export const EC2_THROTTLE_BUCKETS = Object.fromEntries(
  Object.entries(ACTION_CLASSES).map(([action, name]) => [action, EC2_THROTTLE_CLASSES[name]]),
) as Record<keyof typeof ACTION_CLASSES, ThrottleBucket>;

export const REQUEST_LIMIT_EXCEEDED = 'RequestLimitExceeded';
const REQUEST_LIMIT_STATUS = 503;
/** A fraction of a token lost to floating point must not refuse a request the arithmetic allows. */
const EPSILON = 1e-9;

function classOf(action: string): ThrottleClass {
  const listed = (ACTION_CLASSES as Record<string, ThrottleClass>)[action];
  if (listed !== undefined) return listed;
  return /^(Describe|List|Search|Get)/.test(action) ? 'nonMutating' : 'mutating';
}

type Limits = Partial<Record<ThrottleClass, ThrottleBucket>> | undefined;

interface BucketState {
  capacity: number;
  refillPerSecond: number;
  tokens: number;
  atMs: number;
}

export class Ec2RequestThrottle {
  private readonly buckets = new Map<string, BucketState>();
  private bucketScale = -1;
  private bucketLimits: Limits;

  /**
   * Takes a token for one request, or throws EC2's `RequestLimitExceeded` when its bucket is empty. `limits`
   * are the account's buckets where raised (EC2's defaults for the classes it leaves out).
   */
  admit(request: {
    account: string;
    region: string;
    action: string;
    nowMs: number;
    scale: number;
    limits?: Limits;
  }): void {
    if (!(request.scale > 0)) return;
    if (request.scale !== this.bucketScale || request.limits !== this.bucketLimits) {
      // New limits start from full buckets, as a limit increase in AWS would.
      this.buckets.clear();
      this.bucketScale = request.scale;
      this.bucketLimits = request.limits;
    }
    const key = `${request.account}/${request.region}/${request.action}`;
    let state = this.buckets.get(key);
    if (state === undefined) {
      const name = classOf(request.action);
      const bucket = request.limits?.[name] ?? EC2_THROTTLE_CLASSES[name];
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
