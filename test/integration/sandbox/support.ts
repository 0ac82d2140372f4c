import { beforeAll } from 'vitest';
import type { LoggedEvent, SimulationResult } from '#sandbox/result.ts';
import { runSandbox, type SandboxOptions } from '#sandbox/runner.ts';

/** Runs the sandbox once for the whole file, before its tests: the run's result, for each test to read. */
export function useSandboxRun(options: SandboxOptions, timeoutMs: number): () => SimulationResult {
  let result: SimulationResult | undefined;
  beforeAll(async () => {
    result = await runSandbox(options);
  }, timeoutMs);
  return () => {
    if (result === undefined) throw new Error('the sandbox run has not finished');
    return result;
  };
}

/** The invocations that failed, throttling aside: a throttled invocation is retried as Lambda retries it. */
export function failedInvocations(result: SimulationResult): SimulationResult['invocations'] {
  return result.invocations.filter(
    (invocation) => !invocation.ok && !invocation.error?.startsWith('throttled'),
  );
}

/** The details of the service's events of one detail-type, as plain records. */
export function detailsOf(events: readonly LoggedEvent[], detailType: string): Record<string, unknown>[] {
  return events
    .filter((event) => event.source === 'odcr-reclaimer' && event['detail-type'] === detailType)
    .map(
      (event) =>
        (typeof event.detail === 'object' && event.detail !== null ? event.detail : {}) as Record<
          string,
          unknown
        >,
    );
}

/** Whether `at` lies in [from, to). */
export function within(at: string, from: string, to: string): boolean {
  const time = Date.parse(at);
  return time >= Date.parse(from) && time < Date.parse(to);
}

/** Lent instance-hours under the sampled capacity (a step function), over the run's window. */
export function lentHoursFromSamples(result: SimulationResult): number {
  const end = Date.parse(result.window.end);
  let hours = 0;
  result.samples.forEach((sample, index) => {
    const next = result.samples[index + 1];
    const until = next === undefined ? end : Date.parse(next.time);
    const lent = Object.values(sample.reservations).reduce((sum, point) => sum + point.lent, 0);
    hours += (lent * (until - Date.parse(sample.time))) / 3_600_000;
  });
  return hours;
}

/** Each reservation's capacity at a time: the last sample at or before it. */
export function capacityAt(result: SimulationResult, at: string) {
  return result.samples.filter((sample) => Date.parse(sample.time) <= Date.parse(at)).at(-1)?.reservations;
}
