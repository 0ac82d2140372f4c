/**
 * Each function path's peak memory at 1,000 and 10,000 reservations (one region), each in a fresh process as a
 * Lambda container runs it (function-path.ts), beside the `memorySize` the build derives for a config of that
 * fleet (infra/build.ts, `functionMemorySizes`): the path must fit its function's memory. The processes load
 * TypeScript through tsx, which a bundle does not: the figures are a little above a deployed function's.
 */
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { functionMemorySizes } from '#infra/build.ts';
import { BEFORE_OPEN, OFF_HOURS, scaleConfig, scaleSeed, zonesIn } from '../integration/scale/fleet.ts';
import { startEndpointProcess } from './endpoint-process.ts';
import type { BenchResult, BenchSection } from './types.ts';

const run = promisify(execFile);
const REPO_ROOT = fileURLToPath(new URL('../..', import.meta.url));
const FLEETS = [1_000, 10_000];
const REGION = 'us-east-1';
/** In the order a morning runs them: the reclaim, the tracker over everything in flight, an alarm, on-call. */
const PATHS = ['reclaim-on-schedule', 'track-reclamation', 'reclaim-on-alarm', 'reclaim-on-demand'] as const;

async function peakMb(path: string, url: string, now: string): Promise<number> {
  const { stdout } = await run(
    process.execPath,
    ['--import', 'tsx', 'test/bench/function-path.ts', path, url, now, REGION],
    { cwd: REPO_ROOT, maxBuffer: 1 << 20 },
  );
  const line = stdout.trim().split('\n').pop() ?? '{}';
  return (JSON.parse(line) as { maxRssMb: number }).maxRssMb;
}

export const memorySection: BenchSection = {
  title: 'memory: each function path beside its memorySize',
  async run(): Promise<BenchResult[]> {
    const results: BenchResult[] = [];
    const zones = zonesIn(REGION);
    for (const fleet of FLEETS) {
      const sizes = functionMemorySizes({ ...scaleConfig(zones), managedReservations: fleet });
      const endpoint = await startEndpointProcess(OFF_HOURS);
      try {
        await endpoint.admin.seed(scaleSeed(fleet, OFF_HOURS, zones));
        await endpoint.setClock(BEFORE_OPEN);
        for (const path of PATHS) {
          const now = (await endpoint.admin.getClock()).now;
          const memorySize = sizes[path] ?? 0;
          results.push({
            metric: `${path} at ${fleet.toLocaleString('en-US')}: peak RSS (memorySize ${memorySize} MB)`,
            value: Math.round(await peakMb(path, endpoint.url, now)),
            unit: 'MB',
            target: { value: memorySize, better: 'lower' },
          });
        }
      } finally {
        endpoint.stop();
      }
    }
    return results;
  },
};
