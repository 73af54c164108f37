/**
 * A follow-up's context from the thread memory: Heed asks Slack for a thread (`conversations.replies`)
 * only when it has not seen all of it, and the model is sent exactly what a read from Slack would give.
 */
import { afterEach, expect, it } from 'vitest';
import { FAKE_BOT_USER_ID, FAKE_TEAM_ID } from '../../support/fake-slack.js';
import { FAKE_REPLY, messagesOf } from '../../support/fake-openai.js';
import { CHANNEL, startHarness, type Harness } from './harness.js';

let h: Harness | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
});

/** A message by someone in the thread that Heed sees but does not answer (it is addressed to another). */
async function remark(harness: Harness, root: string, text: string): Promise<string> {
  const ts = harness.slack.nextTs();
  const full = `<@U3> ${text}`;
  harness.slack.addMessage(CHANNEL, { ts, user: 'U2', text: full, thread_ts: root });
  await harness.event({
    type: 'message',
    channel: CHANNEL,
    channel_type: 'channel',
    user: 'U2',
    text: full,
    ts,
    thread_ts: root,
    event_ts: ts,
    team: FAKE_TEAM_ID,
  });
  return ts;
}

const reads = (harness: Harness) => harness.slack.callsOf('conversations.replies').length;
const prompt = async (harness: Harness, n: number) => messagesOf(await harness.openai.waitForRequest(n));

/** Once everything before is handled, ask in the thread: all that the model was sent for the `n`-th request. */
async function askInThread(harness: Harness, root: string, text: string, n: number): Promise<string> {
  await harness.idle();
  await harness.mention('U1', text, { threadTs: root });
  await harness.idle();
  return (await prompt(harness, n)).map((message) => message.content).join('\n');
}

/** A thread Heed begins, a remark, two follow-ups: the model requests, and the reads it took. */
async function conversation(env: Record<string, string>) {
  const harness = await startHarness({ env });
  h = harness;
  const { ts: root } = await harness.mention('U1', 'first question');
  await harness.idle();
  await remark(harness, root, 'a remark for someone else');
  await harness.idle();
  await harness.mention('U1', 'second question', { threadTs: root });
  await harness.idle();
  await harness.mention('U1', 'third question', { threadTs: root });
  await harness.idle();
  const requests = [await prompt(harness, 2), await prompt(harness, 3)];
  const result = { requests, reads: reads(harness), replies: harness.botReplies(CHANNEL, root).length };
  await harness.close();
  h = undefined;
  return result;
}

it('answers follow-ups in a thread it began without reading Slack, sending the model what a read gives', async () => {
  // The same fence secret: otherwise each database makes its own, and the system prompts differ by it.
  const remembered = await conversation({ HEED_FENCE_SECRET: 'one secret' });
  const read = await conversation({ HEED_FENCE_SECRET: 'one secret', HEED_SLACK_THREAD_MEMORY: 'false' });
  expect(read.reads).toBe(2);
  expect(remembered.reads).toBe(0);
  expect(remembered.replies).toBe(3);
  expect(remembered.requests).toEqual(read.requests);
  const third = remembered.requests[1]?.filter((message) => message.role !== 'system') ?? [];
  expect(third.map((message) => message.role)).toEqual(['user', 'assistant', 'user', 'user', 'assistant', 'user']);
  expect(third.map((message) => message.content).join('\n')).toContain('a remark for someone else');
  expect(third.filter((message) => message.role === 'assistant').map((message) => message.content)).toEqual([
    FAKE_REPLY,
    FAKE_REPLY,
  ]);
});

it('reads a thread it did not see begin once, then remembers it', async () => {
  h = await startHarness();
  const root = h.slack.nextTs();
  h.slack.addMessage(CHANNEL, { ts: root, user: 'U2', text: 'a thread from before Heed was here' });
  h.slack.addMessage(CHANNEL, { ts: h.slack.nextTs(), user: 'U2', text: 'with a reply', thread_ts: root });
  await h.mention('U1', 'what was said?', { threadTs: root });
  await h.idle();
  expect(reads(h)).toBe(1);
  await h.mention('U1', 'and now?', { threadTs: root });
  await h.idle();
  expect(reads(h)).toBe(1);
  const second = (await prompt(h, 2)).filter((message) => message.role !== 'system').map((m) => m.content);
  expect(second.slice(0, 2)).toEqual([
    expect.stringContaining('a thread from before Heed was here'),
    expect.stringContaining('with a reply'),
  ]);
  expect(second.slice(2)).toEqual([
    expect.stringContaining('what was said?'),
    FAKE_REPLY,
    expect.stringContaining('and now?'),
  ]);
});

it('reads the thread from Slack again once someone edits a message in it, and sends the edited text', async () => {
  h = await startHarness();
  const { ts: root } = await h.mention('U1', 'first question');
  await h.idle();
  const ts = await remark(h, root, 'the meeting is on Monday');
  await h.idle();
  const held = h.slack.message(CHANNEL, ts);
  if (held) held.text = `<@U3> the meeting is on Tuesday`;
  await h.event({
    type: 'message',
    subtype: 'message_changed',
    hidden: true,
    channel: CHANNEL,
    channel_type: 'channel',
    ts: h.slack.nextTs(),
    message: { type: 'message', user: 'U2', text: held?.text, ts, thread_ts: root },
    previous_message: { type: 'message', user: 'U2', text: '<@U3> the meeting is on Monday', ts, thread_ts: root },
  });
  const asked = await askInThread(h, root, 'when is the meeting?', 2);
  expect(reads(h)).toBe(1);
  expect(asked).toContain('Tuesday');
  expect(asked).not.toContain('Monday');
  // An edit is not a question: no reply to it.
  expect(h.botReplies(CHANNEL, root)).toHaveLength(2);
});

it("reads a thread from Slack when its first message was answered on Slack's retry: people may have replied meanwhile", async () => {
  h = await startHarness();
  const root = h.slack.nextTs();
  const text = `<@${FAKE_BOT_USER_ID}> first question`;
  h.slack.addMessage(CHANNEL, { ts: root, user: 'U1', text });
  // The first delivery never reached Heed; while Slack waited to retry, someone answered in the thread.
  h.slack.addMessage(CHANNEL, { ts: h.slack.nextTs(), user: 'U2', text: 'I can help with that', thread_ts: root });
  await h.event(
    { type: 'app_mention', user: 'U1', text, ts: root, channel: CHANNEL, event_ts: root, team: FAKE_TEAM_ID },
    { headers: { 'X-Slack-Retry-Num': '1', 'X-Slack-Retry-Reason': 'http_timeout' } },
  );
  const asked = await askInThread(h, root, 'second question', 2);
  expect(reads(h)).toBe(1);
  expect(asked).toContain('I can help with that');
});

it('forgets every thread once Slack retries an event: a delivery failed, and others may never come', async () => {
  h = await startHarness();
  const { ts: root } = await h.mention('U1', 'first question');
  await askInThread(h, root, 'second question', 2);
  expect(reads(h)).toBe(0);
  const ts = h.slack.nextTs();
  await h.event(
    { type: 'message', subtype: 'channel_join', user: 'U9', text: 'joined', ts, channel: 'C0OTHER', event_ts: ts },
    { headers: { 'X-Slack-Retry-Num': '1', 'X-Slack-Retry-Reason': 'http_error' } },
  );
  await askInThread(h, root, 'third question', 3);
  expect(reads(h)).toBe(1);
});
