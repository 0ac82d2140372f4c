import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { type PolicyConfig, parseConfig } from '#shared/config/schema.ts';
import { WEDNESDAY_AFTER_CLOSE, WEDNESDAY_BEFORE_OPEN } from '../../support/example-week.ts';
import {
  EXAMPLE_CONFIG_FILE,
  type LocalService,
  reservation,
  startLocalService,
  TRADING,
} from '../../support/local-service.ts';
import { runSchedule, tradingOutcome } from './runs.ts';

function cloudWatchDown(local: LocalService): void {
  local.aws.admin.injectFault({ service: 'cloudwatch', action: 'DescribeAlarms', status: 500, count: 1000 });
}

/** The morning's reclaim, then the clock after the close: the 60 are due to be lent back. */
async function reclaimedThenClosed(): Promise<LocalService> {
  const local = await startLocalService({ now: WEDNESDAY_BEFORE_OPEN, maxAttempts: 2 });
  await runSchedule(local);
  local.aws.setClock(WEDNESDAY_AFTER_CLOSE);
  return local;
}

/** The example config with the volatility alarm's own choice for an unknown state. */
function configWithVolatility(treatMissingAs?: 'ok' | 'block-lend-back'): PolicyConfig {
  const raw = JSON.parse(readFileSync(EXAMPLE_CONFIG_FILE, 'utf8'));
  if (treatMissingAs !== undefined) raw.alarms['xnys-volatility-high'].treatMissingAs = treatMissingAs;
  return parseConfig(raw);
}

describe('alarms that cannot be read', () => {
  it('do not stop the reclaim before the open, and the run says so', async () => {
    const service = await startLocalService({ now: WEDNESDAY_BEFORE_OPEN, maxAttempts: 2 });
    cloudWatchDown(service);

    const result = await runSchedule(service);

    expect(tradingOutcome(result)).toMatchObject({ outcome: 'updated', from: 60, to: 0 });
    expect(result.warnings.join('\n')).toMatch(/alarms could not be read.*lend-back is held/);
    expect(reservation(service.aws, TRADING).allocation?.target).toBe(0);
  });

  it('hold the lend-back after the close, with the reason in the outcome', async () => {
    const service = await reclaimedThenClosed();
    cloudWatchDown(service);

    const result = await runSchedule(service);

    const outcome = tradingOutcome(result);
    expect(outcome).toMatchObject({ outcome: 'unchanged', from: 0, to: 0 });
    expect(outcome?.reasons.join('; ')).toMatch(/lend-back of 60 held: alarms could not be read/);
    expect(reservation(service.aws, TRADING).allocation?.target).toBe(0);
  });
});

describe('alarms in INSUFFICIENT_DATA or missing', () => {
  it('hold the lend-back by default, and never raise the need', async () => {
    const service = await reclaimedThenClosed();
    service.aws.admin.setAlarm({ name: 'xnys-volatility-high', state: 'INSUFFICIENT_DATA' });

    const result = await runSchedule(service);

    const outcome = tradingOutcome(result);
    expect(outcome).toMatchObject({ outcome: 'unchanged', to: 0, action: 'hold' });
    expect(outcome?.reasons.join('; ')).toMatch(/held: alarm xnys-volatility-high in INSUFFICIENT_DATA/);
    expect(outcome?.reasons.join('; ')).toMatch(/off-hours need 40 of 100/);
  });

  it('hold the lend-back when a configured alarm does not exist in CloudWatch', async () => {
    const service = await reclaimedThenClosed();
    const raw = JSON.parse(readFileSync(EXAMPLE_CONFIG_FILE, 'utf8'));
    raw.alarms['trading-latency-high'] = {
      adjustment: { type: 'all' },
      scope: { reservations: ['xnys-trading-r7i'] },
    };

    const result = await runSchedule(service, parseConfig(raw));

    expect(tradingOutcome(result)?.reasons.join('; ')).toMatch(/held: alarm trading-latency-high not found/);
    expect(result.warnings.join('\n')).toMatch(/trading-latency-high/);
  });

  it('lend back when the alarm says an unknown state counts as OK', async () => {
    const service = await reclaimedThenClosed();
    service.aws.admin.setAlarm({ name: 'xnys-volatility-high', state: 'INSUFFICIENT_DATA' });

    const result = await runSchedule(service, configWithVolatility('ok'));

    expect(tradingOutcome(result)).toMatchObject({ outcome: 'updated', from: 0, to: 60, action: 'lend' });
  });
});
