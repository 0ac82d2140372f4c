/**
 * The conformance run with a second, independent client: conformance.py drives the endpoint with boto3 (and
 * the AWS CLI when installed) and compares every answer with AWS's documented behaviour. Neither is a
 * dependency of the project: `clientProblem()` says why the run cannot happen on this machine.
 */
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

const run = promisify(execFile);

export const CONFORMANCE_SCRIPT = fileURLToPath(new URL('./conformance.py', import.meta.url));

export interface ConformanceDifference {
  check: string;
  expected: string;
  got: string;
  page: string;
}

export interface ConformanceResult {
  checks: number;
  differences: ConformanceDifference[];
  /** The script's report, one line per check. */
  output: string;
}

/** Why the run cannot happen here (no python3, no boto3), or undefined when it can. */
export async function clientProblem(): Promise<string | undefined> {
  try {
    await run('python3', ['-c', 'import boto3, botocore'], { timeout: 30_000 });
    return undefined;
  } catch (error: unknown) {
    const code = (error as { code?: unknown }).code;
    return code === 'ENOENT'
      ? 'python3 is not installed'
      : 'python3 cannot import boto3 (pip install boto3 to run it)';
  }
}

/** Runs conformance.py against `url`; a difference is a result, not an exception. */
export async function runConformance(url: string): Promise<ConformanceResult> {
  let stdout: string;
  try {
    ({ stdout } = await run('python3', [CONFORMANCE_SCRIPT, '--endpoint-url', url, '--json'], {
      timeout: 600_000,
      maxBuffer: 16 * 1024 * 1024,
    }));
  } catch (error: unknown) {
    // Exit 1 means differences were found: the report is still on stdout.
    const failed = error as { stdout?: string; stderr?: string; code?: unknown };
    if (failed.code !== 1 || failed.stdout === undefined) {
      throw new Error(`conformance.py failed: ${failed.stderr ?? String(error)}`);
    }
    stdout = failed.stdout;
  }
  const lines = stdout.trimEnd().split('\n');
  const summary = JSON.parse(lines.at(-1) ?? '{}') as Omit<ConformanceResult, 'output'>;
  return { ...summary, output: lines.slice(0, -1).join('\n') };
}
