import type { ExchangeCalendarData } from '../data.ts';

const SOURCE = 'Eurex trading calendar and trading hours, https://www.eurex.com/ex-en/trade/trading-calendar';

const RULE =
  "Eurex's holiday rule for EURO STOXX 50 futures: no trading on New Year's Day, Good Friday, Easter Monday, 1 May and 24-26 and 31 December";

/**
 * Eurex, as its main equity-index future trades it: EURO STOXX 50 Index Futures (FESX), continuous trading
 * 01:10-22:00 Frankfurt time (pre-trading from 01:00). Eurex opens these extended hours at a fixed time for
 * Asia (08:10 Singapore), which is 02:10 during German summer time: the data keeps 01:10 all year, so in
 * summer capacity comes back an hour before it is needed, never after. Xetra's short last trading day does
 * not shorten FESX, so there are no early closes.
 */
export const XEUR: ExchangeCalendarData = {
  mic: 'XEUR',
  name: 'Eurex (EURO STOXX 50 futures)',
  timeZone: 'Europe/Berlin',
  sessions: [{ open: '01:10', close: '22:00' }],
  tradingWeekdays: [1, 2, 3, 4, 5],
  dataFrom: '2025-01-01',
  dataTo: '2028-12-31',
  years: {
    2025: {
      source: `${SOURCE} (2025 computed from ${RULE}; Eurex's 2025 calendar itself was not read); neither exchange_calendars nor python-holidays has a Eurex calendar to compare`,
      closures: {
        '2025-01-01': "New Year's Day",
        '2025-04-18': 'Good Friday',
        '2025-04-21': 'Easter Monday',
        '2025-05-01': 'Labour Day',
        '2025-12-24': 'Christmas Eve',
        '2025-12-25': 'Christmas Day',
        '2025-12-26': 'Boxing Day (Second Day of Christmas)',
        '2025-12-31': "New Year's Eve",
      },
      earlyCloses: {},
    },
    2026: {
      source: `${SOURCE} (2026 computed from ${RULE}; Eurex's 2026 calendar itself was not read); neither exchange_calendars nor python-holidays has a Eurex calendar to compare`,
      closures: {
        '2026-01-01': "New Year's Day",
        '2026-04-03': 'Good Friday',
        '2026-04-06': 'Easter Monday',
        '2026-05-01': 'Labour Day',
        '2026-12-24': 'Christmas Eve',
        '2026-12-25': 'Christmas Day',
        '2026-12-31': "New Year's Eve",
      },
      earlyCloses: {},
    },
    2027: {
      source: `${SOURCE} (2027 computed from ${RULE}; Eurex's 2027 calendar itself was not read); neither exchange_calendars nor python-holidays has a Eurex calendar to compare`,
      closures: {
        '2027-01-01': "New Year's Day",
        '2027-03-26': 'Good Friday',
        '2027-03-29': 'Easter Monday',
        '2027-12-24': 'Christmas Eve',
        '2027-12-31': "New Year's Eve",
      },
      earlyCloses: {},
    },
    2028: {
      source: `${SOURCE} (2028 computed from ${RULE}; Eurex's 2028 calendar itself was not read); neither exchange_calendars nor python-holidays has a Eurex calendar to compare`,
      closures: {
        '2028-04-14': 'Good Friday',
        '2028-04-17': 'Easter Monday',
        '2028-05-01': 'Labour Day',
        '2028-12-25': 'Christmas Day',
        '2028-12-26': 'Boxing Day (Second Day of Christmas)',
      },
      earlyCloses: {},
    },
  },
};
