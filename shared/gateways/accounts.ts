/**
 * Hub and spokes: the managed reservations of several owner accounts behind one CapacityGateway. The hub (the
 * account the service runs in) uses its own credentials; each spoke of the config's `accounts` is reached
 * through its spoke role (infra/spoke/spoke-role.yml), assumed with STS. Every snapshot of a spoke carries its
 * `accountId`; each change and tag goes to the account its reservation was described in. One account that
 * cannot be reached (its role cannot be assumed, its EC2 refuses) costs only its own reservations: the
 * others are described as usual, and `unreachable()` names it for the run's warning and alarm.
 */
import { AssumeRoleCommand, STSClient } from '@aws-sdk/client-sts';
import type { AccountConfig, PolicyConfig } from '../config/schema.ts';
import type { ReservationSnapshot } from '../domain/reservation.ts';
import { errorMessage } from '../errors/index.ts';
import { callAws, SDK_CLIENT_SETTINGS } from './aws-call.ts';
import type {
  AllocationChange,
  CapacityGateway,
  CreateAllocationRequest,
  DescribeOptions,
  TagFailure,
  TagRequest,
  UntagRequest,
  UpdateAllocationRequest,
} from './ec2-capacity.ts';
import { deleteTags, writeTags } from './write-tags.ts';

/** The hub's own account in the gateway map: its id is not needed to reach it. */
export const HUB = 'hub';

/** How the hub reaches one spoke. */
export interface SpokeAccess {
  accountId: string;
  roleArn: string;
  externalId?: string;
  /** Regions of the spoke's reservations. */
  regions?: readonly string[];
}

export interface AccountFailure {
  accountId: string;
  error: string;
}

/** The role ARN of a spoke: the config's ARN, or the role name in the spoke's account. */
export function spokeRoleArn(account: Pick<AccountConfig, 'id' | 'role'>, partition = 'aws'): string {
  return account.role.startsWith('arn:')
    ? account.role
    : `arn:${partition}:iam::${account.id}:role/${account.role}`;
}

/** The spokes of a config, each with the regions it is looked after in. */
export function spokeAccesses(config: Pick<PolicyConfig, 'accounts' | 'regions'>): SpokeAccess[] {
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
  sts: STSClient,
  access: Pick<SpokeAccess, 'roleArn' | 'externalId'>,
  sessionName: string,
  now: () => number = Date.now,
): () => Promise<TemporaryCredentials> {
  let cached: TemporaryCredentials | undefined;
  let pending: Promise<TemporaryCredentials> | undefined;
  const assume = async (): Promise<TemporaryCredentials> => {
    const answer = await callAws('sts', 'AssumeRole', () =>
      sts.send(
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

/** The STS client the hub assumes spoke roles with (its own region's endpoint, the service's retry settings). */
export function createStsClient(): STSClient {
  return new STSClient({ ...SDK_CLIENT_SETTINGS });
}

export class MultiAccountCapacityGateway implements CapacityGateway {
  private readonly byAccount: ReadonlyMap<string, CapacityGateway>;
  /** Reservation id → account, from the describes of this container's life. */
  private readonly accountOf = new Map<string, string>();
  private failures: AccountFailure[] = [];

  /** `gateways`: the hub's under HUB, each spoke's under its account id. */
  constructor(gateways: ReadonlyMap<string, CapacityGateway>) {
    if (!gateways.has(HUB)) throw new RangeError('MultiAccountCapacityGateway needs the hub');
    this.byAccount = gateways;
  }

  /** The accounts the last describe could not read (empty when all answered). */
  unreachable(): readonly AccountFailure[] {
    return this.failures;
  }

  async describeManaged(options?: DescribeOptions): Promise<ReservationSnapshot[]> {
    const settled = await Promise.allSettled(
      [...this.byAccount].map(async ([account, gateway]) => {
        const snapshots = await gateway.describeManaged(options);
        return snapshots.map((snapshot) => {
          this.accountOf.set(snapshot.reservationId, account);
          return account === HUB ? snapshot : { ...snapshot, accountId: account };
        });
      }),
    );
    const accounts = [...this.byAccount.keys()];
    const failures: AccountFailure[] = [];
    const snapshots: ReservationSnapshot[] = [];
    settled.forEach((result, index) => {
      if (result.status === 'fulfilled') snapshots.push(...result.value);
      else failures.push({ accountId: accounts[index] ?? '?', error: errorMessage(result.reason) });
    });
    // The hub's own account failing is the run's failure, as it was before there were spokes.
    const hubFailure = settled[accounts.indexOf(HUB)];
    if (hubFailure?.status === 'rejected') throw hubFailure.reason;
    this.failures = failures;
    return snapshots;
  }

  createAllocation(request: CreateAllocationRequest): Promise<AllocationChange> {
    return this.gatewayFor(request.reservationId).createAllocation(request);
  }

  updateAllocation(request: UpdateAllocationRequest): Promise<AllocationChange> {
    return this.gatewayFor(request.reservationId).updateAllocation(request);
  }

  tag(reservationId: string, tags: Record<string, string>): Promise<void> {
    return this.gatewayFor(reservationId).tag(reservationId, tags);
  }

  untag(reservationId: string, keys: readonly string[]): Promise<void> {
    return this.gatewayFor(reservationId).untag(reservationId, keys);
  }

  async tagMany(requests: readonly TagRequest[]): Promise<TagFailure[]> {
    const groups = this.groupByAccount(requests);
    return (await Promise.all([...groups].map(([gateway, batch]) => writeTags(gateway, batch)))).flat();
  }

  async untagMany(requests: readonly UntagRequest[]): Promise<TagFailure[]> {
    const groups = this.groupByAccount(requests);
    return (await Promise.all([...groups].map(([gateway, batch]) => deleteTags(gateway, batch)))).flat();
  }

  private groupByAccount<T extends { reservationId: string }>(
    requests: readonly T[],
  ): Map<CapacityGateway, T[]> {
    const groups = new Map<CapacityGateway, T[]>();
    for (const request of requests) {
      const gateway = this.gatewayFor(request.reservationId);
      groups.set(gateway, [...(groups.get(gateway) ?? []), request]);
    }
    return groups;
  }

  private gatewayFor(reservationId: string): CapacityGateway {
    const gateway = this.byAccount.get(this.accountOf.get(reservationId) ?? HUB);
    if (gateway === undefined) throw new RangeError(`no capacity gateway for ${reservationId}`);
    return gateway;
  }
}

/**
 * The capacity gateway of the hub and its spokes, the one place per-account clients are made: `hub` is the
 * hub's own (one client per region), `spoke` builds a spoke's from its access. Without spokes, the hub's alone.
 */
export function accountsCapacityGateway(
  config: Pick<PolicyConfig, 'accounts' | 'regions'>,
  hub: CapacityGateway,
  spoke: (access: SpokeAccess) => CapacityGateway,
): CapacityGateway {
  const accesses = spokeAccesses(config);
  if (accesses.length === 0) return hub;
  return new MultiAccountCapacityGateway(
    new Map([
      [HUB, hub],
      ...accesses.map((access): [string, CapacityGateway] => [access.accountId, spoke(access)]),
    ]),
  );
}
