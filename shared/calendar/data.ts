/**
 * Exchange calendars, shipped as data (npm has no maintained calendar with early closes). Each year names
 * the page its dates were taken from; update a year when the exchange revises it, and add the next year
 * before `dataTo` (calendarWarnings starts warning 90 days ahead).
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
