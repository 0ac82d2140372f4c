import { DescribeCapacityReservationsCommand, EC2Client } from '@aws-sdk/client-ec2';
import { describe, expect, it, vi } from 'vitest';
import { sdkClientSettings } from '#shared/gateways/aws-call.ts';
import { Ec2CapacityGateway } from '#shared/gateways/index.ts';
import type { ChangeAnswer } from '#shared/on-demand/run-on-demand.ts';
import { OFF_HOURS } from '../../support/example-week.ts';
import {
  type LocalService,
  localSdkConfig,
  RISK_ENGINE,
  reservation,
  startLocalService,
  TRADING,
} from '../../support/local-service.ts';
import { runOnDemand, trackerRuleState } from './runs.ts';

const UPDATE = 'UpdateInterruptibleCapacityReservationAllocation';

async function reclaim(local: LocalService, payload: Record<string, unknown>): Promise<ChangeAnswer> {
  const answer = await runOnDemand(local, {
    action: 'reclaim',
    for: '2h',
    reason: 'fault drill',
    ...payload,
  });
  if (!answer.ok) throw new Error(`rejected: ${JSON.stringify(answer.error)}`);
  return answer as ChangeAnswer;
}

/** EC2 answers the next `count` allocation updates with `fault`: an error code and its status, or a status alone. */
function failUpdates(local: LocalService, fault: { error?: string; status: number; count: number }): void {
  local.aws.admin.injectFault({ service: 'ec2', action: UPDATE, ...fault });
}

function updateOutcomes(local: LocalService): string[] {
  return local.aws.admin.calls({ service: 'ec2', action: UPDATE }).calls.map((call) => call.outcome);
}

describe('faults', () => {
  it('retries throttling and then updates', async () => {
    const service = await startLocalService({ now: OFF_HOURS, maxAttempts: 3 });
    failUpdates(service, { error: 'RequestLimitExceeded', status: 503, count: 2 });

    const answer = await reclaim(service, { reservations: [TRADING], everything: true });

    expect(answer.result.outcomes).toEqual([expect.objectContaining({ outcome: 'updated', to: 0 })]);
    expect(updateOutcomes(service)).toEqual(['RequestLimitExceeded', 'RequestLimitExceeded', 'ok']);
  });

  it('fails clearly when throttling outlasts the retries, and publishes the failure', async () => {
    const service = await startLocalService({ now: OFF_HOURS, maxAttempts: 3 });
    failUpdates(service, { error: 'RequestLimitExceeded', status: 503, count: 3 });

    const answer = await reclaim(service, { reservations: [TRADING], everything: true });

    expect(answer.result.outcomes).toEqual([
      expect.objectContaining({
        outcome: 'failed',
        from: 60,
        to: 0,
        error: expect.objectContaining({ code: 'RequestLimitExceeded' }),
      }),
    ]);
    expect(reservation(service.aws, TRADING).allocation?.target).toBe(60);
    const failed = service.aws.admin.events({ detailType: 'Allocation Change Failed' }).events;
    expect(failed).toEqual([
      expect.objectContaining({
        detail: expect.objectContaining({ reservationId: TRADING, errorCode: 'RequestLimitExceeded' }),
      }),
    ]);
  });

  it('retries a 5xx, and reports InternalError once the retries are spent', async () => {
    const service = await startLocalService({ now: OFF_HOURS, maxAttempts: 3 });
    failUpdates(service, { status: 500, count: 1 });
    const retried = await reclaim(service, { reservations: [TRADING], count: 10 });
    expect(retried.result.outcomes).toEqual([expect.objectContaining({ outcome: 'updated', to: 50 })]);

    failUpdates(service, { status: 500, count: 3 });
    const spent = await reclaim(service, { reservations: [TRADING], count: 20 });
    expect(spent.result.outcomes).toEqual([
      expect.objectContaining({
        outcome: 'failed',
        error: expect.objectContaining({ code: 'InternalError' }),
      }),
    ]);
  });

  it('defers on IncorrectState and records the desired target for the tracker', async () => {
    const service = await startLocalService({ now: OFF_HOURS });
    failUpdates(service, { error: 'IncorrectState', status: 400, count: 1 });

    const answer = await reclaim(service, { reservations: [TRADING], everything: true });

    expect(answer.result.outcomes).toEqual([
      expect.objectContaining({ outcome: 'deferred', from: 60, to: 0 }),
    ]);
    expect(reservation(service.aws, TRADING).tags['odcr-reclaimer:desired-target']).toBe('0');
    expect(trackerRuleState(service.aws)).toBe('ENABLED');
  });

  it('never updates an allocation still updating: the new target is recorded instead', async () => {
    const service = await startLocalService({ now: OFF_HOURS });
    // 60 lent, 30 borrowed: reclaiming 40 takes the 30 unused at once and must wait for 10 borrowers.
    await reclaim(service, { reservations: [TRADING], count: 40 });
    expect(reservation(service.aws, TRADING).allocation).toMatchObject({ target: 20, status: 'updating' });

    const answer = await reclaim(service, { reservations: [TRADING], everything: true });

    expect(answer.result.outcomes).toEqual([
      expect.objectContaining({ outcome: 'deferred', from: 20, to: 0 }),
    ]);
    expect(updateOutcomes(service)).toEqual(['ok']);
    expect(reservation(service.aws, TRADING).tags['odcr-reclaimer:desired-target']).toBe('0');
  });

  it('lets one reservation fail while the two others update', async () => {
    const local = await startLocalService({ now: OFF_HOURS });
    failUpdates(local, { error: 'InvalidParameterValue', status: 400, count: 1 });

    const answer = await reclaim(local, { group: 'risk-engine', everything: true });

    const outcomes = answer.result.outcomes.map((outcome) => outcome.outcome).sort();
    expect(outcomes).toEqual(['failed', 'updated', 'updated']);
    const targets = RISK_ENGINE.map((id) => reservation(local.aws, id).allocation?.target).sort();
    expect(targets).toEqual([0, 0, 1]);
    const published = local.aws.admin
      .events({ source: 'odcr-reclaimer' })
      .events.map((event) => event['detail-type']);
    expect(published.sort()).toEqual([
      'Allocation Change Failed',
      'Allocation Change Requested',
      'Allocation Change Requested',
    ]);
  });

  it('retries events that PutEvents rejected individually', async () => {
    const service = await startLocalService({ now: OFF_HOURS });
    service.aws.admin.injectFault({
      service: 'events',
      action: 'PutEvents',
      kind: 'partial-failure',
      entries: 2,
      count: 1,
    });

    const answer = await reclaim(service, { all: true, everything: true });

    expect(answer.result.warnings).toEqual([]);
    expect(service.aws.admin.events({ source: 'odcr-reclaimer' }).events).toHaveLength(4);
  });
});

describe('SDK timeouts', () => {
  const DESCRIBE = 'DescribeCapacityReservations';
  // The service's settings with a short timeout, so that a hung answer is given up on quickly.
  const shortTimeouts = { connectionTimeout: 250, requestTimeout: 250, socketTimeout: 250 };
  const HANG_MS = 1_500;

  it('gives up on an answer that hangs past the request timeout, retries, and succeeds', async () => {
    const local = await startLocalService({ now: OFF_HOURS });
    const client = new EC2Client({ ...localSdkConfig(local.aws.url), ...sdkClientSettings(shortTimeouts) });
    const hangOneDescribe = () =>
      local.aws.admin.injectFault({ service: 'ec2', action: DESCRIBE, latencyMs: HANG_MS, count: 1 });

    hangOneDescribe();

    const raw = await client.send(
      new DescribeCapacityReservationsCommand({ CapacityReservationIds: [TRADING] }),
    );
    expect(raw.$metadata.attempts).toBe(2);
    expect(raw.CapacityReservations?.map((reservation) => reservation.CapacityReservationId)).toEqual([
      TRADING,
    ]);

    // The service's own gateway on the same settings: its paged describe survives a hung page too.
    hangOneDescribe();
    const snapshots = await new Ec2CapacityGateway({ client }).describeManaged();
    expect(snapshots.map((snapshot) => snapshot.reservationId).sort()).toEqual(
      [...RISK_ENGINE, TRADING].sort(),
    );
    expect(local.aws.admin.faults().faults.every((fault) => fault.remaining === 0)).toBe(true);

    // The endpoint still answers the abandoned attempts (after HANG_MS): wait for them before it closes.
    await vi.waitFor(
      () => expect(local.aws.admin.calls({ service: 'ec2', action: DESCRIBE }).calls).toHaveLength(4),
      { timeout: 10 * HANG_MS, interval: 100 },
    );
    client.destroy();
  });
});
