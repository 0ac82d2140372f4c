/**
 * The sandbox (`npm start`): the default week through the real handlers on the in-process endpoint (SDK
 * clients hand their signed, serialized requests to it without a socket).
 * Targets: the week within 30 s of wall time, i.e. at least 5 / 30 simulated days per second.
 */
import { DEFAULT_SCENARIO } from '#sandbox/main.ts';
import { runSandbox } from '#sandbox/runner.ts';
import { loadScenarioFile } from '#sandbox/scenario.ts';
import type { BenchSection } from './types.ts';

const WEEK_BUDGET_SECONDS = 30;

export const sandboxSection: BenchSection = {
  title: 'sandbox',
  async run() {
    const scenario = loadScenarioFile(DEFAULT_SCENARIO);
    const started = performance.now();
    const cpuBefore = process.cpuUsage();
    const result = await runSandbox({ scenario });
    const cpu = process.cpuUsage(cpuBefore);
    const wallSeconds = (performance.now() - started) / 1000;
    const simulatedDays = result.run.simulatedDays;
    return [
      {
        metric: 'default week (npm start run, without process start-up)',
        value: wallSeconds,
        unit: 's',
        target: { value: WEEK_BUDGET_SECONDS, better: 'lower' },
      },
      {
        metric: 'simulated days per wall-clock second',
        value: simulatedDays / wallSeconds,
        unit: 'days/s',
        target: { value: simulatedDays / WEEK_BUDGET_SECONDS, better: 'higher' },
      },
      {
        // Wall time depends on what else the machine runs; CPU (user + system, this process) much less.
        metric: 'default week CPU time (user + system, without process start-up)',
        value: (cpu.user + cpu.system) / 1e6,
        unit: 's',
      },
      { metric: 'handler invocations in the week', value: result.invocations.length, unit: 'invocations' },
      {
        metric: 'invocations per wall-clock second',
        value: result.invocations.length / wallSeconds,
        unit: '1/s',
      },
      {
        metric: 'reclaims missing their bell',
        value: result.summary.misses.length,
        unit: 'reclaims',
        target: { value: 0, better: 'lower' },
      },
      {
        metric: 'late unmet need in the week',
        value: result.summary.unmetNeedInstanceMinutes.late,
        unit: 'instance-minutes',
        target: { value: 0, better: 'lower' },
      },
    ];
  },
};
