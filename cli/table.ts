/** The human table every CLI prints (plan, on-call, status), and the `--output` choice beside it. */
import { UsageError } from './usage.ts';

export type OutputFormat = 'table' | 'json';

/** `--output table|json`, with `--json` as the short form some commands had first. */
export function outputFormat(output: string | undefined, json: boolean | undefined): OutputFormat {
  if (output === undefined) return json ? 'json' : 'table';
  if (output !== 'table' && output !== 'json')
    throw new UsageError(`--output takes table or json, got '${output}'`);
  if (json && output !== 'json') throw new UsageError('--json and --output table contradict each other');
  return output;
}

export interface TableOptions {
  /** Columns of numbers, aligned on the right. */
  rightAligned?: readonly number[];
  /** Lines printed under each row, indented (reasons, deadlines). */
  details?: readonly (readonly string[])[];
}

/** Columns as wide as their widest cell, two spaces apart, a rule under the header. */
export function formatTable(
  header: readonly string[],
  rows: readonly (readonly string[])[],
  options: TableOptions = {},
): string {
  const widths = header.map((title, column) =>
    Math.max(title.length, ...rows.map((row) => (row[column] ?? '').length)),
  );
  const right = new Set(options.rightAligned ?? []);
  const line = (cells: readonly string[]): string =>
    cells
      .map((cell, column) =>
        right.has(column) ? cell.padStart(widths[column] ?? 0) : cell.padEnd(widths[column] ?? 0),
      )
      .join('  ')
      .trimEnd();
  const out = [line(header), line(widths.map((width) => '-'.repeat(width)))];
  rows.forEach((row, index) => {
    out.push(line(row));
    for (const detail of options.details?.[index] ?? []) out.push(`    - ${detail}`);
  });
  return out.join('\n');
}
