import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { DEFAULT_SCENARIO } from '#sandbox/main.ts';
import {
  checkScenarioAgainstConfig,
  type LoadedScenario,
  loadScenarioFile,
  parseScenario,
} from '#sandbox/scenario.ts';
import { loadConfigFile } from '../../../shared/config/load-config.ts';
import { scenarioMistake } from '../../support/scenario.ts';

const base = fileURLToPath(new URL('.', import.meta.url));

const minimal = () => ({
  name: 'minimal',
  start: '2026-03-09T00:00:00-04:00',
  end: '2026-03-10T00:00:00-04:00',
  fleet: {
    config: '../../../config/example.json',
    seed: {
      reservations: [{ instanceType: 'm5.large', availabilityZone: 'us-east-1a', totalInstanceCount: 4 }],
    },
  },
});

const problemOf = (input: unknown): string => scenarioMistake(() => parseScenario(input, base));

describe('parseScenario', () => {
  it('fills defaults and resolves the config path against the scenario file', () => {
    const scenario = parseScenario(minimal(), base);
    expect(scenario.timeZone).toBe('America/New_York');
    expect(scenario.alarms).toEqual([]);
    expect(scenario.configFile.endsWith('/config/example.json')).toBe(true);
    expect(scenario.seedState).toMatchObject({ reservations: [{ totalInstanceCount: 4 }] });
  });

  it.each([
    [
      { borrowers: [{ at: '2026-03-09T10:00:00Z', reservation: 'cr-1', running: 3 }] },
      'borrowers[0].reservation',
    ],
    [
      { borrowers: [{ at: '2026-03-09T10:00:00Z', reservation: 'cr-0123456789abcdef0', running: -1 }] },
      'borrowers[0].running',
    ],
    [{ alarms: [{ at: 'Wednesday noon', name: 'x', state: 'ALARM' }] }, 'alarms[0].at'],
    [{ alarms: [{ at: '2026-03-11T10:00:00Z', name: 'x', state: 'RED' }] }, 'alarms[0].state'],
    [{ end: '2026-03-08T00:00:00Z' }, 'end: expected end after start'],
    [
      {
        azImpairments: [
          { from: '2026-03-13T10:00:00Z', until: '2026-03-13T09:00:00Z', availabilityZone: 'us-east-1a' },
        ],
      },
      'azImpairments[0].until',
    ],
    [
      {
        azImpairments: [
          { from: '2026-03-13T10:00:00Z', until: '2026-03-13T11:00:00Z', availabilityZone: 'a' },
        ],
      },
      'azImpairments[0].availabilityZone',
    ],
    [{ prices: { 'r7i.4xlarge': 0 } }, 'prices.r7i.4xlarge'],
    [{ onCall: [{ at: '2026-03-12T10:00:00Z' }] }, 'onCall[0].payload'],
  ])('names the field of a mistake (%#)', (change, field) => {
    expect(problemOf({ ...minimal(), ...change })).toContain(field);
  });

  it('names a missing seed file', () => {
    expect(problemOf({ ...minimal(), fleet: { config: 'x.json', seed: 'nowhere/seed.json' } })).toContain(
      'fleet.seed: cannot read',
    );
  });
});

describe('parseScenario: strict as the config', () => {
  it.each([
    [{ colour: 'blue' }, "colour: unknown field 'colour'"],
    [
      { alarms: [{ at: '2026-03-11T10:00:00Z', name: 'x', state: 'ALARM', severity: 2 }] },
      "alarms[0].severity: unknown field 'severity'",
    ],
    [{ settings: { speed: 10 } }, "settings.speed: unknown field 'speed'"],
    [{ settings: { shutdownSeconds: -1 } }, 'settings.shutdownSeconds'],
    [{ timeZone: 'New York' }, 'timeZone: expected an IANA time zone'],
    [{ alarms: [{ at: '2026-02-30T10:00:00Z', name: 'x', state: 'ALARM' }] }, 'alarms[0].at'],
    [
      {
        fleet: {
          config: 'x.json',
          seed: {
            reservations: [
              { instanceType: 'm5.large', availabilityZone: 'us-east-1a', totalInstanceCount: 4, count: 2 },
            ],
          },
        },
      },
      "fleet.seed.reservations[0].count: unknown field 'count'",
    ],
    [
      {
        fleet: {
          config: 'x.json',
          seed: {
            reservations: [
              {
                instanceType: 'm5.large',
                availabilityZone: 'eu-west-2a',
                region: 'us-east-1',
                totalInstanceCount: 4,
              },
            ],
          },
        },
      },
      'fleet.seed.reservations[0].region: expected eu-west-2',
    ],
    [
      {
        fleet: {
          config: 'x.json',
          seed: {
            reservations: [
              {
                instanceType: 'm5.large',
                availabilityZone: 'us-east-1a',
                totalInstanceCount: 4,
                interruptible: { instanceCount: 2, borrowed: 3 },
              },
            ],
          },
        },
      },
      'fleet.seed.reservations[0].interruptible.borrowed',
    ],
  ])('names the field of a mistake (%#)', (change, problem) => {
    expect(problemOf({ ...minimal(), ...change })).toContain(problem);
  });

  it('lists every mistake at once, one line each', () => {
    const problem = problemOf({ ...minimal(), colour: 'blue', start: 'Monday' });
    expect(problem.split('\n').filter((line) => line.startsWith('  '))).toHaveLength(2);
  });
});

describe('checkScenarioAgainstConfig', () => {
  const config = loadConfigFile(fileURLToPath(new URL('../../../config/example.json', import.meta.url)));
  const defaultScenario = () => loadScenarioFile(DEFAULT_SCENARIO);
  const mistakeIn = (scenario: LoadedScenario): string =>
    scenarioMistake(() => checkScenarioAgainstConfig(scenario, config, 'us-east-1'));
  const at = '2026-03-11T10:00:00-04:00';

  it('passes the shipped scenarios', () => {
    expect(mistakeIn(defaultScenario())).toBe('no error');
    const thanksgiving = loadScenarioFile(
      fileURLToPath(new URL('../../../sandbox/scenarios/thanksgiving-week-2026.json', import.meta.url)),
    );
    expect(mistakeIn(thanksgiving)).toBe('no error');
  });

  it('accepts an AZ impairment alarm by name', () => {
    const scenario = defaultScenario();
    scenario.alarms.push({ at, name: 'az-impaired-us-east-1b', state: 'ALARM' });
    expect(mistakeIn(scenario)).toBe('no error');
  });

  it.each<[string, (scenario: LoadedScenario) => void, string]>([
    [
      'an alarm no config alarm has',
      (scenario) => scenario.alarms.push({ at, name: 'xnys-volatility-hi', state: 'ALARM' }),
      "alarms[4].name: expected an alarm of the config or an AZ impairment alarm of its azGroups (xnys-volatility-high, trading-load-high, az-impaired-us-east-1a, az-impaired-us-east-1b, az-impaired-us-east-1c), got 'xnys-volatility-hi'",
    ],
    [
      'an impairment naming an unknown alarm',
      (scenario) =>
        scenario.azImpairments.push({
          from: at,
          until: '2026-03-11T11:00:00-04:00',
          availabilityZone: 'us-east-1b',
          alarm: 'az-b-down',
        }),
      "azImpairments[1].alarm: expected an alarm of the config or an AZ impairment alarm of its azGroups (xnys-volatility-high, trading-load-high, az-impaired-us-east-1a, az-impaired-us-east-1b, az-impaired-us-east-1c), got 'az-b-down'",
    ],
    [
      'an impairment of an AZ no group watches',
      (scenario) =>
        scenario.azImpairments.push({
          from: at,
          until: '2026-03-11T11:00:00-04:00',
          availabilityZone: 'us-east-1d',
        }),
      'azImpairments[1].availabilityZone: no azGroups impairmentAlarms entry for us-east-1d',
    ],
    [
      'a borrower on a reservation the fleet does not hold',
      (scenario) => scenario.borrowers.push({ at, reservation: 'cr-0000000000000d001', running: 1 }),
      "borrowers[3].reservation: expected a reservation the fleet holds (cr-0123456789abcdef0, cr-0000000000000a001, cr-0000000000000b001, cr-0000000000000c001), got 'cr-0000000000000d001'",
    ],
    [
      'an on-call payload with an unknown field',
      (scenario) =>
        scenario.onCall.push({ at, payload: { action: 'status', colour: 'red' } as Record<string, unknown> }),
      "onCall[1].payload.colour: unknown field 'colour'",
    ],
    [
      'an on-call change without a reason',
      (scenario) =>
        scenario.onCall.push({ at, payload: { action: 'reclaim', all: true, everything: true, for: '1h' } }),
      'onCall[1].payload.reason',
    ],
    [
      'an on-call change of a reservation the fleet does not hold',
      (scenario) =>
        scenario.onCall.push({
          at,
          payload: {
            action: 'reclaim',
            reservations: ['cr-0000000000000d001'],
            everything: true,
            for: '1h',
            reason: 'x',
          },
        }),
      'onCall[1].payload.reservations[0]: expected a reservation the fleet holds',
    ],
    [
      'a seeded reservation in a region the service does not cover',
      (scenario) =>
        scenario.seedState.reservations.push({
          id: 'cr-0000000000000e001',
          instanceType: 'm5.large',
          availabilityZone: 'eu-west-2a',
          totalInstanceCount: 2,
        }),
      "fleet.seed.reservations[4].availabilityZone: eu-west-2 is not a region the service covers (serverless.yml's region us-east-1",
    ],
    [
      'a configured reservation the seed does not hold',
      (scenario) => {
        scenario.seedState.reservations.splice(1, 1);
        scenario.borrowers.length = 0;
      },
      "fleet.seed.reservations: expected the config's reservation risk-engine-a (cr-0000000000000a001); the fleet does not hold it",
    ],
    [
      'a seed alarm no config alarm has',
      (scenario) => scenario.seedState.alarms.push({ name: 'legacy-alarm', state: 'OK' }),
      'fleet.seed.alarms[5].name',
    ],
  ])('refuses %s, naming the field', (_what, change, problem) => {
    const scenario = defaultScenario();
    change(scenario);
    expect(mistakeIn(scenario)).toContain(problem);
  });
});
