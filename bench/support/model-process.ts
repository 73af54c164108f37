/**
 * The fake model in its own process, for benchmarks: real HTTP on 127.0.0.1, its timing measured on
 * its own side.
 */
import { fork } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { Behaviour } from '../../test/support/fake-openai.js';
import { ask, clockOffset, nextMessage } from './ipc.js';

/** One chat request as the model process saw it, in the parent's clock (epoch ms). */
export interface ModelRequestTimes {
  /** The text of the request's last message (the new user turn). */
  last: string;
  receivedAt: number;
  /** When the first content chunk was written; unset when no text was streamed. */
  firstTokenAt?: number;
  /** When the response ended; unset for a response that never finished. */
  completedAt?: number;
}

export interface ModelProcess {
  url: string;
  /** The model's own time (ms) per request, keyed by the text of the request's last message. */
  timings(): Promise<Map<string, number>>;
  /** Every chat request with its times converted to the parent's clock. */
  requestTimes(): Promise<ModelRequestTimes[]>;
  /** CPU time the model process has used so far (ms). */
  cpuMs(): Promise<number>;
  /** The model process's event-loop delay p99 (ms) since the previous call. */
  loopDelayP99Ms(): Promise<number>;
  /** How far the model process's clock was measured to run ahead of this one (ms). */
  clockOffsetMs: number;
  close(): Promise<void>;
}

/** Start the fake model with `behaviour` as its answer to every request. */
export async function startModelProcess(behaviour: Behaviour): Promise<ModelProcess> {
  const child = fork(fileURLToPath(new URL('./model-server.ts', import.meta.url)), [], {
    execArgv: ['--import', 'tsx'],
    env: { ...process.env, BENCH_MODEL_BEHAVIOUR: JSON.stringify(behaviour) },
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  const { url } = await nextMessage<{ url: string }>(child, 'ready');
  const { offsetMs } = await clockOffset(child);
  return {
    url,
    clockOffsetMs: offsetMs,
    async timings() {
      return new Map((await ask<{ timings: [string, number][] }>(child, 'timings')).timings);
    },
    async cpuMs() {
      return (await ask<{ ms: number }>(child, 'cpu')).ms;
    },
    async loopDelayP99Ms() {
      return (await ask<{ p99Ms: number }>(child, 'loop')).p99Ms;
    },
    async requestTimes() {
      const { requests } = await ask<{ requests: ModelRequestTimes[] }>(child, 'requests');
      const shift = (at: number | undefined) => (at === undefined ? undefined : at - offsetMs);
      return requests.map((request) => {
        const firstTokenAt = shift(request.firstTokenAt);
        const completedAt = shift(request.completedAt);
        return {
          last: request.last,
          receivedAt: request.receivedAt - offsetMs,
          ...(firstTokenAt !== undefined ? { firstTokenAt } : {}),
          ...(completedAt !== undefined ? { completedAt } : {}),
        };
      });
    },
    async close() {
      if (child.exitCode !== null) return;
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.send({ type: 'close' });
      await exited;
    },
  };
}
