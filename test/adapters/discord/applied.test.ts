/**
 * Issue 15 on Discord, through the fake Discord and the fake model: the applied line as `-#` subtext
 * in each HEED_SHOW_APPLIED mode and opted out, Why this answer? for the asker only, rules restated
 * after trimming, and edits drafted from a report's note (accepted, dismissed, none without a model).
 */
import type { APIMessage } from 'discord.js';
import { afterEach, describe, expect, it } from 'vitest';
import { REPORT_COMMAND_NAME } from '../../../src/adapters/discord/command-definitions.js';
import type { PersonRef } from '../../../src/core/types.js';
import { CALLBACK, EPHEMERAL, FAKE_IDS, type RecordedCall } from '../../support/fake-discord.js';
import { FAKE_REPLY, messagesOf } from '../../support/fake-openai.js';
import { startHarness, type DiscordHarness } from './harness.js';

interface CallbackBody {
  type: number;
  data: {
    content?: string;
    flags?: number;
    custom_id?: string;
    components?: { components: { custom_id: string }[] }[];
  };
}
const callbackOf = (call: RecordedCall): CallbackBody => call.body as CallbackBody;
const alice: PersonRef = { platform: 'discord', workspaceId: FAKE_IDS.guild, userId: FAKE_IDS.alice };

let h: DiscordHarness;
afterEach(async () => {
  await h?.close();
});

/** Alice asks in #general; the bot's reply. */
async function ask(content = 'tell me a fact'): Promise<APIMessage> {
  const channelId = h.fake.channels.general;
  const before = h.fake.botMessagesIn(channelId).length;
  h.fake.userMessage({ content, mention: true });
  await h.fake.waitForCall({ method: 'POST', path: `/channels/${channelId}/messages` }, before + 1);
  await h.adapter.idle();
  const reply = h.fake.botMessagesIn(channelId)[before];
  expect(reply).toBeDefined();
  return reply!;
}

async function slash(subcommand: string, options: Record<string, string> = {}, group?: string): Promise<string> {
  const body = callbackOf(
    await h.fake.slash({ subcommand, options, ...(group ? { group, manageGuild: true } : {}) }).callback(),
  );
  return body.data.content ?? '';
}

const subtext = (message: APIMessage) => message.content.split('\n').find((line) => line.startsWith('-# '));
/** The custom ids of the buttons on a message, read as the JSON Discord holds. */
const buttonIds = (message: APIMessage) =>
  ((message.components ?? []) as unknown as { components?: { custom_id?: string }[] }[])
    .flatMap((row) => row.components ?? [])
    .map((button) => button.custom_id ?? '');

describe('the applied line on Discord', () => {
  it('GIVEN the default mode THEN -# subtext and a Why button only under replies shaped by instructions', async () => {
    h = await startHarness();
    const plain = await ask();
    expect(plain.content).toBe(FAKE_REPLY);
    expect(buttonIds(plain)).toEqual([]);

    await slash('set', { text: 'Answer in haiku.' });
    const shaped = await ask();
    expect(shaped.content).toBe(`${FAKE_REPLY}\n-# Your instructions v1 · fake-model`);
    expect(buttonIds(shaped)).toEqual(['heed:why']);
  });

  it('GIVEN HEED_SHOW_APPLIED=always THEN a line without instructions; =never THEN none', async () => {
    h = await startHarness({ env: { HEED_SHOW_APPLIED: 'always' } });
    expect(subtext(await ask())).toBe('-# No custom instructions · fake-model');
    await h.close();

    h = await startHarness({ env: { HEED_SHOW_APPLIED: 'never' } });
    await slash('set', { text: 'Answer in haiku.' });
    const never = await ask();
    expect(subtext(never)).toBeUndefined();
    expect(buttonIds(never)).toEqual([]);
  });

  it('GIVEN /instructions applied off THEN no line; on brings it back with the server rules', async () => {
    h = await startHarness();
    await slash('set', { text: 'Answer in haiku.' });
    expect(await slash('applied', { text: 'off' })).toContain('no longer show');
    expect(subtext(await ask())).toBeUndefined();
    await slash('set', { text: 'Be formal.' }, 'server');
    expect(await slash('applied', { text: 'on' })).toContain('I will show');
    expect(subtext(await ask())).toBe('-# Server rules v1 · Your instructions v1 · fake-model');
  });

  it('GIVEN Why this answer? THEN the asker sees the layers ephemerally; another member sees none of it', async () => {
    h = await startHarness();
    await slash('set', { text: 'Answer in haiku. SECRET-STYLE' });
    const reply = await ask();

    const mine = callbackOf(await h.fake.button({ customId: 'heed:why', message: reply }).callback());
    expect(mine.type).toBe(CALLBACK.message);
    expect(mine.data.flags).toBe(EPHEMERAL);
    expect(mine.data.content).toContain('**Your instructions**, version 1');
    expect(mine.data.content).toContain('SECRET-STYLE');

    const theirs = callbackOf(
      await h.fake.button({ customId: 'heed:why', message: reply, user: h.fake.users.bob }).callback(),
    );
    expect(theirs.data.flags).toBe(EPHEMERAL);
    expect(theirs.data.content).toContain('Only the person I answered');
    expect(theirs.data.content).not.toContain('SECRET-STYLE');
  });

  it('GIVEN a long reply chain trimmed to fit THEN the rules are restated last and the line says so', async () => {
    h = await startHarness({ env: { MODEL_CONTEXT_TOKENS: '1200', OPENAI_MAX_OUTPUT_TOKENS: '100' } });
    await slash('set', { text: 'Always answer in French. RULE-MARKER' });
    let previous: APIMessage | undefined;
    for (let index = 0; index < 4; index++) {
      h.openai.enqueue({ reply: `${'a long answer that fills the context '.repeat(25)}${index}` });
      const channelId = h.fake.channels.general;
      const before = h.fake.botMessagesIn(channelId).length;
      h.fake.userMessage({
        content: `question ${index} ${'with many words '.repeat(20)}`,
        mention: true,
        ...(previous ? { replyTo: previous.id } : {}),
      });
      await h.fake.waitForCall({ method: 'POST', path: `/channels/${channelId}/messages` }, before + 1);
      await h.adapter.idle();
      previous = h.fake.botMessagesIn(channelId).at(-1);
    }
    expect(subtext(previous!)).toBe(
      '-# Your instructions v1 · fake-model · older messages left out · 1 check failed of 1',
    );
    const sent = messagesOf(h.openai.requests.at(-1)!);
    expect(sent.at(-2)?.role).toBe('system');
    expect(sent.at(-2)?.content).toContain('RULE-MARKER');
  });
});

describe('edits learned from reports on Discord', () => {
  /** Report `reply` with a note through the message command and its modal; the ephemeral follow-up, if any. */
  async function report(reply: APIMessage, note: string): Promise<RecordedCall | undefined> {
    const modal = callbackOf(
      await h.fake.messageCommand({ name: REPORT_COMMAND_NAME, targetMessageId: reply.id }).callback(),
    );
    const submit = h.fake.modalSubmit({ customId: modal.data.custom_id ?? '', fields: { note } });
    await submit.callback();
    await h.settle();
    return h.fake.callsMatching({ method: 'POST', path: new RegExp(`/webhooks/${FAKE_IDS.bot}/${submit.token}`) })[0];
  }

  it('GIVEN a note THEN a private before/after with Accept and Dismiss; Accept saves a new version', async () => {
    h = await startHarness();
    await slash('set', { text: 'Be brief.' });
    const reply = await ask();
    h.openai.enqueue({ reply: 'Be brief.\nUse metric units.' });
    const offer = await report(reply, 'I said metric units');
    const body = offer?.body as CallbackBody['data'];
    expect(body.flags).toBe(EPHEMERAL);
    expect(body.content).toContain('> Use metric units.');
    const ids = (body.components ?? []).flatMap((row) => row.components.map((button) => button.custom_id));
    expect(ids).toHaveLength(2);

    const offerMessage = { ...reply, id: '1999', content: body.content ?? '', components: [] } as APIMessage;
    const accepted = callbackOf(await h.fake.button({ customId: ids[0]!, message: offerMessage }).callback());
    expect(accepted.type).toBe(CALLBACK.update);
    expect(accepted.data.content).toContain('version 2');
    expect((await h.testCore.core.instructions(alice)).respond).toBe('Be brief.\nUse metric units.');
  });

  it('GIVEN Dismiss THEN the instructions stay as they were', async () => {
    h = await startHarness();
    await slash('set', { text: 'Be brief.' });
    const reply = await ask();
    h.openai.enqueue({ reply: 'Be very brief.' });
    const body = (await report(reply, 'too long'))?.body as CallbackBody['data'];
    const dismissId = (body.components ?? []).flatMap((row) => row.components.map((button) => button.custom_id))[1]!;
    const offerMessage = { ...reply, id: '1998', content: '', components: [] } as APIMessage;
    const dismissed = callbackOf(await h.fake.button({ customId: dismissId, message: offerMessage }).callback());
    expect(dismissed.data.content).toContain('Dismissed');
    expect(await h.testCore.core.instructions(alice)).toMatchObject({ version: 1, respond: 'Be brief.' });
  });

  it('GIVEN no model THEN the report is filed and no edit is offered', async () => {
    h = await startHarness({ env: { OPENAI_BASE_URL: '', OPENAI_API_KEY: '' } });
    await slash('set', { text: 'Be brief.' });
    const notice = await ask();
    expect(notice.content).toMatch(/not connected to a language model/);
    expect(await report(notice, 'too long')).toBeUndefined();
    expect((await h.testCore.core.recentReports(alice, 1))[0]).toMatchObject({ note: 'too long' });
    expect(h.openai.requests).toHaveLength(0);
  });
});
