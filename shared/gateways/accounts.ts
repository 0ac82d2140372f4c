/**
 * How the hub reaches its spokes: the hub (the account the service runs in) uses its own credentials; each
 * spoke of the config's `accounts` is reached through its spoke role (infra/spoke/spoke-role.yml), assumed
 * with STS (assume-role.ts). The clients are built by the gateway factory (shared/runtime/gateways.ts).
 */
import type { AccountConfig } from '../config/schema.ts';

/** How the hub reaches one spoke. */
export interface SpokeAccess {
  accountId: string;
  roleArn: string;
  externalId?: string;
  /** Regions of the spoke's reservations. */
  regions?: readonly string[];
}

/** The role ARN of a spoke: the config's ARN, or the role name in the spoke's account. */
export function spokeRoleArn(account: Pick<AccountConfig, 'id' | 'role'>, partition = 'aws'): string {
  return account.role.startsWith('arn:')
    ? account.role
    : `arn:${partition}:iam::${account.id}:role/${account.role}`;
}

/** The spokes of a config, each with the regions it is looked after in. */
export function spokeAccesses(config: {
  accounts: readonly AccountConfig[];
  regions?: readonly string[] | undefined;
}): SpokeAccess[] {
  return config.accounts.map((account) => {
    const regions = account.regions ?? config.regions;
    return {
      accountId: account.id,
      roleArn: spokeRoleArn(account),
      ...(account.externalId === undefined ? {} : { externalId: account.externalId }),
      ...(regions === undefined ? {} : { regions }),
    };
  });
}
