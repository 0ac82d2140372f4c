import {
  type CapacityReservation,
  CreateInterruptibleCapacityReservationAllocationCommand,
  CreateTagsCommand,
  DeleteTagsCommand,
  DescribeCapacityReservationsCommand,
  EC2Client,
  type EC2ClientConfig,
  type Filter,
  paginateDescribeCapacityReservations,
  UpdateInterruptibleCapacityReservationAllocationCommand,
} from '@aws-sdk/client-ec2';
import {
  ALLOCATION_STATUSES,
  type AllocationState,
  type AllocationStatus,
  type ReservationSnapshot,
  type ZeroSizePreference,
} from '../domain/reservation.ts';
import { AllocationBusyError, AwsCallError } from '../errors/index.ts';
import { readRecords } from '../records/read-records.ts';
import { MANAGED_TAG_VALUE, TAG } from '../records/tag-keys.ts';
import { callAws } from './aws-call.ts';
import type { Ec2RequestPacer } from './ec2-pacer.ts';
import { Ec2QueryProtocol } from './ec2-query-protocol.ts';

export interface CreateAllocationRequest {
  /** The source reservation. */
  reservationId: string;
  instanceCount: number;
  /** Idempotency token: the same token twice lends once. */
  clientToken: string;
  zeroSizePreference: ZeroSizePreference;
  /** Only prove the permission (EC2 `DryRun`). */
  dryRun?: boolean;
}

export interface UpdateAllocationRequest {
  reservationId: string;
  target: number;
  zeroSizePreference: ZeroSizePreference;
  dryRun?: boolean;
}

export interface AllocationChange {
  reservationId: string;
  target: number;
  /** True when the call was a dry run that EC2 said would have succeeded. */
  dryRun: boolean;
  /** EC2's answer (absent on dry runs). */
  status?: AllocationStatus;
  current?: number;
}

export interface DescribeOptions {
  /**
   * Also read each allocation's interruptible reservation for the borrowers' running count (`borrowed`): one
   * more Describe per 100 allocations. Only on-call's status shows it; reconcile and the tracker go without,
   * which keeps a run at one Describe page per 1000 managed reservations. Default true.
   */
  borrowers?: boolean;
  /**
   * Only these managed reservations (the tracker's polls after its first sweep): described by id,
   * IDS_PER_DESCRIBE a call, among those this gateway's last full describe found in its region; the others are
   * another region's (or gone) and are left out. An id EC2 no longer knows falls back to the full describe.
   */
  reservationIds?: readonly string[];
}

/** The EC2 capacity reservations the service manages, in the service's own terms (no SDK types leak out). */
export interface CapacityGateway {
  /** Every source reservation tagged `odcr-reclaimer:managed=true`, each joined with its interruptible allocation. */
  describeManaged(options?: DescribeOptions): Promise<ReservationSnapshot[]>;
  /** Lends `instanceCount` unused instances of a source that has no allocation yet. */
  createAllocation(request: CreateAllocationRequest): Promise<AllocationChange>;
  /** Sets the allocation's absolute target (lower reclaims, higher lends). Throws AllocationBusyError on IncorrectState. */
  updateAllocation(request: UpdateAllocationRequest): Promise<AllocationChange>;
  tag(reservationId: string, tags: Record<string, string>): Promise<void>;
  untag(reservationId: string, keys: readonly string[]): Promise<void>;
  /**
   * Many reservations' tags in as few CreateTags calls as EC2 takes (reservations with identical tags share a
   * call); answers the reservations whose tags could not be written. Optional: `writeTags` falls back to `tag`.
   */
  tagMany?(requests: readonly TagRequest[]): Promise<TagFailure[]>;
  /** DeleteTags for many reservations, grouped by identical key sets like `tagMany`. */
  untagMany?(requests: readonly UntagRequest[]): Promise<TagFailure[]>;
  /** The accounts and regions the last describe could not read (several routes); absent for one. */
  unreachable?(): readonly UnreadRoute[];
}

/** An owner account, or one region of it, that a describe could not read. */
export interface UnreadRoute {
  /** The spoke's account id; absent for the hub's own account. */
  accountId?: string;
  /** Absent when none of the account's regions could be read. */
  region?: string;
  error: string;
}

export interface TagRequest {
  reservationId: string;
  tags: Record<string, string>;
}

export interface UntagRequest {
  reservationId: string;
  keys: readonly string[];
}

export interface TagFailure {
  reservationId: string;
  error: unknown;
}

/** EC2 takes up to 1000 resource ids per CreateTags/DeleteTags. */
const RESOURCES_PER_TAG_CALL = 1000;
/**
 * A batch refused for one of its reservations (gone, malformed, not managed any more) is retried one by one,
 * so one bad reservation costs the others nothing; throttling and 5xx are not retried again here.
 */
const PER_RESOURCE_RETRY_CODES = new Set([
  'InvalidCapacityReservationId.NotFound',
  'InvalidCapacityReservationId.Malformed',
  'InvalidID',
  'UnauthorizedOperation',
  'InvalidParameterValue',
]);

/** EC2's largest page: the fewest calls, and the XML parsing per page is what a run spends its time on. */
export const DESCRIBE_PAGE_SIZE = 1000;
/** Ids per DescribeCapacityReservations by id (EC2 documents no limit; kept well within the usual 1000). */
export const IDS_PER_DESCRIBE = 100;

export interface Ec2CapacityGatewayOptions {
  client: EC2Client;
  /** Paces the client's requests to EC2's request limits (one pacer per region and container). */
  pacer?: Ec2RequestPacer;
}

/**
 * The one way the service builds an EC2 client (production, sandbox, chaos, bench and tests alike): the SDK's
 * client with `Ec2QueryProtocol`, which parses responses several times faster than the SDK's own XML parser
 * (the bulk of a large sweep) and otherwise behaves as the SDK's default protocol.
 */
export function createEc2ClientFrom(config: EC2ClientConfig): EC2Client {
  return new EC2Client({ ...config, protocol: Ec2QueryProtocol });
}

export class Ec2CapacityGateway implements CapacityGateway {
  private readonly client: EC2Client;

  constructor(options: Ec2CapacityGatewayOptions) {
    this.client = options.client;
    options.pacer?.attach(this.client);
  }

  async describeManaged(options: DescribeOptions = {}): Promise<ReservationSnapshot[]> {
    const region = await this.client.config.region();
    const sources =
      options.reservationIds === undefined
        ? await this.describeAllManaged()
        : await this.describeKnownManaged(options.reservationIds);
    // The tag filter is not documented for this API: check the tag here as well.
    const managed = sources.filter((reservation) => isManagedSource(reservation));
    const interruptible =
      options.borrowers === false
        ? new Map<string, CapacityReservation>()
        : await this.describeByIds(
            managed.flatMap(
              (source) => source.InterruptibleCapacityAllocation?.InterruptibleCapacityReservationId ?? [],
            ),
          );
    return managed.map((source) => toSnapshot(source, region, interruptible));
  }

  /**
   * Every source reservation of this region, managed or not, with its allocation: what `npm run discover`
   * shows a user choosing which reservations the service should manage. Interruptible ones are left out.
   */
  async describeSources(): Promise<ReservationSnapshot[]> {
    const region = await this.client.config.region();
    const sources = await callAws('ec2', 'DescribeCapacityReservations', async () => {
      const found: CapacityReservation[] = [];
      const pages = paginateDescribeCapacityReservations(
        { client: this.client, pageSize: DESCRIBE_PAGE_SIZE },
        {},
      );
      for await (const page of pages) found.push(...(page.CapacityReservations ?? []));
      return found;
    });
    const owned = sources.filter(
      (reservation) =>
        reservation.Interruptible !== true && !reservation.InterruptionInfo?.SourceCapacityReservationId,
    );
    const interruptible = new Map(
      sources.flatMap((reservation) =>
        reservation.CapacityReservationId === undefined
          ? []
          : [[reservation.CapacityReservationId, reservation]],
      ),
    );
    return owned.map((source) => toSnapshot(source, region, interruptible));
  }

  /** The managed sources of this region seen by the last full describe: which ids a by-id describe may ask. */
  private knownManagedIds = new Set<string>();

  private async describeKnownManaged(reservationIds: readonly string[]): Promise<CapacityReservation[]> {
    const ids = reservationIds.filter((id) => this.knownManagedIds.has(id));
    if (ids.length === 0) return [];
    try {
      return [...(await this.describeByIds(ids)).values()];
    } catch (error: unknown) {
      if (error instanceof AwsCallError && error.code === 'InvalidCapacityReservationId.NotFound') {
        return this.describeAllManaged();
      }
      throw error;
    }
  }

  /**
   * Whether EC2 accepts the `interruptible` filter. It is in the user guide's CLI example but not in the API
   * reference's filter list: if EC2 ever refuses it, describe without it from then on
   * (the client-side check below drops the interruptible reservations anyway, at the cost of bigger pages).
   */
  private interruptibleFilterAccepted = true;

  private async describeAllManaged(): Promise<CapacityReservation[]> {
    let sources: CapacityReservation[];
    try {
      sources = await this.describeAllPages(this.interruptibleFilterAccepted);
    } catch (error: unknown) {
      const refusedFilter =
        this.interruptibleFilterAccepted &&
        error instanceof AwsCallError &&
        (error.code === 'InvalidParameterValue' || error.code === 'InvalidFilter');
      if (!refusedFilter) throw error;
      this.interruptibleFilterAccepted = false;
      sources = await this.describeAllPages(false);
    }
    this.knownManagedIds = new Set(
      sources.flatMap((source) =>
        isManagedSource(source) && source.CapacityReservationId ? [source.CapacityReservationId] : [],
      ),
    );
    return sources;
  }

  private describeAllPages(withInterruptibleFilter: boolean): Promise<CapacityReservation[]> {
    return callAws('ec2', 'DescribeCapacityReservations', async () => {
      const found: CapacityReservation[] = [];
      const pages = paginateDescribeCapacityReservations(
        { client: this.client, pageSize: DESCRIBE_PAGE_SIZE },
        { Filters: managedSourceFilters(withInterruptibleFilter) },
      );
      for await (const page of pages) found.push(...(page.CapacityReservations ?? []));
      return found;
    });
  }

  async createAllocation(request: CreateAllocationRequest): Promise<AllocationChange> {
    return this.change('CreateInterruptibleCapacityReservationAllocation', request, async () => {
      const answer = await this.client.send(
        new CreateInterruptibleCapacityReservationAllocationCommand({
          CapacityReservationId: request.reservationId,
          InstanceCount: request.instanceCount,
          ClientToken: request.clientToken,
          ZeroSizePreference: request.zeroSizePreference,
          DryRun: request.dryRun,
          // The role allows Create only with this request tag (infra/iam/roles.yml): Create's IAM condition
          // keys are the request's tags, not the source's. The tag also marks the new reservation as ours.
          TagSpecifications: [
            { ResourceType: 'capacity-reservation', Tags: [{ Key: TAG.managed, Value: MANAGED_TAG_VALUE }] },
          ],
        }),
      );
      return changeAnswered(request.reservationId, request.instanceCount, answer);
    });
  }

  async updateAllocation(request: UpdateAllocationRequest): Promise<AllocationChange> {
    return this.change('UpdateInterruptibleCapacityReservationAllocation', request, async () => {
      const answer = await this.client.send(
        new UpdateInterruptibleCapacityReservationAllocationCommand({
          CapacityReservationId: request.reservationId,
          TargetInstanceCount: request.target,
          ZeroSizePreference: request.zeroSizePreference,
          DryRun: request.dryRun,
        }),
      );
      return {
        ...changeAnswered(request.reservationId, request.target, answer),
        ...(answer.InstanceCount === undefined ? {} : { current: answer.InstanceCount }),
      };
    });
  }

  async tag(reservationId: string, tags: Record<string, string>): Promise<void> {
    const entries = Object.entries(tags);
    if (entries.length === 0) return;
    await callAws('ec2', 'CreateTags', () =>
      this.client.send(
        new CreateTagsCommand({
          Resources: [reservationId],
          Tags: entries.map(([Key, Value]) => ({ Key, Value })),
        }),
      ),
    );
  }

  async untag(reservationId: string, keys: readonly string[]): Promise<void> {
    if (keys.length === 0) return;
    await callAws('ec2', 'DeleteTags', () =>
      this.client.send(
        new DeleteTagsCommand({ Resources: [reservationId], Tags: keys.map((Key) => ({ Key })) }),
      ),
    );
  }

  async tagMany(requests: readonly TagRequest[]): Promise<TagFailure[]> {
    const groups = groupBy(
      requests.filter((request) => Object.keys(request.tags).length > 0),
      (request) =>
        JSON.stringify(Object.entries(request.tags).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))),
    );
    const failures: TagFailure[] = [];
    for (const group of groups) {
      const tags = group[0]?.tags ?? {};
      failures.push(
        ...(await this.inBatches(
          group.map((request) => request.reservationId),
          (ids) =>
            callAws('ec2', 'CreateTags', () =>
              this.client.send(
                new CreateTagsCommand({
                  Resources: [...ids],
                  Tags: Object.entries(tags).map(([Key, Value]) => ({ Key, Value })),
                }),
              ),
            ),
        )),
      );
    }
    return failures;
  }

  async untagMany(requests: readonly UntagRequest[]): Promise<TagFailure[]> {
    const groups = groupBy(
      requests.filter((request) => request.keys.length > 0),
      (request) => JSON.stringify([...request.keys].sort()),
    );
    const failures: TagFailure[] = [];
    for (const group of groups) {
      const keys = group[0]?.keys ?? [];
      failures.push(
        ...(await this.inBatches(
          group.map((request) => request.reservationId),
          (ids) =>
            callAws('ec2', 'DeleteTags', () =>
              this.client.send(
                new DeleteTagsCommand({ Resources: [...ids], Tags: keys.map((Key) => ({ Key })) }),
              ),
            ),
        )),
      );
    }
    return failures;
  }

  /** Sends `call` per batch of ids; a batch refused for one id is retried id by id to find the culprit. */
  private async inBatches(
    ids: readonly string[],
    call: (ids: readonly string[]) => Promise<unknown>,
  ): Promise<TagFailure[]> {
    const failures: TagFailure[] = [];
    for (let start = 0; start < ids.length; start += RESOURCES_PER_TAG_CALL) {
      const batch = ids.slice(start, start + RESOURCES_PER_TAG_CALL);
      try {
        await call(batch);
      } catch (error: unknown) {
        const retryEach =
          batch.length > 1 && error instanceof AwsCallError && PER_RESOURCE_RETRY_CODES.has(error.code);
        if (!retryEach) {
          failures.push(...batch.map((reservationId) => ({ reservationId, error })));
          continue;
        }
        for (const reservationId of batch) {
          try {
            await call([reservationId]);
          } catch (single: unknown) {
            failures.push({ reservationId, error: single });
          }
        }
      }
    }
    return failures;
  }

  private async describeByIds(ids: readonly string[]): Promise<Map<string, CapacityReservation>> {
    const byId = new Map<string, CapacityReservation>();
    for (let start = 0; start < ids.length; start += IDS_PER_DESCRIBE) {
      const chunk = ids.slice(start, start + IDS_PER_DESCRIBE);
      const answer = await callAws('ec2', 'DescribeCapacityReservations', () =>
        this.client.send(new DescribeCapacityReservationsCommand({ CapacityReservationIds: chunk })),
      );
      for (const reservation of answer.CapacityReservations ?? []) {
        if (reservation.CapacityReservationId) byId.set(reservation.CapacityReservationId, reservation);
      }
    }
    return byId;
  }

  /** A change call: a dry run that would succeed answers normally, EC2's IncorrectState becomes AllocationBusyError. */
  private async change(
    action: string,
    request: { reservationId: string; dryRun?: boolean },
    send: () => Promise<AllocationChange>,
  ): Promise<AllocationChange> {
    try {
      return await callAws('ec2', action, send);
    } catch (error: unknown) {
      if (error instanceof AwsCallError && error.code === 'DryRunOperation' && request.dryRun) {
        return { reservationId: request.reservationId, target: Number.NaN, dryRun: true };
      }
      if (error instanceof AwsCallError && error.code === 'IncorrectState') {
        throw new AllocationBusyError(request.reservationId, error.message, { cause: error });
      }
      throw error;
    }
  }
}

/** EC2's answer to a change: the target it took (the one asked, when it names none) and its status. */
function changeAnswered(
  reservationId: string,
  asked: number,
  answer: { TargetInstanceCount?: number | undefined; Status?: AllocationStatus | undefined },
): AllocationChange {
  return {
    reservationId,
    target: answer.TargetInstanceCount ?? asked,
    dryRun: false,
    ...(answer.Status === undefined ? {} : { status: answer.Status }),
  };
}

/**
 * The Describe filters of a sweep: the managed tag, and only source reservations. Create tags the
 * interruptible reservation managed as well (the role requires the request tag): without `interruptible`
 * its reservations would double the pages.
 */
export function managedSourceFilters(withInterruptibleFilter = true): Filter[] {
  return [
    { Name: `tag:${TAG.managed}`, Values: [MANAGED_TAG_VALUE] },
    ...(withInterruptibleFilter ? [{ Name: 'interruptible', Values: ['false'] }] : []),
  ];
}

function isManagedSource(reservation: CapacityReservation): boolean {
  if (reservation.Interruptible === true || reservation.InterruptionInfo?.SourceCapacityReservationId)
    return false;
  return (reservation.Tags ?? []).some((tag) => tag.Key === TAG.managed && tag.Value === MANAGED_TAG_VALUE);
}

function toSnapshot(
  source: CapacityReservation,
  region: string,
  interruptibleById: ReadonlyMap<string, CapacityReservation>,
): ReservationSnapshot {
  const sourceTotal = source.TotalInstanceCount ?? 0;
  const allocation = toAllocation(source, interruptibleById);
  const tags: Record<string, string> = {};
  for (const tag of source.Tags ?? []) if (tag.Key !== undefined) tags[tag.Key] = tag.Value ?? '';
  const snapshot: ReservationSnapshot = {
    reservationId: source.CapacityReservationId ?? '',
    region,
    instanceType: source.InstanceType ?? '',
    availabilityZone: source.AvailabilityZone ?? '',
    state: source.State ?? 'unknown',
    sourceTotal,
    sourceAvailable: source.AvailableInstanceCount ?? 0,
    owned: sourceTotal + (allocation?.current ?? 0),
    tags,
    records: readRecords(tags),
  };
  if (source.CapacityReservationArn !== undefined) snapshot.arn = source.CapacityReservationArn;
  if (allocation !== undefined) snapshot.allocation = allocation;
  return snapshot;
}

function toAllocation(
  source: CapacityReservation,
  interruptibleById: ReadonlyMap<string, CapacityReservation>,
): AllocationState | undefined {
  const allocation = source.InterruptibleCapacityAllocation;
  const status = parseStatus(allocation?.Status);
  // A cancelled allocation is gone for the service's purposes: lending again needs a Create.
  if (allocation === undefined || status === undefined || status === 'canceled') return undefined;
  const interruptibleId = allocation.InterruptibleCapacityReservationId;
  const interruptible = interruptibleId === undefined ? undefined : interruptibleById.get(interruptibleId);
  const borrowed =
    interruptible?.TotalInstanceCount === undefined || interruptible.AvailableInstanceCount === undefined
      ? undefined
      : interruptible.TotalInstanceCount - interruptible.AvailableInstanceCount;
  const state: AllocationState = {
    current: allocation.InstanceCount ?? 0,
    target: allocation.TargetInstanceCount ?? allocation.InstanceCount ?? 0,
    status,
    zeroSizePreference: allocation.ZeroSizePreference ?? interruptible?.ZeroSizePreference ?? 'default',
  };
  if (interruptibleId !== undefined) state.interruptibleReservationId = interruptibleId;
  if (borrowed !== undefined) state.borrowed = borrowed;
  return state;
}

function parseStatus(value: string | undefined): AllocationStatus | undefined {
  return ALLOCATION_STATUSES.find((status) => status === value);
}

function groupBy<T>(items: readonly T[], key: (item: T) => string): T[][] {
  const groups = new Map<string, T[]>();
  for (const item of items) {
    const name = key(item);
    const group = groups.get(name);
    if (group) group.push(item);
    else groups.set(name, [item]);
  }
  return [...groups.values()];
}
