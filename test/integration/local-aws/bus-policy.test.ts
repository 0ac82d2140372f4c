import {
  DescribeEventBusCommand,
  DescribeRuleCommand,
  DisableRuleCommand,
  EventBridgeClient,
  PutEventsCommand,
  PutPermissionCommand,
  PutRuleCommand,
  PutTargetsCommand,
  RemovePermissionCommand,
} from '@aws-sdk/client-eventbridge';
import type { IamPrincipal } from '@odcr-reclaimer/local-aws/iam.ts';
import { beforeEach, describe, expect, it } from 'vitest';
import { HUB_ACCOUNT, MEMBER_ACCOUNT, OUTSIDER_ACCOUNT } from '../../support/accounts.ts';
import { failureOf, signedAs, useFreshTestEndpoint } from './helpers.ts';

const OWNER = HUB_ACCOUNT;
const BORROWER = MEMBER_ACCOUNT;
const STRANGER = OUTSIDER_ACCOUNT;
const BUS = 'odcr-reclaimer-dev';
const BUS_ARN = `arn:aws:events:us-east-1:${OWNER}:event-bus/${BUS}`;
const RULE_ARN = (name: string) => `arn:aws:events:us-east-1:${OWNER}:rule/${BUS}/${name}`;
/** IAM's policy variable, as the policy's text spells it. */
const PRINCIPAL_ACCOUNT = `\${aws:PrincipalAccount}`;

/** A principal in each account whose identity policy allows every EventBridge action. */
function eventsUser(account: string, actions: string[] = ['events:*']): IamPrincipal {
  return {
    name: `events-${account}`,
    accessKeyId: `AKIDEVENTS${account}`,
    accountId: account,
    policies: [{ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: actions, Resource: '*' }] }],
  };
}

const endpoint = useFreshTestEndpoint({
  settings: { accountId: OWNER },
  iam: { principals: [OWNER, BORROWER, STRANGER].map((account) => eventsUser(account)) },
});

function events(account: string): EventBridgeClient {
  return endpoint().client(EventBridgeClient, signedAs(`AKIDEVENTS${account}`));
}

/** A bus policy document (the `Policy` form of PutPermission) holding `statements`. */
function policyDocument(statements: object[]): string {
  return JSON.stringify({ Version: '2012-10-17', Statement: statements });
}

/** The service's statement (serverless.yml, BorrowersManageTheirOwnRules) admitting `accounts`' rules. */
function borrowerRulesPolicy(accounts: string[], extra: object[] = []): string {
  return policyDocument([
    {
      Sid: 'BorrowersManageTheirOwnRules',
      Effect: 'Allow',
      Principal: { AWS: accounts.map((account) => `arn:aws:iam::${account}:root`) },
      Action: [
        'events:PutRule',
        'events:DeleteRule',
        'events:DescribeRule',
        'events:DisableRule',
        'events:EnableRule',
        'events:PutTargets',
        'events:RemoveTargets',
      ],
      Resource: `arn:aws:events:us-east-1:${OWNER}:rule/${BUS}/*`,
      Condition: {
        StringEqualsIfExists: {
          'events:creatorAccount': PRINCIPAL_ACCOUNT,
          'events:source': 'odcr-reclaimer',
        },
      },
    },
    ...extra,
  ]);
}

const headsUpRule = (name: string, source = 'odcr-reclaimer') =>
  new PutRuleCommand({
    Name: name,
    EventBusName: BUS_ARN,
    EventPattern: JSON.stringify({ source: [source], 'detail-type': ['Reclaim Scheduled'] }),
  });

beforeEach(async () => {
  await endpoint().admin.putRule({
    name: 'service-rule',
    state: 'ENABLED',
    eventBusName: BUS,
    eventPattern: '{}',
  });
});

describe('rules on another account’s bus, by its ARN', () => {
  it('are put in the owner’s account when its bus policy allows the caller', async () => {
    await events(OWNER).send(
      new PutPermissionCommand({ EventBusName: BUS, Policy: borrowerRulesPolicy([BORROWER]) }),
    );

    const put = await events(BORROWER).send(headsUpRule('heads-up'));
    await events(BORROWER).send(
      new PutTargetsCommand({
        Rule: 'heads-up',
        EventBusName: BUS_ARN,
        Targets: [{ Id: 'own-bus', Arn: `arn:aws:events:us-east-1:${BORROWER}:event-bus/default` }],
      }),
    );

    expect(put.RuleArn).toBe(RULE_ARN('heads-up'));
    const owners = (await endpoint().admin.ruleList({ accountId: OWNER })).rules.map((rule) => rule.name);
    expect(owners).toContain('heads-up');
    expect((await endpoint().admin.ruleList({ accountId: BORROWER })).rules).toEqual([]);
    const described = await events(BORROWER).send(
      new DescribeRuleCommand({ Name: 'heads-up', EventBusName: BUS_ARN }),
    );
    expect([described.Arn, described.CreatedBy]).toEqual([RULE_ARN('heads-up'), BORROWER]);
  });

  it('are refused without a statement, in EventBridge’s words', async () => {
    const denied = await failureOf(events(BORROWER).send(headsUpRule('heads-up')));

    expect(denied.name).toBe('AccessDeniedException');
    expect(denied.message).toBe(
      `User: arn:aws:iam::${BORROWER}:role/events-${BORROWER} is not authorized to perform: events:PutRule on resource: ${RULE_ARN('heads-up')} because no resource-based policy allows the events:PutRule action`,
    );
    expect((await endpoint().admin.ruleList({ accountId: OWNER })).rules.map((rule) => rule.name)).toEqual([
      'service-rule',
    ]);
  });

  it('are refused for what the statement’s conditions exclude and by an explicit Deny', async () => {
    const deny = {
      Sid: 'NoStrangers',
      Effect: 'Deny',
      Principal: { AWS: `arn:aws:iam::${STRANGER}:root` },
      Action: 'events:*',
      Resource: '*',
    };
    await events(OWNER).send(
      new PutPermissionCommand({
        EventBusName: BUS,
        Policy: borrowerRulesPolicy([BORROWER, STRANGER], [deny]),
      }),
    );

    const otherSource = await failureOf(events(BORROWER).send(headsUpRule('aws-events', 'aws.ec2')));
    const denied = await failureOf(events(STRANGER).send(headsUpRule('stranger')));

    expect(otherSource.message).toMatch(/because no resource-based policy allows the events:PutRule action$/);
    expect(denied.name).toBe('AccessDeniedException');
    expect(denied.message).toMatch(/with an explicit deny in a resource-based policy \(NoStrangers\)$/);
  });

  it('may be changed only by the account that created them (events:creatorAccount against the caller)', async () => {
    await events(OWNER).send(
      new PutPermissionCommand({ EventBusName: BUS, Policy: borrowerRulesPolicy([BORROWER, STRANGER]) }),
    );
    await events(BORROWER).send(headsUpRule('heads-up'));

    const overwrite = await failureOf(events(STRANGER).send(headsUpRule('heads-up')));
    const disable = await failureOf(
      events(STRANGER).send(new DisableRuleCommand({ Name: 'heads-up', EventBusName: BUS_ARN })),
    );
    await events(BORROWER).send(new DisableRuleCommand({ Name: 'heads-up', EventBusName: BUS_ARN }));

    expect([overwrite.name, disable.name]).toEqual(['AccessDeniedException', 'AccessDeniedException']);
    const rule = (await endpoint().admin.ruleList({ accountId: OWNER })).rules.find(
      (one) => one.name === 'heads-up',
    );
    expect(rule?.state).toBe('DISABLED');
    // The owner's own rules are the owner's: a borrower cannot touch them either.
    expect(
      (
        await failureOf(
          events(BORROWER).send(new DisableRuleCommand({ Name: 'service-rule', EventBusName: BUS_ARN })),
        )
      ).name,
    ).toBe('AccessDeniedException');
  });

  it('also need the caller’s own identity policy to allow them', async () => {
    await events(OWNER).send(
      new PutPermissionCommand({ EventBusName: BUS, Policy: borrowerRulesPolicy([BORROWER]) }),
    );
    await endpoint().admin.configureIam({
      principals: [eventsUser(OWNER), eventsUser(BORROWER, ['events:PutTargets'])],
    });

    const denied = await failureOf(events(BORROWER).send(headsUpRule('heads-up')));

    expect(denied.message).toMatch(/because no identity-based policy allows the action$/);
  });
});

describe('PutPermission', () => {
  it('adds statements, and a Policy replaces them all', async () => {
    const owner = events(OWNER);
    await owner.send(
      new PutPermissionCommand({
        EventBusName: BUS,
        Action: 'events:PutEvents',
        Principal: BORROWER,
        StatementId: 'b',
      }),
    );
    await owner.send(
      new PutPermissionCommand({
        EventBusName: BUS,
        Action: 'events:PutEvents',
        Principal: '*',
        StatementId: 'org',
        Condition: { Type: 'StringEquals', Key: 'aws:PrincipalOrgID', Value: 'o-abcdefghij' },
      }),
    );
    const statements = async () =>
      JSON.parse((await owner.send(new DescribeEventBusCommand({ Name: BUS }))).Policy ?? '{}').Statement;
    expect(await statements()).toEqual([
      {
        Sid: 'b',
        Effect: 'Allow',
        Principal: { AWS: `arn:aws:iam::${BORROWER}:root` },
        Action: 'events:PutEvents',
        Resource: BUS_ARN,
      },
      {
        Sid: 'org',
        Effect: 'Allow',
        Principal: '*',
        Action: 'events:PutEvents',
        Resource: BUS_ARN,
        Condition: { StringEquals: { 'aws:PrincipalOrgID': 'o-abcdefghij' } },
      },
    ]);

    await owner.send(
      new PutPermissionCommand({ EventBusName: BUS, Policy: borrowerRulesPolicy([STRANGER]) }),
    );

    expect((await statements()).map((statement: { Sid: string }) => statement.Sid)).toEqual([
      'BorrowersManageTheirOwnRules',
    ]);
    // The borrower's statement went with the old policy.
    const put = await failureOf(
      events(BORROWER).send(
        new PutEventsCommand({
          Entries: [{ EventBusName: BUS_ARN, Source: 'odcr-reclaimer', DetailType: 'x', Detail: '{}' }],
        }),
      ),
    );
    expect(put.name).toBe('AccessDeniedException');
  });

  it('refuses a Policy together with the statement parameters, naming them', async () => {
    const refused = await failureOf(
      events(OWNER).send(
        new PutPermissionCommand({
          EventBusName: BUS,
          Policy: borrowerRulesPolicy([BORROWER]),
          StatementId: 's',
        }),
      ),
    );

    expect(refused.name).toBe('ValidationException');
    expect(refused.message).toMatch(/StatementId/);
    expect((await events(OWNER).send(new DescribeEventBusCommand({ Name: BUS }))).Policy).toBeUndefined();
  });

  it('refuses a policy with a variable the endpoint does not know, rather than matching it as text', async () => {
    const policy = policyDocument([
      {
        Effect: 'Allow',
        Principal: '*',
        Action: 'events:PutRule',
        Resource: '*',
        Condition: { StringEquals: { 'events:creatorAccount': `\${aws:NoSuchKey}` } },
      },
    ]);

    const refused = await failureOf(
      events(OWNER).send(new PutPermissionCommand({ EventBusName: BUS, Policy: policy })),
    );

    expect(refused.name).toBe('ValidationException');
    expect(refused.message).toMatch(/unknown policy variable/);
  });
});

describe('events put on another account’s bus', () => {
  it('land on the owner’s bus when its policy admits the caller’s organization and source', async () => {
    await endpoint().admin.setOrganization({
      id: 'o-abcdefghij',
      managementAccountId: OWNER,
      accounts: [BORROWER],
    });
    await events(OWNER).send(
      new PutPermissionCommand({
        EventBusName: BUS,
        Policy: policyDocument([
          {
            Sid: 'Org',
            Effect: 'Allow',
            Principal: '*',
            Action: 'events:PutEvents',
            Resource: BUS_ARN,
            Condition: {
              StringEquals: { 'aws:PrincipalOrgID': 'o-abcdefghij', 'events:source': 'borrower.app' },
            },
          },
        ]),
      }),
    );
    const entry = (source: string) => ({
      EventBusName: BUS_ARN,
      Source: source,
      DetailType: 'Drained',
      Detail: '{}',
    });

    await events(BORROWER).send(new PutEventsCommand({ Entries: [entry('borrower.app')] }));
    const otherSource = await failureOf(
      events(BORROWER).send(new PutEventsCommand({ Entries: [entry('other')] })),
    );
    const outsider = await failureOf(
      events(STRANGER).send(new PutEventsCommand({ Entries: [entry('borrower.app')] })),
    );

    const onOwner = (await endpoint().admin.events({ accountId: OWNER })).events;
    expect(onOwner.map((event) => [event.bus, event.account, event.source])).toEqual([
      [BUS, BORROWER, 'borrower.app'],
    ]);
    expect([otherSource.name, outsider.name]).toEqual(['AccessDeniedException', 'AccessDeniedException']);
  });

  it('are refused from the owner’s own principals by an explicit Deny in its bus policy', async () => {
    await events(OWNER).send(
      new PutPermissionCommand({
        EventBusName: BUS,
        Policy: policyDocument([
          {
            Sid: 'OnlyServiceRolesPut',
            Effect: 'Deny',
            Principal: '*',
            Action: 'events:PutEvents',
            Resource: BUS_ARN,
            Condition: {
              ArnNotLike: { 'aws:PrincipalArn': `arn:aws:iam::${OWNER}:role/odcr-reclaimer-*` },
            },
          },
        ]),
      }),
    );

    const denied = await failureOf(
      events(OWNER).send(
        new PutEventsCommand({
          Entries: [{ EventBusName: BUS, Source: 'x', DetailType: 'y', Detail: '{}' }],
        }),
      ),
    );

    expect(denied.message).toMatch(/explicit deny in a resource-based policy \(OnlyServiceRolesPut\)$/);
  });
});

describe('delivery to another account’s bus', () => {
  it('follows the target bus’s policy document, its conditions included, until its permissions are removed', async () => {
    const borrowerBus = `arn:aws:events:us-east-1:${BORROWER}:event-bus/default`;
    await events(OWNER).send(
      new PutRuleCommand({
        Name: 'to-borrower',
        EventBusName: BUS,
        EventPattern: JSON.stringify({ 'detail-type': ['Reclaim Scheduled'] }),
      }),
    );
    await events(OWNER).send(
      new PutTargetsCommand({
        Rule: 'to-borrower',
        EventBusName: BUS,
        Targets: [{ Id: 'b', Arn: borrowerBus }],
      }),
    );
    await events(BORROWER).send(
      new PutPermissionCommand({
        Policy: policyDocument([
          {
            Sid: 'ServiceHeadsUp',
            Effect: 'Allow',
            Principal: { AWS: OWNER },
            Action: 'events:PutEvents',
            Resource: borrowerBus,
            Condition: {
              ArnEquals: { 'aws:SourceArn': RULE_ARN('to-borrower') },
              StringEquals: { 'events:source': 'odcr-reclaimer' },
            },
          },
        ]),
      }),
    );
    const publish = (source: string) =>
      events(OWNER).send(
        new PutEventsCommand({
          Entries: [{ EventBusName: BUS, Source: source, DetailType: 'Reclaim Scheduled', Detail: '{}' }],
        }),
      );

    await publish('odcr-reclaimer');
    await publish('someone-else');
    await events(BORROWER).send(new RemovePermissionCommand({ RemoveAllPermissions: true }));
    await publish('odcr-reclaimer');

    const received = (await endpoint().admin.events({ accountId: BORROWER })).events;
    expect(received.map((event) => [event.bus, event.source])).toEqual([['default', 'odcr-reclaimer']]);
    const refused = (await endpoint().admin.deliveries({ accountId: OWNER })).deliveries;
    expect(refused.map((delivery) => [delivery.outcome, delivery.event.source])).toEqual([
      ['denied', 'someone-else'],
      ['denied', 'odcr-reclaimer'],
    ]);
    expect((await events(BORROWER).send(new DescribeEventBusCommand({}))).Policy).toBeUndefined();
  });
});
