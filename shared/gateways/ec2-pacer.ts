import type { EC2Client, ServiceInputTypes, ServiceOutputTypes } from '@aws-sdk/client-ec2';
import type { FinalizeRequestMiddleware } from '@smithy/types';
import type { Clock } from '../clock.ts';
import {
  type Ec2RequestLimits,
  ec2RequestBucket,
  type RequestBucket,
  TokenBucket,
} from '../domain/ec2-request-limits.ts';

/** Tokens of each bucket the pacer never counts on (see `bucket`). */
const HELD_BACK_TOKENS = 1;

/** The SDK's step name for the pacer: one per client. */
const PACER_MIDDLEWARE = 'odcrEc2RequestPacer';

export interface Ec2RequestPacerOptions {
  /** The container's clock: production's system clock, the simulator's simulated one. */
  clock: Clock;
  /** The account's limits per API class (the config's `ec2RequestLimits` over EC2's defaults). */
  limits?: Ec2RequestLimits;
  /** Each action's bucket, when a test shapes them otherwise; else the bucket of its class under `limits`. */
  bucketFor?: (action: string) => RequestBucket;
}

/**
 * Paces one region's EC2 requests to EC2's token buckets (shared/domain/ec2-request-limits.ts): before each
 * request the pacer waits on the clock until a mirror of that action's bucket holds a token, so a reclaim of
 * thousands of reservations sends at the refill rate instead of meeting `RequestLimitExceeded` and retrying
 * into it. Requests of one action take their turns in order, so only one of them waits at a time.
 *
 * It sits in the SDK's middleware stack after the retry step and before signing: every attempt takes a token
 * (a retry too, as in EC2), pages of a paginator included, and a request is signed only when it goes. The
 * SDK's retries stay the backstop: a refusal anyway (another client of the account drained the bucket) empties
 * the mirror, so the retry waits for a refill rather than coming straight back.
 *
 * Built once per container and region (EC2 throttles per account and region), like the client it paces.
 */
export class Ec2RequestPacer {
  private readonly clock: Clock;
  private readonly bucketFor: (action: string) => RequestBucket;
  private readonly buckets = new Map<string, TokenBucket>();
  private readonly turns = new Map<string, Promise<void>>();

  constructor(options: Ec2RequestPacerOptions) {
    this.clock = options.clock;
    const limits = options.limits;
    this.bucketFor = options.bucketFor ?? ((action) => ec2RequestBucket(action, limits));
  }

  /** Resolves when a request of `action` may go; its token is taken. */
  acquire(action: string): Promise<void> {
    const bucket = this.bucket(action);
    const previous = this.turns.get(action) ?? Promise.resolve();
    const turn = previous.then(async () => {
      const before = this.clock.now().getTime();
      const wait = bucket.msUntilToken(before);
      if (wait > 0) await this.clock.sleep(wait);
      // Taken at the time the wait was for, even if the clock says less: a clock that does not move while
      // sleeping must not stall the queue (the endpoint refuses, and the SDK's retry is the backstop).
      bucket.take(Math.max(this.clock.now().getTime(), before + wait));
    });
    this.turns.set(
      action,
      turn.catch(() => undefined),
    );
    return turn;
  }

  /** EC2 refused a request of `action` for throttling: its bucket is empty whatever the mirror says. */
  refused(action: string): void {
    this.bucket(action).drain(this.clock.now().getTime());
  }

  /** Paces every request `client` sends (once per client). */
  attach(client: EC2Client): void {
    if (client.middlewareStack.identify().some((entry) => entry.startsWith(PACER_MIDDLEWARE))) return;
    const pace: FinalizeRequestMiddleware<ServiceInputTypes, ServiceOutputTypes> =
      (next, context) => async (args) => {
        const action = context.commandName?.replace(/Command$/, '') ?? 'unknown';
        await this.acquire(action);
        try {
          return await next(args);
        } catch (error: unknown) {
          if (error instanceof Error && error.name === 'RequestLimitExceeded') this.refused(action);
          throw error;
        }
      };
    client.middlewareStack.addRelativeTo(pace, {
      relation: 'after',
      toMiddleware: 'retryMiddleware',
      name: PACER_MIDDLEWARE,
    });
  }

  private bucket(action: string): TokenBucket {
    let bucket = this.buckets.get(action);
    if (bucket === undefined) {
      // One token held back: EC2 sees a request a little after the pacer let it go, and a bucket that was
      // full meanwhile refilled nothing, so a mirror that spent its last token could be one ahead of EC2.
      const { capacity, refillPerSecond } = this.bucketFor(action);
      bucket = new TokenBucket({ capacity: Math.max(1, capacity - HELD_BACK_TOKENS), refillPerSecond });
      this.buckets.set(action, bucket);
    }
    return bucket;
  }
}
