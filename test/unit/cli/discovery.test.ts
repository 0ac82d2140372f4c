import { sdkConfigFor } from '@odcr-reclaimer/local-aws/admin-client.ts';
import { loadExampleFleet } from '@odcr-reclaimer/local-aws/example-fleet.ts';
import { type LocalAws, startLocalAws } from '@odcr-reclaimer/local-aws/server.ts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { configSkeleton, formatReservations, pickReservations } from '#cli/discovery.ts';
import { parseConfig } from '#shared/config/schema.ts';
import type { ReservationSnapshot } from '#shared/domain/reservation.ts';
import { createEc2ClientFrom, Ec2CapacityGateway } from '#shared/gateways/index.ts';
import { parseObservation } from '#shared/policy/observation-schema.ts';

let local: LocalAws;
let found: ReservationSnapshot[];

beforeAll(async () => {
  const seed = loadExampleFleet();
  local = await startLocalAws({ port: 0, seed });
  // One reservation the service does not manage yet: what a newcomer's account holds before any tagging.
  local.admin.seed({
    reservations: [
      {
        id: 'cr-0fedcba9876543210',
        instanceType: 'm7g.large',
        availabilityZone: 'us-east-1b',
        totalInstanceCount: 8,
        tags: { Name: 'Batch Fleet' },
      },
    ],
  });
  const gateway = new Ec2CapacityGateway({
    client: createEc2ClientFrom(sdkConfigFor(local.url, 'us-east-1')),
  });
  found = await gateway.describeSources();
});

afterAll(async () => {
  await local?.close();
});

describe('npm run discover', () => {
  it('sees every source reservation, managed or not, with its tags and allocation, and no interruptible one', () => {
    expect(found.map((reservation) => reservation.reservationId).sort()).toEqual([
      'cr-0000000000000a001',
      'cr-0000000000000b001',
      'cr-0000000000000c001',
      'cr-0123456789abcdef0',
      'cr-0fedcba9876543210',
    ]);
    const trading = found.find((reservation) => reservation.reservationId === 'cr-0123456789abcdef0');
    expect(trading).toMatchObject({ owned: 100, allocation: { current: 60 }, tags: { fleet: 'trading' } });
    expect(formatReservations(found)).toContain('Name=Batch Fleet');
  });

  it('writes a config skeleton the functions accept, and an observation plan reads', () => {
    const picked = pickReservations(found, '1,cr-0fedcba9876543210');
    expect(picked).toHaveLength(2);
    const config = parseConfig(configSkeleton(picked, 'XLON', ['us-east-1']));
    expect(config.reservations.map((reservation) => reservation.market)).toEqual(['XLON', 'XLON']);
    expect(config.reservations.find((reservation) => reservation.id === 'cr-0fedcba9876543210')?.name).toBe(
      'batch-fleet',
    );
    expect(parseObservation({ reservations: picked, alarms: {} }).reservations).toHaveLength(2);
  });

  it('names a pick that is not listed', () => {
    expect(() => pickReservations(found, '9')).toThrow("--pick: '9' is not one of the reservations listed");
    expect(pickReservations(found, 'all')).toHaveLength(found.length);
  });
});
