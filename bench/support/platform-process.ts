/**
 * The fake platform in its own process (bench/support/platform-server.ts), seen from the benchmark:
 * the configuration pointing Heed at it, requests (put a question on the platform, check a run's
 * channels), and reply events with their stamps converted to this process's clock.
 */
import { fork } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { Turn } from './load.js';
import { clockOffset, nextMessage } from './ipc.js';
import type { ReplyEvent, WatchSummary } from './platform-watch.js';

export interface PlatformProcess {
  /** Configuration variables that point Heed's adapter at the fake. */
  env: Record<string, string>;
  /** Put a question on the platform; the answer is platform-specific (see slack-watch.ts, discord-watch.ts). */
  turn<T>(request: object): Promise<T>;
  summary(answered: Record<string, number>): Promise<WatchSummary>;
  /** CPU time the platform process has used so far (ms). */
  cpuMs(): Promise<number>;
  /** The platform process's event-loop delay p99 (ms) since the previous call. */
  loopDelayP99Ms(): Promise<number>;
  /** Receive reply events, stamped in this process's clock. */
  onReply(listener: (event: ReplyEvent) => void): void;
  /** This process's clock minus the platform process's (add to a stamp taken there). */
  toLocal(at: number): number;
  close(): Promise<void>;
}

/**
 * Fork the fake platform and wait until it listens. `replyEndsAtStop`: a reply ends at its
 * `chat.stopStream` rather than at its feedback buttons (Slack; the baseline bot posts none).
 */
export async function startPlatformProcess(
  platform: 'slack' | 'discord',
  expectedReply: string,
  replyEndsAtStop = false,
): Promise<PlatformProcess> {
  const child = fork(fileURLToPath(new URL('./platform-server.ts', import.meta.url)), [], {
    execArgv: ['--import', 'tsx'],
    env: {
      ...process.env,
      BENCH_PLATFORM: platform,
      BENCH_EXPECTED_REPLY: expectedReply,
      BENCH_REPLY_ENDS_AT_STOP: replyEndsAtStop ? '1' : '0',
    },
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  const { env } = await nextMessage<{ env: Record<string, string> }>(child, 'ready');
  const { offsetMs } = await clockOffset(child);

  // Requests may overlap (one per conversation), so each carries an id its answer echoes.
  let nextId = 0;
  const pending = new Map<number, (answer: unknown) => void>();
  const listeners: ((event: ReplyEvent) => void)[] = [];
  child.on('message', (message: { type: string; rid?: number; answer?: unknown; turn?: string; at?: number }) => {
    if (message.type === 'answer' && message.rid !== undefined) {
      pending.get(message.rid)?.(message.answer);
      pending.delete(message.rid);
    } else if (
      (message.type === 'text' || message.type === 'done') &&
      message.turn !== undefined &&
      message.at !== undefined
    ) {
      const event: ReplyEvent = { type: message.type, turn: message.turn, at: message.at - offsetMs };
      for (const listener of listeners) listener(event);
    }
  });
  const request = <T>(type: string, payload: Record<string, unknown>): Promise<T> =>
    new Promise<T>((resolve, reject) => {
      if (child.exitCode !== null) {
        reject(new Error('the platform process has exited'));
        return;
      }
      const rid = ++nextId;
      pending.set(rid, (answer) => resolve(answer as T));
      child.send({ type, rid, ...payload });
    });

  return {
    env,
    turn: <T>(turnRequest: object) => request<T>('turn', { request: turnRequest }),
    summary: (answered) => request<WatchSummary>('summary', { answered }),
    cpuMs: () => request<number>('cpu', {}),
    loopDelayP99Ms: () => request<number>('loop', {}),
    onReply(listener) {
      listeners.push(listener);
    },
    toLocal: (at) => at - offsetMs,
    async close() {
      if (child.exitCode !== null) return;
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.send({ type: 'close' });
      await exited;
    },
  };
}

/**
 * The turns waiting for their reply, keyed by turn id: the platform's first-text and end stamps are
 * written onto each turn as they arrive.
 */
export function trackTurns(platform: PlatformProcess): Map<string, Turn> {
  const turns = new Map<string, Turn>();
  platform.onReply((event) => {
    const turn = turns.get(event.turn);
    if (!turn) return;
    if (event.type === 'text') turn.firstTextAt = event.at;
    else {
      turn.complete(event.at);
      turns.delete(event.turn);
    }
  });
  return turns;
}
