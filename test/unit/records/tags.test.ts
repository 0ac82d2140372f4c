/**
 * The tag codecs: each record reads back what it writes, refuses to write what it could not read, reports a
 * present but unreadable record as malformed (treated as absent, never thrown), and reads only its own keys.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  MAX_CHANGE_ATTEMPTS,
  type Override,
  overrideStanding,
  type ReservationRecords,
  retryPlan,
  retryWaitMinutes,
} from '#shared/domain/records.ts';
import { RECORD_CODECS, readRecords } from '#shared/records/read-records.ts';
import { TAG } from '#shared/records/tag-keys.ts';
import {
  failureCodec,
  lastRequestCodec,
  overrideCodec,
  owedFailureCodec,
  type RecordCodec,
  RecordError,
  trackerMemoryCodec,
} from '#shared/records/tags.ts';

const RUNS = { numRuns: 200, ...(process.env['CI'] ? { seed: 20_261_127 } : {}) };
const NOW = new Date('2026-11-27T14:00:00Z');
const override: Override = {
  action: 'reclaim',
  target: 10,
  setAt: new Date('2026-11-27T13:00:00Z'),
  expiresAt: new Date('2026-11-27T17:00:00Z'),
  reason: 'INC-42 market open incident',
};
const request = {
  target: 0,
  from: 60,
  at: new Date('2026-11-27T14:05:00Z'),
  trigger: 'schedule',
  reason: 'XNYS opens 09:30 America/New_York; lead 25 min; need 100 of 100',
  deadline: new Date('2026-11-27T14:30:00Z'),
};

/** One valid value per record: what the round-trip and own-keys properties run over, for every codec read. */
const SAMPLES: { [K in keyof typeof RECORD_CODECS]: NonNullable<ReservationRecords[K]> } = {
  override,
  lastRequest: request,
  lastReclaimAt: new Date('2026-11-27T14:05:00Z'),
  desiredTarget: { target: 40, reason: 'off-hours' },
  failure: { attempts: 2, at: NOW, failure: 'AllocationFailed: status failed' },
  owedFailure: { requestedAt: NOW, from: 60, to: 0, trigger: 'schedule', errorCode: 'InsufficientCapacity' },
  headsUp: { state: 'scheduled', sessionOpen: NOW, plannedStart: new Date('2026-11-27T13:35:00Z') },
  announcedInterruptibleId: 'cr-0fedcba9876543210',
  shareDigest: '2:0badc0de',
  tracker: { lastProgressAt: NOW, lastProgressCount: 45, completedRequestAt: NOW, stallReportedAt: NOW },
};
const CODEC_SAMPLES = (Object.keys(RECORD_CODECS) as (keyof typeof RECORD_CODECS)[]).map(
  (key) => [RECORD_CODECS[key].record, RECORD_CODECS[key] as RecordCodec<unknown>, SAMPLES[key]] as const,
);

/** Tags other than `keys`: the service's other records and anyone's, with any values. */
function otherTags(keys: readonly string[]): fc.Arbitrary<Record<string, string>> {
  const others = Object.values(TAG).filter((key) => !keys.includes(key));
  return fc.dictionary(fc.oneof(fc.constantFrom(...others), fc.string()), fc.string({ maxLength: 40 }), {
    maxKeys: 12,
  });
}

describe('every record codec', () => {
  it.each(CODEC_SAMPLES)('%s reads back what it writes, into its own keys only', (_name, codec, value) => {
    const tags = codec.tags(value);

    expect(codec.read(tags)).toEqual({ kind: 'read', value });
    expect(Object.keys(tags).every((key) => codec.keys.includes(key))).toBe(true);
  });

  it.each(CODEC_SAMPLES)(
    '%s is absent without its keys, and reads the same whatever other tags are there',
    (_name, codec, value) => {
      expect(codec.read({ [TAG.managed]: 'true', Name: 'x' })).toEqual({ kind: 'absent' });
      const tags = codec.tags(value);
      fc.assert(
        fc.property(otherTags(codec.keys), (others) => {
          expect(codec.read({ ...others, ...tags })).toEqual(codec.read(tags));
        }),
        RUNS,
      );
    },
  );
});

describe('the override', () => {
  it('is judged against the clock only after it is read: active, expired, or set in the future', () => {
    expect(overrideStanding(override, NOW)).toEqual({ kind: 'active' });
    expect(overrideStanding(override, new Date('2026-11-27T17:00:00Z'))).toEqual({ kind: 'expired' });
    expect(overrideStanding(override, new Date('2026-11-27T12:50:00Z'))).toEqual({
      kind: 'rejected',
      problem: 'override was set in the future',
    });
  });

  it('refuses to write an override that outlives 24 hours or expires before it is set', () => {
    expect(() => overrideCodec.tags({ ...override, expiresAt: new Date('2026-11-28T13:00:01Z') })).toThrow(
      RecordError,
    );
    expect(() => overrideCodec.tags({ ...override, expiresAt: override.setAt })).toThrow(/expires before/);
    expect(() => overrideCodec.tags({ ...override, target: 1001 })).toThrow(/0\.\.1000/);
    expect(() => overrideCodec.tags({ ...override, reason: 'x'.repeat(257) })).toThrow(/256/);
  });

  it.each([
    ['a target that is not a whole number', { [TAG.overrideTarget]: '1e3' }, /target/],
    ['a negative target', { [TAG.overrideTarget]: '-5' }, /target/],
    ['an injected target', { [TAG.overrideTarget]: '10; rm -rf /' }, /target/],
    ['a target above 1000', { [TAG.overrideTarget]: '5000' }, /target/],
    ['an unknown action', { [TAG.overrideAction]: 'steal' }, /action/],
    ['an unparseable expiry', { [TAG.overrideExpires]: 'tomorrow' }, /ISO 8601/],
    ['a date-only expiry', { [TAG.overrideExpires]: '2026-11-28' }, /ISO 8601/],
    ['an expiry 30 days out', { [TAG.overrideExpires]: '2026-12-27T13:00:00Z' }, /24 h/],
    ['an oversized reason', { [TAG.overrideReason]: 'x'.repeat(300) }, /over 256/],
    ['control characters in the reason', { [TAG.overrideReason]: 'ok\u001b[31mred' }, /control/],
  ])('is malformed with %s', (_case, change, problem) => {
    const reading = overrideCodec.read({ ...overrideCodec.tags(override), ...change });

    expect(reading.kind).toBe('malformed');
    expect(reading.kind === 'malformed' ? reading.problem : '').toMatch(problem);
  });

  it('is malformed when incomplete, naming what is missing', () => {
    const tags = { ...overrideCodec.tags(override) };
    delete tags[TAG.overrideSetAt];

    expect(overrideCodec.read(tags)).toEqual({
      kind: 'malformed',
      problem: expect.stringContaining(TAG.overrideSetAt),
    });
  });

  it('lists every key it writes, so clearing it deletes them all', () => {
    expect(Object.keys(overrideCodec.tags(override)).sort()).toEqual([...overrideCodec.keys].sort());
  });
});

describe('the last request', () => {
  it('round-trips without a deadline, writing an empty one over a stale deadline', () => {
    const { deadline: _deadline, ...withoutDeadline } = request;
    const tags = lastRequestCodec.tags(withoutDeadline);

    expect(tags[TAG.requestDeadline]).toBe('');
    expect(lastRequestCodec.read(tags)).toEqual({ kind: 'read', value: withoutDeadline });
  });

  it('cuts a long reason to the 256 characters a tag allows', () => {
    const tags = lastRequestCodec.tags({ ...request, reason: 'r'.repeat(400) });

    expect(tags[TAG.requestReason]?.length).toBe(256);
  });

  it('is malformed instead of trusted, and refuses to write a bad target', () => {
    const tags = { ...lastRequestCodec.tags(request), [TAG.requestedTarget]: 'lots' };

    expect(lastRequestCodec.read(tags).kind).toBe('malformed');
    expect(() => lastRequestCodec.tags({ ...request, target: -1 })).toThrow(RecordError);
  });
});

describe('formats this version does not know', () => {
  it.each([
    [
      'an outbox with a sixth field',
      'owedFailure',
      { [TAG.outboxFailed]: `${NOW.toISOString()}|60|0|a|b|c` },
    ],
    ['an outbox of another layout', 'owedFailure', { [TAG.outboxFailed]: 'v2:{"from":60}' }],
    [
      'a heads-up state not known',
      'headsUp',
      { [TAG.headsUp]: `sent|${NOW.toISOString()}|${NOW.toISOString()}` },
    ],
    [
      'a heads-up with a fourth field',
      'headsUp',
      { [TAG.headsUp]: `scheduled|${NOW.toISOString()}|${NOW.toISOString()}|2` },
    ],
    ['a heads-up with one field', 'headsUp', { [TAG.headsUp]: 'scheduled' }],
    ['a desired target with a unit', 'desiredTarget', { [TAG.desiredTarget]: '40 instances' }],
    ['a failure count of zero', 'failure', { [TAG.failedAttempts]: '0', [TAG.failedAt]: NOW.toISOString() }],
    ['a last reclaim as epoch seconds', 'lastReclaimAt', { [TAG.lastReclaimAt]: '1764252300' }],
  ] as [string, keyof typeof RECORD_CODECS, Record<string, string>][])(
    'read %s as malformed',
    (_case, record, tags) => {
      expect(RECORD_CODECS[record].read(tags).kind).toBe('malformed');
    },
  );

  it('read a marked-sent outbox as absent', () => {
    expect(owedFailureCodec.read(owedFailureCodec.sent)).toEqual({ kind: 'absent' });
  });
});

describe("the tracker's memory", () => {
  it('keeps the fields it can read and says which it could not', () => {
    expect(
      trackerMemoryCodec.read({
        [TAG.lastProgressAt]: 'yesterday',
        [TAG.lastProgressCount]: '-3',
        [TAG.completedRequestAt]: request.at.toISOString(),
      }),
    ).toEqual({
      kind: 'read',
      value: { completedRequestAt: request.at },
      problem: `tracker memory unreadable: ${TAG.lastProgressAt}, ${TAG.lastProgressCount}`,
    });
  });

  it('writes only the fields it is given', () => {
    expect(trackerMemoryCodec.tags({ stallReportedAt: NOW })).toEqual({
      [TAG.stallReportedAt]: NOW.toISOString(),
    });
  });
});

describe('readRecords: the adapter from tags to records', () => {
  it('reads every record once and lists the malformed ones, which count as absent', () => {
    const records = readRecords({
      ...overrideCodec.tags(override),
      ...lastRequestCodec.tags(request),
      [TAG.desiredTarget]: 'forty',
      'odcr-reclaimer:closure:XNYS:2026-11-27': 'Thanksgiving',
      'odcr-reclaimer:closure:XNYS:2026-02-30': 'not a day',
    });

    expect(records.override).toEqual(override);
    expect(records.lastRequest).toEqual(request);
    expect(records.desiredTarget).toBeUndefined();
    expect(records.closures).toEqual([{ market: 'XNYS', date: '2026-11-27', reason: 'Thanksgiving' }]);
    expect(records.malformed.map((record) => record.record).sort()).toEqual(['closure', 'desiredTarget']);
  });

  it('never throws, whatever the tags hold', () => {
    const keys = [...Object.values(TAG), 'odcr-reclaimer:closure:XNYS:2026-11-27'];
    fc.assert(
      fc.property(fc.dictionary(fc.constantFrom(...keys), fc.string({ maxLength: 300 })), (tags) => {
        expect(() => readRecords(tags)).not.toThrow();
      }),
      RUNS,
    );
  });
});

describe('the failure record and its retry backoff', () => {
  const at = new Date('2026-03-09T13:05:00Z');
  const minutes = (n: number) => new Date(at.getTime() + n * 60_000);

  it('waits 1, 2, 4, 8 and 16 minutes after consecutive failures, then stops', () => {
    const waits = [1, 2, 3, 4, 5].map((attempts) => retryWaitMinutes(attempts));
    const plan = (attempts: number, now: Date) => retryPlan({ attempts, at, failure: 'x' }, now);

    expect(waits).toEqual([1, 2, 4, 8, 16]);
    expect(plan(1, minutes(0.5))).toEqual({ kind: 'wait', until: minutes(1) });
    expect(plan(1, minutes(1))).toEqual({ kind: 'due' });
    expect(plan(MAX_CHANGE_ATTEMPTS, minutes(600))).toEqual({ kind: 'exhausted' });
    expect(retryPlan(undefined, at)).toEqual({ kind: 'due' });
  });

  it('is malformed with an unreadable count', () => {
    expect(failureCodec.read({ [TAG.failedAttempts]: 'two', [TAG.failedAt]: at.toISOString() }).kind).toBe(
      'malformed',
    );
  });
});
