/**
 * EC2's request rules as tables: each served action's parameters as a zod schema over the ec2Query form,
 * read into a tree first (`Filter.1.Value.2=x` → `{ Filter: [{ Value: [, 'x'] }] }`). A parameter the action
 * does not take is `UnknownParameter`, a missing one `MissingParameter`, a value out of its documented
 * range, length or enumeration `InvalidParameterValue`, as EC2 answers them
 * (https://docs.aws.amazon.com/AWSEC2/latest/APIReference/errors-overview.html).
 * The rules that need the world (ids that exist, unused capacity, state) stay in capacity.ts.
 */
import * as z from 'zod';
import { MAX_CHANGE_PER_REQUEST } from './capacity.ts';
import { AwsServiceError } from './errors.ts';
import type { LocalAwsSettings } from './types.ts';

export type FormTree = { [member: string]: FormValue };
export type FormValue = string | FormTree | FormValue[];

interface FormNode {
  value?: string;
  children: Map<string, FormNode>;
}

function invalidValue(message: string): AwsServiceError {
  return new AwsServiceError('InvalidParameterValue', message);
}

/**
 * Reads flattened ec2Query members into a tree: a member whose parts are all 1-based indexes becomes a list
 * (in index order, as EC2 does not require them to be contiguous or ordered on the wire).
 */
export function formTree(params: Iterable<[string, string]>): FormTree {
  const root: FormNode = { children: new Map() };
  for (const [key, value] of params) {
    let node = root;
    for (const part of key.split('.')) {
      let child = node.children.get(part);
      if (!child) {
        child = { children: new Map() };
        node.children.set(part, child);
      }
      node = child;
    }
    node.value = value;
  }
  return toTree(root, '') as FormTree;
}

function toValue(node: FormNode, where: string): FormValue {
  if (node.children.size === 0) return node.value ?? '';
  if (node.value !== undefined)
    throw invalidValue(`The parameter ${where} is given both as a value and a list`);
  return toTree(node, where);
}

function toTree(node: FormNode, where: string): FormTree | FormValue[] {
  const keys = [...node.children.keys()];
  const prefix = where === '' ? '' : `${where}.`;
  if (where !== '' && keys.length > 0 && keys.every((key) => /^[1-9]\d*$/.test(key))) {
    return keys
      .map(Number)
      .sort((a, b) => a - b)
      .map((index) => toValue(node.children.get(String(index))!, `${prefix}${index}`));
  }
  const tree: FormTree = {};
  for (const key of keys) tree[key] = toValue(node.children.get(key)!, `${prefix}${key}`);
  return tree;
}

// ---------------------------------------------------------------- value types of the ec2Query form

const text = z.string();
/** A member that must carry a value: EC2 treats `Name=` like a missing parameter. */
const present = z.string().min(1);
const booleanText = z.enum(['true', 'false']).transform((value) => value === 'true');

/** An integer in `[min, max]`, sent as decimal text. */
function integerText(min: number, max = Number.MAX_SAFE_INTEGER) {
  return z
    .string()
    .regex(/^-?\d+$/)
    .transform(Number)
    .pipe(z.number().int().min(min).max(max));
}

function list<T extends z.ZodType>(member: T, max?: number) {
  const members = z.array(member).min(1);
  return max === undefined ? members : members.max(max);
}

/**
 * EC2 tags, counted in code points (`[...text]`), not UTF-16 units: keys 1–127 and values 0–256 Unicode characters (code points), `aws:` reserved
 * (https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_Tag.html).
 */
const tagKey = z
  .string()
  .refine((key) => key !== '', { error: 'Tag key must be given' })
  .refine((key) => [...key].length <= 127, { error: 'Tag keys accept at most 127 Unicode characters' })
  .refine((key) => !key.toLowerCase().startsWith('aws:'), {
    error: "Tag keys starting with 'aws:' are reserved for use by AWS",
  });
const tagValue = z.string().refine((value) => [...value].length <= 256, {
  error: 'Tag values accept at most 256 Unicode characters',
});
/** CreateTags: "The value parameter is required, but ... specify the parameter with no value" (an empty one). */
const tagToSet = z.strictObject({ Key: tagKey, Value: tagValue.optional() });
/** DeleteTags: a key with an optional value (only a tag holding exactly that value goes). */
const tagToDelete = z.strictObject({ Key: tagKey, Value: tagValue.optional() });

/**
 * Each resource's tag keys are unique (https://docs.aws.amazon.com/AWSEC2/latest/UserGuide/Using_Tags.html,
 * "Tag restrictions"); a request naming one key twice is refused rather than resolved by position.
 */
function uniqueKeys(tags: readonly { Key: string }[] | undefined): boolean {
  if (tags === undefined) return true;
  return new Set(tags.map((tag) => tag.Key)).size === tags.length;
}

const ZERO_SIZE_PREFERENCES = ['retain', 'default'] as const;

/**
 * ClientToken: "Unique, case-sensitive identifier ... Constraints: Maximum 64 ASCII characters"
 * (https://docs.aws.amazon.com/ec2/latest/devguide/ec2-api-idempotency.html).
 */
const clientToken = z
  .string()
  .min(1)
  .max(64)
  .regex(/^[\x20-\x7e]*$/, 'The client token must be ASCII');

/**
 * The filters of DescribeCapacityReservations: the API reference's list
 * (https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_DescribeCapacityReservations.html), `availability-zone-id`
 * (in one revision of that page), `interruptible` (the user guide's CLI example,
 * https://docs.aws.amazon.com/AWSEC2/latest/UserGuide/capacity-owner-procedures.html), and EC2's tag filters
 * `tag:<key>` and `tag-key` (https://docs.aws.amazon.com/AWSEC2/latest/UserGuide/Using_Filtering.html).
 */
export const DESCRIBE_FILTERS = [
  'instance-type',
  'owner-id',
  'instance-platform',
  'availability-zone',
  'availability-zone-id',
  'tenancy',
  'outpost-arn',
  'state',
  'start-date',
  'end-date',
  'end-date-type',
  'instance-match-criteria',
  'placement-group-arn',
  'interruptible',
  'tag-key',
] as const;

export type DescribeFilterName = (typeof DESCRIBE_FILTERS)[number] | `tag:${string}`;

const DATE_FILTERS: ReadonlySet<string> = new Set(['start-date', 'end-date']);

function isDescribeFilter(name: string): name is DescribeFilterName {
  return (
    (DESCRIBE_FILTERS as readonly string[]).includes(name) || (name.startsWith('tag:') && name.length > 4)
  );
}

const filter = z.strictObject({ Name: text, Value: list(text).optional() }).superRefine((value, context) => {
  if (!isDescribeFilter(value.Name)) {
    context.addIssue({ code: 'custom', message: `The filter '${value.Name}' is invalid`, path: ['Name'] });
    return;
  }
  // A date filter's values are dates, or patterns over their ISO text.
  if (DATE_FILTERS.has(value.Name)) {
    for (const [index, date] of (value.Value ?? []).entries()) {
      if (!/[*?]/.test(date) && Number.isNaN(Date.parse(date))) {
        context.addIssue({
          code: 'custom',
          message: `The filter value '${date}' for '${value.Name}' is not a date`,
          path: ['Value', index],
        });
      }
    }
  }
});

function describeSchema(maxResults: LocalAwsSettings['maxResults']) {
  return z.strictObject({
    CapacityReservationId: list(text).optional(),
    NextToken: text.optional(),
    MaxResults: integerText(maxResults.min, maxResults.max).optional(),
    Filter: list(filter).optional(),
    DryRun: booleanText.optional(),
  });
}

/**
 * CreateInterruptibleCapacityReservationAllocation
 * (https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_CreateInterruptibleCapacityReservationAllocation.html):
 * the source's id and the count required; a tag specification names its resource type ("When you specify a
 * tag, you must specify the resource type", API_TagSpecification.html), here only `capacity-reservation`.
 */
const createSchema = z.strictObject({
  CapacityReservationId: present,
  // "You can allocate up to 1000 instances per request" (user guide, capacity-owner-procedures.html).
  InstanceCount: integerText(1, MAX_CHANGE_PER_REQUEST),
  ClientToken: clientToken.optional(),
  DryRun: booleanText.optional(),
  ZeroSizePreference: z.enum(ZERO_SIZE_PREFERENCES).optional(),
  TagSpecification: list(
    z
      .strictObject({
        ResourceType: z.string().optional(),
        Tag: list(tagToSet).optional(),
      })
      // EC2 answers a missing type as a bad value ("Tag specification resource type must have a value").
      .superRefine(({ ResourceType: type }, context) => {
        if (type === 'capacity-reservation') return;
        context.addIssue({
          code: 'custom',
          path: ['ResourceType'],
          message:
            type === undefined || type === ''
              ? 'Tag specification resource type must have a value'
              : `'${type}' is not a valid taggable resource type for this operation.`,
        });
      })
      .refine((spec) => uniqueKeys(spec.Tag), { error: 'A tag key may appear only once' }),
  ).optional(),
});

/**
 * UpdateInterruptibleCapacityReservationAllocation
 * (https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_UpdateInterruptibleCapacityReservationAllocation.html).
 * The pages disagree on TargetInstanceCount: the newest revision and the JS SDK make it optional, older
 * revisions and botocore's model require it. The stricter reading holds here: required. No ClientToken.
 */
const updateSchema = z.strictObject({
  CapacityReservationId: present,
  TargetInstanceCount: integerText(0),
  DryRun: booleanText.optional(),
  ZeroSizePreference: z.enum(ZERO_SIZE_PREFERENCES).optional(),
});

/**
 * CreateTags and DeleteTags: "Up to 1000 resource IDs", DeleteTags "Up to 1000 tags"
 * (https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_CreateTags.html, API_DeleteTags.html).
 */
const MAX_TAGGED_RESOURCES = 1000;
const createTagsSchema = z.strictObject({
  ResourceId: list(text, MAX_TAGGED_RESOURCES),
  Tag: list(tagToSet).refine(uniqueKeys, { error: 'A tag key may appear only once' }),
  DryRun: booleanText.optional(),
});
const deleteTagsSchema = z.strictObject({
  ResourceId: list(text, MAX_TAGGED_RESOURCES),
  Tag: list(tagToDelete, 1000).optional(),
  DryRun: booleanText.optional(),
});

export type DescribeRequest = z.output<ReturnType<typeof describeSchema>>;
export type CreateRequest = z.output<typeof createSchema>;
export type UpdateRequest = z.output<typeof updateSchema>;
export type CreateTagsRequest = z.output<typeof createTagsSchema>;
export type DeleteTagsRequest = z.output<typeof deleteTagsSchema>;

// ---------------------------------------------------------------- zod issues → EC2 errors

/** A path in the tree as EC2 names the parameter on the wire: `Filter.1.Value.2`. */
function wireName(path: readonly PropertyKey[]): string {
  return path.map((part) => (typeof part === 'number' ? String(part + 1) : String(part))).join('.');
}

function valueAt(tree: FormTree, path: readonly PropertyKey[]): FormValue | undefined {
  let node: FormValue | undefined = tree;
  for (const part of path) {
    if (node === undefined || typeof node === 'string') return undefined;
    node = Array.isArray(node) ? node[part as number] : node[String(part)];
  }
  return node;
}

function ec2Error(issue: z.core.$ZodIssue, tree: FormTree): AwsServiceError {
  if (issue.code === 'unrecognized_keys') {
    const name = wireName([...issue.path, issue.keys[0] ?? '']);
    return new AwsServiceError('UnknownParameter', `The parameter ${name} is not recognized`);
  }
  if (issue.code === 'custom') return invalidValue(issue.message);
  const name = wireName(issue.path);
  const value = valueAt(tree, issue.path);
  if (value === undefined || (issue.code === 'too_small' && value === '')) {
    return new AwsServiceError('MissingParameter', `The request must contain the parameter ${name}`);
  }
  const shown = typeof value === 'string' ? value : JSON.stringify(value);
  if (issue.code === 'too_big' && issue.origin === 'array') {
    return invalidValue(`The parameter ${name} has more than ${String(issue.maximum)} members`);
  }
  if ((issue.code === 'too_small' || issue.code === 'too_big') && issue.origin === 'number') {
    const bound = issue.code === 'too_small' ? `>= ${String(issue.minimum)}` : `<= ${String(issue.maximum)}`;
    return invalidValue(`Value (${shown}) for parameter ${name} is invalid. It must be ${bound}.`);
  }
  if (issue.code === 'invalid_value') {
    return invalidValue(
      `Value (${shown}) for parameter ${name} is invalid. Valid values: ${issue.values.map(String).join(', ')}.`,
    );
  }
  const detail = issue.message.startsWith('Invalid') ? '' : ` ${issue.message}.`;
  return invalidValue(`Value (${shown}) for parameter ${name} is invalid.${detail}`);
}

function parseWith<T extends z.ZodType>(schema: T, tree: FormTree): z.output<T> {
  const parsed = schema.safeParse(tree);
  if (parsed.success) return parsed.data;
  // The first issue decides, as EC2 answers one error per request.
  throw ec2Error(parsed.error.issues[0]!, tree);
}

/** The form without Action and Version, as each action's schema reads it. */
export function parseDescribe(tree: FormTree, settings: LocalAwsSettings): DescribeRequest {
  return parseWith(describeSchema(settings.maxResults), tree);
}

export function parseCreate(tree: FormTree): CreateRequest {
  return parseWith(createSchema, tree);
}

export function parseUpdate(tree: FormTree): UpdateRequest {
  return parseWith(updateSchema, tree);
}

export function parseCreateTags(tree: FormTree): CreateTagsRequest {
  return parseWith(createTagsSchema, tree);
}

export function parseDeleteTags(tree: FormTree): DeleteTagsRequest {
  return parseWith(deleteTagsSchema, tree);
}
