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
  /** The heads-up to borrowers, `headsUp.minutesBefore` ahead of a planned reclaim. */
  reclaimScheduled: 'Reclaim Scheduled',
  /** A reclaim serving a session (or one borrowers were told of) was issued. */
  reclaimStarted: 'Reclaim Started',
  /** A reclaim borrowers were told of will not happen: the policy no longer asks for it. */
  reclaimCancelled: 'Reclaim Cancelled',
  /** A source's interruptible reservation has a new id: borrowers' launch templates must name it. */
  interruptibleChanged: 'Interruptible Reservation Changed',
  /** A principal was added to or removed from a reservation's RAM share by hand; the service put the config's back. */
  sharingDriftCorrected: 'Sharing Drift Corrected',
} as const;

export type DetailType = (typeof DETAIL_TYPE)[keyof typeof DETAIL_TYPE];

export type TriggerKind = 'schedule' | 'alarm' | 'on-demand' | 'tracker';

/** Who a recorded change is attributed to: a trigger, or `repair` for a change found without its record. */
export const REPAIR_TRIGGER = 'repair';
export type RecordedTrigger = TriggerKind | typeof REPAIR_TRIGGER;

/** Detail of `Allocation Change Requested` and `Allocation Change Failed`. */
export interface AllocationChangeDetail {
  reservationId: string;
  /** The owner account of a spoke's reservation; absent for the hub's own. */
  accountId?: string;
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

/** The session a planned reclaim serves: the capacity is back by its open. */
export interface ServedSession {
  market: string;
  /** The trading day, local to the market (YYYY-MM-DD). */
  date: string;
  open: string;
  close: string;
}

/**
 * Detail of `Reclaim Scheduled`, `Reclaim Started` and `Reclaim Cancelled`: what borrowers of the interruptible
 * reservation need to drain ahead of EC2's 2-minute warning.
 */
export interface ReclaimNoticeDetail {
  reservationId: string;
  /** The owner account of a spoke's reservation; absent for the hub's own. */
  accountId?: string;
  name?: string;
  /** The reservation borrowers launch into (their launch templates name it). */
  interruptibleReservationId?: string;
  region: string;
  availabilityZone: string;
  instanceType: string;
  /** Allocation target now, and the one the reclaim sets. */
  from: number;
  to: number;
  /** Instances the reclaim takes back (from − to). */
  instancesToReclaim: number;
  /** Of those, how many are unused lent slots now: they return without interrupting anyone. */
  idleNow?: number;
  /** The rest: borrowers' instances that get EC2's interruption warning unless drained first. */
  toInterrupt?: number;
  /** ISO time the reclaim is planned to start (the heartbeat at or before open − lead). */
  plannedStart: string;
  session: ServedSession;
  /** `headsUp.minutesBefore` of the config. */
  headsUpMinutes: number;
  reason: string;
  triggerId: string;
}

/** Detail of `Interruptible Reservation Changed`. */
export interface InterruptibleChangedDetail {
  reservationId: string;
  /** The owner account of a spoke's reservation; absent for the hub's own. */
  accountId?: string;
  name?: string;
  /** The id borrowers launch into from now on. */
  interruptibleReservationId: string;
  /** The id they were told of before (absent the first time). */
  previousInterruptibleReservationId?: string;
  region: string;
  availabilityZone: string;
  /** The RAM principals the config shares it with. */
  sharedWith: string[];
  triggerId: string;
}

/** Detail of `Sharing Drift Corrected`. */
export interface SharingDriftDetail {
  reservationId: string;
  /** The owner account of a spoke's reservation; absent for the hub's own. */
  accountId?: string;
  name?: string;
  region: string;
  shareArn: string;
  interruptibleReservationId?: string;
  /** Principals found on the share that the config does not name (now removed again). */
  added: string[];
  /** Principals the config names that were found missing (now associated again). */
  removed: string[];
  /** The principals the share holds now: the config's. */
  sharedWith: string[];
  triggerId: string;
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
