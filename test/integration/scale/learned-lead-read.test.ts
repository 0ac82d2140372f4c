/**
 * The learned lead's read as a heartbeat pays it, wired as in production (one CloudWatch gateway with the
 * metrics namespace for alarms and metrics): one GetMetricData call per reconcile whatever the fleet's size,
 * the durations it reads move the reclaim, and a failed read falls back to the configured minimum lead.
 */

import { type LocalAws, startLocalAws } from '@odcr-reclaimer/local-aws/server.ts';
import { afterEach, describe, expect, it } from 'vitest';
import { createHandler as createScheduleHandler } from '#functions/reclaim-on-schedule/handler.ts';
import { METRIC, type ReservationMetric } from '#shared/metrics/metric-names.ts';
import type { ReconcileResult } from '#shared/reconcile/reconcile.ts';
import { lambdaContext, scheduledEvent } from '../../support/local-service.ts';
import { RecordingLogger } from '../tracker/recording-logger.ts';
import { OFF_HOURS, scaleConfig, scaleGateways, scaleReservationId, scaleSeed } from './fleet.ts';

/** 08:45 New York on the scale fleet's Thursday: 45 minutes before the open. */
const BEFORE_THE_LEAD = '2025-03-13T12:45:00.000Z';
const SLOW_RECLAIM_SECONDS = 40 * 60;

let aws: LocalAws | undefined;
afterEach(async () => {
  await aws?.close();
  aws = undefined;
});

async function heartbeat(fleet: number, at: string, prepare?: (local: LocalAws) => Promise<void>) {
  const local = await startLocalAws({ port: 0, seed: scaleSeed(fleet, OFF_HOURS) });
  aws = local;
  local.setClock(at);
  const config = scaleConfig();
  const gateways = scaleGateways(local.url, config, (ms) => local.clock.sleep(ms));
  const logger = new RecordingLogger();
  await prepare?.(local);
  const readsBefore = local.admin.calls({ service: 'cloudwatch', action: 'GetMetricData' }).calls.length;
  const result = (await createScheduleHandler({ gateways, config, clock: local.clock, logger })(
    scheduledEvent(local, 'heartbeat'),
    lambdaContext(),
  )) as ReconcileResult;
  const reads = local.admin
    .calls({ service: 'cloudwatch', action: 'GetMetricData' })
    .calls.slice(readsBefore);
  return { result, reads, logger, gateways, config };
}

/** `count` slow reclaims on the fleet series, a day apart (so `count` samples), as the tracker puts them. */
async function putSlowHistory(local: LocalAws, count: number): Promise<void> {
  const gateways = scaleGateways(local.url, scaleConfig(), (ms) => local.clock.sleep(ms));
  const now = local.clock.now().getTime();
  const metrics = Array.from(
    { length: count },
    (_, day): ReservationMetric => ({
      name: METRIC.reclaimDurationSeconds,
      reservationId: scaleReservationId(day),
      value: SLOW_RECLAIM_SECONDS,
      unit: 'Seconds',
      timestamp: new Date(now - (day + 1) * 86_400_000),
      series: 'fleet',
    }),
  );
  await gateways.metrics.put(metrics);
}

describe('learned lead read at scale', () => {
  it('reads the durations with one GetMetricData call for a heartbeat over 1,200 reservations', async () => {
    // More than GetMetricData's 500 queries per call: a query per reservation would take 3 calls.
    const { result, reads } = await heartbeat(1_200, OFF_HOURS);

    expect(result.outcomes).toHaveLength(1_200);
    expect(reads).toHaveLength(1);
  });

  it('reclaims earlier once enough slow reclaims were measured', async () => {
    const minimum = await heartbeat(60, BEFORE_THE_LEAD);
    expect(minimum.config.lead.minimumMinutes + minimum.config.lead.safetyMarginMinutes).toBeLessThan(45);
    expect(minimum.result.outcomes.every((outcome) => outcome.outcome === 'unchanged')).toBe(true);
    await aws?.close();

    const learned = await heartbeat(60, BEFORE_THE_LEAD, (local) =>
      putSlowHistory(local, minimum.config.lead.minSamples),
    );

    expect(learned.reads).toHaveLength(1);
    expect(
      learned.result.outcomes.every((outcome) => outcome.outcome === 'updated' && outcome.to === 0),
    ).toBe(true);
  });

  it('falls back to the minimum lead, with a warning, when the read fails', async () => {
    const failed = await heartbeat(60, BEFORE_THE_LEAD, async (local) => {
      await putSlowHistory(local, scaleConfig().lead.minSamples);
      local.admin.injectFault({
        service: 'cloudwatch',
        action: 'GetMetricData',
        error: 'AccessDenied',
        status: 400,
        count: 10,
      });
    });

    expect(failed.reads.length).toBeGreaterThan(0);
    expect(failed.result.outcomes.every((outcome) => outcome.outcome === 'unchanged')).toBe(true);
    expect(
      failed.logger.withMessage('measured reclaim durations unavailable, lead uses its minimum'),
    ).toEqual([expect.objectContaining({ level: 'WARN' })]);
  });
});
