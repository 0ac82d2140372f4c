/**
 * Exchange calendars, shipped as data (npm has no maintained calendar with early closes). Each year names
 * the page its dates were taken from; update a year when the exchange revises it, and add the next year
 * before `dataTo` (calendarWarnings starts warning 90 days ahead).
 */

export interface EarlyClose {
  /** Local close time, HH:MM. */
  close: string;
  note: string;
}

export interface LateOpen {
  /** Local open time, HH:MM: the day's first session starts then (sessions that end before it are dropped). */
  open: string;
  note: string;
}

export interface CalendarYear {
  /** Where the dates come from, as published by the exchange (and whether exchange_calendars agrees). */
  source: string;
  /** Full-day closures (holidays and ad-hoc closures), local date → why. */
  closures: Readonly<Record<string, string>>;
  /** The day's last session ends at `close`; later sessions of that day (after a lunch break) are dropped. */
  earlyCloses: Readonly<Record<string, EarlyClose>>;
  lateOpens?: Readonly<Record<string, LateOpen>>;
}

/**
 * One regular session of a trading day, local HH:MM. A close at or before the open ends on the next local
 * day (a futures session that opens in the evening). Two sessions make a lunch break (Tokyo, Hong Kong).
 */
export interface RegularSession {
  open: string;
  close: string;
}

export interface ExchangeCalendarData {
  mic: string;
  name: string;
  timeZone: string;
  /** The regular sessions of a trading day, in order (local HH:MM). */
  sessions: readonly RegularSession[];
  /** ISO weekdays with a regular session (1 = Monday). */
  tradingWeekdays: readonly number[];
  /** Inclusive local dates the data covers; outside it, a weekday is assumed a trading day. */
  dataFrom: string;
  dataTo: string;
  years: Readonly<Record<number, CalendarYear>>;
}

const NYSE_SOURCE = 'NYSE holidays & trading hours, https://www.nyse.com/markets/hours-calendars';

export const XNYS: ExchangeCalendarData = {
  mic: 'XNYS',
  name: 'New York Stock Exchange',
  timeZone: 'America/New_York',
  sessions: [{ open: '09:30', close: '16:00' }],
  tradingWeekdays: [1, 2, 3, 4, 5],
  dataFrom: '2025-01-01',
  dataTo: '2027-12-31',
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
        '2025-07-03': { close: '13:00', note: 'day before Independence Day' },
        '2025-11-28': { close: '13:00', note: 'day after Thanksgiving' },
        '2025-12-24': { close: '13:00', note: 'Christmas Eve' },
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
        '2026-11-27': { close: '13:00', note: 'day after Thanksgiving' },
        '2026-12-24': { close: '13:00', note: 'Christmas Eve' },
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
        '2027-11-26': { close: '13:00', note: 'day after Thanksgiving' },
      },
    },
  },
};

const LSE_SOURCE =
  'London Stock Exchange trading calendar (business days and holidays), https://www.londonstockexchange.com/';

export const XLON: ExchangeCalendarData = {
  mic: 'XLON',
  name: 'London Stock Exchange',
  timeZone: 'Europe/London',
  sessions: [{ open: '08:00', close: '16:30' }],
  tradingWeekdays: [1, 2, 3, 4, 5],
  dataFrom: '2025-01-01',
  dataTo: '2027-12-31',
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
        '2025-12-24': { close: '12:30', note: 'Christmas Eve' },
        '2025-12-31': { close: '12:30', note: "New Year's Eve" },
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
        '2026-12-24': { close: '12:30', note: 'Christmas Eve' },
        '2026-12-31': { close: '12:30', note: "New Year's Eve" },
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
        '2027-12-24': { close: '12:30', note: 'Christmas Eve' },
        '2027-12-31': { close: '12:30', note: "New Year's Eve" },
      },
    },
  },
};
