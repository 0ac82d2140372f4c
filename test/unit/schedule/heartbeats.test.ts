import fc from 'fast-check';
import { DateTime } from 'luxon';
import { describe, expect, it } from 'vitest';
import { fireTimes } from '#infra/sandbox/schedule-expression.ts';
import { BUILT_IN_EXCHANGES, type Session, sessionsBetween } from '#shared/calendar/index.ts';
import { parseConfig } from '#shared/config/schema.ts';
import { calendarOptions, scheduleWindow } from '#shared/policy/lead.ts';
import { cronExpressions, type HeartbeatPlan, heartbeatPlan } from '#shared/schedule/heartbeats.ts';

// A few dozen generated fleets; a fixed seed in CI so a failure there replays, a fresh one locally.
const RUNS = { numRuns: 24, ...(process.env.CI ? { seed: 20_260_308 } : {}) };
const MINUTE = 60_000;

/** Every built-in market (new ones are covered as they land) and the configurable WEEKDAYS market. */
const MARKETS = [...BUILT_IN_EXCHANGES.map((exchange) => exchange.mic), 'WEEKDAYS'];
const REGIONS = ['us-east-1', 'us-east-2', 'eu-west-2', 'eu-central-1', 'ap-northeast-1', 'ap-southeast-2'];
/** Zones whose clocks change from 01:00 to 03:00 local, or never. */
const ZONES = [
  'UTC',
  'America/New_York',
  'America/Chicago',
  'Europe/London',
  'Europe/Berlin',
  'Asia/Jerusalem',
  'Asia/Tokyo',
  'Asia/Kolkata',
  'Australia/Sydney',
  'Pacific/Auckland',
];
/** Weeks that hold the spring and autumn DST switches of the northern and southern hemispheres. */
const SEASONS = [
  { from: '2025-03-03', to: '2025-04-14' },
  { from: '2025-09-22', to: '2025-11-10' },
  { from: '2026-02-23', to: '2026-04-13' },
  { from: '2026-09-21', to: '2026-11-09' },
  { from: '2027-03-01', to: '2027-04-12' },
  { from: '2027-09-20', to: '2027-11-08' },
];

const hhmm = (minutes: number): string =>
  `${String(Math.floor(minutes / 60)).padStart(2, '0')}:${String(minutes % 60).padStart(2, '0')}`;

const fleetArb = fc
  .record({
    markets: fc.subarray(MARKETS, { minLength: 1, maxLength: 3 }),
    regions: fc.subarray(REGIONS, { minLength: 1, maxLength: 3 }),
    granularity: fc.constantFrom(1, 2, 3, 5, 7, 10, 15, 30, 60),
    maximumMinutes: fc.integer({ min: 30, max: 360 }),
    zone: fc.constantFrom(...ZONES),
    open: fc.integer({ min: 0, max: 22 * 60 }),
    length: fc.integer({ min: 30, max: 12 * 60 }),
    season: fc.constantFrom(...SEASONS),
    leadShares: fc.array(fc.double({ min: 0, max: 1, noNaN: true }), { minLength: 1, maxLength: 3 }),
  })
  .map((spec) => {
    const close = Math.min(spec.open + spec.length, 23 * 60 + 59);
    const config = parseConfig({
      reservations: spec.markets.map((market, index) => ({
        id: `cr-${String(index).padStart(17, '0')}`,
        name: `fleet-${market}`,
        market,
        tradingNeed: 'all',
        offHoursNeed: 0,
      })),
      regions: spec.regions,
      lead: {
        minimumMinutes: 0,
        safetyMarginMinutes: 0,
        scheduleGranularityMinutes: spec.granularity,
        maximumMinutes: spec.maximumMinutes,
      },
      weekdayHours: { timeZone: spec.zone, open: hhmm(spec.open), close: hhmm(close) },
    });
    const leads = [
      ...new Set([
        0,
        spec.maximumMinutes,
        ...spec.leadShares.map((share) => Math.round(share * spec.maximumMinutes)),
      ]),
    ];
    return { config, leads, season: spec.season };
  });

/** When the generated schedules of one market fire over [from, to], evaluated as the Scheduler does. */
function marketFires(
  plan: HeartbeatPlan,
  market: string,
  from: Date,
  to: Date,
): { zone: string; fires: Date[] } {
  const heartbeats = plan.markets.find((entry) => entry.market === market);
  if (heartbeats === undefined) throw new Error(`no heartbeats for ${market}`);
  const fires = heartbeats.expressions
    .flatMap((expression) => fireTimes(expression, { after: from, until: to, timeZone: heartbeats.timeZone }))
    .sort((a, b) => a.getTime() - b.getTime());
  return { zone: heartbeats.timeZone, fires };
}

function localHour(at: Date, zone: string): number {
  return DateTime.fromJSDate(at, { zone }).hour;
}

describe('heartbeatPlan: generated fleets', () => {
  it('fires at every planned reclaim start, soon after every close, and never from 01:00 to 03:00 local', () => {
    fc.assert(
      fc.property(fleetArb, ({ config, leads, season }) => {
        const from = new Date(`${season.from}T00:00:00Z`);
        const to = new Date(`${season.to}T00:00:00Z`);
        const granularity = config.lead.scheduleGranularityMinutes;
        const plan = heartbeatPlan(config);
        for (const market of new Set(config.reservations.map((reservation) => reservation.market))) {
          const { zone, fires } = marketFires(
            plan,
            market,
            new Date(from.getTime() - 2 * 86_400_000),
            new Date(to.getTime() + 2 * 86_400_000),
          );
          const fireSet = new Set(fires.map((fire) => fire.getTime()));
          const unsafe = fires.filter((fire) => [1, 2].includes(localHour(fire, zone)));
          expect(
            unsafe.map((fire) => fire.toISOString()),
            `${market} fires from 01:00 to 03:00`,
          ).toEqual([]);

          const sessions: Session[] = sessionsBetween(market, from, to, calendarOptions(config));
          expect(sessions.length).toBeGreaterThan(0);
          sessions.forEach((session, index) => {
            if (index === 0) return;
            const previousClose = sessions[index - 1]?.close ?? from;
            for (const lead of leads) {
              const window = scheduleWindow(market, previousClose, lead, config);
              expect(window.session.open).toEqual(session.open);
              const start = window.reclaimFrom;
              expect(start.getTime()).toBeLessThanOrEqual(session.open.getTime() - lead * MINUTE);
              expect(
                fireSet.has(start.getTime()),
                `${market} ${session.date}: no heartbeat at the planned start ${start.toISOString()} (lead ${lead})`,
              ).toBe(true);
            }
            const after = fires.find((fire) => fire >= session.close);
            expect(after, `${market} ${session.date}: nothing after the close`).toBeDefined();
            const wait = ((after?.getTime() ?? 0) - session.close.getTime()) / MINUTE;
            // A close from 01:00 to 03:00 local waits for 03:00.
            const closeHour = localHour(new Date(session.close.getTime() + granularity * MINUTE), zone);
            const bound = [1, 2, 3].includes(closeHour) ? 120 + granularity : granularity;
            expect(
              wait,
              `${market} ${session.date}: ${wait} min from close to heartbeat`,
            ).toBeLessThanOrEqual(bound);
          });
        }
      }),
      RUNS,
    );
  });

  it('gives every market a zone of its own and the safety net in UTC, hourly', () => {
    const config = parseConfig({
      reservations: MARKETS.map((market, index) => ({
        id: `cr-${String(index).padStart(17, '0')}`,
        name: market,
        market,
        tradingNeed: 'all',
        offHoursNeed: 0,
      })),
    });
    const plan = heartbeatPlan(config);
    expect(plan.markets.map((entry) => entry.market)).toEqual(MARKETS);
    const day = { after: new Date('2026-03-29T00:00:00Z'), until: new Date('2026-03-30T00:00:00Z') };
    expect(fireTimes(plan.safetyNet.expression, { ...day, timeZone: plan.safetyNet.timeZone })).toHaveLength(
      24,
    );
  });
});

describe('cronExpressions', () => {
  it('writes slots on the same days in one expression per set of minutes', () => {
    const weekdays = new Set([2, 3, 4, 5, 6]);
    const slots = new Map<number, Set<number>>();
    for (let minute = 6 * 60 + 30; minute <= 9 * 60 + 30; minute += 5) slots.set(minute, weekdays);
    slots.set(16 * 60, weekdays);
    slots.set(13 * 60, new Set([4, 6]));
    expect(cronExpressions(slots, 5)).toEqual([
      'cron(30/5 6 ? * MON-FRI *)',
      'cron(0/5 7,8 ? * MON-FRI *)',
      'cron(0,5,10,15,20,25,30 9 ? * MON-FRI *)',
      'cron(0 16 ? * MON-FRI *)',
      'cron(0 13 ? * WED,FRI *)',
    ]);
  });

  it('writes runs of minutes as ranges on a one-minute grid', () => {
    const slots = new Map([[10 * 60, new Set([1])]]);
    for (let minute = 10 * 60; minute < 10 * 60 + 20; minute += 1) slots.set(minute, new Set([1]));
    expect(cronExpressions(slots, 1)).toEqual(['cron(0-19 10 ? * SUN *)']);
  });
});
