import { describe, expect, it } from 'vitest';
import {
  type CalendarOptions,
  type CustomMarketDefinition,
  currentOrNextSession,
  dayStatus,
  previousSession,
  sessionsBetween,
} from '#shared/calendar/index.ts';

/** A Tokyo-style day with a lunch break; the dated entries fall in the week of 2026-03-09 (Tokyo has no DST). */
const LUNCH: CustomMarketDefinition = {
  timeZone: 'Asia/Tokyo',
  tradingDays: ['MON', 'TUE', 'WED', 'THU', 'FRI'],
  sessions: [
    { open: '09:00', close: '11:30' },
    { open: '12:30', close: '15:30' },
  ],
  lateOpens: {
    '2026-03-10': { open: '10:30', note: 'system outage' },
    '2026-03-13': { open: '12:00', note: 'morning suspended' },
  },
  earlyCloses: {
    '2026-03-11': { close: '11:00', note: 'half day' },
    '2026-03-12': { close: '12:00', note: 'morning only' },
  },
};

/** Futures-style: each day's session opens at 17:00 Chicago time and closes at 16:00 the next day. */
const GLOBEX: CustomMarketDefinition = {
  timeZone: 'America/Chicago',
  tradingDays: ['SUN', 'MON', 'TUE', 'WED', 'THU'],
  sessions: [{ open: '17:00', close: '16:00' }],
};

/** An overnight session on Saturdays in London, across the UK's DST changes (Sunday 01:00 / 02:00). */
const OVERNIGHT: CustomMarketDefinition = {
  timeZone: 'Europe/London',
  tradingDays: ['SAT'],
  sessions: [{ open: '22:00', close: '06:00' }],
};

const kept: CalendarOptions = { markets: { TKY: LUNCH, GLOBEX, OVERNIGHT } };
const lent: CalendarOptions = { markets: { TKY: { ...LUNCH, lendLunchBreak: true } } };

const iso = (date: Date | undefined): string | undefined => date?.toISOString();

describe('a day with a lunch break', () => {
  it('is one session with the break inside when the break is not lent (the default)', () => {
    const status = dayStatus('TKY', '2026-03-09', kept);

    expect(status.sessions).toHaveLength(1);
    expect(status.session).toMatchObject({ openLocal: '09:00', closeLocal: '15:30' });
    expect(status.session?.breaks.map((pause) => [pause.startLocal, pause.endLocal])).toEqual([
      ['11:30', '12:30'],
    ]);
    expect(iso(status.session?.breaks[0]?.start)).toBe('2026-03-09T02:30:00.000Z');
    expect(currentOrNextSession('TKY', new Date('2026-03-09T03:00:00Z'), kept).closeLocal).toBe('15:30');
  });

  it('is two sessions when the break is lent: the afternoon is next during lunch', () => {
    const status = dayStatus('TKY', '2026-03-09', lent);

    expect(status.sessions.map((session) => [session.openLocal, session.closeLocal])).toEqual([
      ['09:00', '11:30'],
      ['12:30', '15:30'],
    ]);
    expect(status.sessions.every((session) => session.breaks.length === 0)).toBe(true);
    // The whole day is still described, breaks and all.
    expect(status.session).toMatchObject({ openLocal: '09:00', closeLocal: '15:30' });
    const lunch = new Date('2026-03-09T03:00:00Z');
    expect(currentOrNextSession('TKY', lunch, lent)).toMatchObject({
      openLocal: '12:30',
      date: '2026-03-09',
    });
    expect(previousSession('TKY', lunch, lent)).toMatchObject({ closeLocal: '11:30', date: '2026-03-09' });
    expect(
      sessionsBetween('TKY', new Date('2026-03-09T00:00:00Z'), new Date('2026-03-10T00:00:00Z'), lent).map(
        (session) => session.openLocal,
      ),
    ).toEqual(['09:00', '12:30']);
  });

  it.each([
    [
      'a late open in the morning shortens it',
      '2026-03-10',
      [
        ['10:30', '11:30'],
        ['12:30', '15:30'],
      ],
    ],
    ['a late open in the break drops the morning', '2026-03-13', [['12:30', '15:30']]],
    ['an early close in the morning drops the afternoon', '2026-03-11', [['09:00', '11:00']]],
    ['an early close in the break keeps the morning whole', '2026-03-12', [['09:00', '11:30']]],
  ])('%s (%s)', (_what, date, parts) => {
    const status = dayStatus('TKY', date, lent);

    expect(status.sessions.map((session) => [session.openLocal, session.closeLocal])).toEqual(parts);
    expect(status.session?.note).toBeDefined();
  });

  it('marks the late open on the first part and the early close on the last', () => {
    const late = dayStatus('TKY', '2026-03-10', lent).sessions;
    const early = dayStatus('TKY', '2026-03-11', kept).session;

    expect(late.map((session) => session.lateOpen)).toEqual([true, false]);
    expect(late[0]?.note).toBe('system outage');
    expect(early).toMatchObject({ earlyClose: true, closeLocal: '11:00', breaks: [], note: 'half day' });
  });
});

describe('sessions that cross midnight', () => {
  it('belong to the local date they open on', () => {
    const thursday = dayStatus('GLOBEX', '2026-03-12', kept).session;

    expect(iso(thursday?.open)).toBe('2026-03-12T22:00:00.000Z');
    expect(iso(thursday?.close)).toBe('2026-03-13T21:00:00.000Z');
    expect(dayStatus('GLOBEX', '2026-03-13', kept).trading).toBe(false);
    // Friday morning is still Thursday's session; after Friday's close the next one opens on Sunday.
    expect(currentOrNextSession('GLOBEX', new Date('2026-03-13T15:00:00Z'), kept).date).toBe('2026-03-12');
    expect(currentOrNextSession('GLOBEX', new Date('2026-03-13T21:00:00Z'), kept).date).toBe('2026-03-15');
    expect(previousSession('GLOBEX', new Date('2026-03-15T12:00:00Z'), kept)?.date).toBe('2026-03-12');
  });

  it.each([
    // Spring forward (01:00 GMT → 02:00 BST): 22:00 to 06:00 lasts 7 hours.
    ['2026-03-28', '2026-03-28T22:00:00.000Z', '2026-03-29T05:00:00.000Z', 7],
    // Fall back (02:00 BST → 01:00 GMT): 22:00 to 06:00 lasts 9 hours.
    ['2026-10-24', '2026-10-24T21:00:00.000Z', '2026-10-25T06:00:00.000Z', 9],
    ['2026-06-06', '2026-06-06T21:00:00.000Z', '2026-06-07T05:00:00.000Z', 8],
  ])('on %s open at %s and close at %s local 06:00 (%i h)', (date, open, close, hours) => {
    const session = dayStatus('OVERNIGHT', date, kept).session;

    expect(iso(session?.open)).toBe(open);
    expect(iso(session?.close)).toBe(close);
    expect(session).toMatchObject({ openLocal: '22:00', closeLocal: '06:00' });
    expect(((session?.close.getTime() ?? 0) - (session?.open.getTime() ?? 0)) / 3_600_000).toBe(hours);
    expect(
      sessionsBetween('OVERNIGHT', new Date(`${date}T23:30:00Z`), new Date(`${date}T23:31:00Z`), kept),
    ).toEqual([session]);
  });
});

describe('short-notice closures', () => {
  const closed: CalendarOptions = { closures: { XNYS: { '2026-03-10': 'exchange outage (INC-1)' } } };

  it('close a trading day of a built-in market, and only that market and day', () => {
    expect(dayStatus('XNYS', '2026-03-10', closed)).toMatchObject({
      trading: false,
      closure: 'exchange outage (INC-1)',
      sessions: [],
    });
    expect(dayStatus('XNYS', '2026-03-10').trading).toBe(true);
    expect(dayStatus('XNYS', '2026-03-11', closed).trading).toBe(true);
    expect(dayStatus('XLON', '2026-03-10', closed).trading).toBe(true);
  });

  it('are skipped by the lookups', () => {
    const dates = sessionsBetween(
      'XNYS',
      new Date('2026-03-09T00:00:00Z'),
      new Date('2026-03-12T00:00:00Z'),
      closed,
    ).map((session) => session.date);

    expect(dates).toEqual(['2026-03-09', '2026-03-11']);
    expect(currentOrNextSession('XNYS', new Date('2026-03-09T21:00:00Z'), closed).date).toBe('2026-03-11');
  });
});
