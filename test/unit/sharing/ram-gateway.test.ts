import { RAMClient } from '@aws-sdk/client-ram';
import { describe, expect, it } from 'vitest';
import { AwsCallError } from '#shared/errors/index.ts';
import { RamSharingGateway, SHARE_SOURCE_TAG } from '#shared/gateways/ram.ts';
import { sharingGateways } from '#shared/gateways/sharing.ts';

interface Sent {
  command: string;
  input: Record<string, unknown>;
}

/** A RAM client whose `send` answers from `answer` and records each command: no network. */
function fakeClient(answer: (sent: Sent) => unknown): { client: RAMClient; sent: Sent[] } {
  const client = new RAMClient({
    region: 'us-east-1',
    credentials: { accessKeyId: 'a', secretAccessKey: 'b' },
  });
  const sent: Sent[] = [];
  const send = async (command: { constructor: { name: string }; input: Record<string, unknown> }) => {
    const entry = { command: command.constructor.name.replace(/Command$/, ''), input: command.input };
    sent.push(entry);
    return answer(entry);
  };
  Object.assign(client, { send });
  return { client, sent };
}

const SHARE = 'arn:aws:ram:us-east-1:123456789012:resource-share/share-1';
const OTHER = 'arn:aws:ram:us-east-1:123456789012:resource-share/share-2';

describe('the RAM gateway', () => {
  it("reads the service's shares with the associations that hold, page by page", async () => {
    const { client, sent } = fakeClient(({ command, input }) => {
      if (command === 'GetResourceShares')
        return input.nextToken === undefined
          ? {
              resourceShares: [
                {
                  resourceShareArn: SHARE,
                  tags: [
                    { key: 'odcr-reclaimer:managed', value: 'true' },
                    { key: SHARE_SOURCE_TAG, value: 'cr-1' },
                  ],
                },
              ],
              nextToken: 'page-2',
            }
          : {
              // A share without the source tag is not the service's: left alone.
              resourceShares: [
                { resourceShareArn: OTHER, tags: [{ key: 'odcr-reclaimer:managed', value: 'true' }] },
              ],
            };
      if (input.associationType === 'PRINCIPAL')
        return {
          resourceShareAssociations: [
            { resourceShareArn: SHARE, associatedEntity: '111111111111', status: 'ASSOCIATED' },
            { resourceShareArn: SHARE, associatedEntity: '222222222222', status: 'ASSOCIATING' },
            { resourceShareArn: SHARE, associatedEntity: '333333333333', status: 'DISASSOCIATED' },
            { resourceShareArn: SHARE, associatedEntity: '444444444444', status: 'FAILED' },
          ],
        };
      return {
        resourceShareAssociations: [
          {
            resourceShareArn: SHARE,
            associatedEntity: 'arn:aws:ec2:us-east-1:1:capacity-reservation/cr-2',
            status: 'ASSOCIATED',
          },
        ],
      };
    });
    const shares = await new RamSharingGateway({ client }).describeShares();
    expect(shares).toEqual([
      {
        shareArn: SHARE,
        sourceReservationId: 'cr-1',
        principals: ['111111111111', '222222222222'],
        resourceArns: ['arn:aws:ec2:us-east-1:1:capacity-reservation/cr-2'],
      },
    ]);
    const first = sent.find((entry) => entry.command === 'GetResourceShares');
    expect(first?.input).toMatchObject({
      resourceOwner: 'SELF',
      resourceShareStatus: 'ACTIVE',
      tagFilters: [{ tagKey: 'odcr-reclaimer:managed', tagValues: ['true'] }],
    });
    expect(
      sent.filter((entry) => entry.command === 'GetResourceShareAssociations').map((entry) => entry.input),
    ).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ associationType: 'PRINCIPAL', resourceShareArns: [SHARE] }),
        expect.objectContaining({ associationType: 'RESOURCE', resourceShareArns: [SHARE] }),
      ]),
    );
  });

  it('creates a share inside the organization only, tagged so it is found again', async () => {
    const { client, sent } = fakeClient(() => ({ resourceShare: { resourceShareArn: SHARE } }));
    const arn = await new RamSharingGateway({ client }).createShare({
      sourceReservationId: 'cr-1',
      principals: ['111111111111'],
      resourceArns: ['arn:aws:ec2:us-east-1:1:capacity-reservation/cr-2'],
    });
    expect(arn).toBe(SHARE);
    expect(sent[0]).toEqual({
      command: 'CreateResourceShare',
      input: {
        name: 'odcr-reclaimer-cr-1',
        principals: ['111111111111'],
        resourceArns: ['arn:aws:ec2:us-east-1:1:capacity-reservation/cr-2'],
        allowExternalPrincipals: false,
        tags: [
          { key: 'odcr-reclaimer:managed', value: 'true' },
          { key: SHARE_SOURCE_TAG, value: 'cr-1' },
        ],
      },
    });
  });

  it('sends only the lists it has, and nothing for nothing', async () => {
    const { client, sent } = fakeClient(() => ({}));
    const gateway = new RamSharingGateway({ client });
    await gateway.associate(SHARE, { principals: [], resourceArns: [] });
    await gateway.associate(SHARE, { principals: ['1'], resourceArns: [] });
    await gateway.disassociate(SHARE, { principals: [], resourceArns: ['arn:x'] });
    expect(sent).toEqual([
      { command: 'AssociateResourceShare', input: { resourceShareArn: SHARE, principals: ['1'] } },
      { command: 'DisassociateResourceShare', input: { resourceShareArn: SHARE, resourceArns: ['arn:x'] } },
    ]);
  });

  it("names RAM's refusal as an AwsCallError", async () => {
    const { client } = fakeClient(() => {
      throw Object.assign(new Error('not allowed'), { name: 'AccessDeniedException', $metadata: {} });
    });
    await expect(new RamSharingGateway({ client }).describeShares()).rejects.toMatchObject({
      constructor: AwsCallError,
      service: 'ram',
      action: 'GetResourceShares',
      code: 'AccessDeniedException',
    });
  });

  it('builds one gateway per account and region, once, when it is first called', async () => {
    const scopes: string[] = [];
    const gateways = sharingGateways(async (scope) => {
      scopes.push(`${scope.accountId ?? 'hub'}|${scope.region}`);
      return new RamSharingGateway({ client: fakeClient(() => ({ resourceShares: [] })).client });
    });
    const first = gateways({ region: 'us-east-1' });
    expect(gateways({ region: 'us-east-1' })).toBe(first);
    const spoke = gateways({ accountId: '333333333333', region: 'us-east-1' });
    expect(spoke).not.toBe(first);
    expect(scopes).toEqual([]);
    await Promise.all([first.describeShares(), first.describeShares(), spoke.describeShares()]);
    await gateways({ accountId: '333333333333', region: 'us-east-1' }).describeShares();
    expect(scopes).toEqual(['hub|us-east-1', '333333333333|us-east-1']);
  });

  it('builds a gateway again on the next call after its build failed', async () => {
    let builds = 0;
    const gateway = sharingGateways(async () => {
      builds++;
      if (builds === 1) throw new Error('account 333333333333 is not a spoke of the config');
      return new RamSharingGateway({ client: fakeClient(() => ({ resourceShares: [] })).client });
    })({ region: 'us-east-1' });
    await expect(gateway.describeShares()).rejects.toThrow('not a spoke of the config');
    await expect(gateway.describeShares()).resolves.toEqual([]);
    expect(builds).toBe(2);
  });
});
