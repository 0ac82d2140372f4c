import {
  CreateInterruptibleCapacityReservationAllocationCommand,
  CreateTagsCommand,
  DeleteTagsCommand,
  DescribeCapacityReservationsCommand,
  type Filter,
  UpdateInterruptibleCapacityReservationAllocationCommand,
} from '@aws-sdk/client-ec2';
import { DESCRIBE_FILTERS } from '@odcr-reclaimer/local-aws/ec2-requests.ts';
import { describe, expect, it } from 'vitest';
import { failureOf, smallReservation, useTestEndpoint } from './helpers.ts';

const SOURCE = 'cr-00000000000000e01';
const LENDING = 'cr-00000000000000e02';
const OTHER = 'cr-00000000000000e03';

const endpoint = useTestEndpoint({
  settings: { start: '2026-03-02T12:00:00.000Z' },
  seed: {
    reservations: [
      smallReservation(3000, { id: SOURCE }),
      {
        id: LENDING,
        instanceType: 'm7i.large',
        availabilityZone: 'us-east-1b',
        totalInstanceCount: 10,
        tags: { fleet: 'trading' },
        interruptible: { instanceCount: 4 },
      },
      smallReservation(10, { id: OTHER }),
    ],
  },
});

/** A raw ec2Query call, for what no SDK sends (unknown parameters, malformed values). */
async function rawEc2(
  fields: Record<string, string | undefined>,
): Promise<{ status: number; code: string | undefined }> {
  const form = new URLSearchParams({ Version: '2016-11-15' });
  for (const [name, value] of Object.entries(fields)) if (value !== undefined) form.set(name, value);
  const response = await fetch(endpoint().aws.url, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: form.toString(),
  });
  const body = await response.text();
  return { status: response.status, code: /<Code>([^<]+)<\/Code>/.exec(body)?.[1] };
}

async function codeOf(call: Promise<unknown>): Promise<{ code: string; status: number | undefined }> {
  const error = await failureOf(call);
  return { code: error.name, status: error.$metadata?.httpStatusCode };
}

const describeWith = (filters: Filter[], ids?: string[]) =>
  endpoint().ec2.send(
    new DescribeCapacityReservationsCommand({
      Filters: filters,
      ...(ids === undefined ? {} : { CapacityReservationIds: ids }),
    }),
  );

async function idsMatching(filters: Filter[]): Promise<string[]> {
  const answer = await describeWith(filters, [SOURCE, LENDING, OTHER]);
  return (answer.CapacityReservations ?? []).map((reservation) => reservation.CapacityReservationId!);
}

describe('DescribeCapacityReservations filters', () => {
  it.each([
    ['instance-type', 'm7i.large', [LENDING]],
    ['owner-id', '123456789012', [SOURCE, LENDING, OTHER]],
    ['owner-id', '999999999999', []],
    ['instance-platform', 'Linux/UNIX', [SOURCE, LENDING, OTHER]],
    ['instance-platform', 'Windows', []],
    ['availability-zone', 'us-east-1b', [LENDING]],
    ['availability-zone-id', 'use1-az2', [LENDING]],
    ['tenancy', 'default', [SOURCE, LENDING, OTHER]],
    ['tenancy', 'dedicated', []],
    ['outpost-arn', 'arn:aws:outposts:us-east-1:123456789012:outpost/op-1', []],
    ['state', 'active', [SOURCE, LENDING, OTHER]],
    ['state', 'expired', []],
    ['start-date', '2026-03-02T12:00:00Z', [SOURCE, LENDING, OTHER]],
    ['start-date', '2026-03-02T11:00:00Z', []],
    ['start-date', '2026-03-02*', [SOURCE, LENDING, OTHER]],
    ['end-date', '2026-03-02T12:00:00Z', []],
    ['end-date-type', 'unlimited', [SOURCE, LENDING, OTHER]],
    ['end-date-type', 'limited', []],
    ['instance-match-criteria', 'open', [SOURCE, LENDING, OTHER]],
    ['placement-group-arn', 'arn:aws:ec2:us-east-1:123456789012:placement-group/pg', []],
    ['tag:fleet', 'trading', [LENDING]],
    ['tag-key', 'fleet', [LENDING]],
    ['interruptible', 'false', [SOURCE, LENDING, OTHER]],
  ])('%s = %s matches exactly the reservations it names', async (name, value, expected) => {
    expect(await idsMatching([{ Name: name, Values: [value] }])).toEqual(expected);
  });

  it('covers every documented filter in the table above', () => {
    // Keeps the test's table and the endpoint's list of filters from drifting apart.
    expect(DESCRIBE_FILTERS.length).toBe(15);
  });

  it('matches the interruptible reservation by interruptible and instance-match-criteria', async () => {
    const all = await describeWith([{ Name: 'interruptible', Values: ['true'] }]);
    expect(all.CapacityReservations?.map((reservation) => reservation.InstanceMatchCriteria)).toEqual([
      'targeted',
    ]);
    const targeted = await describeWith([{ Name: 'instance-match-criteria', Values: ['targeted'] }]);
    expect(targeted.CapacityReservations).toHaveLength(1);
  });

  it('refuses an unknown filter and a date filter whose value is no date with InvalidParameterValue', async () => {
    expect(await codeOf(describeWith([{ Name: 'color', Values: ['blue'] }]))).toEqual({
      code: 'InvalidParameterValue',
      status: 400,
    });
    expect(await codeOf(describeWith([{ Name: 'start-date', Values: ['yesterday'] }]))).toMatchObject({
      code: 'InvalidParameterValue',
    });
  });
});

describe('EC2 request limits', () => {
  // Each case is a well-formed request of its action with one field changed, added or (undefined) left out.
  const DESCRIBE = { Action: 'DescribeCapacityReservations' };
  const CREATE = {
    Action: 'CreateInterruptibleCapacityReservationAllocation',
    CapacityReservationId: SOURCE,
    InstanceCount: '1',
  };
  const UPDATE = {
    Action: 'UpdateInterruptibleCapacityReservationAllocation',
    CapacityReservationId: LENDING,
    TargetInstanceCount: '4',
  };
  const TAG = { Action: 'CreateTags', 'ResourceId.1': SOURCE };
  it.each([
    ['Describe MaxResults below 5', { ...DESCRIBE, MaxResults: '4' }, 'InvalidParameterValue'],
    ['Describe MaxResults above 1000', { ...DESCRIBE, MaxResults: '1001' }, 'InvalidParameterValue'],
    ['Describe MaxResults not a number', { ...DESCRIBE, MaxResults: 'ten' }, 'InvalidParameterValue'],
    ['a parameter the action does not take', { ...DESCRIBE, InstanceCount: '1' }, 'UnknownParameter'],
    ['DryRun that is not a boolean', { ...DESCRIBE, DryRun: 'yes' }, 'InvalidParameterValue'],
    ['Create without InstanceCount', { ...CREATE, InstanceCount: undefined }, 'MissingParameter'],
    [
      'Create without CapacityReservationId',
      { ...CREATE, CapacityReservationId: undefined },
      'MissingParameter',
    ],
    ['Create of 0 instances', { ...CREATE, InstanceCount: '0' }, 'InvalidParameterValue'],
    ['Create of more than 1000 instances', { ...CREATE, InstanceCount: '1001' }, 'InvalidParameterValue'],
    ['a ClientToken over 64 characters', { ...CREATE, ClientToken: 'x'.repeat(65) }, 'InvalidParameterValue'],
    [
      'a ZeroSizePreference outside retain/default',
      { ...CREATE, ZeroSizePreference: 'keep' },
      'InvalidParameterValue',
    ],
    [
      'a tag specification without its resource type',
      { ...CREATE, 'TagSpecification.1.Tag.1.Key': 'team', 'TagSpecification.1.Tag.1.Value': 'a' },
      'InvalidParameterValue',
    ],
    [
      'a tag specification for another resource type',
      { ...CREATE, 'TagSpecification.1.ResourceType': 'instance' },
      'InvalidParameterValue',
    ],
    [
      'Update without TargetInstanceCount (the stricter revision)',
      { ...UPDATE, TargetInstanceCount: undefined, ZeroSizePreference: 'retain' },
      'MissingParameter',
    ],
    ['Update to a negative target', { ...UPDATE, TargetInstanceCount: '-1' }, 'InvalidParameterValue'],
    [
      'Update with a ClientToken, which it does not take',
      { ...UPDATE, ClientToken: 'a' },
      'UnknownParameter',
    ],
    ['CreateTags without tags', TAG, 'MissingParameter'],
    [
      'CreateTags without resources',
      { ...TAG, 'ResourceId.1': undefined, 'Tag.1.Key': 'a', 'Tag.1.Value': 'b' },
      'MissingParameter',
    ],
    [
      'CreateTags naming a key twice',
      { ...TAG, 'Tag.1.Key': 'a', 'Tag.2.Key': 'a' },
      'InvalidParameterValue',
    ],
    ['a tag key of 128 characters', { ...TAG, 'Tag.1.Key': 'k'.repeat(128) }, 'InvalidParameterValue'],
    [
      'a tag value of 257 characters',
      { ...TAG, 'Tag.1.Key': 'k', 'Tag.1.Value': 'v'.repeat(257) },
      'InvalidParameterValue',
    ],
    ['a tag key in the aws: prefix', { ...TAG, 'Tag.1.Key': 'aws:owner' }, 'InvalidParameterValue'],
    [
      'DeleteTags of a value without its key',
      { Action: 'DeleteTags', 'ResourceId.1': SOURCE, 'Tag.1.Value': 'b' },
      'MissingParameter',
    ],
  ])('refuses %s', async (_rule, fields, code) => {
    expect(await rawEc2(fields)).toEqual({ status: 400, code });
  });

  it('takes at most 1000 resources in CreateTags and DeleteTags', async () => {
    const ids = Array.from({ length: 1001 }, () => SOURCE);
    const calls = [
      endpoint().ec2.send(new CreateTagsCommand({ Resources: ids, Tags: [{ Key: 'a', Value: 'b' }] })),
      endpoint().ec2.send(new DeleteTagsCommand({ Resources: ids })),
    ];
    for (const call of calls) {
      expect(await codeOf(call)).toEqual({ code: 'InvalidParameterValue', status: 400 });
    }
  });

  it('takes at most 1000 tags in DeleteTags', async () => {
    const tags = Array.from({ length: 1001 }, (_, index) => ({ Key: `k${index}` }));
    expect(
      await codeOf(endpoint().ec2.send(new DeleteTagsCommand({ Resources: [SOURCE], Tags: tags }))),
    ).toMatchObject({
      code: 'InvalidParameterValue',
    });
  });

  it('keeps at most 50 tags on a reservation (TagLimitExceeded)', async () => {
    const tags = Array.from({ length: 51 }, (_, index) => ({ Key: `k${index}`, Value: 'v' }));
    expect(
      await codeOf(endpoint().ec2.send(new CreateTagsCommand({ Resources: [OTHER], Tags: tags }))),
    ).toEqual({
      code: 'TagLimitExceeded',
      status: 400,
    });
  });
});

describe('ClientToken idempotency of Create', () => {
  it('answers a retry with the same token as the first call, and a changed retry with IdempotentParameterMismatch', async () => {
    const create = (instanceCount: number, id = OTHER) =>
      endpoint().ec2.send(
        new CreateInterruptibleCapacityReservationAllocationCommand({
          CapacityReservationId: id,
          InstanceCount: instanceCount,
          ClientToken: 'reclaim-2026-03-02',
        }),
      );
    const first = await create(3);
    const again = await create(3);
    expect(again).toMatchObject({ TargetInstanceCount: first.TargetInstanceCount, Status: first.Status });
    const source = await describeWith([], [OTHER]);
    expect(source.CapacityReservations?.[0]?.InterruptibleCapacityAllocation?.InstanceCount).toBe(3);
    expect(await codeOf(create(4))).toEqual({ code: 'IdempotentParameterMismatch', status: 400 });
    // The token belongs to the account, not to one source.
    expect(await codeOf(create(3, SOURCE))).toEqual({ code: 'IdempotentParameterMismatch', status: 400 });
  });

  it('lets the SDK-generated tokens of separate calls create separately', async () => {
    await endpoint().ec2.send(
      new CreateInterruptibleCapacityReservationAllocationCommand({
        CapacityReservationId: SOURCE,
        InstanceCount: 5,
      }),
    );
    const retry = await codeOf(
      endpoint().ec2.send(
        new CreateInterruptibleCapacityReservationAllocationCommand({
          CapacityReservationId: SOURCE,
          InstanceCount: 5,
        }),
      ),
    );
    expect(retry).toEqual({ code: 'IncorrectState', status: 400 });
    await endpoint().ec2.send(
      new UpdateInterruptibleCapacityReservationAllocationCommand({
        CapacityReservationId: SOURCE,
        TargetInstanceCount: 6,
      }),
    );
  });
});
