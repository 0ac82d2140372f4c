/**
 * The heartbeat grid: when a Scheduler heartbeat can fire, and so when the policy can plan a reclaim to start.
 * The policy (shared/policy/lead.ts) and the generated schedules (./heartbeats.ts) both use these functions,
 * so the time `npm run plan` states and the time a deployed heartbeat fires cannot drift apart.
 *
 * Heartbeats fire on the `0/g` grid of each hour in the market's own zone (`g` =
 * `lead.scheduleGranularityMinutes`), and never from 01:00 to 03:00 local: DST skips or repeats wall-clock
 * times there (02:00 in New York, 01:00 and 02:00 in Europe), so a cron time in that band may fire never or twice.
 */
import { DateTime } from 'luxon';

/** Minutes between heartbeats when the config does not say (`cron(0/5 ...)`). */
export const DEFAULT_SCHEDULE_GRANULARITY_MINUTES = 5;
/** The largest lead the policy uses and the schedules cover when the config does not say. */
export const DEFAULT_MAXIMUM_LEAD_MINUTES = 180;
/** Minutes before a planned reclaim start that borrowers get `Reclaim Scheduled`, when the config does not say. */
export const DEFAULT_HEADS_UP_MINUTES = 30;
/** Local hours [from, until) in which no heartbeat fires and no reclaim is planned to start. */
export const DST_UNSAFE_HOURS = { from: 1, until: 3 } as const;

const MINUTE_MS = 60_000;

function step(granularityMinutes: number): number {
  return Math.max(1, Math.floor(granularityMinutes));
}

/**
 * The last grid slot at or before `latest`: the minute of the hour, in `timeZone`, rounded down to a multiple
 * of `granularityMinutes` (as cron's `0/n` fires), seconds dropped. Computed on the instant, not by setting
 * local fields, so an ambiguous fall-back hour cannot move it by an hour.
 */
export function floorToScheduleGrid(latest: Date, timeZone: string, granularityMinutes: number): Date {
  const local = DateTime.fromJSDate(latest, { zone: timeZone });
  const past = ((local.minute % step(granularityMinutes)) * 60 + local.second) * 1000 + local.millisecond;
  return new Date(latest.getTime() - past);
}

/** The grid slot after `slot` (itself a slot): the next multiple of the step, or the next hour's :00. */
export function nextGridSlot(slot: Date, timeZone: string, granularityMinutes: number): Date {
  const later = new Date(slot.getTime() + step(granularityMinutes) * MINUTE_MS);
  return floorToScheduleGrid(later, timeZone, granularityMinutes);
}

/** True when `at` lies from 01:00 to 03:00 local, where DST skips or repeats wall-clock times. */
export function isDstUnsafe(at: Date, timeZone: string): boolean {
  const hour = DateTime.fromJSDate(at, { zone: timeZone }).hour;
  return hour >= DST_UNSAFE_HOURS.from && hour < DST_UNSAFE_HOURS.until;
}

/**
 * The heartbeat on which a reclaim for a session opening at `open` starts: the grid slot at or before
 * open − lead, or, when that falls from 01:00 to 03:00 local, the last slot before 01:00 (earlier is safe,
 * later could miss the bell). The schedules fire on every slot such a start can take.
 */
export function plannedReclaimStart(
  open: Date,
  leadMinutes: number,
  timeZone: string,
  granularityMinutes: number,
): Date {
  let start = floorToScheduleGrid(
    new Date(open.getTime() - leadMinutes * MINUTE_MS),
    timeZone,
    granularityMinutes,
  );
  // Each pass moves to just before the band's local 01:00 (a repeated fall-back hour can take a second pass).
  while (isDstUnsafe(start, timeZone)) {
    const local = DateTime.fromJSDate(start, { zone: timeZone });
    const sinceBandStart = (local.hour - DST_UNSAFE_HOURS.from) * 60 + local.minute;
    const justBefore = new Date(start.getTime() - (sinceBandStart + 1) * MINUTE_MS);
    start = floorToScheduleGrid(justBefore, timeZone, granularityMinutes);
  }
  return start;
}

/**
 * The heartbeat on which borrowers hear of the reclaim planned to start at `plannedStart`: the grid slot at or
 * before `headsUpMinutes` earlier, moved before 01:00 local as a planned start is (a heads-up may come early,
 * never late). The schedules fire on every slot it can take, so it is never a restated time.
 */
export function plannedHeadsUp(
  plannedStart: Date,
  headsUpMinutes: number,
  timeZone: string,
  granularityMinutes: number,
): Date {
  return plannedReclaimStart(plannedStart, headsUpMinutes, timeZone, granularityMinutes);
}

/** The first grid slot at or after `at` outside 01:00–03:00 local: the heartbeat that follows a close. */
export function firstSlotAtOrAfter(at: Date, timeZone: string, granularityMinutes: number): Date {
  let slot = floorToScheduleGrid(at, timeZone, granularityMinutes);
  if (slot < at) slot = nextGridSlot(slot, timeZone, granularityMinutes);
  while (isDstUnsafe(slot, timeZone)) slot = nextGridSlot(slot, timeZone, granularityMinutes);
  return slot;
}
