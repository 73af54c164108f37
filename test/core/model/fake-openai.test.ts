import OpenAI from 'openai';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  FAKE_REPLY,
  chunksOf,
  messagesOf,
  startFakeOpenAI,
  systemPromptOf,
  type FakeOpenAI,
} from '../../support/fake-openai.js';

let fake: FakeOpenAI;
let client: OpenAI;

beforeEach(async () => {
  fake = await startFakeOpenAI();
  client = new OpenAI({ baseURL: fake.url, apiKey: 'sk-test-fake-key', maxRetries: 0, timeout: 5_000 });
});

afterEach(async () => {
  await fake.close();
});

const messages = [
  { role: 'system' as const, content: 'Be brief.' },
  { role: 'user' as const, content: 'Hi there' },
];

describe('fake OpenAI server', () => {
  it('streams the fallback reply as chat.completion.chunk events with usage and [DONE]', async () => {
    const stream = await client.chat.completions.create({
      model: 'm',
      messages,
      stream: true,
      stream_options: { include_usage: true },
    });
    const deltas: string[] = [];
    const finishReasons: Array<string | null> = [];
    let role: string | undefined;
    let usage: OpenAI.CompletionUsage | undefined;
    for await (const chunk of stream) {
      const choice = chunk.choices[0];
      if (choice?.delta.role) role = choice.delta.role;
      if (choice?.delta.content) deltas.push(choice.delta.content);
      if (choice) finishReasons.push(choice.finish_reason);
      if (chunk.usage) usage = chunk.usage;
    }
    expect(role).toBe('assistant');
    expect(deltas).toEqual(chunksOf(FAKE_REPLY));
    expect(finishReasons.at(-1)).toBe('stop');
    const req = await fake.waitForRequest();
    expect(req.completedAt).toBeGreaterThanOrEqual(req.receivedAt);
    expect(usage?.completion_tokens).toBe(deltas.length);
  });

  it('answers without streaming as a chat.completion and records the request', async () => {
    fake.enqueue({
      reply: (req) => `echo: ${messagesOf(req).at(-1)?.content ?? ''}`,
      usage: { prompt_tokens: 7, completion_tokens: 3 },
    });
    const completion = await client.chat.completions.create({ model: 'm', messages });
    expect(completion.choices[0]?.message.content).toBe('echo: Hi there');
    expect(completion.usage).toMatchObject({ prompt_tokens: 7, completion_tokens: 3, total_tokens: 10 });
    const req = await fake.waitForRequest();
    expect(req.method).toBe('POST');
    expect(req.path).toBe('/v1/chat/completions');
    expect(req.headers.authorization).toBe('Bearer sk-test-fake-key');
    expect(systemPromptOf(req)).toBe('Be brief.');
    expect(messagesOf(req)).toEqual(messages);
  });

  it('returns OpenAI error bodies and Retry-After on 429', async () => {
    fake.enqueue({ status: 429, retryAfterSeconds: 7 });
    const response = await fetch(`${fake.url}/chat/completions`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ model: 'm', messages }),
    });
    expect(response.status).toBe(429);
    expect(response.headers.get('retry-after')).toBe('7');
    const body = (await response.json()) as { error: { message: string; type: string; code: string } };
    expect(body.error.code).toBe('rate_limit_exceeded');
  });

  it('uses the queue before the fallback, one behaviour per request', async () => {
    fake.enqueue({ reply: 'first' });
    fake.fallback = { reply: 'later' };
    const texts: Array<string | null | undefined> = [];
    for (let i = 0; i < 2; i++) {
      const completion = await client.chat.completions.create({ model: 'm', messages });
      texts.push(completion.choices[0]?.message.content);
    }
    expect(texts).toEqual(['first', 'later']);
    expect((await fake.waitForRequest(2)).path).toBe('/v1/chat/completions');
  });

  it('lists one model and 404s unknown paths', async () => {
    const models = await client.models.list();
    expect(models.data.map((model) => model.id)).toHaveLength(1);
    const response = await fetch(`${fake.url}/nope`);
    expect(response.status).toBe(404);
    expect(fake.requests.map((req) => req.path)).toEqual(['/v1/models', '/v1/nope']);
  });

  it('rejects a request without messages with 400', async () => {
    await expect(client.chat.completions.create({ model: 'm', messages: [] })).rejects.toBeInstanceOf(
      OpenAI.BadRequestError,
    );
  });

  it('close() ends a hanging request and rejects pending waiters', async () => {
    fake.enqueue({ hang: true });
    const pending = client.chat.completions.create({ model: 'm', messages });
    const settled = pending.then(
      () => 'resolved',
      (error: unknown) => error,
    );
    await fake.waitForRequest(1);
    const waiter = fake.waitForRequest(2);
    await fake.close();
    await expect(waiter).rejects.toThrow(/closed/);
    expect(await settled).toBeInstanceOf(OpenAI.APIConnectionError);
  });
});
