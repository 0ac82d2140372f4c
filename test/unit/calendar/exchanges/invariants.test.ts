import { describe, expect, it } from 'vitest';
import { exchangeCalendar } from '#shared/calendar/data.ts';
import { BUILT_IN_EXCHANGES, BUILT_IN_MARKETS, calendarSource, dayStatus } from '#shared/calendar/index.ts';

const YEARS = [2025, 2026, 2027, 2028];
const HH_MM = /^([01]\d|2[0-3]):[0-5]\d$/;
const ISO_DATE = /^\d{4}-\d{2}-\d{2}$/;

function minutes(time: string): number {
  const [hours = 0, mins = 0] = time.split(':').map(Number);
  return hours * 60 + mins;
}

function isoWeekday(date: string): number {
  return new Date(`${date}T12:00:00Z`).getUTCDay() || 7;
}

function isRealDate(date: string): boolean {
  return ISO_DATE.test(date) && new Date(`${date}T12:00:00Z`).toISOString().slice(0, 10) === date;
}

const exchanges = BUILT_IN_EXCHANGES.map((exchange) => [exchange.mic, exchange] as const);

describe('built-in exchange data', () => {
  it('has one entry per MIC, each a configurable market', () => {
    const mics = BUILT_IN_EXCHANGES.map((exchange) => exchange.mic);

    expect(new Set(mics).size).toBe(mics.length);
    for (const mic of mics) expect(BUILT_IN_MARKETS).toContain(mic);
    for (const mic of [
      'XNYS',
      'XNAS',
      'XLON',
      'XTKS',
      'XTSE',
      'XHKG',
      'XASX',
      'XSES',
      'XETR',
      'XEUR',
      'XPAR',
    ])
      expect(mics).toContain(mic);
  });

  it.each(exchanges)('%s names a source with an address for every year 2025–2028', (mic, exchange) => {
    expect(exchange.dataFrom <= '2025-01-01' && exchange.dataTo >= '2028-12-31').toBe(true);
    for (const year of YEARS) {
      expect(calendarSource(mic, year), `${mic} ${year}`).toMatch(/https:\/\/\S+/);
    }
  });

  it.each(exchanges)('%s has a valid time zone, trading weekdays and ordered sessions', (mic, exchange) => {
    expect(() => new Intl.DateTimeFormat('en', { timeZone: exchange.timeZone })).not.toThrow();
    expect(exchange.tradingWeekdays.length).toBeGreaterThan(0);
    for (const day of exchange.tradingWeekdays) expect([1, 2, 3, 4, 5, 6, 7]).toContain(day);
    expect(exchange.sessions.length).toBeGreaterThan(0);
    let previousClose = -1;
    for (const session of exchange.sessions) {
      expect(session.open, mic).toMatch(HH_MM);
      expect(session.close, mic).toMatch(HH_MM);
      // A session may cross midnight only as the day's last one; otherwise each starts after the last ends.
      expect(minutes(session.open), `${mic} ${session.open}`).toBeGreaterThan(previousClose);
      const crossesMidnight = minutes(session.close) <= minutes(session.open);
      if (crossesMidnight) expect(session, mic).toBe(exchange.sessions.at(-1));
      previousClose = minutes(session.close);
    }
  });

  it.each(exchanges)(
    '%s lists each special day once, on a trading weekday of its year in the data range',
    (mic, exchange) => {
      for (const [year, entry] of Object.entries(exchange.years)) {
        const closures = Object.keys(entry.closures);
        const earlyCloses = Object.keys(entry.earlyCloses);
        const lateOpens = Object.keys(entry.lateOpens ?? {});
        const all = [...closures, ...earlyCloses, ...lateOpens];
        for (const date of all) {
          expect(isRealDate(date), `${mic} ${date} is a date`).toBe(true);
          expect(date.startsWith(`${year}-`), `${mic} ${date} is in ${year}`).toBe(true);
          expect(date >= exchange.dataFrom && date <= exchange.dataTo, `${mic} ${date} in range`).toBe(true);
          expect(exchange.tradingWeekdays, `${mic} ${date} is a trading weekday`).toContain(isoWeekday(date));
        }
        for (const date of closures) {
          expect(earlyCloses, `${mic} ${date} closed and early close`).not.toContain(date);
          expect(lateOpens, `${mic} ${date} closed and late open`).not.toContain(date);
          expect(entry.closures[date]?.trim(), `${mic} ${date} says why`).not.toBe('');
        }
      }
    },
  );

  it.each(exchanges)('%s early closes and late opens fall inside the regular day', (mic, exchange) => {
    const first = exchange.sessions[0];
    const last = exchange.sessions.at(-1);
    if (first === undefined || last === undefined) throw new Error(`${mic} has no sessions`);
    const dayEnd =
      minutes(last.close) <= minutes(last.open) ? minutes(last.close) + 24 * 60 : minutes(last.close);
    for (const entry of Object.values(exchange.years)) {
      for (const [date, early] of Object.entries(entry.earlyCloses)) {
        expect(early.close, `${mic} ${date}`).toMatch(HH_MM);
        expect(minutes(early.close), `${mic} ${date}`).toBeGreaterThan(minutes(first.open));
        expect(minutes(early.close), `${mic} ${date}`).toBeLessThan(dayEnd);
        expect(early.note.trim(), `${mic} ${date} says why`).not.toBe('');
      }
      for (const [date, late] of Object.entries(entry.lateOpens ?? {})) {
        expect(late.open, `${mic} ${date}`).toMatch(HH_MM);
        expect(minutes(late.open), `${mic} ${date}`).toBeGreaterThan(minutes(first.open));
        expect(minutes(late.open), `${mic} ${date}`).toBeLessThan(dayEnd);
        const close = entry.earlyCloses[date]?.close;
        if (close !== undefined) expect(minutes(late.open), `${mic} ${date}`).toBeLessThan(minutes(close));
      }
    }
  });
});

describe('lunch breaks', () => {
  it.each([
    ['XTKS', '09:00', '11:30', '12:30', '15:30'],
    ['XHKG', '09:30', '12:00', '13:00', '16:00'],
    ['XSES', '09:00', '12:00', '13:00', '17:00'],
  ])('%s trades %s–%s and %s–%s', (mic, open, breakStart, breakEnd, close) => {
    expect(BUILT_IN_EXCHANGES.find((exchange) => exchange.mic === mic)?.sessions).toEqual([
      { open, close: breakStart },
      { open: breakEnd, close },
    ]);
  });

  it.each([
    [
      'XTKS',
      '2026-03-10',
      '2026-03-10T00:00:00.000Z',
      '2026-03-10T02:30:00.000Z',
      '2026-03-10T03:30:00.000Z',
      '2026-03-10T06:30:00.000Z',
    ],
    [
      'XHKG',
      '2026-03-10',
      '2026-03-10T01:30:00.000Z',
      '2026-03-10T04:00:00.000Z',
      '2026-03-10T05:00:00.000Z',
      '2026-03-10T08:00:00.000Z',
    ],
  ])(
    '%s on %s is one session with the break kept, or two when the break is lent',
    (mic, date, open, breakStart, breakEnd, close) => {
      const kept = dayStatus(mic, date);
      const lent = dayStatus(mic, date, { markets: { [mic]: { lendLunchBreak: true } } });

      expect(
        kept.sessions.map((session) => [session.open.toISOString(), session.close.toISOString()]),
      ).toEqual([[open, close]]);
      expect(
        kept.session?.breaks.map((pause) => [pause.start.toISOString(), pause.end.toISOString()]),
      ).toEqual([[breakStart, breakEnd]]);
      expect(
        lent.sessions.map((session) => [session.open.toISOString(), session.close.toISOString()]),
      ).toEqual([
        [open, breakStart],
        [breakEnd, close],
      ]);
    },
  );

  it('a Hong Kong half day is the morning session alone', () => {
    const eve = dayStatus('XHKG', '2026-12-24', { markets: { XHKG: { lendLunchBreak: true } } });

    expect(eve.sessions.map((session) => [session.openLocal, session.closeLocal])).toEqual([
      ['09:30', '12:00'],
    ]);
  });
});

describe('exchangeCalendar', () => {
  const year = { source: 'test', closures: {}, earlyCloses: {} };
  const spec = { mic: 'XTST', name: 'Test', timeZone: 'UTC', sessions: [{ open: '09:00', close: '17:00' }] };

  it('covers the years it lists, Monday to Friday unless told otherwise', () => {
    expect(exchangeCalendar({ ...spec, years: { 2027: year, 2026: year } })).toMatchObject({
      dataFrom: '2026-01-01',
      dataTo: '2027-12-31',
      tradingWeekdays: [1, 2, 3, 4, 5],
    });
    expect(
      exchangeCalendar({ ...spec, tradingWeekdays: [7, 1, 2, 3, 4], years: { 2026: year } }).tradingWeekdays,
    ).toEqual([7, 1, 2, 3, 4]);
  });

  it('refuses a gap between years, which would read as a year without holidays', () => {
    expect(() => exchangeCalendar({ ...spec, years: { 2025: year, 2027: year } })).toThrow(
      /XTST calendar years must follow each other: 2025, 2027/,
    );
    expect(() => exchangeCalendar({ ...spec, years: {} })).toThrow(/XTST lists no calendar year/);
  });
});
