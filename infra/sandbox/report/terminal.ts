/**
 * The run for a terminal: one line per decision, completion, stall (and the alarms and on-call actions that
 * caused them), each with the exchange's local time and UTC, then the summary. Plain text; colour only
 * when asked (a TTY), so the same lines read well in a CI log.
 */
import { DateTime } from 'luxon';
import type { ReclaimRecord, SimulationResult, TimelineEntry, TimelineKind } from '../result.ts';

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

/** `Wed 11 Mar 10:47 EDT | 14:47Z`. */
export function formatDualTime(iso: string, timeZone: string): string {
  const local = DateTime.fromISO(iso, { zone: timeZone });
  const utc = DateTime.fromISO(iso, { zone: 'UTC' });
  return `${local.toFormat('ccc dd LLL HH:mm ZZZZ').padEnd(20)} ${utc.toFormat('HH:mm')}Z`;
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

export function formatSummary(result: SimulationResult): string {
  const summary = result.summary;
  const onTime = summary.reclaims.filter(
    (reclaim) => reclaim.marginMinutes !== undefined && reclaim.marginMinutes >= 0,
  );
  const margins = onTime.map((reclaim) => reclaim.marginMinutes ?? 0);
  const forBells = summary.reclaims.filter((reclaim) => reclaim.deadline !== undefined).length;
  const lines = [
    `Summary: ${result.scenario.name} (${result.window.start} → ${result.window.end})`,
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
  if (summary.reclaims.length > 0) {
    lines.push('Reclaims:');
    for (const reclaim of summary.reclaims) lines.push(describeReclaim(result, reclaim));
  }
  return lines.join('\n');
}
