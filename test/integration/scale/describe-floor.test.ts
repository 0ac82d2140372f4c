/**
 * The Describe floor: one page per 1000 managed reservations per region, even though
 * reconcile's Create tags each new interruptible reservation managed too (the role requires the request tag),
 * so the managed-tag filter alone would match twice as many reservations and page twice as often.
 */
import {
  type CapacityReservation,
  EC2Client,
  paginateDescribeCapacityReservations,
} from '@aws-sdk/client-ec2';
import { type LocalAws, startLocalAws } from '@odcr-reclaimer/local-aws/server.ts';
import { afterEach, beforeEach, expect, it } from 'vitest';
import { DESCRIBE_PAGE_SIZE, Ec2CapacityGateway } from '#shared/gateways/ec2-capacity.ts';
import { MANAGED_TAG_VALUE, TAG } from '#shared/records/tag-keys.ts';
import { localSdkConfig } from '../../support/local-service.ts';
import { OFF_HOURS, scaleSeed } from './fleet.ts';

const REGION = 'us-east-1';

let aws: LocalAws;

beforeEach(async () => {
  // A full page of sources, all in one region, each lending through an interruptible reservation tagged managed.
  const seed = scaleSeed(DESCRIBE_PAGE_SIZE, OFF_HOURS);
  const reservations = (seed.reservations ?? []).map((reservation) => ({
    ...reservation,
    availabilityZone: `${REGION}a`,
  }));
  aws = await startLocalAws({ port: 0, seed: { ...seed, reservations }, settings: { start: OFF_HOURS } });
});
afterEach(() => aws.close());

it('reads a page of managed sources in one Describe when their interruptible reservations carry the managed tag', async () => {
  const client = new EC2Client({ ...localSdkConfig(aws.url), region: REGION });
  const taggedManaged: CapacityReservation[] = [];
  for await (const page of paginateDescribeCapacityReservations(
    { client, pageSize: DESCRIBE_PAGE_SIZE },
    { Filters: [{ Name: `tag:${TAG.managed}`, Values: [MANAGED_TAG_VALUE] }] },
  )) {
    taggedManaged.push(...(page.CapacityReservations ?? []));
  }
  const interruptible = taggedManaged.filter((reservation) => reservation.Interruptible === true);
  expect(interruptible).toHaveLength(DESCRIBE_PAGE_SIZE);
  const before = aws.admin.calls({}).calls.length;

  const snapshots = await new Ec2CapacityGateway({ client }).describeManaged({ borrowers: false });

  expect(snapshots).toHaveLength(DESCRIBE_PAGE_SIZE);
  expect(snapshots.every((snapshot) => snapshot.allocation?.interruptibleReservationId !== undefined)).toBe(
    true,
  );
  const describes = aws.admin
    .calls({})
    .calls.slice(before)
    .filter((call) => call.action === 'DescribeCapacityReservations');
  expect(describes).toHaveLength(1);
});
