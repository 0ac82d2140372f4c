import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { loadScenarioFile } from '#sandbox/scenario.ts';
import { loadConfigFile } from '../../../shared/config/load-config.ts';
import { capacityAt, failedInvocations, useSandboxRun } from './support.ts';

const SCENARIO = fileURLToPath(
  new URL('../../../sandbox/scenarios/global-week-2026-03.json', import.meta.url),
);
const CONFIG = loadConfigFile(fileURLToPath(new URL('../../../config/global-fleet.json', import.meta.url)));
const RISK = 'cr-0e2b00000000b0002';
const TOKYO = 'cr-0a9e10000000d0001';

const result = useSandboxRun({ scenario: loadScenarioFile(SCENARIO) }, 180_000);

/** A market's sessions in the run, as [local date, local open, local close]. */
function localHours(market: string): string[][] {
  return result()
    .sessions.filter((session) => session.market === market)
    .map((session) => [session.date, session.openLocal, session.closeLocal]);
}

/** The same local hours on each of `dates`. */
function sameHours(dates: readonly string[], open: string, close: string): string[][] {
  return dates.map((date) => [date, open, close]);
}

describe('a fleet in four regions on five markets, over the default week from Sunday', () => {
  it('sees every configured reservation in its own region', () => {
    expect(new Set(result().reservations.map((reservation) => reservation.region))).toEqual(
      new Set(CONFIG.regions),
    );
    expect(
      result()
        .reservations.map((reservation) => reservation.id)
        .sort(),
    ).toEqual(CONFIG.reservations.map((reservation) => reservation.id).sort());
    expect(failedInvocations(result())).toEqual([]);
  });

  it('reclaims each reservation before every bell of its own market, and lends it back after the close', () => {
    for (const entry of CONFIG.reservations) {
      const sessions = result().sessions.filter((session) => session.market === entry.market);
      expect(sessions.length, entry.name).toBe(5);
      const reclaimed = result().summary.reclaims.filter(
        (reclaim) => reclaim.reservationId === entry.id && reclaim.deadline !== undefined,
      );
      expect(
        reclaimed.map((reclaim) => reclaim.deadline),
        entry.name,
      ).toEqual(sessions.map((session) => session.open));
      for (const reclaim of reclaimed) {
        expect(Date.parse(reclaim.completedAt ?? ''), `${entry.name} ${reclaim.deadline}`).toBeLessThan(
          Date.parse(reclaim.deadline ?? ''),
        );
      }
      const lentBack = result().summary.lendBacks.filter((lend) => lend.reservationId === entry.id);
      for (const session of sessions) {
        expect(
          lentBack.some((lend) => Date.parse(lend.at) >= Date.parse(session.close)),
          `${entry.name} after ${session.close}`,
        ).toBe(true);
      }
    }
    expect(result().summary.misses).toEqual([]);
  });

  it("trades Riyadh's custom market Sunday to Thursday, and keeps Tokyo's capacity through its lunch break", () => {
    expect(localHours('TADAWUL')).toEqual(
      sameHours(['2026-03-08', '2026-03-09', '2026-03-10', '2026-03-11', '2026-03-12'], '10:00', '15:00'),
    );
    expect(localHours('XTKS')).toEqual(
      sameHours(['2026-03-09', '2026-03-10', '2026-03-11', '2026-03-12', '2026-03-13'], '09:00', '15:30'),
    );
    const tokyo = result().sessions.filter((session) => session.market === 'XTKS');
    // 12:00 in Tokyo, the lunch break: the capacity is not lent out (the market's default), the need holds.
    for (const session of tokyo) {
      const noon = Date.parse(session.open) + 3 * 3_600_000;
      const atNoon = capacityAt(result(), new Date(noon).toISOString())?.[TOKYO];
      expect(atNoon, session.date).toMatchObject({ lent: 0, need: 20 });
    }
  });

  it('takes the London risk engine back when its load alarm fires mid-session, in its own region', () => {
    const onAlarm = result().summary.reclaims.filter((reclaim) => reclaim.trigger === 'alarm');
    expect(onAlarm).toMatchObject([
      { reservationId: RISK, from: 4, to: 0, requestedAt: '2026-03-11T11:00:00.000Z' },
    ]);
    expect(capacityAt(result(), '2026-03-11T11:10:00Z')?.[RISK]?.lent).toBe(0);
    expect(capacityAt(result(), '2026-03-11T16:00:00Z')?.[RISK]?.lent).toBe(0);
  });

  it('has no late unmet need in any region or market; the mid-session alarm costs only reaction', () => {
    const unmet = result().summary.unmetNeedInstanceMinutes;
    expect(unmet.late).toBe(0);
    expect(Object.keys(unmet.byReservation).sort()).toEqual(
      CONFIG.reservations.map((reservation) => reservation.id).sort(),
    );
    // Wednesday 11:00 London: the alarm needs all 12; the 4 lent to borrowers come back within one reclaim.
    const reclaimMinutes = Math.ceil(result().summary.reclaimSeconds / 60);
    expect(result().summary.shortfalls).toHaveLength(1);
    const [shortfall] = result().summary.shortfalls;
    expect(shortfall).toMatchObject({
      reservationId: RISK,
      from: '2026-03-11T11:00:00.000Z',
      lateInstanceMinutes: 0,
      largestShort: 4,
      need: 12,
    });
    expect(unmet.reaction).toBe(shortfall?.reactionInstanceMinutes);
    expect(unmet.reaction).toBeGreaterThan(0);
    expect(unmet.reaction).toBeLessThanOrEqual(4 * reclaimMinutes);
  });
});
