/**
 * Child process for benchmarks: runs the fake OpenAI server outside the process being measured, so
 * its CPU does not count against Heed. Started by `startModelProcess`; talks over the IPC channel.
 */
import { startFakeOpenAI, type Behaviour } from '../../test/support/fake-openai.js';

const behaviour = JSON.parse(process.env.BENCH_MODEL_BEHAVIOUR ?? '{}') as Behaviour;
const model = await startFakeOpenAI({ fallback: behaviour });

process.on('message', (message: { type: string }) => {
  if (message.type === 'timings') {
    // The model's own time per request, keyed by the last user message, measured on this side.
    const timings = model.requests
      .filter((request) => request.completedAt !== undefined && request.receivedAt !== undefined)
      .map((request) => {
        const body = request.body as { messages?: { content?: string }[] } | undefined;
        const last = body?.messages?.at(-1)?.content ?? '';
        return [last, (request.completedAt ?? 0) - (request.receivedAt ?? 0)] as const;
      });
    process.send?.({ type: 'timings', timings });
  } else if (message.type === 'close') {
    void model.close().then(() => process.exit(0));
  }
});
process.send?.({ type: 'ready', url: model.url });
