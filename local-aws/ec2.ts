/**
 * EC2 over the ec2Query protocol: form-encoded requests, XML answers, `<Response><Errors>`
 * errors. Parses and validates the wire, then hands over to the capacity model.
 */

import {
  allocationAvailable,
  CAPACITY_RESERVATION_ID,
  type DescribeEntry,
  type SourceReservation,
  sourceAvailable,
  sourceTotal,
} from './capacity.ts';
import { AwsServiceError } from './errors.ts';
import type { ZeroSizePreference } from './types.ts';
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

// ---------------------------------------------------------------- parameter parsing

/** Collects `Prefix.N` values (1-based, any order on the wire) into a list. */
function indexedValues(params: FormParams, prefix: string): string[] {
  const found: Array<[number, string]> = [];
  const pattern = new RegExp(`^${prefix.replace(/\./g, '\\.')}\\.(\\d+)$`);
  for (const [key, value] of params) {
    const match = pattern.exec(key);
    if (match) found.push([Number(match[1]), value]);
  }
  return found.sort((a, b) => a[0] - b[0]).map(([, value]) => value);
}

/** Groups `Prefix.N.Member...` keys by N: `[{ 'Name': 'state', 'Value.1': 'active' }, ...]`. */
function indexedStructs(params: FormParams, prefix: string): Array<Map<string, string>> {
  const groups = new Map<number, Map<string, string>>();
  const head = `${prefix}.`;
  for (const [key, value] of params) {
    if (!key.startsWith(head)) continue;
    const rest = key.slice(head.length);
    const dot = rest.indexOf('.');
    if (dot <= 0) continue;
    const index = Number(rest.slice(0, dot));
    if (!Number.isInteger(index)) continue;
    let group = groups.get(index);
    if (!group) {
      group = new Map();
      groups.set(index, group);
    }
    group.set(rest.slice(dot + 1), value);
  }
  return [...groups.entries()].sort((a, b) => a[0] - b[0]).map(([, group]) => group);
}

function required(params: FormParams, name: string): string {
  const value = params.get(name);
  if (value === undefined || value === '') {
    throw new AwsServiceError('MissingParameter', `The request must contain the parameter ${name}`);
  }
  return value;
}

function optionalInteger(params: FormParams, name: string): number | undefined {
  const raw = params.get(name);
  if (raw === undefined) return undefined;
  if (!/^-?\d+$/.test(raw)) {
    throw new AwsServiceError('InvalidParameterValue', `Value (${raw}) for parameter ${name} is invalid.`);
  }
  return Number(raw);
}

function nonNegative(name: string, value: number): number {
  if (value < 0) {
    throw new AwsServiceError(
      'InvalidParameterValue',
      `Value (${value}) for parameter ${name} must be >= 0.`,
    );
  }
  return value;
}

function booleanParam(params: FormParams, name: string): boolean {
  const raw = params.get(name);
  if (raw === undefined) return false;
  if (raw !== 'true' && raw !== 'false') {
    throw new AwsServiceError('InvalidParameterValue', `Value (${raw}) for parameter ${name} is invalid.`);
  }
  return raw === 'true';
}

function zeroSizePreference(params: FormParams): ZeroSizePreference | undefined {
  const raw = params.get('ZeroSizePreference');
  if (raw === undefined) return undefined;
  if (raw !== 'retain' && raw !== 'default') {
    throw new AwsServiceError(
      'InvalidParameterValue',
      `Value (${raw}) for parameter ZeroSizePreference is invalid. Valid values: retain, default.`,
    );
  }
  return raw;
}

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

function dryRunIfAsked(params: FormParams): void {
  if (booleanParam(params, 'DryRun')) {
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
): string {
  switch (action) {
    case 'DescribeCapacityReservations':
      return describeCapacityReservations(world, params, region, requestId);
    case 'CreateInterruptibleCapacityReservationAllocation':
      return createAllocation(world, params, region, requestId);
    case 'UpdateInterruptibleCapacityReservationAllocation':
      return updateAllocation(world, params, region, requestId);
    case 'CreateTags':
      return createTags(world, params, region, requestId);
    case 'DeleteTags':
      return deleteTags(world, params, region, requestId);
  }
}

function sourceFor(world: LocalAwsWorld, id: string, region: string): SourceReservation {
  const entry = world.capacity.find(id, region);
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
  world: LocalAwsWorld,
  params: FormParams,
  region: string,
  requestId: string,
): string {
  const id = reservationId(required(params, 'CapacityReservationId'));
  required(params, 'InstanceCount');
  const instanceCount = optionalInteger(params, 'InstanceCount')!;
  if (instanceCount < 1) {
    throw new AwsServiceError(
      'InvalidParameterValue',
      `Value (${instanceCount}) for parameter InstanceCount must be >= 1.`,
    );
  }
  const preference = zeroSizePreference(params);
  const tags = new Map<string, string>();
  for (const spec of indexedStructs(params, 'TagSpecification')) {
    const resourceType = spec.get('ResourceType');
    if (resourceType !== undefined && resourceType !== 'capacity-reservation') {
      throw new AwsServiceError(
        'InvalidParameterValue',
        `'${resourceType}' is not a valid taggable resource type.`,
      );
    }
    for (const [key, value] of tagPairs(spec)) tags.set(key, value);
  }
  const source = sourceFor(world, id, region);
  dryRunIfAsked(params);
  const clientToken = params.get('ClientToken');
  const result = world.capacity.createAllocation({
    source,
    instanceCount,
    tags,
    ...(preference !== undefined ? { zeroSizePreference: preference } : {}),
    ...(clientToken !== undefined ? { clientToken } : {}),
  });
  return responseXml(
    'CreateInterruptibleCapacityReservationAllocation',
    requestId,
    element('sourceCapacityReservationId', result.sourceCapacityReservationId) +
      element('targetInstanceCount', result.targetInstanceCount) +
      element('status', result.status) +
      element('interruptionType', 'adhoc'),
  );
}

function updateAllocation(
  world: LocalAwsWorld,
  params: FormParams,
  region: string,
  requestId: string,
): string {
  const id = reservationId(required(params, 'CapacityReservationId'));
  const target = optionalInteger(params, 'TargetInstanceCount');
  if (target !== undefined) nonNegative('TargetInstanceCount', target);
  const preference = zeroSizePreference(params);
  if (target === undefined && preference === undefined) {
    throw new AwsServiceError(
      'MissingParameter',
      'The request must contain the parameter TargetInstanceCount',
    );
  }
  const source = sourceFor(world, id, region);
  dryRunIfAsked(params);
  const result = world.capacity.updateAllocation({
    source,
    ...(target !== undefined ? { targetInstanceCount: target } : {}),
    ...(preference !== undefined ? { zeroSizePreference: preference } : {}),
  });
  return responseXml(
    'UpdateInterruptibleCapacityReservationAllocation',
    requestId,
    element('interruptibleCapacityReservationId', result.interruptibleCapacityReservationId) +
      element('sourceCapacityReservationId', result.sourceCapacityReservationId) +
      element('instanceCount', result.instanceCount) +
      element('targetInstanceCount', result.targetInstanceCount) +
      element('status', result.status) +
      element('interruptionType', 'adhoc'),
  );
}

function tagPairs(group: Map<string, string>): Array<[string, string]> {
  const keys = new Map<number, { key?: string; value?: string }>();
  for (const [member, value] of group) {
    const match = /^Tag\.(\d+)\.(Key|Value)$/.exec(member);
    if (!match) continue;
    const index = Number(match[1]);
    const pair = keys.get(index) ?? {};
    if (match[2] === 'Key') pair.key = value;
    else pair.value = value;
    keys.set(index, pair);
  }
  const pairs: Array<[string, string]> = [];
  for (const { key, value } of keys.values()) {
    if (key === undefined || key === '')
      throw new AwsServiceError('InvalidParameterValue', 'Tag key must be given');
    validateTag(key, value ?? '');
    pairs.push([key, value ?? '']);
  }
  return pairs;
}

/**
 * EC2's tag limits, in Unicode characters (code points, not UTF-16 units): keys at most 127, values at most 256
 * (API reference, `Tag`: https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_Tag.html).
 */
function validateTag(key: string, value: string): void {
  if ([...key].length > 127)
    throw new AwsServiceError('InvalidParameterValue', `Tag key exceeds 127 characters: ${key}`);
  if ([...value].length > 256) {
    throw new AwsServiceError('InvalidParameterValue', `Tag value exceeds 256 characters for key ${key}`);
  }
  if (key.toLowerCase().startsWith('aws:')) {
    throw new AwsServiceError('InvalidParameterValue', `Tag keys starting with 'aws:' are reserved: ${key}`);
  }
}

function taggableResources(
  world: LocalAwsWorld,
  params: FormParams,
  region: string,
): Array<Map<string, string>> {
  const ids = indexedValues(params, 'ResourceId');
  if (ids.length === 0)
    throw new AwsServiceError('MissingParameter', 'The request must contain the parameter ResourceId');
  return ids.map((id) => {
    if (!id.startsWith('cr-')) throw new AwsServiceError('InvalidID', `The ID '${id}' is not valid`);
    const entry = world.capacity.find(reservationId(id), region);
    if (!entry) throw notFound(id);
    return entry.kind === 'source' ? entry.source.tags : entry.allocation.tags;
  });
}

function createTags(world: LocalAwsWorld, params: FormParams, region: string, requestId: string): string {
  const pairs = tagPairs(new Map([...params].filter(([key]) => key.startsWith('Tag.'))));
  if (pairs.length === 0)
    throw new AwsServiceError('MissingParameter', 'The request must contain the parameter Tag');
  const targets = taggableResources(world, params, region);
  dryRunIfAsked(params);
  for (const tags of targets) {
    const newKeys = new Set(pairs.map(([key]) => key).filter((key) => !tags.has(key)));
    if (tags.size + newKeys.size > MAX_TAGS_PER_RESOURCE) {
      throw new AwsServiceError(
        'TagLimitExceeded',
        `A resource can have at most ${MAX_TAGS_PER_RESOURCE} tags`,
      );
    }
  }
  for (const tags of targets) for (const [key, value] of pairs) tags.set(key, value);
  return responseXml('CreateTags', requestId, element('return', true));
}

function deleteTags(world: LocalAwsWorld, params: FormParams, region: string, requestId: string): string {
  const targets = taggableResources(world, params, region);
  const requested = new Map<number, { key?: string; value?: string }>();
  for (const [member, value] of params) {
    const match = /^Tag\.(\d+)\.(Key|Value)$/.exec(member);
    if (!match) continue;
    const pair = requested.get(Number(match[1])) ?? {};
    if (match[2] === 'Key') pair.key = value;
    else pair.value = value;
    requested.set(Number(match[1]), pair);
  }
  dryRunIfAsked(params);
  for (const tags of targets) {
    if (requested.size === 0) {
      tags.clear();
      continue;
    }
    for (const { key, value } of requested.values()) {
      if (key === undefined) continue;
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

function entryFacts(entry: DescribeEntry): {
  state: string;
  instanceType: string;
  availabilityZone: string;
  tags: Map<string, string>;
  interruptible: boolean;
  matchCriteria: string;
} {
  if (entry.kind === 'source') {
    const { source } = entry;
    return {
      state: source.state,
      instanceType: source.instanceType,
      availabilityZone: source.availabilityZone,
      tags: source.tags,
      interruptible: false,
      matchCriteria: 'open',
    };
  }
  const { allocation } = entry;
  return {
    state: allocation.reservationState,
    instanceType: allocation.source.instanceType,
    availabilityZone: allocation.source.availabilityZone,
    tags: allocation.tags,
    interruptible: true,
    matchCriteria: 'targeted',
  };
}

function filterPredicate(name: string, values: string[]): EntryPredicate {
  const matchers = values.map(globPattern);
  const any = (candidate: string | undefined): boolean =>
    candidate !== undefined && matchers.some((match) => match(candidate));
  if (name.startsWith('tag:')) {
    const key = name.slice(4);
    return (entry) => any(entryFacts(entry).tags.get(key));
  }
  switch (name) {
    case 'state':
      return (entry) => any(entryFacts(entry).state);
    case 'instance-type':
      return (entry) => any(entryFacts(entry).instanceType);
    case 'availability-zone':
      return (entry) => any(entryFacts(entry).availabilityZone);
    case 'tag-key':
      return (entry) => [...entryFacts(entry).tags.keys()].some((key) => any(key));
    case 'interruptible':
      return (entry) => any(String(entryFacts(entry).interruptible));
    case 'instance-match-criteria':
      return (entry) => any(entryFacts(entry).matchCriteria);
    case 'owner-id':
    case 'tenancy':
    case 'instance-platform':
    case 'end-date-type':
      return () => true;
    default:
      throw new AwsServiceError('InvalidParameterValue', `The filter '${name}' is invalid`);
  }
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
  params: FormParams,
  region: string,
  requestId: string,
): string {
  const bounds = world.settings.maxResults;
  const maxResults = optionalInteger(params, 'MaxResults');
  if (maxResults !== undefined && (maxResults < bounds.min || maxResults > bounds.max)) {
    throw new AwsServiceError(
      'InvalidParameterValue',
      `Value (${maxResults}) for parameter MaxResults is invalid. Expecting a value between ${bounds.min} and ${bounds.max}.`,
    );
  }
  const ids = indexedValues(params, 'CapacityReservationId').map(reservationId);
  const predicates = indexedStructs(params, 'Filter').map((filter) => {
    const name = filter.get('Name');
    if (name === undefined) throw new AwsServiceError('MissingParameter', 'Filter.N.Name is required');
    const values = [...filter.entries()]
      .filter(([member]) => member.startsWith('Value.'))
      .map(([, value]) => value);
    return filterPredicate(name, values);
  });
  const nextToken = params.get('NextToken');
  const offset = nextToken !== undefined && nextToken !== '' ? decodeToken(nextToken) : 0;
  dryRunIfAsked(params);

  let candidates: readonly DescribeEntry[];
  if (ids.length > 0) {
    candidates = ids.map((id) => {
      const entry = world.capacity.find(id, region);
      if (!entry) throw notFound(id);
      return entry;
    });
  } else {
    candidates = world.capacity.entriesOf(region);
  }
  const pageSize = maxResults ?? bounds.default;
  let xml = '';
  let taken = 0;
  let index = offset;
  for (; index < candidates.length && taken < pageSize; index++) {
    const entry = candidates[index]!;
    if (!predicates.every((matches) => matches(entry))) continue;
    xml += entryXml(world, entry);
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

function entryXml(world: LocalAwsWorld, entry: DescribeEntry): string {
  const accountId = world.settings.accountId;
  if (entry.kind === 'source') {
    const { source } = entry;
    const allocation = source.allocation;
    const { head, middle } = staticParts(source, () => ({
      head:
        element('capacityReservationId', source.id) +
        element('ownerId', accountId) +
        element('capacityReservationArn', source.arn) +
        element('availabilityZoneId', source.availabilityZoneId) +
        element('instanceType', source.instanceType) +
        element('instancePlatform', 'Linux/UNIX') +
        element('availabilityZone', source.availabilityZone) +
        element('tenancy', 'default'),
      middle:
        element('ebsOptimized', true) +
        element('ephemeralStorage', false) +
        element('startDate', iso(source.createdAtMs)) +
        element('endDateType', 'unlimited') +
        element('instanceMatchCriteria', 'open') +
        element('createDate', iso(source.createdAtMs)) +
        element('reservationType', 'default'),
    }));
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
  const { head, middle } = staticParts(allocation, () => ({
    head:
      element('capacityReservationId', allocation.interruptibleId) +
      element('ownerId', accountId) +
      element('capacityReservationArn', allocation.arn) +
      element('availabilityZoneId', source.availabilityZoneId) +
      element('instanceType', source.instanceType) +
      element('instancePlatform', 'Linux/UNIX') +
      element('availabilityZone', source.availabilityZone) +
      element('tenancy', 'default'),
    middle:
      element('ebsOptimized', true) +
      element('ephemeralStorage', false) +
      element('startDate', iso(allocation.createdAtMs)) +
      element('endDateType', 'unlimited') +
      element('instanceMatchCriteria', 'targeted') +
      element('createDate', iso(allocation.createdAtMs)) +
      element('reservationType', 'default'),
  }));
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
