import { DescribeCapacityReservationsCommand, EC2Client } from '@aws-sdk/client-ec2';
import { type LocalAws, startLocalAws } from '@odcr-reclaimer/local-aws/server.ts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Ec2CapacityGateway } from '#shared/gateways/ec2-capacity.ts';
import { MANAGED_TAG_VALUE, TAG } from '#shared/records/tag-keys.ts';
import { localSdkConfig } from '../../support/local-service.ts';

const SOURCE = 'cr-00000000000000e01';

let local: LocalAws;
let ec2: EC2Client;

beforeAll(async () => {
  local = await startLocalAws({
    port: 0,
    seed: {
      reservations: [
        {
          id: SOURCE,
          instanceType: 'c7i.large',
          availabilityZone: 'us-east-1a',
          totalInstanceCount: 10,
          ownerRunning: 4,
          tags: { [TAG.managed]: MANAGED_TAG_VALUE },
        },
      ],
    },
  });
  ec2 = new EC2Client(localSdkConfig(local.url, 1));
});

afterAll(async () => {
  await local?.close();
});

describe('Ec2CapacityGateway.createAllocation', () => {
  it('tags the new interruptible reservation as managed (the role allows Create only with that request tag)', async () => {
    const gateway = new Ec2CapacityGateway({ client: ec2 });

    await gateway.createAllocation({
      reservationId: SOURCE,
      instanceCount: 3,
      clientToken: 'create-tags-test',
      zeroSizePreference: 'retain',
    });

    const [snapshot, ...others] = await gateway.describeManaged();
    expect(others).toEqual([]);
    expect(snapshot?.reservationId).toBe(SOURCE);
    const interruptibleId = snapshot?.allocation?.interruptibleReservationId;
    expect(interruptibleId).toMatch(/^cr-/);
    const described = await ec2.send(
      new DescribeCapacityReservationsCommand({ CapacityReservationIds: [interruptibleId ?? ''] }),
    );
    expect(described.CapacityReservations?.[0]?.Tags).toEqual([
      { Key: TAG.managed, Value: MANAGED_TAG_VALUE },
    ]);
  });
});
