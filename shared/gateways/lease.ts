import { randomUUID } from 'node:crypto';
import {
  type AttributeValue,
  ConditionalCheckFailedException,
  DeleteItemCommand,
  type DynamoDBClient,
  PutItemCommand,
  type PutItemCommandInput,
} from '@aws-sdk/client-dynamodb';
import { callAws } from './aws-call.ts';

/**
 * The writer's lease: at most one run acts on the managed fleet at a time, whatever woke it (schedule, alarm,
 * on-call, the tracker's deferred apply). One item in a DynamoDB table, taken with a conditional PutItem and
 * given back with a conditional DeleteItem; a holder that dies is taken over once its lease has expired.
 */

/** The table's partition key attribute (serverless.yml's KeySchema names the same; the template test checks). */
export const LEASE_KEY_ATTRIBUTE = 'pk';
/** Epoch seconds after which the lease is free: the condition reads it, and the table's TTL clears old items. */
export const LEASE_EXPIRY_ATTRIBUTE = 'expiresAt';
/**
 * One lease for the whole fleet: AZ groups decide together, and a run observes and acts on every managed
 * reservation of every configured region at once, so finer leases would have to be taken all together anyway.
 */
export const FLEET_LEASE = 'fleet';

/** Who holds the lease: the run's trigger (its id is the correlation id of its logs) and since when. */
export interface LeaseHolder {
  /** The holder's trigger id. */
  owner: string;
  /** The holder's trigger kind (`schedule`, `alarm`, `on-demand`, `tracker`). */
  trigger: string;
  acquiredAt: Date;
  expiresAt: Date;
}

/** A lease this run holds; `token` is unique to this acquisition, so only this run can release it. */
export interface HeldLease extends LeaseHolder {
  token: string;
}

export interface LeaseRequest {
  owner: string;
  trigger: string;
  /** The service's clock: expiry is compared on the same clock by every run. */
  now: Date;
  durationMs: number;
}

export type LeaseAttempt = { acquired: true; lease: HeldLease } | { acquired: false; holder?: LeaseHolder };

/** What the use cases need from the lease store. */
export interface LeaseGateway {
  /** One attempt: takes the lease if it is free or expired, else says who holds it. */
  tryAcquire(request: LeaseRequest): Promise<LeaseAttempt>;
  /** Gives the lease back; `false` when it was no longer ours (expired and taken over). */
  release(lease: HeldLease): Promise<boolean>;
  /**
   * Extends a lease this run still holds to `now + durationMs` (a heartbeat of a long run); `undefined` when
   * it is no longer ours: another run owns the fleet now.
   */
  renew?(lease: HeldLease, now: Date, durationMs: number): Promise<HeldLease | undefined>;
}

export interface DynamoDbLeaseGatewayOptions {
  tableName: string;
  client: DynamoDBClient;
  /** The lease item's key; one lease for the fleet unless a test says otherwise. */
  leaseName?: string;
}

/**
 * The lease on DynamoDB. Conditional writes are strongly consistent on the item, so two runs can never both
 * see their PutItem succeed while the lease is live:
 * https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/Expressions.ConditionExpressions.html
 * Every attribute name goes through a `#placeholder` (several, e.g. `owner`, are DynamoDB reserved words).
 */
export class DynamoDbLeaseGateway implements LeaseGateway {
  private readonly client: DynamoDBClient;
  private readonly tableName: string;
  private readonly leaseName: string;

  constructor(options: DynamoDbLeaseGatewayOptions) {
    this.client = options.client;
    this.tableName = options.tableName;
    this.leaseName = options.leaseName ?? FLEET_LEASE;
  }

  async tryAcquire(request: LeaseRequest): Promise<LeaseAttempt> {
    const lease: HeldLease = {
      owner: request.owner,
      trigger: request.trigger,
      token: randomUUID(),
      acquiredAt: request.now,
      expiresAt: expiryOf(request.now, request.durationMs),
    };
    const refusal = await this.putIf(lease, {
      // Free when there is no lease, or the last one expired (its holder died or forgot to release).
      ConditionExpression: 'attribute_not_exists(#key) OR #expiresAt < :now',
      ExpressionAttributeNames: { '#key': LEASE_KEY_ATTRIBUTE, '#expiresAt': LEASE_EXPIRY_ATTRIBUTE },
      ExpressionAttributeValues: { ':now': { N: String(Math.floor(request.now.getTime() / 1000)) } },
      // The holder comes back with the refusal: no second call to say who is busy.
      ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
    });
    if (refusal === undefined) return { acquired: true, lease };
    const holder = refusal.Item === undefined ? undefined : readHolder(refusal.Item);
    return { acquired: false, ...(holder === undefined ? {} : { holder }) };
  }

  async renew(lease: HeldLease, now: Date, durationMs: number): Promise<HeldLease | undefined> {
    const renewed: HeldLease = { ...lease, expiresAt: expiryOf(now, durationMs) };
    const refusal = await this.putIf(renewed, {
      // Only our own acquisition, and only while it lasts: an expired lease may be another run's already.
      ConditionExpression: '#token = :token AND #expiresAt >= :now',
      ExpressionAttributeNames: { '#token': 'token', '#expiresAt': LEASE_EXPIRY_ATTRIBUTE },
      ExpressionAttributeValues: {
        ':token': { S: lease.token },
        ':now': { N: String(Math.floor(now.getTime() / 1000)) },
      },
    });
    return refusal === undefined ? renewed : undefined;
  }

  /** Puts `lease` if `condition` holds; the refusal when it does not (any other failure is thrown). */
  private async putIf(
    lease: HeldLease,
    condition: LeaseCondition,
  ): Promise<ConditionalCheckFailedException | undefined> {
    try {
      await callAws('dynamodb', 'PutItem', () =>
        this.client.send(
          new PutItemCommand({ TableName: this.tableName, Item: this.item(lease), ...condition }),
        ),
      );
      return undefined;
    } catch (error: unknown) {
      const refusal = conditionFailure(error);
      if (refusal === undefined) throw error;
      return refusal;
    }
  }

  private item(lease: HeldLease): Record<string, AttributeValue> {
    return {
      [LEASE_KEY_ATTRIBUTE]: { S: this.leaseName },
      owner: { S: lease.owner },
      trigger: { S: lease.trigger },
      token: { S: lease.token },
      acquiredAt: { S: lease.acquiredAt.toISOString() },
      [LEASE_EXPIRY_ATTRIBUTE]: { N: String(lease.expiresAt.getTime() / 1000) },
    };
  }

  async release(lease: HeldLease): Promise<boolean> {
    try {
      await callAws('dynamodb', 'DeleteItem', () =>
        this.client.send(
          new DeleteItemCommand({
            TableName: this.tableName,
            Key: { [LEASE_KEY_ATTRIBUTE]: { S: this.leaseName } },
            // Only our own acquisition: after an expiry another run may hold it now.
            ConditionExpression: '#token = :token',
            ExpressionAttributeNames: { '#token': 'token' },
            ExpressionAttributeValues: { ':token': { S: lease.token } },
          }),
        ),
      );
      return true;
    } catch (error: unknown) {
      if (conditionFailure(error) !== undefined) return false;
      throw error;
    }
  }
}

/** Whole seconds (TTL's unit), rounded up so the lease never ends before the duration asked for. */
function expiryOf(now: Date, durationMs: number): Date {
  return new Date(Math.ceil((now.getTime() + durationMs) / 1000) * 1000);
}

/** The SDK's refusal of a condition, whether `callAws` wrapped it or not. */
type LeaseCondition = Pick<
  PutItemCommandInput,
  | 'ConditionExpression'
  | 'ExpressionAttributeNames'
  | 'ExpressionAttributeValues'
  | 'ReturnValuesOnConditionCheckFailure'
>;

function conditionFailure(error: unknown): ConditionalCheckFailedException | undefined {
  if (error instanceof ConditionalCheckFailedException) return error;
  const cause = error instanceof Error ? error.cause : undefined;
  return cause instanceof ConditionalCheckFailedException ? cause : undefined;
}

function readHolder(item: Record<string, AttributeValue>): LeaseHolder | undefined {
  const owner = item.owner?.S;
  const trigger = item.trigger?.S;
  const acquiredAt = item.acquiredAt?.S;
  const expiresAt = item[LEASE_EXPIRY_ATTRIBUTE]?.N;
  if (owner === undefined || trigger === undefined || acquiredAt === undefined || expiresAt === undefined)
    return undefined;
  return {
    owner,
    trigger,
    acquiredAt: new Date(acquiredAt),
    expiresAt: new Date(Number(expiresAt) * 1000),
  };
}
