/**
 * Bad input through the real Bolt receiver: each request gets a clear error status or is ignored, the
 * process keeps serving, and nothing is stored that should not be.
 */
import BetterSqlite3 from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import { FAKE_REPLY, messagesOf } from '../support/fake-openai.js';
import { FAKE_APP_ID, FAKE_BOT_USER_ID, FAKE_TEAM_ID } from '../support/fake-slack.js';
import { CHANNEL } from '../adapters/slack/harness.js';
import { startWorld, type World } from './world.js';

let h: World;
afterEach(async () => {
  await h?.close();
});

const TABLES = ['instruction_versions', 'message_claims', 'replies', 'reply_messages', 'reports'] as const;

/** Rows per table, read through a second connection. */
function rowCounts(): Record<(typeof TABLES)[number], number> {
  const db = new BetterSqlite3(h.test.dbPath, { timeout: 5000 });
  try {
    return Object.fromEntries(
      TABLES.map((table) => [table, db.prepare(`SELECT count(*) FROM ${table}`).pluck().get() as number]),
    ) as Record<(typeof TABLES)[number], number>;
  } finally {
    db.close();
  }
}

const NOTHING_STORED = { instruction_versions: 0, message_claims: 0, replies: 0, reply_messages: 0, reports: 0 };

/** The bot still answers a plain mention, once. */
async function stillServes(): Promise<void> {
  const { ts } = await h.mention('U_LATER', 'are you still there?');
  await h.idle();
  expect(h.botReplies(ts).map((message) => message.text)).toEqual([FAKE_REPLY]);
}

const form = (payload: unknown) =>
  new URLSearchParams({ payload: typeof payload === 'string' ? payload : JSON.stringify(payload) }).toString();

describe('bad input', () => {
  it('answers a 40,000-character message once, sending the whole text to the model and storing the snapshot', async () => {
    h = await startWorld();
    const long = 'All the words of a very long question. '.repeat(1100).slice(0, 40_000);
    const { ts } = await h.mention('U1', long);
    await h.idle();
    expect(h.botReplies(ts).map((message) => message.text)).toEqual([FAKE_REPLY]);
    expect(messagesOf(await h.openai.waitForRequest(1)).at(-1)?.content).toContain(long.trim());
    expect(rowCounts()).toMatchObject({ message_claims: 1, replies: 1, reply_messages: 1 });
  });

  it('ignores a 1 MB message, longer than Slack allows, with a warning and no model call', async () => {
    h = await startWorld();
    const { ts, response } = await h.mention('U1', 'x '.repeat(500_000));
    expect(response.status).toBe(200);
    await h.idle();
    expect(h.botReplies(ts)).toEqual([]);
    expect(h.modelRequests()).toBe(0);
    expect(h.logs.find((line) => line.msg === 'ignored a message longer than Slack allows')).toMatchObject({
      level: 40,
      ts,
    });
    expect(rowCounts()).toEqual(NOTHING_STORED);
    await stillServes();
  });

  it('acknowledges a 1 MB body of an unknown event type and does nothing with it', async () => {
    h = await startWorld();
    const response = await h.event({ type: 'some_future_event', payload: 'y'.repeat(1_000_000) });
    expect(response.status).toBe(200);
    await h.idle();
    expect(h.slack.calls.filter((call) => call.method !== 'auth.test')).toEqual([]);
    expect(rowCounts()).toEqual(NOTHING_STORED);
    await stillServes();
  });

  it('answers 400 to a body that is not JSON, and 401 to one that is not signed', async () => {
    h = await startWorld();
    expect((await h.post('{"type": "event_callback", "event": {', 'application/json')).status).toBe(400);
    expect((await h.post('payload=%7Bnot%20json', 'application/x-www-form-urlencoded')).status).toBe(400);
    const unsigned = await fetch(`${h.baseUrl}/slack/events`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{nope',
    });
    expect(unsigned.status).toBe(401);
    expect(h.slack.calls.filter((call) => call.method !== 'auth.test')).toEqual([]);
    expect(rowCounts()).toEqual(NOTHING_STORED);
    await stillServes();
  });

  it('ignores unknown event types, empty events and events missing their fields', async () => {
    h = await startWorld();
    const events: Array<Record<string, unknown>> = [
      { type: 'workflow_step_of_the_future', channel: CHANNEL },
      {},
      { type: 'app_mention' },
      {
        type: 'message',
        channel: CHANNEL,
        ts: h.slack.nextTs(),
        subtype: 'a_subtype_slack_adds_next_year',
        user: 'U1',
        text: `<@${FAKE_BOT_USER_ID}> hi`,
      },
      { type: 'app_mention', channel: CHANNEL, ts: h.slack.nextTs(), user: 'U1', text: 42 },
    ];
    for (const event of events) expect((await h.event(event)).status).toBe(200);
    await h.idle();
    expect(h.slack.calls.filter((call) => call.method.startsWith('chat.'))).toEqual([]);
    expect(h.modelRequests()).toBe(0);
    expect(rowCounts()).toEqual(NOTHING_STORED);
    await stillServes();
  });

  it('answers a 10,000-character /instructions text with what is wrong, and stores nothing', async () => {
    h = await startWorld();
    const tooLong = await h.command('U1', `set ${'Be brief. '.repeat(1000)}`);
    expect(tooLong.response.status).toBe(200);
    expect(String((await tooLong.answer()).text)).toMatch(
      /is 9,999 characters; the limit is 1,500\. .*Nothing was changed/,
    );
    const unknown = await h.command('U1', 'z'.repeat(10_000));
    const answer = String((await unknown.answer()).text);
    expect(answer).toMatch(/no subcommand/);
    expect(answer.length).toBeLessThan(1000);
    await h.idle();
    expect(rowCounts()).toEqual(NOTHING_STORED);
    await stillServes();
  });

  it('ignores a mention of nothing but invisible characters, and keeps right-to-left text exactly as written', async () => {
    h = await startWorld();
    const invisible = await h.mention('U1', '\u200B\u200C\u200D\u2060\uFEFF\u200E\u200F\u202E\u2066');
    await h.idle();
    expect(h.botReplies(invisible.ts)).toEqual([]);
    expect(h.modelRequests()).toBe(0);
    const blank = await h.command('U1', 'set \u200B\u200B\u2060');
    expect(String((await blank.answer()).text)).toMatch(/`set` needs the text of your instructions/);
    expect(rowCounts()).toEqual(NOTHING_STORED);

    const rtl = 'ما هو الطقس اليوم؟ \u202Eabc\u202C שלום';
    const asked = await h.mention('U1', rtl);
    await h.idle();
    expect(h.botReplies(asked.ts).map((message) => message.text)).toEqual([FAKE_REPLY]);
    expect(messagesOf(await h.openai.waitForRequest(1)).at(-1)?.content).toContain(rtl);
    const set = await h.command('U1', `set ${rtl}`);
    await set.answer();
    expect(
      (await h.test.core.instructions({ platform: 'slack', workspaceId: FAKE_TEAM_ID, userId: 'U1' })).respond,
    ).toBe(rtl);
  });

  it('survives malformed interaction payloads: each is refused or ignored, and nothing is stored', async () => {
    h = await startWorld();
    const user = { id: 'U1', team_id: FAKE_TEAM_ID };
    const team = { id: FAKE_TEAM_ID, domain: 'fake' };
    const feedback = {
      action_id: 'heed_feedback',
      block_id: 'fb',
      type: 'feedback_buttons',
      value: 'negative',
      action_ts: '1.2',
    };
    const payloads: unknown[] = [
      {},
      { type: 'block_actions' },
      { type: 'block_actions', user, team, api_app_id: FAKE_APP_ID, actions: [feedback] },
      {
        type: 'block_actions',
        user,
        team,
        api_app_id: FAKE_APP_ID,
        container: { type: 'message', channel_id: CHANNEL, message_ts: '1.000001' },
        actions: [feedback],
      },
      {
        type: 'block_actions',
        user,
        team,
        api_app_id: FAKE_APP_ID,
        actions: [{ action_id: 'heed_add_note', type: 'button' }],
      },
      { type: 'view_submission', user, team, api_app_id: FAKE_APP_ID, view: { callback_id: 'heed_instructions' } },
      {
        type: 'view_submission',
        user,
        team,
        api_app_id: FAKE_APP_ID,
        view: { callback_id: 'heed_instructions', private_metadata: '{broken', state: { values: { nope: {} } } },
      },
      {
        type: 'view_submission',
        user,
        team,
        api_app_id: FAKE_APP_ID,
        view: { callback_id: 'heed_report_note', private_metadata: 'not json', state: { values: {} } },
      },
      { type: 'shortcut', callback_id: 'not_ours', user, team, api_app_id: FAKE_APP_ID },
      { type: 'a_payload_type_nobody_knows', user, team },
    ];
    // Bolt leaves a payload no listener acknowledges unanswered for 3 seconds, then answers 404: send them together.
    const statuses = await Promise.all(
      payloads.map(async (payload) => (await h.post(form(payload), 'application/x-www-form-urlencoded')).status),
    );
    await h.idle();
    for (const status of statuses) expect([200, 400, 404, 500]).toContain(status);
    expect(h.slack.calls.filter((call) => call.method !== 'auth.test' && call.method !== 'views.open')).toEqual([]);
    expect(rowCounts()).toEqual(NOTHING_STORED);
    await stillServes();
  });
});
