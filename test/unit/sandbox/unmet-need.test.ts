import { fileURLToPath } from 'node:url';
import type { ReservationView } from '@odcr-reclaimer/local-aws/types.ts';
import { describe, expect, it } from 'vitest';
import { snapshotOf, UnmetNeedMeter } from '#sandbox/unmet-need.ts';
import { sessionsBetween } from '../../../shared/calendar/index.ts';
import { loadConfigFile } from '../../../shared/config/load-config.ts';
import type { PolicyConfig } from '../../../shared/config/schema.ts';
import { decide } from '../../../shared/policy/index.ts';
import { TAG } from '../../../shared/records/tag-keys.ts';

const TRADING = 'cr-0123456789abcdef0';
const MINUTE = 60_000;
const RECLAIM_MS = 225_000;
const example = loadConfigFile(fileURLToPath(new URL('../../../config/example.json', import.meta.url)));
// The trading fleet alone, with a load alarm that needs 20 more than the schedule (trading need 80 of 100).
const config: PolicyConfig = {
  ...example,
  reservations: [{ ...example.reservations[0]!, tradingNeed: 80 }],
  azGroups: [],
  alarms: { 'trading-load-high': example.alarms['trading-load-high']! },
};
const OPEN = Date.parse('2026-03-09T13:30:00Z');
const sessions = new Map([
  [TRADING, sessionsBetween('XNYS', new Date('2026-03-09T04:00:00Z'), new Date('2026-03-10T04:00:00Z'))],
]);

/** The trading fleet as the endpoint shows it with `lent` instances allocated out of 100. */
function view(lent: number): ReservationView {
  return {
    id: TRADING,
    region: 'us-east-1',
    instanceType: 'r7i.4xlarge',
    availabilityZone: 'us-east-1a',
    state: 'active',
    ownedInstanceCount: 100,
    ownerRunning: 0,
    totalInstanceCount: 100 - lent,
    availableInstanceCount: 100 - lent,
    tags: { [TAG.managed]: 'true' },
    allocation: {
      interruptibleId: 'cr-0fffffffffffffff1',
      current: lent,
      target: lent,
      status: 'active',
      zeroSizePreference: 'retain',
      borrowers: [],
    },
  };
}

/** Measures minute after minute from `from`: `lentAt(minute)` and `alarmAt(minute)` say the world then. */
function run(
  from: number,
  minutes: number,
  lentAt: (minute: number) => number,
  alarmAt: (minute: number) => boolean = () => false,
): UnmetNeedMeter {
  const meter = new UnmetNeedMeter(config, sessions, RECLAIM_MS);
  for (let minute = 0; minute < minutes; minute++) {
    meter.measure(
      {
        reservations: [view(lentAt(minute))],
        alarms: { 'trading-load-high': alarmAt(minute) ? 'ALARM' : 'OK' },
        reclaimDurationsSeconds: [],
      },
      from + minute * MINUTE,
    );
  }
  return meter;
}

describe('UnmetNeedMeter', () => {
  it('counts nothing when the source holds the need, and nothing outside sessions', () => {
    // Lent 60 until 09:10, 20 from then on: the off-hours need (40) before the open, 80 in the session.
    const meter = run(OPEN - 60 * MINUTE, 120, (minute) => (minute < 50 ? 60 : 20));
    expect(meter.summary()).toMatchObject({ total: 0, late: 0, reaction: 0 });
    expect(meter.shortfallRecords()).toEqual([]);
  });

  it('counts capacity still lent at the bell as late, minute by minute, with when and by how many', () => {
    // 09:20 to 09:40 New York: 60 lent until 09:33, so 40 short for the session's first 3 minutes.
    const meter = run(OPEN - 10 * MINUTE, 20, (minute) => (minute < 13 ? 60 : 20));
    expect(meter.summary()).toMatchObject({ total: 120, late: 120, reaction: 0 });
    expect(meter.summary().byReservation[TRADING]).toEqual({ total: 120, late: 120, reaction: 0 });
    expect(meter.shortfallRecords()).toEqual([
      {
        reservationId: TRADING,
        from: '2026-03-09T13:30:00.000Z',
        until: '2026-03-09T13:33:00.000Z',
        lateInstanceMinutes: 120,
        reactionInstanceMinutes: 0,
        largestShort: 40,
        need: 80,
        held: 40,
      },
    ]);
  });

  it('counts a raise inside the session as reaction for one physical reclaim, then as late', () => {
    // The alarm fires at 11:00 (need 80 → 100); the 20 still lent come back only at 11:06.
    const alarmAt = 90;
    const meter = run(
      OPEN,
      100,
      (minute) => (minute < alarmAt + 6 ? 20 : 0),
      (minute) => minute >= alarmAt,
    );
    const reactionMinutes = Math.ceil(RECLAIM_MS / MINUTE);
    expect(meter.summary()).toMatchObject({
      total: 6 * 20,
      reaction: reactionMinutes * 20,
      late: (6 - reactionMinutes) * 20,
    });
  });

  it('counts a raise met within the reclaim time as reaction only', () => {
    const meter = run(
      OPEN,
      100,
      (minute) => (minute < 93 ? 20 : 0),
      (minute) => minute >= 90,
    );
    expect(meter.summary()).toMatchObject({ total: 60, reaction: 60, late: 0 });
  });

  it('gives no reaction allowance for a need raised before the session', () => {
    // The alarm fired at 09:29, a minute before the open: at the bell the need is known, and late.
    const meter = run(
      OPEN - MINUTE,
      4,
      (minute) => (minute < 3 ? 20 : 0),
      () => true,
    );
    expect(meter.summary()).toMatchObject({ total: 40, late: 40, reaction: 0 });
  });

  it('reads the need with the pure policy, minute by minute', () => {
    const meter = new UnmetNeedMeter(config, sessions, RECLAIM_MS);
    const truth = { reservations: [view(60)], alarms: {}, reclaimDurationsSeconds: [] };
    expect(meter.needs(truth, OPEN - 60 * MINUTE).get(TRADING)).toBe(40);
    expect(meter.needs(truth, OPEN).get(TRADING)).toBe(80);
    expect(meter.needs({ ...truth, alarms: { 'trading-load-high': 'ALARM' } }, OPEN).get(TRADING)).toBe(100);
  });
});

describe('UnmetNeedMeter.needs', () => {
  it('answers as decide does at every minute of a day, alarms and overrides changing, though it reuses answers', () => {
    const meter = new UnmetNeedMeter(example, new Map(), RECLAIM_MS);
    const start = Date.parse('2026-03-09T04:00:00Z');
    const expires = new Date(start + 15 * 3_600_000).toISOString();
    for (let minute = 0; minute < 24 * 60; minute++) {
      const at = start + minute * MINUTE;
      const reservation = view(minute < 600 ? 60 : 0);
      if (minute >= 700 && minute < 1000) {
        // An on-call lend override set at 15:40 UTC until 19:00, as reclaim-on-demand records it in tags; the
        // tags outlive it, so only the time tells it expired.
        Object.assign(reservation.tags, {
          [TAG.overrideAction]: 'lend',
          [TAG.overrideTarget]: '30',
          [TAG.overrideExpires]: expires,
          [TAG.overrideReason]: 'test',
          [TAG.overrideSetAt]: new Date(start + 700 * MINUTE).toISOString(),
        });
      }
      const truth = {
        reservations: [reservation],
        alarms: { 'xnys-volatility-high': minute % 97 < 10 ? ('ALARM' as const) : ('OK' as const) },
        reclaimDurationsSeconds: [],
      };
      const direct = decide(
        { reservations: truth.reservations.map(snapshotOf), alarms: truth.alarms },
        example,
        new Date(at),
      ).decisions[0]?.need;
      expect(meter.needs(truth, at).get(TRADING), new Date(at).toISOString()).toBe(direct);
    }
  });
});
