import { describe, expect, it } from 'vitest';
import {
  EC2_ACTION_BUCKETS,
  ec2RequestLimits,
  HAND_OVER_CADENCE,
  RECLAIM_UPDATE_BUCKET,
  reclaimUpdateBucket,
  sendingSeconds,
  sendingSecondsAcrossRuns,
  TokenBucket,
} from '#shared/domain/ec2-request-limits.ts';
import { noRecords } from '#shared/domain/records.ts';
import type { ReservationSnapshot } from '#shared/domain/reservation.ts';
import { decide, leadMinutes } from '#shared/policy/index.ts';
import { learnedLead, reclaimSendingMinutes } from '#shared/policy/lead.ts';
import { exampleConfig, exampleObservation, TRADING_ID } from './fixtures.ts';

const inRegion = (region: string, count: number): Pick<ReservationSnapshot, 'region'>[] =>
  Array.from({ length: count }, () => ({ region }));

describe('sendingSeconds', () => {
  it('is free within the burst, then one refill per call', () => {
    const { capacity, refillPerSecond } = RECLAIM_UPDATE_BUCKET;
    expect(sendingSeconds(capacity, RECLAIM_UPDATE_BUCKET)).toBe(0);
    expect(sendingSeconds(capacity + 1, RECLAIM_UPDATE_BUCKET)).toBeCloseTo(1 / refillPerSecond);
    expect(sendingSeconds(1000, RECLAIM_UPDATE_BUCKET)).toBe((1000 - capacity) / refillPerSecond);
  });
});

describe('TokenBucket', () => {
  it('answers the wait after which a token is there, to the millisecond', () => {
    const bucket = new TokenBucket(EC2_ACTION_BUCKETS.CreateTags);
    for (let taken = 0; taken < EC2_ACTION_BUCKETS.CreateTags.capacity; taken++) {
      expect(bucket.take(0)).toBe(true);
    }
    expect(bucket.take(0)).toBe(false);
    const wait = bucket.msUntilToken(0);
    expect(wait).toBe(1000 / EC2_ACTION_BUCKETS.CreateTags.refillPerSecond);
    expect(bucket.take(wait - 1)).toBe(false);
    expect(bucket.take(wait)).toBe(true);
  });

  it('never holds more than its capacity, however long it rests', () => {
    const bucket = new TokenBucket({ capacity: 3, refillPerSecond: 1 });
    bucket.take(0);
    expect(bucket.level(3_600_000)).toBe(3);
  });
});

describe('sendingSecondsAcrossRuns', () => {
  const bucket = RECLAIM_UPDATE_BUCKET;
  const { periodSeconds, windowSeconds } = HAND_OVER_CADENCE;

  it('is the one-run floor while the first run can send it all', () => {
    const firstRun = bucket.capacity + bucket.refillPerSecond * windowSeconds;
    expect(sendingSecondsAcrossRuns(firstRun, bucket)).toBe(sendingSeconds(firstRun, bucket));
  });

  it('adds each hand-over: the next run starts a period later, with what the bucket refilled meanwhile', () => {
    const firstRun = bucket.capacity + bucket.refillPerSecond * windowSeconds;
    const burst = Math.min(bucket.capacity, bucket.refillPerSecond * (periodSeconds - windowSeconds));
    // The first call of the second run goes at its start, on the burst the gap refilled.
    expect(sendingSecondsAcrossRuns(firstRun + 1, bucket)).toBe(periodSeconds);
    // Its burst spent, the second run sends at the refill rate.
    expect(sendingSecondsAcrossRuns(firstRun + burst + 1, bucket)).toBeCloseTo(
      periodSeconds + 1 / bucket.refillPerSecond,
    );
  });

  it('never beats the floor, and stays within a run per period above it for a large fleet', () => {
    for (const calls of [1_000, 10_000]) {
      const across = sendingSecondsAcrossRuns(calls, bucket);
      const floor = sendingSeconds(calls, bucket);
      expect(across).toBeGreaterThanOrEqual(floor);
      // At most the idle part of each period is lost beyond what the refilled burst gives back.
      const runs = Math.ceil(across / periodSeconds);
      expect(across - floor).toBeLessThanOrEqual(runs * (periodSeconds - windowSeconds));
    }
  });
});

describe('reclaimSendingMinutes', () => {
  it('is the Updates of the region with the most reservations over runs, in whole minutes', () => {
    expect(reclaimSendingMinutes(inRegion('us-east-1', RECLAIM_UPDATE_BUCKET.capacity))).toBe(0);
    expect(reclaimSendingMinutes(inRegion('us-east-1', 10_000))).toBe(
      Math.ceil(sendingSecondsAcrossRuns(10_000, RECLAIM_UPDATE_BUCKET) / 60),
    );
    // Regions have buckets of their own: two halves take half the time.
    const split = [...inRegion('us-east-1', 5_000), ...inRegion('eu-west-2', 5_000)];
    expect(reclaimSendingMinutes(split)).toBe(
      Math.ceil(sendingSecondsAcrossRuns(5_000, RECLAIM_UPDATE_BUCKET) / 60),
    );
  });

  it("counts the account's raised limits: a bucket twice as fast sends in about half the time", () => {
    const raised = ec2RequestLimits({
      mutating: {
        capacity: RECLAIM_UPDATE_BUCKET.capacity,
        refillPerSecond: 2 * RECLAIM_UPDATE_BUCKET.refillPerSecond,
      },
    });
    const fleet = inRegion('us-east-1', 10_000);
    expect(reclaimSendingMinutes(fleet, raised)).toBe(
      Math.ceil(sendingSecondsAcrossRuns(10_000, reclaimUpdateBucket(raised)) / 60),
    );
    expect(reclaimSendingMinutes(fleet, raised)).toBeLessThan(reclaimSendingMinutes(fleet) * 0.6);
  });
});

describe('learnedLead with the sending time', () => {
  const config = exampleConfig();
  const { minimumMinutes, safetyMarginMinutes } = config.lead;

  it('adds the sending to the minimum before durations are measured', () => {
    expect(learnedLead(config, [], 34).minutes).toBe(minimumMinutes + 34 + safetyMarginMinutes);
  });

  it('keeps the measured p95 plus the margin when it is longer (it includes the sending)', () => {
    const slow = Array.from({ length: 10 }, () => 90 * 60);
    expect(learnedLead(config, slow, 34).minutes).toBe(90 + safetyMarginMinutes);
  });

  it('keeps minimum plus sending as the floor under short measured durations', () => {
    const quick = Array.from({ length: 10 }, () => 60);
    expect(learnedLead(config, quick, 34).minutes).toBe(minimumMinutes + 34);
  });
});

describe('decide: a large fleet starts its reclaim earlier', () => {
  const config = exampleConfig();
  // 10,000 more managed reservations in the trading reservation's region (not configured: only counted).
  const crowd: ReservationSnapshot[] = Array.from({ length: 10_000 }, (_, index) => ({
    reservationId: `cr-${(0xb0000 + index).toString(16).padStart(17, '0')}`,
    region: 'us-east-1',
    instanceType: 'c7i.large',
    availabilityZone: 'us-east-1a',
    state: 'active',
    sourceTotal: 10,
    sourceAvailable: 0,
    owned: 10,
    tags: {},
    records: noRecords(),
  }));
  const small = exampleObservation();
  const large = exampleObservation({ reservations: [...small.reservations, ...crowd] });
  const sending = reclaimSendingMinutes(large.reservations);
  const open = Date.parse('2026-03-09T09:30:00-04:00');

  it('reclaims the trading reservation once open − (lead + sending) has passed', () => {
    expect(sending).toBeGreaterThan(0);
    // Past the large fleet's start, before the small fleet's (both on the 5-minute grid).
    const at = new Date(open - (leadMinutes(config, [], sending) - 5) * 60_000);
    expect(at.getTime()).toBeLessThan(open - leadMinutes(config, []) * 60_000);
    const trading = (observation: typeof small) =>
      decide(observation, config, at).decisions.find((decision) => decision.reservationId === TRADING_ID);
    expect(trading(large)?.target).toBe(0);
    expect(trading(small)?.target).toBeGreaterThan(0);
  });
});
