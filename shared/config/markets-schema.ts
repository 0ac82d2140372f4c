/**
 * The config's `markets`: settings for a built-in exchange (keyed by its MIC), or a custom market defined in
 * full (any other name). Each entry is checked against the schema its key calls for, so an error names the
 * field as written (`markets.CME.sessions[0].open`) and says why.
 */
import { DateTime } from 'luxon';
import * as z from 'zod';
import {
  BUILT_IN_MARKETS,
  type CustomMarketDefinition,
  isBuiltInMarket,
  type MarketSettings,
  WEEKDAY_NAMES,
} from '../calendar/calendar.ts';
import { builtOnFirstUse } from '../util/built-on-first-use.ts';

const LOCAL_TIME = /^([01]\d|2[0-3]):[0-5]\d$/;
const LOCAL_DATE = /^\d{4}-\d{2}-\d{2}$/;
/**
 * A custom market's name: it appears in closure tag keys (`odcr-reclaimer:closure:<market>:<date>`), so it
 * keeps to characters EC2 tag keys allow and leaves `:` as the separator.
 */
const MARKET_NAME = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,31}$/;
const MINUTES_PER_DAY = 1440;

const comment = builtOnFirstUse(() => ({ $comment: z.string().optional() }));
const localTime = builtOnFirstUse(() =>
  z.string({ error: 'expected HH:MM' }).regex(LOCAL_TIME, { error: 'expected HH:MM (00:00 to 23:59)' }),
);
const note = builtOnFirstUse(() =>
  z.string({ error: 'expected a note' }).min(1, { error: 'expected a note' }).max(256),
);

const settingsSchema = builtOnFirstUse(() =>
  z.strictObject({ ...comment(), lendLunchBreak: z.boolean().optional() }),
);

const sessionSchema = builtOnFirstUse(() =>
  z.strictObject({ ...comment(), open: localTime(), close: localTime() }),
);

const customMarketSchema = builtOnFirstUse(() =>
  z
    .strictObject({
      ...comment(),
      timeZone: z
        .string({ error: 'expected an IANA time zone like Europe/London' })
        .refine(isIanaZone, { error: 'expected an IANA time zone like Europe/London' }),
      tradingDays: z
        .array(z.enum(WEEKDAY_NAMES, { error: `expected one of ${WEEKDAY_NAMES.join(', ')}` }))
        .min(1, { error: 'expected at least one trading day' })
        .refine((days) => new Set(days).size === days.length, { error: 'expected each day once' }),
      sessions: z.array(sessionSchema()).min(1, { error: 'expected at least one session' }),
      closures: z.record(z.string(), note()).optional(),
      earlyCloses: z
        .record(z.string(), z.strictObject({ ...comment(), close: localTime(), note: note() }))
        .optional(),
      lateOpens: z
        .record(z.string(), z.strictObject({ ...comment(), open: localTime(), note: note() }))
        .optional(),
      lendLunchBreak: z.boolean().optional(),
    })
    .superRefine((market, ctx) => {
      checkSessions(market.sessions, ctx);
      const tradingWeekdays = new Set(market.tradingDays.map((day) => WEEKDAY_NAMES.indexOf(day) + 1));
      const dated = [
        ['closures', market.closures],
        ['earlyCloses', market.earlyCloses],
        ['lateOpens', market.lateOpens],
      ] as const;
      for (const [field, entries] of dated) {
        for (const date of Object.keys(entries ?? {})) {
          const day = LOCAL_DATE.test(date) ? DateTime.fromISO(date, { zone: 'UTC' }) : undefined;
          if (day === undefined || !day.isValid) {
            ctx.addIssue({ code: 'custom', path: [field, date], message: 'expected a date YYYY-MM-DD' });
          } else if (!tradingWeekdays.has(day.weekday)) {
            ctx.addIssue({
              code: 'custom',
              path: [field, date],
              message: `expected a trading day (${market.tradingDays.join(', ')}); ${date} is a ${WEEKDAY_NAMES[day.weekday - 1]}`,
            });
          } else if (field !== 'closures' && market.closures?.[date] !== undefined) {
            ctx.addIssue({
              code: 'custom',
              path: [field, date],
              message: `${date} is also listed as a closure`,
            });
          }
        }
      }
    }),
);

/**
 * Sessions in order on the day's wall clock: each opens at or after the previous close (a close at or before
 * its open is on the next day), and the whole day fits in 24 hours so it cannot run into the next one.
 */
function checkSessions(sessions: readonly { open: string; close: string }[], ctx: z.RefinementCtx): void {
  let previousClose: number | undefined;
  let firstOpen: number | undefined;
  sessions.forEach((session, index) => {
    let open = minutes(session.open);
    if (previousClose !== undefined) {
      while (open < previousClose) open += MINUTES_PER_DAY;
      if (open === previousClose) {
        ctx.addIssue({
          code: 'custom',
          path: ['sessions', index, 'open'],
          message: `expected a break after the previous close (${sessions[index - 1]?.close}): merge the two sessions`,
        });
      }
    }
    firstOpen ??= open;
    let close = minutes(session.close);
    while (close <= open) close += MINUTES_PER_DAY;
    previousClose = close;
    if (close - firstOpen > MINUTES_PER_DAY) {
      ctx.addIssue({
        code: 'custom',
        path: ['sessions', index, 'close'],
        message: `expected the day's sessions to fit in 24 hours from the first open (${sessions[0]?.open})`,
      });
    }
  });
}

function minutes(time: string): number {
  const [hours = 0, mins = 0] = time.split(':').map(Number);
  return hours * 60 + mins;
}

export type MarketConfig = MarketSettings | CustomMarketDefinition;

/** `markets`: each key decides its schema (a built-in MIC takes settings only; any other name is a market). */
export const marketsSchema = builtOnFirstUse(() =>
  z
    .record(z.string(), z.unknown())
    .default({})
    .transform((markets, ctx) => {
      const parsed: Record<string, MarketConfig> = {};
      for (const [name, value] of Object.entries(markets)) {
        const builtIn = isBuiltInMarket(name);
        if (!builtIn && !MARKET_NAME.test(name)) {
          ctx.addIssue({
            code: 'custom',
            path: [name],
            message:
              'expected a market name of letters, digits, _ . - (at most 32, starting with a letter or digit)',
          });
          continue;
        }
        if (!builtIn && (typeof value !== 'object' || value === null || !('timeZone' in value))) {
          ctx.addIssue({
            code: 'custom',
            path: [name],
            message: `'${name}' is not a built-in market (${BUILT_IN_MARKETS.join(', ')}): a custom market needs timeZone, tradingDays and sessions`,
          });
          continue;
        }
        const result = (builtIn ? settingsSchema() : customMarketSchema()).safeParse(value);
        if (result.success) {
          parsed[name] = result.data;
          continue;
        }
        for (const issue of result.error.issues) {
          if (issue.code === 'unrecognized_keys') {
            for (const key of issue.keys) {
              ctx.addIssue({
                code: 'custom',
                path: [name, ...issue.path, key],
                message: builtIn
                  ? `unknown field '${key}' (${name} is built in: only lendLunchBreak may be set)`
                  : `unknown field '${key}'`,
              });
            }
          } else {
            ctx.addIssue({ code: 'custom', path: [name, ...issue.path], message: issue.message });
          }
        }
      }
      return parsed;
    }),
);

/** Whether a reservation's `market` names a built-in market or a custom one configured under `markets`. */
export function isConfiguredMarket(market: string, markets: Readonly<Record<string, MarketConfig>>): boolean {
  return isBuiltInMarket(market) || 'timeZone' in (markets[market] ?? {});
}

export function isIanaZone(zone: string): boolean {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: zone });
    return true;
  } catch (error: unknown) {
    if (error instanceof RangeError) return false;
    throw error;
  }
}
