/**
 * Sharing an interruptible reservation with its borrowers through AWS RAM, as a plan: what the config wants
 * (its principals, the interruptible reservation borrowers launch into now) against what RAM holds (the
 * service's share of that source reservation, its principals and resources). Pure: the reconcile applies it
 * (shared/reconcile/sharing.ts) through the RAM gateway.
 *
 * One share per source reservation, so a re-created allocation changes only the share's resource (the new
 * interruptible reservation in, the cancelled one out) and the principals stay associated throughout.
 */

/** What RAM holds for one source reservation's share: associations that are (or are becoming) in place. */
export interface ObservedShare {
  shareArn: string;
  /** The source reservation the share is for (the RAM gateway reads it from the share's tag). */
  sourceReservationId: string;
  principals: readonly string[];
  resourceArns: readonly string[];
}

export interface DesiredShare {
  sourceReservationId: string;
  /** Account ids, OU ARNs and the organization ARN the config lends to (empty: lend to nobody). */
  principals: readonly string[];
  /** The interruptible reservation's ARN; absent while the source has no allocation. */
  resourceArn?: string;
  /** The share record on the source reservation: the principals' digest the service last put in place. */
  recordedDigest?: string;
}

/** Principals someone changed by hand since the service last put the config's in place. */
export interface ShareDrift {
  added: string[];
  removed: string[];
}

export type ShareAction =
  | { kind: 'create'; principals: string[]; resourceArns: string[] }
  | {
      kind: 'update';
      shareArn: string;
      associate: { principals: string[]; resourceArns: string[] };
      disassociate: { principals: string[]; resourceArns: string[] };
    };

export interface SharePlan {
  /** Absent when RAM already holds what the config wants (or there is nothing to share yet). */
  action?: ShareAction;
  drift?: ShareDrift;
  /** The digest to record once the action is done. */
  digest: string;
}

/**
 * A short, order-free digest of a set of principals, so the record fits a tag value (256 characters) for
 * any number of principals. FNV-1a over the sorted, de-duplicated list: a record, not a secret.
 */
export function principalsDigest(principals: readonly string[]): string {
  const text = [...new Set(principals)].sort().join(',');
  let hash = 0x811c9dc5;
  for (let index = 0; index < text.length; index++) {
    hash ^= text.charCodeAt(index);
    hash = Math.imul(hash, 0x01000193) >>> 0;
  }
  return `${principals.length === 0 ? 0 : new Set(principals).size}:${hash.toString(16).padStart(8, '0')}`;
}

/**
 * The plan for one source reservation. A share is created only once there is an interruptible reservation
 * to put in it and someone to share it with. Drift is a difference between RAM and the config that the
 * service did not cause: the record says the config's principals were in place, and RAM now holds others.
 * A difference after the config changed (the record names another set) is the config's, not drift.
 */
export function planShare(desired: DesiredShare, observed: ObservedShare | undefined): SharePlan {
  const principals = [...new Set(desired.principals)].sort();
  const digest = principalsDigest(principals);
  const wantedResources = desired.resourceArn === undefined ? [] : [desired.resourceArn];
  if (observed === undefined) {
    if (principals.length === 0 || desired.resourceArn === undefined) return { digest };
    return { action: { kind: 'create', principals, resourceArns: wantedResources }, digest };
  }
  const held = new Set(observed.principals);
  const heldResources = new Set(observed.resourceArns);
  const associate = {
    principals: principals.filter((principal) => !held.has(principal)),
    resourceArns: principals.length === 0 ? [] : wantedResources.filter((arn) => !heldResources.has(arn)),
  };
  const keep = new Set(principals);
  const keepResources = new Set(principals.length === 0 ? [] : wantedResources);
  const disassociate = {
    principals: [...held].filter((principal) => !keep.has(principal)).sort(),
    resourceArns: [...heldResources].filter((arn) => !keepResources.has(arn)).sort(),
  };
  const plan: SharePlan = { digest };
  const changes =
    associate.principals.length +
    associate.resourceArns.length +
    disassociate.principals.length +
    disassociate.resourceArns.length;
  if (changes > 0) plan.action = { kind: 'update', shareArn: observed.shareArn, associate, disassociate };
  const byHand = associate.principals.length + disassociate.principals.length > 0;
  if (byHand && desired.recordedDigest === digest)
    plan.drift = { added: disassociate.principals, removed: associate.principals };
  return plan;
}

/**
 * The ARN of an interruptible reservation, from its source's ARN (same partition, region and owner): RAM
 * shares resources by ARN. https://docs.aws.amazon.com/service-authorization/latest/reference/list_amazonec2.html
 * (resource type capacity-reservation).
 */
export function interruptibleReservationArn(sourceArn: string, interruptibleId: string): string {
  const slash = sourceArn.lastIndexOf('/');
  if (slash === -1 || !sourceArn.startsWith('arn:'))
    throw new RangeError(`not a capacity reservation ARN: ${sourceArn}`);
  return `${sourceArn.slice(0, slash + 1)}${interruptibleId}`;
}
