import { closesAt, type ExchangeCalendarData, exchangeCalendar } from '../data.ts';

const SOURCE =
  'TMX Group trading calendar, https://www.tsx.com/en/trading/calendars-and-trading-hours/calendar';

/** Trading ends at 13:00 on a weekday Christmas Eve. */
const earlyClose = closesAt('13:00');

/**
 * Toronto Stock Exchange. Holidays falling on a weekend are observed on the next weekday (Christmas and
 * Boxing Day on the Monday and Tuesday after); on a weekday Christmas Eve the market closes at 13:00.
 */
export const XTSE: ExchangeCalendarData = exchangeCalendar({
  mic: 'XTSE',
  name: 'Toronto Stock Exchange',
  timeZone: 'America/Toronto',
  sessions: [{ open: '09:30', close: '16:00' }],
  years: {
    2025: {
      source: `${SOURCE} (2025; the Christmas closures and the 2025-12-24 13:00 close as in TMX's holiday operating schedule of 2025-12-03); exchange_calendars' XTSE rules and python-holidays 0.105 (financial XTSE) agree`,
      closures: {
        '2025-01-01': "New Year's Day",
        '2025-02-17': 'Family Day',
        '2025-04-18': 'Good Friday',
        '2025-05-19': 'Victoria Day',
        '2025-07-01': 'Canada Day',
        '2025-08-04': 'Civic Holiday',
        '2025-09-01': 'Labour Day',
        '2025-10-13': 'Thanksgiving Day',
        '2025-12-25': 'Christmas Day',
        '2025-12-26': 'Boxing Day',
      },
      earlyCloses: {
        '2025-12-24': earlyClose('Christmas Eve'),
      },
    },
    2026: {
      source: `${SOURCE} (2026 computed from TSX's holiday rules; TMX's own 2026 page was not read); exchange_calendars' XTSE rules and python-holidays 0.105 (financial XTSE) agree`,
      closures: {
        '2026-01-01': "New Year's Day",
        '2026-02-16': 'Family Day',
        '2026-04-03': 'Good Friday',
        '2026-05-18': 'Victoria Day',
        '2026-07-01': 'Canada Day',
        '2026-08-03': 'Civic Holiday',
        '2026-09-07': 'Labour Day',
        '2026-10-12': 'Thanksgiving Day',
        '2026-12-25': 'Christmas Day',
        '2026-12-28': 'Boxing Day (observed)',
      },
      earlyCloses: {
        '2026-12-24': earlyClose('Christmas Eve'),
      },
    },
    2027: {
      source: `${SOURCE} (2027 computed from TSX's holiday rules; not yet published); exchange_calendars' XTSE rules and python-holidays 0.105 (financial XTSE) agree`,
      closures: {
        '2027-01-01': "New Year's Day",
        '2027-02-15': 'Family Day',
        '2027-03-26': 'Good Friday',
        '2027-05-24': 'Victoria Day',
        '2027-07-01': 'Canada Day',
        '2027-08-02': 'Civic Holiday',
        '2027-09-06': 'Labour Day',
        '2027-10-11': 'Thanksgiving Day',
        '2027-12-27': 'Christmas Day (observed)',
        '2027-12-28': 'Boxing Day (observed)',
      },
      earlyCloses: {
        '2027-12-24': earlyClose('Christmas Eve'),
      },
    },
    2028: {
      source: `${SOURCE} (2028 computed from TSX's holiday rules; not yet published); exchange_calendars' XTSE rules and python-holidays 0.105 (financial XTSE) agree`,
      closures: {
        '2028-01-03': "New Year's Day (observed)",
        '2028-02-21': 'Family Day',
        '2028-04-14': 'Good Friday',
        '2028-05-22': 'Victoria Day',
        '2028-07-03': 'Canada Day (observed)',
        '2028-08-07': 'Civic Holiday',
        '2028-09-04': 'Labour Day',
        '2028-10-09': 'Thanksgiving Day',
        '2028-12-25': 'Christmas Day',
        '2028-12-26': 'Boxing Day',
      },
      earlyCloses: {},
    },
  },
});
