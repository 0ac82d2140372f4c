/**
 * The functions as deployed: each bundle's size, a whole cold process (import and one invocation) beside a
 * bare Node process, and how long the alarm handler takes from an `ALARM` event to the reclaim's Update call
 * against the in-process local endpoint.
 */
import { createHandler as createAlarmHandler } from '#functions/reclaim-on-alarm/handler.ts';
import { createEc2ClientFrom, Ec2CapacityGateway } from '#shared/gateways/index.ts';
import {
  bareNodeCost,
  buildBundles,
  type ProcessCost,
  runBundle,
  unconfiguredAlarmEvent,
} from '../support/bundles.ts';
import {
  alarmEvent,
  lambdaContext,
  localSdkConfig,
  openLocalService,
  TRADING,
  updateCalls,
} from '../support/local-service.ts';
import { median, percentile } from './stats.ts';
import { ALARM_TO_UPDATE_MS, COLD_PROCESS_RATIO, ZIP_KIB } from './targets.ts';
import type { BenchResult, BenchSection } from './types.ts';

/**
 * Cold processes per function. CPU time is the steadier figure on a machine whose cores other work shares
 * (wall time then includes waiting for a core); both are medians.
 */
const COLD_STARTS = 9;
const ALARM_RUNS = 50;
const ALARM = 'xnys-volatility-high';

/**
 * An invocation of each function that reaches no AWS service: an alarm the config does not name (logged and
 * ignored), and events the others reject before their first call. The process still loads everything a first
 * invocation loads: the bundle, the config, the SDK clients.
 */
const NO_OP_EVENTS: Record<string, unknown> = { 'reclaim-on-alarm': unconfiguredAlarmEvent() };
const LAMBDA_ENVIRONMENT = {
  AWS_REGION: 'us-east-1',
  AWS_ACCESS_KEY_ID: 'AKIDBENCH',
  AWS_SECRET_ACCESS_KEY: 'bench-secret',
};

async function bundleFigures(): Promise<BenchResult[]> {
  const bundles = await buildBundles();
  try {
    const bare: ProcessCost[] = [];
    const cold = new Map<string, ProcessCost[]>(bundles.functions.map((fn) => [fn.function, []]));
    // Interleaved, so that a burst of load on the machine falls on every process alike.
    for (let start = 0; start < COLD_STARTS; start++) {
      bare.push(await bareNodeCost());
      for (const fn of bundles.functions) {
        const event = NO_OP_EVENTS[fn.function] ?? {};
        cold.get(fn.function)?.push(await runBundle(fn, event, LAMBDA_ENVIRONMENT));
      }
    }
    const bareWallMs = median(bare.map((cost) => cost.wallMs));
    const bareCpuMs = median(bare.map((cost) => cost.cpuMs));
    const results: BenchResult[] = [
      { metric: `bare node process: wall (median of ${COLD_STARTS})`, value: bareWallMs, unit: 'ms' },
      { metric: `bare node process: CPU (median of ${COLD_STARTS})`, value: bareCpuMs, unit: 'ms' },
    ];
    for (const fn of bundles.functions) {
      const runs = cold.get(fn.function) ?? [];
      const wallMs = median(runs.map((cost) => cost.wallMs));
      const cpuMs = median(runs.map((cost) => cost.cpuMs));
      results.push(
        {
          metric: `${fn.function}: zip`,
          value: fn.bytes / 1024,
          unit: 'KiB',
          target: ZIP_KIB,
        },
        {
          metric: `${fn.function}: code loaded at cold start (handler.mjs and its static imports, minified)`,
          value: fn.bundleBytes / 1024,
          unit: 'KiB',
        },
        {
          metric: `${fn.function}: cold process wall, import + no-op invocation (median of ${COLD_STARTS})`,
          value: wallMs,
          unit: 'ms',
        },
        {
          metric: `${fn.function}: cold process CPU, import + no-op invocation (median of ${COLD_STARTS})`,
          value: cpuMs,
          unit: 'ms',
        },
        {
          metric: `${fn.function}: cold process / bare node process, wall`,
          value: wallMs / bareWallMs,
          unit: 'x',
          target: COLD_PROCESS_RATIO,
        },
        {
          metric: `${fn.function}: cold process / bare node process, CPU`,
          value: cpuMs / bareCpuMs,
          unit: 'x',
          target: COLD_PROCESS_RATIO,
        },
      );
    }
    return results;
  } finally {
    bundles.remove();
  }
}

/**
 * The alarm handler in a warm container, `ALARM_RUNS` times: from the event to the Update call leaving the
 * gateway (seen by a middleware on the EC2 client), and the whole invocation (tags, event, tracker rule).
 */
async function alarmFigures(): Promise<BenchResult[]> {
  // Tuesday 2025-03-11, 12:00 New York: the trading fleet is lent (60) and the alarm takes it all back.
  const service = await openLocalService({ now: '2025-03-11T16:00:00Z' });
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
        target: ALARM_TO_UPDATE_MS,
      },
      {
        metric: `alarm event → Update call, p95 of ${ALARM_RUNS}`,
        value: percentile(toUpdate, 0.95),
        unit: 'ms',
        target: ALARM_TO_UPDATE_MS,
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
