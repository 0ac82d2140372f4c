import { beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_SCENARIO } from '#sandbox/main.ts';
import type { SimulationResult } from '#sandbox/result.ts';
import { runSandbox } from '#sandbox/runner.ts';
import { loadScenarioFile } from '#sandbox/scenario.ts';
import { marketTimeZone } from '#shared/calendar/index.ts';
import { loadConfigFile } from '#shared/config/load-config.ts';
import type { PolicyConfig } from '#shared/config/schema.ts';
import type { ReclaimNoticeDetail } from '#shared/events/service-events.ts';
import { calendarOptions } from '#shared/policy/lead.ts';
import { plannedHeadsUp } from '#shared/schedule/grid.ts';

let result: SimulationResult;
let config: PolicyConfig;

beforeAll(async () => {
  const scenario = loadScenarioFile(DEFAULT_SCENARIO);
  result = await runSandbox({ scenario });
  config = loadConfigFile(result.scenario.configFile);
}, 180_000);

interface Notice {
  detailType: string;
  time: string;
  detail: ReclaimNoticeDetail;
}

function notices(detailType: string): Notice[] {
  return result.events
    .filter((event) => event.source === 'odcr-reclaimer' && event['detail-type'] === detailType)
    .map((event) => ({ detailType, time: event.time, detail: event.detail as ReclaimNoticeDetail }));
}

const key = (detail: ReclaimNoticeDetail) => `${detail.reservationId} ${detail.session.open}`;

describe('the heads-up over the default week', () => {
  it('tells borrowers of every reclaim for a bell, on the heartbeat the configured lead before its start', () => {
    const forBells = result.summary.reclaims.filter((reclaim) => reclaim.deadline !== undefined);
    expect(forBells.length).toBeGreaterThan(0);
    const scheduled = notices('Reclaim Scheduled');
    for (const reclaim of forBells) {
      const heads = scheduled.filter(
        (notice) =>
          notice.detail.reservationId === reclaim.reservationId &&
          notice.detail.session.open === reclaim.deadline,
      );
      expect(heads, `${reclaim.reservationId} for ${reclaim.deadline}`).toHaveLength(1);
      const [head] = heads;
      if (head === undefined) continue;
      const zone = marketTimeZone(head.detail.session.market, calendarOptions(config));
      const expected = plannedHeadsUp(
        new Date(head.detail.plannedStart),
        config.headsUp.minutesBefore,
        zone,
        config.lead.scheduleGranularityMinutes,
      );
      expect(head.time).toBe(expected.toISOString());
      // Before the reclaim was asked, so before EC2's 2-minute warning to any borrower.
      expect(Date.parse(head.time)).toBeLessThanOrEqual(
        Date.parse(reclaim.requestedAt) - config.headsUp.minutesBefore * 60_000,
      );
      expect(head.detail.instancesToReclaim).toBe(reclaim.from - reclaim.to);
    }
  });

  it('follows every heads-up with its Reclaim Started or a Reclaim Cancelled, once', () => {
    const scheduled = notices('Reclaim Scheduled');
    const outcomes = [...notices('Reclaim Started'), ...notices('Reclaim Cancelled')];
    expect(scheduled.length).toBeGreaterThan(0);
    expect(new Set(scheduled.map((notice) => key(notice.detail))).size).toBe(scheduled.length);
    for (const head of scheduled) {
      const after = outcomes.filter(
        (notice) =>
          key(notice.detail) === key(head.detail) && Date.parse(notice.time) >= Date.parse(head.time),
      );
      expect(
        after.map((notice) => notice.detailType),
        key(head.detail),
      ).toHaveLength(1);
    }
  });

  it('says Reclaim Started only for a reclaim that was asked, never before its heads-up', () => {
    const requested = result.events.filter(
      (event) => event.source === 'odcr-reclaimer' && event['detail-type'] === 'Allocation Change Requested',
    );
    for (const started of notices('Reclaim Started')) {
      const asked = requested.some((event) => {
        const detail = event.detail as { reservationId: string; from: number; to: number };
        return (
          detail.reservationId === started.detail.reservationId &&
          detail.to < detail.from &&
          Date.parse(event.time) <= Date.parse(started.time)
        );
      });
      expect(asked, key(started.detail)).toBe(true);
    }
  });
});
