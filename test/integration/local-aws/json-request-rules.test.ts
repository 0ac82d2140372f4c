import { type LocalAws, startLocalAws } from '@odcr-reclaimer/local-aws/server.ts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

// The CloudWatch and EventBridge rules that conformance.py checks with boto3, here over the raw JSON wire so
// that a machine without python3 checks them too.
const NOW = '2026-03-02T14:00:00.000Z';
const NOW_SECONDS = Date.parse(NOW) / 1000;

let aws: LocalAws;

beforeAll(async () => {
  aws = await startLocalAws({
    port: 0,
    settings: { start: NOW },
    seed: {
      alarms: [{ name: 'xnys-volatility-high', state: 'OK', metric: { threshold: 40, period: 300 } }],
      rules: [{ name: 'odcr-reclaimer-track', state: 'DISABLED' }],
    },
  });
});

afterAll(() => aws.close());

async function call(
  service: 'cloudwatch' | 'events',
  action: string,
  body: unknown,
): Promise<{ status: number; code: string | undefined; body: Record<string, unknown> }> {
  const target = service === 'cloudwatch' ? `GraniteServiceVersion20100801.${action}` : `AWSEvents.${action}`;
  const response = await fetch(aws.url, {
    method: 'POST',
    headers: {
      'content-type': service === 'cloudwatch' ? 'application/x-amz-json-1.0' : 'application/x-amz-json-1.1',
      'x-amz-target': target,
    },
    body: JSON.stringify(body),
  });
  const answer = (await response.json()) as Record<string, unknown>;
  const queryCode = response.headers.get('x-amzn-query-error')?.split(';')[0];
  const type = typeof answer['__type'] === 'string' ? String(answer['__type']).split('#').at(-1) : undefined;
  return { status: response.status, code: queryCode ?? type, body: answer };
}

const datum = { MetricName: 'Reclaimed', Value: 1, Unit: 'Count', Timestamp: NOW_SECONDS };
const query = (extra: Record<string, unknown> = {}) => ({
  Id: 'q',
  MetricStat: { Metric: { Namespace: 'Conformance', MetricName: 'Lent' }, Period: 60, Stat: 'Sum' },
  ...extra,
});
const window = { StartTime: NOW_SECONDS, EndTime: NOW_SECONDS + 3600 };
const entry = { Source: 'odcr-reclaimer', DetailType: 'Test', Detail: '{}' };

describe('CloudWatch request rules', () => {
  it.each([
    ['DescribeAlarms MaxRecords 101', 'DescribeAlarms', { MaxRecords: 101 }, 'ValidationError'],
    [
      'DescribeAlarms 101 names',
      'DescribeAlarms',
      { AlarmNames: Array.from({ length: 101 }, (_, i) => `a${i}`) },
      'ValidationError',
    ],
    [
      'DescribeAlarms AlarmNames with AlarmNamePrefix',
      'DescribeAlarms',
      { AlarmNames: ['a'], AlarmNamePrefix: 'a' },
      'InvalidParameterCombination',
    ],
    [
      'DescribeAlarms ChildrenOfAlarmName with StateValue',
      'DescribeAlarms',
      { ChildrenOfAlarmName: 'a', StateValue: 'OK' },
      'ValidationError',
    ],
    [
      'SetAlarmState reason of 1024',
      'SetAlarmState',
      { AlarmName: 'xnys-volatility-high', StateValue: 'OK', StateReason: 'r'.repeat(1024) },
      'ValidationError',
    ],
    [
      'SetAlarmState data that is not JSON',
      'SetAlarmState',
      { AlarmName: 'xnys-volatility-high', StateValue: 'OK', StateReason: 'r', StateReasonData: '{' },
      'InvalidFormat',
    ],
    [
      'PutMetricData of 1001 datums',
      'PutMetricData',
      { Namespace: 'C', MetricData: Array.from({ length: 1001 }, () => datum) },
      'InvalidParameterValue',
    ],
    [
      'PutMetricData 151 values',
      'PutMetricData',
      { Namespace: 'C', MetricData: [{ MetricName: 'M', Values: Array.from({ length: 151 }, (_, i) => i) }] },
      'InvalidParameterValue',
    ],
    [
      'PutMetricData counts without as many values',
      'PutMetricData',
      { Namespace: 'C', MetricData: [{ MetricName: 'M', Values: [1, 2], Counts: [1] }] },
      'InvalidParameterValue',
    ],
    [
      'PutMetricData 31 dimensions',
      'PutMetricData',
      {
        Namespace: 'C',
        MetricData: [
          { ...datum, Dimensions: Array.from({ length: 31 }, (_, i) => ({ Name: `d${i}`, Value: 'v' })) },
        ],
      },
      'InvalidParameterValue',
    ],
    [
      'PutMetricData a unit outside the enumeration',
      'PutMetricData',
      { Namespace: 'C', MetricData: [{ ...datum, Unit: 'Parsecs' }] },
      'ValidationError',
    ],
    [
      'PutMetricData StorageResolution 30',
      'PutMetricData',
      { Namespace: 'C', MetricData: [{ ...datum, StorageResolution: 30 }] },
      'InvalidParameterValue',
    ],
    [
      'PutMetricData a value beyond 2^360',
      'PutMetricData',
      { Namespace: 'C', MetricData: [{ ...datum, Value: 2 ** 361 }] },
      'InvalidParameterValue',
    ],
    [
      'PutMetricData a timestamp 15 days old',
      'PutMetricData',
      { Namespace: 'C', MetricData: [{ ...datum, Timestamp: NOW_SECONDS - 15 * 86400 }] },
      'InvalidParameterValue',
    ],
    [
      'PutMetricData a timestamp 3 hours ahead',
      'PutMetricData',
      { Namespace: 'C', MetricData: [{ ...datum, Timestamp: NOW_SECONDS + 3 * 3600 }] },
      'InvalidParameterValue',
    ],
    [
      'PutMetricData a namespace starting with a colon',
      'PutMetricData',
      { Namespace: ':C', MetricData: [datum] },
      'ValidationError',
    ],
    [
      'GetMetricData period 61',
      'GetMetricData',
      { MetricDataQueries: [query({ MetricStat: { ...query().MetricStat, Period: 61 } })], ...window },
      'InvalidParameterValue',
    ],
    [
      'GetMetricData duplicate ids',
      'GetMetricData',
      { MetricDataQueries: [query(), query()], ...window },
      'InvalidParameterValue',
    ],
    [
      'GetMetricData an id starting upper case',
      'GetMetricData',
      { MetricDataQueries: [query({ Id: 'Q' })], ...window },
      'InvalidParameterValue',
    ],
    [
      'GetMetricData 501 queries',
      'GetMetricData',
      { MetricDataQueries: Array.from({ length: 501 }, (_, i) => query({ Id: `q${i}` })), ...window },
      'InvalidParameterValue',
    ],
    [
      'GetMetricData both MetricStat and Expression',
      'GetMetricData',
      { MetricDataQueries: [query({ Expression: 'q' })], ...window },
      'InvalidParameterCombination',
    ],
    [
      'GetMetricData EndTime before StartTime',
      'GetMetricData',
      { MetricDataQueries: [query()], StartTime: NOW_SECONDS, EndTime: NOW_SECONDS - 60 },
      'InvalidParameterValue',
    ],
    [
      'GetMetricData ScanBy outside the enumeration',
      'GetMetricData',
      { MetricDataQueries: [query()], ...window, ScanBy: 'Sideways' },
      'ValidationError',
    ],
    [
      'GetMetricData a bad NextToken',
      'GetMetricData',
      { MetricDataQueries: [query()], ...window, NextToken: 'nope' },
      'InvalidNextToken',
    ],
  ])('refuses %s', async (_rule, action, body, code) => {
    expect(await call('cloudwatch', action, body)).toMatchObject({ status: 400, code });
  });

  it('refuses a PutMetricData body over 1 MB with 413', async () => {
    const big = Array.from({ length: 1000 }, (_, i) => ({
      ...datum,
      MetricName: `m${i}`.padEnd(255, 'x'),
      Dimensions: [{ Name: 'd', Value: 'v'.repeat(800) }],
    }));
    expect(await call('cloudwatch', 'PutMetricData', { Namespace: 'C', MetricData: big })).toMatchObject({
      status: 413,
      code: 'RequestEntityTooLarge',
    });
  });

  it('shows a seeded alarm with a metric alarm fields', async () => {
    const { body } = await call('cloudwatch', 'DescribeAlarms', { AlarmNames: ['xnys-volatility-high'] });
    expect((body['MetricAlarms'] as unknown[])[0]).toMatchObject({
      AlarmName: 'xnys-volatility-high',
      Namespace: 'OdcrReclaimer/Local',
      MetricName: 'xnys-volatility-high',
      Statistic: 'Maximum',
      Period: 300,
      EvaluationPeriods: 1,
      DatapointsToAlarm: 1,
      Threshold: 40,
      ComparisonOperator: 'GreaterThanThreshold',
      TreatMissingData: 'missing',
      AlarmConfigurationUpdatedTimestamp: NOW_SECONDS,
    });
  });

  it('rounds StartTime, counts periods from it, filters by unit and pages by MaxDatapoints', async () => {
    const points = Array.from({ length: 12 }, (_, i) => ({
      MetricName: 'Lent',
      Value: i,
      Timestamp: NOW_SECONDS - 3600 + 30 + 60 * i,
      ...(i === 11 ? {} : { Unit: 'Count' }),
    }));
    expect(
      (await call('cloudwatch', 'PutMetricData', { Namespace: 'Conformance', MetricData: points })).status,
    ).toBe(200);
    const start = NOW_SECONDS - 3600;
    const rounded = await call('cloudwatch', 'GetMetricData', {
      MetricDataQueries: [query()],
      StartTime: start + 20,
      EndTime: start + 120,
      ScanBy: 'TimestampAscending',
    });
    expect(rounded.body['MetricDataResults']).toMatchObject([
      { Timestamps: [start, start + 60], Values: [0, 1] },
    ]);
    const byUnit = await call('cloudwatch', 'GetMetricData', {
      MetricDataQueries: [query({ MetricStat: { ...query().MetricStat, Period: 300, Unit: 'Count' } })],
      StartTime: start + 600,
      EndTime: start + 900,
    });
    // 14:10–14:15 holds values 10 (Count) and 11 (sent without a unit: None).
    expect(byUnit.body['MetricDataResults']).toMatchObject([{ Values: [10] }]);
    const pages: number[] = [];
    let token: unknown;
    do {
      const page = await call('cloudwatch', 'GetMetricData', {
        MetricDataQueries: [query()],
        StartTime: start,
        EndTime: start + 720,
        MaxDatapoints: 5,
        ...(token === undefined ? {} : { NextToken: token }),
      });
      pages.push(
        ((page.body['MetricDataResults'] as { Timestamps: unknown[] }[])[0]?.Timestamps ?? []).length,
      );
      token = page.body['NextToken'];
    } while (token !== undefined);
    expect(pages).toEqual([5, 5, 2]);
  });
});

describe('EventBridge request rules', () => {
  it.each([
    ['PutEvents of 11 entries', 'PutEvents', { Entries: Array.from({ length: 11 }, () => entry) }],
    ['PutEvents of none', 'PutEvents', { Entries: [] }],
    [
      'PutEvents over 256 KB',
      'PutEvents',
      { Entries: [0, 1].map(() => ({ ...entry, Detail: JSON.stringify({ a: 'x'.repeat(140_000) }) })) },
    ],
    [
      'PutEvents a resource of 2049 characters',
      'PutEvents',
      { Entries: [{ ...entry, Resources: ['r'.repeat(2049)] }] },
    ],
    [
      'PutEvents a bus name outside its pattern',
      'PutEvents',
      { Entries: [{ ...entry, EventBusName: 'a b' }] },
    ],
    ['DescribeRule a name of 65 characters', 'DescribeRule', { Name: 'r'.repeat(65) }],
    ['DescribeRule a name outside its pattern', 'DescribeRule', { Name: 'a b' }],
    ['EnableRule without a name', 'EnableRule', {}],
  ])('refuses %s with ValidationException', async (_rule, action, body) => {
    expect(await call('events', action, body)).toMatchObject({ status: 400, code: 'ValidationException' });
  });
});
