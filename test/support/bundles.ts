/**
 * The functions as Lambda runs them: the build's zips unpacked into a temporary folder, each bundle run in a
 * fresh Node process with the environment serverless.yml gives it, from its own folder (Lambda's /var/task).
 */
import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import { BUNDLED_CONFIG_NAME, type BuiltFunction, buildAll } from '#infra/build.ts';
import { readServiceTriggers } from '#sandbox/service-definition.ts';
import { loadConfigFile } from '#shared/config/load-config.ts';
import { unzipEntries } from './zip.ts';

const run = promisify(execFile);
const EXAMPLE_CONFIG_FILE = new URL('../../config/example.json', import.meta.url).pathname;

export interface UnpackedFunction extends BuiltFunction {
  /** The folder holding `handler.mjs`, the files split off it and the config, as Lambda unpacks the zip. */
  directory: string;
  /** The function's environment as serverless.yml sets it (provider's and its own). */
  environment: Record<string, string>;
}

export interface BuiltBundles {
  functions: UnpackedFunction[];
  remove(): void;
}

/**
 * Builds every function with the example config into a temporary folder (never dist/, which `npm run package`
 * owns) and unpacks it.
 */
export async function buildBundles(): Promise<BuiltBundles> {
  const outDir = mkdtempSync(path.join(tmpdir(), 'odcr-bundles-'));
  const triggers = readServiceTriggers(loadConfigFile(EXAMPLE_CONFIG_FILE));
  const built = await buildAll({ outDir, configFile: EXAMPLE_CONFIG_FILE });
  const functions = built
    .sort((a, b) => a.function.localeCompare(b.function))
    .map((fn): UnpackedFunction => {
      const zip = readFileSync(path.join(outDir, `${fn.function}.zip`));
      const directory = path.join(outDir, fn.function);
      mkdirSync(directory);
      const entries = unzipEntries(zip);
      for (const name of ['handler.mjs', BUNDLED_CONFIG_NAME])
        if (!entries.has(name)) throw new Error(`no ${name} in ${fn.function}.zip`);
      for (const [name, data] of entries) writeFileSync(path.join(directory, name), data);
      return { ...fn, directory, environment: triggers.environment[fn.function] ?? {} };
    });
  return { functions, remove: () => rmSync(outDir, { recursive: true, force: true }) };
}

/**
 * The CPU time the process has used so far (user and system, from Node's own start), written with the answer:
 * unlike wall time it does not grow when other processes share the machine's cores.
 */
const REPORT_CPU_MS = 'const cpu = process.cpuUsage(), cpuMs = (cpu.user + cpu.system) / 1000;';

/** Imports the bundle and invokes its `handler` once, as the Lambda runtime's first invocation does. */
const INVOKE_ONCE = [
  'const { handler } = await import(process.env.BUNDLE_URL);',
  'let answer;',
  'try { answer = await handler(JSON.parse(process.env.BUNDLE_EVENT), { awsRequestId: "bundle-run" }); }',
  'catch (error) { answer = { thrown: error.name, message: error.message }; }',
  REPORT_CPU_MS,
  // After a line break: the function's own output (its EMF metric lines) comes before it on stdout.
  'process.stdout.write("\\n" + JSON.stringify({ answer: answer ?? null, cpuMs }));',
].join('\n');

/** What a whole process cost: spawn to exit, and the CPU time it used. */
export interface ProcessCost {
  /** Spawn to exit of the whole process. */
  wallMs: number;
  cpuMs: number;
}

export interface BundleRun extends ProcessCost {
  answer: unknown;
  /** What the function wrote to stdout before its answer, line by line: what Lambda ships to its log group. */
  logLines: string[];
}

/**
 * Runs `fn`'s bundle on `event` in a new process. `extraEnvironment` adds to (or overrides) serverless.yml's
 * environment: the region, credentials and endpoint that Lambda or the test supplies.
 */
export async function runBundle(
  fn: UnpackedFunction,
  event: unknown,
  extraEnvironment: Record<string, string> = {},
): Promise<BundleRun> {
  const started = performance.now();
  const { stdout } = await run(process.execPath, ['--input-type=module', '-e', INVOKE_ONCE], {
    cwd: fn.directory,
    env: {
      PATH: process.env.PATH ?? '',
      // The SDK warns about Node versions older than the deployed runtime's; the warning is not the function's.
      NODE_NO_WARNINGS: '1',
      POWERTOOLS_LOG_LEVEL: 'SILENT',
      ...fn.environment,
      ...extraEnvironment,
      BUNDLE_URL: pathToFileURL(path.join(fn.directory, 'handler.mjs')).href,
      BUNDLE_EVENT: JSON.stringify(event),
    },
  });
  const wallMs = performance.now() - started;
  const lines = stdout.split('\n');
  const { answer, cpuMs } = JSON.parse(lines.pop() ?? '') as { answer: unknown; cpuMs: number };
  return { answer, logLines: lines.filter((line) => line !== ''), wallMs, cpuMs };
}

/**
 * A Node process that only reports its CPU time as a bundle run does: the floor every cold start stands on.
 */
export async function bareNodeCost(): Promise<ProcessCost> {
  const started = performance.now();
  const { stdout } = await run(
    process.execPath,
    ['--input-type=module', '-e', `${REPORT_CPU_MS} process.stdout.write(JSON.stringify({ cpuMs }));`],
    { env: { PATH: process.env.PATH ?? '' } },
  );
  const wallMs = performance.now() - started;
  return { wallMs, cpuMs: (JSON.parse(stdout) as { cpuMs: number }).cpuMs };
}

/** CloudWatch's state-change event for an alarm the example config does not name: the alarm handler ignores it. */
export function unconfiguredAlarmEvent(alarmName = 'not-in-the-config') {
  return {
    version: '0',
    id: `unconfigured-${alarmName}`,
    'detail-type': 'CloudWatch Alarm State Change',
    source: 'aws.cloudwatch',
    account: '123456789012',
    time: '2025-03-11T16:00:00Z',
    region: 'us-east-1',
    resources: [],
    detail: { alarmName, state: { value: 'ALARM', reason: 'test' } },
  };
}
