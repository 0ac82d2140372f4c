import type { Clock } from '../clock.ts';
import type { PolicyConfig } from '../config/schema.ts';
import { ec2RequestLimits, reclaimUpdateBucket } from '../domain/ec2-request-limits.ts';
import { errorMessage } from '../errors/index.ts';
import { SDK_WORST_CALL_MS } from '../gateways/aws-call.ts';
import type { HeldLease, LeaseGateway } from '../gateways/lease.ts';
import type { Logger } from '../logging/logger.ts';

/**
 * A run's send budget: how long it may go on issuing allocation changes. Under EC2's request limits a large
 * reclaim takes longer than one Lambda run, so a run stops sending while it still has the time to record what
 * it sent, publish its events and make sure the tracker runs; the changes it did not send are recorded as
 * desired targets, and the tracker (every minute while any is due) decides them again and sends them. Absolute
 * targets make a repeat harmless, and a reservation already sent is `unchanged` to the next run, so nothing is
 * sent twice nor lost.
 *
 * The budget also guards the writer's lease: a long run renews it before it runs short, and a run that lost it
 * (another writer owns the fleet now) stops sending at once.
 */

/**
 * What a run keeps once it stops sending: one SDK call that hangs on every attempt (SDK_WORST_CALL_MS), and
 * the run's closing calls (records, events, the tracker's rule, metrics), which take a few seconds.
 */
export const SEND_STOP_MARGIN_MS = SDK_WORST_CALL_MS + 10_000;

/** A lease is renewed once it has less than this left: two renewals' worth of room before it could lapse. */
export const LEASE_RENEW_BEFORE_MS = 60_000;

/** Clock skew between two Lambda hosts that the lease's expiry must allow for: never send this close to it. */
export const LEASE_SKEW_MS = 30_000;

/** The part of the Lambda context a budget reads. */
export interface RemainingTime {
  getRemainingTimeInMillis(): number;
}

/**
 * When a run invoked with `context` must stop sending, on the service's clock: its remaining time less the
 * stop margin. Production's clock is the system clock; the sandbox's Lambda context counts the remaining time
 * on the simulated clock, so both agree. A context that tells no remaining time (a bare test call) sets none.
 */
export function sendDeadline(clock: Clock, context: Partial<RemainingTime> | undefined): Date | undefined {
  if (typeof context?.getRemainingTimeInMillis !== 'function') return undefined;
  return new Date(clock.now().getTime() + context.getRemainingTimeInMillis() - SEND_STOP_MARGIN_MS);
}

/** `{ sendUntil }` for a run invoked with `context`, or nothing when it tells no remaining time. */
export function sendUntilOf(clock: Clock, context: Partial<RemainingTime> | undefined): { sendUntil?: Date } {
  const sendUntil = sendDeadline(clock, context);
  return sendUntil === undefined ? {} : { sendUntil };
}

/** Why a run stopped sending. */
export type SendStop =
  | { kind: 'time'; reason: string }
  /** Another run holds the writer's lease now: this run must not write anything more about the fleet. */
  | { kind: 'lease-lost'; reason: string };

export interface SendBudgetOptions {
  clock: Clock;
  /** Stop sending from this time on (sendDeadline). Without it only the lease bounds the run. */
  until?: Date;
  /**
   * Milliseconds between two changes once the bucket's burst is spent (its refill interval): changes already
   * let go wait their turn in the pacer, so a change is sent only if it goes out before `until` behind them.
   */
  sendIntervalMs?: number;
  /** The writer's lease this run holds, renewed while it sends. */
  lease?: { gateway: LeaseGateway; held: HeldLease; durationMs: number };
  log?: Logger;
}

export class SendBudget {
  private readonly clock: Clock;
  private readonly until: Date | undefined;
  private readonly lease: SendBudgetOptions['lease'];
  private readonly log: Logger | undefined;
  private held: HeldLease | undefined;
  private renewing: Promise<void> | undefined;
  private stop: SendStop | undefined;
  private sentCount = 0;
  private inFlight = 0;
  private readonly sendIntervalMs: number;

  constructor(options: SendBudgetOptions) {
    this.clock = options.clock;
    this.until = options.until;
    this.sendIntervalMs = options.sendIntervalMs ?? 0;
    this.lease = options.lease;
    this.held = options.lease?.held;
    this.log = options.log;
  }

  /** Changes this run sent. */
  get sent(): number {
    return this.sentCount;
  }

  /** Why the run stopped sending, once it has. */
  get stopped(): SendStop | undefined {
    return this.stop;
  }

  /** The lease as last renewed (what the run must release). */
  get currentLease(): HeldLease | undefined {
    return this.held;
  }

  /**
   * Before each change: `undefined` when it may be sent (counted as sent), else why not. Once stopped, a run
   * stays stopped: its remaining changes are handed over together.
   */
  async beforeSend(): Promise<SendStop | undefined> {
    if (this.stop === undefined) await this.check();
    if (this.stop === undefined) {
      this.sentCount++;
      this.inFlight++;
    }
    return this.stop;
  }

  /** After each change `beforeSend` let go, answered or failed. */
  afterSend(): void {
    this.inFlight = Math.max(0, this.inFlight - 1);
  }

  private async check(): Promise<void> {
    const now = this.clock.now();
    // The changes in flight go first: this one leaves after them, at the refill rate.
    const leavesAt = now.getTime() + this.inFlight * this.sendIntervalMs;
    if (this.until !== undefined && leavesAt >= this.until.getTime()) {
      this.stop = {
        kind: 'time',
        reason: `send budget spent at ${now.toISOString()} after ${this.sentCount} change(s): the tracker sends the rest`,
      };
      return;
    }
    if (this.lease === undefined || this.held === undefined) return;
    if (this.held.expiresAt.getTime() - now.getTime() < LEASE_RENEW_BEFORE_MS) {
      // One renewal at a time: the changes sent side by side all wait for it.
      this.renewing ??= this.renew(now).finally(() => {
        this.renewing = undefined;
      });
      await this.renewing;
    }
    if (this.stop !== undefined) return;
    if (this.held.expiresAt.getTime() - this.clock.now().getTime() < LEASE_SKEW_MS) {
      this.stop = {
        kind: 'time',
        reason: `writer lease ends at ${this.held.expiresAt.toISOString()} and could not be renewed: the tracker sends the rest`,
      };
    }
  }

  private async renew(now: Date): Promise<void> {
    const { gateway, durationMs } = this.lease ?? {};
    if (gateway?.renew === undefined || durationMs === undefined || this.held === undefined) return;
    try {
      const renewed = await gateway.renew(this.held, now, durationMs);
      if (renewed === undefined) {
        this.stop = {
          kind: 'lease-lost',
          reason: `writer lease lost at ${now.toISOString()} after ${this.sentCount} change(s): another run owns the fleet`,
        };
        this.log?.error('writer lease lost while sending: stopped', { sent: this.sentCount });
        return;
      }
      this.held = renewed;
      this.log?.info('writer lease renewed', { expiresAt: renewed.expiresAt.toISOString() });
    } catch (error: unknown) {
      // The store is unreachable: the lease still holds until it expires, and the skew check stops us before.
      this.log?.warn('writer lease not renewed', { error: errorMessage(error) });
    }
  }
}

/**
 * The budget of a writer's turn: until `sendUntil`, renewing the lease the turn holds (if it holds one), at
 * the pace of the account's Update bucket.
 */
export function turnBudget(options: {
  clock: Clock;
  config: Pick<PolicyConfig, 'ec2RequestLimits'>;
  gateway: LeaseGateway;
  lease: HeldLease | undefined;
  leaseDurationMs: number;
  sendUntil: Date | undefined;
  log?: Logger;
}): SendBudget {
  const bucket = reclaimUpdateBucket(ec2RequestLimits(options.config.ec2RequestLimits));
  return new SendBudget({
    clock: options.clock,
    sendIntervalMs: 1000 / bucket.refillPerSecond,
    ...(options.sendUntil === undefined ? {} : { until: options.sendUntil }),
    ...(options.lease === undefined
      ? {}
      : { lease: { gateway: options.gateway, held: options.lease, durationMs: options.leaseDurationMs } }),
    ...(options.log === undefined ? {} : { log: options.log }),
  });
}
