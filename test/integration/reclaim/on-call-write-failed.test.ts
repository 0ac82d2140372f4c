/**
 * An on-call change whose override write fails (IAM denies DeleteTags or CreateTags, or EC2 answers 5xx after
 * the SDK's retries) is not an `ok: true` answer: on-call gets a failure naming the call and the reservation,
 * and the failure pages like every other one (an `Allocation Change Failed` event, the failure metrics).
 */
import { describe, expect, it } from 'vitest';
import type { ErrorAnswer } from '#shared/on-demand/answer.ts';
import { OFF_HOURS } from '../../support/example-week.ts';
import {
  type LocalService,
  RISK_ENGINE,
  reservation,
  startLocalService,
  TRADING,
} from '../../support/local-service.ts';
import { fleetSum, runOnDemand } from './runs.ts';

const OVERRIDE_ACTION = 'odcr-reclaimer:override-action';

/** IAM denies the service's next `count` calls of ec2:`action`. */
function denyEc2(local: LocalService, action: string, count: number): void {
  local.aws.admin.injectFault({ service: 'ec2', action, error: 'UnauthorizedOperation', count });
}

/** On-call's answer, which must be a failure. */
function failure(answer: unknown): ErrorAnswer {
  expect(answer).toMatchObject({ ok: false });
  return answer as ErrorAnswer;
}

const faults = [
  { name: 'IAM denies DeleteTags', action: 'DeleteTags', fault: { error: 'UnauthorizedOperation' } },
  { name: 'DeleteTags answers 503', action: 'DeleteTags', fault: { status: 503 } },
] as const;

describe('on-call clear whose write fails', () => {
  it.each(faults)('$name: a failure naming the call, an event and a metric', async ({ action, fault }) => {
    const service = await startLocalService({ now: OFF_HOURS, maxAttempts: 2 });
    await runOnDemand(service, {
      action: 'reclaim',
      reservations: [TRADING],
      count: 20,
      for: '6h',
      reason: 'INC-7',
    });
    expect(reservation(service.aws, TRADING).tags[OVERRIDE_ACTION]).toBe('reclaim');
    service.aws.admin.injectFault({ service: 'ec2', action, ...fault, count: 10 });

    const answer = failure(
      await runOnDemand(service, {
        action: 'clear',
        reservations: [TRADING],
        reason: 'INC-7 resolved',
        requestedBy: 'alice',
      }),
    );

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
    denyEc2(service, 'CreateTags', 1);

    const answer = failure(
      await runOnDemand(service, {
        action: 'reclaim',
        group: 'risk-engine',
        everything: true,
        for: '1h',
        reason: 'INC-8',
      }),
    );

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
    const closure = { market: 'XNYS', date: '2025-03-13', reason: 'INC-9' };
    const closed = await runOnDemand(service, { action: 'close-market', ...closure });
    expect(closed).toMatchObject({ ok: true });
    denyEc2(service, 'DeleteTags', 20);

    const answer = failure(
      await runOnDemand(service, { action: 'reopen-market', ...closure, reason: 'INC-9 reverted' }),
    );

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
