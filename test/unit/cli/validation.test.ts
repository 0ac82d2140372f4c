import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { triggerProblems } from '#cli/validation.ts';
import { DERIVED_VALUES_SOURCE, derivedTemplateValues } from '#infra/build.ts';
import { configuredAlarmNames } from '#sandbox/scenario.ts';
import { readServerlessTriggers } from '#sandbox/serverless-triggers.ts';
import { loadConfigFile } from '#shared/config/load-config.ts';

const config = loadConfigFile(resolve('config/global-fleet.json'));
const triggers = readServerlessTriggers(resolve('serverless.yml'), {
  files: { [DERIVED_VALUES_SOURCE]: derivedTemplateValues(config) },
});
const FROM = new Date('2026-03-02T00:00:00Z');

describe('validate: the packaged triggers cover every market', () => {
  it('finds a heartbeat around every session, and the alarm rule for every alarm, as packaged', () => {
    expect(triggerProblems(config, triggers, FROM, 14)).toEqual([]);
  });

  it("names each market whose sessions no heartbeat precedes when one market's schedules are lost", () => {
    const tokyo = triggers.schedules.filter((schedule) => schedule.timeZone === 'Asia/Tokyo');
    expect(tokyo.length).toBeGreaterThan(0);
    const withoutTokyo = {
      ...triggers,
      schedules: triggers.schedules.filter((schedule) => schedule.timeZone !== 'Asia/Tokyo'),
    };
    const problems = triggerProblems(config, withoutTokyo, FROM, 7);
    expect(new Set(problems.map((problem) => problem.path))).toEqual(new Set(['markets.XTKS']));
    expect(problems.some((problem) => problem.message.startsWith('no heartbeat before the open of'))).toBe(
      true,
    );
  });

  it('names an alarm the alarm rule does not listen for', () => {
    const deaf = {
      ...triggers,
      rules: triggers.rules.filter((rule) => rule.functionName !== 'reclaim-on-alarm'),
    };
    const alarms = triggerProblems(config, deaf, FROM, 1).filter((problem) =>
      problem.path.startsWith('alarms.'),
    );
    expect(alarms.map((problem) => problem.path)).toEqual(
      configuredAlarmNames(config).map((name) => `alarms.${name}`),
    );
    expect(alarms[0]?.message).toBe('the packaged alarm rule does not listen for it');
  });
});
