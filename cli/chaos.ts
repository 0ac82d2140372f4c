/**
 * `npm run chaos -- [--seed N] [--days N] [--scenario file] [--json file]`: the sandbox's week with faults
 * injected repeatably from the seed (see sandbox/chaos/chaos.ts). Exits 1 when a loss is unexplained.
 */
import './node-warnings.ts';
import { writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { runChaos } from '#sandbox/chaos/chaos.ts';
import { formatChaosReport } from '#sandbox/chaos/report.ts';
import { DEFAULT_SCENARIO } from '#sandbox/main.ts';
import { loadScenarioFile } from '#sandbox/scenario.ts';

const USAGE = 'usage: npm run chaos -- [--seed N] [--days N] [--scenario <file>] [--json <file>]';

function wholeNumber(text: string | undefined, name: string, fallback: number): number {
  if (text === undefined) return fallback;
  const value = Number(text);
  if (!Number.isInteger(value) || value < 0)
    throw new RangeError(`${name}: expected a whole number, got ${text}`);
  return value;
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      seed: { type: 'string' },
      days: { type: 'string' },
      scenario: { type: 'string' },
      json: { type: 'string' },
      help: { type: 'boolean' },
    },
  });
  if (values.help) {
    process.stdout.write(`${USAGE}\n`);
    return;
  }
  const seed = wholeNumber(values.seed, '--seed', 1);
  const days = wholeNumber(values.days, '--days', 5);
  const report = await runChaos({
    scenario: loadScenarioFile(values.scenario ?? DEFAULT_SCENARIO),
    seed,
    days,
  });
  process.stdout.write(`${formatChaosReport(report)}\n`);
  if (values.json) writeFileSync(values.json, `${JSON.stringify(report, null, 2)}\n`);
  if (report.unexplained.length > 0) process.exitCode = 1;
}

main().catch((error: unknown) => {
  process.stderr.write(`chaos: ${error instanceof Error ? error.message : String(error)}\n${USAGE}\n`);
  process.exit(2);
});
