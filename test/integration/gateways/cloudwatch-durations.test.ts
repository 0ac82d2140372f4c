import { beforeAll, describe, expect, it } from 'vitest';
import type { MetricsGateway } from '#shared/gateways/metrics.ts';
import { METRIC, type ReservationMetric } from '#shared/metrics/metric-names.ts';
import { localGateways, METRICS_NAMESPACE } from '../../support/local-service.ts';
import { useTestEndpoint } from '../local-aws/helpers.ts';

/**
 * The learned lead's read of the measured reclaim durations: one GetMetricData call over the fleet series,
 * whatever the fleet's size. 1,200 reservations is more than GetMetricData's 500 queries per call, so a read
 * per reservation could not do it in one call.
 */

const FLEET = 1_200;
const START = '2025-03-12T12:00:00.000Z';

const endpoint = useTestEndpoint({ settings: { start: START } });
/** The metrics as production wires them: EMF into the log (shipped to the endpoint), durations read back. */
let gateway: MetricsGateway;

beforeAll(() => {
  gateway = localGateways(endpoint().aws.url, { maxAttempts: 1 }).metrics;
});

function reservationId(index: number): string {
  return `cr-${(0xd0000 + index).toString(16).padStart(17, '0')}`;
}

/** What the tracker puts on one completion: the reservation's datum and the fleet's. */
function completion(index: number, seconds: number, timestamp: Date): ReservationMetric[] {
  const datum: ReservationMetric = {
    name: METRIC.reclaimDurationSeconds,
    reservationId: reservationId(index),
    value: seconds,
    unit: 'Seconds',
    timestamp,
  };
  return [datum, { ...datum, series: 'fleet' }];
}

describe('CloudWatchGateway.reclaimDurations', () => {
  it('reads the fleet series in one GetMetricData call: the slowest completion of each minute, oldest first', async () => {
    const now = endpoint().aws.clock.now().getTime();
    const since = new Date(now - 3_600_000);
    const minute = (offset: number, second: number) =>
      new Date(since.getTime() + offset * 60_000 + second * 1000);
    // A wave of 1,000 reclaimed together, then 150 and 50 a few minutes later, each minute with its own slowest.
    const waves = [
      { first: 0, count: 1_000, at: 10, slowest: 1_500 },
      { first: 1_000, count: 150, at: 14, slowest: 640 },
      { first: 1_150, count: 50, at: 31, slowest: 2_100 },
    ];
    const metrics = waves.flatMap((wave) =>
      Array.from({ length: wave.count }, (_, offset) => {
        const seconds = offset === wave.count - 1 ? wave.slowest : 300 + (offset % 97);
        return completion(wave.first + offset, seconds, minute(wave.at, offset % 50));
      }).flat(),
    );
    expect(new Set(metrics.map((metric) => metric.reservationId)).size).toBe(FLEET);
    await gateway.put(metrics);
    const readsBefore = endpoint().aws.admin.calls({ service: 'cloudwatch', action: 'GetMetricData' }).calls
      .length;

    const durations = await gateway.reclaimDurations(since, new Date(now));

    expect(durations).toEqual(waves.map((wave) => wave.slowest));
    const reads = endpoint()
      .aws.admin.calls({ service: 'cloudwatch', action: 'GetMetricData' })
      .calls.slice(readsBefore);
    expect(reads).toHaveLength(1);
    const queries = ((reads[0]?.params ?? {}) as { MetricDataQueries?: unknown[] }).MetricDataQueries ?? [];
    expect(queries).toEqual([
      expect.objectContaining({
        MetricStat: expect.objectContaining({
          Metric: { Namespace: METRICS_NAMESPACE, MetricName: METRIC.reclaimDurationSeconds },
          Period: 60,
          Stat: 'Maximum',
        }),
      }),
    ]);
  });

  it('reads nothing of the reservations’ own series', async () => {
    const now = endpoint().aws.clock.now().getTime();
    const since = new Date(now - 600_000);
    const [reservationOnly] = completion(0, 900, new Date(now - 300_000));
    await gateway.put(reservationOnly ? [reservationOnly] : []);
    const stored = endpoint().aws.admin.metrics({ metricName: METRIC.reclaimDurationSeconds }).metrics;
    expect(stored.at(-1)).toMatchObject({ dimensions: { ReservationId: reservationId(0) }, value: 900 });

    expect(await gateway.reclaimDurations(since, new Date(now))).toEqual([]);
  });
});
