/**
 * Ec2QueryProtocol (the fast XML parser) against the SDK's default EC2 protocol, over every kind of response
 * the local endpoint produces. Two endpoints start from the same seed and clock and receive the same calls,
 * one from a client built by `createEc2ClientFrom`, one from a plain `EC2Client`: their answers are the same
 * documents (only the request id differs), so the two outputs and errors must be equal.
 */
import {
  CreateInterruptibleCapacityReservationAllocationCommand,
  CreateTagsCommand,
  DeleteTagsCommand,
  DescribeCapacityReservationsCommand,
  EC2Client,
  UpdateInterruptibleCapacityReservationAllocationCommand,
} from '@aws-sdk/client-ec2';
import { AwsEc2QueryProtocol, XmlShapeDeserializer } from '@aws-sdk/core/protocols';
import { ec2ErrorXml, handleEc2, parseForm } from '@odcr-reclaimer/local-aws/ec2.ts';
import type { SeedState } from '@odcr-reclaimer/local-aws/server.ts';
import { beforeAll, describe, expect, it } from 'vitest';
import { createEc2ClientFrom } from '#shared/gateways/ec2-capacity.ts';
import { Ec2QueryProtocol, parseAwsQueryXml } from '#shared/gateways/ec2-query-protocol.ts';
import { MANAGED_TAG_VALUE, TAG } from '#shared/records/tag-keys.ts';
import { localSdkConfig } from '../../support/local-service.ts';
import { smallReservation, useTestEndpoint } from '../local-aws/helpers.ts';

const LENDER = 'cr-00000000000000f01';
const NEVER_LENT = 'cr-00000000000000f02';
const UNKNOWN = 'cr-00000000000000fff';
/** Tag values that the endpoint must escape, and some the parser must decode or keep as they are. */
const AWKWARD_TAGS = {
  [TAG.managed]: MANAGED_TAG_VALUE,
  Name: `a&b <c> "d" 'e' &amp; &#65;`,
  unicode: 'é 日本 🦄',
  spaced: '  padded  ',
};
const SEED: SeedState = {
  now: '2026-03-02T15:00:00.000Z',
  reservations: [
    smallReservation(10, { id: LENDER, ownerRunning: 4, tags: AWKWARD_TAGS }),
    {
      id: NEVER_LENT,
      instanceType: 'r7i.4xlarge',
      availabilityZone: 'us-east-1b',
      totalInstanceCount: 3,
      tags: { [TAG.managed]: MANAGED_TAG_VALUE },
      interruptible: { instanceCount: 1, borrowed: 1 },
    },
  ],
};

// The same seed and simulation seed on both, so they answer the same calls alike.
const ENDPOINT = { seed: SEED, settings: { seed: 'ec2-query-protocol' } };
const fastEndpoint = useTestEndpoint(ENDPOINT);
const sdkEndpoint = useTestEndpoint(ENDPOINT);
let fastClient: EC2Client;
let sdkClient: EC2Client;

beforeAll(() => {
  fastClient = fastEndpoint().track(createEc2ClientFrom(localSdkConfig(fastEndpoint().aws.url, 1)));
  sdkClient = sdkEndpoint().track(new EC2Client(localSdkConfig(sdkEndpoint().aws.url, 1)));
});

/** One EC2 call, made the same way through either client. */
type Ec2Call = (client: EC2Client) => Promise<{ $metadata: object }>;

/** An output or an error, with the one field the two endpoints answer differently (the request id) left out. */
async function outcomeOf(client: EC2Client, call: Ec2Call): Promise<Record<string, unknown>> {
  try {
    const { $metadata, ...output } = await call(client);
    return { output, metadata: { ...$metadata, requestId: undefined } };
  } catch (error: unknown) {
    if (!(error instanceof Error)) return { thrown: error };
    const { $metadata, ...fields } = error as Error & { $metadata?: object };
    return {
      name: error.name,
      message: error.message,
      fields,
      metadata: { ...$metadata, requestId: undefined },
    };
  }
}

/** Makes `call` on both endpoints, through the fast and the SDK protocol, and answers both outcomes. */
async function bothOutcomes(call: Ec2Call) {
  const fast = await outcomeOf(fastClient, call);
  const sdk = await outcomeOf(sdkClient, call);
  return { fast, sdk };
}

describe('createEc2ClientFrom', () => {
  it('builds clients on Ec2QueryProtocol, a subclass of the SDK protocol', () => {
    expect(fastClient.config.protocol).toBeInstanceOf(Ec2QueryProtocol);
    expect(fastClient.config.protocol).toBeInstanceOf(AwsEc2QueryProtocol);
    expect(sdkClient.config.protocol).not.toBeInstanceOf(Ec2QueryProtocol);
    // One copy of @aws-sdk/core: the EC2 client's own protocol class is the one Ec2QueryProtocol extends (an
    // upgrade of client-ec2 that nested a second copy would make the subclass extend the wrong class).
    expect(sdkClient.config.protocol).toBeInstanceOf(AwsEc2QueryProtocol);
  });
});

describe('Ec2QueryProtocol against the SDK protocol on the local endpoint', () => {
  it('gives the same output for every EC2 call the service makes, in order', async () => {
    const calls: [string, Ec2Call][] = [
      ['describe all', (client) => client.send(new DescribeCapacityReservationsCommand({}))],
      [
        'describe managed sources',
        (client) =>
          client.send(
            new DescribeCapacityReservationsCommand({
              Filters: [
                { Name: `tag:${TAG.managed}`, Values: [MANAGED_TAG_VALUE] },
                { Name: 'interruptible', Values: ['false'] },
              ],
              MaxResults: 1000,
            }),
          ),
      ],
      [
        'create allocation',
        (client) =>
          client.send(
            new CreateInterruptibleCapacityReservationAllocationCommand({
              CapacityReservationId: LENDER,
              InstanceCount: 3,
              ClientToken: 'fast-xml-create',
              TagSpecifications: [
                {
                  ResourceType: 'capacity-reservation',
                  Tags: [{ Key: TAG.managed, Value: MANAGED_TAG_VALUE }],
                },
              ],
            }),
          ),
      ],
      [
        'update allocation',
        (client) =>
          client.send(
            new UpdateInterruptibleCapacityReservationAllocationCommand({
              CapacityReservationId: LENDER,
              TargetInstanceCount: 1,
            }),
          ),
      ],
      [
        'tag with characters needing escapes',
        (client) =>
          client.send(
            new CreateTagsCommand({
              Resources: [LENDER, NEVER_LENT],
              Tags: [{ Key: 'note<&>', Value: `"quoted" & 'apostrophes' <tag/>` }],
            }),
          ),
      ],
      [
        'untag',
        (client) =>
          client.send(new DeleteTagsCommand({ Resources: [NEVER_LENT], Tags: [{ Key: 'note<&>' }] })),
      ],
      [
        'describe by id after the changes',
        (client) =>
          client.send(
            new DescribeCapacityReservationsCommand({ CapacityReservationIds: [LENDER, NEVER_LENT] }),
          ),
      ],
      [
        'describe everything after the changes',
        (client) => client.send(new DescribeCapacityReservationsCommand({})),
      ],
    ];
    for (const [what, call] of calls) {
      const { fast, sdk } = await bothOutcomes(call);

      expect(fast, what).toEqual(sdk);
      expect(fast, what).toHaveProperty('output');
    }
    const { fast } = await bothOutcomes((client) =>
      client.send(new DescribeCapacityReservationsCommand({ CapacityReservationIds: [LENDER] })),
    );
    expect(fast).toMatchObject({
      output: {
        CapacityReservations: [{ Tags: expect.arrayContaining([{ Key: 'Name', Value: AWKWARD_TAGS.Name }]) }],
      },
    });
  });

  it('raises the same error, name and message, for EC2 refusals and dry runs', async () => {
    const refusals: [string, Ec2Call, string][] = [
      [
        'unknown id',
        (client) =>
          client.send(new DescribeCapacityReservationsCommand({ CapacityReservationIds: [UNKNOWN] })),
        'InvalidCapacityReservationId.NotFound',
      ],
      [
        'dry run',
        (client) =>
          client.send(
            new CreateInterruptibleCapacityReservationAllocationCommand({
              CapacityReservationId: NEVER_LENT,
              InstanceCount: 1,
              DryRun: true,
            }),
          ),
        'DryRunOperation',
      ],
      [
        'unknown id to update',
        (client) =>
          client.send(
            new UpdateInterruptibleCapacityReservationAllocationCommand({
              CapacityReservationId: UNKNOWN,
              TargetInstanceCount: 0,
            }),
          ),
        'InvalidCapacityReservationId.NotFound',
      ],
      [
        'second allocation',
        (client) =>
          client.send(
            new CreateInterruptibleCapacityReservationAllocationCommand({
              CapacityReservationId: NEVER_LENT,
              InstanceCount: 1,
            }),
          ),
        'IncorrectState',
      ],
    ];
    for (const [what, call, code] of refusals) {
      const { fast, sdk } = await bothOutcomes(call);

      expect(fast, what).toEqual(sdk);
      expect(fast, what).toMatchObject({ name: code });
    }
  });

  it('reads the endpoint documents itself, without handing them to the SDK parser', () => {
    const world = fastEndpoint().aws.admin;
    const documents = [
      handleEc2(world, 'DescribeCapacityReservations', parseForm(''), 'us-east-1', 'request-1'),
      handleEc2(
        world,
        'UpdateInterruptibleCapacityReservationAllocation',
        parseForm(`CapacityReservationId=${LENDER}&TargetInstanceCount=1`),
        'us-east-1',
        'request-2',
      ),
      handleEc2(
        world,
        'CreateTags',
        parseForm(`ResourceId.1=${LENDER}&Tag.1.Key=k&Tag.1.Value=${encodeURIComponent('<&>')}`),
        'us-east-1',
        'request-3',
      ),
      ec2ErrorXml(
        'InvalidCapacityReservationId.NotFound',
        `The id '${UNKNOWN}' <does not> exist & more`,
        'r-4',
      ),
    ];
    const sdkParser = new (class extends XmlShapeDeserializer {
      parse(xml: string): unknown {
        return this.parseXml(xml);
      }
    })({ timestampFormat: { useTrait: true, default: 5 }, xmlNamespace: '', serviceNamespace: '' });
    for (const xml of documents) {
      const parsed = parseAwsQueryXml(xml);

      expect(parsed, xml).toBeDefined();
      expect(parsed, xml).toEqual(sdkParser.parse(xml));
    }
  });
});
