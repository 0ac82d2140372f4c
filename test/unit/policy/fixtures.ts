import { exampleFleetAlarms, exampleFleetReservations } from '#shared/config/example-fleet.ts';
import { loadConfigFile } from '#shared/config/load-config.ts';
import type { PolicyConfig } from '#shared/config/schema.ts';
import { noRecords, type ReservationRecords } from '#shared/domain/records.ts';
import type { ReservationSnapshot } from '#shared/domain/reservation.ts';
import type { Observation } from '#shared/policy/types.ts';

export const TRADING_ID = 'cr-0123456789abcdef0';

export function exampleConfig(): PolicyConfig {
  return loadConfigFile('config/example.json');
}

/** The example fleet off-hours (trading 60 lent, risk-engine 1 lent per AZ), every alarm OK. */
export function exampleObservation(changes: Partial<Observation> = {}): Observation {
  return { reservations: exampleFleetReservations(), alarms: exampleFleetAlarms(), ...changes };
}

/** The trading reservation as it would be with `lent` allocated, `available` unused, and these records. */
export function tradingSnapshot(
  lent: number,
  available: number,
  records: Partial<ReservationRecords> = {},
): ReservationSnapshot {
  const [trading] = exampleFleetReservations();
  if (trading === undefined) throw new Error('example fleet has no trading reservation');
  return {
    ...trading,
    sourceTotal: 100 - lent,
    sourceAvailable: available,
    allocation: { current: lent, target: lent, status: 'active', zeroSizePreference: 'retain' },
    records: { ...noRecords(), ...records },
  };
}
