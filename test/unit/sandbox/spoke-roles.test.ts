import { describe, expect, it } from 'vitest';
import { spokeRoleSeed } from '#sandbox/spoke-roles.ts';

const stack = {
  accountId: '333333333333',
  hubAccountId: '123456789012',
  hubStage: 'dev',
  hubRegion: 'us-east-1',
};

describe('the spoke role read from the spoke template', () => {
  it("trusts only the hub's function roles, and asks for the external id only when the stack has one", () => {
    const plain = spokeRoleSeed(stack);
    expect(plain).toMatchObject({
      accountId: '333333333333',
      name: 'odcr-reclaimer-spoke',
      maxSessionDuration: 3600,
    });
    expect(plain.trustPolicy).toEqual({
      Version: '2012-10-17',
      Statement: [
        {
          Sid: 'HubFunctionRolesOnly',
          Effect: 'Allow',
          Principal: { AWS: 'arn:aws:iam::123456789012:root' },
          Action: 'sts:AssumeRole',
          Condition: {
            ArnLike: { 'aws:PrincipalArn': 'arn:aws:iam::123456789012:role/odcr-reclaimer-dev-us-east-1-*' },
          },
        },
      ],
    });
    const withId = spokeRoleSeed({ ...stack, externalId: 'the-id', roleName: 'other-name' });
    expect(withId.name).toBe('other-name');
    expect(JSON.stringify(withId.trustPolicy)).toContain('"StringEquals":{"sts:ExternalId":"the-id"}');
  });

  it("grants the spoke's own reservations and shares, resolved to its account", () => {
    const policies = JSON.stringify(spokeRoleSeed(stack).policies);
    expect(policies).toContain('arn:aws:ec2:*:333333333333:capacity-reservation/*');
    expect(policies).toContain('arn:aws:ram:*:333333333333:resource-share/*');
    expect(policies).not.toContain('${');
  });
});
