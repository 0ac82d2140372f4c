/**
 * Exchange calendars, shipped as data (npm has no maintained calendar with early closes). Each year names
 * the page its dates were taken from; update a year when the exchange revises it, and add the next year
 * before the data runs out (calendarWarnings starts warning 90 days ahead).
 */

export interface EarlyClose {
  /** Local close time, HH:MM. */
  close: string;
  note: string;
}

export interface LateOpen {
  /** Local open time, HH:MM: the day's first session starts then (sessions that end before it are dropped). */
  open: string;
  note: string;
}

export interface CalendarYear {
  /** Where the dates come from, as published by the exchange (and whether exchange_calendars agrees). */
  source: string;
  /** Full-day closures (holidays and ad-hoc closures), local date → why. */
  closures: Readonly<Record<string, string>>;
  /** The day's last session ends at `close`; later sessions of that day (after a lunch break) are dropped. */
  earlyCloses: Readonly<Record<string, EarlyClose>>;
  lateOpens?: Readonly<Record<string, LateOpen>>;
}

/**
 * One regular session of a trading day, local HH:MM. A close at or before the open ends on the next local
 * day (a futures session that opens in the evening). Two sessions make a lunch break (Tokyo, Hong Kong).
 */
export interface RegularSession {
  open: string;
  close: string;
}

export interface ExchangeCalendarData {
  mic: string;
  name: string;
  timeZone: string;
  /** The regular sessions of a trading day, in order (local HH:MM). */
  sessions: readonly RegularSession[];
  /** ISO weekdays with a regular session (1 = Monday). */
  tradingWeekdays: readonly number[];
  /** Inclusive local dates the data covers; outside it, a weekday is assumed a trading day. */
  dataFrom: string;
  dataTo: string;
  years: Readonly<Record<number, CalendarYear>>;
}

/** Early closes at one local time, each with its own note: `closesAt('13:00')('Christmas Eve')`. */
export function closesAt(close: string): (note: string) => EarlyClose {
  return (note) => ({ close, note });
}

/** An exchange as its file writes it: the data covers the years it lists, and it trades Monday to Friday unless it says otherwise. */
export type ExchangeCalendarSpec = Omit<ExchangeCalendarData, 'tradingWeekdays' | 'dataFrom' | 'dataTo'> &
  Partial<Pick<ExchangeCalendarData, 'tradingWeekdays'>>;

const MONDAY_TO_FRIDAY: readonly number[] = [1, 2, 3, 4, 5];

/**
 * An exchange's calendar data, its range read from the years it lists, so adding a year is the one edit that
 * extends it. The years must follow each other: a missing year inside the range would read as a year with
 * no holidays rather than as one the data does not know.
 */
export function exchangeCalendar(spec: ExchangeCalendarSpec): ExchangeCalendarData {
  const years = Object.keys(spec.years)
    .map(Number)
    .sort((a, b) => a - b);
  const first = years[0];
  const last = years.at(-1);
  if (first === undefined || last === undefined) throw new RangeError(`${spec.mic} lists no calendar year`);
  if (last - first + 1 !== years.length)
    throw new RangeError(`${spec.mic} calendar years must follow each other: ${years.join(', ')}`);
  return {
    mic: spec.mic,
    name: spec.name,
    timeZone: spec.timeZone,
    sessions: spec.sessions,
    tradingWeekdays: spec.tradingWeekdays ?? MONDAY_TO_FRIDAY,
    dataFrom: `${first}-01-01`,
    dataTo: `${last}-12-31`,
    years: spec.years,
  };
}

/**
 * The years of a venue whose dates follow another's: each of the leader's years, rewritten by `follow` (which
 * names the follower's own source, and keeps or drops what differs).
 */
export function yearsFollowing(
  leader: ExchangeCalendarData,
  follow: (year: CalendarYear, yearNumber: number) => CalendarYear,
): Record<number, CalendarYear> {
  return Object.fromEntries(
    Object.entries(leader.years).map(([year, entry]) => [year, follow(entry, Number(year))]),
  );
}
