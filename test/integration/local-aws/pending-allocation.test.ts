import {
  CreateInterruptibleCapacityReservationAllocationCommand,
  DescribeCapacityReservationsCommand,
} from '@aws-sdk/client-ec2';
import { describe, expect, it } from 'vitest';
import { failureOf, smallReservation, updateTarget, useFreshTestEndpoint } from './helpers.ts';

const SOURCE = 'cr-00000000000000a01';
const PENDING_SECONDS = 45;

const endpoint = useFreshTestEndpoint({
  settings: { pendingSeconds: PENDING_SECONDS },
  seed: {
    reservations: [smallReservation(10, { id: SOURCE, ownerRunning: 2 })],
  },
});

async function describeBoth() {
  const source = (
    await endpoint().ec2.send(new DescribeCapacityReservationsCommand({ CapacityReservationIds: [SOURCE] }))
  ).CapacityReservations![0]!;
  const interruptibleId = source.InterruptibleCapacityAllocation?.InterruptibleCapacityReservationId;
  const lent = interruptibleId
    ? (
        await endpoint().ec2.send(
          new DescribeCapacityReservationsCommand({ CapacityReservationIds: [interruptibleId] }),
        )
      ).CapacityReservations![0]
    : undefined;
  return { source, lent };
}

describe('a new allocation passes through pending', () => {
  it('is pending for pendingSeconds with its capacity already out of the source, then active', async () => {
    const created = await endpoint().ec2.send(
      new CreateInterruptibleCapacityReservationAllocationCommand({
        CapacityReservationId: SOURCE,
        InstanceCount: 6,
      }),
    );
    expect(created.Status).toBe('pending');

    const during = await describeBoth();
    expect(during.source.InterruptibleCapacityAllocation).toMatchObject({
      Status: 'pending',
      InstanceCount: 6,
      TargetInstanceCount: 6,
    });
    // Lent, not free: the six are neither in the source's total nor among its available instances.
    expect(during.source).toMatchObject({ TotalInstanceCount: 4, AvailableInstanceCount: 2 });
    expect(during.lent).toMatchObject({ State: 'pending', TotalInstanceCount: 6 });

    const update = await failureOf(updateTarget(endpoint().ec2, SOURCE, 0));
    expect(update.name).toBe('IncorrectState');
    await expect(endpoint().admin.setBorrowers({ reservationId: SOURCE, running: 1 })).rejects.toMatchObject({
      code: 'IncorrectState',
    });

    endpoint().aws.advance(PENDING_SECONDS - 1);
    expect((await describeBoth()).source.InterruptibleCapacityAllocation?.Status).toBe('pending');
    endpoint().aws.advance(1);
    const after = await describeBoth();
    expect(after.source.InterruptibleCapacityAllocation?.Status).toBe('active');
    expect(after.lent?.State).toBe('active');
    const reclaimed = await updateTarget(endpoint().ec2, SOURCE, 0);
    expect(reclaimed.InstanceCount).toBe(0);
  });

  it('is active at once with pendingSeconds 0, and a seed can start an allocation pending', async () => {
    await endpoint().admin.updateSettings({ pendingSeconds: 0 });
    const created = await endpoint().ec2.send(
      new CreateInterruptibleCapacityReservationAllocationCommand({
        CapacityReservationId: SOURCE,
        InstanceCount: 1,
      }),
    );
    expect(created.Status).toBe('active');
    const [seeded] = (
      await endpoint().admin.seedReservations({
        reservations: [smallReservation(4, { interruptible: { instanceCount: 2, pendingSeconds: 10 } })],
      })
    ).reservations;
    expect(
      endpoint().aws.admin.listReservations({ id: seeded!.id }).reservations[0]?.allocation?.status,
    ).toBe('pending');
    endpoint().aws.advance(10);
    expect(
      endpoint().aws.admin.listReservations({ id: seeded!.id }).reservations[0]?.allocation?.status,
    ).toBe('active');
  });
});
