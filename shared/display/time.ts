/**
 * The one way a time is shown to a person, in every CLI, summary and report: as the exchange reads it, with
 * its zone, and in UTC beside it, `Mon 09 Mar 09:30 EDT (13:30Z)`. On-call reads the local time against the
 * bell and the UTC time against logs and AWS consoles; a bare ISO string or an unzoned clock serves neither.
 */
import { DateTime } from 'luxon';

/** A Date, epoch milliseconds or an ISO 8601 string with its offset. */
export type Moment = Date | number | string;

function toDateTime(at: Moment, zone: string): DateTime {
  if (typeof at === 'string') return DateTime.fromISO(at, { zone });
  return DateTime.fromMillis(typeof at === 'number' ? at : at.getTime(), { zone });
}

export interface TimeFormatOptions {
  /** Add the year (for plans and dates beyond this week). */
  year?: boolean;
}

/**
 * `Mon 09 Mar 09:30 EDT (13:30Z)`; `Fri 27 Nov 20:30 EST (Sat 01:30Z)` when UTC is on another day; with
 * `year`, `Mon 09 Mar 2026 09:30 EDT (13:30Z)`. Zones without an abbreviation show their offset (`GMT+4`).
 */
export function formatTime(at: Moment, zone: string, options: TimeFormatOptions = {}): string {
  const local = toDateTime(at, zone);
  const utc = local.setZone('UTC');
  const sameDay = local.toISODate() === utc.toISODate();
  const localText = local.toFormat(options.year ? 'ccc dd LLL yyyy HH:mm ZZZZ' : 'ccc dd LLL HH:mm ZZZZ');
  return `${localText} (${utc.toFormat(sameDay ? 'HH:mm' : 'ccc HH:mm')}Z)`;
}

/** The width `formatTime` needs at most without the year, for columns of times. */
export const TIME_COLUMN_WIDTH = 'Mon 09 Mar 09:30 GMT+10:30 (Tue 13:30Z)'.length;

/** A duration as on-call reads it: `45 s`, `3 min 20 s`, `1 h 05 min`. */
export function formatDuration(milliseconds: number): string {
  const seconds = Math.max(0, Math.round(milliseconds / 1000));
  if (seconds < 60) return `${seconds} s`;
  const minutes = Math.floor(seconds / 60);
  if (minutes < 60) return `${minutes} min ${String(seconds % 60).padStart(2, '0')} s`;
  return `${Math.floor(minutes / 60)} h ${String(minutes % 60).padStart(2, '0')} min`;
}
