import { type EarlyClose, type ExchangeCalendarData, exchangeCalendar } from '../data.ts';

const SOURCE = 'Xetra trading calendar, https://www.xetra.com/xetra-en/newsroom/trading-calendar';

/** A year's source; `closeAnnounced` says whether that December's announcement of the 14:00 close was read. */
function source(year: number, { closeAnnounced }: { closeAnnounced: boolean }): string {
  const unread = closeAnnounced
    ? ''
    : " (expected as in earlier years; this year's announcement was not read)";
  return `${SOURCE} (${year}: closures from Deutsche Börse's list of non-trading days for 2024-2029; python-holidays 0.105 (financial XETR) agrees; the 14:00 close on the last trading day of the year is announced each December and follows exchange_calendars' XETR rule${unread})`;
}

/** The year's last trading day, when trading ends at 14:00. */
function lastTradingDayOfYear(date: string): Record<string, EarlyClose> {
  return { [date]: { close: '14:00', note: 'last trading day of the year' } };
}

/**
 * Xetra (Deutsche Börse, Frankfurt) cash equities: continuous trading 09:00-17:30 with the closing auction
 * after it. Closed on New Year's Day, Good Friday, Easter Monday, 1 May and 24-26 and 31 December (German
 * public holidays that are not on this list are trading days). On the year's last trading day trading ends
 * at 14:00.
 */
export const XETR: ExchangeCalendarData = exchangeCalendar({
  mic: 'XETR',
  name: 'Xetra (Deutsche Börse)',
  timeZone: 'Europe/Berlin',
  sessions: [{ open: '09:00', close: '17:30' }],
  years: {
    2025: {
      source: source(2025, { closeAnnounced: true }),
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
      earlyCloses: lastTradingDayOfYear('2025-12-30'),
    },
    2026: {
      source: source(2026, { closeAnnounced: false }),
      closures: {
        '2026-01-01': "New Year's Day",
        '2026-04-03': 'Good Friday',
        '2026-04-06': 'Easter Monday',
        '2026-05-01': 'Labour Day',
        '2026-12-24': 'Christmas Eve',
        '2026-12-25': 'Christmas Day',
        '2026-12-31': "New Year's Eve",
      },
      earlyCloses: lastTradingDayOfYear('2026-12-30'),
    },
    2027: {
      source: source(2027, { closeAnnounced: false }),
      closures: {
        '2027-01-01': "New Year's Day",
        '2027-03-26': 'Good Friday',
        '2027-03-29': 'Easter Monday',
        '2027-12-24': 'Christmas Eve',
        '2027-12-31': "New Year's Eve",
      },
      earlyCloses: lastTradingDayOfYear('2027-12-30'),
    },
    2028: {
      source: source(2028, { closeAnnounced: false }),
      closures: {
        '2028-04-14': 'Good Friday',
        '2028-04-17': 'Easter Monday',
        '2028-05-01': 'Labour Day',
        '2028-12-25': 'Christmas Day',
        '2028-12-26': 'Boxing Day (Second Day of Christmas)',
      },
      earlyCloses: lastTradingDayOfYear('2028-12-29'),
    },
  },
});
