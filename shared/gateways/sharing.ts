/**
 * What the sharing use case asks of AWS RAM, for one owner account in one region, with no SDK in sight: the
 * adapter (ram.ts) and its client are loaded only when a scope's gateway is first called, since only a fleet
 * that lends to borrowers (or once did) reaches RAM at all.
 */
import type { ObservedShare } from '../domain/share-plan.ts';

export interface CreateShareRequest {
  sourceReservationId: string;
  principals: readonly string[];
  resourceArns: readonly string[];
}

export interface ShareAssociations {
  principals: readonly string[];
  resourceArns: readonly string[];
}

/** The RAM calls the sharing use case makes, for one account and region. */
export interface SharingGateway {
  /** The service's active shares in this account and region, each with what is (or is becoming) associated. */
  describeShares(): Promise<ObservedShare[]>;
  /** Creates a share; answers its ARN. */
  createShare(request: CreateShareRequest): Promise<string>;
  associate(shareArn: string, what: ShareAssociations): Promise<void>;
  disassociate(shareArn: string, what: ShareAssociations): Promise<void>;
}

/** Where a share lives: the owner account (absent: the hub's own) and the reservation's region. */
export interface SharingScope {
  accountId?: string;
  region: string;
}

/** The sharing gateway of a scope, one per account and region, built once per container. */
export type SharingGateways = (scope: SharingScope) => SharingGateway;

/**
 * One sharing gateway per account and region, kept for the container's life; each is built by `load` when it
 * is first called (so `load` may import the adapter then), and a failed build is tried again on the next call.
 */
export function sharingGateways(load: (scope: SharingScope) => Promise<SharingGateway>): SharingGateways {
  const built = new Map<string, SharingGateway>();
  return (scope) => {
    const key = `${scope.accountId ?? ''}|${scope.region}`;
    let gateway = built.get(key);
    if (gateway === undefined) {
      gateway = loadedOnFirstCall(() => load(scope));
      built.set(key, gateway);
    }
    return gateway;
  };
}

function loadedOnFirstCall(load: () => Promise<SharingGateway>): SharingGateway {
  let loading: Promise<SharingGateway> | undefined;
  const gateway = (): Promise<SharingGateway> => {
    loading ??= load().catch((error: unknown) => {
      loading = undefined;
      throw error;
    });
    return loading;
  };
  return {
    describeShares: async () => (await gateway()).describeShares(),
    createShare: async (request) => (await gateway()).createShare(request),
    associate: async (shareArn, what) => (await gateway()).associate(shareArn, what),
    disassociate: async (shareArn, what) => (await gateway()).disassociate(shareArn, what),
  };
}
