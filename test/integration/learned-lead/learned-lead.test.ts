import { DateTime } from 'luxon';
import { afterEach, describe, expect, it } from 'vitest';
import { createHandler as createScheduleHandler } from '#functions/reclaim-on-schedule/handler.ts';
import { createHandler as createTrackerHandler } from '#functions/track-reclamation/handler.ts';
import { METRIC } from '#shared/metrics/metric-names.ts';
import { leadMinutes } from '#shared/policy/index.ts';
import {
  type LocalService,
  lambdaContext,
  scheduledEvent,
  startLocalService,
  TRACKER_RULE_NAME,
  TRADING,
  trackerEvent,
  updateCalls,
} from '../../support/local-service.ts';

/**
 * Issue 5's learned lead, end to end: the scheduled reconcile reclaims, the tracker measures each reclamation
 * and publishes `ReclaimDurationSeconds`, and the next scheduled reconcile reads them back with GetMetricData,
 * so a fleet whose borrowers shut down slowly is reclaimed earlier. Real handlers, the real SDK, the local
 * endpoint and its simulated clock; how slow the borrowers are is the endpoint's `shutdownSeconds`.
 */

const ZONE = 'America/New_York';
/** A plain EDT week (no holiday, no DST switch), then the Monday the learned lead is checked on. */
const HISTORY_DAYS = ['2025-03-17', '2025-03-18', '2025-03-19', '2025-03-20', '2025-03-21'];
const NEXT_DAY = '2025-03-24';
/**
 * The deployed XNYS morning heartbeats (shared/schedule/heartbeats.ts): every 5 min in New York. Those before 08:00
 * are left out to keep the test fast: they could only reclaim with a lead over 90 minutes (asserted below).
 */
const MORNING = { from: '08:00', until: '10:00', everyMinutes: 5 };
const MORNING_HEARTBEATS = (2 * 60) / MORNING.everyMinutes;
/** Heartbeats from the 16:00 close on (the deployed one fires at the close): the fleet is lent back. */
const AFTERNOON = { from: '16:00', until: '16:30', everyMinutes: 10 };
const EARLIEST_MORNING_LEAD = 90;
const BORROWED = 30;

function newYork(day: string, time: string): Date {
  return DateTime.fromISO(`${day}T${time}`, { zone: ZONE }).toJSDate();
}

/** The example fleet with the real schedule and tracker handlers on one endpoint. */
class TradingDays {
  private readonly schedule;
  private readonly tracker;
  private trackerRuns = 0;

  constructor(readonly service: LocalService) {
    this.schedule = createScheduleHandler(service.dependencies);
    this.tracker = createTrackerHandler(service.dependencies);
  }

  /**
   * Minute by minute from `from` to `until`: the Scheduler heartbeat every `everyMinutes`, and the tracker
   * every minute while its rule is enabled (it polls within its run, moving the clock), as deployed.
   */
  async run(day: string, window: { from: string; until: string; everyMinutes: number }): Promise<void> {
    const { aws } = this.service;
    const end = newYork(day, window.until).getTime();
    for (let minute = newYork(day, window.from).getTime(); minute < end; minute += 60_000) {
      aws.setClock(new Date(minute));
      if (new Date(minute).getUTCMinutes() % window.everyMinutes === 0) {
        await this.schedule(scheduledEvent(aws), lambdaContext());
      }
      if (this.ruleState() === 'ENABLED') await this.tracker(this.trackerEvent(), lambdaContext());
    }
  }

  /** The first update of the day that lowered the trading fleet's target, and to what. */
  firstReclaim(day: string): { at: Date; target: number } | undefined {
    const since = newYork(day, '00:00').toISOString();
    for (const call of updateCalls(this.service.aws, since)) {
      const params = call.params as Record<string, string>;
      if (params['CapacityReservationId'] !== TRADING) continue;
      const target = Number(params['TargetInstanceCount']);
      if (target < BORROWED * 2) return { at: new Date(call.at), target };
    }
    return undefined;
  }

  ruleState(): string | undefined {
    return this.service.aws.admin.ruleList().rules.find((rule) => rule.name === TRACKER_RULE_NAME)?.state;
  }

  private trackerEvent() {
    return trackerEvent(this.service.aws, `tracker-run-${++this.trackerRuns}`);
  }
}

interface WeekOutcome {
  /** Each history day's first lowering of the trading fleet's target. */
  historyReclaims: ({ at: Date; target: number } | undefined)[];
  /** The durations the tracker published over the week to the fleet series (the lead's), in seconds. */
  measuredSeconds: number[];
  /** The same completions on the trading reservation's own series. */
  perReservationSeconds: number[];
  nextReclaim: { at: Date; target: number } | undefined;
  /** GetMetricData calls made during the next day's morning. */
  durationReads: number;
}

/** A trading week reclaimed on schedule and tracked, with borrowers taking `shutdownSeconds` to leave. */
async function tradingWeek(service: LocalService): Promise<WeekOutcome> {
  const days = new TradingDays(service);
  const historyReclaims = [];
  for (const day of HISTORY_DAYS) {
    await days.run(day, MORNING);
    historyReclaims.push(days.firstReclaim(day));
    await days.run(day, AFTERNOON);
    // Lent back after the close; by the next morning borrowers are running on it again.
    service.aws.admin.setBorrowers({ reservationId: TRADING, running: BORROWED });
  }
  const durations = service.aws.admin.metrics({ metricName: METRIC.reclaimDurationSeconds }).metrics;
  const seriesOf = (fleet: boolean) =>
    durations
      .filter((datum) => (Object.keys(datum.dimensions).length === 0) === fleet)
      .map((datum) => Number(datum.value));
  const measuredSeconds = seriesOf(true);
  const perReservationSeconds = seriesOf(false);
  const morning = newYork(NEXT_DAY, MORNING.from).toISOString();
  await days.run(NEXT_DAY, MORNING);
  const durationReads = service.aws.admin.calls({
    service: 'cloudwatch',
    action: 'GetMetricData',
    since: morning,
  }).calls.length;
  return {
    historyReclaims,
    measuredSeconds,
    perReservationSeconds,
    nextReclaim: days.firstReclaim(NEXT_DAY),
    durationReads,
  };
}

/**
 * The last heartbeat at or before `open − lead`: the policy rounds the start down to the heartbeat grid, so the
 * reclaim never starts up to a step after open − lead (New York's offset is whole hours: the grid is UTC's too).
 */
function expectedReclaimAt(day: string, lead: number): Date {
  const reclaimFrom = newYork(day, '09:30').getTime() - lead * 60_000;
  const step = MORNING.everyMinutes * 60_000;
  return new Date(Math.floor(reclaimFrom / step) * step);
}

let services: LocalService[] = [];
afterEach(async () => {
  await Promise.all(services.map((service) => service.close()));
  services = [];
});

async function startWeek(shutdownSeconds: number): Promise<LocalService> {
  const service = await startLocalService({
    now: newYork(HISTORY_DAYS[0] ?? '', '05:00').toISOString(),
    settings: { shutdownSeconds, shutdownSpreadSeconds: 30, seed: 'learned-lead' },
  });
  services.push(service);
  return service;
}

describe('learned lead: measured reclamations move the next scheduled reclaim', () => {
  it('starts the next reclaim earlier after slow reclamations than after fast ones', async () => {
    // Borrowers leave 120 s after the warning plus 20 min (slow) or 1 min (fast), ± 30 s each.
    const slowService = await startWeek(1200);
    const fastService = await startWeek(60);

    const slow = await tradingWeek(slowService);
    const fast = await tradingWeek(fastService);

    // Each history reclaim was measured and published once by the tracker, to both series. One reservation
    // completes once a day, so each completion is its own minute of the fleet series: the five days are still
    // the config's five samples (minSamples counts minutes that saw completions).
    expect(slow.measuredSeconds).toHaveLength(HISTORY_DAYS.length);
    expect(fast.measuredSeconds).toHaveLength(HISTORY_DAYS.length);
    expect(slow.perReservationSeconds).toEqual(slow.measuredSeconds);
    expect(fast.perReservationSeconds).toEqual(fast.measuredSeconds);
    expect(slowService.config.lead.minSamples).toBe(HISTORY_DAYS.length);
    expect(Math.min(...slow.measuredSeconds)).toBeGreaterThan(120 + 1200 - 30);
    expect(Math.max(...fast.measuredSeconds)).toBeLessThan(120 + 60 + 30 + 15);
    // Until minSamples durations are known, both fleets used the configured minimum plus the margin.
    const untrusted = leadMinutes(slowService.config, []);
    for (const [index, day] of HISTORY_DAYS.entries()) {
      const expected = { at: expectedReclaimAt(day, untrusted), target: 0 };
      expect(slow.historyReclaims[index]).toEqual(expected);
      expect(fast.historyReclaims[index]).toEqual(expected);
    }
    // The next Monday's scheduled reconciles read the durations back from CloudWatch: one call per heartbeat.
    expect(slow.durationReads).toBe(MORNING_HEARTBEATS);
    expect(fast.durationReads).toBe(MORNING_HEARTBEATS);

    const slowLead = leadMinutes(slowService.config, slow.measuredSeconds);
    const fastLead = leadMinutes(fastService.config, fast.measuredSeconds);
    expect(slowLead).toBeGreaterThan(untrusted);
    expect(fastLead).toBeLessThan(untrusted);
    expect(slowLead).toBeLessThan(EARLIEST_MORNING_LEAD);
    expect(slow.nextReclaim).toEqual({ at: expectedReclaimAt(NEXT_DAY, slowLead), target: 0 });
    expect(fast.nextReclaim).toEqual({ at: expectedReclaimAt(NEXT_DAY, fastLead), target: 0 });
    expect(slow.nextReclaim?.at.getTime()).toBeLessThan(fast.nextReclaim?.at.getTime() ?? 0);
    // Slow borrowers: the reclaim now starts early enough for the measured duration to end before the open.
    const slowestSeconds = Math.max(...slow.measuredSeconds);
    expect((slow.nextReclaim?.at.getTime() ?? 0) + slowestSeconds * 1000).toBeLessThanOrEqual(
      newYork(NEXT_DAY, '09:30').getTime(),
    );
  });
});
