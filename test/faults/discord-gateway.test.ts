/**
 * The Discord gateway drops the connection in the middle of a conversation, while a reply is streaming:
 * the reply still completes (it goes over REST), discord.js resumes (or, after a close code that forbids
 * resuming, identifies afresh), the next messages are answered, and no message is answered twice.
 * (test/adapters/discord/failures.test.ts covers a drop while idle.)
 */
import { afterEach, expect, it } from 'vitest';
import type { APIMessage } from 'discord.js';
import { FAKE_REPLY } from '../support/fake-openai.js';
import { startHarness, type DiscordHarness } from '../adapters/discord/harness.js';

let h: DiscordHarness;
afterEach(async () => {
  await h?.close();
});

const STREAMED = 'A reply that keeps streaming while the gateway connection is gone, and still ends whole.';

/** The bot's replies to one user message, as they read now. */
function repliesTo(message: APIMessage): string[] {
  return h.fake
    .botMessagesIn(message.channel_id)
    .filter((reply) => reply.message_reference?.message_id === message.id)
    .map((reply) => reply.content);
}

const modelRequests = () => h.openai.requests.filter((request) => request.path.endsWith('/chat/completions')).length;

/** Ask, and wait until the model streams and the first text is on Discord, so the drop lands mid-reply. */
async function askSlowly(): Promise<APIMessage> {
  h.openai.enqueue({ reply: STREAMED, chunkSize: 10, tokenIntervalMs: 100 });
  const first = h.fake.userMessage({ content: 'tell me slowly', mention: true });
  await h.openai.waitForRequest(1);
  await h.fake.waitForCall({ method: 'POST', path: `/channels/${h.fake.channels.general}/messages` });
  return first;
}

it('resumes after a drop mid-reply: the reply completes, a message sent meanwhile and the next one are answered once each', async () => {
  h = await startHarness();
  const first = await askSlowly();

  h.fake.dropGateway();
  // Sent while the bot is disconnected: Discord holds it and replays it on RESUME.
  const meanwhile = h.fake.userMessage({ author: h.fake.users.bob, content: 'asked during the outage', mention: true });
  await h.fake.waitForSession(2);
  const next = h.fake.userMessage({ content: 'and the next question', mention: true });
  await h.settle();

  expect(h.logs.some((line) => line.msg === 'Discord gateway session resumed')).toBe(true);
  expect(repliesTo(first)).toEqual([STREAMED]);
  expect(repliesTo(meanwhile)).toEqual([FAKE_REPLY]);
  expect(repliesTo(next)).toEqual([FAKE_REPLY]);
  expect(modelRequests()).toBe(3);
});

it('identifies afresh after a close that forbids resuming (invalid sequence), then answers the next message once', async () => {
  h = await startHarness();
  const first = await askSlowly();

  h.fake.dropGateway(4007);
  await h.fake.waitForSession(2);
  const next = h.fake.userMessage({ content: 'and the next question', mention: true });
  await h.settle();

  expect(h.logs.some((line) => line.msg === 'Discord gateway session resumed')).toBe(false);
  expect(repliesTo(first)).toEqual([STREAMED]);
  expect(repliesTo(next)).toEqual([FAKE_REPLY]);
  expect(modelRequests()).toBe(2);
});
