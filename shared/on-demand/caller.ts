import type { Context } from 'aws-lambda';

/**
 * Who invoked, as far as the invocation's context says. A direct invoke carries no caller ARN; the context
 * names an identity only when the caller came through Cognito (`identity`) or sent a client context with a
 * `requestedBy` (the client context's `custom`, or `aws lambda invoke --client-context`). The payload's own
 * `requestedBy` comes before either.
 */
export function callerOf(context: Pick<Context, 'identity' | 'clientContext'>): string | undefined {
  const custom = context.clientContext?.custom as Record<string, unknown> | undefined;
  const named = custom?.['requestedBy'];
  if (typeof named === 'string' && named.trim() !== '') return named.trim().slice(0, 128);
  const cognito = context.identity?.cognitoIdentityId;
  if (cognito !== undefined && cognito !== '') return `cognito:${cognito}`;
  return undefined;
}
