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
    expect(
      evaluate(statements, check('ec2:UpdateInterruptibleCapacityReservationAllocation', CR)).allowed,
    ).toBe(true);
    expect(evaluate(statements, check('ec2:CreateTags', CR))).toMatchObject({
      allowed: false,
      reason: 'implicit-deny',
    });
    const otherRegion = CR.replace('us-east-1', 'eu-west-2');
    expect(
      evaluate(statements, check('ec2:UpdateInterruptibleCapacityReservationAllocation', otherRegion))
        .allowed,
    ).toBe(false);
  });

  it('matches actions case-insensitively with wildcards, resources case-sensitively', () => {
    const statements = [
      allow({ Action: 'EC2:Describe*', Resource: '*' }),
      allow({ Action: 'events:PutEvents', Resource: 'arn:aws:events:us-east-1:1:event-bus/Bus' }),
    ];
    expect(evaluate(statements, check('ec2:DescribeCapacityReservations', '*')).allowed).toBe(true);
    expect(
      evaluate(statements, check('events:PutEvents', 'arn:aws:events:us-east-1:1:event-bus/bus')).allowed,
    ).toBe(false);
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
    expect(evaluate(statements, check('ec2:CreateTags', CR)).allowed).toBe(true);
  });

  it('NotAction and NotResource exclude what they name', () => {
    const statements = [allow({ NotAction: 'ec2:DeleteTags', NotResource: 'arn:aws:ec2:*:*:instance/*' })];
    expect(evaluate(statements, check('ec2:CreateTags', CR)).allowed).toBe(true);
    expect(evaluate(statements, check('ec2:DeleteTags', CR)).allowed).toBe(false);
    expect(
      evaluate(statements, check('ec2:CreateTags', 'arn:aws:ec2:us-east-1:1:instance/i-1')).allowed,
    ).toBe(false);
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
    evaluate([managedOnly], check('ec2:UpdateInterruptibleCapacityReservationAllocation', CR, context))
      .allowed;

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
    expect(
      evaluate([recordTags], check('ec2:DeleteTags', CR, { 'aws:TagKeys': ['odcr-reclaimer:override'] }))
        .allowed,
    ).toBe(true);
    expect(
      evaluate(
        [recordTags],
        check('ec2:DeleteTags', CR, { 'aws:TagKeys': ['odcr-reclaimer:override', 'Name'] }),
      ).allowed,
    ).toBe(false);
    expect(
      evaluate([recordTags], check('ec2:DeleteTags', CR, { 'aws:TagKeys': ['odcr-reclaimer:managed'] }))
        .allowed,
    ).toBe(false);
  });

  it('an empty key list passes ForAllValues alone, but not with the Null check', () => {
    const withoutNull = allow({
      ...recordTags,
      Condition: { 'ForAllValues:StringLike': { 'aws:TagKeys': ['odcr-reclaimer:*'] } },
    });
    expect(evaluate([withoutNull], check('ec2:DeleteTags', CR, {})).allowed).toBe(true);
    expect(evaluate([recordTags], check('ec2:DeleteTags', CR, {})).allowed).toBe(false);
    expect(evaluate([recordTags], check('ec2:DeleteTags', CR, { 'aws:TagKeys': [] })).allowed).toBe(false);
  });

  it('ForAnyValue needs one match and fails on a missing key', () => {
    const any = allow({
      Action: 'ec2:CreateTags',
      Resource: '*',
      Condition: { 'ForAnyValue:StringEquals': { 'aws:TagKeys': 'a' } },
    });
    expect(evaluate([any], check('ec2:CreateTags', CR, { 'aws:TagKeys': ['b', 'a'] })).allowed).toBe(true);
    expect(evaluate([any], check('ec2:CreateTags', CR, { 'aws:TagKeys': ['b'] })).allowed).toBe(false);
    expect(evaluate([any], check('ec2:CreateTags', CR, {})).allowed).toBe(false);
  });

  it('negated operators hold on a missing key; IfExists makes positive ones hold too', () => {
    const notEquals = allow({ Action: 'x:Y', Resource: '*', Condition: { StringNotEquals: { 'k:v': 'a' } } });
    expect(evaluate([notEquals], check('x:Y', '*', {})).allowed).toBe(true);
    expect(evaluate([notEquals], check('x:Y', '*', { 'k:v': 'a' })).allowed).toBe(false);
    const ifExists = allow({
      Action: 'x:Y',
      Resource: '*',
      Condition: { StringEqualsIfExists: { 'k:v': 'a' } },
    });
    expect(evaluate([ifExists], check('x:Y', '*', {})).allowed).toBe(true);
    expect(evaluate([ifExists], check('x:Y', '*', { 'k:v': 'b' })).allowed).toBe(false);
  });

  it('ArnLike compares ARN parts with wildcards; StringLike and numbers and Bool work as IAM', () => {
    const arn = allow({
      Action: 'x:Y',
      Resource: '*',
      Condition: {
        ArnLike: { 'ec2:SourceCapacityReservationId': 'arn:aws:ec2:*:123456789012:capacity-reservation/*' },
      },
    });
    expect(evaluate([arn], check('x:Y', '*', { 'ec2:SourceCapacityReservationId': CR })).allowed).toBe(true);
    expect(
      evaluate(
        [arn],
        check('x:Y', '*', { 'ec2:SourceCapacityReservationId': CR.replace('123456789012', '999999999999') }),
      ).allowed,
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
      evaluate(
        [numeric],
        check('x:Y', '*', { 'ec2:TargetInstanceCount': '60', 'aws:SecureTransport': 'true' }),
      ).allowed,
    ).toBe(true);
    expect(
      evaluate(
        [numeric],
        check('x:Y', '*', { 'ec2:TargetInstanceCount': '61', 'aws:SecureTransport': 'true' }),
      ).allowed,
    ).toBe(false);
  });

  it('every operator and every key of a statement must hold; values of one key are alternatives', () => {
    const both = allow({
      Action: 'ec2:CreateTags',
      Resource: '*',
      Condition: { StringEquals: { 'ec2:CreateAction': ['CreateA', 'CreateB'], 'aws:RequestTag/m': 'true' } },
    });
    expect(
      evaluate(
        [both],
        check('ec2:CreateTags', CR, { 'ec2:CreateAction': 'CreateB', 'aws:RequestTag/m': 'true' }),
      ).allowed,
    ).toBe(true);
    expect(evaluate([both], check('ec2:CreateTags', CR, { 'ec2:CreateAction': 'CreateB' })).allowed).toBe(
      false,
    );
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
      evaluate(
        [sameAccountRules],
        check('events:PutRule', rule, {
          'aws:PrincipalAccount': '222222222222',
          'events:creatorAccount': creator,
        }),
      ).allowed;
    expect(asCaller('222222222222')).toBe(true);
    expect(asCaller('333333333333')).toBe(false);
  });

  it('substitutes in Resource, with a default when the key is absent', () => {
    const own = allow({
      Action: 'events:PutEvents',
      Resource: `arn:aws:events:*:${v('aws:PrincipalAccount')}:event-bus/*`,
    });
    const bus = 'arn:aws:events:us-east-1:222222222222:event-bus/default';
    expect(
      evaluate([own], check('events:PutEvents', bus, { 'aws:PrincipalAccount': '222222222222' })).allowed,
    ).toBe(true);
    expect(
      evaluate([own], check('events:PutEvents', bus, { 'aws:PrincipalAccount': '333333333333' })).allowed,
    ).toBe(false);
    const org = allow({
      Action: 'events:PutEvents',
      Resource: '*',
      Condition: { StringEquals: { 'aws:ResourceTag/org': v("aws:PrincipalOrgID, 'none'") } },
    });
    expect(evaluate([org], check('events:PutEvents', bus, { 'aws:ResourceTag/org': 'none' })).allowed).toBe(
      true,
    );
    expect(
      evaluate(
        [org],
        check('events:PutEvents', bus, { 'aws:ResourceTag/org': 'none', 'aws:PrincipalOrgID': 'o-1' }),
      ).allowed,
    ).toBe(false);
  });

  it('fails closed on a variable without a value: an Allow does not apply, a Deny does', () => {
    const inOrg = allow({
      Action: 'events:PutEvents',
      Resource: '*',
      Condition: { StringNotEquals: { 'aws:ResourceTag/org': v('aws:PrincipalOrgID') } },
    });
    expect(evaluate([inOrg], check('events:PutEvents', '*', { 'aws:ResourceTag/org': 'o-1' })).allowed).toBe(
      false,
    );
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
