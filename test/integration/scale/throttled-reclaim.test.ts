/**
 * A reclaim of a fleet larger than EC2's Update bucket, in one region, against the endpoint enforcing EC2's
 * request throttling: the gateway's pacer sends at the refill rate, so no request is refused, every
 * reservation is updated once, and the last update goes out at the floor the bucket allows.
 */
import { type LocalAws, startLocalAws } from '@odcr-reclaimer/local-aws/server.ts';
import type { CallRecord } from '@odcr-reclaimer/local-aws/types.ts';
import { afterEach, describe, expect, it } from 'vitest';
import { createHandler as createScheduleHandler } from '#functions/reclaim-on-schedule/handler.ts';
import { RECLAIM_UPDATE_BUCKET, sendingSeconds } from '#shared/domain/ec2-request-limits.ts';
import { createEc2ClientFrom } from '#shared/gateways/ec2-capacity.ts';
import { Ec2CapacityGateway, Ec2RequestPacer } from '#shared/gateways/index.ts';
import type { ReconcileResult } from '#shared/reconcile/reconcile.ts';
import { lambdaContext, localSdkConfig, scheduledEvent } from '../../support/local-service.ts';
import { BEFORE_OPEN, OFF_HOURS, pacedScaleDependencies, scaleSeed, zonesIn } from './fleet.ts';

const FLEET = 300;
const UPDATE = 'UpdateInterruptibleCapacityReservationAllocation';
const ZONES = zonesIn('us-east-1');

let aws: LocalAws | undefined;
afterEach(async () => {
  await aws?.close();
  aws = undefined;
});

async function throttledEndpoint(count: number): Promise<LocalAws> {
  aws = await startLocalAws({
    port: 0,
    seed: scaleSeed(count, OFF_HOURS, ZONES),
    settings: { start: OFF_HOURS, requestRateScale: 1 },
  });
  return aws;
}

function updates(calls: readonly CallRecord[]): CallRecord[] {
  return calls.filter((call) => call.action === UPDATE);
}

describe('a reclaim under EC2 request throttling', () => {
  it('paces its updates to the bucket: none refused, none lost or repeated, done at the floor', async () => {
    const local = await throttledEndpoint(FLEET);
    const handler = createScheduleHandler(pacedScaleDependencies(local.url, local.clock, ZONES));
    const started = Date.parse(local.setClock(BEFORE_OPEN).toISOString());

    const result = (await handler(scheduledEvent(local, 'before-open'), lambdaContext())) as ReconcileResult;

    expect(result.outcomes).toHaveLength(FLEET);
    expect(result.outcomes.every((outcome) => outcome.outcome === 'updated' && outcome.to === 0)).toBe(true);
    const calls = local.admin.calls({}).calls;
    expect(calls.filter((call) => call.outcome === 'RequestLimitExceeded')).toEqual([]);
    const sent = updates(calls);
    const ids = sent.map((call) => (call.params as Record<string, string>)['CapacityReservationId']);
    expect(new Set(ids).size).toBe(FLEET);
    expect(sent).toHaveLength(FLEET);
    const lastUpdateSeconds = (Math.max(...sent.map((call) => Date.parse(call.at))) - started) / 1000;
    const floor = sendingSeconds(FLEET, RECLAIM_UPDATE_BUCKET);
    expect(lastUpdateSeconds).toBeGreaterThanOrEqual(floor - 0.001);
    expect(lastUpdateSeconds).toBeLessThanOrEqual(floor * 1.02 + 1);
  });

  it("waits for a refill after a refusal: another client drained the account's bucket", async () => {
    const local = await throttledEndpoint(1);
    const client = (pacer?: Ec2RequestPacer) =>
      new Ec2CapacityGateway({
        client: createEc2ClientFrom({ ...localSdkConfig(local.url), region: 'us-east-1' }),
        ...(pacer === undefined ? {} : { pacer }),
      });
    const [id] = local.admin.listReservations().reservations.map((reservation) => reservation.id);
    const update = (gateway: Ec2CapacityGateway) =>
      gateway.updateAllocation({ reservationId: id ?? '', target: 6, zeroSizePreference: 'retain' });
    // Another tool in the account, unpaced, spends the whole bucket; this one's mirror still believes it full.
    const other = client();
    for (let sent = 0; sent < RECLAIM_UPDATE_BUCKET.capacity; sent++) await update(other);
    const mine = client(new Ec2RequestPacer({ clock: local.clock }));

    const before = local.clock.now().getTime();
    await update(mine);
    await update(mine);

    const outcomes = updates(local.admin.calls({}).calls).slice(RECLAIM_UPDATE_BUCKET.capacity);
    expect(outcomes.map((call) => call.outcome)).toEqual(['RequestLimitExceeded', 'ok', 'ok']);
    // After the refusal each request waited one refill on the clock: no second refusal.
    const waited = (local.clock.now().getTime() - before) / 1000;
    expect(waited).toBeCloseTo(2 / RECLAIM_UPDATE_BUCKET.refillPerSecond, 3);
  });
});
