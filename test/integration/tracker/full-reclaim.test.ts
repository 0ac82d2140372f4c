import { describe, expect, it } from 'vitest';
import { METRIC } from '#shared/metrics/metric-names.ts';
import { startTrackerHarness, TRADING } from './harness.ts';

const EC2_COMPLETED = 'EC2 Interruptible Capacity Reservation Allocation Reclamation Completed';

describe('track-reclamation: a full reclaim of 60 lent with 30 borrowed', () => {
  it('reports progress as borrowers shut down, completes once with the right duration, then disables itself', async () => {
    const harness = await startTrackerHarness();
    const deadline = new Date('2026-03-02T14:30:00.000Z');
    const requestedAt = await harness.request(TRADING, 0, { deadline });

    const results = await harness.runUntilIdle();

    const progress = harness.events('Allocation Change Progress').map((event) => event.detail['current']);
    expect(progress.length).toBeGreaterThan(2);
    expect(progress).toEqual([...progress].sort((a, b) => Number(b) - Number(a)));
    expect(progress.at(-1)).toBeGreaterThan(0);

    const completions = harness.events('Allocation Change Completed');
    expect(completions).toHaveLength(1);
    const ec2Done = harness.events(EC2_COMPLETED)[0];
    expect(ec2Done).toBeDefined();
    const actualSeconds = (Date.parse(ec2Done?.time ?? '') - requestedAt.getTime()) / 1000;
    const reported = Number(completions[0]?.detail['durationSeconds']);
    // Seen at the next poll at the latest: never before EC2 finished, at most one poll interval after.
    expect(reported).toBeGreaterThanOrEqual(actualSeconds);
    expect(reported).toBeLessThanOrEqual(actualSeconds + 15);
    expect(completions[0]?.detail).toMatchObject({ reservationId: TRADING, from: 60, to: 0, current: 0 });
    expect(Number(completions[0]?.detail['marginSeconds'])).toBe(
      (deadline.getTime() - Date.parse(String(completions[0]?.detail['completedAt']))) / 1000,
    );

    expect(results.at(-1)?.rule).toBe('disabled');
    expect(harness.ruleState()).toBe('DISABLED');

    // Put twice, once: the reservation's series (its dashboards) and the fleet series (the learned lead's).
    const durations = harness.local.admin.metrics({ metricName: METRIC.reclaimDurationSeconds }).metrics;
    expect(durations.map((datum) => [datum.dimensions, datum.value])).toEqual([
      [{ ReservationId: TRADING }, reported],
      [{}, reported],
    ]);
  });

  it('reads the measured durations back for the learned lead', async () => {
    const harness = await startTrackerHarness();
    await harness.request(TRADING, 0);
    await harness.runUntilIdle();
    const reported = Number(harness.events('Allocation Change Completed')[0]?.detail['durationSeconds']);

    const now = harness.local.clock.now();
    const durations = await harness.gateways.metrics.reclaimDurations(
      new Date(now.getTime() - 3_600_000),
      // CloudWatch's end time is exclusive; the completion was measured at this very instant.
      new Date(now.getTime() + 60_000),
    );

    expect(durations).toEqual([reported]);
  });

  it('does not repeat the completion on later runs', async () => {
    const harness = await startTrackerHarness();
    await harness.request(TRADING, 0);
    await harness.runUntilIdle();

    await harness.runScheduled();

    expect(harness.events('Allocation Change Completed')).toHaveLength(1);
    // Nor its durations: one datum per series, from the one completion.
    expect(harness.local.admin.metrics({ metricName: METRIC.reclaimDurationSeconds }).metrics).toHaveLength(
      2,
    );
  });
});
