/**
 * `npm run oncall -- <status|plan|reclaim|lend|clear|close-market|reopen-market> ...`: builds and checks the reclaim-on-demand payload,
 * invokes the deployed function (or with --local the handler against the local endpoint) and follows a
 * change to completion. Usage mistakes exit with 2 and a message naming the problem; a failure to reach the
 * function or read its answer exits with 1 and one line saying so.
 */
import './node-warnings.ts';
import { mainOnCall } from '#cli/oncall-command.ts';

// The SDK's notice about Node 22 (the project supports Node 20) would be the first thing a newcomer reads.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

process.exitCode = await mainOnCall(process.argv.slice(2), {
  write: (line) => process.stdout.write(`${line}\n`),
  writeError: (text) => process.stderr.write(text),
});
