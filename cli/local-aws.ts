/**
 * `npm run local-aws -- [--port 4566] [--host 127.0.0.1] [--state seed.json] [--example] [--speed N]
 *  [--update-while-updating reject|retarget] [--shutdown-seconds S] [--seed text] [--start iso]
 *  [--request-rate-scale N] [--pending-seconds S]`
 * Starts the local AWS endpoint and prints `listening on http://host:port` once it accepts requests.
 */
import './node-warnings.ts';
import { loadExampleFleet, loadSeedFile } from '@odcr-reclaimer/local-aws/example-fleet.ts';
import { startLocalAws } from '@odcr-reclaimer/local-aws/server.ts';
import type { LocalAwsSettings, SeedState } from '@odcr-reclaimer/local-aws/types.ts';
import { parseCommandLine, runCommand, UsageError } from './usage.ts';

const USAGE = `usage: npm run local-aws -- [--port 4566] [--host 127.0.0.1] [--state seed.json] [--example]
       [--speed N] [--update-while-updating reject|retarget] [--shutdown-seconds S] [--seed text] [--start iso]
       [--request-rate-scale N] [--pending-seconds S]

  --example   seed the example fleet (config/example.json's reservations and alarms)
  --state     seed from a file (the admin API's reservations, alarms, rules)
  --speed     let the simulated clock run N times real time (default: it moves only when told, through
              POST /_local/clock); with --speed 10 on-call's live progress takes minutes, not a blink
  --shutdown-seconds  how long a borrower's instance takes to stop after its 2-minute warning
  --update-while-updating  reject (as EC2 does) or retarget an update while one is in flight
  --request-rate-scale  EC2's request throttling: 1 as AWS, 0 off (the default), else scaled
  --pending-seconds  seconds a new allocation stays pending before it is active (default 0)
  --seed      seed of the shutdown spread and generated ids; --start the clock's starting time`;

function numberOption(name: string, value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const parsed = Number(value);
  if (!Number.isFinite(parsed) || parsed < 0)
    throw new UsageError(`--${name} needs a non-negative number, got ${value}`);
  return parsed;
}

function howTo(url: string): string {
  return [
    '',
    'Example fleet seeded: cr-0123456789abcdef0 (trading, 100 owned, 60 lent, 30 borrowed),',
    'cr-0000000000000a001/b001/c001 (risk-engine, 3 each, 1 lent and borrowed), 5 alarms OK,',
    `rule ${loadExampleFleet()
      .rules?.map((rule) => `${rule.name} ${rule.state}`)
      .join(', ')}.`,
    '',
    'Point any SDK or the AWS CLI at it (any credentials work):',
    `  export AWS_ENDPOINT_URL=${url} AWS_REGION=us-east-1 AWS_ACCESS_KEY_ID=local AWS_SECRET_ACCESS_KEY=local`,
    '  aws ec2 describe-capacity-reservations --filters Name=tag:fleet,Values=trading',
    '  aws ec2 update-interruptible-capacity-reservation-allocation \\',
    '      --capacity-reservation-id cr-0123456789abcdef0 --target-instance-count 0 --zero-size-preference retain',
    '',
    'Drive it through the admin API:',
    `  curl -s ${url}/_local/clock -d '{"advanceSeconds":300}'`,
    `  curl -s ${url}/_local/alarms -d '{"name":"xnys-volatility-high","state":"ALARM"}'`,
    `  curl -s ${url}/_local/events   # interruption warnings, reclamation completed, alarm changes`,
    `  curl -s ${url}/_local/calls    # every API call with its outcome`,
    'See local-aws/README.md for the whole admin API. Ctrl-C stops it.',
  ].join('\n');
}

async function main(argv: readonly string[]): Promise<number> {
  const { values } = parseCommandLine({
    args: [...argv],
    options: {
      port: { type: 'string', default: '4566' },
      host: { type: 'string', default: '127.0.0.1' },
      state: { type: 'string' },
      example: { type: 'boolean', default: false },
      speed: { type: 'string' },
      'update-while-updating': { type: 'string' },
      'shutdown-seconds': { type: 'string' },
      seed: { type: 'string' },
      start: { type: 'string' },
      'request-rate-scale': { type: 'string' },
      'pending-seconds': { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
    strict: true,
  });
  const port = numberOption('port', values.port) ?? 4566;
  const mode = values['update-while-updating'];
  if (mode !== undefined && mode !== 'reject' && mode !== 'retarget') {
    throw new UsageError(`--update-while-updating takes reject or retarget, got ${mode}`);
  }
  const settings: Partial<LocalAwsSettings> = {};
  if (mode !== undefined) settings.updateWhileUpdating = mode;
  const speed = numberOption('speed', values.speed);
  if (speed !== undefined) settings.speed = speed;
  const shutdownSeconds = numberOption('shutdown-seconds', values['shutdown-seconds']);
  if (shutdownSeconds !== undefined) settings.shutdownSeconds = shutdownSeconds;
  if (values.seed !== undefined) settings.seed = values.seed;
  const requestRateScale = numberOption('request-rate-scale', values['request-rate-scale']);
  if (requestRateScale !== undefined) settings.requestRateScale = requestRateScale;
  const pendingSeconds = numberOption('pending-seconds', values['pending-seconds']);
  if (pendingSeconds !== undefined) settings.pendingSeconds = pendingSeconds;
  if (values.start !== undefined) {
    if (Number.isNaN(Date.parse(values.start)))
      throw new UsageError(`--start needs an ISO time, got ${values.start}`);
    settings.start = new Date(values.start).toISOString();
  }
  const seeds: SeedState[] = [];
  if (values.example) seeds.push(loadExampleFleet());
  if (values.state !== undefined) seeds.push(loadSeedFile(values.state));

  let aws: Awaited<ReturnType<typeof startLocalAws>>;
  try {
    aws = await startLocalAws({ port, host: values.host ?? '127.0.0.1', settings });
  } catch (error: unknown) {
    // A port in use or a bad host: one line, not a stack.
    process.stderr.write(`local-aws: ${error instanceof Error ? error.message : String(error)}\n`);
    return 1;
  }
  for (const seed of seeds) aws.admin.seed(seed);
  process.stdout.write(`listening on ${aws.url}\n`);
  if (values.example) process.stdout.write(`${howTo(aws.url)}\n`);

  let stopping = false;
  const stop = (signal: string): void => {
    if (stopping) return;
    stopping = true;
    process.stdout.write(`\n${signal}: stopping the local AWS endpoint\n`);
    aws.close().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  };
  process.on('SIGINT', () => stop('SIGINT'));
  process.on('SIGTERM', () => stop('SIGTERM'));
  return 0;
}

const argv = process.argv.slice(2);
const code = await runCommand('local-aws', USAGE, argv, () => main(argv));
if (code !== 0) process.exit(code);
