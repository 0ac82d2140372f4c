/**
 * The tag keys the service reads and writes on source reservations, beside the codecs that give them meaning
 * (tags.ts and its neighbours). Only the adapters know them: the domain sees typed records, never a tag name.
 */

/** Tag keys the service reads and writes on source reservations. Values are at most 256 chars. */
export const TAG = {
  managed: 'odcr-reclaimer:managed',
  requestedTarget: 'odcr-reclaimer:requested-target',
  requestedFrom: 'odcr-reclaimer:requested-from',
  requestedAt: 'odcr-reclaimer:requested-at',
  requestTrigger: 'odcr-reclaimer:request-trigger',
  requestReason: 'odcr-reclaimer:request-reason',
  /** ISO time of the session open a reclaim is for (absent when none): the tracker's deadline. */
  requestDeadline: 'odcr-reclaimer:request-deadline',
  /**
   * Seconds a reclaim here is expected to take when it was requested: the p95 of the measured durations the
   * lead was built on (empty while too few were measured). The tracker projects the completion with it.
   */
  requestExpectedSeconds: 'odcr-reclaimer:request-expected-seconds',
  /** ISO time of the last reclaim (target lowered): the lend-back cooldown counts from it. */
  lastReclaimAt: 'odcr-reclaimer:last-reclaim-at',
  /** A target decided while the allocation was in flight, for the tracker to apply once `active`. */
  desiredTarget: 'odcr-reclaimer:desired-target',
  desiredReason: 'odcr-reclaimer:desired-reason',
  overrideAction: 'odcr-reclaimer:override-action',
  overrideTarget: 'odcr-reclaimer:override-target',
  overrideExpires: 'odcr-reclaimer:override-expires',
  overrideReason: 'odcr-reclaimer:override-reason',
  overrideSetAt: 'odcr-reclaimer:override-set-at',
  /** `true` when a lend override was set to span the next session's reclaim (else it ends there). */
  overrideSpansSession: 'odcr-reclaimer:override-spans-session',
  /** Who set the override: the payload's `requestedBy`, or the invocation's identity. */
  overrideRequestedBy: 'odcr-reclaimer:override-requested-by',
  /**
   * The tracker's memory between runs (it is otherwise stateless): when the allocation's current count last
   * moved and to what, so a stall is measured across invocations and containers.
   */
  lastProgressAt: 'odcr-reclaimer:last-progress-at',
  lastProgressCount: 'odcr-reclaimer:last-progress-count',
  /**
   * The requested-at of the last request the tracker saw complete, so `Allocation Change Completed` is sent
   * once. It names the request rather than the time of completion: a request recorded while the tracker was
   * between its describe and its tag write is then not mistaken for the completed one.
   */
  completedRequestAt: 'odcr-reclaimer:completed-request-at',
  /**
   * When the tracker first saw the last request complete. Written with its look, before the event goes out:
   * an `Allocation Change Completed` that PutEvents refused is sent again by a later poll with this time,
   * while `completedRequestAt` (the mark that it was sent) is written only once PutEvents took it.
   */
  completionSeenAt: 'odcr-reclaimer:completion-seen-at',
  /**
   * The outbox of an `Allocation Change Failed` that the run's PutEvents refused: the failure's facts
   * (`requested-at|from|to|trigger|error-code`), until the tracker has sent it again (then empty).
   */
  outboxFailed: 'odcr-reclaimer:outbox-failed',
  /** ISO time of the last `Allocation Change Stalled`: once per stall (a new move starts a new one). */
  stallReportedAt: 'odcr-reclaimer:stall-reported-at',
  /** ISO time of the last `Deadline At Risk`: once per request. */
  deadlineRiskReportedAt: 'odcr-reclaimer:deadline-risk-reported-at',
  /**
   * Consecutive failed changes (EC2 refused the change after the SDK's retries, or left the allocation
   * `failed`), the time of the last one and what it was: the retry backoff counts from them, across runs.
   */
  /**
   * The heads-up record of the reservation's next planned reclaim (`state|session-open|planned-start`, state
   * `scheduled`, `started` or `cancelled`): written once its event is published, so each is sent once.
   */
  headsUp: 'odcr-reclaimer:heads-up',
  /**
   * The interruptible reservation id borrowers were last told of: a new one (the allocation was cancelled at 0
   * and created again) is published once, as `Interruptible Reservation Changed`.
   */
  interruptibleId: 'odcr-reclaimer:interruptible-id',
  /**
   * The share record: the digest of the principals the service last put in place on the reservation's RAM
   * share (shared/domain/share-plan.ts). RAM holding others while the config still names these is drift.
   */
  sharedWith: 'odcr-reclaimer:shared-with',
  /** The last drift corrected on the share: `time|+added|-removed` (principals, comma-separated, cut to fit). */
  shareDrift: 'odcr-reclaimer:share-drift',
  failedAttempts: 'odcr-reclaimer:failed-attempts',
  failedAt: 'odcr-reclaimer:failed-at',
  failure: 'odcr-reclaimer:failure',
} as const;

export const MANAGED_TAG_VALUE = 'true';
