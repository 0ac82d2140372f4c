import { CloudWatchClient, DescribeAlarmsCommand, PutMetricDataCommand } from '@aws-sdk/client-cloudwatch';
import {
  CreateInterruptibleCapacityReservationAllocationCommand,
  CreateTagsCommand,
  DeleteTagsCommand,
  DescribeCapacityReservationsCommand,
  EC2Client,
} from '@aws-sdk/client-ec2';
import {
  DisableRuleCommand,
  EnableRuleCommand,
  EventBridgeClient,
  PutEventsCommand,
} from '@aws-sdk/client-eventbridge';
import { LocalAwsAdminError } from '@odcr-reclaimer/local-aws/admin-client.ts';
import { loadExampleFleet } from '@odcr-reclaimer/local-aws/example-fleet.ts';
import { accessKeyIdFor, type IamPrincipal } from '@odcr-reclaimer/local-aws/iam.ts';
import { beforeEach, describe, expect, it } from 'vitest';
import type { FunctionRole } from '#sandbox/function-roles.ts';
import { sandboxFunctionRoles } from '#sandbox/runner.ts';
import { loadConfigFile } from '#shared/config/load-config.ts';
import { EXAMPLE_CONFIG_FILE } from '../../support/local-service.ts';
import {
  failureOf,
  signedAs,
  smallReservation,
  TRADING_ID,
  updateTarget,
  useTestEndpoint,
} from './helpers.ts';

const ACCOUNT = '123456789012';
const BUS = 'odcr-reclaimer-dev';
const TRACKER_RULE = 'odcr-reclaimer-dev-track-reclamation';

const roles: FunctionRole[] = sandboxFunctionRoles(loadConfigFile(EXAMPLE_CONFIG_FILE), ACCOUNT);
const endpoint = useTestEndpoint({ settings: { start: '2026-03-02T13:00:00.000Z', accountId: ACCOUNT } });
let unmanagedId: string;

function principals(of: readonly FunctionRole[]): IamPrincipal[] {
  return of.map((role) => ({
    name: role.roleName,
    accessKeyId: accessKeyIdFor(role.roleName),
    policies: role.policies,
  }));
}

/** Config fields signing with a function's role (as Lambda gives it its role's session). */
function asFunction(functionName: string) {
  const role = roles.find((candidate) => candidate.functionName === functionName);
  if (!role) throw new Error(`no role for ${functionName}`);
  return signedAs(accessKeyIdFor(role.roleName));
}

/** SDK clients signing with a function's role. */
function clientsOf(functionName: string) {
  const signing = asFunction(functionName);
  return {
    ec2: endpoint().client(EC2Client, signing),
    cloudwatch: endpoint().client(CloudWatchClient, signing),
    events: endpoint().client(EventBridgeClient, signing),
  };
}

beforeEach(async () => {
  await endpoint().admin.reset();
  await endpoint().admin.seed(loadExampleFleet());
  const seeded = await endpoint().admin.seedReservations({
    reservations: [
      {
        instanceType: 'c7i.large',
        availabilityZone: 'us-east-1b',
        totalInstanceCount: 4,
        tags: { team: 'other' },
        interruptible: { instanceCount: 2 },
      },
    ],
  });
  unmanagedId = seeded.reservations[0]!.id;
  await endpoint().admin.configureIam({ principals: principals(roles) });
});

describe('IAM enforcement with the roles serverless.yml deploys', () => {
  it('reads one role per function from the template, each with its own name', () => {
    expect(roles.map((role) => role.functionName).sort()).toEqual([
      'reclaim-on-alarm',
      'reclaim-on-demand',
      'reclaim-on-schedule',
      'track-reclamation',
    ]);
    expect(new Set(roles.map((role) => role.roleName)).size).toBe(4);
  });

  it('allows what the role grants and logs the principal', async () => {
    const { ec2 } = clientsOf('reclaim-on-schedule');
    await ec2.send(new DescribeCapacityReservationsCommand({ CapacityReservationIds: [TRADING_ID] }));
    await updateTarget(ec2, TRADING_ID, 10);
    const calls = (
      await endpoint().admin.calls({ action: 'UpdateInterruptibleCapacityReservationAllocation' })
    ).calls;
    expect(calls).toEqual([
      expect.objectContaining({
        outcome: 'ok',
        principal: roles.find((r) => r.functionName === 'reclaim-on-schedule')!.roleName,
      }),
    ]);
  });

  it('denies an update of an unmanaged reservation (tag condition) with UnauthorizedOperation 403', async () => {
    const { ec2 } = clientsOf('reclaim-on-schedule');
    const error = await failureOf(updateTarget(ec2, unmanagedId, 0));
    expect(error.name).toBe('UnauthorizedOperation');
    expect(error.$metadata?.httpStatusCode).toBe(403);
    expect(error.message).toMatch(
      /^You are not authorized to perform this operation\. User: arn:aws:iam::123456789012:role\/odcr-reclaimer-dev-us-east-1-reclaim-on-schedule is not authorized to perform: ec2:UpdateInterruptibleCapacityReservationAllocation on resource: arn:aws:ec2:us-east-1:123456789012:capacity-reservation\//,
    );
    // Nothing changed: the endpoint refused before acting.
    const view = (await endpoint().admin.listReservations({ id: unmanagedId })).reservations[0];
    expect(view?.allocation?.target).toBe(2);
    const [call] = (
      await endpoint().admin.calls({ action: 'UpdateInterruptibleCapacityReservationAllocation' })
    ).calls;
    expect(call).toMatchObject({
      outcome: 'UnauthorizedOperation',
      denial: expect.stringContaining('no identity-based policy allows'),
    });
  });

  it('denies an update in a region the role does not cover (resource ARN)', async () => {
    await endpoint().admin.seedReservations({
      reservations: [
        {
          id: 'cr-0ee00000000000001',
          region: 'eu-west-2',
          instanceType: 'c7i.large',
          availabilityZone: 'eu-west-2a',
          totalInstanceCount: 2,
          tags: { 'odcr-reclaimer:managed': 'true' },
          interruptible: { instanceCount: 1 },
        },
      ],
    });
    const ec2 = endpoint().client(EC2Client, { ...asFunction('reclaim-on-schedule'), region: 'eu-west-2' });
    const error = await failureOf(updateTarget(ec2, 'cr-0ee00000000000001', 0));
    expect(error.name).toBe('UnauthorizedOperation');
  });

  it('DeleteTags: record keys pass; no keys, foreign keys and the managed marker are denied', async () => {
    const { ec2 } = clientsOf('track-reclamation');
    await ec2.send(
      new CreateTagsCommand({ Resources: [TRADING_ID], Tags: [{ Key: 'odcr-reclaimer:note', Value: 'x' }] }),
    );
    await ec2.send(
      new DeleteTagsCommand({ Resources: [TRADING_ID], Tags: [{ Key: 'odcr-reclaimer:note' }] }),
    );
    for (const tags of [undefined, [{ Key: 'Name' }], [{ Key: 'odcr-reclaimer:managed' }]]) {
      const error = await failureOf(
        ec2.send(new DeleteTagsCommand({ Resources: [TRADING_ID], ...(tags ? { Tags: tags } : {}) })),
      );
      expect(error.name, JSON.stringify(tags)).toBe('UnauthorizedOperation');
    }
    const view = (await endpoint().admin.listReservations({ id: TRADING_ID })).reservations[0];
    expect(view?.tags).toMatchObject({ 'odcr-reclaimer:managed': 'true', Name: 'xnys-trading-r7i' });
  });

  it('Create: only with the managed tag on the new reservation, only on a managed source', async () => {
    const { ec2 } = clientsOf('reclaim-on-demand');
    // The risk-engine source has nothing lent after a full reclaim; its allocation must be gone to create one.
    const fresh = (
      await endpoint().admin.seedReservations({
        reservations: [
          smallReservation(4, { tags: { 'odcr-reclaimer:managed': 'true' } }),
          smallReservation(4, { tags: { team: 'other' } }),
        ],
      })
    ).reservations;
    const managedTag = [
      {
        ResourceType: 'capacity-reservation' as const,
        Tags: [{ Key: 'odcr-reclaimer:managed', Value: 'true' }],
      },
    ];
    const untagged = await failureOf(
      ec2.send(
        new CreateInterruptibleCapacityReservationAllocationCommand({
          CapacityReservationId: fresh[0]!.id,
          InstanceCount: 1,
        }),
      ),
    );
    expect(untagged.name).toBe('UnauthorizedOperation');
    const unmanaged = await failureOf(
      ec2.send(
        new CreateInterruptibleCapacityReservationAllocationCommand({
          CapacityReservationId: fresh[1]!.id,
          InstanceCount: 1,
          TagSpecifications: managedTag,
        }),
      ),
    );
    expect(unmanaged.name).toBe('UnauthorizedOperation');
    await ec2.send(
      new CreateInterruptibleCapacityReservationAllocationCommand({
        CapacityReservationId: fresh[0]!.id,
        InstanceCount: 1,
        TagSpecifications: managedTag,
      }),
    );
  });

  it('DryRun answers UnauthorizedOperation without the permission, DryRunOperation with it', async () => {
    const { ec2 } = clientsOf('reclaim-on-demand');
    const allowed = await failureOf(updateTarget(ec2, TRADING_ID, 0, { DryRun: true }));
    expect(allowed.name).toBe('DryRunOperation');
    const denied = await failureOf(updateTarget(ec2, unmanagedId, 0, { DryRun: true }));
    expect(denied.name).toBe('UnauthorizedOperation');
  });

  it('CloudWatch: AccessDenied 403 outside the configured alarms, and for any metric put', async () => {
    const { cloudwatch } = clientsOf('track-reclamation');
    await cloudwatch.send(new DescribeAlarmsCommand({ AlarmNames: ['xnys-volatility-high'] }));
    // The functions write their metrics as EMF in their logs: no role may put them, even in its namespace.
    const ownNamespace = await failureOf(
      cloudwatch.send(
        new PutMetricDataCommand({ Namespace: 'OdcrReclaimer', MetricData: [{ MetricName: 'X', Value: 1 }] }),
      ),
    );
    expect(ownNamespace.name).toBe('AccessDenied');

    const foreignAlarm = await failureOf(
      cloudwatch.send(new DescribeAlarmsCommand({ AlarmNames: ['someone-elses-alarm'] })),
    );
    expect(foreignAlarm.name).toBe('AccessDenied');
    expect(foreignAlarm.$metadata?.httpStatusCode).toBe(403);
    const allAlarms = await failureOf(cloudwatch.send(new DescribeAlarmsCommand({})));
    expect(allAlarms.name).toBe('AccessDenied');
    const namespace = await failureOf(
      cloudwatch.send(
        new PutMetricDataCommand({ Namespace: 'Other', MetricData: [{ MetricName: 'X', Value: 1 }] }),
      ),
    );
    expect(namespace.name).toBe('AccessDenied');
  });

  it('EventBridge: AccessDeniedException 400 for another bus or rule, or an action the role lacks', async () => {
    const reclaim = clientsOf('reclaim-on-schedule');
    const tracker = clientsOf('track-reclamation');
    await reclaim.events.send(new EnableRuleCommand({ Name: TRACKER_RULE }));
    await tracker.events.send(new DisableRuleCommand({ Name: TRACKER_RULE }));
    const entry = { Source: 'odcr-reclaimer', DetailType: 'Test', Detail: '{}' };
    await reclaim.events.send(new PutEventsCommand({ Entries: [{ ...entry, EventBusName: BUS }] }));
    const defaultBus = await failureOf(reclaim.events.send(new PutEventsCommand({ Entries: [entry] })));
    expect(defaultBus.name).toBe('AccessDeniedException');
    expect(defaultBus.$metadata?.httpStatusCode).toBe(400);
    const disable = await failureOf(reclaim.events.send(new DisableRuleCommand({ Name: TRACKER_RULE })));
    expect(disable.name).toBe('AccessDeniedException');
    const otherRule = await failureOf(
      tracker.events.send(new EnableRuleCommand({ Name: 'someone-elses-rule' })),
    );
    expect(otherRule.name).toBe('AccessDeniedException');
  });

  it('unknown credentials: AuthFailure 401, InvalidClientTokenId 403, UnrecognizedClientException 400', async () => {
    const ec2 = await failureOf(endpoint().ec2.send(new DescribeCapacityReservationsCommand({})));
    expect([ec2.name, ec2.$metadata?.httpStatusCode]).toEqual(['AuthFailure', 401]);
    const cloudwatch = await failureOf(endpoint().cloudwatch.send(new DescribeAlarmsCommand({})));
    expect([cloudwatch.name, cloudwatch.$metadata?.httpStatusCode]).toEqual(['InvalidClientTokenId', 403]);
    const events = await failureOf(endpoint().events.send(new DisableRuleCommand({ Name: TRACKER_RULE })));
    expect([events.name, events.$metadata?.httpStatusCode]).toEqual(['UnrecognizedClientException', 400]);
  });

  it('a role with a grant removed fails that call; clearing IAM makes the endpoint permissive again', async () => {
    const withoutUpdate = roles.map((role) => ({
      ...role,
      policies: role.policies.map((policy) => ({
        ...policy,
        Statement: (Array.isArray(policy.Statement) ? policy.Statement : [policy.Statement]).filter(
          (statement) => statement.Action !== 'ec2:UpdateInterruptibleCapacityReservationAllocation',
        ),
      })),
    }));
    await endpoint().admin.configureIam({ principals: principals(withoutUpdate) });
    const { ec2 } = clientsOf('track-reclamation');
    const error = await failureOf(updateTarget(ec2, TRADING_ID, 0));
    expect(error.name).toBe('UnauthorizedOperation');
    expect((await endpoint().admin.clearIam()).enforce).toBe(false);
    await updateTarget(endpoint().ec2, unmanagedId, 0);
  });
});

describe('the IAM admin API', () => {
  it('is permissive until principals are loaded, and shows what is loaded', async () => {
    await endpoint().admin.clearIam();
    await endpoint().ec2.send(new DescribeCapacityReservationsCommand({}));
    const view = await endpoint().admin.configureIam({ principals: principals(roles) });
    expect(view.enforce).toBe(true);
    expect(view.principals).toHaveLength(4);
    expect((await endpoint().admin.configureIam({ enforce: false })).principals).toHaveLength(4);
    await endpoint().ec2.send(new DescribeCapacityReservationsCommand({}));
  });

  it('refuses a policy it cannot evaluate, naming the statement', async () => {
    const error = await failureOf(
      endpoint().admin.configureIam({
        principals: [
          {
            name: 'r',
            accessKeyId: 'AKIA1',
            policies: [
              {
                Statement: [
                  {
                    Sid: 'S',
                    Effect: 'Allow',
                    Action: 'x:Y',
                    Resource: '*',
                    Condition: { DateLessThan: { 'aws:CurrentTime': '2030-01-01' } },
                  },
                ],
              },
            ],
          },
        ],
      }),
    );
    expect(error).toBeInstanceOf(LocalAwsAdminError);
    expect(error.message).toMatch(/r: statement S: unsupported condition operator DateLessThan/);
  });
});
