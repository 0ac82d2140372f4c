/**
 * Trading sessions per market, from the shipped exchange data (or a custom market defined in the config) and
 * the IANA time-zone database (luxon), so DST is never a fixed offset. A trading day may have several
 * sessions (a lunch break) and a session may cross midnight (it belongs to the local date its day opens on).
 * Days outside a built-in exchange's data range are assumed trading days (fail safe: capacity comes back on a
 * holiday rather than going missing on a trading day), and say so in warnings; custom markets are fully
 * specified by the config, so none of their days is assumed.
 */
import { DateTime } from 'luxon';
import type { CalendarYear, EarlyClose, ExchangeCalendarData, LateOpen, RegularSession } from './data.ts';
import { BUILT_IN_EXCHANGES } from './exchanges/index.ts';

/** A market's name: a built-in exchange's MIC or a custom market configured under `markets`. */
export type MarketId = string;

/** The MICs with a shipped calendar, in BUILT_IN_EXCHANGES order. */
export const BUILT_IN_MARKETS: readonly string[] = BUILT_IN_EXCHANGES.map((exchange) => exchange.mic);

/** Trading days of a custom market, as a config writes them; index + 1 is the ISO weekday. */
export const WEEKDAY_NAMES = ['MON', 'TUE', 'WED', 'THU', 'FRI', 'SAT', 'SUN'] as const;
export type WeekdayName = (typeof WEEKDAY_NAMES)[number];

/** Settings a config may give any market, built-in or custom. */
export interface MarketSettings {
  /**
   * Whether a lunch break is lent out. Not lent (the default): the policy sees one interval from the first
   * open to the last close. Lent: each part of the day is its own session, reclaimed before it opens.
   */
  lendLunchBreak?: boolean | undefined;
}

/** A market the config defines in full (no shipped data): every closure and early close is in it. */
export interface CustomMarketDefinition extends MarketSettings {
  timeZone: string;
  tradingDays: readonly WeekdayName[];
  sessions: readonly RegularSession[];
  closures?: Readonly<Record<string, string>> | undefined;
  earlyCloses?: Readonly<Record<string, EarlyClose>> | undefined;
  lateOpens?: Readonly<Record<string, LateOpen>> | undefined;
}

export type MarketDefinition = MarketSettings | CustomMarketDefinition;

export interface CalendarOptions {
  /** The config's `markets`: settings for built-in MICs, definitions for custom markets. */
  markets?: Readonly<Record<string, MarketDefinition>> | undefined;
  /** Short-notice closures recorded by on-call, market → local date → reason: the day does not trade. */
  closures?: Readonly<Record<string, Readonly<Record<string, string>>>> | undefined;
}

/** Warn this many days before a calendar's data runs out. */
export const DATA_EXPIRY_WARNING_DAYS = 90;

/** A pause inside a session that is not lent out (a lunch break when `lendLunchBreak` is off). */
export interface SessionBreak {
  start: Date;
  end: Date;
  /** Local wall-clock times, HH:MM. */
  startLocal: string;
  endLocal: string;
}

export interface Session {
  mic: MarketId;
  /** Local trading date, YYYY-MM-DD: the date the trading day's first session opens on. */
  date: string;
  timeZone: string;
  open: Date;
  close: Date;
  /** Local wall-clock times, HH:MM (a time that falls in a DST gap is moved forward, as luxon does). */
  openLocal: string;
  closeLocal: string;
  /** Breaks inside [open, close) during which the market does not trade but the capacity is not lent. */
  breaks: readonly SessionBreak[];
  earlyClose: boolean;
  lateOpen: boolean;
  /** Why the close is early or the open late (e.g. `day after Thanksgiving`). */
  note?: string;
  /** True when the day lies outside the calendar's data and is only assumed to trade. */
  assumed: boolean;
}

export interface DayStatus {
  date: string;
  trading: boolean;
  /** The whole trading day, first open to last close, with its breaks (undefined when closed). */
  session?: Session;
  /**
   * The day's sessions as the policy sees them: `[session]`, or one per part of the day when the market's
   * lunch break is lent out. Empty when closed.
   */
  sessions: Session[];
  /** Why a trading weekday is closed (holiday, ad-hoc or short-notice closure). */
  closure?: string;
  assumed: boolean;
}

const MAX_DAYS_TO_NEXT_SESSION = 30;
const MINUTES_PER_DAY = 1440;

/** A market's calendar as the engine reads it: its data and the config's settings for it. */
interface ResolvedMarket {
  mic: string;
  data: ExchangeCalendarData;
  lendLunchBreak: boolean;
  builtIn: boolean;
  /** Identifies (data, settings) in the day cache. */
  key: string;
}

const BUILT_IN_BY_MIC: ReadonlyMap<string, ExchangeCalendarData> = new Map(
  BUILT_IN_EXCHANGES.map((exchange) => [exchange.mic, exchange]),
);

export function isBuiltInMarket(mic: string): boolean {
  return BUILT_IN_BY_MIC.has(mic);
}

/** Whether a definition under `markets` defines a market of its own (it has a time zone) or only settings. */
export function isCustomMarketDefinition(
  definition: MarketDefinition | undefined,
): definition is CustomMarketDefinition {
  return definition !== undefined && 'timeZone' in definition;
}

/** Every market the options know: the built-in ones, then the custom ones in config order. */
export function knownMarkets(options?: CalendarOptions): string[] {
  const custom = Object.entries(options?.markets ?? {})
    .filter(([mic, definition]) => !isBuiltInMarket(mic) && isCustomMarketDefinition(definition))
    .map(([mic]) => mic);
  return [...BUILT_IN_MARKETS, ...custom];
}

export function isKnownMarket(mic: string, options?: CalendarOptions): boolean {
  return isBuiltInMarket(mic) || isCustomMarketDefinition(options?.markets?.[mic]);
}

const builtInResolved = new Map<string, ResolvedMarket>();
// Custom definitions are the parsed config's own objects: one resolution per object, not per call.
const customResolved = new WeakMap<CustomMarketDefinition, ResolvedMarket>();
let customMarketsResolved = 0;

function resolveMarket(mic: MarketId, options: CalendarOptions | undefined): ResolvedMarket {
  const definition = options?.markets?.[mic];
  const builtIn = BUILT_IN_BY_MIC.get(mic);
  if (builtIn !== undefined) {
    const lendLunchBreak = definition?.lendLunchBreak === true;
    const key = `${mic}|${lendLunchBreak ? 'lent' : 'kept'}`;
    let resolved = builtInResolved.get(key);
    if (resolved === undefined) {
      resolved = { mic, data: builtIn, lendLunchBreak, builtIn: true, key };
      builtInResolved.set(key, resolved);
    }
    return resolved;
  }
  if (isCustomMarketDefinition(definition)) {
    let resolved = customResolved.get(definition);
    if (resolved === undefined) {
      customMarketsResolved += 1;
      resolved = {
        mic,
        data: customMarketData(mic, definition),
        lendLunchBreak: definition.lendLunchBreak === true,
        builtIn: false,
        key: `custom#${customMarketsResolved}|${mic}`,
      };
      customResolved.set(definition, resolved);
    }
    return resolved;
  }
  throw new RangeError(
    `unknown market '${mic}': expected one of ${BUILT_IN_MARKETS.join(', ')} or a custom market under markets`,
  );
}

/** A custom market in the shipped data's shape: dated entries grouped by year, and no data range to leave. */
function customMarketData(mic: string, definition: CustomMarketDefinition): ExchangeCalendarData {
  const years: Record<
    number,
    {
      closures: Record<string, string>;
      earlyCloses: Record<string, EarlyClose>;
      lateOpens: Record<string, LateOpen>;
    }
  > = {};
  const yearOf = (date: string) => {
    const year = Number(date.slice(0, 4));
    years[year] ??= { closures: {}, earlyCloses: {}, lateOpens: {} };
    return years[year];
  };
  for (const [date, reason] of Object.entries(definition.closures ?? {}))
    yearOf(date).closures[date] = reason;
  for (const [date, early] of Object.entries(definition.earlyCloses ?? {}))
    yearOf(date).earlyCloses[date] = early;
  for (const [date, late] of Object.entries(definition.lateOpens ?? {})) yearOf(date).lateOpens[date] = late;
  const calendarYears: Record<number, CalendarYear> = {};
  for (const [year, entries] of Object.entries(years)) {
    calendarYears[Number(year)] = { source: 'custom market in the config', ...entries };
  }
  return {
    mic,
    name: mic,
    timeZone: definition.timeZone,
    sessions: definition.sessions,
    tradingWeekdays: definition.tradingDays.map((day) => WEEKDAY_NAMES.indexOf(day) + 1),
    dataFrom: '0001-01-01',
    dataTo: '9999-12-31',
    years: calendarYears,
  };
}

/** The time zone a market's hours are written in. */
export function marketTimeZone(mic: MarketId, options?: CalendarOptions): string {
  return resolveMarket(mic, options).data.timeZone;
}

/** The published source of a market's data for a year, or undefined when the year is not covered. */
export function calendarSource(mic: MarketId, year: number, options?: CalendarOptions): string | undefined {
  return resolveMarket(mic, options).data.years[year]?.source;
}

/**
 * Days from `at` (the market's local date) to the last day of its built-in data, or undefined for a custom
 * market (no data range). Negative once the data has run out.
 */
export function calendarDataDaysLeft(mic: MarketId, at: Date, options?: CalendarOptions): number | undefined {
  const market = resolveMarket(mic, options);
  if (!market.builtIn) return undefined;
  return daysUntilDataEnds(
    market.data,
    DateTime.fromJSDate(at, { zone: market.data.timeZone }).startOf('day'),
  );
}

function daysUntilDataEnds(data: ExchangeCalendarData, today: DateTime): number {
  return Math.round(DateTime.fromISO(data.dataTo, { zone: data.timeZone }).diff(today, 'days').days);
}

// Time-zone arithmetic is the policy's hot path (the simulator decides thousands of times per run);
// a day's answer never changes, so it is computed once. Bounded so a long-running process stays small.
const dayCache = new Map<string, DayStatus>();
const DAY_CACHE_LIMIT = 20_000;

/** Whether a local date trades, and its sessions. */
export function dayStatus(mic: MarketId, date: string, options?: CalendarOptions): DayStatus {
  const market = resolveMarket(mic, options);
  const key = `${market.key}|${date}`;
  let status = dayCache.get(key);
  if (status === undefined) {
    status = computeDayStatus(market, date);
    if (dayCache.size >= DAY_CACHE_LIMIT) dayCache.clear();
    dayCache.set(key, status);
  }
  const shortNotice = options?.closures?.[mic]?.[date];
  if (shortNotice !== undefined && status.trading) {
    return { date, trading: false, sessions: [], closure: shortNotice, assumed: status.assumed };
  }
  // Copies, so a caller that edits its answer cannot change anyone else's.
  return copyStatus(status);
}

function copyStatus(status: DayStatus): DayStatus {
  const copy: DayStatus = { ...status, sessions: status.sessions.map((session) => ({ ...session })) };
  if (status.session !== undefined) copy.session = { ...status.session };
  return copy;
}

/** One part of a trading day on the local wall clock: minutes from 00:00 of the trading date. */
interface WallPart {
  open: number;
  close: number;
}

function wallMinutes(time: string): number {
  const [hours = Number.NaN, minutes = Number.NaN] = time.split(':').map(Number);
  return hours * 60 + minutes;
}

/** The first wall minute at or after (or strictly after) `previous` that shows `time` on the clock. */
function nextWall(time: string, previous: number, strictly: boolean): number {
  let minute = wallMinutes(time);
  while (strictly ? minute <= previous : minute < previous) minute += MINUTES_PER_DAY;
  return minute;
}

/**
 * The day's parts on its wall clock: each open at or after the previous close, each close after its open
 * (so a session may end on the next local day), then a late open and an early close applied.
 */
function dayParts(
  sessions: readonly RegularSession[],
  lateOpen: LateOpen | undefined,
  earlyClose: EarlyClose | undefined,
): WallPart[] {
  let parts: WallPart[] = [];
  let previous = Number.NEGATIVE_INFINITY;
  for (const session of sessions) {
    const open = parts.length === 0 ? wallMinutes(session.open) : nextWall(session.open, previous, false);
    const close = nextWall(session.close, open, true);
    parts.push({ open, close });
    previous = close;
  }
  const firstOpen = parts[0]?.open;
  if (firstOpen === undefined) return parts;
  if (lateOpen !== undefined) {
    // The day's first session starts then; sessions that end before it are dropped.
    const start = nextWall(lateOpen.open, firstOpen, false);
    parts = parts
      .filter((part) => part.close > start)
      .map((part) => ({ open: Math.max(part.open, start), close: part.close }));
  }
  const effectiveOpen = parts[0]?.open;
  if (earlyClose !== undefined && effectiveOpen !== undefined) {
    // The day's last session ends then; sessions after it are dropped.
    const end = nextWall(earlyClose.close, effectiveOpen, true);
    parts = parts
      .filter((part) => part.open < end)
      .map((part) => ({ open: part.open, close: Math.min(part.close, end) }));
  }
  return parts;
}

function computeDayStatus(market: ResolvedMarket, date: string): DayStatus {
  const { data, mic } = market;
  const day = DateTime.fromISO(date, { zone: data.timeZone });
  if (!day.isValid) throw new RangeError(`not a date: ${date}`);
  if (!data.tradingWeekdays.includes(day.weekday))
    return { date, trading: false, sessions: [], assumed: false };
  const assumed = date < data.dataFrom || date > data.dataTo;
  const year = assumed ? undefined : data.years[day.year];
  const closure = year?.closures[date];
  if (closure !== undefined) return { date, trading: false, sessions: [], closure, assumed };
  const early = year?.earlyCloses[date];
  const late = year?.lateOpens?.[date];
  if (data.sessions.length === 0) throw new RangeError(`${mic} has no sessions`);
  const instants = dayParts(data.sessions, late, early)
    .map((part) => ({
      open: atWall(date, part.open, data.timeZone),
      close: atWall(date, part.close, data.timeZone),
    }))
    // A part swallowed by a DST gap has no time to trade.
    .filter((part) => part.close.toMillis() > part.open.toMillis());
  const first = instants[0];
  const last = instants[instants.length - 1];
  const notes = [late?.note, early?.note].filter((note): note is string => note !== undefined);
  if (first === undefined || last === undefined) {
    return { date, trading: false, sessions: [], closure: notes.join('; ') || 'no trading time', assumed };
  }
  const base = { mic, date, timeZone: data.timeZone, assumed };
  const breaks: SessionBreak[] = [];
  for (let index = 1; index < instants.length; index += 1) {
    const before = instants[index - 1];
    const after = instants[index];
    if (before === undefined || after === undefined) continue;
    breaks.push({
      start: before.close.toJSDate(),
      end: after.open.toJSDate(),
      startLocal: before.close.toFormat('HH:mm'),
      endLocal: after.open.toFormat('HH:mm'),
    });
  }
  const session = makeSession(
    base,
    first.open,
    last.close,
    breaks,
    late !== undefined,
    early !== undefined,
    notes,
  );
  const sessions =
    market.lendLunchBreak && instants.length > 1
      ? instants.map((part, index) =>
          makeSession(
            base,
            part.open,
            part.close,
            [],
            index === 0 && late !== undefined,
            index === instants.length - 1 && early !== undefined,
            notes,
          ),
        )
      : [session];
  return { date, trading: true, session, sessions, assumed };
}

function makeSession(
  base: Pick<Session, 'mic' | 'date' | 'timeZone' | 'assumed'>,
  open: DateTime,
  close: DateTime,
  breaks: readonly SessionBreak[],
  lateOpen: boolean,
  earlyClose: boolean,
  notes: readonly string[],
): Session {
  const session: Session = {
    mic: base.mic,
    date: base.date,
    timeZone: base.timeZone,
    open: open.toJSDate(),
    close: close.toJSDate(),
    openLocal: open.toFormat('HH:mm'),
    closeLocal: close.toFormat('HH:mm'),
    breaks,
    earlyClose,
    lateOpen,
    assumed: base.assumed,
  };
  if (notes.length > 0) session.note = notes.join('; ');
  return session;
}

/** Sessions that overlap [from, to), in order. */
export function sessionsBetween(mic: MarketId, from: Date, to: Date, options?: CalendarOptions): Session[] {
  const zone = marketTimeZone(mic, options);
  const sessions: Session[] = [];
  // A session's local date can differ from the UTC date of its instants, and a session may end on the next
  // local day: start a day early.
  let day = addDays(localDate(from, zone), -1);
  const last = addDays(localDate(to, zone), 1);
  while (day <= last) {
    for (const session of dayStatus(mic, day, options).sessions) {
      if (session.close > from && session.open < to) sessions.push(session);
    }
    day = addDays(day, 1);
  }
  return sessions;
}

/** The session in progress at `at`, or the next one to open (the first whose close is after `at`). */
export function currentOrNextSession(mic: MarketId, at: Date, options?: CalendarOptions): Session {
  const zone = marketTimeZone(mic, options);
  let day = addDays(localDate(at, zone), -1);
  for (let step = 0; step <= MAX_DAYS_TO_NEXT_SESSION; step += 1) {
    for (const session of dayStatus(mic, day, options).sessions) {
      if (session.close > at) return session;
    }
    day = addDays(day, 1);
  }
  throw new RangeError(
    `${mic} has no session within ${MAX_DAYS_TO_NEXT_SESSION} days of ${at.toISOString()}`,
  );
}

/** The last session that closed at or before `at`, if any within 30 days. */
export function previousSession(mic: MarketId, at: Date, options?: CalendarOptions): Session | undefined {
  const zone = marketTimeZone(mic, options);
  let day = addDays(localDate(at, zone), 1);
  for (let step = 0; step <= MAX_DAYS_TO_NEXT_SESSION; step += 1) {
    const sessions = dayStatus(mic, day, options).sessions;
    for (let index = sessions.length - 1; index >= 0; index -= 1) {
      const session = sessions[index];
      if (session !== undefined && session.close <= at) return session;
    }
    day = addDays(day, -1);
  }
  return undefined;
}

/**
 * What an operator must know about the calendar at `at`: the day lies outside the data (assumed a trading
 * day), or the data runs out within 90 days. Custom markets have no data range, so no warnings.
 */
export function calendarWarnings(mic: MarketId, at: Date, options?: CalendarOptions): string[] {
  const market = resolveMarket(mic, options);
  if (!market.builtIn) return [];
  // The answer depends only on the market's local date.
  const key = `${mic}|${localDate(at, market.data.timeZone)}`;
  let warnings = warningCache.get(key);
  if (warnings === undefined) {
    warnings = computeCalendarWarnings(market.data, at);
    if (warningCache.size >= DAY_CACHE_LIMIT) warningCache.clear();
    warningCache.set(key, warnings);
  }
  return [...warnings];
}

const warningCache = new Map<string, string[]>();

function computeCalendarWarnings(data: ExchangeCalendarData, at: Date): string[] {
  const mic = data.mic;
  const today = DateTime.fromJSDate(at, { zone: data.timeZone }).startOf('day');
  const date = today.toISODate() ?? '';
  if (date < data.dataFrom || date > data.dataTo) {
    return [
      `${mic} calendar data covers ${data.dataFrom} to ${data.dataTo}; ${date} is outside it, so weekdays are assumed trading days (holidays unknown): add the exchange's calendar for ${today.year}`,
    ];
  }
  const daysLeft = daysUntilDataEnds(data, today);
  if (daysLeft < DATA_EXPIRY_WARNING_DAYS) {
    return [
      `${mic} calendar data runs out on ${data.dataTo} (in ${daysLeft} days): add the exchange's next calendar year`,
    ];
  }
  return [];
}
/** A local day of a time zone: its date and the instants it spans, [start, end). */
interface LocalDay {
  date: string;
  start: number;
  end: number;
}

const DAY_MS = 86_400_000;
// Local days found so far, per zone and UTC day (a UTC day overlaps at most three local days): finding an
// instant's local date with luxon costs tens of microseconds, a lookup here next to nothing.
const localDayCache = new Map<string, LocalDay[]>();

/**
 * The local date (YYYY-MM-DD) of an instant in a time zone, as luxon's `startOf('day').toISODate()` gives
 * it; '' for an unknown zone or an invalid instant (which `dayStatus` then rejects as not a date).
 */
export function localDate(at: Date, zone: string): string {
  const instant = at.getTime();
  const key = `${zone}|${Math.floor(instant / DAY_MS)}`;
  const known = localDayCache.get(key);
  const found = known?.find((day) => instant >= day.start && instant < day.end);
  if (found !== undefined) return found.date;
  const start = DateTime.fromJSDate(at, { zone }).startOf('day');
  const date = start.toISODate();
  if (date === null) return '';
  // Only a plain 24-hour day (midnight to midnight at one offset) is remembered: a day with a DST change is
  // left to luxon every time, so no instant can be given its neighbour's date.
  const end = start.toMillis() + DAY_MS;
  const last = DateTime.fromMillis(end - 1, { zone });
  const plain =
    start.hour === 0 &&
    start.minute === 0 &&
    start.second === 0 &&
    start.millisecond === 0 &&
    last.offset === start.offset &&
    last.toISODate() === date;
  if (plain && instant >= start.toMillis() && instant < end) {
    if (localDayCache.size >= DAY_CACHE_LIMIT) localDayCache.clear();
    localDayCache.set(key, [...(known ?? []), { date, start: start.toMillis(), end }]);
  }
  return date;
}

/** A YYYY-MM-DD date moved by whole days on the proleptic Gregorian calendar, as luxon moves it; '' stays ''. */
function addDays(date: string, days: number): string {
  if (date === '') return '';
  const [year = Number.NaN, month = Number.NaN, day = Number.NaN] = date.split('-').map(Number);
  const moved = new Date(0);
  moved.setUTCFullYear(year, month - 1, day + days);
  const movedYear = moved.getUTCFullYear();
  if (!Number.isFinite(movedYear) || movedYear < 0 || movedYear > 9999) {
    // Outside four-digit years, luxon's own arithmetic and formatting.
    return DateTime.fromISO(date, { zone: 'UTC' }).plus({ days }).toISODate() ?? '';
  }
  return `${String(movedYear).padStart(4, '0')}-${String(moved.getUTCMonth() + 1).padStart(2, '0')}-${String(moved.getUTCDate()).padStart(2, '0')}`;
}

function atLocal(date: string, time: string, zone: string): DateTime {
  const local = DateTime.fromISO(`${date}T${time}`, { zone });
  if (!local.isValid) throw new RangeError(`not a local time: ${date}T${time} in ${zone}`);
  return local;
}

/** The instant of a wall minute counted from 00:00 of `date` (past 24:00 it is on a later local day). */
function atWall(date: string, minute: number, zone: string): DateTime {
  const days = Math.floor(minute / MINUTES_PER_DAY);
  const ofDay = minute - days * MINUTES_PER_DAY;
  const time = `${String(Math.floor(ofDay / 60)).padStart(2, '0')}:${String(ofDay % 60).padStart(2, '0')}`;
  return atLocal(addDays(date, days), time, zone);
}
