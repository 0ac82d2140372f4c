import { describe, expect, it } from 'vitest';
import { createClientToken } from '#shared/reconcile/client-token.ts';
import { mapWithConcurrency } from '#shared/util/concurrency.ts';

describe('createClientToken', () => {
  const at = new Date('2025-03-12T20:05:00Z');

  it('gives a retried create within the same decision the same token', () => {
    const retried = new Date('2025-03-12T20:09:59Z');
    expect(createClientToken('cr-0123456789abcdef0', 60, retried)).toBe(
      createClientToken('cr-0123456789abcdef0', 60, at),
    );
  });

  it('gives another reservation, target or later decision another token, within EC2 length limits', () => {
    const token = createClientToken('cr-0123456789abcdef0', 60, at);
    expect(createClientToken('cr-0000000000000a001', 60, at)).not.toBe(token);
    expect(createClientToken('cr-0123456789abcdef0', 59, at)).not.toBe(token);
    expect(createClientToken('cr-0123456789abcdef0', 60, new Date('2025-03-12T20:10:00Z'))).not.toBe(token);
    expect(token.length).toBeLessThanOrEqual(64);
  });
});

describe('mapWithConcurrency', () => {
  it('keeps the order of results and never runs more than the limit at once', async () => {
    let running = 0;
    let peak = 0;
    const results = await mapWithConcurrency([5, 1, 4, 2, 3, 0], 2, async (value) => {
      running++;
      peak = Math.max(peak, running);
      await new Promise((resolve) => setImmediate(resolve));
      running--;
      return value * 10;
    });
    expect(results).toEqual([50, 10, 40, 20, 30, 0]);
    expect(peak).toBe(2);
  });
});
