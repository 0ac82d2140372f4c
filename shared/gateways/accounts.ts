/**
 * How the hub reaches its spokes: the hub (the account the service runs in) uses its own credentials; each
 * spoke of the config's `accounts` is reached through its spoke role (infra/spoke/spoke-role.yml), assumed
 * with STS. The clients are built by the gateway factory (shared/runtime/gateways.ts).
 */
import { AssumeRoleCommand, type STSClient } from '@aws-sdk/client-sts';
import type { AccountConfig } from '../config/schema.ts';
import { callAws } from './aws-call.ts';

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

/** Temporary credentials as the SDK's clients take them (`credentials: () => Promise<...>`). */
export interface TemporaryCredentials {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken: string;
  expiration: Date;
}

/** Credentials are renewed this long before they expire, so no call is signed with ones about to lapse. */
const RENEW_BEFORE_MS = 5 * 60_000;

/**
 * A credential provider for a spoke: AssumeRole (with the spoke's external id), cached until shortly before
 * the credentials expire, one request at a time however many clients ask at once. A refusal (the role does
 * not trust the hub, the external id is wrong) is an AwsCallError naming `sts:AssumeRole`.
 * https://docs.aws.amazon.com/STS/latest/APIReference/API_AssumeRole.html
 */
export function assumeRoleCredentials(
  sts: () => STSClient,
  access: Pick<SpokeAccess, 'roleArn' | 'externalId'>,
  sessionName: string,
  now: () => number = Date.now,
): () => Promise<TemporaryCredentials> {
  let cached: TemporaryCredentials | undefined;
  let pending: Promise<TemporaryCredentials> | undefined;
  const assume = async (): Promise<TemporaryCredentials> => {
    const answer = await callAws('sts', 'AssumeRole', () =>
      sts().send(
        new AssumeRoleCommand({
          RoleArn: access.roleArn,
          RoleSessionName: sessionName,
          ...(access.externalId === undefined ? {} : { ExternalId: access.externalId }),
        }),
      ),
    );
    const credentials = answer.Credentials;
    if (
      credentials?.AccessKeyId === undefined ||
      credentials.SecretAccessKey === undefined ||
      credentials.SessionToken === undefined ||
      credentials.Expiration === undefined
    )
      throw new Error(`sts:AssumeRole of ${access.roleArn} answered without credentials`);
    return {
      accessKeyId: credentials.AccessKeyId,
      secretAccessKey: credentials.SecretAccessKey,
      sessionToken: credentials.SessionToken,
      expiration: credentials.Expiration,
    };
  };
  return async () => {
    if (cached !== undefined && cached.expiration.getTime() - RENEW_BEFORE_MS > now()) return cached;
    pending ??= assume().finally(() => {
      pending = undefined;
    });
    cached = await pending;
    return cached;
  };
}
