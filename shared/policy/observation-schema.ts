/**
 * The observation as JSON (the plan CLI's `--observation` file, simulator fixtures): validated here so a
 * hand-written file fails with the field that is wrong, like the config.
 */
import * as z from 'zod';
import { formatPath } from '../config/schema.ts';
import { ALLOCATION_STATUSES } from '../domain/reservation.ts';
import type { Observation } from './types.ts';

const count = z.number().int().min(0);
const alarmState = z.enum(['OK', 'ALARM', 'INSUFFICIENT_DATA']);

export const observationSchema = z.object({
  reservations: z.array(
    z.object({
      reservationId: z.string().min(1),
      region: z.string().default('us-east-1'),
      instanceType: z.string().default('unknown'),
      availabilityZone: z.string().min(1),
      state: z.string().default('active'),
      sourceTotal: count,
      sourceAvailable: count,
      owned: count,
      allocation: z
        .object({
          interruptibleReservationId: z.string().optional(),
          current: count,
          target: count,
          status: z.enum(ALLOCATION_STATUSES),
          zeroSizePreference: z.enum(['retain', 'default']).default('retain'),
        })
        .optional(),
      tags: z.record(z.string(), z.string()).default({}),
    }),
  ),
  alarms: z.record(z.string(), alarmState).default({}),
  alarmsUnreadable: z.string().optional(),
  reclaimDurationsSeconds: z.array(z.number().min(0)).optional(),
});

/** The observation is not valid; the message names each offending field. */
export class ObservationError extends Error {
  override readonly name = 'ObservationError';
}

export function parseObservation(input: unknown): Observation {
  const result = observationSchema.safeParse(input);
  if (result.success) return result.data;
  const details = result.error.issues
    .map((issue) => `${formatPath(issue.path)}: ${issue.message}`)
    .join('; ');
  throw new ObservationError(`invalid observation: ${details}`, { cause: result.error });
}
