import { setTimeout as sleepFor } from 'node:timers/promises';
import type { Clock } from '../clock.ts';
import type { PolicyConfig } from '../config/schema.ts';
import { AwsCallError, errorMessage, LeaseBusyError } from '../errors/index.ts';
import type { TriggerKind } from '../events/service-events.ts';
import type { HeldLease, LeaseGateway, LeaseHolder } from '../gateways/lease.ts';
import { type Logger, logger as serviceLogger } from '../logging/logger.ts';
import { type ReconcileInput, type ReconcileResult, reconcile } from './reconcile.ts';
import { type SendBudget, turnBudget } from './send-budget.ts';

/**
 * One writer at a time: every run that acts on the fleet (schedule, alarm, on-call, the tracker's deferred
 * apply) holds the writer's lease from before it observes until after it has acted, so it decides on state
 * no other run is changing, and two runs never act on the same decision. Plan, dry run and status only read,
 * and take no lease.
 */

/**
 * How long a lease lasts unless released. It must outlive the longest run that can hold it, or a slow holder
 * would lose it while still acting: Lambda ends every function by its timeout (120 s in serverless.yml, room
 * for one SDK call that hangs on every attempt, SDK_WORST_CALL_MS), and 30 s more covers the clock skew
 * between two Lambda hosts. The template test checks it against every function's timeout. A holder that dies
 * leaves the fleet blocked this long at most; the waiting runs fail and Lambda retries them.
 */
export const LEASE_DURATION_MS = 150_000;

/**
 * How long a run waits for the lease (wall time) before it gives up. The holder's run usually takes a few
 * seconds. Async triggers wait longest: within their 60 s run budget, leaving room for their own run; on-call
 * waits less, a person is waiting for the answer; the tracker least, it polls again in a minute and keeps
 * the deferred target recorded meanwhile.
 */
export const LEASE_WAIT_BUDGET_MS: Record<TriggerKind, number> = {
  schedule: 30_000,
  alarm: 30_000,
  'on-demand': 20_000,
  tracker: 10_000,
};

/** Full-jitter exponential backoff between attempts: waiters spread out instead of retrying together. */
const FIRST_BACKOFF_MS = 50;
const MAX_BACKOFF_MS = 1_000;

/** Wall-clock waiting, injectable: the service's clock may be simulated, another run's work is not. */
export interface LeaseWait {
  budgetMs: number;
  sleep: (ms: number) => Promise<void>;
  /** Monotonic milliseconds. */
  elapsedMs: () => number;
  random: () => number;
}

export interface SoleWriterInput {
  lease: LeaseGateway;
  clock: Clock;
  trigger: { kind: TriggerKind; id: string };
  logger?: Logger;
  wait?: Partial<LeaseWait>;
  /**
   * When the lease store itself fails (not busy: unreachable, denied), `fail` throws its error; `reclaim-only`
   * runs the work anyway, told to give capacity back only. A reclaim cannot hurt the owner, and no lend-back
   * can happen meanwhile, since every lend-back needs the lease.
   */
  whenUnavailable?: 'fail' | 'reclaim-only';
}

/** What the work is given: the time read once the lease is held, and whether it may only reclaim. */
export interface WriterTurn {
  now: Date;
  reclaimOnly: boolean;
  /** The lease held (absent when the store was unavailable and the run may only reclaim). */
  lease?: HeldLease;
}

/**
 * Runs `work` holding the writer's lease: waits for it (jittered backoff within the budget), runs, and gives
 * it back whatever happens. Out of budget: `LeaseBusyError` naming the holder, before anything was read.
 */
export async function asSoleWriter<T>(
  input: SoleWriterInput,
  work: (turn: WriterTurn) => Promise<T>,
): Promise<T> {
  const log = (input.logger ?? serviceLogger).createChild({
    persistentKeys: { correlation_id: input.trigger.id, trigger: input.trigger.kind },
  });
  let held: HeldLease;
  try {
    held = await acquire(input, log);
  } catch (error: unknown) {
    if (error instanceof LeaseBusyError || input.whenUnavailable !== 'reclaim-only') throw error;
    if (!(error instanceof AwsCallError)) throw error;
    log.error('writer lease unavailable: reclaims only', { error: errorMessage(error) });
    return work({ now: input.clock.now(), reclaimOnly: true });
  }
  try {
    return await work({ now: input.clock.now(), reclaimOnly: false, lease: held });
  } finally {
    await release(input.lease, held, log);
  }
}

async function acquire(input: SoleWriterInput, log: Logger): Promise<HeldLease> {
  const wait: LeaseWait = {
    budgetMs: input.wait?.budgetMs ?? LEASE_WAIT_BUDGET_MS[input.trigger.kind],
    sleep: input.wait?.sleep ?? ((ms) => sleepFor(ms)),
    elapsedMs: input.wait?.elapsedMs ?? (() => performance.now()),
    random: input.wait?.random ?? Math.random,
  };
  const startedAt = wait.elapsedMs();
  let holder: LeaseHolder | undefined;
  for (let attempt = 0; ; attempt++) {
    const outcome = await input.lease.tryAcquire({
      owner: input.trigger.id,
      trigger: input.trigger.kind,
      now: input.clock.now(),
      durationMs: LEASE_DURATION_MS,
    });
    const waitedMs = wait.elapsedMs() - startedAt;
    if (outcome.acquired) {
      if (attempt > 0) log.info('writer lease acquired after waiting', { waitedMs, attempts: attempt + 1 });
      return outcome.lease;
    }
    if (outcome.holder !== undefined && outcome.holder.owner !== holder?.owner) {
      holder = outcome.holder;
      log.info('writer lease busy: waiting', {
        holder: holder.owner,
        holderTrigger: holder.trigger,
        since: holder.acquiredAt.toISOString(),
      });
    }
    const backoffMs = wait.random() * Math.min(MAX_BACKOFF_MS, FIRST_BACKOFF_MS * 2 ** attempt);
    if (waitedMs + backoffMs > wait.budgetMs) {
      const busy = new LeaseBusyError(outcome.holder ?? holder, waitedMs);
      log.error('writer lease busy: giving up', { error: busy.message });
      throw busy;
    }
    await wait.sleep(backoffMs);
  }
}

/** A failed release only delays the next run until the lease expires: logged, never thrown over the result. */
async function release(lease: LeaseGateway, held: HeldLease, log: Logger): Promise<void> {
  try {
    if (!(await lease.release(held))) {
      // The run outlived its lease: another may have acted meanwhile. LEASE_DURATION_MS is too short.
      log.error('writer lease expired before release', { expiresAt: held.expiresAt.toISOString() });
    }
  } catch (error: unknown) {
    log.warn('writer lease not released: it expires on its own', {
      expiresAt: held.expiresAt.toISOString(),
      error: errorMessage(error),
    });
  }
}

/** A writer's turn with the send budget that bounds what it sends. */
export interface BudgetedTurn extends WriterTurn {
  budget: SendBudget;
}

/**
 * Runs `work` as the sole writer (asSoleWriter) with the turn's send budget: with `sendUntil` (sendDeadline,
 * from the invocation's remaining time) the run stops sending changes then and hands the rest to the tracker;
 * either way it renews the lease while it sends, and stops if it lost it. Every run that acts goes through here.
 */
export async function asBudgetedWriter<T>(
  input: SoleWriterInput & { config: Pick<PolicyConfig, 'ec2RequestLimits'>; sendUntil?: Date },
  work: (turn: BudgetedTurn) => Promise<T>,
): Promise<T> {
  const { config, sendUntil, ...writer } = input;
  return asSoleWriter(writer, (turn) =>
    work({
      ...turn,
      budget: turnBudget({
        clock: input.clock,
        config,
        gateway: input.lease,
        lease: turn.lease,
        leaseDurationMs: LEASE_DURATION_MS,
        sendUntil,
        ...(input.logger === undefined ? {} : { log: input.logger }),
      }),
    }),
  );
}

/** The reconcile of an acting trigger, as the sole writer with its send budget (asBudgetedWriter). */
export async function reconcileAsSoleWriter(
  input: Omit<ReconcileInput, 'now' | 'budget'> & {
    clock: Clock;
    wait?: Partial<LeaseWait>;
    sendUntil?: Date;
  },
): Promise<ReconcileResult> {
  const { clock, wait, sendUntil, ...reconcileInput } = input;
  return asBudgetedWriter(
    {
      lease: input.gateways.lease,
      clock,
      trigger: input.trigger,
      ...(input.logger === undefined ? {} : { logger: input.logger }),
      ...(wait === undefined ? {} : { wait }),
      whenUnavailable: 'reclaim-only',
      config: input.config,
      ...(sendUntil === undefined ? {} : { sendUntil }),
    },
    async ({ now, reclaimOnly, budget }) => {
      if (!reclaimOnly) return reconcile({ ...reconcileInput, now, budget });
      const result = await reconcile({ ...reconcileInput, now, budget, select: reclaimsOnly(input.select) });
      result.warnings.push('writer lease unavailable: only reclaims were applied, lend-backs wait');
      return result;
    },
  );
}

function reclaimsOnly(select: ReconcileInput['select']): NonNullable<ReconcileInput['select']> {
  return (decision) => decision.action === 'reclaim' && (select?.(decision) ?? true);
}
