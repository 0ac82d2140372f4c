/**
 * What sharing interruptible reservations through AWS RAM needs (shared/gateways/ram.ts), stated once: the
 * hub's reconcile roles get it as a policy of their own when the config lends to borrowers
 * (`sharingResources`), and every spoke role has it (infra/spoke/spoke-template.ts), each on its own account.
 * Actions, resource types and condition keys from the Service Authorization Reference for RAM:
 * https://docs.aws.amazon.com/service-authorization/latest/reference/list_awsresourceaccessmanagerram.html
 */

import type { PolicyConfig } from '#shared/config/schema.ts';
import { sharePrincipals } from '#shared/config/sharing.ts';
import { SHARE_SOURCE_TAG } from '#shared/gateways/ram.ts';
import { MANAGED_TAG_VALUE, TAG } from '#shared/records/tag-keys.ts';

/** An IAM statement as the templates hold it (Fn::Sub strings included). */
export interface SharingStatement {
  Sid: string;
  Effect: 'Allow';
  Action: string | string[];
  Resource: unknown;
  Condition?: Record<string, Record<string, unknown>>;
}

/** Capacity reservations as RAM names their type (`ram:RequestedResourceType`). */
export const SHARED_RESOURCE_TYPE = 'ec2:CapacityReservation';

/**
 * The statements. `shares`: the resource-share ARNs the role may change (its own account's, in its regions).
 * Reading has no resource-level permission. Creating is allowed only for a capacity reservation, inside the
 * organization, tagged as the service's share and with no other tag; changing only the service's shares
 * (tagged managed), and only by capacity reservations where a resource is named.
 */
export function sharingStatements(shares: unknown): SharingStatement[] {
  return [
    {
      Sid: 'ReadShares',
      Effect: 'Allow',
      Action: ['ram:GetResourceShares', 'ram:GetResourceShareAssociations'],
      Resource: '*',
    },
    {
      Sid: 'CreateManagedShares',
      Effect: 'Allow',
      Action: 'ram:CreateResourceShare',
      Resource: shares,
      Condition: {
        StringEquals: {
          [`aws:RequestTag/${TAG.managed}`]: MANAGED_TAG_VALUE,
          'ram:RequestedResourceType': SHARED_RESOURCE_TYPE,
        },
        Bool: { 'ram:RequestedAllowsExternalPrincipals': 'false' },
        'ForAllValues:StringEquals': { 'aws:TagKeys': [TAG.managed, SHARE_SOURCE_TAG] },
      },
    },
    {
      Sid: 'ChangeManagedShares',
      Effect: 'Allow',
      Action: ['ram:AssociateResourceShare', 'ram:DisassociateResourceShare'],
      Resource: shares,
      Condition: {
        StringEquals: { [`aws:ResourceTag/${TAG.managed}`]: MANAGED_TAG_VALUE },
        // A call naming only principals carries no resource type.
        StringEqualsIfExists: { 'ram:RequestedResourceType': SHARED_RESOURCE_TYPE },
      },
    },
  ];
}

/** The function roles that run the reconcile, and so keep the shares in step (infra/iam/roles.yml). */
export const SHARING_ROLES = ['ReclaimOnScheduleRole', 'ReclaimOnAlarmRole', 'ReclaimOnDemandRole'] as const;

/** The config lends some reservation to borrowers. */
export function lendsToBorrowers(config: Pick<PolicyConfig, 'reservations'>): boolean {
  return config.reservations.some((reservation) => sharePrincipals(reservation).length > 0);
}

/**
 * The hub's sharing grant, on the reconcile roles, for the resource shares of the config's regions in the
 * hub's account: none at all when nobody borrows, so no role holds a grant its code never uses.
 */
export function sharingResources(
  config: Pick<PolicyConfig, 'reservations'>,
  regions: readonly string[],
): { Resources: Record<string, unknown> } {
  if (!lendsToBorrowers(config)) return { Resources: {} };
  const shares = regions.map((region) => ({
    'Fn::Sub': `arn:\${AWS::Partition}:ram:${region}:\${AWS::AccountId}:resource-share/*`,
  }));
  return {
    Resources: {
      SharingPolicy: {
        Type: 'AWS::IAM::Policy',
        Properties: {
          PolicyName: 'share-with-borrowers',
          Roles: SHARING_ROLES.map((role) => ({ Ref: role })),
          PolicyDocument: { Version: '2012-10-17', Statement: sharingStatements(shares) },
        },
      },
    },
  };
}
