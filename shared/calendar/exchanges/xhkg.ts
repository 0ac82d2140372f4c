import { type EarlyClose, type ExchangeCalendarData, exchangeCalendar } from '../data.ts';

const SOURCE =
  'HKEX trading hours and holidays, https://www.hkex.com.hk/Services/Trading-hours-and-Severe-Weather-Arrangements/Trading-Hours/Securities-Market?sc_lang=en';

/** A year's source; the holidays of a year not yet `gazetted` are computed ahead of the government's list. */
function source(year: number, { gazetted }: { gazetted: boolean }): string {
  const ahead = gazetted ? '' : ', not yet gazetted';
  return `${SOURCE} (${year}: the general holidays that fall on weekdays, computed from the General Holidays Ordinance and the Chinese calendar${ahead}; the government's list, https://www.gov.hk/en/about/abouthk/holiday/, was not read); python-holidays 0.105 (financial XHKG) agrees on the closures; the half days follow exchange_calendars' XHKG rule`;
}

/** A weekday eve of Lunar New Year, Christmas or New Year: the morning session alone. */
function morningOnly(eve: string): EarlyClose {
  return { close: '12:00', note: `${eve}: morning session only` };
}

/**
 * Hong Kong securities market: morning session 09:30-12:00 and afternoon session 13:00-16:00 (the Extended
 * Morning Session over lunch is open only to securities the exchange designates). On the eves of Lunar New
 * Year, Christmas and New Year that are weekdays there is no afternoon session. Closed on the general holidays
 * that fall on weekdays; a Saturday holiday gets no substitute, a Sunday one moves to the next weekday.
 * Closures for typhoons and black rainstorms are announced on the day and are not here.
 */
export const XHKG: ExchangeCalendarData = exchangeCalendar({
  mic: 'XHKG',
  name: 'Hong Kong Stock Exchange',
  timeZone: 'Asia/Hong_Kong',
  sessions: [
    { open: '09:30', close: '12:00' },
    { open: '13:00', close: '16:00' },
  ],
  years: {
    2025: {
      source: source(2025, { gazetted: true }),
      closures: {
        '2025-01-01': "New Year's Day",
        '2025-01-29': "Lunar New Year's Day",
        '2025-01-30': 'The second day of Lunar New Year',
        '2025-01-31': 'The third day of Lunar New Year',
        '2025-04-04': 'Ching Ming Festival',
        '2025-04-18': 'Good Friday',
        '2025-04-21': 'Easter Monday',
        '2025-05-01': 'Labour Day',
        '2025-05-05': 'The Birthday of the Buddha',
        '2025-07-01': 'HKSAR Establishment Day',
        '2025-10-01': 'National Day',
        '2025-10-07': 'The day following the Mid-Autumn Festival',
        '2025-10-29': 'Chung Yeung Festival',
        '2025-12-25': 'Christmas Day',
        '2025-12-26': 'The first weekday after Christmas Day',
      },
      earlyCloses: {
        '2025-01-28': morningOnly("Lunar New Year's Eve"),
        '2025-12-24': morningOnly('Christmas Eve'),
        '2025-12-31': morningOnly("New Year's Eve"),
      },
    },
    2026: {
      source: source(2026, { gazetted: true }),
      closures: {
        '2026-01-01': "New Year's Day",
        '2026-02-17': "Lunar New Year's Day",
        '2026-02-18': 'The second day of Lunar New Year',
        '2026-02-19': 'The third day of Lunar New Year',
        '2026-04-03': 'Good Friday',
        '2026-04-06': 'The day following Ching Ming Festival',
        '2026-04-07': 'The day following Easter Monday',
        '2026-05-01': 'Labour Day',
        '2026-05-25': 'The day following the Birthday of the Buddha',
        '2026-06-19': 'Tuen Ng Festival',
        '2026-07-01': 'HKSAR Establishment Day',
        '2026-10-01': 'National Day',
        '2026-10-19': 'The day following Chung Yeung Festival',
        '2026-12-25': 'Christmas Day',
      },
      earlyCloses: {
        '2026-02-16': morningOnly("Lunar New Year's Eve"),
        '2026-12-24': morningOnly('Christmas Eve'),
        '2026-12-31': morningOnly("New Year's Eve"),
      },
    },
    2027: {
      source: source(2027, { gazetted: true }),
      closures: {
        '2027-01-01': "New Year's Day",
        '2027-02-08': 'The third day of Lunar New Year',
        '2027-02-09': 'The fourth day of Lunar New Year (in place of the second day, a Sunday)',
        '2027-03-26': 'Good Friday',
        '2027-03-29': 'Easter Monday',
        '2027-04-05': 'Ching Ming Festival',
        '2027-05-13': 'The Birthday of the Buddha',
        '2027-06-09': 'Tuen Ng Festival',
        '2027-07-01': 'HKSAR Establishment Day',
        '2027-09-16': 'The day following the Mid-Autumn Festival',
        '2027-10-01': 'National Day',
        '2027-10-08': 'Chung Yeung Festival',
        '2027-12-27': 'The first weekday after Christmas Day',
      },
      earlyCloses: {
        '2027-02-05': morningOnly("Lunar New Year's Eve"),
        '2027-12-24': morningOnly('Christmas Eve'),
        '2027-12-31': morningOnly("New Year's Eve"),
      },
    },
    2028: {
      source: source(2028, { gazetted: false }),
      closures: {
        '2028-01-26': "Lunar New Year's Day",
        '2028-01-27': 'The second day of Lunar New Year',
        '2028-01-28': 'The third day of Lunar New Year',
        '2028-04-04': 'Ching Ming Festival',
        '2028-04-14': 'Good Friday',
        '2028-04-17': 'Easter Monday',
        '2028-05-01': 'Labour Day',
        '2028-05-02': 'The Birthday of the Buddha',
        '2028-05-29': 'The day following Tuen Ng Festival',
        '2028-10-02': 'The day following National Day',
        '2028-10-04': 'The day following the Mid-Autumn Festival',
        '2028-10-26': 'Chung Yeung Festival',
        '2028-12-25': 'Christmas Day',
        '2028-12-26': 'The first weekday after Christmas Day',
      },
      earlyCloses: {
        '2028-01-25': morningOnly("Lunar New Year's Eve"),
      },
    },
  },
});
