/**
 * The messages between the Slack events thread (events-thread.ts, the HTTP server) and the main thread
 * (events-receiver.ts, Bolt's App). Types only: the thread loads no module it does not need.
 */

/** What the thread is started with (its `workerData`). */
export interface ThreadSettings {
  signingSecret: string;
  port: number;
  /** Interface to listen on; all interfaces when absent. */
  host?: string;
  backlog: number;
  /**
   * Shared with the main thread (one Int32, 1 once its stop() has begun): read before acknowledging, so that
   * from that moment no request is taken on, though the `close` message may not have been handled yet.
   */
  stopping: Int32Array;
}

/** Slack's retry headers, as Bolt reads them. */
export interface RetryInfo {
  retryNum?: number;
  retryReason?: string;
}

/** Messages the thread posts to the main thread. */
export type FromThread =
  | { type: 'listening'; port: number; address: string }
  /** An Events API event, already answered 200: process it. */
  | ({ type: 'event'; body: Record<string, unknown> } & RetryInfo)
  /** A command, interaction or options request: its HTTP response waits for an `ack` (or `failed`) with this id. */
  | ({ type: 'request'; id: number; body: Record<string, unknown> } & RetryInfo)
  /** `GET /healthz`: answer with a `health` message of this id. */
  | { type: 'health'; id: number; authorization?: string }
  /** A line for the main thread's logger (the thread has none of its own). */
  | { type: 'log'; level: 'info' | 'warn' | 'error'; msg: string; fields?: Record<string, unknown> }
  /** The answer to `sync`: every message posted before this one has been delivered. */
  | { type: 'synced'; id: number }
  /** The server has closed and every request it took has been answered. */
  | { type: 'closed' };

/** Messages the main thread posts to the thread. */
export type ToThread =
  /** Bolt's ack(): no body, a text body, or a JSON body (already serialised). */
  | { type: 'ack'; id: number; text?: string; json?: string }
  /** The request's processing failed before ack(): 500. */
  | { type: 'failed'; id: number }
  | { type: 'health'; id: number; status: number; body: string }
  | { type: 'sync'; id: number }
  /** Stop accepting, let the requests in flight finish, then post `closed`. */
  | { type: 'close' };
