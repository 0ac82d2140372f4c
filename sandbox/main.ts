/**
 * The command line of `npm start` and `npm run simulate`: run a scenario, print the timeline as it happens
 * and the summary at the end, write the HTML report (and the JSON result when asked), and say where.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, relative, resolve } from 'node:path';
import { parseFlags, runCommand, switchFlags, UsageError, valueFlags } from '#cli/usage.ts';
import { renderHtmlReport } from './report/html.ts';
import { formatSummary, formatTimelineLine } from './report/terminal.ts';
import type { SimulationResult } from './result.ts';
import { prepareSandbox, REPO_ROOT, runSandbox } from './runner.ts';
import { loadScenarioFile } from './scenario.ts';

export const DEFAULT_SCENARIO = resolve(REPO_ROOT, 'sandbox/scenarios/trading-week-2026-03.json');

export interface SandboxCommand {
  scenarioFile: string;
  configFile?: string;
  from?: string;
  days?: number;
  jsonFile?: string;
  reportFile: string;
  /** A PNG of the report, taken in headless Chromium. */
  screenshotFile?: string;
  quiet: boolean;
  /** The endpoint's `pendingSeconds`, over the scenario's. */
  pendingSeconds?: number;
}

export const SIMULATE_USAGE = `usage: npm run simulate -- [--config <file>] [--scenario <file>] [--from <YYYY-MM-DD>] [--days <n>]
                          [--json <file>] [--report <file>] [--pending-seconds <s>] [--quiet]
  Runs the service over a scenario in simulated time against the local AWS endpoint, in-process.
  --config    policy config to try (default: the scenario's fleet.config)
  --scenario  scenario file (default: sandbox/scenarios/trading-week-2026-03.json)
  --from      first day, in the scenario's time zone (default: the scenario's start)
  --days      number of days (default: the scenario's length)
  --json      also write the result as JSON
  --report    HTML report path (default: reports/<scenario>.html)
  --screenshot  also write a PNG of the report (needs /usr/bin/chromium or CHROMIUM_PATH)
  --pending-seconds  seconds a new allocation stays pending before it is active (default 0)
  --quiet     print only the summary`;

export function parseSandboxCommand(argv: readonly string[]): SandboxCommand {
  const values = parseFlags(argv, {
    ...valueFlags('config', 'scenario', 'from', 'days', 'json', 'report', 'screenshot', 'pending-seconds'),
    ...switchFlags('quiet'),
  });
  let days: number | undefined;
  if (values.days !== undefined) {
    days = Number(values.days);
    if (!Number.isInteger(days) || days <= 0)
      throw new UsageError(`--days: expected a whole number above 0, got "${values.days}"`);
  }
  if (values.from !== undefined && !/^\d{4}-\d{2}-\d{2}$/.test(values.from)) {
    throw new UsageError(`--from: expected a date YYYY-MM-DD, got "${values.from}"`);
  }
  let pendingSeconds: number | undefined;
  if (values['pending-seconds'] !== undefined) {
    pendingSeconds = Number(values['pending-seconds']);
    if (!Number.isFinite(pendingSeconds) || pendingSeconds < 0)
      throw new UsageError(
        `--pending-seconds: expected a number of seconds ≥ 0, got "${values['pending-seconds']}"`,
      );
  }
  const scenarioFile = resolve(values.scenario ?? DEFAULT_SCENARIO);
  const slug = scenarioFile.replace(/^.*\//, '').replace(/\.json$/, '');
  return {
    scenarioFile,
    ...(values.config === undefined ? {} : { configFile: resolve(values.config) }),
    ...(values.from === undefined ? {} : { from: values.from }),
    ...(days === undefined ? {} : { days }),
    ...(values.json === undefined ? {} : { jsonFile: resolve(values.json) }),
    reportFile: resolve(values.report ?? resolve(REPO_ROOT, 'reports', `${slug}.html`)),
    ...(values.screenshot === undefined ? {} : { screenshotFile: resolve(values.screenshot) }),
    quiet: values.quiet ?? false,
    ...(pendingSeconds === undefined ? {} : { pendingSeconds }),
  };
}

const shown = (path: string) => {
  const fromHere = relative(process.cwd(), path);
  return fromHere.startsWith('..') ? path : fromHere;
};

/** Runs the command; returns the result (tests and the bench use it) after writing the files. */
export async function runSandboxCommand(
  command: SandboxCommand,
  write: (line: string) => void = (line) => process.stdout.write(`${line}\n`),
): Promise<SimulationResult> {
  const scenario = loadScenarioFile(command.scenarioFile);
  if (command.configFile !== undefined) scenario.configFile = command.configFile;
  if (command.pendingSeconds !== undefined)
    scenario.settings = { ...scenario.settings, pendingSeconds: command.pendingSeconds };
  const window = {
    ...(command.from === undefined ? {} : { from: command.from }),
    ...(command.days === undefined ? {} : { days: command.days }),
  };
  // A mistake in the scenario or the config is said before anything is printed or started.
  const prepared = prepareSandbox({ scenario, ...window });
  const color = process.stdout.isTTY === true && process.env.NO_COLOR === undefined;
  write(`odcr-reclaimer sandbox: ${scenario.name}`);
  write(`  config ${shown(scenario.configFile)}, scenario ${shown(command.scenarioFile)}`);
  const result = await runSandbox({
    scenario,
    ...window,
    prepared,
    ...(command.quiet
      ? {}
      : { onTimeline: (entry, context) => write(formatTimelineLine(context, entry, { color })) }),
  });
  write('');
  write(formatSummary(result));
  mkdirSync(dirname(command.reportFile), { recursive: true });
  const html = renderHtmlReport(result);
  writeFileSync(command.reportFile, html);
  if (command.screenshotFile !== undefined) {
    mkdirSync(dirname(command.screenshotFile), { recursive: true });
    // Loaded only when asked: playwright-core is a dev dependency.
    const { screenshotReport } = await import('./report/browser.ts');
    await screenshotReport(html, command.screenshotFile);
  }
  if (command.jsonFile !== undefined) {
    mkdirSync(dirname(command.jsonFile), { recursive: true });
    writeFileSync(command.jsonFile, `${JSON.stringify(result, null, 2)}\n`);
  }
  write('');
  write(
    `${result.run.simulatedDays} simulated days in ${(result.run.wallMilliseconds / 1000).toFixed(1)} s wall time (${result.run.steps} steps, ${result.invocations.length} invocations)`,
  );
  write(`report: ${shown(command.reportFile)}`);
  if (command.jsonFile !== undefined) write(`json:   ${shown(command.jsonFile)}`);
  if (command.screenshotFile !== undefined) write(`screenshot: ${shown(command.screenshotFile)}`);
  return result;
}

/**
 * Entry point of the CLIs, in the one voice of every command (cli/usage.ts): `--help` exits 0; usage errors
 * and scenario or config mistakes get a message naming each field and exit 2, not a stack; a run with late
 * unmet need exits 1.
 */
export async function sandboxMain(
  argv: readonly string[],
  usage: string,
  command = usage.includes('npm start') ? 'start' : 'simulate',
): Promise<number> {
  return runCommand(command, usage, argv, async () => {
    const result = await runSandboxCommand(parseSandboxCommand(argv));
    const { late } = result.summary.unmetNeedInstanceMinutes;
    if (late > 0) {
      process.stdout.write(
        `FAILED: ${Math.round(late * 10) / 10} late instance-minutes of unmet need (LATE above: which reservation, when, by how many)\n`,
      );
      return 1;
    }
    return 0;
  });
}
