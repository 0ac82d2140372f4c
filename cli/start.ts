/**
 * `npm start`: the whole service over the default trading week (2026-03-09 to 13), in simulated time,
 * against the local AWS endpoint in this process. Same options as `npm run simulate`.
 */
import './node-warnings.ts';
import { SIMULATE_USAGE, sandboxMain } from '#sandbox/main.ts';

process.exitCode = await sandboxMain(
  process.argv.slice(2),
  SIMULATE_USAGE.replace('npm run simulate', 'npm start'),
);
