import { describe, expect, it } from 'vitest';
import {
  type LocalService,
  reservation,
  startLocalService,
  TRADING,
  updateCalls,
} from '../../support/local-service.ts';
import {
  runOnDemand,
  runSchedule,
  trackerRuleState,
  trackUntilIdle,
  tradingEventDetails,
  tradingOutcome,
} from './runs.ts';

// Wednesday 2025-03-12, 09:06 New York (EDT): inside the lead before the 09:30 open; 60 of 100 are lent.
const BEFORE_OPEN = '2025-03-12T13:06:00Z';

const failedDetails = (local: LocalService) => tradingEventDetails(local, 'Allocation Change Failed');

function failAllocationChanges(local: LocalService, count: number): void {
  local.aws.admin.injectFault({ service: 'ec2', kind: 'allocation-fails', reservationId: TRADING, count });
}

describe('a change that leaves the allocation failed', () => {
  it('counts the failed allocation as still lent and retries it with backoff until the capacity is back', async () => {
    const service = await startLocalService({ now: BEFORE_OPEN });
    failAllocationChanges(service, 2);

    const first = await runSchedule(service);
    // The same heartbeat again at once (a duplicate delivery): the retry waits for its backoff.
    const duplicate = await runSchedule(service);
    service.aws.advance(60);
    const second = await runSchedule(service);
    service.aws.advance(60);
    const tooEarly = await runSchedule(service);
    service.aws.advance(60);
    const third = await runSchedule(service);

    expect(tradingOutcome(first)).toMatchObject({
      outcome: 'failed',
      from: 60,
      to: 0,
      error: { code: 'AllocationFailed' },
    });
    expect(tradingOutcome(duplicate)).toMatchObject({ outcome: 'deferred', from: 60, to: 0 });
    expect(tradingOutcome(duplicate)?.reasons.join('; ')).toContain(
      'retry after 1 failed attempt held until',
    );
    expect(tradingOutcome(second)).toMatchObject({ outcome: 'failed', error: { code: 'AllocationFailed' } });
    expect(tradingOutcome(tooEarly)).toMatchObject({ outcome: 'deferred' });
    expect(tradingOutcome(third)).toMatchObject({ outcome: 'updated', from: 60, to: 0 });
    expect(updateCalls(service.aws)).toHaveLength(3);
    expect(failedDetails(service)).toEqual([
      expect.objectContaining({ from: 60, to: 0, attempt: 1, errorCode: 'AllocationFailed' }),
      expect.objectContaining({ from: 60, to: 0, attempt: 2, errorCode: 'AllocationFailed' }),
    ]);
    service.aws.setClock('2025-03-12T13:30:00Z');
    expect(reservation(service.aws, TRADING).allocation).toMatchObject({
      current: 0,
      target: 0,
      status: 'active',
    });
    // Settled: the next run clears the failure record, so a later failure starts its backoff afresh.
    await runSchedule(service);
    expect(reservation(service.aws, TRADING).tags['odcr-reclaimer:failed-attempts']).toBeUndefined();
  });

  it('records each failure in tags, and stops retrying automatically after the last attempt', async () => {
    const service = await startLocalService({ now: BEFORE_OPEN });
    failAllocationChanges(service, 100);

    const outcomes: string[] = [];
    for (let minute = 0; minute < 40; minute++) {
      outcomes.push(tradingOutcome(await runSchedule(service))?.outcome ?? 'none');
      service.aws.advance(60);
    }

    // Waits of 1, 2, 4, 8 and 16 minutes between six attempts, then no more automatic tries.
    expect(updateCalls(service.aws)).toHaveLength(6);
    expect(outcomes.filter((outcome) => outcome === 'failed').length).toBeGreaterThanOrEqual(6);
    const failures = failedDetails(service);
    expect(failures.map((detail) => detail['attempt'])).toEqual([1, 2, 3, 4, 5, 6]);
    expect(failures.at(-1)).toMatchObject({ retriesExhausted: true });
    const tags = reservation(service.aws, TRADING).tags;
    expect(tags['odcr-reclaimer:failed-attempts']).toBe('6');
    expect(tags['odcr-reclaimer:failure']).toContain('AllocationFailed');
    expect(reservation(service.aws, TRADING).allocation).toMatchObject({ current: 60, status: 'failed' });
  });

  it('lets on-call retry at once, whatever the backoff', async () => {
    const service = await startLocalService({ now: BEFORE_OPEN });
    failAllocationChanges(service, 1);
    await runSchedule(service);

    const answer = await runOnDemand(service, {
      action: 'reclaim',
      reservations: [TRADING],
      everything: true,
      for: '2h',
      reason: 'retry now',
    });

    expect(answer).toMatchObject({ ok: true });
    expect(updateCalls(service.aws)).toHaveLength(2);
    expect(reservation(service.aws, TRADING).allocation).toMatchObject({ target: 0 });
  });

  it('is retried by the tracker once the backoff is over, and the capacity is back by the bell', async () => {
    const service = await startLocalService({ now: BEFORE_OPEN });
    failAllocationChanges(service, 1);
    await runSchedule(service);
    expect(trackerRuleState(service.aws)).toBe('ENABLED');

    await trackUntilIdle(service, 10);

    expect(updateCalls(service.aws)).toHaveLength(2);
    expect(reservation(service.aws, TRADING).allocation).toMatchObject({
      current: 0,
      target: 0,
      status: 'active',
    });
    expect(service.aws.clock.now().getTime()).toBeLessThan(Date.parse('2025-03-12T13:30:00Z'));
    expect(trackerRuleState(service.aws)).toBe('DISABLED');
  });
});
