/**
 * Hostile input to every handler: schema-valid events, valid events with one edit (a node
 * replaced by a hostile value, removed, or an unknown field added), and anything at all. The oracle is the
 * handler's own schema: an invalid event must be rejected with a ValidationError naming the edited field and
 * without a single AWS call (the endpoint's call log); a valid one must run without throwing.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { createHandler as createAlarmHandler } from '#functions/reclaim-on-alarm/handler.ts';
import { createHandler as createOnDemandHandler } from '#functions/reclaim-on-demand/handler.ts';
import { createHandler as createScheduleHandler } from '#functions/reclaim-on-schedule/handler.ts';
import { createHandler as createTrackerHandler } from '#functions/track-reclamation/handler.ts';
import { trackerEventSchema } from '#functions/track-reclamation/schema.ts';
import { ValidationError } from '#shared/errors/index.ts';
import { alarmStateChangeEventSchema, scheduledEventSchema } from '#shared/events/incoming.ts';
import { configuredAlarmNames } from '#shared/reconcile/reconcile.ts';
import {
  alarmEvent,
  lambdaContext,
  localGateways,
  scheduledEvent,
  TRADING,
  useLocalService,
} from '../support/local-service.ts';
import {
  DELETE,
  deeplyNested,
  fuzzParameters,
  hostileValue,
  type Mutation,
  mutationOf,
  namesTheEdit,
  withPath,
} from './support.ts';

const OFF_HOURS = '2025-03-12T22:00:00Z';

const service = useLocalService({ now: OFF_HOURS, maxAttempts: 1 });

type Handler = (event: unknown, context: ReturnType<typeof lambdaContext>) => Promise<unknown>;

function callCount(): number {
  return service().aws.admin.calls({}).calls.length;
}

/** The handler's answer to one event: its result, or the error it threw. */
async function invoke(handler: Handler, event: unknown): Promise<{ result?: unknown; error?: unknown }> {
  try {
    return { result: await handler(event, lambdaContext()) };
  } catch (error: unknown) {
    return { error };
  }
}

/** A handler's event schema, of whichever zod build. */
interface EventSchema {
  safeParse(input: unknown): { success: boolean };
}

/**
 * The checks every event-driven handler must pass: invalid → ValidationError naming a field (the edited one
 * when there was an edit), no AWS call; valid → no error at all.
 */
async function checkEvent(
  handler: Handler,
  schema: EventSchema,
  event: unknown,
  mutation?: Mutation,
): Promise<void> {
  const valid = schema.safeParse(event).success;
  const before = callCount();
  const { error } = await invoke(handler, event);
  if (valid) {
    expect(error).toBeUndefined();
    return;
  }
  expect(error).toBeInstanceOf(ValidationError);
  const field = (error as ValidationError).field;
  expect(field).not.toBe('');
  expect((error as ValidationError).message.startsWith(field)).toBe(true);
  if (mutation !== undefined && mutation.replacement !== DELETE) {
    expect(namesTheEdit(field, mutation.path), `'${field}' for an edit of '${mutation.path.join('.')}'`).toBe(
      true,
    );
  }
  expect(callCount()).toBe(before);
}

const eventHandlers = () => [
  {
    name: 'reclaim-on-schedule',
    handler: createScheduleHandler(service().dependencies) as Handler,
    schema: scheduledEventSchema(),
    base: () => scheduledEvent(service().aws, 'fuzz-schedule'),
  },
  {
    name: 'reclaim-on-alarm',
    handler: createAlarmHandler(service().dependencies) as Handler,
    schema: alarmStateChangeEventSchema(),
    base: () =>
      alarmEvent(service().aws, configuredAlarmNames(service().config)[0] ?? 'none', 'OK', 'fuzz-alarm'),
  },
  {
    name: 'track-reclamation',
    handler: createTrackerHandler({
      ...service().dependencies,
      gateways: {
        ...service().gateways,
        metrics: localGateways(service().aws.url, { maxAttempts: 1 }).metrics,
      },
    }) as Handler,
    schema: trackerEventSchema(),
    base: () => ({
      ...scheduledEvent(service().aws, 'fuzz-tracker'),
      source: 'aws.events',
      resources: ['arn:aws:events:us-east-1:123456789012:rule/odcr-reclaimer-dev-track-reclamation'],
    }),
  },
];

/** Valid events of each kind, with hostile content wherever the schema lets anything through. */
const validFields = {
  id: fc.string({ unit: 'grapheme', minLength: 1, maxLength: 64 }),
  time: fc
    .date({
      min: new Date('2000-01-01T00:00:00Z'),
      max: new Date('2099-12-31T00:00:00Z'),
      noInvalidDate: true,
    })
    .map((date) => date.toISOString()),
  resources: fc.array(fc.string({ unit: 'grapheme', maxLength: 80 }), { maxLength: 5 }),
  detail: hostileValue,
  extra: hostileValue,
};

describe.each([0, 1, 2])('handler %#: hostile events', (index) => {
  const entry = () => eventHandlers()[index] as ReturnType<typeof eventHandlers>[number];

  it('rejects every event with one hostile edit naming the edited field, with no AWS call', async () => {
    const { handler, schema, base } = entry();
    const valid = base();
    expect(schema.safeParse(valid).success).toBe(true);
    await fc.assert(
      fc.asyncProperty(mutationOf(valid), async (mutation) => {
        await checkEvent(handler, schema, withPath(valid, mutation.path, mutation.replacement), mutation);
      }),
      fuzzParameters(100),
    );
  });

  it('rejects anything that is not an event, naming the root or a field, with no AWS call', async () => {
    const { handler, schema } = entry();
    await fc.assert(
      fc.asyncProperty(
        fc.oneof(hostileValue, fc.constant(deeplyNested(20_000)), fc.dictionary(fc.string(), hostileValue)),
        async (event) => checkEvent(handler, schema, event),
      ),
      fuzzParameters(60),
    );
  });

  it('runs schema-valid events with hostile free-form content without an error', async () => {
    const { handler, schema, base } = entry();
    const template = base();
    await fc.assert(
      fc.asyncProperty(fc.record(validFields), async (fields) => {
        const event = {
          ...template,
          id: fields.id,
          time: fields.time,
          resources: fields.resources,
          ...(template.detail === undefined || typeof template.detail === 'string'
            ? { detail: fields.detail }
            : {}),
          [`x-${fields.id}`]: fields.extra,
        };
        await checkEvent(handler, schema, event);
      }),
      fuzzParameters(20),
    );
  });
});

describe('reclaim-on-demand: hostile payloads', () => {
  const VALID_PAYLOADS: Record<string, unknown>[] = [
    { action: 'plan' },
    { action: 'status', reservations: [TRADING] },
    { action: 'reclaim', reservations: [TRADING], count: 10, for: '2h', reason: 'fuzz', dryRun: true },
  ];

  it('answers every edited payload, and a rejection names the field and makes no AWS call', async () => {
    const handler = createOnDemandHandler(service().dependencies) as Handler;
    const cases = fc.oneof(
      ...VALID_PAYLOADS.map((payload) =>
        mutationOf(payload).map((mutation) => ({
          mutation,
          payload: withPath(payload, mutation.path, mutation.replacement),
        })),
      ),
      hostileValue.map((payload) => ({ mutation: undefined, payload })),
    );
    await fc.assert(
      fc.asyncProperty(cases, async ({ mutation, payload }) => {
        const before = callCount();
        const { result, error } = await invoke(handler, payload);
        expect(error).toBeUndefined();
        const answer = result as { ok: boolean; error?: { code: string; field?: string; message: string } };
        expect(typeof answer.ok).toBe('boolean');
        if (answer.ok) return;
        expect(answer.error?.code).not.toBe('InternalError');
        if (answer.error?.code !== 'ValidationError') return;
        expect(callCount()).toBe(before);
        const field = answer.error.field ?? '';
        expect(field).not.toBe('');
        if (mutation !== undefined && mutation.replacement !== DELETE && field !== '(root)') {
          expect(
            namesTheEdit(field, mutation.path),
            `'${field}' for an edit of '${mutation.path.join('.')}'`,
          ).toBe(true);
        }
      }),
      fuzzParameters(100),
    );
  });
});
