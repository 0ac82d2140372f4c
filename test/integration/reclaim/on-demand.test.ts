import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { createHandler } from '#functions/reclaim-on-demand/handler.ts';
import { createHandler as createScheduleHandler } from '#functions/reclaim-on-schedule/handler.ts';
import type { ErrorAnswer } from '#shared/on-demand/answer.ts';
import type { ChangeAnswer, PlanAnswer, StatusAnswer } from '#shared/on-demand/run-on-demand.ts';
import {
  isDryRun,
  lambdaContext,
  RISK_ENGINE,
  reservation,
  scheduledEvent,
  startLocalService,
  TRADING,
  updateCalls,
  useLocalService,
} from '../../support/local-service.ts';

// Wednesday 2025-03-12, 18:00 New York: after the close, the trading fleet is lent (60), risk-engine 1 each.
const OFF_HOURS = '2025-03-12T22:00:00Z';

describe('reclaim-on-demand: validation', () => {
  const service = useLocalService({ now: OFF_HOURS });

  const malformed: [string, unknown, string][] = [
    ['an empty payload', {}, 'action'],
    ['an unknown action', { action: 'steal', all: true }, 'action'],
    [
      'a misspelt field',
      { action: 'reclaim', all: true, everything: true, for: '1h', reason: 'r', dryrun: true },
      'dryrun',
    ],
    ['no reason', { action: 'reclaim', all: true, everything: true, for: '1h' }, 'reason'],
    ['a reason over 256 characters', { action: 'clear', all: true, reason: 'x'.repeat(257) }, 'reason'],
    [
      'an override over 24 h',
      { action: 'reclaim', all: true, everything: true, for: '25h', reason: 'r' },
      'for',
    ],
    ['no expiry', { action: 'lend', all: true, count: 3, reason: 'r' }, 'for'],
    ['a count of zero', { action: 'reclaim', all: true, count: 0, for: '1h', reason: 'r' }, 'count'],
    [
      'an unknown group',
      { action: 'reclaim', group: 'nope', everything: true, for: '1h', reason: 'r' },
      'group',
    ],
    ['a malformed reservation id', { action: 'status', reservations: ['cr-xyz'] }, 'reservations.0'],
  ];

  it.each(malformed)('rejects %s naming the field, with zero AWS calls', async (_name, payload, field) => {
    const before = service().aws.admin.calls({}).calls.length;

    const answer = (await createHandler(service().dependencies)(payload, lambdaContext())) as ErrorAnswer;

    expect(answer.ok).toBe(false);
    expect(answer.error).toMatchObject({ code: 'ValidationError', field });
    expect(service().aws.admin.calls({}).calls).toHaveLength(before);
  });

  it('rejects fuzzed malformed payloads naming a field, with zero AWS calls', async () => {
    const handler = createHandler(service().dependencies);
    const before = service().aws.admin.calls({}).calls.length;
    // Valid requests change things: each sample breaks at least one rule (an unknown field or a bad value).
    const broken = fc.record(
      {
        action: fc.oneof(fc.constantFrom('reclaim', 'lend', 'clear', 'plan', 'status'), fc.string()),
        all: fc.oneof(fc.constant(true), fc.boolean(), fc.integer()),
        count: fc.oneof(fc.integer({ min: -3, max: 1003 }), fc.double(), fc.string()),
        for: fc.oneof(fc.constantFrom('1h', '90m', '25h', '0m', '1d'), fc.string()),
        reason: fc.oneof(fc.string({ maxLength: 300 }), fc.constant(''), fc.integer()),
        unexpected: fc.anything(),
      },
      { requiredKeys: ['unexpected'] },
    );
    await fc.assert(
      fc.asyncProperty(broken, async (payload) => {
        const answer = (await handler(payload, lambdaContext())) as ErrorAnswer;
        return (
          answer.ok === false && answer.error.code === 'ValidationError' && (answer.error.field ?? '') !== ''
        );
      }),
      { seed: process.env.CI ? 4411 : undefined, numRuns: 100 },
    );
    expect(service().aws.admin.calls({}).calls).toHaveLength(before);
  });
});

describe('reclaim-on-demand', () => {
  it('reclaims every lent instance of the fleet and reports each outcome', async () => {
    const service = await startLocalService({ now: OFF_HOURS });

    const answer = (await createHandler(service.dependencies)(
      { action: 'reclaim', all: true, everything: true, for: '1h', reason: 'INC-4411 market stress' },
      lambdaContext(),
    )) as ChangeAnswer;

    expect(answer).toMatchObject({ ok: true, action: 'reclaim', dryRun: false });
    expect(answer.result.outcomes).toHaveLength(4);
    for (const outcome of answer.result.outcomes)
      expect(outcome).toMatchObject({ outcome: 'updated', to: 0 });
    for (const id of [TRADING, ...RISK_ENGINE]) {
      const seen = reservation(service.aws, id);
      expect(seen.allocation?.target).toBe(0);
      expect(seen.tags['odcr-reclaimer:override-reason']).toBe('INC-4411 market stress');
      expect(seen.tags['odcr-reclaimer:override-expires']).toBe('2025-03-12T23:00:00.000Z');
    }
  });

  it('changes nothing on plan or dry run', async () => {
    const service = await startLocalService({ now: OFF_HOURS });
    const handler = createHandler(service.dependencies);

    const plan = (await handler({ action: 'plan' }, lambdaContext())) as PlanAnswer;
    const dryRun = (await handler(
      { action: 'reclaim', reservations: [TRADING], count: 10, for: '2h', reason: 'rehearsal', dryRun: true },
      lambdaContext(),
    )) as ChangeAnswer;

    expect(plan.result.outcomes.every((outcome) => outcome.outcome === 'unchanged')).toBe(true);
    expect(dryRun.overrides).toEqual([
      {
        reservationId: TRADING,
        name: 'xnys-trading-r7i',
        action: 'reclaim',
        target: 50,
        expiresAt: '2025-03-13T00:00:00.000Z',
      },
    ]);
    expect(dryRun.result.outcomes).toEqual([
      expect.objectContaining({ outcome: 'planned', from: 60, to: 50 }),
    ]);
    const proven = service.aws.admin.calls({
      service: 'ec2',
      action: 'UpdateInterruptibleCapacityReservationAllocation',
    });
    expect(proven.calls.every(isDryRun)).toBe(true);
    expect(updateCalls(service.aws)).toHaveLength(0);
    expect(service.aws.admin.calls({ service: 'ec2', action: 'CreateTags' }).calls).toHaveLength(0);
    expect(reservation(service.aws, TRADING).allocation?.target).toBe(60);
  });

  it('has its override honoured by the next scheduled run, until it expires', async () => {
    const service = await startLocalService({ now: OFF_HOURS });
    const onDemand = createHandler(service.dependencies);
    const schedule = createScheduleHandler(service.dependencies);
    await onDemand(
      { action: 'reclaim', reservations: [TRADING], everything: true, for: '2h', reason: 'INC-4412' },
      lambdaContext(),
    );

    service.aws.advance(60 * 60);
    const during = await schedule(scheduledEvent(service.aws), lambdaContext());
    expect(during.outcomes.find((o) => o.reservationId === TRADING)).toMatchObject({
      outcome: 'unchanged',
      to: 0,
    });

    service.aws.advance(61 * 60);
    const after = await schedule(scheduledEvent(service.aws), lambdaContext());
    expect(after.outcomes.find((o) => o.reservationId === TRADING)).toMatchObject({
      outcome: 'updated',
      from: 0,
      to: 60,
    });
  });

  it('clears an override so the schedule applies again', async () => {
    const service = await startLocalService({ now: OFF_HOURS });
    const onDemand = createHandler(service.dependencies);
    await onDemand(
      { action: 'reclaim', reservations: [TRADING], count: 20, for: '6h', reason: 'INC-1' },
      lambdaContext(),
    );
    expect(reservation(service.aws, TRADING).allocation?.target).toBe(40);
    service.aws.advance(40 * 60);

    const cleared = (await onDemand(
      { action: 'clear', reservations: [TRADING], reason: 'INC-1 resolved' },
      lambdaContext(),
    )) as ChangeAnswer;

    expect(cleared.result.outcomes).toEqual([
      expect.objectContaining({ outcome: 'updated', from: 40, to: 60 }),
    ]);
    expect(reservation(service.aws, TRADING).tags['odcr-reclaimer:override-action']).toBeUndefined();
  });

  it('reports status: owned, lent, borrowed, target, status and the active override', async () => {
    const service = await startLocalService({ now: OFF_HOURS });
    const handler = createHandler(service.dependencies);
    await handler(
      { action: 'reclaim', group: 'risk-engine', everything: true, for: '90m', reason: 'AZ drill' },
      lambdaContext(),
    );

    const status = (await handler({ action: 'status' }, lambdaContext())) as StatusAnswer;

    expect(status.reservations.find((entry) => entry.reservationId === TRADING)).toMatchObject({
      owned: 100,
      lent: 60,
      borrowed: 30,
      target: 60,
      status: 'active',
      override: null,
    });
    expect(status.reservations.find((entry) => entry.reservationId === RISK_ENGINE[0])).toMatchObject({
      owned: 3,
      target: 0,
      override: { action: 'reclaim', target: 0, reason: 'AZ drill', expiresAt: '2025-03-12T23:30:00.000Z' },
    });
  });
});
