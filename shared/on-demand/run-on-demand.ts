import type { Clock } from '../clock.ts';
import type { PolicyConfig } from '../config/schema.ts';
import { sharingWarnings } from '../config/sharing.ts';
import type { ShortNoticeClosure } from '../domain/records.ts';
import { MAX_TARGET, type Override, overrideStanding } from '../domain/records.ts';
import type { AllocationStatus } from '../domain/reservation.ts';
import { errorCode, errorMessage } from '../errors/index.ts';
import type { Gateways } from '../gateways/index.ts';
import { type Logger, logger as serviceLogger } from '../logging/logger.ts';
import { decide } from '../policy/index.ts';
import type { Decision, Observation } from '../policy/types.ts';
import { observe, type ReconcileResult, type ReservationOutcome, reconcile } from '../reconcile/reconcile.ts';
import { asBudgetedWriter, type LeaseWait } from '../reconcile/sole-writer.ts';
import { overrideCodec } from '../records/tags.ts';
import { mapWithConcurrency } from '../util/concurrency.ts';
import { type MarketClosureAnswer, runMarketClosure } from './market-closure.ts';
import type { Amount, MarketClosureRequest, OnDemandRequest, Scope } from './payload.ts';
import { scopeFilter, selectInScope } from './scope.ts';
import {
  failedCall,
  nothingReconciled,
  OnCallWriteError,
  reportOnCallWriteFailures,
} from './write-failures.ts';

export interface OnDemandContext {
  gateways: Gateways;
  config: PolicyConfig;
  /** When the request was validated; a change decides at the time it holds the writer's lease instead. */
  now: Date;
  clock: Clock;
  /** The invocation's request id: the correlation id of the run. */
  triggerId: string;
  /** Who invoked, from the invocation's context, when it says; the payload's `requestedBy` comes first. */
  caller?: string;
  logger?: Logger;
  /** How the change waits for the writer's lease (tests shorten it). */
  leaseWait?: Partial<LeaseWait>;
  /** When the change must stop sending (sendDeadline of the invocation): the tracker sends the rest. */
  sendUntil?: Date;
}

/** Recorded when neither the payload nor the invocation names the caller. */
export const UNKNOWN_CALLER = 'unknown (no requestedBy, no identity in the invocation)';

export interface OverrideWritten {
  reservationId: string;
  name?: string;
  action: Override['action'];
  target: number;
  expiresAt: string;
}

export interface ChangeAnswer {
  ok: true;
  action: 'reclaim' | 'lend' | 'clear';
  dryRun: boolean;
  /** The overrides written (or, on a dry run, that would be written); empty for clear. */
  overrides: OverrideWritten[];
  result: ReconcileResult;
}

export interface PlanAnswer {
  ok: true;
  action: 'plan';
  result: ReconcileResult;
}

export interface ReservationStatus {
  reservationId: string;
  name?: string;
  owned: number;
  /** Instances in the allocation now. */
  lent: number;
  /** Borrowers' running instances, when EC2 shows them. */
  borrowed?: number;
  /** The allocation's target now. */
  target: number;
  /** The allocation's status, `none` without an allocation. */
  status: AllocationStatus | 'none';
  need: number;
  /** What the policy would set now, and why. */
  decidedTarget: number;
  reasons: string[];
  override: {
    action: Override['action'];
    target: number;
    expiresAt: string;
    reason: string;
    setAt: string;
    requestedBy?: string;
    spansSession?: true;
  } | null;
}

export interface StatusAnswer {
  ok: true;
  action: 'status';
  at: string;
  reservations: ReservationStatus[];
  warnings: string[];
  /** On-call's short-notice market closures, today (market-local) and later. */
  closures: ShortNoticeClosure[];
}

export type OnDemandAnswer = ChangeAnswer | PlanAnswer | StatusAnswer | MarketClosureAnswer;

/**
 * On-call's requests: write or clear an override (tags on the source, expiring within 24 h) and reconcile the
 * reservations concerned at once, or only plan, or report status. A dry run writes nothing: the override is
 * laid over the observation in memory and EC2 is asked with `DryRun=true`.
 */
export async function runOnDemand(
  request: OnDemandRequest,
  context: OnDemandContext,
): Promise<OnDemandAnswer> {
  const log = context.logger ?? serviceLogger;
  const requestedBy =
    request.action === 'plan' || request.action === 'status'
      ? undefined
      : (request.requestedBy ?? context.caller ?? UNKNOWN_CALLER);
  const trigger = {
    kind: 'on-demand' as const,
    id: context.triggerId,
    detail: request,
    ...(requestedBy === undefined ? {} : { requestedBy }),
  };
  const common = { now: context.now, gateways: context.gateways, config: context.config, logger: log };
  log.info('on-demand request', { correlation_id: context.triggerId, request });

  if (request.action === 'status') return status(request.scope, context);
  if (request.action === 'plan') {
    const result = await reconcile({
      ...common,
      trigger,
      mode: 'plan',
      select: scopeFilter(request.scope, context.config),
    });
    return { ok: true, action: 'plan', result };
  }
  // A dry run writes nothing and needs no lease. A change or a closure holds it from its first read to its
  // last write, so its amounts (relative to the current target) and its answer are about the fleet as nobody
  // else changes it; out of budget, on-call gets a `Busy` answer naming the holder, with nothing changed.
  const act = <T>(work: (context: OnDemandContext, run: OnDemandRun) => Promise<T>): Promise<T> => {
    if (request.dryRun) return work(context, { ...common, trigger });
    const writer = {
      lease: context.gateways.lease,
      clock: context.clock,
      trigger,
      logger: log,
      ...(context.leaseWait === undefined ? {} : { wait: context.leaseWait }),
      config: context.config,
      ...(context.sendUntil === undefined ? {} : { sendUntil: context.sendUntil }),
    };
    return asBudgetedWriter(writer, ({ now, budget }) =>
      work({ ...context, now }, { ...common, now, trigger, budget }),
    );
  };
  if (isMarketClosure(request)) return act((at, run) => runMarketClosure(request, at, run));
  return act((at, run) => change(request, at, run));
}

function isMarketClosure(request: OnDemandRequest): request is MarketClosureRequest {
  return request.action === 'close-market' || request.action === 'reopen-market';
}

type ChangeRequest = Extract<OnDemandRequest, { action: 'reclaim' | 'lend' | 'clear' }>;
/** What every reconcile of one on-call request shares: its time, trigger and (when it acts) send budget. */
export type OnDemandRun = Pick<
  Parameters<typeof reconcile>[0],
  'now' | 'gateways' | 'config' | 'logger' | 'trigger' | 'budget'
>;

async function change(
  request: ChangeRequest,
  context: OnDemandContext,
  common: OnDemandRun,
): Promise<ChangeAnswer> {
  const log = common.logger ?? serviceLogger;
  const observation = await observe(context.gateways, context.config, undefined, {
    now: context.now,
    log: context.logger ?? serviceLogger,
  });
  const scoped = selectInScope(
    request.scope,
    context.config,
    decide(observation, context.config, context.now).decisions,
  );
  const overrides =
    request.action === 'clear'
      ? []
      : scoped.map((decision) => ({
          decision,
          override: {
            action: request.action,
            target: overrideTarget(request.action, request.amount, decision, context.config),
            expiresAt: request.expiresAt,
            reason: request.reason,
            setAt: context.now,
            ...(request.action === 'lend' && request.spanSession ? { spansSession: true as const } : {}),
            ...(common.trigger.requestedBy === undefined ? {} : { requestedBy: common.trigger.requestedBy }),
          },
        }));
  const written: OverrideWritten[] = overrides.map(({ decision, override }) => ({
    reservationId: decision.reservationId,
    ...(decision.name === undefined ? {} : { name: decision.name }),
    action: override.action,
    target: override.target,
    expiresAt: override.expiresAt.toISOString(),
  }));

  if (request.dryRun) {
    // Rendered as the write would render it: an override that cannot be recorded fails here as the write would.
    const overrideById = new Map(
      overrides.map(({ decision, override }) => {
        overrideCodec.tags(override);
        return [decision.reservationId, override];
      }),
    );
    const scopedIds = new Set(scoped.map((decision) => decision.reservationId));
    const result = await reconcile({
      ...common,
      mode: 'dry-run',
      reservationIds: [...scopedIds],
      adjustObservation: (observed) => overlay(observed, scopedIds, overrideById),
    });
    return { ok: true, action: request.action, dryRun: true, overrides: written, result };
  }

  const failed = new Map<string, ReservationOutcome>();
  await mapWithConcurrency(scoped, 16, async (decision) => {
    const entry = overrides.find((candidate) => candidate.decision.reservationId === decision.reservationId);
    try {
      if (entry)
        await context.gateways.capacity.tag(decision.reservationId, overrideCodec.tags(entry.override));
      else await context.gateways.capacity.untag(decision.reservationId, overrideCodec.keys);
    } catch (error: unknown) {
      log.error('override not written', {
        correlation_id: context.triggerId,
        reservationId: decision.reservationId,
        error,
      });
      const call = failedCall(error, entry ? 'ec2:CreateTags' : 'ec2:DeleteTags');
      failed.set(decision.reservationId, {
        reservationId: decision.reservationId,
        ...(decision.name === undefined ? {} : { name: decision.name }),
        outcome: 'failed',
        from: decision.currentTarget,
        to: decision.currentTarget,
        action: decision.action,
        reasons: [`override not ${entry ? 'written' : 'cleared'}: ${call} failed`],
        error: { code: errorCode(error), message: errorMessage(error) },
      });
    }
  });
  const toReconcile = scoped.map((decision) => decision.reservationId).filter((id) => !failed.has(id));
  const result =
    toReconcile.length === 0
      ? nothingReconciled(context)
      : await reconcile({ ...common, reservationIds: toReconcile });
  result.outcomes.push(...failed.values());
  if (failed.size > 0) {
    const failures = [...failed.values()].map((outcome) => ({
      reservationId: outcome.reservationId,
      from: outcome.from,
      to: outcome.to,
      what: outcome.reasons.join('; '),
      code: outcome.error?.code ?? 'Unknown',
      message: outcome.error?.message ?? '',
    }));
    const description = `on-call ${request.action} (${request.reason})`;
    await reportOnCallWriteFailures(failures, description, context, common.trigger.requestedBy);
    throw new OnCallWriteError(description, failures, result);
  }
  return {
    ok: true,
    action: request.action,
    dryRun: false,
    overrides: written.filter((entry) => !failed.has(entry.reservationId)),
    result,
  };
}

/** The absolute allocation target an on-call amount means for one reservation, at the time it is written. */
export function overrideTarget(
  action: 'reclaim' | 'lend',
  amount: Amount,
  decision: Decision,
  config: PolicyConfig,
): number {
  if (amount.kind === 'target') return amount.target;
  if (action === 'reclaim') {
    return amount.kind === 'everything' ? 0 : Math.max(0, decision.currentTarget - amount.count);
  }
  const ceiling = configuredCeiling(decision, config);
  if (amount.kind === 'everything') return Math.min(ceiling, decision.owned, MAX_TARGET);
  return Math.min(decision.currentTarget + amount.count, MAX_TARGET);
}

async function status(scope: Scope, context: OnDemandContext): Promise<StatusAnswer> {
  const observation = await observe(
    context.gateways,
    context.config,
    undefined,
    { now: context.now, log: context.logger ?? serviceLogger },
    { borrowers: true },
  );
  const decided = decide(observation, context.config, context.now);
  const { decisions, closures = [] } = decided;
  const warnings = [...decided.warnings, ...sharingWarnings(context.config)];
  const snapshots = new Map(observation.reservations.map((snapshot) => [snapshot.reservationId, snapshot]));
  const reservations = selectInScope(scope, context.config, decisions).map((decision): ReservationStatus => {
    const snapshot = snapshots.get(decision.reservationId);
    const allocation = snapshot?.allocation;
    const recorded = snapshot?.records.override;
    const override =
      recorded !== undefined && overrideStanding(recorded, context.now).kind === 'active'
        ? recorded
        : undefined;
    return {
      reservationId: decision.reservationId,
      ...(decision.name === undefined ? {} : { name: decision.name }),
      owned: decision.owned,
      lent: allocation?.current ?? 0,
      ...(allocation?.borrowed === undefined ? {} : { borrowed: allocation.borrowed }),
      target: allocation?.target ?? 0,
      status: allocation?.status ?? 'none',
      need: decision.need,
      decidedTarget: decision.target,
      reasons: decision.reasons,
      override:
        override !== undefined
          ? {
              action: override.action,
              target: override.target,
              expiresAt: override.expiresAt.toISOString(),
              reason: override.reason,
              setAt: override.setAt.toISOString(),
              ...(override.requestedBy === undefined ? {} : { requestedBy: override.requestedBy }),
              ...(override.spansSession ? { spansSession: true as const } : {}),
            }
          : null,
    };
  });
  return { ok: true, action: 'status', at: context.now.toISOString(), reservations, warnings, closures };
}

function configuredCeiling(decision: Decision, config: PolicyConfig): number {
  const entry = config.reservations.find(
    (reservation) => reservation.id === decision.reservationId || reservation.name === decision.name,
  );
  return entry?.ceiling ?? MAX_TARGET;
}

/** The observation as it will be once the overrides are written (or cleared): the dry run decides on it. */
function overlay(
  observed: Observation,
  scopedIds: ReadonlySet<string>,
  overrideById: ReadonlyMap<string, Override>,
): Observation {
  return {
    ...observed,
    reservations: observed.reservations.map((snapshot) => {
      if (!scopedIds.has(snapshot.reservationId)) return snapshot;
      const { override: _written, ...records } = snapshot.records;
      const override = overrideById.get(snapshot.reservationId);
      const malformed = records.malformed.filter((record) => record.record !== 'override');
      return {
        ...snapshot,
        records: { ...records, malformed, ...(override === undefined ? {} : { override }) },
      };
    }),
  };
}
