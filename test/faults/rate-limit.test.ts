/**
 * The per-person rate limit through the real Slack adapter: with HEED_RATE_LIMIT_PER_MINUTE=20, the 21st
 * message in a minute gets one polite notice and makes no model call, the 22nd gets nothing at all, a
 * redelivery of the refused message is not answered later, and another person is served meanwhile.
 */
import { afterEach, expect, it } from 'vitest';
import { FAKE_REPLY } from '../support/fake-openai.js';
import { FAKE_BOT_USER_ID } from '../support/fake-slack.js';
import { CHANNEL } from '../adapters/slack/harness.js';
import { startWorld, type World } from './world.js';

let h: World;
afterEach(async () => {
  await h?.close();
});

it('answers 20 messages in a minute, sends one notice for the 21st without a model call, and serves another person', async () => {
  h = await startWorld({ HEED_RATE_LIMIT_PER_MINUTE: '20' });
  for (let i = 1; i <= 20; i++) {
    const { ts } = await h.mention('U1', `message ${i}`);
    await h.idle();
    expect(h.botReplies(ts).map((message) => message.text)).toEqual([FAKE_REPLY]);
  }
  expect(h.modelRequests()).toBe(20);

  const over = await h.mention('U1', 'message 21');
  await h.idle();
  const notice = h.botReplies(over.ts);
  expect(notice).toHaveLength(1);
  expect(notice[0]?.text).toMatch(/faster than I can keep up with.*wait a minute/);
  // The text alone, posted whole: no feedback buttons.
  expect(notice[0]?.blocks?.map((block) => (block as { type: string }).type)).toEqual(['markdown']);
  expect(h.modelRequests()).toBe(20);

  const silent = await h.mention('U1', 'message 22');
  await h.idle();
  expect(h.botReplies(silent.ts)).toEqual([]);
  expect(h.modelRequests()).toBe(20);
  // Refused at once: the "thinking" status, shown only when a reply is slow to start, is never set.
  const statusCalls = h.slack.callsOf('assistant.threads.setStatus');
  expect(statusCalls.filter((call) => call.args.thread_ts === silent.ts)).toEqual([]);

  // Slack redelivers the refused message: it stays refused, not answered late.
  await h.event(
    {
      type: 'app_mention',
      channel: CHANNEL,
      user: 'U1',
      text: `<@${FAKE_BOT_USER_ID}> message 21`,
      ts: over.ts,
      event_ts: over.ts,
    },
    { headers: { 'X-Slack-Retry-Num': '1', 'X-Slack-Retry-Reason': 'http_timeout' } },
  );
  await h.idle();
  expect(h.botReplies(over.ts)).toHaveLength(1);

  const other = await h.mention('U2', 'my first message');
  await h.idle();
  expect(h.botReplies(other.ts).map((message) => message.text)).toEqual([FAKE_REPLY]);
  expect(h.modelRequests()).toBe(21);
  expect(h.logs.filter((line) => line.msg === 'rate limit reached').map((line) => line.decision)).toEqual([
    'notify',
    'silent',
  ]);
});
