/**
 * The functions' metrics are EMF lines in their logs, which the endpoint extracts as CloudWatch Logs does: with
 * PutMetricData denied or throttled for good, every metric still arrives, and the alarms read them as before.
 */
import { describe, expect, it } from 'vitest';
import { METRIC } from '#shared/metrics/metric-names.ts';
import { METRICS_NAMESPACE, startLocalService, TRADING } from '../../support/local-service.ts';
import { fleetValues, runSchedule, trackUntilIdle, tradingOutcome } from './runs.ts';

// Thursday 2025-03-13, 09:06 New York: the reclaim before the 09:30 open.
const BEFORE_OPEN = '2025-03-13T13:06:00Z';

describe.each([
  ['denied', { error: 'AccessDenied', status: 403 }],
  ['throttled', { error: 'Throttling', status: 400 }],
])('metrics with PutMetricData %s', (_case, refusal) => {
  it('still arrive: the reclaim gauges, its duration, and the failure counts that page', async () => {
    const local = await startLocalService({ now: BEFORE_OPEN, maxAttempts: 1 });
    local.aws.admin.injectFault({
      service: 'cloudwatch',
      action: 'PutMetricData',
      ...refusal,
      count: 10_000,
    });
    // One more failure that pages through a metric: the reclaim's first event is refused.
    local.aws.admin.injectFault({ service: 'events', action: 'PutEvents', status: 500, count: 1 });

    const result = await runSchedule(local);
    expect(tradingOutcome(result)?.outcome).toBe('updated');
    await trackUntilIdle(local);

    expect(fleetValues(local, 'EventsNotPublished')).toEqual([1]);
    expect(fleetValues(local, 'InFlightReservations')[0]).toBe(1);
    expect(fleetValues(local, 'InFlightReservations').at(-1)).toBe(0);
    const durations = fleetValues(local, METRIC.reclaimDurationSeconds);
    expect(durations).toHaveLength(1);
    const gauge = (name: string) =>
      local.aws.admin
        .metrics({ namespace: METRICS_NAMESPACE, metricName: name })
        .metrics.filter((metric) => metric.dimensions['ReservationId'] === TRADING)
        .map((metric) => metric.value);
    // The reservation's gauges from every poll that saw it in flight: lent falling towards the target.
    const lent = gauge(METRIC.lent);
    expect(lent.length).toBeGreaterThan(1);
    expect(lent.at(-1)).toBeLessThan(lent[0] ?? 0);
    expect(new Set(gauge(METRIC.target))).toEqual(new Set([0]));
    // The learned lead reads the duration back through GetMetricData, as from PutMetricData's datums.
    const now = local.aws.clock.now();
    expect(await local.gateways.metrics.reclaimDurations(new Date(now.getTime() - 3_600_000), now)).toEqual(
      durations,
    );
    // No metric went through the refused API: its fault is still armed, untouched.
    expect(local.aws.admin.calls({ service: 'cloudwatch', action: 'PutMetricData' }).calls).toEqual([]);
  });
});
