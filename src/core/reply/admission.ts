/**
 * Backpressure for replies (issue 12, item 3). At most `maxInFlight` replies are generated at once;
 * past that, work waits its turn in a queue of at most `maxQueued`, first come first served; past the
 * queue, it is turned away at once so the adapter can tell the person to ask again. A process that
 * takes on every reply at once spends its CPU on all of them together, and then answers none promptly
 * and accepts new connections (Slack's event acks) late; one that bounds its work stays responsive.
 */

/** Bounds for {@link Admission}. */
export interface AdmissionLimits {
  /** Replies generated at once. At least 1. */
  maxInFlight: number;
  /** Replies waiting for a turn. 0 turns away everything past `maxInFlight`. */
  maxQueued: number;
}

/** Hand back a reply's turn when it is done; calling it again does nothing. */
export type Release = () => void;

/** Counts replies in flight and queues the ones past the bound. */
export class Admission {
  private running = 0;
  /** Waiting replies, oldest first; each is resolved with its turn. */
  private readonly queue: Array<(release: Release) => void> = [];

  constructor(private readonly limits: AdmissionLimits) {}

  /** Replies holding a turn right now. */
  get inFlight(): number {
    return this.running;
  }

  /** Replies waiting for a turn right now. */
  get queued(): number {
    return this.queue.length;
  }

  /**
   * A turn: resolves (at once, or when an earlier reply releases its turn) with the function that
   * releases it. Undefined when the queue is full: the caller must turn the work away.
   */
  enter(): Promise<Release> | undefined {
    if (this.running < this.limits.maxInFlight) {
      this.running += 1;
      return Promise.resolve(this.releaser());
    }
    if (this.queue.length >= this.limits.maxQueued) return undefined;
    return new Promise<Release>((resolve) => this.queue.push(resolve));
  }

  private releaser(): Release {
    let released = false;
    return () => {
      if (released) return;
      released = true;
      const next = this.queue.shift();
      // The turn passes straight to the oldest waiting reply, so `running` stays as it is.
      if (next) next(this.releaser());
      else this.running -= 1;
    };
  }
}
