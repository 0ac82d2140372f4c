import type { ShortNoticeClosure } from '../domain/records.ts';
import type { AlarmState, ReservationSnapshot, ZeroSizePreference } from '../domain/reservation.ts';

/**
 * Everything the policy looks at, gathered by the reconcile's observe step. Overrides, the last reclaim
 * time and on-call's closures come typed in each snapshot's `records` (the EC2 adapter reads them from the
 * reservation's tags), so the observation holds nothing that the world does not already hold.
 */
export interface Observation {
  reservations: ReservationSnapshot[];
  /** State of every configured alarm (scaling and AZ impairment), by alarm name. */
  alarms: Record<string, AlarmState>;
  /**
   * Why the alarms could not be read (CloudWatch failed after the SDK's retries); `alarms` is then empty.
   * Alarms only ever raise the need, so reclaims go ahead, and every lend-back waits until they can be read.
   */
  alarmsUnreadable?: string;
  /** Reclamation durations the tracker measured, in seconds: the lead's p95 comes from them. */
  reclaimDurationsSeconds?: number[];
}

export type DecisionAction = 'reclaim' | 'lend' | 'hold' | 'wait';

export interface Decision {
  reservationId: string;
  /** The config entry's name. */
  name?: string;
  /** Source total + allocation current. */
  owned: number;
  /** The allocation's target now (0 when there is none). */
  currentTarget: number;
  /** Instances the owner must hold in the source (the largest active intent, at most `owned`). */
  need: number;
  /** Absolute allocation target the policy wants. */
  target: number;
  /** `wait`: the allocation is in flight; `target` is what it will need once active. */
  action: DecisionAction;
  /** The reason in words, most important first. */
  reasons: string[];
  /** When the answer is next expected to change (session boundary, override expiry, cooldown end). */
  nextChangeAt?: Date;
  /** For a schedule reclaim before the open (from open − lead): the open the capacity must be back by. */
  deadline?: Date;
  zeroSizePreference: ZeroSizePreference;
}

export interface PolicyResult {
  decisions: Decision[];
  warnings: string[];
  /** On-call's short-notice closures of configured markets, today (local) and later; absent when none. */
  closures?: ShortNoticeClosure[];
}
