import { createHash } from 'node:crypto';

/** Width of the time bucket a create's client token is derived from. */
const TOKEN_BUCKET_MS = 10 * 60 * 1000;

/**
 * The idempotency token of a CreateInterruptibleCapacityReservationAllocation: the same reservation, target
 * and 10-minute bucket give the same token, so a retried or duplicated run cannot lend twice, while a later
 * decision (after a cancellation) still can create again.
 */
export function createClientToken(reservationId: string, target: number, decidedAt: Date): string {
  const bucket = Math.floor(decidedAt.getTime() / TOKEN_BUCKET_MS);
  const digest = createHash('sha256').update(`${reservationId}:${target}:${bucket}`).digest('hex');
  return `odcr-${digest.slice(0, 40)}`;
}
