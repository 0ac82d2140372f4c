/**
 * Security review of the packaged CloudFormation template. The review is a set of pure rules
 * over the template, each proven to catch its violation on a deliberately broken copy, then run on the real
 * template that `npm run package` produces (packaged once and shared with template.test.ts).
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { HUB_ROLES_PATTERN, hubRolePrefix, spokeTemplate } from '#infra/spoke/spoke-template.ts';
import { TAG } from '#shared/records/tag-keys.ts';
import { type CfnResource, type CfnTemplate, sharedPackagedTemplate } from './package-template.ts';

interface Statement {
  Sid?: string;
  Effect?: string;
  Principal?: unknown;
  Action?: string | string[];
  NotAction?: string | string[];
  Resource?: unknown;
  Condition?: Record<string, Record<string, unknown>>;
}

interface Finding {
  resource: string;
  rule: string;
  detail: string;
}

/**
 * A write must name the managed tag: on the reservation it changes (ResourceTag), or, for Create, whose
 * condition keys are the request's tags, on the reservation it creates (RequestTag).
 */
const MANAGED_CONDITION_KEYS = [`aws:ResourceTag/${TAG.managed}`, `aws:RequestTag/${TAG.managed}`];
/** What a service principal may put on the bus, queue or topic: nothing outside this account. */
const PUT_ACTIONS: Record<string, string> = {
  'AWS::Events::EventBus': 'events:PutEvents',
  'AWS::SQS::Queue': 'sqs:SendMessage',
  'AWS::SNS::Topic': 'sns:Publish',
};

const asArray = <T>(value: T | T[] | undefined): T[] =>
  value === undefined ? [] : Array.isArray(value) ? value : [value];

function statementsOf(document: unknown): Statement[] {
  if (!document || typeof document !== 'object' || !('Statement' in document)) return [];
  return asArray((document as { Statement: Statement | Statement[] }).Statement);
}

/** Every identity-policy statement of a resource: role inline policies, IAM::Policy and IAM::ManagedPolicy. */
function identityStatements(resource: CfnResource): Statement[] {
  const properties = resource.Properties ?? {};
  if (resource.Type === 'AWS::IAM::Role') {
    const policies = asArray(properties['Policies'] as { PolicyDocument: unknown }[] | undefined);
    return policies.flatMap((policy) => statementsOf(policy.PolicyDocument));
  }
  if (resource.Type === 'AWS::IAM::Policy' || resource.Type === 'AWS::IAM::ManagedPolicy') {
    return statementsOf(properties['PolicyDocument']);
  }
  return [];
}

/** Every policy document anywhere in the template (identity and resource policies alike). */
function everyStatement(node: unknown, found: Statement[] = []): Statement[] {
  if (Array.isArray(node)) for (const item of node) everyStatement(item, found);
  else if (node && typeof node === 'object') {
    for (const [key, value] of Object.entries(node)) {
      if (key === 'Statement') found.push(...asArray(value as Statement | Statement[]));
      else everyStatement(value, found);
    }
  }
  return found;
}

/** A logical id referenced by `Ref` or `Fn::GetAtt` (or `${Id.Arn}` in an Fn::Sub), if any. */
function referencedIds(value: unknown): string[] {
  if (!value || typeof value !== 'object') return [];
  const record = value as Record<string, unknown>;
  if (typeof record['Ref'] === 'string') return [record['Ref']];
  const getAtt = record['Fn::GetAtt'];
  if (Array.isArray(getAtt) && typeof getAtt[0] === 'string') return [getAtt[0]];
  if (typeof getAtt === 'string') return [getAtt.split('.')[0] ?? ''];
  const sub = record['Fn::Sub'];
  const text = typeof sub === 'string' ? sub : Array.isArray(sub) && typeof sub[0] === 'string' ? sub[0] : '';
  return [...text.matchAll(/\$\{(\w+)(?:\.\w+)?\}/g)].map((match) => match[1] ?? '');
}

/** Mutating EC2 actions: everything that is not a read. */
function isEc2Write(action: string): boolean {
  return action.startsWith('ec2:') && !/^ec2:(Describe|Get|List)/.test(action);
}

function ruleNoWildcardActions(template: CfnTemplate): Finding[] {
  const findings: Finding[] = [];
  for (const [id, resource] of Object.entries(template.Resources)) {
    for (const statement of everyStatement(resource)) {
      if (statement.NotAction !== undefined && statement.Effect === 'Allow') {
        findings.push({ resource: id, rule: 'no-wildcard-action', detail: 'Allow with NotAction' });
      }
      for (const action of asArray(statement.Action)) {
        if (action.includes('*')) findings.push({ resource: id, rule: 'no-wildcard-action', detail: action });
      }
    }
  }
  return findings;
}

function ruleManagedTagOnWrites(template: CfnTemplate): Finding[] {
  const findings: Finding[] = [];
  for (const [id, resource] of Object.entries(template.Resources)) {
    for (const statement of identityStatements(resource)) {
      if (statement.Effect !== 'Allow') continue;
      const writes = asArray(statement.Action).filter(isEc2Write);
      if (writes.length === 0) continue;
      if (!MANAGED_CONDITION_KEYS.some((key) => statement.Condition?.['StringEquals']?.[key] === 'true')) {
        findings.push({
          resource: id,
          rule: 'managed-tag-condition',
          detail: `${writes.join(', ')} without ${MANAGED_CONDITION_KEYS.join(' or ')}=true`,
        });
      }
      const tagWrites = writes.filter((action) => /Tags$/.test(action));
      const allowedKeys = [
        ...asArray(statement.Condition?.['ForAllValues:StringLike']?.['aws:TagKeys'] as string[]),
        ...asArray(statement.Condition?.['ForAllValues:StringEquals']?.['aws:TagKeys'] as string[]),
      ];
      if (
        tagWrites.length > 0 &&
        !(allowedKeys.length > 0 && allowedKeys.every((key) => key.startsWith('odcr-reclaimer:')))
      ) {
        findings.push({
          resource: id,
          rule: 'managed-tag-condition',
          detail: `${tagWrites.join(', ')} on any tag key`,
        });
      }
    }
  }
  return findings;
}

function ruleOneRolePerFunction(template: CfnTemplate): Finding[] {
  const users = new Map<string, string[]>();
  for (const [id, resource] of Object.entries(template.Resources)) {
    if (resource.Type !== 'AWS::Lambda::Function') continue;
    const roles = referencedIds(resource.Properties?.['Role']);
    if (roles.length === 0) {
      return [{ resource: id, rule: 'role-per-function', detail: 'role is not a role of this template' }];
    }
    for (const role of roles) users.set(role, [...(users.get(role) ?? []), id]);
  }
  const findings: Finding[] = [];
  for (const [role, functions] of users) {
    if (functions.length > 1) {
      findings.push({
        resource: role,
        rule: 'role-per-function',
        detail: `shared by ${functions.join(', ')}`,
      });
    }
    const assumers = statementsOf(template.Resources[role]?.Properties?.['AssumeRolePolicyDocument']).flatMap(
      (statement) => asArray((statement.Principal as { Service?: string | string[] } | undefined)?.Service),
    );
    if (assumers.some((service) => service !== 'lambda.amazonaws.com')) {
      findings.push({
        resource: role,
        rule: 'role-per-function',
        detail: `also assumable by ${assumers.join(', ')}`,
      });
    }
  }
  return findings;
}

/**
 * Each bus, queue and topic has a resource policy, and whoever may put to it is limited: no Allow to an open
 * principal without a condition, and an open-principal Deny (or no open Allow at all) keeps others out.
 */
function rulePutLimited(template: CfnTemplate): Finding[] {
  const findings: Finding[] = [];
  for (const [id, resource] of Object.entries(template.Resources)) {
    const putAction = PUT_ACTIONS[resource.Type];
    if (putAction === undefined) continue;
    const statements = [
      ...statementsOf(resource.Properties?.['Policy']),
      ...Object.values(template.Resources)
        .filter((policy) =>
          ['AWS::SQS::QueuePolicy', 'AWS::SNS::TopicPolicy', 'AWS::Events::EventBusPolicy'].includes(
            policy.Type,
          ),
        )
        .filter((policy) => {
          const targets = [
            ...asArray(policy.Properties?.['Queues']),
            ...asArray(policy.Properties?.['Topics']),
            ...asArray(policy.Properties?.['EventBusName']),
          ];
          return targets.some((target) => referencedIds(target).includes(id));
        })
        .flatMap((policy) => [
          ...statementsOf(policy.Properties?.['PolicyDocument']),
          ...asArray(policy.Properties?.['Statement'] as Statement),
        ]),
    ].filter((statement) => asArray(statement.Action).includes(putAction));
    if (statements.length === 0) {
      findings.push({ resource: id, rule: 'put-limited', detail: `no resource policy on ${putAction}` });
      continue;
    }
    for (const statement of statements) {
      if (statement.Effect !== 'Allow') continue;
      const principal = statement.Principal;
      const open =
        principal === '*' || asArray((principal as { AWS?: unknown } | undefined)?.AWS).includes('*');
      if ((open || typeof principal !== 'object') && statement.Condition === undefined) {
        findings.push({ resource: id, rule: 'put-limited', detail: `${putAction} allowed to anyone` });
      }
      const accountRoot = asArray((principal as { AWS?: unknown } | undefined)?.AWS).length > 0;
      if (accountRoot && statement.Condition === undefined) {
        findings.push({
          resource: id,
          rule: 'put-limited',
          detail: `${putAction} allowed to every principal of the account`,
        });
      }
    }
  }
  return findings;
}

/**
 * Every DynamoDB table keeps its data safe (retained with the stack, encrypted, recoverable), and every
 * DynamoDB permission names tables of this template by name: never `*`, never someone else's table.
 */
function ruleTablesKeptAndScoped(template: CfnTemplate): Finding[] {
  const findings: Finding[] = [];
  const tableNames: string[] = [];
  for (const [id, resource] of Object.entries(template.Resources)) {
    if (resource.Type !== 'AWS::DynamoDB::Table') continue;
    const properties = resource.Properties ?? {};
    tableNames.push(String(properties['TableName']));
    const sse = properties['SSESpecification'] as { SSEEnabled?: boolean } | undefined;
    const pitr = properties['PointInTimeRecoverySpecification'] as
      | { PointInTimeRecoveryEnabled?: boolean }
      | undefined;
    if (resource.DeletionPolicy !== 'Retain' || resource.UpdateReplacePolicy !== 'Retain') {
      findings.push({ resource: id, rule: 'table-kept', detail: 'not retained on delete and replace' });
    }
    if (sse?.SSEEnabled !== true) findings.push({ resource: id, rule: 'table-kept', detail: 'SSE off' });
    if (pitr?.PointInTimeRecoveryEnabled !== true) {
      findings.push({ resource: id, rule: 'table-kept', detail: 'point-in-time recovery off' });
    }
  }
  for (const [id, resource] of Object.entries(template.Resources)) {
    for (const statement of identityStatements(resource)) {
      if (!asArray(statement.Action).some((action) => action.startsWith('dynamodb:'))) continue;
      for (const target of asArray(statement.Resource)) {
        const text = typeof target === 'string' ? target : JSON.stringify(target);
        const table = /:table\/([^"/]+)/.exec(text)?.[1];
        if (table === undefined || !tableNames.includes(table)) {
          findings.push({ resource: id, rule: 'table-scoped', detail: `dynamodb on ${text}` });
        }
      }
    }
  }
  return findings;
}

function review(template: CfnTemplate): Finding[] {
  return [
    ...ruleNoWildcardActions(template),
    ...ruleManagedTagOnWrites(template),
    ...ruleOneRolePerFunction(template),
    ...rulePutLimited(template),
    ...ruleTablesKeptAndScoped(template),
  ];
}

let template: CfnTemplate;

beforeAll(async () => {
  template = (await sharedPackagedTemplate()).template;
}, 180_000);

/** A deep copy of the packaged template with one resource changed, to prove a rule catches that change. */
function broken(change: (copy: CfnTemplate) => void): CfnTemplate {
  const copy = structuredClone(template);
  change(copy);
  return copy;
}

/** The statements of a role's first inline policy, as the template holds them (so they can be changed). */
function firstRoleStatements(copy: CfnTemplate, roleId: string): Statement[] {
  const policies = copy.Resources[roleId]?.Properties?.['Policies'] as {
    PolicyDocument: { Statement: Statement[] };
  }[];
  const statements = policies?.[0]?.PolicyDocument.Statement;
  if (!statements) throw new Error(`no inline policy on ${roleId} in the template`);
  return statements;
}

function rulesOf(findings: Finding[]): string[] {
  return [...new Set(findings.map((finding) => finding.rule))];
}

describe('security review of the packaged template', () => {
  it('finds nothing in the template `npm run package` produces', () => {
    expect(Object.keys(template.Resources).length).toBeGreaterThan(10);
    expect(review(template)).toEqual([]);
  });

  it('reviews what matters: functions, roles with EC2 writes, the bus, the queue and the topic', () => {
    const types = Object.values(template.Resources).map((resource) => resource.Type);
    expect(types.filter((type) => type === 'AWS::Lambda::Function').length).toBeGreaterThanOrEqual(4);
    for (const type of Object.keys(PUT_ACTIONS)) expect(types).toContain(type);
    const ec2Writes = Object.values(template.Resources)
      .flatMap(identityStatements)
      .flatMap((statement) => asArray(statement.Action).filter(isEc2Write));
    expect(ec2Writes).toContain('ec2:UpdateInterruptibleCapacityReservationAllocation');
    expect(ec2Writes).toContain('ec2:CreateInterruptibleCapacityReservationAllocation');
    expect(ec2Writes).toContain('ec2:CreateTags');
  });

  it('fails on a `*` action, in a role or in a resource policy', () => {
    const inRole = broken((copy) => {
      const statement = firstRoleStatements(copy, 'ReclaimOnScheduleRole')[0];
      if (statement) statement.Action = ['ec2:*'];
    });
    expect(rulesOf(ruleNoWildcardActions(inRole))).toEqual(['no-wildcard-action']);
    const inQueue = broken((copy) => {
      const statement = statementsOf(
        copy.Resources['AsyncFailureQueuePolicy']?.Properties?.['PolicyDocument'],
      )[1];
      if (statement) statement.Action = 'sqs:*';
    });
    expect(rulesOf(ruleNoWildcardActions(inQueue))).toEqual(['no-wildcard-action']);
  });

  it('fails on an update, create or tag permission without the managed-tag condition', () => {
    for (const action of [
      'ec2:UpdateInterruptibleCapacityReservationAllocation',
      'ec2:CreateInterruptibleCapacityReservationAllocation',
      'ec2:CreateTags',
    ]) {
      const unguarded = broken((copy) => {
        firstRoleStatements(copy, 'ReclaimOnAlarmRole').push({
          Effect: 'Allow',
          Action: action,
          Resource: '*',
        });
      });
      expect(ruleManagedTagOnWrites(unguarded).map((finding) => finding.resource)).toContain(
        'ReclaimOnAlarmRole',
      );
    }
    // The template's own guarded statements, each with its managed-tag condition taken away.
    for (const sid of ['UpdateManagedAllocations', 'CreateManagedAllocations', 'TagAllocationsOnCreate']) {
      const unconditioned = broken((copy) => {
        const statement = firstRoleStatements(copy, 'ReclaimOnScheduleRole').find((s) => s.Sid === sid);
        expect(statement, sid).toBeDefined();
        for (const key of MANAGED_CONDITION_KEYS) delete statement?.Condition?.['StringEquals']?.[key];
      });
      expect(
        ruleManagedTagOnWrites(unconditioned).map((finding) => finding.rule),
        sid,
      ).toContain('managed-tag-condition');
    }
    const anyKey = broken((copy) => {
      for (const statement of firstRoleStatements(copy, 'ReclaimOnDemandRole')) {
        delete statement.Condition?.['ForAllValues:StringLike'];
        delete statement.Condition?.['ForAllValues:StringEquals'];
      }
    });
    expect(ruleManagedTagOnWrites(anyKey).some((finding) => finding.detail.includes('any tag key'))).toBe(
      true,
    );
  });

  it('fails on a role shared between functions', () => {
    const shared = broken((copy) => {
      const functions = Object.values(copy.Resources).filter(
        (resource) => resource.Type === 'AWS::Lambda::Function',
      );
      const [first, second] = functions;
      if (first?.Properties && second?.Properties) second.Properties['Role'] = first.Properties['Role'];
    });
    expect(rulesOf(ruleOneRolePerFunction(shared))).toEqual(['role-per-function']);
  });

  it('fails on a bus or queue without a resource policy limiting who can put', () => {
    const openBus = broken((copy) => {
      delete copy.Resources['EventBus']?.Properties?.['Policy'];
    });
    expect(rulePutLimited(openBus).map((finding) => finding.resource)).toEqual(['EventBus']);
    const noQueuePolicy = broken((copy) => {
      delete copy.Resources['AsyncFailureQueuePolicy'];
    });
    expect(rulePutLimited(noQueuePolicy).map((finding) => finding.resource)).toEqual(['AsyncFailureQueue']);
    const accountWide = broken((copy) => {
      for (const statement of statementsOf(
        copy.Resources['AsyncFailureQueuePolicy']?.Properties?.['PolicyDocument'],
      )) {
        delete statement.Condition;
      }
    });
    expect(rulesOf(rulePutLimited(accountWide))).toEqual(['put-limited']);
  });

  it('fails on a table that is not retained, encrypted and recoverable, or a grant beyond its tables', () => {
    const careless = broken((copy) => {
      const table = copy.Resources['WriterLeaseTable'];
      if (!table?.Properties) throw new Error('no lease table in the template');
      delete table.DeletionPolicy;
      delete table.Properties['SSESpecification'];
      delete table.Properties['PointInTimeRecoverySpecification'];
    });
    expect(ruleTablesKeptAndScoped(careless).map((finding) => finding.detail)).toEqual([
      'not retained on delete and replace',
      'SSE off',
      'point-in-time recovery off',
    ]);
    const anyTable = broken((copy) => {
      const statement = firstRoleStatements(copy, 'ReclaimOnScheduleRole').find((candidate) =>
        asArray(candidate.Action).includes('dynamodb:PutItem'),
      );
      if (!statement) throw new Error('no lease grant on ReclaimOnScheduleRole');
      statement.Resource = '*';
    });
    expect(ruleTablesKeptAndScoped(anyTable)).toEqual([
      { resource: 'ReclaimOnScheduleRole', rule: 'table-scoped', detail: 'dynamodb on *' },
    ]);
  });
});

/**
 * A spoke role is assumable only through the hub's function roles: the hub account as principal, narrowed by
 * `aws:PrincipalArn` to role names with the hub's role prefix, in every branch of a conditional trust.
 */
function ruleSpokeTrust(template: CfnTemplate): Finding[] {
  const findings: Finding[] = [];
  for (const [id, resource] of Object.entries(template.Resources)) {
    if (resource.Type !== 'AWS::IAM::Role') continue;
    for (const statement of statementsOf(resource.Properties?.['AssumeRolePolicyDocument'])) {
      if (statement.Effect !== 'Allow') continue;
      const principals = asArray((statement.Principal as { AWS?: unknown } | undefined)?.AWS);
      if (statement.Principal === '*' || principals.includes('*') || principals.length === 0) {
        findings.push({ resource: id, rule: 'spoke-trust', detail: 'not an account principal' });
        continue;
      }
      const condition = statement.Condition as Record<string, unknown> | undefined;
      const branches = Array.isArray(condition?.['Fn::If'])
        ? (condition['Fn::If'] as unknown[]).slice(1)
        : [condition];
      for (const branch of branches) {
        const arn = JSON.stringify(
          (branch as Record<string, Record<string, unknown>> | undefined)?.['ArnLike']?.['aws:PrincipalArn'],
        );
        if (arn === undefined || !arn.includes(HUB_ROLES_PATTERN)) {
          findings.push({
            resource: id,
            rule: 'spoke-trust',
            detail: 'assumable by principals other than the hub function roles',
          });
        }
      }
    }
  }
  return findings;
}

describe('security review of the spoke template', () => {
  const spoke = () => spokeTemplate({ hubRolePrefix: hubRolePrefix('dev', 'us-east-1') }) as CfnTemplate;

  it('passes every rule of the hub template and trusts only the hub function roles', () => {
    expect([...review(spoke()), ...ruleSpokeTrust(spoke())]).toEqual([]);
  });

  it('fails on a trust open to the whole hub account, or a write without the managed tag', () => {
    const accountWide = spoke();
    const trust = accountWide.Resources['SpokeRole']?.Properties?.['AssumeRolePolicyDocument'];
    for (const statement of statementsOf(trust)) delete statement.Condition;
    expect(rulesOf(ruleSpokeTrust(accountWide))).toEqual(['spoke-trust']);
    const anyReservation = spoke();
    for (const statement of identityStatements(anyReservation.Resources['SpokeRole'] as CfnResource))
      delete statement.Condition;
    expect(rulesOf(ruleManagedTagOnWrites(anyReservation))).toContain('managed-tag-condition');
  });
});
