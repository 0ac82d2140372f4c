import { DescribeCapacityReservationsCommand } from '@aws-sdk/client-ec2';
import { LocalAwsAdminError } from '@odcr-reclaimer/local-aws/admin-client.ts';
import { loadExampleFleet } from '@odcr-reclaimer/local-aws/example-fleet.ts';
import { describe, expect, it } from 'vitest';
import { TRADING_ID, useTestEndpoint } from './helpers.ts';

const endpoint = useTestEndpoint({
  settings: { start: '2026-03-02T13:00:00.000Z' },
  seed: loadExampleFleet(),
});

describe('admin API', () => {
  it('seeds the example fleet: reservations, alarms all OK, the tracker rule disabled', async () => {
    const { reservations } = await endpoint().admin.listReservations();
    expect(reservations.map((reservation) => reservation.id)).toEqual([
      TRADING_ID,
      'cr-0000000000000a001',
      'cr-0000000000000b001',
      'cr-0000000000000c001',
    ]);
    expect(reservations[0]).toMatchObject({
      ownedInstanceCount: 100,
      totalInstanceCount: 40,
      allocation: { current: 60 },
    });
    expect(reservations[0]?.allocation?.borrowers).toHaveLength(30);
    expect((await endpoint().admin.alarmList()).alarms.every((alarm) => alarm.state === 'OK')).toBe(true);
    expect((await endpoint().admin.ruleList()).rules).toEqual([
      expect.objectContaining({ name: 'odcr-reclaimer-dev-track-reclamation', state: 'DISABLED' }),
    ]);
  });

  it('generates EC2-shaped ids and answers them with the interruptible id', async () => {
    const { reservations } = await endpoint().admin.seedReservations({
      reservations: [
        {
          instanceType: 'c7i.large',
          availabilityZone: 'us-east-1b',
          totalInstanceCount: 4,
          interruptible: { instanceCount: 2 },
        },
        { instanceType: 'c7i.large', availabilityZone: 'us-east-1b', totalInstanceCount: 4 },
      ],
    });
    expect(reservations[0]?.id).toMatch(/^cr-[0-9a-f]{17}$/);
    expect(reservations[0]?.interruptibleId).toMatch(/^cr-[0-9a-f]{17}$/);
    expect(reservations[1]?.interruptibleId).toBeUndefined();
    await expect(
      endpoint().admin.seedReservations({
        reservations: [
          {
            instanceType: 'c7i.large',
            availabilityZone: 'us-east-1b',
            totalInstanceCount: 2,
            interruptible: { instanceCount: 3 },
          },
        ],
      }),
    ).rejects.toBeInstanceOf(LocalAwsAdminError);
  });

  it('reads and moves the clock', async () => {
    expect(await endpoint().admin.getClock()).toEqual({ now: '2026-03-02T13:00:00.000Z' });
    expect(await endpoint().admin.setClock({ advanceSeconds: 90 })).toEqual({
      now: '2026-03-02T13:01:30.000Z',
    });
    expect(await endpoint().admin.setClock({ now: '2026-03-03T09:00:00Z' })).toEqual({
      now: '2026-03-03T09:00:00.000Z',
    });
    await expect(endpoint().admin.setClock({})).rejects.toMatchObject({ code: 'MissingParameter' });
  });

  it('filters events by source, detail type and time', async () => {
    await endpoint().admin.setAlarm({ name: 'xnys-volatility-high', state: 'ALARM' });
    await endpoint().admin.advance(60);
    const since = (await endpoint().admin.getClock()).now;
    await endpoint().admin.setAlarm({ name: 'xnys-volatility-high', state: 'OK' });
    expect((await endpoint().admin.events({ source: 'aws.cloudwatch' })).events).toHaveLength(2);
    const later = (await endpoint().admin.events({ detailType: 'CloudWatch Alarm State Change', since }))
      .events;
    expect(later.map((event) => (event.detail as { state: { value: string } }).state.value)).toEqual(['OK']);
  });

  it('changes settings at run time', async () => {
    const { settings } = await endpoint().admin.updateSettings({
      updateWhileUpdating: 'retarget',
      shutdownSeconds: 5,
    });
    expect(settings).toMatchObject({
      updateWhileUpdating: 'retarget',
      shutdownSeconds: 5,
      defaultRegion: 'us-east-1',
    });
    await expect(
      endpoint().admin.updateSettings({ updateWhileUpdating: 'maybe' as never }),
    ).rejects.toMatchObject({
      code: 'InvalidParameterValue',
    });
  });

  it('empties the endpoint on reset', async () => {
    await endpoint().admin.reset();
    const described = await endpoint().ec2.send(new DescribeCapacityReservationsCommand({}));
    expect(described.CapacityReservations).toEqual([]);
    expect((await endpoint().admin.events()).events).toEqual([]);
    expect((await endpoint().admin.calls()).calls).toHaveLength(1);
    expect((await endpoint().admin.alarmList()).alarms).toEqual([]);
    expect((await endpoint().admin.ruleList()).rules).toEqual([]);
  });
});
