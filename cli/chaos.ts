/**
 * `npm run chaos -- [--seed N] [--days N] [--scenario file] [--json file]`: the sandbox's week with faults
 * injected repeatably from the seed (see sandbox/chaos/chaos.ts). Exits 1 when a loss is unexplained.
 */
import './node-warnings.ts';
import { writeFileSync } from 'node:fs';
import { runChaos } from '#sandbox/chaos/chaos.ts';
import { formatChaosReport } from '#sandbox/chaos/report.ts';
import { DEFAULT_SCENARIO } from '#sandbox/main.ts';
import { loadScenarioFile } from '#sandbox/scenario.ts';
import { parseFlags, runCommand, UsageError, valueFlags } from './usage.ts';

const USAGE = `usage: npm run chaos -- [--seed N] [--days N] [--scenario <file>] [--json <file>]

  --seed      the faults injected, repeatably from this number (default 1)
  --days      how many days of the scenario to run (default 5)
  --scenario  the scenario (default sandbox/scenarios/trading-week-2026-03.json)
  --json      also write the report as JSON

  Exits 0 when every loss the faults caused is explained, 1 when one is not.`;

function wholeNumber(text: string | undefined, name: string, fallback: number): number {
  if (text === undefined) return fallback;
  const value = Number(text);
  if (!Number.isInteger(value) || value < 0)
    throw new UsageError(`${name}: expected a whole number, got ${text}`);
  return value;
}

async function main(argv: readonly string[]): Promise<number> {
  const values = parseFlags(argv, valueFlags('seed', 'days', 'scenario', 'json'));
  const seed = wholeNumber(values.seed, '--seed', 1);
  const days = wholeNumber(values.days, '--days', 5);
  const report = await runChaos({
    scenario: loadScenarioFile(values.scenario ?? DEFAULT_SCENARIO),
    seed,
    days,
  });
  process.stdout.write(`${formatChaosReport(report)}\n`);
  if (values.json) writeFileSync(values.json, `${JSON.stringify(report, null, 2)}\n`);
  return report.unexplained.length > 0 ? 1 : 0;
}

const argv = process.argv.slice(2);
process.exitCode = await runCommand('chaos', USAGE, argv, () => main(argv));
