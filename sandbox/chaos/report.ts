import { formatTime } from '#shared/display/time.ts';
import type { ChaosReport } from './chaos.ts';

/** The chaos report as text: per fault kind injected / survived / losses, then each loss and why. */
export function formatChaosReport(report: ChaosReport): string {
  const lines = [
    `chaos: seed ${report.seed}, ${report.days} day(s), ${formatTime(report.window.start, report.timeZone, { year: true })} → ${formatTime(report.window.end, report.timeZone, { year: true })}`,
    `invocations: ${report.invocations.total} (${report.invocations.failed} failed or lost); pages: ${report.pages} (fault-free run: ${report.baselinePages})`,
    '',
    `${'fault'.padEnd(24)} ${'injected'.padStart(8)} ${'survived'.padStart(8)} ${'losses'.padStart(6)}`,
    ...report.tally.map(
      (row) =>
        `${row.kind.padEnd(24)} ${String(row.injected).padStart(8)} ${String(row.survived).padStart(8)} ${String(row.losses).padStart(6)}`,
    ),
    '',
    `owner's losses: ${report.losses.length} (${report.unexplained.length} unexplained)`,
    ...report.losses.map(
      (loss) =>
        `  ${loss.explanation === undefined ? 'UNEXPLAINED' : 'explained  '} ${loss.kind} ${loss.reservationId} at ${formatTime(loss.at, report.timeZone)}: ${loss.detail}${loss.explanation === undefined ? '' : `\n      because ${loss.explanation}`}`,
    ),
    '',
    `wall time ${(report.wallMilliseconds / 1000).toFixed(1)} s (a fault-free run of the same window, then the chaos run)`,
  ];
  return lines.join('\n');
}
