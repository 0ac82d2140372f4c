import { describe, expect, it } from 'vitest';
import {
  EMF_MAX_DIMENSIONS,
  EMF_MAX_METRICS_PER_DOCUMENT,
  EMF_MAX_VALUES_PER_METRIC,
  EmfMetricsGateway,
  renderEmfDocuments,
} from '#shared/gateways/metrics.ts';
import { METRIC, type ServiceMetric } from '#shared/metrics/metric-names.ts';
import { METRICS_NAMESPACE, SERVICE_NAMES } from '../../support/local-service.ts';

const AT = new Date('2026-03-02T14:00:00.000Z');
const OPTIONS = { namespace: METRICS_NAMESPACE, serviceName: SERVICE_NAMES.serviceName };

interface Directive {
  Namespace: string;
  Dimensions: string[][];
  Metrics: { Name: string; Unit?: string }[];
}
type Document = Record<string, unknown> & { _aws: { Timestamp: number; CloudWatchMetrics: Directive[] } };

function render(metrics: readonly ServiceMetric[]): Document[] {
  return renderEmfDocuments(metrics, OPTIONS).map((line) => {
    expect(line).not.toContain('\n');
    return JSON.parse(line) as Document;
  });
}

function gauge(name: string, value: number, overrides: Partial<ServiceMetric> = {}): ServiceMetric {
  return {
    name,
    value,
    unit: 'Count',
    timestamp: AT,
    reservationId: 'cr-0123456789abcdef0',
    ...overrides,
  } as ServiceMetric;
}

describe('EMF rendering of the service metrics', () => {
  it('names the namespace from serverless.yml, keeps the service out of the dimensions, and dates the document', () => {
    expect(SERVICE_NAMES.serviceName).toBeDefined();
    const [document] = render([gauge(METRIC.lent, 7)]);

    expect(document?._aws.Timestamp).toBe(AT.getTime());
    expect(document?._aws.CloudWatchMetrics).toEqual([
      {
        Namespace: METRICS_NAMESPACE,
        Dimensions: [['ReservationId']],
        Metrics: [{ Name: 'Lent', Unit: 'Count' }],
      },
    ]);
    expect(document).toMatchObject({
      ReservationId: 'cr-0123456789abcdef0',
      Lent: 7,
      service: SERVICE_NAMES.serviceName,
    });
  });

  it('gives a spoke reservation both dimensions, and a fleet value one empty dimension set', () => {
    const documents = render([
      gauge(METRIC.owned, 10, { accountId: '111122223333' }),
      { name: 'ChangesFailed', value: 2, unit: 'Count', timestamp: AT, series: 'fleet' },
      gauge(METRIC.reclaimDurationSeconds, 300, { unit: 'Seconds', series: 'fleet' }),
    ]);

    expect(documents.map((document) => document._aws.CloudWatchMetrics[0]?.Dimensions)).toEqual([
      [['ReservationId', 'AccountId']],
      [[]],
    ]);
    expect(documents[0]).toMatchObject({
      ReservationId: 'cr-0123456789abcdef0',
      AccountId: '111122223333',
      Owned: 10,
    });
    // The fleet document carries no ReservationId: that would be a dimension's value without its dimension.
    expect(documents[1]).not.toHaveProperty('ReservationId');
    expect(documents[1]).toMatchObject({ ChangesFailed: 2, ReclaimDurationSeconds: 300 });
  });

  it('writes one document per series and timestamp, values of one metric together', () => {
    const later = new Date(AT.getTime() + 60_000);
    const documents = render([
      gauge(METRIC.lent, 1),
      gauge(METRIC.lent, 2, { reservationId: 'cr-0000000000000a001' }),
      gauge(METRIC.target, 3),
      gauge(METRIC.lent, 4, { timestamp: later }),
      gauge(METRIC.reclaimDurationSeconds, 50, { series: 'fleet', unit: 'Seconds' }),
      gauge(METRIC.reclaimDurationSeconds, 70, { series: 'fleet', unit: 'Seconds' }),
    ]);

    expect(documents.map((document) => [document['ReservationId'], document._aws.Timestamp])).toEqual([
      ['cr-0123456789abcdef0', AT.getTime()],
      ['cr-0000000000000a001', AT.getTime()],
      ['cr-0123456789abcdef0', later.getTime()],
      [undefined, AT.getTime()],
    ]);
    expect(documents[0]).toMatchObject({ Lent: 1, Target: 3 });
    expect(documents[3]).toMatchObject({ ReclaimDurationSeconds: [50, 70] });
  });

  it(`keeps each document within ${EMF_MAX_METRICS_PER_DOCUMENT} metrics and ${EMF_MAX_VALUES_PER_METRIC} values a metric`, () => {
    const wide = Array.from({ length: 250 }, (_, index) => gauge(`Wide${index}`, index));
    const deep = Array.from({ length: 250 }, (_, index) => gauge('Deep', index, { series: 'fleet' }));

    const documents = render([...wide, ...deep]);

    const definitions = documents.map((document) => document._aws.CloudWatchMetrics[0]?.Metrics.length ?? 0);
    expect(Math.max(...definitions)).toBeLessThanOrEqual(EMF_MAX_METRICS_PER_DOCUMENT);
    const valueCounts = documents.flatMap((document) =>
      (document._aws.CloudWatchMetrics[0]?.Metrics ?? []).map((metric) => {
        const value = document[metric.Name];
        return Array.isArray(value) ? value.length : 1;
      }),
    );
    expect(Math.max(...valueCounts)).toBeLessThan(EMF_MAX_VALUES_PER_METRIC);
    // Nothing is lost or repeated in the split.
    const wideValues = documents.flatMap((document) =>
      Object.entries(document)
        .filter(([key]) => key.startsWith('Wide'))
        .map(([, value]) => value),
    );
    expect(wideValues).toEqual(wide.map((metric) => metric.value));
    const deepValues = documents.flatMap((document) => {
      const value = document['Deep'];
      return value === undefined ? [] : Array.isArray(value) ? value : [value];
    });
    expect(deepValues).toEqual(deep.map((metric) => metric.value));
    expect(
      documents.every((document) =>
        (document._aws.CloudWatchMetrics[0]?.Dimensions ?? []).every(
          (set) => set.length <= EMF_MAX_DIMENSIONS,
        ),
      ),
    ).toBe(true);
  });

  it('writes nothing for no metrics, and hands every line of a put to its sink at once', async () => {
    const written: string[][] = [];
    const gateway = new EmfMetricsGateway({
      ...OPTIONS,
      sink: (lines) => {
        written.push([...lines]);
      },
      durations: { reclaimDurations: async () => [42] },
    });

    await gateway.put([]);
    expect(written).toEqual([]);
    await gateway.put([
      gauge(METRIC.lent, 1),
      gauge(METRIC.lent, 2, { reservationId: 'cr-0000000000000a001' }),
    ]);
    expect(written.map((lines) => lines.length)).toEqual([2]);
    expect(await gateway.reclaimDurations(AT, AT)).toEqual([42]);
  });

  it('fails the put when its sink fails, so the caller logs the metrics as not put', async () => {
    const gateway = new EmfMetricsGateway({
      ...OPTIONS,
      sink: async () => {
        throw new Error('log shipper down');
      },
      durations: { reclaimDurations: async () => [] },
    });

    await expect(gateway.put([gauge(METRIC.lent, 1)])).rejects.toThrow('log shipper down');
  });
});
