/** On-call's short-notice closures as the policy gathers them from every observed reservation's records. */
import type { ReservationRecords, ShortNoticeClosure } from '../domain/records.ts';

/**
 * Every closure any observed reservation records, market → date → reason: one reservation carrying it is
 * enough (a tag write that reached only some of them still closes the market). Where copies disagree on the
 * reason, the first in text order is taken, so the answer does not depend on the order of the observation.
 */
export function observedClosures(
  reservations: readonly { records: Pick<ReservationRecords, 'closures'> }[],
): Record<string, Record<string, string>> {
  const closures: Record<string, Record<string, string>> = {};
  for (const reservation of reservations) {
    for (const closure of reservation.records.closures) {
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
