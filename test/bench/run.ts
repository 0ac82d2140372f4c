/**
 * `npm run bench`: runs each section in order and prints one table. A section is a module under
 * test/bench/ exporting a BenchSection; add it to SECTIONS below.
 */
import '../../cli/node-warnings.ts';
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

async function main(): Promise<void> {
  const rows: string[][] = [['section', 'metric', 'value', 'unit', 'target', 'ratio']];
  let failed = false;
  for (const section of SECTIONS) {
    const started = performance.now();
    const results = await section.run();
    for (const result of results) {
      failed ||= !meetsTarget(result);
      rows.push([
        section.title,
        result.metric,
        formatNumber(result.value),
        result.unit,
        result.target
          ? `${result.target.better === 'higher' ? '≥' : '≤'} ${formatNumber(result.target.value)}${result.target.informative === true ? ' (info)' : ''}`
          : '',
        ratio(result),
      ]);
    }
    process.stderr.write(`${section.title}: ${((performance.now() - started) / 1000).toFixed(1)} s\n`);
  }
  const widths = rows[0]!.map((_, column) => Math.max(...rows.map((row) => row[column]!.length)));
  const numeric = new Set([2, 5]);
  for (const [index, row] of rows.entries()) {
    const line = row
      .map((cell, column) =>
        numeric.has(column) ? cell.padStart(widths[column]!) : cell.padEnd(widths[column]!),
      )
      .join('  ');
    process.stdout.write(`${line.trimEnd()}\n`);
    if (index === 0) process.stdout.write(`${widths.map((width) => '-'.repeat(width)).join('  ')}\n`);
  }
  if (failed) {
    process.stderr.write('bench: a figure missed its target\n');
    process.exitCode = 1;
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`bench: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exit(1);
});
