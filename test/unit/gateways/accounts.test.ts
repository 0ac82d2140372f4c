import type { STSClient } from '@aws-sdk/client-sts';
import { describe, expect, it } from 'vitest';
import { parseConfig } from '#shared/config/schema.ts';
import { spokeAccesses } from '#shared/gateways/accounts.ts';
import { assumeRoleCredentials } from '#shared/gateways/assume-role.ts';

const base = {
  reservations: [
    { id: 'cr-0123456789abcdef0', name: 'a', market: 'XNYS', tradingNeed: 'all', offHoursNeed: 0 },
  ],
};

/** An STS client that answers AssumeRole with credentials valid for `lifetimeMs`, counting the calls. */
function fakeSts(now: () => number, lifetimeMs: number) {
  const inputs: unknown[] = [];
  const client = {
    send: async (command: { input: unknown }) => {
      inputs.push(command.input);
      await new Promise((resolve) => setTimeout(resolve, 1));
      return {
        Credentials: {
          AccessKeyId: `ASIA${inputs.length}`,
          SecretAccessKey: 'secret',
          SessionToken: 'token',
          Expiration: new Date(now() + lifetimeMs),
        },
      };
    },
  };
  return { client: client as unknown as STSClient, inputs };
}

describe('assumeRoleCredentials', () => {
  it('assumes once for many callers, with the external id, and again only near expiry', async () => {
    let clock = Date.parse('2026-03-09T12:00:00Z');
    const now = () => clock;
    const sts = fakeSts(now, 3_600_000);
    const provider = assumeRoleCredentials(
      () => sts.client,
      { roleArn: 'arn:aws:iam::333333333333:role/odcr-reclaimer-spoke', externalId: 'odcr-hub' },
      'odcr-reclaimer',
      now,
    );
    const [first, second] = await Promise.all([provider(), provider()]);
    expect(first.accessKeyId).toBe('ASIA1');
    expect(second.accessKeyId).toBe('ASIA1');
    expect(sts.inputs).toEqual([
      {
        RoleArn: 'arn:aws:iam::333333333333:role/odcr-reclaimer-spoke',
        RoleSessionName: 'odcr-reclaimer',
        ExternalId: 'odcr-hub',
      },
    ]);
    clock += 50 * 60_000;
    expect((await provider()).accessKeyId).toBe('ASIA1');
    clock += 6 * 60_000;
    expect((await provider()).accessKeyId).toBe('ASIA2');
  });

  it('names sts:AssumeRole when the spoke refuses', async () => {
    const client = {
      send: async () => {
        throw Object.assign(new Error('not authorized to perform sts:AssumeRole'), {
          name: 'AccessDenied',
          $metadata: { httpStatusCode: 403 },
        });
      },
    } as unknown as STSClient;
    const provider = assumeRoleCredentials(
      () => client,
      { roleArn: 'arn:aws:iam::333333333333:role/x' },
      's',
    );
    await expect(provider()).rejects.toThrow(/sts:AssumeRole failed: AccessDenied/);
  });
});

describe('config: accounts', () => {
  it('gives each spoke its role ARN, external id and regions (the config-wide ones when it names none)', () => {
    const config = parseConfig({
      ...base,
      regions: ['us-east-1', 'eu-west-2'],
      accounts: [
        { id: '333333333333', role: 'odcr-reclaimer-spoke', externalId: 'odcr-hub' },
        {
          id: '444444444444',
          role: 'arn:aws:iam::444444444444:role/ops/reclaimer',
          regions: ['ap-northeast-1'],
        },
      ],
    });
    expect(spokeAccesses(config)).toEqual([
      {
        accountId: '333333333333',
        roleArn: 'arn:aws:iam::333333333333:role/odcr-reclaimer-spoke',
        externalId: 'odcr-hub',
        regions: ['us-east-1', 'eu-west-2'],
      },
      {
        accountId: '444444444444',
        roleArn: 'arn:aws:iam::444444444444:role/ops/reclaimer',
        regions: ['ap-northeast-1'],
      },
    ]);
  });

  it('names the field of a bad id, a role of another account, or an account listed twice', () => {
    expect(() => parseConfig({ ...base, accounts: [{ id: '3333', role: 'r' }] })).toThrow(
      /accounts\[0\]\.id/,
    );
    expect(() =>
      parseConfig({ ...base, accounts: [{ id: '333333333333', role: 'arn:aws:iam::444444444444:role/r' }] }),
    ).toThrow(/accounts\[0\]\.role: expected a role of account 333333333333/);
    expect(() =>
      parseConfig({
        ...base,
        accounts: [
          { id: '333333333333', role: 'r' },
          { id: '333333333333', role: 's' },
        ],
      }),
    ).toThrow(/accounts: expected each account once/);
  });
});
