/**
 * The policy configuration: one JSON document, validated once at cold start (STYLE: fail fast, name the
 * field). Everything the policy needs to know about the owner's fleet and intent lives here; nothing about
 * AWS resources of the service itself (bus, rule names) does.
 */
import * as z from 'zod';
import { BUILT_IN_MARKETS } from '../calendar/calendar.ts';
import { EC2_API_CLASSES, type Ec2ApiClass } from '../domain/ec2-request-limits.ts';
import { EC2_MAX_ALLOCATION } from '../domain/reservation.ts';
import { loneSurrogatePath } from '../records/text.ts';
import {
  DEFAULT_HEADS_UP_MINUTES,
  DEFAULT_MAXIMUM_LEAD_MINUTES,
  DEFAULT_SCHEDULE_GRANULARITY_MINUTES,
} from '../schedule/grid.ts';
import { builtOnFirstUse } from '../util/built-on-first-use.ts';
import { ConfigError, formatPath } from './config-error.ts';
import { isConfiguredMarket, marketsSchema } from './markets-schema.ts';

export { BUILT_IN_MARKETS, type MarketId } from '../calendar/calendar.ts';
export { EC2_MAX_ALLOCATION } from '../domain/reservation.ts';
export { ConfigError, type ConfigIssue, formatPath } from './config-error.ts';
export type { MarketConfig } from './markets-schema.ts';

const RESERVATION_ID = /^cr-[0-9a-f]{17}$/;
const REGION = /^[a-z]{2}(-[a-z]+)+-\d{1,2}$/;
/** An AWS account id: twelve digits. */
export const ACCOUNT_ID = /^\d{12}$/;

export const accountIdSchema = builtOnFirstUse(() =>
  z
    .string({ error: 'expected an AWS account id (12 digits)' })
    .regex(ACCOUNT_ID, { error: 'expected an AWS account id (12 digits)' }),
);

/** Every object may carry a `$comment` so the example config can document itself in plain JSON. */
const comment = builtOnFirstUse(() => ({ $comment: z.string().optional() }));

const count = builtOnFirstUse(() =>
  z
    .number({ error: 'expected a number' })
    .int({ error: 'expected a whole number' })
    .min(0, { error: 'expected a number ≥ 0' })
    .max(100_000, { error: 'expected a number ≤ 100000' }),
);

/** A need: a count, a percentage of what the reservation owns (rounded up), or `all`. */
export const needSpecSchema = builtOnFirstUse(() =>
  z.union([count(), z.strictObject({ percent: z.number().min(0).max(100) }), z.literal('all')], {
    error: 'expected a count (whole number ≥ 0), {"percent": 0..100} or \'all\'',
  }),
);
export type NeedSpec = z.infer<ReturnType<typeof needSpecSchema>>;

/** One API class's token bucket: its size (requests at once) and its refill rate (requests a second). */
const requestBucketSchema = builtOnFirstUse(() =>
  z.strictObject({
    ...comment(),
    capacity: z
      .number({ error: 'expected a number' })
      .int({ error: 'expected a whole number of requests' })
      .min(1, { error: 'expected at least 1 request' })
      .max(1_000_000, { error: 'expected at most 1000000 requests' }),
    refillPerSecond: z
      .number({ error: 'expected a number' })
      .positive({ error: 'expected a refill rate above 0 requests a second' })
      .max(100_000, { error: 'expected at most 100000 requests a second' }),
  }),
);

/**
 * Raised EC2 request limits by API class (shared/domain/ec2-request-limits.ts names the classes and their
 * defaults): https://docs.aws.amazon.com/ec2/latest/devguide/ec2-api-throttling.html
 */
const ec2RequestLimitsSchema = builtOnFirstUse(() =>
  z.strictObject({
    ...comment(),
    ...(Object.fromEntries(
      EC2_API_CLASSES.map((apiClass) => [apiClass, requestBucketSchema().optional()]),
    ) as Record<Ec2ApiClass, z.ZodOptional<ReturnType<typeof requestBucketSchema>>>),
  }),
);

/** RAM principals: an AWS Organizations OU or organization ARN. */
const OU_ARN =
  /^arn:aws[a-z-]*:organizations::\d{12}:ou\/o-[a-z0-9]{10,32}\/ou-[a-z0-9]{4,32}-[a-z0-9]{8,32}$/;
const ORGANIZATION_ARN = /^arn:aws[a-z-]*:organizations::\d{12}:organization\/o-[a-z0-9]{10,32}$/;

/**
 * Who may borrow a reservation's lent capacity: the principals its interruptible reservation is shared with
 * through AWS RAM (account ids, organizational units, or the whole organization). Their accounts may also
 * hear the heads-up (the event bus policy).
 */
const borrowersSchema = builtOnFirstUse(() =>
  z
    .strictObject({
      ...comment(),
      accounts: z.array(accountIdSchema()).default([]),
      organizationalUnits: z
        .array(
          z.string().regex(OU_ARN, {
            error: 'expected an OU ARN like arn:aws:organizations::<account>:ou/o-.../ou-...',
          }),
        )
        .default([]),
      organization: z
        .string()
        .regex(ORGANIZATION_ARN, {
          error: 'expected an organization ARN like arn:aws:organizations::<account>:organization/o-...',
        })
        .optional(),
    })
    .refine(
      (borrowers) =>
        borrowers.accounts.length + borrowers.organizationalUnits.length + (borrowers.organization ? 1 : 0) >
        0,
      { error: 'expected at least one of accounts, organizationalUnits or organization' },
    ),
);
export type BorrowersConfig = z.infer<ReturnType<typeof borrowersSchema>>;

const reservationSchema = builtOnFirstUse(() =>
  z
    .strictObject({
      ...comment(),
      id: z
        .string()
        .regex(RESERVATION_ID, { error: 'expected a capacity reservation id like cr-0123456789abcdef0' })
        .optional(),
      selector: z
        .strictObject({
          tags: z.record(z.string().min(1), z.string()).refine((tags) => Object.keys(tags).length > 0, {
            error: 'expected at least one tag',
          }),
        })
        .optional(),
      name: z.string().min(1).max(64),
      /** A built-in MIC or a custom market under `markets` (checked against the whole config below). */
      market: z.string({ error: 'expected a market name' }).min(1, { error: 'expected a market name' }),
      tradingNeed: needSpecSchema().optional(),
      offHoursNeed: needSpecSchema().optional(),
      floor: count()
        .max(EC2_MAX_ALLOCATION, { error: `expected at most ${EC2_MAX_ALLOCATION}` })
        .default(0),
      ceiling: count()
        .max(EC2_MAX_ALLOCATION, { error: `expected at most ${EC2_MAX_ALLOCATION}` })
        .default(EC2_MAX_ALLOCATION),
      zeroSizePreference: z.enum(['retain', 'default']).default('retain'),
      borrowers: borrowersSchema().optional(),
    })
    .superRefine((reservation, ctx) => {
      if ((reservation.id === undefined) === (reservation.selector === undefined)) {
        ctx.addIssue({ code: 'custom', path: ['id'], message: 'expected exactly one of id or selector' });
      }
      if ((reservation.tradingNeed === undefined) !== (reservation.offHoursNeed === undefined)) {
        const missing = reservation.tradingNeed === undefined ? 'tradingNeed' : 'offHoursNeed';
        ctx.addIssue({
          code: 'custom',
          path: [missing],
          message: 'expected both tradingNeed and offHoursNeed, or neither',
        });
      }
      if (reservation.floor > reservation.ceiling) {
        ctx.addIssue({
          code: 'custom',
          path: ['floor'],
          message: `expected floor ≤ ceiling (${reservation.ceiling})`,
        });
      }
    }),
);
export type ReservationConfig = z.infer<ReturnType<typeof reservationSchema>>;

/** An IAM role name (the spoke template's `RoleName`), or a role's full ARN. */
const ROLE = /^([\w+=,.@-]{1,64}|arn:aws[a-z-]*:iam::\d{12}:role\/[\w+=,.@/-]{1,512})$/;

/** An owner account the hub manages by assuming its spoke role (infra/spoke/spoke-role.yml). */
const accountSchema = builtOnFirstUse(() =>
  z
    .strictObject({
      ...comment(),
      id: accountIdSchema(),
      role: z.string().regex(ROLE, { error: 'expected an IAM role name or role ARN' }),
      /** The spoke role's `sts:ExternalId` condition (the spoke template's ExternalId parameter). */
      externalId: z
        .string()
        .regex(/^[\w+=,.@:/-]{2,1224}$/, { error: 'expected 2 to 1224 characters of [A-Za-z0-9+=,.@:/-]' })
        .optional(),
      /** Regions of this account's reservations; absent: the config's `regions` (else the hub's own). */
      regions: z
        .array(z.string().regex(REGION, { error: 'expected an AWS region like us-east-1' }))
        .min(1, { error: 'expected at least one region' })
        .refine((regions) => new Set(regions).size === regions.length, { error: 'expected each region once' })
        .optional(),
    })
    .superRefine((account, ctx) => {
      const arnAccount = /^arn:[^:]+:iam::(\d{12}):/.exec(account.role)?.[1];
      if (arnAccount !== undefined && arnAccount !== account.id)
        ctx.addIssue({
          code: 'custom',
          path: ['role'],
          message: `expected a role of account ${account.id}, got one of ${arnAccount}`,
        });
    }),
);
export type AccountConfig = z.infer<ReturnType<typeof accountSchema>>;

/** Auto Scaling step-policy vocabulary: exact sets the need, delta/percent add to it, all takes everything. */
const adjustmentSchema = builtOnFirstUse(() =>
  z.discriminatedUnion(
    'type',
    [
      z.strictObject({ type: z.literal('exact'), value: count() }),
      z.strictObject({ type: z.literal('delta'), value: count(), minStep: count().optional() }),
      z.strictObject({
        type: z.literal('percent'),
        value: z.number().min(0).max(1000),
        minStep: count().optional(),
      }),
      z.strictObject({ type: z.literal('all') }),
    ],
    { error: "expected type 'exact', 'delta', 'percent' or 'all'" },
  ),
);
export type AlarmAdjustment = z.infer<ReturnType<typeof adjustmentSchema>>;

const alarmSchema = builtOnFirstUse(() =>
  z.strictObject({
    ...comment(),
    adjustment: adjustmentSchema(),
    /**
     * What an alarm in INSUFFICIENT_DATA, or not found in CloudWatch, means for lending back: by default it holds
     * the lend-back of the reservations it scopes (it might be in ALARM); `ok` lends as if it were OK. Either way
     * it never raises the need.
     */
    treatMissingAs: z
      .enum(['block-lend-back', 'ok'], { error: "expected 'block-lend-back' or 'ok'" })
      .default('block-lend-back'),
    scope: z
      .strictObject({
        reservations: z.array(z.string().min(1)).default([]),
        groups: z.array(z.string().min(1)).default([]),
      })
      .refine((scope) => scope.reservations.length + scope.groups.length > 0, {
        error: 'expected at least one reservation or group',
      }),
  }),
);
export type AlarmConfig = z.infer<ReturnType<typeof alarmSchema>>;

const azGroupSchema = builtOnFirstUse(() =>
  z
    .strictObject({
      ...comment(),
      name: z.string().min(1).max(64),
      required: count().min(1),
      reservations: z
        .array(z.strictObject({ az: z.string().min(1), reservation: z.string().min(1) }))
        .min(2, { error: 'expected at least 2 AZs (losing one must leave another)' }),
      impairmentAlarms: z.record(z.string().min(1), z.string().min(1)).default({}),
    })
    .superRefine((group, ctx) => {
      const zones = group.reservations.map((member) => member.az);
      if (new Set(zones).size !== zones.length) {
        ctx.addIssue({ code: 'custom', path: ['reservations'], message: 'expected one reservation per AZ' });
      }
      for (const az of Object.keys(group.impairmentAlarms)) {
        if (!zones.includes(az)) {
          ctx.addIssue({
            code: 'custom',
            path: ['impairmentAlarms', az],
            message: `expected an AZ of the group (${zones.join(', ')})`,
          });
        }
      }
    }),
);
export type AzGroupConfig = z.infer<ReturnType<typeof azGroupSchema>>;

export const policyConfigSchema = builtOnFirstUse(() =>
  z
    .strictObject({
      ...comment(),
      reservations: z.array(reservationSchema()).min(1, { error: 'expected at least one reservation' }),
      alarms: z.record(z.string().min(1), alarmSchema()).default({}),
      guards: z
        .strictObject({
          ...comment(),
          cooldownMinutes: count().default(30),
          quietMinutes: count().default(30),
        })
        .default({ cooldownMinutes: 30, quietMinutes: 30 }),
      lead: z
        .strictObject({
          ...comment(),
          minimumMinutes: count().default(15),
          safetyMarginMinutes: count().default(10),
          minSamples: count().min(1).default(5),
          /**
           * Minutes between the Scheduler heartbeats before the open (`0/5`, in the exchange's zone, generated
           * by shared/schedule/heartbeats.ts): a reclaim can only start on a heartbeat, so the policy starts it
           * on the grid at or before open − lead, never up to a step later.
           */
          scheduleGranularityMinutes: count()
            .min(1, { error: 'expected at least 1 minute' })
            .max(60, { error: 'expected at most 60 minutes' })
            .default(DEFAULT_SCHEDULE_GRANULARITY_MINUTES),
          /**
           * The longest lead the policy uses, however slow the measured reclaims: the generated heartbeats
           * (shared/schedule/heartbeats.ts) start this long before each open, so a planned start always has one.
           */
          maximumMinutes: count()
            .min(1, { error: 'expected at least 1 minute' })
            .max(720, { error: 'expected at most 720 minutes' })
            .default(DEFAULT_MAXIMUM_LEAD_MINUTES),
        })
        .refine((lead) => lead.minimumMinutes + lead.safetyMarginMinutes <= lead.maximumMinutes, {
          error: 'expected minimumMinutes + safetyMarginMinutes ≤ maximumMinutes',
          path: ['maximumMinutes'],
        })
        .default({
          minimumMinutes: 15,
          safetyMarginMinutes: 10,
          minSamples: 5,
          scheduleGranularityMinutes: DEFAULT_SCHEDULE_GRANULARITY_MINUTES,
          maximumMinutes: DEFAULT_MAXIMUM_LEAD_MINUTES,
        }),
      azGroups: z.array(azGroupSchema()).default([]),
      /**
       * `Reclaim Scheduled` goes out this many minutes before each planned reclaim start (on the heartbeat at
       * or before it, which the generated schedules include), so borrowers can drain before EC2's 2-minute
       * warning. `borrowerAccounts` may put rules on the service's event bus to hear it (its resource policy).
       */
      headsUp: z
        .strictObject({
          ...comment(),
          minutesBefore: count()
            .min(1, { error: 'expected at least 1 minute' })
            .max(240, { error: 'expected at most 240 minutes' })
            .default(DEFAULT_HEADS_UP_MINUTES),
          borrowerAccounts: z
            .array(accountIdSchema())
            .refine((accounts) => new Set(accounts).size === accounts.length, {
              error: 'expected each account once',
            })
            .default([]),
        })
        .default({ minutesBefore: DEFAULT_HEADS_UP_MINUTES, borrowerAccounts: [] }),
      /**
       * Regions whose managed reservations the service looks after; absent: the function's own region only.
       * The first listed is where a reservation never described is looked for.
       */
      regions: z
        .array(z.string().regex(REGION, { error: 'expected an AWS region like us-east-1' }))
        .min(1, { error: 'expected at least one region' })
        .refine((regions) => new Set(regions).size === regions.length, { error: 'expected each region once' })
        .optional(),
      /**
       * Owner accounts besides the hub's own (the spokes): the hub assumes each one's role and manages its
       * managed reservations as its own. The hub's own account is always managed.
       */
      accounts: z
        .array(accountSchema())
        .refine((accounts) => new Set(accounts.map((account) => account.id)).size === accounts.length, {
          error: 'expected each account once',
        })
        .default([]),
      /**
       * How many managed reservations the fleet holds at most, all regions together: a selector matches a number
       * the config cannot know. The build sizes each function's memory for it (infra/build.ts); without it, one
       * reservation per entry of `reservations`.
       */
      managedReservations: count().min(1, { error: 'expected at least 1' }).optional(),
      /**
       * The account's EC2 request limits per API class, where AWS support raised them (or to leave room for
       * other tools sharing the account's buckets): the EC2 gateway paces its calls to them and the lead counts
       * a large reclaim's sending under them. A class left out keeps EC2's default.
       */
      ec2RequestLimits: ec2RequestLimitsSchema().optional(),
      /** Settings for built-in markets (by MIC) and custom markets defined in full (any other name). */
      markets: marketsSchema(),
      /** The old plain-weekdays market: named so its config gets a way forward, not just "unknown field". */
      weekdayHours: z
        .never({
          error:
            'weekdayHours (the WEEKDAYS market) is no longer supported: define a custom market under markets instead, e.g. "markets": {"WEEKDAYS": {"timeZone": "UTC", "tradingDays": ["MON","TUE","WED","THU","FRI"], "sessions": [{"open": "09:00", "close": "17:00"}]}}',
        })
        .optional(),
    })
    .superRefine((config, ctx) => {
      const names = new Map<string, number>();
      const ids = new Map<string, number>();
      // The first of each name and id is the one a reference means; every later one is an error.
      const noteUnique = (seen: Map<string, number>, field: 'name' | 'id', value: string, index: number) => {
        if (!seen.has(value)) seen.set(value, index);
        else
          ctx.addIssue({
            code: 'custom',
            path: ['reservations', index, field],
            message: `duplicate ${field} '${value}'`,
          });
      };
      config.reservations.forEach((reservation, index) => {
        noteUnique(names, 'name', reservation.name, index);
        if (reservation.id !== undefined) noteUnique(ids, 'id', reservation.id, index);
      });
      config.reservations.forEach((reservation, index) => {
        if (!isConfiguredMarket(reservation.market, config.markets)) {
          ctx.addIssue({
            code: 'custom',
            path: ['reservations', index, 'market'],
            message: `expected a built-in market (${BUILT_IN_MARKETS.join(', ')}) or a custom market defined under markets, got '${reservation.market}'`,
          });
        }
      });
      const references = (ref: string): number | undefined => ids.get(ref) ?? names.get(ref);
      const groupNames = new Set(config.azGroups.map((group) => group.name));
      const memberOfGroup = new Set<number>();
      config.azGroups.forEach((group, groupIndex) => {
        group.reservations.forEach((member, memberIndex) => {
          const index = references(member.reservation);
          if (index === undefined) {
            ctx.addIssue({
              code: 'custom',
              path: ['azGroups', groupIndex, 'reservations', memberIndex, 'reservation'],
              message: `expected the id or name of a configured reservation, got '${member.reservation}'`,
            });
          } else {
            memberOfGroup.add(index);
          }
        });
      });
      config.reservations.forEach((reservation, index) => {
        if (reservation.tradingNeed === undefined && !memberOfGroup.has(index)) {
          ctx.addIssue({
            code: 'custom',
            path: ['reservations', index, 'tradingNeed'],
            message: 'expected tradingNeed and offHoursNeed (only AZ group members may leave them out)',
          });
        }
      });
      for (const [alarmName, alarm] of Object.entries(config.alarms)) {
        alarm.scope.reservations.forEach((ref, refIndex) => {
          if (references(ref) === undefined) {
            ctx.addIssue({
              code: 'custom',
              path: ['alarms', alarmName, 'scope', 'reservations', refIndex],
              message: `expected the id or name of a configured reservation, got '${ref}'`,
            });
          }
        });
        alarm.scope.groups.forEach((ref, refIndex) => {
          if (!groupNames.has(ref)) {
            ctx.addIssue({
              code: 'custom',
              path: ['alarms', alarmName, 'scope', 'groups', refIndex],
              message: `expected the name of an azGroup, got '${ref}'`,
            });
          }
        });
      }
      refuseFloorsThatStayLent(config, ctx, references);
    }),
);

/**
 * A floor keeps that many lent whatever the need: refused where the config itself says everything must be
 * back, during a session whose need is all of it or while an `all` alarm fires.
 */
function refuseFloorsThatStayLent(
  config: {
    reservations: readonly { floor: number; tradingNeed?: NeedSpec | undefined }[];
    alarms: Readonly<Record<string, AlarmConfig>>;
    azGroups: readonly { name: string; reservations: readonly { reservation: string }[] }[];
  },
  ctx: z.RefinementCtx,
  references: (ref: string) => number | undefined,
): void {
  const allAlarmsOf = new Map<number, string[]>();
  for (const [alarmName, alarm] of Object.entries(config.alarms)) {
    if (alarm.adjustment.type !== 'all') continue;
    const members = config.azGroups
      .filter((group) => alarm.scope.groups.includes(group.name))
      .flatMap((group) => group.reservations.map((member) => member.reservation));
    for (const ref of [...alarm.scope.reservations, ...members]) {
      const index = references(ref);
      if (index !== undefined) allAlarmsOf.set(index, [...(allAlarmsOf.get(index) ?? []), alarmName]);
    }
  }
  config.reservations.forEach((reservation, index) => {
    if (reservation.floor === 0) return;
    const need = reservation.tradingNeed;
    const all = need === 'all' || (typeof need === 'object' && need.percent >= 100);
    if (all) {
      ctx.addIssue({
        code: 'custom',
        path: ['reservations', index, 'floor'],
        message: `expected 0: tradingNeed is all of the reservation, and a floor of ${reservation.floor} would leave ${reservation.floor} lent through every session`,
      });
    }
    const alarms = [...new Set(allAlarmsOf.get(index) ?? [])];
    if (alarms.length > 0) {
      ctx.addIssue({
        code: 'custom',
        path: ['reservations', index, 'floor'],
        message: `expected 0: alarm ${alarms.join(', ')} takes all capacity back, and a floor of ${reservation.floor} would leave ${reservation.floor} lent while it fires`,
      });
    }
  });
}

export type PolicyConfig = z.infer<ReturnType<typeof policyConfigSchema>>;
export type GuardsConfig = PolicyConfig['guards'];
export type LeadConfig = PolicyConfig['lead'];

/** Validates a parsed JSON value; throws ConfigError naming each offending field path. */
export function parseConfig(input: unknown): PolicyConfig {
  const result = policyConfigSchema().safeParse(input);
  if (result.success) {
    // Names and comments reach reasons, tags and events: a lone surrogate there would fail every record write.
    // Looked for once the shape is known good (so not in a hostile, deeply nested file).
    const malformed = loneSurrogatePath(input);
    if (malformed !== undefined) {
      throw new ConfigError([
        { path: malformed, message: 'expected well-formed text: a lone UTF-16 surrogate cannot be recorded' },
      ]);
    }
    return result.data;
  }
  // An unknown key is reported by zod on its parent object; the key itself is the field to name (a typo).
  const issues = result.error.issues.flatMap((issue) =>
    issue.code === 'unrecognized_keys'
      ? issue.keys.map((key) => ({
          path: formatPath([...issue.path, key]),
          message: `unknown field '${key}'`,
        }))
      : [{ path: formatPath(issue.path), message: issue.message }],
  );
  throw new ConfigError(issues, { cause: result.error });
}
