/**
 * The run for a terminal: one line per decision, completion, stall (and the alarms and on-call actions that
 * caused them), each with the exchange's local time and UTC, then the summary. Plain text; colour only
 * when asked (a TTY), so the same lines read well in a CI log.
 */
import { formatTime, TIME_COLUMN_WIDTH } from '#shared/display/time.ts';
import { DETAIL_TYPE } from '#shared/events/service-events.ts';
import type {
  BorrowerSummary,
  HeadsUpReceipt,
  OwnerAccountSummary,
  ReclaimRecord,
  ShortfallRecord,
  SimulationResult,
  TimelineEntry,
  TimelineKind,
} from '../result.ts';

export interface TerminalOptions {
  color?: boolean;
}

const KIND_LABEL: Record<TimelineKind, string> = {
  decision: 'decision',
  completion: 'completed',
  stall: 'STALLED',
  failure: 'FAILED',
  'deadline-at-risk': 'AT RISK',
  alarm: 'alarm',
  'on-call': 'on-call',
  impairment: 'AZ',
  error: 'ERROR',
};

const KIND_COLOR: Record<TimelineKind, string> = {
  decision: '36',
  completion: '32',
  stall: '31',
  failure: '31',
  'deadline-at-risk': '33',
  alarm: '35',
  'on-call': '34',
  impairment: '35',
  error: '31',
};

/** `Wed 11 Mar 10:47 EDT (14:47Z)`, padded to a column: the one time format (shared/display/time.ts). */
export function formatDualTime(iso: string, timeZone: string): string {
  return formatTime(iso, timeZone).padEnd(TIME_COLUMN_WIDTH - 6);
}

/** What naming and timing a timeline line needs: a finished result, or what a running one already knows. */
export type TimelineContext = Pick<SimulationResult, 'reservations' | 'timeZone'>;

export function reservationLabel(result: TimelineContext, reservationId: string | undefined): string {
  if (reservationId === undefined) return '';
  return result.reservations.find((reservation) => reservation.id === reservationId)?.name ?? reservationId;
}

export function formatTimelineLine(
  result: TimelineContext,
  entry: TimelineEntry,
  options: TerminalOptions = {},
) {
  const label = KIND_LABEL[entry.kind].padEnd(9);
  const painted = options.color ? `\u001b[${KIND_COLOR[entry.kind]}m${label}\u001b[0m` : label;
  const who = reservationLabel(result, entry.reservationId);
  return `${formatDualTime(entry.time, result.timeZone)}  ${painted} ${who ? `${who}: ` : ''}${entry.text}`;
}

export function formatTimeline(result: SimulationResult, options: TerminalOptions = {}): string {
  return result.timeline.map((entry) => formatTimelineLine(result, entry, options)).join('\n');
}

const round1 = (value: number) => Math.round(value * 10) / 10;

function describeReclaim(result: SimulationResult, reclaim: ReclaimRecord): string {
  const who = reservationLabel(result, reclaim.reservationId);
  const when = formatDualTime(reclaim.requestedAt, result.timeZone);
  const duration =
    reclaim.durationMinutes === undefined ? 'not completed' : `${round1(reclaim.durationMinutes)} min`;
  const margin =
    reclaim.marginMinutes === undefined
      ? reclaim.deadline === undefined
        ? `no bell (${reclaim.trigger})`
        : 'missed the bell'
      : reclaim.marginMinutes >= 0
        ? `${round1(reclaim.marginMinutes)} min before the bell`
        : `${round1(-reclaim.marginMinutes)} min LATE`;
  return `  ${when}  ${who} ${reclaim.from}→${reclaim.to}: ${duration}, ${margin}`;
}

/** `Mon 09 Mar 09:30 EDT (13:30Z)`: a time as the exchange reads it, with UTC beside it. */
export function formatLocalAndUtc(iso: string, timeZone: string): string {
  return formatTime(iso, timeZone);
}

/** The zone of a reservation's market (its sessions'), else the run's. */
export function reservationTimeZone(result: SimulationResult, reservationId: string): string {
  const market = result.reservations.find((reservation) => reservation.id === reservationId)?.market;
  return result.sessions.find((session) => session.market === market)?.timeZone ?? result.timeZone;
}

/** `xnys-trading-r7i (cr-…, us-east-1a): short by up to 30 of 100 from … to …: 180 late instance-minutes`. */
export function describeShortfall(result: SimulationResult, shortfall: ShortfallRecord): string {
  const reservation = result.reservations.find((candidate) => candidate.id === shortfall.reservationId);
  const who = reservation?.name
    ? `${reservation.name} (${shortfall.reservationId}, ${reservation.availabilityZone})`
    : shortfall.reservationId;
  const zone = reservationTimeZone(result, shortfall.reservationId);
  const minutes = [
    shortfall.lateInstanceMinutes > 0 ? `${round1(shortfall.lateInstanceMinutes)} late` : '',
    shortfall.reactionInstanceMinutes > 0 ? `${round1(shortfall.reactionInstanceMinutes)} reaction` : '',
  ].filter((part) => part !== '');
  return `${who}: short by up to ${shortfall.largestShort} (held ${shortfall.held} of the ${shortfall.need} needed) from ${formatLocalAndUtc(shortfall.from, zone)} to ${formatLocalAndUtc(shortfall.until, zone)}: ${minutes.join(' + ')} instance-minutes`;
}

function formatUnmetNeed(result: SimulationResult): string[] {
  const unmet = result.summary.unmetNeedInstanceMinutes;
  const lines = [
    `  unmet need:           ${round1(unmet.total)} instance-minutes in sessions: late ${round1(unmet.late)}, reaction ${round1(unmet.reaction)} (a reclaim takes up to ${round1(result.summary.reclaimSeconds / 60)} min here)`,
  ];
  for (const [reservationId, need] of Object.entries(unmet.byReservation)) {
    if (need.total === 0) continue;
    lines.push(
      `    ${reservationLabel(result, reservationId)}: ${round1(need.total)} (late ${round1(need.late)}, reaction ${round1(need.reaction)})`,
    );
  }
  return lines;
}

/** `333333333333 london-desk` / `222222222222 (hub)`: an account as the summaries name it. */
export function accountLabel(account: { accountId: string; name?: string; hub?: boolean }): string {
  return `${account.accountId}${account.name === undefined ? '' : ` ${account.name}`}${account.hub ? ' (hub)' : ''}`;
}

export function describeOwnerAccount(owner: OwnerAccountSummary): string {
  return `${accountLabel(owner)}: ${owner.reservations} reservation${owner.reservations === 1 ? '' : 's'}, ${owner.beforeBell} of ${owner.reclaimsForBell} reclaims for a bell back by it, ${owner.misses} misses, ${round1(owner.lateInstanceMinutes)} late instance-minutes, ${owner.pages} pages`;
}

/** A heads-up's leads: before the reclaim start, and before EC2's first 2-minute warning of it. */
export function describeLeads(receipt: HeadsUpReceipt): string {
  const start =
    receipt.minutesBeforeStart === undefined
      ? ''
      : `${round1(receipt.minutesBeforeStart)} min before the reclaim start`;
  const warning =
    receipt.minutesBeforeWarning === undefined
      ? 'no 2-minute warning followed (only idle slots came back)'
      : `${round1(receipt.minutesBeforeWarning)} min before EC2's 2-minute warning`;
  return [start, warning].filter((part) => part !== '').join(', ');
}

/** The borrower's heads-ups: what was shared with it, and each `Reclaim Scheduled` it got with its leads. */
export function describeBorrower(result: SimulationResult, borrower: BorrowerSummary): string[] {
  const shared = borrower.shared.map(
    (entry) => `${reservationLabel(result, entry.reservationId)} (${entry.accountId})`,
  );
  const scheduled = borrower.notices.filter((notice) => notice.detailType === DETAIL_TYPE.reclaimScheduled);
  const others = borrower.notices.length - scheduled.length;
  const lines = [
    `${accountLabel(borrower)}: shared ${shared.join(', ') || 'nothing'}; ${scheduled.length} Reclaim Scheduled, ${others} other notices`,
  ];
  for (const notice of scheduled) {
    const zone = reservationTimeZone(result, notice.reservationId);
    lines.push(
      `  ${formatDualTime(notice.receivedAt, zone)}  ${reservationLabel(result, notice.reservationId)}: ${describeLeads(notice)}`,
    );
  }
  return lines;
}

function formatAccounts(result: SimulationResult): string[] {
  const accounts = result.summary.accounts;
  if (accounts === undefined) return [];
  return [
    'Owner accounts:',
    ...accounts.owners.map((owner) => `  ${describeOwnerAccount(owner)}`),
    ...(accounts.borrowers.length === 0 ? [] : ['Borrowers (heads-up received):']),
    ...accounts.borrowers.flatMap((borrower) =>
      describeBorrower(result, borrower).map((line) => `  ${line}`),
    ),
  ];
}

export function formatSummary(result: SimulationResult): string {
  const summary = result.summary;
  const onTime = summary.reclaims.filter(
    (reclaim) => reclaim.marginMinutes !== undefined && reclaim.marginMinutes >= 0,
  );
  const margins = onTime.map((reclaim) => reclaim.marginMinutes ?? 0);
  const forBells = summary.reclaims.filter((reclaim) => reclaim.deadline !== undefined).length;
  const lines = [
    `Summary: ${result.scenario.name} (${formatTime(result.window.start, result.timeZone, { year: true })} → ${formatTime(result.window.end, result.timeZone, { year: true })})`,
    ...formatUnmetNeed(result),
    `  reclaims done:        ${summary.reclaims.filter((reclaim) => reclaim.completedAt !== undefined).length} of ${summary.reclaims.length} requested` +
      `; ${forBells} for a bell, ${onTime.length} before it` +
      (margins.length > 0 ? ` (smallest margin ${round1(Math.min(...margins))} min)` : ''),
    `  misses:               ${summary.misses.length}`,
    `  stalls:               ${summary.stalls.length}`,
    `  failures:             ${summary.failures.length}`,
    `  deadlines at risk:    ${summary.deadlinesAtRisk.length}`,
    `  lend-backs:           ${summary.lendBacks.length}`,
    `  lent instance-hours:  ${round1(summary.lentInstanceHours.total)}`,
  ];
  if (summary.costAvoided !== undefined) {
    lines.push(`  cost not paid for idle capacity: $${summary.costAvoided.total.toFixed(2)}`);
  }
  lines.push(...formatAccounts(result));
  if (summary.reclaims.length > 0) {
    lines.push('Reclaims:');
    for (const reclaim of summary.reclaims) lines.push(describeReclaim(result, reclaim));
  }
  const late = summary.shortfalls.filter((shortfall) => shortfall.lateInstanceMinutes > 0);
  if (late.length > 0) {
    lines.push('LATE: the source held fewer instances than the policy needed:');
    for (const shortfall of late) lines.push(`  ${describeShortfall(result, shortfall)}`);
  }
  return lines.join('\n');
}
