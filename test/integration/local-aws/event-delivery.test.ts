import {
  DescribeEventBusCommand,
  EventBridgeClient,
  PutEventsCommand,
  PutPermissionCommand,
  PutRuleCommand,
  PutTargetsCommand,
  RemovePermissionCommand,
} from '@aws-sdk/client-eventbridge';
import { beforeEach, describe, expect, it } from 'vitest';
import { accountsIam, asAccount, failureOf, useFreshTestEndpoint } from './helpers.ts';

const OWNER = '123456789012';
const BORROWER = '210987654321';
const OWNER_BUS = 'odcr-reclaimer-dev';
const BORROWER_BUS_ARN = `arn:aws:events:us-east-1:${BORROWER}:event-bus/default`;
const QUEUE_ARN = `arn:aws:sqs:us-east-1:${BORROWER}:drain-node-pool`;

const endpoint = useFreshTestEndpoint({
  settings: { accountId: OWNER },
  iam: accountsIam([OWNER, BORROWER]),
});

function events(account: string): EventBridgeClient {
  return endpoint().client(EventBridgeClient, asAccount(account));
}

async function publish(detailType = 'Reclaim Scheduled'): Promise<void> {
  const answer = await events(OWNER).send(
    new PutEventsCommand({
      Entries: [
        {
          EventBusName: OWNER_BUS,
          Source: 'odcr-reclaimer',
          DetailType: detailType,
          Detail: '{"instances":3}',
        },
      ],
    }),
  );
  expect(answer.FailedEntryCount).toBe(0);
}

beforeEach(async () => {
  // The owner's bus sends heads-up events to the borrower's default bus.
  const owner = events(OWNER);
  await owner.send(
    new PutRuleCommand({
      Name: 'to-borrower',
      EventBusName: OWNER_BUS,
      EventPattern: JSON.stringify({ source: ['odcr-reclaimer'], 'detail-type': [{ prefix: 'Reclaim ' }] }),
    }),
  );
  await owner.send(
    new PutTargetsCommand({
      Rule: 'to-borrower',
      EventBusName: OWNER_BUS,
      Targets: [{ Id: 'borrower-bus', Arn: BORROWER_BUS_ARN }],
    }),
  );
  // The borrower's rule drains its node pool on the heads-up.
  const borrower = events(BORROWER);
  await borrower.send(
    new PutRuleCommand({
      Name: 'drain-ahead',
      EventPattern: JSON.stringify({ 'detail-type': ['Reclaim Scheduled'], account: [OWNER] }),
    }),
  );
  await borrower.send(
    new PutTargetsCommand({ Rule: 'drain-ahead', Targets: [{ Id: 'queue', Arn: QUEUE_ARN }] }),
  );
});

describe('cross-account event delivery', () => {
  it("reaches the borrower's rule once the borrower's bus policy admits the owner", async () => {
    await events(BORROWER).send(
      new PutPermissionCommand({ Action: 'events:PutEvents', Principal: OWNER, StatementId: 'owner' }),
    );
    const bus = await events(BORROWER).send(new DescribeEventBusCommand({}));
    expect(JSON.parse(bus.Policy ?? '{}').Statement[0].Principal).toEqual({
      AWS: `arn:aws:iam::${OWNER}:root`,
    });
    await publish();
    const received = (await endpoint().admin.events({ accountId: BORROWER })).events;
    expect(received.map((event) => [event.bus, event.account, event['detail-type']])).toEqual([
      ['default', OWNER, 'Reclaim Scheduled'],
    ]);
    const deliveries = (await endpoint().admin.deliveries({ accountId: BORROWER })).deliveries;
    expect(deliveries.map((delivery) => [delivery.rule, delivery.targetArn, delivery.outcome])).toEqual([
      ['drain-ahead', QUEUE_ARN, 'delivered'],
    ]);
    expect(deliveries[0]?.event).toMatchObject({ account: OWNER, detail: { instances: 3 } });
    // A detail type the borrower's pattern does not name crosses but is not delivered.
    await publish('Reclaim Started');
    expect((await endpoint().admin.events({ accountId: BORROWER })).events).toHaveLength(2);
    expect((await endpoint().admin.deliveries({ accountId: BORROWER })).deliveries).toHaveLength(1);
  });

  it("is refused while the borrower's bus policy does not admit the owner", async () => {
    await publish();
    expect((await endpoint().admin.events({ accountId: BORROWER })).events).toEqual([]);
    expect(
      (await endpoint().admin.deliveries({ accountId: OWNER })).deliveries.map((row) => row.outcome),
    ).toEqual(['denied']);
    await events(BORROWER).send(
      new PutPermissionCommand({
        Action: 'events:PutEvents',
        Principal: '999999999999',
        StatementId: 'other',
      }),
    );
    await publish();
    expect((await endpoint().admin.events({ accountId: BORROWER })).events).toEqual([]);
    await events(BORROWER).send(new RemovePermissionCommand({ StatementId: 'other' }));
    const missing = await failureOf(
      events(BORROWER).send(new RemovePermissionCommand({ StatementId: 'other' })),
    );
    expect(missing.name).toBe('ResourceNotFoundException');
  });

  it('validates rules, targets and permissions as EventBridge does', async () => {
    const owner = events(OWNER);
    expect((await failureOf(owner.send(new PutRuleCommand({ Name: 'no-pattern' })))).name).toBe(
      'ValidationException',
    );
    expect(
      (await failureOf(owner.send(new PutRuleCommand({ Name: 'bad', EventPattern: '{"source":"x"}' })))).name,
    ).toBe('InvalidEventPatternException');
    expect(
      (
        await failureOf(
          owner.send(new PutTargetsCommand({ Rule: 'missing', Targets: [{ Id: 't', Arn: QUEUE_ARN }] })),
        )
      ).name,
    ).toBe('ResourceNotFoundException');
    const six = Array.from({ length: 6 }, (_, index) => ({ Id: `t${index}`, Arn: QUEUE_ARN }));
    expect(
      (
        await failureOf(
          owner.send(new PutTargetsCommand({ Rule: 'to-borrower', EventBusName: OWNER_BUS, Targets: six })),
        )
      ).name,
    ).toBe('LimitExceededException');
    expect(
      (
        await failureOf(
          owner.send(
            new PutPermissionCommand({ Action: 'events:PutEvents', Principal: '12', StatementId: 's' }),
          ),
        )
      ).name,
    ).toBe('ValidationException');
  });
});
