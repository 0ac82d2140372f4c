/**
 * A reclaim of 1,000 and of 10,000 reservations in one region against the endpoint enforcing EC2's request
 * throttling (in a process of its own), with the service's real handler and its pacer on the endpoint's
 * simulated clock. Per fleet: the simulated time from the run's start to its last Update, the floor EC2's
 * Update bucket allows (the first `capacity` at once, then one per refill), their ratio, and the requests
 * EC2 refused (none: the pacer sends at the refill rate).
 */
import type { CallRecord } from '@odcr-reclaimer/local-aws/types.ts';
import { createHandler as createScheduleHandler } from '#functions/reclaim-on-schedule/handler.ts';
import { RECLAIM_UPDATE_BUCKET, sendingSeconds } from '#shared/domain/ec2-request-limits.ts';
import { leadMinutes } from '#shared/policy/index.ts';
import { reclaimSendingMinutes } from '#shared/policy/lead.ts';
import type { ReconcileResult } from '#shared/reconcile/reconcile.ts';
import {
  BEFORE_OPEN,
  OFF_HOURS,
  pacedScaleDependencies,
  scaleSeed,
  zonesIn,
} from '../integration/scale/fleet.ts';
import { lambdaContext } from '../support/local-service.ts';
import { startEndpointProcess } from './endpoint-process.ts';
import type { BenchResult, BenchSection } from './types.ts';

const FLEETS = [1_000, 10_000];
const REGION = 'us-east-1';
const UPDATE = 'UpdateInterruptibleCapacityReservationAllocation';

function scheduled(time: Date) {
  return {
    version: '0',
    id: `throttled-${time.getTime()}`,
    'detail-type': 'Scheduled Event',
    source: 'aws.scheduler',
    account: '123456789012',
    time: time.toISOString(),
    region: REGION,
    resources: [],
    detail: '{}',
  };
}

async function throttledReclaim(fleet: number): Promise<BenchResult[]> {
  const endpoint = await startEndpointProcess(OFF_HOURS, ['--request-rate-scale', '1']);
  try {
    const zones = zonesIn(REGION);
    await endpoint.admin.seed(scaleSeed(fleet, OFF_HOURS, zones));
    const dependencies = pacedScaleDependencies(endpoint.url, endpoint.clock, zones);
    const handler = createScheduleHandler(dependencies);
    await endpoint.setClock(BEFORE_OPEN);
    await endpoint.takeCalls();
    const started = endpoint.clock.now().getTime();
    // Middy's timeout counts wall time; the run's time here is simulated, so it gets an hour of wall time.
    const context = { ...lambdaContext(), getRemainingTimeInMillis: () => 3_600_000 };
    const result = (await handler(scheduled(endpoint.clock.now()), context)) as ReconcileResult;
    const calls: CallRecord[] = await endpoint.takeCalls();
    const updates = calls.filter((call) => call.action === UPDATE && call.outcome === 'ok');
    const lastUpdateSeconds = (Math.max(...updates.map((call) => Date.parse(call.at))) - started) / 1000;
    const floor = sendingSeconds(fleet, RECLAIM_UPDATE_BUCKET);
    const label = `${fleet.toLocaleString('en-US')} in ${REGION}`;
    const sending = reclaimSendingMinutes(Array.from({ length: fleet }, () => ({ region: REGION })));
    const updated = result.outcomes.filter((outcome) => outcome.outcome === 'updated').length;
    return [
      {
        metric: `${label}: reservations updated (of ${fleet})`,
        value: updated,
        unit: 'reservations',
        target: { value: fleet, better: 'higher' },
      },
      {
        metric: `${label}: simulated time to the last Update`,
        value: lastUpdateSeconds,
        unit: 's',
      },
      {
        metric: `${label}: its floor, (N − ${RECLAIM_UPDATE_BUCKET.capacity}) ÷ ${RECLAIM_UPDATE_BUCKET.refillPerSecond}/s`,
        value: floor,
        unit: 's',
      },
      {
        metric: `${label}: time to the last Update ÷ its floor`,
        value: lastUpdateSeconds / floor,
        unit: 'ratio',
        target: { value: 1.05, better: 'lower' },
      },
      {
        // What the policy plans for this fleet: the minimum, plus this sending time, plus the margin.
        metric: `${label}: lead before the open (${sending} min of it for sending)`,
        value: leadMinutes(dependencies.config, [], sending),
        unit: 'min',
      },
      {
        metric: `${label}: requests refused with RequestLimitExceeded`,
        value: calls.filter((call) => call.outcome === 'RequestLimitExceeded').length,
        unit: 'requests',
        target: { value: 0, better: 'lower' },
      },
    ];
  } finally {
    endpoint.stop();
  }
}

export const throttledSection: BenchSection = {
  title: "throttled reclaim: EC2's request limits",
  async run(): Promise<BenchResult[]> {
    const results: BenchResult[] = [];
    for (const fleet of FLEETS) results.push(...(await throttledReclaim(fleet)));
    return results;
  },
};
