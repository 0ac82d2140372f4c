/**
 * `npm run invoke -- <function> (--data '<json>' | --path <file>) [--local] [--verbose]`
 *
 * Runs one of the service's handlers in this process, like `serverless invoke local`, against whatever
 * AWS_ENDPOINT_URL names (real AWS when unset). `--local` targets the local AWS endpoint: AWS_ENDPOINT_URL
 * if set, else the endpoint's default address, with fake credentials, serverless.yml's region and resource
 * names, the example config unless the environment says otherwise, and the endpoint's simulated clock as now.
 * Prints the handler's answer as JSON; exits 1 when the handler throws or answers `ok: false`.
 */
import './node-warnings.ts';
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { DEFAULT_LOCAL_AWS_URL } from '@odcr-reclaimer/local-aws/admin-client.ts';
import { lambdaContext } from '#sandbox/lambda-context.ts';
import {
  deployedNameOf,
  deployedRegion,
  readFunctionEnvironments,
  readFunctionTimeouts,
} from '#sandbox/service-definition.ts';
import { EXAMPLE_CONFIG_FILE } from '#shared/config/example-fleet.ts';
import type { HandlerDependencies } from '../shared/runtime/container.ts';
import { argumentProblem, endpointProblem } from './usage.ts';

/** Each function's environment as serverless.yml deploys it (dev stage), by function. */
const ENVIRONMENTS = readFunctionEnvironments();
const FUNCTIONS = Object.keys(ENVIRONMENTS);

/** --local: the local endpoint, its fake credentials and the example config, unless the environment says. */
const LOCAL_DEFAULTS: Record<string, string> = {
  AWS_ENDPOINT_URL: DEFAULT_LOCAL_AWS_URL,
  AWS_REGION: deployedRegion(),
  AWS_ACCESS_KEY_ID: 'AKIDLOCAL',
  AWS_SECRET_ACCESS_KEY: 'local-secret',
};

class UsageError extends Error {
  override readonly name = 'UsageError';
}

const USAGE = `usage: npm run invoke -- <${FUNCTIONS.join('|')}> (--data '<json>' | --path <file>) [--local] [--verbose]`;

function isFunctionName(name: string | undefined): name is string {
  return FUNCTIONS.some((known) => known === name);
}

function readPayload(data: string | undefined, path: string | undefined): unknown {
  if ((data === undefined) === (path === undefined))
    throw new UsageError('give exactly one of --data or --path');
  const text = data ?? readFileSync(path ?? '', 'utf8');
  try {
    return JSON.parse(text);
  } catch (error: unknown) {
    throw new UsageError(
      `the payload is not JSON: ${error instanceof Error ? error.message : String(error)}`,
    );
  }
}

interface HandlerModule {
  handler: (event: unknown, context: object) => Promise<unknown>;
  createHandler: (dependencies: HandlerDependencies) => (event: unknown, context: object) => Promise<unknown>;
}

async function main(): Promise<number> {
  const { values, positionals } = parseArgs({
    allowPositionals: true,
    options: {
      data: { type: 'string' },
      path: { type: 'string' },
      local: { type: 'boolean', default: false },
      verbose: { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  if (values.help) {
    process.stdout.write(`${USAGE}\n`);
    return 0;
  }
  const name = positionals[0];
  if (!isFunctionName(name)) throw new UsageError(`unknown function '${name ?? ''}'`);
  const payload = readPayload(values.data, values.path);

  if (values.local) {
    // serverless.yml's names and the bundled config's file name; the example config stands for the bundle's.
    const deployed = {
      ...ENVIRONMENTS[name],
      ODCR_CONFIG_FILE: new URL(`../${EXAMPLE_CONFIG_FILE}`, import.meta.url).pathname,
    };
    for (const [key, value] of Object.entries({ ...LOCAL_DEFAULTS, ...deployed })) process.env[key] ||= value;
  }
  // Logs would mix with the answer on stdout: only warnings and errors unless asked.
  process.env['POWERTOOLS_LOG_LEVEL'] ||= values.verbose ? 'INFO' : 'WARN';

  // Imported only now, so the modules see the environment set above.
  const module = (await import(`../functions/${name}/handler.ts`)) as HandlerModule;
  const handler = values.local ? await localHandler(module) : module.handler;
  const answer = await handler(payload, invokeContext(name));
  process.stdout.write(`${JSON.stringify(answer, null, 2)}\n`);
  const failed = typeof answer === 'object' && answer !== null && 'ok' in answer && answer.ok === false;
  return failed ? 1 : 0;
}

/** The production wiring, except that now is the local endpoint's simulated time. */
async function localHandler(module: HandlerModule) {
  const { productionDependencies } = await import('../shared/runtime/container.ts');
  const { LocalAwsAdminClient } = await import('@odcr-reclaimer/local-aws/admin-client.ts');
  const admin = new LocalAwsAdminClient(process.env['AWS_ENDPOINT_URL']);
  const endpointNow = new Date((await admin.getClock()).now);
  const startedAt = Date.now();
  const clock = {
    now: () => new Date(endpointNow.getTime() + (Date.now() - startedAt)),
    sleep: (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms)),
  };
  return module.createHandler({ ...(await productionDependencies()), clock });
}

function invokeContext(functionName: string) {
  return lambdaContext({
    functionName: deployedNameOf(functionName),
    awsRequestId: `invoke-${Date.now().toString(36)}`,
    logStreamName: 'local',
    region: process.env['AWS_REGION'] ?? deployedRegion(),
    timeoutSeconds: readFunctionTimeouts()[functionName] ?? 0,
  });
}

main().then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    const usage = error instanceof UsageError ? error.message : argumentProblem(error);
    const unreachable = endpointProblem(
      error,
      process.env['AWS_ENDPOINT_URL'] ?? 'AWS (no AWS_ENDPOINT_URL)',
    );
    if (usage !== undefined) process.stderr.write(`invoke: ${usage}\n${USAGE}\n`);
    else if (unreachable !== undefined) process.stderr.write(`invoke: ${unreachable}\n`);
    else
      process.stderr.write(`${error instanceof Error ? `${error.name}: ${error.message}` : String(error)}\n`);
    process.exitCode = usage !== undefined ? 2 : 1;
  },
);
