/**
 * Slack's assistant panel (issue 15, item 4) through the fake Slack: the thread start gets a greeting
 * and suggested prompts drawn from the person's instructions and the channel they view; the first
 * question titles the thread; the thinking status shows while the model works; the answer streams
 * into the assistant thread.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { THINKING_DELAY_MS } from '../../../src/adapters/slack/thinking-status.js';
import { assistantThreadStartedEvent } from '../../support/fake-slack.js';
import { CHANNEL, DM, startHarness, type Harness } from './harness.js';

let h: Harness;
afterEach(async () => {
  await h?.close();
});

interface Prompt {
  title: string;
  message: string;
}

async function openPanel(user: string, viewing?: string): Promise<string> {
  const threadTs = h.slack.nextTs();
  await h.event(assistantThreadStartedEvent({ user, channel: DM, threadTs, ...(viewing ? { viewing } : {}) }));
  await h.idle();
  return threadTs;
}

async function askInPanel(user: string, threadTs: string, text: string): Promise<void> {
  const ts = h.slack.nextTs();
  h.slack.addMessage(DM, { ts, user, text, thread_ts: threadTs });
  await h.event({
    type: 'message',
    channel: DM,
    channel_type: 'im',
    user,
    text,
    ts,
    thread_ts: threadTs,
    event_ts: ts,
  });
  await h.idle();
}

describe('the Slack assistant panel', () => {
  it('GIVEN it opens over a channel THEN a greeting and up to four prompts from instructions and channel', async () => {
    h = await startHarness();
    const set = await h.instructions('U1', 'set Answer in three bullet points.\nUse metric units.');
    await set.answer();
    const threadTs = await openPanel('U1', CHANNEL);

    const [greeting] = h.slack.callsOf('chat.postMessage');
    expect(greeting?.args).toMatchObject({ channel: DM, thread_ts: threadTs });
    expect(String(greeting?.args.text)).toContain('following your instructions');

    const [suggested] = h.slack.callsOf('assistant.threads.setSuggestedPrompts');
    expect(suggested?.args).toMatchObject({ channel_id: DM, thread_ts: threadTs });
    const prompts = suggested?.args.prompts as Prompt[];
    expect(prompts.length).toBeLessThanOrEqual(4);
    expect(prompts.map((prompt) => prompt.title)).toEqual([
      'Draft a message for this channel',
      'How will you answer me?',
      'Try my style',
      'What can you do?',
    ]);
    expect(prompts[0]?.message).toContain(`<#${CHANNEL}>`);
    expect(prompts[2]?.message).toContain('"Answer in three bullet points."');
  });

  it('GIVEN no instructions and no channel THEN the prompts offer to help set instructions', async () => {
    h = await startHarness();
    await openPanel('U2');
    const prompts = h.slack.callsOf('assistant.threads.setSuggestedPrompts')[0]?.args.prompts as Prompt[];
    expect(prompts.map((prompt) => prompt.title)).toEqual(['Help me set my instructions', 'What can you do?']);
    expect(String(h.slack.callsOf('chat.postMessage')[0]?.args.text)).toContain(
      'Tell me once how you want to be answered',
    );
  });

  it('GIVEN the first question THEN a title, the thinking status and the answer; later, no new title', async () => {
    h = await startHarness();
    const threadTs = await openPanel('U1', CHANNEL);
    // Slow to start, so the thinking status shows (a quick reply needs none).
    h.openai.enqueue({ reply: 'Hello from the fake model.', firstTokenDelayMs: THINKING_DELAY_MS + 300 });
    await askInPanel('U1', threadTs, 'How do I   plan a\nthree-day trip to Lisbon on a budget with kids?');

    const titles = h.slack.callsOf('assistant.threads.setTitle');
    expect(titles).toHaveLength(1);
    expect(titles[0]?.args).toMatchObject({
      channel_id: DM,
      thread_ts: threadTs,
      title: 'How do I plan a three-day trip to Lisbon on a budget with k…',
    });
    expect(h.slack.callsOf('assistant.threads.setStatus')[0]?.args).toMatchObject({
      channel_id: DM,
      thread_ts: threadTs,
      status: 'is thinking…',
    });
    expect(h.botReplies(DM, threadTs).at(-1)?.text).toBe('Hello from the fake model.');

    await askInPanel('U1', threadTs, 'and in winter?');
    expect(h.slack.callsOf('assistant.threads.setTitle')).toHaveLength(1);
    expect(h.openai.requests).toHaveLength(2);
  });
});
