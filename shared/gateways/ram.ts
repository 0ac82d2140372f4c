/**
 * AWS RAM for one owner account in one region: the service's resource shares (one per source reservation,
 * tagged `odcr-reclaimer:managed=true` and `odcr-reclaimer:source-reservation=<id>`), read with their
 * principals and resources, and changed by association. No SDK type leaks out.
 * https://docs.aws.amazon.com/ram/latest/APIReference/API_Operations.html
 */
import {
  AssociateResourceShareCommand,
  CreateResourceShareCommand,
  DisassociateResourceShareCommand,
  paginateGetResourceShareAssociations,
  paginateGetResourceShares,
  RAMClient,
  type RAMClientConfig,
  type ResourceShareAssociation,
} from '@aws-sdk/client-ram';
import type { ObservedShare } from '../domain/share-plan.ts';
import { MANAGED_TAG_VALUE, TAG } from '../records/tag-keys.ts';
import { callAws } from './aws-call.ts';
import type { CreateShareRequest, ShareAssociations, SharingGateway } from './sharing.ts';

/** The share's name: one per source reservation, readable in the console. */
export function shareName(sourceReservationId: string): string {
  return `odcr-reclaimer-${sourceReservationId}`;
}

/** The tag naming a share's source reservation (tags are how the service finds its shares again). */
export const SHARE_SOURCE_TAG = 'odcr-reclaimer:source-reservation';

/**
 * Associations that hold or are on their way: RAM's `ASSOCIATING` becomes `ASSOCIATED` by itself, and a
 * suspended one comes back when its account does. `DISASSOCIATED`, `DISASSOCIATING` and `FAILED` are gone.
 * https://docs.aws.amazon.com/ram/latest/APIReference/API_ResourceShareAssociation.html
 */
const HELD_STATUSES: ReadonlySet<string> = new Set([
  'ASSOCIATED',
  'ASSOCIATING',
  'RESTORING',
  'SUSPENDED',
  'SUSPENDING',
]);

/** Share ARNs per GetResourceShareAssociations (RAM documents no limit; kept small). */
const SHARES_PER_ASSOCIATIONS_CALL = 50;

export class RamSharingGateway implements SharingGateway {
  private readonly client: RAMClient;

  constructor(options: { client: RAMClient }) {
    this.client = options.client;
  }

  async describeShares(): Promise<ObservedShare[]> {
    const shares = await callAws('ram', 'GetResourceShares', async () => {
      const found: { arn: string; source: string }[] = [];
      const pages = paginateGetResourceShares(
        { client: this.client },
        {
          resourceOwner: 'SELF',
          resourceShareStatus: 'ACTIVE',
          tagFilters: [{ tagKey: TAG.managed, tagValues: [MANAGED_TAG_VALUE] }],
        },
      );
      for await (const page of pages) {
        for (const share of page.resourceShares ?? []) {
          const source = share.tags?.find((tag) => tag.key === SHARE_SOURCE_TAG)?.value;
          if (share.resourceShareArn !== undefined && source !== undefined)
            found.push({ arn: share.resourceShareArn, source });
        }
      }
      return found;
    });
    if (shares.length === 0) return [];
    const arns = shares.map((share) => share.arn);
    const [principals, resources] = await Promise.all([
      this.associations('PRINCIPAL', arns),
      this.associations('RESOURCE', arns),
    ]);
    return shares.map((share) => ({
      shareArn: share.arn,
      sourceReservationId: share.source,
      principals: principals.get(share.arn) ?? [],
      resourceArns: resources.get(share.arn) ?? [],
    }));
  }

  async createShare(request: CreateShareRequest): Promise<string> {
    const answer = await callAws('ram', 'CreateResourceShare', () =>
      this.client.send(
        new CreateResourceShareCommand({
          name: shareName(request.sourceReservationId),
          principals: [...request.principals],
          resourceArns: [...request.resourceArns],
          // Interruptible reservations are shared only within the owner's organization (EC2 user guide,
          // capacity-owner-procedures.html, "Sharing interruptible reservations").
          allowExternalPrincipals: false,
          tags: [
            { key: TAG.managed, value: MANAGED_TAG_VALUE },
            { key: SHARE_SOURCE_TAG, value: request.sourceReservationId },
          ],
        }),
      ),
    );
    const arn = answer.resourceShare?.resourceShareArn;
    if (arn === undefined) throw new Error(`ram:CreateResourceShare answered without a share ARN`);
    return arn;
  }

  async associate(shareArn: string, what: ShareAssociations): Promise<void> {
    if (what.principals.length + what.resourceArns.length === 0) return;
    await callAws('ram', 'AssociateResourceShare', () =>
      this.client.send(new AssociateResourceShareCommand({ resourceShareArn: shareArn, ...lists(what) })),
    );
  }

  async disassociate(shareArn: string, what: ShareAssociations): Promise<void> {
    if (what.principals.length + what.resourceArns.length === 0) return;
    await callAws('ram', 'DisassociateResourceShare', () =>
      this.client.send(new DisassociateResourceShareCommand({ resourceShareArn: shareArn, ...lists(what) })),
    );
  }

  private async associations(
    type: 'PRINCIPAL' | 'RESOURCE',
    shareArns: readonly string[],
  ): Promise<Map<string, string[]>> {
    const byShare = new Map<string, string[]>();
    for (let start = 0; start < shareArns.length; start += SHARES_PER_ASSOCIATIONS_CALL) {
      const chunk = shareArns.slice(start, start + SHARES_PER_ASSOCIATIONS_CALL);
      const found = await callAws('ram', 'GetResourceShareAssociations', async () => {
        const associations: ResourceShareAssociation[] = [];
        const pages = paginateGetResourceShareAssociations(
          { client: this.client },
          { associationType: type, resourceShareArns: chunk },
        );
        for await (const page of pages) associations.push(...(page.resourceShareAssociations ?? []));
        return associations;
      });
      for (const association of found) {
        const { resourceShareArn, associatedEntity, status } = association;
        if (resourceShareArn === undefined || associatedEntity === undefined) continue;
        if (status !== undefined && !HELD_STATUSES.has(status)) continue;
        byShare.set(resourceShareArn, [...(byShare.get(resourceShareArn) ?? []), associatedEntity]);
      }
    }
    return byShare;
  }
}

/** Only the non-empty lists: RAM takes either or both. */
function lists(what: ShareAssociations): { principals?: string[]; resourceArns?: string[] } {
  return {
    ...(what.principals.length === 0 ? {} : { principals: [...what.principals] }),
    ...(what.resourceArns.length === 0 ? {} : { resourceArns: [...what.resourceArns] }),
  };
}

/** A RAM client with the given settings (the service's retries; a spoke's assumed credentials). */
export function createRamClient(config: RAMClientConfig): RAMClient {
  return new RAMClient(config);
}
