import { resolve } from 'node:path';
import { DescribeAlarmsCommand, SetAlarmStateCommand } from '@aws-sdk/client-cloudwatch';
import { matchesEventPattern } from '@odcr-reclaimer/local-aws/event-pattern.ts';
import { describe, expect, it } from 'vitest';
import { DERIVED_VALUES_SOURCE, derivedTemplateValues } from '#infra/build.ts';
import { readServerlessTriggers } from '#sandbox/serverless-triggers.ts';
import { loadConfigFile } from '#shared/config/load-config.ts';
import { failureOf, useTestEndpoint } from './helpers.ts';

const START = '2026-03-02T13:00:00.000Z';
const ALARM = 'xnys-volatility-high';

const endpoint = useTestEndpoint({
  settings: { start: START },
  seed: { alarms: [{ name: ALARM, state: 'OK' }] },
});

describe('CloudWatch SetAlarmState (aws cloudwatch set-alarm-state)', () => {
  it('changes the state and emits the CloudWatch Alarm State Change event that the alarm rule routes to reclaim-on-alarm', async () => {
    await endpoint().cloudwatch.send(
      new SetAlarmStateCommand({
        AlarmName: ALARM,
        StateValue: 'ALARM',
        StateReason: 'testing the reclaim',
        StateReasonData: '{"source":"on-call"}',
      }),
    );
    const described = await endpoint().cloudwatch.send(new DescribeAlarmsCommand({ AlarmNames: [ALARM] }));
    expect(described.MetricAlarms?.[0]).toMatchObject({
      StateValue: 'ALARM',
      StateReason: 'testing the reclaim',
    });

    const change = (await endpoint().admin.events()).events.filter(
      (event) => event['detail-type'] === 'CloudWatch Alarm State Change',
    );
    expect(change).toHaveLength(1);
    expect(change[0]?.detail).toMatchObject({
      alarmName: ALARM,
      state: { value: 'ALARM', reason: 'testing the reclaim' },
      previousState: { value: 'OK' },
    });

    // The deployed rule, as the sandbox reads it from serverless.yml, matches the event EventBridge would carry.
    const config = loadConfigFile(resolve('config/example.json'));
    const triggers = readServerlessTriggers(resolve('serverless.yml'), {
      files: { [DERIVED_VALUES_SOURCE]: derivedTemplateValues(config) },
    });
    const alarmRules = triggers.rules.filter((rule) => rule.functionName === 'reclaim-on-alarm');
    expect(alarmRules.length).toBeGreaterThan(0);
    const envelope = {
      source: 'aws.cloudwatch',
      'detail-type': 'CloudWatch Alarm State Change',
      ...change[0],
    };
    expect(
      alarmRules.some((rule) => rule.eventPattern && matchesEventPattern(rule.eventPattern, envelope)),
    ).toBe(true);
  });

  it('emits nothing when the state does not change', async () => {
    const before = (await endpoint().admin.events()).events.length;
    await endpoint().cloudwatch.send(
      new SetAlarmStateCommand({ AlarmName: ALARM, StateValue: 'ALARM', StateReason: 'again' }),
    );
    expect((await endpoint().admin.events()).events.length).toBe(before);
  });

  it('refuses an unknown alarm with ResourceNotFound (404) and bad StateReasonData with InvalidFormat', async () => {
    const unknown = await failureOf(
      endpoint().cloudwatch.send(
        new SetAlarmStateCommand({ AlarmName: 'no-such-alarm', StateValue: 'ALARM', StateReason: 'x' }),
      ),
    );
    expect(unknown.name).toBe('ResourceNotFound');
    expect(unknown.$metadata?.httpStatusCode).toBe(404);

    const badData = await failureOf(
      endpoint().cloudwatch.send(
        new SetAlarmStateCommand({
          AlarmName: ALARM,
          StateValue: 'OK',
          StateReason: 'x',
          StateReasonData: 'not json',
        }),
      ),
    );
    expect(badData.name).toBe('InvalidFormatFault');

    const longReason = await failureOf(
      endpoint().cloudwatch.send(
        new SetAlarmStateCommand({ AlarmName: ALARM, StateValue: 'OK', StateReason: 'x'.repeat(1024) }),
      ),
    );
    // A model constraint: CloudWatch's request validation (ValidationError in the query code).
    expect((longReason as { Code?: string }).Code).toBe('ValidationError');
  });
});
