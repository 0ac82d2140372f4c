/**
 * `npx tsx scripts/try-local-aws.ts`: walks one reclamation end to end using only the AWS SDK and the
 * admin API. Seeds a 100-instance reservation with 60 lent and 30 borrowed, reclaims all 60, moves the
 * simulated clock step by step and prints the allocation until it is `active` with current == target == 0.
 * Uses AWS_ENDPOINT_URL when set (e.g. `npm run local-aws`), otherwise starts its own endpoint.
 */
import {
  DescribeCapacityReservationsCommand,
  EC2Client,
  UpdateInterruptibleCapacityReservationAllocationCommand,
} from '@aws-sdk/client-ec2';
import { LocalAwsAdminClient, sdkConfigFor } from '@odcr-reclaimer/local-aws/admin-client.ts';
import { type LocalAws, startLocalAws } from '@odcr-reclaimer/local-aws/server.ts';

const WARNING = 'EC2 Capacity Reservation Instance Interruption Warning';
const STEP_SECONDS = 15;
const MAX_STEPS = 200;

class ReclamationDidNotFinishError extends Error {
  override readonly name = 'ReclamationDidNotFinishError';
}

async function main(): Promise<void> {
  const given = process.env.AWS_ENDPOINT_URL;
  const own: LocalAws | undefined = given ? undefined : await startLocalAws();
  const url = given ?? own!.url;
  const admin = new LocalAwsAdminClient(url);
  const ec2 = new EC2Client(sdkConfigFor(url));
  try {
    console.log(`local AWS endpoint: ${url}${own ? ' (started by this script)' : ''}`);
    const since = (await admin.getClock()).now;
    const [seeded] = (
      await admin.seedReservations({
        reservations: [
          {
            instanceType: 'r7i.4xlarge',
            availabilityZone: 'us-east-1a',
            totalInstanceCount: 100,
            tags: { 'odcr-reclaimer:managed': 'true', fleet: 'try-local-aws' },
            interruptible: { instanceCount: 60, borrowed: 30 },
          },
        ],
      })
    ).reservations;
    const reservationId = seeded!.id;
    console.log(
      `seeded ${reservationId}: 100 owned, 60 lent (interruptible ${seeded!.interruptibleId}), 30 borrowed`,
    );

    const answer = await ec2.send(
      new UpdateInterruptibleCapacityReservationAllocationCommand({
        CapacityReservationId: reservationId,
        TargetInstanceCount: 0,
        ZeroSizePreference: 'retain',
      }),
    );
    console.log(
      `reclaim all 60: status ${answer.Status}, current ${answer.InstanceCount}, target ${answer.TargetInstanceCount}`,
    );

    for (let step = 0; step < MAX_STEPS; step++) {
      const { now } = await admin.advance(STEP_SECONDS);
      const described = await ec2.send(
        new DescribeCapacityReservationsCommand({ CapacityReservationIds: [reservationId] }),
      );
      const source = described.CapacityReservations?.[0];
      const allocation = source?.InterruptibleCapacityAllocation;
      console.log(
        `${now}  status ${allocation?.Status?.padEnd(8)} current ${String(allocation?.InstanceCount).padStart(2)}  target ${allocation?.TargetInstanceCount}  source available ${source?.AvailableInstanceCount}`,
      );
      if (
        allocation?.Status === 'active' &&
        allocation.InstanceCount === 0 &&
        allocation.TargetInstanceCount === 0
      ) {
        const warnings = (await admin.events({ detailType: WARNING, since })).events;
        console.log(`done: active with current == target == 0; interruption warnings: ${warnings.length}`);
        return;
      }
    }
    throw new ReclamationDidNotFinishError(`still not active after ${MAX_STEPS} steps of ${STEP_SECONDS} s`);
  } finally {
    ec2.destroy();
    await own?.close();
  }
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? `${error.name}: ${error.message}` : String(error));
  process.exit(1);
});
