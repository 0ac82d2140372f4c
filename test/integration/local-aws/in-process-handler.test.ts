import { CloudWatchClient, DescribeAlarmsCommand, PutMetricDataCommand } from '@aws-sdk/client-cloudwatch';
import { DescribeCapacityReservationsCommand, EC2Client } from '@aws-sdk/client-ec2';
import { EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import { inProcessSdkConfig } from '@odcr-reclaimer/local-aws/in-process-handler.ts';
import { beforeAll, describe, expect, it } from 'vitest';
import { failureOf, TRADING_ID, tradingReservation, useTestEndpoint } from './helpers.ts';

const endpoint = useTestEndpoint({
  seed: {
    reservations: [
      tradingReservation({ tags: { 'odcr-reclaimer:managed': 'true', Name: 'xnys-trading-r7i' } }),
    ],
    alarms: [{ name: 'xnys-volatility-high', state: 'ALARM' }],
  },
});
let ec2: EC2Client;
let cloudwatch: CloudWatchClient;
let events: EventBridgeClient;

beforeAll(() => {
  // The same clients as over HTTP (fast retries included), their requests served without a socket.
  const inProcess = inProcessSdkConfig(endpoint().aws);
  ec2 = endpoint().client(EC2Client, inProcess);
  cloudwatch = endpoint().client(CloudWatchClient, inProcess);
  events = endpoint().client(EventBridgeClient, inProcess);
});

const describeTrading = (client: EC2Client) =>
  client.send(new DescribeCapacityReservationsCommand({ CapacityReservationIds: [TRADING_ID] }));

describe('the in-process SDK request handler', () => {
  it('gets the same parsed answers as the SDK over HTTP, on every protocol', async () => {
    const [inProcess, overHttp] = await Promise.all([describeTrading(ec2), describeTrading(endpoint().ec2)]);
    expect(inProcess.CapacityReservations).toEqual(overHttp.CapacityReservations);
    expect(inProcess.CapacityReservations?.[0]?.Tags).toContainEqual({
      Key: 'Name',
      Value: 'xnys-trading-r7i',
    });

    const alarms = await cloudwatch.send(new DescribeAlarmsCommand({ AlarmNames: ['xnys-volatility-high'] }));
    expect(alarms.MetricAlarms?.map((alarm) => [alarm.AlarmName, alarm.StateValue])).toEqual([
      ['xnys-volatility-high', 'ALARM'],
    ]);

    const put = await events.send(
      new PutEventsCommand({ Entries: [{ Source: 'in-process', DetailType: 'Check', Detail: '{"n":1}' }] }),
    );
    expect(put.FailedEntryCount).toBe(0);
    expect(
      (await endpoint().admin.events({ source: 'in-process' })).events.map((event) => event.detail),
    ).toEqual([{ n: 1 }]);
  });

  it('logs each call with its region (from the signature) like a call over HTTP', async () => {
    const before = (await endpoint().admin.calls({})).calls.length;
    const west = endpoint().client(EC2Client, inProcessSdkConfig(endpoint().aws, 'eu-west-1'));
    await west.send(new DescribeCapacityReservationsCommand({}));
    const calls = (await endpoint().admin.calls({})).calls.slice(before);
    expect(calls.map((call) => [call.service, call.action, call.region, call.outcome])).toEqual([
      ['ec2', 'DescribeCapacityReservations', 'eu-west-1', 'ok'],
    ]);
  });

  it("hands injected faults to the SDK's retries and error parsing", async () => {
    await endpoint().admin.injectFault({
      service: 'ec2',
      action: 'DescribeCapacityReservations',
      error: 'RequestLimitExceeded',
      count: 2,
    });
    expect((await describeTrading(ec2)).$metadata.attempts).toBe(3);

    await endpoint().admin.injectFault({ service: 'ec2', error: 'UnauthorizedOperation' });
    const ec2Error = await failureOf(describeTrading(ec2));
    expect([ec2Error.name, ec2Error.$metadata?.httpStatusCode]).toEqual(['UnauthorizedOperation', 400]);

    // CloudWatch's error shape (JSON with the query-compatible code) parses to the same error as over HTTP.
    const cloudWatchErrors = [];
    for (const client of [cloudwatch, endpoint().cloudwatch]) {
      await endpoint().admin.injectFault({ service: 'cloudwatch', error: 'InvalidParameterValue' });
      const error = await failureOf(client.send(new DescribeAlarmsCommand({})));
      cloudWatchErrors.push([error.name, error.$metadata?.httpStatusCode]);
    }
    expect(cloudWatchErrors[0]).toEqual(cloudWatchErrors[1]);
    expect(cloudWatchErrors[0]?.[0]).toMatch(/^InvalidParameterValue/);
  });

  it('sends a gzip-compressed body (large PutMetricData) that the endpoint decompresses', async () => {
    const since = (await endpoint().admin.getClock()).now;
    const data = Array.from({ length: 400 }, (_, index) => ({
      MetricName: 'ReclaimDurationSeconds',
      Dimensions: [{ Name: 'ReservationId', Value: `cr-${String(index).padStart(17, '0')}` }],
      Value: index,
      Unit: 'Seconds' as const,
    }));
    await cloudwatch.send(new PutMetricDataCommand({ Namespace: 'InProcessCheck', MetricData: data }));
    const [call] = (await endpoint().admin.calls({ action: 'PutMetricData', since })).calls;
    expect([call?.outcome, call?.contentEncoding]).toEqual(['ok', 'gzip']);
  });
});
