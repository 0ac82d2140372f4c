/**
 * One market's published 2025–2028 calendar as a table (one per MIC in tables/), checked through the
 * public calendar API: every full closure and early close, a normal trading day around each, and nothing
 * else unusual in the four years.
 */
import { describe, expect, it } from 'vitest';
import { BUILT_IN_EXCHANGES, dayStatus } from '#shared/calendar/index.ts';

export interface MarketTable {
  mic: string;
  /** Regular local open and close of a full trading day (the first session's open, the last one's close). */
  open: string;
  close: string;
  /** The lunch break of a full trading day (local start and end), if the market has one. */
  lunchBreak?: readonly [start: string, end: string];
  /** Every full-day closure on a trading weekday, 2025–2028: date and the reason the data gives. */
  closures: readonly (readonly [date: string, reason: string])[];
  /** Every early close, 2025–2028: date and local close. */
  earlyCloses: readonly (readonly [date: string, close: string])[];
}

const FIRST_DAY = '2025-01-01';
const LAST_DAY = '2028-12-31';

function addDays(date: string, days: number): string {
  const moved = new Date(`${date}T12:00:00Z`);
  moved.setUTCDate(moved.getUTCDate() + days);
  return moved.toISOString().slice(0, 10);
}

function isoWeekday(date: string): number {
  return new Date(`${date}T12:00:00Z`).getUTCDay() || 7;
}

export function describeMarketTable(table: MarketTable): void {
  const data = BUILT_IN_EXCHANGES.find((exchange) => exchange.mic === table.mic);
  const closed = new Set(table.closures.map(([date]) => date));
  const early = new Map(table.earlyCloses.map(([date, close]) => [date, close]));
  const tradingWeekday = (date: string): boolean => data?.tradingWeekdays.includes(isoWeekday(date)) ?? false;

  /** The day before and after `date`, where each is a trading weekday inside the table that it says is ordinary. */
  const ordinaryNeighbours = (date: string): string[] =>
    [addDays(date, -1), addDays(date, 1)].filter(
      (day) =>
        day >= FIRST_DAY && day <= LAST_DAY && tradingWeekday(day) && !closed.has(day) && !early.has(day),
    );

  const breaksOf = (day: string): string[][] =>
    dayStatus(table.mic, day).session?.breaks.map((pause) => [pause.startLocal, pause.endLocal]) ?? [];

  const expectOrdinaryDay = (day: string): void => {
    const status = dayStatus(table.mic, day);
    expect(status, `${table.mic} ${day}`).toMatchObject({ trading: true, assumed: false });
    expect(status.session, `${table.mic} ${day}`).toMatchObject({
      openLocal: table.open,
      closeLocal: table.close,
      earlyClose: false,
    });
    expect(breaksOf(day), `${table.mic} ${day} lunch break`).toEqual(
      table.lunchBreak ? [[...table.lunchBreak]] : [],
    );
  };

  describe(`${table.mic} calendar 2025–2028`, () => {
    it('is a built-in market', () => {
      expect(data?.mic).toBe(table.mic);
    });

    it.each(table.closures)(
      'is closed on %s (%s), and trades normally on the ordinary days around it',
      (date, reason) => {
        expect(tradingWeekday(date), `${date} is a trading weekday`).toBe(true);
        const status = dayStatus(table.mic, date);

        expect(status).toMatchObject({ trading: false, closure: reason, assumed: false });
        expect(status.session).toBeUndefined();
        for (const day of ordinaryNeighbours(date)) expectOrdinaryDay(day);
      },
    );

    it.each(table.earlyCloses)(
      'closes early on %s at %s local time, the ordinary days around it do not',
      (date, close) => {
        const session = dayStatus(table.mic, date).session;

        expect(session).toMatchObject({
          openLocal: table.open,
          closeLocal: close,
          earlyClose: true,
          assumed: false,
        });
        expect(session?.note).toEqual(expect.any(String));
        for (const day of ordinaryNeighbours(date)) expectOrdinaryDay(day);
      },
    );

    it('has no other closure or early close in the four years', () => {
      const closures: [string, string][] = [];
      const earlyCloses: [string, string][] = [];
      for (let day = FIRST_DAY; day <= LAST_DAY; day = addDays(day, 1)) {
        const status = dayStatus(table.mic, day);
        expect(status.assumed, `${table.mic} ${day} is inside the data`).toBe(false);
        if (!tradingWeekday(day)) {
          expect(status.trading, `${table.mic} ${day} is not a trading weekday`).toBe(false);
        } else if (!status.trading) {
          closures.push([day, status.closure ?? '']);
        } else if (status.session?.earlyClose === true) {
          earlyCloses.push([day, status.session.closeLocal]);
        } else {
          expect(status.session?.closeLocal, `${table.mic} ${day}`).toBe(table.close);
        }
      }

      expect(closures).toEqual(table.closures);
      expect(earlyCloses).toEqual(table.earlyCloses);
    });
  });
}
