/**
 * What the reclaim tests do over and over: run the real schedule handler once on a local service, and pick
 * one reservation's outcome from a reconcile's result.
 */
import { createHandler } from '#functions/reclaim-on-schedule/handler.ts';
import type { PolicyConfig } from '#shared/config/schema.ts';
import type { ReconcileResult, ReservationOutcome } from '#shared/reconcile/reconcile.ts';
import { type LocalService, lambdaContext, scheduledEvent, TRADING } from '../../support/local-service.ts';

/** One reclaim-on-schedule run at the service's simulated now, with another config where one is given. */
export async function runSchedule(local: LocalService, config?: PolicyConfig): Promise<ReconcileResult> {
  const dependencies = config === undefined ? local.dependencies : { ...local.dependencies, config };
  return createHandler(dependencies)(scheduledEvent(local.aws), lambdaContext());
}

/** `reservationId`'s outcome in a reconcile's result (a handler's answer, typed as it comes). */
export function outcomeOf(result: unknown, reservationId: string): ReservationOutcome | undefined {
  return (result as ReconcileResult).outcomes.find((outcome) => outcome.reservationId === reservationId);
}

/** The trading fleet's outcome. */
export function tradingOutcome(result: unknown): ReservationOutcome | undefined {
  return outcomeOf(result, TRADING);
}
