/**
 * The example fleet as it stands off-hours (notes: trading 100 owned, 60 lent of which 30 borrowed; each
 * risk-engine AZ 3 owned, 1 lent): the observation `npm run plan` assumes without an observation file,
 * and a fixture for tests and the simulator. Pure data, in the shapes the EC2 gateway produces.
 */
import { noRecords } from '../domain/records.ts';
import type { ReservationSnapshot } from '../domain/reservation.ts';
import { MANAGED_TAG_VALUE, TAG } from '../records/tag-keys.ts';

/** The example fleet's config, relative to the repository root: what every tool builds when none is named. */
export const EXAMPLE_CONFIG_FILE = 'config/example.json';

export const EXAMPLE_TRADING_RESERVATION_ID = 'cr-0123456789abcdef0';
export const EXAMPLE_RISK_ENGINE_RESERVATION_IDS = {
  'us-east-1a': 'cr-0000000000000a001',
  'us-east-1b': 'cr-0000000000000b001',
  'us-east-1c': 'cr-0000000000000c001',
} as const;
export const EXAMPLE_ALARM_NAMES = [
  'xnys-volatility-high',
  'trading-load-high',
  'az-impaired-us-east-1a',
  'az-impaired-us-east-1b',
  'az-impaired-us-east-1c',
] as const;

interface LentReservation {
  reservationId: string;
  instanceType: string;
  availabilityZone: string;
  owned: number;
  lent: number;
  tags: Record<string, string>;
}

/** A source with `lent` allocated and the rest used by the owner (so nothing more is lendable right now). */
function lentSnapshot(spec: LentReservation): ReservationSnapshot {
  return {
    reservationId: spec.reservationId,
    region: 'us-east-1',
    instanceType: spec.instanceType,
    availabilityZone: spec.availabilityZone,
    state: 'active',
    sourceTotal: spec.owned - spec.lent,
    sourceAvailable: 0,
    owned: spec.owned,
    allocation: {
      interruptibleReservationId: `${spec.reservationId}-interruptible`,
      current: spec.lent,
      target: spec.lent,
      status: 'active',
      zeroSizePreference: 'retain',
    },
    tags: { [TAG.managed]: MANAGED_TAG_VALUE, ...spec.tags },
    records: noRecords(),
  };
}

export function exampleFleetReservations(): ReservationSnapshot[] {
  return [
    lentSnapshot({
      reservationId: EXAMPLE_TRADING_RESERVATION_ID,
      instanceType: 'r7i.4xlarge',
      availabilityZone: 'us-east-1a',
      owned: 100,
      lent: 60,
      tags: { fleet: 'trading', Name: 'xnys-trading-r7i' },
    }),
    ...Object.entries(EXAMPLE_RISK_ENGINE_RESERVATION_IDS).map(([availabilityZone, reservationId]) =>
      lentSnapshot({
        reservationId,
        instanceType: 'c7i.2xlarge',
        availabilityZone,
        owned: 3,
        lent: 1,
        tags: { group: 'risk-engine' },
      }),
    ),
  ];
}

export function exampleFleetAlarms(): Record<string, 'OK' | 'ALARM' | 'INSUFFICIENT_DATA'> {
  return Object.fromEntries(EXAMPLE_ALARM_NAMES.map((name) => [name, 'OK' as const]));
}
