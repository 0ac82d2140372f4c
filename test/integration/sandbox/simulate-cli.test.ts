import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { DEFAULT_SCENARIO, SIMULATE_USAGE, sandboxMain } from '#sandbox/main.ts';
import type { SimulationResult } from '#sandbox/result.ts';

const EXAMPLE_CONFIG = fileURLToPath(new URL('../../../config/example.json', import.meta.url));
const EXAMPLE_SEED = fileURLToPath(new URL('../../../local-aws/example-fleet.json', import.meta.url));

/** The default scenario with its paths made absolute, changed by `change`, written to a temporary file. */
function scenarioFile(change: (scenario: Record<string, unknown>) => void): string {
  const scenario = JSON.parse(readFileSync(DEFAULT_SCENARIO, 'utf8')) as Record<string, unknown>;
  scenario.fleet = { config: EXAMPLE_CONFIG, seed: EXAMPLE_SEED };
  change(scenario);
  const file = join(mkdtempSync(join(tmpdir(), 'odcr-simulate-')), 'scenario.json');
  writeFileSync(file, JSON.stringify(scenario));
  return file;
}

/** Runs `npm run simulate` in-process as cli/simulate.ts does; returns its exit code and what it wrote. */
async function simulate(argv: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = '';
  let stderr = '';
  vi.spyOn(process.stdout, 'write').mockImplementation((chunk) => {
    stdout += String(chunk);
    return true;
  });
  vi.spyOn(process.stderr, 'write').mockImplementation((chunk) => {
    stderr += String(chunk);
    return true;
  });
  const code = await sandboxMain(argv, SIMULATE_USAGE);
  vi.restoreAllMocks();
  return { code, stdout, stderr };
}

afterEach(() => {
  vi.restoreAllMocks();
});

describe('npm run simulate: a scenario with mistakes', () => {
  it('prints each mistake with its field, no stack trace, exits 2, and runs nothing', async () => {
    const file = scenarioFile((scenario) => {
      const alarms = scenario.alarms as Record<string, unknown>[];
      alarms[3] = { ...alarms[3], name: 'xnys-volatility-hgih' };
      (scenario.borrowers as Record<string, unknown>[])[0]!.reservation = 'cr-0000000000000d001';
      scenario.onCall = [];
    });
    const { code, stdout, stderr } = await simulate(['--scenario', file, '--quiet']);
    expect(code).toBe(2);
    expect(stderr).toContain('alarms[3].name: expected an alarm of the config');
    expect(stderr).toContain("got 'xnys-volatility-hgih'");
    expect(stderr).toContain('borrowers[0].reservation: expected a reservation the fleet holds');
    expect(stderr).not.toMatch(/^\s+at /m);
    expect(stdout).toBe('');
  });

  it('says an unknown field and a bad date by name', async () => {
    const file = scenarioFile((scenario) => {
      scenario.alarm = [];
      (scenario.alarms as Record<string, unknown>[])[0]!.at = '2026-03-32T14:50:00-04:00';
    });
    const { code, stderr } = await simulate(['--scenario', file]);
    expect(code).toBe(2);
    expect(stderr).toContain("alarm: unknown field 'alarm'");
    expect(stderr).toContain('alarms[0].at: expected an ISO 8601 time');
  });

  it('says what is wrong with a config given by --config, by its field', async () => {
    const config = JSON.parse(readFileSync(EXAMPLE_CONFIG, 'utf8')) as {
      reservations: Record<string, unknown>[];
    };
    config.reservations[0]!.tradingNeeds = 'all';
    const file = join(mkdtempSync(join(tmpdir(), 'odcr-simulate-')), 'config.json');
    writeFileSync(file, JSON.stringify(config));
    const { code, stderr } = await simulate(['--config', file, '--scenario', scenarioFile(() => undefined)]);
    expect(code).toBe(2);
    expect(stderr).toContain("reservations[0].tradingNeeds: unknown field 'tradingNeeds'");
    expect(stderr).not.toMatch(/^\s+at /m);
  });
});

describe('npm run simulate: a service that cannot keep its promise', () => {
  it('exits 1 and says which reservation was short, when (exchange time and UTC) and by how many', async () => {
    // A lead of 1 minute (reclaim from 09:25 on the heartbeat grid) against borrowers that take 10 minutes to
    // shut down after their warning: the capacity comes back some 8 minutes after the bell.
    const config = JSON.parse(readFileSync(EXAMPLE_CONFIG, 'utf8')) as Record<string, unknown>;
    config.lead = { minimumMinutes: 1, safetyMarginMinutes: 0 };
    const directory = mkdtempSync(join(tmpdir(), 'odcr-simulate-'));
    const configFile = join(directory, 'config.json');
    writeFileSync(configFile, JSON.stringify(config));
    // Monday morning in New York is enough: the reclaim, the bell and the half hour after it.
    const file = scenarioFile((scenario) => {
      scenario.settings = { ...(scenario.settings as object), shutdownSeconds: 600 };
      scenario.start = '2026-03-09T08:00:00-04:00';
      scenario.end = '2026-03-09T10:00:00-04:00';
    });
    const jsonFile = join(directory, 'result.json');
    const { code, stdout } = await simulate([
      ...['--config', configFile, '--scenario', file, '--quiet'],
      ...['--json', jsonFile, '--report', join(directory, 'report.html')],
    ]);
    expect(code).toBe(1);
    expect(stdout).toContain('LATE: the source held fewer instances than the policy needed:');
    expect(stdout).toMatch(
      /xnys-trading-r7i \(cr-0123456789abcdef0, us-east-1a\): short by up to 30 \(held 70 of the 100 needed\) from Mon 09 Mar 09:30 EDT \(13:30Z\) to Mon 09 Mar 09:3\d EDT \(13:3\dZ\)/,
    );
    expect(stdout).toMatch(/FAILED: \d+ late instance-minutes of unmet need/);
    const result = JSON.parse(readFileSync(jsonFile, 'utf8')) as SimulationResult;
    const unmet = result.summary.unmetNeedInstanceMinutes;
    expect(unmet.late).toBeGreaterThan(0);
    expect(unmet.byReservation['cr-0123456789abcdef0']?.late).toBe(unmet.late);
    expect(unmet.total).toBe(unmet.late + unmet.reaction);
  }, 60_000);
});
