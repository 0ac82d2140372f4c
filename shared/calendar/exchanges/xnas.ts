import { type ExchangeCalendarData, exchangeCalendar, yearsFollowing } from '../data.ts';
import { XNYS } from './xnys.ts';

const NASDAQ_SOURCE =
  'Nasdaq Trader, U.S. market holidays, https://www.nasdaqtrader.com/trader.aspx?id=calendar';

const SAME_AS_NYSE =
  "dates as in NYSE's published calendar, which Nasdaq keeps; python-holidays 0.105 (financial XNAS) agrees";

/**
 * Nasdaq closes and closes early on the same days as NYSE (both keep the U.S. equity market holiday
 * schedule, and both closed for the 2025-01-09 day of mourning), so its dates and hours are NYSE's. If the
 * two ever part, write Nasdaq's own dates here.
 */
export const XNAS: ExchangeCalendarData = exchangeCalendar({
  mic: 'XNAS',
  name: 'Nasdaq Stock Market',
  timeZone: XNYS.timeZone,
  sessions: XNYS.sessions,
  tradingWeekdays: XNYS.tradingWeekdays,
  years: yearsFollowing(XNYS, (nyse, year) => ({
    ...nyse,
    source: `${NASDAQ_SOURCE} (${year}); ${SAME_AS_NYSE}`,
  })),
});
