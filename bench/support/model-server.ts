/**
 * Child process for benchmarks: runs the fake OpenAI server outside the process being measured, so
 * its CPU does not count against Heed. Started by `startModelProcess`; talks over the IPC channel.
 */
import { ServerResponse } from 'node:http';
import { startFakeOpenAI, type Behaviour } from '../../test/support/fake-openai.js';
import { answerClock, absoluteNow, loopDelaySinceLast } from './ipc.js';

/** When each response wrote its first content chunk (absolute ms), keyed by the request's headers object. */
const firstTokenAt = new WeakMap<object, number>();
const CONTENT_CHUNK = /"content":"[^"]/;

// The fake writes one server-sent event per write(); the first one carrying text is the model's first
// token. Tapping write() in this process (it runs nothing else) stamps it without changing the fake.
const write = ServerResponse.prototype.write;
ServerResponse.prototype.write = function tappedWrite(this: ServerResponse, ...args: Parameters<typeof write>) {
  const [chunk] = args;
  const headers = this.req?.headers;
  if (headers && !firstTokenAt.has(headers) && typeof chunk === 'string' && CONTENT_CHUNK.test(chunk)) {
    firstTokenAt.set(headers, absoluteNow());
  }
  return write.apply(this, args);
} as typeof write;

const behaviour = JSON.parse(process.env.BENCH_MODEL_BEHAVIOUR ?? '{}') as Behaviour;
const model = await startFakeOpenAI({ fallback: behaviour });

/** The last message's text of a recorded request. */
function lastMessage(body: unknown): string {
  const messages = (body as { messages?: { content?: unknown }[] } | undefined)?.messages;
  const content = messages?.at(-1)?.content;
  return typeof content === 'string' ? content : '';
}

const loopDelay = loopDelaySinceLast();

process.on('message', (message: { type: string; id?: number }) => {
  if (answerClock(message)) return;
  if (message.type === 'timings') {
    // The model's own time per request, keyed by the last user message, measured on this side.
    const timings = model.requests
      .filter((request) => request.completedAt !== undefined && request.receivedAt !== undefined)
      .map((request) => [lastMessage(request.body), (request.completedAt ?? 0) - (request.receivedAt ?? 0)] as const);
    process.send?.({ type: 'timings', timings });
  } else if (message.type === 'requests') {
    // Absolute times (ms since the epoch, sub-millisecond) so the parent can line them up with its own.
    const origin = performance.timeOrigin;
    const requests = model.requests
      .filter((request) => request.path === '/v1/chat/completions')
      .map((request) => ({
        last: lastMessage(request.body),
        receivedAt: origin + request.receivedAt,
        ...(request.completedAt !== undefined ? { completedAt: origin + request.completedAt } : {}),
        ...(firstTokenAt.has(request.headers) ? { firstTokenAt: firstTokenAt.get(request.headers) } : {}),
      }));
    process.send?.({ type: 'requests', requests });
  } else if (message.type === 'cpu') {
    const usage = process.cpuUsage();
    process.send?.({ type: 'cpu', ms: (usage.user + usage.system) / 1000 });
  } else if (message.type === 'loop') {
    process.send?.({ type: 'loop', p99Ms: loopDelay() });
  } else if (message.type === 'close') {
    void model.close().then(() => process.exit(0));
  }
});
process.on('disconnect', () => process.exit(0));
process.send?.({ type: 'ready', url: model.url });
