/**
 * EC2 over the ec2Query protocol: form-encoded requests, XML answers, `<Response><Errors>`
 * errors. Parses and validates the wire, then hands over to the capacity model.
 */

import type { AccountState } from './account.ts';
import {
  allocationAvailable,
  CAPACITY_RESERVATION_ID,
  type DescribeEntry,
  type SourceReservation,
  sourceAvailable,
  sourceTotal,
} from './capacity.ts';
import {
  type CreateRequest,
  type CreateTagsRequest,
  type DeleteTagsRequest,
  type DescribeFilterName,
  type DescribeRequest,
  formTree,
  parseCreate,
  parseCreateTags,
  parseDeleteTags,
  parseDescribe,
  parseUpdate,
  type UpdateRequest,
} from './ec2-requests.ts';
import { AwsServiceError } from './errors.ts';
import type { LocalAwsWorld } from './world.ts';

const XMLNS = 'http://ec2.amazonaws.com/doc/2016-11-15/';
const MAX_TAGS_PER_RESOURCE = 50;

export type FormParams = Map<string, string>;

export function parseForm(body: string): FormParams {
  return new Map(new URLSearchParams(body));
}

const XML_SPECIAL = /[<>&'"]/;

export function escapeXml(text: string): string {
  if (!XML_SPECIAL.test(text)) return text;
  return text.replace(/[<>&'"]/g, (char) => {
    switch (char) {
      case '<':
        return '&lt;';
      case '>':
        return '&gt;';
      case '&':
        return '&amp;';
      case "'":
        return '&apos;';
      default:
        return '&quot;';
    }
  });
}

function element(name: string, value: string | number | boolean | undefined): string {
  if (value === undefined) return '';
  const text = typeof value === 'string' ? escapeXml(value) : String(value);
  return `<${name}>${text}</${name}>`;
}

/** The elements of `fields`, in their order (an undefined value writes none). */
function elements(fields: Record<string, string | number | boolean | undefined>): string {
  return Object.entries(fields)
    .map(([name, value]) => element(name, value))
    .join('');
}

export function ec2ErrorXml(code: string, message: string, requestId: string): string {
  return `<?xml version="1.0" encoding="UTF-8"?>\n<Response><Errors><Error>${element('Code', code)}${element(
    'Message',
    message,
  )}</Error></Errors>${element('RequestID', requestId)}</Response>`;
}

function responseXml(action: string, requestId: string, inner: string): string {
  return `<?xml version="1.0" encoding="UTF-8"?>\n<${action}Response xmlns="${XMLNS}">${element(
    'requestId',
    requestId,
  )}${inner}</${action}Response>`;
}

// ---------------------------------------------------------------- shared checks

function reservationId(value: string): string {
  if (!CAPACITY_RESERVATION_ID.test(value)) {
    throw new AwsServiceError('InvalidCapacityReservationId.Malformed', `Invalid id: "${value}"`);
  }
  return value;
}

function notFound(id: string): AwsServiceError {
  return new AwsServiceError(
    'InvalidCapacityReservationId.NotFound',
    `The capacity reservation ID '${id}' does not exist`,
  );
}

function dryRunIfAsked(dryRun: boolean | undefined): void {
  if (dryRun === true) {
    throw new AwsServiceError(
      'DryRunOperation',
      'Request would have succeeded, but DryRun flag is set.',
      412,
    );
  }
}

// ---------------------------------------------------------------- the actions

export const EC2_ACTIONS = [
  'DescribeCapacityReservations',
  'CreateInterruptibleCapacityReservationAllocation',
  'UpdateInterruptibleCapacityReservationAllocation',
  'CreateTags',
  'DeleteTags',
] as const;

export type Ec2Action = (typeof EC2_ACTIONS)[number];

export function isEc2Action(action: string): action is Ec2Action {
  return (EC2_ACTIONS as readonly string[]).includes(action);
}

export function handleEc2(
  world: LocalAwsWorld,
  action: Ec2Action,
  params: FormParams,
  region: string,
  requestId: string,
  /** The account the request is served in: the hub's when absent. */
  account: AccountState = world.account(),
): string {
  const tree = formTree(params);
  switch (action) {
    case 'DescribeCapacityReservations':
      return describeCapacityReservations(
        world,
        account,
        parseDescribe(tree, world.settings),
        region,
        requestId,
      );
    case 'CreateInterruptibleCapacityReservationAllocation':
      return createAllocation(account, parseCreate(tree), region, requestId);
    case 'UpdateInterruptibleCapacityReservationAllocation':
      return updateAllocation(account, parseUpdate(tree), region, requestId);
    case 'CreateTags':
      return createTags(account, parseCreateTags(tree), region, requestId);
    case 'DeleteTags':
      return deleteTags(account, parseDeleteTags(tree), region, requestId);
  }
}

function sourceFor(account: AccountState, id: string, region: string): SourceReservation {
  const entry = account.capacity.find(id, region);
  if (!entry) throw notFound(id);
  if (entry.kind !== 'source') {
    throw new AwsServiceError(
      'InvalidParameterValue',
      `${id} is an interruptible capacity reservation; give the source capacity reservation's id`,
    );
  }
  return entry.source;
}

function createAllocation(
  account: AccountState,
  request: CreateRequest,
  region: string,
  requestId: string,
): string {
  const id = reservationId(request.CapacityReservationId);
  const tags = new Map<string, string>();
  for (const spec of request.TagSpecification ?? []) {
    for (const tag of spec.Tag ?? []) tags.set(tag.Key, tag.Value ?? '');
  }
  if (tags.size > MAX_TAGS_PER_RESOURCE) throw tagLimitExceeded();
  const source = sourceFor(account, id, region);
  dryRunIfAsked(request.DryRun);
  const result = account.capacity.createAllocation({
    source,
    instanceCount: request.InstanceCount,
    tags,
    ...(request.ZeroSizePreference !== undefined ? { zeroSizePreference: request.ZeroSizePreference } : {}),
    ...(request.ClientToken !== undefined ? { clientToken: request.ClientToken } : {}),
  });
  return responseXml(
    'CreateInterruptibleCapacityReservationAllocation',
    requestId,
    elements({
      sourceCapacityReservationId: result.sourceCapacityReservationId,
      targetInstanceCount: result.targetInstanceCount,
      status: result.status,
      interruptionType: 'adhoc',
    }),
  );
}

function updateAllocation(
  account: AccountState,
  request: UpdateRequest,
  region: string,
  requestId: string,
): string {
  const id = reservationId(request.CapacityReservationId);
  const source = sourceFor(account, id, region);
  dryRunIfAsked(request.DryRun);
  const result = account.capacity.updateAllocation({
    source,
    targetInstanceCount: request.TargetInstanceCount,
    ...(request.ZeroSizePreference !== undefined ? { zeroSizePreference: request.ZeroSizePreference } : {}),
  });
  return responseXml(
    'UpdateInterruptibleCapacityReservationAllocation',
    requestId,
    elements({
      interruptibleCapacityReservationId: result.interruptibleCapacityReservationId,
      sourceCapacityReservationId: result.sourceCapacityReservationId,
      instanceCount: result.instanceCount,
      targetInstanceCount: result.targetInstanceCount,
      status: result.status,
      interruptionType: 'adhoc',
    }),
  );
}

/** "Maximum number of tags per resource: 50" (https://docs.aws.amazon.com/AWSEC2/latest/UserGuide/Using_Tags.html). */
function tagLimitExceeded(): AwsServiceError {
  return new AwsServiceError('TagLimitExceeded', `A resource can have at most ${MAX_TAGS_PER_RESOURCE} tags`);
}

function taggableResources(
  account: AccountState,
  ids: readonly string[],
  region: string,
): Array<Map<string, string>> {
  return ids.map((id) => {
    if (!id.startsWith('cr-')) throw new AwsServiceError('InvalidID', `The ID '${id}' is not valid`);
    const entry = account.capacity.find(reservationId(id), region);
    if (!entry) throw notFound(id);
    return entry.kind === 'source' ? entry.source.tags : entry.allocation.tags;
  });
}

function createTags(
  account: AccountState,
  request: CreateTagsRequest,
  region: string,
  requestId: string,
): string {
  const pairs = request.Tag.map((tag): [string, string] => [tag.Key, tag.Value ?? '']);
  const targets = taggableResources(account, request.ResourceId, region);
  dryRunIfAsked(request.DryRun);
  for (const tags of targets) {
    const newKeys = new Set(pairs.map(([key]) => key).filter((key) => !tags.has(key)));
    if (tags.size + newKeys.size > MAX_TAGS_PER_RESOURCE) throw tagLimitExceeded();
  }
  for (const tags of targets) for (const [key, value] of pairs) tags.set(key, value);
  return responseXml('CreateTags', requestId, element('return', true));
}

function deleteTags(
  account: AccountState,
  request: DeleteTagsRequest,
  region: string,
  requestId: string,
): string {
  const targets = taggableResources(account, request.ResourceId, region);
  dryRunIfAsked(request.DryRun);
  for (const tags of targets) {
    if (request.Tag === undefined) {
      tags.clear();
      continue;
    }
    for (const { Key: key, Value: value } of request.Tag) {
      // With a value, only a tag holding exactly that value goes (EC2's DeleteTags semantics).
      if (value === undefined || tags.get(key) === value) tags.delete(key);
    }
  }
  return responseXml('DeleteTags', requestId, element('return', true));
}

// ---------------------------------------------------------------- DescribeCapacityReservations

type EntryPredicate = (entry: DescribeEntry) => boolean;

function globPattern(value: string): (candidate: string) => boolean {
  if (!/[*?]/.test(value)) return (candidate) => candidate === value;
  const regex = new RegExp(
    `^${value
      .replace(/[.+^${}()|[\]\\]/g, '\\$&')
      .replace(/\*/g, '.*')
      .replace(/\?/g, '.')}$`,
  );
  return (candidate) => regex.test(candidate);
}

/** What each documented filter reads of a reservation; undefined: the reservation has no such value. */
type FilterFacts = Record<Exclude<DescribeFilterName, `tag:${string}` | 'tag-key'>, string | undefined>;

function entryFacts(entry: DescribeEntry): FilterFacts {
  const source = entry.kind === 'source' ? entry.source : entry.allocation.source;
  const interruptible = entry.kind === 'interruptible';
  return {
    'instance-type': source.instanceType,
    'owner-id': source.ownerId,
    // The endpoint's reservations are all Linux/UNIX, default tenancy, unlimited, outside Outposts and
    // placement groups, as entryXml shows them.
    'instance-platform': 'Linux/UNIX',
    'availability-zone': source.availabilityZone,
    'availability-zone-id': source.availabilityZoneId,
    tenancy: 'default',
    'outpost-arn': undefined,
    state: interruptible ? entry.allocation.reservationState : source.state,
    'start-date': iso(interruptible ? entry.allocation.createdAtMs : source.createdAtMs),
    'end-date': undefined,
    'end-date-type': 'unlimited',
    'instance-match-criteria': interruptible ? 'targeted' : 'open',
    'placement-group-arn': undefined,
    interruptible: String(interruptible),
  };
}

function describedId(entry: DescribeEntry): string {
  return entry.kind === 'source' ? entry.source.id : entry.allocation.interruptibleId;
}

function tagsOf(entry: DescribeEntry): Map<string, string> {
  return entry.kind === 'source' ? entry.source.tags : entry.allocation.tags;
}

/** A date filter's value matches the same instant, or as a pattern over the ISO text Describe shows. */
function dateMatcher(value: string): (candidate: string) => boolean {
  if (/[*?]/.test(value)) return globPattern(value);
  const ms = Date.parse(value);
  return (candidate) => Date.parse(candidate) === ms;
}

function filterPredicate(name: DescribeFilterName, values: readonly string[]): EntryPredicate {
  const isDate = name === 'start-date' || name === 'end-date';
  const matchers = values.map(isDate ? dateMatcher : globPattern);
  const any = (candidate: string | undefined): boolean =>
    candidate !== undefined && matchers.some((match) => match(candidate));
  if (name.startsWith('tag:')) {
    const key = name.slice(4);
    return (entry) => any(tagsOf(entry).get(key));
  }
  if (name === 'tag-key') return (entry) => [...tagsOf(entry).keys()].some((key) => any(key));
  const fact = name as keyof FilterFacts;
  return (entry) => any(entryFacts(entry)[fact]);
}

/** The page cursor is an opaque offset into the region's creation-ordered list. */
function encodeToken(offset: number): string {
  return Buffer.from(`v1:${offset}`).toString('base64url');
}

function decodeToken(token: string): number {
  const match = /^v1:(\d+)$/.exec(Buffer.from(token, 'base64url').toString('utf8'));
  if (!match) throw new AwsServiceError('InvalidParameterValue', `Invalid value '${token}' for NextToken`);
  return Number(match[1]);
}

function describeCapacityReservations(
  world: LocalAwsWorld,
  account: AccountState,
  request: DescribeRequest,
  region: string,
  requestId: string,
): string {
  const ids = (request.CapacityReservationId ?? []).map(reservationId);
  let sharedCache: DescribeEntry[] | undefined;
  const shared = (): DescribeEntry[] => {
    sharedCache ??= world.sharedEntries(account.id, region);
    return sharedCache;
  };
  const predicates = (request.Filter ?? []).map((filter) =>
    filterPredicate(filter.Name as DescribeFilterName, filter.Value ?? []),
  );
  const nextToken = request.NextToken;
  const offset = nextToken !== undefined && nextToken !== '' ? decodeToken(nextToken) : 0;
  dryRunIfAsked(request.DryRun);

  let candidates: readonly DescribeEntry[];
  if (ids.length > 0) {
    candidates = ids.map((id) => {
      const entry =
        account.capacity.find(id, region) ?? shared().find((candidate) => describedId(candidate) === id);
      if (!entry) throw notFound(id);
      return entry;
    });
  } else {
    // Reservations shared with the account (RAM) follow its own, as EC2 lists them together.
    const sharedEntries = shared();
    candidates =
      sharedEntries.length === 0
        ? account.capacity.entriesOf(region)
        : [...account.capacity.entriesOf(region), ...sharedEntries];
  }
  const pageSize = request.MaxResults ?? world.settings.maxResults.default;
  let xml = '';
  let taken = 0;
  let index = offset;
  for (; index < candidates.length && taken < pageSize; index++) {
    const entry = candidates[index]!;
    if (!predicates.every((matches) => matches(entry))) continue;
    xml += entryXml(entry);
    taken++;
  }
  // Skip a trailing run of non-matching entries so the last page does not hand out an empty next page.
  while (index < candidates.length && !predicates.every((matches) => matches(candidates[index]!))) index++;
  const more = index < candidates.length;
  return responseXml(
    'DescribeCapacityReservations',
    requestId,
    `<capacityReservationSet>${xml}</capacityReservationSet>${more ? element('nextToken', encodeToken(index)) : ''}`,
  );
}

function tagSetXml(tags: Map<string, string>): string {
  let xml = '<tagSet>';
  for (const [key, value] of tags) xml += `<item>${element('key', key)}${element('value', value)}</item>`;
  return `${xml}</tagSet>`;
}

/**
 * The reservation's instances in use. An unused reservation carries no allocation, as EC2 leaves out empty
 * lists: one item fewer to parse for each of the thousand a page holds.
 */
function usedAllocationXml(count: number): string {
  if (count === 0) return '';
  return `<capacityAllocationSet><item>${element('allocationType', 'used')}${element(
    'count',
    count,
  )}</item></capacityAllocationSet>`;
}

function iso(ms: number): string {
  return new Date(ms).toISOString();
}

/**
 * The parts of an item that never change (ids, type, zone, dates) are rendered once per reservation:
 * a 1,000-item page then costs little more than its counts, tags and status.
 */
const staticXml = new WeakMap<object, { head: string; middle: string }>();

function staticParts(
  key: object,
  render: () => { head: string; middle: string },
): { head: string; middle: string } {
  let parts = staticXml.get(key);
  if (!parts) {
    parts = render();
    staticXml.set(key, parts);
  }
  return parts;
}

/** The fixed parts of a reservation's item: before its counts and state (`head`), after them (`middle`). */
function fixedParts(
  id: string,
  arn: string,
  source: SourceReservation,
  createdAtMs: number,
  matchCriteria: 'open' | 'targeted',
): { head: string; middle: string } {
  return {
    head:
      element('capacityReservationId', id) +
      element('ownerId', source.ownerId) +
      element('capacityReservationArn', arn) +
      element('availabilityZoneId', source.availabilityZoneId) +
      element('instanceType', source.instanceType) +
      element('instancePlatform', 'Linux/UNIX') +
      element('availabilityZone', source.availabilityZone) +
      element('tenancy', 'default'),
    middle:
      element('ebsOptimized', true) +
      element('ephemeralStorage', false) +
      element('startDate', iso(createdAtMs)) +
      element('endDateType', 'unlimited') +
      element('instanceMatchCriteria', matchCriteria) +
      element('createDate', iso(createdAtMs)) +
      element('reservationType', 'default'),
  };
}

function entryXml(entry: DescribeEntry): string {
  if (entry.kind === 'source') {
    const { source } = entry;
    const allocation = source.allocation;
    const { head, middle } = staticParts(source, () =>
      fixedParts(source.id, source.arn, source, source.createdAtMs, 'open'),
    );
    return (
      '<item>' +
      head +
      element('totalInstanceCount', sourceTotal(source)) +
      element('availableInstanceCount', sourceAvailable(source)) +
      element('state', source.state) +
      middle +
      tagSetXml(source.tags) +
      usedAllocationXml(Math.min(source.ownerRunning, sourceTotal(source))) +
      (allocation
        ? '<interruptibleCapacityAllocation>' +
          element('instanceCount', allocation.current) +
          element('targetInstanceCount', allocation.target) +
          element('status', allocation.status) +
          element('interruptibleCapacityReservationId', allocation.interruptibleId) +
          element('interruptionType', 'adhoc') +
          element('zeroSizePreference', allocation.zeroSizePreference) +
          '</interruptibleCapacityAllocation>'
        : '') +
      '</item>'
    );
  }
  const { allocation } = entry;
  const source = allocation.source;
  const cancelled = allocation.reservationState === 'cancelled';
  const { head, middle } = staticParts(allocation, () =>
    fixedParts(allocation.interruptibleId, allocation.arn, source, allocation.createdAtMs, 'targeted'),
  );
  return (
    '<item>' +
    head +
    element('totalInstanceCount', cancelled ? 0 : allocation.current) +
    element('availableInstanceCount', cancelled ? 0 : allocationAvailable(allocation)) +
    element('state', allocation.reservationState) +
    middle +
    tagSetXml(allocation.tags) +
    usedAllocationXml(allocation.borrowers.length) +
    element('interruptible', true) +
    `<interruptionInfo>${element('sourceCapacityReservationId', source.id)}${element(
      'interruptionType',
      'adhoc',
    )}</interruptionInfo>` +
    element('zeroSizePreference', allocation.zeroSizePreference) +
    '</item>'
  );
}
