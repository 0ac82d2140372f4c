/**
 * The run's summary, computed from the event log alone (what the service published on its bus), so the
 * numbers people read are the numbers anyone could recompute from the events, and the summary can never
 * tell a better story than the service told at the time.
 */
import { DETAIL_TYPE, EVENT_SOURCE } from '#shared/events/service-events.ts';
import type {
  BorrowerSummary,
  EventSummary,
  HeadsUpReceipt,
  LendBackRecord,
  LoggedEvent,
  NoticeRecord,
  OwnerAccountSummary,
  ReceivedNotice,
  ReclaimRecord,
  SimulationResult,
} from './result.ts';

export interface SummaryOptions {
  window: { start: string; end: string };
  /** Each reservation's lent count at the window's start (the allocation's current count). */
  initialLent: Record<string, number>;
  /** Instance type per reservation, to price its lent hours. */
  instanceTypes: Record<string, string>;
  prices?: Record<string, number>;
}

interface ChangeDetail {
  reservationId: string;
  from?: number;
  to?: number;
  current?: number;
  trigger: string;
  reason: string;
  requestedAt?: string;
  completedAt?: string;
  deadline?: string;
}

function readChangeDetail(detail: unknown): ChangeDetail | undefined {
  if (typeof detail !== 'object' || detail === null) return undefined;
  const record = detail as Record<string, unknown>;
  if (typeof record.reservationId !== 'string') return undefined;
  const number = (key: string) => (typeof record[key] === 'number' ? (record[key] as number) : undefined);
  const text = (key: string) => (typeof record[key] === 'string' ? (record[key] as string) : undefined);
  const parsed: ChangeDetail = {
    reservationId: record.reservationId,
    trigger: text('trigger') ?? '',
    reason: text('reason') ?? text('message') ?? '',
  };
  const from = number('from');
  const to = number('to') ?? number('target');
  const current = number('current');
  const requestedAt = text('requestedAt');
  const completedAt = text('completedAt');
  const deadline = text('deadline');
  if (from !== undefined) parsed.from = from;
  if (to !== undefined) parsed.to = to;
  if (current !== undefined) parsed.current = current;
  if (requestedAt !== undefined) parsed.requestedAt = requestedAt;
  if (completedAt !== undefined) parsed.completedAt = completedAt;
  if (deadline !== undefined) parsed.deadline = deadline;
  return parsed;
}

const minutesBetween = (from: string, to: string) => (Date.parse(to) - Date.parse(from)) / 60_000;

/** The service's own events, in time order (the endpoint also logs EC2's and CloudWatch's). */
export function serviceEvents(events: readonly LoggedEvent[]): LoggedEvent[] {
  return events
    .filter((event) => event.source === EVENT_SOURCE)
    .map((event, index) => ({ event, index }))
    .sort((a, b) => Date.parse(a.event.time) - Date.parse(b.event.time) || a.index - b.index)
    .map(({ event }) => event);
}

export function summarize(events: readonly LoggedEvent[], options: SummaryOptions): EventSummary {
  const reclaims: ReclaimRecord[] = [];
  const lendBacks: LendBackRecord[] = [];
  const stalls: NoticeRecord[] = [];
  const failures: NoticeRecord[] = [];
  const deadlinesAtRisk: NoticeRecord[] = [];
  /** Reclaims requested and not yet completed, per reservation (a retarget adds to the same movement). */
  const pendingReclaims = new Map<string, ReclaimRecord[]>();
  const lentChanges: { reservationId: string; at: number; lent: number }[] = [];

  for (const event of serviceEvents(events)) {
    const detail = readChangeDetail(event.detail);
    if (detail === undefined) continue;
    const notice = (): NoticeRecord => ({
      reservationId: detail.reservationId,
      at: event.time,
      detailType: event['detail-type'],
      text: detail.reason,
    });
    switch (event['detail-type']) {
      case DETAIL_TYPE.changeRequested: {
        if (detail.from === undefined || detail.to === undefined) break;
        const at = detail.requestedAt ?? event.time;
        if (detail.to < detail.from) {
          const reclaim: ReclaimRecord = {
            reservationId: detail.reservationId,
            from: detail.from,
            to: detail.to,
            trigger: detail.trigger,
            reason: detail.reason,
            requestedAt: at,
            ...(detail.deadline === undefined ? {} : { deadline: detail.deadline }),
          };
          reclaims.push(reclaim);
          pendingReclaims.set(detail.reservationId, [
            ...(pendingReclaims.get(detail.reservationId) ?? []),
            reclaim,
          ]);
        } else if (detail.to > detail.from) {
          lendBacks.push({
            reservationId: detail.reservationId,
            from: detail.from,
            to: detail.to,
            at,
            trigger: detail.trigger,
            reason: detail.reason,
          });
          // Unused capacity is lent at once: the allocation reaches its new target when asked.
          lentChanges.push({ reservationId: detail.reservationId, at: Date.parse(at), lent: detail.to });
        }
        break;
      }
      case DETAIL_TYPE.changeProgress:
        if (detail.current !== undefined) {
          lentChanges.push({
            reservationId: detail.reservationId,
            at: Date.parse(event.time),
            lent: detail.current,
          });
        }
        break;
      case DETAIL_TYPE.changeCompleted: {
        const completedAt = detail.completedAt ?? event.time;
        const lent = detail.to ?? detail.current;
        if (lent !== undefined) {
          lentChanges.push({ reservationId: detail.reservationId, at: Date.parse(completedAt), lent });
        }
        for (const reclaim of pendingReclaims.get(detail.reservationId) ?? []) {
          reclaim.completedAt = completedAt;
          reclaim.durationMinutes = minutesBetween(reclaim.requestedAt, completedAt);
          if (reclaim.deadline !== undefined)
            reclaim.marginMinutes = minutesBetween(completedAt, reclaim.deadline);
        }
        pendingReclaims.delete(detail.reservationId);
        break;
      }
      case DETAIL_TYPE.changeStalled:
        stalls.push(notice());
        break;
      case DETAIL_TYPE.changeFailed:
        failures.push(notice());
        break;
      case DETAIL_TYPE.deadlineAtRisk:
        deadlinesAtRisk.push(notice());
        break;
    }
  }

  const misses = reclaims.filter(
    (reclaim) =>
      reclaim.deadline !== undefined &&
      Date.parse(reclaim.deadline) <= Date.parse(options.window.end) &&
      (reclaim.completedAt === undefined || Date.parse(reclaim.completedAt) > Date.parse(reclaim.deadline)),
  );
  const lentInstanceHours = integrateLent(lentChanges, options);
  const summary: EventSummary = {
    reclaims,
    misses,
    stalls,
    failures,
    deadlinesAtRisk,
    lendBacks,
    lentInstanceHours,
  };
  if (options.prices !== undefined) {
    const prices = options.prices;
    const byReservation: Record<string, number> = {};
    let total = 0;
    for (const [reservationId, hours] of Object.entries(lentInstanceHours.byReservation)) {
      const type = options.instanceTypes[reservationId];
      const price = type === undefined ? undefined : prices[type];
      if (price === undefined) continue;
      byReservation[reservationId] = hours * price;
      total += hours * price;
    }
    summary.costAvoided = { currency: 'USD', total, byReservation };
  }
  return summary;
}

/** Instance-hours under each reservation's lent-count step function, clipped to the window. */
function integrateLent(
  changes: readonly { reservationId: string; at: number; lent: number }[],
  options: SummaryOptions,
): EventSummary['lentInstanceHours'] {
  const start = Date.parse(options.window.start);
  const end = Date.parse(options.window.end);
  const byReservation: Record<string, number> = {};
  const reservationIds = new Set([
    ...Object.keys(options.initialLent),
    ...changes.map((c) => c.reservationId),
  ]);
  let total = 0;
  for (const reservationId of reservationIds) {
    let lent = options.initialLent[reservationId] ?? 0;
    let since = start;
    let hours = 0;
    const ordered = changes.filter((c) => c.reservationId === reservationId).sort((a, b) => a.at - b.at);
    for (const change of ordered) {
      const at = Math.min(Math.max(change.at, start), end);
      hours += (lent * (at - since)) / 3_600_000;
      since = at;
      lent = change.lent;
    }
    hours += (lent * (end - since)) / 3_600_000;
    byReservation[reservationId] = hours;
    total += hours;
  }
  return { total, byReservation };
}

/**
 * The verdict per owner account (its reservations, its reclaims for a bell and how many completed before it,
 * its late unmet need and the pages naming its reservations), and per borrower each notice it received with
 * its lead: minutes before the planned reclaim start, and before EC2's first 2-minute warning of that reclaim
 * to one of the reservation's borrowers (none when only idle slots came back).
 */
export function summarizeAccounts(
  result: Pick<SimulationResult, 'accounts' | 'pages'> & {
    summary: Pick<SimulationResult['summary'], 'reclaims' | 'misses' | 'unmetNeedInstanceMinutes'>;
  },
): { owners: OwnerAccountSummary[]; borrowers: BorrowerSummary[] } | undefined {
  const accounts = result.accounts;
  if (accounts === undefined) return undefined;
  const { summary } = result;
  const owners = accounts.owners.map((owner): OwnerAccountSummary => {
    const held = new Set(owner.reservationIds);
    const forBell = summary.reclaims.filter(
      (reclaim) => held.has(reclaim.reservationId) && reclaim.deadline !== undefined,
    );
    const late = owner.reservationIds.reduce(
      (sum, id) => sum + (summary.unmetNeedInstanceMinutes.byReservation[id]?.late ?? 0),
      0,
    );
    return {
      accountId: owner.accountId,
      ...(owner.name === undefined ? {} : { name: owner.name }),
      hub: owner.accountId === accounts.hubAccountId,
      reservations: owner.reservationIds.length,
      reclaimsForBell: forBell.length,
      beforeBell: forBell.filter((reclaim) => (reclaim.marginMinutes ?? -1) >= 0).length,
      misses: summary.misses.filter((miss) => held.has(miss.reservationId)).length,
      lateInstanceMinutes: late,
      pages: (result.pages ?? []).filter((page) => page.reservationIds.some((id) => held.has(id))).length,
    };
  });
  const borrowers = accounts.borrowers.map(
    (borrower): BorrowerSummary => ({
      accountId: borrower.accountId,
      ...(borrower.name === undefined ? {} : { name: borrower.name }),
      shared: borrower.shared,
      notices: borrower.received.flatMap((notice) => {
        const receipt = headsUpReceipt(notice, accounts.hubAccountId, accounts.warnings);
        return receipt === undefined ? [] : [receipt];
      }),
    }),
  );
  return { owners, borrowers };
}

const text = (record: Record<string, unknown>, key: string) =>
  typeof record[key] === 'string' ? (record[key] as string) : undefined;

/** A received notice with its leads; undefined for one that names no reservation. */
export function headsUpReceipt(
  notice: ReceivedNotice,
  hubAccountId: string,
  warnings: readonly { reservationId: string; at: string }[],
): HeadsUpReceipt | undefined {
  if (typeof notice.detail !== 'object' || notice.detail === null) return undefined;
  const detail = notice.detail as Record<string, unknown>;
  const reservationId = text(detail, 'reservationId');
  if (reservationId === undefined) return undefined;
  const session = (
    typeof detail.session === 'object' && detail.session !== null ? detail.session : {}
  ) as Record<string, unknown>;
  const plannedStart = text(detail, 'plannedStart');
  const sessionOpen = text(session, 'open');
  const name = text(detail, 'name');
  const interruptible = text(detail, 'interruptibleReservationId');
  const received = Date.parse(notice.at);
  // The reclaim's first warning: after the notice, by the bell it serves.
  const firstWarning =
    notice.detailType === DETAIL_TYPE.reclaimCancelled
      ? undefined
      : warnings
          .filter(
            (warning) =>
              warning.reservationId === reservationId &&
              Date.parse(warning.at) >= received &&
              (sessionOpen === undefined || Date.parse(warning.at) <= Date.parse(sessionOpen)),
          )
          .map((warning) => warning.at)
          .sort()[0];
  return {
    receivedAt: notice.at,
    detailType: notice.detailType,
    reservationId,
    ownerAccountId: text(detail, 'accountId') ?? hubAccountId,
    ...(name === undefined ? {} : { name }),
    ...(interruptible === undefined ? {} : { interruptibleReservationId: interruptible }),
    ...(plannedStart === undefined
      ? {}
      : { plannedStart, minutesBeforeStart: minutesBetween(notice.at, plannedStart) }),
    ...(sessionOpen === undefined ? {} : { sessionOpen }),
    ...(typeof detail.toInterrupt === 'number' ? { toInterrupt: detail.toInterrupt } : {}),
    ...(firstWarning === undefined
      ? {}
      : { firstWarningAt: firstWarning, minutesBeforeWarning: minutesBetween(notice.at, firstWarning) }),
  };
}
