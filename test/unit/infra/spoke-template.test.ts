import { execFile, execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { beforeAll, describe, expect, it } from 'vitest';
import { CAPACITY_ROLES, spokeAccessResources } from '#infra/build.ts';
import { HUB_ROLES_PATTERN, hubRolePrefix, spokeTemplate } from '#infra/spoke/spoke-template.ts';
import { parseConfig } from '#shared/config/schema.ts';
import { type CfnTemplate, resourcesOfType, sharedPackagedTemplate } from './package-template.ts';

const run = promisify(execFile);

interface Statement {
  Sid?: string;
  Action?: string | string[];
  Resource?: unknown;
  Condition?: unknown;
}

let hub: CfnTemplate;
beforeAll(async () => {
  hub = (await sharedPackagedTemplate()).template;
}, 180_000);

const spoke = () => spokeTemplate({ hubRolePrefix: hubRolePrefix('dev', 'us-east-1') });

function inlineStatements(role: { Properties?: Record<string, unknown> } | undefined): Statement[] {
  const policies = (role?.Properties?.['Policies'] ?? []) as { PolicyDocument: { Statement: Statement[] } }[];
  return policies.flatMap((policy) => policy.PolicyDocument.Statement);
}

function hasCfnLint(): boolean {
  try {
    execFileSync('cfn-lint', ['--version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

describe('the spoke template', () => {
  it('trusts exactly the role names the packaged hub gives its functions', () => {
    const trust = JSON.stringify(spoke().Resources['SpokeRole']?.Properties?.['AssumeRolePolicyDocument']);
    expect(trust).toContain(HUB_ROLES_PATTERN);
    const prefix = spoke().Parameters['HubRolePrefix']?.Default ?? '';
    const names = resourcesOfType(hub, 'AWS::IAM::Role')
      .filter(([, role]) => JSON.stringify(role.Properties?.['AssumeRolePolicyDocument']).includes('lambda'))
      .map(([, role]) => String(role.Properties?.['RoleName']));
    expect(names.length).toBeGreaterThanOrEqual(4);
    for (const name of names) expect(name.startsWith(`${prefix}-`), name).toBe(true);
  });

  it("grants the hub's own EC2 statements on capacity reservations, with the same conditions", () => {
    const ec2 = (statements: Statement[]) =>
      statements
        .filter((statement) => [statement.Action].flat().some((action) => String(action).startsWith('ec2:')))
        .map(({ Sid, Action, Condition }) => ({ Sid, Action, Condition }));
    const [, hubRole] =
      resourcesOfType(hub, 'AWS::IAM::Role').find(([id]) => id === 'ReclaimOnScheduleRole') ?? [];
    expect(ec2(inlineStatements(spoke().Resources['SpokeRole']))).toEqual(ec2(inlineStatements(hubRole)));
  });

  it.skipIf(!hasCfnLint())(
    'lints clean with cfn-lint (skipped only where cfn-lint is not installed; CI has it)',
    async () => {
      const dir = mkdtempSync(path.join(tmpdir(), 'odcr-spoke-'));
      try {
        const file = path.join(dir, 'spoke.json');
        writeFileSync(file, JSON.stringify(spoke()));
        await expect(run('cfn-lint', [file])).resolves.toBeDefined();
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    },
    60_000,
  );

  it('lets the hub assume exactly the configured spoke roles, from every role that reaches capacity', () => {
    const base = {
      reservations: [
        { id: 'cr-0123456789abcdef0', name: 'a', market: 'XNYS', tradingNeed: 'all', offHoursNeed: 0 },
      ],
    };
    expect(spokeAccessResources(parseConfig(base))).toEqual({ Resources: {} });
    const granted = spokeAccessResources(
      parseConfig({
        ...base,
        accounts: [
          { id: '333333333333', role: 'odcr-reclaimer-spoke' },
          { id: '444444444444', role: 'arn:aws:iam::444444444444:role/ops/spoke' },
        ],
      }),
    );
    expect(JSON.stringify(granted)).toContain('iam::333333333333:role/odcr-reclaimer-spoke');
    expect(JSON.stringify(granted)).toContain('arn:aws:iam::444444444444:role/ops/spoke');
    // Every function role that describes or changes reservations (so reaches spokes) is in the hub template.
    const hubRoles = resourcesOfType(hub, 'AWS::IAM::Role').map(([id]) => id);
    for (const role of CAPACITY_ROLES) expect(hubRoles).toContain(role);
    const functions = resourcesOfType(hub, 'AWS::Lambda::Function').length;
    expect(CAPACITY_ROLES).toHaveLength(functions);
  });
});
