import { DateTime } from 'luxon';
import {
  type CalendarOptions,
  currentOrNextSession,
  type MarketId,
  type Session,
} from '../calendar/calendar.ts';
import type { PolicyConfig } from '../config/schema.ts';

/** Nearest-rank 95th percentile: a value that was actually measured, never an interpolation below it. */
export function p95(values: readonly number[]): number | undefined {
  if (values.length === 0) return undefined;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.ceil(0.95 * sorted.length) - 1];
}

/**
 * Minutes before the open a reclaim must start so capacity is back *by* the open: the larger of the
 * configured minimum and the p95 of measured durations plus the margin, once there are enough samples to
 * trust a p95; until then the minimum plus the margin.
 */
export function leadMinutes(
  config: Pick<PolicyConfig, 'lead'>,
  reclaimDurationsSeconds: readonly number[],
): number {
  const { minimumMinutes, safetyMarginMinutes, minSamples } = config.lead;
  const samples = reclaimDurationsSeconds.filter((seconds) => Number.isFinite(seconds) && seconds >= 0);
  const measured = samples.length >= minSamples ? p95(samples) : undefined;
  if (measured === undefined) return minimumMinutes + safetyMarginMinutes;
  return Math.max(minimumMinutes, Math.ceil(measured / 60) + safetyMarginMinutes);
}

/**
 * What the calendar needs from the config: its markets (custom ones and settings such as lunch breaks), and
 * the short-notice closures on-call recorded (the policy reads them from the observation's tags).
 */
export function calendarOptions(
  config: Pick<PolicyConfig, 'markets'>,
  closures?: CalendarOptions['closures'],
): CalendarOptions {
  return closures === undefined ? { markets: config.markets } : { markets: config.markets, closures };
}

/** The first session that opens strictly after `after`. */
export function nextSessionOpen(
  market: MarketId,
  after: Date,
  config: Pick<PolicyConfig, 'markets'>,
): Session {
  let session = currentOrNextSession(market, after, calendarOptions(config));
  while (session.open <= after)
    session = currentOrNextSession(market, session.close, calendarOptions(config));
  return session;
}

export interface ScheduleWindow {
  /** The session in progress, or the next one. */
  session: Session;
  /** open − lead, rounded down to the heartbeat grid: from here on the trading need applies. */
  reclaimFrom: Date;
  /** True from `reclaimFrom` until the close. */
  inSession: boolean;
}

/** serverless.yml's heartbeats before the open fire every 5 minutes (`0/5`) in the exchange's zone. */
export const DEFAULT_SCHEDULE_GRANULARITY_MINUTES = 5;

/**
 * The last heartbeat at or before `latest`: the minute of the hour, in `timeZone`, rounded down to a multiple
 * of `granularityMinutes` (as cron's `0/n` fires), seconds dropped. Computed on the instant, not by setting
 * local fields, so an ambiguous fall-back hour cannot move it by an hour.
 */
export function floorToScheduleGrid(latest: Date, timeZone: string, granularityMinutes: number): Date {
  const local = DateTime.fromJSDate(latest, { zone: timeZone });
  const step = Math.max(1, Math.floor(granularityMinutes));
  const past = ((local.minute % step) * 60 + local.second) * 1000 + local.millisecond;
  return new Date(latest.getTime() - past);
}

/**
 * Where `at` stands against a market's sessions once the lead is counted. The reclaim starts on the
 * heartbeat at or before open − lead: the one after could be up to a grid step late for the bell.
 */
export function scheduleWindow(
  market: MarketId,
  at: Date,
  lead: number,
  config: Pick<PolicyConfig, 'markets'> & {
    lead?: Partial<Pick<PolicyConfig['lead'], 'scheduleGranularityMinutes'>>;
  },
  calendar: CalendarOptions = calendarOptions(config),
): ScheduleWindow {
  const session = currentOrNextSession(market, at, calendar);
  const granularity = config.lead?.scheduleGranularityMinutes ?? DEFAULT_SCHEDULE_GRANULARITY_MINUTES;
  const reclaimFrom = floorToScheduleGrid(
    new Date(session.open.getTime() - lead * 60_000),
    session.timeZone,
    granularity,
  );
  return { session, reclaimFrom, inSession: reclaimFrom <= at };
}
