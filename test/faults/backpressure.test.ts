/**
 * Backpressure through the real Slack adapter: with one reply at a time and no queue, a mention that
 * arrives while another is being answered is acknowledged, gets a short "busy, ask again" notice in its
 * thread and no model call, and is not lost: Slack's redelivery of it is answered once the bot is free.
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

it('GIVEN every turn taken THEN a mention gets a busy notice at once, and its redelivery is answered', async () => {
  h = await startWorld({ HEED_MAX_REPLIES_IN_FLIGHT: '1', HEED_REPLY_QUEUE: '0' });
  // The first reply holds the only turn for 1.5 s: ample for the second mention to reach the core meanwhile.
  h.openai.enqueue({ reply: FAKE_REPLY, firstTokenDelayMs: 1_500 });
  const first = await h.mention('U1', 'a question that takes a while');
  await h.openai.waitForRequest(1);

  const turnedAway = await h.mention('U2', 'a question while busy');
  expect(turnedAway.response.status).toBe(200);
  await h.idle();
  expect(h.botReplies(first.ts).map((message) => message.text)).toEqual([FAKE_REPLY]);
  const notice = h.botReplies(turnedAway.ts);
  expect(notice).toHaveLength(1);
  expect(notice[0]?.text).toMatch(/answering a lot of people.*ask again in a minute/);
  // The text alone, posted whole: no feedback buttons.
  expect(notice[0]?.blocks?.map((block) => (block as { type: string }).type)).toEqual(['markdown']);
  expect(h.modelRequests()).toBe(1);

  await h.event(
    {
      type: 'app_mention',
      channel: CHANNEL,
      user: 'U2',
      text: `<@${FAKE_BOT_USER_ID}> a question while busy`,
      ts: turnedAway.ts,
      event_ts: turnedAway.ts,
    },
    { headers: { 'X-Slack-Retry-Num': '1', 'X-Slack-Retry-Reason': 'http_timeout' } },
  );
  await h.idle();
  expect(h.botReplies(turnedAway.ts).map((message) => message.text)).toEqual([notice[0]?.text, FAKE_REPLY]);
  expect(h.modelRequests()).toBe(2);
});
