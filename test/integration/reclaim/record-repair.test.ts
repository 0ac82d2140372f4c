import { describe, expect, it } from 'vitest';
import { TAG } from '#shared/records/tag-keys.ts';
import { OFF_HOURS, THURSDAY_BEFORE_OPEN } from '../../support/example-week.ts';
import {
  type LocalService,
  RISK_ENGINE,
  reservation,
  startLocalService,
  TRADING,
  updateCalls,
} from '../../support/local-service.ts';
import { runSchedule, tradingOutcome, updateBehindTheService } from './runs.ts';

// Off hours the fleet stays lent (60), as it was lent by hand in the seed.

function requestedEvents(local: LocalService) {
  return local.aws.admin
    .events({ source: 'odcr-reclaimer' })
    .events.filter((event) => event['detail-type'] === 'Allocation Change Requested');
}

describe('record repair', () => {
  it('records a target lent by hand once, as the baseline, without a change event', async () => {
    const local = await startLocalService({ now: OFF_HOURS });
    for (const id of [TRADING, ...RISK_ENGINE]) {
      expect(reservation(local.aws, id).tags[TAG.requestedTarget]).toBeUndefined();
    }

    const first = await runSchedule(local);

    expect(first.outcomes.every((outcome) => outcome.outcome === 'unchanged')).toBe(true);
    const trading = reservation(local.aws, TRADING).tags;
    expect(trading).toMatchObject({
      [TAG.requestedTarget]: '60',
      [TAG.requestedFrom]: '60',
      [TAG.requestTrigger]: 'repair',
      [TAG.requestedAt]: new Date(OFF_HOURS).toISOString(),
      [TAG.completedRequestAt]: new Date(OFF_HOURS).toISOString(),
    });
    expect(trading[TAG.requestReason]).toMatch(/^record missing: allocation target 60 was never recorded/);
    for (const id of RISK_ENGINE) expect(reservation(local.aws, id).tags[TAG.requestedTarget]).toBe('1');
    expect(requestedEvents(local)).toEqual([]);

    // The record now matches: a later run writes nothing.
    local.aws.advance(600);
    const tagCallsBefore = local.aws.admin.calls({ service: 'ec2', action: 'CreateTags' }).calls.length;
    await runSchedule(local);
    expect(local.aws.admin.calls({ service: 'ec2', action: 'CreateTags' }).calls).toHaveLength(
      tagCallsBefore,
    );
    expect(reservation(local.aws, TRADING).tags[TAG.requestedAt]).toBe(new Date(OFF_HOURS).toISOString());
  });

  it('records a change whose run died before its record, and publishes it once as repaired', async () => {
    const local = await startLocalService({ now: OFF_HOURS });
    await runSchedule(local); // the baseline: target 60 recorded

    // A run reclaims before the open and dies between EC2's update and its record.
    local.aws.setClock(THURSDAY_BEFORE_OPEN);
    await updateBehindTheService(local, TRADING, 0);
    for (let step = 0; step < 60 && reservation(local.aws, TRADING).allocation?.status !== 'active'; step++) {
      local.aws.advance(10);
    }
    expect(reservation(local.aws, TRADING).allocation).toMatchObject({ target: 0, status: 'active' });
    expect(reservation(local.aws, TRADING).tags[TAG.requestedTarget]).toBe('60');

    const repairedAt = local.aws.clock.now().toISOString();
    const result = await runSchedule(local);

    // The policy wants 0, which is already set: no update, only the missing record and its event.
    expect(tradingOutcome(result)).toMatchObject({
      outcome: 'unchanged',
      to: 0,
    });
    expect(updateCalls(local.aws)).toHaveLength(1);
    const tags = reservation(local.aws, TRADING).tags;
    expect(tags).toMatchObject({
      [TAG.requestedTarget]: '0',
      [TAG.requestedFrom]: '60',
      [TAG.requestTrigger]: 'repair',
      [TAG.requestedAt]: repairedAt,
      [TAG.lastReclaimAt]: repairedAt,
      [TAG.completedRequestAt]: repairedAt,
    });
    expect(tags[TAG.requestReason]).toMatch(/^record missing: allocation target 0 was set without a record/);
    const events = requestedEvents(local);
    expect(events).toHaveLength(1);
    expect(events[0]).toMatchObject({
      resources: [TRADING],
      detail: {
        reservationId: TRADING,
        from: 60,
        to: 0,
        trigger: 'repair',
        repaired: true,
        requestedAt: repairedAt,
        triggerId: result.triggerId,
      },
    });

    // Once: the record matches the allocation now.
    local.aws.advance(300);
    await runSchedule(local);
    expect(requestedEvents(local)).toHaveLength(1);
    expect(reservation(local.aws, TRADING).tags[TAG.requestedAt]).toBe(repairedAt);
  });
});
