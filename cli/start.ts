/**
 * `npm start`: the whole service over the default trading week (2026-03-09 to 13), in simulated time,
 * against the local AWS endpoint in this process. Same options as `npm run simulate`.
 */
import './node-warnings.ts';
import { SIMULATE_USAGE, sandboxMain } from '#sandbox/main.ts';

// The SDK's notice about Node 22 (the project supports Node 20) would be the first thing a newcomer reads.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

process.exitCode = await sandboxMain(
  process.argv.slice(2),
  SIMULATE_USAGE.replace('npm run simulate', 'npm start'),
);
