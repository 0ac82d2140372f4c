import { describe, expect, it } from 'vitest';
import type { ReconcileResult } from '#shared/reconcile/reconcile.ts';
import { TAG } from '#shared/records/tag-keys.ts';
import { OFF_HOURS, THURSDAY_BEFORE_OPEN } from '../../support/example-week.ts';
import { type LocalService, reservation, startLocalService, TRADING } from '../../support/local-service.ts';
import {
  runSchedule,
  trackerRuleState,
  trackUntilIdle,
  tradingEventDetails,
  tradingOutcome,
  updateBehindTheService,
} from './runs.ts';

/**
 * The baseline run off hours (target 60, trigger repair), then the reclaim before the open while the next
 * `failures` CreateTags calls (its record, after the update) fail: the service and that run's result.
 */
async function reclaimWhileCreateTagsFails(
  failures: number,
): Promise<{ local: LocalService; result: ReconcileResult }> {
  const local = await startLocalService({ now: OFF_HOURS, maxAttempts: 1 });
  await runSchedule(local);
  local.aws.setClock(THURSDAY_BEFORE_OPEN);
  local.aws.admin.injectFault({ service: 'ec2', action: 'CreateTags', status: 500, count: failures });
  return { local, result: await runSchedule(local) };
}

describe('level-triggered tracking', () => {
  it('enables the tracker on the next run when enabling it failed once after an update', async () => {
    const local = await startLocalService({ now: THURSDAY_BEFORE_OPEN, maxAttempts: 1 });
    local.aws.admin.injectFault({ service: 'events', action: 'EnableRule', status: 500, count: 1 });

    const first = await runSchedule(local);

    expect(tradingOutcome(first)?.outcome).toBe('updated');
    expect(first.warnings.some((warning) => warning.startsWith('tracker not enabled'))).toBe(true);
    expect(trackerRuleState(local.aws)).toBe('DISABLED');

    // Five minutes later the allocation still moves; the heartbeat has nothing to change, yet sees it in flight.
    local.aws.advance(60);
    expect(reservation(local.aws, TRADING).allocation?.status).toBe('updating');
    const second = await runSchedule(local);

    expect(tradingOutcome(second)?.outcome).toBe('unchanged');
    expect(trackerRuleState(local.aws)).toBe('ENABLED');
    await trackUntilIdle(local);
    expect(tradingEventDetails(local, 'Allocation Change Completed')).toEqual([
      expect.objectContaining({ from: 60, to: 0, trigger: 'schedule' }),
    ]);
  });

  it('does not enable the tracker when nothing is in flight', async () => {
    const local = await startLocalService({ now: OFF_HOURS });

    await runSchedule(local);

    expect(trackerRuleState(local.aws)).toBe('DISABLED');
    expect(local.aws.admin.calls({ service: 'events', action: 'EnableRule' }).calls).toEqual([]);
  });

  it('repairs a run killed after its update: the next run wakes the tracker, which reports no stale facts', async () => {
    const local = await startLocalService({ now: OFF_HOURS });
    await runSchedule(local); // the baseline: target 60 recorded as a repair
    expect(reservation(local.aws, TRADING).tags[TAG.requestedTarget]).toBe('60');

    // A run reclaims before the open and dies right after EC2's update: no record, no event, no tracker.
    local.aws.setClock(THURSDAY_BEFORE_OPEN);
    await updateBehindTheService(local, TRADING, 0);
    local.aws.advance(30);

    await runSchedule(local);

    expect(trackerRuleState(local.aws)).toBe('ENABLED');
    await trackUntilIdle(local);
    expect(reservation(local.aws, TRADING).allocation).toMatchObject({ target: 0, status: 'active' });
    // The record on the tags is the baseline's (target 60): the tracker must not report it as this change's.
    const progress = tradingEventDetails(local, 'Allocation Change Progress');
    expect(progress.length).toBeGreaterThan(0);
    for (const detail of progress) {
      expect(detail).toMatchObject({ target: 0, request: 'unknown' });
      expect(detail).not.toHaveProperty('trigger');
      expect(detail).not.toHaveProperty('to');
    }
    expect(tradingEventDetails(local, 'Allocation Change Completed')).toEqual([]);

    // Settled: the next run records the change as a repair, once.
    await runSchedule(local);
    expect(reservation(local.aws, TRADING).tags).toMatchObject({
      [TAG.requestedTarget]: '0',
      [TAG.requestedFrom]: '60',
      [TAG.requestTrigger]: 'repair',
    });
  });

  it('writes the record on a second attempt when CreateTags fails once after the update', async () => {
    const { local, result } = await reclaimWhileCreateTagsFails(1);

    expect(tradingOutcome(result)?.outcome).toBe('updated');
    expect(reservation(local.aws, TRADING).tags).toMatchObject({
      [TAG.requestedTarget]: '0',
      [TAG.requestedFrom]: '60',
      [TAG.requestTrigger]: 'schedule',
      [TAG.requestedAt]: new Date(THURSDAY_BEFORE_OPEN).toISOString(),
    });
    await trackUntilIdle(local);
    expect(tradingEventDetails(local, 'Allocation Change Completed')).toEqual([
      expect.objectContaining({
        from: 60,
        to: 0,
        trigger: 'schedule',
        requestedAt: THURSDAY_BEFORE_OPEN.replace('Z', '.000Z'),
      }),
    ]);
  });

  it('never reports the previous request when CreateTags keeps failing after the update', async () => {
    const { local, result } = await reclaimWhileCreateTagsFails(2);

    expect(tradingOutcome(result)?.outcome).toBe('updated');
    expect(reservation(local.aws, TRADING).tags[TAG.requestedTarget]).toBe('60');
    expect(result.warnings.some((warning) => warning.includes('request not recorded'))).toBe(true);
    await trackUntilIdle(local);
    expect(tradingEventDetails(local, 'Allocation Change Progress').length).toBeGreaterThan(0);
    for (const detailType of [
      'Allocation Change Progress',
      'Allocation Change Stalled',
      'Deadline At Risk',
    ]) {
      for (const detail of tradingEventDetails(local, detailType)) {
        expect(detail).toMatchObject({ request: 'unknown' });
        expect(detail).not.toHaveProperty('trigger');
      }
    }
  });
});
