import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { scheduleEvents } from '#infra/build.ts';
import { BUILT_IN_EXCHANGES } from '#shared/calendar/index.ts';
import { type PolicyConfig, parseConfig } from '#shared/config/schema.ts';
import { heartbeatPlan } from '#shared/schedule/heartbeats.ts';
import { heartbeatProblems } from '../schedule/check-heartbeats.ts';
import {
  type CfnTemplate,
  type PackagedService,
  packageTemplate,
  resourcesOfType,
} from './package-template.ts';

/**
 * A fleet the repo does not ship, packaged as `npm run package -- --config <file>` does: its template's
 * Scheduler schedules are the derived ones, and, evaluated as the Scheduler evaluates them, fire at the
 * reclaim starts the policy plans. One fleet per run (packaging takes tens of seconds); a fixed seed in CI.
 */
const SEED = process.env.CI ? 20_261_201 : Date.now() % 1_000_000;
const CUSTOM = 'DESK';

function generatedConfig(seed: number): PolicyConfig {
  const [spec] = fc.sample(
    fc.record({
      markets: fc.subarray(
        BUILT_IN_EXCHANGES.map((exchange) => exchange.mic),
        { minLength: 2, maxLength: 4 },
      ),
      regions: fc.subarray(['us-east-1', 'eu-west-2', 'ap-northeast-1', 'ca-central-1'], { minLength: 1 }),
      granularity: fc.constantFrom(1, 5, 10, 15),
      maximumMinutes: fc.integer({ min: 60, max: 300 }),
      zone: fc.constantFrom('America/Chicago', 'Europe/Berlin', 'Australia/Sydney', 'Asia/Kolkata'),
      open: fc.integer({ min: 0, max: 23 }),
      lendLunchBreak: fc.boolean(),
    }),
    { seed, numRuns: 1 },
  );
  if (spec === undefined) throw new Error('no sample');
  const markets = [...spec.markets, CUSTOM];
  return parseConfig({
    reservations: markets.map((market, index) => ({
      id: `cr-${String(index).padStart(17, '0')}`,
      name: `fleet-${market}`,
      market,
      tradingNeed: 'all',
      offHoursNeed: 0,
    })),
    alarms: {
      'fleet-load-high': { adjustment: { type: 'all' }, scope: { reservations: [`fleet-${CUSTOM}`] } },
    },
    regions: spec.regions,
    lead: { scheduleGranularityMinutes: spec.granularity, maximumMinutes: spec.maximumMinutes },
    markets: {
      ...Object.fromEntries(spec.markets.map((market) => [market, { lendLunchBreak: spec.lendLunchBreak }])),
      [CUSTOM]: {
        timeZone: spec.zone,
        tradingDays: ['SUN', 'MON', 'TUE', 'WED', 'THU'],
        sessions: [
          {
            open: `${String(spec.open).padStart(2, '0')}:15`,
            close: `${String((spec.open + 3) % 24).padStart(2, '0')}:40`,
          },
          {
            open: `${String((spec.open + 5) % 24).padStart(2, '0')}:00`,
            close: `${String((spec.open + 9) % 24).padStart(2, '0')}:05`,
          },
        ],
        lendLunchBreak: true,
        earlyCloses: {
          '2026-10-29': {
            close: `${String((spec.open + 2) % 24).padStart(2, '0')}:50`,
            note: 'desk closes early',
          },
        },
      },
    },
  });
}

let config: PolicyConfig;
let packaged: PackagedService;
let template: CfnTemplate;
let directory: string;

beforeAll(async () => {
  config = generatedConfig(SEED);
  directory = mkdtempSync(path.join(tmpdir(), 'odcr-generated-config-'));
  const configFile = path.join(directory, 'config.json');
  writeFileSync(configFile, JSON.stringify(config));
  packaged = await packageTemplate(undefined, { configFile });
  template = packaged.template;
}, 180_000);

afterAll(() => {
  packaged?.dispose();
  if (directory !== undefined) rmSync(directory, { recursive: true, force: true });
});

/** The packaged schedules, by the market their description names (the safety net under 'UTC'). */
function packagedSchedules(): Map<string, { timeZone: string; expressions: string[] }> {
  const byMarket = new Map<string, { timeZone: string; expressions: string[] }>();
  for (const [, resource] of resourcesOfType(template, 'AWS::Scheduler::Schedule')) {
    const properties = resource.Properties ?? {};
    const description = String(properties.Description);
    const market = description.startsWith('Hourly') ? 'UTC' : (description.split(' ')[0] ?? '');
    const entry = byMarket.get(market) ?? {
      timeZone: String(properties.ScheduleExpressionTimezone),
      expressions: [],
    };
    entry.expressions.push(String(properties.ScheduleExpression));
    byMarket.set(market, entry);
  }
  return byMarket;
}

describe(`packaged template of a generated fleet (seed ${SEED})`, () => {
  it('has exactly the derived heartbeat schedules, each in its zone', () => {
    const derived = scheduleEvents(heartbeatPlan(config))
      .flatMap((event) => event.schedule.rate.map((rate) => `${event.schedule.timezone} ${rate}`))
      .sort();
    const schedules = resourcesOfType(template, 'AWS::Scheduler::Schedule').map(
      ([, resource]) =>
        `${String(resource.Properties?.ScheduleExpressionTimezone)} ${String(resource.Properties?.ScheduleExpression)}`,
    );
    expect(schedules.sort()).toEqual(derived);
  });

  it('fires at every planned reclaim start and after every close, in each market zone, through DST', () => {
    const schedules = packagedSchedules();
    const markets = [...new Set(config.reservations.map((reservation) => reservation.market))];
    expect([...schedules.keys()].sort()).toEqual([...markets, 'UTC'].sort());
    const maximum = config.lead.maximumMinutes;
    for (const market of markets) {
      for (const season of [
        { from: new Date('2026-03-02T00:00:00Z'), to: new Date('2026-04-13T00:00:00Z') },
        { from: new Date('2026-09-28T00:00:00Z'), to: new Date('2026-11-09T00:00:00Z') },
      ]) {
        const problems = heartbeatProblems({
          config,
          market,
          schedule: schedules.get(market),
          leads: [0, 25, Math.floor(maximum / 2), maximum],
          ...season,
        });
        expect(problems).toEqual([]);
      }
    }
  });
});
