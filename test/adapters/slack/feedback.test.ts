import { afterEach, describe, expect, it } from 'vitest';
import { FAKE_REPLY } from '../../support/fake-openai.js';
import { FAKE_APP_ID, FAKE_BOT_ID, FAKE_BOT_USER_ID, FAKE_TEAM_ID } from '../../support/fake-slack.js';
import { CHANNEL, ephemeralButtonClick, startHarness, type Harness } from './harness.js';

let h: Harness;
afterEach(async () => {
  await h?.close();
});

const person = (userId: string) => ({ platform: 'slack' as const, workspaceId: FAKE_TEAM_ID, userId });

/** Ask something and return the ts of the bot's reply and of its thread. */
async function askAndGetReply(user = 'U1'): Promise<{ thread: string; reply: string }> {
  const { ts } = await h.mention(user, 'what is a monad?');
  await h.idle();
  const reply = h.botReplies(CHANNEL, ts)[0];
  expect(reply?.text).toBe(FAKE_REPLY);
  return { thread: ts, reply: reply?.ts ?? '' };
}

function reaction(
  type: 'reaction_added' | 'reaction_removed',
  user: string,
  ts: string,
  itemUser: string,
  name = '-1',
) {
  return {
    type,
    user,
    reaction: name,
    item_user: itemUser,
    item: { type: 'message', channel: CHANNEL, ts },
    event_ts: h.slack.nextTs(),
  };
}

function feedbackClick(user: string, replyTs: string, threadTs: string, value: 'positive' | 'negative') {
  return {
    type: 'block_actions',
    user: { id: user, username: user.toLowerCase(), name: user.toLowerCase(), team_id: FAKE_TEAM_ID },
    api_app_id: FAKE_APP_ID,
    token: 'unused-verification-token',
    container: { type: 'message', message_ts: replyTs, channel_id: CHANNEL, is_ephemeral: false, thread_ts: threadTs },
    // Slack gives every click its own trigger id; a repeated one is a replay and is dropped.
    trigger_id: `trigger-feedback-${user}-${value}`,
    team: { id: FAKE_TEAM_ID, domain: 'fake' },
    channel: { id: CHANNEL, name: 'general' },
    message: {
      type: 'message',
      user: FAKE_BOT_USER_ID,
      bot_id: FAKE_BOT_ID,
      text: FAKE_REPLY,
      ts: replyTs,
      thread_ts: threadTs,
    },
    state: { values: {} },
    response_url: h.slack.responseUrl('feedback'),
    actions: [
      {
        type: 'feedback_buttons',
        action_id: 'heed_feedback',
        block_id: 'fb',
        value,
        text: { type: 'plain_text', text: value === 'negative' ? '👎' : '👍' },
        action_ts: '1.2',
      },
    ],
  };
}

describe('feedback', () => {
  it("files a report tied to the reply's snapshot on 👎, thanks the reporter privately, and withdraws it when the reaction is removed", async () => {
    h = await startHarness();
    const { thread, reply } = await askAndGetReply();
    await h.event(reaction('reaction_added', 'U2', reply, FAKE_BOT_USER_ID));
    await h.idle();

    const reports = await h.test.core.recentReports(person('U2'), 10);
    expect(reports).toHaveLength(1);
    expect(reports[0]).toMatchObject({ status: 'open', signal: 'bad', replyExcerpt: FAKE_REPLY });

    const thanks = h.slack.callsOf('chat.postEphemeral');
    expect(thanks).toHaveLength(1);
    expect(thanks[0]?.args).toMatchObject({ channel: CHANNEL, user: 'U2', thread_ts: thread });
    const button = (
      thanks[0]?.args.blocks as { type: string; elements?: { action_id: string; value: string }[] }[]
    ).find((block) => block.type === 'actions')?.elements?.[0];
    expect(button).toMatchObject({ action_id: 'heed_add_note', value: reports[0]?.reportId });

    await h.event(reaction('reaction_removed', 'U2', reply, FAKE_BOT_USER_ID));
    await h.idle();
    expect((await h.test.core.recentReports(person('U2'), 10))[0]?.status).toBe('withdrawn');
  });

  it('accepts any configured report reaction, skin tones included', async () => {
    h = await startHarness({ env: { HEED_REPORT_REACTIONS: 'slack:x,slack:thumbsdown' } });
    const { reply } = await askAndGetReply();
    await h.event(reaction('reaction_added', 'U2', reply, FAKE_BOT_USER_ID, '-1'));
    await h.event(reaction('reaction_added', 'U3', reply, FAKE_BOT_USER_ID, 'thumbsdown::skin-tone-4'));
    await h.idle();
    expect(await h.test.core.recentReports(person('U2'), 10)).toHaveLength(0);
    expect(await h.test.core.recentReports(person('U3'), 10)).toHaveLength(1);
  });

  it("does nothing for 👎 on a person's message", async () => {
    h = await startHarness();
    const { thread } = await askAndGetReply();
    await h.event(reaction('reaction_added', 'U2', thread, 'U1'));
    // Even if Slack omitted item_user, the core knows the message is not a reply.
    const { item_user: _omitted, ...withoutAuthor } = reaction('reaction_added', 'U3', thread, 'U1');
    await h.event(withoutAuthor);
    await h.idle();
    expect(await h.test.core.recentReports(person('U2'), 10)).toHaveLength(0);
    expect(await h.test.core.recentReports(person('U3'), 10)).toHaveLength(0);
    expect(h.slack.callsOf('chat.postEphemeral')).toHaveLength(0);
  });

  it('files a report from the native 👎 button and records 👍 as positive', async () => {
    h = await startHarness();
    const { thread, reply } = await askAndGetReply();
    const negative = await h.interaction(feedbackClick('U2', reply, thread, 'negative'));
    expect(negative.status).toBe(200);
    await h.idle();
    expect(await h.test.core.recentReports(person('U2'), 10)).toMatchObject([{ signal: 'bad', status: 'open' }]);
    expect(h.slack.callsOf('chat.postEphemeral')[0]?.args).toMatchObject({ user: 'U2', thread_ts: thread });

    await h.interaction(feedbackClick('U3', reply, thread, 'positive'));
    await h.idle();
    expect(await h.test.core.recentReports(person('U3'), 10)).toMatchObject([{ signal: 'good' }]);
    // Positive feedback gets no "add details" prompt.
    expect(h.slack.callsOf('chat.postEphemeral')).toHaveLength(1);
  });

  it('posts each new report to HEED_REPORTS_CHANNEL with its context, once', async () => {
    h = await startHarness({ env: { HEED_REPORTS_CHANNEL: 'slack:C0REPORTS' } });
    const { reply } = await askAndGetReply();
    await h.event(reaction('reaction_added', 'U2', reply, FAKE_BOT_USER_ID));
    await h.idle();
    await h.event(reaction('reaction_added', 'U2', reply, FAKE_BOT_USER_ID));
    await h.idle();
    const posts = h.slack.callsOf('chat.postMessage').filter((call) => call.args.channel === 'C0REPORTS');
    expect(posts).toHaveLength(1);
    const text = JSON.stringify(posts[0]?.args.blocks);
    expect(text).toContain('what is a monad?');
    expect(text).toContain(FAKE_REPLY);
    expect(text).toContain('<@U2>');
    expect(text).toContain('<@U1>');
  });

  it('opens the note modal from "Add details" and saves the note on the report', async () => {
    h = await startHarness();
    const { reply } = await askAndGetReply();
    await h.event(reaction('reaction_added', 'U2', reply, FAKE_BOT_USER_ID));
    await h.idle();
    const reportId = (await h.test.core.recentReports(person('U2'), 10))[0]?.reportId ?? '';

    await h.interaction(
      ephemeralButtonClick(
        'U2',
        { actionId: 'heed_add_note', value: reportId, text: 'Add details' },
        h.slack.responseUrl('note'),
        'trigger-note',
      ),
    );
    const open = await h.slack.waitForCall('views.open');
    await h.idle();
    expect(open.args.trigger_id).toBe('trigger-note');
    const view = open.args.view as { callback_id: string; private_metadata: string };
    expect(view.callback_id).toBe('heed_report_note');

    const submit = await h.interaction({
      type: 'view_submission',
      team: { id: FAKE_TEAM_ID, domain: 'fake' },
      user: { id: 'U2', username: 'u2', name: 'u2', team_id: FAKE_TEAM_ID },
      api_app_id: FAKE_APP_ID,
      token: 'unused-verification-token',
      trigger_id: 'trigger-note-submit',
      view: {
        ...view,
        id: 'V0002',
        type: 'modal',
        team_id: FAKE_TEAM_ID,
        app_id: FAKE_APP_ID,
        bot_id: FAKE_BOT_ID,
        hash: '1.x',
        state: { values: { heed_note: { value: { type: 'plain_text_input', value: 'I asked for bullet points.' } } } },
      },
      response_urls: [],
    });
    expect(submit.status).toBe(200);
    expect(await submit.text()).toBe('');
    await h.idle();
    expect((await h.test.core.recentReports(person('U2'), 10))[0]?.note).toBe('I asked for bullet points.');
  });
});
