/**
 * `npm run oncall -- <status|plan|reclaim|lend|clear> ...`: builds and checks the reclaim-on-demand payload,
 * invokes the deployed function (or with --local the handler against the local endpoint) and follows a
 * change to completion. Usage mistakes exit with 2 and a message naming the problem.
 */
import { ONCALL_USAGE, OnCallUsageError, parseOnCallCommand, runOnCall } from '#infra/sandbox/oncall.ts';

// The SDK's notice about Node 22 (the project supports Node 20) would be the first thing a newcomer reads.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

const write = (line: string) => process.stdout.write(`${line}\n`);
try {
  const command = parseOnCallCommand(process.argv.slice(2));
  process.exitCode = await runOnCall(command, { write });
} catch (error: unknown) {
  if (!(error instanceof OnCallUsageError)) throw error;
  process.stderr.write(`${error.message}\n\n${ONCALL_USAGE}\n`);
  process.exitCode = 2;
}
