import { closesAt, type ExchangeCalendarData, exchangeCalendar } from '../data.ts';

const NYSE_SOURCE = 'NYSE holidays & trading hours, https://www.nyse.com/markets/hours-calendars';

/** An early close: trading ends at 13:00 New York time. */
const earlyClose = closesAt('13:00');

export const XNYS: ExchangeCalendarData = exchangeCalendar({
  mic: 'XNYS',
  name: 'New York Stock Exchange',
  timeZone: 'America/New_York',
  sessions: [{ open: '09:30', close: '16:00' }],
  years: {
    2025: {
      source: `${NYSE_SOURCE} (2025); 2025-01-09 closure: NYSE notice of 2024-12-30, national day of mourning for President Jimmy Carter`,
      closures: {
        '2025-01-01': "New Year's Day",
        '2025-01-09': 'National Day of Mourning for President Jimmy Carter (ad-hoc closure)',
        '2025-01-20': 'Martin Luther King, Jr. Day',
        '2025-02-17': "Washington's Birthday",
        '2025-04-18': 'Good Friday',
        '2025-05-26': 'Memorial Day',
        '2025-06-19': 'Juneteenth National Independence Day',
        '2025-07-04': 'Independence Day',
        '2025-09-01': 'Labor Day',
        '2025-11-27': 'Thanksgiving Day',
        '2025-12-25': 'Christmas Day',
      },
      earlyCloses: {
        '2025-07-03': earlyClose('day before Independence Day'),
        '2025-11-28': earlyClose('day after Thanksgiving'),
        '2025-12-24': earlyClose('Christmas Eve'),
      },
    },
    2026: {
      source: `${NYSE_SOURCE} (2026)`,
      closures: {
        '2026-01-01': "New Year's Day",
        '2026-01-19': 'Martin Luther King, Jr. Day',
        '2026-02-16': "Washington's Birthday",
        '2026-04-03': 'Good Friday',
        '2026-05-25': 'Memorial Day',
        '2026-06-19': 'Juneteenth National Independence Day',
        '2026-07-03': 'Independence Day (observed)',
        '2026-09-07': 'Labor Day',
        '2026-11-26': 'Thanksgiving Day',
        '2026-12-25': 'Christmas Day',
      },
      earlyCloses: {
        '2026-11-27': earlyClose('day after Thanksgiving'),
        '2026-12-24': earlyClose('Christmas Eve'),
      },
    },
    2027: {
      source: `${NYSE_SOURCE} (2027)`,
      closures: {
        '2027-01-01': "New Year's Day",
        '2027-01-18': 'Martin Luther King, Jr. Day',
        '2027-02-15': "Washington's Birthday",
        '2027-03-26': 'Good Friday',
        '2027-05-31': 'Memorial Day',
        '2027-06-18': 'Juneteenth National Independence Day (observed)',
        '2027-07-05': 'Independence Day (observed)',
        '2027-09-06': 'Labor Day',
        '2027-11-25': 'Thanksgiving Day',
        '2027-12-24': 'Christmas Day (observed)',
      },
      earlyCloses: {
        '2027-11-26': earlyClose('day after Thanksgiving'),
      },
    },
    2028: {
      // New Year's Day falls on a Saturday: no holiday is observed (NYSE Rule 7.2).
      source: `${NYSE_SOURCE} (2028, in NYSE Group's 2026-2028 holiday and early closings calendar of 2025-12-23); python-holidays 0.105 (financial XNYS) agrees`,
      closures: {
        '2028-01-17': 'Martin Luther King, Jr. Day',
        '2028-02-21': "Washington's Birthday",
        '2028-04-14': 'Good Friday',
        '2028-05-29': 'Memorial Day',
        '2028-06-19': 'Juneteenth National Independence Day',
        '2028-07-04': 'Independence Day',
        '2028-09-04': 'Labor Day',
        '2028-11-23': 'Thanksgiving Day',
        '2028-12-25': 'Christmas Day',
      },
      earlyCloses: {
        '2028-07-03': earlyClose('day before Independence Day'),
        '2028-11-24': earlyClose('day after Thanksgiving'),
      },
    },
  },
});
