/**
 * The tracker at scale (issues 5 and 7): one run over 10,000 managed reservations against the local endpoint
 * in a process of its own (EC2's work is not the service's): how many DescribeCapacityReservations calls it
 * makes against the floor (one page of EC2's largest `MaxResults` per sweep and region, from the page size the
 * gateway decided on, not from the calls it made), and how long its looks at the fleet take (target: within
 * 2 s) beside its reports and the whole run. The rule only runs the tracker while something is in flight, so
 * the run measured has 1% of the fleet reclaiming: it polls for its ~50 simulated seconds.
 */

import type { CallRecord } from '@odcr-reclaimer/local-aws/types.ts';
import { createHandler as createTrackerHandler } from '#functions/track-reclamation/handler.ts';
import { loadConfigFile } from '#shared/config/load-config.ts';
import { DESCRIBE_PAGE_SIZE, IDS_PER_DESCRIBE } from '#shared/gateways/ec2-capacity.ts';
import { lastRequestCodec } from '#shared/records/tags.ts';
import type { TrackResult } from '#shared/tracker/track.ts';
import {
  EXAMPLE_CONFIG_FILE,
  lambdaContext,
  localGateways,
  TRACKER_RULE_NAME,
} from '../support/local-service.ts';
import { managedFleetSeed, managedReservationId } from '../support/managed-fleet.ts';
import { startEndpointProcess } from './endpoint-process.ts';
import { countingDescribes, emptyDescribeCount, PollTimingLogger } from './observe.ts';
import { FLEET_RUN_MS } from './targets.ts';
import type { BenchResult, BenchSection } from './types.ts';

const MANAGED = 10_000;
const RECLAIMING = 100;
const NOW = '2026-03-02T13:00:00.000Z';
/** The seeded fleet is in one region (the endpoint's default). */
const REGIONS = 1;

/** What a Describe call asked for: a tag-filtered page of `MaxResults`, or a batch of ids. */
function describeShape(
  call: CallRecord,
): { kind: 'page'; maxResults: number } | { kind: 'ids'; ids: number } {
  const params = (call.params ?? {}) as Record<string, string>;
  const ids = Object.keys(params).filter((key) => key.startsWith('CapacityReservationId.')).length;
  if (ids > 0) return { kind: 'ids', ids };
  return { kind: 'page', maxResults: Number(params['MaxResults'] ?? 0) };
}

/**
 * The fewest Describe calls a run of `sweeps` sweeps can make: each sweep reads every managed source once, in
 * pages of the size the gateway decided on. Independent of the calls observed, so a smaller page, an extra
 * by-id read or a second sweep of the same data shows as a miss.
 */
function describeFloor(sweeps: number): number {
  return Math.ceil(MANAGED / DESCRIBE_PAGE_SIZE) * sweeps * REGIONS;
}

async function measuredRun(reclaiming: number): Promise<BenchResult[]> {
  const endpoint = await startEndpointProcess(NOW);
  try {
    await endpoint.admin.seed(managedFleetSeed(MANAGED, { now: NOW }));
    const gateways = localGateways(endpoint.url, { sleep: (ms) => endpoint.clock.sleep(ms) });
    const requestedAt = endpoint.clock.now();
    for (let index = 0; index < reclaiming; index++) {
      const reservationId = managedReservationId(index);
      await gateways.capacity.updateAllocation({ reservationId, target: 0, zeroSizePreference: 'retain' });
      await gateways.capacity.tag(
        reservationId,
        lastRequestCodec.tags({ target: 0, from: 5, at: requestedAt, trigger: 'schedule', reason: 'bench' }),
      );
    }
    const described = emptyDescribeCount();
    const logger = new PollTimingLogger();
    const tracker = createTrackerHandler({
      gateways: { ...gateways, capacity: countingDescribes(gateways.capacity, described) },
      config: loadConfigFile(EXAMPLE_CONFIG_FILE),
      clock: endpoint.clock,
      logger,
    });
    await endpoint.takeCalls();
    const since = endpoint.clock.now().toISOString();
    const started = performance.now();
    const result: TrackResult = await tracker(
      {
        version: '0',
        id: `bench-tracker-${reclaiming}`,
        'detail-type': 'Scheduled Event',
        source: 'aws.events',
        account: '123456789012',
        time: since,
        region: 'us-east-1',
        resources: [`arn:aws:events:us-east-1:123456789012:rule/${TRACKER_RULE_NAME}`],
        detail: {},
      },
      lambdaContext('odcr-reclaimer-dev-track-reclamation'),
    );
    const milliseconds = performance.now() - started;
    const calls = await endpoint.takeCalls();
    const describes = calls.filter(
      (call) => call.service === 'ec2' && call.action === 'DescribeCapacityReservations',
    );
    const sweeps = described.sweeps;
    const byIdFloor = described.idsPerDescribe.reduce(
      (sum, ids) => sum + Math.ceil(ids / IDS_PER_DESCRIBE),
      0,
    );
    const floor = describeFloor(sweeps) + byIdFloor;
    const observedPageSize = Math.max(
      ...describes.map((call) => {
        const shape = describeShape(call);
        return shape.kind === 'page' ? shape.maxResults : 0;
      }),
    );
    const label = `${reclaiming} reclaiming`;
    return [
      {
        metric: `${MANAGED.toLocaleString('en-US')} managed, ${label}: Describe calls per run (floor ${floor}: ${sweeps} sweeps × ${REGIONS} region × ceil(${MANAGED} / ${DESCRIBE_PAGE_SIZE}) + ${described.idsPerDescribe.length} in-flight polls by id, ${byIdFloor} calls of ≤ ${IDS_PER_DESCRIBE} ids; MaxResults sent ${observedPageSize})`,
        value: describes.length,
        unit: 'calls',
        target: { value: floor, better: 'lower' },
      },
      {
        metric: `${MANAGED.toLocaleString('en-US')} managed, ${label}: all AWS calls per run`,
        value: calls.length,
        unit: 'calls',
      },
      {
        // Each poll: a look (describe, assess, record) and a report (events, metrics) that in AWS goes out during
        // the 15 s wait for the next look. The first poll is the sweep of all 10,000; the others read the
        // reclaiming ones by id.
        metric: `${MANAGED.toLocaleString('en-US')} managed, ${label}: slowest look at the fleet (target ≤ 2 s)`,
        value: Math.max(...logger.timings.map((timing) => timing.lookMs)),
        unit: 'ms',
        target: FLEET_RUN_MS,
      },
      {
        metric: `${MANAGED.toLocaleString('en-US')} managed, ${label}: slowest report (${Math.max(...logger.timings.map((timing) => timing.metrics)).toLocaleString('en-US')} datums: every reservation's gauges on a run's first poll; overlaps the wait)`,
        value: Math.max(...logger.timings.map((timing) => timing.reportMs)),
        unit: 'ms',
      },
      {
        metric: `${MANAGED.toLocaleString('en-US')} managed, ${label}: whole run of ${result.polls} polls, looks and reports back to back (simulated waits instant)`,
        value: milliseconds,
        unit: 'ms',
      },
    ];
  } finally {
    endpoint.stop();
  }
}

export const trackerSection: BenchSection = {
  title: 'tracker',
  async run() {
    return measuredRun(RECLAIMING);
  },
};
