import * as z from 'zod/mini';
import { builtOnFirstUse } from '../util/built-on-first-use.ts';
import './zod-messages.ts';

/**
 * Schemas of the events that wake the service, checked at the edge (the handlers) so that the use case only
 * ever sees typed input. Unknown extra fields are allowed: AWS adds fields to its events over time. Each is
 * built on first use: a function builds only the one it parses. They are written with zod/mini, whose schemas
 * are plain objects: a function's first invocation builds and runs its one schema several times faster than
 * with the classic build, which attaches its whole method API to every schema it makes.
 */

/**
 * The envelope every EventBridge event shares, with the three members that tell one event from another, in
 * the order EventBridge writes them (so a rejection names the first wrong field as before).
 */
export function eventBridgeEventShape<
  DetailType extends z.ZodMiniType,
  Source extends z.ZodMiniType,
  Detail extends z.ZodMiniType,
>(detailType: DetailType, source: Source, detail: Detail) {
  return {
    version: z.optional(z.string()),
    id: z.string().check(z.minLength(1)),
    'detail-type': detailType,
    source,
    account: z.optional(z.string()),
    time: z.iso.datetime({ offset: true }),
    region: z.optional(z.string()),
    resources: z._default(z.array(z.string()), []),
    detail,
  };
}

/** EventBridge Scheduler's default payload for a schedule targeting Lambda (`aws.scheduler`). */
export const scheduledEventSchema = builtOnFirstUse(() =>
  z.object(
    eventBridgeEventShape(z.literal('Scheduled Event'), z.literal('aws.scheduler'), z.optional(z.unknown())),
  ),
);
export type ScheduledEvent = z.infer<ReturnType<typeof scheduledEventSchema>>;

const alarmStateSchema = builtOnFirstUse(() =>
  z.object({
    value: z.enum(['OK', 'ALARM', 'INSUFFICIENT_DATA']),
    reason: z.optional(z.string()),
    timestamp: z.optional(z.string()),
  }),
);

/** CloudWatch's `CloudWatch Alarm State Change` event as EventBridge delivers it. */
export const alarmStateChangeEventSchema = builtOnFirstUse(() =>
  z.object(
    eventBridgeEventShape(
      z.literal('CloudWatch Alarm State Change'),
      z.literal('aws.cloudwatch'),
      z.object({
        alarmName: z.string().check(z.minLength(1)),
        state: alarmStateSchema(),
        previousState: z.optional(alarmStateSchema()),
      }),
    ),
  ),
);
export type AlarmStateChangeEvent = z.infer<ReturnType<typeof alarmStateChangeEventSchema>>;
