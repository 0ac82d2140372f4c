import * as z from 'zod';
import { builtOnFirstUse } from '../util/built-on-first-use.ts';

/**
 * Schemas of the events that wake the service, checked at the edge (the handlers) so that the use case only
 * ever sees typed input. Unknown extra fields are allowed: AWS adds fields to its events over time. Each is
 * built on first use: a function builds only the one it parses.
 */

/**
 * The envelope every EventBridge event shares, with the three members that tell one event from another, in
 * the order EventBridge writes them (so a rejection names the first wrong field as before).
 */
export function eventBridgeEventShape<
  DetailType extends z.ZodType,
  Source extends z.ZodType,
  Detail extends z.ZodType,
>(detailType: DetailType, source: Source, detail: Detail) {
  return {
    version: z.string().optional(),
    id: z.string().min(1),
    'detail-type': detailType,
    source,
    account: z.string().optional(),
    time: z.iso.datetime({ offset: true }),
    region: z.string().optional(),
    resources: z.array(z.string()).default([]),
    detail,
  };
}

/** EventBridge Scheduler's default payload for a schedule targeting Lambda (`aws.scheduler`). */
export const scheduledEventSchema = builtOnFirstUse(() =>
  z.object(
    eventBridgeEventShape(z.literal('Scheduled Event'), z.literal('aws.scheduler'), z.unknown().optional()),
  ),
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
  z.object(
    eventBridgeEventShape(
      z.literal('CloudWatch Alarm State Change'),
      z.literal('aws.cloudwatch'),
      z.object({
        alarmName: z.string().min(1),
        state: alarmStateSchema(),
        previousState: alarmStateSchema().optional(),
      }),
    ),
  ),
);
export type AlarmStateChangeEvent = z.infer<ReturnType<typeof alarmStateChangeEventSchema>>;
