/**
 * The EventBridge Scheduler heartbeats of reclaim-on-schedule, derived from the config and the calendar: for
 * every market a configured reservation uses, a heartbeat on every grid slot a reclaim can be planned to
 * start on (from open − lead.maximumMinutes to the open), one after every close (early closes and lunch
 * breaks included, as the calendar's sessions give them), and an hourly safety net. Pure: infra/build.ts
 * writes the result into dist/infra/derived.json, which serverless.yml and the sandbox read.
 */
import { DateTime, IANAZone } from 'luxon';
import {
  BUILT_IN_EXCHANGES,
  isCustomMarketDefinition,
  marketTimeZone,
  type Session,
  sessionsBetween,
} from '../calendar/index.ts';
import type { PolicyConfig } from '../config/schema.ts';
import { calendarOptions } from '../policy/lead.ts';
import {
  DEFAULT_HEADS_UP_MINUTES,
  DEFAULT_MAXIMUM_LEAD_MINUTES,
  DEFAULT_SCHEDULE_GRANULARITY_MINUTES,
  DST_UNSAFE_HOURS,
  firstSlotAtOrAfter,
  isDstUnsafe,
  nextGridSlot,
  plannedHeadsUp,
  plannedReclaimStart,
} from './grid.ts';

type Market = PolicyConfig['reservations'][number]['market'];

/** What the heartbeats depend on: the markets in use, the calendar's options, the grid and the maximum lead. */
export type HeartbeatConfig = Parameters<typeof calendarOptions>[0] & {
  reservations: readonly { market: Market }[];
  lead?: Partial<Pick<PolicyConfig['lead'], 'scheduleGranularityMinutes' | 'maximumMinutes'>>;
  headsUp?: Partial<Pick<PolicyConfig['headsUp'], 'minutesBefore'>>;
};

/** One market's heartbeats: Scheduler cron expressions evaluated in the market's zone. */
export interface MarketHeartbeats {
  market: Market;
  timeZone: string;
  expressions: string[];
  description: string;
}

export interface HeartbeatPlan {
  markets: MarketHeartbeats[];
  /** Repairs a lost run. In UTC, which never skips or repeats an hour, so it fires every hour all year. */
  safetyNet: { timeZone: 'UTC'; expression: string; description: string };
}

/** Past the hour, off the 5-minute grid, so the safety net seldom fires with a market's heartbeat. */
const SAFETY_NET_MINUTE = 7;
/** EventBridge Scheduler's limit on a ScheduleExpression. */
const MAX_EXPRESSION_LENGTH = 256;
/** AWS cron numbers days of the week from Sunday (1) to Saturday (7). */
const AWS_DAY_NAMES = ['SUN', 'MON', 'TUE', 'WED', 'THU', 'FRI', 'SAT'] as const;

export class HeartbeatError extends Error {
  override readonly name = 'HeartbeatError';
}

/** The markets the configured reservations use, each once, in the config's order. */
export function configuredMarkets(config: Pick<HeartbeatConfig, 'reservations'>): Market[] {
  return [...new Set(config.reservations.map((reservation) => reservation.market))];
}

export function scheduleGranularity(config: Pick<HeartbeatConfig, 'lead'>): number {
  return config.lead?.scheduleGranularityMinutes ?? DEFAULT_SCHEDULE_GRANULARITY_MINUTES;
}

export function maximumLead(config: Pick<HeartbeatConfig, 'lead'>): number {
  return config.lead?.maximumMinutes ?? DEFAULT_MAXIMUM_LEAD_MINUTES;
}

export function headsUpMinutes(config: Pick<HeartbeatConfig, 'headsUp'>): number {
  return config.headsUp?.minutesBefore ?? DEFAULT_HEADS_UP_MINUTES;
}

/**
 * The span whose sessions shape the heartbeats: every date a built-in calendar has data for, and every
 * dated entry of a custom market. Sessions outside it are the regular weekly sessions, which inside it
 * already appear.
 */
export function calendarHorizon(config: Parameters<typeof calendarOptions>[0]): { from: Date; to: Date } {
  const dates = BUILT_IN_EXCHANGES.flatMap((exchange) => [exchange.dataFrom, exchange.dataTo]);
  for (const definition of Object.values(calendarOptions(config).markets ?? {})) {
    if (!isCustomMarketDefinition(definition)) continue;
    for (const dated of [definition.closures, definition.earlyCloses, definition.lateOpens]) {
      dates.push(...Object.keys(dated ?? {}));
    }
  }
  dates.sort();
  // A few days either side: a session's local date can differ from its UTC date, and its heartbeats start
  // hours before its open.
  const margin = 3 * 86_400_000;
  return {
    from: new Date(Date.parse(`${dates[0] ?? '2025-01-01'}T00:00:00Z`) - margin),
    to: new Date(Date.parse(`${dates.at(-1) ?? '2025-12-31'}T00:00:00Z`) + margin),
  };
}

/**
 * Every heartbeat one session needs: each grid slot from the heads-up of the start planned with the maximum
 * lead to the open (none from 01:00 to 03:00 local), and the first slot at or after the close. Any lead up to
 * the maximum plans a start, and its heads-up, on one of these slots.
 */
export function sessionHeartbeats(
  session: Pick<Session, 'open' | 'close' | 'timeZone'>,
  config: Pick<HeartbeatConfig, 'lead' | 'headsUp'>,
): Date[] {
  const granularity = scheduleGranularity(config);
  const zone = session.timeZone;
  const earliestStart = plannedReclaimStart(session.open, maximumLead(config), zone, granularity);
  const beats: Date[] = [];
  for (
    let slot = plannedHeadsUp(earliestStart, headsUpMinutes(config), zone, granularity);
    slot <= session.open;
    slot = nextGridSlot(slot, zone, granularity)
  ) {
    if (!isDstUnsafe(slot, zone)) beats.push(slot);
  }
  beats.push(firstSlotAtOrAfter(session.close, zone, granularity));
  return beats;
}

/** The heartbeats of every configured market, as Scheduler cron expressions, and the safety net. */
export function heartbeatPlan(
  config: HeartbeatConfig,
  horizon: { from: Date; to: Date } = calendarHorizon(config),
): HeartbeatPlan {
  const options = calendarOptions(config);
  const markets = configuredMarkets(config).map((market): MarketHeartbeats => {
    const timeZone = marketTimeZone(market, options);
    assertClockChangesInUnsafeHours(market, timeZone, horizon);
    // AWS days of the week (1 = Sunday) per local minute-of-day slot.
    const days = new Map<number, Set<number>>();
    const known = new Set<string>();
    for (const session of sessionsBetween(market, horizon.from, horizon.to, options)) {
      // Most sessions repeat an earlier one's local shape; only the UTC offsets around it can change that.
      const shape = sessionShape(session, config);
      if (known.has(shape)) continue;
      known.add(shape);
      for (const beat of sessionHeartbeats(session, config)) {
        const local = DateTime.fromJSDate(beat, { zone: session.timeZone });
        const slot = local.hour * 60 + local.minute;
        const slotDays = days.get(slot) ?? new Set<number>();
        slotDays.add((local.weekday % 7) + 1);
        days.set(slot, slotDays);
      }
    }
    return {
      market,
      timeZone,
      expressions: cronExpressions(days, scheduleGranularity(config)),
      description: `${market} heartbeats (${timeZone}): from open - ${maximumLead(config) + headsUpMinutes(config)} min (lead and heads-up) to each open, and after each close; generated from the config by infra/build.ts`,
    };
  });
  return {
    markets,
    safetyNet: {
      timeZone: 'UTC',
      expression: `cron(${SAFETY_NET_MINUTE} * * * ? *)`,
      description: 'Hourly heartbeat in UTC, every day: repairs a lost run',
    },
  };
}

/**
 * The grid leaves out 01:00 to 03:00 local because that is where DST moves the clocks of the markets' zones.
 * A zone that moves them at another time (Santiago and Havana at midnight) could skip a heartbeat there, so
 * the build refuses it, naming the market, rather than deploy a reclaim that may never start.
 */
export function assertClockChangesInUnsafeHours(
  market: string,
  timeZone: string,
  horizon: { from: Date; to: Date },
): void {
  const zone = IANAZone.create(timeZone);
  const day = 86_400_000;
  for (let start = horizon.from.getTime(); start < horizon.to.getTime(); start += day) {
    const before = zone.offset(start);
    const after = zone.offset(start + day);
    if (before === after) continue;
    // The minute the offset changes, by bisection.
    let low = start;
    let high = start + day;
    while (high - low > 60_000) {
      const middle = low + Math.floor((high - low) / 120_000) * 60_000;
      if (zone.offset(middle) === before) low = middle;
      else high = middle;
    }
    // Wall-clock minutes of the day that are skipped (clocks forward) or repeated (clocks back).
    const walls = [high + before * 60_000, high + after * 60_000].map((wall) => Math.floor(wall / 60_000));
    const first = Math.min(...walls);
    const last = Math.max(...walls);
    const fromMinute = ((first % 1440) + 1440) % 1440;
    const unsafeFrom = DST_UNSAFE_HOURS.from * 60;
    const unsafeUntil = DST_UNSAFE_HOURS.until * 60;
    if (fromMinute < unsafeFrom || fromMinute + (last - first) > unsafeUntil) {
      const at = DateTime.fromMillis(high, { zone: timeZone }).toISO();
      throw new HeartbeatError(
        `${market}: ${timeZone} changes its clocks at ${at}, outside 01:00-03:00 local where no heartbeat fires; a heartbeat there could be skipped or run twice: use a zone that changes its clocks from 01:00 to 03:00, or none`,
      );
    }
  }
}

/** A session's heartbeats depend only on the local days and hours of its open and close, and the UTC offsets. */
function sessionShape(session: Session, config: Pick<HeartbeatConfig, 'lead' | 'headsUp'>): string {
  const zone = session.timeZone;
  const local = (at: number): string => DateTime.fromMillis(at, { zone }).toFormat('c HH:mm ZZ');
  const open = session.open.getTime();
  const close = session.close.getTime();
  return [
    local(open - (maximumLead(config) + headsUpMinutes(config) + 60) * 60_000),
    local(open),
    local(close),
    local(close + 4 * 3_600_000),
  ].join('|');
}

/**
 * Compresses local slots into few cron expressions: slots fired on the same days share an expression, and
 * within them hours with the same minutes.
 */
export function cronExpressions(daysBySlot: ReadonlyMap<number, ReadonlySet<number>>, granularity: number) {
  const byDays = new Map<string, { days: number[]; slots: number[] }>();
  for (const [slot, slotDays] of [...daysBySlot].sort(([a], [b]) => a - b)) {
    const sortedDays = [...slotDays].sort((a, b) => a - b);
    const key = sortedDays.join(',');
    const group = byDays.get(key);
    if (group === undefined) byDays.set(key, { days: sortedDays, slots: [slot] });
    else group.slots.push(slot);
  }
  const expressions: string[] = [];
  for (const { days, slots } of byDays.values()) {
    const minutesByHour = new Map<number, number[]>();
    for (const slot of slots) {
      const hour = Math.floor(slot / 60);
      const minutes = minutesByHour.get(hour) ?? [];
      minutes.push(slot % 60);
      minutesByHour.set(hour, minutes);
    }
    const byMinutes = new Map<string, number[]>();
    for (const [hour, minutes] of minutesByHour) {
      const field = minutesField(minutes, granularity);
      byMinutes.set(field, [...(byMinutes.get(field) ?? []), hour]);
    }
    const dayField = listField(days, (day) => AWS_DAY_NAMES[day - 1] ?? String(day));
    for (const [minutes, hours] of byMinutes) {
      const expression = `cron(${minutes} ${listField(hours, String)} ? * ${dayField} *)`;
      if (expression.length > MAX_EXPRESSION_LENGTH) {
        throw new HeartbeatError(
          `${expression} is longer than Scheduler's ${MAX_EXPRESSION_LENGTH} characters`,
        );
      }
      expressions.push(expression);
    }
  }
  return expressions;
}

/** `a/step` when the minutes are every step from a to the end of the hour, else a list with ranges. */
function minutesField(minutes: readonly number[], granularity: number): string {
  const sorted = [...minutes].sort((a, b) => a - b);
  const first = sorted[0] ?? 0;
  const stepped: number[] = [];
  for (let minute = first; minute < 60; minute += granularity) stepped.push(minute);
  if (sorted.length > 1 && stepped.join(',') === sorted.join(',')) return `${first}/${granularity}`;
  return listField(sorted, String);
}

/** Sorted whole numbers as cron writes them: runs of three or more as `a-b`, the rest comma-separated. */
function listField(values: readonly number[], name: (value: number) => string): string {
  const sorted = [...values].sort((a, b) => a - b);
  const parts: string[] = [];
  for (let index = 0; index < sorted.length; ) {
    let end = index;
    while (end + 1 < sorted.length && (sorted[end + 1] ?? 0) === (sorted[end] ?? 0) + 1) end += 1;
    const start = sorted[index] ?? 0;
    const last = sorted[end] ?? 0;
    if (end - index >= 2) parts.push(`${name(start)}-${name(last)}`);
    else for (let at = index; at <= end; at += 1) parts.push(name(sorted[at] ?? 0));
    index = end + 1;
  }
  return parts.join(',');
}
