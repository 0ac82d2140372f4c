import { describe, expect, it } from 'vitest';
import { type ClientScope, type ClientSettings, createGateways } from '#shared/runtime/gateways.ts';
import { SERVICE_NAMES } from '../../support/local-service.ts';

/** Settings of clients that never reach a network: each request fails at once. */
function offlineSettings(scope: ClientScope): ClientSettings {
  return {
    region: scope.region ?? 'us-east-1',
    credentials: { accessKeyId: 'AKIDTEST', secretAccessKey: 'test-secret' },
    maxAttempts: 1,
    requestHandler: {
      handle: async () => {
        throw new Error('offline');
      },
    },
  };
}

describe('createGateways', () => {
  it('builds an EC2 client on the first call of its route, and only once for the container', async () => {
    const scopes: ClientScope[] = [];
    const gateways = createGateways({
      names: SERVICE_NAMES,
      regions: ['eu-west-1'],
      clientSettings: (scope) => {
        scopes.push(scope);
        return offlineSettings(scope);
      },
    });
    expect(scopes).not.toContainEqual({ region: 'eu-west-1' });

    await expect(gateways.capacity.untag('cr-0123456789abcdef0', ['a'])).rejects.toThrow();
    await expect(gateways.capacity.untag('cr-0123456789abcdef0', ['b'])).rejects.toThrow();

    expect(scopes.filter((scope) => scope.region === 'eu-west-1')).toHaveLength(1);
  });

  it("names each spoke role's session after the service it runs as", async () => {
    const sent: string[] = [];
    const gateways = createGateways({
      names: { ...SERVICE_NAMES, serviceName: 'reclaimer-under-test' },
      accounts: [{ id: '333333333333', role: 'odcr-reclaimer-spoke' }],
      clientSettings: (scope) => ({
        ...offlineSettings(scope),
        requestHandler: {
          handle: async (request: { body?: unknown }) => {
            sent.push(String(request.body));
            throw new Error('offline');
          },
        },
      }),
    });

    const spokeSharing = gateways.sharing?.({ accountId: '333333333333', region: 'us-east-1' });
    await expect(spokeSharing?.describeShares()).rejects.toThrow();

    const assumeRole = sent.find((body) => body.includes('Action=AssumeRole'));
    expect(new URLSearchParams(assumeRole).get('RoleSessionName')).toBe('reclaimer-under-test');
  });
});
