import { localDate, marketTimeZone } from '../calendar/calendar.ts';
import type { PolicyConfig } from '../config/schema.ts';
import type { ReservationSnapshot } from '../domain/reservation.ts';
import { errorCode, errorMessage, ValidationError } from '../errors/index.ts';
import { deleteTags, type TagFailure, writeTags } from '../gateways/index.ts';
import { logger as serviceLogger } from '../logging/logger.ts';
import { calendarOptions, decide } from '../policy/index.ts';
import type { Observation } from '../policy/types.ts';
import { observe, type ReconcileResult, reconcile } from '../reconcile/reconcile.ts';
import { closureTagKey, closureTags } from '../records/closures.ts';
import type { MarketClosureRequest } from './payload.ts';
import type { OnDemandContext, OnDemandRun } from './run-on-demand.ts';
import {
  failedCall,
  nothingReconciled,
  OnCallWriteError,
  type OnCallWriteFailure,
  reportOnCallWriteFailures,
} from './write-failures.ts';

export interface MarketClosureAnswer {
  ok: true;
  action: MarketClosureRequest['action'];
  market: string;
  date: string;
  reason: string;
  dryRun: boolean;
  /** The reservations whose tags were (or, on a dry run, would be) changed. */
  recordedOn: string[];
  /** Tag writes that failed: the closure still holds if any reservation carries it. */
  failed: { reservationId: string; error: { code: string; message: string } }[];
  /** The reconcile of the market's reservations that followed. */
  result: ReconcileResult;
}

/**
 * Records a short-notice closure on every observed managed reservation of the market (all regions), so any
 * one of them carrying it is enough for every later run; or removes it from every reservation that carries
 * it. Past closures of the market are pruned on the way (EC2 allows 50 tags per resource). Then the market's
 * reservations are reconciled at once: a closure for today lends back now.
 */
export async function runMarketClosure(
  request: MarketClosureRequest,
  context: OnDemandContext,
  run: OnDemandRun,
): Promise<MarketClosureAnswer> {
  const log = run.logger ?? serviceLogger;
  const observation = await observe(context.gateways, context.config, undefined, { now: context.now, log });
  const key = closureTagKey(request.market, request.date);
  const closure = { market: request.market, date: request.date, reason: request.reason };
  const ofMarket = reservationsOfMarket(observation, context.config, context.now, request.market);
  const targets =
    request.action === 'close-market'
      ? ofMarket
      : observation.reservations.filter((snapshot) => recordsClosure(snapshot, request));
  if (targets.length === 0) {
    throw request.action === 'close-market'
      ? new ValidationError(
          'market',
          `market: no managed reservation of ${request.market} is observed, so the closure cannot be recorded`,
        )
      : new ValidationError(
          'date',
          `date: no short-notice closure of ${request.market} on ${request.date} is recorded`,
        );
  }
  const today = localDate(context.now, marketTimeZone(request.market, calendarOptions(context.config)));
  const stale = new Map(
    targets.map((snapshot) => [snapshot.reservationId, staleKeys(snapshot, request.market, today)]),
  );
  const recordedOn = targets.map((snapshot) => snapshot.reservationId);
  const common = { ...run, reservationIds: ofMarket.map((snapshot) => snapshot.reservationId) };
  if (request.dryRun) {
    const result = await reconcile({
      ...common,
      mode: 'dry-run',
      adjustObservation: (observed) => overlay(observed, new Set(recordedOn), request),
    });
    return { ok: true, ...closureSummary(request), recordedOn, failed: [], result };
  }

  const failures: TagFailure[] =
    request.action === 'close-market'
      ? await writeTags(
          context.gateways.capacity,
          targets.map((snapshot) => ({
            reservationId: snapshot.reservationId,
            tags: closureTags(closure),
          })),
        )
      : await deleteTags(
          context.gateways.capacity,
          targets.map((snapshot) => ({ reservationId: snapshot.reservationId, keys: [key] })),
        );
  // A closure holds while any reservation of the market carries it: a close fails only if none took it, but a
  // reopen that left the tag anywhere leaves the market closed, its capacity lent through the session.
  const refused =
    request.action === 'close-market' ? failures.length === targets.length : failures.length > 0;
  const writeFailures: OnCallWriteFailure[] = refused
    ? failures.map((failure) => {
        const target = targets.find((snapshot) => snapshot.reservationId === failure.reservationId);
        const current = target?.allocation?.target ?? 0;
        const call = failedCall(
          failure.error,
          request.action === 'close-market' ? 'ec2:CreateTags' : 'ec2:DeleteTags',
        );
        return {
          reservationId: failure.reservationId,
          from: current,
          to: current,
          what: `closure of ${request.market} on ${request.date} not ${request.action === 'close-market' ? 'recorded' : 'removed'}: ${call} failed`,
          code: errorCode(failure.error),
          message: errorMessage(failure.error),
        };
      })
    : [];
  const description = `on-call ${request.action} ${request.market} ${request.date} (${request.reason})`;
  if (writeFailures.length > 0)
    await reportOnCallWriteFailures(writeFailures, description, context, run.trigger.requestedBy);
  if (request.action === 'close-market' && writeFailures.length > 0)
    throw new OnCallWriteError(description, writeFailures, nothingReconciled(context));
  // Pruning is housekeeping: a failure here changes no decision.
  const pruneFailures = await deleteTags(
    context.gateways.capacity,
    [...stale].map(([reservationId, keys]) => ({ reservationId, keys })),
  );
  for (const failure of pruneFailures) {
    log.warn('past closures not pruned', {
      reservationId: failure.reservationId,
      error: errorMessage(failure.error),
    });
  }
  const failed = failures.map((failure) => ({
    reservationId: failure.reservationId,
    error: { code: errorCode(failure.error), message: errorMessage(failure.error) },
  }));
  log.info('market closure recorded', {
    ...closureSummary(request),
    recordedOn: recordedOn.length,
    failed: failed.length,
  });
  const result = await reconcile(common);
  if (writeFailures.length > 0) throw new OnCallWriteError(description, writeFailures, result);
  return {
    ok: true,
    ...closureSummary(request),
    recordedOn: recordedOn.filter((id) => !failures.some((failure) => failure.reservationId === id)),
    failed,
    result,
  };
}

function closureSummary(request: MarketClosureRequest) {
  return {
    action: request.action,
    market: request.market,
    date: request.date,
    reason: request.reason,
    dryRun: request.dryRun,
  };
}

/** The observed reservations the policy assigns to `market` (through their config entries). */
function reservationsOfMarket(
  observation: Observation,
  config: PolicyConfig,
  now: Date,
  market: string,
): ReservationSnapshot[] {
  const names = new Set(
    config.reservations.filter((entry) => entry.market === market).map((entry) => entry.name),
  );
  const ids = new Set(
    decide(observation, config, now)
      .decisions.filter((decision) => decision.name !== undefined && names.has(decision.name))
      .map((decision) => decision.reservationId),
  );
  return observation.reservations.filter((snapshot) => ids.has(snapshot.reservationId));
}

/** Closure keys of the market dated before its local today: they change no decision any more. */
function staleKeys(snapshot: ReservationSnapshot, market: string, today: string): string[] {
  return snapshot.records.closures
    .filter((closure) => closure.market === market && closure.date < today)
    .map((closure) => closureTagKey(closure.market, closure.date));
}

/** Whether the reservation records the closure of the request's market on its date. */
function recordsClosure(snapshot: ReservationSnapshot, request: MarketClosureRequest): boolean {
  return snapshot.records.closures.some(
    (closure) => closure.market === request.market && closure.date === request.date,
  );
}

/** The observation as it will be once the closure is recorded (or removed): the dry run decides on it. */
function overlay(
  observed: Observation,
  ids: ReadonlySet<string>,
  request: MarketClosureRequest,
): Observation {
  return {
    ...observed,
    reservations: observed.reservations.map((snapshot) => {
      if (!ids.has(snapshot.reservationId)) return snapshot;
      const others = snapshot.records.closures.filter(
        (closure) => closure.market !== request.market || closure.date !== request.date,
      );
      const closures =
        request.action === 'close-market'
          ? [...others, { market: request.market, date: request.date, reason: request.reason }]
          : others;
      return { ...snapshot, records: { ...snapshot.records, closures } };
    }),
  };
}
