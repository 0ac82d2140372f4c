/**
 * The admin API's request bodies (`/_local/`) as zod schemas: each route parses its body here before the world
 * sees it, so a wrong field is refused with its path (`reservations.0.totalInstanceCount: expected a whole
 * number ≥ 0`) instead of failing somewhere inside. Objects are strict: a misspelt field is an error, not
 * ignored. The shapes are the ones in types.ts, which `satisfies` below keeps in step.
 */
import { z } from 'zod';
import type { AdminInputs } from './admin-api.ts';
import { AdminRequestError } from './errors.ts';
import type { PolicyDocument } from './iam-policy.ts';
import type { OrganizationSeed } from './ram.ts';
import type {
  AlarmMetric,
  FaultRequest,
  LocalAwsSettings,
  LogLinesRequest,
  SeedAlarm,
  SeedReservation,
  SeedRule,
  SeedState,
  SeedTable,
  SetAlarmRequest,
  SetClockRequest,
} from './types.ts';

const count = z.int().min(0);
const text = z.string().min(1);
const isoTime = z
  .string()
  .refine((value) => !Number.isNaN(Date.parse(value)), { error: 'expected an ISO time' });
const alarmState = z.enum(['OK', 'ALARM', 'INSUFFICIENT_DATA']);
const tags = z.record(z.string(), z.string());
const accountId = z.string().regex(/^\d{12}$/, { error: 'expected a 12-digit account id' });

/** A seeded reservation (`POST /_local/reservations`, a seed's `reservations`); the sandbox's scenarios extend it. */
export const seedReservation = z.strictObject({
  accountId: accountId.optional(),
  id: z.string().optional(),
  region: text.optional(),
  instanceType: text,
  availabilityZone: text,
  totalInstanceCount: count,
  ownerRunning: count.optional(),
  state: text.optional(),
  tags: tags.optional(),
  interruptible: z
    .strictObject({
      instanceCount: count,
      borrowed: count.optional(),
      zeroSizePreference: z.enum(['retain', 'default']).optional(),
      tags: tags.optional(),
      pendingSeconds: z.number().min(0).optional(),
    })
    .optional(),
}) satisfies z.ZodType<SeedReservation>;

const alarmMetric = z.strictObject({
  namespace: text.optional(),
  metricName: text.optional(),
  dimensions: z.record(z.string(), z.string()).optional(),
  statistic: z.enum(['SampleCount', 'Average', 'Sum', 'Minimum', 'Maximum']).optional(),
  period: z.int().min(1).optional(),
  evaluationPeriods: z.int().min(1).optional(),
  datapointsToAlarm: z.int().min(1).optional(),
  threshold: z.number().optional(),
  comparisonOperator: z
    .enum([
      'GreaterThanOrEqualToThreshold',
      'GreaterThanThreshold',
      'LessThanThreshold',
      'LessThanOrEqualToThreshold',
    ])
    .optional(),
  treatMissingData: z.enum(['breaching', 'notBreaching', 'ignore', 'missing']).optional(),
  description: z.string().optional(),
}) satisfies z.ZodType<AlarmMetric>;

const seedAlarm = z.strictObject({
  accountId: accountId.optional(),
  name: text,
  state: alarmState,
  reason: z.string().optional(),
  metric: alarmMetric.optional(),
}) satisfies z.ZodType<SeedAlarm & SetAlarmRequest>;

const seedRule = z.strictObject({
  accountId: accountId.optional(),
  name: text,
  state: z.enum(['ENABLED', 'DISABLED']),
  scheduleExpression: z.string().optional(),
  eventPattern: z.string().optional(),
  eventBusName: z.string().optional(),
  description: z.string().optional(),
  targets: z.array(z.strictObject({ id: text, arn: text })).optional(),
}) satisfies z.ZodType<SeedRule>;

const seedTable = z.strictObject({
  accountId: accountId.optional(),
  name: text,
  partitionKey: text,
  ttlAttribute: text.optional(),
  region: text.optional(),
}) satisfies z.ZodType<SeedTable>;

/**
 * A role principals may assume (sts.ts): its trust policy given whole (`trustPolicy`, e.g. the spoke template's
 * AssumeRolePolicyDocument with its intrinsics resolved) or as the spoke template's terms (`trustedPrincipals`
 * and `externalId`), and the identity policies its sessions act with.
 */
const policyDocument = z.record(z.string(), z.unknown());
const seedRole = z
  .strictObject({
    accountId,
    name: z.string().regex(/^[\w+=,.@-]{1,64}$/, { error: 'expected a role name of 1-64 [\\w+=,.@-]' }),
    trustPolicy: policyDocument.optional(),
    trustedPrincipals: z.array(text).min(1).optional(),
    externalId: z.string().min(2).max(1224).optional(),
    policies: z.array(policyDocument).optional(),
    maxSessionDuration: z.int().min(3600).max(43200).optional(),
  })
  .superRefine((role, context) => {
    if ((role.trustPolicy === undefined) === (role.trustedPrincipals === undefined)) {
      context.addIssue({ code: 'custom', message: 'give trustPolicy or trustedPrincipals, one of them' });
    }
    if (role.externalId !== undefined && role.trustPolicy !== undefined) {
      context.addIssue({
        code: 'custom',
        message: 'externalId goes with trustedPrincipals; a trustPolicy states its own',
      });
    }
  });

const seedState = z.strictObject({
  now: isoTime.optional(),
  reservations: z.array(seedReservation).optional(),
  alarms: z.array(seedAlarm).optional(),
  rules: z.array(seedRule).optional(),
  tables: z.array(seedTable).optional(),
  roles: z.array(seedRole).optional(),
}) satisfies z.ZodType<SeedState>;

const fault = z.strictObject({
  service: z.enum(['ec2', 'cloudwatch', 'events', 'dynamodb', 'sts', 'ram']),
  action: text.optional(),
  error: text.optional(),
  status: z.int().min(400).max(599).optional(),
  count: z.int().min(1).optional(),
  latencyMs: z.number().min(0).optional(),
  kind: z.enum(['error', 'borrowers-stuck', 'allocation-fails', 'partial-failure']).optional(),
  reservationId: text.optional(),
  instances: count.optional(),
  entries: count.optional(),
  message: z.string().optional(),
}) satisfies z.ZodType<FaultRequest>;

const clock = z
  .strictObject({ advanceSeconds: z.number().min(0).optional(), now: isoTime.optional() })
  .superRefine((body, context) => {
    const given = Number(body.advanceSeconds !== undefined) + Number(body.now !== undefined);
    if (given === 1) return;
    context.addIssue({
      code: 'custom',
      message: 'give "advanceSeconds" (number) or "now" (ISO time), one of them',
      params: { code: given === 0 ? 'MissingParameter' : 'InvalidParameterValue' },
    });
  }) satisfies z.ZodType<SetClockRequest>;

const seconds = z.number().min(0);
const fixedAtStartup = z.never({ error: 'is fixed when the endpoint starts' }).optional();
const settings = z.strictObject({
  updateWhileUpdating: z.enum(['reject', 'retarget']).optional(),
  shutdownSeconds: seconds.optional(),
  shutdownSpreadSeconds: seconds.optional(),
  seed: z.string().optional(),
  maxResults: z
    .strictObject({ min: count.optional(), max: count.optional(), default: count.optional() })
    .optional(),
  cancelSeconds: seconds.optional(),
  pendingSeconds: seconds.optional(),
  requestRateScale: seconds.optional(),
  requestLimits: z
    .strictObject(
      Object.fromEntries(
        ['nonMutating', 'mutating', 'createTags', 'deleteTags'].map((name) => [
          name,
          z
            .strictObject({ capacity: z.number().int().min(1), refillPerSecond: z.number().positive() })
            .optional(),
        ]),
      ),
    )
    .optional(),
  accountId: z
    .string()
    .regex(/^\d{12}$/)
    .optional(),
  start: fixedAtStartup,
  speed: fixedAtStartup,
  defaultRegion: fixedAtStartup,
});

/** Any object: the policy evaluator (iam-policy.ts) checks the document and names the statement it cannot evaluate. */
const identityPolicy = z.custom<PolicyDocument>(
  (value) => typeof value === 'object' && value !== null && !Array.isArray(value),
  { error: 'expected a policy document (an object)' },
);
const iam = z.strictObject({
  enforce: z.boolean().optional(),
  principals: z
    .array(
      z.strictObject({
        name: text,
        accessKeyId: text,
        accountId: accountId.optional(),
        policies: z.array(identityPolicy),
      }),
    )
    .optional(),
});

const organization = z.strictObject({
  id: z.string().regex(/^o-[a-z0-9]{10,32}$/, { error: 'expected o- and 10-32 lowercase letters or digits' }),
  managementAccountId: accountId,
  accounts: z.array(accountId).optional(),
  units: z
    .array(
      z.strictObject({
        id: z.string().regex(/^ou-[a-z0-9]{4,32}-[a-z0-9]{8,32}$/, { error: 'expected ou-<root>-<unit>' }),
        accounts: z.array(accountId),
      }),
    )
    .optional(),
}) satisfies z.ZodType<OrganizationSeed>;

/** The query strings of the GET routes: each filter optional, an unknown one refused. */
const filter = z.string().optional();
/** The routes that read one account's state: the hub's when absent. */
const accountQuery = z.strictObject({ accountId: accountId.optional() });

/** What each admin operation that takes an input reads it with: a POST's body, a GET's query string. */
export const ADMIN_INPUTS = {
  seed: seedState,
  seedReservations: z.strictObject({ reservations: z.array(seedReservation) }),
  listReservations: z.strictObject({ region: filter, id: filter, accountId: accountId.optional() }),
  setBorrowers: z.strictObject({ reservationId: text, running: count }),
  setClock: clock,
  setAlarm: seedAlarm,
  alarmList: accountQuery,
  injectFault: fault,
  calls: z.strictObject({
    service: filter,
    action: filter,
    since: isoTime.optional(),
    accountId: accountId.optional(),
  }),
  events: z.strictObject({
    source: filter,
    detailType: filter,
    since: isoTime.optional(),
    bus: filter,
    accountId: accountId.optional(),
  }),
  ingestLogLines: z.strictObject({
    accountId: accountId.optional(),
    logGroup: text,
    lines: z.array(z.string()),
  }) satisfies z.ZodType<LogLinesRequest>,
  metrics: z.strictObject({ namespace: filter, metricName: filter, accountId: accountId.optional() }),
  ruleList: accountQuery,
  putRule: seedRule,
  tableList: accountQuery,
  createTable: seedTable,
  updateSettings: settings,
  configureIam: iam,
  putRoles: z.strictObject({ roles: z.array(seedRole) }),
  deliveries: z.strictObject({ accountId: accountId.optional(), rule: filter }),
  setOrganization: organization,
  shareList: accountQuery,
} satisfies AdminInputs;

export type AdminSettingsUpdate = Omit<Partial<LocalAwsSettings>, 'maxResults'> & {
  maxResults?: Partial<LocalAwsSettings['maxResults']>;
};

function fieldPath(path: readonly PropertyKey[]): string {
  return path.length === 0 ? 'body' : path.map(String).join('.');
}

/** Parses an admin body, or refuses it naming the field: MissingParameter when absent, else InvalidParameterValue. */
export function parseAdminBody<T extends z.ZodType>(schema: T, body: unknown): z.output<T> {
  const parsed = schema.safeParse(body);
  if (parsed.success) return parsed.data;
  const issue = parsed.error.issues[0]!;
  if (issue.code === 'custom' && typeof issue.params?.['code'] === 'string') {
    throw new AdminRequestError(issue.params['code'], `${fieldPath(issue.path)}: ${issue.message}`);
  }
  const missing = issue.code === 'invalid_type' && /received undefined/.test(issue.message);
  const where =
    issue.code === 'unrecognized_keys'
      ? fieldPath([...issue.path, issue.keys.join(', ')])
      : fieldPath(issue.path);
  const message = issue.code === 'unrecognized_keys' ? 'is not a field of this request' : issue.message;
  throw new AdminRequestError(missing ? 'MissingParameter' : 'InvalidParameterValue', `${where}: ${message}`);
}
