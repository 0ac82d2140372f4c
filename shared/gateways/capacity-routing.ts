/**
 * The managed reservations of every owner account (the hub and the config's spokes) in every region behind
 * one CapacityGateway. EC2 is regional and each account's state is its own: a Describe sees one account in
 * one region, and a change or a tag must go to the account and region its reservation was described in. All
 * routes are described in parallel and each change is sent where its reservation was found, so reconcile,
 * the tracker and on-demand stay unaware of both (each snapshot carries its region, a spoke's its account).
 */
import type { ReservationSnapshot } from '../domain/reservation.ts';
import { errorMessage } from '../errors/index.ts';
import type {
  AllocationChange,
  CapacityGateway,
  CreateAllocationRequest,
  DescribeOptions,
  TagFailure,
  TagRequest,
  UnreadRoute,
  UntagRequest,
  UpdateAllocationRequest,
} from './ec2-capacity.ts';
import { deleteTags, writeTags } from './write-tags.ts';

/** One account in one region, reached through its own EC2 client. */
export interface CapacityRoute {
  /** The spoke's account id; absent for the hub, the account the service runs in. */
  accountId?: string;
  /** The route's region; absent for the client's own (AWS_REGION) when the config lists none. */
  region?: string;
  gateway: CapacityGateway;
}

/**
 * One route that cannot be read (a spoke's role refused, one region's EC2 failing) costs only its own
 * reservations: the others are described as usual and `unreachable()` names it for the run's warning and
 * alarm. When every route of the hub fails, the describe fails: the run has nothing of its own to act on.
 */
export class RoutingCapacityGateway implements CapacityGateway {
  private readonly routes: readonly CapacityRoute[];
  /** Reservation id → the route it was described on, from the describes of this container's life. */
  private readonly routeOf = new Map<string, CapacityRoute>();
  /** Where an id never described goes: the hub's first route. */
  private readonly home: CapacityRoute;
  private failures: UnreadRoute[] = [];

  constructor(routes: readonly CapacityRoute[]) {
    const home = routes.find((route) => route.accountId === undefined);
    if (home === undefined) throw new RangeError('RoutingCapacityGateway needs a route of the hub');
    this.routes = routes;
    this.home = home;
  }

  /** The routes the last describe could not read, one per account when none of its regions answered. */
  unreachable(): readonly UnreadRoute[] {
    return this.failures;
  }

  async describeManaged(options?: DescribeOptions): Promise<ReservationSnapshot[]> {
    const settled = await Promise.allSettled(
      this.routes.map(async (route) => {
        const snapshots = await route.gateway.describeManaged(options);
        return snapshots.map((snapshot) => {
          this.routeOf.set(snapshot.reservationId, route);
          return route.accountId === undefined ? snapshot : { ...snapshot, accountId: route.accountId };
        });
      }),
    );
    const snapshots: ReservationSnapshot[] = [];
    const failed = new Map<string | undefined, { route: CapacityRoute; reason: unknown }[]>();
    settled.forEach((result, index) => {
      const route = this.routes[index] as CapacityRoute;
      if (result.status === 'fulfilled') snapshots.push(...result.value);
      else
        failed.set(route.accountId, [
          ...(failed.get(route.accountId) ?? []),
          { route, reason: result.reason },
        ]);
    });
    const failures: UnreadRoute[] = [];
    for (const [accountId, routes] of failed) {
      const whole = routes.length === this.routes.filter((route) => route.accountId === accountId).length;
      // The hub's own account failing everywhere is the run's failure, as it is with one account.
      if (whole && accountId === undefined) throw routes[0]?.reason;
      if (whole && accountId !== undefined)
        failures.push({ accountId, error: errorMessage(routes[0]?.reason) });
      else
        for (const { route, reason } of routes)
          failures.push({
            ...(accountId === undefined ? {} : { accountId }),
            ...(route.region === undefined ? {} : { region: route.region }),
            error: errorMessage(reason),
          });
    }
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
    const perRoute = await Promise.all(
      [...this.groupByRoute(requests)].map(([gateway, batch]) => writeTags(gateway, batch)),
    );
    return perRoute.flat();
  }

  async untagMany(requests: readonly UntagRequest[]): Promise<TagFailure[]> {
    const perRoute = await Promise.all(
      [...this.groupByRoute(requests)].map(([gateway, batch]) => deleteTags(gateway, batch)),
    );
    return perRoute.flat();
  }

  private groupByRoute<T extends { reservationId: string }>(
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
    return (this.routeOf.get(reservationId) ?? this.home).gateway;
  }
}
