import { type ExchangeCalendarData, exchangeCalendar } from '../data.ts';

const SOURCE = 'JPX market holidays, https://www.jpx.co.jp/english/corporate/about-jpx/calendar/index.html';

const RULE =
  "national holidays and their substitutes under the Act on National Holidays, and the exchange's 12-31..01-03 closure";

/**
 * Tokyo Stock Exchange cash equities. The morning session ends at 11:30 and the afternoon session runs
 * 12:30-15:30 (the close moved from 15:00 to 15:30 on 2024-11-05). The exchange is closed on national
 * holidays, their substitutes, and from December 31 to January 3; it publishes no early closes.
 */
export const XTKS: ExchangeCalendarData = exchangeCalendar({
  mic: 'XTKS',
  name: 'Tokyo Stock Exchange',
  timeZone: 'Asia/Tokyo',
  sessions: [
    { open: '09:00', close: '11:30' },
    { open: '12:30', close: '15:30' },
  ],
  years: {
    2025: {
      source: `${SOURCE} (2025: ${RULE}, equinox days as the National Astronomical Observatory of Japan announced them in February 2024; JPX's page was not read); python-holidays 0.105 (financial XJPX) agrees`,
      closures: {
        '2025-01-01': "New Year's Day",
        '2025-01-02': 'New Year holiday (market closed)',
        '2025-01-03': 'New Year holiday (market closed)',
        '2025-01-13': 'Coming of Age Day',
        '2025-02-11': 'National Foundation Day',
        '2025-02-24': "Emperor's Birthday (substitute holiday)",
        '2025-03-20': 'Vernal Equinox Day',
        '2025-04-29': 'Showa Day',
        '2025-05-05': "Children's Day",
        '2025-05-06': 'Greenery Day (substitute holiday)',
        '2025-07-21': 'Marine Day',
        '2025-08-11': 'Mountain Day',
        '2025-09-15': 'Respect for the Aged Day',
        '2025-09-23': 'Autumnal Equinox Day',
        '2025-10-13': 'Sports Day',
        '2025-11-03': 'Culture Day',
        '2025-11-24': 'Labor Thanksgiving Day (substitute holiday)',
        '2025-12-31': 'New Year holiday (market closed)',
      },
      earlyCloses: {},
    },
    2026: {
      source: `${SOURCE} (2026: ${RULE}, equinox days as announced in February 2025; JPX's page was not read); python-holidays 0.105 (financial XJPX) agrees`,
      closures: {
        '2026-01-01': "New Year's Day",
        '2026-01-02': 'New Year holiday (market closed)',
        '2026-01-12': 'Coming of Age Day',
        '2026-02-11': 'National Foundation Day',
        '2026-02-23': "Emperor's Birthday",
        '2026-03-20': 'Vernal Equinox Day',
        '2026-04-29': 'Showa Day',
        '2026-05-04': 'Greenery Day',
        '2026-05-05': "Children's Day",
        '2026-05-06': 'Constitution Memorial Day (substitute holiday)',
        '2026-07-20': 'Marine Day',
        '2026-08-11': 'Mountain Day',
        '2026-09-21': 'Respect for the Aged Day',
        '2026-09-22': "Citizens' holiday (between two national holidays)",
        '2026-09-23': 'Autumnal Equinox Day',
        '2026-10-12': 'Sports Day',
        '2026-11-03': 'Culture Day',
        '2026-11-23': 'Labor Thanksgiving Day',
        '2026-12-31': 'New Year holiday (market closed)',
      },
      earlyCloses: {},
    },
    2027: {
      source: `${SOURCE} (2027: ${RULE}, equinox days as the observatory's calendar of 2026-02-02 gives them (vernal equinox Sunday 03-21, so Monday 03-22 is off); JPX's page was not read); python-holidays 0.105 (financial XJPX) agrees`,
      closures: {
        '2027-01-01': "New Year's Day",
        '2027-01-11': 'Coming of Age Day',
        '2027-02-11': 'National Foundation Day',
        '2027-02-23': "Emperor's Birthday",
        '2027-03-22': 'Vernal Equinox Day (substitute holiday)',
        '2027-04-29': 'Showa Day',
        '2027-05-03': 'Constitution Memorial Day',
        '2027-05-04': 'Greenery Day',
        '2027-05-05': "Children's Day",
        '2027-07-19': 'Marine Day',
        '2027-08-11': 'Mountain Day',
        '2027-09-20': 'Respect for the Aged Day',
        '2027-09-23': 'Autumnal Equinox Day',
        '2027-10-11': 'Sports Day',
        '2027-11-03': 'Culture Day',
        '2027-11-23': 'Labor Thanksgiving Day',
        '2027-12-31': 'New Year holiday (market closed)',
      },
      earlyCloses: {},
    },
    2028: {
      source: `${SOURCE} (2028 not yet published: ${RULE}, with the astronomical equinox days, announced officially in February 2027); python-holidays 0.105 (financial XJPX) agrees`,
      closures: {
        '2028-01-03': 'New Year holiday (market closed)',
        '2028-01-10': 'Coming of Age Day',
        '2028-02-11': 'National Foundation Day',
        '2028-02-23': "Emperor's Birthday",
        '2028-03-20': 'Vernal Equinox Day',
        '2028-05-03': 'Constitution Memorial Day',
        '2028-05-04': 'Greenery Day',
        '2028-05-05': "Children's Day",
        '2028-07-17': 'Marine Day',
        '2028-08-11': 'Mountain Day',
        '2028-09-18': 'Respect for the Aged Day',
        '2028-09-22': 'Autumnal Equinox Day',
        '2028-10-09': 'Sports Day',
        '2028-11-03': 'Culture Day',
        '2028-11-23': 'Labor Thanksgiving Day',
      },
      earlyCloses: {},
    },
  },
});
