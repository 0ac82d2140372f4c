/**
 * The local endpoint in a process of its own, for bench sections: EC2 is remote, so its work (building the
 * XML pages, the call log) must not count as the service's, and on this 2-core machine the two processes run
 * side by side as the function and AWS would.
 */
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { LocalAwsAdminClient } from '@odcr-reclaimer/local-aws/admin-client.ts';
import type { CallRecord } from '@odcr-reclaimer/local-aws/types.ts';
import type { Clock } from '#shared/clock.ts';

const REPO_ROOT = fileURLToPath(new URL('../..', import.meta.url));

export interface EndpointProcess {
  url: string;
  admin: LocalAwsAdminClient;
  /** The endpoint's simulated clock, mirrored: `sleep` advances it over the admin API. */
  clock: Clock;
  setClock(now: string): Promise<void>;
  /** Calls made since the last `takeCalls`. */
  takeCalls(): Promise<CallRecord[]>;
  stop(): void;
}

/** `args`: more of `npm run local-aws`'s options (e.g. `--request-rate-scale 1`). */
export async function startEndpointProcess(
  start: string,
  args: readonly string[] = [],
): Promise<EndpointProcess> {
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', 'cli/local-aws.ts', '--port', '0', '--start', start, ...args],
    { cwd: REPO_ROOT, stdio: ['ignore', 'pipe', 'inherit'] },
  );
  const url = await new Promise<string>((resolve, reject) => {
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => {
      output += chunk.toString();
      const match = /listening on (\S+)/.exec(output);
      if (match?.[1]) resolve(match[1]);
    });
    child.once('exit', (code) => reject(new Error(`local endpoint exited with ${code}: ${output}`)));
  });
  const admin = new LocalAwsAdminClient(url);
  let now = new Date(start);
  let seen = 0;
  return {
    url,
    admin,
    clock: {
      now: () => now,
      sleep: async (ms) => {
        now = new Date((await admin.advance(ms / 1000)).now);
      },
    },
    setClock: async (iso) => {
      now = new Date((await admin.setClock({ now: iso })).now);
    },
    takeCalls: async () => {
      const { calls } = await admin.calls();
      const fresh = calls.slice(seen);
      seen = calls.length;
      return fresh;
    },
    stop: () => child.kill('SIGTERM'),
  };
}
