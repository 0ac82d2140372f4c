import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import {
  normalizedFunctionName,
  readServerlessTriggers,
  ServerlessConfigError,
} from '#sandbox/serverless-triggers.ts';

const fixture = fileURLToPath(new URL('./fixtures/serverless.yml', import.meta.url));
const derived = { './dist/derived.json': { alarmNames: ['cpu-high', 'az-down'] } };

describe('readServerlessTriggers', () => {
  it("reads each function's reservedConcurrency, so the sandbox throttles what Lambda throttles", () => {
    const triggers = readServerlessTriggers(fixture, { files: derived });
    expect(triggers.reservedConcurrency).toEqual({ 'on-alarm': 1 });
  });

  it('reads Scheduler schedules with their zone, one per cron expression', () => {
    const triggers = readServerlessTriggers(fixture, { files: derived });
    expect(
      triggers.schedules.map((schedule) => [schedule.functionName, schedule.expression, schedule.timeZone]),
    ).toEqual([
      ['on-schedule', 'cron(0/5 6-9 ? * MON-FRI *)', 'America/New_York'],
      ['on-schedule', 'cron(0 17 ? * MON-FRI *)', 'America/New_York'],
    ]);
  });

  it('reads EventBridge rules from function events and from rule resources, with their initial state', () => {
    const triggers = readServerlessTriggers(fixture, { files: derived, stage: 'test' });
    expect(triggers.rules).toEqual([
      expect.objectContaining({
        functionName: 'on-schedule',
        scheduleExpression: 'rate(1 hour)',
        initialState: 'DISABLED',
      }),
      expect.objectContaining({
        functionName: 'on-alarm',
        ruleName: 'demo-test-alarms',
        eventPattern: { source: ['aws.cloudwatch'], detail: { alarmName: ['cpu-high', 'az-down'] } },
      }),
      expect.objectContaining({
        functionName: 'on-schedule',
        ruleName: 'demo-test-poller',
        scheduleExpression: 'rate(1 minute)',
        initialState: 'DISABLED',
      }),
    ]);
  });

  it('resolves stage, region, self references and merges environments', () => {
    const triggers = readServerlessTriggers(fixture, { files: derived });
    expect(triggers.stage).toBe('dev');
    expect(triggers.region).toBe('eu-west-1');
    expect(triggers.functionNames['on-alarm']).toBe('demo-dev-on-alarm');
    expect(triggers.environment['on-alarm']).toEqual({ EVENT_BUS_NAME: 'demo-dev', EXTRA: 'yes-dev' });
  });

  it('names the variable it cannot resolve', () => {
    expect(() => readServerlessTriggers(fixture)).toThrow(ServerlessConfigError);
    expect(() => readServerlessTriggers(fixture)).toThrow('file(./dist/derived.json)');
  });

  it('derives the logical id serverless gives a function', () => {
    expect(normalizedFunctionName('track-reclamation')).toBe('TrackDashreclamation');
  });
});
