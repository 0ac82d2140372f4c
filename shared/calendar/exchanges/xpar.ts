import { closesAt, type ExchangeCalendarData, exchangeCalendar } from '../data.ts';

const SOURCE =
  'Euronext trading hours and holidays, https://www.euronext.com/en/trade/trading-hours-holidays';

const RULE =
  "Euronext's calendar rule as its 2019 holiday calendar announcement states it: closed on New Year's Day, Good Friday, Easter Monday, 1 May, 25 and 26 December, half-day trading to 14:05 on a weekday 24 and 31 December";

function source(year: number): string {
  return `${SOURCE} (${year} computed from ${RULE}; Euronext's own ${year} announcement was not read)`;
}

/** Half-day trading, to 14:05. */
const halfDay = closesAt('14:05');

/**
 * Euronext Paris cash market: continuous trading 09:00-17:30 with the closing auction after it. Euronext
 * keeps one calendar for all its markets; on a weekday Christmas Eve and New Year's Eve trading closes at
 * 14:05.
 */
export const XPAR: ExchangeCalendarData = exchangeCalendar({
  mic: 'XPAR',
  name: 'Euronext Paris',
  timeZone: 'Europe/Paris',
  sessions: [{ open: '09:00', close: '17:30' }],
  years: {
    2025: {
      source: source(2025),
      closures: {
        '2025-01-01': "New Year's Day",
        '2025-04-18': 'Good Friday',
        '2025-04-21': 'Easter Monday',
        '2025-05-01': 'Labour Day',
        '2025-12-25': 'Christmas Day',
        '2025-12-26': 'Boxing Day',
      },
      earlyCloses: {
        '2025-12-24': halfDay('Christmas Eve'),
        '2025-12-31': halfDay("New Year's Eve"),
      },
    },
    2026: {
      source: source(2026),
      closures: {
        '2026-01-01': "New Year's Day",
        '2026-04-03': 'Good Friday',
        '2026-04-06': 'Easter Monday',
        '2026-05-01': 'Labour Day',
        '2026-12-25': 'Christmas Day',
      },
      earlyCloses: {
        '2026-12-24': halfDay('Christmas Eve'),
        '2026-12-31': halfDay("New Year's Eve"),
      },
    },
    2027: {
      source: source(2027),
      closures: {
        '2027-01-01': "New Year's Day",
        '2027-03-26': 'Good Friday',
        '2027-03-29': 'Easter Monday',
      },
      earlyCloses: {
        '2027-12-24': halfDay('Christmas Eve'),
        '2027-12-31': halfDay("New Year's Eve"),
      },
    },
    2028: {
      source: source(2028),
      closures: {
        '2028-04-14': 'Good Friday',
        '2028-04-17': 'Easter Monday',
        '2028-05-01': 'Labour Day',
        '2028-12-25': 'Christmas Day',
        '2028-12-26': 'Boxing Day',
      },
      earlyCloses: {},
    },
  },
});
