/**
 * What the reclaim tests do over and over: run the real handlers once on a local service, follow the tracker
 * as its rule would, and read back a reservation's outcome, the service's events and its fleet metrics.
 */
import { EC2Client, UpdateInterruptibleCapacityReservationAllocationCommand } from '@aws-sdk/client-ec2';
import type { LocalAws } from '@odcr-reclaimer/local-aws/server.ts';
import type { Context } from 'aws-lambda';
import { createHandler as createAlarmHandler } from '#functions/reclaim-on-alarm/handler.ts';
import { createHandler as createOnDemandHandler } from '#functions/reclaim-on-demand/handler.ts';
import { createHandler } from '#functions/reclaim-on-schedule/handler.ts';
import { createHandler as createTrackerHandler } from '#functions/track-reclamation/handler.ts';
import type { PolicyConfig } from '#shared/config/schema.ts';
import type { ReconcileResult, ReservationOutcome } from '#shared/reconcile/reconcile.ts';
import type { TrackResult } from '#shared/tracker/track.ts';
import {
  alarmEvent,
  type LocalService,
  lambdaContext,
  localSdkConfig,
  METRICS_NAMESPACE,
  scheduledEvent,
  TRACKER_RULE_NAME,
  TRADING,
  trackerEvent,
} from '../../support/local-service.ts';

/** One reclaim-on-schedule run at the service's simulated now, with another config where one is given. */
export async function runSchedule(local: LocalService, config?: PolicyConfig): Promise<ReconcileResult> {
  const dependencies = config === undefined ? local.dependencies : { ...local.dependencies, config };
  return createHandler(dependencies)(scheduledEvent(local.aws), lambdaContext());
}

/** One reclaim-on-alarm run for `alarmName`'s state change, delivered with event id `id`. */
export async function runAlarm(
  local: LocalService,
  alarmName: string,
  state: 'OK' | 'ALARM',
  id?: string,
): Promise<unknown> {
  return createAlarmHandler(local.dependencies)(alarmEvent(local.aws, alarmName, state, id), lambdaContext());
}

/** One reclaim-on-demand invocation with `payload`, as on-call's CLI sends it. */
export async function runOnDemand(local: LocalService, payload: unknown, context: Context = lambdaContext()) {
  return createOnDemandHandler(local.dependencies)(payload, context);
}

let trackerRuns = 0;
/** One run of the tracker woken by its rule at the simulated now. */
export async function runTracker(local: LocalService, id = `tracker-${++trackerRuns}`): Promise<TrackResult> {
  return createTrackerHandler(local.dependencies)(
    trackerEvent(local.aws, id),
    lambdaContext('odcr-reclaimer-dev-track-reclamation'),
  );
}

/**
 * Runs the tracker once a minute, as EventBridge would, until a run leaves its rule disabled; returns every
 * result, or fails when the tracker is still enabled after `maxRuns`.
 */
export async function trackUntilIdle(local: LocalService, maxRuns = 30): Promise<TrackResult[]> {
  const results: TrackResult[] = [];
  for (let run = 0; run < maxRuns; run++) {
    const startedAt = local.aws.clock.now().getTime();
    const result = await runTracker(local);
    results.push(result);
    if (result.rule === 'disabled') return results;
    const wait = startedAt + 60_000 - local.aws.clock.now().getTime();
    if (wait > 0) local.aws.advance(wait / 1000);
  }
  throw new Error(`tracker still enabled after ${maxRuns} runs`);
}

/** The tracker's rule's state on the endpoint. */
export function trackerRuleState(aws: LocalAws): string | undefined {
  return aws.admin.ruleList().rules.find((rule) => rule.name === TRACKER_RULE_NAME)?.state;
}

/** `reservationId`'s outcome in a reconcile's result (a handler's answer, typed as it comes). */
export function outcomeOf(result: unknown, reservationId: string): ReservationOutcome | undefined {
  return (result as ReconcileResult).outcomes.find((outcome) => outcome.reservationId === reservationId);
}

/** The trading fleet's outcome. */
export function tradingOutcome(result: unknown): ReservationOutcome | undefined {
  return outcomeOf(result, TRADING);
}

/** The details of the service's `detailType` events about the trading fleet, in order. */
export function tradingEventDetails(local: LocalService, detailType: string): Record<string, unknown>[] {
  return local.aws.admin
    .events({ detailType })
    .events.map((event) => event.detail as Record<string, unknown>)
    .filter((detail) => detail['reservationId'] === TRADING);
}

/** The values of the fleet series (no dimensions) put under `name`, in order. */
export function fleetValues(local: LocalService, name: string): number[] {
  return local.aws.admin
    .metrics({ namespace: METRICS_NAMESPACE, metricName: name })
    .metrics.filter((metric) => Object.keys(metric.dimensions).length === 0)
    .map((metric) => metric.value ?? Number.NaN);
}

/** The fleet series put under `name`, summed. */
export function fleetSum(local: LocalService, name: string): number {
  return fleetValues(local, name).reduce((sum, value) => sum + (Number.isNaN(value) ? 0 : value), 0);
}

/**
 * Sets `reservationId`'s target straight through EC2, as a run that died right after EC2's answer leaves it:
 * no record, no event, no tracker. The service's zero-size preference (the config's), as it would ask.
 */
export async function updateBehindTheService(local: LocalService, reservationId: string, target: number) {
  const ec2 = new EC2Client(localSdkConfig(local.aws.url));
  try {
    await ec2.send(
      new UpdateInterruptibleCapacityReservationAllocationCommand({
        CapacityReservationId: reservationId,
        TargetInstanceCount: target,
        ZeroSizePreference: 'retain',
      }),
    );
  } finally {
    ec2.destroy();
  }
}
