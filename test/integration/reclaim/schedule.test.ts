import { describe, expect, it } from 'vitest';
import { createHandler } from '#functions/reclaim-on-schedule/handler.ts';
import { WEDNESDAY_AFTER_CLOSE, WEDNESDAY_BEFORE_OPEN } from '../../support/example-week.ts';
import {
  lambdaContext,
  RISK_ENGINE,
  reservation,
  startLocalService,
  TRADING,
  updateCalls,
} from '../../support/local-service.ts';
import { outcomeOf, runSchedule, trackUntilIdle } from './runs.ts';

describe('reclaim-on-schedule', () => {
  it('reclaims the trading fleet before the XNYS open, and it is back by the bell', async () => {
    const service = await startLocalService({ now: WEDNESDAY_BEFORE_OPEN });

    const result = await runSchedule(service);

    expect(outcomeOf(result, TRADING)).toMatchObject({
      outcome: 'updated',
      from: 60,
      to: 0,
      action: 'reclaim',
    });
    for (const id of RISK_ENGINE)
      expect(outcomeOf(result, id)).toMatchObject({ outcome: 'unchanged', to: 1 });
    service.aws.setClock('2025-03-12T13:30:00Z');
    const atOpen = reservation(service.aws, TRADING);
    expect(atOpen.allocation).toMatchObject({ current: 0, target: 0, status: 'active' });
    expect(atOpen.tags['odcr-reclaimer:requested-target']).toBe('0');
    expect(atOpen.tags['odcr-reclaimer:request-deadline']).toBe('2025-03-12T13:30:00.000Z');
    const rules = service.aws.admin.ruleList().rules;
    expect(rules.find((rule) => rule.name === 'odcr-reclaimer-dev-track-reclamation')?.state).toBe('ENABLED');
    const requested = service.aws.admin.events({ source: 'odcr-reclaimer' }).events;
    // The change, and the borrowers' notice that the reclaim for the bell has started.
    expect(requested.map((event) => event['detail-type'])).toEqual([
      'Allocation Change Requested',
      'Reclaim Started',
    ]);
    expect(requested[0]).toMatchObject({
      'detail-type': 'Allocation Change Requested',
      bus: 'odcr-reclaimer-dev',
      detail: { reservationId: TRADING, from: 60, to: 0, trigger: 'schedule' },
    });
  });

  it('gives a reclaim made after the open no deadline, so the tracker reports no risk and no margin', async () => {
    // Wednesday 2025-03-12, 10:00 New York: the heartbeats before the 09:30 open were missed.
    const service = await startLocalService({ now: '2025-03-12T14:00:00Z' });

    const result = await runSchedule(service);

    expect(outcomeOf(result, TRADING)).toMatchObject({ outcome: 'updated', to: 0, action: 'reclaim' });
    expect(outcomeOf(result, TRADING)?.deadline).toBeUndefined();
    expect(reservation(service.aws, TRADING).tags['odcr-reclaimer:request-deadline']).toBe('');
    await trackUntilIdle(service);
    expect(service.aws.admin.events({ detailType: 'Deadline At Risk' }).events).toEqual([]);
    const completed = service.aws.admin
      .events({ detailType: 'Allocation Change Completed' })
      .events.map((event) => event.detail);
    expect(completed).toHaveLength(1);
    expect(completed[0]).not.toHaveProperty('marginSeconds');
    expect(completed[0]).not.toHaveProperty('deadline');
  });

  it('lends the fleet back after the close', async () => {
    const service = await startLocalService({ now: WEDNESDAY_BEFORE_OPEN });
    await runSchedule(service);
    service.aws.setClock(WEDNESDAY_AFTER_CLOSE);

    const result = await runSchedule(service);

    expect(outcomeOf(result, TRADING)).toMatchObject({ outcome: 'updated', from: 0, to: 60, action: 'lend' });
    expect(reservation(service.aws, TRADING).allocation?.target).toBe(60);
  });

  it('keeps the fleet lent on an exchange holiday', async () => {
    // Friday 2025-07-04, Independence Day: XNYS is closed.
    const service = await startLocalService({ now: '2025-07-04T13:06:00Z' });

    const result = await runSchedule(service);

    expect(outcomeOf(result, TRADING)).toMatchObject({ outcome: 'unchanged', from: 60, to: 60 });
    expect(updateCalls(service.aws)).toHaveLength(0);
  });

  it('rejects an event that is not a Scheduler event before any AWS call', async () => {
    const service = await startLocalService({ now: WEDNESDAY_BEFORE_OPEN });
    const handler = createHandler(service.dependencies);

    await expect(handler({ source: 'aws.events', id: 'x' }, lambdaContext())).rejects.toThrow(/detail-type/);
    expect(service.aws.admin.calls({}).calls).toHaveLength(0);
  });
});
