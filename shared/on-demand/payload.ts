import * as z from 'zod/mini';
import { dayStatus, isKnownMarket, localDate, marketTimeZone } from '../calendar/calendar.ts';
import type { PolicyConfig } from '../config/schema.ts';
import { MAX_OVERRIDE_HOURS, MAX_TARGET } from '../domain/records.ts';
import { ValidationError } from '../errors/index.ts';
import { parseWith } from '../events/parse.ts';
import '../events/zod-messages.ts';
import { calendarOptions } from '../policy/lead.ts';
import { MAX_TAG_VALUE_LENGTH } from '../records/tags.ts';
import { codePointLength, hasLoneSurrogate } from '../records/text.ts';

/**
 * The on-call payload of `reclaim-on-demand`. Checked in two steps, both before any AWS
 * call: the shape (zod, strict: an unknown field is a typo on-call must hear about), then the rules that
 * tie fields together or need the clock and the config. Every failure is a ValidationError naming its field.
 */

export const ON_DEMAND_ACTIONS = [
  'reclaim',
  'lend',
  'clear',
  'plan',
  'status',
  'close-market',
  'reopen-market',
] as const;
export type OnDemandAction = (typeof ON_DEMAND_ACTIONS)[number];

const RESERVATION_ID = /^cr-[0-9a-f]{17}$/;
/** `2h`, `90m`, `1h30m`. */
const DURATION = /^(?:(\d{1,4})h)?(?:(\d{1,5})m)?$/;
// biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are exactly what is refused
const CONTROL_CHARACTERS = /[\u0000-\u001f\u007f]/;
const MAX_OVERRIDE_MS = MAX_OVERRIDE_HOURS * 3_600_000;
const LOCAL_DATE = /^\d{4}-\d{2}-\d{2}$/;
/** How far ahead on-call may close a market: exchanges announce ad-hoc closures days, not years, ahead. */
const MAX_CLOSURE_DAYS_AHEAD = 366;

/** A whole number of instances from `min` to MAX_TARGET. */
function instances(min: number, belowMin: string) {
  return z
    .int({ error: 'expected a whole number of instances' })
    .check(z.gte(min, { error: belowMin }), z.lte(MAX_TARGET, { error: `expected at most ${MAX_TARGET}` }));
}

/**
 * Free text that may end up in tags and events: well-formed (a lone surrogate cannot be sent to EC2, and would
 * fail every later write of the record) and at most `max` Unicode characters, as EC2 counts them.
 */
function text(max: number, unit = 'characters') {
  return z.string({ error: 'expected text' }).check(
    z.refine((value) => !hasLoneSurrogate(value), {
      error: 'expected well-formed text: a lone UTF-16 surrogate cannot be recorded',
      abort: true,
    }),
    z.refine((value) => codePointLength(value) <= max, {
      error: `expected at most ${max} ${unit} (it is recorded in tags)`,
    }),
  );
}

/** Written with zod/mini, as the functions' event schemas are (shared/events/incoming.ts says why). */
export const onDemandPayloadSchema = z.strictObject({
  action: z.enum(ON_DEMAND_ACTIONS, { error: `expected one of ${ON_DEMAND_ACTIONS.join(', ')}` }),
  reservations: z.optional(
    z
      .array(
        z
          .string()
          .check(
            z.regex(RESERVATION_ID, { error: 'expected capacity reservation ids like cr-0123456789abcdef0' }),
          ),
      )
      .check(
        z.minLength(1, { error: 'expected at least one reservation id' }),
        z.maxLength(100, { error: 'expected at most 100 reservation ids' }),
      ),
  ),
  group: z.optional(text(64).check(z.refine((value) => value !== '', { error: 'expected a group name' }))),
  all: z.optional(z.literal(true, { error: 'expected true' })),
  count: z.optional(instances(1, 'expected at least 1')),
  target: z.optional(instances(0, 'expected 0 or more')),
  everything: z.optional(z.literal(true, { error: 'expected true' })),
  for: z.optional(
    z.string().check(z.regex(DURATION, { error: "expected a duration like '2h', '90m' or '1h30m'" })),
  ),
  until: z.optional(
    z.iso.datetime({
      offset: true,
      error: 'expected an ISO 8601 time with a zone, like 2025-03-12T21:00:00Z',
    }),
  ),
  reason: z.optional(text(MAX_TAG_VALUE_LENGTH)),
  dryRun: z.optional(z.boolean({ error: 'expected true or false' })),
  /** A lend override ends at the next session's reclaim unless this says it spans it. */
  spanSession: z.optional(z.boolean({ error: 'expected true or false' })),
  /** Who asks (a name, an email, an ARN), recorded with the override; else the invocation's identity. */
  requestedBy: z.optional(
    text(128).check(
      z.refine((value) => value.trim() !== '' && !CONTROL_CHARACTERS.test(value), {
        error: 'expected a name without control characters',
      }),
    ),
  ),
  /** close-market / reopen-market: the market and its local date. */
  market: z.optional(z.string({ error: 'expected a market name' }).check(z.minLength(1), z.maxLength(32))),
  date: z.optional(
    z
      .string({ error: 'expected a date YYYY-MM-DD' })
      .check(z.regex(LOCAL_DATE, { error: 'expected a date YYYY-MM-DD' })),
  ),
});
export type OnDemandPayload = z.infer<typeof onDemandPayloadSchema>;

export type Scope =
  | { kind: 'all' }
  | { kind: 'reservations'; ids: string[] }
  | { kind: 'group'; name: string };
export type Amount =
  | { kind: 'count'; count: number }
  | { kind: 'target'; target: number }
  | { kind: 'everything' };

export type OnDemandRequest =
  | {
      action: 'reclaim' | 'lend';
      scope: Scope;
      amount: Amount;
      expiresAt: Date;
      reason: string;
      dryRun: boolean;
      /** Lend only: the override spans the next session's reclaim. */
      spanSession: boolean;
      requestedBy?: string;
    }
  | { action: 'clear'; scope: Scope; reason: string; dryRun: boolean; requestedBy?: string }
  | { action: 'plan'; scope: Scope }
  | { action: 'status'; scope: Scope }
  | MarketClosureRequest;

/** On-call closes a market for a day at short notice (recorded in tags), or takes that closure back. */
export interface MarketClosureRequest {
  action: 'close-market' | 'reopen-market';
  market: string;
  /** The market's local date, YYYY-MM-DD. */
  date: string;
  reason: string;
  dryRun: boolean;
  requestedBy?: string;
}

const SCOPE_FIELDS = ['reservations', 'group', 'all'] as const;
const AMOUNT_FIELDS = ['count', 'target', 'everything'] as const;
const EXPIRY_FIELDS = ['for', 'until'] as const;
const CALLER_FIELDS = ['spanSession', 'requestedBy'] as const;

/** Validates an on-call payload against the clock and the config; throws ValidationError naming the field. */
export function parseOnDemandRequest(input: unknown, now: Date, config: PolicyConfig): OnDemandRequest {
  const payload = parseWith(onDemandPayloadSchema, input);
  if (isMarketAction(payload.action)) return readMarketClosure(payload, now, config);
  forbid(payload, MARKET_FIELDS, payload.action);
  const groups = config.azGroups.map((group) => group.name);
  const scope = readScope(payload, groups, payload.action === 'plan' || payload.action === 'status');
  if (payload.action === 'plan' || payload.action === 'status') {
    forbid(payload, [...AMOUNT_FIELDS, ...EXPIRY_FIELDS, ...CALLER_FIELDS], payload.action);
    return payload.action === 'plan' ? { action: 'plan', scope } : { action: 'status', scope };
  }
  const reason = readReason(payload.reason);
  const dryRun = payload.dryRun ?? false;
  const requestedBy = payload.requestedBy === undefined ? {} : { requestedBy: payload.requestedBy.trim() };
  if (payload.action === 'clear') {
    forbid(payload, [...AMOUNT_FIELDS, ...EXPIRY_FIELDS, 'spanSession'], 'clear');
    return { action: 'clear', scope, reason, dryRun, ...requestedBy };
  }
  if (payload.action === 'reclaim') forbid(payload, ['spanSession'], 'reclaim');
  const amount = readAmount(payload);
  const expiresAt = readExpiry(payload, now);
  const spanSession = payload.spanSession ?? false;
  return { action: payload.action, scope, amount, expiresAt, reason, dryRun, spanSession, ...requestedBy };
}

/** What a caller outside the function knows when it checks a payload; an absent part is not checked. */
export interface OnDemandCheckContext {
  /** The function's clock: an `until` must lie ahead of it (and within 24 h). */
  now?: Date;
  /** The group names of the function's config. */
  groups?: readonly string[];
}

/**
 * The rules of parseOnDemandRequest for a caller that has only part of the function's context: the on-call CLI
 * checks a payload before invoking the function (a missing reason should be named before any AWS call), while
 * the clock and config of the function decide in the end. Throws ValidationError naming the field.
 */
export function checkOnDemandPayload(input: unknown, context: OnDemandCheckContext): void {
  const payload = parseWith(onDemandPayloadSchema, input);
  if (isMarketAction(payload.action)) {
    readMarketClosure(payload, context.now, undefined);
    return;
  }
  forbid(payload, MARKET_FIELDS, payload.action);
  readScope(payload, context.groups, payload.action === 'plan' || payload.action === 'status');
  if (payload.action === 'plan' || payload.action === 'status' || payload.action === 'clear') {
    if (payload.action === 'clear') readReason(payload.reason);
    const unused = payload.action === 'clear' ? (['spanSession'] as const) : CALLER_FIELDS;
    forbid(payload, [...AMOUNT_FIELDS, ...EXPIRY_FIELDS, ...unused], payload.action);
    return;
  }
  if (payload.action === 'reclaim') forbid(payload, ['spanSession'], 'reclaim');
  readReason(payload.reason);
  readAmount(payload);
  readExpiry(payload, context.now);
}

/** Parses `2h`, `90m`, `1h30m` into milliseconds. */
export function parseDuration(text: string): number | undefined {
  const match = DURATION.exec(text);
  if (!match || text === '') return undefined;
  const hours = Number(match[1] ?? 0);
  const minutes = Number(match[2] ?? 0);
  return (hours * 60 + minutes) * 60_000;
}

/** `groups` undefined: the group name is not checked here (the caller does not know the function's config). */
function readScope(
  payload: OnDemandPayload,
  groups: readonly string[] | undefined,
  optional: boolean,
): Scope {
  const given = SCOPE_FIELDS.filter((field) => payload[field] !== undefined);
  if (given.length > 1) {
    const second = given[1] ?? 'all';
    throw new ValidationError(
      second,
      `${second}: cannot be combined with ${given[0]}; give one of reservations, group or all`,
    );
  }
  if (payload.reservations !== undefined)
    return { kind: 'reservations', ids: [...new Set(payload.reservations)] };
  if (payload.group !== undefined) {
    if (groups !== undefined && !groups.includes(payload.group)) {
      throw new ValidationError(
        'group',
        `group: '${payload.group}' is not a group of the config (${groups.join(', ') || 'none configured'})`,
      );
    }
    return { kind: 'group', name: payload.group };
  }
  if (payload.all === true || optional) return { kind: 'all' };
  throw new ValidationError(
    'reservations',
    'reservations: expected one of reservations (ids), group (name) or all: true',
  );
}

function readAmount(payload: OnDemandPayload): Amount {
  const given = AMOUNT_FIELDS.filter((field) => payload[field] !== undefined);
  if (given.length === 0) {
    throw new ValidationError(
      'count',
      `count: ${payload.action} needs one of count, target or everything: true`,
    );
  }
  if (given.length > 1) {
    const second = given[1] ?? 'everything';
    throw new ValidationError(second, `${second}: cannot be combined with ${given[0]}`);
  }
  if (payload.count !== undefined) return { kind: 'count', count: payload.count };
  if (payload.target !== undefined) return { kind: 'target', target: payload.target };
  return { kind: 'everything' };
}

/** Without `now` (a caller that does not share the function's clock), an `until` is checked for its form only. */
function readExpiry(payload: OnDemandPayload, now: Date): Date;
function readExpiry(payload: OnDemandPayload, now: Date | undefined): Date | undefined;
function readExpiry(payload: OnDemandPayload, now: Date | undefined): Date | undefined {
  if (payload.for !== undefined && payload.until !== undefined) {
    throw new ValidationError('until', 'until: cannot be combined with for');
  }
  if (payload.for !== undefined) {
    const duration = parseDuration(payload.for);
    if (duration === undefined || duration <= 0) {
      throw new ValidationError('for', "for: expected a positive duration like '2h' or '90m'");
    }
    if (duration > MAX_OVERRIDE_MS) {
      throw new ValidationError('for', `for: an override lasts at most ${MAX_OVERRIDE_HOURS}h`);
    }
    return now === undefined ? undefined : new Date(now.getTime() + duration);
  }
  if (payload.until !== undefined) {
    const until = new Date(payload.until);
    if (now === undefined) return until;
    if (until.getTime() <= now.getTime()) {
      throw new ValidationError(
        'until',
        `until: ${payload.until} is not in the future (now ${now.toISOString()})`,
      );
    }
    if (until.getTime() - now.getTime() > MAX_OVERRIDE_MS) {
      throw new ValidationError('until', `until: an override lasts at most ${MAX_OVERRIDE_HOURS}h from now`);
    }
    return until;
  }
  throw new ValidationError(
    'for',
    `for: ${payload.action} needs an expiry: for ('2h', '90m', at most 24h) or until (ISO time)`,
  );
}

function readReason(reason: string | undefined): string {
  if (reason === undefined || reason.trim() === '') {
    throw new ValidationError(
      'reason',
      'reason: required for reclaim, lend and clear (e.g. the incident id)',
    );
  }
  if (CONTROL_CHARACTERS.test(reason)) {
    throw new ValidationError('reason', 'reason: control characters (newlines, tabs) are not allowed');
  }
  return reason.trim();
}

function forbid(payload: OnDemandPayload, fields: readonly (keyof OnDemandPayload)[], action: string): void {
  const present = fields.find((field) => payload[field] !== undefined);
  if (present !== undefined) throw new ValidationError(present, `${present}: not used by ${action}`);
}

const MARKET_FIELDS = ['market', 'date'] as const;

function isMarketAction(action: OnDemandAction): action is MarketClosureRequest['action'] {
  return action === 'close-market' || action === 'reopen-market';
}

/**
 * close-market / reopen-market: one market, one of its local dates, a reason. With the config (the function
 * itself), the market must be one a configured reservation trades on, the date must not have passed in the
 * market's zone, and a closure must fall on a day the calendar would trade (closing a holiday is a typo).
 */
function readMarketClosure(
  payload: OnDemandPayload,
  now: Date | undefined,
  config: PolicyConfig | undefined,
): MarketClosureRequest {
  const action = payload.action as MarketClosureRequest['action'];
  forbid(payload, [...SCOPE_FIELDS, ...AMOUNT_FIELDS, ...EXPIRY_FIELDS, 'spanSession'], action);
  if (payload.market === undefined) {
    throw new ValidationError('market', `market: ${action} needs the market (e.g. XNYS)`);
  }
  if (payload.date === undefined) {
    throw new ValidationError('date', `date: ${action} needs the market's local date, YYYY-MM-DD`);
  }
  const { market, date } = payload;
  if (!isCalendarDate(date)) throw new ValidationError('date', `date: ${date} is not a calendar date`);
  const reason = readReason(payload.reason);
  const request: MarketClosureRequest = {
    action,
    market,
    date,
    reason,
    dryRun: payload.dryRun ?? false,
    ...(payload.requestedBy === undefined ? {} : { requestedBy: payload.requestedBy.trim() }),
  };
  if (config === undefined) return request;
  const options = calendarOptions(config);
  const traded = [...new Set(config.reservations.map((reservation) => reservation.market))];
  if (!isKnownMarket(market, options) || !traded.includes(market)) {
    throw new ValidationError(
      'market',
      `market: no configured reservation trades on '${market}' (configured: ${traded.join(', ')})`,
    );
  }
  if (now !== undefined) {
    const today = localDate(now, marketTimeZone(market, options));
    if (date < today) {
      throw new ValidationError('date', `date: ${date} has passed in ${market}'s time zone (today ${today})`);
    }
    const latest = new Date(now.getTime() + MAX_CLOSURE_DAYS_AHEAD * 86_400_000);
    if (action === 'close-market' && date > localDate(latest, marketTimeZone(market, options))) {
      throw new ValidationError('date', `date: at most ${MAX_CLOSURE_DAYS_AHEAD} days ahead`);
    }
  }
  if (action === 'close-market') {
    const status = dayStatus(market, date, options);
    if (!status.trading) {
      throw new ValidationError(
        'date',
        `date: ${market} does not trade on ${date} anyway (${status.closure ?? 'not a trading day of the week'})`,
      );
    }
  }
  return request;
}

function isCalendarDate(text: string): boolean {
  const [year = 0, month = 0, day = 0] = text.split('-').map(Number);
  const date = new Date(Date.UTC(year, month - 1, day));
  return date.getUTCFullYear() === year && date.getUTCMonth() === month - 1 && date.getUTCDate() === day;
}
