import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { registerCommands } from '../../../src/adapters/discord/register-commands.js';
import { REPORT_COMMAND_NAME } from '../../../src/adapters/discord/command-definitions.js';
import { DiscordStartError } from '../../../src/adapters/discord/errors.js';
import { parseConfig } from '../../../src/config.js';
import { silentLogger } from '../../../src/core/logger.js';
import { FAKE_IDS, startFakeDiscord, type FakeDiscord } from '../../support/fake-discord.js';

interface CommandJson {
  name: string;
  type?: number;
  options?: {
    name: string;
    type: number;
    options?: { name: string; type: number; required?: boolean; choices?: unknown[] }[];
  }[];
}

describe('npm run discord:register', () => {
  let fake: FakeDiscord;

  beforeEach(async () => {
    fake = await startFakeDiscord();
  });

  afterEach(async () => {
    await fake.close();
  });

  const config = (env: Record<string, string> = {}) =>
    parseConfig({ DISCORD_TOKEN: fake.token, DISCORD_API_URL: fake.apiUrl, ...env });

  it('GIVEN DISCORD_GUILD_ID THEN the commands go to that server, and running it again is the same bulk overwrite', async () => {
    const first = await registerCommands({
      config: config({ DISCORD_GUILD_ID: FAKE_IDS.guild, DISCORD_APPLICATION_ID: FAKE_IDS.bot }),
      logger: silentLogger(),
    });
    const second = await registerCommands({
      config: config({ DISCORD_GUILD_ID: FAKE_IDS.guild, DISCORD_APPLICATION_ID: FAKE_IDS.bot }),
      logger: silentLogger(),
    });
    expect(first).toEqual(second);
    expect(first).toEqual({
      applicationId: FAKE_IDS.bot,
      guildId: FAKE_IDS.guild,
      names: ['instructions', REPORT_COMMAND_NAME],
    });

    const puts = fake.callsMatching({
      method: 'PUT',
      path: `/applications/${FAKE_IDS.bot}/guilds/${FAKE_IDS.guild}/commands`,
    });
    expect(puts).toHaveLength(2);
    expect(puts[0]?.body).toEqual(puts[1]?.body);
    expect(fake.callsMatching({ method: 'GET', path: '/applications/@me' })).toHaveLength(0);
  });

  it('GIVEN no guild and no application id THEN the id is asked of Discord and the commands are registered globally', async () => {
    const result = await registerCommands({ config: config(), logger: silentLogger() });
    expect(result.guildId).toBeUndefined();
    expect(fake.callsMatching({ method: 'GET', path: '/applications/@me' })).toHaveLength(1);
    expect(fake.callsMatching({ method: 'PUT', path: `/applications/${FAKE_IDS.bot}/commands` })).toHaveLength(1);
  });

  it('GIVEN the registered body THEN /instructions has every form of the grammar and the report command is a message command', async () => {
    await registerCommands({ config: config(), logger: silentLogger() });
    const [put] = fake.callsMatching({ method: 'PUT' });
    const [instructions, report] = put?.body as CommandJson[];

    const forms = (instructions?.options ?? []).map((option) =>
      option.type === 2 ? `${option.name} ${(option.options ?? []).map((sub) => sub.name).join('|')}` : option.name,
    );
    expect(forms).toEqual([
      'edit',
      'show',
      'set',
      'about',
      'add',
      'clear',
      'off',
      'on',
      'preview',
      'history',
      'undo',
      'restore',
      'applied',
      'link',
      'unlink',
      'forget-me',
      'help',
      'channel show|set|clear',
      'server show|set|clear',
    ]);
    const set = instructions?.options?.find((option) => option.name === 'set');
    expect(set?.options).toEqual([expect.objectContaining({ name: 'text', type: 3, required: true })]);
    const link = instructions?.options?.find((option) => option.name === 'link');
    expect(link?.options).toEqual([expect.objectContaining({ name: 'text', type: 3, required: false })]);
    const applied = instructions?.options?.find((option) => option.name === 'applied');
    expect(applied?.options?.[0]).toMatchObject({
      choices: [
        { name: 'on', value: 'on' },
        { name: 'off', value: 'off' },
      ],
    });
    const restore = instructions?.options?.find((option) => option.name === 'restore');
    expect(restore?.options).toEqual([expect.objectContaining({ name: 'version', type: 4, required: true })]);
    expect(report).toMatchObject({ name: REPORT_COMMAND_NAME, type: 3 });
  });

  it('GIVEN a wrong token THEN a sentence about DISCORD_TOKEN', async () => {
    const failure = await registerCommands({
      config: parseConfig({ DISCORD_TOKEN: 'wrong', DISCORD_API_URL: fake.apiUrl }),
      logger: silentLogger(),
    }).catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(DiscordStartError);
    expect((failure as DiscordStartError).operatorMessage).toContain('DISCORD_TOKEN');
  });

  it('GIVEN the npm script THEN it registers from the environment and prints what it did', async () => {
    const script = fileURLToPath(new URL('../../../src/adapters/discord/register-commands.ts', import.meta.url));
    const tsx = fileURLToPath(new URL('../../../node_modules/.bin/tsx', import.meta.url));
    // An empty working directory: no .env of the developer's is read.
    const cwd = mkdtempSync(join(tmpdir(), 'heed-register-'));
    try {
      const env = {
        PATH: process.env.PATH ?? '',
        DISCORD_TOKEN: fake.token,
        DISCORD_API_URL: fake.apiUrl,
        DISCORD_GUILD_ID: FAKE_IDS.guild,
        LOG_LEVEL: 'silent',
      };
      const { stdout } = await promisify(execFile)(tsx, [script], { cwd, env });
      expect(stdout.trim()).toBe(`Registered instructions and ${REPORT_COMMAND_NAME} to server ${FAKE_IDS.guild}.`);
      expect(
        fake.callsMatching({ method: 'PUT', path: `/applications/${FAKE_IDS.bot}/guilds/${FAKE_IDS.guild}/commands` }),
      ).toHaveLength(1);
    } finally {
      rmSync(cwd, { recursive: true, force: true });
    }
  });
});
