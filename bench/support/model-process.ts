/**
 * The fake model in its own process, for benchmarks: real HTTP on 127.0.0.1, its timing measured on
 * its own side.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { Behaviour } from '../../test/support/fake-openai.js';

export interface ModelProcess {
  url: string;
  /** The model's own time (ms) per request, keyed by the text of the request's last message. */
  timings(): Promise<Map<string, number>>;
  close(): Promise<void>;
}

function next<T>(child: ChildProcess, type: string): Promise<T> {
  return new Promise((resolve, reject) => {
    const onMessage = (message: { type: string } & T) => {
      if (message.type !== type) return;
      child.off('message', onMessage);
      resolve(message);
    };
    child.on('message', onMessage);
    child.once('exit', (code) => reject(new Error(`model process exited with ${code}`)));
  });
}

/** Start the fake model with `behaviour` as its answer to every request. */
export async function startModelProcess(behaviour: Behaviour): Promise<ModelProcess> {
  const child = fork(fileURLToPath(new URL('./model-server.ts', import.meta.url)), [], {
    execArgv: ['--import', 'tsx'],
    env: { ...process.env, BENCH_MODEL_BEHAVIOUR: JSON.stringify(behaviour) },
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  const { url } = await next<{ url: string }>(child, 'ready');
  return {
    url,
    async timings() {
      const reply = next<{ timings: [string, number][] }>(child, 'timings');
      child.send({ type: 'timings' });
      return new Map((await reply).timings);
    },
    async close() {
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.send({ type: 'close' });
      await exited;
    },
  };
}
