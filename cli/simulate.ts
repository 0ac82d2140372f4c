/**
 * `npm run simulate -- --config <file> --scenario <file> [--from <date>] [--days <n>] [--json <file>]
 * [--report <file>]`: a what-if run of a policy over a scenario before deploying it.
 */
import './node-warnings.ts';
import { SIMULATE_USAGE, sandboxMain } from '#sandbox/main.ts';

// The SDK's notice about Node 22 (the project supports Node 20) would be the first thing a newcomer reads.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

process.exitCode = await sandboxMain(process.argv.slice(2), SIMULATE_USAGE);
