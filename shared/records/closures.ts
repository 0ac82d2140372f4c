/**
 * Short-notice market closures recorded by on-call, as tags on the managed source reservations of that
 * market: `odcr-reclaimer:closure:<MARKET>:<YYYY-MM-DD>` = reason. Tags rather than the config: on-call can
 * add one in minutes without a redeploy, every run already reads the reservations' tags (no new store, no new
 * permission: the service's record keys are `odcr-reclaimer:*`), and a closure written on every reservation
 * of the market, in every region, survives the loss of any one of them. Pure codec: tags come from anyone
 * with CreateTags, so every read validates and a bad record is ignored.
 */
import type { ReservationSnapshot } from '../domain/reservation.ts';
import { MAX_TAG_VALUE_LENGTH, type Tags } from './tags.ts';

export const CLOSURE_TAG_PREFIX = 'odcr-reclaimer:closure:';

const DATE = /^\d{4}-\d{2}-\d{2}$/;
const MARKET = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,31}$/;
// biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are exactly what is refused
const CONTROL_CHARACTERS = /[\u0000-\u001f\u007f]/;

export interface ShortNoticeClosure {
  market: string;
  /** The market's local date, YYYY-MM-DD. */
  date: string;
  reason: string;
}

export function closureTagKey(market: string, date: string): string {
  return `${CLOSURE_TAG_PREFIX}${market}:${date}`;
}

/** The closures one reservation's tags record; malformed ones are left out. */
export function readClosureTags(tags: Tags): ShortNoticeClosure[] {
  const closures: ShortNoticeClosure[] = [];
  for (const key in tags) {
    if (!key.startsWith(CLOSURE_TAG_PREFIX)) continue;
    const rest = key.slice(CLOSURE_TAG_PREFIX.length);
    const separator = rest.lastIndexOf(':');
    const market = rest.slice(0, separator);
    const date = rest.slice(separator + 1);
    const reason = tags[key] ?? '';
    if (separator < 0 || !MARKET.test(market) || !isDate(date)) continue;
    if (reason.length > MAX_TAG_VALUE_LENGTH || CONTROL_CHARACTERS.test(reason)) continue;
    closures.push({ market, date, reason });
  }
  return closures;
}

/**
 * Every closure any observed reservation records, market → date → reason: one reservation carrying it is
 * enough (a tag write that reached only some of them still closes the market). Where copies disagree on the
 * reason, the first in text order is taken, so the answer does not depend on the order of the observation.
 */
export function observedClosures(
  reservations: readonly Pick<ReservationSnapshot, 'tags'>[],
): Record<string, Record<string, string>> {
  const closures: Record<string, Record<string, string>> = {};
  for (const reservation of reservations) {
    for (const closure of readClosureTags(reservation.tags)) {
      const market = closures[closure.market] ?? {};
      const known = market[closure.date];
      if (known === undefined || closure.reason < known) market[closure.date] = closure.reason;
      closures[closure.market] = market;
    }
  }
  return closures;
}

/** The closures as a list, by market then date. */
export function closureList(
  closures: Readonly<Record<string, Readonly<Record<string, string>>>>,
): ShortNoticeClosure[] {
  return Object.entries(closures)
    .flatMap(([market, dates]) => Object.entries(dates).map(([date, reason]) => ({ market, date, reason })))
    .sort((a, b) =>
      a.market === b.market ? a.date.localeCompare(b.date) : a.market.localeCompare(b.market),
    );
}

function isDate(text: string): boolean {
  if (!DATE.test(text)) return false;
  const [year = 0, month = 0, day = 0] = text.split('-').map(Number);
  const date = new Date(Date.UTC(year, month - 1, day));
  return date.getUTCFullYear() === year && date.getUTCMonth() === month - 1 && date.getUTCDate() === day;
}
