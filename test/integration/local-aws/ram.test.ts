import { DescribeCapacityReservationsCommand, EC2Client } from '@aws-sdk/client-ec2';
import {
  AssociateResourceShareCommand,
  CreateResourceShareCommand,
  type CreateResourceShareCommandInput,
  DeleteResourceShareCommand,
  DisassociateResourceShareCommand,
  GetResourceShareAssociationsCommand,
  GetResourceSharesCommand,
  ListPrincipalsCommand,
  ListResourcesCommand,
  RAMClient,
} from '@aws-sdk/client-ram';
import { beforeEach, describe, expect, it } from 'vitest';
import {
  capacityReservationArn,
  HUB_ACCOUNT,
  MEMBER_ACCOUNT,
  ORGANIZATION_ARN,
  ORGANIZATION_ID,
  OUTSIDER_ACCOUNT,
  UNIT_ARN,
  UNIT_ID,
  UNIT_MEMBER_ACCOUNT,
} from '../../support/accounts.ts';
import { accountsIam, asAccount, failureOf, useFreshTestEndpoint } from './helpers.ts';

const SOURCE = 'cr-0aaaaaaaaaaaaaaa1';

const endpoint = useFreshTestEndpoint({
  settings: { accountId: HUB_ACCOUNT },
  seed: {
    reservations: [
      {
        id: SOURCE,
        instanceType: 'm7i.large',
        availabilityZone: 'us-east-1a',
        totalInstanceCount: 10,
        interruptible: { instanceCount: 4 },
      },
    ],
  },
  iam: accountsIam([HUB_ACCOUNT, MEMBER_ACCOUNT, UNIT_MEMBER_ACCOUNT, OUTSIDER_ACCOUNT]),
});
let interruptibleArn: string;

const ram = (account = HUB_ACCOUNT) => endpoint().client(RAMClient, asAccount(account));
const ec2 = (account: string) => endpoint().client(EC2Client, asAccount(account));

async function share(input: Partial<CreateResourceShareCommandInput> = {}) {
  const answer = await ram().send(
    new CreateResourceShareCommand({
      name: 'borrowers',
      resourceArns: [interruptibleArn],
      principals: [MEMBER_ACCOUNT],
      ...input,
    }),
  );
  return answer.resourceShare!;
}

async function visibleIds(account: string): Promise<string[]> {
  const answer = await ec2(account).send(new DescribeCapacityReservationsCommand({}));
  return (answer.CapacityReservations ?? []).map((reservation) => reservation.CapacityReservationId ?? '');
}

beforeEach(async () => {
  await endpoint().admin.setOrganization({
    id: ORGANIZATION_ID,
    managementAccountId: HUB_ACCOUNT,
    accounts: [MEMBER_ACCOUNT],
    units: [{ id: UNIT_ID, accounts: [UNIT_MEMBER_ACCOUNT] }],
  });
  const interruptibleId = (await endpoint().admin.listReservations()).reservations[0]?.allocation
    ?.interruptibleId;
  if (interruptibleId === undefined) throw new Error('the seeded source lends no interruptible reservation');
  interruptibleArn = capacityReservationArn(interruptibleId);
});

describe('RAM resource shares', () => {
  it('shares an interruptible reservation: the borrower describes it with the owner as OwnerId', async () => {
    expect(await visibleIds(MEMBER_ACCOUNT)).toEqual([]);
    const created = await share({ tags: [{ key: 'team', value: 'batch' }] });
    expect(created).toMatchObject({
      name: 'borrowers',
      owningAccountId: HUB_ACCOUNT,
      allowExternalPrincipals: true,
      status: 'ACTIVE',
      tags: [{ key: 'team', value: 'batch' }],
    });
    expect(created.resourceShareArn).toMatch(
      /^arn:aws:ram:us-east-1:123456789012:resource-share\/[0-9a-f-]{36}$/,
    );
    const seen = await ec2(MEMBER_ACCOUNT).send(new DescribeCapacityReservationsCommand({}));
    expect(
      seen.CapacityReservations?.map((reservation) => [
        reservation.CapacityReservationArn,
        reservation.OwnerId,
      ]),
    ).toEqual([[interruptibleArn, HUB_ACCOUNT]]);
    // Not shared with the unit's member, nor outside the organization.
    expect(await visibleIds(UNIT_MEMBER_ACCOUNT)).toEqual([]);
    expect(await visibleIds(OUTSIDER_ACCOUNT)).toEqual([]);
    const associations = await ram().send(
      new GetResourceShareAssociationsCommand({
        associationType: 'PRINCIPAL',
        resourceShareArns: [created.resourceShareArn!],
      }),
    );
    expect(
      associations.resourceShareAssociations?.map((row) => [row.associatedEntity, row.status, row.external]),
    ).toEqual([[MEMBER_ACCOUNT, 'ASSOCIATED', false]]);
    const borrowerView = await ram(MEMBER_ACCOUNT).send(
      new GetResourceSharesCommand({ resourceOwner: 'OTHER-ACCOUNTS' }),
    );
    expect(borrowerView.resourceShares?.map((row) => row.resourceShareArn)).toEqual([
      created.resourceShareArn,
    ]);
    const resources = await ram().send(new ListResourcesCommand({ resourceOwner: 'SELF' }));
    expect(resources.resources?.map((row) => [row.arn, row.type])).toEqual([
      [interruptibleArn, 'ec2:CapacityReservation'],
    ]);
    const principals = await ram().send(
      new ListPrincipalsCommand({ resourceOwner: 'SELF', resourceArn: interruptibleArn }),
    );
    expect(principals.principals?.map((row) => row.id)).toEqual([MEMBER_ACCOUNT]);
  });

  it('shares through an organizational unit and the whole organization', async () => {
    const byUnit = await share({ principals: [UNIT_ARN] });
    expect(await visibleIds(UNIT_MEMBER_ACCOUNT)).toHaveLength(1);
    expect(await visibleIds(MEMBER_ACCOUNT)).toEqual([]);
    await ram().send(
      new AssociateResourceShareCommand({
        resourceShareArn: byUnit.resourceShareArn!,
        principals: [ORGANIZATION_ARN],
      }),
    );
    expect(await visibleIds(MEMBER_ACCOUNT)).toHaveLength(1);
    expect(await visibleIds(OUTSIDER_ACCOUNT)).toEqual([]);
  });

  it('keeps principals in step: associate, disassociate (listed DISASSOCIATED), and refuses what is not associated', async () => {
    const created = await share();
    const arn = created.resourceShareArn!;
    const added = await ram().send(
      new AssociateResourceShareCommand({ resourceShareArn: arn, principals: [OUTSIDER_ACCOUNT] }),
    );
    expect(
      added.resourceShareAssociations?.map((row) => [row.associatedEntity, row.status, row.external]),
    ).toEqual([[OUTSIDER_ACCOUNT, 'ASSOCIATING', true]]);
    expect(await visibleIds(OUTSIDER_ACCOUNT)).toHaveLength(1);
    const removed = await ram().send(
      new DisassociateResourceShareCommand({ resourceShareArn: arn, principals: [MEMBER_ACCOUNT] }),
    );
    expect(removed.resourceShareAssociations?.[0]?.status).toBe('DISASSOCIATING');
    expect(await visibleIds(MEMBER_ACCOUNT)).toEqual([]);
    const rows = await ram().send(new GetResourceShareAssociationsCommand({ associationType: 'PRINCIPAL' }));
    expect(rows.resourceShareAssociations?.map((row) => [row.associatedEntity, row.status])).toEqual([
      [MEMBER_ACCOUNT, 'DISASSOCIATED'],
      [OUTSIDER_ACCOUNT, 'ASSOCIATED'],
    ]);
    const again = await failureOf(
      ram().send(
        new DisassociateResourceShareCommand({ resourceShareArn: arn, principals: [MEMBER_ACCOUNT] }),
      ),
    );
    expect(again.name).toBe('UnknownResourceException');
    await ram().send(new DeleteResourceShareCommand({ resourceShareArn: arn }));
    expect(await visibleIds(OUTSIDER_ACCOUNT)).toEqual([]);
    const deleted = await ram().send(
      new GetResourceSharesCommand({ resourceOwner: 'SELF', resourceShareArns: [arn] }),
    );
    expect(deleted.resourceShares?.[0]?.status).toBe('DELETED');
  });

  it('answers a repeated clientToken as the first call, and refuses it with other parameters', async () => {
    const first = await share({ clientToken: 'token-1' });
    const repeat = await share({ clientToken: 'token-1' });
    expect(repeat.resourceShareArn).toBe(first.resourceShareArn);
    expect(
      (await ram().send(new GetResourceSharesCommand({ resourceOwner: 'SELF' }))).resourceShares,
    ).toHaveLength(1);
    const mismatch = await failureOf(share({ clientToken: 'token-1', name: 'other' }));
    expect(mismatch.name).toBe('IdempotentParameterMismatchException');
  });

  it('validates ARNs, principals, external principals, tags and paging as RAM does', async () => {
    const cases: Array<[string, Partial<CreateResourceShareCommandInput>, string]> = [
      ['a malformed resource ARN', { resourceArns: ['not-an-arn'] }, 'MalformedArnException'],
      [
        'a reservation the account does not hold',
        { resourceArns: [capacityReservationArn('cr-0ffffffffffffffff')] },
        'UnknownResourceException',
      ],
      [
        "another account's reservation",
        { resourceArns: [interruptibleArn.replace(HUB_ACCOUNT, MEMBER_ACCOUNT)] },
        'UnknownResourceException',
      ],
      ['a principal that is not 12 digits', { principals: ['12345'] }, 'MalformedArnException'],
      [
        'another organization',
        { principals: [`arn:aws:organizations::${HUB_ACCOUNT}:organization/o-otherorg001`] },
        'UnknownResourceException',
      ],
      [
        'an external account when external principals are not allowed',
        { principals: [OUTSIDER_ACCOUNT], allowExternalPrincipals: false },
        'OperationNotPermittedException',
      ],
      ['a reserved tag key', { tags: [{ key: 'aws:team', value: 'x' }] }, 'InvalidParameterException'],
      [
        'more than 50 tags',
        { tags: Array.from({ length: 51 }, (_, index) => ({ key: `k${index}`, value: 'v' })) },
        'TagLimitExceededException',
      ],
    ];
    for (const [what, input, code] of cases) {
      expect((await failureOf(share(input))).name, what).toBe(code);
    }
    const missingName = await failureOf(ram().send(new CreateResourceShareCommand({} as never)));
    expect(missingName.name).toBe('MissingRequiredParameterException');
    const paging = await failureOf(
      ram().send(new GetResourceSharesCommand({ resourceOwner: 'SELF', maxResults: 501 })),
    );
    expect(paging.name).toBe('InvalidMaxResultsException');
    const badToken = await failureOf(
      ram().send(new GetResourceSharesCommand({ resourceOwner: 'SELF', nextToken: 'x' })),
    );
    expect(badToken.name).toBe('InvalidNextTokenException');
    expect(await visibleIds(MEMBER_ACCOUNT)).toEqual([]);
  });

  it('pages shares with maxResults and nextToken', async () => {
    for (let index = 0; index < 3; index++) await share({ name: `share-${index}` });
    const first = await ram().send(new GetResourceSharesCommand({ resourceOwner: 'SELF', maxResults: 2 }));
    expect(first.resourceShares).toHaveLength(2);
    const second = await ram().send(
      new GetResourceSharesCommand({ resourceOwner: 'SELF', maxResults: 2, nextToken: first.nextToken }),
    );
    expect(second.resourceShares?.map((row) => row.name)).toEqual(['share-2']);
    expect(second.nextToken).toBeUndefined();
    const view = await endpoint().admin.shareList();
    expect(view.shares).toHaveLength(3);
  });
});
