import {
  CreateTagsCommand,
  DeleteTagsCommand,
  DescribeCapacityReservationsCommand,
  paginateDescribeCapacityReservations,
} from '@aws-sdk/client-ec2';
import { describe, expect, it } from 'vitest';
import { failureOf, TRADING_ID, tradingReservation, useTestEndpoint } from './helpers.ts';

const endpoint = useTestEndpoint({
  seed: {
    reservations: [
      tradingReservation({
        ownerRunning: 25,
        tags: { 'odcr-reclaimer:managed': 'true', fleet: 'trading' },
        interruptible: { instanceCount: 60, borrowed: 30 },
      }),
      ...Array.from({ length: 23 }, (_, index) => ({
        instanceType: index % 2 === 0 ? 'c7i.2xlarge' : 'm7i.large',
        availabilityZone: 'us-east-1b',
        totalInstanceCount: 3,
        tags: { batch: String(index) },
      })),
      {
        id: 'cr-00000000000000e01',
        instanceType: 'c7i.large',
        availabilityZone: 'eu-west-1a',
        totalInstanceCount: 4,
      },
      {
        id: 'cr-00000000000000d01',
        instanceType: 'c7i.large',
        availabilityZone: 'us-east-1c',
        totalInstanceCount: 2,
        state: 'expired',
      },
    ],
  },
});

describe('DescribeCapacityReservations', () => {
  it('shows the source with its allocation and the interruptible reservation with consistent counts', async () => {
    const { ec2 } = endpoint();
    const source = (
      await ec2.send(new DescribeCapacityReservationsCommand({ CapacityReservationIds: [TRADING_ID] }))
    ).CapacityReservations?.[0];
    expect(source).toMatchObject({
      CapacityReservationId: TRADING_ID,
      InstanceType: 'r7i.4xlarge',
      AvailabilityZone: 'us-east-1a',
      TotalInstanceCount: 40,
      AvailableInstanceCount: 15,
      State: 'active',
      Tags: expect.arrayContaining([{ Key: 'fleet', Value: 'trading' }]),
      InterruptibleCapacityAllocation: {
        InstanceCount: 60,
        TargetInstanceCount: 60,
        Status: 'active',
        InterruptionType: 'adhoc',
        ZeroSizePreference: 'default',
      },
    });
    const interruptibleId = source?.InterruptibleCapacityAllocation?.InterruptibleCapacityReservationId;
    expect(interruptibleId).toMatch(/^cr-[0-9a-f]{17}$/);
    const lent = (
      await ec2.send(new DescribeCapacityReservationsCommand({ CapacityReservationIds: [interruptibleId!] }))
    ).CapacityReservations?.[0];
    expect(lent).toMatchObject({
      TotalInstanceCount: 60,
      AvailableInstanceCount: 30,
      Interruptible: true,
      InstanceMatchCriteria: 'targeted',
      InterruptionInfo: { SourceCapacityReservationId: TRADING_ID, InterruptionType: 'adhoc' },
    });
  });

  it('pages through more reservations than a page with paginateDescribeCapacityReservations', async () => {
    const pages: number[] = [];
    const ids: string[] = [];
    for await (const page of paginateDescribeCapacityReservations(
      { client: endpoint().ec2, pageSize: 5 },
      {},
    )) {
      pages.push(page.CapacityReservations?.length ?? 0);
      ids.push(...(page.CapacityReservations ?? []).map((reservation) => reservation.CapacityReservationId!));
    }
    // 1 source + its interruptible reservation + 23 + the expired one in us-east-1; eu-west-1 is not listed.
    expect(ids).toHaveLength(26);
    expect(new Set(ids).size).toBe(26);
    expect(pages).toEqual([5, 5, 5, 5, 5, 1]);
    expect(ids).not.toContain('cr-00000000000000e01');
  });

  it('answers a page of 1000 when MaxResults is absent and rejects MaxResults outside 5..1000', async () => {
    const all = await endpoint().ec2.send(new DescribeCapacityReservationsCommand({}));
    expect(all.CapacityReservations).toHaveLength(26);
    expect(all.NextToken).toBeUndefined();
    for (const bad of [4, 1001]) {
      const error = await failureOf(
        endpoint().ec2.send(new DescribeCapacityReservationsCommand({ MaxResults: bad })),
      );
      expect(error.name).toBe('InvalidParameterValue');
    }
  });

  it('filters by state, instance-type, availability-zone, tag:<key>, tag-key and interruptible', async () => {
    const count = async (Filters: Array<{ Name: string; Values: string[] }>) =>
      (await endpoint().ec2.send(new DescribeCapacityReservationsCommand({ Filters }))).CapacityReservations
        ?.length;
    expect(await count([{ Name: 'state', Values: ['expired'] }])).toBe(1);
    expect(await count([{ Name: 'instance-type', Values: ['m7i.large'] }])).toBe(11);
    expect(await count([{ Name: 'availability-zone', Values: ['us-east-1b'] }])).toBe(23);
    expect(await count([{ Name: 'tag:fleet', Values: ['trading'] }])).toBe(1);
    expect(await count([{ Name: 'tag-key', Values: ['batch'] }])).toBe(23);
    expect(await count([{ Name: 'tag:batch', Values: ['1*'] }])).toBe(11);
    expect(await count([{ Name: 'interruptible', Values: ['true'] }])).toBe(1);
    expect(
      await count([
        { Name: 'state', Values: ['active'] },
        { Name: 'instance-type', Values: ['c7i.2xlarge', 'r7i.4xlarge'] },
      ]),
    ).toBe(14);
    const error = await failureOf(
      endpoint().ec2.send(
        new DescribeCapacityReservationsCommand({ Filters: [{ Name: 'colour', Values: ['x'] }] }),
      ),
    );
    expect(error.name).toBe('InvalidParameterValue');
  });

  it('pages filtered results without losing or repeating any', async () => {
    const ids: string[] = [];
    const paginator = paginateDescribeCapacityReservations(
      { client: endpoint().ec2, pageSize: 5 },
      { Filters: [{ Name: 'instance-type', Values: ['m7i.large'] }] },
    );
    for await (const page of paginator)
      ids.push(...(page.CapacityReservations ?? []).map((r) => r.CapacityReservationId!));
    expect(new Set(ids).size).toBe(11);
  });

  it('shows a region only its own reservations (region from the SigV4 credential scope)', async () => {
    const europe = endpoint().ec2In('eu-west-1');
    const listed = await europe.send(new DescribeCapacityReservationsCommand({}));
    expect(listed.CapacityReservations?.map((r) => r.CapacityReservationId)).toEqual([
      'cr-00000000000000e01',
    ]);
    const error = await failureOf(
      europe.send(new DescribeCapacityReservationsCommand({ CapacityReservationIds: [TRADING_ID] })),
    );
    expect(error.name).toBe('InvalidCapacityReservationId.NotFound');
  });

  it('rejects unknown and malformed ids with their EC2 codes, and answers DryRun with DryRunOperation', async () => {
    const unknown = await failureOf(
      endpoint().ec2.send(
        new DescribeCapacityReservationsCommand({ CapacityReservationIds: ['cr-0fffffffffffffff0'] }),
      ),
    );
    expect(unknown.name).toBe('InvalidCapacityReservationId.NotFound');
    expect(unknown.$metadata?.httpStatusCode).toBe(400);
    const malformed = await failureOf(
      endpoint().ec2.send(
        new DescribeCapacityReservationsCommand({ CapacityReservationIds: ['reservation-1'] }),
      ),
    );
    expect(malformed.name).toBe('InvalidCapacityReservationId.Malformed');
    const dryRun = await failureOf(
      endpoint().ec2.send(new DescribeCapacityReservationsCommand({ DryRun: true })),
    );
    expect(dryRun.name).toBe('DryRunOperation');
  });
});

describe('CreateTags and DeleteTags', () => {
  it('adds, overwrites and removes tags on a reservation', async () => {
    const { ec2 } = endpoint();
    const tagsOf = async () =>
      (await ec2.send(new DescribeCapacityReservationsCommand({ CapacityReservationIds: [TRADING_ID] })))
        .CapacityReservations?.[0]?.Tags;
    await ec2.send(
      new CreateTagsCommand({
        Resources: [TRADING_ID],
        Tags: [
          { Key: 'odcr-reclaimer:requested-target', Value: '0' },
          { Key: 'fleet', Value: 'trading-2' },
        ],
      }),
    );
    expect(await tagsOf()).toEqual(
      expect.arrayContaining([
        { Key: 'odcr-reclaimer:requested-target', Value: '0' },
        { Key: 'fleet', Value: 'trading-2' },
      ]),
    );
    await ec2.send(
      new DeleteTagsCommand({ Resources: [TRADING_ID], Tags: [{ Key: 'odcr-reclaimer:requested-target' }] }),
    );
    // A value that does not match leaves the tag in place, as EC2 does.
    await ec2.send(
      new DeleteTagsCommand({ Resources: [TRADING_ID], Tags: [{ Key: 'fleet', Value: 'other' }] }),
    );
    const tags = await tagsOf();
    expect(tags?.map((tag) => tag.Key)).not.toContain('odcr-reclaimer:requested-target');
    expect(tags).toContainEqual({ Key: 'fleet', Value: 'trading-2' });
  });

  it('rejects bad tag requests with EC2 codes', async () => {
    const { ec2 } = endpoint();
    const tooLong = await failureOf(
      ec2.send(
        new CreateTagsCommand({ Resources: [TRADING_ID], Tags: [{ Key: 'k', Value: 'x'.repeat(257) }] }),
      ),
    );
    expect(tooLong.name).toBe('InvalidParameterValue');
    const missingTags = await failureOf(
      ec2.send(new CreateTagsCommand({ Resources: [TRADING_ID], Tags: [] })),
    );
    expect(missingTags.name).toBe('MissingParameter');
    const unknown = await failureOf(
      ec2.send(
        new CreateTagsCommand({ Resources: ['cr-0fffffffffffffff0'], Tags: [{ Key: 'k', Value: 'v' }] }),
      ),
    );
    expect(unknown.name).toBe('InvalidCapacityReservationId.NotFound');
    const dryRun = await failureOf(
      ec2.send(new DeleteTagsCommand({ Resources: [TRADING_ID], Tags: [{ Key: 'fleet' }], DryRun: true })),
    );
    expect(dryRun.name).toBe('DryRunOperation');
  });
});
