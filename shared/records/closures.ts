/**
 * Short-notice market closures recorded by on-call, as tags on the managed source reservations of that
 * market: `odcr-reclaimer:closure:<MARKET>:<YYYY-MM-DD>` = reason. Tags rather than the config: on-call can
 * add one in minutes without a redeploy, every run already reads the reservations' tags (no new store, no new
 * permission: the service's record keys are `odcr-reclaimer:*`), and a closure written on every reservation
 * of the market, in every region, survives the loss of any one of them. Pure codec: tags come from anyone
 * with CreateTags, so every read validates and a bad record is left out.
 */
import type { ShortNoticeClosure } from '../domain/records.ts';
import { MAX_TAG_VALUE_LENGTH, type Tags } from './tags.ts';

export const CLOSURE_TAG_PREFIX = 'odcr-reclaimer:closure:';

const DATE = /^\d{4}-\d{2}-\d{2}$/;
const MARKET = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,31}$/;
// biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are exactly what is refused
const CONTROL_CHARACTERS = /[\u0000-\u001f\u007f]/;

/** The tag key of one closure: the key names the market and date, the value is the reason. */
export function closureTagKey(market: string, date: string): string {
  return `${CLOSURE_TAG_PREFIX}${market}:${date}`;
}

/** The tag that records `closure`. */
export function closureTags(closure: ShortNoticeClosure): Record<string, string> {
  return { [closureTagKey(closure.market, closure.date)]: closure.reason };
}

/** The closures one reservation's tags record, and the keys of malformed ones (left out). */
export function readClosureTags(tags: Tags): { closures: ShortNoticeClosure[]; malformedKeys: string[] } {
  const closures: ShortNoticeClosure[] = [];
  const malformedKeys: string[] = [];
  for (const key of Object.keys(tags)) {
    if (!key.startsWith(CLOSURE_TAG_PREFIX)) continue;
    const rest = key.slice(CLOSURE_TAG_PREFIX.length);
    const separator = rest.lastIndexOf(':');
    const market = rest.slice(0, separator);
    const date = rest.slice(separator + 1);
    const reason = tags[key] ?? '';
    const wellFormed =
      separator >= 0 &&
      MARKET.test(market) &&
      isDate(date) &&
      reason.length <= MAX_TAG_VALUE_LENGTH &&
      !CONTROL_CHARACTERS.test(reason);
    if (wellFormed) closures.push({ market, date, reason });
    else malformedKeys.push(key);
  }
  return { closures, malformedKeys };
}

function isDate(text: string): boolean {
  if (!DATE.test(text)) return false;
  const [year = 0, month = 0, day = 0] = text.split('-').map(Number);
  const date = new Date(Date.UTC(year, month - 1, day));
  return date.getUTCFullYear() === year && date.getUTCMonth() === month - 1 && date.getUTCDate() === day;
}
