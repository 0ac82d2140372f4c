/**
 * The endpoint's simulated clock and its queue of what falls due (instance shutdowns, cancellations).
 * Time moves only when told (advance, set, an in-process sleep), or follows wall time `speed` times over;
 * whenever it moves, due tasks run in time order, each seeing the clock at its own due time.
 */
interface ScheduledTask {
  at: number;
  seq: number;
  run: () => void;
}

export class ClockMovedBackwardsError extends Error {
  override readonly name = 'ClockMovedBackwardsError';
}

export class SimulatedTime {
  private simMs: number;
  private readonly heap: ScheduledTask[] = [];
  private seq = 0;
  private processing = false;
  private wallAnchor: { wall: number; sim: number } | undefined;

  constructor(
    startMs: number,
    private readonly speed?: number,
  ) {
    this.simMs = startMs;
    if (speed !== undefined && speed > 0) this.wallAnchor = { wall: Date.now(), sim: startMs };
  }

  /** Current simulated time in ms; in speed mode this first catches up with wall time. */
  nowMs(): number {
    if (this.wallAnchor && !this.processing && this.speed !== undefined) {
      const followed = this.wallAnchor.sim + (Date.now() - this.wallAnchor.wall) * this.speed;
      this.processUntil(followed);
    }
    return this.simMs;
  }

  get pendingTasks(): number {
    return this.heap.length;
  }

  schedule(at: number, run: () => void): void {
    this.push({ at, seq: this.seq++, run });
  }

  advanceBy(ms: number): number {
    const from = this.nowMs();
    this.processUntil(from + Math.max(0, ms));
    this.reanchor();
    return this.simMs;
  }

  /** Moves to an absolute time; backwards only while nothing is scheduled (the queue would be out of order). */
  setTo(ms: number): number {
    const current = this.nowMs();
    if (ms < current) {
      if (this.heap.length > 0) {
        throw new ClockMovedBackwardsError(
          `cannot move the clock back to ${new Date(ms).toISOString()} while ${this.heap.length} tasks are scheduled`,
        );
      }
      this.simMs = ms;
    } else {
      this.processUntil(ms);
    }
    this.reanchor();
    return this.simMs;
  }

  clearTasks(): void {
    this.heap.length = 0;
  }

  private reanchor(): void {
    if (this.wallAnchor) this.wallAnchor = { wall: Date.now(), sim: this.simMs };
  }

  private processUntil(targetMs: number): void {
    if (this.processing) return;
    this.processing = true;
    try {
      for (let next = this.heap[0]; next !== undefined && next.at <= targetMs; next = this.heap[0]) {
        this.pop();
        if (next.at > this.simMs) this.simMs = next.at;
        next.run();
      }
      if (targetMs > this.simMs) this.simMs = targetMs;
    } finally {
      this.processing = false;
    }
  }

  private before(a: ScheduledTask, b: ScheduledTask): boolean {
    return a.at < b.at || (a.at === b.at && a.seq < b.seq);
  }

  private push(task: ScheduledTask): void {
    const heap = this.heap;
    heap.push(task);
    let index = heap.length - 1;
    while (index > 0) {
      const parent = (index - 1) >> 1;
      const parentTask = heap[parent]!;
      if (!this.before(task, parentTask)) break;
      heap[index] = parentTask;
      index = parent;
    }
    heap[index] = task;
  }

  private pop(): void {
    const heap = this.heap;
    const last = heap.pop();
    if (last === undefined || heap.length === 0) return;
    let index = 0;
    for (;;) {
      const left = 2 * index + 1;
      if (left >= heap.length) break;
      const right = left + 1;
      const child = right < heap.length && this.before(heap[right]!, heap[left]!) ? right : left;
      if (!this.before(heap[child]!, last)) break;
      heap[index] = heap[child]!;
      index = child;
    }
    heap[index] = last;
  }
}
