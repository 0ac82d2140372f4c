/**
 * The observation as JSON (the plan CLI's `--observation` file, simulator fixtures): validated here so a
 * hand-written file fails with the field that is wrong, like the config.
 */
import * as z from 'zod';
import { formatPath } from '../config/schema.ts';
import { MAX_TARGET, type ReservationRecords } from '../domain/records.ts';
import { ALLOCATION_STATUSES } from '../domain/reservation.ts';
import { builtOnFirstUse } from '../util/built-on-first-use.ts';
import type { Observation } from './types.ts';

/** Built on first use: the functions import the policy but never parse an observation. */
const observationSchema = builtOnFirstUse(() => {
  const count = z.number().int().min(0);
  const target = count.max(MAX_TARGET);
  const alarmState = z.enum(['OK', 'ALARM', 'INSUFFICIENT_DATA']);
  const instant = z.iso.datetime({ offset: true }).transform((text) => new Date(text));
  const text = z.string().max(256);

  /**
   * The service's records on a reservation that the policy reads (the override, the last reclaim, on-call's
   * closures): typed, with ISO 8601 times. How they are kept as tags is the EC2 adapter's business. Other
   * records (a snapshot written out whole, as discover does) are left out: the policy does not read them.
   */
  const recordsSchema = z
    .object({
      override: z
        .object({
          action: z.enum(['reclaim', 'lend']),
          target,
          expiresAt: instant,
          reason: text,
          setAt: instant,
          spansSession: z.literal(true).optional(),
          requestedBy: text.optional(),
        })
        .strict()
        .optional(),
      lastReclaimAt: instant.optional(),
      closures: z
        .array(z.object({ market: z.string().min(1), date: z.iso.date(), reason: text }).strict())
        .default([]),
    })
    .default({ closures: [] })
    .transform((records): ReservationRecords => {
      const typed: ReservationRecords = { tracker: {}, closures: records.closures, malformed: [] };
      if (records.override !== undefined) {
        const { spansSession, requestedBy, ...override } = records.override;
        typed.override = {
          ...override,
          ...(spansSession === undefined ? {} : { spansSession }),
          ...(requestedBy === undefined ? {} : { requestedBy }),
        };
      }
      if (records.lastReclaimAt !== undefined) typed.lastReclaimAt = records.lastReclaimAt;
      return typed;
    });

  return z.object({
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
        /** The reservation's own tags, for the config's selectors. */
        tags: z.record(z.string(), z.string()).default({}),
        records: recordsSchema,
      }),
    ),
    alarms: z.record(z.string(), alarmState).default({}),
    alarmsUnreadable: z.string().optional(),
    reclaimDurationsSeconds: z.array(z.number().min(0)).optional(),
  });
});

/** The observation is not valid; the message names each offending field. */
export class ObservationError extends Error {
  override readonly name = 'ObservationError';
}

export function parseObservation(input: unknown): Observation {
  const result = observationSchema().safeParse(input);
  if (result.success) return result.data;
  const details = result.error.issues
    .map((issue) => `${formatPath(issue.path)}: ${issue.message}`)
    .join('; ');
  throw new ObservationError(`invalid observation: ${details}`, { cause: result.error });
}
