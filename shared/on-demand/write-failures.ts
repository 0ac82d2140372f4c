import { AwsCallError } from '../errors/index.ts';
import { type AllocationChangeDetail, DETAIL_TYPE, type ServiceEvent } from '../events/service-events.ts';
import { runFailureMetrics } from '../gateways/aws-call.ts';
import { logger as serviceLogger } from '../logging/logger.ts';
import { FAILURE_METRIC } from '../metrics/metric-names.ts';
import type { ReconcileResult } from '../reconcile/reconcile.ts';
import type { OnDemandContext } from './run-on-demand.ts';

/** One reservation on which on-call's write (an override, a closure) failed and was left as it was. */
export interface OnCallWriteFailure {
  reservationId: string;
  /** The allocation's target, unchanged by the failed request. */
  from: number;
  to: number;
  /** What was not done, naming the call (`override not cleared: ec2:DeleteTags failed`). */
  what: string;
  code: string;
  message: string;
}

/** `service:Action` of the call that failed, as on-call knows it from the AWS console and IAM. */
export function failedCall(error: unknown, fallback: string): string {
  return error instanceof AwsCallError ? `${error.service}:${error.action}` : fallback;
}

/**
 * An on-call request whose write failed on some reservations: those were left as they were, the others were
 * done. On-call gets a failure naming each reservation and the call, never `ok: true`.
 */
export class OnCallWriteError extends Error {
  override readonly name = 'OnCallWriteError';
  constructor(
    description: string,
    readonly failures: readonly OnCallWriteFailure[],
    readonly result: ReconcileResult,
  ) {
    const each = failures
      .map((failure) => `${failure.reservationId} (${failure.what} with ${failure.code})`)
      .join(', ');
    super(
      `${description} failed on ${failures.length} reservation(s), left as they were: ${each}; paged (Allocation Change Failed)`,
    );
  }
}

/**
 * A failed on-call write pages like any failed change: an `Allocation Change Failed` event per reservation
 * (the paging rule sends it to the alarm topic) and the failure metrics (records not written, calls denied).
 */
export async function reportOnCallWriteFailures(
  failures: readonly OnCallWriteFailure[],
  description: string,
  context: Pick<OnDemandContext, 'gateways' | 'now' | 'triggerId' | 'logger'>,
  requestedBy: string | undefined,
): Promise<void> {
  const log = context.logger ?? serviceLogger;
  const events: ServiceEvent<AllocationChangeDetail>[] = failures.map((failure) => ({
    detailType: DETAIL_TYPE.changeFailed,
    time: context.now,
    resources: [failure.reservationId],
    detail: {
      reservationId: failure.reservationId,
      from: failure.from,
      to: failure.to,
      trigger: 'on-demand',
      triggerId: context.triggerId,
      reason: `${description}: ${failure.what}`,
      requestedAt: context.now.toISOString(),
      ...(requestedBy === undefined ? {} : { requestedBy }),
      errorCode: failure.code,
      errorMessage: failure.message,
    },
  }));
  let notPublished = 0;
  try {
    notPublished = (await context.gateways.events.publish(events)).failed.length;
  } catch (error: unknown) {
    notPublished = events.length;
    log.error('on-call failure events not published', { correlation_id: context.triggerId, error });
  }
  const metrics = runFailureMetrics(
    {
      [FAILURE_METRIC.recordsNotWritten]: failures.length,
      [FAILURE_METRIC.eventsNotPublished]: notPublished,
    },
    context.now,
  );
  await context.gateways.metrics?.put(metrics).catch((error: unknown) => {
    log.error('on-call failure metrics not put', { correlation_id: context.triggerId, error });
  });
}

/** The answer's result when a request reconciles nothing, as when every write it rests on failed. */
export function nothingReconciled(context: Pick<OnDemandContext, 'triggerId' | 'now'>): ReconcileResult {
  return {
    triggerId: context.triggerId,
    trigger: 'on-demand',
    mode: 'apply',
    at: context.now.toISOString(),
    outcomes: [],
    warnings: [],
  };
}
