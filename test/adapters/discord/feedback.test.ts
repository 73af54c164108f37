import { afterEach, describe, expect, it } from 'vitest';
import { REPORT_COMMAND_NAME } from '../../../src/adapters/discord/command-definitions.js';
import type { PersonRef } from '../../../src/core/types.js';
import { CALLBACK, EPHEMERAL, FAKE_IDS, type RecordedCall } from '../../support/fake-discord.js';
import { FAKE_REPLY } from '../../support/fake-openai.js';
import { startHarness, type DiscordHarness } from './harness.js';

const person = (userId: string, workspaceId: string = FAKE_IDS.guild): PersonRef => ({
  platform: 'discord',
  workspaceId,
  userId,
});

interface CallbackBody {
  type: number;
  data: { content?: string; flags?: number; custom_id?: string };
}
const callbackOf = (call: RecordedCall): CallbackBody => call.body as CallbackBody;

describe('Discord feedback', () => {
  let h: DiscordHarness;

  afterEach(async () => {
    await h.close();
  });

  /** Ask the bot something and return its reply message. */
  async function botReply(options: { dm?: boolean; content?: string } = {}) {
    const channelId = options.dm ? h.fake.dmChannelOf(h.fake.users.alice) : h.fake.channels.general;
    const before = h.fake.botMessagesIn(channelId).length;
    h.fake.userMessage({ content: options.content ?? 'tell me a fact', mention: !options.dm, dm: options.dm ?? false });
    await h.fake.waitForCall({ method: 'POST', path: `/channels/${channelId}/messages` }, before + 1);
    await h.adapter.idle();
    const reply = h.fake.botMessagesIn(channelId)[before];
    expect(reply).toBeDefined();
    return reply!;
  }

  it('GIVEN 👎 on a cached bot reply THEN a report tied to its snapshot, nothing posted in the channel; removal withdraws it', async () => {
    h = await startHarness();
    const reply = await botReply({ content: 'what is two plus two?' });
    const postsBefore = h.fake.callsMatching({ method: 'POST', path: /\/messages$/ }).length;

    h.fake.react({ user: h.fake.users.bob, messageId: reply.id });
    await h.settle();
    const [report] = await h.testCore.core.recentReports(person(FAKE_IDS.bob), 5);
    expect(report).toMatchObject({ status: 'open', signal: 'bad', replyExcerpt: FAKE_REPLY });
    expect(h.fake.callsMatching({ method: 'POST', path: /\/messages$/ })).toHaveLength(postsBefore);

    h.fake.unreact({ user: h.fake.users.bob, messageId: reply.id });
    await h.settle();
    expect(await h.testCore.core.recentReports(person(FAKE_IDS.bob), 5)).toEqual([
      expect.objectContaining({ reportId: report?.reportId, status: 'withdrawn' }),
    ]);
  });

  it('GIVEN a restart (nothing cached) THEN 👎 on an earlier reply still files a report, in a guild and in a DM', async () => {
    h = await startHarness();
    const inGuild = await botReply();
    const inDm = await botReply({ dm: true });
    await h.restart();
    expect(h.adapter.client.channels.cache.has(h.fake.dmChannelOf(h.fake.users.alice))).toBe(false);
    expect(h.adapter.client.channels.cache.get(h.fake.channels.general)?.isTextBased()).toBe(true);

    h.fake.react({ messageId: inGuild.id });
    h.fake.react({ messageId: inDm.id });
    await h.settle();
    expect(await h.testCore.core.recentReports(person(FAKE_IDS.alice), 5)).toHaveLength(1);
    expect(await h.testCore.core.recentReports(person(FAKE_IDS.alice, 'dm'), 5)).toEqual([
      expect.objectContaining({ status: 'open', replyExcerpt: FAKE_REPLY }),
    ]);
  });

  it("GIVEN reactions elsewhere (a person's message, another emoji, the bot's own) THEN nothing happens", async () => {
    h = await startHarness({ env: { HEED_REPORTS_CHANNEL: FAKE_IDS.reports } });
    const reply = await botReply();
    const question = h.fake.messagesIn(h.fake.channels.general)[0]!;
    const callsBefore = h.fake.calls.length;

    h.fake.react({ user: h.fake.users.bob, messageId: question.id });
    h.fake.react({ user: h.fake.users.bob, messageId: reply.id, emoji: '🎉' });
    h.fake.react({ user: h.fake.bot, messageId: reply.id });
    await h.settle();
    expect(await h.testCore.core.recentReports(person(FAKE_IDS.bob), 5)).toEqual([]);
    // Only the settle probe's own interaction callback reached the REST API.
    expect(h.fake.calls.slice(callsBefore).map((call) => call.path)).toEqual([
      expect.stringMatching(/^\/interactions\//),
    ]);
  });

  it('GIVEN HEED_REPORT_REACTIONS and HEED_REPORTS_CHANNEL THEN the configured emoji reports and each new report is posted there once', async () => {
    h = await startHarness({
      env: { HEED_REPORT_REACTIONS: 'discord:😕', HEED_REPORTS_CHANNEL: `slack:C1,discord:${FAKE_IDS.reports}` },
    });
    const reply = await botReply({ content: 'summarise the plan' });

    h.fake.react({ user: h.fake.users.bob, messageId: reply.id, emoji: '👎' });
    h.fake.react({ user: h.fake.users.bob, messageId: reply.id, emoji: '😕' });
    const post = await h.fake.waitForCall({ method: 'POST', path: `/channels/${FAKE_IDS.reports}/messages` });
    // The same reaction delivered again (a gateway replay) is the same report: no second post.
    h.fake.react({ user: h.fake.users.bob, messageId: reply.id, emoji: '😕' });
    await h.settle();

    const content = String((post.body as { content: string }).content);
    expect(content).toContain('Instruction failure report');
    expect(content).toContain('summarise the plan');
    expect(content).toContain(FAKE_REPLY);
    expect(content).toContain(`<@${FAKE_IDS.bob}>`);
    expect((post.body as { allowed_mentions: unknown }).allowed_mentions).toEqual({ parse: [], replied_user: false });
    expect(h.fake.callsMatching({ method: 'POST', path: `/channels/${FAKE_IDS.reports}/messages` })).toHaveLength(1);
    expect(await h.testCore.core.recentReports(person(FAKE_IDS.bob), 5)).toHaveLength(1);
  });

  it('GIVEN "Report instruction failure" on a bot reply THEN a note modal, and its submission files the report with the note, answered ephemerally', async () => {
    h = await startHarness();
    const reply = await botReply();

    const command = h.fake.messageCommand({ name: REPORT_COMMAND_NAME, targetMessageId: reply.id });
    const modal = callbackOf(await command.callback());
    expect(modal.type).toBe(CALLBACK.modal);
    const customId = modal.data.custom_id ?? '';

    const submitted = callbackOf(
      await h.fake.modalSubmit({ customId, fields: { note: 'I asked for bullet points.' } }).callback(),
    );
    expect(submitted.type).toBe(CALLBACK.message);
    expect(submitted.data.flags).toBe(EPHEMERAL);
    expect(submitted.data.content).toMatch(/filed a report/i);
    expect(await h.testCore.core.recentReports(person(FAKE_IDS.alice), 5)).toEqual([
      expect.objectContaining({ status: 'open', note: 'I asked for bullet points.', replyExcerpt: FAKE_REPLY }),
    ]);

    const again = callbackOf(await h.fake.modalSubmit({ customId, fields: { note: 'Also too long.' } }).callback());
    expect(again.data.content).toMatch(/already reported/i);
    expect(await h.testCore.core.recentReports(person(FAKE_IDS.alice), 5)).toEqual([
      expect.objectContaining({ note: 'Also too long.' }),
    ]);
  });

  it('GIVEN "Report instruction failure" on someone else\'s message THEN an ephemeral explanation and no modal', async () => {
    h = await startHarness();
    const message = h.fake.userMessage({ content: 'not for the bot' });
    const body = callbackOf(
      await h.fake.messageCommand({ name: REPORT_COMMAND_NAME, targetMessageId: message.id }).callback(),
    );
    expect(body.type).toBe(CALLBACK.message);
    expect(body.data.flags).toBe(EPHEMERAL);
    expect(body.data.content).toMatch(/not one of my replies/i);
  });
});
