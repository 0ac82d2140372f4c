import { describe, expect, it } from 'vitest';
import {
  BUILT_IN_EXCHANGES,
  calendarDataDaysLeft,
  DATA_EXPIRY_WARNING_DAYS,
} from '#shared/calendar/index.ts';
import { parseConfig } from '#shared/config/schema.ts';
import { leastCalendarDataLeft } from '#shared/policy/calendar-data.ts';

describe('built-in calendar data', () => {
  // The real clock on purpose: CI goes red 90 days before a built-in calendar runs out, while the alarm in
  // the template pages whoever runs a deployment on the same day.
  it.each(BUILT_IN_EXCHANGES.map((exchange) => [exchange.mic, exchange.dataTo] as const))(
    '%s lasts more than 90 days from today (data to %s)',
    (mic, dataTo) => {
      const daysLeft = calendarDataDaysLeft(mic, new Date()) ?? Number.NaN;

      expect(
        daysLeft,
        `${mic} calendar data ends on ${dataTo}: add the exchange's next year to shared/calendar/exchanges`,
      ).toBeGreaterThanOrEqual(DATA_EXPIRY_WARNING_DAYS);
    },
  );
});

describe('leastCalendarDataLeft', () => {
  const fleet = (markets: string[], custom: Record<string, unknown> = {}) =>
    parseConfig({
      reservations: markets.map((market, index) => ({
        id: `cr-${String(index).padStart(17, '0')}`,
        name: `r${index}`,
        market,
        tradingNeed: 'all',
        offHoursNeed: 0,
      })),
      markets: custom,
    });
  const GLOBEX = {
    timeZone: 'America/Chicago',
    tradingDays: ['SUN', 'MON', 'TUE', 'WED', 'THU'],
    sessions: [{ open: '17:00', close: '16:00' }],
  };

  it('is the configured built-in market whose data ends first, in days from its local today', () => {
    const now = new Date('2026-06-01T12:00:00Z');
    const markets = BUILT_IN_EXCHANGES.map((exchange) => exchange.mic);
    const expected = Math.min(
      ...markets.map((mic) => calendarDataDaysLeft(mic, now) ?? Number.POSITIVE_INFINITY),
    );

    const least = leastCalendarDataLeft(fleet(markets), now);

    expect(least?.days).toBe(expected);
    expect(calendarDataDaysLeft(least?.market ?? '', now)).toBe(expected);
  });

  it('counts the days to the last day of the data', () => {
    const xnys = BUILT_IN_EXCHANGES.find((exchange) => exchange.mic === 'XNYS');
    const lastDay = new Date(`${xnys?.dataTo}T12:00:00-05:00`);

    expect(leastCalendarDataLeft(fleet(['XNYS']), lastDay)).toEqual({ market: 'XNYS', days: 0 });
    expect(leastCalendarDataLeft(fleet(['XNYS']), new Date(lastDay.getTime() - 90 * 86_400_000))?.days).toBe(
      90,
    );
  });

  it('leaves custom markets out (they have no data range), and is undefined for a fleet of them only', () => {
    expect(leastCalendarDataLeft(fleet(['GLOBEX'], { GLOBEX }), new Date())).toBeUndefined();
    expect(leastCalendarDataLeft(fleet(['GLOBEX', 'XLON'], { GLOBEX }), new Date())?.market).toBe('XLON');
  });
});
