import {
  type CalendarOptions,
  currentOrNextSession,
  type MarketId,
  type Session,
} from '../calendar/calendar.ts';
import type { PolicyConfig } from '../config/schema.ts';
import {
  DEFAULT_EC2_REQUEST_LIMITS,
  type Ec2RequestLimits,
  reclaimUpdateBucket,
  sendingSecondsAcrossRuns,
} from '../domain/ec2-request-limits.ts';
import type { ReservationSnapshot } from '../domain/reservation.ts';
import {
  DEFAULT_MAXIMUM_LEAD_MINUTES,
  DEFAULT_SCHEDULE_GRANULARITY_MINUTES,
  firstSlotAtOrAfter,
  plannedReclaimStart,
} from '../schedule/grid.ts';

export {
  DEFAULT_MAXIMUM_LEAD_MINUTES,
  DEFAULT_SCHEDULE_GRANULARITY_MINUTES,
  floorToScheduleGrid,
} from '../schedule/grid.ts';

/** Nearest-rank 95th percentile: a value that was actually measured, never an interpolation below it. */
export function p95(values: readonly number[]): number | undefined {
  if (values.length === 0) return undefined;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.ceil(0.95 * sorted.length) - 1];
}

export interface Lead {
  /** Minutes before the open the reclaim starts (at most `lead.maximumMinutes`). */
  minutes: number;
  /** The lead the measurements ask for, when `lead.maximumMinutes` cut it down. */
  wanted?: number;
}

/**
 * Minutes a reclaim's own EC2 calls take: one Update per reservation, sent at the Update bucket's refill rate
 * once its burst is spent, over as many runs as it takes, each hand-over to the next run included
 * (sendingSecondsAcrossRuns in shared/domain/ec2-request-limits.ts), under the account's limits. Regions have
 * buckets of their own and are reclaimed side by side, so the region with the most reservations sets it.
 * Every observed reservation counts, lent or not, so the lead does not shrink as the reclaim goes (a shorter
 * lead mid-reclaim would lend back).
 */
export function reclaimSendingMinutes(
  reservations: readonly Pick<ReservationSnapshot, 'region'>[],
  limits: Ec2RequestLimits = DEFAULT_EC2_REQUEST_LIMITS,
): number {
  const perRegion = new Map<string, number>();
  let most = 0;
  for (const { region } of reservations) {
    const count = (perRegion.get(region) ?? 0) + 1;
    perRegion.set(region, count);
    if (count > most) most = count;
  }
  return Math.ceil(sendingSecondsAcrossRuns(most, reclaimUpdateBucket(limits)) / 60);
}

/**
 * Minutes before the open a reclaim must start so capacity is back *by* the open. Its floor is the configured
 * minimum plus the time the reclaim's calls take (`sendingMinutes`, reclaimSendingMinutes): the larger of that
 * floor and the p95 of measured durations plus the margin, once there are enough samples to trust a p95
 * (measured from the run's start, they include the sending); until then the floor plus the margin. Never more
 * than `lead.maximumMinutes`: the deployed heartbeats start that long before the open, and a longer lead would
 * plan a start no heartbeat fires at.
 */
export function learnedLead(
  config: Pick<PolicyConfig, 'lead'>,
  reclaimDurationsSeconds: readonly number[],
  sendingMinutes = 0,
): Lead {
  const { minimumMinutes, safetyMarginMinutes, minSamples } = config.lead;
  const maximum = config.lead.maximumMinutes ?? DEFAULT_MAXIMUM_LEAD_MINUTES;
  const samples = reclaimDurationsSeconds.filter((seconds) => Number.isFinite(seconds) && seconds >= 0);
  const measured = samples.length >= minSamples ? p95(samples) : undefined;
  const floor = minimumMinutes + sendingMinutes;
  const wanted =
    measured === undefined
      ? floor + safetyMarginMinutes
      : Math.max(floor, Math.ceil(measured / 60) + safetyMarginMinutes);
  return wanted > maximum ? { minutes: maximum, wanted } : { minutes: wanted };
}

/** The lead in minutes (see learnedLead). */
export function leadMinutes(
  config: Pick<PolicyConfig, 'lead'>,
  reclaimDurationsSeconds: readonly number[],
  sendingMinutes = 0,
): number {
  return learnedLead(config, reclaimDurationsSeconds, sendingMinutes).minutes;
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
  /** The heartbeat after the close (the first grid slot at or after it): when the lend-back runs. */
  lendFrom: Date;
}

/**
 * Where `at` stands against a market's sessions once the lead is counted. The reclaim starts on the
 * heartbeat at or before open − lead (the one after could be up to a grid step late for the bell), never
 * from 01:00 to 03:00 local: shared/schedule/grid.ts, which the generated heartbeats use too.
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
  const reclaimFrom = plannedReclaimStart(session.open, lead, session.timeZone, granularity);
  const lendFrom = firstSlotAtOrAfter(session.close, session.timeZone, granularity);
  return { session, reclaimFrom, inSession: reclaimFrom <= at, lendFrom };
}
