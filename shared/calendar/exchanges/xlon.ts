import { closesAt, type ExchangeCalendarData, exchangeCalendar } from '../data.ts';

const LSE_SOURCE =
  'London Stock Exchange trading calendar (business days and holidays), https://www.londonstockexchange.com/';

/** A half day: trading ends at 12:30. */
const halfDay = closesAt('12:30');

export const XLON: ExchangeCalendarData = exchangeCalendar({
  mic: 'XLON',
  name: 'London Stock Exchange',
  timeZone: 'Europe/London',
  sessions: [{ open: '08:00', close: '16:30' }],
  years: {
    2025: {
      source: `${LSE_SOURCE} (2025; England and Wales bank holidays)`,
      closures: {
        '2025-01-01': "New Year's Day",
        '2025-04-18': 'Good Friday',
        '2025-04-21': 'Easter Monday',
        '2025-05-05': 'Early May bank holiday',
        '2025-05-26': 'Spring bank holiday',
        '2025-08-25': 'Summer bank holiday',
        '2025-12-25': 'Christmas Day',
        '2025-12-26': 'Boxing Day',
      },
      earlyCloses: {
        '2025-12-24': halfDay('Christmas Eve'),
        '2025-12-31': halfDay("New Year's Eve"),
      },
    },
    2026: {
      source: `${LSE_SOURCE} (2026; England and Wales bank holidays)`,
      closures: {
        '2026-01-01': "New Year's Day",
        '2026-04-03': 'Good Friday',
        '2026-04-06': 'Easter Monday',
        '2026-05-04': 'Early May bank holiday',
        '2026-05-25': 'Spring bank holiday',
        '2026-08-31': 'Summer bank holiday',
        '2026-12-25': 'Christmas Day',
        '2026-12-28': 'Boxing Day (substitute day)',
      },
      earlyCloses: {
        '2026-12-24': halfDay('Christmas Eve'),
        '2026-12-31': halfDay("New Year's Eve"),
      },
    },
    2027: {
      source: `${LSE_SOURCE} (2027; England and Wales bank holidays)`,
      closures: {
        '2027-01-01': "New Year's Day",
        '2027-03-26': 'Good Friday',
        '2027-03-29': 'Easter Monday',
        '2027-05-03': 'Early May bank holiday',
        '2027-05-31': 'Spring bank holiday',
        '2027-08-30': 'Summer bank holiday',
        '2027-12-27': 'Christmas Day (substitute day)',
        '2027-12-28': 'Boxing Day (substitute day)',
      },
      earlyCloses: {
        '2027-12-24': halfDay('Christmas Eve'),
        '2027-12-31': halfDay("New Year's Eve"),
      },
    },
    2028: {
      // Christmas Eve and New Year's Eve fall on Sundays: the Fridays before close early, as on 2023-12-22/29.
      source: `${LSE_SOURCE} (2028 not yet published: computed from the England and Wales bank holiday rules and LSE's half-day rule for a weekend Christmas Eve or New Year's Eve; python-holidays 0.105 (financial XLON) agrees on the closures, and exchange_calendars' XLON tests use the same weekend half-day rule)`,
      closures: {
        '2028-01-03': "New Year's Day (substitute day)",
        '2028-04-14': 'Good Friday',
        '2028-04-17': 'Easter Monday',
        '2028-05-01': 'Early May bank holiday',
        '2028-05-29': 'Spring bank holiday',
        '2028-08-28': 'Summer bank holiday',
        '2028-12-25': 'Christmas Day',
        '2028-12-26': 'Boxing Day',
      },
      earlyCloses: {
        '2028-12-22': halfDay('last trading day before Christmas'),
        '2028-12-29': halfDay("last trading day before New Year's Day"),
      },
    },
  },
});
