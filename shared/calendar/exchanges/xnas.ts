import type { CalendarYear, ExchangeCalendarData } from '../data.ts';
import { XNYS } from './xnys.ts';

const NASDAQ_SOURCE =
  'Nasdaq Trader, U.S. market holidays, https://www.nasdaqtrader.com/trader.aspx?id=calendar';

/**
 * Nasdaq closes and closes early on the same days as NYSE (both keep the U.S. equity market holiday
 * schedule, and both closed for the 2025-01-09 day of mourning), so its dates are NYSE's. If the two ever
 * part, write Nasdaq's own dates here.
 */
function nasdaqYear(year: number, check: string): CalendarYear {
  const nyse = XNYS.years[year];
  if (nyse === undefined) throw new RangeError(`XNYS has no ${year} calendar for XNAS to follow`);
  return { ...nyse, source: `${NASDAQ_SOURCE} (${year}); ${check}` };
}

const SAME_AS_NYSE =
  "dates as in NYSE's published calendar, which Nasdaq keeps; python-holidays 0.105 (financial XNAS) agrees";

export const XNAS: ExchangeCalendarData = {
  mic: 'XNAS',
  name: 'Nasdaq Stock Market',
  timeZone: XNYS.timeZone,
  sessions: XNYS.sessions,
  tradingWeekdays: XNYS.tradingWeekdays,
  dataFrom: XNYS.dataFrom,
  dataTo: XNYS.dataTo,
  years: {
    2025: nasdaqYear(2025, SAME_AS_NYSE),
    2026: nasdaqYear(2026, SAME_AS_NYSE),
    2027: nasdaqYear(2027, SAME_AS_NYSE),
    2028: nasdaqYear(2028, SAME_AS_NYSE),
  },
};
