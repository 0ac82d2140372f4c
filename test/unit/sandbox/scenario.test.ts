import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { parseScenario, ScenarioError } from '../../../infra/sandbox/scenario.ts';

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

const problemOf = (input: unknown): string => {
  try {
    parseScenario(input, base);
  } catch (error: unknown) {
    if (error instanceof ScenarioError) return error.message;
    throw error;
  }
  return 'no error';
};

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
      'borrowers.0.reservation',
    ],
    [
      { borrowers: [{ at: '2026-03-09T10:00:00Z', reservation: 'cr-0123456789abcdef0', running: -1 }] },
      'borrowers.0.running',
    ],
    [{ alarms: [{ at: 'Wednesday noon', name: 'x', state: 'ALARM' }] }, 'alarms.0.at'],
    [{ alarms: [{ at: '2026-03-11T10:00:00Z', name: 'x', state: 'RED' }] }, 'alarms.0.state'],
    [{ end: '2026-03-08T00:00:00Z' }, 'end: end must be after start'],
    [
      {
        azImpairments: [
          { from: '2026-03-13T10:00:00Z', until: '2026-03-13T09:00:00Z', availabilityZone: 'us-east-1a' },
        ],
      },
      'azImpairments.0.until',
    ],
    [
      {
        azImpairments: [
          { from: '2026-03-13T10:00:00Z', until: '2026-03-13T11:00:00Z', availabilityZone: 'a' },
        ],
      },
      'azImpairments.0.availabilityZone',
    ],
    [{ prices: { 'r7i.4xlarge': 0 } }, 'prices.r7i.4xlarge'],
    [{ onCall: [{ at: '2026-03-12T10:00:00Z' }] }, 'onCall.0.payload'],
  ])('names the field of a mistake (%#)', (change, field) => {
    expect(problemOf({ ...minimal(), ...change })).toContain(field);
  });

  it('names a missing seed file', () => {
    expect(problemOf({ ...minimal(), fleet: { config: 'x.json', seed: 'nowhere/seed.json' } })).toContain(
      'fleet.seed: cannot read',
    );
  });
});
