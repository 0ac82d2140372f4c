/**
 * A poll's report (its events and metrics) goes out while the tracker waits for the next look, instead of
 * delaying the look. It must still be out before the next look starts and before the run touches
 * the rule, a failed report must not stop the run, and every poll's cost is measured. Real SDK, local endpoint.
 */
import { describe, expect, it } from 'vitest';
import type { EventGateway } from '#shared/gateways/eventbridge.ts';
import type { PollTiming, TrackerGateways } from '#shared/tracker/track.ts';
import { NAMESPACE, startTrackerHarness, TRADING, type TrackerHarness } from './harness.ts';
import { RecordingLogger } from './recording-logger.ts';

/** Lets the event loop turn: a report that is not waited for would be overtaken meanwhile. */
async function turns(count: number): Promise<void> {
  for (let turn = 0; turn < count; turn++) await new Promise<void>((resolve) => setImmediate(resolve));
}

/**
 * The harness's real gateways, noting in `trace` when a describe, a rule switch and each report call start,
 * and when the report calls end (a little late, so a caller that does not wait for them shows).
 */
function tracedGateways(gateways: TrackerHarness['gateways'], trace: string[]): TrackerGateways {
  const { capacity, events, metrics } = gateways;
  const tracedEvents: EventGateway = {
    publish: async (batch) => {
      trace.push('publish:start');
      try {
        return await events.publish(batch);
      } finally {
        await turns(20);
        trace.push('publish:end');
      }
    },
    enableTracker: async () => {
      trace.push('enable');
      await events.enableTracker();
    },
    disableTracker: async () => {
      trace.push('disable');
      await events.disableTracker();
    },
  };
  return {
    ...gateways,
    capacity: {
      describeManaged: async (options) => {
        trace.push('describe');
        return capacity.describeManaged(options);
      },
      createAllocation: (request) => capacity.createAllocation(request),
      updateAllocation: (request) => capacity.updateAllocation(request),
      tag: (reservationId, tags) => capacity.tag(reservationId, tags),
      untag: (reservationId, keys) => capacity.untag(reservationId, keys),
      tagMany: capacity.tagMany?.bind(capacity),
      untagMany: capacity.untagMany?.bind(capacity),
    },
    events: tracedEvents,
    metrics: {
      put: async (values) => {
        trace.push('put:start');
        try {
          await metrics.put(values);
        } finally {
          await turns(20);
          trace.push('put:end');
        }
      },
      reclaimDurations: (since, until) => metrics.reclaimDurations(since, until),
    },
  };
}

/** Report calls started and not yet ended at each step of the trace where `step` is taken. */
function reportsUnderWayAt(trace: readonly string[], step: (entry: string) => boolean): number[] {
  const underWay: number[] = [];
  let open = 0;
  for (const entry of trace) {
    if (entry.endsWith(':start')) open++;
    if (entry.endsWith(':end')) open--;
    if (step(entry)) underWay.push(open);
  }
  return underWay;
}

describe('a poll report overlapping the wait for the next look', () => {
  it('is out before the next look starts and before the rule is switched', async () => {
    const harness = await startTrackerHarness();
    await harness.request(TRADING, 0);
    const trace: string[] = [];

    const results = await harness.runUntilIdle(
      20,
      harness.trackerWith(tracedGateways(harness.gateways, trace)),
    );

    expect(results.at(-1)?.rule).toBe('disabled');
    expect(harness.events('Allocation Change Completed')).toHaveLength(1);
    // Several polls a run, each with a report: the order below is about reports that could overlap.
    expect(results[0]?.polls).toBeGreaterThan(1);
    expect(trace.filter((entry) => entry === 'put:start').length).toBeGreaterThan(2);
    expect(reportsUnderWayAt(trace, (entry) => entry === 'describe').every((open) => open === 0)).toBe(true);
    const switches = reportsUnderWayAt(trace, (entry) => entry === 'disable' || entry === 'enable');
    expect(switches.length).toBeGreaterThan(1);
    expect(switches.every((open) => open === 0)).toBe(true);
    // The completion was the last poll's report: out before the rule went off.
    expect(trace.lastIndexOf('publish:end')).toBeLessThan(trace.lastIndexOf('disable'));
  });

  it('is out before a deferred change is decided again: the bus reads "completed", then "requested"', async () => {
    const harness = await startTrackerHarness();
    await harness.request(TRADING, 0);
    await harness.recordDesired(TRADING, { target: 20, reason: 'alarm cleared' });
    const trace: string[] = [];

    const results = await harness.runUntilIdle(
      20,
      harness.trackerWith(tracedGateways(harness.gateways, trace)),
    );

    expect(results.flatMap((result) => result.applied).map((change) => change.reservationId)).toEqual([
      TRADING,
    ]);
    // The decision's own describe comes after the report of the poll that saw the completion.
    expect(reportsUnderWayAt(trace, (entry) => entry === 'describe').every((open) => open === 0)).toBe(true);
    const onTheBus = harness.local.admin
      .events({})
      .events.map((event) => event['detail-type'])
      .filter((type) => type === 'Allocation Change Completed' || type === 'Allocation Change Requested');
    expect(onTheBus.slice(0, 2)).toEqual(['Allocation Change Completed', 'Allocation Change Requested']);
  });

  it('measures and logs each poll: its look, its report and what they carried', async () => {
    const harness = await startTrackerHarness();
    await harness.request(TRADING, 0);
    const logger = new RecordingLogger();
    const before = harness.local.admin.metrics({ namespace: NAMESPACE }).metrics.length;

    const results = await harness.runUntilIdle(20, harness.trackerWith(harness.gateways, logger));

    const timings = logger.withMessage('poll').map((line) => line as unknown as PollTiming);
    expect(timings).toHaveLength(results.reduce((sum, result) => sum + result.polls, 0));
    for (const timing of timings) {
      expect(timing.reservations).toBe(1);
      expect(Number.isFinite(timing.lookMs) && timing.lookMs >= 0).toBe(true);
      expect(Number.isFinite(timing.reportMs) && timing.reportMs >= 0).toBe(true);
    }
    const trackerEvents = ['Progress', 'Completed', 'Stalled'].flatMap((kind) =>
      harness.events(`Allocation Change ${kind}`),
    );
    expect(timings.reduce((sum, timing) => sum + timing.events, 0)).toBe(trackerEvents.length);
    const put = harness.local.admin.metrics({ namespace: NAMESPACE }).metrics.length - before;
    expect(timings.reduce((sum, timing) => sum + timing.metrics, 0)).toBe(put);
  });

  it('ends the run when a slow report pushes the next look past the run budget', async () => {
    const harness = await startTrackerHarness();
    await harness.request(TRADING, 0);
    const { metrics } = harness.gateways;
    // Each put takes 40 s of the run's time (throttled and retried, say): the first poll's report outlasts
    // the 15 s wait, so the second look would start 55 s into a run whose budget is 50 s.
    const slowMetrics: TrackerGateways['metrics'] = {
      put: async (values) => {
        await turns(5);
        harness.local.advance(40);
        await metrics.put(values);
      },
      reclaimDurations: (since, until) => metrics.reclaimDurations(since, until),
    };
    const startedAt = harness.local.clock.now().getTime();

    const result = await harness.trackerWith({ ...harness.gateways, metrics: slowMetrics })(
      {
        id: 'slow-report',
        'detail-type': 'Scheduled Event',
        source: 'aws.events',
        time: harness.local.clock.now().toISOString(),
      },
      {} as never,
    );

    expect(result.polls).toBe(1);
    // Still in flight: the rule stays on, so the next run goes on where this one stopped.
    expect(result.inFlight).toEqual([TRADING]);
    expect(result.rule).toBe('enabled');
    expect(harness.local.clock.now().getTime() - startedAt).toBeGreaterThan(50_000);
  });

  it('does not stop the run when a report fails: the failure is logged and later polls go on', async () => {
    const harness = await startTrackerHarness();
    await harness.request(TRADING, 0);
    // The first poll's progress event is refused on every attempt, and its gauges' log lines are lost once.
    harness.local.admin.injectFault({
      service: 'events',
      action: 'PutEvents',
      kind: 'partial-failure',
      entries: 1,
      count: 3,
    });
    const { metrics } = harness.gateways;
    let puts = 0;
    const lostOnce: TrackerGateways['metrics'] = {
      put: async (values) => {
        puts += 1;
        if (puts === 1) throw new Error('log lines lost');
        await metrics.put(values);
      },
      reclaimDurations: (since, until) => metrics.reclaimDurations(since, until),
    };
    const logger = new RecordingLogger();
    const before = harness.local.admin.metrics({ namespace: NAMESPACE }).metrics.length;

    const results = await harness.runUntilIdle(
      20,
      harness.trackerWith({ ...harness.gateways, metrics: lostOnce }, logger),
    );

    expect(logger.withMessage('tracker events partly rejected')).toHaveLength(1);
    expect(logger.withMessage('tracker metrics not put')).toHaveLength(1);
    expect(results[0]?.polls).toBeGreaterThan(1);
    expect(results.at(-1)?.rule).toBe('disabled');
    expect(
      harness.events('Allocation Change Completed').map((event) => event.detail['reservationId']),
    ).toEqual([TRADING]);
    // Later polls' metrics arrived all the same.
    expect(puts).toBeGreaterThan(1);
    expect(harness.local.admin.metrics({ namespace: NAMESPACE }).metrics.length).toBeGreaterThan(before);
  });
});
