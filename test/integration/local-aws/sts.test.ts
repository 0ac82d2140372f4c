import { CloudWatchClient, PutMetricDataCommand } from '@aws-sdk/client-cloudwatch';
import {
  CreateTagsCommand,
  DescribeCapacityReservationsCommand,
  EC2Client,
  UpdateInterruptibleCapacityReservationAllocationCommand,
} from '@aws-sdk/client-ec2';
import { DescribeRuleCommand, EventBridgeClient } from '@aws-sdk/client-eventbridge';
import {
  AssumeRoleCommand,
  type AssumeRoleCommandInput,
  GetCallerIdentityCommand,
  STSClient,
} from '@aws-sdk/client-sts';
import { accessKeyIdFor } from '@odcr-reclaimer/local-aws/iam.ts';
import type { SeedRole } from '@odcr-reclaimer/local-aws/sts.ts';
import { beforeEach, describe, expect, it } from 'vitest';
import {
  capacityReservationArn,
  EXTERNAL_ID_SPOKE_ACCOUNT,
  HUB_ACCOUNT,
  SPOKE_ACCOUNT,
  spokeRoleArn,
} from '../../support/accounts.ts';
import { failureOf, signedAs, useFreshTestEndpoint } from './helpers.ts';

const HUB_ROLE = 'odcr-reclaimer-dev-us-east-1-lambdaRole';
const START = '2026-03-02T13:00:00.000Z';

/** The spoke template's role (infra/spoke/spoke-role.yml) with its intrinsics resolved. */
function spokeRole(accountId: string, externalId?: string): SeedRole {
  return {
    accountId,
    name: 'odcr-reclaimer-spoke',
    trustPolicy: {
      Version: '2012-10-17',
      Statement: [
        {
          Effect: 'Allow',
          Principal: { AWS: `arn:aws:iam::${HUB_ACCOUNT}:root` },
          Action: 'sts:AssumeRole',
          Condition: {
            ArnLike: { 'aws:PrincipalArn': `arn:aws:iam::${HUB_ACCOUNT}:role/odcr-reclaimer-dev-*` },
            ...(externalId === undefined ? {} : { StringEquals: { 'sts:ExternalId': externalId } }),
          },
        },
      ],
    },
    policies: [
      {
        Version: '2012-10-17',
        Statement: [
          { Effect: 'Allow', Action: 'ec2:DescribeCapacityReservations', Resource: '*' },
          {
            Effect: 'Allow',
            Action: 'ec2:UpdateInterruptibleCapacityReservationAllocation',
            Resource: `arn:aws:ec2:*:${accountId}:capacity-reservation/*`,
            Condition: { StringEquals: { 'aws:ResourceTag/odcr-reclaimer:managed': 'true' } },
          },
        ],
      },
    ],
  };
}

const endpoint = useFreshTestEndpoint({
  settings: { start: START, accountId: HUB_ACCOUNT },
  seed: { roles: [spokeRole(SPOKE_ACCOUNT), spokeRole(EXTERNAL_ID_SPOKE_ACCOUNT, 'the-external-id')] },
  // The hub's function role is known (its account and name) but IAM is not enforced.
  iam: {
    enforce: false,
    principals: [
      {
        name: HUB_ROLE,
        accessKeyId: accessKeyIdFor(HUB_ROLE),
        policies: [{ Statement: [{ Effect: 'Allow', Action: '*', Resource: '*' }] }],
      },
    ],
  },
});

/** Signing with the hub function role's key (a declared principal). */
const AS_HUB = signedAs(accessKeyIdFor(HUB_ROLE));

function hubSts(): STSClient {
  return endpoint().client(STSClient, AS_HUB);
}

async function assume(input: Partial<AssumeRoleCommandInput> = {}, sts = hubSts()) {
  return sts.send(
    new AssumeRoleCommand({
      RoleArn: spokeRoleArn(SPOKE_ACCOUNT),
      RoleSessionName: 'odcr-reclaimer',
      ...input,
    }),
  );
}

/** Config fields signing with the credentials AssumeRole gave. */
async function asSpoke(input: Partial<AssumeRoleCommandInput> = {}) {
  const credentials = (await assume(input)).Credentials!;
  return {
    credentials: {
      accessKeyId: credentials.AccessKeyId!,
      secretAccessKey: credentials.SecretAccessKey!,
      sessionToken: credentials.SessionToken!,
    },
  };
}

describe('STS AssumeRole', () => {
  it("issues temporary credentials of the role's account, expiring on the simulated clock", async () => {
    const answer = await assume({ DurationSeconds: 1800 });
    expect(answer.Credentials?.AccessKeyId).toMatch(/^ASIA[A-Z0-9]{16}$/);
    expect(answer.Credentials?.SecretAccessKey).toHaveLength(40);
    expect(answer.Credentials?.SessionToken?.length).toBeGreaterThan(100);
    expect(answer.Credentials?.Expiration?.toISOString()).toBe('2026-03-02T13:30:00.000Z');
    expect(answer.AssumedRoleUser?.Arn).toBe(
      `arn:aws:sts::${SPOKE_ACCOUNT}:assumed-role/odcr-reclaimer-spoke/odcr-reclaimer`,
    );
    expect(answer.AssumedRoleUser?.AssumedRoleId).toMatch(/^AROA[A-Z0-9]+:odcr-reclaimer$/);

    const sts = endpoint().client(STSClient, await asSpoke());
    const identity = await sts.send(new GetCallerIdentityCommand({}));
    expect(identity.Account).toBe(SPOKE_ACCOUNT);
    expect(identity.Arn).toBe(
      `arn:aws:sts::${SPOKE_ACCOUNT}:assumed-role/odcr-reclaimer-spoke/odcr-reclaimer`,
    );
    const hubIdentity = await hubSts().send(new GetCallerIdentityCommand({}));
    expect(hubIdentity.Account).toBe(HUB_ACCOUNT);
  });

  it('refuses a caller the trust policy does not admit, and an unknown role, with AccessDenied 403', async () => {
    const stranger = endpoint().client(STSClient, signedAs('AKIDSTRANGER'));
    // Undeclared credentials are the hub's root: not a role of the hub's prefix.
    const notTrusted = await failureOf(assume({}, stranger));
    expect(notTrusted.name).toBe('AccessDenied');
    expect(notTrusted.$metadata?.httpStatusCode).toBe(403);
    expect(notTrusted.message).toContain(
      `not authorized to perform: sts:AssumeRole on resource: ${spokeRoleArn(SPOKE_ACCOUNT)}`,
    );
    const unknown = await failureOf(assume({ RoleArn: `arn:aws:iam::${SPOKE_ACCOUNT}:role/no-such-role` }));
    expect(unknown.name).toBe('AccessDenied');
  });

  it('requires the external id a trust policy names, and refuses a wrong one', async () => {
    const roleArn = spokeRoleArn(EXTERNAL_ID_SPOKE_ACCOUNT);
    expect((await failureOf(assume({ RoleArn: roleArn }))).name).toBe('AccessDenied');
    expect((await failureOf(assume({ RoleArn: roleArn, ExternalId: 'another-id' }))).name).toBe(
      'AccessDenied',
    );
    const answer = await assume({ RoleArn: roleArn, ExternalId: 'the-external-id' });
    expect(answer.AssumedRoleUser?.Arn).toContain(`::${EXTERNAL_ID_SPOKE_ACCOUNT}:assumed-role/`);
  });

  it('builds the same trust from the spoke terms (trusted principals, external id)', async () => {
    await endpoint().admin.putRoles({
      roles: [
        {
          accountId: '555555555555',
          name: 'spoke',
          trustedPrincipals: [`arn:aws:iam::${HUB_ACCOUNT}:role/odcr-reclaimer-dev-*`],
          externalId: 'x-1',
        },
      ],
    });
    const roleArn = 'arn:aws:iam::555555555555:role/spoke';
    expect((await failureOf(assume({ RoleArn: roleArn }))).name).toBe('AccessDenied');
    expect((await assume({ RoleArn: roleArn, ExternalId: 'x-1' })).Credentials).toBeDefined();
  });

  it('validates RoleSessionName (2-64 of [\\w+=,.@-]), DurationSeconds (900 to the role maximum), ExternalId', async () => {
    for (const name of ['a', 'x'.repeat(65), 'has space', 'slash/name']) {
      const error = await failureOf(assume({ RoleSessionName: name }));
      expect(error.name, name).toBe('ValidationError');
      expect(error.message, name).toContain("'roleSessionName'");
    }
    expect((await failureOf(assume({ DurationSeconds: 899 }))).name).toBe('ValidationError');
    expect((await failureOf(assume({ DurationSeconds: 43201 }))).name).toBe('ValidationError');
    // Within the API's range but beyond the role's MaxSessionDuration (3600 by default).
    const beyondRole = await failureOf(assume({ DurationSeconds: 7200 }));
    expect(beyondRole.name).toBe('ValidationError');
    expect(beyondRole.message).toContain('MaxSessionDuration');
    expect((await failureOf(assume({ ExternalId: 'x' }))).name).toBe('ValidationError');
    expect((await failureOf(assume({ RoleArn: 'arn:aws:iam::role/missing-account' }))).name).toBe(
      'ValidationError',
    );
    // Session policies are not modelled: refused rather than ignored (ignoring would grant more).
    expect((await failureOf(assume({ Policy: '{"Statement":[]}' }))).name).toBe('InvalidParameterValue');
  });

  it('limits role chaining to one hour', async () => {
    await endpoint().admin.putRoles({
      roles: [
        {
          ...spokeRole(SPOKE_ACCOUNT),
          trustPolicy: undefined,
          trustedPrincipals: [`arn:aws:iam::${HUB_ACCOUNT}:role/${HUB_ROLE}`, SPOKE_ACCOUNT],
          maxSessionDuration: 7200,
        },
      ],
    });
    const chained = endpoint().client(STSClient, await asSpoke());
    const error = await failureOf(assume({ DurationSeconds: 3601 }, chained));
    expect(error.message).toContain('role chaining');
    expect((await assume({ DurationSeconds: 3600 }, chained)).AssumedRoleUser?.Arn).toContain(SPOKE_ACCOUNT);
  });

  it('refuses expired session credentials with ExpiredToken, and a wrong session token', async () => {
    const session = await asSpoke({ DurationSeconds: 900 });
    const ec2 = endpoint().client(EC2Client, session);
    await ec2.send(new DescribeCapacityReservationsCommand({}));
    endpoint().aws.advance(900);
    expect((await failureOf(ec2.send(new DescribeCapacityReservationsCommand({})))).name).toBe(
      'ExpiredToken',
    );
    const sts = endpoint().client(STSClient, session);
    expect((await failureOf(sts.send(new GetCallerIdentityCommand({})))).name).toBe('ExpiredToken');
    const events = endpoint().client(EventBridgeClient, session);
    expect((await failureOf(events.send(new DescribeRuleCommand({ Name: 'x' })))).name).toBe(
      'ExpiredTokenException',
    );

    const forged = await asSpoke();
    const wrongToken = endpoint().client(EC2Client, {
      credentials: { ...forged.credentials, sessionToken: 'not-the-token' },
    });
    expect((await failureOf(wrongToken.send(new DescribeCapacityReservationsCommand({})))).name).toBe(
      'AuthFailure',
    );
  });
});

describe('per-account state', () => {
  const HUB_RESERVATION = 'cr-0aaaaaaaaaaaaaaa1';
  const SPOKE_RESERVATION = 'cr-0bbbbbbbbbbbbbbb1';

  beforeEach(async () => {
    await endpoint().admin.seedReservations({
      reservations: [
        {
          id: HUB_RESERVATION,
          instanceType: 'm7i.large',
          availabilityZone: 'us-east-1a',
          totalInstanceCount: 4,
        },
        {
          accountId: SPOKE_ACCOUNT,
          id: SPOKE_RESERVATION,
          instanceType: 'm7i.large',
          availabilityZone: 'us-east-1a',
          totalInstanceCount: 10,
          tags: { 'odcr-reclaimer:managed': 'true' },
          interruptible: { instanceCount: 6 },
        },
      ],
    });
  });

  it("serves each account's reservations to its own credentials only", async () => {
    const hub = endpoint().client(EC2Client, AS_HUB);
    const spoke = endpoint().client(EC2Client, await asSpoke());
    const hubIds = (await hub.send(new DescribeCapacityReservationsCommand({}))).CapacityReservations?.map(
      (reservation) => reservation.CapacityReservationId,
    );
    expect(hubIds).toEqual([HUB_RESERVATION]);
    const spokeSeen =
      (await spoke.send(new DescribeCapacityReservationsCommand({}))).CapacityReservations ?? [];
    expect(spokeSeen.map((reservation) => reservation.OwnerId)).toEqual([SPOKE_ACCOUNT, SPOKE_ACCOUNT]);
    expect(spokeSeen[0]?.CapacityReservationArn).toBe(
      capacityReservationArn(SPOKE_RESERVATION, SPOKE_ACCOUNT),
    );
    const missing = await failureOf(
      hub.send(new DescribeCapacityReservationsCommand({ CapacityReservationIds: [SPOKE_RESERVATION] })),
    );
    expect(missing.name).toBe('InvalidCapacityReservationId.NotFound');
    await spoke.send(
      new CreateTagsCommand({ Resources: [SPOKE_RESERVATION], Tags: [{ Key: 'k', Value: 'v' }] }),
    );
    const views = (await endpoint().admin.listReservations({ accountId: SPOKE_ACCOUNT })).reservations;
    expect(views.map((view) => [view.id, view.tags])).toEqual([
      [SPOKE_RESERVATION, { 'odcr-reclaimer:managed': 'true', k: 'v' }],
    ]);
    expect((await endpoint().admin.listReservations()).reservations.map((view) => view.id)).toEqual([
      HUB_RESERVATION,
    ]);
    const calls = (await endpoint().admin.calls({ accountId: SPOKE_ACCOUNT, service: 'ec2' })).calls;
    expect(calls.map((call) => call.action)).toEqual(['DescribeCapacityReservations', 'CreateTags']);
  });

  it('throttles EC2 per account: one account emptying its bucket leaves the other its own', async () => {
    await endpoint().admin.updateSettings({ requestRateScale: 0.05 });
    const hub = endpoint().client(EC2Client, { ...AS_HUB, maxAttempts: 1 });
    const spoke = endpoint().client(EC2Client, { ...(await asSpoke()), maxAttempts: 1 });
    // The Describe bucket at 0.05 holds 5 tokens.
    for (let call = 0; call < 5; call++) await hub.send(new DescribeCapacityReservationsCommand({}));
    expect((await failureOf(hub.send(new DescribeCapacityReservationsCommand({})))).name).toBe(
      'RequestLimitExceeded',
    );
    await spoke.send(new DescribeCapacityReservationsCommand({}));
  });

  it('keeps metrics and rules apart per account', async () => {
    await endpoint().admin.putRule({ name: 'hub-rule', state: 'ENABLED', eventPattern: '{}' });
    const spokeSession = await asSpoke();
    const spokeEvents = endpoint().client(EventBridgeClient, spokeSession);
    expect((await failureOf(spokeEvents.send(new DescribeRuleCommand({ Name: 'hub-rule' })))).name).toBe(
      'ResourceNotFoundException',
    );
    await endpoint().admin.putRule({ accountId: SPOKE_ACCOUNT, name: 'spoke-rule', state: 'DISABLED' });
    const described = await spokeEvents.send(new DescribeRuleCommand({ Name: 'spoke-rule' }));
    expect(described.Arn).toBe(`arn:aws:events:us-east-1:${SPOKE_ACCOUNT}:rule/spoke-rule`);
    const spokeWatch = endpoint().client(CloudWatchClient, spokeSession);
    await spokeWatch.send(
      new PutMetricDataCommand({ Namespace: 'Spoke/Test', MetricData: [{ MetricName: 'm', Value: 1 }] }),
    );
    expect((await endpoint().admin.metrics({ namespace: 'Spoke/Test' })).metrics).toEqual([]);
    expect(
      (await endpoint().admin.metrics({ namespace: 'Spoke/Test', accountId: SPOKE_ACCOUNT })).metrics,
    ).toHaveLength(1);
  });

  it("authorizes a spoke session by the spoke role's policies, and AssumeRole by the caller's", async () => {
    await endpoint().admin.configureIam({ enforce: true });
    const spoke = endpoint().client(EC2Client, await asSpoke());
    await spoke.send(new DescribeCapacityReservationsCommand({}));
    await spoke.send(
      new UpdateInterruptibleCapacityReservationAllocationCommand({
        CapacityReservationId: SPOKE_RESERVATION,
        TargetInstanceCount: 4,
      }),
    );
    const denied = await failureOf(
      spoke.send(new CreateTagsCommand({ Resources: [SPOKE_RESERVATION], Tags: [{ Key: 'k', Value: 'v' }] })),
    );
    expect(denied.name).toBe('UnauthorizedOperation');
    expect(denied.message).toContain(
      `User: arn:aws:sts::${SPOKE_ACCOUNT}:assumed-role/odcr-reclaimer-spoke/`,
    );

    // The hub role's own policy must allow sts:AssumeRole on the role as well.
    await endpoint().admin.configureIam({
      enforce: true,
      principals: [
        {
          name: HUB_ROLE,
          accessKeyId: accessKeyIdFor(HUB_ROLE),
          policies: [{ Statement: [{ Effect: 'Allow', Action: 'ec2:*', Resource: '*' }] }],
        },
      ],
    });
    const refused = await failureOf(assume());
    expect(refused.name).toBe('AccessDenied');
    expect(refused.$metadata?.httpStatusCode).toBe(403);
  });
});
