import type { ReservationSnapshot } from '../domain/reservation.ts';
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

/**
 * The managed reservations of several regions behind one CapacityGateway. EC2 is regional: a
 * Describe sees one region, and a change or a tag must be sent to the reservation's own region. The regions
 * are described in parallel, and each change goes to the region its reservation was last described in, so
 * reconcile, the tracker and on-demand stay unaware of regions (each snapshot carries its region).
 */
export class MultiRegionCapacityGateway implements CapacityGateway {
  private readonly byRegion: ReadonlyMap<string, CapacityGateway>;
  private readonly homeRegion: string;
  /** Reservation id → region, from the describes of this container's life (ids are unique across regions). */
  private readonly regionOf = new Map<string, string>();

  /** `gateways`: one per region (the first is the home region, used for an id never described). */
  constructor(gateways: ReadonlyMap<string, CapacityGateway>) {
    const [home] = gateways.keys();
    if (home === undefined) throw new RangeError('MultiRegionCapacityGateway needs at least one region');
    this.byRegion = gateways;
    this.homeRegion = home;
  }

  get regions(): string[] {
    return [...this.byRegion.keys()];
  }

  async describeManaged(options?: DescribeOptions): Promise<ReservationSnapshot[]> {
    const perRegion = await Promise.all(
      [...this.byRegion].map(async ([region, gateway]) => {
        const snapshots = await gateway.describeManaged(options);
        for (const snapshot of snapshots) this.regionOf.set(snapshot.reservationId, region);
        return snapshots;
      }),
    );
    return perRegion.flat();
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
    const perRegion = await Promise.all(
      [...this.groupByRegion(requests)].map(([gateway, batch]) => writeTags(gateway, batch)),
    );
    return perRegion.flat();
  }

  async untagMany(requests: readonly UntagRequest[]): Promise<TagFailure[]> {
    const perRegion = await Promise.all(
      [...this.groupByRegion(requests)].map(([gateway, batch]) => deleteTags(gateway, batch)),
    );
    return perRegion.flat();
  }

  private groupByRegion<T extends { reservationId: string }>(
    requests: readonly T[],
  ): Map<CapacityGateway, T[]> {
    const groups = new Map<CapacityGateway, T[]>();
    for (const request of requests) {
      const gateway = this.gatewayFor(request.reservationId);
      const group = groups.get(gateway);
      if (group) group.push(request);
      else groups.set(gateway, [request]);
    }
    return groups;
  }

  private gatewayFor(reservationId: string): CapacityGateway {
    const region = this.regionOf.get(reservationId) ?? this.homeRegion;
    const gateway = this.byRegion.get(region);
    if (gateway === undefined) throw new RangeError(`no capacity gateway for region ${region}`);
    return gateway;
  }
}
