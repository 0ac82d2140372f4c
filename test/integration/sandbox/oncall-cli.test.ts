import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import type { SeedState } from '@odcr-reclaimer/local-aws/admin-client.ts';
import { type LocalAws, startLocalAws } from '@odcr-reclaimer/local-aws/server.ts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { OnCallUsageError, parseOnCallCommand, runOnCall } from '#cli/oncall-command.ts';

const REPO = fileURLToPath(new URL('../../../', import.meta.url));
const TRADING = 'cr-0123456789abcdef0';

describe('npm run oncall: malformed commands', () => {
  it.each([
    [[], 'missing the action'],
    [['frob'], 'unknown action "frob"'],
    [['reclaim', '--all'], 'reclaim needs exactly one amount'],
    [['reclaim', '--everything', '--for', '2h'], 'reclaim needs a scope'],
    [['reclaim', '--all', '--count', 'many'], '--count: expected a whole number, got "many"'],
    [
      ['reclaim', '--reservations', 'cr-12', '--everything'],
      '--reservations.0: expected capacity reservation ids',
    ],
    [['reclaim', '--all', '--group', 'risk-engine', '--count', '1'], 'give one scope, not --group and --all'],
    [['lend', '--all', '--count', '1', '--for', 'two hours'], "--for: expected a duration like '2h'"],
    [
      ['lend', '--all', '--count', '1', '--for', '2h', '--until', '2026-03-12T21:00:00Z'],
      'give --for or --until, not both',
    ],
    [['status', '--all', '--count', '3'], 'status takes no amount (--count)'],
    [['status', '--colour'], "unknown option '--colour'"],
    [['close-market', '--date', '2025-01-09', '--reason', 'x'], '--market: close-market needs the market'],
    [
      ['close-market', '--market', 'XNYS', '--date', '9 Jan', '--reason', 'x'],
      '--date: expected a date YYYY-MM-DD',
    ],
    [
      ['reclaim', '--all', '--everything', '--for', '1h', '--reason', 'x', '--market', 'XNYS'],
      '--market: not used by reclaim',
    ],
  ])('%j is refused naming the problem', (argv, problem) => {
    expect(() => parseOnCallCommand(argv, {})).toThrow(OnCallUsageError);
    expect(() => parseOnCallCommand(argv, {})).toThrow(problem);
  });

  it('prints the problem and the usage, and exits with 2', async () => {
    const run = promisify(execFile);
    const failure = await run('npx', ['tsx', 'cli/oncall.ts', 'reclaim', '--all'], { cwd: REPO }).then(
      () => undefined,
      (error: unknown) => error as { code: number; stderr: string },
    );
    expect(failure?.code).toBe(2);
    expect(failure?.stderr).toContain('reclaim needs exactly one amount');
    expect(failure?.stderr).toContain('usage: npm run oncall --');
  });

  it('builds the payload reclaim-on-demand takes', () => {
    const command = parseOnCallCommand(
      [
        'reclaim',
        '--reservations',
        `${TRADING},cr-0000000000000a001`,
        '--count',
        '10',
        '--for',
        '90m',
        '--reason',
        'x',
        '--dry-run',
      ],
      { ODCR_ON_DEMAND_FUNCTION: 'my-fn' },
    );
    expect(command.payload).toEqual({
      action: 'reclaim',
      reservations: [TRADING, 'cr-0000000000000a001'],
      count: 10,
      for: '90m',
      reason: 'x',
      dryRun: true,
    });
    expect(command.functionName).toBe('my-fn');
    expect(command.local).toBe(false);
  });
});

it('builds the close-market payload', () => {
  const command = parseOnCallCommand(
    ['close-market', '--market', 'XNYS', '--date', '2030-01-09', '--reason', 'day of mourning', '--dry-run'],
    {},
  );

  expect(command.payload).toEqual({
    action: 'close-market',
    market: 'XNYS',
    date: '2030-01-09',
    reason: 'day of mourning',
    dryRun: true,
  });
});

describe('npm run oncall -- reclaim --local', () => {
  let local: LocalAws;

  beforeAll(async () => {
    const seed = JSON.parse(readFileSync(`${REPO}local-aws/example-fleet.json`, 'utf8')) as SeedState;
    // Thursday evening, New York: the trading fleet lends 60, of which 30 run borrowers' instances.
    local = await startLocalAws({ port: 0, seed: { ...seed, now: '2026-03-12T22:00:00Z' } });
  });

  afterAll(async () => {
    await local?.close();
  });

  it('reclaims, then shows a bar per reservation moving to the target until the tracker sees completion', async () => {
    const lines: string[] = [];
    const command = parseOnCallCommand(
      [
        'reclaim',
        '--reservations',
        TRADING,
        '--everything',
        '--for',
        '2h',
        '--reason',
        'risk run',
        '--local',
      ],
      { AWS_ENDPOINT_URL: local.url, ODCR_CONFIG_FILE: `${REPO}config/example.json` },
    );

    const exitCode = await runOnCall(command, { write: (line) => lines.push(line) });

    expect(exitCode).toBe(0);
    const output = lines.join('\n');
    expect(output).toMatch(/xnys-trading-r7i\s+updated\s+60 → 0/);
    const bars = lines.filter((line) => line.includes('['));
    expect(bars.length).toBeGreaterThanOrEqual(2);
    // Unused lent slots come back at once (60 → 30); the 30 borrowed instances shut down after their warning.
    expect(bars[0]).toMatch(/\[█+░+\]\s+30 → 0\s+updating/);
    expect(bars.at(-1)).toMatch(/\[█+\]\s+0 → 0\s+active/);
    // One line says how it ended, in the exchange's time and UTC; each frame says how long it has taken.
    expect(lines.at(-1)).toMatch(
      /^reclaim completed in \d+ min \d\d s: xnys-trading-r7i 60 → 0, at Thu 12 Mar 18:\d\d EDT \(22:\d\dZ\)$/,
    );
    expect(bars[0]).toMatch(/^elapsed \d+ s {2}\(Thu 12 Mar 18:0\d EDT \(22:0\dZ\)\)\n/);
    const completed = local.admin.events({
      source: 'odcr-reclaimer',
      detailType: 'Allocation Change Completed',
    }).events;
    expect(completed).toHaveLength(1);
  });
});
