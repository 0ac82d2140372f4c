import * as z from 'zod/mini';
import { eventBridgeEventShape } from '#shared/events/incoming.ts';
import { builtOnFirstUse } from '#shared/util/built-on-first-use.ts';

/**
 * The events that wake the tracker, checked at the edge (zod/mini, as the other events:
 * shared/events/incoming.ts). Both are only wake-ups: the tracker describes the reservations itself (the
 * poller is the source of truth).
 */

/** The tracker's own EventBridge rule, `rate(1 minute)`, while something is in flight. */
export const trackerScheduleEventSchema = builtOnFirstUse(() =>
  z.object(
    eventBridgeEventShape(z.literal('Scheduled Event'), z.literal('aws.events'), z.optional(z.unknown())),
  ),
);

/** EC2's owner-side completion event appears under two detail-types in AWS's docs: accept both. */
export const EC2_RECLAMATION_COMPLETED_DETAIL_TYPES = [
  'EC2 Interruptible Capacity Reservation Allocation Reclamation Completed',
  'EC2 Capacity Reservation Interruptible Reclamation Complete',
] as const;

export const ec2ReclamationCompletedEventSchema = builtOnFirstUse(() =>
  z.object(
    eventBridgeEventShape(
      z.enum(EC2_RECLAMATION_COMPLETED_DETAIL_TYPES),
      z.literal('aws.ec2'),
      // Documented with placeholder values and mixed casing: only the id is relied upon.
      z.looseObject({ sourceCapacityReservationId: z.optional(z.string().check(z.minLength(1))) }),
    ),
  ),
);

/**
 * Told apart by `source`, so a rejection names the offending field (a plain union only says the whole event
 * matched neither shape).
 */
export const trackerEventSchema = builtOnFirstUse(() =>
  z.discriminatedUnion('source', [trackerScheduleEventSchema(), ec2ReclamationCompletedEventSchema()]),
);
export type TrackerEvent = z.infer<ReturnType<typeof trackerEventSchema>>;
