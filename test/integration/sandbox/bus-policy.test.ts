/**
 * The service's bus policy in the sandbox: it is deployed from serverless.yml as the stack states it, and each
 * borrower puts its heads-up rule on the service's bus with its own credentials, by the bus's ARN, so the
 * rule stands only because that policy admits the borrower (as in production).
 */
import type { CallRecord } from '@odcr-reclaimer/local-aws/types.ts';
import { beforeAll, describe, expect, it } from 'vitest';
import { headsUpRuleName } from '#sandbox/borrowers.ts';
import { runSandbox } from '#sandbox/runner.ts';
import { type LoadedScenario, loadScenarioFile } from '#sandbox/scenario.ts';

const SCENARIO = new URL('../../../sandbox/scenarios/organization-week-2026-03.json', import.meta.url)
  .pathname;

let scenario: LoadedScenario;
let calls: CallRecord[] = [];
let hubRules: string[] = [];
let hub = '';
/** The statement ids of the hub's bus policy at the end. */
let deployed: string[] = [];

beforeAll(async () => {
  scenario = loadScenarioFile(SCENARIO);
  await runSandbox({
    scenario,
    days: 1,
    hooks: {
      finished(local) {
        hub = local.admin.getSettings().settings.accountId;
        calls = local.admin.calls({ service: 'events' }).calls;
        hubRules = local.admin.ruleList({ accountId: hub }).rules.map((rule) => rule.name);
        deployed = [...local.admin.account(hub).busPolicies.values()].flatMap((policy) =>
          policy.Statement.map((statement) => statement.Sid ?? ''),
        );
      },
    },
  });
}, 300_000);

describe("the service's bus policy in the sandbox", () => {
  it('is deployed from serverless.yml, with its Deny for other principals and its borrower statement', () => {
    expect(deployed).toEqual(['OnlyServiceRolesPut', 'ServiceRolesPut', 'BorrowersManageTheirOwnRules']);
  });

  it("lets each borrower put its heads-up rule and target on the service's bus by its ARN, as itself", () => {
    expect(scenario.accounts.borrowers.length).toBeGreaterThan(0);
    for (const borrower of scenario.accounts.borrowers) {
      const own = calls.filter(
        (call) =>
          call.account === borrower.id &&
          (call.action === 'PutRule' || call.action === 'PutTargets') &&
          String((call.params as { EventBusName?: string }).EventBusName).includes(`:${hub}:event-bus/`),
      );
      expect(own.map((call) => [call.action, call.principal, call.outcome]).slice(0, 2)).toEqual([
        ['PutRule', `borrower-${borrower.id}`, 'ok'],
        ['PutTargets', `borrower-${borrower.id}`, 'ok'],
      ]);
      expect(hubRules).toContain(headsUpRuleName(borrower.id));
    }
  });

  it('refuses the borrowers their rules when the policy does not admit them', async () => {
    const run = runSandbox({
      scenario,
      days: 1,
      iam: {
        busPolicies: (policies) =>
          policies.map(({ busName, policy }) => ({
            busName,
            policy: {
              ...policy,
              Statement: (Array.isArray(policy.Statement) ? policy.Statement : [policy.Statement]).filter(
                (statement) => statement.Sid !== 'BorrowersManageTheirOwnRules',
              ),
            },
          })),
      },
    });

    await expect(run).rejects.toMatchObject({
      name: 'AccessDeniedException',
      message: expect.stringMatching(/because no resource-based policy allows the events:PutRule action$/),
    });
  }, 120_000);
});
