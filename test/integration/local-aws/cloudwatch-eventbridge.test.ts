import {
  DescribeAlarmsCommand,
  GetMetricDataCommand,
  PutMetricDataCommand,
} from '@aws-sdk/client-cloudwatch';
import {
  DescribeRuleCommand,
  DisableRuleCommand,
  EnableRuleCommand,
  PutEventsCommand,
} from '@aws-sdk/client-eventbridge';
import { describe, expect, it } from 'vitest';
import { failureOf, useTestEndpoint } from './helpers.ts';

const START = '2026-03-02T13:00:00.000Z';
const TRACKER_RULE = 'odcr-reclaimer-dev-track-reclamation';

const endpoint = useTestEndpoint({
  settings: { start: START },
  seed: {
    alarms: [
      { name: 'xnys-volatility-high', state: 'OK' },
      { name: 'trading-load-high', state: 'OK' },
      { name: 'az-impaired-us-east-1a', state: 'ALARM', reason: 'seeded' },
    ],
    rules: [{ name: TRACKER_RULE, state: 'DISABLED', scheduleExpression: 'rate(1 minute)' }],
  },
});

describe('CloudWatch DescribeAlarms', () => {
  it('answers by alarm names and by state', async () => {
    const byName = await endpoint().cloudwatch.send(
      new DescribeAlarmsCommand({ AlarmNames: ['xnys-volatility-high', 'no-such-alarm'] }),
    );
    expect(byName.MetricAlarms).toEqual([
      expect.objectContaining({
        AlarmName: 'xnys-volatility-high',
        StateValue: 'OK',
        AlarmArn: expect.stringContaining(':alarm:xnys-volatility-high'),
        StateUpdatedTimestamp: new Date(START),
      }),
    ]);
    const inAlarm = await endpoint().cloudwatch.send(new DescribeAlarmsCommand({ StateValue: 'ALARM' }));
    expect(inAlarm.MetricAlarms?.map((alarm) => [alarm.AlarmName, alarm.StateReason])).toEqual([
      ['az-impaired-us-east-1a', 'seeded'],
    ]);
  });

  it('shows a state set through the admin API and records a CloudWatch Alarm State Change event', async () => {
    await endpoint().admin.advance(60);
    await endpoint().admin.setAlarm({ name: 'trading-load-high', state: 'ALARM', reason: 'load 93%' });
    const answer = await endpoint().cloudwatch.send(
      new DescribeAlarmsCommand({ AlarmNames: ['trading-load-high'] }),
    );
    expect(answer.MetricAlarms?.[0]).toMatchObject({
      StateValue: 'ALARM',
      StateReason: 'load 93%',
      StateUpdatedTimestamp: new Date('2026-03-02T13:01:00.000Z'),
    });
    const events = (await endpoint().admin.events({ detailType: 'CloudWatch Alarm State Change' })).events;
    expect(events).toEqual([
      expect.objectContaining({
        source: 'aws.cloudwatch',
        detail: expect.objectContaining({
          alarmName: 'trading-load-high',
          state: expect.objectContaining({ value: 'ALARM' }),
          previousState: expect.objectContaining({ value: 'OK' }),
        }),
      }),
    ]);
  });

  it('rejects a state filter outside the enumeration with ValidationError, as request validation does', async () => {
    const error = await failureOf(
      endpoint().cloudwatch.send(new DescribeAlarmsCommand({ StateValue: 'RED' as never })),
    );
    expect(error.name).toBe('ValidationException');
    expect((error as { Code?: string }).Code).toBe('ValidationError');
  });
});

describe('CloudWatch PutMetricData and GetMetricData', () => {
  it('accepts a gzip-compressed PutMetricData of more than 150 datums and reads them back', async () => {
    const at = new Date('2026-03-02T13:05:00.000Z');
    const values = Array.from({ length: 200 }, (_, index) => index + 1);
    await endpoint().cloudwatch.send(
      new PutMetricDataCommand({
        Namespace: 'OdcrReclaimer',
        MetricData: values.map((value) => ({
          MetricName: 'ReclaimedInstances',
          Dimensions: [{ Name: 'CapacityReservationId', Value: 'cr-0123456789abcdef0' }],
          Timestamp: at,
          Value: value,
          Unit: 'Count',
        })),
      }),
    );
    const [call] = (await endpoint().admin.calls({ action: 'PutMetricData' })).calls;
    expect(call?.outcome).toBe('ok');
    expect(call?.contentEncoding).toBe('gzip');
    expect((await endpoint().admin.metrics({ namespace: 'OdcrReclaimer' })).metrics).toHaveLength(200);

    const query = (Stat: string) => ({
      Id: Stat.toLowerCase(),
      MetricStat: {
        Metric: {
          Namespace: 'OdcrReclaimer',
          MetricName: 'ReclaimedInstances',
          Dimensions: [{ Name: 'CapacityReservationId', Value: 'cr-0123456789abcdef0' }],
        },
        Period: 300,
        Stat,
      },
    });
    const answer = await endpoint().cloudwatch.send(
      new GetMetricDataCommand({
        StartTime: new Date('2026-03-02T13:00:00.000Z'),
        EndTime: new Date('2026-03-02T14:00:00.000Z'),
        MetricDataQueries: ['Sum', 'Average', 'Minimum', 'Maximum', 'SampleCount', 'p90'].map(query),
      }),
    );
    const valuesOf = (id: string) => answer.MetricDataResults?.find((result) => result.Id === id)?.Values;
    expect(valuesOf('sum')).toEqual([20100]);
    expect(valuesOf('average')).toEqual([100.5]);
    expect(valuesOf('minimum')).toEqual([1]);
    expect(valuesOf('maximum')).toEqual([200]);
    expect(valuesOf('samplecount')).toEqual([200]);
    expect(valuesOf('p90')).toEqual([180]);
    expect(answer.MetricDataResults?.[0]?.Timestamps).toEqual([at]);
  });

  it('stamps datums without a timestamp with the simulated time and buckets them by period', async () => {
    await endpoint().admin.setClock({ now: '2026-03-02T15:00:30.000Z' });
    await endpoint().cloudwatch.send(
      new PutMetricDataCommand({ Namespace: 'OdcrReclaimer', MetricData: [{ MetricName: 'Lag', Value: 3 }] }),
    );
    await endpoint().admin.advance(60);
    await endpoint().cloudwatch.send(
      new PutMetricDataCommand({ Namespace: 'OdcrReclaimer', MetricData: [{ MetricName: 'Lag', Value: 5 }] }),
    );
    const answer = await endpoint().cloudwatch.send(
      new GetMetricDataCommand({
        StartTime: new Date('2026-03-02T15:00:00.000Z'),
        EndTime: new Date('2026-03-02T15:05:00.000Z'),
        ScanBy: 'TimestampAscending',
        MetricDataQueries: [
          {
            Id: 'lag',
            MetricStat: {
              Metric: { Namespace: 'OdcrReclaimer', MetricName: 'Lag' },
              Period: 60,
              Stat: 'Maximum',
            },
          },
        ],
      }),
    );
    expect(answer.MetricDataResults?.[0]?.Timestamps).toEqual([
      new Date('2026-03-02T15:00:00.000Z'),
      new Date('2026-03-02T15:01:00.000Z'),
    ]);
    expect(answer.MetricDataResults?.[0]?.Values).toEqual([3, 5]);
  });

  it('rejects a PutMetricData with an empty namespace or a reserved one', async () => {
    const missing = await failureOf(
      endpoint().cloudwatch.send(
        new PutMetricDataCommand({ Namespace: '', MetricData: [{ MetricName: 'x', Value: 1 }] }),
      ),
    );
    expect((missing as { Code?: string }).Code).toBe('ValidationError');
    const reserved = await failureOf(
      endpoint().cloudwatch.send(
        new PutMetricDataCommand({ Namespace: 'AWS/EC2', MetricData: [{ MetricName: 'x', Value: 1 }] }),
      ),
    );
    expect(reserved.name).toBe('InvalidParameterValueException');
  });
});

describe('EventBridge', () => {
  it('stores put events with their bus and answers an event id per entry', async () => {
    const answer = await endpoint().events.send(
      new PutEventsCommand({
        Entries: [
          {
            Source: 'odcr-reclaimer',
            DetailType: 'Allocation Change Requested',
            Detail: JSON.stringify({ reservationId: 'cr-0123456789abcdef0', from: 60, to: 0 }),
            EventBusName: 'odcr-reclaimer-dev',
          },
        ],
      }),
    );
    expect(answer.FailedEntryCount).toBe(0);
    expect(answer.Entries?.[0]?.EventId).toBeTruthy();
    const stored = (await endpoint().admin.events({ source: 'odcr-reclaimer' })).events;
    expect(stored).toEqual([
      expect.objectContaining({
        'detail-type': 'Allocation Change Requested',
        bus: 'odcr-reclaimer-dev',
        detail: { reservationId: 'cr-0123456789abcdef0', from: 60, to: 0 },
      }),
    ]);
  });

  it('fails the first entries when a partial-failure fault asks for it, without throwing', async () => {
    await endpoint().admin.injectFault({
      service: 'events',
      action: 'PutEvents',
      kind: 'partial-failure',
      entries: 2,
    });
    const entry = (n: number) => ({
      Source: 'odcr-reclaimer',
      DetailType: 'Partial',
      Detail: JSON.stringify({ n }),
    });
    const answer = await endpoint().events.send(
      new PutEventsCommand({ Entries: [entry(1), entry(2), entry(3)] }),
    );
    expect(answer.FailedEntryCount).toBe(2);
    expect(answer.Entries?.map((result) => result.ErrorCode ?? 'ok')).toEqual([
      'InternalFailure',
      'InternalFailure',
      'ok',
    ]);
    expect(
      (await endpoint().admin.events({ detailType: 'Partial' })).events.map((event) => event.detail),
    ).toEqual([{ n: 3 }]);
    const next = await endpoint().events.send(new PutEventsCommand({ Entries: [entry(4)] }));
    expect(next.FailedEntryCount).toBe(0);
  });

  it('reports malformed entries per entry', async () => {
    const answer = await endpoint().events.send(
      new PutEventsCommand({
        Entries: [{ Source: 'odcr-reclaimer', DetailType: 'Bad', Detail: 'not json' }],
      }),
    );
    expect(answer.Entries?.[0]?.ErrorCode).toBe('MalformedDetail');
  });

  it('enables, disables and describes a rule; an unknown rule is ResourceNotFoundException', async () => {
    await endpoint().events.send(new EnableRuleCommand({ Name: TRACKER_RULE }));
    expect(await endpoint().events.send(new DescribeRuleCommand({ Name: TRACKER_RULE }))).toMatchObject({
      Name: TRACKER_RULE,
      State: 'ENABLED',
      ScheduleExpression: 'rate(1 minute)',
      EventBusName: 'default',
    });
    await endpoint().events.send(new DisableRuleCommand({ Name: TRACKER_RULE, EventBusName: 'default' }));
    expect((await endpoint().admin.ruleList()).rules).toEqual([
      expect.objectContaining({ name: TRACKER_RULE, state: 'DISABLED' }),
    ]);
    for (const command of [
      new EnableRuleCommand({ Name: 'missing-rule' }),
      new DisableRuleCommand({ Name: 'missing-rule' }),
      new DescribeRuleCommand({ Name: 'missing-rule' }),
    ]) {
      const error = await failureOf(endpoint().events.send(command as never));
      expect(error.name).toBe('ResourceNotFoundException');
    }
  });
});
