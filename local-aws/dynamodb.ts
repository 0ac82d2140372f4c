/**
 * DynamoDB over awsJson1_0 (`X-Amz-Target: DynamoDB_20120810.<Operation>`): the two calls the writer's lease
 * makes, PutItem and DeleteItem, on tables seeded through the admin API, with DynamoDB's validation and error
 * shapes. Condition expressions are served for a strict subset (comparisons and attribute_exists /
 * attribute_not_exists over `#name` placeholders, joined by AND / OR); anything else is refused with a
 * ValidationException rather than guessed at.
 * API reference: https://docs.aws.amazon.com/amazondynamodb/latest/APIReference/API_PutItem.html,
 * https://docs.aws.amazon.com/amazondynamodb/latest/APIReference/API_DeleteItem.html,
 * errors: https://docs.aws.amazon.com/amazondynamodb/latest/APIReference/CommonErrors.html and
 * https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/Programming.Errors.html,
 * expressions: https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/Expressions.OperatorsAndFunctions.html
 */
import { AdminRequestError, AwsServiceError } from './errors.ts';

export const DYNAMODB_TARGET_PREFIX = 'DynamoDB_20120810.';

type Json = Record<string, unknown>;

/** The attribute types the endpoint stores; DynamoDB has more (B, BOOL, L, M, sets, NULL), refused here. */
export type AttributeValue = { S: string } | { N: string };
export type Item = Record<string, AttributeValue>;

export interface LocalTable {
  name: string;
  region: string;
  /** The partition key, of type S (the only key schema the endpoint serves: no sort key). */
  partitionKey: string;
  /** The TTL attribute, shown only: DynamoDB deletes expired items within days, so no caller may rely on it. */
  ttlAttribute?: string;
  items: Map<string, Item>;
}

export interface SeedTable {
  /** The table's account (extension): the hub's when absent. */
  accountId?: string;
  name: string;
  partitionKey: string;
  ttlAttribute?: string;
  /** The endpoint's default region when absent. */
  region?: string;
}

export interface TableView {
  name: string;
  region: string;
  partitionKey: string;
  ttlAttribute?: string;
  items: Item[];
}

/** Maximum item size (https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/ServiceQuotas.html). */
const MAX_ITEM_BYTES = 400 * 1024;
const TABLE_NAME = /^[a-zA-Z0-9_.-]{3,255}$/;

/** `__type` of each error the endpoint answers, as DynamoDB spells them (the SDK reads the part after `#`). */
export function dynamoDbErrorType(code: string): string {
  switch (code) {
    case 'ValidationException':
      return 'com.amazon.coral.validate#ValidationException';
    case 'SerializationException':
    case 'UnknownOperationException':
      return `com.amazon.coral.service#${code}`;
    case 'ThrottlingException':
      return 'com.amazon.coral.availability#ThrottlingException';
    default:
      return `com.amazonaws.dynamodb.v20120810#${code}`;
  }
}

/** DynamoDB's ConditionalCheckFailedException carries the item when asked (ReturnValuesOnConditionCheckFailure). */
export class ConditionalCheckFailed extends AwsServiceError {
  constructor(readonly item: Item | undefined) {
    super('ConditionalCheckFailedException', 'The conditional request failed');
  }
}

function validation(message: string): AwsServiceError {
  return new AwsServiceError('ValidationException', message);
}

function tableKey(region: string, name: string): string {
  return `${region}/${name}`;
}

/** The request members PutItem and DeleteItem share: the condition and what to return. */
const CONDITIONAL_WRITE_MEMBERS = [
  'ConditionExpression',
  'ExpressionAttributeNames',
  'ExpressionAttributeValues',
  'ReturnValues',
  'ReturnValuesOnConditionCheckFailure',
] as const;

/** Checks the condition on the stored item, then writes; answers the old item when `ReturnValues` asks for it. */
function conditionalWrite(body: Json, table: LocalTable, key: string, write: () => void): Json {
  const returnValues = enumMember(body, 'ReturnValues', ['NONE', 'ALL_OLD']);
  const onFailure = enumMember(body, 'ReturnValuesOnConditionCheckFailure', ['ALL_OLD', 'NONE']);
  const existing = table.items.get(key);
  checkCondition(body, existing, onFailure === 'ALL_OLD');
  write();
  return returnValues === 'ALL_OLD' && existing !== undefined ? { Attributes: existing } : {};
}

/** The tables, regional as in DynamoDB. */
export class DynamoDbModel {
  private readonly tables = new Map<string, LocalTable>();

  constructor(private readonly defaultRegion: () => string) {}

  createTable(seed: SeedTable): TableView {
    if (typeof seed?.name !== 'string' || !TABLE_NAME.test(seed.name)) {
      throw new AdminRequestError('InvalidParameterValue', 'name must match [a-zA-Z0-9_.-]{3,255}');
    }
    if (typeof seed.partitionKey !== 'string' || seed.partitionKey === '') {
      throw new AdminRequestError('MissingParameter', 'partitionKey is required');
    }
    const region = seed.region ?? this.defaultRegion();
    const table: LocalTable = {
      name: seed.name,
      region,
      partitionKey: seed.partitionKey,
      ...(seed.ttlAttribute === undefined ? {} : { ttlAttribute: seed.ttlAttribute }),
      items: new Map(),
    };
    this.tables.set(tableKey(region, seed.name), table);
    return view(table);
  }

  list(): TableView[] {
    return [...this.tables.values()].map(view);
  }

  reset(): void {
    this.tables.clear();
  }

  handle(action: string, body: Json, region: string): Json {
    switch (action) {
      case 'PutItem':
        return this.putItem(body, region);
      case 'DeleteItem':
        return this.deleteItem(body, region);
      default:
        throw new AwsServiceError(
          'UnknownOperationException',
          `The local endpoint serves PutItem and DeleteItem only, not ${action}`,
        );
    }
  }

  private putItem(body: Json, region: string): Json {
    allowOnly(body, ['TableName', 'Item', ...CONDITIONAL_WRITE_MEMBERS]);
    const table = this.table(body, region);
    if (body.Item === undefined || body.Item === null) throw notNull('item');
    const item = readItem(body.Item, 'Item');
    const key = keyOf(table, item, 'item');
    if (Buffer.byteLength(JSON.stringify(item)) > MAX_ITEM_BYTES) {
      throw validation('Item size has exceeded the maximum allowed size');
    }
    return conditionalWrite(body, table, key, () => table.items.set(key, item));
  }

  private deleteItem(body: Json, region: string): Json {
    allowOnly(body, ['TableName', 'Key', ...CONDITIONAL_WRITE_MEMBERS]);
    const table = this.table(body, region);
    if (body.Key === undefined || body.Key === null) throw notNull('key');
    const keyItem = readItem(body.Key, 'Key');
    if (Object.keys(keyItem).length !== 1 || keyItem[table.partitionKey] === undefined) {
      throw validation('The provided key element does not match the schema');
    }
    const key = keyOf(table, keyItem, 'key');
    return conditionalWrite(body, table, key, () => table.items.delete(key));
  }

  private table(body: Json, region: string): LocalTable {
    const name = body.TableName;
    if (name === undefined || name === null) throw notNull('tableName');
    if (typeof name !== 'string')
      throw new AwsServiceError('SerializationException', 'TableName is a string');
    if (!TABLE_NAME.test(name)) {
      throw validation(
        `1 validation error detected: Value '${name}' at 'tableName' failed to satisfy constraint: Member must satisfy regular expression pattern: [a-zA-Z0-9_.-]+`,
      );
    }
    const table = this.tables.get(tableKey(region, name));
    if (!table) throw new AwsServiceError('ResourceNotFoundException', 'Requested resource not found');
    return table;
  }
}

function view(table: LocalTable): TableView {
  return {
    name: table.name,
    region: table.region,
    partitionKey: table.partitionKey,
    ...(table.ttlAttribute === undefined ? {} : { ttlAttribute: table.ttlAttribute }),
    items: [...table.items.values()],
  };
}

function notNull(member: string): AwsServiceError {
  return validation(
    `1 validation error detected: Value null at '${member}' failed to satisfy constraint: Member must not be null`,
  );
}

/** Members the service never sends (legacy Expected, metrics) are refused, not ignored: they would change results. */
function allowOnly(body: Json, members: readonly string[]): void {
  const unknown = Object.keys(body).filter((member) => !members.includes(member));
  if (unknown.length > 0) {
    throw validation(`The local endpoint does not serve these request members: ${unknown.join(', ')}`);
  }
}

function enumMember(body: Json, member: string, values: readonly string[]): string | undefined {
  const value = body[member];
  if (value === undefined) return undefined;
  if (typeof value !== 'string' || !values.includes(value)) {
    const field = member.charAt(0).toLowerCase() + member.slice(1);
    throw validation(
      `1 validation error detected: Value '${String(value)}' at '${field}' failed to satisfy constraint: Member must satisfy enum value set: [${values.join(', ')}]`,
    );
  }
  return value;
}

function isObject(value: unknown): value is Json {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function readItem(value: unknown, member: string): Item {
  if (!isObject(value)) throw new AwsServiceError('SerializationException', `${member} must be a map`);
  const item: Item = {};
  for (const [name, attribute] of Object.entries(value)) item[name] = readAttribute(attribute);
  return item;
}

const SERVED_TYPES = ['S', 'N'];
const DYNAMODB_TYPES = ['S', 'N', 'B', 'SS', 'NS', 'BS', 'M', 'L', 'NULL', 'BOOL'];

function readAttribute(value: unknown): AttributeValue {
  if (!isObject(value)) throw new AwsServiceError('SerializationException', 'an AttributeValue is a map');
  const types = Object.keys(value).filter((type) => DYNAMODB_TYPES.includes(type));
  if (types.length === 0) {
    throw validation('Supplied AttributeValue is empty, must contain exactly one of the supported datatypes');
  }
  if (types.length > 1) {
    throw validation(
      'Supplied AttributeValue has more than one datatypes set, must contain exactly one of the supported datatypes',
    );
  }
  const type = types[0] ?? '';
  if (!SERVED_TYPES.includes(type)) {
    throw validation(`The local endpoint stores S and N attributes only, not ${type}`);
  }
  const raw = value[type];
  if (typeof raw !== 'string') throw new AwsServiceError('SerializationException', `${type} is a string`);
  if (type === 'N') {
    if (!/^-?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$/.test(raw.trim())) {
      throw validation(`The parameter cannot be converted to a numeric value: ${raw}`);
    }
    return { N: raw.trim() };
  }
  return { S: raw };
}

function keyOf(table: LocalTable, item: Item, where: 'item' | 'key'): string {
  const key = item[table.partitionKey];
  if (key === undefined) {
    throw validation(
      where === 'item'
        ? `One or more parameter values were invalid: Missing the key ${table.partitionKey} in the item`
        : 'The provided key element does not match the schema',
    );
  }
  if (!('S' in key)) {
    throw validation(
      `One or more parameter values were invalid: Type mismatch for key ${table.partitionKey} expected: S actual: N`,
    );
  }
  if (key.S === '') {
    throw validation(
      `One or more parameter values are not valid. The AttributeValue for a key attribute cannot contain an empty string value. Key: ${table.partitionKey}`,
    );
  }
  return key.S;
}

// ---------------------------------------------------------------- condition expressions

type Operand = { kind: 'path'; placeholder: string } | { kind: 'value'; placeholder: string };
type Comparator = '=' | '<>' | '<' | '<=' | '>' | '>=';
type Condition =
  | { kind: 'exists'; negated: boolean; placeholder: string }
  | { kind: 'compare'; left: Operand; comparator: Comparator; right: Operand }
  | { kind: 'and' | 'or'; left: Condition; right: Condition };

/** Evaluates ConditionExpression against the item as stored (or its absence); refuses the write if false. */
function checkCondition(body: Json, existing: Item | undefined, returnItem: boolean): void {
  const expression = body.ConditionExpression;
  const names = attributeMap(body, 'ExpressionAttributeNames', (value) => typeof value === 'string');
  const values = attributeMap(body, 'ExpressionAttributeValues', () => true);
  if (expression === undefined) {
    if (names !== undefined)
      throw validation('ExpressionAttributeNames can only be specified when using expressions');
    if (values !== undefined) {
      throw validation('ExpressionAttributeValues can only be specified when using expressions');
    }
    return;
  }
  if (typeof expression !== 'string' || expression.trim() === '') {
    throw validation('Invalid ConditionExpression: The expression can not be empty;');
  }
  const condition = parseCondition(expression);
  const usedNames = new Set<string>();
  const usedValues = new Set<string>();
  collectPlaceholders(condition, usedNames, usedValues);
  for (const name of usedNames) {
    if (names?.[name] === undefined) {
      throw validation(
        `Invalid ConditionExpression: An expression attribute name used in the document path is not defined; attribute name: ${name}`,
      );
    }
  }
  for (const value of usedValues) {
    if (values?.[value] === undefined) {
      throw validation(
        `Invalid ConditionExpression: An expression attribute value used in expression is not defined; attribute value: ${value}`,
      );
    }
  }
  const unusedNames = Object.keys(names ?? {}).filter((name) => !usedNames.has(name));
  if (unusedNames.length > 0) {
    throw validation(
      `Value provided in ExpressionAttributeNames unused in expressions: keys: {${unusedNames.join(', ')}}`,
    );
  }
  const unusedValues = Object.keys(values ?? {}).filter((value) => !usedValues.has(value));
  if (unusedValues.length > 0) {
    throw validation(
      `Value provided in ExpressionAttributeValues unused in expressions: keys: {${unusedValues.join(', ')}}`,
    );
  }
  const resolvedValues: Record<string, AttributeValue> = {};
  for (const [placeholder, value] of Object.entries(values ?? {}))
    resolvedValues[placeholder] = readAttribute(value);
  const scope: EvaluationScope = {
    item: existing,
    names: (names ?? {}) as Record<string, string>,
    values: resolvedValues,
  };
  if (!evaluate(condition, scope)) throw new ConditionalCheckFailed(returnItem ? existing : undefined);
}

function attributeMap(
  body: Json,
  member: 'ExpressionAttributeNames' | 'ExpressionAttributeValues',
  valid: (value: unknown) => boolean,
): Json | undefined {
  const map = body[member];
  if (map === undefined) return undefined;
  if (!isObject(map) || !Object.values(map).every(valid)) {
    throw new AwsServiceError('SerializationException', `${member} must be a map`);
  }
  if (Object.keys(map).length === 0) throw validation(`${member} must not be empty`);
  const prefix = member === 'ExpressionAttributeNames' ? '#' : ':';
  for (const key of Object.keys(map)) {
    if (!key.startsWith(prefix) || key.length < 2) {
      throw validation(`${member} contains invalid key: Syntax error; key: "${key}"`);
    }
  }
  return map;
}

interface Token {
  text: string;
  at: number;
}

function tokenize(expression: string): Token[] {
  const tokens: Token[] = [];
  const pattern = /\s*(<>|<=|>=|[=<>(),]|[#:][A-Za-z0-9_]+|[A-Za-z_][A-Za-z0-9_.]*|\S)/y;
  pattern.lastIndex = 0;
  while (pattern.lastIndex < expression.length) {
    const match = pattern.exec(expression);
    if (match === null) break;
    const text = match[1] ?? '';
    tokens.push({ text, at: match.index + match[0].length - text.length });
  }
  return tokens;
}

function syntaxError(expression: string, token: Token | undefined): AwsServiceError {
  if (token === undefined) {
    return validation('Invalid ConditionExpression: Syntax error; token: "<EOF>", near: end of expression');
  }
  const near = expression.slice(Math.max(0, token.at - 8), token.at + token.text.length + 8).trim();
  return validation(`Invalid ConditionExpression: Syntax error; token: "${token.text}", near: "${near}"`);
}

const COMPARATORS: readonly string[] = ['=', '<>', '<', '<=', '>', '>='];
/** Parts of DynamoDB's condition grammar the endpoint refuses by name (parentheses included). */
const UNSERVED_KEYWORDS: readonly string[] = ['NOT', 'BETWEEN', 'IN', '('];

/**
 * condition := and ('OR' and)* ; and := atom ('AND' atom)* ;
 * atom := ('attribute_exists' | 'attribute_not_exists') '(' #name ')' | operand comparator operand ;
 * operand := #name | :value. Attribute names must be placeholders here (DynamoDB also takes bare names that
 * are not reserved words; the endpoint does not keep DynamoDB's list of reserved words, so it takes none).
 */
function parseCondition(expression: string): Condition {
  const tokens = tokenize(expression);
  let position = 0;
  const peek = (): Token | undefined => tokens[position];
  const next = (): Token | undefined => tokens[position++];
  const expect = (text: string): void => {
    const token = next();
    if (token?.text !== text) throw syntaxError(expression, token);
  };
  const operand = (): Operand => {
    const token = next();
    if (token !== undefined && UNSERVED_KEYWORDS.includes(token.text.toUpperCase())) {
      throw validation(`Invalid ConditionExpression: the local endpoint does not serve "${token.text}"`);
    }
    if (token?.text.startsWith('#')) return { kind: 'path', placeholder: token.text };
    if (token?.text.startsWith(':')) return { kind: 'value', placeholder: token.text };
    if (token !== undefined && /^[A-Za-z_]/.test(token.text)) {
      throw validation(
        `Invalid ConditionExpression: the local endpoint takes attribute names as #placeholders only; got "${token.text}"`,
      );
    }
    throw syntaxError(expression, token);
  };
  const atom = (): Condition => {
    const token = peek();
    if (token?.text === 'attribute_exists' || token?.text === 'attribute_not_exists') {
      next();
      expect('(');
      const path = operand();
      if (path.kind !== 'path') {
        throw validation(
          `Invalid ConditionExpression: Incorrect operand type for operator or function; operator or function: ${token.text}, operand type: value`,
        );
      }
      expect(')');
      return {
        kind: 'exists',
        negated: token.text === 'attribute_not_exists',
        placeholder: path.placeholder,
      };
    }
    if (token !== undefined && /^[A-Za-z_]/.test(token.text) && tokens[position + 1]?.text === '(') {
      throw validation(
        `Invalid ConditionExpression: the local endpoint serves attribute_exists and attribute_not_exists only; got ${token.text}`,
      );
    }
    const left = operand();
    const comparatorToken = next();
    if (comparatorToken === undefined || !COMPARATORS.includes(comparatorToken.text)) {
      throw syntaxError(expression, comparatorToken);
    }
    const right = operand();
    return { kind: 'compare', left, comparator: comparatorToken.text as Comparator, right };
  };
  const conjunction = (): Condition => {
    let left = atom();
    while (peek()?.text.toUpperCase() === 'AND') {
      next();
      left = { kind: 'and', left, right: atom() };
    }
    return left;
  };
  let condition = conjunction();
  while (peek()?.text.toUpperCase() === 'OR') {
    next();
    condition = { kind: 'or', left: condition, right: conjunction() };
  }
  if (position < tokens.length) {
    const token = peek();
    if (token !== undefined && UNSERVED_KEYWORDS.includes(token.text.toUpperCase())) {
      throw validation(`Invalid ConditionExpression: the local endpoint does not serve "${token.text}"`);
    }
    throw syntaxError(expression, token);
  }
  return condition;
}

function collectPlaceholders(condition: Condition, names: Set<string>, values: Set<string>): void {
  if (condition.kind === 'exists') {
    names.add(condition.placeholder);
    return;
  }
  if (condition.kind === 'compare') {
    for (const side of [condition.left, condition.right]) {
      (side.kind === 'path' ? names : values).add(side.placeholder);
    }
    return;
  }
  collectPlaceholders(condition.left, names, values);
  collectPlaceholders(condition.right, names, values);
}

interface EvaluationScope {
  item: Item | undefined;
  names: Record<string, string>;
  values: Record<string, AttributeValue>;
}

function evaluate(condition: Condition, scope: EvaluationScope): boolean {
  switch (condition.kind) {
    case 'and':
      return evaluate(condition.left, scope) && evaluate(condition.right, scope);
    case 'or':
      return evaluate(condition.left, scope) || evaluate(condition.right, scope);
    case 'exists': {
      const present = scope.item?.[scope.names[condition.placeholder] ?? ''] !== undefined;
      return condition.negated ? !present : present;
    }
    case 'compare': {
      const left = resolve(condition.left, scope);
      const right = resolve(condition.right, scope);
      // A missing attribute, or two values of different types, make the comparison false, not an error.
      if (left === undefined || right === undefined) return false;
      const order = compareValues(left, right);
      if (order === undefined) return false;
      switch (condition.comparator) {
        case '=':
          return order === 0;
        case '<>':
          return order !== 0;
        case '<':
          return order < 0;
        case '<=':
          return order <= 0;
        case '>':
          return order > 0;
        case '>=':
          return order >= 0;
      }
    }
  }
}

function resolve(operand: Operand, scope: EvaluationScope): AttributeValue | undefined {
  if (operand.kind === 'value') return scope.values[operand.placeholder];
  return scope.item?.[scope.names[operand.placeholder] ?? ''];
}

/** Numbers by value; strings by their UTF-8 bytes, as DynamoDB orders them. */
function compareValues(left: AttributeValue, right: AttributeValue): number | undefined {
  if ('N' in left && 'N' in right) return Math.sign(Number(left.N) - Number(right.N));
  if ('S' in left && 'S' in right) return Buffer.compare(Buffer.from(left.S), Buffer.from(right.S));
  return undefined;
}
