/**
 * A spoke's credentials, from its role assumed with STS. Apart from accounts.ts so that the STS client loads
 * only when a fleet with spokes first calls one (shared/runtime/gateways.ts imports this module then).
 */
import { AssumeRoleCommand, STSClient, type STSClientConfig } from '@aws-sdk/client-sts';
import type { SpokeAccess } from './accounts.ts';
import { callAws } from './aws-call.ts';

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

/** The hub's STS client, with the given settings (the service's retries, the function's own credentials). */
export function createStsClient(config: STSClientConfig): STSClient {
  return new STSClient(config);
}
