import { DescribeAlarmsCommand } from '@aws-sdk/client-cloudwatch';
import { DescribeCapacityReservationsCommand } from '@aws-sdk/client-ec2';
import { PutEventsCommand } from '@aws-sdk/client-eventbridge';
import { describe, expect, it } from 'vitest';
import { failureOf, TRADING_ID, tradingReservation, useTestEndpoint } from './helpers.ts';

const endpoint = useTestEndpoint({
  seed: {
    reservations: [tradingReservation()],
    alarms: [{ name: 'xnys-volatility-high', state: 'OK' }],
  },
});

const describeTrading = () =>
  endpoint().ec2.send(new DescribeCapacityReservationsCommand({ CapacityReservationIds: [TRADING_ID] }));

describe('injected faults', () => {
  it('RequestLimitExceeded injected twice is retried by the SDK and the call succeeds', async () => {
    await endpoint().admin.injectFault({
      service: 'ec2',
      action: 'DescribeCapacityReservations',
      error: 'RequestLimitExceeded',
      count: 2,
    });
    const since = (await endpoint().admin.getClock()).now;
    const answer = await describeTrading();
    expect(answer.CapacityReservations).toHaveLength(1);
    expect(answer.$metadata.attempts).toBe(3);
    const outcomes = (
      await endpoint().admin.calls({ action: 'DescribeCapacityReservations', since })
    ).calls.map((call) => call.outcome);
    expect(outcomes).toEqual(['RequestLimitExceeded', 'RequestLimitExceeded', 'ok']);
  });

  it('injected 500s are retried on every service', async () => {
    await endpoint().admin.injectFault({ service: 'cloudwatch', status: 500, count: 2 });
    const alarms = await endpoint().cloudwatch.send(new DescribeAlarmsCommand({}));
    expect(alarms.$metadata.attempts).toBe(3);
    await endpoint().admin.injectFault({ service: 'events', action: 'PutEvents', status: 500, count: 2 });
    const put = await endpoint().events.send(
      new PutEventsCommand({ Entries: [{ Source: 'odcr-reclaimer', DetailType: 'Retry', Detail: '{}' }] }),
    );
    expect(put.$metadata.attempts).toBe(3);
    await endpoint().admin.injectFault({ service: 'ec2', error: 'InternalError', count: 2 });
    expect((await describeTrading()).$metadata.attempts).toBe(3);
  });

  it('fails with the injected code once the retries are used up', async () => {
    await endpoint().admin.injectFault({ service: 'ec2', error: 'RequestLimitExceeded', count: 10 });
    const error = await failureOf(describeTrading());
    expect(error.name).toBe('RequestLimitExceeded');
    expect(error.$metadata?.httpStatusCode).toBe(503);
    await endpoint().admin.clearFaults();
    expect((await endpoint().admin.faults()).faults).toEqual([]);
  });

  it('delivers a non-retryable injected error code to the SDK as an error with that name', async () => {
    await endpoint().admin.injectFault({
      service: 'ec2',
      action: 'DescribeCapacityReservations',
      error: 'UnauthorizedOperation',
    });
    const error = await failureOf(describeTrading());
    expect(error.name).toBe('UnauthorizedOperation');
    expect(error.$metadata?.httpStatusCode).toBe(400);
  });

  it('matches faults by service and action only', async () => {
    await endpoint().admin.injectFault({
      service: 'ec2',
      action: 'CreateTags',
      error: 'InternalError',
      count: 5,
    });
    expect((await describeTrading()).$metadata.attempts).toBe(1);
    await endpoint().admin.clearFaults();
  });

  it('slows a call down with latencyMs alone and still answers', async () => {
    await endpoint().admin.injectFault({ service: 'ec2', latencyMs: 20 });
    expect((await describeTrading()).CapacityReservations).toHaveLength(1);
  });

  it('rejects a malformed fault', async () => {
    await expect(endpoint().admin.injectFault({ service: 's3' as never })).rejects.toMatchObject({
      code: 'InvalidParameterValue',
      status: 400,
    });
  });
});

describe('bad input', () => {
  const post = (body: string, headers: Record<string, string>, path = '/') =>
    fetch(`${endpoint().aws.url}${path}`, { method: 'POST', body, headers });
  const form = { 'content-type': 'application/x-www-form-urlencoded' };

  it('answers an unknown action with InvalidAction in EC2 XML', async () => {
    const response = await post('Action=RunInstances&Version=2016-11-15', form);
    expect(response.status).toBe(400);
    expect(await response.text()).toContain('<Code>InvalidAction</Code>');
  });

  it('answers a form without Action with MissingAction', async () => {
    const response = await post('Version=2016-11-15', form);
    expect(response.status).toBe(400);
    expect(await response.text()).toMatch(/<Response><Errors><Error><Code>MissingAction<\/Code>/);
  });

  it('answers a body that is not a form with an EC2 error', async () => {
    const response = await post('{"Action":"DescribeCapacityReservations"}', {
      'content-type': 'application/json',
    });
    expect(response.status).toBe(400);
    expect(await response.text()).toContain('<Code>MalformedQueryString</Code>');
  });

  it('answers bad JSON with SerializationException on both JSON protocols', async () => {
    const cloudwatch = await post('{not json', {
      'content-type': 'application/x-amz-json-1.0',
      'x-amz-target': 'GraniteServiceVersion20100801.DescribeAlarms',
      'x-amzn-query-mode': 'true',
    });
    expect(cloudwatch.status).toBe(400);
    expect(cloudwatch.headers.get('x-amzn-query-error')).toBe('SerializationException;Sender');
    const events = await post('[1,2', {
      'content-type': 'application/x-amz-json-1.1',
      'x-amz-target': 'AWSEvents.PutEvents',
    });
    expect(events.status).toBe(400);
    expect(await events.json()).toMatchObject({ __type: 'SerializationException' });
  });

  it('answers an unknown X-Amz-Target and an unknown operation with AWS-shaped JSON errors', async () => {
    const unknownTarget = await post('{}', {
      'content-type': 'application/x-amz-json-1.1',
      'x-amz-target': 'AmazonSQS.ListQueues',
    });
    expect(unknownTarget.status).toBe(400);
    expect(await unknownTarget.json()).toMatchObject({ __type: 'UnknownOperationException' });
    // DynamoDB is served for the lease's PutItem and DeleteItem only, in its own error shape.
    const unknownDynamoDb = await post('{}', {
      'content-type': 'application/x-amz-json-1.0',
      'x-amz-target': 'DynamoDB_20120810.ListTables',
    });
    expect(unknownDynamoDb.status).toBe(400);
    expect(await unknownDynamoDb.json()).toMatchObject({
      __type: 'com.amazon.coral.service#UnknownOperationException',
    });
    const unknownOperation = await post('{}', {
      'content-type': 'application/x-amz-json-1.1',
      'x-amz-target': 'AWSEvents.CreateEventBus',
    });
    expect(await unknownOperation.json()).toMatchObject({ __type: 'UnknownOperationException' });
  });

  it('answers a gzip header over a plain body, an unknown route and an unknown admin route with errors', async () => {
    const badGzip = await post('not gzip', { ...form, 'content-encoding': 'gzip' });
    expect(badGzip.status).toBe(400);
    const unknownRoute = await fetch(`${endpoint().aws.url}/some/where`);
    expect(unknownRoute.status).toBe(404);
    expect(await unknownRoute.text()).toContain('<Code>InvalidAction</Code>');
    const unknownAdmin = await fetch(`${endpoint().aws.url}/_local/nothing`);
    expect(unknownAdmin.status).toBe(404);
    expect(await unknownAdmin.json()).toMatchObject({ error: { code: 'NotFound' } });
    const badAdminJson = await post('{oops', { 'content-type': 'application/json' }, '/_local/clock');
    expect(badAdminJson.status).toBe(400);
  });

  it('keeps serving afterwards and logs every rejected request with its outcome', async () => {
    expect((await describeTrading()).CapacityReservations).toHaveLength(1);
    const outcomes = (await endpoint().admin.calls()).calls.map(
      (call) => `${call.service}:${call.action}:${call.outcome}`,
    );
    expect(outcomes).toEqual(
      expect.arrayContaining([
        'ec2:RunInstances:InvalidAction',
        'ec2:(none):MissingAction',
        'ec2:(none):MalformedQueryString',
        'cloudwatch:DescribeAlarms:SerializationException',
        'events:PutEvents:SerializationException',
        'unknown:ListQueues:UnknownOperationException',
        'dynamodb:ListTables:UnknownOperationException',
        'events:CreateEventBus:UnknownOperationException',
      ]),
    );
  });
});
