/**
 * `npm run bench`: runs each section in order and prints one table. A section is a module under
 * test/bench/ exporting a BenchSection; add it to SECTIONS below.
 */
import '../../cli/node-warnings.ts';
import { parseCommandLine, runCommand } from '../../cli/usage.ts';
import { functionsSection } from './functions.ts';
import { localAwsSection } from './local-aws.ts';
import { memorySection } from './memory.ts';
import { sandboxSection } from './sandbox.ts';
import { scaleSection } from './scale.ts';
import { throttledSection } from './throttled.ts';
import { trackerSection } from './tracker.ts';
import type { BenchResult, BenchSection } from './types.ts';

const SECTIONS: BenchSection[] = [
  localAwsSection,
  functionsSection,
  sandboxSection,
  trackerSection,
  scaleSection,
  throttledSection,
  memorySection,
];

function formatNumber(value: number): string {
  if (Number.isInteger(value)) return value.toLocaleString('en-US');
  return value >= 100 ? Math.round(value).toLocaleString('en-US') : value.toFixed(2);
}

/** How the figure compares with its target: ≥ 1 meets it. A zero target (e.g. errors) reads as ok/FAIL. */
function ratio(result: BenchResult): string {
  const target = result.target;
  if (!target) return '';
  if (target.value === 0) return result.value === 0 ? 'ok' : 'FAIL';
  const value = target.better === 'higher' ? result.value / target.value : target.value / result.value;
  return `${value.toFixed(2)}x`;
}

/** Whether the figure meets its target; an informative target never fails the bench. */
function meetsTarget(result: BenchResult): boolean {
  const target = result.target;
  if (!target || target.informative === true) return true;
  return target.better === 'higher' ? result.value >= target.value : result.value <= target.value;
}

const USAGE = `usage: npm run bench -- [--wide] [--section <title>]...

  Runs every section (the endpoint, the functions, the sandbox, the tracker, scale) and prints each figure
  beside its target, as a ratio (>= 1.00x meets it). Exits 1 when a figure misses its target.
  --wide     the full table (section, metric, value, unit, target, ratio) however wide; by default a summary
             that fits 100 columns
  --section  only the sections whose title starts with this (e.g. functions: bundles and cold starts);
             repeat for more`;

/** The sections `--section` names (by the start of their title), all of them without it. */
function chosenSections(prefixes: readonly string[]): BenchSection[] {
  if (prefixes.length === 0) return SECTIONS;
  const chosen = SECTIONS.filter((section) => prefixes.some((prefix) => section.title.startsWith(prefix)));
  if (chosen.length === 0) {
    const titles = SECTIONS.map((section) => `'${section.title}'`).join(', ');
    throw new Error(`--section: no section's title starts with ${prefixes.join(' or ')} (titles: ${titles})`);
  }
  return chosen;
}

/** At most this many columns by default: a terminal, a CI log, a pasted comment. */
const SUMMARY_COLUMNS = 100;

function fitCell(text: string, width: number): string {
  return text.length <= width ? text : `${text.slice(0, Math.max(0, width - 1))}…`;
}

/** Columns as wide as their widest cell; `shrink` is cut (with …) until the line fits `maxWidth`. */
function tableLines(
  rows: string[][],
  numeric: ReadonlySet<number>,
  options: { maxWidth?: number; shrink?: number } = {},
): string[] {
  const widths = rows[0]!.map((_, column) => Math.max(...rows.map((row) => row[column]!.length)));
  if (options.maxWidth !== undefined && options.shrink !== undefined) {
    const total = widths.reduce((sum, width) => sum + width, 0) + 2 * (widths.length - 1);
    const excess = total - options.maxWidth;
    if (excess > 0) widths[options.shrink] = Math.max(12, widths[options.shrink]! - excess);
  }
  const lines: string[] = [];
  for (const [index, row] of rows.entries()) {
    const line = row
      .map((cell, column) => {
        const fitted = fitCell(cell, widths[column]!);
        return numeric.has(column) ? fitted.padStart(widths[column]!) : fitted.padEnd(widths[column]!);
      })
      .join('  ');
    lines.push(line.trimEnd());
    if (index === 0) lines.push(widths.map((width) => '-'.repeat(width)).join('  '));
  }
  return lines;
}

async function main(argv: readonly string[]): Promise<number> {
  const { values } = parseCommandLine({
    args: [...argv],
    options: { wide: { type: 'boolean' }, section: { type: 'string', multiple: true } },
  });
  const sections = chosenSections(values.section ?? []);
  const rows: string[][] = [['section', 'metric', 'value', 'unit', 'target', 'ratio']];
  const summary: string[][] = [['metric', 'value', 'target', 'ratio']];
  let failed = false;
  for (const section of sections) {
    const started = performance.now();
    const results = await section.run();
    for (const result of results) {
      const meets = meetsTarget(result);
      failed ||= !meets;
      const target = result.target
        ? `${result.target.better === 'higher' ? '≥' : '≤'} ${formatNumber(result.target.value)}${result.target.informative === true ? ' (info)' : ''}`
        : '';
      rows.push([
        section.title,
        result.metric,
        formatNumber(result.value),
        result.unit,
        target,
        ratio(result),
      ]);
      summary.push([
        `${section.title}: ${result.metric}`,
        `${formatNumber(result.value)} ${result.unit}`,
        target,
        `${ratio(result)}${meets ? '' : ' MISS'}`,
      ]);
    }
    process.stderr.write(`${section.title}: ${((performance.now() - started) / 1000).toFixed(1)} s\n`);
  }
  const lines = values.wide
    ? tableLines(rows, new Set([2, 5]))
    : tableLines(summary, new Set([1, 3]), { maxWidth: SUMMARY_COLUMNS, shrink: 0 });
  process.stdout.write(`${lines.join('\n')}\n`);
  if (!values.wide) process.stdout.write('(npm run bench -- --wide: every column, names in full)\n');
  if (failed) {
    process.stderr.write('bench: a figure missed its target\n');
    return 1;
  }
  return 0;
}

const argv = process.argv.slice(2);
process.exitCode = await runCommand('bench', USAGE, argv, () => main(argv));
