import {
  ConditionalCheckFailedException,
  DeleteItemCommand,
  DynamoDBClient,
  GetItemCommand,
  PutItemCommand,
  type PutItemCommandInput,
} from '@aws-sdk/client-dynamodb';
import { beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { failureOf, useTestEndpoint } from './helpers.ts';

const TABLE = 'odcr-reclaimer-dev-writer-lease';

const LEASE_TABLE = { name: TABLE, partitionKey: 'pk', ttlAttribute: 'expiresAt' };

const endpoint = useTestEndpoint({ settings: { start: '2026-03-02T13:00:00.000Z' } });
let dynamodb: DynamoDBClient;

beforeAll(() => {
  dynamodb = endpoint().client(DynamoDBClient);
});
beforeEach(() => {
  endpoint().aws.admin.clearFaults();
  // A fresh, empty table for each test (creating it again replaces it).
  endpoint().aws.admin.createTable(LEASE_TABLE);
});

/** The writer's lease write, as shared/gateways/lease.ts sends it. */
function takeLease(owner: string, expiresAt: number, now: number): PutItemCommandInput {
  return {
    TableName: TABLE,
    Item: { pk: { S: 'fleet' }, owner: { S: owner }, expiresAt: { N: String(expiresAt) } },
    ConditionExpression: 'attribute_not_exists(#key) OR #expiresAt < :now',
    ExpressionAttributeNames: { '#key': 'pk', '#expiresAt': 'expiresAt' },
    ExpressionAttributeValues: { ':now': { N: String(now) } },
    ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
  };
}

function storedItems() {
  return (
    endpoint()
      .aws.admin.tableList()
      .tables.find((table) => table.name === TABLE)?.items ?? []
  );
}

describe('DynamoDB PutItem with a condition', () => {
  it('writes when the condition holds and refuses with the stored item when it does not', async () => {
    await dynamodb.send(new PutItemCommand(takeLease('first', 1_000, 900)));
    const refused = await failureOf(dynamodb.send(new PutItemCommand(takeLease('second', 1_100, 950))));

    expect(refused).toBeInstanceOf(ConditionalCheckFailedException);
    expect(refused.$metadata?.httpStatusCode).toBe(400);
    expect(refused.message).toBe('The conditional request failed');
    expect((refused as ConditionalCheckFailedException).Item).toEqual({
      pk: { S: 'fleet' },
      owner: { S: 'first' },
      expiresAt: { N: '1000' },
    });
    expect(storedItems()).toEqual([{ pk: { S: 'fleet' }, owner: { S: 'first' }, expiresAt: { N: '1000' } }]);
  });

  it('lets a write take over once the stored expiry is below :now (numbers compared by value)', async () => {
    await dynamodb.send(new PutItemCommand(takeLease('first', 999, 900)));
    await dynamodb.send(new PutItemCommand(takeLease('second', 1_100, 1_000)));

    expect(storedItems()[0]?.owner).toEqual({ S: 'second' });
  });

  it('returns no item on a refusal unless asked to', async () => {
    await dynamodb.send(new PutItemCommand(takeLease('first', 1_000, 900)));
    const { ReturnValuesOnConditionCheckFailure: _omitted, ...input } = takeLease('second', 1_000, 900);
    const refused = await failureOf(dynamodb.send(new PutItemCommand(input)));

    expect(refused).toBeInstanceOf(ConditionalCheckFailedException);
    expect((refused as ConditionalCheckFailedException).Item).toBeUndefined();
  });
});

describe('DynamoDB DeleteItem with a condition', () => {
  it('deletes only while the condition holds', async () => {
    await dynamodb.send(new PutItemCommand(takeLease('first', 1_000, 900)));
    const release = (token: string) =>
      new DeleteItemCommand({
        TableName: TABLE,
        Key: { pk: { S: 'fleet' } },
        ConditionExpression: '#owner = :owner',
        ExpressionAttributeNames: { '#owner': 'owner' },
        ExpressionAttributeValues: { ':owner': { S: token } },
      });

    expect(await failureOf(dynamodb.send(release('someone-else')))).toBeInstanceOf(
      ConditionalCheckFailedException,
    );
    expect(storedItems()).toHaveLength(1);
    await dynamodb.send(release('first'));
    expect(storedItems()).toEqual([]);
  });

  it('refuses a key that does not match the schema', async () => {
    const failure = await failureOf(
      dynamodb.send(new DeleteItemCommand({ TableName: TABLE, Key: { id: { S: 'fleet' } } })),
    );
    expect(failure.name).toBe('ValidationException');
    expect(failure.message).toBe('The provided key element does not match the schema');
  });
});

describe('DynamoDB errors', () => {
  it('answers ResourceNotFoundException for a table that does not exist', async () => {
    const failure = await failureOf(
      dynamodb.send(new PutItemCommand({ ...takeLease('x', 1, 0), TableName: 'no-such-table' })),
    );
    expect(failure.name).toBe('ResourceNotFoundException');
    expect(failure.$metadata?.httpStatusCode).toBe(400);
  });

  it.each([
    [
      'a function outside the subset',
      'begins_with(#key, :now)',
      'attribute_exists and attribute_not_exists only',
    ],
    ['NOT', 'NOT attribute_exists(#key) OR #expiresAt < :now', 'does not serve "NOT"'],
    ['parentheses', '(attribute_not_exists(#key)) OR #expiresAt < :now', 'does not serve "("'],
    ['a bare attribute name', 'attribute_not_exists(pk) OR #expiresAt < :now', '#placeholders only'],
    ['a syntax error', '#key < ', 'Syntax error'],
  ])('refuses %s in a condition with ValidationException', async (_case, expression, message) => {
    const failure = await failureOf(
      dynamodb.send(
        new PutItemCommand({
          ...takeLease('x', 1, 0),
          ConditionExpression: expression,
          ExpressionAttributeNames: { '#key': 'pk', '#expiresAt': 'expiresAt' },
        }),
      ),
    );
    expect(failure.name).toBe('ValidationException');
    expect(failure.message).toContain(message);
    expect(storedItems()).toEqual([]);
  });

  it('refuses placeholders that are undefined or unused, as DynamoDB does', async () => {
    const undefinedValue = await failureOf(
      dynamodb.send(
        new PutItemCommand({ ...takeLease('x', 1, 0), ExpressionAttributeValues: { ':then': { N: '1' } } }),
      ),
    );
    expect(undefinedValue.name).toBe('ValidationException');
    expect(undefinedValue.message).toContain('attribute value: :now');

    const unusedName = await failureOf(
      dynamodb.send(
        new PutItemCommand({
          ...takeLease('x', 1, 0),
          ExpressionAttributeNames: { '#key': 'pk', '#expiresAt': 'expiresAt', '#extra': 'x' },
        }),
      ),
    );
    expect(unusedName.message).toBe(
      'Value provided in ExpressionAttributeNames unused in expressions: keys: {#extra}',
    );
  });

  it('refuses an item without its key, an empty key and a non-numeric N', async () => {
    const cases: [PutItemCommandInput['Item'], string][] = [
      [{ owner: { S: 'x' } }, 'Missing the key pk in the item'],
      [{ pk: { S: '' } }, 'cannot contain an empty string value'],
      [{ pk: { S: 'fleet' }, expiresAt: { N: 'soon' } }, 'cannot be converted to a numeric value'],
    ];
    for (const [item, message] of cases) {
      const failure = await failureOf(dynamodb.send(new PutItemCommand({ TableName: TABLE, Item: item })));
      expect({ name: failure.name, message: failure.message }).toEqual({
        name: 'ValidationException',
        message: expect.stringContaining(message),
      });
    }
  });

  it('serves no operation the service does not call', async () => {
    const failure = await failureOf(
      dynamodb.send(new GetItemCommand({ TableName: TABLE, Key: { pk: { S: 'fleet' } } })),
    );
    expect(failure.name).toBe('UnknownOperationException');
  });

  it('throttles through the fault API, and the SDK retries', async () => {
    endpoint().aws.admin.injectFault({
      service: 'dynamodb',
      action: 'PutItem',
      error: 'ThrottlingException',
    });
    await dynamodb.send(new PutItemCommand(takeLease('first', 1_000, 900)));

    const outcomes = endpoint()
      .aws.admin.calls({ service: 'dynamodb', action: 'PutItem' })
      .calls.slice(-2)
      .map((call) => call.outcome);
    expect(outcomes).toEqual(['ThrottlingException', 'ok']);
  });
});
