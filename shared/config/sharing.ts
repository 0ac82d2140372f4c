/**
 * Sharing with borrowers: the RAM principals each reservation's interruptible reservation is shared with,
 * and what `validate` and `status` warn about. Pure.
 */
import type { PolicyConfig, ReservationConfig } from './schema.ts';

/** The principals RAM takes for a reservation: account ids, OU ARNs and the organization ARN. */
export function sharePrincipals(reservation: Pick<ReservationConfig, 'borrowers'>): string[] {
  const borrowers = reservation.borrowers;
  if (borrowers === undefined) return [];
  return [
    ...borrowers.accounts,
    ...borrowers.organizationalUnits,
    ...(borrowers.organization === undefined ? [] : [borrowers.organization]),
  ];
}

/** Every borrower account named anywhere in the config, each once: who may subscribe to the heads-up. */
export function borrowerAccounts(config: Pick<PolicyConfig, 'headsUp' | 'reservations'>): string[] {
  return [
    ...new Set([
      ...config.headsUp.borrowerAccounts,
      ...config.reservations.flatMap((reservation) => reservation.borrowers?.accounts ?? []),
    ]),
  ];
}

/**
 * A reservation lent to borrowers with `zeroSizePreference` other than `retain`: EC2 cancels its allocation at
 * 0, the next lend creates a new interruptible reservation with a new id, and every borrower launch template
 * naming the old id stops working until it is edited.
 */
export function sharingWarnings(config: Pick<PolicyConfig, 'reservations'>): string[] {
  return config.reservations.flatMap((reservation, index) =>
    reservation.borrowers !== undefined && reservation.zeroSizePreference !== 'retain'
      ? [
          `reservations[${index}].zeroSizePreference is '${reservation.zeroSizePreference}' for ${reservation.name}, lent to borrowers: at 0 EC2 cancels the allocation and the next lend gets a new interruptible reservation id, which breaks borrowers' launch templates; use 'retain'`,
        ]
      : [],
  );
}
