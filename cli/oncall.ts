/**
 * `npm run oncall -- <status|plan|reclaim|lend|clear|close-market|reopen-market> ...`: builds and checks the reclaim-on-demand payload,
 * invokes the deployed function (or with --local the handler against the local endpoint) and follows a
 * change to completion. Usage mistakes exit with 2 and a message naming the problem; a failure to reach the
 * function or read its answer exits with 1 and one line saying so.
 */
import './node-warnings.ts';
import { mainOnCall, ONCALL_USAGE } from '#cli/oncall-command.ts';
import { runCommand } from './usage.ts';

const argv = process.argv.slice(2);
process.exitCode = await runCommand('oncall', ONCALL_USAGE, argv, () =>
  mainOnCall(argv, {
    write: (line) => process.stdout.write(`${line}\n`),
    isTTY: process.stdout.isTTY === true,
    writeError: (text) => process.stderr.write(text),
  }),
);
