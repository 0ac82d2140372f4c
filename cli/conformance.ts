/**
 * `npm run conformance -- [--endpoint-url URL]`
 * Drives the local AWS endpoint with boto3 and the AWS CLI (local-aws/conformance/conformance.py) and reports
 * every answer that differs from AWS's documented behaviour. Without `--endpoint-url` it starts its own
 * endpoint; with it, it drives one already running (`npm run local-aws`), which it resets and seeds.
 * Exit 0: no difference; 1: differences (listed); 2: usage, or no python3/boto3 on this machine.
 */
import './node-warnings.ts';
import { clientProblem, runConformance } from '@odcr-reclaimer/local-aws/conformance/run.ts';
import { startLocalAws } from '@odcr-reclaimer/local-aws/server.ts';
import { parseCommandLine, runCommand } from './usage.ts';

const USAGE = `usage: npm run conformance -- [--endpoint-url URL]

  Drives the local AWS endpoint with boto3 and the AWS CLI and lists every answer that differs from AWS's
  documented behaviour. Without --endpoint-url it starts its own endpoint; with it, it drives (resets and
  seeds) one already running. Exit 0: no difference; 1: differences; 2: usage, or no python3/boto3 here.`;

async function main(argv: readonly string[]): Promise<number> {
  const { values } = parseCommandLine({
    args: [...argv],
    options: { 'endpoint-url': { type: 'string' } },
    strict: true,
  });
  const problem = await clientProblem();
  if (problem !== undefined) {
    process.stderr.write(`conformance: cannot run: ${problem}\n`);
    return 2;
  }
  const endpoint = values['endpoint-url'] === undefined ? await startLocalAws({ port: 0 }) : undefined;
  try {
    const result = await runConformance(values['endpoint-url'] ?? endpoint!.url);
    process.stdout.write(`${result.output}\n`);
    return result.differences.length === 0 ? 0 : 1;
  } finally {
    await endpoint?.close();
  }
}

const argv = process.argv.slice(2);
runCommand('conformance', USAGE, argv, () => main(argv)).then(
  (code) => process.exit(code),
  (error: unknown) => {
    process.stderr.write(`conformance: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exit(2);
  },
);
