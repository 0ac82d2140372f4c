import { describe, expect, it } from 'vitest';
import type { ErrorAnswer } from '#shared/on-demand/answer.ts';
import type { MarketClosureAnswer } from '#shared/on-demand/market-closure.ts';
import type { StatusAnswer } from '#shared/on-demand/run-on-demand.ts';
import { OFF_HOURS, THURSDAY_BEFORE_OPEN } from '../../support/example-week.ts';
import {
  type LocalService,
  lambdaContext,
  RISK_ENGINE,
  reservation,
  startLocalService,
  TRADING,
} from '../../support/local-service.ts';
import { runOnDemand, runSchedule, tradingOutcome } from './runs.ts';

// The market day on-call closes, and the tag each reservation of the market records the closure in.
const THURSDAY = { market: 'XNYS', date: '2025-03-13' } as const;
const CLOSURE_KEY = 'odcr-reclaimer:closure:XNYS:2025-03-13';

/** On-call's request to close or reopen XNYS on Thursday, for `reason`, with any other fields it sends. */
function thursday(action: 'close-market' | 'reopen-market', reason: string, fields: object = {}) {
  return { action, ...THURSDAY, reason, ...fields };
}

/** On-call closed XNYS for Thursday the evening before; now it is Thursday, in the lead before the open. */
async function closedForThursday(): Promise<LocalService> {
  const service = await startLocalService({ now: OFF_HOURS });
  await runOnDemand(service, thursday('close-market', 'INC-77'));
  service.aws.setClock(THURSDAY_BEFORE_OPEN);
  return service;
}

describe('reclaim-on-demand: close-market', () => {
  it('records the closure on every reservation of the market; later runs honour it; status shows it', async () => {
    const service = await startLocalService({ now: OFF_HOURS });

    const answer = (await runOnDemand(
      service,
      thursday('close-market', 'INC-77 national day of mourning'),
    )) as MarketClosureAnswer;

    expect(answer).toMatchObject({ ok: true, action: 'close-market', market: 'XNYS', failed: [] });
    expect(answer.recordedOn.sort()).toEqual([TRADING, ...RISK_ENGINE].sort());
    for (const id of [TRADING, ...RISK_ENGINE]) {
      expect(reservation(service.aws, id).tags[CLOSURE_KEY]).toBe('INC-77 national day of mourning');
    }
    // Thursday 09:10 New York, when the reclaim for the open would have started: the market is closed.
    service.aws.setClock('2025-03-13T13:10:00Z');
    const scheduled = await runSchedule(service);
    expect(tradingOutcome(scheduled)).toMatchObject({
      outcome: 'unchanged',
      to: 60,
    });
    expect(scheduled.closures).toEqual([{ ...THURSDAY, reason: 'INC-77 national day of mourning' }]);
    expect(reservation(service.aws, TRADING).allocation?.target).toBe(60);

    const status = (await runOnDemand(service, { action: 'status' })) as StatusAnswer;
    expect(status.closures).toEqual(scheduled.closures);
    const trading = status.reservations.find((entry) => entry.reservationId === TRADING);
    expect(trading?.reasons.join(' ')).toMatch(
      /closed today \(short-notice closure by on-call: INC-77 national day of mourning\)/,
    );
  });

  it('reopen-market removes it, and the next run reclaims for the open', async () => {
    const service = await closedForThursday();

    const answer = (await runOnDemand(
      service,
      thursday('reopen-market', 'INC-77 closure withdrawn'),
    )) as MarketClosureAnswer;

    expect(answer).toMatchObject({ ok: true, action: 'reopen-market' });
    expect(reservation(service.aws, TRADING).tags[CLOSURE_KEY]).toBeUndefined();
    expect(tradingOutcome(answer.result)).toMatchObject({
      outcome: 'updated',
      to: 0,
    });
  });

  it("sends within the invocation's send budget like a change: past it, the tracker sends the rest", async () => {
    const service = await closedForThursday();

    // One second left is less than the stop margin: the run may record the reopening but send no change.
    const answer = (await runOnDemand(
      service,
      thursday('reopen-market', 'INC-77 closure withdrawn'),
      lambdaContext(undefined, { clock: service.aws.clock, timeoutSeconds: 1 }),
    )) as MarketClosureAnswer;

    expect(reservation(service.aws, TRADING).tags[CLOSURE_KEY]).toBeUndefined();
    expect(tradingOutcome(answer.result)).toMatchObject({
      outcome: 'deferred',
    });
    expect(answer.result.warnings.join(' ')).toMatch(/not sent by this run/);
    expect(reservation(service.aws, TRADING).allocation?.target).toBe(60);
  });

  it('changes nothing on a dry run, and says what the policy would do', async () => {
    const service = await startLocalService({ now: THURSDAY_BEFORE_OPEN });

    const answer = (await runOnDemand(
      service,
      thursday('close-market', 'INC-77', { dryRun: true }),
    )) as MarketClosureAnswer;

    expect(answer).toMatchObject({ ok: true, dryRun: true });
    expect(reservation(service.aws, TRADING).tags[CLOSURE_KEY]).toBeUndefined();
    expect(reservation(service.aws, TRADING).allocation?.target).toBe(60);
    expect(answer.result.closures).toEqual([{ ...THURSDAY, reason: 'INC-77' }]);
  });

  it.each([
    ['no market', { date: '2025-03-13' }, 'market'],
    ['a market no reservation trades on', { market: 'XLON', date: '2025-03-13' }, 'market'],
    ['a date that has passed', { market: 'XNYS', date: '2025-03-11' }, 'date'],
    ['a date that is not a date', { market: 'XNYS', date: '2025-02-30' }, 'date'],
    ['a weekend', { market: 'XNYS', date: '2025-03-15' }, 'date'],
    ['a holiday', { market: 'XNYS', date: '2025-04-18' }, 'date'],
    ['a scope', { market: 'XNYS', date: '2025-03-13', all: true }, 'all'],
    ['an expiry', { market: 'XNYS', date: '2025-03-13', for: '1h' }, 'for'],
  ])('rejects %s naming the field, with zero AWS calls', async (_what, fields, field) => {
    const service = await startLocalService({ now: OFF_HOURS });
    const before = service.aws.admin.calls({}).calls.length;

    const answer = (await runOnDemand(service, {
      action: 'close-market',
      reason: 'r',
      ...fields,
    })) as ErrorAnswer;

    expect(answer).toMatchObject({ ok: false, error: { code: 'ValidationError', field } });
    expect(service.aws.admin.calls({}).calls).toHaveLength(before);
  });

  it('rejects reopening a closure that was never recorded', async () => {
    const service = await startLocalService({ now: OFF_HOURS });

    const answer = (await runOnDemand(service, thursday('reopen-market', 'r'))) as ErrorAnswer;

    expect(answer).toMatchObject({ ok: false, error: { code: 'ValidationError', field: 'date' } });
  });
});
