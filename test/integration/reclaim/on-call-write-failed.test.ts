/**
 * An on-call change whose override write fails (IAM denies DeleteTags or CreateTags, or EC2 answers 5xx after
 * the SDK's retries) is not an `ok: true` answer: on-call gets a failure naming the call and the reservation,
 * and the failure pages like every other one (an `Allocation Change Failed` event, the failure metrics).
 */
import { describe, expect, it } from 'vitest';
import { createHandler } from '#functions/reclaim-on-demand/handler.ts';
import type { ErrorAnswer } from '#shared/on-demand/answer.ts';
import type { OnDemandAnswer } from '#shared/on-demand/run-on-demand.ts';
import {
  lambdaContext,
  RISK_ENGINE,
  reservation,
  startLocalService,
  TRADING,
} from '../../support/local-service.ts';
import { fleetSum } from './runs.ts';

// Wednesday 2025-03-12, 18:00 New York: after the close, the trading fleet is lent (60).
const OFF_HOURS = '2025-03-12T22:00:00Z';
const OVERRIDE_ACTION = 'odcr-reclaimer:override-action';

const faults = [
  { name: 'IAM denies DeleteTags', action: 'DeleteTags', fault: { error: 'UnauthorizedOperation' } },
  { name: 'DeleteTags answers 503', action: 'DeleteTags', fault: { status: 503 } },
] as const;

describe('on-call clear whose write fails', () => {
  it.each(faults)('$name: a failure naming the call, an event and a metric', async ({ action, fault }) => {
    const service = await startLocalService({ now: OFF_HOURS, maxAttempts: 2 });
    const onDemand = createHandler(service.dependencies);
    await onDemand(
      { action: 'reclaim', reservations: [TRADING], count: 20, for: '6h', reason: 'INC-7' },
      lambdaContext(),
    );
    expect(reservation(service.aws, TRADING).tags[OVERRIDE_ACTION]).toBe('reclaim');
    service.aws.admin.injectFault({ service: 'ec2', action, ...fault, count: 10 });

    const answer = (await onDemand(
      { action: 'clear', reservations: [TRADING], reason: 'INC-7 resolved', requestedBy: 'alice' },
      lambdaContext(),
    )) as OnDemandAnswer | ErrorAnswer;

    expect(answer.ok).toBe(false);
    if (answer.ok) return;
    expect(answer.error.code).toBe('AwsError');
    expect(answer.error.message).toContain(`ec2:${action}`);
    expect(answer.error.message).toContain(TRADING);
    expect(reservation(service.aws, TRADING).tags[OVERRIDE_ACTION]).toBe('reclaim');
    const failed = service.aws.admin.events({ detailType: 'Allocation Change Failed' }).events;
    expect(failed).toHaveLength(1);
    expect(failed[0]?.detail).toMatchObject({
      reservationId: TRADING,
      trigger: 'on-demand',
      requestedBy: 'alice',
      errorCode: 'error' in fault ? fault.error : expect.any(String),
    });
    expect(fleetSum(service, 'RecordsNotWritten')).toBe(1);
    expect(fleetSum(service, 'CallsDenied')).toBe('error' in fault ? 1 : 0);
  });

  it('a reclaim whose CreateTags is denied on one reservation names it; the others are reclaimed', async () => {
    const service = await startLocalService({ now: OFF_HOURS, maxAttempts: 2 });
    const onDemand = createHandler(service.dependencies);
    service.aws.admin.injectFault({
      service: 'ec2',
      action: 'CreateTags',
      error: 'UnauthorizedOperation',
      count: 1,
    });

    const answer = (await onDemand(
      { action: 'reclaim', group: 'risk-engine', everything: true, for: '1h', reason: 'INC-8' },
      lambdaContext(),
    )) as OnDemandAnswer | ErrorAnswer;

    expect(answer.ok).toBe(false);
    if (answer.ok) return;
    expect(answer.error.message).toContain('ec2:CreateTags');
    const untouched = RISK_ENGINE.filter(
      (id) => reservation(service.aws, id).tags[OVERRIDE_ACTION] !== 'reclaim',
    );
    expect(untouched).toHaveLength(1);
    expect(answer.error.message).toContain(untouched[0]);
    expect(answer.result?.outcomes.filter((outcome) => outcome.outcome === 'failed')).toHaveLength(1);
    expect(service.aws.admin.events({ detailType: 'Allocation Change Failed' }).events).toHaveLength(1);
  });
});

describe('on-call reopen-market whose DeleteTags is denied', () => {
  it('answers a failure naming the call, since the closure still holds, and pages', async () => {
    const service = await startLocalService({ now: OFF_HOURS, maxAttempts: 2 });
    const onDemand = createHandler(service.dependencies);
    const closure = { market: 'XNYS', date: '2025-03-13', reason: 'INC-9' };
    const closed = await onDemand({ action: 'close-market', ...closure }, lambdaContext());
    expect(closed).toMatchObject({ ok: true });
    service.aws.admin.injectFault({
      service: 'ec2',
      action: 'DeleteTags',
      error: 'UnauthorizedOperation',
      count: 20,
    });

    const answer = (await onDemand(
      { action: 'reopen-market', ...closure, reason: 'INC-9 reverted' },
      lambdaContext(),
    )) as OnDemandAnswer | ErrorAnswer;

    expect(answer.ok).toBe(false);
    if (answer.ok) return;
    expect(answer.error.message).toContain('ec2:DeleteTags');
    const stillClosed = service.aws.admin
      .listReservations({})
      .reservations.filter((view) => view.tags['odcr-reclaimer:closure:XNYS:2025-03-13'] !== undefined);
    expect(stillClosed.length).toBeGreaterThan(0);
    for (const view of stillClosed) expect(answer.error.message).toContain(view.id);
    expect(service.aws.admin.events({ detailType: 'Allocation Change Failed' }).events).toHaveLength(
      stillClosed.length,
    );
    expect(fleetSum(service, 'CallsDenied')).toBeGreaterThan(0);
  });
});
