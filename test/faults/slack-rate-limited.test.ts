/**
 * Slack answers 429 with Retry-After on a call that writes the reply: the Web API client waits and
 * retries, and the reply arrives once, whole, with nothing written twice. (A 429 on chat.startStream is
 * covered in test/adapters/slack/replies.test.ts.) A 429 on a read for context (the thread's history) is
 * not waited out: the reply goes ahead without it, and nothing else waits either.
 */
import { afterEach, expect, it } from 'vitest';
import { FAKE_REPLY, messagesOf } from '../support/fake-openai.js';
import { CHANNEL, startHarness, type Harness } from '../adapters/slack/harness.js';

let h: Harness;
afterEach(async () => {
  await h?.close();
});

const answers = (method: string) => h.slack.callsOf(method).map((call) => call.answer);

/** The fake answer, its rest held until the first text reaches Slack: the reply is streamed. */
const streamedAnswer = () => ({ reply: FAKE_REPLY, pauseAfterFirst: () => h.slack.waitForCall('chat.startStream', 1) });

it('retries a rate-limited chat.stopStream after Retry-After: one message, the whole text, the feedback buttons', async () => {
  h = await startHarness();
  h.slack.enqueue('chat.stopStream', { rateLimited: 1 });
  h.openai.enqueue(streamedAnswer());
  const { ts } = await h.mention('U1', 'hello');
  await h.idle();
  expect(answers('chat.stopStream')).toEqual(['http 429', 'ok']);
  const replies = h.botReplies(CHANNEL, ts);
  expect(replies.map((message) => [message.text, message.streaming])).toEqual([[FAKE_REPLY, false]]);
  expect((replies[0]?.blocks as Array<{ type: string }>).map((block) => block.type)).toEqual(['context_actions']);
  expect(h.openai.requests).toHaveLength(1);
});

it('retries a rate-limited chat.appendStream mid-reply without writing that text twice', async () => {
  h = await startHarness();
  const reply = 'One, and two, and three, and four, and five, and six, and the end.';
  // Slow enough that text streams after the first flush: the later text goes out with appendStream.
  h.openai.enqueue({ reply, chunkSize: 11, tokenIntervalMs: 250 });
  h.slack.enqueue('chat.appendStream', { rateLimited: 1 });
  const { ts } = await h.mention('U1', 'count slowly');
  await h.idle();
  expect(answers('chat.appendStream').slice(0, 2)).toEqual(['http 429', 'ok']);
  expect(h.botReplies(CHANNEL, ts).map((message) => message.text)).toEqual([reply]);
  expect(answers('chat.stopStream')).toEqual(['ok']);
});

it('retries rate-limited chat.postMessage and chat.update where Slack refuses streaming: one message, the whole text', async () => {
  h = await startHarness();
  h.slack.enqueue('chat.startStream', { error: 'feature_not_enabled' });
  // Retry-After 0 here: the client still backs off about a second per retry.
  h.slack.enqueue('chat.postMessage', { rateLimited: 0 });
  h.slack.enqueue('chat.update', { rateLimited: 0 });
  h.openai.enqueue(streamedAnswer());
  const { ts } = await h.mention('U1', 'hello');
  await h.idle();
  expect(answers('chat.postMessage')).toEqual(['http 429', 'ok']);
  expect(answers('chat.update').slice(0, 2)).toEqual(['http 429', 'ok']);
  const replies = h.botReplies(CHANNEL, ts);
  expect(replies).toHaveLength(1);
  expect(replies[0]?.blocks).toEqual([
    { type: 'markdown', text: FAKE_REPLY },
    expect.objectContaining({ type: 'context_actions' }),
  ]);
});

it('answers a follow-up at once without the thread when conversations.replies is rate-limited, and holds up no other reply', async () => {
  h = await startHarness();
  // A thread Heed did not see begin, so its context has to be read from Slack.
  const root = h.slack.nextTs();
  h.slack.addMessage(CHANNEL, { ts: root, user: 'U1', text: 'first question' });
  // Two minutes: waiting it out (as the client does for a write) would leave every reply of the workspace
  // queued behind it, since the client pauses all of its calls for that long.
  h.slack.enqueue('conversations.replies', { rateLimited: 120 });
  await h.mention('U1', 'second question', { threadTs: root });
  await h.idle();
  expect(answers('conversations.replies')).toEqual(['http 429']);
  expect(h.botReplies(CHANNEL, root).map((message) => message.text)).toEqual([FAKE_REPLY]);
  const second = messagesOf(await h.openai.waitForRequest(1)).filter((message) => message.role !== 'system');
  expect(second.map((message) => message.content).join('\n')).not.toContain('first question');
  expect(second.at(-1)?.content).toContain('second question');
  expect(h.logs.filter((line) => line.level === 40 && /conversations\.replies/.test(line.msg))).toHaveLength(1);

  // Within the Retry-After window the read is not tried again (one warning, no second 429), and a reply
  // elsewhere goes out as usual.
  await h.mention('U1', 'third question', { threadTs: root });
  const { ts: other } = await h.mention('U2', 'a new question');
  await h.idle();
  expect(answers('conversations.replies')).toEqual(['http 429']);
  expect(h.botReplies(CHANNEL, root)).toHaveLength(2);
  expect(h.botReplies(CHANNEL, other).map((message) => message.text)).toEqual([FAKE_REPLY]);
  expect(h.logs.filter((line) => line.level === 40 && /conversations\.replies/.test(line.msg))).toHaveLength(1);
});
