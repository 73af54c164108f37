import { afterEach, describe, expect, it } from 'vitest';
import type { Actor } from '../../../src/core/types.js';
import { messagesOf } from '../../support/fake-openai.js';
import { FAKE_TEAM_ID, type SlackCall } from '../../support/fake-slack.js';
import { CHANNEL, ephemeralButtonClick, startHarness, type Harness } from './harness.js';

let h: Harness;
afterEach(async () => {
  await h?.close();
});

const REPORTS = 'C0REPORTS';
const actor = (userId: string): Actor => ({
  platform: 'slack',
  workspaceId: FAKE_TEAM_ID,
  channelId: CHANNEL,
  userId,
  isPlatformAdmin: false,
});

/** Start Slack with HEED_COMPLIANCE=`mode`, U1 asking for no commas. */
async function start(mode: string): Promise<void> {
  h = await startHarness({ env: { HEED_COMPLIANCE: mode, HEED_REPORTS_CHANNEL: REPORTS } });
  await h.test.core.command(actor('U1'), 'set no commas');
}

interface ButtonElement {
  action_id: string;
  value: string;
}

/** The Rewrite button of an ephemeral flag. */
function rewriteButton(call: SlackCall | undefined): ButtonElement {
  const blocks = (call?.args.blocks ?? []) as Array<{ type: string; elements?: ButtonElement[] }>;
  const button = blocks.find((block) => block.type === 'actions')?.elements?.[0];
  if (!button) throw new Error('no Rewrite button');
  return button;
}

async function press(user: string, button: ButtonElement, responseId: string): Promise<void> {
  const click = await h.interaction(
    ephemeralButtonClick(
      user,
      { actionId: button.action_id, value: button.value, text: 'Rewrite' },
      h.slack.responseUrl(responseId),
      `trigger-${responseId}`,
    ),
  );
  expect(click.status).toBe(200);
  await h.slack.waitForResponse(responseId);
  await h.idle();
}

describe('Slack: replies checked against the instructions', () => {
  it('flag: an ephemeral note for the asker only, with a Rewrite button that edits the reply in place', async () => {
    await start('flag');
    h.openai.enqueue({ reply: 'Well, hello.' }, { reply: 'Well hello.' });
    const { ts } = await h.mention('U1', 'hi');
    await h.idle();
    const flag = h.slack.callsOf('chat.postEphemeral').find((call) => call.args.channel === CHANNEL);
    expect(flag?.args).toMatchObject({ user: 'U1', thread_ts: ts });
    expect(String(flag?.args.text)).toContain(
      'This reply missed an instruction: no commas (1 comma; none were allowed).',
    );
    const [reply] = h.botReplies(CHANNEL, ts);

    await press('U1', rewriteButton(flag), 'rewrite-1');
    const update = h.slack.callsOf('chat.update').at(-1);
    expect(update?.args).toMatchObject({ channel: CHANNEL, ts: reply?.ts, text: 'Well hello.' });
    expect(JSON.stringify(update?.args.blocks)).toContain('revised to follow your instructions');
    expect(h.botReplies(CHANNEL, ts).map((message) => message.text)).toEqual(['Well hello.']);
    expect(h.slack.responsePosts.at(-1)?.body).toMatchObject({ delete_original: true });
  });

  it('Rewrite pressed by someone else is refused privately, and nothing changes', async () => {
    await start('flag');
    h.openai.enqueue({ reply: 'Well, hello.' });
    await h.mention('U1', 'hi');
    await h.idle();
    const flag = h.slack.callsOf('chat.postEphemeral').find((call) => call.args.channel === CHANNEL);
    await press('U2', rewriteButton(flag), 'rewrite-other');
    expect(h.slack.responsePosts.at(-1)?.body).toMatchObject({
      response_type: 'ephemeral',
      text: expect.stringContaining('Only the person this reply answered'),
    });
    expect(h.slack.callsOf('chat.update')).toHaveLength(0);
    expect(h.openai.requests).toHaveLength(1);
  });

  it('report: nothing for the asker; the reports channel gets the automatic report', async () => {
    await start('report');
    h.openai.enqueue({ reply: 'Well, hello.' });
    await h.mention('U1', 'hi');
    await h.idle();
    expect(h.slack.callsOf('chat.postEphemeral')).toHaveLength(0);
    // The first post is the reply itself (it arrived whole); the report follows it.
    expect((await h.slack.waitForCall('chat.postMessage', 1)).args.channel).toBe(CHANNEL);
    const post = await h.slack.waitForCall('chat.postMessage', 2);
    expect(post.args.channel).toBe(REPORTS);
    expect(JSON.stringify(post.args.blocks)).toContain('Missed: no commas');
  });

  it('off: nothing is checked or posted', async () => {
    await start('off');
    h.openai.enqueue({ reply: 'Well, hello.' });
    await h.mention('U1', 'hi');
    await h.idle();
    expect(h.slack.callsOf('chat.postEphemeral')).toHaveLength(0);
    expect(h.slack.callsOf('chat.postMessage').filter((call) => call.args.channel === REPORTS)).toHaveLength(0);
  });

  it('fix: the reply is revised in place by itself, with the marker and no note', async () => {
    await start('fix');
    h.openai.enqueue({ reply: 'Well, hello.' }, { reply: 'Well hello.' });
    const { ts } = await h.mention('U1', 'hi');
    await h.idle();
    expect(h.botReplies(CHANNEL, ts).map((message) => message.text)).toEqual(['Well hello.']);
    expect(JSON.stringify(h.slack.callsOf('chat.update').at(-1)?.args.blocks)).toContain(
      'revised to follow your instructions',
    );
    expect(h.slack.callsOf('chat.postEphemeral')).toHaveLength(0);

    // A follow-up sees the reply as revised, not as first streamed (the revision forgot the thread's memory).
    h.openai.enqueue({ reply: 'Fine thanks.' });
    await h.mention('U1', 'how are you?', { threadTs: ts });
    await h.idle();
    const followUp = messagesOf(await h.openai.waitForRequest(3));
    expect(followUp.filter((message) => message.role === 'assistant').map((message) => message.content)).toEqual([
      'Well hello.',
    ]);
  });

  it('fix: a revision that misses again is flagged', async () => {
    await start('fix');
    h.openai.enqueue({ reply: 'Well, hello.' }, { reply: 'Still, no.' });
    await h.mention('U1', 'hi');
    await h.idle();
    const flag = h.slack.callsOf('chat.postEphemeral').find((call) => call.args.channel === CHANNEL);
    expect(String(flag?.args.text)).toContain('missed an instruction: no commas');
  });

  it('a reply split over several messages is rewritten in place: the first edited, the extra one deleted', async () => {
    await start('flag');
    const long = `${'Alpha, beta. '.repeat(600)}\n\n${'Gamma, delta. '.repeat(400)}`;
    h.openai.enqueue({ reply: long, chunkSize: 2_000 }, { reply: 'Alpha beta gamma delta.' });
    const { ts } = await h.mention('U1', 'a long one');
    await h.idle();
    const before = h.botReplies(CHANNEL, ts);
    expect(before.length).toBe(2);
    const flag = h.slack.callsOf('chat.postEphemeral').find((call) => call.args.channel === CHANNEL);
    await press('U1', rewriteButton(flag), 'rewrite-long');
    expect(h.botReplies(CHANNEL, ts).map((message) => message.text)).toEqual(['Alpha beta gamma delta.']);
    expect(h.slack.callsOf('chat.delete').map((call) => call.args.ts)).toEqual([before[1]?.ts]);
  });
});
