import {
  CreateInterruptibleCapacityReservationAllocationCommand,
  DescribeCapacityReservationsCommand,
  UpdateInterruptibleCapacityReservationAllocationCommand,
} from '@aws-sdk/client-ec2';
import { describe, expect, it } from 'vitest';
import { failureOf, smallReservation, useFreshTestEndpoint } from './helpers.ts';

const FRESH = 'cr-00000000000000f01';
const LENDING = 'cr-00000000000000f02';
const EXPIRED = 'cr-00000000000000f03';
const HUGE = 'cr-00000000000000f04';

const endpoint = useFreshTestEndpoint({
  seed: {
    reservations: [
      smallReservation(10, { id: FRESH, ownerRunning: 4 }),
      smallReservation(10, { id: LENDING, interruptible: { instanceCount: 4, borrowed: 2 } }),
      smallReservation(10, { id: EXPIRED, state: 'expired' }),
      smallReservation(3000, { id: HUGE }),
    ],
  },
});

async function allocationOf(id: string) {
  const described = await endpoint().ec2.send(
    new DescribeCapacityReservationsCommand({ CapacityReservationIds: [id] }),
  );
  return described.CapacityReservations?.[0];
}

describe('CreateInterruptibleCapacityReservationAllocation', () => {
  it('lends unused capacity at once and shows both reservations', async () => {
    const created = await endpoint().ec2.send(
      new CreateInterruptibleCapacityReservationAllocationCommand({
        CapacityReservationId: FRESH,
        InstanceCount: 6,
        TagSpecifications: [
          { ResourceType: 'capacity-reservation', Tags: [{ Key: 'team', Value: 'batch' }] },
        ],
      }),
    );
    expect(created).toMatchObject({
      SourceCapacityReservationId: FRESH,
      TargetInstanceCount: 6,
      Status: 'active',
      InterruptionType: 'adhoc',
    });
    const source = await allocationOf(FRESH);
    expect(source).toMatchObject({ TotalInstanceCount: 4, AvailableInstanceCount: 0 });
    expect(source?.InterruptibleCapacityAllocation).toMatchObject({
      InstanceCount: 6,
      TargetInstanceCount: 6,
    });
    const lent = await allocationOf(
      source!.InterruptibleCapacityAllocation!.InterruptibleCapacityReservationId!,
    );
    expect(lent).toMatchObject({
      TotalInstanceCount: 6,
      AvailableInstanceCount: 6,
      Tags: [{ Key: 'team', Value: 'batch' }],
    });
  });

  it('enforces one allocation per source, unused capacity only, at most 1000, an active source', async () => {
    const create = (CapacityReservationId: string, InstanceCount: number) =>
      failureOf(
        endpoint().ec2.send(
          new CreateInterruptibleCapacityReservationAllocationCommand({
            CapacityReservationId,
            InstanceCount,
          }),
        ),
      );
    expect((await create(LENDING, 1)).name).toBe('IncorrectState');
    // 10 owned, 4 running for the owner: 6 unused.
    expect((await create(FRESH, 7)).name).toBe('InvalidParameterValue');
    expect((await create(HUGE, 1001)).name).toBe('InvalidParameterValue');
    expect((await create(EXPIRED, 1)).name).toBe('IncorrectState');
    expect((await create(FRESH, 0)).name).toBe('InvalidParameterValue');
    expect((await create('cr-0fffffffffffffff0', 1)).name).toBe('InvalidCapacityReservationId.NotFound');
    expect((await create('cr-12', 1)).name).toBe('InvalidCapacityReservationId.Malformed');
  });

  it('answers DryRun with DryRunOperation and changes nothing', async () => {
    const error = await failureOf(
      endpoint().ec2.send(
        new CreateInterruptibleCapacityReservationAllocationCommand({
          CapacityReservationId: FRESH,
          InstanceCount: 2,
          DryRun: true,
        }),
      ),
    );
    expect(error.name).toBe('DryRunOperation');
    expect(error.$metadata?.httpStatusCode).toBe(412);
    expect((await allocationOf(FRESH))?.InterruptibleCapacityAllocation).toBeUndefined();
  });

  it('is idempotent by ClientToken', async () => {
    const input = { CapacityReservationId: FRESH, InstanceCount: 2, ClientToken: 'same-token' };
    await endpoint().ec2.send(new CreateInterruptibleCapacityReservationAllocationCommand(input));
    const again = await endpoint().ec2.send(
      new CreateInterruptibleCapacityReservationAllocationCommand(input),
    );
    expect(again.TargetInstanceCount).toBe(2);
  });
});

describe('UpdateInterruptibleCapacityReservationAllocation', () => {
  it('raises the target at once when the source has unused capacity', async () => {
    const updated = await endpoint().ec2.send(
      new UpdateInterruptibleCapacityReservationAllocationCommand({
        CapacityReservationId: LENDING,
        TargetInstanceCount: 9,
      }),
    );
    expect(updated).toMatchObject({ InstanceCount: 9, TargetInstanceCount: 9, Status: 'active' });
    expect(await allocationOf(LENDING)).toMatchObject({ TotalInstanceCount: 1, AvailableInstanceCount: 1 });
  });

  it('rejects lending more than the unused capacity, moving more than 1000, and bad parameters', async () => {
    const update = (input: { CapacityReservationId: string; TargetInstanceCount?: number }) =>
      failureOf(endpoint().ec2.send(new UpdateInterruptibleCapacityReservationAllocationCommand(input)));
    expect((await update({ CapacityReservationId: LENDING, TargetInstanceCount: 11 })).name).toBe(
      'InvalidParameterValue',
    );
    expect((await update({ CapacityReservationId: LENDING, TargetInstanceCount: -1 })).name).toBe(
      'InvalidParameterValue',
    );
    expect((await update({ CapacityReservationId: LENDING })).name).toBe('MissingParameter');
    expect((await update({ CapacityReservationId: FRESH, TargetInstanceCount: 1 })).name).toBe(
      'IncorrectState',
    );
    expect(
      (await update({ CapacityReservationId: 'cr-0fffffffffffffff0', TargetInstanceCount: 1 })).name,
    ).toBe('InvalidCapacityReservationId.NotFound');
    expect((await update({ CapacityReservationId: 'not-an-id', TargetInstanceCount: 1 })).name).toBe(
      'InvalidCapacityReservationId.Malformed',
    );
    await endpoint().ec2.send(
      new CreateInterruptibleCapacityReservationAllocationCommand({
        CapacityReservationId: HUGE,
        InstanceCount: 1000,
      }),
    );
    await endpoint().ec2.send(
      new UpdateInterruptibleCapacityReservationAllocationCommand({
        CapacityReservationId: HUGE,
        TargetInstanceCount: 2000,
      }),
    );
    // Lowering 2000 → 999 moves 1001 instances: over the per-request limit.
    expect((await update({ CapacityReservationId: HUGE, TargetInstanceCount: 999 })).name).toBe(
      'InvalidParameterValue',
    );
  });

  it('rejects an update addressed to the interruptible reservation instead of the source', async () => {
    const interruptibleId = (await allocationOf(LENDING))?.InterruptibleCapacityAllocation
      ?.InterruptibleCapacityReservationId;
    const error = await failureOf(
      endpoint().ec2.send(
        new UpdateInterruptibleCapacityReservationAllocationCommand({
          CapacityReservationId: interruptibleId,
          TargetInstanceCount: 0,
        }),
      ),
    );
    expect(error.name).toBe('InvalidParameterValue');
  });

  it('answers DryRun with DryRunOperation and changes nothing', async () => {
    const error = await failureOf(
      endpoint().ec2.send(
        new UpdateInterruptibleCapacityReservationAllocationCommand({
          CapacityReservationId: LENDING,
          TargetInstanceCount: 0,
          DryRun: true,
        }),
      ),
    );
    expect(error.name).toBe('DryRunOperation');
    expect((await allocationOf(LENDING))?.InterruptibleCapacityAllocation?.TargetInstanceCount).toBe(4);
  });
});
