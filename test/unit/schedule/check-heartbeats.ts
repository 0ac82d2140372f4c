/**
 * Checks Scheduler expressions against the policy, by evaluating them as the Scheduler does
 * (sandbox/schedule-expression.ts) in the market's zone: for every session in [from, to), a heartbeat
 * fires exactly at the reclaim start the policy plans (scheduleWindow's reclaimFrom) for each lead, and one
 * within a grid step after the close (at 03:00 local when that step falls from 01:00 to 03:00); none fires
 * from 01:00 to 03:00 local, and one at the heads-up `headsUp.minutesBefore` ahead of each planned start.
 * Returns what is wrong, in words; empty when nothing is.
 */
import { DateTime } from 'luxon';
import { fireTimes } from '#sandbox/schedule-expression.ts';
import { sessionsBetween } from '#shared/calendar/index.ts';
import type { PolicyConfig } from '#shared/config/schema.ts';
import { calendarOptions, scheduleWindow } from '#shared/policy/lead.ts';
import { plannedHeadsUp } from '#shared/schedule/grid.ts';

const MINUTE = 60_000;
const DAY = 86_400_000;

export interface HeartbeatCheck {
  config: PolicyConfig;
  market: string;
  /** The market's schedules as planned or packaged: their zone and expressions; absent when there are none. */
  schedule: { timeZone: string; expressions: readonly string[] } | undefined;
  /** Leads (minutes, at most lead.maximumMinutes) the policy may plan with. */
  leads: readonly number[];
  from: Date;
  to: Date;
}

export function heartbeatProblems(check: HeartbeatCheck): string[] {
  const { config, market, schedule, from, to } = check;
  if (schedule === undefined) return [`${market}: no heartbeat schedule`];
  const zone = schedule.timeZone;
  const granularity = config.lead.scheduleGranularityMinutes;
  const fires = schedule.expressions
    .flatMap((expression) =>
      fireTimes(expression, {
        after: new Date(from.getTime() - 2 * DAY),
        until: new Date(to.getTime() + 2 * DAY),
        timeZone: zone,
      }),
    )
    .sort((a, b) => a.getTime() - b.getTime());
  const fireSet = new Set(fires.map((fire) => fire.getTime()));
  const local = (at: Date): DateTime => DateTime.fromJSDate(at, { zone });
  const problems: string[] = [];
  for (const fire of fires) {
    if ([1, 2].includes(local(fire).hour))
      problems.push(`${market} fires at ${local(fire).toISO()}, from 01:00 to 03:00`);
  }
  const sessions = sessionsBetween(market, from, to, calendarOptions(config));
  if (sessions.length === 0) problems.push(`${market} has no session from ${from.toISOString()}`);
  for (const [index, session] of sessions.entries()) {
    if (index === 0) continue;
    const previousClose = sessions[index - 1]?.close ?? from;
    for (const lead of check.leads) {
      const window = scheduleWindow(market, previousClose, lead, config);
      const start = window.reclaimFrom;
      if (window.session.open.getTime() !== session.open.getTime()) {
        problems.push(
          `${market} ${session.date}: the policy plans for the session opening ${window.session.open.toISOString()}`,
        );
      } else if (start.getTime() > session.open.getTime() - lead * MINUTE) {
        problems.push(
          `${market} ${session.date}: the planned start ${local(start).toISO()} is less than ${lead} min before the open`,
        );
      } else if (!fireSet.has(start.getTime())) {
        problems.push(
          `${market} ${session.date}: no heartbeat at the planned start ${local(start).toISO()} (lead ${lead} min)`,
        );
      }
      const headsUp = plannedHeadsUp(start, config.headsUp.minutesBefore, zone, granularity);
      if (headsUp.getTime() > start.getTime() - config.headsUp.minutesBefore * MINUTE) {
        problems.push(`${market} ${session.date}: the heads-up ${local(headsUp).toISO()} is late`);
      } else if (!fireSet.has(headsUp.getTime())) {
        problems.push(
          `${market} ${session.date}: no heartbeat at the heads-up ${local(headsUp).toISO()} (lead ${lead} min)`,
        );
      }
    }
    const after = fires.find((fire) => fire >= session.close);
    if (after === undefined) {
      problems.push(`${market} ${session.date}: no heartbeat after the close`);
      continue;
    }
    const wait = (after.getTime() - session.close.getTime()) / MINUTE;
    if (wait <= granularity) continue;
    const slotHour = local(new Date(session.close.getTime() + granularity * MINUTE)).hour;
    const fired = local(after);
    if (!([1, 2].includes(slotHour) && fired.hour === 3 && fired.minute < granularity)) {
      problems.push(
        `${market} ${session.date}: the first heartbeat after the ${session.closeLocal} close is ${wait} min later (${fired.toFormat('HH:mm')})`,
      );
    }
  }
  return problems;
}
