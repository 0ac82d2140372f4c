/**
 * One function path in a fresh process, as a Lambda container runs it: `node --import tsx
 * test/bench/function-path.ts <function> <endpoint url> <now iso> <region>` imports only that function's handler, runs
 * it once against the endpoint (the bench's one-region scale fleet), and prints the process's peak RSS
 * (`maxRSS`, what Lambda reports as Max Memory Used) as JSON. Run by memory.ts.
 */
import '../../cli/node-warnings.ts';
import { LocalAwsAdminClient } from '@odcr-reclaimer/local-aws/admin-client.ts';
import type { Clock } from '#shared/clock.ts';
import { pacedScaleDependencies, SCALE_ALARM, zonesIn } from '../integration/scale/fleet.ts';
import { lambdaContext } from '../support/local-service.ts';

async function main(): Promise<void> {
  const [name, url, start, region] = process.argv.slice(2);
  if (name === undefined || url === undefined || start === undefined || region === undefined) {
    throw new Error('usage: function-path.ts <function> <endpoint url> <now iso> <region>');
  }
  const admin = new LocalAwsAdminClient(url);
  let now = new Date(start);
  const clock: Clock = {
    now: () => now,
    sleep: async (ms) => {
      now = new Date((await admin.advance(ms / 1000)).now);
    },
  };
  const dependencies = pacedScaleDependencies(url, clock, zonesIn(region));
  const envelope = (detailType: string, source: string, detail: unknown) => ({
    version: '0',
    id: `memory-${name}`,
    'detail-type': detailType,
    source,
    account: '123456789012',
    time: now.toISOString(),
    region: region,
    resources: [],
    detail,
  });
  // Wall-time budget of middy's timeout: the simulated sleeps of a tracker run take real admin calls.
  const context = { ...lambdaContext(name), getRemainingTimeInMillis: () => 3_600_000 };
  switch (name) {
    case 'reclaim-on-schedule': {
      const { createHandler } = await import('#functions/reclaim-on-schedule/handler.ts');
      await createHandler(dependencies)(envelope('Scheduled Event', 'aws.scheduler', '{}'), context);
      break;
    }
    case 'reclaim-on-alarm': {
      const { createHandler } = await import('#functions/reclaim-on-alarm/handler.ts');
      const detail = { alarmName: SCALE_ALARM, state: { value: 'ALARM', reason: 'bench' } };
      await createHandler(dependencies)(
        envelope('CloudWatch Alarm State Change', 'aws.cloudwatch', detail),
        context,
      );
      break;
    }
    case 'reclaim-on-demand': {
      const { createHandler } = await import('#functions/reclaim-on-demand/handler.ts');
      await createHandler(dependencies)({ action: 'status' }, context);
      break;
    }
    case 'track-reclamation': {
      const { createHandler } = await import('#functions/track-reclamation/handler.ts');
      await createHandler(dependencies)(envelope('Scheduled Event', 'aws.events', {}), context);
      break;
    }
    default:
      throw new Error(`no function path ${name}`);
  }
  process.stdout.write(`${JSON.stringify({ maxRssMb: process.resourceUsage().maxRSS / 1024 })}\n`);
}

main().catch((error: unknown) => {
  process.stderr.write(
    `function-path: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`,
  );
  process.exit(1);
});
