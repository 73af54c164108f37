/**
 * One Discord test world: the fake Discord, the fake OpenAI server, a real core on a temporary
 * database, and the bot started by `startDiscord` exactly as in production (DISCORD_API_URL pointing
 * at the fake). Log lines are captured so tests can check what an operator would read.
 */
import { Writable } from 'node:stream';
import { startDiscord, type DiscordAdapter } from '../../../src/adapters/discord/index.js';
import { createLogger, type Logger } from '../../../src/core/logger.js';
import { startFakeDiscord, type FakeDiscord, type FakeDiscordOptions } from '../../support/fake-discord.js';
import { startFakeOpenAI, type FakeOpenAI } from '../../support/fake-openai.js';
import { createTestCore, type TestCore } from '../../support/test-core.js';

export type LogLine = Record<string, unknown> & { msg?: string; level?: number };

export interface DiscordHarness {
  fake: FakeDiscord;
  openai: FakeOpenAI;
  testCore: TestCore;
  adapter: DiscordAdapter;
  logger: Logger;
  /** Every log line so far, parsed. */
  logs: LogLine[];
  /** Stop the bot and start a new one on the same core and database: its caches start empty. */
  restart(): Promise<void>;
  /**
   * Resolves once every event dispatched before the call has been handled: a cheap `/instructions help`
   * travels behind them on the gateway, and the bot then has nothing in flight.
   */
  settle(): Promise<void>;
  close(): Promise<void>;
}

/** Start the world. `env` overrides configuration (e.g. `{ HEED_ADMINS: 'discord:123' }`). */
export async function startHarness(
  options: { env?: Record<string, string>; fake?: FakeDiscordOptions } = {},
): Promise<DiscordHarness> {
  const fake = await startFakeDiscord(options.fake);
  const openai = await startFakeOpenAI();
  const logs: LogLine[] = [];
  const destination = new Writable({
    write(chunk: Buffer, _encoding, callback) {
      for (const line of chunk.toString('utf8').split('\n'))
        if (line.trim() !== '') logs.push(JSON.parse(line) as LogLine);
      callback();
    },
  });
  const logger = createLogger({ level: 'debug', destination });
  const testCore = await createTestCore({
    openaiUrl: openai.url,
    logger,
    env: { DISCORD_TOKEN: fake.token, DISCORD_API_URL: fake.apiUrl, ...options.env },
  });
  const start = () => startDiscord({ config: testCore.config, core: testCore.core, logger });
  const harness: DiscordHarness = {
    fake,
    openai,
    testCore,
    adapter: await start(),
    logger,
    logs,
    async restart() {
      await harness.adapter.stop();
      harness.adapter = await start();
    },
    async settle() {
      const probe = fake.slash({ subcommand: 'help' });
      await probe.callback();
      await harness.adapter.idle();
    },
    async close() {
      await harness.adapter.stop();
      await testCore.close();
      await openai.close();
      await fake.close();
    },
  };
  return harness;
}
