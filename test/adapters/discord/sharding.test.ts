/**
 * DISCORD_SHARDS end to end: Heed's real entry in a child process runs as the shard manager, which starts
 * one child process per shard against the fake Discord (recommending two shards) and the fake OpenAI, with
 * Slack and the dashboard configured too. Each message is answered once, by the shard Discord sent it to;
 * a message dispatched to both sessions is answered once (the database claims hold across processes); a
 * killed shard is started again and answers; SIGTERM to the manager stops every shard and exits 0, and the
 * shards of a manager killed outright stop on their own.
 */
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { APIMessage } from 'discord.js';
import { startBotProcess, type BotProcess, type ChildLog } from '../../support/bot-process.js';
import { runEntry } from '../../support/run-entry.js';
import { CALLBACK, EPHEMERAL, shardForGuild, startFakeDiscord, type FakeDiscord } from '../../support/fake-discord.js';
import { FAKE_REPLY, startFakeOpenAI, type FakeOpenAI } from '../../support/fake-openai.js';
import { startFakeSlack, type FakeSlack } from '../../support/fake-slack.js';
import { BOT_TOKEN, SIGNING_SECRET } from '../slack/harness.js';

/** Three Node processes start per test on a shared two-core machine: allow them time. */
const TIMEOUT_MS = 120_000;

interface World {
  discord: FakeDiscord;
  openai: FakeOpenAI;
  slack: FakeSlack;
  dir: string;
  bot?: BotProcess;
}

let world: World | undefined;

afterEach(async () => {
  if (!world) return;
  await world.bot?.kill();
  // Shards left behind by a killed manager stop on their own; the fakes and the database outlive them.
  await world.bot?.closed;
  await Promise.all([world.discord.close(), world.openai.close(), world.slack.close()]);
  rmSync(world.dir, { recursive: true, force: true });
  world = undefined;
});

/** Start the fakes and the manager with DISCORD_SHARDS=`shards`; resolves once every shard is ready. */
async function startSharded(shards: string): Promise<{ w: World; bot: BotProcess }> {
  const w: World = {
    discord: await startFakeDiscord({ otherGuild: true, recommendedShards: 2 }),
    openai: await startFakeOpenAI(),
    slack: await startFakeSlack(),
    dir: mkdtempSync(join(tmpdir(), 'heed-shards-')),
  };
  world = w;
  const bot = await startBotProcess({
    env: {
      DATABASE_PATH: join(w.dir, 'heed.db'),
      LOG_LEVEL: 'debug',
      OPENAI_BASE_URL: w.openai.url,
      OPENAI_API_KEY: 'sk-test-key-for-fake-server',
      OPENAI_MODEL: 'fake-model',
      OPENAI_MAX_RETRIES: '0',
      SLACK_BOT_TOKEN: BOT_TOKEN,
      SLACK_SIGNING_SECRET: SIGNING_SECRET,
      SLACK_API_URL: w.slack.url,
      PORT: '0',
      HEED_DASHBOARD_PORT: '0',
      DISCORD_TOKEN: w.discord.token,
      DISCORD_API_URL: w.discord.apiUrl,
      DISCORD_SHARDS: shards,
      // The fake takes any number of IDENTIFYs at once; Discord's 5-second spacing would only slow the test.
      DISCORD_SHARD_SPAWN_DELAY_MS: '0',
    },
  });
  w.bot = bot;
  await bot.waitForLog((line) => line.msg === 'every Discord shard is ready');
  return { w, bot };
}

/** The lines a shard wrote when it finished handling `message` (one per shard that received it). */
function handled(bot: BotProcess, message: APIMessage): ChildLog[] {
  return bot.logs.filter((line) => line.msg === 'message handled' && line.message === message.id);
}

/** Resolves once `n` shards have finished handling `message`. */
async function waitHandled(bot: BotProcess, message: APIMessage, n = 1): Promise<ChildLog[]> {
  await bot.waitForLog(() => handled(bot, message).length >= n);
  return handled(bot, message);
}

/** The bot's replies to `message`. */
function repliesTo(discord: FakeDiscord, message: APIMessage): string[] {
  return discord
    .botMessagesIn(message.channel_id)
    .filter((reply) => reply.message_reference?.message_id === message.id)
    .map((reply) => reply.content);
}

/** The process id of each shard, from the manager's lines, latest first. */
function shardPids(bot: BotProcess): Map<number, number[]> {
  const pids = new Map<number, number[]>();
  for (const line of bot.logs) {
    if (line.msg !== 'Discord shard process started') continue;
    const shard = Number(line.shard);
    pids.set(shard, [Number(line.shardPid), ...(pids.get(shard) ?? [])]);
  }
  return pids;
}

/** True while `pid` runs; an exited process that its new parent has not reaped yet (a zombie) does not count. */
function running(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch {
    return false;
  }
  const stat = `/proc/${pid}/stat`;
  return !existsSync(stat) || !/^\d+ \(.*\) Z /.test(readFileSync(stat, 'utf8'));
}

describe('Discord sharding (DISCORD_SHARDS)', () => {
  it('GIVEN auto and a wrong token THEN the manager stops at start-up with one line about DISCORD_TOKEN, no shard started', async () => {
    const discord = await startFakeDiscord();
    const dir = mkdtempSync(join(tmpdir(), 'heed-shards-'));
    try {
      const { code, stderr } = await runEntry('src/main.ts', {
        cwd: dir,
        env: {
          DATABASE_PATH: join(dir, 'heed.db'),
          DISCORD_TOKEN: 'not-the-token',
          DISCORD_API_URL: discord.apiUrl,
          DISCORD_SHARDS: 'auto',
        },
      });
      expect(code).toBe(1);
      // The log lines are JSON; the operator's one line is the rest.
      const plain = stderr.split('\n').filter((line) => line.trim() !== '' && !line.startsWith('{'));
      expect(plain).toHaveLength(1);
      expect(plain[0]).toMatch(/^Heed could not start: DISCORD_TOKEN was rejected by Discord/);
      expect(stderr).not.toContain('Discord shard process started');
      expect(discord.identified).toEqual([]);
    } finally {
      await discord.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it.each([
    ['auto', 'SIGTERM'],
    ['2', 'SIGKILL'],
  ] as const)(
    'GIVEN DISCORD_SHARDS=%s and two shards THEN each guild and the DMs are answered once by their own shard, as are slash commands; %s to the manager stops every shard',
    async (shards, signal) => {
      const { w, bot } = await startSharded(shards);
      const { discord } = w;
      expect(shardForGuild(discord.otherGuild.id, 2)).toBe(0);
      expect(shardForGuild(discord.guildId, 2)).toBe(1);
      expect([...discord.identified].sort()).toEqual([
        [0, 2],
        [1, 2],
      ]);

      const onZero = discord.userMessage({
        content: 'hello from the other guild',
        channelId: discord.otherGuild.lounge,
        mention: true,
      });
      const onOne = discord.userMessage({ content: 'hello from the first guild', mention: true });
      const direct = discord.userMessage({ author: discord.users.bob, content: 'hello in a DM', dm: true });
      const expected: [APIMessage, number][] = [
        [onZero, 0],
        [onOne, 1],
        [direct, 0],
      ];
      for (const [message, shard] of expected) {
        const lines = await waitHandled(bot, message);
        expect(lines.map((line) => [line.shard, line.status])).toEqual([[shard, 'replied']]);
        expect(repliesTo(discord, message)).toEqual([FAKE_REPLY]);
      }

      const slashZero = discord.slash({ subcommand: 'help', channelId: discord.otherGuild.lounge });
      const slashOne = discord.slash({ subcommand: 'help', channelId: discord.channels.general });
      for (const interaction of [slashZero, slashOne]) {
        const { body } = await interaction.callback();
        expect(body).toMatchObject({ type: CALLBACK.message, data: { flags: EPHEMERAL } });
        expect((body as { data: { content: string } }).data.content).toContain('/instructions');
      }

      // Slack, the dashboard and command registration happen once: Slack and the dashboard in the manager,
      // commands only through `npm run discord:register`.
      const byManager = (msg: string) => bot.logs.filter((line) => line.msg === msg).map((line) => line.role);
      expect(byManager('Slack adapter started')).toEqual(['manager']);
      expect(byManager('dashboard listening')).toEqual(['manager']);
      expect(discord.callsMatching({ path: /\/commands$/ })).toEqual([]);
      expect(
        bot.logs
          .filter((line) => line.msg === 'Discord bot connected')
          .map((line) => line.shard)
          .sort(),
      ).toEqual([0, 1]);

      const pids = [...shardPids(bot).values()].flat();
      bot.signal(signal);
      expect(await bot.exited).toEqual(signal === 'SIGTERM' ? { code: 0, signal: null } : { code: null, signal });
      // Killed outright, the manager leaves its shards behind; each sees the manager gone and stops as on SIGTERM.
      await bot.closed;
      expect(pids.filter(running)).toEqual([]);
      expect(
        bot.logs
          .filter((line) => line.msg === 'stopped' && line.role === 'shard')
          .map((line) => line.shard)
          .sort(),
      ).toEqual([0, 1]);
    },
    TIMEOUT_MS,
  );

  it(
    'GIVEN two shards THEN a duplicated dispatch is answered once, a killed shard is started again (later when it dies again soon) and answers, SIGTERM stops them all',
    async () => {
      const { w, bot } = await startSharded('auto');
      const { discord } = w;

      // A guild's event dispatched to both sessions: the shard that does not hold the guild drops it (discord.js
      // has no channel for it). A DM needs no guild, so both shards take it on: the database claim decides.
      const inGuild = discord.userMessage({ content: 'a guild message twice', mention: true, everyShard: true });
      const inDm = discord.userMessage({ content: 'a DM twice', dm: true, everyShard: true });
      const dmLines = await waitHandled(bot, inDm, 2);
      expect(dmLines.map((line) => line.status).sort()).toEqual(['duplicate', 'replied']);
      expect(dmLines.map((line) => line.shard).sort()).toEqual([0, 1]);
      expect(repliesTo(discord, inDm)).toEqual([FAKE_REPLY]);
      // Each session's events are handled in order: shard 0 saw the guild message before the DM.
      expect((await waitHandled(bot, inGuild)).map((line) => [line.shard, line.status])).toEqual([[1, 'replied']]);
      expect(repliesTo(discord, inGuild)).toEqual([FAKE_REPLY]);

      const [killed] = shardPids(bot).get(1) ?? [];
      expect(killed).toBeDefined();
      process.kill(killed as number, 'SIGKILL');
      await bot.waitForLog((line) => line.msg === 'Discord shard process exited; the manager starts it again');
      await discord.waitForSession(2, 1);
      await bot.waitForLog((line) => line.msg === 'Discord bot connected' && line.shard === 1 && line.pid !== killed);
      const after = discord.userMessage({ content: 'after the restart', mention: true });
      expect((await waitHandled(bot, after)).map((line) => [line.shard, line.status])).toEqual([[1, 'replied']]);
      expect(repliesTo(discord, after)).toEqual([FAKE_REPLY]);
      const exitLine = bot.logs.find(
        (line) => line.msg === 'Discord shard process exited; the manager starts it again',
      );
      expect(exitLine).toMatchObject({
        role: 'manager',
        shard: 1,
        shardPid: killed,
        signal: 'SIGKILL',
        restartInMs: 0,
      });

      // Dead again soon after its restart: this time the manager waits (DISCORD_SHARD_SPAWN_DELAY_MS is 0 here,
      // so the back-off starts at 1 s, doubled), then the shard is back and answers.
      const [restarted] = shardPids(bot).get(1) ?? [];
      expect(restarted).toBeDefined();
      process.kill(restarted as number, 'SIGKILL');
      const again = await bot.waitForLog(
        (line) =>
          line.msg === 'Discord shard process exited; the manager starts it again' && line.shardPid === restarted,
      );
      expect(again).toMatchObject({ shard: 1, restartInMs: 2_000 });
      await discord.waitForSession(3, 1);
      await bot.waitForLog(
        (line) =>
          line.msg === 'Discord bot connected' && line.shard === 1 && line.pid !== restarted && line.pid !== killed,
      );
      const later = discord.userMessage({ content: 'after the second restart', mention: true });
      expect((await waitHandled(bot, later)).map((line) => [line.shard, line.status])).toEqual([[1, 'replied']]);

      const pids = [...shardPids(bot).values()].flat();
      expect(pids).toHaveLength(4);
      bot.signal('SIGTERM');
      expect(await bot.exited).toEqual({ code: 0, signal: null });
      await bot.closed;
      expect(pids.filter(running)).toEqual([]);
      expect(
        bot.logs
          .filter((line) => line.msg === 'stopped')
          .map((line) => line.shard ?? line.role)
          .sort(),
      ).toEqual([0, 1, 'manager']);
    },
    TIMEOUT_MS,
  );
});
