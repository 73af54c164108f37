/**
 * What the platform process (bench/support/platform-server.ts) runs for one platform: the fake server
 * Heed talks to, and a watch over the calls Heed makes to it, which stamps each reply's first text and
 * its end the moment the call arrives and reports them as events.
 */

/** A reply's first text reached the platform, or the reply ended there (the platform process's clock). */
export interface ReplyEvent {
  type: 'text' | 'done';
  turn: string;
  at: number;
}

/** After a run: what the platform holds and what Heed called. */
export interface WatchSummary {
  /** Messages Heed posted beyond one per answered question. */
  duplicates: number;
  errors: string[];
  /** Calls Heed made since the last summary, by method or route. */
  calls: Record<string, number>;
}

export interface PlatformWatch {
  /** Configuration variables that point Heed's adapter at the fake. */
  env: Record<string, string>;
  /**
   * Put a person's message on the platform (Slack: into the fake's store; Discord: dispatched to Heed) and watch for
   * its reply.
   */
  turn(request: Record<string, unknown>): Record<string, unknown>;
  /** Check the channels of a run: `answered` is the count of answered questions per channel. */
  summary(answered: Record<string, number>): WatchSummary;
  close(): Promise<void>;
}

/** Observe every call a fake records, by wrapping the push onto its public call log (no rescanning). */
export function tapCalls<T>(calls: T[], listener: (call: T) => void): void {
  const push = calls.push.bind(calls);
  calls.push = (...items: T[]) => {
    const length = push(...items);
    for (const item of items) listener(item);
    return length;
  };
}
