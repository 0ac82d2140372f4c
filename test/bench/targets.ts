/**
 * The bench's targets, each stated once with where its value comes from. A missed target fails
 * `npm run bench` unless it is informative: a guide we set ourselves, not an issue's target (types.ts).
 */
import type { BenchResult } from './types.ts';

export type BenchTarget = NonNullable<BenchResult['target']>;

/** Issue 7: a run over 10,000 managed reservations within 2 s against the local endpoint. */
export const FLEET_RUN_MS: BenchTarget = { value: 2_000, better: 'lower' };

/** Lambda's deployment limit is 50 MB zipped; a lean bundle stays far below it and loads faster. */
export const ZIP_KIB: BenchTarget = { value: 1_000_000 / 1024, better: 'lower', informative: true };

/**
 * Lambda's init phase delays the first reclaim after a cold start: a whole process (Node's own start, the
 * bundle's import, the first invocation) should take at most twice a process that does nothing, in wall time
 * and in CPU time.
 */
export const COLD_PROCESS_RATIO: BenchTarget = { value: 2, better: 'lower', informative: true };

/** An alarm reclaims "at once": the handler's own share before the Update call is a small part of that. */
export const ALARM_TO_UPDATE_MS: BenchTarget = { value: 100, better: 'lower', informative: true };
