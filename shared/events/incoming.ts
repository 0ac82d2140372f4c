import * as z from 'zod';
import { builtOnFirstUse } from '../util/built-on-first-use.ts';

/**
 * Schemas of the events that wake the service, checked at the edge (the handlers) so that the use case only
 * ever sees typed input. Unknown extra fields are allowed: AWS adds fields to its events over time. Each is
 * built on first use: a function builds only the one it parses.
 */

/** EventBridge Scheduler's default payload for a schedule targeting Lambda (`aws.scheduler`). */
export const scheduledEventSchema = builtOnFirstUse(() =>
  z.object({
    version: z.string().optional(),
    id: z.string().min(1),
    'detail-type': z.literal('Scheduled Event'),
    source: z.literal('aws.scheduler'),
    account: z.string().optional(),
    time: z.iso.datetime({ offset: true }),
    region: z.string().optional(),
    resources: z.array(z.string()).default([]),
    detail: z.unknown().optional(),
  }),
);
export type ScheduledEvent = z.infer<ReturnType<typeof scheduledEventSchema>>;

const alarmStateSchema = builtOnFirstUse(() =>
  z.object({
    value: z.enum(['OK', 'ALARM', 'INSUFFICIENT_DATA']),
    reason: z.string().optional(),
    timestamp: z.string().optional(),
  }),
);

/** CloudWatch's `CloudWatch Alarm State Change` event as EventBridge delivers it. */
export const alarmStateChangeEventSchema = builtOnFirstUse(() =>
  z.object({
    version: z.string().optional(),
    id: z.string().min(1),
    'detail-type': z.literal('CloudWatch Alarm State Change'),
    source: z.literal('aws.cloudwatch'),
    account: z.string().optional(),
    time: z.iso.datetime({ offset: true }),
    region: z.string().optional(),
    resources: z.array(z.string()).default([]),
    detail: z.object({
      alarmName: z.string().min(1),
      state: alarmStateSchema(),
      previousState: alarmStateSchema().optional(),
    }),
  }),
);
export type AlarmStateChangeEvent = z.infer<ReturnType<typeof alarmStateChangeEventSchema>>;
