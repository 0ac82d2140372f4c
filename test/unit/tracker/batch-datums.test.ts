import { type MetricDatum, StandardUnit } from '@aws-sdk/client-cloudwatch';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  batchDatums,
  datumBytesAtMost,
  MAX_DATUMS_PER_PUT,
  MAX_PUT_BYTES,
} from '#shared/gateways/cloudwatch.ts';

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

// A few hundred runs; a fixed seed in CI so a failure there replays, a fresh one locally to keep exploring.
const RUNS = { numRuns: 300, ...(process.env['CI'] ? { seed: 20_261_127 } : {}) };

/** Any UTF-16 unit, lone surrogates and control characters included: the worst JSON escaping there is. */
const anyUnit = fc.integer({ min: 0, max: 0xffff }).map((code) => String.fromCharCode(code));
const text = fc.oneof(
  fc.string({ maxLength: 300 }),
  fc.string({ unit: 'binary', maxLength: 300 }),
  fc.string({ unit: anyUnit, maxLength: 300 }),
);
const datum: fc.Arbitrary<MetricDatum> = fc.record(
  {
    MetricName: text,
    Dimensions: fc.array(fc.record({ Name: text, Value: text }), { maxLength: 30 }),
    Timestamp: fc.date(),
    Value: fc.double(),
    StatisticValues: fc.record({
      SampleCount: fc.double(),
      Sum: fc.double(),
      Minimum: fc.double(),
      Maximum: fc.double(),
    }),
    Values: fc.array(fc.double(), { maxLength: 50 }),
    Counts: fc.array(fc.double(), { maxLength: 50 }),
    Unit: fc.constantFrom(...Object.values(StandardUnit)),
    StorageResolution: fc.integer(),
  },
  { requiredKeys: ['MetricName'] },
);

function jsonBytes(value: unknown): number {
  return Buffer.byteLength(JSON.stringify(value));
}

describe('datumBytesAtMost', () => {
  it('is at least the serialized size of long, unicode and escaped values and extreme numbers and dates', () => {
    const worst: MetricDatum[] = [
      {
        MetricName: '"\\'.repeat(128),
        Dimensions: [
          { Name: 'ReservationId', Value: '\u0001'.repeat(256) },
          { Name: '\ud800'.repeat(256), Value: '😀'.repeat(128) },
          { Name: '東京'.repeat(128), Value: 'é'.repeat(256) },
        ],
        Timestamp: new Date(8.64e15),
        // The longest a number serializes to: 25 characters.
        Value: -(1 / 3) * 1e-5,
        Unit: 'Count/Second',
      },
      { MetricName: 'x', Timestamp: new Date(-8.64e15), Value: -Number.MAX_VALUE, StorageResolution: 1 },
      {
        MetricName: '',
        Values: [Number.MIN_VALUE, -2.2250738585072014e-308, -123456789012345680000, Number.NaN],
        Counts: [-(2 / 3) * 1e-5],
        StatisticValues: { SampleCount: -Number.MIN_VALUE, Sum: 1e21, Minimum: -1e-7, Maximum: 0.1 + 0.2 },
      },
    ];
    for (const each of worst) expect(datumBytesAtMost(each)).toBeGreaterThanOrEqual(jsonBytes(each));
  });

  it('is at least the serialized size of any datum', () => {
    fc.assert(
      fc.property(datum, (each) => datumBytesAtMost(each) >= jsonBytes(each)),
      RUNS,
    );
  });

  it("keeps a tracker gauge close to its size, so 1000 fit one request's byte limit", () => {
    const [gauge] = datums(1);
    expect(gauge).toBeDefined();
    if (gauge === undefined) return;
    expect(datumBytesAtMost(gauge)).toBeLessThan(2 * jsonBytes(gauge));
    expect(batchDatums(datums(MAX_DATUMS_PER_PUT))).toHaveLength(1);
  });
});

describe('batchDatums with any datums', () => {
  it('keeps them all, in order, each request within the datum and byte limits', () => {
    const limits = { maxDatums: 7, maxBytes: 20_000 };
    fc.assert(
      fc.property(fc.array(datum, { maxLength: 40 }), (all) => {
        const batches = batchDatums(all, limits);
        expect(batches.flat()).toEqual(all);
        for (const batch of batches) {
          expect(batch.length).toBeGreaterThan(0);
          expect(batch.length).toBeLessThanOrEqual(limits.maxDatums);
          // A datum larger than a request on its own still goes, alone (CloudWatch then refuses it).
          if (batch.length > 1) expect(jsonBytes(batch)).toBeLessThanOrEqual(limits.maxBytes);
        }
      }),
      RUNS,
    );
  });

  it('splits unicode-heavy datums on size before the count limit', () => {
    const heavy = datums(200, '😀\u0001"'.repeat(80));
    const batches = batchDatums(heavy, { maxDatums: 1000, maxBytes: MAX_PUT_BYTES / 20 });

    expect(batches.length).toBeGreaterThan(1);
    for (const batch of batches) expect(jsonBytes(batch)).toBeLessThanOrEqual(MAX_PUT_BYTES / 20);
    expect(batches.flat()).toEqual(heavy);
  });
});
