import { describe, expect, it } from 'vitest';
import {
  type CustomMarketDefinition,
  calendarSource,
  calendarWarnings,
  currentOrNextSession,
  dayStatus,
  previousSession,
  sessionsBetween,
  XLON,
  XNYS,
} from '#shared/calendar/index.ts';

/** A plain Monday-to-Friday custom market. */
function weekdays(timeZone: string, open: string, close: string): CustomMarketDefinition {
  return { timeZone, tradingDays: ['MON', 'TUE', 'WED', 'THU', 'FRI'], sessions: [{ open, close }] };
}

// Every market's closures and early-close dates are checked in exchanges/markets.test.ts; these check the instants.
describe('XNYS early closes', () => {
  it.each([
    ['2026-11-27', '2026-11-27T14:30:00.000Z', '2026-11-27T18:00:00.000Z'],
    ['2026-12-24', '2026-12-24T14:30:00.000Z', '2026-12-24T18:00:00.000Z'],
    ['2025-07-03', '2025-07-03T13:30:00.000Z', '2025-07-03T17:00:00.000Z'],
  ])('%s closes at 13:00 New York time', (date, open, close) => {
    const session = dayStatus('XNYS', date).session;

    expect(session).toMatchObject({ earlyClose: true, openLocal: '09:30', closeLocal: '13:00' });
    expect(session?.open.toISOString()).toBe(open);
    expect(session?.close.toISOString()).toBe(close);
  });

  it('has a regular 16:00 close on 2026-07-02, the day before the observed Independence Day', () => {
    expect(dayStatus('XNYS', '2026-07-02').session).toMatchObject({ earlyClose: false, closeLocal: '16:00' });
  });
});

describe('XLON 2026', () => {
  it.each([
    ['2026-12-24', '2026-12-24T12:30:00.000Z'],
    ['2026-12-31', '2026-12-31T12:30:00.000Z'],
  ])('closes at 12:30 London time on %s', (date, close) => {
    const session = dayStatus('XLON', date).session;

    expect(session).toMatchObject({ earlyClose: true, closeLocal: '12:30' });
    expect(session?.close.toISOString()).toBe(close);
  });
});

describe('DST from the time-zone database', () => {
  // New York and London are 5 h apart, except between the US and UK switches (4 h).
  it.each([
    ['2026-03-06', '2026-03-06T14:30:00.000Z', '2026-03-06T08:00:00.000Z', 5],
    ['2026-03-09', '2026-03-09T13:30:00.000Z', '2026-03-09T08:00:00.000Z', 4],
    ['2026-03-27', '2026-03-27T13:30:00.000Z', '2026-03-27T08:00:00.000Z', 4],
    ['2026-03-30', '2026-03-30T13:30:00.000Z', '2026-03-30T07:00:00.000Z', 5],
    ['2026-10-23', '2026-10-23T13:30:00.000Z', '2026-10-23T07:00:00.000Z', 5],
    ['2026-10-26', '2026-10-26T13:30:00.000Z', '2026-10-26T08:00:00.000Z', 4],
    ['2026-10-30', '2026-10-30T13:30:00.000Z', '2026-10-30T08:00:00.000Z', 4],
    ['2026-11-02', '2026-11-02T14:30:00.000Z', '2026-11-02T08:00:00.000Z', 5],
  ])('on %s XNYS opens %s and XLON %s (%i h apart)', (date, nyOpen, londonOpen, hoursApart) => {
    const ny = dayStatus('XNYS', date).session;
    const london = dayStatus('XLON', date).session;

    expect(ny?.open.toISOString()).toBe(nyOpen);
    expect(london?.open.toISOString()).toBe(londonOpen);
    // Both open at fixed local times (09:30, 08:00): the UTC gap minus the 1.5 h of local difference.
    const gapHours = ((ny?.open.getTime() ?? 0) - (london?.open.getTime() ?? 0)) / 3_600_000 - 1.5;
    expect(gapHours).toBe(hoursApart);
  });

  it('moves a custom market open that falls in a DST gap forward, not away', () => {
    // Israel springs forward 02:00 → 03:00 on Friday 2026-03-27: 02:30 does not exist that day.
    const session = dayStatus('TLV', '2026-03-27', {
      markets: { TLV: weekdays('Asia/Jerusalem', '02:30', '10:00') },
    }).session;

    expect(session?.openLocal).toBe('03:30');
    expect(session?.open.toISOString()).toBe('2026-03-27T00:30:00.000Z');
    expect(session?.close.toISOString()).toBe('2026-03-27T07:00:00.000Z');
  });
});

describe('sessionsBetween and currentOrNextSession', () => {
  it('lists Thanksgiving week with the holiday left out and the early close marked', () => {
    const sessions = sessionsBetween(
      'XNYS',
      new Date('2026-11-23T00:00:00Z'),
      new Date('2026-11-30T00:00:00Z'),
    );

    expect(sessions.map((session) => [session.date, session.closeLocal])).toEqual([
      ['2026-11-23', '16:00'],
      ['2026-11-24', '16:00'],
      ['2026-11-25', '16:00'],
      ['2026-11-27', '13:00'],
    ]);
  });

  it('returns the session in progress, then the next one after the close', () => {
    expect(currentOrNextSession('XNYS', new Date('2026-11-27T17:45:00Z')).date).toBe('2026-11-27');
    expect(currentOrNextSession('XNYS', new Date('2026-11-27T18:00:00Z')).date).toBe('2026-11-30');
    expect(currentOrNextSession('XNYS', new Date('2026-11-26T15:00:00Z')).date).toBe('2026-11-27');
  });

  it('finds the previous session across a weekend', () => {
    expect(previousSession('XLON', new Date('2026-03-30T06:00:00Z'))?.date).toBe('2026-03-27');
  });

  it('runs a Monday-to-Friday custom market in its configured zone', () => {
    const options = { markets: { WEEKDAYS: weekdays('Asia/Tokyo', '09:00', '15:00') } };
    const sessions = sessionsBetween(
      'WEEKDAYS',
      new Date('2026-01-01T00:00:00Z'),
      new Date('2026-01-06T00:00:00Z'),
      options,
    );

    expect(sessions.map((session) => session.date)).toEqual(['2026-01-01', '2026-01-02', '2026-01-05']);
    expect(sessions[0]?.open.toISOString()).toBe('2026-01-01T00:00:00.000Z');
  });
});

describe('data range', () => {
  it('assumes a weekday outside the data is a trading day, and warns', () => {
    const status = dayStatus('XNYS', '2029-01-03');

    expect(status).toMatchObject({ trading: true, assumed: true });
    expect(status.session?.assumed).toBe(true);
    expect(calendarWarnings('XNYS', new Date('2029-01-03T15:00:00Z'))[0]).toMatch(
      /outside .*assumed trading days/,
    );
    expect(dayStatus('XNYS', '2024-12-25')).toMatchObject({ trading: true, assumed: true });
  });

  it('warns 90 days before the data runs out, not earlier', () => {
    expect(calendarWarnings('XLON', new Date('2028-09-30T12:00:00Z'))).toEqual([]);
    expect(calendarWarnings('XLON', new Date('2028-10-03T12:00:00Z'))[0]).toMatch(
      /runs out on 2028-12-31 \(in 89 days\)/,
    );
    const options = { markets: { WEEKDAYS: weekdays('UTC', '09:00', '17:00') } };
    expect(calendarWarnings('WEEKDAYS', new Date('2099-01-01T00:00:00Z'), options)).toEqual([]);
  });
});

describe('shipped data', () => {
  const calendars = [
    ['XNYS', XNYS, 'nyse.com/markets/hours-calendars'],
    ['XLON', XLON, 'londonstockexchange.com'],
  ] as const;

  it.each(calendars)('%s names its published source for every year 2025-2028', (mic, data, site) => {
    for (const year of [2025, 2026, 2027, 2028]) {
      expect(calendarSource(mic, year)).toContain(site);
    }
    expect(Object.keys(data.years)).toEqual(['2025', '2026', '2027', '2028']);
  });
});
