/**
 * How long the shipped calendar data of the config's markets still lasts. A built-in calendar that runs out
 * turns every later day into an assumed trading day (holidays unknown): the reconcile publishes the fewest
 * days left as a metric, and an alarm pages well before that matters.
 */
import { calendarDataDaysLeft, isBuiltInMarket } from '../calendar/calendar.ts';
import type { PolicyConfig } from '../config/schema.ts';

export interface CalendarDataLeft {
  /** The built-in market whose data runs out first. */
  market: string;
  /** Days from its local today to the last day of its data (negative once past it). */
  days: number;
}

/** The configured built-in market whose data ends first, or undefined when the config uses none. */
export function leastCalendarDataLeft(
  config: Pick<PolicyConfig, 'reservations'>,
  now: Date,
): CalendarDataLeft | undefined {
  let least: CalendarDataLeft | undefined;
  for (const market of new Set(config.reservations.map((reservation) => reservation.market))) {
    if (!isBuiltInMarket(market)) continue;
    const days = calendarDataDaysLeft(market, now);
    if (days !== undefined && (least === undefined || days < least.days)) least = { market, days };
  }
  return least;
}
