/** `npm run discover`: see cli/discovery.ts. */
import './node-warnings.ts';
import { DISCOVER_USAGE, discover } from './discovery.ts';
import { runCommand } from './usage.ts';

const argv = process.argv.slice(2);
process.exitCode = await runCommand('discover', DISCOVER_USAGE, argv, () => discover(argv));
