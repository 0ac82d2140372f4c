import { type ExchangeCalendarData, exchangeCalendar, yearsFollowing } from '../data.ts';
import { XETR } from './xetr.ts';

const SOURCE = 'Eurex trading calendar and trading hours, https://www.eurex.com/ex-en/trade/trading-calendar';

const RULE =
  "Eurex's holiday rule for EURO STOXX 50 futures: no trading on New Year's Day, Good Friday, Easter Monday, 1 May and 24-26 and 31 December";

/**
 * Eurex, as its main equity-index future trades it: EURO STOXX 50 Index Futures (FESX), continuous trading
 * 01:10-22:00 Frankfurt time (pre-trading from 01:00). Eurex opens these extended hours at a fixed time for
 * Asia (08:10 Singapore), which is 02:10 during German summer time: the data keeps 01:10 all year, so in
 * summer capacity comes back an hour before it is needed, never after. Xetra's short last trading day does
 * not shorten FESX, so there are no early closes. Eurex's holiday rule names the same days as Xetra's list
 * of non-trading days, so its closures are Xetra's; if the two ever part, write Eurex's own dates here.
 */
export const XEUR: ExchangeCalendarData = exchangeCalendar({
  mic: 'XEUR',
  name: 'Eurex (EURO STOXX 50 futures)',
  timeZone: XETR.timeZone,
  sessions: [{ open: '01:10', close: '22:00' }],
  tradingWeekdays: XETR.tradingWeekdays,
  years: yearsFollowing(XETR, (xetra, year) => ({
    source: `${SOURCE} (${year} computed from ${RULE}; Eurex's ${year} calendar itself was not read); neither exchange_calendars nor python-holidays has a Eurex calendar to compare`,
    closures: xetra.closures,
    earlyCloses: {},
  })),
});
