/**
 * The tracker at scale (issue 5): one run over 10,000 managed reservations against the in-process local
 * endpoint: how many DescribeCapacityReservations calls it makes against the floor (one page per `MaxResults`
 * for the sources, one per id batch for their allocations), and how long the run takes. The rule only runs
 * the tracker while something is in flight, so the run measured has 1% of the fleet reclaiming: it polls for
 * its ~50 simulated seconds, then makes the disable re-check.
 */
import { createHandler as createTrackerHandler } from '#functions/track-reclamation/handler.ts';
import type { CallRecord } from '#infra/local-aws/types.ts';
import { requestRecordTags } from '#shared/records/tags.ts';
import type { TrackResult } from '#shared/tracker/track.ts';
import { lambdaContext, startLocalService, TRACKER_RULE_NAME } from '../support/local-service.ts';
import { managedFleetSeed, managedReservationId } from '../support/managed-fleet.ts';
import type { BenchResult, BenchSection } from './types.ts';

const MANAGED = 10_000;
const RECLAIMING = 100;
const NOW = '2026-03-02T13:00:00.000Z';
/** One run is budgeted ~50 s of Lambda time; most of it is simulated waiting, the rest is this. */
const RUN_TARGET_MS = 10_000;

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
 * The fewest Describe calls that read what the run read: per sweep, the managed sources at the page size the
 * gateway asks for, and their interruptible reservations in batches of the size it sends.
 */
function describeFloor(calls: readonly CallRecord[], sweeps: number): number {
  const shapes = calls.map(describeShape);
  const pageSize = Math.max(...shapes.map((shape) => (shape.kind === 'page' ? shape.maxResults : 0)));
  const batchSize = Math.max(...shapes.map((shape) => (shape.kind === 'ids' ? shape.ids : 0)));
  const perSweep = Math.ceil(MANAGED / pageSize) + (batchSize > 0 ? Math.ceil(MANAGED / batchSize) : 0);
  return perSweep * sweeps;
}

async function measuredRun(reclaiming: number): Promise<BenchResult[]> {
  const service = await startLocalService({
    now: NOW,
    seed: managedFleetSeed(MANAGED, { now: NOW }),
  });
  const { aws, gateways } = service;
  try {
    const requestedAt = aws.clock.now();
    for (let index = 0; index < reclaiming; index++) {
      const reservationId = managedReservationId(index);
      await gateways.capacity.updateAllocation({ reservationId, target: 0, zeroSizePreference: 'retain' });
      await gateways.capacity.tag(
        reservationId,
        requestRecordTags({ target: 0, from: 5, at: requestedAt, trigger: 'schedule', reason: 'bench' }),
      );
    }
    const tracker = createTrackerHandler(service.dependencies);
    const since = aws.clock.now().toISOString();
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
    const calls = aws.admin.calls({ since }).calls;
    const describes = calls.filter(
      (call) => call.service === 'ec2' && call.action === 'DescribeCapacityReservations',
    );
    const floor = describeFloor(describes, result.describes);
    const pageSize = Math.max(
      ...describes.map((call) => {
        const shape = describeShape(call);
        return shape.kind === 'page' ? shape.maxResults : 0;
      }),
    );
    const label = `${reclaiming} reclaiming`;
    return [
      {
        metric: `${MANAGED.toLocaleString('en-US')} managed, ${label}: Describe calls per run (${result.describes} sweeps, MaxResults ${pageSize})`,
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
        metric: `${MANAGED.toLocaleString('en-US')} managed, ${label}: tracker run time`,
        value: milliseconds,
        unit: 'ms',
        target: { value: RUN_TARGET_MS, better: 'lower' },
      },
    ];
  } finally {
    await service.close();
  }
}

export const trackerSection: BenchSection = {
  title: 'tracker',
  async run() {
    return measuredRun(RECLAIMING);
  },
};
