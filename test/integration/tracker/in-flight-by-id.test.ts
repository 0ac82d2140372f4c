/**
 * After a run's first sweep, the tracker polls only what is still in flight, by id, when that takes fewer
 * Describe calls than sweeping every managed reservation again: one reclaim among 1001 managed.
 */

import type { SeedReservation } from '@odcr-reclaimer/local-aws/types.ts';
import { expect, it } from 'vitest';
import { DESCRIBE_PAGE_SIZE } from '#shared/gateways/ec2-capacity.ts';
import { MANAGED_TAG_VALUE, TAG } from '#shared/records/tag-keys.ts';
import { scaleReservationId } from '../scale/fleet.ts';
import { startTrackerHarness, TRADING, TRADING_FLEET } from './harness.ts';

const IDLE = DESCRIBE_PAGE_SIZE;

function idleReservation(index: number): SeedReservation {
  return {
    id: scaleReservationId(index),
    instanceType: 'c7i.large',
    availabilityZone: 'us-east-1b',
    totalInstanceCount: 4,
    tags: { [TAG.managed]: MANAGED_TAG_VALUE, fleet: 'idle' },
  };
}

it('sweeps once per run, then describes only the reservation in flight, and still completes it once', async () => {
  const harness = await startTrackerHarness({
    ...TRADING_FLEET,
    reservations: [
      ...(TRADING_FLEET.reservations ?? []),
      ...Array.from({ length: IDLE }, (_, i) => idleReservation(i)),
    ],
  });
  await harness.request(TRADING, 0);
  const before = harness.local.admin.calls({}).calls.length;

  const results = await harness.runUntilIdle();

  expect(harness.events('Allocation Change Completed').map((event) => event.detail['reservationId'])).toEqual(
    [TRADING],
  );
  expect(results.at(-1)?.rule).toBe('disabled');
  const describes = harness.local.admin
    .calls({})
    .calls.slice(before)
    .filter((call) => call.action === 'DescribeCapacityReservations')
    .map((call) => call.params as Record<string, string>);
  const byId = describes.filter((params) => params['CapacityReservationId.1'] !== undefined);
  expect(byId.length).toBeGreaterThan(0);
  for (const params of byId) {
    expect(params['CapacityReservationId.1']).toBe(TRADING);
    expect(params['CapacityReservationId.2']).toBeUndefined();
  }
  // Every other describe is a sweep of the 1001 managed: two pages each, the first without a NextToken.
  const pages = describes.length - byId.length;
  const sweeps = describes.filter(
    (params) => params['CapacityReservationId.1'] === undefined && params['NextToken'] === undefined,
  ).length;
  expect(sweeps).toBeGreaterThanOrEqual(results.length);
  expect(pages).toBe(sweeps * Math.ceil((IDLE + 1) / DESCRIBE_PAGE_SIZE));
});
