/** `npm run validate -- --config <file> [--scenario <file>]`: see cli/validation.ts. */
import './node-warnings.ts';
import { runCommand } from './usage.ts';
import { VALIDATE_USAGE, validate } from './validation.ts';

const argv = process.argv.slice(2);
process.exitCode = await runCommand('validate', VALIDATE_USAGE, argv, () => validate(argv));
