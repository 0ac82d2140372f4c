import type { MetricDatum } from '@aws-sdk/client-cloudwatch';
import { describe, expect, it } from 'vitest';
import { batchDatums, MAX_DATUMS_PER_PUT } from '#shared/gateways/cloudwatch.ts';

function datums(count: number, dimensionValue = 'cr-0123456789abcdef0'): MetricDatum[] {
  return Array.from({ length: count }, (_, index) => ({
    MetricName: 'Lent',
    Dimensions: [{ Name: 'ReservationId', Value: dimensionValue }],
    Value: index,
    Unit: 'Count',
    Timestamp: new Date('2026-03-02T14:00:00Z'),
  }));
}

describe('batchDatums', () => {
  it('keeps every datum, in order, in requests of at most 1000', () => {
    const all = datums(2501);
    const batches = batchDatums(all);

    expect(batches.map((batch) => batch.length)).toEqual([MAX_DATUMS_PER_PUT, MAX_DATUMS_PER_PUT, 501]);
    expect(batches.flat()).toEqual(all);
  });

  it('splits on size before the count limit when datums are large', () => {
    const large = datums(50, 'x'.repeat(1000));
    const batches = batchDatums(large, { maxDatums: 1000, maxBytes: 20_000 });

    expect(batches.length).toBeGreaterThan(1);
    for (const batch of batches) expect(Buffer.byteLength(JSON.stringify(batch))).toBeLessThanOrEqual(20_000);
    expect(batches.flat()).toEqual(large);
  });

  it('sends nothing for nothing', () => {
    expect(batchDatums([])).toEqual([]);
  });
});
