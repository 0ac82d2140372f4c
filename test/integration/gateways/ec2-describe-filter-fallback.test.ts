import { EC2Client } from '@aws-sdk/client-ec2';
import { describe, expect, it } from 'vitest';
import { Ec2CapacityGateway } from '#shared/gateways/ec2-capacity.ts';
import { MANAGED_TAG_VALUE, TAG } from '#shared/records/tag-keys.ts';
import { localSdkConfig } from '../../support/local-service.ts';
import { smallReservation, useTestEndpoint } from '../local-aws/helpers.ts';

const SOURCE = 'cr-00000000000000f01';

const endpoint = useTestEndpoint({
  seed: {
    reservations: [
      smallReservation(10, {
        id: SOURCE,
        tags: { [TAG.managed]: MANAGED_TAG_VALUE },
        interruptible: { instanceCount: 4, borrowed: 2 },
      }),
    ],
  },
});

/** The gateway as the service builds it, one attempt per call. */
function serviceGateway(): Ec2CapacityGateway {
  return new Ec2CapacityGateway({
    client: endpoint().track(new EC2Client(localSdkConfig(endpoint().aws.url, 1))),
  });
}

/** EC2 calls log their form fields as strings; the filter names of each Describe that carried any. */
function describeFilters(): string[][] {
  return endpoint()
    .aws.admin.calls({ service: 'ec2', action: 'DescribeCapacityReservations' })
    .calls.map((call) => (typeof call.params === 'object' && call.params !== null ? call.params : {}))
    .map((params) =>
      Object.entries(params)
        .filter(([key]) => /^Filter\.\d+\.Name$/.test(key))
        .map(([, value]) => String(value)),
    )
    .filter((names) => names.length > 0);
}

describe('Ec2CapacityGateway.describeManaged and the interruptible filter', () => {
  it('describes without the undocumented interruptible filter once EC2 refuses it, and keeps doing so', async () => {
    // The `interruptible` filter is only in the user guide: if EC2 answers
    // InvalidParameterValue to it, the gateway must still see the fleet, not fail every run.
    const gateway = serviceGateway();
    endpoint().aws.admin.injectFault({
      service: 'ec2',
      action: 'DescribeCapacityReservations',
      error: 'InvalidParameterValue',
      count: 1,
    });

    const first = await gateway.describeManaged({ borrowers: false });
    const second = await gateway.describeManaged({ borrowers: false });

    expect(first.map((snapshot) => snapshot.reservationId)).toEqual([SOURCE]);
    expect(second.map((snapshot) => snapshot.reservationId)).toEqual([SOURCE]);
    expect(describeFilters()).toEqual([
      [`tag:${TAG.managed}`, 'interruptible'],
      [`tag:${TAG.managed}`],
      [`tag:${TAG.managed}`],
    ]);
  });

  it('does not hide other Describe failures behind the fallback', async () => {
    const gateway = serviceGateway();
    endpoint().aws.admin.injectFault({
      service: 'ec2',
      action: 'DescribeCapacityReservations',
      error: 'UnauthorizedOperation',
    });

    await expect(gateway.describeManaged({ borrowers: false })).rejects.toMatchObject({
      code: 'UnauthorizedOperation',
    });
  });
});
