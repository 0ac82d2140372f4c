import { describe, expect, it } from 'vitest';
import {
  EC2_ACTION_BUCKETS,
  RECLAIM_UPDATE_BUCKET,
  sendingSeconds,
  TokenBucket,
} from '#shared/domain/ec2-request-limits.ts';
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

describe('reclaimSendingMinutes', () => {
  it('is the Updates of the region with the most reservations at the refill rate, in whole minutes', () => {
    expect(reclaimSendingMinutes(inRegion('us-east-1', RECLAIM_UPDATE_BUCKET.capacity))).toBe(0);
    expect(reclaimSendingMinutes(inRegion('us-east-1', 10_000))).toBe(
      Math.ceil(sendingSeconds(10_000, RECLAIM_UPDATE_BUCKET) / 60),
    );
    // Regions have buckets of their own: two halves take half the time.
    const split = [...inRegion('us-east-1', 5_000), ...inRegion('eu-west-2', 5_000)];
    expect(reclaimSendingMinutes(split)).toBe(Math.ceil(sendingSeconds(5_000, RECLAIM_UPDATE_BUCKET) / 60));
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
