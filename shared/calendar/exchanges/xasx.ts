import { closesAt, type ExchangeCalendarData, exchangeCalendar } from '../data.ts';

const SOURCE =
  'ASX trading calendar, https://www.asx.com.au/markets/market-resources/trading-hours-calendar/cash-market-trading-hours/trading-calendar';

/** Trading ends at 14:10 on the last trading days before Christmas and of the year. */
const earlyClose = closesAt('14:10');

/**
 * ASX cash market (Sydney): normal trading 10:00-16:00 (the closing auction follows at about 16:10). On the
 * last trading day before Christmas and of the calendar year trading closes at 14:10.
 */
export const XASX: ExchangeCalendarData = exchangeCalendar({
  mic: 'XASX',
  name: 'Australian Securities Exchange',
  timeZone: 'Australia/Sydney',
  sessions: [{ open: '10:00', close: '16:00' }],
  years: {
    2025: {
      source: `${SOURCE} (2025, closures and the 14:10 early closes as ASX published them); python-holidays 0.105 (financial XASX) and exchange_calendars' XASX rules agree on the closures`,
      closures: {
        '2025-01-01': "New Year's Day",
        '2025-01-27': 'Australia Day (observed)',
        '2025-04-18': 'Good Friday',
        '2025-04-21': 'Easter Monday',
        '2025-04-25': 'Anzac Day',
        '2025-06-09': "King's Birthday",
        '2025-12-25': 'Christmas Day',
        '2025-12-26': 'Boxing Day',
      },
      earlyCloses: {
        '2025-12-24': earlyClose('Christmas Eve'),
        '2025-12-31': earlyClose("New Year's Eve"),
      },
    },
    2026: {
      source: `${SOURCE} (2026; the same holidays are on ASX's published 2026 ASX 24 calendar, https://www.asx.com.au/markets/market-resources/asx-24-trading-calendar; the 14:10 early closes computed from ASX's rule); python-holidays 0.105 (financial XASX) and exchange_calendars' XASX rules agree on the closures and the early closes`,
      closures: {
        '2026-01-01': "New Year's Day",
        '2026-01-26': 'Australia Day',
        '2026-04-03': 'Good Friday',
        '2026-04-06': 'Easter Monday',
        '2026-06-08': "King's Birthday",
        '2026-12-25': 'Christmas Day',
        '2026-12-28': 'Boxing Day (observed)',
      },
      earlyCloses: {
        '2026-12-24': earlyClose('Christmas Eve'),
        '2026-12-31': earlyClose("New Year's Eve"),
      },
    },
    2027: {
      source: `${SOURCE} (2027 computed from ASX's rules; not yet published); python-holidays 0.105 (financial XASX) and exchange_calendars' XASX rules agree on the closures and the 14:10 early closes`,
      closures: {
        '2027-01-01': "New Year's Day",
        '2027-01-26': 'Australia Day',
        '2027-03-26': 'Good Friday',
        '2027-03-29': 'Easter Monday',
        '2027-06-14': "King's Birthday",
        '2027-12-27': 'Christmas Day (observed)',
        '2027-12-28': 'Boxing Day (observed)',
      },
      earlyCloses: {
        '2027-12-24': earlyClose('Christmas Eve'),
        '2027-12-31': earlyClose("New Year's Eve"),
      },
    },
    2028: {
      source: `${SOURCE} (2028 computed from ASX's rules; not yet published); python-holidays 0.105 (financial XASX) and exchange_calendars' XASX rules agree on the closures. Christmas Eve and New Year's Eve are Sundays: exchange_calendars would close the Fridays before at 14:10, but ASX did not in 2022, so those Fridays stay full days until ASX publishes 2028 (a missed early close keeps capacity back two hours; a wrong one would lend it during trading)`,
      closures: {
        '2028-01-03': "New Year's Day (observed)",
        '2028-01-26': 'Australia Day',
        '2028-04-14': 'Good Friday',
        '2028-04-17': 'Easter Monday',
        '2028-04-25': 'Anzac Day',
        '2028-06-12': "King's Birthday",
        '2028-12-25': 'Christmas Day',
        '2028-12-26': 'Boxing Day',
      },
      earlyCloses: {},
    },
  },
});
