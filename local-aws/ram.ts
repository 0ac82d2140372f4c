/**
 * AWS RAM over its REST-JSON protocol (`POST /createresourceshare`, `POST /associateresourceshare`, ...,
 * `DELETE /deleteresourceshare?...`; errors as `x-amzn-errortype` and `{"message"}`), as @aws-sdk/client-ram
 * sends it: the calls a service makes to share capacity reservations with principals and keep the share in
 * step. A reservation shared with an account (directly, or through its organizational unit or organization)
 * is visible to that account in DescribeCapacityReservations, with the owner's `OwnerId`, as EC2 shows shared
 * reservations (https://docs.aws.amazon.com/AWSEC2/latest/UserGuide/capacity-reservation-sharing.html).
 *
 * API reference: https://docs.aws.amazon.com/ram/latest/APIReference/API_CreateResourceShare.html,
 * API_AssociateResourceShare.html, API_DisassociateResourceShare.html, API_DeleteResourceShare.html,
 * API_GetResourceShares.html, API_GetResourceShareAssociations.html, API_ListResources.html,
 * API_ListPrincipals.html; principals: "an AWS account ID, an organization ARN
 * (arn:aws:organizations::123456789012:organization/o-exampleorgid), an organizational unit ARN
 * (arn:aws:organizations::123456789012:ou/o-exampleorgid/ou-examplerootid-exampleouid123), an IAM role or user
 * ARN, or a service principal" (API_CreateResourceShare.html, principals).
 */
import { createHash } from 'node:crypto';
import { z } from 'zod';
import { AwsServiceError } from './errors.ts';
import { type JsonErrorCodes, parseJsonRequest } from './json-rules.ts';

type Json = Record<string, unknown>;

/** An organization as the admin API declares it (`POST /_local/organization`): which account is where. */
export interface OrganizationSeed {
  /** `o-` + 10–32 lowercase letters or digits. */
  id: string;
  managementAccountId: string;
  /** Member accounts directly under the root (the management account is always a member). */
  accounts?: string[];
  /** Organizational units (`ou-` + root part + `-` + unit part) and their member accounts. */
  units?: Array<{ id: string; accounts: string[] }>;
}

/** `GET /_local/shares`: a share as GetResourceShares shows it, with its region and every association. */
export interface ShareView {
  resourceShareArn: string;
  name: string;
  owningAccountId: string;
  allowExternalPrincipals: boolean;
  status: ShareStatus;
  tags: Array<{ key: string; value: string }>;
  region: string;
  associations: Array<{
    associatedEntity: string;
    associationType: 'PRINCIPAL' | 'RESOURCE';
    status: AssociationStatus;
    external: boolean;
  }>;
}

export type ShareStatus = 'PENDING' | 'ACTIVE' | 'FAILED' | 'DELETING' | 'DELETED';
export type AssociationStatus = 'ASSOCIATING' | 'ASSOCIATED' | 'FAILED' | 'DISASSOCIATING' | 'DISASSOCIATED';

interface Association {
  entity: string;
  type: 'PRINCIPAL' | 'RESOURCE';
  status: AssociationStatus;
  createdMs: number;
  updatedMs: number;
  external: boolean;
}

interface Share {
  arn: string;
  name: string;
  ownerId: string;
  region: string;
  allowExternalPrincipals: boolean;
  status: ShareStatus;
  tags: Array<{ key: string; value: string }>;
  createdMs: number;
  updatedMs: number;
  associations: Association[];
}

/** What RAM needs of the rest of the endpoint: the clock and whether a resource exists in an account. */
export interface RamContext {
  nowMs: number;
  region: string;
  /** The caller's account. */
  accountId: string;
  /** Whether the account holds the capacity reservation (its ARN) in the region. */
  holds: (accountId: string, arn: string) => boolean;
}

/** Error shapes of the RAM model (their codes are the shapes' names, as REST-JSON sends them). */
function ramError(code: string, message: string, status = 400): AwsServiceError {
  return new AwsServiceError(code, message, status);
}

const CODES: JsonErrorCodes = {
  missing: (path) =>
    ramError(
      'MissingRequiredParameterException',
      `The request is missing required parameter ${String(path[0])}.`,
    ),
  mistyped: (path, message) =>
    ramError('InvalidParameterException', `${path.map(String).join('.')}: ${message}`),
  validation: (message) =>
    ramError(
      /at 'maxResults'/.test(message) ? 'InvalidMaxResultsException' : 'InvalidParameterException',
      message,
    ),
};

const ACCOUNT_ID = /^\d{12}$/;
const ORGANIZATION_ARN = /^arn:aws:organizations::(\d{12}):organization\/(o-[a-z0-9]{10,32})$/;
const OU_ARN =
  /^arn:aws:organizations::(\d{12}):ou\/(o-[a-z0-9]{10,32})\/(ou-[a-z0-9]{4,32}-[a-z0-9]{8,32})$/;
const IAM_PRINCIPAL_ARN = /^arn:aws:iam::(\d{12}):(role|user)\/[\w+=,.@/-]+$/;
const SHARE_ARN = /^arn:aws:ram:([a-z]{2}(?:-[a-z]+)+-\d+):(\d{12}):resource-share\/[0-9a-f-]{36}$/;
const CAPACITY_RESERVATION_ARN =
  /^arn:aws:ec2:([a-z]{2}(?:-[a-z]+)+-\d+):(\d{12}):capacity-reservation\/cr-([0-9a-f]{8}|[0-9a-f]{17})$/;
/** Tags (API_Tag.html): key 1–128, value 0–256; at most 50 per resource share; `aws:` is reserved. */
const MAX_TAGS = 50;
const tag = z.object({ key: z.string().min(1).max(128), value: z.string().max(256).optional() });
const clientToken = z.string().min(1).max(64).optional();
const maxResults = z.int().min(1).max(500).optional();

const createSchema = z.object({
  name: z.string().min(1),
  resourceArns: z.array(z.string()).optional(),
  principals: z.array(z.string()).optional(),
  tags: z.array(tag).optional(),
  allowExternalPrincipals: z.boolean().optional(),
  clientToken,
  permissionArns: z.array(z.string()).optional(),
  sources: z.array(z.string()).optional(),
  resourceShareConfiguration: z
    .object({ retainSharingOnAccountLeaveOrganization: z.boolean().optional() })
    .optional(),
});
const associateSchema = z.object({
  resourceShareArn: z.string(),
  resourceArns: z.array(z.string()).optional(),
  principals: z.array(z.string()).optional(),
  clientToken,
  sources: z.array(z.string()).optional(),
});
const getSharesSchema = z.object({
  resourceOwner: z.enum(['SELF', 'OTHER-ACCOUNTS']),
  resourceShareArns: z.array(z.string()).optional(),
  resourceShareStatus: z.enum(['PENDING', 'ACTIVE', 'FAILED', 'DELETING', 'DELETED']).optional(),
  name: z.string().optional(),
  tagFilters: z
    .array(z.object({ tagKey: z.string().optional(), tagValues: z.array(z.string()).optional() }))
    .optional(),
  nextToken: z.string().optional(),
  maxResults,
  permissionArn: z.string().optional(),
  permissionVersion: z.int().optional(),
});
const getAssociationsSchema = z.object({
  associationType: z.enum(['PRINCIPAL', 'RESOURCE']),
  resourceShareArns: z.array(z.string()).optional(),
  resourceArn: z.string().optional(),
  principal: z.string().optional(),
  associationStatus: z
    .enum(['ASSOCIATING', 'ASSOCIATED', 'FAILED', 'DISASSOCIATING', 'DISASSOCIATED'])
    .optional(),
  nextToken: z.string().optional(),
  maxResults,
});
const listResourcesSchema = z.object({
  resourceOwner: z.enum(['SELF', 'OTHER-ACCOUNTS']),
  principal: z.string().optional(),
  resourceType: z.string().optional(),
  resourceArns: z.array(z.string()).optional(),
  resourceShareArns: z.array(z.string()).optional(),
  nextToken: z.string().optional(),
  maxResults,
  resourceRegionScope: z.enum(['ALL', 'REGIONAL', 'GLOBAL']).optional(),
});
const listPrincipalsSchema = z.object({
  resourceOwner: z.enum(['SELF', 'OTHER-ACCOUNTS']),
  resourceArn: z.string().optional(),
  principals: z.array(z.string()).optional(),
  resourceType: z.string().optional(),
  resourceShareArns: z.array(z.string()).optional(),
  nextToken: z.string().optional(),
  maxResults,
});

/** Operation of each REST path (the SDK lower-cases the operation name). */
export const RAM_OPERATIONS: Readonly<Record<string, { method: 'POST' | 'DELETE'; operation: string }>> = {
  '/createresourceshare': { method: 'POST', operation: 'CreateResourceShare' },
  '/associateresourceshare': { method: 'POST', operation: 'AssociateResourceShare' },
  '/disassociateresourceshare': { method: 'POST', operation: 'DisassociateResourceShare' },
  '/deleteresourceshare': { method: 'DELETE', operation: 'DeleteResourceShare' },
  '/getresourceshares': { method: 'POST', operation: 'GetResourceShares' },
  '/getresourceshareassociations': { method: 'POST', operation: 'GetResourceShareAssociations' },
  '/listresources': { method: 'POST', operation: 'ListResources' },
  '/listprincipals': { method: 'POST', operation: 'ListPrincipals' },
};

const seconds = (ms: number): number => ms / 1000;

/** One page of a list operation's answer: `rows` under `key`, from the request's token, and the next page's token. */
function page(
  key: string,
  rows: readonly Json[],
  request: { nextToken?: string; maxResults?: number },
): Json {
  let offset = 0;
  if (request.nextToken !== undefined) {
    const match = /^v1:(\d+)$/.exec(Buffer.from(request.nextToken, 'base64url').toString('utf8'));
    if (!match)
      throw ramError('InvalidNextTokenException', 'The specified value for NextToken is not valid.');
    offset = Number(match[1]);
  }
  const size = request.maxResults ?? 500;
  const more = offset + size < rows.length;
  return {
    [key]: rows.slice(offset, offset + size),
    ...(more ? { nextToken: Buffer.from(`v1:${offset + size}`).toString('base64url') } : {}),
  };
}

export class RamModel {
  private readonly shares = new Map<string, Share>();
  /** `<owner>/<operation>/<token>` → what the first call asked and answered. */
  private readonly tokens = new Map<string, { asked: string; answer: Json }>();
  private organization: OrganizationSeed | undefined;
  private created = 0;

  reset(): void {
    this.shares.clear();
    this.tokens.clear();
    this.organization = undefined;
  }

  setOrganization(seed: OrganizationSeed | undefined): { organization: OrganizationSeed | null } {
    this.organization = seed;
    return { organization: seed ?? null };
  }

  getOrganization(): { organization: OrganizationSeed | null } {
    return { organization: this.organization ?? null };
  }

  /** The admin view: one account's shares (every account's when absent) with all their associations. */
  shareList(filter: { accountId?: string } = {}): { shares: ShareView[] } {
    return {
      shares: [...this.shares.values()]
        .filter((share) => filter.accountId === undefined || share.ownerId === filter.accountId)
        .map((share) => ({
          ...(shareView(share) as unknown as Omit<ShareView, 'region' | 'associations'>),
          region: share.region,
          associations: share.associations.map(
            (association) =>
              associationView(share, association) as unknown as ShareView['associations'][number],
          ),
        })),
    };
  }

  /** The id of the organization an account belongs to (IAM's `aws:PrincipalOrgID`), if any. */
  organizationIdOf(accountId: string): string | undefined {
    return this.membership(accountId)?.organization.id;
  }

  /** The organization an account belongs to, and its unit. */
  private membership(accountId: string): { organization: OrganizationSeed; unit?: string } | undefined {
    const organization = this.organization;
    if (!organization) return undefined;
    const unit = organization.units?.find((candidate) => candidate.accounts.includes(accountId));
    if (unit) return { organization, unit: unit.id };
    if (organization.managementAccountId === accountId || organization.accounts?.includes(accountId)) {
      return { organization };
    }
    return undefined;
  }

  /** Whether a principal entity (account, OU, organization) takes in an account. */
  private covers(entity: string, accountId: string): boolean {
    if (entity === accountId) return true;
    const member = this.membership(accountId);
    if (!member) return false;
    const organization = ORGANIZATION_ARN.exec(entity);
    if (organization) return organization[2] === member.organization.id;
    const unit = OU_ARN.exec(entity);
    return unit !== null && unit[2] === member.organization.id && unit[3] === member.unit;
  }

  /** The capacity reservations (ARNs) shared with an account in a region, by active shares. */
  sharedWith(accountId: string, region: string): Set<string> {
    const arns = new Set<string>();
    for (const share of this.shares.values()) {
      if (share.status !== 'ACTIVE' || share.region !== region || share.ownerId === accountId) continue;
      const admitted = share.associations.some(
        (association) =>
          association.type === 'PRINCIPAL' &&
          association.status === 'ASSOCIATED' &&
          this.covers(association.entity, accountId),
      );
      if (!admitted) continue;
      for (const association of share.associations) {
        if (association.type === 'RESOURCE' && association.status === 'ASSOCIATED')
          arns.add(association.entity);
      }
    }
    return arns;
  }

  handle(operation: string, input: Json, context: RamContext): Json {
    switch (operation) {
      case 'CreateResourceShare':
        return this.create(input, context);
      case 'AssociateResourceShare':
        return this.associate(input, context, true);
      case 'DisassociateResourceShare':
        return this.associate(input, context, false);
      case 'DeleteResourceShare':
        return this.delete(input, context);
      case 'GetResourceShares':
        return this.getShares(input, context);
      case 'GetResourceShareAssociations':
        return this.getAssociations(input, context);
      case 'ListResources':
        return this.listResources(input, context);
      case 'ListPrincipals':
        return this.listPrincipals(input, context);
      default:
        throw ramError('UnknownOperationException', `The operation ${operation} is not served`, 404);
    }
  }

  /**
   * A token used before by the same account and operation: the same request answers as the first did and
   * changes nothing; another request with it is IdempotentParameterMismatchException.
   */
  private idempotent(
    context: RamContext,
    operation: string,
    token: string | undefined,
    input: Json,
    run: () => Json,
  ): Json {
    if (token === undefined) return { ...run(), clientToken: this.newToken() };
    const key = `${context.accountId}/${operation}/${token}`;
    const asked = JSON.stringify(input);
    const earlier = this.tokens.get(key);
    if (earlier) {
      if (earlier.asked !== asked) {
        throw ramError(
          'IdempotentParameterMismatchException',
          `The client token ${token} was used with different parameters.`,
        );
      }
      return earlier.answer;
    }
    const answer = { ...run(), clientToken: token };
    this.tokens.set(key, { asked, answer });
    return answer;
  }

  private newToken(): string {
    return this.uuid(`token/${++this.created}`);
  }

  private uuid(seed: string): string {
    const hex = createHash('sha256').update(seed).digest('hex');
    return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-4${hex.slice(13, 16)}-a${hex.slice(17, 20)}-${hex.slice(20, 32)}`;
  }

  private create(input: Json, context: RamContext): Json {
    const request = parseJsonRequest(createSchema, input, CODES);
    for (const unserved of ['permissionArns', 'sources', 'resourceShareConfiguration'] as const) {
      if (request[unserved] !== undefined) {
        throw ramError('InvalidParameterException', `${unserved} is not served by the local endpoint`);
      }
    }
    const tags = readTags(request.tags);
    const allowExternal = request.allowExternalPrincipals ?? true;
    return this.idempotent(context, 'CreateResourceShare', request.clientToken, input, () => {
      const resources = (request.resourceArns ?? []).map((arn) => this.resource(arn, context));
      const principals = (request.principals ?? []).map((principal) =>
        this.principal(principal, context, allowExternal),
      );
      const share: Share = {
        arn: `arn:aws:ram:${context.region}:${context.accountId}:resource-share/${this.uuid(
          `share/${context.accountId}/${++this.created}`,
        )}`,
        name: request.name,
        ownerId: context.accountId,
        region: context.region,
        allowExternalPrincipals: allowExternal,
        status: 'ACTIVE',
        tags,
        createdMs: context.nowMs,
        updatedMs: context.nowMs,
        associations: [],
      };
      this.shares.set(share.arn, share);
      for (const arn of new Set(resources)) this.link(share, arn, 'RESOURCE', context, false);
      for (const { entity, external } of principals) this.link(share, entity, 'PRINCIPAL', context, external);
      return { resourceShare: shareView(share) };
    });
  }

  private associate(input: Json, context: RamContext, associate: boolean): Json {
    const request = parseJsonRequest(associateSchema, input, CODES);
    if (request.sources !== undefined) {
      throw ramError('InvalidParameterException', 'sources is not served by the local endpoint');
    }
    const share = this.ownShare(request.resourceShareArn, context);
    if (share.status !== 'ACTIVE') {
      throw ramError(
        'InvalidStateTransitionException',
        `The resource share ${share.arn} is ${share.status}.`,
      );
    }
    if ((request.resourceArns ?? []).length === 0 && (request.principals ?? []).length === 0) {
      throw ramError('MissingRequiredParameterException', 'Give resourceArns or principals.');
    }
    const operation = associate ? 'AssociateResourceShare' : 'DisassociateResourceShare';
    return this.idempotent(context, operation, request.clientToken, input, () => {
      const changed: Association[] = [];
      if (associate) {
        const resources = (request.resourceArns ?? []).map((arn) => this.resource(arn, context));
        const principals = (request.principals ?? []).map((principal) =>
          this.principal(principal, context, share.allowExternalPrincipals),
        );
        for (const arn of new Set(resources)) changed.push(this.link(share, arn, 'RESOURCE', context, false));
        for (const { entity, external } of principals) {
          changed.push(this.link(share, entity, 'PRINCIPAL', context, external));
        }
      } else {
        const entities = [
          ...(request.resourceArns ?? []).map((arn) => ({ entity: arn, type: 'RESOURCE' as const })),
          ...(request.principals ?? []).map((principal) => ({
            entity: principal,
            type: 'PRINCIPAL' as const,
          })),
        ];
        const found = entities.map(({ entity, type }) => {
          const association = share.associations.find(
            (candidate) =>
              candidate.entity === entity && candidate.type === type && candidate.status === 'ASSOCIATED',
          );
          if (!association) {
            throw ramError(
              'UnknownResourceException',
              `${entity} is not associated with the resource share ${share.arn}.`,
            );
          }
          return association;
        });
        for (const association of found) {
          association.status = 'DISASSOCIATED';
          association.updatedMs = context.nowMs;
          changed.push(association);
        }
      }
      share.updatedMs = context.nowMs;
      // RAM answers while the change is under way; the endpoint completes it at once.
      return {
        resourceShareAssociations: changed.map((association) => ({
          ...associationView(share, association),
          status: associate ? 'ASSOCIATING' : 'DISASSOCIATING',
        })),
      };
    });
  }

  private delete(input: Json, context: RamContext): Json {
    const request = parseJsonRequest(z.object({ resourceShareArn: z.string(), clientToken }), input, CODES);
    const share = this.ownShare(request.resourceShareArn, context);
    return this.idempotent(context, 'DeleteResourceShare', request.clientToken, input, () => {
      if (share.status === 'DELETED') {
        throw ramError(
          'OperationNotPermittedException',
          `The resource share ${share.arn} is already deleted.`,
        );
      }
      share.status = 'DELETED';
      share.updatedMs = context.nowMs;
      for (const association of share.associations) {
        if (association.status === 'ASSOCIATED') {
          association.status = 'DISASSOCIATED';
          association.updatedMs = context.nowMs;
        }
      }
      return { returnValue: true };
    });
  }

  private getShares(input: Json, context: RamContext): Json {
    const request = parseJsonRequest(getSharesSchema, input, CODES);
    if (request.permissionArn !== undefined || request.permissionVersion !== undefined) {
      throw ramError('InvalidParameterException', 'permissionArn is not served by the local endpoint');
    }
    for (const arn of request.resourceShareArns ?? []) requireShareArn(arn);
    const wanted = new Set(request.resourceShareArns ?? []);
    const shares = [...this.shares.values()].filter(
      (share) =>
        share.region === context.region &&
        (request.resourceOwner === 'SELF'
          ? share.ownerId === context.accountId
          : share.ownerId !== context.accountId && this.visibleTo(share, context.accountId)) &&
        (wanted.size === 0 || wanted.has(share.arn)) &&
        (request.resourceShareStatus === undefined || share.status === request.resourceShareStatus) &&
        (request.name === undefined || share.name === request.name) &&
        (request.tagFilters ?? []).every((filter) =>
          share.tags.some(
            (candidate) =>
              (filter.tagKey === undefined || candidate.key === filter.tagKey) &&
              (filter.tagValues === undefined ||
                filter.tagValues.length === 0 ||
                filter.tagValues.includes(candidate.value)),
          ),
        ),
    );
    return page('resourceShares', shares.map(shareView), request);
  }

  private getAssociations(input: Json, context: RamContext): Json {
    const request = parseJsonRequest(getAssociationsSchema, input, CODES);
    if (request.associationType === 'PRINCIPAL' && request.resourceArn !== undefined) {
      throw ramError('InvalidParameterException', 'resourceArn applies to associationType RESOURCE only.');
    }
    if (request.associationType === 'RESOURCE' && request.principal !== undefined) {
      throw ramError('InvalidParameterException', 'principal applies to associationType PRINCIPAL only.');
    }
    for (const arn of request.resourceShareArns ?? []) requireShareArn(arn);
    const wanted = new Set(request.resourceShareArns ?? []);
    const rows: Json[] = [];
    for (const share of this.shares.values()) {
      if (share.ownerId !== context.accountId || share.region !== context.region) continue;
      if (wanted.size > 0 && !wanted.has(share.arn)) continue;
      for (const association of share.associations) {
        if (association.type !== request.associationType) continue;
        if (request.associationStatus !== undefined && association.status !== request.associationStatus)
          continue;
        if (request.resourceArn !== undefined && association.entity !== request.resourceArn) continue;
        if (request.principal !== undefined && association.entity !== request.principal) continue;
        rows.push(associationView(share, association));
      }
    }
    return page('resourceShareAssociations', rows, request);
  }

  private listResources(input: Json, context: RamContext): Json {
    const request = parseJsonRequest(listResourcesSchema, input, CODES);
    const rows: Json[] = [];
    for (const share of this.relevantShares(request.resourceOwner, request.resourceShareArns, context)) {
      if (request.principal !== undefined && !this.sharedTo(share, request.principal)) continue;
      for (const association of share.associations) {
        if (association.type !== 'RESOURCE' || association.status !== 'ASSOCIATED') continue;
        if (request.resourceArns !== undefined && !request.resourceArns.includes(association.entity))
          continue;
        if (request.resourceType !== undefined && request.resourceType !== 'ec2:CapacityReservation')
          continue;
        rows.push({
          arn: association.entity,
          type: 'ec2:CapacityReservation',
          resourceShareArn: share.arn,
          status: 'AVAILABLE',
          creationTime: seconds(association.createdMs),
          lastUpdatedTime: seconds(association.updatedMs),
          resourceRegionScope: 'REGIONAL',
        });
      }
    }
    return page('resources', rows, request);
  }

  private listPrincipals(input: Json, context: RamContext): Json {
    const request = parseJsonRequest(listPrincipalsSchema, input, CODES);
    const rows: Json[] = [];
    for (const share of this.relevantShares(request.resourceOwner, request.resourceShareArns, context)) {
      if (
        request.resourceArn !== undefined &&
        !share.associations.some(
          (association) =>
            association.type === 'RESOURCE' &&
            association.status === 'ASSOCIATED' &&
            association.entity === request.resourceArn,
        )
      )
        continue;
      for (const association of share.associations) {
        if (association.type !== 'PRINCIPAL' || association.status !== 'ASSOCIATED') continue;
        if (request.principals !== undefined && !request.principals.includes(association.entity)) continue;
        if (request.resourceOwner === 'OTHER-ACCOUNTS' && !this.covers(association.entity, context.accountId))
          continue;
        rows.push({
          id: association.entity,
          resourceShareArn: share.arn,
          creationTime: seconds(association.createdMs),
          lastUpdatedTime: seconds(association.updatedMs),
          external: association.external,
        });
      }
    }
    return page('principals', rows, request);
  }

  private relevantShares(
    owner: 'SELF' | 'OTHER-ACCOUNTS',
    arns: readonly string[] | undefined,
    context: RamContext,
  ): Share[] {
    for (const arn of arns ?? []) requireShareArn(arn);
    return [...this.shares.values()].filter(
      (share) =>
        share.status === 'ACTIVE' &&
        share.region === context.region &&
        (arns === undefined || arns.includes(share.arn)) &&
        (owner === 'SELF'
          ? share.ownerId === context.accountId
          : share.ownerId !== context.accountId && this.visibleTo(share, context.accountId)),
    );
  }

  private visibleTo(share: Share, accountId: string): boolean {
    return this.sharedTo(share, accountId);
  }

  private sharedTo(share: Share, accountId: string): boolean {
    return share.associations.some(
      (association) =>
        association.type === 'PRINCIPAL' &&
        association.status === 'ASSOCIATED' &&
        (association.entity === accountId || this.covers(association.entity, accountId)),
    );
  }

  private ownShare(arn: string, context: RamContext): Share {
    requireShareArn(arn);
    const share = this.shares.get(arn);
    if (!share || share.ownerId !== context.accountId || share.region !== context.region) {
      throw ramError('UnknownResourceException', `The resource share ${arn} does not exist.`);
    }
    return share;
  }

  /** A resource ARN to share: well formed, and a capacity reservation the caller holds in the region. */
  private resource(arn: string, context: RamContext): string {
    const match = CAPACITY_RESERVATION_ARN.exec(arn);
    if (!match) {
      if (!/^arn:aws[\w-]*:[a-z0-9-]+:[a-z0-9-]*:\d{0,12}:.+$/.test(arn)) {
        throw ramError('MalformedArnException', `The format of ${arn} is not valid.`);
      }
      throw ramError(
        'UnknownResourceException',
        `The resource ${arn} cannot be shared by the local endpoint.`,
      );
    }
    if (
      match[1] !== context.region ||
      match[2] !== context.accountId ||
      !context.holds(context.accountId, arn)
    ) {
      throw ramError(
        'UnknownResourceException',
        `The resource ${arn} does not exist in this account and Region.`,
      );
    }
    return arn;
  }

  /** A principal: an account id, an OU or organization ARN of the caller's organization, an IAM role or user. */
  private principal(
    principal: string,
    context: RamContext,
    allowExternal: boolean,
  ): { entity: string; external: boolean } {
    const owner = this.membership(context.accountId);
    let account: string | undefined;
    if (ACCOUNT_ID.test(principal)) account = principal;
    else if (IAM_PRINCIPAL_ARN.test(principal)) account = IAM_PRINCIPAL_ARN.exec(principal)?.[1];
    else {
      const organization = ORGANIZATION_ARN.exec(principal);
      const unit = OU_ARN.exec(principal);
      if (!organization && !unit) {
        if (principal.startsWith('arn:') || /^\d+$/.test(principal)) {
          throw ramError('MalformedArnException', `The format of ${principal} is not valid.`);
        }
        throw ramError('InvalidParameterException', `${principal} is not a principal RAM can share with.`);
      }
      const organizationId = (organization ?? unit)?.[2];
      if (!owner || owner.organization.id !== organizationId) {
        throw ramError(
          'UnknownResourceException',
          `${principal} is not your organization or one of its units.`,
        );
      }
      if (unit && !owner.organization.units?.some((candidate) => candidate.id === unit[3])) {
        throw ramError('UnknownResourceException', `The organizational unit ${principal} does not exist.`);
      }
      return { entity: principal, external: false };
    }
    if (account === context.accountId) {
      throw ramError(
        'InvalidParameterException',
        'A resource share cannot name its own account as a principal.',
      );
    }
    const external = !owner || this.membership(account ?? '')?.organization.id !== owner.organization.id;
    if (external && !allowExternal) {
      throw ramError(
        'OperationNotPermittedException',
        `The resource share does not allow external principals, and ${principal} is outside your organization.`,
      );
    }
    return { entity: principal, external };
  }

  private link(
    share: Share,
    entity: string,
    type: 'PRINCIPAL' | 'RESOURCE',
    context: RamContext,
    external: boolean,
  ): Association {
    const existing = share.associations.find(
      (candidate) => candidate.entity === entity && candidate.type === type,
    );
    if (existing) {
      if (existing.status !== 'ASSOCIATED') {
        existing.status = 'ASSOCIATED';
        existing.updatedMs = context.nowMs;
      }
      return existing;
    }
    const association: Association = {
      entity,
      type,
      status: 'ASSOCIATED',
      createdMs: context.nowMs,
      updatedMs: context.nowMs,
      external,
    };
    share.associations.push(association);
    return association;
  }
}

function requireShareArn(arn: string): void {
  if (!SHARE_ARN.test(arn)) throw ramError('MalformedArnException', `The format of ${arn} is not valid.`);
}

function readTags(tags: ReadonlyArray<{ key: string; value?: string | undefined }> | undefined) {
  const list = (tags ?? []).map((entry) => ({ key: entry.key, value: entry.value ?? '' }));
  if (list.length > MAX_TAGS) {
    throw ramError('TagLimitExceededException', `A resource share can have at most ${MAX_TAGS} tags.`);
  }
  if (new Set(list.map((entry) => entry.key)).size !== list.length) {
    throw ramError('InvalidParameterException', 'Each tag key may appear once.');
  }
  if (list.some((entry) => entry.key.toLowerCase().startsWith('aws:'))) {
    throw ramError('InvalidParameterException', 'Tag keys starting with aws: are reserved.');
  }
  return list;
}

function shareView(share: Share): Json {
  return {
    resourceShareArn: share.arn,
    name: share.name,
    owningAccountId: share.ownerId,
    allowExternalPrincipals: share.allowExternalPrincipals,
    status: share.status,
    tags: share.tags.map((entry) => ({ ...entry })),
    creationTime: seconds(share.createdMs),
    lastUpdatedTime: seconds(share.updatedMs),
    featureSet: 'STANDARD',
  };
}

function associationView(share: Share, association: Association): Json {
  return {
    resourceShareArn: share.arn,
    resourceShareName: share.name,
    associatedEntity: association.entity,
    associationType: association.type,
    status: association.status,
    creationTime: seconds(association.createdMs),
    lastUpdatedTime: seconds(association.updatedMs),
    external: association.external,
  };
}
