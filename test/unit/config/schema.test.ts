import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadConfigFile } from '#shared/config/load-config.ts';
import { ConfigError, parseConfig } from '#shared/config/schema.ts';
import { configIssues, EXAMPLE_CONFIG_FILE, exampleConfigInput } from '../../support/config-input.ts';

describe('parseConfig', () => {
  it('accepts the example fleet and fills in defaults', () => {
    const config = loadConfigFile(EXAMPLE_CONFIG_FILE);

    expect(config.reservations.map((reservation) => reservation.name)).toEqual([
      'xnys-trading-r7i',
      'risk-engine-a',
      'risk-engine-b',
      'risk-engine-c',
    ]);
    expect(config.reservations[0]).toMatchObject({ tradingNeed: 'all', offHoursNeed: 40, ceiling: 60 });
    expect(config.reservations[1]).toMatchObject({ floor: 0, ceiling: 1000, zeroSizePreference: 'retain' });
    expect(config.azGroups[0]).toMatchObject({ name: 'risk-engine', required: 6 });
  });

  it('names the field path and what was expected', () => {
    const input = exampleConfigInput();
    const reservations = input['reservations'] as Record<string, unknown>[];
    reservations[0] = { ...reservations[0], tradingNeed: 'most' };

    const error = (() => {
      try {
        parseConfig(input);
      } catch (caught: unknown) {
        return caught;
      }
      return undefined;
    })();

    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).name).toBe('ConfigError');
    expect((error as ConfigError).message).toMatch(
      /reservations\[0\]\.tradingNeed: expected a count .* or 'all'/,
    );
  });

  it.each([
    [
      'an unknown market',
      { market: 'NOPE' },
      'reservations[0].market',
      /expected a built-in market \(XNYS, .*XLON.*\) or a custom market defined under markets, got 'NOPE'/,
    ],
    ['a bad id', { id: 'cr-123' }, 'reservations[0].id', /cr-0123456789abcdef0/],
    ['a negative off-hours need', { offHoursNeed: -1 }, 'reservations[0].offHoursNeed', /expected/],
    [
      'a percent over 100',
      { offHoursNeed: { percent: 140 } },
      'reservations[0].offHoursNeed.percent',
      /<=100/,
    ],
    ['floor above ceiling', { floor: 70, ceiling: 60 }, 'reservations[0].floor', /floor ≤ ceiling/],
    ['a ceiling over 1000', { ceiling: 1001 }, 'reservations[0].ceiling', /at most 1000/],
    ['only one of the needs', { offHoursNeed: undefined }, 'reservations[0].offHoursNeed', /both/],
    ['an unknown field', { tradingneed: 3 }, 'reservations[0].tradingneed', /unknown field 'tradingneed'/],
    [
      'both id and selector',
      { selector: { tags: { fleet: 'trading' } } },
      'reservations[0].id',
      /exactly one/,
    ],
  ])('rejects %s', (_case, change, path, message) => {
    const input = exampleConfigInput();
    const reservations = input['reservations'] as Record<string, unknown>[];
    reservations[0] = { ...reservations[0], ...change };

    const issue = configIssues(input).find((candidate) => candidate.path === path);

    expect(issue?.message).toMatch(message);
  });

  it('rejects alarms, scopes and AZ groups that point nowhere', () => {
    const input = exampleConfigInput();
    input['alarms'] = {
      'latency-high': { adjustment: { type: 'step' }, scope: { reservations: ['x'] } },
      'load-high': {
        adjustment: { type: 'delta', value: 5 },
        scope: { reservations: ['nope'], groups: ['nobody'] },
      },
    };
    const groups = input['azGroups'] as Record<string, unknown>[];
    groups[0] = { ...groups[0], impairmentAlarms: { 'us-east-1d': 'az-impaired-us-east-1d' } };

    const issues = configIssues(input);
    const paths = issues.map((issue) => issue.path);

    expect(paths).toContain('alarms.latency-high.adjustment.type');
    expect(paths).toContain('azGroups[0].impairmentAlarms.us-east-1d');
  });

  it('rejects references to unknown reservations and groups once the shapes are right', () => {
    const input = exampleConfigInput();
    input['alarms'] = {
      'load-high': {
        adjustment: { type: 'delta', value: 5 },
        scope: { reservations: ['nope'], groups: ['nobody'] },
      },
    };
    const groups = input['azGroups'] as { reservations: { az: string; reservation: string }[] }[];
    groups[0]?.reservations.push({ az: 'us-east-1d', reservation: 'risk-engine-d' });

    const issues = configIssues(input);

    expect(issues).toEqual(
      expect.arrayContaining([
        { path: 'alarms.load-high.scope.reservations[0]', message: expect.stringContaining("'nope'") },
        { path: 'alarms.load-high.scope.groups[0]', message: expect.stringContaining("'nobody'") },
        {
          path: 'azGroups[0].reservations[3].reservation',
          message: expect.stringContaining("'risk-engine-d'"),
        },
      ]),
    );
  });

  it('requires needs of reservations outside AZ groups, and unique names', () => {
    const input = exampleConfigInput();
    const reservations = input['reservations'] as Record<string, unknown>[];
    reservations.push({ id: 'cr-0000000000000d001', name: 'risk-engine-a', market: 'XNYS' });

    const issues = configIssues(input);

    expect(issues).toEqual(
      expect.arrayContaining([
        { path: 'reservations[4].name', message: "duplicate name 'risk-engine-a'" },
        { path: 'reservations[4].tradingNeed', message: expect.stringContaining('only AZ group members') },
      ]),
    );
  });

  it('rejects the old weekdayHours, saying to define a custom market instead', () => {
    const input = exampleConfigInput();
    input['weekdayHours'] = { timeZone: 'UTC', open: '09:00', close: '17:00' };

    expect(configIssues(input)).toContainEqual({
      path: 'weekdayHours',
      message: expect.stringMatching(/no longer supported: define a custom market under markets/),
    });
  });
});

describe('loadConfigFile', () => {
  it('reports unreadable files and bad JSON as ConfigError', () => {
    const directory = mkdtempSync(join(tmpdir(), 'odcr-config-'));
    const broken = join(directory, 'broken.json');
    writeFileSync(broken, '{ not json');

    expect(() => loadConfigFile(join(directory, 'missing.json'))).toThrow(/cannot read/);
    expect(() => loadConfigFile(broken)).toThrow(ConfigError);
  });
});

describe('floors that would leave capacity lent when everything is needed', () => {
  type Raw = {
    reservations: Record<string, unknown>[];
    alarms: Record<string, { adjustment: { type: string }; scope: Record<string, string[]> }>;
  };
  const withFloor = (change: (raw: Raw) => void) => {
    const raw = exampleConfigInput() as unknown as Raw;
    change(raw);
    return configIssues(raw);
  };

  it("refuses a floor on a reservation whose tradingNeed is 'all', naming the field", () => {
    const issues = withFloor((raw) => {
      raw.reservations[0] = { ...raw.reservations[0], floor: 5 };
      raw.alarms = {};
    });

    expect(issues).toEqual([
      {
        path: 'reservations[0].floor',
        message:
          'expected 0: tradingNeed is all of the reservation, and a floor of 5 would leave 5 lent through every session',
      },
    ]);
  });

  it("refuses a floor on a reservation an 'all' alarm scopes, directly or through its group", () => {
    const issues = withFloor((raw) => {
      raw.reservations[1] = { ...raw.reservations[1], floor: 1 };
      raw.alarms['az-storm'] = { adjustment: { type: 'all' }, scope: { groups: ['risk-engine'] } };
    });

    expect(issues).toEqual([
      {
        path: 'reservations[1].floor',
        message:
          'expected 0: alarm az-storm takes all capacity back, and a floor of 1 would leave 1 lent while it fires',
      },
    ]);
  });

  it('accepts a floor where the config leaves room for it', () => {
    const raw = exampleConfigInput() as unknown as Raw;
    raw.reservations[0] = { ...raw.reservations[0], tradingNeed: 80, floor: 5 };
    delete raw.alarms['xnys-volatility-high'];

    expect(parseConfig(raw).reservations[0]?.floor).toBe(5);
  });
});
