import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { silentLogger, type Logger } from '../../../src/core/logger.js';
import { ModelClient, type ModelSettings } from '../../../src/core/model/model-client.js';
import type { ChatMessage } from '../../../src/core/prompt/chat-message.js';
import { MODEL_ERROR_MESSAGES, ModelError, toModelError } from '../../../src/core/model/model-error.js';
import { capturingLogger } from '../../support/capturing-logger.js';
import { chunksOf, messagesOf, startFakeOpenAI, type FakeOpenAI } from '../../support/fake-openai.js';

const API_KEY = 'sk-test-secret-key-1234567890';
const MESSAGES: ChatMessage[] = [
  { role: 'system', content: 'Answer in one sentence.' },
  { role: 'user', content: 'What is Heed?' },
];

let fake: FakeOpenAI;

beforeEach(async () => {
  fake = await startFakeOpenAI();
});

afterEach(async () => {
  await fake.close();
});

/** Settings for the fake server; an override of `undefined` leaves that setting out. */
function clientFor(
  overrides: { [K in keyof ModelSettings]?: ModelSettings[K] | undefined } = {},
  logger: Logger = silentLogger(),
): ModelClient {
  const settings = {
    baseURL: fake.url,
    apiKey: API_KEY,
    model: 'test-model',
    temperature: 0.3,
    maxOutputTokens: 256,
    timeoutMs: 5_000,
    maxRetries: 0,
    ...overrides,
  };
  const defined = Object.fromEntries(Object.entries(settings).filter(([, value]) => value !== undefined));
  return new ModelClient(defined as unknown as ModelSettings, logger);
}

/** Run a stream that must fail; returns the ModelError and the deltas seen. */
async function failingStream(
  client: ModelClient,
  signal?: AbortSignal,
): Promise<{ error: ModelError; deltas: string[] }> {
  const deltas: string[] = [];
  const outcome = await client
    .stream(MESSAGES, (delta) => void deltas.push(delta), signal)
    .then(
      (result) => result,
      (error: unknown) => error,
    );
  if (!(outcome instanceof ModelError)) throw new Error(`expected a ModelError, got ${JSON.stringify(outcome)}`);
  return { error: outcome, deltas };
}

/** One chat-completion chunk as a server-sent event. */
function event(delta: Record<string, unknown>, finishReason: string | null = null): string {
  const chunk = { id: 'c1', object: 'chat.completion.chunk', created: 1, model: 'm' };
  return `data: ${JSON.stringify({ ...chunk, choices: [{ index: 0, delta, finish_reason: finishReason }] })}\n\n`;
}

describe('ModelClient.stream', () => {
  it('streams deltas in order, joins them and records usage', async () => {
    const reply = 'Heed is an assistant that remembers how you like answers.';
    fake.enqueue({ reply, chunkSize: 5, usage: { prompt_tokens: 42, completion_tokens: 12 } });
    const deltas: string[] = [];
    const result = await clientFor().stream(MESSAGES, async (delta) => {
      deltas.push(delta);
    });
    expect(deltas).toEqual(chunksOf(reply, 5));
    expect(result.text).toBe(reply);
    expect(result.promptTokens).toBe(42);
    expect(result.completionTokens).toBe(12);
    expect(result.firstTokenMs).toBeTypeOf('number');
  });

  it("says it has caught up after each read the answer goes on past, once that read's deltas are handed over", async () => {
    let caughtUp!: () => void;
    const firstRead = new Promise<void>((resolve) => (caughtUp = resolve));
    // The fake holds the rest of the answer until the client has said it caught up after the first token.
    fake.enqueue({ reply: 'one two three', chunkSize: 4, pauseAfterFirst: () => firstRead });
    const deltas: string[] = [];
    const seenAtCatchUp: string[] = [];
    const result = await clientFor().stream(
      MESSAGES,
      (delta) => void deltas.push(delta),
      undefined,
      () => {
        seenAtCatchUp.push(deltas.join(''));
        if (deltas.length > 0) caughtUp();
      },
    );
    expect(result.text).toBe('one two three');
    expect(seenAtCatchUp).toContain('one ');
    // Never after the read that finished the answer: there is nothing more to wait for then.
    expect(seenAtCatchUp).not.toContain('one two three');
  });

  it('never says it caught up when the whole answer came in one read', async () => {
    fake.enqueue({ reply: 'All of it at once.', chunkSize: 4 });
    let calls = 0;
    const result = await clientFor().stream(
      MESSAGES,
      () => undefined,
      undefined,
      () => calls++,
    );
    expect(result.text).toBe('All of it at once.');
    expect(calls).toBe(0);
  });

  it('sends model, temperature, max_tokens, usage streaming and the messages', async () => {
    await clientFor().stream(MESSAGES, () => undefined);
    const req = await fake.waitForRequest();
    expect(req.body).toMatchObject({
      model: 'test-model',
      temperature: 0.3,
      max_tokens: 256,
      stream: true,
      stream_options: { include_usage: true },
    });
    expect(req.body).not.toHaveProperty('max_completion_tokens');
    expect(messagesOf(req)).toEqual(MESSAGES);
    expect(req.headers.authorization).toBe(`Bearer ${API_KEY}`);
  });

  it('leaves temperature out when it is not set', async () => {
    await clientFor({ temperature: undefined }).stream(MESSAGES, () => undefined);
    expect((await fake.waitForRequest()).body).not.toHaveProperty('temperature');
  });

  it('records its parameters without the key', () => {
    const params = clientFor().params();
    expect(params).toEqual({
      model: 'test-model',
      temperature: 0.3,
      max_tokens: 256,
      baseURLHost: new URL(fake.url).host,
    });
    expect(JSON.stringify(params)).not.toContain(API_KEY);
  });

  it('is configured by a base URL alone and sends a placeholder key', async () => {
    const client = clientFor({ apiKey: undefined });
    expect(client.configured).toBe(true);
    const result = await client.stream(MESSAGES, () => undefined);
    expect(result.text).toBe('Hello from the fake model.');
    expect((await fake.waitForRequest()).headers.authorization).toBe('Bearer not-needed');
  });

  it('switches to max_completion_tokens when the server rejects max_tokens by name', async () => {
    fake.enqueue({
      status: 400,
      param: 'max_tokens',
      code: 'unsupported_parameter',
      message:
        "Unsupported parameter: 'max_tokens' is not supported with this model. Use 'max_completion_tokens' instead.",
    });
    const client = clientFor();
    const result = await client.stream(MESSAGES, () => undefined);
    expect(result.text).toBe('Hello from the fake model.');
    const second = await fake.waitForRequest(2);
    expect(second.body).toMatchObject({ max_completion_tokens: 256 });
    expect(second.body).not.toHaveProperty('max_tokens');
    expect(client.params()).toMatchObject({ max_completion_tokens: 256 });

    await client.stream(MESSAGES, () => undefined);
    expect((await fake.waitForRequest(3)).body).toMatchObject({ max_completion_tokens: 256 });
  });
});

describe('ModelClient.stream, what compatible servers send', () => {
  it('joins a character split between writes, skips comments and other fields, ignores what follows [DONE]', async () => {
    const accented = Buffer.from(event({ content: 'café ☕' }));
    const cut = accented.indexOf(Buffer.from('☕')) + 1;
    fake.enqueue({
      rawStream: [
        ': keep-alive\n\n',
        event({ role: 'assistant', content: '' }),
        accented.subarray(0, cut),
        accented.subarray(cut),
        'id: 7\nretry: 1000\n' + event({ content: ' done' }, 'stop').replace('data: ', 'data:'),
        'data: [DONE]\n\n',
        event({ content: ' after the end' }),
      ],
    });
    const deltas: string[] = [];
    const result = await clientFor().stream(MESSAGES, (delta) => void deltas.push(delta));
    expect(deltas).toEqual(['café ☕', ' done']);
    expect(result.text).toBe('café ☕ done');
  });

  it('counts a last event the server did not close with a blank line', async () => {
    fake.enqueue({ rawStream: [event({ content: 'Short.' }), event({}, 'stop').trimEnd()] });
    const result = await clientFor().stream(MESSAGES, () => undefined);
    expect(result.text).toBe('Short.');
  });
});

describe('ModelClient failures', () => {
  it('401 → model_auth, logged once with status, request id and model, never the key', async () => {
    fake.enqueue({ status: 401, message: `Incorrect API key provided: ${API_KEY}.` });
    const log = capturingLogger();
    const { error } = await failingStream(clientFor({}, log.logger));
    expect(error.code).toBe('model_auth');
    expect(error.userMessage).toBe(
      "I can't reach my language model: the server rejected my API key. An operator needs to check OPENAI_API_KEY.",
    );
    expect(error.retryable).toBe(false);
    expect(error.partialText).toBe('');
    const lines = log.lines();
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatchObject({ code: 'model_auth', status: 401, requestId: 'req_fake_1', model: 'test-model' });
    expect(log.raw()).not.toContain(API_KEY);
  });

  it('404 → model_not_found', async () => {
    fake.enqueue({ status: 404 });
    const { error } = await failingStream(clientFor());
    expect(error.code).toBe('model_not_found');
    expect(error.userMessage).toContain('OPENAI_MODEL');
    expect(error.retryable).toBe(false);
  });

  it('429 → model_rate_limited with the Retry-After value', async () => {
    fake.enqueue({ status: 429, retryAfterSeconds: 30 });
    const { error } = await failingStream(clientFor());
    expect(error.code).toBe('model_rate_limited');
    expect(error.userMessage).toBe(
      'The language model is busy right now (rate limited). Please try again in a minute.',
    );
    expect(error.retryable).toBe(true);
    expect(error.detail).toMatchObject({ status: 429, retryAfterSeconds: 30 });
    expect(fake.requests).toHaveLength(1);
  });

  it('429 with maxRetries 1: the server sees two requests', async () => {
    fake.enqueue({ status: 429, retryAfterSeconds: 0 }, { status: 429, retryAfterSeconds: 0 });
    const { error } = await failingStream(clientFor({ maxRetries: 1 }));
    expect(error.code).toBe('model_rate_limited');
    expect(fake.requests).toHaveLength(2);
  });

  it('429 then success with maxRetries 1: the retry answers', async () => {
    fake.enqueue({ status: 429, retryAfterSeconds: 0 });
    const result = await clientFor({ maxRetries: 1 }).stream(MESSAGES, () => undefined);
    expect(result.text).toBe('Hello from the fake model.');
    expect(fake.requests).toHaveLength(2);
  });

  it('429 insufficient_quota → model_rate_limited that is not retryable', async () => {
    fake.enqueue({ status: 429, code: 'insufficient_quota', message: 'You exceeded your current quota.' });
    const { error } = await failingStream(clientFor());
    expect(error.code).toBe('model_rate_limited');
    expect(error.retryable).toBe(false);
    expect(error.userMessage).toContain('quota');
  });

  it.each([500, 503] as const)('%i → model_unavailable', async (status) => {
    fake.enqueue({ status });
    const { error } = await failingStream(clientFor());
    expect(error.code).toBe('model_unavailable');
    expect(error.retryable).toBe(true);
    expect(error.detail).toMatchObject({ status });
  });

  it('400 context_length_exceeded → model_bad_request asking for a new thread', async () => {
    fake.enqueue({
      status: 400,
      code: 'context_length_exceeded',
      message: "This model's maximum context length is 8192 tokens.",
    });
    const { error } = await failingStream(clientFor());
    expect(error.code).toBe('model_bad_request');
    expect(error.retryable).toBe(false);
    expect(error.userMessage).toContain('too long');
    expect(fake.requests).toHaveLength(1);
  });

  it('a server that never answers → model_timeout at the client deadline', async () => {
    fake.enqueue({ hang: true });
    const { error } = await failingStream(clientFor({ timeoutMs: 200 }));
    expect(error.code).toBe('model_timeout');
    expect(error.userMessage).toBe('The language model took too long to answer. Please try again.');
    expect(error.retryable).toBe(true);
  });

  it('a stream that stalls after its first chunk → model_timeout keeping that chunk', async () => {
    fake.enqueue({ reply: 'first chunk, then silence', chunkSize: 6, tokenIntervalMs: 600_000 });
    const { error, deltas } = await failingStream(clientFor({ timeoutMs: 200 }));
    expect(error.code).toBe('model_timeout');
    expect(deltas).toEqual(['first ']);
    expect(error.partialText).toBe('first ');
  });

  it('a stream cut after 2 chunks → model_stream_cut with those chunks as partialText', async () => {
    const reply = 'This answer will be cut off.';
    fake.enqueue({ cutAfterChunks: 2, reply });
    const { error, deltas } = await failingStream(clientFor());
    const expected = chunksOf(reply).slice(0, 2);
    expect(error.code).toBe('model_stream_cut');
    expect(error.userMessage).toBe('My connection to the language model broke off mid-answer.');
    expect(deltas).toEqual(expected);
    expect(error.partialText).toBe(expected.join(''));
  });

  it('a stream that ends cleanly without a finish_reason → model_stream_cut', async () => {
    const reply = 'This answer just stops.';
    fake.enqueue({ cutAfterChunks: 3, reply, endCleanly: true });
    const { error } = await failingStream(clientFor());
    expect(error.code).toBe('model_stream_cut');
    expect(error.partialText).toBe(chunksOf(reply).slice(0, 3).join(''));
  });

  it('no server listening → model_unreachable', async () => {
    const server = createServer();
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    await new Promise<void>((resolve) => server.close(() => resolve()));
    const { error } = await failingStream(clientFor({ baseURL: `http://127.0.0.1:${port}/v1` }));
    expect(error.code).toBe('model_unreachable');
    expect(error.retryable).toBe(true);
  });

  it('not configured → model_not_configured without any request', async () => {
    const log = capturingLogger();
    const client = clientFor({ baseURL: undefined, apiKey: undefined }, log.logger);
    expect(client.configured).toBe(false);
    const { error } = await failingStream(client);
    expect(error.code).toBe('model_not_configured');
    expect(error.userMessage).toContain('OPENAI_API_KEY');
    expect(error.userMessage).toContain('OPENAI_BASE_URL');
    expect(fake.requests).toHaveLength(0);
    expect(log.lines()).toHaveLength(1);
  });

  it('the caller aborting mid-stream → model_cancelled with the text so far', async () => {
    fake.enqueue({ reply: 'one two three four', chunkSize: 4, tokenIntervalMs: 600_000 });
    const controller = new AbortController();
    const deltas: string[] = [];
    const outcome = await clientFor()
      .stream(
        MESSAGES,
        (delta) => {
          deltas.push(delta);
          controller.abort();
        },
        controller.signal,
      )
      .catch((error: unknown) => error);
    expect(outcome).toBeInstanceOf(ModelError);
    expect((outcome as ModelError).code).toBe('model_cancelled');
    expect((outcome as ModelError).partialText).toBe('one ');
    expect(deltas).toEqual(['one ']);
  });

  it('an already aborted signal → model_cancelled without any request', async () => {
    const { error } = await failingStream(clientFor(), AbortSignal.abort());
    expect(error.code).toBe('model_cancelled');
    expect(fake.requests).toHaveLength(0);
  });

  it('an error event inside the stream → model_failed with its message, keeping the text so far', async () => {
    fake.enqueue({
      rawStream: [
        event({ content: 'Half an ' }),
        'data: {"error":{"message":"The server had an error while processing your request.","type":"server_error"}}\n\n',
        event({ content: 'never seen' }, 'stop'),
      ],
    });
    const { error, deltas } = await failingStream(clientFor());
    expect(error.code).toBe('model_failed');
    expect(error.detail.message).toContain('The server had an error while processing your request.');
    expect(deltas).toEqual(['Half an ']);
    expect(error.partialText).toBe('Half an ');
  });

  it('data that is not JSON → model_failed, keeping the text so far', async () => {
    fake.enqueue({ rawStream: [event({ content: 'So far ' }), 'data: {"choices": [\n\n', event({}, 'stop')] });
    const { error } = await failingStream(clientFor());
    expect(error.code).toBe('model_failed');
    expect(error.partialText).toBe('So far ');
  });

  it('a chunk of another shape (JSON null) → model_failed, keeping the text so far', async () => {
    fake.enqueue({ rawStream: [event({ content: 'So far ' }), 'data: null\n\n', event({}, 'stop')] });
    const { error } = await failingStream(clientFor());
    expect(error.code).toBe('model_failed');
    expect(error.partialText).toBe('So far ');
  });

  it('an error thrown by the delta handler propagates unchanged', async () => {
    const sinkError = new Error('the platform refused the edit');
    const outcome = await clientFor()
      .stream(MESSAGES, () => {
        throw sinkError;
      })
      .catch((error: unknown) => error);
    expect(outcome).toBe(sinkError);
  });
});

describe('toModelError', () => {
  it('maps the plain TypeError of a cut stream to model_stream_cut', () => {
    const error = toModelError(new TypeError('terminated'), 'partial');
    expect(error.code).toBe('model_stream_cut');
    expect(error.partialText).toBe('partial');
  });

  it('maps anything unknown to model_failed without leaking keys into the detail', () => {
    const error = toModelError(new Error(`boom with ${API_KEY}`), '');
    expect(error.code).toBe('model_failed');
    expect(error.userMessage).toBe(MODEL_ERROR_MESSAGES.model_failed);
    expect(JSON.stringify(error.detail)).not.toContain(API_KEY);
  });

  it('keeps a ModelError and its code, updating partialText', () => {
    const original = new ModelError('model_timeout');
    const mapped = toModelError(original, 'so far');
    expect(mapped.code).toBe('model_timeout');
    expect(mapped.partialText).toBe('so far');
    expect(mapped).toBeInstanceOf(ModelError);
  });
});
