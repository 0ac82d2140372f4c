import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { type PolicyConfig, parseConfig } from '#shared/config/schema.ts';
import { MAX_OVERRIDE_HOURS, noRecords, overrideStanding } from '#shared/domain/records.ts';
import type { AllocationStatus, ReservationSnapshot } from '#shared/domain/reservation.ts';
import { decide, leadMinutes, scheduleWindow } from '#shared/policy/index.ts';
import type { Decision, Observation } from '#shared/policy/types.ts';
import { TAG } from '#shared/records/tag-keys.ts';
import { overrideCodec } from '#shared/records/tags.ts';

// A few hundred runs; a fixed seed in CI so a failure there replays, a fresh one locally to keep exploring.
const RUNS = { numRuns: 200, ...(process.env['CI'] ? { seed: 20_261_127 } : {}) };
const ID = 'cr-0123456789abcdef0';
const ALARM = 'load-high';
/** The impairment alarm of another AZ of the group, for the cases where the reservation is an AZ member. */
const AZ_ALARM = 'az-impaired-us-east-1b';
const SIBLINGS = ['cr-0000000000000b001', 'cr-0000000000000c001'];
const FROM = new Date('2025-01-01T00:00:00Z').getTime();
const TO = new Date('2027-12-31T00:00:00Z').getTime();

const needSpec = fc.oneof(
  fc.integer({ min: 0, max: 1200 }),
  fc.record({ percent: fc.integer({ min: 0, max: 100 }) }),
  fc.constant('all' as const),
);

const configArb = fc
  .record({
    /** An AZ group member has no schedule: the group's need applies (and the lend-back guards still must). */
    azMember: fc.boolean(),
    groupSize: fc.integer({ min: 2, max: 3 }),
    required: fc.integer({ min: 1, max: 1500 }),
    market: fc.constantFrom('XNYS', 'XLON', 'WEEKDAYS'),
    tradingNeed: needSpec,
    offHoursNeed: needSpec,
    floor: fc.integer({ min: 0, max: 200 }),
    extra: fc.integer({ min: 0, max: 1000 }),
    cooldownMinutes: fc.integer({ min: 0, max: 120 }),
    quietMinutes: fc.integer({ min: 0, max: 120 }),
    minimumMinutes: fc.integer({ min: 0, max: 60 }),
    safetyMarginMinutes: fc.integer({ min: 0, max: 30 }),
    adjustment: fc.oneof(
      fc.record({ type: fc.constant('exact' as const), value: fc.integer({ min: 0, max: 1200 }) }),
      fc.record({ type: fc.constant('delta' as const), value: fc.integer({ min: 0, max: 300 }) }),
      fc.record({ type: fc.constant('percent' as const), value: fc.integer({ min: 0, max: 200 }) }),
      fc.record({ type: fc.constant('all' as const) }),
    ),
  })
  .map((spec) => {
    const siblings = spec.azMember ? SIBLINGS.slice(0, spec.groupSize - 1) : [];
    // The config refuses a floor where everything must come back (an `all` need or alarm).
    const allNeeded =
      spec.adjustment.type === 'all' ||
      (!spec.azMember &&
        (spec.tradingNeed === 'all' ||
          (typeof spec.tradingNeed === 'object' && spec.tradingNeed.percent >= 100)));
    const floor = allNeeded ? 0 : spec.floor;
    return parseConfig({
      reservations: [
        {
          id: ID,
          name: 'fleet',
          market: spec.market,
          ...(spec.azMember ? {} : { tradingNeed: spec.tradingNeed, offHoursNeed: spec.offHoursNeed }),
          floor,
          ceiling: Math.min(1000, floor + spec.extra),
        },
        ...siblings.map((id, index) => ({ id, name: `sibling-${index}`, market: spec.market })),
      ],
      azGroups: spec.azMember
        ? [
            {
              name: 'group',
              required: spec.required,
              reservations: [
                { az: 'us-east-1a', reservation: 'fleet' },
                ...siblings.map((id, index) => ({ az: `us-east-1${'bc'[index]}`, reservation: id })),
              ],
              impairmentAlarms: { 'us-east-1b': AZ_ALARM },
            },
          ]
        : [],
      alarms: { [ALARM]: { adjustment: spec.adjustment, scope: { reservations: ['fleet'] } } },
      guards: { cooldownMinutes: spec.cooldownMinutes, quietMinutes: spec.quietMinutes },
      lead: {
        minimumMinutes: spec.minimumMinutes,
        safetyMarginMinutes: spec.safetyMarginMinutes,
        minSamples: 3,
      },
      markets: {
        WEEKDAYS: {
          timeZone: 'Europe/Berlin',
          tradingDays: ['MON', 'TUE', 'WED', 'THU', 'FRI'],
          sessions: [{ open: '08:00', close: '18:00' }],
        },
      },
    });
  });

const STATUSES: AllocationStatus[] = ['pending', 'active', 'updating', 'canceling', 'canceled', 'failed'];

const snapshotArb = fc
  .record({
    owned: fc.integer({ min: 0, max: 1500 }),
    lentShare: fc.double({ min: 0, max: 1, noNaN: true }),
    availableShare: fc.double({ min: 0, max: 1, noNaN: true }),
    status: fc.option(fc.constantFrom(...STATUSES, 'active', 'active'), { nil: undefined }),
    minutesSinceReclaim: fc.option(fc.integer({ min: 0, max: 600 }), { nil: undefined }),
  })
  .map((spec) => (now: Date): ReservationSnapshot => {
    const lent = spec.status === undefined ? 0 : Math.min(1000, Math.floor(spec.owned * spec.lentShare));
    const available = Math.floor((spec.owned - lent) * spec.availableShare);
    const records = noRecords();
    if (spec.minutesSinceReclaim !== undefined) {
      records.lastReclaimAt = new Date(now.getTime() - spec.minutesSinceReclaim * 60_000);
    }
    const snapshot: ReservationSnapshot = {
      reservationId: ID,
      region: 'us-east-1',
      instanceType: 'r7i.4xlarge',
      availabilityZone: 'us-east-1a',
      state: 'active',
      sourceTotal: spec.owned - lent,
      sourceAvailable: available,
      owned: spec.owned,
      tags: {},
      records,
    };
    if (spec.status !== undefined) {
      snapshot.allocation = {
        current: lent,
        target: lent,
        status: spec.status,
        zeroSizePreference: 'retain',
      };
    }
    return snapshot;
  });

const nowArb = fc.integer({ min: FROM, max: TO }).map((ms) => new Date(Math.floor(ms / 60_000) * 60_000));
const alarmArb = fc.constantFrom('OK' as const, 'ALARM' as const, 'INSUFFICIENT_DATA' as const);
const durationsArb = fc.array(fc.integer({ min: 60, max: 1800 }), { maxLength: 8 });

interface Case {
  config: PolicyConfig;
  observation: Observation;
  now: Date;
}

const caseArb = fc
  .record({
    config: configArb,
    snapshot: snapshotArb,
    now: nowArb,
    alarm: alarmArb,
    azAlarm: alarmArb,
    durations: durationsArb,
  })
  .map(
    ({ config, snapshot, now, alarm, azAlarm, durations }): Case => ({
      config,
      now,
      observation: {
        reservations: [snapshot(now)],
        alarms: { [ALARM]: alarm, [AZ_ALARM]: azAlarm },
        reclaimDurationsSeconds: durations,
      },
    }),
  );

function only(config: PolicyConfig, observation: Observation, now: Date): Decision {
  const [decision] = decide(observation, config, now).decisions;
  if (decision === undefined) throw new Error('expected one decision');
  return decision;
}

/** Checks `property` on each generated case's one decision, its snapshot and its config entry. */
function forEveryDecision(
  property: (checked: {
    config: PolicyConfig;
    observation: Observation;
    now: Date;
    decision: Decision;
    snapshot: ReservationSnapshot;
    entry: PolicyConfig['reservations'][number];
  }) => void,
): void {
  fc.assert(
    fc.property(caseArb, ({ config, observation, now }) => {
      const [snapshot] = observation.reservations;
      const entry = config.reservations[0];
      if (snapshot === undefined || entry === undefined) return;
      property({ config, observation, now, decision: only(config, observation, now), snapshot, entry });
    }),
    RUNS,
  );
}

describe('decide (properties)', () => {
  it('keeps the target within floor, ceiling and what can be lent (or holds the current target)', () => {
    forEveryDecision(({ decision, snapshot, entry }) => {
      // A failed allocation still holds its instances: only a cancelled one lends nothing.
      const allocated = snapshot.allocation?.status === 'canceled' ? 0 : (snapshot.allocation?.current ?? 0);
      const lendable = allocated + snapshot.sourceAvailable;

      expect(decision.target).toBeGreaterThanOrEqual(0);
      expect(decision.target).toBeLessThanOrEqual(Math.min(entry.ceiling, lendable, 1000));
      const held = decision.target === decision.currentTarget;
      expect(held || decision.target >= Math.min(entry.floor, lendable)).toBe(true);
    });
  });

  it('never lends during a session, while an alarm is in ALARM, inside quiet or inside cooldown', () => {
    forEveryDecision(({ config, observation, now, decision, snapshot, entry }) => {
      const lastReclaim = snapshot.records.lastReclaimAt;
      const inCooldown =
        lastReclaim !== undefined &&
        now.getTime() < lastReclaim.getTime() + config.guards.cooldownMinutes * 60_000;
      const impaired = config.azGroups.length > 0 && observation.alarms[AZ_ALARM] === 'ALARM';
      const alarmed = observation.alarms[ALARM] === 'ALARM' || impaired;
      let scheduled = false;
      if (entry.tradingNeed !== undefined) {
        // Sessions and quiet apply where there is a schedule; AZ group members have none.
        const lead = leadMinutes(config, observation.reclaimDurationsSeconds ?? []);
        const window = scheduleWindow(entry.market, now, lead, config);
        const quietFrom = window.reclaimFrom.getTime() - config.guards.quietMinutes * 60_000;
        scheduled = window.inSession || now.getTime() >= quietFrom;
      }
      const forbidden = scheduled || alarmed || inCooldown;

      if (forbidden) {
        expect(decision.target).toBeLessThanOrEqual(decision.currentTarget);
        expect(decision.action).not.toBe('lend');
      }
    });
  });

  it('never gives a larger target for a larger need', () => {
    fc.assert(
      fc.property(caseArb, fc.integer({ min: 1, max: 500 }), ({ config, observation, now }, more) => {
        const entry = config.reservations[0];
        if (entry === undefined) return;
        const owned = observation.reservations[0]?.owned ?? 0;
        const asCount = (spec: typeof entry.tradingNeed): number =>
          spec === undefined
            ? 0
            : spec === 'all'
              ? owned
              : typeof spec === 'number'
                ? spec
                : Math.ceil((owned * spec.percent) / 100);
        const needier: PolicyConfig = {
          ...config,
          reservations: [
            {
              ...entry,
              tradingNeed: asCount(entry.tradingNeed) + more,
              offHoursNeed: asCount(entry.offHoursNeed) + more,
            },
          ],
        };

        expect(only(needier, observation, now).target).toBeLessThanOrEqual(
          only(config, observation, now).target,
        );
      }),
      RUNS,
    );
  });

  it('gives the same answer when deciding twice on the same input', () => {
    fc.assert(
      fc.property(caseArb, ({ config, observation, now }) => {
        expect(decide(observation, config, now)).toEqual(decide(observation, config, now));
      }),
      RUNS,
    );
  });

  it('lets an override outlive neither its expiry nor 24 hours from when it was set', () => {
    const overrideArb = fc.record({
      action: fc.constantFrom('reclaim', 'lend', 'steal'),
      target: fc.oneof(fc.integer({ min: -5, max: 1100 }).map(String), fc.string({ maxLength: 6 })),
      setAt: nowArb,
      lifetimeMinutes: fc.integer({ min: -60, max: 3 * 24 * 60 }),
      nowOffsetMinutes: fc.integer({ min: -120, max: 4 * 24 * 60 }),
      reason: fc.oneof(fc.string({ maxLength: 40 }), fc.string({ maxLength: 300 })),
    });
    fc.assert(
      fc.property(overrideArb, (spec) => {
        const expiresAt = new Date(spec.setAt.getTime() + spec.lifetimeMinutes * 60_000);
        const now = new Date(spec.setAt.getTime() + spec.nowOffsetMinutes * 60_000);
        const tags = {
          [TAG.overrideAction]: spec.action,
          [TAG.overrideTarget]: spec.target,
          [TAG.overrideSetAt]: spec.setAt.toISOString(),
          [TAG.overrideExpires]: expiresAt.toISOString(),
          [TAG.overrideReason]: spec.reason,
        };

        const reading = overrideCodec.read(tags);

        if (reading.kind === 'read' && overrideStanding(reading.value, now).kind === 'active') {
          expect(now.getTime()).toBeLessThan(expiresAt.getTime());
          expect(now.getTime()).toBeLessThan(spec.setAt.getTime() + MAX_OVERRIDE_HOURS * 3_600_000);
          expect(['reclaim', 'lend']).toContain(reading.value.action);
        }
      }),
      RUNS,
    );
  });
});
