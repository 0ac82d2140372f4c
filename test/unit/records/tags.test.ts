import { describe, expect, it } from 'vitest';
import { TAG } from '#shared/domain/reservation.ts';
import {
  desiredTargetTags,
  failureRecordTags,
  lastReclaimAt,
  lastReclaimTags,
  MAX_CHANGE_ATTEMPTS,
  OVERRIDE_TAG_KEYS,
  type Override,
  overrideTags,
  RecordError,
  readDesiredTarget,
  readFailureRecord,
  readOverride,
  readRequestRecord,
  requestRecordTags,
  retryPlan,
  retryWaitMinutes,
} from '#shared/records/tags.ts';

const NOW = new Date('2026-11-27T14:00:00Z');
const override: Override = {
  action: 'reclaim',
  target: 10,
  setAt: new Date('2026-11-27T13:00:00Z'),
  expiresAt: new Date('2026-11-27T17:00:00Z'),
  reason: 'INC-42 market open incident',
};

describe('override tags', () => {
  it('round-trips a valid override', () => {
    expect(readOverride(overrideTags(override), NOW)).toEqual({ kind: 'active', override });
  });

  it('reports no override when none of its tags are present', () => {
    expect(readOverride({ [TAG.managed]: 'true' }, NOW)).toEqual({ kind: 'none' });
  });

  it('ignores an expired override', () => {
    expect(readOverride(overrideTags(override), new Date('2026-11-27T17:00:00Z')).kind).toBe('expired');
  });

  it('refuses to write an override that outlives 24 hours or expires before it is set', () => {
    expect(() => overrideTags({ ...override, expiresAt: new Date('2026-11-28T13:00:01Z') })).toThrow(
      RecordError,
    );
    expect(() => overrideTags({ ...override, expiresAt: override.setAt })).toThrow(/expires before/);
    expect(() => overrideTags({ ...override, target: 1001 })).toThrow(/0\.\.1000/);
    expect(() => overrideTags({ ...override, reason: 'x'.repeat(257) })).toThrow(/256/);
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
    [
      'a set time in the future',
      { [TAG.overrideSetAt]: '2026-11-27T15:00:00Z', [TAG.overrideExpires]: '2026-11-27T16:00:00Z' },
      /future/,
    ],
    ['an oversized reason', { [TAG.overrideReason]: 'x'.repeat(300) }, /over 256/],
    ['control characters in the reason', { [TAG.overrideReason]: 'ok\u001b[31mred' }, /control/],
  ])('rejects %s', (_case, change, problem) => {
    const reading = readOverride({ ...overrideTags(override), ...change }, NOW);

    expect(reading.kind).toBe('rejected');
    expect(reading.kind === 'rejected' ? reading.problem : '').toMatch(problem);
  });

  it('rejects an incomplete override, naming what is missing', () => {
    const tags = { ...overrideTags(override) };
    delete tags[TAG.overrideSetAt];

    const reading = readOverride(tags, NOW);

    expect(reading).toEqual({ kind: 'rejected', problem: expect.stringContaining(TAG.overrideSetAt) });
  });

  it('lists the keys to delete to clear an override', () => {
    expect(Object.keys(overrideTags(override)).sort()).toEqual([...OVERRIDE_TAG_KEYS].sort());
  });
});

describe('request record tags', () => {
  const record = {
    target: 0,
    from: 60,
    at: new Date('2026-11-27T14:05:00Z'),
    trigger: 'schedule',
    reason: 'XNYS opens 09:30 America/New_York; lead 25 min; need 100 of 100',
    deadline: new Date('2026-11-27T14:30:00Z'),
  };

  it('round-trips, with and without a deadline', () => {
    expect(readRequestRecord(requestRecordTags(record))).toEqual(record);
    const { deadline: _deadline, ...withoutDeadline } = record;
    const tags = requestRecordTags(withoutDeadline);

    expect(tags[TAG.requestDeadline]).toBe('');
    expect(readRequestRecord(tags)).toEqual(withoutDeadline);
  });

  it('cuts a long reason to the 256 characters a tag allows', () => {
    const tags = requestRecordTags({ ...record, reason: 'r'.repeat(400) });

    expect(tags[TAG.requestReason]?.length).toBe(256);
  });

  it('ignores a malformed record instead of trusting it', () => {
    expect(
      readRequestRecord({ ...requestRecordTags(record), [TAG.requestedTarget]: 'lots' }),
    ).toBeUndefined();
    expect(readRequestRecord({})).toBeUndefined();
    expect(() => requestRecordTags({ ...record, target: -1 })).toThrow(RecordError);
  });
});

describe('desired target and last reclaim', () => {
  it('round-trips the desired target and ignores a bad one', () => {
    expect(readDesiredTarget(desiredTargetTags({ target: 40, reason: 'off-hours' }))).toEqual({
      target: 40,
      reason: 'off-hours',
    });
    expect(readDesiredTarget({ [TAG.desiredTarget]: '40.5' })).toBeUndefined();
  });

  it('reads the last reclaim time and ignores garbage', () => {
    const at = new Date('2026-11-27T14:05:00Z');

    expect(lastReclaimAt(lastReclaimTags(at))).toEqual(at);
    expect(lastReclaimAt({ [TAG.lastReclaimAt]: 'yesterday' })).toBeUndefined();
  });
});

describe('the failure record and its retry backoff', () => {
  const at = new Date('2026-03-09T13:05:00Z');
  const minutes = (n: number) => new Date(at.getTime() + n * 60_000);

  it('round-trips through tags', () => {
    const record = { attempts: 2, at, failure: 'AllocationFailed: status failed' };

    expect(readFailureRecord(failureRecordTags(record))).toEqual(record);
  });

  it('waits 1, 2, 4, 8 and 16 minutes after consecutive failures, then stops', () => {
    const waits = [1, 2, 3, 4, 5].map((attempts) => retryWaitMinutes(attempts));
    const plan = (attempts: number, now: Date) => retryPlan({ attempts, at, failure: 'x' }, now);

    expect(waits).toEqual([1, 2, 4, 8, 16]);
    expect(plan(1, minutes(0.5))).toEqual({ kind: 'wait', until: minutes(1) });
    expect(plan(1, minutes(1))).toEqual({ kind: 'due' });
    expect(plan(MAX_CHANGE_ATTEMPTS, minutes(600))).toEqual({ kind: 'exhausted' });
    expect(retryPlan(undefined, at)).toEqual({ kind: 'due' });
  });

  it('ignores an unreadable record', () => {
    expect(
      readFailureRecord({ [TAG.failedAttempts]: 'two', [TAG.failedAt]: at.toISOString() }),
    ).toBeUndefined();
    expect(
      readFailureRecord({ [TAG.failedAttempts]: '0', [TAG.failedAt]: at.toISOString() }),
    ).toBeUndefined();
  });
});
