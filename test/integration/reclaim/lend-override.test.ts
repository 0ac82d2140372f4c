import { describe, expect, it } from 'vitest';
import type { ChangeAnswer, PlanAnswer, StatusAnswer } from '#shared/on-demand/run-on-demand.ts';
import { lambdaContext, reservation, startLocalService, TRADING } from '../../support/local-service.ts';
import { runOnDemand, runSchedule, tradingOutcome } from './runs.ts';

// Wednesday 2025-03-12 18:00 New York, after the close: 60 of 100 are lent. The next reclaim starts Thursday
// 09:05 New York (13:05Z), 25 min before the 09:30 open.
const WEDNESDAY_EVENING = '2025-03-12T22:00:00Z';
const THURSDAY_BEFORE_OPEN = '2025-03-13T13:06:00Z';

const LEND_TODAY = {
  action: 'lend',
  reservations: [TRADING],
  target: 60,
  for: '20h',
  reason: 'batch job overnight',
};

describe('a lend override and the next session', () => {
  it("ends at the next session's reclaim, which goes ahead", async () => {
    const service = await startLocalService({ now: WEDNESDAY_EVENING });
    const answer = (await runOnDemand(service, {
      ...LEND_TODAY,
      requestedBy: 'alice@example.com',
    })) as ChangeAnswer;
    expect(answer.ok).toBe(true);
    service.aws.setClock(THURSDAY_BEFORE_OPEN);

    const result = await runSchedule(service);

    expect(tradingOutcome(result)).toMatchObject({ outcome: 'updated', from: 60, to: 0 });
    expect(tradingOutcome(result)?.reasons.join('; ')).toMatch(
      /lend override \(target 60 set by alice@example.com\) ended at the XNYS reclaim at 09:05/,
    );
  });

  it('stays through the session when it says it spans it, and status and plan warn', async () => {
    const service = await startLocalService({ now: WEDNESDAY_EVENING });
    await runOnDemand(service, { ...LEND_TODAY, spanSession: true, requestedBy: 'alice@example.com' });
    service.aws.setClock(THURSDAY_BEFORE_OPEN);

    const result = await runSchedule(service);
    const status = (await runOnDemand(service, { action: 'status' })) as StatusAnswer;
    const plan = (await runOnDemand(service, { action: 'plan' })) as PlanAnswer;

    expect(tradingOutcome(result)).toMatchObject({ outcome: 'unchanged', to: 60 });
    const warning = /lend override \(target 60 set by alice@example.com\) spans the XNYS reclaim/;
    expect(status.warnings.join('\n')).toMatch(warning);
    expect(plan.result.warnings.join('\n')).toMatch(warning);
    expect(status.reservations.find((entry) => entry.reservationId === TRADING)?.override).toMatchObject({
      spansSession: true,
      requestedBy: 'alice@example.com',
    });
  });

  it('refuses spanSession on a reclaim, naming the field', async () => {
    const service = await startLocalService({ now: WEDNESDAY_EVENING });

    const answer = await runOnDemand(service, { ...LEND_TODAY, action: 'reclaim', spanSession: true });

    expect(answer).toMatchObject({ ok: false, error: { code: 'ValidationError', field: 'spanSession' } });
  });
});

describe("the caller's identity", () => {
  it('is recorded with the override and in its events, from the payload', async () => {
    const service = await startLocalService({ now: WEDNESDAY_EVENING });

    await runOnDemand(service, {
      action: 'reclaim',
      reservations: [TRADING],
      everything: true,
      for: '1h',
      reason: 'INC-1',
      requestedBy: 'arn:aws:iam::123456789012:user/oncall',
    });

    expect(reservation(service.aws, TRADING).tags['odcr-reclaimer:override-requested-by']).toBe(
      'arn:aws:iam::123456789012:user/oncall',
    );
    const requested = service.aws.admin.events({ detailType: 'Allocation Change Requested' }).events;
    expect(requested.map((event) => event.detail)).toEqual([
      expect.objectContaining({ requestedBy: 'arn:aws:iam::123456789012:user/oncall', trigger: 'on-demand' }),
    ]);
  });

  it("comes from the invocation's identity when the payload does not name one", async () => {
    const service = await startLocalService({ now: WEDNESDAY_EVENING });
    const context = {
      ...lambdaContext(),
      identity: { cognitoIdentityId: 'us-east-1:1234', cognitoIdentityPoolId: 'us-east-1:pool' },
    };

    await runOnDemand(
      service,
      { action: 'reclaim', reservations: [TRADING], everything: true, for: '1h', reason: 'INC-2' },
      context,
    );

    expect(reservation(service.aws, TRADING).tags['odcr-reclaimer:override-requested-by']).toBe(
      'cognito:us-east-1:1234',
    );
  });

  it('is refused when it holds control characters, naming the field', async () => {
    const service = await startLocalService({ now: WEDNESDAY_EVENING });

    const answer = await runOnDemand(service, { ...LEND_TODAY, requestedBy: 'eve\nadmin' });

    expect(answer).toMatchObject({ ok: false, error: { code: 'ValidationError', field: 'requestedBy' } });
  });
});
