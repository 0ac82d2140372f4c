import { describe, expect, it } from 'vitest';
import { summarize } from '#sandbox/summary.ts';
import { SAMPLE_EVENTS, SAMPLE_WINDOW, TRADING } from './sample-result.ts';

const options = {
  window: SAMPLE_WINDOW,
  initialLent: { [TRADING]: 60 },
  instanceTypes: { [TRADING]: 'r7i.4xlarge' },
};

describe('summarize', () => {
  it('pairs each reclaim with its completion and measures the margin before the bell', () => {
    const summary = summarize(SAMPLE_EVENTS, options);
    expect(summary.reclaims).toHaveLength(2);
    expect(summary.reclaims[0]).toMatchObject({
      from: 60,
      to: 0,
      trigger: 'schedule',
      completedAt: '2026-03-09T13:20:00.000Z',
      durationMinutes: 15,
      marginMinutes: 10,
    });
    expect(summary.reclaims[1]).toMatchObject({ trigger: 'alarm' });
    expect(summary.reclaims[1]?.completedAt).toBeUndefined();
  });

  it('counts a reclaim without a bell as no miss, and a late or unfinished one with a bell as a miss', () => {
    expect(summarize(SAMPLE_EVENTS, options).misses).toEqual([]);
    const late = SAMPLE_EVENTS.map((event) =>
      event['detail-type'] === 'Allocation Change Completed'
        ? { ...event, time: '2026-03-09T13:31:00.000Z' }
        : event,
    );
    const summary = summarize(late, options);
    expect(summary.misses).toHaveLength(1);
    expect(summary.misses[0]?.marginMinutes).toBe(-1);
    const unfinished = SAMPLE_EVENTS.filter(
      (event) => event['detail-type'] !== 'Allocation Change Completed',
    );
    expect(summarize(unfinished, options).misses).toHaveLength(1);
  });

  it('lists stalls and lend-backs and ignores other sources', () => {
    const summary = summarize(SAMPLE_EVENTS, options);
    expect(summary.stalls.map((stall) => stall.text)).toEqual(['no progress for 8 minutes']);
    expect(summary.lendBacks.map((lend) => [lend.from, lend.to])).toEqual([[0, 60]]);
    expect(summary.failures).toEqual([]);
  });

  it('integrates lent instance-hours from requests, progress and completions', () => {
    const summary = summarize(SAMPLE_EVENTS, options);
    // 60 from 04:00 to 13:06 (546), 30 to 13:20 (7), 0 to 20:40, 60 to 04:00 next day (440).
    expect(summary.lentInstanceHours.total).toBeCloseTo(993, 6);
    expect(summary.lentInstanceHours.byReservation[TRADING]).toBeCloseTo(993, 6);
    expect(summary.costAvoided).toBeUndefined();
  });

  it('prices lent hours when prices are given', () => {
    const summary = summarize(SAMPLE_EVENTS, {
      ...options,
      prices: { 'r7i.4xlarge': 1.0584, 'm5.large': 1 },
    });
    expect(summary.costAvoided?.total).toBeCloseTo(993 * 1.0584, 6);
  });
});
