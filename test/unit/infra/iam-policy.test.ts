import {
  type AuthorizationCheck,
  evaluate,
  PolicyDocumentError,
  type PolicyStatement,
  parseOperator,
  validatePolicies,
} from '@odcr-reclaimer/local-aws/iam-policy.ts';
import { describe, expect, it } from 'vitest';

const CR = 'arn:aws:ec2:us-east-1:123456789012:capacity-reservation/cr-0123456789abcdef0';

const check = (
  action: string,
  resource: string,
  context: AuthorizationCheck['context'] = {},
): AuthorizationCheck => ({
  action,
  resource,
  context,
});

/** Whether `statements` allow `action` on `resource` with `context`. */
const allowed = (
  statements: readonly PolicyStatement[],
  action: string,
  resource: string,
  context: AuthorizationCheck['context'] = {},
): boolean => evaluate(statements, check(action, resource, context)).allowed;

const allow = (statement: Omit<PolicyStatement, 'Effect'>): PolicyStatement => ({
  Effect: 'Allow',
  ...statement,
});

describe('IAM statement evaluation', () => {
  it('allows a matching action and resource, denies anything else implicitly', () => {
    const statements = [
      allow({
        Action: 'ec2:UpdateInterruptibleCapacityReservationAllocation',
        Resource: 'arn:aws:ec2:us-east-1:*:capacity-reservation/*',
      }),
    ];
    expect(allowed(statements, 'ec2:UpdateInterruptibleCapacityReservationAllocation', CR)).toBe(true);
    expect(evaluate(statements, check('ec2:CreateTags', CR))).toMatchObject({
      allowed: false,
      reason: 'implicit-deny',
    });
    const otherRegion = CR.replace('us-east-1', 'eu-west-2');
    expect(allowed(statements, 'ec2:UpdateInterruptibleCapacityReservationAllocation', otherRegion)).toBe(
      false,
    );
  });

  it('matches actions case-insensitively with wildcards, resources case-sensitively', () => {
    const statements = [
      allow({ Action: 'EC2:Describe*', Resource: '*' }),
      allow({ Action: 'events:PutEvents', Resource: 'arn:aws:events:us-east-1:1:event-bus/Bus' }),
    ];
    expect(allowed(statements, 'ec2:DescribeCapacityReservations', '*')).toBe(true);
    expect(allowed(statements, 'events:PutEvents', 'arn:aws:events:us-east-1:1:event-bus/bus')).toBe(false);
  });

  it('lets an explicit Deny win over any Allow', () => {
    const statements: PolicyStatement[] = [
      allow({ Action: 'ec2:*', Resource: '*' }),
      { Sid: 'NoDelete', Effect: 'Deny', Action: 'ec2:DeleteTags', Resource: '*' },
    ];
    expect(evaluate(statements, check('ec2:DeleteTags', CR))).toMatchObject({
      allowed: false,
      reason: 'explicit-deny',
      sid: 'NoDelete',
    });
    expect(allowed(statements, 'ec2:CreateTags', CR)).toBe(true);
  });

  it('NotAction and NotResource exclude what they name', () => {
    const statements = [allow({ NotAction: 'ec2:DeleteTags', NotResource: 'arn:aws:ec2:*:*:instance/*' })];
    expect(allowed(statements, 'ec2:CreateTags', CR)).toBe(true);
    expect(allowed(statements, 'ec2:DeleteTags', CR)).toBe(false);
    expect(allowed(statements, 'ec2:CreateTags', 'arn:aws:ec2:us-east-1:1:instance/i-1')).toBe(false);
  });
});

describe('IAM conditions', () => {
  const managedOnly = allow({
    Action: 'ec2:UpdateInterruptibleCapacityReservationAllocation',
    Resource: '*',
    Condition: { StringEquals: { 'aws:ResourceTag/odcr-reclaimer:managed': 'true' } },
  });

  /** Whether the tag-conditioned statement allows the update with these condition keys. */
  const updateAllowed = (context: Record<string, string>): boolean =>
    allowed([managedOnly], 'ec2:UpdateInterruptibleCapacityReservationAllocation', CR, context);

  it('StringEquals on a resource tag: the tag must be there with that value', () => {
    expect(updateAllowed({ 'aws:ResourceTag/odcr-reclaimer:managed': 'true' })).toBe(true);
    expect(updateAllowed({ 'aws:ResourceTag/odcr-reclaimer:managed': 'false' })).toBe(false);
    expect(updateAllowed({})).toBe(false);
  });

  it('condition keys are case-insensitive', () => {
    expect(updateAllowed({ 'AWS:resourcetag/odcr-reclaimer:managed': 'true' })).toBe(true);
  });

  const recordTags = allow({
    Action: ['ec2:CreateTags', 'ec2:DeleteTags'],
    Resource: '*',
    Condition: {
      'ForAllValues:StringLike': { 'aws:TagKeys': ['odcr-reclaimer:*'] },
      'ForAllValues:StringNotEquals': { 'aws:TagKeys': ['odcr-reclaimer:managed'] },
      Null: { 'aws:TagKeys': 'false' },
    },
  });

  it('ForAllValues: every key must match; the managed marker is excluded', () => {
    expect(allowed([recordTags], 'ec2:DeleteTags', CR, { 'aws:TagKeys': ['odcr-reclaimer:override'] })).toBe(
      true,
    );
    expect(
      allowed([recordTags], 'ec2:DeleteTags', CR, { 'aws:TagKeys': ['odcr-reclaimer:override', 'Name'] }),
    ).toBe(false);
    expect(allowed([recordTags], 'ec2:DeleteTags', CR, { 'aws:TagKeys': ['odcr-reclaimer:managed'] })).toBe(
      false,
    );
  });

  it('an empty key list passes ForAllValues alone, but not with the Null check', () => {
    const withoutNull = allow({
      ...recordTags,
      Condition: { 'ForAllValues:StringLike': { 'aws:TagKeys': ['odcr-reclaimer:*'] } },
    });
    expect(allowed([withoutNull], 'ec2:DeleteTags', CR, {})).toBe(true);
    expect(allowed([recordTags], 'ec2:DeleteTags', CR, {})).toBe(false);
    expect(allowed([recordTags], 'ec2:DeleteTags', CR, { 'aws:TagKeys': [] })).toBe(false);
  });

  it('ForAnyValue needs one match and fails on a missing key', () => {
    const any = allow({
      Action: 'ec2:CreateTags',
      Resource: '*',
      Condition: { 'ForAnyValue:StringEquals': { 'aws:TagKeys': 'a' } },
    });
    expect(allowed([any], 'ec2:CreateTags', CR, { 'aws:TagKeys': ['b', 'a'] })).toBe(true);
    expect(allowed([any], 'ec2:CreateTags', CR, { 'aws:TagKeys': ['b'] })).toBe(false);
    expect(allowed([any], 'ec2:CreateTags', CR, {})).toBe(false);
  });

  it('negated operators hold on a missing key; IfExists makes positive ones hold too', () => {
    const notEquals = allow({ Action: 'x:Y', Resource: '*', Condition: { StringNotEquals: { 'k:v': 'a' } } });
    expect(allowed([notEquals], 'x:Y', '*', {})).toBe(true);
    expect(allowed([notEquals], 'x:Y', '*', { 'k:v': 'a' })).toBe(false);
    const ifExists = allow({
      Action: 'x:Y',
      Resource: '*',
      Condition: { StringEqualsIfExists: { 'k:v': 'a' } },
    });
    expect(allowed([ifExists], 'x:Y', '*', {})).toBe(true);
    expect(allowed([ifExists], 'x:Y', '*', { 'k:v': 'b' })).toBe(false);
  });

  it('ArnLike compares ARN parts with wildcards; StringLike and numbers and Bool work as IAM', () => {
    const arn = allow({
      Action: 'x:Y',
      Resource: '*',
      Condition: {
        ArnLike: { 'ec2:SourceCapacityReservationId': 'arn:aws:ec2:*:123456789012:capacity-reservation/*' },
      },
    });
    expect(allowed([arn], 'x:Y', '*', { 'ec2:SourceCapacityReservationId': CR })).toBe(true);
    expect(
      allowed([arn], 'x:Y', '*', {
        'ec2:SourceCapacityReservationId': CR.replace('123456789012', '999999999999'),
      }),
    ).toBe(false);
    const numeric = allow({
      Action: 'x:Y',
      Resource: '*',
      Condition: {
        NumericLessThanEquals: { 'ec2:TargetInstanceCount': 60 },
        Bool: { 'aws:SecureTransport': true },
      },
    });
    expect(
      allowed([numeric], 'x:Y', '*', { 'ec2:TargetInstanceCount': '60', 'aws:SecureTransport': 'true' }),
    ).toBe(true);
    expect(
      allowed([numeric], 'x:Y', '*', { 'ec2:TargetInstanceCount': '61', 'aws:SecureTransport': 'true' }),
    ).toBe(false);
  });

  it('every operator and every key of a statement must hold; values of one key are alternatives', () => {
    const both = allow({
      Action: 'ec2:CreateTags',
      Resource: '*',
      Condition: { StringEquals: { 'ec2:CreateAction': ['CreateA', 'CreateB'], 'aws:RequestTag/m': 'true' } },
    });
    expect(
      allowed([both], 'ec2:CreateTags', CR, { 'ec2:CreateAction': 'CreateB', 'aws:RequestTag/m': 'true' }),
    ).toBe(true);
    expect(allowed([both], 'ec2:CreateTags', CR, { 'ec2:CreateAction': 'CreateB' })).toBe(false);
  });
});

describe('loading policies', () => {
  it('refuses operators and elements it cannot evaluate, naming the statement', () => {
    expect(() => parseOperator('DateGreaterThan')).toThrow(PolicyDocumentError);
    expect(() => parseOperator('ForAllValues:Null')).toThrow(/unsupported/);
    expect(() =>
      validatePolicies(
        [
          {
            Statement: [
              {
                Sid: 'S1',
                Effect: 'Allow',
                Action: 'x:Y',
                Resource: '*',
                Condition: { IpAddress: { 'aws:SourceIp': '1.2.3.4' } },
              },
            ],
          },
        ],
        'role-a',
      ),
    ).toThrow(/role-a: statement S1: unsupported condition operator IpAddress/);
    expect(() =>
      validatePolicies(
        [{ Statement: [{ Effect: 'Allow', Action: 'x:Y', Resource: { 'Fn::Sub': 'arn' } as never }] }],
        'role-b',
      ),
    ).toThrow(/role-b: statement 0: Resource holds something other than text/);
  });
});

/** A policy variable as IAM writes it: `${key}` in the policy's text. */
const v = (key: string): string => `\${${key}}`;

describe('policy variables', () => {
  const sameAccountRules = allow({
    Action: 'events:PutRule',
    Resource: 'arn:aws:events:us-east-1:111111111111:rule/bus/*',
    Condition: { StringEqualsIfExists: { 'events:creatorAccount': v('aws:PrincipalAccount') } },
  });
  const rule = 'arn:aws:events:us-east-1:111111111111:rule/bus/heads-up';

  it('substitutes a condition value from the request context', () => {
    const asCaller = (creator: string) =>
      allowed([sameAccountRules], 'events:PutRule', rule, {
        'aws:PrincipalAccount': '222222222222',
        'events:creatorAccount': creator,
      });
    expect(asCaller('222222222222')).toBe(true);
    expect(asCaller('333333333333')).toBe(false);
  });

  it('substitutes in Resource, with a default when the key is absent', () => {
    const own = allow({
      Action: 'events:PutEvents',
      Resource: `arn:aws:events:*:${v('aws:PrincipalAccount')}:event-bus/*`,
    });
    const bus = 'arn:aws:events:us-east-1:222222222222:event-bus/default';
    expect(allowed([own], 'events:PutEvents', bus, { 'aws:PrincipalAccount': '222222222222' })).toBe(true);
    expect(allowed([own], 'events:PutEvents', bus, { 'aws:PrincipalAccount': '333333333333' })).toBe(false);
    const org = allow({
      Action: 'events:PutEvents',
      Resource: '*',
      Condition: { StringEquals: { 'aws:ResourceTag/org': v("aws:PrincipalOrgID, 'none'") } },
    });
    expect(allowed([org], 'events:PutEvents', bus, { 'aws:ResourceTag/org': 'none' })).toBe(true);
    expect(
      allowed([org], 'events:PutEvents', bus, { 'aws:ResourceTag/org': 'none', 'aws:PrincipalOrgID': 'o-1' }),
    ).toBe(false);
  });

  it('fails closed on a variable without a value: an Allow does not apply, a Deny does', () => {
    const inOrg = allow({
      Action: 'events:PutEvents',
      Resource: '*',
      Condition: { StringNotEquals: { 'aws:ResourceTag/org': v('aws:PrincipalOrgID') } },
    });
    expect(allowed([inOrg], 'events:PutEvents', '*', { 'aws:ResourceTag/org': 'o-1' })).toBe(false);
    const outsiders: PolicyStatement = {
      Effect: 'Deny',
      Action: 'events:PutEvents',
      Resource: '*',
      Condition: { StringEquals: { 'aws:ResourceTag/org': v('aws:PrincipalOrgID') } },
    };
    const everything = allow({ Action: '*', Resource: '*' });
    expect(evaluate([everything, outsiders], check('events:PutEvents', '*', {}))).toMatchObject({
      allowed: false,
      reason: 'explicit-deny',
    });
  });

  it('refuses an unknown variable, a variable outside 2012-10-17 and one in a numeric condition', () => {
    const withValue = (Version: string | undefined, value: string, operator = 'StringEquals') =>
      validatePolicies(
        [
          {
            ...(Version === undefined ? {} : { Version }),
            Statement: [
              {
                Sid: 'V',
                Effect: 'Allow',
                Action: 'x:Y',
                Resource: '*',
                Condition: { [operator]: { 'a:b': value } },
              },
            ],
          },
        ],
        'role-v',
      );
    expect(() => withValue('2012-10-17', v('aws:PrincipalAccount'))).not.toThrow();
    expect(() => withValue('2012-10-17', v('aws:NoSuchKey'))).toThrow(
      /role-v: statement V: StringEquals a:b: unknown policy variable \$\{aws:NoSuchKey\}/,
    );
    expect(() => withValue(undefined, v('aws:PrincipalAccount'))).toThrow(/need Version 2012-10-17/);
    expect(() => withValue('2012-10-17', v('aws:PrincipalAccount'), 'NumericEquals')).toThrow(
      /only served in string and ARN conditions/,
    );
    expect(() => withValue('2012-10-17', `a${v('*')}b`, 'StringLike')).toThrow(/not served in a Like match/);
  });
});
