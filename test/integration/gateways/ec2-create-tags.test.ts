import { DescribeCapacityReservationsCommand, EC2Client } from '@aws-sdk/client-ec2';
import { beforeAll, describe, expect, it } from 'vitest';
import { Ec2CapacityGateway } from '#shared/gateways/ec2-capacity.ts';
import { MANAGED_TAG_VALUE, TAG } from '#shared/records/tag-keys.ts';
import { localSdkConfig } from '../../support/local-service.ts';
import { smallReservation, useTestEndpoint } from '../local-aws/helpers.ts';

const SOURCE = 'cr-00000000000000e01';

const endpoint = useTestEndpoint({
  seed: {
    reservations: [
      smallReservation(10, { id: SOURCE, ownerRunning: 4, tags: { [TAG.managed]: MANAGED_TAG_VALUE } }),
    ],
  },
});
let ec2: EC2Client;

beforeAll(() => {
  ec2 = endpoint().track(new EC2Client(localSdkConfig(endpoint().aws.url, 1)));
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
