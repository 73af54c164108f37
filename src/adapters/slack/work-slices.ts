/**
 * Work run in order, a time slice per turn of the event loop. The Slack events thread acknowledges a
 * burst of events at once, and a MessagePort delivers everything queued in one callback (Node runs up to
 * all of it, 1,000 messages or more, back to back): handing each event to Bolt as it arrives would run
 * their synchronous parts for a second or more while no socket, timer or database answer is seen.
 *
 * Work that finds nothing waiting runs at once, inside the slice it opens: an event arriving on its own
 * costs no extra turn of the loop. Once the slice is used up, later work waits for the next turn, where
 * the next slice begins.
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
  /** A later turn is scheduled: it ends the current slice and runs what is still waiting. */
  private scheduled = false;
  /** Until when the current slice lets work run at once. */
  private sliceEnd = -Infinity;
  private running = false;
  private readonly sliceMs: number;
  private readonly now: () => number;
  private readonly defer: (turn: () => void) => void;

  constructor(options: WorkSlicesOptions) {
    this.sliceMs = options.sliceMs;
    this.now = options.now ?? (() => performance.now());
    this.defer = options.defer ?? ((turn) => setImmediate(turn));
  }

  /** Run `work` after everything added before it: at once when nothing waits and the slice has time left. */
  add(work: () => void): void {
    this.pending.push(work);
    if (this.running || this.pending.length > 1) return;
    if (!this.scheduled) {
      this.scheduled = true;
      this.sliceEnd = this.now() + this.sliceMs;
      this.defer(this.turn);
    }
    if (this.now() < this.sliceEnd) this.run(this.sliceEnd);
  }

  /** Run pending work in order until `until`; the first piece always runs. */
  private run(until: number): void {
    this.running = true;
    try {
      do this.pending.shift()?.();
      while (this.pending.length > 0 && this.now() < until);
    } finally {
      this.running = false;
    }
  }

  private readonly turn = (): void => {
    this.scheduled = false;
    this.sliceEnd = -Infinity;
    if (this.pending.length === 0) return;
    // What waited begins this turn's slice; anything left after it waits for the next one.
    this.scheduled = true;
    this.sliceEnd = this.now() + this.sliceMs;
    this.defer(this.turn);
    this.run(this.sliceEnd);
  };
}
