/**
 * Throughput of the local AWS endpoint through the real SDK: full paged Describe sweeps over 1,000
 * reservations, and 500 concurrent updates on distinct reservations.
 */
import {
  EC2Client,
  paginateDescribeCapacityReservations,
  UpdateInterruptibleCapacityReservationAllocationCommand,
} from '@aws-sdk/client-ec2';
import { sdkConfigFor } from '@odcr-reclaimer/local-aws/admin-client.ts';
import { startLocalAws } from '@odcr-reclaimer/local-aws/server.ts';
import type { SeedReservation } from '@odcr-reclaimer/local-aws/types.ts';
import type { BenchResult, BenchSection } from './types.ts';

const RESERVATIONS = 1000;
const CONCURRENT_UPDATES = 500;
const SWEEP_SECONDS = 3;

function seedReservations(): SeedReservation[] {
  return Array.from({ length: RESERVATIONS }, (_, index) => ({
    id: `cr-${index.toString(16).padStart(17, '0')}`,
    instanceType: 'c7i.large',
    availabilityZone: `us-east-1${'abc'[index % 3]}`,
    totalInstanceCount: 10,
    tags: { 'odcr-reclaimer:managed': 'true' },
    interruptible: { instanceCount: 5, borrowed: 2 },
  }));
}

async function sweep(ec2: EC2Client, pageSize: number): Promise<number> {
  let count = 0;
  for await (const page of paginateDescribeCapacityReservations({ client: ec2, pageSize }, {})) {
    count += page.CapacityReservations?.length ?? 0;
  }
  return count;
}

async function sweepThroughput(ec2: EC2Client, pageSize: number): Promise<BenchResult[]> {
  await sweep(ec2, pageSize);
  const started = performance.now();
  let sweeps = 0;
  let reservations = 0;
  while (performance.now() - started < SWEEP_SECONDS * 1000) {
    reservations += await sweep(ec2, pageSize);
    sweeps++;
  }
  const seconds = (performance.now() - started) / 1000;
  return [
    {
      metric: `Describe sweep, ${RESERVATIONS} sources + their allocations (page ${pageSize})`,
      value: sweeps / seconds,
      unit: 'sweeps/s',
    },
    {
      metric: `Describe items read (page ${pageSize})`,
      value: reservations / seconds,
      unit: 'reservations/s',
    },
  ];
}

export const localAwsSection: BenchSection = {
  title: 'local AWS endpoint',
  async run() {
    const aws = await startLocalAws({ port: 0, settings: { start: '2026-03-02T13:00:00.000Z' } });
    const ec2 = new EC2Client({ ...sdkConfigFor(aws.url), maxAttempts: 1 });
    try {
      aws.admin.seedReservations({ reservations: seedReservations() });
      const results = [...(await sweepThroughput(ec2, 1000)), ...(await sweepThroughput(ec2, 100))];

      const started = performance.now();
      const outcomes = await Promise.allSettled(
        Array.from({ length: CONCURRENT_UPDATES }, (_, index) =>
          ec2.send(
            new UpdateInterruptibleCapacityReservationAllocationCommand({
              CapacityReservationId: `cr-${index.toString(16).padStart(17, '0')}`,
              TargetInstanceCount: 1,
            }),
          ),
        ),
      );
      const seconds = (performance.now() - started) / 1000;
      const errors = outcomes.filter((outcome) => outcome.status === 'rejected').length;
      results.push(
        {
          metric: `${CONCURRENT_UPDATES} concurrent updates`,
          value: CONCURRENT_UPDATES / seconds,
          unit: 'updates/s',
        },
        { metric: 'update errors', value: errors, unit: 'errors', target: { value: 0, better: 'lower' } },
      );
      return results;
    } finally {
      ec2.destroy();
      await aws.close();
    }
  },
};
