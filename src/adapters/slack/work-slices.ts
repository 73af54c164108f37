/**
 * Work run in order, a time slice per turn of the event loop. The Slack events thread acknowledges a
 * burst of events at once, and a MessagePort delivers everything queued in one callback (Node runs up to
 * all of it, 1,000 messages or more, back to back): handing each event to Bolt as it arrives would run
 * their synchronous parts for a second or more while no socket, timer or database answer is seen.
 */
export interface WorkSlicesOptions {
  /** How long one turn may run work before yielding. */
  sliceMs: number;
  /** Milliseconds clock; injectable for tests. */
  now?: () => number;
  /** Run `turn` on a later turn of the event loop; `setImmediate` by default (after pending I/O). */
  defer?: (turn: () => void) => void;
}

/** A queue of work, run in order, at most one time slice per turn of the event loop. */
export class WorkSlices {
  private readonly pending: Array<() => void> = [];
  private scheduled = false;
  private readonly sliceMs: number;
  private readonly now: () => number;
  private readonly defer: (turn: () => void) => void;

  constructor(options: WorkSlicesOptions) {
    this.sliceMs = options.sliceMs;
    this.now = options.now ?? (() => performance.now());
    this.defer = options.defer ?? ((turn) => setImmediate(turn));
  }

  /** Run `work` after everything added before it, on this turn's slice or a later one. */
  add(work: () => void): void {
    this.pending.push(work);
    if (this.scheduled) return;
    this.scheduled = true;
    this.defer(this.turn);
  }

  private readonly turn = (): void => {
    const until = this.now() + this.sliceMs;
    try {
      do this.pending.shift()?.();
      while (this.pending.length > 0 && this.now() < until);
    } finally {
      // Even past a throwing piece of work, what is left still runs.
      if (this.pending.length > 0) this.defer(this.turn);
      else this.scheduled = false;
    }
  };
}
