import { describe, expect, it } from 'vitest';
import { TAG } from '#shared/records/tag-keys.ts';
import { startTrackerHarness, TRADING, type TrackerHarness } from './harness.ts';

const MINUTE = 60_000;

/** Reclaims TRADING to 0 with the open 22 minutes after the request: when it asked, and the open. */
async function reclaimBeforeOpen(harness: TrackerHarness): Promise<{ requestedAt: number; deadline: Date }> {
  const requestedAt = harness.local.clock.now().getTime();
  const deadline = new Date(requestedAt + 22 * MINUTE);
  await harness.request(TRADING, 0, { deadline });
  return { requestedAt, deadline };
}

// The seed lends 60 with 30 borrowed: a reclaim to 0 gets 30 unused slots back at once, then waits for the
// borrowers' 2-minute warning and their shutdown. The open is 22 minutes after the request, like a lead.
describe('Deadline At Risk projection', () => {
  it('fires minutes into a reclaim whose borrowers never go, not halfway to the open', async () => {
    const harness = await startTrackerHarness();
    harness.local.admin.injectFault({ service: 'ec2', kind: 'borrowers-stuck', reservationId: TRADING });
    const { requestedAt } = await reclaimBeforeOpen(harness);

    await harness.runMinutes(12);

    const risks = harness.events('Deadline At Risk');
    expect(risks).toHaveLength(1);
    // The warnings run out at 2 minutes; nothing moved for another warning's length: at risk by 5 minutes.
    expect(Date.parse(risks[0]?.time ?? '') - requestedAt).toBeLessThanOrEqual(5 * MINUTE);
    expect(risks[0]?.detail).toMatchObject({ remaining: 30, projectedCompletionAt: null });
  });

  it('fires when the last few borrowers hang although the rate so far looks fine', async () => {
    const harness = await startTrackerHarness();
    // All but 2 of the 30 borrowers go on time.
    harness.local.admin.injectFault({
      service: 'ec2',
      kind: 'borrowers-stuck',
      reservationId: TRADING,
      instances: 2,
    });
    const { deadline } = await reclaimBeforeOpen(harness);

    await harness.runMinutes(15);

    const risks = harness.events('Deadline At Risk');
    expect(risks).toHaveLength(1);
    expect(risks[0]?.detail).toMatchObject({ remaining: 2 });
    expect(deadline.getTime() - Date.parse(risks[0]?.time ?? '')).toBeGreaterThanOrEqual(15 * MINUTE);
  });

  it('fires at the first look when the duration expected at the request already ends after the open', async () => {
    const harness = await startTrackerHarness();
    const { requestedAt } = await reclaimBeforeOpen(harness);
    // The reconcile records the learned p95 its lead was built on; here reclaims took 25 minutes.
    await harness.gateways.capacity.tag(TRADING, { [TAG.requestExpectedSeconds]: String(25 * 60) });

    await harness.runScheduled();

    const risks = harness.events('Deadline At Risk');
    expect(risks).toHaveLength(1);
    expect(risks[0]?.detail).toMatchObject({
      projectedCompletionAt: new Date(requestedAt + 25 * MINUTE).toISOString(),
    });
    expect(Date.parse(risks[0]?.time ?? '') - requestedAt).toBeLessThan(MINUTE);
  });

  it('does not fire for a reclaim that completes in time', async () => {
    const harness = await startTrackerHarness();
    await reclaimBeforeOpen(harness);

    await harness.runUntilIdle();

    expect(harness.events('Allocation Change Completed')).toHaveLength(1);
    expect(harness.events('Deadline At Risk')).toEqual([]);
  });
});
