import type { Page } from './pager.ts';
/**
 * What a sandbox run produces: everything the terminal timeline, the summary, the HTML report and `--json`
 * are made from. Plain JSON data (ISO strings, numbers), so a run can be written, read back and rendered
 * again without the runner.
 */

/** One event as the local endpoint recorded it (`GET /_local/events`): the run's event log. */
export interface LoggedEvent {
  time: string;
  source: string;
  'detail-type': string;
  detail: unknown;
  bus?: string;
}

export interface ReservationInfo {
  id: string;
  /** The owner account, in a run with owner accounts besides the hub. */
  accountId?: string;
  /** The config's name for it, when it has one. */
  name?: string;
  instanceType: string;
  region: string;
  availabilityZone: string;
  market?: string;
}

/** One reservation's capacity at a sample time. */
export interface CapacityPoint {
  /** Instances the owner holds in all (source + allocation). */
  owned: number;
  /** The allocation's current count: capacity lent out. */
  lent: number;
  /** Borrowers' running instances in the lent capacity. */
  borrowed: number;
  /** The allocation's target count. */
  target: number;
  status?: string;
  /** The policy's need (instances the source must hold) at the last minute measured. */
  need?: number;
}

export interface CapacitySample {
  time: string;
  reservations: Record<string, CapacityPoint>;
}

export interface SessionSpan {
  market: string;
  date: string;
  open: string;
  close: string;
  openLocal: string;
  closeLocal: string;
  timeZone: string;
  earlyClose: boolean;
  note?: string;
}

export interface ClosedDay {
  market: string;
  date: string;
  reason: string;
}

export type TimelineKind =
  | 'decision'
  | 'completion'
  | 'stall'
  | 'failure'
  | 'deadline-at-risk'
  | 'alarm'
  | 'on-call'
  | 'impairment'
  | 'error';

export interface TimelineEntry {
  time: string;
  kind: TimelineKind;
  reservationId?: string;
  text: string;
}

export interface InvocationRecord {
  time: string;
  functionName: string;
  /** What woke it: a schedule's name, a rule's name, or `on-call`. */
  trigger: string;
  ok: boolean;
  error?: string;
}

export interface ReclaimRecord {
  reservationId: string;
  from: number;
  to: number;
  trigger: string;
  reason: string;
  requestedAt: string;
  /** Absent when the reclaim never completed in the window. */
  completedAt?: string;
  durationMinutes?: number;
  /** The session open it was for, when there was one. */
  deadline?: string;
  /** Minutes between completion and the bell (negative: late). */
  marginMinutes?: number;
}

export interface LendBackRecord {
  reservationId: string;
  from: number;
  to: number;
  at: string;
  trigger: string;
  reason: string;
}

export interface NoticeRecord {
  reservationId: string;
  at: string;
  detailType: string;
  text: string;
}

/** Instance-minutes in sessions during which the source held fewer instances than the policy needed. */
export interface UnmetNeed {
  total: number;
  /** Short although the need was known in time: the service's fault. */
  late: number;
  /** Short within one physical reclaim of a raise inside the session (alarm, AZ impairment, on-call). */
  reaction: number;
}

export interface UnmetNeedSummary extends UnmetNeed {
  byReservation: Record<string, UnmetNeed>;
}

/** A run of consecutive minutes in which one reservation's source held less than its need. */
export interface ShortfallRecord {
  reservationId: string;
  /** First short minute. */
  from: string;
  /** End of the last short minute. */
  until: string;
  lateInstanceMinutes: number;
  reactionInstanceMinutes: number;
  /** The most instances missing in one minute, and the need and held count then. */
  largestShort: number;
  need: number;
  held: number;
}

/** What the event log alone tells (summary.ts). */
export interface EventSummary {
  reclaims: ReclaimRecord[];
  /** Reclaims with a deadline that completed after it, or not at all. */
  misses: ReclaimRecord[];
  stalls: NoticeRecord[];
  failures: NoticeRecord[];
  deadlinesAtRisk: NoticeRecord[];
  lendBacks: LendBackRecord[];
  lentInstanceHours: { total: number; byReservation: Record<string, number> };
  /** Lent instance-hours × the on-demand price: what the owner did not pay for capacity it did not use. */
  costAvoided?: { currency: 'USD'; total: number; byReservation: Record<string, number> };
}

/** A heads-up notice as a borrower's drain received it. */
export interface ReceivedNotice {
  /** When the drain got it (simulated ISO time). */
  at: string;
  detailType: string;
  detail: unknown;
}

/** The accounts of a run that declares owner spokes or borrowers: what was there and what each heard. */
export interface AccountsRecord {
  hubAccountId: string;
  /** The hub first, then each owner spoke, with the reservations it holds. */
  owners: { accountId: string; name?: string; reservationIds: string[] }[];
  borrowers: {
    accountId: string;
    name?: string;
    /** The source reservations RAM shared with it at some time in the run (through their interruptible reservation). */
    shared: { reservationId: string; accountId: string }[];
    received: ReceivedNotice[];
  }[];
  /** EC2's 2-minute interruption warnings to borrowers' instances, by reservation. */
  warnings: { reservationId: string; at: string }[];
}

/** One owner account's share of the verdict. */
export interface OwnerAccountSummary {
  accountId: string;
  name?: string;
  hub: boolean;
  reservations: number;
  /** Reclaims for a bell, and those complete before it. */
  reclaimsForBell: number;
  beforeBell: number;
  misses: number;
  lateInstanceMinutes: number;
  /** Pages naming one of its reservations. */
  pages: number;
}

/** One notice a borrower received, with its lead. */
export interface HeadsUpReceipt {
  receivedAt: string;
  detailType: string;
  reservationId: string;
  /** The reservation's owner account (the hub's when the notice names none). */
  ownerAccountId: string;
  name?: string;
  interruptibleReservationId?: string;
  plannedStart?: string;
  sessionOpen?: string;
  toInterrupt?: number;
  /** Minutes from receipt to the planned reclaim start. */
  minutesBeforeStart?: number;
  /** The first EC2 interruption warning of that reclaim, and the minutes the notice came before it. */
  firstWarningAt?: string;
  minutesBeforeWarning?: number;
}

export interface BorrowerSummary {
  accountId: string;
  name?: string;
  shared: { reservationId: string; accountId: string }[];
  notices: HeadsUpReceipt[];
}

export interface Summary extends EventSummary {
  /** Per owner account and per borrower, when the run has accounts besides the hub. */
  accounts?: { owners: OwnerAccountSummary[]; borrowers: BorrowerSummary[] };
  /** The verdict, measured minute by minute on the endpoint (unmet-need.ts). */
  unmetNeedInstanceMinutes: UnmetNeedSummary;
  shortfalls: ShortfallRecord[];
  /** How long a reclaim physically takes on this endpoint (warning + slowest shutdown): reaction's bound. */
  reclaimSeconds: number;
}

export interface SimulationResult {
  scenario: { name: string; description?: string; file?: string; configFile: string };
  window: { start: string; end: string };
  /** The zone the timeline shows local times in. */
  timeZone: string;
  reservations: ReservationInfo[];
  sessions: SessionSpan[];
  closedDays: ClosedDay[];
  samples: CapacitySample[];
  timeline: TimelineEntry[];
  invocations: InvocationRecord[];
  events: LoggedEvent[];
  /** Messages on the alarm topic: what paged on-call, from the template's paging rule and alarms. */
  pages?: Page[];
  accounts?: AccountsRecord;
  summary: Summary;
  /** How the run went on this machine: not part of what the scenario means. */
  run: { wallMilliseconds: number; simulatedDays: number; steps: number };
}
