import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { globalBudgetBusy, TYPING_DELAY_MS } from '../../../src/adapters/discord/reply-stream.js';
import { DISCORD_MESSAGE_LIMIT } from '../../../src/adapters/discord/split-message.js';
import { chunksOf } from '../../support/fake-openai.js';
import { longReplyWithCode, paragraph } from './fixtures.js';
import { startHarness, type DiscordHarness } from './harness.js';

const fencesBalanced = (text: string): boolean => (text.match(/```/g)?.length ?? 0) % 2 === 0;

describe('Discord replies', () => {
  let h: DiscordHarness;

  beforeEach(async () => {
    h = await startHarness();
  });

  afterEach(async () => {
    await h.close();
  });

  it('GIVEN a 4,500-character reply with a code block THEN three messages under 2,000 characters, fences balanced, each replying to the one before', async () => {
    const text = longReplyWithCode();
    h.openai.enqueue({ reply: text, chunkSize: 50 });
    const question = h.fake.userMessage({ content: 'show me the code', mention: true });
    await h.fake.waitForCall({ method: 'POST', path: `/channels/${h.fake.channels.general}/messages` }, 3);
    await h.adapter.idle();

    const parts = h.fake.botMessagesIn(h.fake.channels.general);
    expect(parts).toHaveLength(3);
    for (const part of parts) {
      expect(part.content.length).toBeLessThanOrEqual(DISCORD_MESSAGE_LIMIT);
      expect(fencesBalanced(part.content)).toBe(true);
    }
    expect(parts[0]?.message_reference?.message_id).toBe(question.id);
    expect(parts[1]?.message_reference?.message_id).toBe(parts[0]?.id);
    expect(parts[2]?.message_reference?.message_id).toBe(parts[1]?.id);
    const words = (value: string) => value.replace(/```\w*/g, '').replace(/\s+/g, '');
    expect(words(parts.map((part) => part.content).join('\n'))).toBe(words(text));

    // A report on any part finds the whole reply.
    expect(
      await h.testCore.core.isReply({
        platform: 'discord',
        workspaceId: h.fake.guildId,
        channelId: h.fake.channels.general,
        messageId: parts[2]!.id,
      }),
    ).toBe(true);
  });

  it('GIVEN a reply slow to start that streams a while THEN typing first, coalesced edits of the latest text, exact end', async () => {
    const text = paragraph(1200, 'stream');
    // 240 deltas over about 1.2 s of model time: at most a few throttled edits, never one per delta.
    h.openai.enqueue({ reply: text, chunkSize: 5, tokenIntervalMs: 5, firstTokenDelayMs: TYPING_DELAY_MS + 300 });
    h.fake.userMessage({ content: 'tell me a long story', mention: true });
    await h.fake.waitForCall({ method: 'POST', path: `/channels/${h.fake.channels.general}/messages` });
    await h.openai.waitForRequest(1);
    await h.adapter.idle();

    const channelCalls = h.fake.calls.filter((call) => call.path.startsWith(`/channels/${h.fake.channels.general}`));
    expect(channelCalls[0]?.path).toBe(`/channels/${h.fake.channels.general}/typing`);
    const [reply] = h.fake.botMessagesIn(h.fake.channels.general);
    expect(reply?.content).toBe(text);
    const edits = h.fake.callsMatching({
      method: 'PATCH',
      path: `/channels/${h.fake.channels.general}/messages/${reply?.id}`,
    });
    expect(edits.length).toBeLessThan(chunksOf(text, 5).length / 10);
    for (const edit of edits) expect(text.startsWith(String((edit.body as { content: string }).content))).toBe(true);
  });

  it('GIVEN a reply that starts quickly THEN no typing indicator: the post itself comes first', async () => {
    h.fake.userMessage({ content: 'quick one', mention: true });
    await h.fake.waitForCall({ method: 'POST', path: `/channels/${h.fake.channels.general}/messages` });
    await h.adapter.idle();
    expect(h.fake.callsMatching({ method: 'POST', path: `/channels/${h.fake.channels.general}/typing` })).toEqual([]);
    expect(h.fake.botMessagesIn(h.fake.channels.general)).toHaveLength(1);
  });

  it("GIVEN this second's global request budget more than half spent THEN the stream counts as busy", () => {
    const rest = h.adapter.client.rest;
    const now = Date.now();
    rest.globalReset = now + 500;
    rest.globalRemaining = rest.options.globalRequestsPerSecond;
    expect(globalBudgetBusy(rest, now)).toBe(false);
    rest.globalRemaining = rest.options.globalRequestsPerSecond / 2 - 1;
    expect(globalBudgetBusy(rest, now)).toBe(true);
    // Once the second is over, what was spent in it no longer counts.
    expect(globalBudgetBusy(rest, now + 1_000)).toBe(false);
  });

  it('GIVEN several mentions at once THEN each gets its own single reply', async () => {
    h.openai.fallback = { reply: 'same answer', tokenIntervalMs: 1 };
    const questions = [h.fake.users.alice, h.fake.users.bob, h.fake.users.dana].map((author, i) =>
      h.fake.userMessage({ author, content: `question ${i}`, mention: true }),
    );
    await h.fake.waitForCall({ method: 'POST', path: `/channels/${h.fake.channels.general}/messages` }, 3);
    await h.adapter.idle();
    const replies = h.fake.botMessagesIn(h.fake.channels.general);
    expect(replies.map((reply) => reply.message_reference?.message_id).sort()).toEqual(
      questions.map((q) => q.id).sort(),
    );
  });
});
