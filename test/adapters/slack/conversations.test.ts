import { afterEach, describe, expect, it } from 'vitest';
import { heedFromConfig } from '../../../src/app.js';
import { silentLogger } from '../../../src/core/logger.js';
import { startSlack } from '../../../src/adapters/slack/index.js';
import { FAKE_REPLY, messagesOf, systemPromptOf } from '../../support/fake-openai.js';
import { FAKE_BOT_ID, FAKE_BOT_USER_ID, FAKE_TEAM_ID } from '../../support/fake-slack.js';
import { postEvent, slackSignature } from '../../support/slack-signing.js';
import { CHANNEL, DM, envelope, SIGNING_SECRET, startHarness, type Harness } from './harness.js';

let h: Harness;
afterEach(async () => {
  await h?.close();
});

/** Set a person's "how to respond" through the real slash command. */
async function setInstructions(user: string, text: string): Promise<void> {
  const command = await h.instructions(user, `set ${text}`);
  expect(command.response.status).toBe(200);
  await command.answer();
  await h.idle();
}

describe('conversations', () => {
  it("answers a mention with exactly one threaded reply from the model, following the asker's instructions", async () => {
    h = await startHarness();
    await setInstructions('U1', 'Always answer in French.');
    // Streamed: the rest of the answer follows the first text's arrival in Slack.
    h.openai.enqueue({ reply: FAKE_REPLY, pauseAfterFirst: () => h.slack.waitForCall('chat.startStream', 1) });
    const { ts, response } = await h.mention('U1', 'what is the capital of Italy?');
    expect(response.status).toBe(200);
    await h.idle();

    const replies = h.botReplies(CHANNEL, ts);
    expect(replies).toHaveLength(1);
    expect(replies[0]?.text).toBe(FAKE_REPLY);
    expect(h.slack.callsOf('chat.startStream')).toHaveLength(1);
    expect(h.slack.callsOf('chat.startStream')[0]?.args).toMatchObject({
      channel: CHANNEL,
      thread_ts: ts,
      recipient_user_id: 'U1',
      recipient_team_id: FAKE_TEAM_ID,
    });
    expect(h.slack.callsOf('chat.stopStream')).toHaveLength(1);
    expect(h.slack.callsOf('chat.postMessage')).toHaveLength(0);
    // Every Web API call carries the bot token.
    expect(h.slack.calls.every((call) => call.token === 'xoxb-test-token')).toBe(true);

    expect(h.openai.requests.filter((request) => request.path.endsWith('/chat/completions'))).toHaveLength(1);
    const request = await h.openai.waitForRequest(1);
    expect(systemPromptOf(request)).toContain('Always answer in French.');
    expect(messagesOf(request).at(-1)?.content).toContain('what is the capital of Italy?');
    expect(messagesOf(request).at(-1)?.content).not.toContain(`<@${FAKE_BOT_USER_ID}>`);
  });

  it('answers a direct message', async () => {
    h = await startHarness();
    const ts = h.slack.nextTs();
    await h.event({
      type: 'message',
      channel: DM,
      channel_type: 'im',
      user: 'U1',
      text: 'hello in private',
      ts,
      event_ts: ts,
    });
    await h.idle();
    expect(h.botReplies(DM, ts).map((message) => message.text)).toEqual([FAKE_REPLY]);
    expect(messagesOf(await h.openai.waitForRequest(1)).at(-1)?.content).toContain('hello in private');
  });

  it('answers a follow-up in its thread without a new mention, with the thread as context', async () => {
    h = await startHarness();
    const { ts: root } = await h.mention('U1', 'first question');
    await h.idle();
    const followTs = h.slack.nextTs();
    h.slack.addMessage(CHANNEL, { ts: followTs, user: 'U2', text: 'and a follow-up', thread_ts: root });
    await h.event({
      type: 'message',
      channel: CHANNEL,
      channel_type: 'channel',
      user: 'U2',
      text: 'and a follow-up',
      ts: followTs,
      thread_ts: root,
      event_ts: followTs,
    });
    await h.idle();

    expect(h.botReplies(CHANNEL, root)).toHaveLength(2);
    const second = await h.openai.waitForRequest(2);
    const messages = messagesOf(second);
    const history = messages.filter((message) => message.role !== 'system').map((message) => message.content);
    expect(history.some((content) => content.includes('first question'))).toBe(true);
    expect(messages.some((message) => message.role === 'assistant' && message.content.includes(FAKE_REPLY))).toBe(true);
    expect(history.at(-1)).toContain('and a follow-up');
  });

  it('does not answer a thread follow-up without a mention when HEED_THREAD_FOLLOWUPS is off', async () => {
    h = await startHarness({ env: { HEED_THREAD_FOLLOWUPS: 'false' } });
    const { ts: root } = await h.mention('U1', 'first question');
    await h.idle();
    const followTs = h.slack.nextTs();
    await h.event({
      type: 'message',
      channel: CHANNEL,
      channel_type: 'channel',
      user: 'U1',
      text: 'thanks',
      ts: followTs,
      thread_ts: root,
      event_ts: followTs,
    });
    await h.idle();
    expect(h.botReplies(CHANNEL, root)).toHaveLength(1);
    expect(h.openai.requests.filter((request) => request.path.endsWith('/chat/completions'))).toHaveLength(1);
  });

  it('does not answer a follow-up that mentions another person', async () => {
    h = await startHarness();
    const { ts: root } = await h.mention('U1', 'first question');
    await h.idle();
    const followTs = h.slack.nextTs();
    await h.event({
      type: 'message',
      channel: CHANNEL,
      channel_type: 'channel',
      user: 'U1',
      text: '<@U2> what do you think?',
      ts: followTs,
      thread_ts: root,
      event_ts: followTs,
    });
    await h.idle();
    expect(h.botReplies(CHANNEL, root)).toHaveLength(1);
  });

  it("gives two people in one thread replies that each follow only their own asker's instructions", async () => {
    h = await startHarness();
    await setInstructions('U1', 'Always answer in French.');
    await setInstructions('U2', 'Always answer as a haiku.');
    const { ts: root } = await h.mention('U1', 'tell me about rivers');
    await h.idle();
    await h.mention('U2', 'and about mountains', { threadTs: root });
    await h.idle();

    expect(h.botReplies(CHANNEL, root)).toHaveLength(2);
    const first = systemPromptOf(await h.openai.waitForRequest(1));
    const second = systemPromptOf(await h.openai.waitForRequest(2));
    expect(first).toContain('Always answer in French.');
    expect(first).not.toContain('haiku');
    expect(second).toContain('Always answer as a haiku.');
    expect(second).not.toContain('French');
  });

  it('ignores bot messages (its own included), edits, deletions, joins and messages without text', async () => {
    h = await startHarness();
    const ignored: Record<string, unknown>[] = [
      {
        type: 'message',
        channel: DM,
        channel_type: 'im',
        user: FAKE_BOT_USER_ID,
        bot_id: FAKE_BOT_ID,
        text: 'my own reply',
      },
      {
        type: 'message',
        channel: DM,
        channel_type: 'im',
        subtype: 'bot_message',
        bot_id: 'B0OTHER',
        username: 'other bot',
        text: 'beep',
      },
      {
        type: 'message',
        channel: DM,
        channel_type: 'im',
        user: 'U9',
        bot_id: 'B0OTHER',
        text: 'an app posting as a user',
      },
      {
        type: 'message',
        channel: DM,
        channel_type: 'im',
        subtype: 'message_changed',
        hidden: true,
        message: { user: 'U1', text: 'edited' },
      },
      {
        type: 'message',
        channel: DM,
        channel_type: 'im',
        subtype: 'message_deleted',
        hidden: true,
        deleted_ts: '1.000001',
      },
      {
        type: 'message',
        channel: CHANNEL,
        channel_type: 'channel',
        subtype: 'channel_join',
        user: 'U1',
        text: `<@U1> has joined the channel`,
      },
      { type: 'message', channel: DM, channel_type: 'im', user: 'U1', text: '' },
      { type: 'app_mention', channel: CHANNEL, user: 'U1', text: `<@${FAKE_BOT_USER_ID}>` },
    ];
    for (const event of ignored) {
      const ts = h.slack.nextTs();
      const response = await h.event({ ...event, ts, event_ts: ts });
      expect(response.status).toBe(200);
    }
    await h.idle();
    expect(h.openai.requests.filter((request) => request.path.endsWith('/chat/completions'))).toHaveLength(0);
    expect(h.slack.calls.filter((call) => call.method.startsWith('chat.'))).toHaveLength(0);
  });
});

describe('exactly one reply per message', () => {
  it('answers once when Slack retries the same event (X-Slack-Retry-Num)', async () => {
    h = await startHarness();
    const ts = h.slack.nextTs();
    const event = {
      type: 'app_mention',
      channel: CHANNEL,
      user: 'U1',
      text: `<@${FAKE_BOT_USER_ID}> hi`,
      ts,
      event_ts: ts,
    };
    await h.event(event, { eventId: 'EvRETRY1' });
    await h.event(event, {
      eventId: 'EvRETRY1',
      headers: { 'X-Slack-Retry-Num': '1', 'X-Slack-Retry-Reason': 'http_timeout' },
    });
    await h.idle();
    const callsBefore = h.slack.calls.length;
    await h.event(event, {
      eventId: 'EvRETRY1',
      headers: { 'X-Slack-Retry-Num': '2', 'X-Slack-Retry-Reason': 'http_timeout' },
    });
    await h.idle();
    expect(h.botReplies(CHANNEL, ts)).toHaveLength(1);
    expect(h.openai.requests.filter((request) => request.path.endsWith('/chat/completions'))).toHaveLength(1);
    // A redelivery of an answered message costs no Slack call at all (no status, no history).
    expect(h.slack.calls.slice(callsBefore)).toEqual([]);
  });

  it('answers once when a mention arrives both as app_mention and as message, in either order', async () => {
    h = await startHarness();
    for (const order of [
      ['app_mention', 'message'],
      ['message', 'app_mention'],
    ] as const) {
      const ts = h.slack.nextTs();
      const text = `<@${FAKE_BOT_USER_ID}> twin ${order[0]}`;
      for (const type of order) {
        await h.event({ type, channel: CHANNEL, channel_type: 'channel', user: 'U1', text, ts, event_ts: ts });
      }
      await h.idle();
      expect(h.botReplies(CHANNEL, ts)).toHaveLength(1);
    }
    expect(h.openai.requests.filter((request) => request.path.endsWith('/chat/completions'))).toHaveLength(2);
  });

  it('still answers once after a restart: the dedupe is persisted', async () => {
    h = await startHarness();
    const ts = h.slack.nextTs();
    const event = {
      type: 'app_mention',
      channel: CHANNEL,
      user: 'U1',
      text: `<@${FAKE_BOT_USER_ID}> hi`,
      ts,
      event_ts: ts,
    };
    await h.event(event, { eventId: 'EvRESTART' });
    await h.idle();
    await h.adapter.stop();

    // A new process: a new core on the same database file, a new Bolt app.
    const core = await heedFromConfig(h.test.config, silentLogger());
    const adapter = await startSlack({ config: h.test.config, core, logger: silentLogger(), host: '127.0.0.1' });
    try {
      const response = await postEvent(
        `http://127.0.0.1:${adapter.port}`,
        SIGNING_SECRET,
        envelope(event, 'EvRESTART'),
        {
          headers: { 'X-Slack-Retry-Num': '3', 'X-Slack-Retry-Reason': 'http_timeout' },
        },
      );
      expect(response.status).toBe(200);
      await adapter.idle();
    } finally {
      await adapter.stop();
      await core.close();
    }
    expect(h.botReplies(CHANNEL, ts)).toHaveLength(1);
    expect(h.openai.requests.filter((request) => request.path.endsWith('/chat/completions'))).toHaveLength(1);
  });
});

describe('request verification', () => {
  it('rejects a bad signature and a stale timestamp with 401: no model call, nothing stored', async () => {
    h = await startHarness();
    const ts = h.slack.nextTs();
    const event = {
      type: 'app_mention',
      channel: CHANNEL,
      user: 'U1',
      text: `<@${FAKE_BOT_USER_ID}> hi`,
      ts,
      event_ts: ts,
    };
    const body = JSON.stringify(envelope(event, 'EvSIGNED'));

    const wrong = await fetch(`${h.baseUrl}/slack/events`, {
      method: 'POST',
      headers: {
        'Content-Type': 'application/json',
        'X-Slack-Request-Timestamp': String(Math.floor(Date.now() / 1000)),
        'X-Slack-Signature': slackSignature('not-the-secret', Math.floor(Date.now() / 1000), body),
      },
      body,
    });
    expect(wrong.status).toBe(401);

    const stale = Math.floor(Date.now() / 1000) - 10 * 60;
    const old = await fetch(`${h.baseUrl}/slack/events`, {
      method: 'POST',
      headers: {
        'Content-Type': 'application/json',
        'X-Slack-Request-Timestamp': String(stale),
        'X-Slack-Signature': slackSignature(SIGNING_SECRET, stale, body),
      },
      body,
    });
    expect(old.status).toBe(401);
    await h.idle();

    expect(h.openai.requests).toHaveLength(0);
    expect(h.slack.calls.filter((call) => call.method !== 'auth.test')).toHaveLength(0);
    // Nothing was claimed: the same message, correctly signed, is answered.
    const good = await postEvent(h.baseUrl, SIGNING_SECRET, envelope(event, 'EvSIGNED'));
    expect(good.status).toBe(200);
    await h.idle();
    expect(h.botReplies(CHANNEL, ts)).toHaveLength(1);
  });

  it('answers the health check in HTTP mode', async () => {
    h = await startHarness();
    const response = await fetch(`${h.baseUrl}/healthz`);
    expect(response.status).toBe(200);
    expect(await response.json()).toMatchObject({ ok: true });
  });
});

describe('shutdown', () => {
  it('stops taking events but lets a reply in flight finish', async () => {
    h = await startHarness();
    h.openai.enqueue({ reply: 'A slow but complete answer.', firstTokenDelayMs: 200 });
    const { ts } = await h.mention('U1', 'take your time');
    await h.openai.waitForRequest(1);
    await h.adapter.stop();
    expect(h.botReplies(CHANNEL, ts).map((message) => message.text)).toEqual(['A slow but complete answer.']);
    await expect(fetch(`${h.baseUrl}/healthz`)).rejects.toThrow();
  });
});
