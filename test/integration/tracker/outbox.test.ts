import { describe, expect, it } from 'vitest';
import { TAG } from '#shared/records/tag-keys.ts';
import { startTrackerHarness, TRADING, type TrackerHarness } from './harness.ts';

/** Lets EC2 finish the reclaim without the tracker looking. */
function settle(local: TrackerHarness['local']): void {
  for (let step = 0; step < 120; step++) {
    const allocation = local.admin.listReservations({ id: TRADING }).reservations[0]?.allocation;
    if (allocation?.status === 'active' && allocation.current === allocation.target) return;
    local.advance(10);
  }
  throw new Error('the reclaim did not settle');
}

function tags(local: TrackerHarness['local']): Record<string, string> {
  return local.admin.listReservations({ id: TRADING }).reservations[0]?.tags ?? {};
}

describe('outbox of one-shot events', () => {
  it('sends a completion PutEvents refused on a later run, exactly once, with the time it was seen', async () => {
    const harness = await startTrackerHarness();
    const requestedAt = await harness.request(TRADING, 0);
    settle(harness.local);
    const seenAt = harness.local.clock.now().toISOString();
    // Every attempt of the run's PutEvents fails (the SDK's retries included).
    harness.local.admin.injectFault({ service: 'events', action: 'PutEvents', status: 500, count: 5 });

    const outage = await harness.runScheduled();

    expect(outage.completed).toEqual([TRADING]);
    expect(harness.events('Allocation Change Completed')).toEqual([]);
    expect(tags(harness.local)[TAG.completedRequestAt]).toBeUndefined();
    // Still owed: the tracker does not switch itself off.
    expect(outage.rule).toBe('enabled');
    expect(harness.ruleState()).toBe('ENABLED');

    harness.local.advance(60);
    await harness.runUntilIdle();

    const completed = harness.events('Allocation Change Completed');
    expect(completed).toHaveLength(1);
    expect(completed[0]?.detail).toMatchObject({
      reservationId: TRADING,
      completedAt: seenAt,
      requestedAt: requestedAt.toISOString(),
      durationSeconds: (Date.parse(seenAt) - requestedAt.getTime()) / 1000,
    });
    expect(tags(harness.local)[TAG.completedRequestAt]).toBe(requestedAt.toISOString());
    expect(harness.ruleState()).toBe('DISABLED');
  });

  it('sends an event refused per entry (FailedEntryCount) again, and only that one', async () => {
    const harness = await startTrackerHarness();
    await harness.request(TRADING, 0);
    settle(harness.local);
    // The gateway tries a refused entry three times; all three refuse it.
    harness.local.admin.injectFault({ service: 'events', kind: 'partial-failure', count: 3 });

    await harness.runScheduled();
    expect(harness.events('Allocation Change Completed')).toEqual([]);

    harness.local.advance(60);
    await harness.runUntilIdle();
    expect(harness.events('Allocation Change Completed')).toHaveLength(1);
  });
});
