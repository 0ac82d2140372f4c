/**
 * The contract every command keeps, checked on the commands package.json lists (read from it, so a new one
 * is covered the day it is added): `--help` prints its usage and exits 0 before doing anything, an unknown
 * flag is named and refused with exit 2, and `--output json` prints one JSON document that parses.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadExampleFleet } from '@odcr-reclaimer/local-aws/example-fleet.ts';
import { startLocalAws } from '@odcr-reclaimer/local-aws/server.ts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
const NOT_COMMANDS = new Set(['test', 'typecheck', 'lint', 'format']);

/** `npm run <name>` → the TypeScript file its script runs. */
function commands(): [string, string][] {
  const scripts = (
    JSON.parse(readFileSync(path.join(REPO_ROOT, 'package.json'), 'utf8')) as {
      scripts: Record<string, string>;
    }
  ).scripts;
  return Object.entries(scripts)
    .filter(([name]) => !NOT_COMMANDS.has(name))
    .map(([name, script]) => {
      const file = script.split(/\s+/).find((token) => token.endsWith('.ts'));
      if (file === undefined) throw new Error(`script ${name} runs no .ts file: ${script}`);
      return [name, file];
    });
}

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

function run(file: string, args: readonly string[], env: NodeJS.ProcessEnv = {}): Promise<Run> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      ['--import', 'tsx', file, ...args],
      { cwd: REPO_ROOT, env: { ...process.env, ...env, CI: 'true' }, timeout: 60_000 },
      (error, stdout, stderr) => {
        const code = error === null ? 0 : typeof error.code === 'number' ? error.code : 1;
        resolve({ code, stdout, stderr });
      },
    );
  });
}

/** Runs the jobs a few at a time: every one is a Node process with tsx, and the machine has few cores. */
async function pooled<T>(jobs: (() => Promise<T>)[], width = 3): Promise<T[]> {
  const results: T[] = new Array(jobs.length);
  let next = 0;
  await Promise.all(
    Array.from({ length: width }, async () => {
      while (next < jobs.length) {
        const index = next++;
        results[index] = await (jobs[index] as () => Promise<T>)();
      }
    }),
  );
  return results;
}

const COMMANDS = commands();
const help = new Map<string, Run>();
const unknownFlag = new Map<string, Run>();

beforeAll(async () => {
  const jobs = COMMANDS.flatMap(([name, file]) => [
    async () => help.set(name, await run(file, ['--help'])),
    async () => unknownFlag.set(name, await run(file, ['--no-such-flag'])),
  ]);
  await pooled(jobs);
}, 300_000);

describe.each(COMMANDS)('npm run %s', (name) => {
  it('--help prints its usage and exits 0', () => {
    const answer = help.get(name);
    expect(answer?.stderr).toBe('');
    expect({ code: answer?.code, usage: answer?.stdout.startsWith('usage: ') }).toEqual({
      code: 0,
      usage: true,
    });
  });

  it('names an unknown flag and exits 2', () => {
    const answer = unknownFlag.get(name);
    expect(answer?.code).toBe(2);
    expect(answer?.stderr).toContain("unknown option '--no-such-flag'");
    expect(answer?.stderr).toMatch(/usage: /);
    expect(answer?.stderr).not.toMatch(/^\s+at /m);
  });
});

describe('--output json', () => {
  let local: Awaited<ReturnType<typeof startLocalAws>>;

  beforeAll(async () => {
    // Thursday evening, New York: the example fleet lends 60, of which 30 run borrowers' instances.
    local = await startLocalAws({ port: 0, seed: { ...loadExampleFleet(), now: '2026-03-12T22:00:00Z' } });
  });

  afterAll(async () => {
    await local?.close();
  });

  it('plan prints its decisions as JSON', async () => {
    const answer = await run('cli/plan.ts', ['--at', '2026-03-12T18:00:00-04:00', '--output', 'json']);
    expect(answer.code).toBe(0);
    const parsed = JSON.parse(answer.stdout) as { decisions: { reservationId: string }[] };
    expect(parsed.decisions.map((decision) => decision.reservationId)).toContain('cr-0123456789abcdef0');
  });

  it.each([['status'], ['plan']])('oncall %s --local prints the function answer as JSON', async (action) => {
    const answer = await run('cli/oncall.ts', [action, '--all', '--local', '--output', 'json'], {
      AWS_ENDPOINT_URL: local.url,
    });
    expect(answer.stderr).toBe('');
    expect(answer.code).toBe(0);
    const parsed = JSON.parse(answer.stdout) as { ok: boolean; action: string };
    expect(parsed).toMatchObject({ ok: true, action });
  });

  it('refuses an output it does not know, by name', async () => {
    const answer = await run('cli/plan.ts', ['--at', '2026-03-12T18:00:00-04:00', '--output', 'yaml']);
    expect(answer.code).toBe(2);
    expect(answer.stderr).toContain("--output takes table or json, got 'yaml'");
  });
});

describe('an endpoint nobody answers', () => {
  let url: string;

  beforeAll(async () => {
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    url = `http://127.0.0.1:${(closed.address() as AddressInfo).port}`;
    await new Promise((resolve) => closed.close(resolve));
  });

  it.each([
    ['oncall', 'cli/oncall.ts', ['status', '--all', '--local']],
    ['invoke', 'cli/invoke.ts', ['reclaim-on-demand', '--local', '--data', '{"action":"status"}']],
    ['discover', 'cli/discover.ts', ['--pick', 'all']],
  ])('%s names the URL it tried and how to start the local one', async (_name, file, args) => {
    const answer = await run(file, args, {
      AWS_ENDPOINT_URL: url,
      AWS_ACCESS_KEY_ID: 'local',
      AWS_SECRET_ACCESS_KEY: 'local',
      AWS_REGION: 'us-east-1',
    });
    expect(answer.code).toBe(1);
    expect(answer.stderr).toContain(`no AWS endpoint answered at ${url}`);
    expect(answer.stderr).toContain('npm run local-aws -- --example');
    expect(answer.stderr).not.toMatch(/^\s+at /m);
  });
});

describe('a config with mistakes', () => {
  const scratch = mkdtempSync(path.join(tmpdir(), 'odcr-contract-'));
  const configFile = path.join(scratch, 'fleet.json');

  beforeAll(() => {
    const config = JSON.parse(readFileSync(path.join(REPO_ROOT, 'config/example.json'), 'utf8')) as {
      reservations: Record<string, unknown>[];
    };
    config.reservations[0] = { ...config.reservations[0], market: 'XNYZ' };
    config.reservations[1] = { ...config.reservations[1], tradingNeeed: 3 };
    writeFileSync(configFile, JSON.stringify(config));
  });

  afterAll(() => rmSync(scratch, { recursive: true, force: true }));

  it.each([
    ['plan', 'cli/plan.ts', ['--at', '2026-11-27T12:45:00-05:00', '--config', configFile]],
    [
      'simulate',
      'cli/simulate.ts',
      ['--scenario', 'sandbox/scenarios/thanksgiving-week-2026.json', '--config', configFile],
    ],
  ])('%s names the file, then each problem on its own line with its field path', async (name, file, args) => {
    const answer = await run(file, args);
    expect(answer.code).toBe(2);
    const lines = answer.stderr.trimEnd().split('\n');
    expect(lines[0]).toBe(`${name}: invalid policy config ${configFile}:`);
    expect(
      lines
        .slice(1)
        .map((line) => line.split(': ')[0])
        .sort(),
    ).toEqual(['  reservations[0].market', '  reservations[1].tradingNeeed']);
  });
});
