/**
 * A large managed fleet for scale figures (bench sections, scale tests): `count` source reservations with the
 * managed tag, each lending part of its capacity, spread over three AZs, plus the tracker's rule.
 */
import type { SeedReservation, SeedState } from '@odcr-reclaimer/local-aws/types.ts';
import { LEASE_TABLE, TRACKER_RULE_NAME } from './local-service.ts';

/** EC2's id form (`cr-` + 17 hex), numbered so that a test can name the n-th reservation. */
export function managedReservationId(index: number): string {
  return `cr-${index.toString(16).padStart(17, '0')}`;
}

export function managedFleetSeed(
  count: number,
  options: { now: string; lent?: number; borrowed?: number; ruleState?: 'ENABLED' | 'DISABLED' },
): SeedState {
  const reservations: SeedReservation[] = Array.from({ length: count }, (_, index) => ({
    id: managedReservationId(index),
    instanceType: 'c7i.large',
    availabilityZone: `us-east-1${'abc'[index % 3]}`,
    totalInstanceCount: 10,
    tags: { 'odcr-reclaimer:managed': 'true' },
    interruptible: {
      instanceCount: options.lent ?? 5,
      borrowed: options.borrowed ?? 2,
      zeroSizePreference: 'retain',
    },
  }));
  return {
    now: options.now,
    reservations,
    rules: [
      {
        name: TRACKER_RULE_NAME,
        state: options.ruleState ?? 'ENABLED',
        scheduleExpression: 'rate(1 minute)',
      },
    ],
    tables: [LEASE_TABLE],
  };
}
