import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { DISCORD_INTENTS } from '../../../src/adapters/discord/client-options.js';
import { TYPING_DELAY_MS } from '../../../src/adapters/discord/reply-stream.js';
import type { RecordedCall } from '../../support/fake-discord.js';
import { FAKE_REPLY, messagesOf, systemPromptOf } from '../../support/fake-openai.js';
import { startHarness, type DiscordHarness } from './harness.js';

const postsTo = (channelId: string) => ({ method: 'POST', path: `/channels/${channelId}/messages` });

function bodyOf(call: RecordedCall): Record<string, unknown> {
  return call.body as Record<string, unknown>;
}

describe('Discord conversations', () => {
  let h: DiscordHarness;

  beforeEach(async () => {
    h = await startHarness();
  });

  afterEach(async () => {
    await h.close();
  });

  it('GIVEN the fake Discord WHEN the bot starts THEN login reaches ready with one REST call and the needed intents', () => {
    expect(h.adapter.client.isReady()).toBe(true);
    expect(h.adapter.client.user.id).toBe(h.fake.bot.id);
    expect(h.adapter.client.guilds.cache.has(h.fake.guildId)).toBe(true);
    expect(h.fake.calls.map((call) => `${call.method} ${call.path}`)).toEqual(['GET /gateway/bot']);
    const expected = DISCORD_INTENTS.reduce((bits, intent) => bits | intent, 0);
    expect(h.fake.intents).toBe(expected);
  });

  it('GIVEN a mention WHEN the model is slow to start THEN typing shows and one reply carries the model text', async () => {
    h.openai.enqueue({ reply: FAKE_REPLY, firstTokenDelayMs: TYPING_DELAY_MS + 300 });
    const question = h.fake.userMessage({ content: 'what is a monad?', mention: true });
    const post = await h.fake.waitForCall(postsTo(h.fake.channels.general));
    await h.adapter.idle();

    expect(
      h.fake.callsMatching({ method: 'POST', path: `/channels/${h.fake.channels.general}/typing` }).length,
    ).toBeGreaterThanOrEqual(1);
    expect(h.fake.callsMatching(postsTo(h.fake.channels.general))).toHaveLength(1);
    expect(bodyOf(post).message_reference).toMatchObject({ message_id: question.id, fail_if_not_exists: false });
    const replies = h.fake.botMessagesIn(h.fake.channels.general);
    expect(replies.map((m) => m.content)).toEqual([FAKE_REPLY]);

    const request = h.openai.requests.find((r) => r.path === '/v1/chat/completions');
    expect(request).toBeDefined();
    const sent = messagesOf(request!);
    expect(sent.at(-1)?.content).toContain('what is a monad?');
    expect(sent.at(-1)?.content).not.toContain(`<@${h.fake.bot.id}>`);
  });

  it('GIVEN a direct message THEN the bot answers it in the DM', async () => {
    h.fake.userMessage({ content: 'hello in private', dm: true });
    const dm = h.fake.dmChannelOf(h.fake.users.alice);
    await h.fake.waitForCall(postsTo(dm));
    await h.adapter.idle();
    expect(h.fake.botMessagesIn(dm).map((m) => m.content)).toEqual([FAKE_REPLY]);
  });

  it('GIVEN a second DM THEN its history comes from the cache filled since the first fetch: no request', async () => {
    h.fake.userMessage({ content: 'first question', dm: true });
    const dm = h.fake.dmChannelOf(h.fake.users.alice);
    await h.fake.waitForCall(postsTo(dm));
    await h.adapter.idle();
    h.fake.userMessage({ content: 'second question', dm: true });
    await h.fake.waitForCall(postsTo(dm), 2);
    await h.adapter.idle();

    expect(h.fake.callsMatching({ method: 'GET', path: `/channels/${dm}/messages` })).toHaveLength(1);
    const chats = h.openai.requests.filter((request) => request.path === '/v1/chat/completions');
    const history = messagesOf(chats[1]!).map((message) => message.content);
    expect(history.some((content) => content.includes('first question'))).toBe(true);
    expect(history).toContain(FAKE_REPLY);
  });

  it('GIVEN a message that neither mentions nor replies to the bot THEN it stays quiet, and it ignores bots including itself', async () => {
    h.fake.userMessage({ content: 'just chatting' });
    h.fake.userMessage({ author: { ...h.fake.users.bob, bot: true }, content: 'beep', mention: true });
    await h.settle();
    expect(h.fake.callsMatching(postsTo(h.fake.channels.general))).toHaveLength(0);
    expect(h.openai.requests).toHaveLength(0);

    // Its own reply is echoed back by the gateway as a MESSAGE_CREATE (with itself as author): one answer only.
    h.fake.userMessage({ content: 'hi', mention: true });
    await h.fake.waitForCall(postsTo(h.fake.channels.general));
    await h.settle();
    expect(h.fake.callsMatching(postsTo(h.fake.channels.general))).toHaveLength(1);
  });

  it('GIVEN a reply chain WHEN someone replies to the bot THEN the model request holds the earlier messages in order, by speaker', async () => {
    h.openai.enqueue({ reply: 'Paris is the capital of France.' }, { reply: 'About 2.1 million people.' });
    const first = h.fake.userMessage({ content: 'capital of France?', mention: true });
    await h.fake.waitForCall(postsTo(h.fake.channels.general));
    await h.adapter.idle();
    const botReply = h.fake.botMessagesIn(h.fake.channels.general)[0]!;

    h.fake.userMessage({ author: h.fake.users.bob, content: 'and how many people live there?', replyTo: botReply.id });
    const request = await h.openai.waitForRequest(2);
    await h.fake.waitForCall(postsTo(h.fake.channels.general), 2);
    await h.adapter.idle();

    const sent = messagesOf(request);
    const conversation = sent.filter((m) => m.role !== 'system');
    expect(conversation.map((m) => m.role)).toEqual(['user', 'assistant', 'user']);
    expect(conversation[0]?.content).toContain('capital of France?');
    expect(conversation[0]?.content).toContain('Alice');
    expect(conversation[1]?.content).toBe('Paris is the capital of France.');
    expect(conversation[2]?.content).toContain('and how many people live there?');
    expect(first.id).not.toBe(botReply.id);
    const second = h.fake.botMessagesIn(h.fake.channels.general)[1]!;
    expect(second.content).toBe('About 2.1 million people.');
    expect(second.message_reference?.message_id).not.toBe(botReply.id);
  });

  it("GIVEN two people with different instructions THEN each reply follows only its asker's instructions", async () => {
    h.fake.slash({ user: h.fake.users.alice, subcommand: 'set', options: { text: 'Always answer in French.' } });
    h.fake.slash({ user: h.fake.users.bob, subcommand: 'set', options: { text: 'Answer like a pirate.' } });
    await h.settle();

    h.fake.userMessage({ author: h.fake.users.alice, content: 'hello?', mention: true });
    const alice = await h.openai.waitForRequest(1);
    h.fake.userMessage({ author: h.fake.users.bob, content: 'ahoy?', mention: true });
    const bob = await h.openai.waitForRequest(2);
    await h.fake.waitForCall(postsTo(h.fake.channels.general), 2);
    await h.adapter.idle();

    expect(systemPromptOf(alice)).toContain('Always answer in French.');
    expect(systemPromptOf(alice)).not.toContain('pirate');
    expect(systemPromptOf(bob)).toContain('Answer like a pirate.');
    expect(systemPromptOf(bob)).not.toContain('French');
  });

  it('GIVEN a thread where the bot has answered WHEN someone follows up without a mention THEN it answers with the thread as context', async () => {
    const thread = h.fake.channels.thread;
    h.fake.userMessage({ channelId: thread, content: 'we are planning the offsite' });
    h.fake.userMessage({ channelId: thread, author: h.fake.users.bob, content: 'where should we go?', mention: true });
    await h.fake.waitForCall(postsTo(thread));
    await h.adapter.idle();

    h.fake.userMessage({ channelId: thread, content: 'and when?' });
    const followUp = await h.openai.waitForRequest(2);
    await h.fake.waitForCall(postsTo(thread), 2);
    await h.adapter.idle();

    const conversation = messagesOf(followUp).filter((m) => m.role !== 'system');
    expect(conversation.map((m) => m.role)).toEqual(['user', 'user', 'assistant', 'user']);
    expect(conversation[0]?.content).toContain('we are planning the offsite');
    expect(conversation[1]?.content).toContain('Bob');
    expect(conversation[3]?.content).toContain('and when?');

    // A follow-up addressed to someone else is left to them.
    h.fake.userMessage({ channelId: thread, content: `<@${h.fake.users.bob.id}> what do you think?` });
    await h.settle();
    expect(h.openai.requests.filter((r) => r.path === '/v1/chat/completions')).toHaveLength(2);
  });

  it('GIVEN a thread started from a message WHEN the bot is mentioned in it THEN the starter message is context too', async () => {
    const question = h.fake.userMessage({ content: 'Our build fails with EADDRINUSE on port 3000.' });
    const thread = h.fake.startThread(question.id, 'build failure');
    h.fake.userMessage({ channelId: thread, author: h.fake.users.bob, content: 'same here since Monday' });
    h.fake.userMessage({ channelId: thread, content: 'any idea what causes this?', mention: true });
    const request = await h.openai.waitForRequest(1);
    await h.fake.waitForCall(postsTo(thread));
    await h.adapter.idle();

    const conversation = messagesOf(request).filter((m) => m.role !== 'system');
    expect(conversation.map((m) => m.content)).toEqual([
      expect.stringContaining('EADDRINUSE'),
      expect.stringContaining('same here since Monday'),
      expect.stringContaining('any idea what causes this?'),
    ]);
    expect(h.fake.botMessagesIn(thread)).toHaveLength(1);
  });

  it('GIVEN model output with @everyone and a user mention THEN the REST body blocks every mention', async () => {
    h.openai.enqueue({ reply: `@everyone look! <@${h.fake.users.bob.id}> @here` });
    h.fake.userMessage({ content: 'ping everybody', mention: true });
    const post = await h.fake.waitForCall(postsTo(h.fake.channels.general));
    await h.adapter.idle();
    expect(bodyOf(post).allowed_mentions).toEqual({ parse: [], replied_user: false });
    for (const edit of h.fake.callsMatching({ method: 'PATCH', path: /^\/channels\/\d+\/messages\/\d+$/ })) {
      expect(bodyOf(edit).allowed_mentions).toEqual({ parse: [], replied_user: false });
    }
    expect(h.fake.botMessagesIn(h.fake.channels.general)[0]?.content).toContain('@everyone');
  });
});
