import type { ExchangeCalendarData } from '../data.ts';

const SOURCE =
  'Euronext trading hours and holidays, https://www.euronext.com/en/trade/trading-hours-holidays';

const RULE =
  "Euronext's calendar rule as its 2019 holiday calendar announcement states it: closed on New Year's Day, Good Friday, Easter Monday, 1 May, 25 and 26 December, half-day trading to 14:05 on a weekday 24 and 31 December";

/**
 * Euronext Paris cash market: continuous trading 09:00-17:30 with the closing auction after it. Euronext
 * keeps one calendar for all its markets; on a weekday Christmas Eve and New Year's Eve trading closes at
 * 14:05.
 */
export const XPAR: ExchangeCalendarData = {
  mic: 'XPAR',
  name: 'Euronext Paris',
  timeZone: 'Europe/Paris',
  sessions: [{ open: '09:00', close: '17:30' }],
  tradingWeekdays: [1, 2, 3, 4, 5],
  dataFrom: '2025-01-01',
  dataTo: '2028-12-31',
  years: {
    2025: {
      source: `${SOURCE} (2025 computed from ${RULE}; Euronext's own 2025 announcement was not read)`,
      closures: {
        '2025-01-01': "New Year's Day",
        '2025-04-18': 'Good Friday',
        '2025-04-21': 'Easter Monday',
        '2025-05-01': 'Labour Day',
        '2025-12-25': 'Christmas Day',
        '2025-12-26': 'Boxing Day',
      },
      earlyCloses: {
        '2025-12-24': { close: '14:05', note: 'Christmas Eve' },
        '2025-12-31': { close: '14:05', note: "New Year's Eve" },
      },
    },
    2026: {
      source: `${SOURCE} (2026 computed from ${RULE}; Euronext's own 2026 announcement was not read)`,
      closures: {
        '2026-01-01': "New Year's Day",
        '2026-04-03': 'Good Friday',
        '2026-04-06': 'Easter Monday',
        '2026-05-01': 'Labour Day',
        '2026-12-25': 'Christmas Day',
      },
      earlyCloses: {
        '2026-12-24': { close: '14:05', note: 'Christmas Eve' },
        '2026-12-31': { close: '14:05', note: "New Year's Eve" },
      },
    },
    2027: {
      source: `${SOURCE} (2027 computed from ${RULE}; Euronext's own 2027 announcement was not read)`,
      closures: {
        '2027-01-01': "New Year's Day",
        '2027-03-26': 'Good Friday',
        '2027-03-29': 'Easter Monday',
      },
      earlyCloses: {
        '2027-12-24': { close: '14:05', note: 'Christmas Eve' },
        '2027-12-31': { close: '14:05', note: "New Year's Eve" },
      },
    },
    2028: {
      source: `${SOURCE} (2028 computed from ${RULE}; Euronext's own 2028 announcement was not read)`,
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
};
