import { fileURLToPath } from 'node:url';
import { DateTime } from 'luxon';
import { describe, expect, it } from 'vitest';
import { loadScenarioFile } from '#sandbox/scenario.ts';
import { capacityAt, useSandboxRun, within } from './support.ts';

const SCENARIO = fileURLToPath(
  new URL('../../../sandbox/scenarios/thanksgiving-week-2026.json', import.meta.url),
);
const TRADING = 'cr-0123456789abcdef0';
const newYorkDate = (iso: string) => DateTime.fromISO(iso, { zone: 'America/New_York' }).toISODate();

// Wednesday to Friday is enough to see the holiday and the early close, and keeps the suite quick.
const result = useSandboxRun({ scenario: loadScenarioFile(SCENARIO), from: '2026-11-25', days: 3 }, 120_000);

describe('Thanksgiving week 2026', () => {
  it('knows Thursday is closed and Friday closes at 13:00', () => {
    expect(result().closedDays.map((day) => day.date)).toEqual(['2026-11-26']);
    expect(
      result().sessions.map((session) => [session.date, session.closeLocal, session.earlyClose]),
    ).toEqual([
      ['2026-11-25', '16:00', false],
      ['2026-11-27', '13:00', true],
    ]);
  });

  it('reclaims nothing on the holiday and keeps the capacity lent all day', () => {
    const onHoliday = result().summary.reclaims.filter(
      (reclaim) => newYorkDate(reclaim.requestedAt) === '2026-11-26',
    );
    expect(onHoliday).toEqual([]);
    const midnight = DateTime.fromISO('2026-11-26T00:00:00', { zone: 'America/New_York' });
    for (let hour = 0; hour < 24; hour++) {
      const at = midnight.plus({ hours: hour }).toISO() ?? '';
      expect(capacityAt(result(), at)?.[TRADING]?.lent, at).toBe(60);
    }
  });

  it("reclaims before Friday's open and lends back after the 13:00 early close, three hours earlier than usual", () => {
    const friday = result().summary.reclaims.filter(
      (reclaim) => newYorkDate(reclaim.requestedAt) === '2026-11-27',
    );
    expect(friday).toHaveLength(1);
    expect(Date.parse(friday[0]?.completedAt ?? '')).toBeLessThan(Date.parse('2026-11-27T14:30:00Z'));

    const lendBack = (date: string) =>
      result().summary.lendBacks.find(
        (lend) => lend.reservationId === TRADING && newYorkDate(lend.at) === date,
      );
    const wednesday = lendBack('2026-11-25');
    const fridayLend = lendBack('2026-11-27');
    // 13:00 New York is 18:00Z in November; the regular close is 16:00 = 21:00Z.
    expect(within(fridayLend?.at ?? '', '2026-11-27T18:00:00Z', '2026-11-27T19:00:00Z')).toBe(true);
    expect(within(wednesday?.at ?? '', '2026-11-25T21:00:00Z', '2026-11-25T22:00:00Z')).toBe(true);
  });
});
