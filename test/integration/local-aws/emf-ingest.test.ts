import { GetMetricDataCommand, ListMetricsCommand } from '@aws-sdk/client-cloudwatch';
import { describe, expect, it } from 'vitest';
import { useTestEndpoint } from './helpers.ts';

const START = '2026-03-02T13:00:00.000Z';
const NAMESPACE = 'EmfIngest/Test';
const LOG_GROUP = '/aws/lambda/odcr-reclaimer-dev-track-reclamation';

const endpoint = useTestEndpoint({ settings: { start: START } });

/** A document as Powertools Metrics writes one: one directive, the values beside `_aws`. */
function document(overrides: {
  namespace?: string;
  timestamp?: number;
  dimensions?: string[][];
  metrics?: { Name: string; Unit?: string }[];
  members?: Record<string, unknown>;
}): string {
  return JSON.stringify({
    _aws: {
      Timestamp: overrides.timestamp ?? Date.parse(START),
      CloudWatchMetrics: [
        {
          Namespace: overrides.namespace ?? NAMESPACE,
          Dimensions: overrides.dimensions ?? [['ReservationId']],
          Metrics: overrides.metrics ?? [{ Name: 'Lent', Unit: 'Count' }],
        },
      ],
    },
    ReservationId: 'cr-0123456789abcdef0',
    Lent: 7,
    ...overrides.members,
  });
}

async function ship(lines: string[]) {
  return endpoint().admin.ingestLogLines({ logGroup: LOG_GROUP, lines });
}

async function maximum(metricName: string, dimensions: { Name: string; Value: string }[]) {
  const answer = await endpoint().cloudwatch.send(
    new GetMetricDataCommand({
      StartTime: new Date(Date.parse(START) - 3600_000),
      EndTime: new Date(Date.parse(START) + 3600_000),
      MetricDataQueries: [
        {
          Id: 'm',
          MetricStat: {
            Metric: { Namespace: NAMESPACE, MetricName: metricName, Dimensions: dimensions },
            Period: 60,
            Stat: 'Maximum',
          },
        },
      ],
    }),
  );
  return answer.MetricDataResults?.[0]?.Values ?? [];
}

async function stored(metricName: string) {
  return (await endpoint().admin.metrics({ namespace: NAMESPACE, metricName })).metrics;
}

describe('EMF in a function log, as CloudWatch Logs extracts it', () => {
  it('turns a valid document into datums GetMetricData reads, per dimension set and value', async () => {
    const answer = await ship([
      'START RequestId: 1 Version: $LATEST',
      document({
        dimensions: [['ReservationId', 'AccountId'], []],
        metrics: [{ Name: 'Lent', Unit: 'Count' }],
        members: { AccountId: '111122223333', Lent: [3, 9] },
      }),
    ]);
    expect(answer).toEqual({ events: 2, metrics: 4, rejected: [] });
    const both = [
      { Name: 'ReservationId', Value: 'cr-0123456789abcdef0' },
      { Name: 'AccountId', Value: '111122223333' },
    ];
    expect(await maximum('Lent', both)).toEqual([9]);
    expect(await maximum('Lent', [])).toEqual([9]);
    expect((await stored('Lent')).map((record) => [record.value, record.unit])).toEqual([
      [3, 'Count'],
      [9, 'Count'],
      [3, 'Count'],
      [9, 'Count'],
    ]);
  });

  it('lists the extracted metrics with ListMetrics, filtered by name and dimension', async () => {
    const listed = await endpoint().cloudwatch.send(
      new ListMetricsCommand({
        Namespace: NAMESPACE,
        MetricName: 'Lent',
        Dimensions: [{ Name: 'AccountId', Value: '111122223333' }],
      }),
    );
    expect(listed.Metrics).toEqual([
      {
        Namespace: NAMESPACE,
        MetricName: 'Lent',
        Dimensions: [
          { Name: 'ReservationId', Value: 'cr-0123456789abcdef0' },
          { Name: 'AccountId', Value: '111122223333' },
        ],
      },
    ]);
    const everyLent = await endpoint().cloudwatch.send(
      new ListMetricsCommand({ Namespace: NAMESPACE, MetricName: 'Lent', RecentlyActive: 'PT3H' }),
    );
    expect(everyLent.Metrics?.map((metric) => metric.Dimensions?.length)).toEqual([2, 0]);
    const elevenFilters = Array.from({ length: 11 }, (_, index) => ({ Name: `D${index}` }));
    await expect(
      endpoint().cloudwatch.send(new ListMetricsCommand({ Dimensions: elevenFilters })),
    ).rejects.toThrow();
  });

  it('reads an empty Dimensions list as the series without dimensions', async () => {
    const answer = await ship([
      document({ dimensions: [], metrics: [{ Name: 'ChangesFailed' }], members: { ChangesFailed: 1 } }),
    ]);
    expect(answer.metrics).toBe(1);
    expect(await maximum('ChangesFailed', [])).toEqual([1]);
  });

  const malformed: [string, string][] = [
    ['no Timestamp', JSON.stringify({ _aws: { CloudWatchMetrics: [] }, Lent: 1 })],
    ['a metric member that is missing', document({ metrics: [{ Name: 'Missing' }] })],
    ['a metric member that is text', document({ members: { Lent: 'seven' } })],
    ['a dimension member that is a number', document({ members: { ReservationId: 12 } })],
    ['a dimension member that is absent', document({ dimensions: [['Nowhere']] })],
    ['an unknown unit', document({ metrics: [{ Name: 'Lent', Unit: 'Furlongs' }] })],
    ['a reserved namespace', document({ namespace: 'AWS/EC2' })],
    [
      '31 dimension keys',
      document({
        dimensions: [Array.from({ length: 31 }, (_, index) => `D${index}`)],
        members: Object.fromEntries(Array.from({ length: 31 }, (_, index) => [`D${index}`, 'x'])),
      }),
    ],
    [
      '101 metric definitions',
      document({
        metrics: Array.from({ length: 101 }, (_, index) => ({ Name: `M${index}` })),
        members: Object.fromEntries(Array.from({ length: 101 }, (_, index) => [`M${index}`, 1])),
      }),
    ],
    ['101 values', document({ members: { Lent: Array.from({ length: 101 }, () => 1) } })],
    ['a timestamp 15 days old', document({ timestamp: Date.parse(START) - 15 * 24 * 3600_000 })],
    ['a timestamp 3 hours ahead', document({ timestamp: Date.parse(START) + 3 * 3600_000 })],
    ['JSON cut short', document({}).slice(0, -5)],
  ];

  it.each(malformed)('records nothing of a document with %s, and says why', async (_case, line) => {
    const before = (await endpoint().admin.metrics({ namespace: NAMESPACE })).metrics.length;
    const answer = await ship([line]);
    expect(answer.metrics).toBe(0);
    expect(answer.rejected).toEqual([{ line: 0, reason: expect.any(String) }]);
    expect((await endpoint().admin.metrics({ namespace: NAMESPACE })).metrics).toHaveLength(before);
  });

  it('takes 30 dimension keys and 100 metric definitions, the limits themselves', async () => {
    const keys = Array.from({ length: 30 }, (_, index) => `K${index}`);
    const names = Array.from({ length: 100 }, (_, index) => `Wide${index}`);
    const answer = await ship([
      document({
        dimensions: [keys],
        metrics: names.map((Name) => ({ Name })),
        members: {
          ...Object.fromEntries(keys.map((key) => [key, 'v'])),
          ...Object.fromEntries(names.map((name) => [name, 1])),
        },
      }),
    ]);
    expect(answer).toEqual({ events: 1, metrics: 100, rejected: [] });
  });

  it('keeps plain log lines as events without metrics, and refuses a body without its log group', async () => {
    expect(await ship(['plain text', '{"level":"INFO","message":"no _aws here"}'])).toEqual({
      events: 2,
      metrics: 0,
      rejected: [],
    });
    await expect(endpoint().admin.ingestLogLines({ lines: [] } as never)).rejects.toThrow(/logGroup/);
  });
});
