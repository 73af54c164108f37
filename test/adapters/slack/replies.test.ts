import { afterEach, describe, expect, it } from 'vitest';
import { FAKE_REPLY } from '../../support/fake-openai.js';
import type { SlackCall } from '../../support/fake-slack.js';
import { THINKING_DELAY_MS } from '../../../src/adapters/slack/thinking-status.js';
import { CHANNEL, startHarness, type Harness } from './harness.js';

let h: Harness;
afterEach(async () => {
  await h?.close();
});

/** The markdown text a streaming call carried. */
function streamedText(call: SlackCall | undefined): string {
  const chunks = Array.isArray(call?.args.chunks) ? (call.args.chunks as { type?: string; text?: string }[]) : [];
  const fromChunks = chunks
    .filter((chunk) => chunk.type === 'markdown_text')
    .map((chunk) => chunk.text ?? '')
    .join('');
  return (typeof call?.args.markdown_text === 'string' ? call.args.markdown_text : '') + fromChunks;
}

function blockTypes(blocks: unknown): string[] {
  return Array.isArray(blocks) ? blocks.map((block) => String((block as { type?: unknown }).type)) : [];
}

/** The Markdown a reply shows: its markdown block when it was posted, else the streamed text. */
function markdownOf(message: { text: string; blocks?: unknown[] }): string {
  const block = message.blocks?.find((candidate) => (candidate as { type?: unknown }).type === 'markdown');
  return block ? String((block as { text?: unknown }).text) : message.text;
}

/** A model answer whose first text reaches Slack alone: the rest follows the n-th chat.startStream. */
function streamedAnswer(reply: string, n = 1, chunkSize?: number) {
  return {
    reply,
    ...(chunkSize ? { chunkSize } : {}),
    pauseAfterFirst: () => h.slack.waitForCall('chat.startStream', n),
  };
}

describe('streamed replies', () => {
  it('streams natively, sending the first text with chat.startStream instead of waiting for a full buffer', async () => {
    h = await startHarness();
    h.openai.enqueue(streamedAnswer(FAKE_REPLY));
    const { ts } = await h.mention('U1', 'hello');
    await h.idle();
    const start = h.slack.callsOf('chat.startStream')[0];
    // The SDK's default 256-character buffer would start this short reply empty.
    expect(streamedText(start)).not.toBe('');
    expect(FAKE_REPLY.startsWith(streamedText(start))).toBe(true);
    const streamed = [start, ...h.slack.callsOf('chat.appendStream'), ...h.slack.callsOf('chat.stopStream')]
      .map(streamedText)
      .join('');
    expect(streamed).toBe(FAKE_REPLY);
    expect(h.botReplies(CHANNEL, ts).map((message) => message.text)).toEqual([FAKE_REPLY]);
    expect(h.slack.callsOf('chat.postMessage')).toEqual([]);
  });

  it('posts an answer that arrived whole as one message: one call, no stream opened and stopped at once', async () => {
    h = await startHarness();
    const { ts } = await h.mention('U1', 'hello');
    await h.idle();
    expect(h.slack.callsOf('chat.startStream')).toEqual([]);
    expect(h.slack.callsOf('chat.stopStream')).toEqual([]);
    expect(h.slack.callsOf('chat.postMessage')).toHaveLength(1);
    const replies = h.botReplies(CHANNEL, ts);
    expect(replies.map(markdownOf)).toEqual([FAKE_REPLY]);
    expect(blockTypes(replies[0]?.blocks)).toEqual(['markdown', 'context_actions']);
  });

  it('shows a thinking status in the thread when the reply is slow to start, before the reply', async () => {
    h = await startHarness();
    h.openai.enqueue({ reply: FAKE_REPLY, firstTokenDelayMs: THINKING_DELAY_MS + 300 });
    const { ts } = await h.mention('U1', 'hello');
    await h.idle();
    const methods = h.slack.calls.map((call) => call.method);
    const status = h.slack.callsOf('assistant.threads.setStatus')[0];
    expect(status?.args).toMatchObject({ channel_id: CHANNEL, thread_ts: ts });
    expect(String(status?.args.status)).toMatch(/thinking/);
    const reply = methods.findIndex((method) => method === 'chat.startStream' || method === 'chat.postMessage');
    expect(reply).toBeGreaterThan(methods.indexOf('assistant.threads.setStatus'));
  });

  it('sets no status when the reply starts quickly: one call saved per question', async () => {
    h = await startHarness();
    await h.mention('U1', 'hello');
    await h.idle();
    expect(h.slack.callsOf('assistant.threads.setStatus')).toEqual([]);
    expect(h.slack.calls.map((call) => call.method)).toContain('chat.postMessage');
  });

  it("carries Slack's native feedback buttons on every reply, streamed or posted whole", async () => {
    h = await startHarness();
    h.openai.enqueue(streamedAnswer(FAKE_REPLY));
    await h.mention('U1', 'hello');
    await h.mention('U1', 'hello again');
    await h.idle();
    type Blocks = { type: string; elements: { type: string; action_id: string }[] }[];
    const stop = h.slack.callsOf('chat.stopStream')[0]?.args.blocks as Blocks;
    const posted = (h.slack.callsOf('chat.postMessage')[0]?.args.blocks as Blocks).slice(1);
    for (const blocks of [stop, posted]) {
      expect(blocks[0]?.type).toBe('context_actions');
      expect(blocks[0]?.elements[0]).toMatchObject({ type: 'feedback_buttons', action_id: 'heed_feedback' });
    }
  });

  it("passes the model's Markdown through to Slack's markdown rendering unchanged", async () => {
    h = await startHarness();
    const markdown = '## Plan\n\n**Bold** step and *emphasis*\n\n- one\n- two\n\n```js\nconst a = 1 < 2;\n```';
    h.openai.enqueue(streamedAnswer(markdown, 1, 7), { reply: markdown, chunkSize: 7 });
    const first = await h.mention('U1', 'plan please');
    await h.idle();
    const second = await h.mention('U1', 'plan again');
    await h.idle();
    expect(h.botReplies(CHANNEL, first.ts).map(markdownOf)).toEqual([markdown]);
    expect(h.botReplies(CHANNEL, second.ts).map(markdownOf)).toEqual([markdown]);
  });

  it('defuses @channel, @here and @everyone in model output, even when cut across deltas', async () => {
    h = await startHarness();
    h.openai.enqueue({ reply: 'Attention <!channel> and @here, also <!everyone> and <!here|here>!', chunkSize: 3 });
    const { ts } = await h.mention('U1', 'ping everyone');
    await h.idle();
    const text = h.botReplies(CHANNEL, ts)[0]?.text ?? '';
    expect(text).not.toMatch(/<!/);
    expect(text).not.toMatch(/@(channel|here|everyone)/);
    expect(text.replaceAll('\u2060', '')).toBe('Attention @channel and @here, also @everyone and @here!');
  });

  it("splits a long reply into several messages within Slack's limits, feedback buttons on the last", async () => {
    h = await startHarness();
    const paragraph = `${'All work and no play makes a long answer. '.repeat(40).trim()}\n\n`;
    const reply = paragraph.repeat(15).trim();
    expect(reply.length).toBeGreaterThan(24_000);
    h.openai.enqueue(streamedAnswer(reply, 1, 997));
    const { ts } = await h.mention('U1', 'write a lot');
    await h.idle();
    const messages = h.botReplies(CHANNEL, ts);
    // Where each cut falls depends on how the deltas were coalesced; the limits do not.
    expect(messages.length).toBeGreaterThanOrEqual(3);
    for (const message of messages) expect(markdownOf(message).length).toBeLessThanOrEqual(11_000);
    expect(messages.map(markdownOf).join('').replace(/\s+/g, '')).toBe(reply.replace(/\s+/g, ''));
    // A message is streamed, or posted when its whole text was at hand as it opened.
    const buttons = messages.map((message) => blockTypes(message.blocks).filter((type) => type !== 'markdown'));
    expect(buttons.at(-1)).toEqual(['context_actions']);
    expect(buttons.slice(0, -1).flat()).toEqual([]);
    expect(h.slack.callsOf('chat.startStream').length).toBeGreaterThanOrEqual(1);
  });

  it('retries a rate-limited stream call after Retry-After, and the reply arrives once', async () => {
    h = await startHarness();
    h.slack.enqueue('chat.startStream', { rateLimited: 0 });
    h.openai.enqueue(streamedAnswer(FAKE_REPLY, 2));
    const { ts } = await h.mention('U1', 'hello');
    await h.idle();
    expect(h.slack.callsOf('chat.startStream').map((call) => call.answer)).toEqual(['http 429', 'ok']);
    expect(h.botReplies(CHANNEL, ts).map((message) => message.text)).toEqual([FAKE_REPLY]);
  });
});

describe('fallback when Slack refuses streaming', () => {
  it('posts one message and edits it, with the Markdown in a markdown block and mrkdwn as the text fallback', async () => {
    h = await startHarness();
    h.slack.enqueue('chat.startStream', { error: 'feature_not_enabled' });
    h.openai.enqueue(streamedAnswer('**Bold** answer with [a link](https://example.test)', 1, 4));
    const { ts } = await h.mention('U1', 'hello');
    await h.idle();

    expect(h.slack.callsOf('chat.postMessage')).toHaveLength(1);
    const replies = h.botReplies(CHANNEL, ts);
    expect(replies).toHaveLength(1);
    const final = replies[0];
    expect(final?.text).toBe('*Bold* answer with <https://example.test|a link>');
    expect(final?.blocks).toEqual([
      { type: 'markdown', text: '**Bold** answer with [a link](https://example.test)' },
      expect.objectContaining({ type: 'context_actions' }),
    ]);
    expect(h.logs.some((line) => line.level === 40 && line.slackError === 'feature_not_enabled')).toBe(true);

    // The refusal is remembered for the workspace: the next reply posts at once.
    const second = await h.mention('U1', 'again');
    await h.idle();
    expect(h.slack.callsOf('chat.startStream')).toHaveLength(1);
    expect(h.botReplies(CHANNEL, second.ts)).toHaveLength(1);
  });

  it('finishes a stream that breaks mid-reply with chat.update on the same message', async () => {
    h = await startHarness();
    h.slack.enqueue('chat.stopStream', { error: 'message_not_in_streaming_state' });
    h.openai.enqueue(streamedAnswer(FAKE_REPLY));
    const { ts } = await h.mention('U1', 'hello');
    await h.idle();
    const replies = h.botReplies(CHANNEL, ts);
    expect(replies).toHaveLength(1);
    expect(h.slack.callsOf('chat.update').at(-1)?.args).toMatchObject({ channel: CHANNEL, ts: replies[0]?.ts });
    expect(blockTypes(replies[0]?.blocks)).toEqual(['markdown', 'context_actions']);
  });
});

describe('failures', () => {
  it("answers a model error in the thread with the core's sentence, and the next mention works", async () => {
    h = await startHarness();
    h.openai.enqueue({ status: 500 });
    const first = await h.mention('U1', 'hello');
    await h.idle();
    const failed = h.botReplies(CHANNEL, first.ts);
    expect(failed).toHaveLength(1);
    expect(failed[0]?.text).toMatch(/language model/i);
    expect(blockTypes(failed[0]?.blocks)).not.toContain('context_actions');

    const second = await h.mention('U1', 'hello again');
    await h.idle();
    expect(h.botReplies(CHANNEL, second.ts).map((message) => message.text)).toEqual([FAKE_REPLY]);
  });

  it('posts nothing for an empty answer and clears the thinking status', async () => {
    h = await startHarness();
    h.openai.enqueue({ reply: '', firstTokenDelayMs: THINKING_DELAY_MS + 300 });
    const { ts } = await h.mention('U1', 'say nothing');
    await h.idle();
    expect(h.botReplies(CHANNEL, ts)).toHaveLength(0);
    expect(h.slack.callsOf('assistant.threads.setStatus').map((call) => call.args.status)).toEqual([
      'is thinking…',
      '',
    ]);
  });

  it('logs a Slack API error with what to fix (missing_scope names the scope) and keeps running', async () => {
    h = await startHarness();
    h.slack.enqueue('chat.startStream', {
      error: 'missing_scope',
      extra: { needed: 'chat:write', provided: 'commands' },
    });
    h.slack.enqueue('chat.postMessage', {
      error: 'missing_scope',
      extra: { needed: 'chat:write', provided: 'commands' },
    });
    const first = await h.mention('U1', 'hello');
    expect(first.response.status).toBe(200);
    await h.idle();
    expect(h.botReplies(CHANNEL, first.ts)).toHaveLength(0);
    const line = h.logs.find((entry) => entry.slackError === 'missing_scope' && entry.level >= 50);
    expect(String(line?.fix)).toContain('chat:write');
    expect(String(line?.msg)).toContain('OAuth & Permissions');

    const second = await h.mention('U1', 'hello again');
    await h.idle();
    expect(h.botReplies(CHANNEL, second.ts).map((message) => message.text)).toEqual([FAKE_REPLY]);
  });

  it('logs channel_not_found with the fix, and never logs the bot token', async () => {
    h = await startHarness();
    h.slack.enqueue('chat.startStream', { error: 'channel_not_found' });
    h.slack.enqueue('chat.postMessage', { error: 'channel_not_found' });
    await h.mention('U1', 'hello');
    await h.idle();
    const line = h.logs.find((entry) => entry.slackError === 'channel_not_found' && entry.level >= 50);
    expect(String(line?.fix)).toMatch(/invite/i);
    expect(JSON.stringify(h.logs)).not.toContain('xoxb-test-token');
  });
});
