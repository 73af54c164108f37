/**
 * Talking to benchmark child processes over Node's IPC channel, and lining up their clocks with the
 * parent's: each process stamps events with `absoluteNow()` (epoch ms, sub-millisecond), and the parent
 * corrects a child's stamps by the offset measured with a few round trips.
 */
import type { ChildProcess } from 'node:child_process';
import { monitorEventLoopDelay, type IntervalHistogram } from 'node:perf_hooks';

/** Milliseconds since the epoch with sub-millisecond resolution, comparable across processes (after correction). */
export function absoluteNow(): number {
  return performance.timeOrigin + performance.now();
}

/** Wait for the next message of `type` from `child`; rejects if the child exits first. */
export function nextMessage<T>(child: ChildProcess, type: string, timeoutMs = 60_000): Promise<T> {
  return new Promise((resolve, reject) => {
    const cleanup = () => {
      clearTimeout(timer);
      child.off('message', onMessage);
      child.off('exit', onExit);
    };
    const onMessage = (message: { type?: string } & T) => {
      if (message.type !== type) return;
      cleanup();
      resolve(message);
    };
    const onExit = (code: number | null) => {
      cleanup();
      reject(new Error(`child process exited with ${code} while waiting for "${type}"`));
    };
    const timer = setTimeout(() => {
      cleanup();
      reject(new Error(`no "${type}" from the child process within ${timeoutMs} ms`));
    }, timeoutMs);
    child.on('message', onMessage);
    child.once('exit', onExit);
  });
}

/** Send `{ type, ...payload }` and wait for the child's answer of the same type. */
export async function ask<T>(
  child: ChildProcess,
  type: string,
  payload: Record<string, unknown> = {},
  timeoutMs?: number,
): Promise<T> {
  const answer = nextMessage<T>(child, type, timeoutMs);
  child.send({ type, ...payload });
  return answer;
}

/** In a child: answer a clock probe; returns true when `message` was one. */
export function answerClock(message: { type?: string; id?: number }): boolean {
  if (message.type !== 'clock') return false;
  process.send?.({ type: 'clock', id: message.id, at: absoluteNow() });
  return true;
}

/**
 * How far the child's `absoluteNow()` runs ahead of the parent's (ms): the probe with the shortest
 * round trip wins, assuming its answer was stamped half-way.
 */
export async function clockOffset(
  child: ChildProcess,
  probes = 20,
): Promise<{ offsetMs: number; roundTripMs: number }> {
  let best = { offsetMs: 0, roundTripMs: Number.POSITIVE_INFINITY };
  for (let id = 0; id < probes; id++) {
    const sentAt = absoluteNow();
    const { at } = await ask<{ at: number }>(child, 'clock', { id });
    const receivedAt = absoluteNow();
    const roundTripMs = receivedAt - sentAt;
    if (roundTripMs < best.roundTripMs) best = { offsetMs: at - (sentAt + receivedAt) / 2, roundTripMs };
  }
  return best;
}

/** The sampling interval of every event-loop delay histogram of the benchmark; its figures include it. */
const LOOP_RESOLUTION_MS = 10;

/** An event-loop delay histogram (not yet enabled), read with {@link delayMs}. */
export function loopDelayHistogram(): IntervalHistogram {
  return monitorEventLoopDelay({ resolution: LOOP_RESOLUTION_MS });
}

/** A figure of a {@link loopDelayHistogram} (nanoseconds) as a delay in ms, the sampling interval taken out. */
export function delayMs(nanoseconds: number): number {
  return Math.max(0, nanoseconds / 1e6 - LOOP_RESOLUTION_MS);
}

/**
 * For a benchmark child (the fake model, the fake platform): its event loop's delay, so that a reader can
 * tell the bot's tails from the stamping process's own. Each call returns the p99 (ms) since the previous
 * one, and starts over.
 */
export function loopDelaySinceLast(): () => number {
  const histogram = loopDelayHistogram();
  histogram.enable();
  return () => {
    const p99 = delayMs(histogram.percentile(99));
    histogram.reset();
    return p99;
  };
}
