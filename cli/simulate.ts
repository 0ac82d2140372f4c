/**
 * `npm run simulate -- --config <file> --scenario <file> [--from <date>] [--days <n>] [--json <file>]
 * [--report <file>]`: a what-if run of a policy over a scenario before deploying it.
 */
import './node-warnings.ts';
import { SIMULATE_USAGE, sandboxMain } from '#sandbox/main.ts';

process.exitCode = await sandboxMain(process.argv.slice(2), SIMULATE_USAGE);
