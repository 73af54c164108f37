import { afterEach, describe, expect, it } from 'vitest';
import { FAKE_REPLY } from '../../support/fake-openai.js';
import { startHarness, type DiscordHarness } from './harness.js';

describe('Discord shutdown', () => {
  let h: DiscordHarness;

  afterEach(async () => {
    await h.close();
  });

  it('GIVEN a reply in flight WHEN the bot stops THEN it takes no new messages but finishes that reply', async () => {
    h = await startHarness();
    // The model is slow to start: the reply is certainly still in flight when stop() begins.
    h.openai.enqueue({ reply: FAKE_REPLY, firstTokenDelayMs: 200 });
    h.fake.userMessage({ content: 'a slow question', mention: true });
    await h.openai.waitForRequest(1);

    const stopped = h.adapter.stop();
    h.fake.userMessage({ author: h.fake.users.bob, content: 'too late', mention: true });
    await stopped;

    expect(h.fake.botMessagesIn(h.fake.channels.general).map((m) => m.content)).toEqual([FAKE_REPLY]);
    expect(h.openai.requests.filter((r) => r.path === '/v1/chat/completions')).toHaveLength(1);
    expect(h.adapter.client.isReady()).toBe(false);
  });
});
