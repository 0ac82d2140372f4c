/**
 * A sandbox scenario: the fleet (a policy config and the endpoint's seed), the week's window, and what the
 * world does during it (borrowers running instances, alarms changing state, on-call invoking the
 * on-demand function, AZs becoming impaired). Scenarios are JSON files validated here, so a mistake in a
 * user's what-if file is reported with the field it is in.
 */
import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { z } from 'zod';

export class ScenarioError extends Error {
  override name = 'ScenarioError';
}

const instant = z.iso.datetime({
  offset: true,
  error: 'must be an ISO 8601 time with an offset, e.g. 2026-03-11T10:45:00-04:00',
});
const reservationId = z
  .string()
  .regex(/^cr-[0-9a-f]{17}$/, 'must be a Capacity Reservation id (cr- and 17 hex digits)');
const alarmState = z.enum(['OK', 'ALARM', 'INSUFFICIENT_DATA']);

const borrowerChangeSchema = z.object({
  at: instant,
  reservation: reservationId,
  /**
   * Instances borrowers want to run in the reservation's lent capacity from `at` on. They cannot run more
   * than is lent: the runner caps it, and fills up to it again after a lend-back (as Karpenter would).
   */
  running: z.int().min(0),
});

const alarmChangeSchema = z.object({
  at: instant,
  name: z.string().min(1),
  state: alarmState,
  reason: z.string().optional(),
});

const onCallActionSchema = z.object({
  at: instant,
  /** Who and why, for the timeline. */
  label: z.string().optional(),
  /** The event reclaim-on-demand is invoked with, as `npm run oncall` or `aws lambda invoke` would send it. */
  payload: z.record(z.string(), z.unknown()),
});

const azImpairmentSchema = z
  .object({
    from: instant,
    until: instant,
    availabilityZone: z
      .string()
      .regex(/^[a-z]{2}-[a-z]+-\d[a-z]$/, 'must be an availability zone, e.g. us-east-1a'),
    /** The impairment alarm; the config's `impairmentAlarms` entry for the AZ when absent. */
    alarm: z.string().min(1).optional(),
    reason: z.string().optional(),
  })
  .refine((impairment) => Date.parse(impairment.until) > Date.parse(impairment.from), {
    message: 'until must be after from',
    path: ['until'],
  });

const seedReservationSchema = z.looseObject({
  id: reservationId.optional(),
  instanceType: z.string().min(1),
  availabilityZone: z.string().min(1),
  totalInstanceCount: z.int().min(1),
});

const inlineSeedSchema = z.looseObject({
  reservations: z.array(seedReservationSchema).default([]),
  alarms: z
    .array(z.object({ name: z.string().min(1), state: alarmState, reason: z.string().optional() }))
    .default([]),
});

export const scenarioSchema = z
  .object({
    $comment: z.string().optional(),
    name: z.string().min(1),
    description: z.string().optional(),
    /** Zone of the terminal timeline's local times and the report's axis, besides UTC. */
    timeZone: z.string().default('America/New_York'),
    start: instant,
    end: instant,
    fleet: z.object({
      /** The policy config file, relative to the scenario file. */
      config: z.string().min(1),
      /** The endpoint's seed (reservations, alarms): a file relative to the scenario file, or inline. */
      seed: z.union([z.string().min(1), inlineSeedSchema]),
    }),
    /** Endpoint settings (e.g. `shutdownSeconds`, `updateWhileUpdating`); the endpoint's defaults otherwise. */
    settings: z.record(z.string(), z.unknown()).default({}),
    borrowers: z.array(borrowerChangeSchema).default([]),
    alarms: z.array(alarmChangeSchema).default([]),
    onCall: z.array(onCallActionSchema).default([]),
    azImpairments: z.array(azImpairmentSchema).default([]),
    /** On-demand price per instance-hour by instance type (USD): the owner does not pay for lent capacity. */
    prices: z.record(z.string(), z.number().positive()).optional(),
  })
  .refine((scenario) => Date.parse(scenario.end) > Date.parse(scenario.start), {
    message: 'end must be after start',
    path: ['end'],
  });

export type Scenario = z.infer<typeof scenarioSchema>;
export type BorrowerChange = z.infer<typeof borrowerChangeSchema>;
export type AlarmChange = z.infer<typeof alarmChangeSchema>;
export type OnCallAction = z.infer<typeof onCallActionSchema>;
export type AzImpairment = z.infer<typeof azImpairmentSchema>;

/** A scenario with its file paths made absolute. */
export interface LoadedScenario extends Scenario {
  file?: string;
  configFile: string;
  /** The seed as JSON, read from its file when it was one. */
  seedState: Record<string, unknown>;
}

/** `fleet.borrowers[2].running: Too small ...`: the field path first, as a person would look for it. */
export function describeIssues(error: z.ZodError): string {
  return error.issues
    .map(
      (issue) => `${issue.path.length > 0 ? issue.path.map(String).join('.') : '(root)'}: ${issue.message}`,
    )
    .join('\n');
}

export function parseScenario(json: unknown, baseDirectory: string, file?: string): LoadedScenario {
  const parsed = scenarioSchema.safeParse(json);
  if (!parsed.success) {
    throw new ScenarioError(`invalid scenario${file ? ` ${file}` : ''}:\n${describeIssues(parsed.error)}`);
  }
  const scenario = parsed.data;
  const seedState =
    typeof scenario.fleet.seed === 'string'
      ? readJson(resolve(baseDirectory, scenario.fleet.seed), 'fleet.seed')
      : scenario.fleet.seed;
  if (typeof seedState !== 'object' || seedState === null || Array.isArray(seedState)) {
    throw new ScenarioError('fleet.seed: the seed file must hold a JSON object');
  }
  return {
    ...scenario,
    ...(file === undefined ? {} : { file }),
    configFile: resolve(baseDirectory, scenario.fleet.config),
    seedState: seedState as Record<string, unknown>,
  };
}

export function loadScenarioFile(path: string): LoadedScenario {
  const file = resolve(path);
  return parseScenario(readJson(file, 'scenario'), dirname(file), file);
}

function readJson(path: string, what: string): unknown {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error: unknown) {
    const reason = error instanceof Error ? error.message : String(error);
    throw new ScenarioError(`${what}: cannot read ${path}: ${reason}`, { cause: error });
  }
  try {
    return JSON.parse(text);
  } catch (error: unknown) {
    const reason = error instanceof Error ? error.message : String(error);
    throw new ScenarioError(`${what}: ${path} is not valid JSON: ${reason}`, { cause: error });
  }
}
