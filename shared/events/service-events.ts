/**
 * The events the service publishes on its bus. Consumers (dashboards, paging rules, the
 * simulator) match on `source` and `detail-type`, so these strings are a contract.
 */
export const EVENT_SOURCE = 'odcr-reclaimer';

export const DETAIL_TYPE = {
  changeRequested: 'Allocation Change Requested',
  changeCompleted: 'Allocation Change Completed',
  changeStalled: 'Allocation Change Stalled',
  changeFailed: 'Allocation Change Failed',
  deadlineAtRisk: 'Deadline At Risk',
  /** The tracker's report while an allocation moves (current, target, remaining). */
  changeProgress: 'Allocation Change Progress',
} as const;

export type DetailType = (typeof DETAIL_TYPE)[keyof typeof DETAIL_TYPE];

export type TriggerKind = 'schedule' | 'alarm' | 'on-demand' | 'tracker';

/** Who a recorded change is attributed to: a trigger, or `repair` for a change found without its record. */
export const REPAIR_TRIGGER = 'repair';
export type RecordedTrigger = TriggerKind | typeof REPAIR_TRIGGER;

/** Detail of `Allocation Change Requested` and `Allocation Change Failed`. */
export interface AllocationChangeDetail {
  reservationId: string;
  /** Allocation target before the change (0 when there was no allocation). */
  from: number;
  to: number;
  trigger: RecordedTrigger;
  /** Set on `Allocation Change Requested` written for a change found without its record (reconcile's repair). */
  repaired?: true;
  /** The trigger's id: the correlation id of every log line of the run. */
  triggerId: string;
  reason: string;
  /** ISO time of the request. */
  requestedAt: string;
  /** ISO time by which the capacity must be back (the session open), when there is one. */
  deadline?: string;
  /** On-call's change: who asked (the payload's `requestedBy`, or the invocation's identity). */
  requestedBy?: string;
  /** On failure: the error code (e.g. `RequestLimitExceeded`) and message. */
  errorCode?: string;
  errorMessage?: string;
  /** On failure: how many changes in a row have failed on this reservation, this one included. */
  attempt?: number;
  /** On failure: when an automatic trigger tries again (absent once retries are exhausted). */
  retryAt?: string;
  /** On failure: no automatic retry follows; on-call must act. */
  retriesExhausted?: true;
}

/** One event to publish; the gateway adds the source and the bus. */
export interface ServiceEvent<Detail extends object = object> {
  detailType: DetailType;
  detail: Detail;
  /** Event time; defaults to the time of the put. */
  time?: Date;
  /** ARNs or ids the event is about. */
  resources?: string[];
}
