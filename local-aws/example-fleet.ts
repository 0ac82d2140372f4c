/** The project's example fleet (trading fleet on XNYS, the risk-engine AZ group) as a SeedState. */
import { readFileSync } from 'node:fs';
import type { SeedState } from './types.ts';

export const EXAMPLE_FLEET_FILE = new URL('./example-fleet.json', import.meta.url);

export function loadExampleFleet(): SeedState {
  return JSON.parse(readFileSync(EXAMPLE_FLEET_FILE, 'utf8')) as SeedState;
}

export function loadSeedFile(path: string): SeedState {
  return JSON.parse(readFileSync(path, 'utf8')) as SeedState;
}
