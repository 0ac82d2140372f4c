import { describe, expect, it } from 'vitest';
import { reservation, startLocalService, TRADING, updateCalls } from '../../support/local-service.ts';
import { runAlarm, tradingOutcome } from './runs.ts';

// Wednesday 2025-03-12, 18:00 New York: after the close, the trading fleet is lent (60).
const OFF_HOURS = '2025-03-12T22:00:00Z';
const VOLATILITY = 'xnys-volatility-high';

describe('reclaim-on-alarm', () => {
  it('reclaims at once when a configured alarm goes to ALARM', async () => {
    const service = await startLocalService({ now: OFF_HOURS });
    service.aws.admin.setAlarm({ name: VOLATILITY, state: 'ALARM' });

    const result = await runAlarm(service, VOLATILITY, 'ALARM');

    expect(tradingOutcome(result)).toMatchObject({ outcome: 'updated', from: 60, to: 0, action: 'reclaim' });
    expect(reservation(service.aws, TRADING).allocation?.target).toBe(0);
    const requested = service.aws.admin.events({ source: 'odcr-reclaimer' }).events;
    expect(requested[0]).toMatchObject({
      detail: { trigger: 'alarm', triggerId: `alarm-${VOLATILITY}-ALARM` },
    });
  });

  it('updates once when the same event is delivered twice', async () => {
    const service = await startLocalService({ now: OFF_HOURS });
    service.aws.admin.setAlarm({ name: VOLATILITY, state: 'ALARM' });
    // Delivered twice: the same event id, at the same time.
    await runAlarm(service, VOLATILITY, 'ALARM');
    const again = await runAlarm(service, VOLATILITY, 'ALARM');

    expect(tradingOutcome(again)).toMatchObject({ outcome: 'unchanged', to: 0 });
    expect(updateCalls(service.aws)).toHaveLength(1);
  });

  it('does not lend back on an OK delivered before its ALARM while the alarm is in ALARM', async () => {
    const service = await startLocalService({ now: OFF_HOURS });
    service.aws.admin.setAlarm({ name: VOLATILITY, state: 'ALARM' });
    await runAlarm(service, VOLATILITY, 'ALARM', 'first-alarm');
    service.aws.advance(45 * 60);

    // A stale OK (from before the ALARM) arrives late; CloudWatch still says ALARM.
    const result = await runAlarm(service, VOLATILITY, 'OK', 'stale-ok');

    expect(tradingOutcome(result)).toMatchObject({ to: 0 });
    expect(updateCalls(service.aws)).toHaveLength(1);
    expect(reservation(service.aws, TRADING).allocation?.target).toBe(0);
  });

  it('lends back only after the cooldown once the alarm is OK', async () => {
    const service = await startLocalService({ now: OFF_HOURS });
    service.aws.admin.setAlarm({ name: VOLATILITY, state: 'ALARM' });
    await runAlarm(service, VOLATILITY, 'ALARM');

    service.aws.advance(10 * 60);
    service.aws.admin.setAlarm({ name: VOLATILITY, state: 'OK' });
    const early = await runAlarm(service, VOLATILITY, 'OK', 'ok-early');
    expect(tradingOutcome(early)).toMatchObject({ outcome: 'unchanged', from: 0, to: 0 });

    service.aws.advance(21 * 60);
    const late = await runAlarm(service, VOLATILITY, 'OK', 'ok-late');
    expect(tradingOutcome(late)).toMatchObject({ outcome: 'updated', from: 0, to: 60, action: 'lend' });
    expect(updateCalls(service.aws)).toHaveLength(2);
  });

  it('logs and ignores an alarm that is not in the config, without calling AWS', async () => {
    const service = await startLocalService({ now: OFF_HOURS });

    const result = await runAlarm(service, 'someone-elses-alarm', 'ALARM');

    expect(result).toEqual({
      ignored: true,
      alarmName: 'someone-elses-alarm',
      reason: "alarm 'someone-elses-alarm' is not in the policy config",
    });
    expect(service.aws.admin.calls({}).calls).toHaveLength(0);
  });
});
