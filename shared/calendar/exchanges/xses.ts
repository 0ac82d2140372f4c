import { type EarlyClose, type ExchangeCalendarData, exchangeCalendar } from '../data.ts';

const SOURCE = 'SGX securities trading hours and market holidays, https://www.sgx.com/securities/trading';

/** A weekday eve of Chinese New Year, Christmas or New Year: the morning session alone. */
function halfDay(eve: string): EarlyClose {
  return { close: '12:00', note: `${eve}: half-day trading, no afternoon session` };
}

/**
 * SGX securities market: trading 09:00-12:00 and 13:00-17:00 around the midday break (the closing routine
 * and trade-at-close run to about 17:16). On the eves of Chinese New Year, Christmas and New Year that are
 * weekdays there is half-day trading, with no afternoon session. A public holiday on a Sunday is observed on
 * the Monday; one on a Saturday is not moved.
 */
export const XSES: ExchangeCalendarData = exchangeCalendar({
  mic: 'XSES',
  name: 'Singapore Exchange',
  timeZone: 'Asia/Singapore',
  sessions: [
    { open: '09:00', close: '12:00' },
    { open: '13:00', close: '17:00' },
  ],
  years: {
    2025: {
      source: `${SOURCE} (Singapore public holidays gazetted by the Ministry of Manpower (https://www.mom.gov.sg/employment-practices/public-holidays), 2025); python-holidays 0.105 (financial XSES) agrees on the closures`,
      closures: {
        '2025-01-01': "New Year's Day",
        '2025-01-29': 'Chinese New Year',
        '2025-01-30': 'Chinese New Year',
        '2025-03-31': 'Hari Raya Puasa',
        '2025-04-18': 'Good Friday',
        '2025-05-01': 'Labour Day',
        '2025-05-12': 'Vesak Day',
        '2025-10-20': 'Deepavali',
        '2025-12-25': 'Christmas Day',
      },
      earlyCloses: {
        '2025-01-28': halfDay('Eve of Chinese New Year'),
        '2025-12-24': halfDay('Christmas Eve'),
        '2025-12-31': halfDay("New Year's Eve"),
      },
    },
    2026: {
      source: `${SOURCE} (Singapore public holidays gazetted by the Ministry of Manpower (https://www.mom.gov.sg/employment-practices/public-holidays), 2026, announced in 2025); python-holidays 0.105 (financial XSES) agrees on the closures`,
      closures: {
        '2026-01-01': "New Year's Day",
        '2026-02-17': 'Chinese New Year',
        '2026-02-18': 'Chinese New Year',
        '2026-04-03': 'Good Friday',
        '2026-05-01': 'Labour Day',
        '2026-05-27': 'Hari Raya Haji',
        '2026-06-01': 'Vesak Day (observed)',
        '2026-08-10': 'National Day (observed)',
        '2026-11-09': 'Deepavali (observed)',
        '2026-12-25': 'Christmas Day',
      },
      earlyCloses: {
        '2026-02-16': halfDay('Eve of Chinese New Year'),
        '2026-12-24': halfDay('Christmas Eve'),
        '2026-12-31': halfDay("New Year's Eve"),
      },
    },
    2027: {
      source: `${SOURCE} (Singapore public holidays gazetted by the Ministry of Manpower (https://www.mom.gov.sg/employment-practices/public-holidays), 2027, announced in 2026: dates as python-holidays 0.105 (financial XSES) carries them from MOM's page of June 2026, which was not read here)`,
      closures: {
        '2027-01-01': "New Year's Day",
        '2027-02-08': 'Chinese New Year (observed)',
        '2027-03-10': 'Hari Raya Puasa',
        '2027-03-26': 'Good Friday',
        '2027-05-17': 'Hari Raya Haji',
        '2027-05-20': 'Vesak Day',
        '2027-08-09': 'National Day',
        '2027-10-28': 'Deepavali',
      },
      earlyCloses: {
        '2027-02-05': halfDay('Eve of Chinese New Year'),
        '2027-12-24': halfDay('Christmas Eve'),
        '2027-12-31': halfDay("New Year's Eve"),
      },
    },
    2028: {
      source: `${SOURCE} (2028 not yet gazetted: New Year, Chinese New Year, Good Friday, Labour Day, National Day and Christmas computed from their rules; Hari Raya Puasa, Hari Raya Haji, Vesak Day and Deepavali depend on almanacs MOM consults and are left out until MOM announces 2028 (estimates disagree: Deepavali 2028-10-17 or 2028-11-15), since a missing holiday only keeps capacity back while a wrong one would lend it during trading)`,
      closures: {
        '2028-01-26': 'Chinese New Year',
        '2028-01-27': 'Chinese New Year',
        '2028-04-14': 'Good Friday',
        '2028-05-01': 'Labour Day',
        '2028-08-09': 'National Day',
        '2028-12-25': 'Christmas Day',
      },
      earlyCloses: {
        '2028-01-25': halfDay('Eve of Chinese New Year'),
      },
    },
  },
});
