import { describe, expect, it } from 'vitest';
import { closureList, observedClosures } from '#shared/policy/closures.ts';
import { closureTagKey, closureTags, readClosureTags } from '#shared/records/closures.ts';

describe('short-notice closure tags', () => {
  it('read back what closureTags writes', () => {
    const closure = { market: 'CME-GLOBEX', date: '2026-03-10', reason: 'INC-1' };
    const tags = { ...closureTags(closure), 'odcr-reclaimer:managed': 'true' };

    expect(Object.keys(closureTags(closure))).toEqual([closureTagKey('CME-GLOBEX', '2026-03-10')]);
    expect(readClosureTags(tags)).toEqual({ closures: [closure], malformedKeys: [] });
  });

  it.each([
    ['a date that is not a date', 'odcr-reclaimer:closure:XNYS:2026-02-30', 'r'],
    ['no date', 'odcr-reclaimer:closure:XNYS', 'r'],
    ['a bad market name', 'odcr-reclaimer:closure:X NYS:2026-03-10', 'r'],
    ['a reason with a newline', 'odcr-reclaimer:closure:XNYS:2026-03-10', 'a\nb'],
    ['a reason over 256 characters', 'odcr-reclaimer:closure:XNYS:2026-03-10', 'x'.repeat(257)],
  ])('leave out %s, naming its key as malformed', (_what, key, reason) => {
    expect(readClosureTags({ [key]: reason })).toEqual({ closures: [], malformedKeys: [key] });
  });
});

describe("the policy's closures", () => {
  it('are the union over reservations, with one reason per day whatever the order', () => {
    const a = { records: { closures: [{ market: 'XNYS', date: '2026-03-10', reason: 'b-reason' }] } };
    const b = {
      records: {
        closures: [
          { market: 'XNYS', date: '2026-03-10', reason: 'a-reason' },
          { market: 'XLON', date: '2026-03-11', reason: 'fog' },
        ],
      },
    };

    expect(observedClosures([a, b])).toEqual(observedClosures([b, a]));
    expect(closureList(observedClosures([a, b]))).toEqual([
      { market: 'XLON', date: '2026-03-11', reason: 'fog' },
      { market: 'XNYS', date: '2026-03-10', reason: 'a-reason' },
    ]);
  });
});
