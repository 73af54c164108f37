/**
 * Issue 15 on Slack, through the fake Slack and the fake model: the applied line under a reply in each
 * HEED_SHOW_APPLIED mode and opted out, Why this answer? for the asker only, rules restated after
 * trimming, and edits drafted from a report's note (accepted, dismissed, refused without a model).
 */
import { afterEach, describe, expect, it } from 'vitest';
import { messagesOf } from '../../support/fake-openai.js';
import { FAKE_APP_ID, FAKE_BOT_ID, FAKE_BOT_USER_ID, FAKE_TEAM_ID } from '../../support/fake-slack.js';
import { CHANNEL, ephemeralButtonClick, startHarness, type Harness } from './harness.js';

let h: Harness;
afterEach(async () => {
  await h?.close();
});

interface Block {
  type: string;
  elements?: { type: string; text?: string; action_id?: string; value?: string }[];
}

/** Ask in a new thread; the bot's reply message. */
async function ask(user: string, text = 'what is a monad?', threadTs?: string) {
  const { ts } = await h.mention(user, text, threadTs ? { threadTs } : {});
  await h.idle();
  const reply = h.botReplies(CHANNEL, threadTs ?? ts).at(-1);
  expect(reply).toBeDefined();
  // The blocks under the text: a reply posted whole carries its text in a markdown block first.
  const blocks = ((reply?.blocks ?? []) as Block[]).filter((block) => block.type !== 'markdown');
  return { thread: threadTs ?? ts, reply: reply!, blocks };
}

async function instructions(user: string, text: string): Promise<string> {
  const command = await h.instructions(user, text);
  return String((await command.answer()).text);
}

const appliedText = (blocks: Block[]) => blocks.find((block) => block.type === 'context')?.elements?.[0]?.text;
const whyButton = (blocks: Block[]) =>
  blocks
    .flatMap((block) => (block.type === 'actions' ? (block.elements ?? []) : []))
    .find((element) => element.action_id === 'heed_why');

let triggers = 0;

/** A click as Slack sends it; each click has a trigger id of its own (a repeated one is a replay). */
function click(user: string, replyTs: string, threadTs: string, actionId: string, value = 'why') {
  triggers += 1;
  return {
    type: 'block_actions',
    user: { id: user, username: user.toLowerCase(), name: user.toLowerCase(), team_id: FAKE_TEAM_ID },
    api_app_id: FAKE_APP_ID,
    token: 'unused-verification-token',
    container: { type: 'message', message_ts: replyTs, channel_id: CHANNEL, is_ephemeral: false, thread_ts: threadTs },
    trigger_id: `trigger-why-${triggers}`,
    team: { id: FAKE_TEAM_ID, domain: 'fake' },
    channel: { id: CHANNEL, name: 'general' },
    message: {
      type: 'message',
      user: FAKE_BOT_USER_ID,
      bot_id: FAKE_BOT_ID,
      text: 'reply',
      ts: replyTs,
      thread_ts: threadTs,
    },
    state: { values: {} },
    response_url: h.slack.responseUrl(`click-${user}-${actionId}`),
    actions: [
      {
        type: 'button',
        action_id: actionId,
        block_id: 'b',
        value,
        text: { type: 'plain_text', text: 'x' },
        action_ts: '1.3',
      },
    ],
  };
}

/** Report the reply with 👎, open "Add details" from the thank-you and submit `note`. */
async function reportWithNote(user: string, replyTs: string, threadTs: string, note: string): Promise<string> {
  await h.event({
    type: 'reaction_added',
    user,
    reaction: '-1',
    item_user: FAKE_BOT_USER_ID,
    item: { type: 'message', channel: CHANNEL, ts: replyTs },
    event_ts: h.slack.nextTs(),
  });
  await h.idle();
  const thanks = h.slack.callsOf('chat.postEphemeral').at(-1);
  const reportId = String(
    (thanks?.args.blocks as Block[]).find((block) => block.type === 'actions')?.elements?.[0]?.value,
  );
  const opened = h.slack.callsOf('views.open').length;
  const addDetails = ephemeralButtonClick(
    user,
    { actionId: 'heed_add_note', value: reportId, text: 'Add details' },
    h.slack.responseUrl('note'),
    'trigger-note',
  );
  (addDetails.container as Record<string, unknown>).thread_ts = threadTs;
  await h.interaction(addDetails);
  await h.idle();
  const view = h.slack.callsOf('views.open')[opened]?.args.view as { private_metadata: string };
  await h.interaction({
    type: 'view_submission',
    team: { id: FAKE_TEAM_ID, domain: 'fake' },
    user: { id: user, username: user, name: user, team_id: FAKE_TEAM_ID },
    api_app_id: FAKE_APP_ID,
    token: 'unused',
    trigger_id: `trigger-submit-${++triggers}`,
    view: {
      id: 'V1',
      team_id: FAKE_TEAM_ID,
      type: 'modal',
      callback_id: 'heed_report_note',
      private_metadata: view.private_metadata,
      state: { values: { heed_note: { value: { type: 'plain_text_input', value: note } } } },
      hash: 'h',
      title: { type: 'plain_text', text: 'x' },
      blocks: [],
      app_id: FAKE_APP_ID,
      bot_id: FAKE_BOT_ID,
    },
  });
  await h.idle();
  return reportId;
}

describe('the applied line on Slack', () => {
  it('GIVEN the default mode THEN a context block and a Why button only under shaped replies', async () => {
    h = await startHarness();
    const plain = await ask('U1');
    expect(appliedText(plain.blocks)).toBeUndefined();
    expect(whyButton(plain.blocks)).toBeUndefined();

    await instructions('U1', 'set Answer in exactly three bullet points.');
    const shaped = await ask('U1');
    // The fake reply has no bullet points: the line says the one check failed.
    expect(appliedText(shaped.blocks)).toBe('Your instructions v1 · fake-model · 1 check failed of 1');
    expect(whyButton(shaped.blocks)).toBeDefined();
    // The feedback buttons stay, after the applied line.
    expect(shaped.blocks.map((block) => block.type)).toEqual(['context', 'actions', 'context_actions']);
  });

  it('GIVEN HEED_SHOW_APPLIED=always THEN the line is there without instructions; =never THEN never', async () => {
    h = await startHarness({ env: { HEED_SHOW_APPLIED: 'always' } });
    expect(appliedText((await ask('U1')).blocks)).toBe('No custom instructions · fake-model');
    await h.close();

    h = await startHarness({ env: { HEED_SHOW_APPLIED: 'never' } });
    await instructions('U1', 'set Be brief.');
    const never = await ask('U1');
    expect(appliedText(never.blocks)).toBeUndefined();
    expect(whyButton(never.blocks)).toBeUndefined();
  });

  it('GIVEN /instructions applied off THEN no line for that person, others unaffected; on brings it back', async () => {
    h = await startHarness({ env: { HEED_ADMINS: 'U_ADMIN' } });
    await instructions('U1', 'set Be brief.');
    expect(await instructions('U1', 'applied off')).toContain('no longer show');
    expect(appliedText((await ask('U1')).blocks)).toBeUndefined();

    // A rule no program can check, so the line carries no check count.
    await instructions('U_ADMIN', 'channel set Be kind to newcomers.');
    expect(appliedText((await ask('U2')).blocks)).toBe('Channel rules v1 · fake-model');

    await instructions('U1', 'applied on');
    expect(appliedText((await ask('U1')).blocks)).toBe('Channel rules v1 · Your instructions v1 · fake-model');
    expect(await instructions('U1', 'applied maybe')).toContain('is not `on` or `off`');
  });

  it('GIVEN Why this answer? THEN the asker privately sees the layers; anyone else sees none of it', async () => {
    // Compliance off: its notes are ephemeral messages too, and this test counts them.
    h = await startHarness({ env: { HEED_COMPLIANCE: 'off' } });
    await instructions('U1', 'set Answer in pirate speak. SECRET-STYLE');
    const { thread, reply } = await ask('U1');

    await h.interaction(click('U1', reply.ts, thread, 'heed_why'));
    await h.idle();
    const [forAsker] = h.slack.callsOf('chat.postEphemeral');
    expect(forAsker?.args).toMatchObject({ channel: CHANNEL, user: 'U1', thread_ts: thread });
    expect(String(forAsker?.args.text)).toContain('Your instructions*, version 1');
    expect(String(forAsker?.args.text)).toContain('SECRET-STYLE');
    expect(String(forAsker?.args.text)).toContain('Nothing of the conversation was left out.');

    await h.interaction(click('U2', reply.ts, thread, 'heed_why'));
    await h.idle();
    const forOther = h.slack.callsOf('chat.postEphemeral')[1];
    expect(forOther?.args).toMatchObject({ user: 'U2' });
    expect(String(forOther?.args.text)).toContain('Only the person I answered');
    expect(String(forOther?.args.text)).not.toContain('SECRET-STYLE');
  });
});

describe('long threads keep their rules on Slack', () => {
  it('GIVEN history trimmed to fit THEN the rules are restated last and the line says so', async () => {
    h = await startHarness({
      env: {
        MODEL_CONTEXT_TOKENS: '1500',
        OPENAI_MAX_OUTPUT_TOKENS: '100',
        HEED_ADMINS: 'U_ADMIN',
        HEED_COMPLIANCE: 'off',
      },
    });
    await instructions('U1', 'set Always answer in French. RULE-MARKER');
    await instructions('U_ADMIN', 'channel set Never mention competitors. CHANNEL-MARKER');
    const root = h.slack.nextTs();
    h.slack.addMessage(CHANNEL, { ts: root, user: 'U1', text: 'let us talk' });
    for (let index = 0; index < 12; index++) {
      h.slack.addMessage(CHANNEL, {
        ts: h.slack.nextTs(),
        user: 'U2',
        text: `${'long earlier message '.repeat(30)} ${index}`,
        thread_ts: root,
      });
    }
    const { blocks, reply, thread } = await ask('U1', 'and now?', root);
    expect(appliedText(blocks)).toBe('Channel rules v1 · Your instructions v1 · fake-model · older messages left out');

    const sent = messagesOf(h.openai.requests.at(-1)!);
    const reminder = sent.at(-2);
    expect(reminder?.role).toBe('system');
    expect(reminder?.content).toContain('RULE-MARKER');
    expect(reminder?.content).toContain('CHANNEL-MARKER');
    expect(sent.at(-1)?.content).toContain('and now?');

    await h.interaction(click('U1', reply.ts, thread, 'heed_why'));
    await h.idle();
    expect(String(h.slack.callsOf('chat.postEphemeral')[0]?.args.text)).toMatch(
      /older messages? of the conversation (was|were) left out/,
    );
  });
});

describe('edits learned from reports on Slack', () => {
  it('GIVEN a note on a report THEN a private before/after; Accept saves a version undo takes back', async () => {
    h = await startHarness();
    await instructions('U1', 'set Be brief.');
    const { thread, reply } = await ask('U1');
    h.openai.enqueue({ reply: 'Be brief.\nUse metric units.' });
    const reportId = await reportWithNote('U1', reply.ts, thread, 'I said metric units');

    const offer = h.slack.callsOf('chat.postEphemeral').at(-1);
    expect(offer?.args).toMatchObject({ channel: CHANNEL, user: 'U1', thread_ts: thread });
    expect(String(offer?.args.text)).toContain('> Use metric units.');
    const draftRequest = messagesOf(h.openai.requests.at(-1)!);
    expect(draftRequest.at(-1)?.content).toContain('I said metric units');
    expect(
      (await h.test.core.instructions({ platform: 'slack', workspaceId: FAKE_TEAM_ID, userId: 'U1' })).respond,
    ).toBe('Be brief.');

    await h.interaction(click('U1', '1.0', thread, 'heed_edit_accept', reportId));
    const accepted = await h.slack.waitForResponse('click-U1-heed_edit_accept');
    expect(accepted.body).toMatchObject({ replace_original: true });
    expect(String(accepted.body.text)).toContain('version 2');
    expect(
      (await h.test.core.instructions({ platform: 'slack', workspaceId: FAKE_TEAM_ID, userId: 'U1' })).respond,
    ).toBe('Be brief.\nUse metric units.');
    expect(await instructions('U1', 'undo')).toContain('back to the content of version 1');
  });

  it('GIVEN Dismiss THEN nothing changes and no draft is offered again for that report', async () => {
    h = await startHarness();
    await instructions('U1', 'set Be brief.');
    const { thread, reply } = await ask('U1');
    h.openai.enqueue({ reply: 'Be very brief.' });
    const reportId = await reportWithNote('U1', reply.ts, thread, 'too long');
    await h.interaction(click('U1', '1.0', thread, 'heed_edit_dismiss', reportId));
    expect(String((await h.slack.waitForResponse('click-U1-heed_edit_dismiss')).body.text)).toContain('Dismissed');
    expect(
      (await h.test.core.instructions({ platform: 'slack', workspaceId: FAKE_TEAM_ID, userId: 'U1' })).version,
    ).toBe(1);
    expect(
      await h.test.core.suggestEdit(reportId, { platform: 'slack', workspaceId: FAKE_TEAM_ID, userId: 'U1' }),
    ).toEqual({ kind: 'edit_gone' });
  });

  it('GIVEN a report by someone who did not ask THEN no draft and no model call', async () => {
    h = await startHarness();
    const { thread, reply } = await ask('U1');
    const before = h.openai.requests.length;
    await reportWithNote('U2', reply.ts, thread, 'too long');
    expect(h.openai.requests.length).toBe(before);
    expect(h.slack.callsOf('chat.postEphemeral').every((call) => !String(call.args.text).includes('Suggested'))).toBe(
      true,
    );
  });
});

describe('no model, no draft on Slack', () => {
  it('GIVEN no model configured THEN a report with a note is filed but no edit is offered', async () => {
    h = await startHarness({ env: { OPENAI_BASE_URL: '', OPENAI_API_KEY: '' } });
    await instructions('U1', 'set Be brief.');
    const { ts } = await h.mention('U1', 'hello?');
    await h.idle();
    const notice = h.botReplies(CHANNEL, ts).at(-1);
    expect(notice?.text).toMatch(/not connected to a language model/);
    const reportId = await reportWithNote('U1', notice!.ts, ts, 'too long');
    expect(
      (await h.test.core.recentReports({ platform: 'slack', workspaceId: FAKE_TEAM_ID, userId: 'U1' }, 1))[0],
    ).toMatchObject({ note: 'too long' });
    expect(h.slack.callsOf('chat.postEphemeral').every((call) => !String(call.args.text).includes('Suggested'))).toBe(
      true,
    );
    expect(
      await h.test.core.suggestEdit(reportId, { platform: 'slack', workspaceId: FAKE_TEAM_ID, userId: 'U1' }),
    ).toEqual({
      kind: 'edit_not_offered',
      reason: 'no_model',
    });
    expect(h.openai.requests).toHaveLength(0);
  });
});
