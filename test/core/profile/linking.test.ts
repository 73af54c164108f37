/**
 * One profile across Slack and Discord (issue 15, item 5), driven end to end: one core with both
 * adapters running, the fake Slack and the fake Discord in front of them, the fake model behind. A
 * code from `/instructions link` on one platform joins the other; wrong, expired and reused codes are
 * refused and attempts are limited; unlink splits the profile with a copy each; forget-me on either
 * side deletes the person everywhere; nobody else's prompt ever carries the linked instructions.
 */
import BetterSqlite3 from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { FORGET_ME_CONFIRM_ID } from '../../../src/adapters/discord/commands.js';
import { startDiscord, type DiscordAdapter } from '../../../src/adapters/discord/index.js';
import { silentLogger } from '../../../src/core/logger.js';
import { MAX_FAILED_ATTEMPTS } from '../../../src/core/profile/linking.js';
import { FAKE_IDS, startFakeDiscord, type FakeDiscord, type RecordedCall } from '../../support/fake-discord.js';
import { systemPromptOf } from '../../support/fake-openai.js';
import { FAKE_TEAM_ID } from '../../support/fake-slack.js';
import { CHANNEL, startHarness, type Harness } from '../../adapters/slack/harness.js';

let slack: Harness;
let discord: FakeDiscord;
let discordAdapter: DiscordAdapter;

beforeEach(async () => {
  slack = await startHarness();
  discord = await startFakeDiscord();
  const config = { ...slack.test.config, DISCORD_TOKEN: discord.token, DISCORD_API_URL: discord.apiUrl };
  discordAdapter = await startDiscord({ config, core: slack.test.core, logger: silentLogger() });
});

afterEach(async () => {
  await discordAdapter.stop();
  await slack.close();
  await discord.close();
});

const CODE = /[A-Z2-9]{4}-[A-Z2-9]{4}/;

async function onSlack(user: string, text: string): Promise<string> {
  const command = await slack.instructions(user, text);
  return String((await command.answer()).text);
}

async function onDiscord(
  subcommand: string,
  options: Record<string, string> = {},
  user = discord.users.alice,
): Promise<string> {
  const call: RecordedCall = await discord.slash({ subcommand, options, user }).callback();
  return (call.body as { data: { content?: string } }).data.content ?? '';
}

/** Ask on Discord as `user` in #general; the system prompt the model was sent. */
async function askOnDiscord(user = discord.users.alice): Promise<string> {
  const before = slack.openai.requests.length;
  const channelId = discord.channels.general;
  const posted = discord.botMessagesIn(channelId).length;
  discord.userMessage({ content: 'what should I wear?', mention: true, author: user });
  await discord.waitForCall({ method: 'POST', path: `/channels/${channelId}/messages` }, posted + 1);
  await discordAdapter.idle();
  return systemPromptOf(slack.openai.requests[before]!);
}

async function askOnSlack(user: string): Promise<string> {
  const before = slack.openai.requests.length;
  await slack.mention(user, 'what should I wear?');
  await slack.idle();
  return systemPromptOf(slack.openai.requests[before]!);
}

/** Slack U1 with instructions, linked to Discord alice. */
async function link(): Promise<void> {
  await onSlack('U1', 'set Answer in French. LINKED-MARKER');
  const code = CODE.exec(await onSlack('U1', 'link'))?.[0] ?? '';
  expect(await onDiscord('link', { text: code.toLowerCase() })).toContain(
    'Linked: this account and Slack now share one set of instructions.',
  );
}

describe('linking Slack and Discord', () => {
  it('GIVEN the right code THEN both accounts read and write the same instructions', async () => {
    await link();
    expect(await askOnDiscord()).toContain('LINKED-MARKER');
    expect(await onDiscord('add', { text: 'Use metric units.' })).toContain('version 2');
    expect(await onSlack('U1', 'show')).toContain('Use metric units.');
    expect(await askOnSlack('U1')).toContain('Use metric units.');
    expect(await onSlack('U1', 'history')).toContain('v2 (current)');
  });

  it('GIVEN a linked profile THEN it never reaches another person, nor the same person elsewhere', async () => {
    await link();
    expect(await askOnDiscord(discord.users.bob)).not.toContain('LINKED-MARKER');
    expect(await askOnSlack('U2')).not.toContain('LINKED-MARKER');
    // Alice's DMs are another workspace on Discord: another identity, not linked.
    const before = slack.openai.requests.length;
    discord.userMessage({ content: 'hello', dm: true });
    await discord.waitForCall({
      method: 'POST',
      path: `/channels/${discord.dmChannelOf(discord.users.alice)}/messages`,
    });
    await discordAdapter.idle();
    expect(systemPromptOf(slack.openai.requests[before]!)).not.toContain('LINKED-MARKER');
  });

  it('GIVEN a wrong, a reused or an expired code THEN each is refused with what to do', async () => {
    expect(await onDiscord('link', { text: 'AAAA-BBBB' })).toContain('That code is not valid');

    await link();
    const reused = CODE.exec(await onSlack('U1', 'link'))?.[0] ?? '';
    expect(await onDiscord('link', { text: reused }, discord.users.bob)).toContain('Linked');
    expect(await onDiscord('link', { text: reused }, discord.users.dana)).toContain('That code is not valid');

    const expired = CODE.exec(await onSlack('U2', 'link'))?.[0] ?? '';
    const db = new BetterSqlite3(slack.test.dbPath);
    db.prepare("UPDATE link_codes SET expires_at = '2000-01-01T00:00:00.000Z'").run();
    db.close();
    expect(await onDiscord('link', { text: expired }, discord.users.dana)).toContain('That code has expired');
    expect(await askOnDiscord(discord.users.dana)).not.toContain('LINKED-MARKER');
  });

  it('GIVEN too many wrong codes THEN even the right one waits', async () => {
    const code = CODE.exec(await onSlack('U1', 'link'))?.[0] ?? '';
    for (let attempt = 0; attempt < MAX_FAILED_ATTEMPTS; attempt++) {
      expect(await onDiscord('link', { text: `WRNG-${attempt}AAA` })).toContain('not valid');
    }
    expect(await onDiscord('link', { text: code })).toContain('Too many wrong codes');
  });

  it('GIVEN unlink THEN each side keeps a copy and changes stay on their side', async () => {
    await link();
    expect(await onDiscord('unlink')).toContain('Unlinked from Slack. Each side keeps a copy');
    await onSlack('U1', 'add SLACK-ONLY');
    expect(await onSlack('U1', 'show')).toContain('SLACK-ONLY');
    const discordView = await onDiscord('show');
    expect(discordView).toContain('LINKED-MARKER');
    expect(discordView).not.toContain('SLACK-ONLY');
    expect(await onDiscord('unlink')).toContain('not linked');
  });

  it('GIVEN forget-me on Discord THEN the person is deleted on Slack too, and told so', async () => {
    await link();
    await askOnSlack('U1');
    const slackReply = slack.slack
      .messagesIn(CHANNEL)
      .filter((message) => message.bot_id !== undefined)
      .at(-1);
    const slackRef = {
      platform: 'slack' as const,
      workspaceId: FAKE_TEAM_ID,
      channelId: CHANNEL,
      messageId: slackReply?.ts ?? '',
    };
    expect(await slack.test.core.isReply(slackRef)).toBe(true);
    await askOnDiscord();
    const ask = discord.slash({ subcommand: 'forget-me' });
    const warning = (await ask.callback()).body as { data: { content: string } };
    expect(warning.data.content).toContain('in this server and on your linked Slack account');
    const confirm = await discord.button({ customId: FORGET_ME_CONFIRM_ID, message: ask.response()! }).callback();
    expect((confirm.body as { data: { content: string } }).data.content).toMatch(
      new RegExp(
        'Done\\. I deleted \\d+ instruction versions, 2 stored replies and 0 reports of yours, ' +
          'here and on your linked Slack account',
      ),
    );
    expect(
      (await slack.test.core.instructions({ platform: 'slack', workspaceId: FAKE_TEAM_ID, userId: 'U1' })).version,
    ).toBe(0);
    expect(
      (await slack.test.core.instructions({ platform: 'discord', workspaceId: FAKE_IDS.guild, userId: FAKE_IDS.alice }))
        .version,
    ).toBe(0);
    expect(await onSlack('U1', 'show')).toContain('You have no custom instructions yet.');
    expect(await slack.test.core.isReply(slackRef)).toBe(false);
  });
});
