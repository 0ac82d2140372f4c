import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { loadConfigFile } from '#shared/config/load-config.ts';
import { ValidationError } from '#shared/errors/index.ts';
import { onDemandPayloadSchema, parseDuration, parseOnDemandRequest } from '#shared/on-demand/payload.ts';

const config = loadConfigFile(new URL('../../../config/example.json', import.meta.url).pathname);
const now = new Date('2025-03-12T15:00:00Z');
const TRADING = 'cr-0123456789abcdef0';

function rejection(payload: unknown): ValidationError {
  try {
    parseOnDemandRequest(payload, now, config);
  } catch (error: unknown) {
    if (error instanceof ValidationError) return error;
    throw error;
  }
  throw new Error(`accepted: ${JSON.stringify(payload)}`);
}

describe('parseOnDemandRequest', () => {
  it('accepts the on-call reclaim from the README', () => {
    const request = parseOnDemandRequest(
      { action: 'reclaim', all: true, everything: true, for: '1h', reason: 'INC-4411 market stress' },
      now,
      config,
    );
    expect(request).toEqual({
      action: 'reclaim',
      scope: { kind: 'all' },
      amount: { kind: 'everything' },
      expiresAt: new Date('2025-03-12T16:00:00Z'),
      reason: 'INC-4411 market stress',
      dryRun: false,
      spanSession: false,
    });
  });

  it('takes until as the expiry and a group as the scope', () => {
    const request = parseOnDemandRequest(
      {
        action: 'lend',
        group: 'risk-engine',
        count: 1,
        until: '2025-03-12T20:00:00-04:00',
        reason: 'x',
        dryRun: true,
      },
      now,
      config,
    );
    expect(request).toMatchObject({
      action: 'lend',
      scope: { kind: 'group', name: 'risk-engine' },
      amount: { kind: 'count', count: 1 },
      expiresAt: new Date('2025-03-13T00:00:00Z'),
      dryRun: true,
    });
  });

  it('lets plan and status default to every reservation', () => {
    expect(parseOnDemandRequest({ action: 'status' }, now, config)).toEqual({
      action: 'status',
      scope: { kind: 'all' },
    });
    expect(parseOnDemandRequest({ action: 'plan', reservations: [TRADING] }, now, config)).toEqual({
      action: 'plan',
      scope: { kind: 'reservations', ids: [TRADING] },
    });
  });

  const malformed: [string, unknown, string][] = [
    ['not an object', 'reclaim', '(root)'],
    ['unknown action', { action: 'steal', all: true }, 'action'],
    ['missing action', { all: true }, 'action'],
    ['unknown field', { action: 'status', verbose: true }, 'verbose'],
    ['bad reservation id', { action: 'plan', reservations: ['i-123'] }, 'reservations.0'],
    ['empty reservation list', { action: 'plan', reservations: [] }, 'reservations'],
    ['all: false', { action: 'status', all: false }, 'all'],
    [
      'two scopes',
      { action: 'reclaim', all: true, group: 'risk-engine', everything: true, for: '1h', reason: 'r' },
      'all',
    ],
    ['no scope', { action: 'reclaim', everything: true, for: '1h', reason: 'r' }, 'reservations'],
    [
      'unknown group',
      { action: 'reclaim', group: 'nope', everything: true, for: '1h', reason: 'r' },
      'group',
    ],
    ['no amount', { action: 'reclaim', all: true, for: '1h', reason: 'r' }, 'count'],
    ['two amounts', { action: 'reclaim', all: true, count: 3, target: 2, for: '1h', reason: 'r' }, 'target'],
    ['fractional count', { action: 'reclaim', all: true, count: 1.5, for: '1h', reason: 'r' }, 'count'],
    ['zero count', { action: 'reclaim', all: true, count: 0, for: '1h', reason: 'r' }, 'count'],
    ['negative target', { action: 'lend', all: true, target: -1, for: '1h', reason: 'r' }, 'target'],
    ['target over 1000', { action: 'lend', all: true, target: 1001, for: '1h', reason: 'r' }, 'target'],
    ['count as text', { action: 'reclaim', all: true, count: '3', for: '1h', reason: 'r' }, 'count'],
    ['no expiry', { action: 'reclaim', all: true, everything: true, reason: 'r' }, 'for'],
    [
      'for and until',
      {
        action: 'reclaim',
        all: true,
        everything: true,
        for: '1h',
        until: '2025-03-12T16:00:00Z',
        reason: 'r',
      },
      'until',
    ],
    ['for over 24h', { action: 'reclaim', all: true, everything: true, for: '25h', reason: 'r' }, 'for'],
    ['for of zero', { action: 'reclaim', all: true, everything: true, for: '0m', reason: 'r' }, 'for'],
    ['for in days', { action: 'reclaim', all: true, everything: true, for: '1d', reason: 'r' }, 'for'],
    [
      'until in the past',
      { action: 'reclaim', all: true, everything: true, until: '2025-03-12T14:00:00Z', reason: 'r' },
      'until',
    ],
    [
      'until over 24h ahead',
      { action: 'reclaim', all: true, everything: true, until: '2025-03-13T15:00:01Z', reason: 'r' },
      'until',
    ],
    [
      'until without zone',
      { action: 'reclaim', all: true, everything: true, until: '2025-03-12T16:00:00', reason: 'r' },
      'until',
    ],
    ['no reason', { action: 'reclaim', all: true, everything: true, for: '1h' }, 'reason'],
    ['blank reason', { action: 'clear', all: true, reason: '   ' }, 'reason'],
    ['reason over 256', { action: 'clear', all: true, reason: 'x'.repeat(257) }, 'reason'],
    ['reason with a newline', { action: 'clear', all: true, reason: 'a\nb' }, 'reason'],
    ['amount on clear', { action: 'clear', all: true, count: 1, reason: 'r' }, 'count'],
    ['expiry on status', { action: 'status', for: '1h' }, 'for'],
    ['dryRun as text', { action: 'clear', all: true, reason: 'r', dryRun: 'yes' }, 'dryRun'],
  ];

  it.each(malformed)('rejects %s, naming the field', (_name, payload, field) => {
    const error = rejection(payload);
    expect(error.field).toBe(field);
    expect(error.message).toContain(field === '(root)' ? '' : field.split('.')[0]);
  });

  it('rejects every payload outside the schema with a named field (fuzzed)', () => {
    const field = fc.constantFrom(...Object.keys(onDemandPayloadSchema.shape), 'extra', 'Action', 'dry_run');
    const value = fc.oneof(
      fc.constantFrom(
        'reclaim',
        'lend',
        'clear',
        'plan',
        'status',
        'risk-engine',
        TRADING,
        '2h',
        '90m',
        '25h',
      ),
      fc.string({ maxLength: 300 }),
      fc.integer({ min: -5, max: 2000 }),
      fc.double(),
      fc.boolean(),
      fc.constant(null),
      fc.array(fc.constantFrom(TRADING, 'cr-1', ''), { maxLength: 3 }),
    );
    fc.assert(
      fc.property(fc.dictionary(field, value, { maxKeys: 6 }), (payload) => {
        try {
          parseOnDemandRequest(payload, now, config);
          return true;
        } catch (error: unknown) {
          // The field named is one the payload has, or one it lacks that the action requires.
          const named = error instanceof ValidationError ? (error.field.split('.')[0] ?? '') : '';
          return named in payload || ['action', 'reservations', 'count', 'for', 'reason'].includes(named);
        }
      }),
      { seed: process.env.CI ? 4411 : undefined, numRuns: 500 },
    );
  });
});

describe('parseDuration', () => {
  it('reads hours, minutes and both', () => {
    expect(parseDuration('2h')).toBe(7_200_000);
    expect(parseDuration('90m')).toBe(5_400_000);
    expect(parseDuration('1h30m')).toBe(5_400_000);
    expect(parseDuration('')).toBeUndefined();
    expect(parseDuration('1.5h')).toBeUndefined();
  });
});
