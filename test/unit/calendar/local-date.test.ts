import fc from 'fast-check';
import { DateTime } from 'luxon';
import { describe, expect, it } from 'vitest';
import { currentOrNextSession, localDate, previousSession, sessionsBetween } from '#shared/calendar/index.ts';

// Zones with DST at midnight, half- and quarter-hour offsets, the date line and no DST at all.
const ZONES = [
  'America/New_York',
  'Europe/London',
  'America/Sao_Paulo',
  'America/Havana',
  'Asia/Beirut',
  'Asia/Kathmandu',
  'Australia/Lord_Howe',
  'Pacific/Apia',
  'Asia/Kolkata',
  'UTC',
];
const instants = fc
  .integer({ min: Date.UTC(2005, 0, 1), max: Date.UTC(2030, 0, 1) })
  .map((ms) => new Date(ms));

describe('localDate (cached local days)', () => {
  it("is luxon's local date of the instant, in any zone, whatever was asked before", () => {
    fc.assert(
      fc.property(
        fc.constantFrom(...ZONES),
        fc.array(instants, { minLength: 1, maxLength: 20 }),
        (zone, ats) => {
          for (const at of ats) {
            expect(localDate(at, zone)).toBe(DateTime.fromJSDate(at, { zone }).toISODate());
          }
        },
      ),
      { seed: 20260309, numRuns: 100 },
    );
  });

  it('gives the local day on both sides of every DST change at midnight (Havana, Beirut, Sao Paulo)', () => {
    for (const zone of ['America/Havana', 'Asia/Beirut', 'America/Sao_Paulo']) {
      const year = DateTime.fromObject({ year: 2016 }, { zone });
      const changes = Array.from({ length: 366 }, (_, day) => year.plus({ days: day })).filter(
        (day) => day.offset !== day.plus({ days: 1 }).offset,
      );
      expect(changes.length, zone).toBeGreaterThan(0);
      for (const change of changes) {
        for (let minutes = -36 * 60; minutes <= 60 * 60; minutes += 15) {
          const at = change.plus({ minutes }).toJSDate();
          expect(localDate(at, zone), `${zone} ${at.toISOString()}`).toBe(
            DateTime.fromJSDate(at, { zone }).toISODate(),
          );
        }
      }
    }
  });

  it("is '' for an unknown zone", () => {
    expect(localDate(new Date(Date.UTC(2026, 2, 9)), 'Mars/Olympus_Mons')).toBe('');
  });
});

describe('session lookups around the local date', () => {
  it('find the session in progress or next, the previous one, and those in a window, as a day-by-day scan would', () => {
    fc.assert(
      fc.property(
        fc.constantFrom('XNYS' as const, 'XLON' as const),
        fc.integer({ min: Date.UTC(2025, 0, 1), max: Date.UTC(2027, 11, 1) }),
        fc.integer({ min: 0, max: 20 * 86_400_000 }),
        (mic, start, length) => {
          const at = new Date(start);
          const current = currentOrNextSession(mic, at);
          expect(current.close > at).toBe(true);
          const before = previousSession(mic, at);
          if (before !== undefined) expect(before.close <= at).toBe(true);
          const window = sessionsBetween(mic, at, new Date(start + length));
          for (const session of window) {
            expect(session.close > at && session.open.getTime() < start + length).toBe(true);
          }
          if (length > 0 && window.length > 0) expect(window[0]).toEqual(current);
          if (before !== undefined) {
            // Nothing trades between the previous close and the current session's open.
            expect(sessionsBetween(mic, before.close, current.open)).toEqual([]);
          }
        },
      ),
      { seed: 20261126, numRuns: 100 },
    );
  });
});
