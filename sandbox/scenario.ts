/**
 * A sandbox scenario: the fleet (a policy config and the endpoint's seed), the week's window, and what the
 * world does during it (borrowers running instances, alarms changing state, on-call invoking the
 * on-demand function, AZs becoming impaired). Scenarios are JSON files validated as strictly as the config
 * (every object strict, so a typo is an unknown field), first on their own (`parseScenario`), then against
 * the config they run with (`checkScenarioAgainstConfig`): a mistake in a user's what-if file is reported
 * with the field it is in, and nothing runs.
 */
import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { ADMIN_INPUTS, seedReservation } from '@odcr-reclaimer/local-aws/admin-schemas.ts';
import { regionOfZone } from '@odcr-reclaimer/local-aws/capacity.ts';
import { defaultSettings } from '@odcr-reclaimer/local-aws/world.ts';
import * as z from 'zod';
import { formatPath, type PolicyConfig } from '#shared/config/schema.ts';
import { borrowerAccounts } from '#shared/config/sharing.ts';
import { ValidationError } from '#shared/errors/index.ts';
import { checkOnDemandPayload } from '#shared/on-demand/payload.ts';
import { loneSurrogatePath } from '#shared/records/text.ts';

export class ScenarioError extends Error {
  override name = 'ScenarioError';
}

/** Every object may carry a `$comment`, as in the config. */
const comment = { $comment: z.string().optional() };

const instant = z.iso.datetime({
  offset: true,
  error: 'expected an ISO 8601 time with an offset, e.g. 2026-03-11T10:45:00-04:00',
});
const reservationId = z
  .string()
  .regex(/^cr-[0-9a-f]{17}$/, 'expected a Capacity Reservation id (cr- and 17 hex digits)');
const alarmState = z.enum(['OK', 'ALARM', 'INSUFFICIENT_DATA'], {
  error: 'expected OK, ALARM or INSUFFICIENT_DATA',
});
const availabilityZone = z
  .string()
  .regex(/^[a-z]{2}(-[a-z]+)+-\d{1,2}[a-z]$/, 'expected an availability zone, e.g. us-east-1a');
const count = z.int({ error: 'expected a whole number' }).min(0, { error: 'expected a number ≥ 0' });
const ianaZone = z.string().refine(
  (zone) => {
    try {
      new Intl.DateTimeFormat('en-US', { timeZone: zone });
      return true;
    } catch {
      return false;
    }
  },
  { error: 'expected an IANA time zone like America/New_York' },
);

const borrowerChangeSchema = z.strictObject({
  ...comment,
  at: instant,
  reservation: reservationId,
  /**
   * Instances borrowers want to run in the reservation's lent capacity from `at` on. They cannot run more
   * than is lent: the runner caps it, and fills up to it again after a lend-back (as Karpenter would).
   */
  running: count,
});

const alarmChangeSchema = z.strictObject({
  ...comment,
  at: instant,
  name: z.string().min(1),
  state: alarmState,
  reason: z.string().optional(),
});

const onCallActionSchema = z.strictObject({
  ...comment,
  at: instant,
  /** Who and why, for the timeline. */
  label: z.string().optional(),
  /** The event reclaim-on-demand is invoked with, as `npm run oncall` or `aws lambda invoke` would send it. */
  payload: z.record(z.string(), z.unknown()),
});

const azImpairmentSchema = z
  .strictObject({
    ...comment,
    from: instant,
    until: instant,
    availabilityZone,
    /** The impairment alarm; the config's `impairmentAlarms` entry for the AZ when absent. */
    alarm: z.string().min(1).optional(),
    reason: z.string().optional(),
  })
  .refine((impairment) => Date.parse(impairment.until) > Date.parse(impairment.from), {
    message: 'expected until after from',
    path: ['until'],
  });

/**
 * The endpoint's seed reservation (local-aws/admin-schemas.ts, whose fields it takes, `accountId` included),
 * held to the stricter formats a scenario is written in, with a `$comment`.
 */
const seedReservationSchema = seedReservation
  .extend({
    ...comment,
    id: reservationId.optional(),
    /** The availability zone's region when absent. */
    region: z
      .string()
      .regex(/^[a-z]{2}(-[a-z]+)+-\d{1,2}$/, 'expected an AWS region like us-east-1')
      .optional(),
    availabilityZone,
    totalInstanceCount: count.min(1, { error: 'expected at least 1' }),
  })
  .superRefine((seed, ctx) => {
    const zoneRegion = regionOfZone(seed.availabilityZone);
    if (seed.region !== undefined && zoneRegion !== undefined && seed.region !== zoneRegion) {
      ctx.addIssue({
        code: 'custom',
        path: ['region'],
        message: `expected ${zoneRegion}, the region of ${seed.availabilityZone}`,
      });
    }
    const unused = seed.totalInstanceCount - (seed.ownerRunning ?? 0);
    if (unused < 0) {
      ctx.addIssue({
        code: 'custom',
        path: ['ownerRunning'],
        message: 'expected at most totalInstanceCount',
      });
    }
    const lent = seed.interruptible;
    if (lent !== undefined && lent.instanceCount > unused) {
      ctx.addIssue({
        code: 'custom',
        path: ['interruptible', 'instanceCount'],
        message: `expected at most ${Math.max(0, unused)} (only unused capacity can be lent)`,
      });
    }
    if (lent !== undefined && (lent.borrowed ?? 0) > lent.instanceCount) {
      ctx.addIssue({
        code: 'custom',
        path: ['interruptible', 'borrowed'],
        message: 'expected at most interruptible.instanceCount',
      });
    }
  });

const seedSchema = z.strictObject({
  ...comment,
  reservations: z.array(seedReservationSchema).default([]),
  alarms: z
    .array(z.strictObject({ name: z.string().min(1), state: alarmState, reason: z.string().optional() }))
    .default([]),
  /**
   * Rules of a `npm run local-aws` state file: accepted so the same file seeds both, and replaced by the rules
   * serverless.yml deploys (the sandbox runs what deploys).
   */
  rules: z.array(z.looseObject({ name: z.string().min(1) })).optional(),
  /** Tables of a state file (the writer's lease): likewise replaced by the table serverless.yml deploys. */
  tables: z.array(z.looseObject({ name: z.string().min(1) })).optional(),
});
export type ScenarioSeed = z.infer<typeof seedSchema>;

/**
 * Endpoint settings a scenario may set (local-aws/types.ts LocalAwsSettings). The start is the
 * scenario's, and simulated time moves only as the runner moves it, so `start` and `speed` are not here.
 */
const settingsSchema = z.strictObject({
  ...comment,
  updateWhileUpdating: z.enum(['reject', 'retarget'], { error: 'expected reject or retarget' }).optional(),
  shutdownSeconds: z.number().min(0).optional(),
  shutdownSpreadSeconds: z.number().min(0).optional(),
  cancelSeconds: z.number().min(0).optional(),
  /** Seconds a new allocation stays `pending` before it is `active` (0, the default: active at once). */
  pendingSeconds: z.number().min(0).optional(),
  seed: z.string().optional(),
  accountId: z
    .string()
    .regex(/^\d{12}$/, 'expected a 12-digit account id')
    .optional(),
  maxResults: z.strictObject({ min: count, max: count, default: count }).optional(),
  /** EC2's request throttling: 1 (the default) as AWS, another figure scales the buckets, 0 is off. */
  requestRateScale: z.number().min(0).optional(),
});

const accountId = z.string().regex(/^\d{12}$/, 'expected a 12-digit account id');

/** An owner account besides the hub: the sandbox deploys the spoke template's role there (sandbox/spoke-roles.ts). */
const ownerAccountSchema = z.strictObject({
  ...comment,
  /** One of the config's `accounts`. */
  id: accountId,
  /** Shown in the report. */
  name: z.string().min(1).optional(),
});

/**
 * A borrower account: it hears the service's heads-up as the README's borrower rule does (a rule on the
 * service's bus sending the notices of what RAM shares with it to its own bus, where its own rule hands them
 * to its drain), and the report shows what it heard and how long before the reclaim.
 */
const borrowerAccountSchema = z.strictObject({
  ...comment,
  /** An account the service's bus policy admits: the config's `headsUp.borrowerAccounts` or a reservation's `borrowers.accounts`. */
  id: accountId,
  name: z.string().min(1).optional(),
});

const accountsSchema = z
  .strictObject({
    ...comment,
    owners: z.array(ownerAccountSchema).default([]),
    borrowers: z.array(borrowerAccountSchema).default([]),
  })
  .superRefine((accounts, ctx) => {
    const seen = new Map<string, string>();
    const once = (list: 'owners' | 'borrowers') =>
      accounts[list].forEach((account, index) => {
        const earlier = seen.get(account.id);
        if (earlier !== undefined)
          ctx.addIssue({
            code: 'custom',
            path: [list, index, 'id'],
            message: `${account.id} is already ${earlier}`,
          });
        else seen.set(account.id, `accounts.${list}[${index}]`);
      });
    once('owners');
    once('borrowers');
  });

/** The organization RAM shares within (the endpoint's `POST /_local/organization`). */
const organizationSchema = ADMIN_INPUTS.setOrganization.extend(comment);

export const scenarioSchema = z
  .strictObject({
    ...comment,
    name: z.string().min(1),
    description: z.string().optional(),
    /** Zone of the terminal timeline's local times and the report's axis, besides UTC. */
    timeZone: ianaZone.default('America/New_York'),
    start: instant,
    end: instant,
    fleet: z.strictObject({
      ...comment,
      /** The policy config file, relative to the scenario file. */
      config: z.string().min(1),
      /** The endpoint's seed (reservations, alarms): a file relative to the scenario file, or inline. */
      seed: z.union([z.string().min(1), seedSchema]),
    }),
    /** Endpoint settings (e.g. `shutdownSeconds`, `updateWhileUpdating`); the endpoint's defaults otherwise. */
    settings: settingsSchema.default({}),
    /** Owner accounts besides the hub (the config's spokes) and borrower accounts. */
    accounts: accountsSchema.default({ owners: [], borrowers: [] }),
    organization: organizationSchema.optional(),
    borrowers: z.array(borrowerChangeSchema).default([]),
    alarms: z.array(alarmChangeSchema).default([]),
    onCall: z.array(onCallActionSchema).default([]),
    azImpairments: z.array(azImpairmentSchema).default([]),
    /** On-demand price per instance-hour by instance type (USD): the owner does not pay for lent capacity. */
    prices: z.record(z.string(), z.number().positive()).optional(),
  })
  // Said only when both are times (a bad start is its own mistake).
  .refine((scenario) => !(Date.parse(scenario.end) <= Date.parse(scenario.start)), {
    message: 'expected end after start',
    path: ['end'],
  });

export type Scenario = z.infer<typeof scenarioSchema>;
export type BorrowerChange = z.infer<typeof borrowerChangeSchema>;
export type AlarmChange = z.infer<typeof alarmChangeSchema>;
export type OnCallAction = z.infer<typeof onCallActionSchema>;
export type AzImpairment = z.infer<typeof azImpairmentSchema>;
export type OwnerAccount = z.infer<typeof ownerAccountSchema>;
export type BorrowerAccount = z.infer<typeof borrowerAccountSchema>;
export type ScenarioOrganization = z.infer<typeof organizationSchema>;

/** The hub: the account the service is deployed in (the endpoint's `accountId`). */
export function hubAccountOf(scenario: Pick<Scenario, 'settings'>): string {
  return scenario.settings.accountId ?? defaultSettings().accountId;
}

/** A scenario with its file paths made absolute and its seed read and validated. */
export interface LoadedScenario extends Omit<Scenario, 'fleet'> {
  fleet: { config: string; seed: string | ScenarioSeed };
  file?: string;
  configFile: string;
  seedState: ScenarioSeed;
}

/** A field path and what is wrong with it. */
export interface ScenarioIssue {
  path: string;
  message: string;
}

/** `fleet.borrowers.2.running: Too small ...`: the field path first, as a person would look for it. */
export function describeIssues(error: Pick<z.ZodError, 'issues'>): string {
  return error.issues
    .map(
      (issue) => `${issue.path.length > 0 ? issue.path.map(String).join('.') : '(root)'}: ${issue.message}`,
    )
    .join('\n');
}

/** Zod's issues as field paths (`alarms[3].name`); an unknown key is named itself, as the config does. */
function issuesOf(error: z.ZodError, prefix: readonly PropertyKey[] = []): ScenarioIssue[] {
  return error.issues.flatMap((issue) =>
    issue.code === 'unrecognized_keys'
      ? issue.keys.map((key) => ({
          path: formatPath([...prefix, ...issue.path, key]),
          message: `unknown field '${key}'`,
        }))
      : [{ path: formatPath([...prefix, ...issue.path]), message: issue.message }],
  );
}

function scenarioError(issues: readonly ScenarioIssue[], file?: string): ScenarioError {
  return new ScenarioError(
    `invalid scenario${file ? ` ${file}` : ''}:\n${issues.map((issue) => `  ${issue.path}: ${issue.message}`).join('\n')}`,
  );
}

export function parseScenario(json: unknown, baseDirectory: string, file?: string): LoadedScenario {
  const parsed = scenarioSchema.safeParse(json);
  if (!parsed.success) throw scenarioError(issuesOf(parsed.error), file);
  // Scenario text (on-call reasons, alarm reasons, names) reaches tags and events through the real handlers.
  const malformed = loneSurrogatePath(json);
  if (malformed !== undefined)
    throw scenarioError(
      [{ path: malformed, message: 'expected well-formed text: a lone UTF-16 surrogate cannot be recorded' }],
      file,
    );
  const scenario = parsed.data;
  let seedState: ScenarioSeed;
  if (typeof scenario.fleet.seed === 'string') {
    const seedFile = resolve(baseDirectory, scenario.fleet.seed);
    const seed = seedSchema.safeParse(readJson(seedFile, 'fleet.seed'));
    if (!seed.success)
      throw scenarioError(issuesOf(seed.error, ['fleet', 'seed']), `${file ?? ''} (seed ${seedFile})`.trim());
    seedState = seed.data;
  } else {
    seedState = scenario.fleet.seed;
  }
  const accountProblems = accountIssues(scenario, seedState);
  if (accountProblems.length > 0) throw scenarioError(accountProblems, file);
  return {
    ...scenario,
    ...(file === undefined ? {} : { file }),
    configFile: resolve(baseDirectory, scenario.fleet.config),
    seedState,
  };
}

/**
 * What the scenario alone must get right about accounts: the hub is neither an owner spoke nor a borrower,
 * every seeded reservation belongs to the hub or a declared owner, and the organization's accounts are each
 * in one place.
 */
function accountIssues(scenario: Scenario, seedState: ScenarioSeed): ScenarioIssue[] {
  const issues: ScenarioIssue[] = [];
  const hub = hubAccountOf(scenario);
  const owners = new Set(scenario.accounts.owners.map((owner) => owner.id));
  for (const list of ['owners', 'borrowers'] as const) {
    scenario.accounts[list].forEach((account, index) => {
      if (account.id === hub)
        issues.push({
          path: formatPath(['accounts', list, index, 'id']),
          message: `${hub} is the hub (settings.accountId), where the service runs`,
        });
    });
  }
  seedState.reservations.forEach((reservation, index) => {
    const account = reservation.accountId;
    if (account !== undefined && account !== hub && !owners.has(account))
      issues.push({
        path: formatPath(['fleet', 'seed', 'reservations', index, 'accountId']),
        message: `expected the hub ${hub} or an account of accounts.owners (${[...owners].join(', ') || 'none'}), got ${account}`,
      });
  });
  return issues;
}

/** Every account of an organization: its management account, those under its root and those in its units. */
export function organizationMembers(organization: ScenarioOrganization): Set<string> {
  return new Set([
    organization.managementAccountId,
    ...(organization.accounts ?? []),
    ...(organization.units ?? []).flatMap((unit) => unit.accounts),
  ]);
}

export function loadScenarioFile(path: string): LoadedScenario {
  const file = resolve(path);
  return parseScenario(readJson(file, 'scenario'), dirname(file), file);
}

/** Alarm names the config knows: its alarms and its AZ groups' impairment alarms. */
export function configuredAlarmNames(config: PolicyConfig): string[] {
  return [
    ...new Set([
      ...Object.keys(config.alarms),
      ...config.azGroups.flatMap((group) => Object.values(group.impairmentAlarms)),
    ]),
  ];
}

/** The config's impairment alarm of an availability zone, if a group names one. */
export function impairmentAlarmOf(config: PolicyConfig, zone: string): string | undefined {
  for (const group of config.azGroups) {
    const name = group.impairmentAlarms[zone];
    if (name !== undefined) return name;
  }
  return undefined;
}

/** The regions the service looks after under this config: its `regions`, else the function's own. */
export function coveredRegions(config: PolicyConfig, homeRegion: string): string[] {
  return config.regions ?? [homeRegion];
}

/**
 * What only the config can tell: every alarm the scenario sets is one the config reacts to, every borrower
 * and on-call target is a reservation the seed holds, every seeded reservation lies in a region the service
 * covers, and every configured reservation (by id) is seeded. Throws one ScenarioError naming each field.
 */
export function checkScenarioAgainstConfig(
  scenario: LoadedScenario,
  config: PolicyConfig,
  homeRegion: string,
): void {
  const issues: ScenarioIssue[] = [];
  const alarms = configuredAlarmNames(config);
  const alarmText = alarms.length > 0 ? alarms.join(', ') : 'none';
  const knowsAlarm = (name: string, path: readonly PropertyKey[]) => {
    if (!alarms.includes(name)) {
      issues.push({
        path: formatPath(path),
        message: `expected an alarm of the config or an AZ impairment alarm of its azGroups (${alarmText}), got '${name}'`,
      });
    }
  };
  const seedPath = (index: number, field: string) => ['fleet', 'seed', 'reservations', index, field];

  const regions = coveredRegions(config, homeRegion);
  const seeded = new Set<string>();
  scenario.seedState.reservations.forEach((reservation, index) => {
    if (reservation.id !== undefined) seeded.add(reservation.id);
    const region = reservation.region ?? regionOfZone(reservation.availabilityZone);
    const spoke = config.accounts.find((account) => account.id === reservation.accountId);
    const covered = spoke?.regions ?? regions;
    if (region !== undefined && !covered.includes(region)) {
      issues.push({
        path: formatPath(seedPath(index, reservation.region === undefined ? 'availabilityZone' : 'region')),
        message: `${region} is not a region the service covers${spoke === undefined ? '' : ` in account ${spoke.id}`} (${
          spoke?.regions !== undefined
            ? `the config's accounts entry for it: ${covered.join(', ')}`
            : config.regions === undefined
              ? `serverless.yml's region ${homeRegion}; list regions in the config's "regions"`
              : `the config's regions: ${regions.join(', ')}`
        })`,
      });
    }
  });
  issues.push(...accountsAgainstConfig(scenario, config));
  scenario.seedState.alarms.forEach((alarm, index) => {
    knowsAlarm(alarm.name, ['fleet', 'seed', 'alarms', index, 'name']);
  });
  config.reservations.forEach((reservation) => {
    if (reservation.id !== undefined && !seeded.has(reservation.id)) {
      issues.push({
        path: 'fleet.seed.reservations',
        message: `expected the config's reservation ${reservation.name} (${reservation.id}); the fleet does not hold it`,
      });
    }
  });

  const held = seeded.size > 0 ? [...seeded].join(', ') : 'none with an id';
  scenario.borrowers.forEach((change, index) => {
    if (!seeded.has(change.reservation)) {
      issues.push({
        path: formatPath(['borrowers', index, 'reservation']),
        message: `expected a reservation the fleet holds (${held}), got '${change.reservation}'`,
      });
    }
  });
  scenario.alarms.forEach((change, index) => {
    knowsAlarm(change.name, ['alarms', index, 'name']);
  });
  scenario.azImpairments.forEach((impairment, index) => {
    if (impairment.alarm !== undefined) {
      knowsAlarm(impairment.alarm, ['azImpairments', index, 'alarm']);
    } else if (impairmentAlarmOf(config, impairment.availabilityZone) === undefined) {
      issues.push({
        path: formatPath(['azImpairments', index, 'availabilityZone']),
        message: `no azGroups impairmentAlarms entry for ${impairment.availabilityZone} in the config; give "alarm"`,
      });
    }
  });
  const groups = config.azGroups.map((group) => group.name);
  scenario.onCall.forEach((action, index) => {
    try {
      checkOnDemandPayload(action.payload, { now: new Date(action.at), groups });
    } catch (error: unknown) {
      if (!(error instanceof ValidationError)) throw error;
      const field = error.field.split('.').map(asSegment);
      const message = error.message.replace(/^[^:]*: /, '');
      issues.push({
        path: formatPath(['onCall', index, 'payload', ...field]),
        // The payload schema is strict: its unknown key is worded as the scenario's own are.
        message: message.startsWith('Unrecognized key') ? `unknown field '${String(field.at(-1))}'` : message,
      });
      return;
    }
    const targets = action.payload.reservations;
    if (Array.isArray(targets)) {
      targets.forEach((target, targetIndex) => {
        if (typeof target === 'string' && !seeded.has(target)) {
          issues.push({
            path: formatPath(['onCall', index, 'payload', 'reservations', targetIndex]),
            message: `expected a reservation the fleet holds (${held}), got '${target}'`,
          });
        }
      });
    }
  });
  if (issues.length > 0) throw scenarioError(issues, scenario.file);
}

/**
 * The accounts the scenario declares against the config: owners are exactly the config's spokes (each gets
 * the spoke role), borrowers are accounts the service's bus policy admits, and a config that lends through
 * RAM has the organization RAM shares within, holding every owner and borrower account it names.
 */
function accountsAgainstConfig(scenario: LoadedScenario, config: PolicyConfig): ScenarioIssue[] {
  const issues: ScenarioIssue[] = [];
  const spokes = config.accounts.map((account) => account.id);
  const owners = scenario.accounts.owners.map((owner) => owner.id);
  scenario.accounts.owners.forEach((owner, index) => {
    if (!spokes.includes(owner.id))
      issues.push({
        path: formatPath(['accounts', 'owners', index, 'id']),
        message: `expected an account of the config's accounts (${spokes.join(', ') || 'none'}), got ${owner.id}`,
      });
  });
  config.accounts.forEach((account, index) => {
    if (!owners.includes(account.id))
      issues.push({
        path: 'accounts.owners',
        message: `expected the config's accounts[${index}] (${account.id}): its spoke role is deployed for each owner declared here`,
      });
  });
  const admitted = borrowerAccounts(config);
  scenario.accounts.borrowers.forEach((borrower, index) => {
    if (!admitted.includes(borrower.id))
      issues.push({
        path: formatPath(['accounts', 'borrowers', index, 'id']),
        message: `expected an account the service's bus policy admits (the config's headsUp.borrowerAccounts and reservations' borrowers.accounts: ${admitted.join(', ') || 'none'}), got ${borrower.id}`,
      });
  });
  const lending = config.reservations.flatMap((reservation, index) =>
    reservation.borrowers === undefined ? [] : [{ index, borrowers: reservation.borrowers }],
  );
  if (lending.length === 0) return issues;
  const organization = scenario.organization;
  if (organization === undefined) {
    issues.push({
      path: 'organization',
      message: `expected the organization RAM shares within: the config lends reservations[${lending[0]?.index}] to borrowers`,
    });
    return issues;
  }
  const members = organizationMembers(organization);
  const units = new Set((organization.units ?? []).map((unit) => unit.id));
  const member = (account: string, what: string) => {
    if (!members.has(account))
      issues.push({
        path: 'organization',
        message: `expected ${what} ${account} in the organization (RAM shares interruptible reservations only within it)`,
      });
  };
  member(hubAccountOf(scenario), 'the hub');
  for (const owner of owners) member(owner, 'owner account');
  scenario.accounts.borrowers.forEach((borrower) => {
    member(borrower.id, 'borrower account');
  });
  for (const { index, borrowers } of lending) {
    for (const account of borrowers.accounts) member(account, `reservations[${index}].borrowers.accounts`);
    const named = [
      ...(borrowers.organization === undefined ? [] : [borrowers.organization]),
      ...borrowers.organizationalUnits,
    ];
    for (const arn of named) {
      const match = /:(?:organization|ou)\/(o-[a-z0-9]+)(?:\/(ou-[a-z0-9-]+))?$/.exec(arn);
      if (match?.[1] !== organization.id)
        issues.push({
          path: 'organization.id',
          message: `expected ${match?.[1] ?? arn}, the organization of reservations[${index}].borrowers (${arn})`,
        });
      else if (match[2] !== undefined && !units.has(match[2]))
        issues.push({
          path: 'organization.units',
          message: `expected ${match[2]}, the unit reservations[${index}].borrowers.organizationalUnits names`,
        });
    }
  }
  return issues;
}

/** `reservations.0` from a ValidationError's dotted field back into path segments. */
function asSegment(segment: string): string | number {
  return /^\d+$/.test(segment) ? Number(segment) : segment;
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
