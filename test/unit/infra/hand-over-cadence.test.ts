import { describe, expect, it } from 'vitest';
import { parseScheduleExpression } from '#sandbox/schedule-expression.ts';
import { readServiceTriggers } from '#sandbox/service-definition.ts';
import { loadConfigFile } from '#shared/config/load-config.ts';
import {
  HAND_OVER_CADENCE,
  TRACKER_PERIOD_SECONDS,
  TRACKER_RUN_BUDGET_SECONDS,
} from '#shared/domain/ec2-request-limits.ts';
import { SEND_STOP_MARGIN_MS } from '#shared/reconcile/send-budget.ts';
import { DEFAULT_TRACKER_SETTINGS } from '#shared/tracker/assess.ts';

const triggers = readServiceTriggers(loadConfigFile('config/example.json'));

describe('the hand-over cadence the lead counts on', () => {
  it("has the tracker rule's period, as serverless.yml deploys it", () => {
    const rule = triggers.rules.find(
      (candidate) => candidate.functionName === 'track-reclamation' && candidate.scheduleExpression,
    );
    const parsed = parseScheduleExpression(rule?.scheduleExpression ?? '');
    expect(parsed.kind === 'rate' ? parsed.everySeconds : undefined).toBe(TRACKER_PERIOD_SECONDS);
    expect(HAND_OVER_CADENCE.periodSeconds).toBe(TRACKER_PERIOD_SECONDS);
  });

  it("sends within the tracker's run budget, which ends before its next run", () => {
    expect(DEFAULT_TRACKER_SETTINGS.runBudgetSeconds).toBe(TRACKER_RUN_BUDGET_SECONDS);
    expect(HAND_OVER_CADENCE.windowSeconds).toBeLessThanOrEqual(TRACKER_RUN_BUDGET_SECONDS);
    expect(TRACKER_RUN_BUDGET_SECONDS).toBeLessThan(TRACKER_PERIOD_SECONDS);
  });

  it('leaves every sending function time to send once its stop margin is kept', () => {
    for (const name of [
      'reclaim-on-schedule',
      'reclaim-on-alarm',
      'reclaim-on-demand',
      'track-reclamation',
    ]) {
      const timeoutMs = (triggers.timeoutSeconds[name] ?? 0) * 1000;
      expect({
        name,
        sendsFor: timeoutMs - SEND_STOP_MARGIN_MS >= HAND_OVER_CADENCE.windowSeconds * 1000,
      }).toEqual({ name, sendsFor: true });
    }
  });
});
