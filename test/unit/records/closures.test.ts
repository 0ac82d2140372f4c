import { describe, expect, it } from 'vitest';
import { closureList, closureTagKey, observedClosures, readClosureTags } from '#shared/records/closures.ts';

describe('short-notice closure tags', () => {
  it('read back what closureTagKey writes', () => {
    const tags = { [closureTagKey('CME-GLOBEX', '2026-03-10')]: 'INC-1', 'odcr-reclaimer:managed': 'true' };

    expect(readClosureTags(tags)).toEqual([{ market: 'CME-GLOBEX', date: '2026-03-10', reason: 'INC-1' }]);
  });

  it.each([
    ['a date that is not a date', 'odcr-reclaimer:closure:XNYS:2026-02-30', 'r'],
    ['no date', 'odcr-reclaimer:closure:XNYS', 'r'],
    ['a bad market name', 'odcr-reclaimer:closure:X NYS:2026-03-10', 'r'],
    ['a reason with a newline', 'odcr-reclaimer:closure:XNYS:2026-03-10', 'a\nb'],
    ['a reason over 256 characters', 'odcr-reclaimer:closure:XNYS:2026-03-10', 'x'.repeat(257)],
  ])('ignore %s', (_what, key, reason) => {
    expect(readClosureTags({ [key]: reason })).toEqual([]);
  });

  it('are the union over reservations, with one reason per day whatever the order', () => {
    const a = { tags: { [closureTagKey('XNYS', '2026-03-10')]: 'b-reason' } };
    const b = {
      tags: {
        [closureTagKey('XNYS', '2026-03-10')]: 'a-reason',
        [closureTagKey('XLON', '2026-03-11')]: 'fog',
      },
    };

    expect(observedClosures([a, b])).toEqual(observedClosures([b, a]));
    expect(closureList(observedClosures([a, b]))).toEqual([
      { market: 'XLON', date: '2026-03-11', reason: 'fog' },
      { market: 'XNYS', date: '2026-03-10', reason: 'a-reason' },
    ]);
  });
});
