import { fileURLToPath } from 'node:url';
import { DENIAL_CODES } from '@odcr-reclaimer/local-aws/iam.ts';
import { type PolicyStatement, statementsOf } from '@odcr-reclaimer/local-aws/iam-policy.ts';
import type { CallRecord } from '@odcr-reclaimer/local-aws/types.ts';
import { beforeAll, describe, expect, it } from 'vitest';
import type { FunctionRole } from '#sandbox/function-roles.ts';
import type { SimulationResult } from '#sandbox/result.ts';
import { runSandbox } from '#sandbox/runner.ts';
import { loadScenarioFile } from '#sandbox/scenario.ts';

/** One day on which every function takes every code path that calls AWS (see the scenario's $comment). */
const SCENARIO = fileURLToPath(new URL('./fixtures/iam-day.json', import.meta.url));
/** Used by Lambda itself with the function's role (logs, the on-failure destination), never by the code. */
const RUNTIME_ACTIONS = /^(logs|sqs):/;

interface Run {
  result: SimulationResult;
  calls: CallRecord[];
  roles: FunctionRole[];
}

async function run(editRoles?: (roles: FunctionRole[]) => FunctionRole[]): Promise<Run> {
  let calls: CallRecord[] = [];
  let roles: FunctionRole[] = [];
  const result = await runSandbox({
    scenario: loadScenarioFile(SCENARIO),
    iam: {
      roles: (read) => {
        roles = editRoles ? editRoles(read) : read;
        return roles;
      },
    },
    hooks: { finished: (local) => (calls = local.admin.calls().calls) },
  });
  return { result, calls, roles };
}

const actionOf = (call: CallRecord): string => `${call.service}:${call.action}`;

function grantedActions(role: FunctionRole): Set<string> {
  const actions = statementsOf(role.policies).flatMap((statement) => {
    const action = statement.Action ?? [];
    return typeof action === 'string' ? [action] : [...action];
  });
  return new Set(actions.filter((action) => !RUNTIME_ACTIONS.test(action)));
}

let enforced: Run;

beforeAll(async () => {
  enforced = await run();
}, 120_000);

describe('the sandbox with IAM enforced from the roles serverless.yml deploys', () => {
  it('signs every call with the calling function’s own role', () => {
    const principals = new Set(enforced.calls.map((call) => call.principal));
    expect(principals).toEqual(new Set(enforced.roles.map((role) => role.roleName)));
    expect(enforced.roles).toHaveLength(4);
    for (const invocation of enforced.result.invocations) {
      expect(invocation.ok || invocation.error?.startsWith('throttled'), JSON.stringify(invocation)).toBe(
        true,
      );
    }
  });

  it('denies no call of any function', () => {
    const denied = enforced.calls.filter((call) => DENIAL_CODES.has(call.outcome));
    expect(denied.map((call) => call.denial)).toEqual([]);
  });

  it('exercises every code path that writes: create, update, tag, untag, deferred apply, alarm runs', () => {
    const used = (role: string) =>
      new Set(enforced.calls.filter((call) => call.principal?.endsWith(role)).map(actionOf));
    expect([...used('reclaim-on-schedule')]).toContain(
      'ec2:CreateInterruptibleCapacityReservationAllocation',
    );
    expect([...used('reclaim-on-demand')]).toContain('ec2:DeleteTags');
    expect([...used('reclaim-on-alarm')]).toContain('cloudwatch:DescribeAlarms');
    expect([...used('track-reclamation')]).toContain('ec2:UpdateInterruptibleCapacityReservationAllocation');
  });

  it('grants nothing the code does not call (roles with the same policy share their calls)', () => {
    const groups = new Map<string, FunctionRole[]>();
    for (const role of enforced.roles) {
      const key = JSON.stringify([...grantedActions(role)].sort());
      groups.set(key, [...(groups.get(key) ?? []), role]);
    }
    for (const roles of groups.values()) {
      const names = new Set(roles.map((role) => role.roleName));
      const used = new Set(enforced.calls.filter((call) => names.has(call.principal ?? '')).map(actionOf));
      const unused = [...grantedActions(roles[0]!)].filter((action) => !used.has(action));
      expect({ roles: [...names], unused }).toEqual({ roles: [...names], unused: [] });
    }
  });
});

describe('a role missing a grant', () => {
  it("makes that function's call fail with UnauthorizedOperation, logged with its role", async () => {
    const withoutDeleteTags = (statement: PolicyStatement): PolicyStatement => {
      const actions =
        typeof statement.Action === 'string' ? [statement.Action] : [...(statement.Action ?? [])];
      return { ...statement, Action: actions.filter((action) => action !== 'ec2:DeleteTags') };
    };
    const crippled = await run((roles) =>
      roles.map((role) =>
        role.functionName !== 'reclaim-on-demand'
          ? role
          : {
              ...role,
              policies: role.policies.map((policy) => ({
                ...policy,
                Statement: statementsOf([policy])
                  .map(withoutDeleteTags)
                  .filter((statement) => statement.Action?.length !== 0),
              })),
            },
      ),
    );
    const denied = crippled.calls.filter((call) => DENIAL_CODES.has(call.outcome));
    expect(denied.length).toBeGreaterThan(0);
    for (const call of denied) {
      expect(call).toMatchObject({
        service: 'ec2',
        action: 'DeleteTags',
        outcome: 'UnauthorizedOperation',
        principal: expect.stringMatching(/-reclaim-on-demand$/),
        denial: expect.stringMatching(/^You are not authorized to perform this operation\./),
      });
    }
  }, 120_000);
});
