/**
 * The functions as deployed: each bundle's size, its cold module-init time in a fresh Node process,
 * and how long the alarm handler takes from an `ALARM` event to the reclaim's Update call against the
 * in-process local endpoint.
 */
import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import { inflateRawSync } from 'node:zlib';
import { createHandler as createAlarmHandler } from '#functions/reclaim-on-alarm/handler.ts';
import { BUNDLED_CONFIG_NAME, type BuiltFunction, buildAll } from '#infra/build.ts';
import { createEc2ClientFrom, Ec2CapacityGateway } from '#shared/gateways/index.ts';
import {
  alarmEvent,
  EVENT_BUS_NAME,
  lambdaContext,
  localSdkConfig,
  METRICS_NAMESPACE,
  startLocalService,
  TRACKER_RULE_NAME,
  TRADING,
  updateCalls,
} from '../support/local-service.ts';
import { median, percentile } from './stats.ts';
import type { BenchResult, BenchSection } from './types.ts';

const run = promisify(execFile);

const COLD_STARTS = 7;
const ALARM_RUNS = 50;
const ALARM = 'xnys-volatility-high';
// The targets of this section are our own guides, not an issue's: informative, they never fail the bench.
/** Lambda's deployment limit is 50 MB zipped; a lean bundle stays far below it and loads faster. */
const ZIP_TARGET_BYTES = 1_000_000;
/**
 * Lambda's init phase delays the first reclaim after a cold start. Compiling the bundle's source (mostly the
 * EC2 client) dominates it, so this tracks bundle growth more than our code.
 */
const COLD_INIT_TARGET_MS = 500;
/** An alarm reclaims "at once": the handler's own share before the Update call is a small part of that. */
const ALARM_TO_UPDATE_TARGET_MS = 100;

/** One file out of the build's zip (its own deterministic writer: local headers, deflate, no data descriptor). */
function unzipEntry(zip: Buffer, name: string): Buffer {
  let offset = 0;
  while (zip.readUInt32LE(offset) === 0x04034b50) {
    const compressedSize = zip.readUInt32LE(offset + 18);
    const nameLength = zip.readUInt16LE(offset + 26);
    const extraLength = zip.readUInt16LE(offset + 28);
    const entryName = zip.toString('utf8', offset + 30, offset + 30 + nameLength);
    const dataStart = offset + 30 + nameLength + extraLength;
    if (entryName === name) return inflateRawSync(zip.subarray(dataStart, dataStart + compressedSize));
    offset = dataStart + compressedSize;
  }
  throw new Error(`no ${name} in the zip`);
}

/** Milliseconds to import a bundle in a fresh Node process, as the Lambda runtime does at init. */
async function coldInitMs(bundleFile: string, configFile: string): Promise<number> {
  const script = [
    'const started = performance.now();',
    'await import(process.env.BENCH_BUNDLE_URL);',
    'process.stdout.write(String(performance.now() - started));',
  ].join('\n');
  const { stdout } = await run(process.execPath, ['--input-type=module', '-e', script], {
    env: {
      PATH: process.env.PATH ?? '',
      BENCH_BUNDLE_URL: pathToFileURL(bundleFile).href,
      AWS_REGION: 'us-east-1',
      ODCR_CONFIG_FILE: configFile,
      EVENT_BUS_NAME,
      TRACKER_RULE_NAME,
      METRICS_NAMESPACE,
      POWERTOOLS_SERVICE_NAME: 'odcr-reclaimer',
    },
  });
  return Number(stdout);
}

async function bundleFigures(): Promise<BenchResult[]> {
  // A temporary output directory: the bench must not replace the artifacts `npm run package` left in dist/.
  const outDir = mkdtempSync(path.join(tmpdir(), 'odcr-bench-build-'));
  try {
    const built: BuiltFunction[] = await buildAll({ outDir });
    const results: BenchResult[] = [];
    for (const fn of built.sort((a, b) => a.function.localeCompare(b.function))) {
      const zip = readFileSync(path.join(outDir, `${fn.function}.zip`));
      const unpacked = path.join(outDir, fn.function);
      mkdirSync(unpacked);
      const bundleFile = path.join(unpacked, 'handler.mjs');
      const configFile = path.join(unpacked, BUNDLED_CONFIG_NAME);
      writeFileSync(bundleFile, unzipEntry(zip, 'handler.mjs'));
      writeFileSync(configFile, unzipEntry(zip, BUNDLED_CONFIG_NAME));
      const initTimes: number[] = [];
      for (let start = 0; start < COLD_STARTS; start++)
        initTimes.push(await coldInitMs(bundleFile, configFile));
      results.push(
        {
          metric: `${fn.function}: zip`,
          value: fn.bytes / 1024,
          unit: 'KiB',
          target: { value: ZIP_TARGET_BYTES / 1024, better: 'lower', informative: true },
        },
        { metric: `${fn.function}: bundle (minified, unzipped)`, value: fn.bundleBytes / 1024, unit: 'KiB' },
        {
          metric: `${fn.function}: cold module init (median of ${COLD_STARTS})`,
          value: median(initTimes),
          unit: 'ms',
          target: { value: COLD_INIT_TARGET_MS, better: 'lower', informative: true },
        },
      );
    }
    return results;
  } finally {
    rmSync(outDir, { recursive: true, force: true });
  }
}

/**
 * The alarm handler in a warm container, `ALARM_RUNS` times: from the event to the Update call leaving the
 * gateway (seen by a middleware on the EC2 client), and the whole invocation (tags, event, tracker rule).
 */
async function alarmFigures(): Promise<BenchResult[]> {
  // Tuesday 2025-03-11, 12:00 New York: the trading fleet is lent (60) and the alarm takes it all back.
  const service = await startLocalService({ now: '2025-03-11T16:00:00Z' });
  const ec2 = createEc2ClientFrom(localSdkConfig(service.aws.url));
  let updateSentAt: number | undefined;
  ec2.middlewareStack.add(
    (next, context) => async (args) => {
      if (context.commandName === 'UpdateInterruptibleCapacityReservationAllocationCommand')
        updateSentAt ??= performance.now();
      return next(args);
    },
    { step: 'initialize', name: 'benchUpdateSentAt' },
  );
  const gateways = { ...service.gateways, capacity: new Ec2CapacityGateway({ client: ec2 }) };
  const handler = createAlarmHandler({ ...service.dependencies, gateways });
  const { aws } = service;
  try {
    aws.admin.setAlarm({ name: ALARM, state: 'ALARM' });
    const toUpdate: number[] = [];
    const whole: number[] = [];
    // One extra run first: the container's first invocation loads the SDK's lazy parts; Lambda reuses it after.
    for (let runIndex = 0; runIndex <= ALARM_RUNS; runIndex++) {
      const before = updateCalls(aws).length;
      updateSentAt = undefined;
      const started = performance.now();
      await handler(alarmEvent(aws, ALARM, 'ALARM', `bench-alarm-${runIndex}`), lambdaContext());
      const ended = performance.now();
      if (updateSentAt === undefined || updateCalls(aws).length !== before + 1) {
        throw new Error(`bench: alarm run ${runIndex} did not update the trading fleet once`);
      }
      if (runIndex > 0) {
        toUpdate.push(updateSentAt - started);
        whole.push(ended - started);
      }
      // Back to the lent state for the next run: borrowers gone, lend the 60 again, borrowers return.
      aws.advance(600);
      await gateways.capacity.updateAllocation({
        reservationId: TRADING,
        target: 60,
        zeroSizePreference: 'retain',
      });
      aws.admin.setBorrowers({ reservationId: TRADING, running: 30 });
    }
    return [
      {
        metric: `alarm event → Update call, median of ${ALARM_RUNS}`,
        value: median(toUpdate),
        unit: 'ms',
        target: { value: ALARM_TO_UPDATE_TARGET_MS, better: 'lower', informative: true },
      },
      {
        metric: `alarm event → Update call, p95 of ${ALARM_RUNS}`,
        value: percentile(toUpdate, 0.95),
        unit: 'ms',
        target: { value: ALARM_TO_UPDATE_TARGET_MS, better: 'lower', informative: true },
      },
      { metric: 'alarm handler, whole invocation, median', value: median(whole), unit: 'ms' },
      { metric: 'alarm handler, whole invocation, p95', value: percentile(whole, 0.95), unit: 'ms' },
    ];
  } finally {
    ec2.destroy();
    await service.close();
  }
}

export const functionsSection: BenchSection = {
  title: 'functions',
  async run() {
    return [...(await bundleFigures()), ...(await alarmFigures())];
  },
};
