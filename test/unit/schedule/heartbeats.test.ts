import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { fireTimes } from '#sandbox/schedule-expression.ts';
import { BUILT_IN_EXCHANGES } from '#shared/calendar/index.ts';
import { parseConfig } from '#shared/config/schema.ts';
import { decide } from '#shared/policy/decide.ts';
import { cronExpressions, HeartbeatError, heartbeatPlan } from '#shared/schedule/heartbeats.ts';
import { TRADING_ID, tradingSnapshot } from '../policy/fixtures.ts';
import { heartbeatProblems } from './check-heartbeats.ts';

// A few dozen generated fleets; a fixed seed in CI so a failure there replays, a fresh one locally.
const RUNS = { numRuns: 24, ...(process.env.CI ? { seed: 20_260_308 } : {}) };

/** Every built-in market (new ones are covered as they land) and a custom market the test defines. */
const CUSTOM = 'CUSTOM';
const MARKETS = [...BUILT_IN_EXCHANGES.map((exchange) => exchange.mic), CUSTOM];
const REGIONS = ['us-east-1', 'us-east-2', 'eu-west-2', 'eu-central-1', 'ap-northeast-1', 'ap-southeast-2'];
const DAY_NAMES = ['MON', 'TUE', 'WED', 'THU', 'FRI', 'SAT', 'SUN'];
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

/** A config's `markets` with one custom market, trading Mondays from `open` to `close` in `timeZone`. */
function mondayMarket(name: string, timeZone: string, open: string, close: string) {
  return { [name]: { timeZone, tradingDays: ['MON'], sessions: [{ open, close }] } };
}

const hhmm = (minutes: number): string => {
  const wrapped = ((minutes % 1440) + 1440) % 1440;
  return `${String(Math.floor(wrapped / 60)).padStart(2, '0')}:${String(wrapped % 60).padStart(2, '0')}`;
};

/** One or two sessions a day (a lunch break), either of which may cross midnight. */
const customSessionsArb = fc
  .record({
    open: fc.integer({ min: 0, max: 1439 }),
    morning: fc.integer({ min: 30, max: 600 }),
    lunch: fc.option(
      fc.record({ gap: fc.integer({ min: 15, max: 180 }), afternoon: fc.integer({ min: 30, max: 480 }) }),
    ),
  })
  .map(({ open, morning, lunch }) => [
    { open: hhmm(open), close: hhmm(open + morning) },
    ...(lunch === null
      ? []
      : [
          {
            open: hhmm(open + morning + lunch.gap),
            close: hhmm(open + morning + lunch.gap + lunch.afternoon),
          },
        ]),
  ]);

const fleetArb = fc
  .record({
    markets: fc.subarray(MARKETS, { minLength: 1, maxLength: 3 }),
    regions: fc.subarray(REGIONS, { minLength: 1, maxLength: 3 }),
    granularity: fc.constantFrom(1, 2, 3, 5, 7, 10, 15, 30, 60),
    maximumMinutes: fc.integer({ min: 30, max: 360 }),
    headsUpMinutes: fc.integer({ min: 1, max: 240 }),
    zone: fc.constantFrom(...ZONES),
    tradingDays: fc.subarray(DAY_NAMES, { minLength: 1 }),
    sessions: customSessionsArb,
    lendLunchBreak: fc.boolean(),
    season: fc.constantFrom(...SEASONS),
    leadShares: fc.array(fc.double({ min: 0, max: 1, noNaN: true }), { minLength: 1, maxLength: 3 }),
  })
  .map((spec) => {
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
      headsUp: { minutesBefore: spec.headsUpMinutes },
      markets: {
        [CUSTOM]: {
          timeZone: spec.zone,
          tradingDays: spec.tradingDays,
          sessions: spec.sessions,
          lendLunchBreak: spec.lendLunchBreak,
        },
      },
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

describe('heartbeatPlan: generated fleets', () => {
  it('fires at every planned reclaim start, soon after every close, and never from 01:00 to 03:00 local', () => {
    fc.assert(
      fc.property(fleetArb, ({ config, leads, season }) => {
        const plan = heartbeatPlan(config);
        for (const market of new Set(config.reservations.map((reservation) => reservation.market))) {
          const problems = heartbeatProblems({
            config,
            market,
            schedule: plan.markets.find((entry) => entry.market === market),
            leads,
            from: new Date(`${season.from}T00:00:00Z`),
            to: new Date(`${season.to}T00:00:00Z`),
          });
          expect(problems).toEqual([]);
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
      markets: mondayMarket(CUSTOM, 'Asia/Kolkata', '09:15', '15:30'),
    });
    const plan = heartbeatPlan(config);
    expect(plan.markets.map((entry) => entry.market)).toEqual(MARKETS);
    expect(plan.markets.find((entry) => entry.market === CUSTOM)?.timeZone).toBe('Asia/Kolkata');
    const day = { after: new Date('2026-03-29T00:00:00Z'), until: new Date('2026-03-30T00:00:00Z') };
    expect(fireTimes(plan.safetyNet.expression, { ...day, timeZone: plan.safetyNet.timeZone })).toHaveLength(
      24,
    );
  });

  it("covers a custom market's dated early close outside the built-in calendars' years", () => {
    const config = parseConfig({
      reservations: [
        { id: 'cr-00000000000000000', name: 'f', market: CUSTOM, tradingNeed: 'all', offHoursNeed: 0 },
      ],
      markets: {
        [CUSTOM]: {
          timeZone: 'UTC',
          tradingDays: ['MON', 'TUE', 'WED', 'THU', 'FRI'],
          sessions: [{ open: '09:00', close: '17:00' }],
          earlyCloses: { '2031-06-03': { close: '11:10', note: 'half day' } },
        },
      },
    });
    const [custom] = heartbeatPlan(config).markets;
    const day = { after: new Date('2031-06-03T00:00:00Z'), until: new Date('2031-06-04T00:00:00Z') };
    const fires = (custom?.expressions ?? []).flatMap((expression) =>
      fireTimes(expression, { ...day, timeZone: 'UTC' }),
    );
    expect(fires.map((fire) => fire.toISOString())).toContain('2031-06-03T11:10:00.000Z');
  });
});

describe('heartbeatPlan: zones', () => {
  it('refuses a market whose zone changes its clocks outside 01:00-03:00 local, naming it', () => {
    const config = parseConfig({
      reservations: [
        { id: 'cr-00000000000000000', name: 'f', market: 'SANTIAGO', tradingNeed: 'all', offHoursNeed: 0 },
      ],
      markets: mondayMarket('SANTIAGO', 'America/Santiago', '09:30', '16:00'),
    });
    expect(() => heartbeatPlan(config)).toThrow(HeartbeatError);
    expect(() => heartbeatPlan(config)).toThrow(
      /SANTIAGO: America\/Santiago changes its clocks at .* outside 01:00-03:00/,
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

describe('decide: the times it states are heartbeat times', () => {
  const config = parseConfig({
    reservations: [{ id: TRADING_ID, name: 'desk', market: CUSTOM, tradingNeed: 'all', offHoursNeed: 40 }],
    lead: { minimumMinutes: 23, safetyMarginMinutes: 0, scheduleGranularityMinutes: 5 },
    markets: mondayMarket(CUSTOM, 'Europe/Berlin', '09:02', '16:32'),
  });
  const plan = heartbeatPlan(config);
  const fires = (plan.markets[0]?.expressions ?? []).flatMap((expression) =>
    fireTimes(expression, {
      after: new Date('2026-03-09T00:00:00Z'),
      until: new Date('2026-03-10T00:00:00Z'),
      timeZone: 'Europe/Berlin',
    }),
  );
  const heartbeat = (iso: string) => fires.some((fire) => fire.getTime() === Date.parse(iso));

  it.each([
    {
      behaviour:
        'plans the reclaim on the heartbeat at or before open - lead (08:35 for a 09:02 open, lead 23)',
      now: '2026-03-09T06:00:00Z',
      nextChangeAt: '2026-03-09T07:35:00.000Z',
      reasons: /reclaim from 08:35/,
    },
    {
      behaviour: 'states the lend-back at the heartbeat after a close off the grid (16:35 for 16:32)',
      now: '2026-03-09T12:00:00Z',
      nextChangeAt: '2026-03-09T15:35:00.000Z',
      reasons: /closes 16:32, lend-back on the 16:35 heartbeat/,
    },
  ])('$behaviour', ({ now, nextChangeAt, reasons }) => {
    const [decision] = decide(
      { reservations: [tradingSnapshot(0, 100)], alarms: {} },
      config,
      new Date(now),
    ).decisions;
    expect(decision?.nextChangeAt?.toISOString()).toBe(nextChangeAt);
    expect(heartbeat(nextChangeAt)).toBe(true);
    expect(decision?.reasons.join(' ')).toMatch(reasons);
  });
});
