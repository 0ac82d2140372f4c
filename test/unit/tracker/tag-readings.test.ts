import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { TAG } from '#shared/domain/reservation.ts';
import { REQUEST_TAG_KEYS, readRequestRecord, requestRecordTags, type Tags } from '#shared/records/tags.ts';
import { readTrackerMemory } from '#shared/tracker/assess.ts';
import { memoizedByTags, TRACKER_TAG_KEYS } from '#shared/tracker/track.ts';

const RUNS = { numRuns: 200, ...(process.env['CI'] ? { seed: 20_261_127 } : {}) };

const REQUEST = requestRecordTags({
  target: 0,
  from: 60,
  at: new Date('2026-03-02T13:00:00.000Z'),
  trigger: 'schedule',
  reason: 'XNYS open 09:30',
  deadline: new Date('2026-03-02T14:30:00.000Z'),
});
const MEMORY = {
  [TAG.lastProgressAt]: '2026-03-02T13:01:00.000Z',
  [TAG.lastProgressCount]: '45',
  [TAG.completedRequestAt]: '2026-03-01T13:00:00.000Z',
  [TAG.stallReportedAt]: '2026-03-02T13:05:00.000Z',
  [TAG.deadlineRiskReportedAt]: '2026-03-02T13:06:00.000Z',
};

/** Tags other than `keys`: the service's other tags and anyone's, with any values. */
function otherTags(keys: readonly string[]): fc.Arbitrary<Record<string, string>> {
  const others = Object.values(TAG).filter((key) => !keys.includes(key));
  return fc.dictionary(fc.oneof(fc.constantFrom(...others), fc.string()), fc.string({ maxLength: 40 }), {
    maxKeys: 12,
  });
}

describe("the tracker's tag readings, parsed once per distinct set of values", () => {
  it('read the request record from its own tags only, so a reading can be shared', () => {
    fc.assert(
      fc.property(otherTags(REQUEST_TAG_KEYS), (others) => {
        const tags = { ...others, ...REQUEST };
        expect(readRequestRecord(tags)).toEqual(readRequestRecord(REQUEST));
      }),
      RUNS,
    );
  });

  it("read the tracker's memory from its own tags only", () => {
    fc.assert(
      fc.property(otherTags(TRACKER_TAG_KEYS), (others) => {
        expect(readTrackerMemory({ ...others, ...MEMORY })).toEqual(readTrackerMemory(MEMORY));
      }),
      RUNS,
    );
  });

  it('parse each distinct set once and give each set its own reading', () => {
    const parsed: Tags[] = [];
    const read = memoizedByTags(['a', 'b'], (tags) => {
      parsed.push(tags);
      return `${tags['a'] ?? '<none>'}|${tags['b'] ?? '<none>'}`;
    });
    // Sets a plain concatenation would confuse: split differently, absent against empty or a dash.
    const sets: Tags[] = [{ a: 'ab', b: 'c' }, { a: 'a', b: 'bc' }, { a: '' }, { b: '' }, { a: '-' }, {}];

    for (const round of [1, 2]) {
      for (const tags of sets)
        expect(read({ ...tags, other: `round ${round}` })).toBe(
          `${tags['a'] ?? '<none>'}|${tags['b'] ?? '<none>'}`,
        );
    }

    expect(parsed).toHaveLength(sets.length);
  });

  it('share one request reading between reservations carrying the same record, and read a changed one anew', () => {
    const read = memoizedByTags(REQUEST_TAG_KEYS, readRequestRecord);
    const first = read({ ...REQUEST, fleet: 'trading' });

    expect(read({ ...REQUEST, fleet: 'risk' })).toBe(first);
    const lowered = { ...REQUEST, [TAG.requestedTarget]: '20' };
    expect(read(lowered)).toEqual(readRequestRecord(lowered));
    expect(read(lowered)?.target).toBe(20);
  });

  it('hand out a shared reading frozen: changing it through one reservation throws instead of leaking', () => {
    const read = memoizedByTags(TRACKER_TAG_KEYS, readTrackerMemory);
    const shared = read({ ...MEMORY, fleet: 'trading' });

    expect(Object.isFrozen(shared)).toBe(true);
    expect(() => {
      (shared as { lastProgressCount?: number }).lastProgressCount = 0;
    }).toThrow(TypeError);
    expect(read({ ...MEMORY, fleet: 'risk' }).lastProgressCount).toBe(45);
  });
});
