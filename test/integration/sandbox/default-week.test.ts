import { describe, expect, it } from 'vitest';
import { DEFAULT_SCENARIO } from '#sandbox/main.ts';
import { loadScenarioFile } from '#sandbox/scenario.ts';
import { RISK_ENGINE, TRADING } from '../../support/local-service.ts';
import {
  capacityAt,
  detailsOf,
  failedInvocations,
  lentHoursFromSamples,
  useSandboxRun,
  within,
} from './support.ts';

// The example fleet the default scenario runs: the trading fleet and the risk engine's three AZs.
const [RISK_A, RISK_B, RISK_C] = RISK_ENGINE;

const result = useSandboxRun({ scenario: loadScenarioFile(DEFAULT_SCENARIO) }, 120_000);

describe('the default week (2026-03-09 to 13)', () => {
  it('runs every handler without an error', () => {
    expect(failedInvocations(result())).toEqual([]);
    expect(new Set(result().invocations.map((invocation) => invocation.functionName))).toEqual(
      new Set(['reclaim-on-schedule', 'reclaim-on-alarm', 'reclaim-on-demand', 'track-reclamation']),
    );
  });

  it('reclaims the trading fleet before every bell, on New York summer time (13:30Z)', () => {
    const bells = result()
      .sessions.filter((session) => session.market === 'XNYS')
      .map((session) => session.open);
    expect(bells).toEqual([
      '2026-03-09T13:30:00.000Z',
      '2026-03-10T13:30:00.000Z',
      '2026-03-11T13:30:00.000Z',
      '2026-03-12T13:30:00.000Z',
      '2026-03-13T13:30:00.000Z',
    ]);
    const forBells = result().summary.reclaims.filter((reclaim) => reclaim.deadline !== undefined);
    expect(forBells.map((reclaim) => reclaim.deadline)).toEqual(bells);
    for (const reclaim of forBells) {
      expect(reclaim.completedAt, `reclaim for ${reclaim.deadline}`).toBeDefined();
      expect(Date.parse(reclaim.completedAt ?? '')).toBeLessThan(Date.parse(reclaim.deadline ?? ''));
    }
    expect(result().summary.misses).toEqual([]);
  });

  it('has the whole trading fleet in the source at every bell', () => {
    for (const session of result().sessions) {
      const atBell = result()
        .samples.filter((sample) => Date.parse(sample.time) <= Date.parse(session.open))
        .at(-1);
      expect(atBell?.reservations[TRADING]?.lent, session.date).toBe(0);
    }
  });

  it('lends back only after the close, never during the alarm or the override', () => {
    const lendBacks = result().summary.lendBacks.filter((lend) => lend.reservationId === TRADING);
    expect(lendBacks.length).toBeGreaterThanOrEqual(5);
    for (const lend of lendBacks) {
      for (const session of result().sessions)
        expect(within(lend.at, session.open, session.close), lend.at).toBe(false);
      // The volatility alarm is in ALARM 14:50-15:05 and 15:20-16:45 New York time on Wednesday.
      expect(within(lend.at, '2026-03-11T18:50:00Z', '2026-03-11T20:45:00Z'), lend.at).toBe(false);
      // The on-call override holds the fleet from 17:30 to 20:30 New York time on Thursday.
      expect(within(lend.at, '2026-03-12T21:30:00Z', '2026-03-13T00:30:00Z'), lend.at).toBe(false);
    }
    const wednesday = lendBacks.find((lend) => lend.at.startsWith('2026-03-11'));
    expect(wednesday?.at).toBe('2026-03-11T20:45:00.000Z');
    expect(wednesday?.trigger).toBe('alarm');
    const afterOverride = lendBacks.filter((lend) =>
      within(lend.at, '2026-03-12T21:30:00Z', '2026-03-13T13:30:00Z'),
    );
    expect(afterOverride).toHaveLength(1);
    expect(Date.parse(afterOverride[0]?.at ?? '')).toBeGreaterThanOrEqual(Date.parse('2026-03-13T00:30:00Z'));
  });

  it('takes the fleet back when on-call asks on Thursday evening', () => {
    const onCall = result().summary.reclaims.find((reclaim) => reclaim.trigger === 'on-demand');
    expect(onCall).toMatchObject({ reservationId: TRADING, to: 0, requestedAt: '2026-03-12T21:30:00.000Z' });
    expect(onCall?.completedAt).toBeDefined();
  });

  it("reclaims the other AZs' lent headroom when us-east-1a is impaired, and lends it back after", () => {
    const impairment = result().summary.reclaims.filter((reclaim) =>
      reclaim.requestedAt.startsWith('2026-03-13T14:20'),
    );
    expect(impairment.map((reclaim) => reclaim.reservationId).sort()).toEqual([RISK_B, RISK_C]);
    for (const reclaim of impairment) {
      expect(reclaim).toMatchObject({ from: 1, to: 0, trigger: 'alarm' });
      expect(reclaim.completedAt).toBeDefined();
    }
    expect(result().summary.reclaims.some((reclaim) => reclaim.reservationId === RISK_A)).toBe(false);
    const back = result().summary.lendBacks.filter((lend) => lend.reservationId !== TRADING);
    expect(back.map((lend) => [lend.reservationId, lend.at]).sort()).toEqual([
      [RISK_B, '2026-03-13T16:10:00.000Z'],
      [RISK_C, '2026-03-13T16:10:00.000Z'],
    ]);
  });

  it("computes the summary's numbers from the event log", () => {
    const requested = detailsOf(result().events, 'Allocation Change Requested');
    const completed = detailsOf(result().events, 'Allocation Change Completed');
    const reclaimRequests = requested.filter((detail) => Number(detail.to) < Number(detail.from));
    expect(result().summary.reclaims).toHaveLength(reclaimRequests.length);
    expect(result().summary.lendBacks).toHaveLength(requested.length - reclaimRequests.length);
    expect(result().summary.reclaims.filter((reclaim) => reclaim.completedAt !== undefined)).toHaveLength(
      completed.filter((detail) => Number(detail.to) < Number(detail.from)).length,
    );
    expect(result().summary.stalls).toHaveLength(
      detailsOf(result().events, 'Allocation Change Stalled').length,
    );
    expect(result().summary.deadlinesAtRisk).toHaveLength(
      detailsOf(result().events, 'Deadline At Risk').length,
    );
    for (const reclaim of result().summary.reclaims) {
      if (reclaim.marginMinutes === undefined) continue;
      const margin = (Date.parse(reclaim.deadline ?? '') - Date.parse(reclaim.completedAt ?? '')) / 60_000;
      expect(reclaim.marginMinutes).toBeCloseTo(margin, 6);
    }
    // The event log's lent hours agree with the endpoint's own capacity, sampled as the run went.
    const sampled = lentHoursFromSamples(result());
    expect(Math.abs(result().summary.lentInstanceHours.total - sampled) / sampled).toBeLessThan(0.01);
    const prices: Record<string, number> = { 'r7i.4xlarge': 1.0584, 'c7i.2xlarge': 0.357 };
    const cost = result().reservations.reduce(
      (sum, reservation) =>
        sum +
        (result().summary.lentInstanceHours.byReservation[reservation.id] ?? 0) *
          (prices[reservation.instanceType] ?? 0),
      0,
    );
    expect(result().summary.costAvoided?.total).toBeCloseTo(cost, 6);
  });

  it('has no late unmet need; the AZ impairment costs only reaction, within one reclaim', () => {
    const unmet = result().summary.unmetNeedInstanceMinutes;
    expect(unmet.late).toBe(0);
    expect(unmet.total).toBe(unmet.reaction);
    const reclaimMinutes = Math.ceil(result().summary.reclaimSeconds / 60);
    // us-east-1a is impaired at 10:20 New York on Friday: b and c need one more each, lent to borrowers.
    expect(
      result()
        .summary.shortfalls.map((shortfall) => shortfall.reservationId)
        .sort(),
    ).toEqual([RISK_B, RISK_C]);
    for (const shortfall of result().summary.shortfalls) {
      expect(shortfall).toMatchObject({ from: '2026-03-13T14:20:00.000Z', lateInstanceMinutes: 0 });
      expect(shortfall.reactionInstanceMinutes).toBeGreaterThan(0);
      expect(shortfall.reactionInstanceMinutes).toBeLessThanOrEqual(shortfall.largestShort * reclaimMinutes);
      expect(Date.parse(shortfall.until) - Date.parse(shortfall.from)).toBeLessThanOrEqual(
        reclaimMinutes * 60_000,
      );
    }
    expect(unmet.byReservation[TRADING]).toEqual({ total: 0, late: 0, reaction: 0 });
  });

  it("samples the policy's need beside the capacity: all 100 in each session, 40 outside them", () => {
    for (const session of result().sessions) {
      expect(capacityAt(result(), session.open)?.[TRADING]?.need, session.open).toBe(100);
    }
    expect(capacityAt(result(), '2026-03-10T03:00:00Z')?.[TRADING]?.need).toBe(40);
  });
});
