import {
  type AuthorizationCheck,
  evaluate,
  type PolicyStatement,
} from '@odcr-reclaimer/local-aws/iam-policy.ts';
import { describe, expect, it } from 'vitest';
import { SHARING_ROLES, sharingResources, sharingStatements } from '#infra/iam/sharing-policy.ts';
import { hubRolePrefix, spokeTemplate } from '#infra/spoke/spoke-template.ts';
import { parseConfig } from '#shared/config/schema.ts';

const SHARES = 'arn:aws:ram:us-east-1:123456789012:resource-share/*';
const SHARE = 'arn:aws:ram:us-east-1:123456789012:resource-share/abc';
const statements = sharingStatements(SHARES) as unknown as PolicyStatement[];
const allowed = (check: AuthorizationCheck) => evaluate(statements, check).allowed;

const createContext = {
  'aws:RequestTag/odcr-reclaimer:managed': 'true',
  'aws:TagKeys': ['odcr-reclaimer:managed', 'odcr-reclaimer:source-reservation'],
  'ram:RequestedResourceType': 'ec2:CapacityReservation',
  'ram:RequestedAllowsExternalPrincipals': 'false',
};

describe('the sharing grant', () => {
  it('creates only in-organization shares of capacity reservations, tagged as the service’s', () => {
    expect(allowed({ action: 'ram:CreateResourceShare', resource: SHARE, context: createContext })).toBe(
      true,
    );
    for (const wrong of [
      { 'ram:RequestedAllowsExternalPrincipals': 'true' },
      { 'ram:RequestedResourceType': 'ec2:Subnet' },
      { 'aws:TagKeys': ['odcr-reclaimer:managed', 'team'] },
      { 'aws:RequestTag/odcr-reclaimer:managed': undefined },
    ])
      expect(
        allowed({
          action: 'ram:CreateResourceShare',
          resource: SHARE,
          context: { ...createContext, ...wrong },
        }),
      ).toBe(false);
  });

  it("changes only the service's shares, and never shares another resource type", () => {
    const managed = { 'aws:ResourceTag/odcr-reclaimer:managed': 'true' };
    expect(allowed({ action: 'ram:AssociateResourceShare', resource: SHARE, context: managed })).toBe(true);
    expect(
      allowed({
        action: 'ram:DisassociateResourceShare',
        resource: SHARE,
        context: { ...managed, 'ram:RequestedResourceType': 'ec2:CapacityReservation' },
      }),
    ).toBe(true);
    expect(allowed({ action: 'ram:AssociateResourceShare', resource: SHARE, context: {} })).toBe(false);
    expect(
      allowed({
        action: 'ram:AssociateResourceShare',
        resource: SHARE,
        context: { ...managed, 'ram:RequestedResourceType': 'ec2:Subnet' },
      }),
    ).toBe(false);
    expect(
      allowed({
        action: 'ram:AssociateResourceShare',
        resource: 'arn:aws:ram:us-east-1:999999999999:resource-share/x',
        context: managed,
      }),
    ).toBe(false);
    expect(allowed({ action: 'ram:DeleteResourceShare', resource: SHARE, context: managed })).toBe(false);
  });

  it("is on the hub's reconcile roles only when the config lends to borrowers, in its regions", () => {
    const base = {
      reservations: [
        { id: 'cr-0123456789abcdef0', name: 'a', market: 'XNYS', tradingNeed: 'all', offHoursNeed: 0 },
      ],
    };
    expect(sharingResources(parseConfig(base), ['us-east-1'])).toEqual({ Resources: {} });
    const lent = parseConfig({
      reservations: [{ ...base.reservations[0], borrowers: { accounts: ['555555555555'] } }],
    });
    const granted = sharingResources(lent, ['us-east-1', 'eu-west-2']);
    const policy = granted.Resources.SharingPolicy as {
      Properties: { Roles: { Ref: string }[]; PolicyDocument: { Statement: { Resource: unknown }[] } };
    };
    expect(policy.Properties.Roles.map((role) => role.Ref)).toEqual([...SHARING_ROLES]);
    expect(JSON.stringify(policy.Properties.PolicyDocument)).toContain(
      `:ram:eu-west-2:\${AWS::AccountId}:resource-share/*`,
    );
  });

  it('is on every spoke role, for its own account', () => {
    const template = spokeTemplate({ hubRolePrefix: hubRolePrefix('dev', 'us-east-1') });
    const policies = template.Resources.SpokeRole?.Properties?.Policies as {
      PolicyName: string;
      PolicyDocument: unknown;
    }[];
    const sharing = policies.find((policy) => policy.PolicyName === 'share-with-borrowers');
    expect(sharing?.PolicyDocument).toEqual({
      Version: '2012-10-17',
      Statement: sharingStatements({
        'Fn::Sub': `arn:\${AWS::Partition}:ram:*:\${AWS::AccountId}:resource-share/*`,
      }),
    });
  });
});
