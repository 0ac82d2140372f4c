/**
 * The accounts the multi-account tests cast, one part each, and the ARNs AWS gives what they hold. One
 * statement of them, so that the hub, a spoke or an outsider is the same account in every test that names it.
 */

/** The endpoint's own account (its default `accountId`): the hub, its fleet, its organization's management. */
export const HUB_ACCOUNT = '123456789012';

/** A spoke whose stack trusts the hub: the hub manages its reservations through the spoke role. */
export const SPOKE_ACCOUNT = '333333333333';

/** Another spoke that trusts the hub, in another market and region. */
export const SECOND_SPOKE_ACCOUNT = '555555555555';

/** A spoke whose stack requires an external id: the hub gets in with that id, and is refused with another. */
export const EXTERNAL_ID_SPOKE_ACCOUNT = '444444444444';

/** An account the hub's config names whose spoke stack was never deployed. */
export const UNDEPLOYED_SPOKE_ACCOUNT = '666666666666';

/** Borrowers: a member of the hub's organization, a member of one of its units, and an account outside it. */
export const MEMBER_ACCOUNT = '210987654321';
export const UNIT_MEMBER_ACCOUNT = '222222222222';
export const OUTSIDER_ACCOUNT = '999999999999';

/** The hub's organization and the unit `UNIT_MEMBER_ACCOUNT` belongs to, as RAM names share principals. */
export const ORGANIZATION_ID = 'o-exampleorg01';
export const UNIT_ID = 'ou-ab12-cd34ef56';
export const ORGANIZATION_ARN = `arn:aws:organizations::${HUB_ACCOUNT}:organization/${ORGANIZATION_ID}`;
export const UNIT_ARN = `arn:aws:organizations::${HUB_ACCOUNT}:ou/${ORGANIZATION_ID}/${UNIT_ID}`;

/** The ARN EC2 gives capacity reservation `id` of `account` in `region`. */
export function capacityReservationArn(id: string, account = HUB_ACCOUNT, region = 'us-east-1'): string {
  return `arn:aws:ec2:${region}:${account}:capacity-reservation/${id}`;
}

/** The role a spoke stack creates in `account` for the hub to assume (infra/spoke/spoke-role.yml). */
export function spokeRoleArn(account: string): string {
  return `arn:aws:iam::${account}:role/odcr-reclaimer-spoke`;
}
