import { describe, expect, it } from 'vitest';
import { type LocalService, startLocalService, TRADING } from '../../support/local-service.ts';
import { fleetSum, fleetValues, runSchedule, runTracker, trackerRuleState, tradingOutcome } from './runs.ts';

// Thursday 2025-03-13, 09:06 New York: the reclaim before the 09:30 open.
const BEFORE_OPEN = '2025-03-13T13:06:00Z';
const UPDATE = 'UpdateInterruptibleCapacityReservationAllocation';

/** EC2 refuses the allocation update as IAM does when the role lacks it. */
function denyUpdates(local: LocalService): void {
  local.aws.admin.injectFault({
    service: 'ec2',
    action: UPDATE,
    error: 'UnauthorizedOperation',
    status: 403,
  });
}

describe('failure metrics', () => {
  it('counts a failed change and a call IAM denied', async () => {
    const local = await startLocalService({ now: BEFORE_OPEN, maxAttempts: 1 });
    denyUpdates(local);

    const result = await runSchedule(local);

    expect(tradingOutcome(result)?.outcome).toBe('failed');
    expect(fleetSum(local, 'ChangesFailed')).toBe(1);
    expect(fleetSum(local, 'CallsDenied')).toBe(1);
  });

  it('counts records not written, an unpublished event and a tracker not enabled', async () => {
    const local = await startLocalService({ now: BEFORE_OPEN, maxAttempts: 1 });
    local.aws.admin.injectFault({ service: 'ec2', action: 'CreateTags', status: 500, count: 10 });
    local.aws.admin.injectFault({ service: 'events', action: 'PutEvents', status: 500, count: 1 });
    local.aws.admin.injectFault({ service: 'events', action: 'EnableRule', status: 500, count: 1 });

    const result = await runSchedule(local);

    expect(tradingOutcome(result)?.outcome).toBe('updated');
    expect(fleetSum(local, 'RecordsNotWritten')).toBeGreaterThanOrEqual(1);
    expect(fleetSum(local, 'EventsNotPublished')).toBeGreaterThanOrEqual(1);
    expect(fleetSum(local, 'TrackerNotEnabled')).toBe(1);
    // The gauge goes up all the same: with the tracker idle, the tracker-not-running alarm pages too.
    expect(fleetValues(local, 'InFlightReservations')).toEqual([1]);
    expect(fleetSum(local, 'CallsDenied')).toBe(0);
  });

  it('raises the in-flight gauge from the reconcile, and only the tracker brings it back to 0', async () => {
    const local = await startLocalService({ now: BEFORE_OPEN });

    await runSchedule(local);
    expect(fleetValues(local, 'InFlightReservations')).toEqual([1]);

    let run = 0;
    for (; run < 30; run++) {
      const result = await runTracker(local, `tracker-${run}`);
      if (result.rule === 'disabled') break;
      local.aws.advance(10);
    }
    expect(fleetValues(local, 'InFlightReservations').at(-1)).toBe(0);
  });

  it('counts a deferred change the tracker could not apply', async () => {
    const local = await startLocalService({ now: BEFORE_OPEN, maxAttempts: 1 });
    // A target deferred while the allocation moved; it is active again, so the tracker owes a decision.
    await local.gateways.capacity.tag(TRADING, {
      'odcr-reclaimer:desired-target': '0',
      'odcr-reclaimer:desired-reason': 'test',
    });
    denyUpdates(local);

    const result = await runTracker(local, 'tracker-deferred');

    expect(result.failed).toEqual([{ reservationId: TRADING, errorCode: 'UnauthorizedOperation' }]);
    expect(fleetSum(local, 'DeferredNotApplied')).toBe(1);
    expect(fleetSum(local, 'ChangesFailed')).toBe(1);
    expect(fleetSum(local, 'CallsDenied')).toBe(1);
  });

  it('keeps a Failed event PutEvents refused and has the tracker send it, exactly once', async () => {
    const local = await startLocalService({ now: BEFORE_OPEN, maxAttempts: 1 });
    denyUpdates(local);
    local.aws.admin.injectFault({ service: 'events', action: 'PutEvents', status: 500 });
    const failedEvents = () =>
      local.aws.admin
        .events({ detailType: 'Allocation Change Failed' })
        .events.map((event) => event.detail as Record<string, unknown>);

    await runSchedule(local);

    expect(failedEvents()).toEqual([]);
    expect(trackerRuleState(local.aws)).toBe('ENABLED');
    for (let run = 0; run < 5; run++) {
      const result = await runTracker(local, `tracker-outbox-${run}`);
      if (result.rule === 'disabled') break;
      local.aws.advance(60);
    }

    expect(failedEvents()).toEqual([
      expect.objectContaining({
        reservationId: TRADING,
        from: 60,
        to: 0,
        trigger: 'schedule',
        errorCode: 'UnauthorizedOperation',
        requestedAt: new Date(BEFORE_OPEN).toISOString(),
      }),
    ]);
    expect(trackerRuleState(local.aws)).toBe('DISABLED');
  });
});
