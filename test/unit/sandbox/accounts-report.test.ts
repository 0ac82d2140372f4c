import { describe, expect, it } from 'vitest';
import { renderHtmlReport } from '#sandbox/report/html.ts';
import { formatSummary } from '#sandbox/report/terminal.ts';
import type { AccountsRecord, SimulationResult } from '#sandbox/result.ts';
import { headsUpReceipt, summarizeAccounts } from '#sandbox/summary.ts';
import { sampleResult, TRADING } from './sample-result.ts';

const HUB = '222222222222';
const SPOKE = '333333333333';
const BORROWER = '111111111111';
const LONDON = 'cr-0e2200000000b0001';

const scheduled = (at: string, reservationId: string, extra: Record<string, unknown> = {}) => ({
  at,
  detailType: 'Reclaim Scheduled',
  detail: {
    reservationId,
    name: reservationId === TRADING ? 'xnys-trading-r7i' : 'xlon-trading-spoke',
    interruptibleReservationId: 'cr-0aaaaaaaaaaaaaaaa',
    plannedStart: '2026-03-09T13:05:00.000Z',
    session: {
      market: 'XNYS',
      date: '2026-03-09',
      open: '2026-03-09T13:30:00.000Z',
      close: '2026-03-09T20:00:00.000Z',
    },
    toInterrupt: 30,
    ...extra,
  },
});

/** The sample day with a spoke account holding a second reservation and one borrower. */
function withAccounts(): SimulationResult {
  const result = sampleResult();
  const accounts: AccountsRecord = {
    hubAccountId: HUB,
    owners: [
      { accountId: HUB, reservationIds: [TRADING] },
      { accountId: SPOKE, name: 'london-desk', reservationIds: [LONDON] },
    ],
    borrowers: [
      {
        accountId: BORROWER,
        name: 'analytics',
        shared: [{ reservationId: TRADING, accountId: HUB }],
        received: [
          scheduled('2026-03-09T12:20:00.000Z', TRADING),
          { ...scheduled('2026-03-09T13:05:00.000Z', TRADING), detailType: 'Reclaim Started' },
        ],
      },
    ],
    warnings: [
      { reservationId: TRADING, at: '2026-03-09T13:07:00.000Z' },
      { reservationId: TRADING, at: '2026-03-09T13:06:00.000Z' },
      // Another session's: not this reclaim's warning.
      { reservationId: TRADING, at: '2026-03-10T13:06:00.000Z' },
    ],
  };
  result.accounts = accounts;
  result.pages = [
    {
      at: '2026-03-09T21:10:00.000Z',
      from: 'page-on-failure',
      kind: 'event',
      subject: 'Allocation Change Stalled',
      message: 'no progress',
      reservationIds: [TRADING],
    },
  ];
  result.summary.accounts = summarizeAccounts(result);
  return result;
}

describe('the summary per account', () => {
  it("gives each owner account its own reservations' reclaims, misses, late need and pages", () => {
    const owners = withAccounts().summary.accounts?.owners;
    expect(owners).toEqual([
      {
        accountId: HUB,
        hub: true,
        reservations: 1,
        reclaimsForBell: 1,
        beforeBell: 1,
        misses: 0,
        lateInstanceMinutes: 30,
        pages: 1,
      },
      {
        accountId: SPOKE,
        name: 'london-desk',
        hub: false,
        reservations: 1,
        reclaimsForBell: 0,
        beforeBell: 0,
        misses: 0,
        lateInstanceMinutes: 0,
        pages: 0,
      },
    ]);
  });

  it("measures each heads-up's lead before the reclaim start and before the reclaim's first EC2 warning", () => {
    const [head, started] = withAccounts().summary.accounts?.borrowers[0]?.notices ?? [];
    expect(head).toMatchObject({
      detailType: 'Reclaim Scheduled',
      reservationId: TRADING,
      ownerAccountId: HUB,
      minutesBeforeStart: 45,
      firstWarningAt: '2026-03-09T13:06:00.000Z',
      minutesBeforeWarning: 46,
      toInterrupt: 30,
    });
    expect(started).toMatchObject({
      detailType: 'Reclaim Started',
      minutesBeforeStart: 0,
      minutesBeforeWarning: 1,
    });
  });

  it("names a spoke's notice by its owner, and gives no warning lead when none followed", () => {
    const receipt = headsUpReceipt(
      scheduled('2026-03-09T07:00:00.000Z', LONDON, { accountId: SPOKE }),
      HUB,
      [],
    );
    expect(receipt?.ownerAccountId).toBe(SPOKE);
    expect(receipt?.minutesBeforeWarning).toBeUndefined();
    expect(
      headsUpReceipt(
        { at: '2026-03-09T07:00:00.000Z', detailType: 'Reclaim Scheduled', detail: {} },
        HUB,
        [],
      ),
    ).toBeUndefined();
  });

  it('is absent for a run without other accounts', () => {
    expect(summarizeAccounts(sampleResult())).toBeUndefined();
  });
});

describe('the reports per account', () => {
  it('prints a line per owner account and each Reclaim Scheduled a borrower got, with its leads', () => {
    const text = formatSummary(withAccounts());
    expect(text).toContain(
      `  ${HUB} (hub): 1 reservation, 1 of 1 reclaims for a bell back by it, 0 misses, 30 late instance-minutes, 1 pages`,
    );
    expect(text).toContain(`  ${SPOKE} london-desk: 1 reservation, 0 of 0 reclaims for a bell back by it`);
    expect(text).toContain(
      `  ${BORROWER} analytics: shared xnys-trading-r7i (${HUB}); 1 Reclaim Scheduled, 1 other notices`,
    );
    expect(text).toMatch(
      /Mon 09 Mar 08:20 EDT \(12:20Z\)\s+xnys-trading-r7i: 45 min before the reclaim start, 46 min before EC2's 2-minute warning/,
    );
  });

  it('leaves a one-account summary without account lines', () => {
    const text = formatSummary(sampleResult());
    expect(text).not.toContain('Owner accounts');
    expect(text).not.toContain('Borrowers');
  });

  it('adds the accounts and the borrowers’ notices to the HTML report', () => {
    const html = renderHtmlReport(withAccounts());
    expect(html).toContain('<h2>Accounts</h2>');
    expect(html).toContain(`${SPOKE} london-desk`);
    expect(html).toContain('<h2>Borrowers: the heads-up they received</h2>');
    expect(html).toContain('<td>45 min</td><td>46 min</td>');
    expect(renderHtmlReport(sampleResult())).not.toContain('<h2>Accounts</h2>');
  });
});
