import type { PolicyConfig } from '../config/schema.ts';
import { ValidationError } from '../errors/index.ts';
import type { Decision } from '../policy/types.ts';
import type { Scope } from './payload.ts';

/**
 * Whether a decision's reservation is in the on-call scope. Groups name their members by config id or name,
 * so membership is checked against both.
 */
export function scopeFilter(scope: Scope, config: PolicyConfig): (decision: Decision) => boolean {
  if (scope.kind === 'all') return () => true;
  if (scope.kind === 'reservations') {
    const ids = new Set(scope.ids);
    return (decision) => ids.has(decision.reservationId);
  }
  const members = new Set(
    config.azGroups
      .filter((group) => group.name === scope.name)
      .flatMap((group) => group.reservations.map((m) => m.reservation)),
  );
  return (decision) =>
    members.has(decision.reservationId) || (decision.name !== undefined && members.has(decision.name));
}

/** The decisions in scope; ids that are not managed reservations are the caller's mistake, named as such. */
export function selectInScope(
  scope: Scope,
  config: PolicyConfig,
  decisions: readonly Decision[],
): Decision[] {
  if (scope.kind === 'reservations') {
    const known = new Set(decisions.map((decision) => decision.reservationId));
    const unknown = scope.ids.filter((id) => !known.has(id));
    if (unknown.length > 0) {
      throw new ValidationError(
        'reservations',
        `reservations: not managed by this service (no ${'odcr-reclaimer:managed'} tag or not in the config): ${unknown.join(', ')}`,
      );
    }
  }
  return decisions.filter(scopeFilter(scope, config));
}
