/**
 * A real Heed core for adapter tests: a fresh temporary SQLite database and the model client pointed
 * at a fake OpenAI server, built through the same `heedFromConfig` the running app uses.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseConfig, type Config } from '../../src/config.js';
import { heedFromConfig } from '../../src/app.js';
import type { Heed } from '../../src/core/heed.js';
import { silentLogger, type Logger } from '../../src/core/logger.js';

export interface TestCore {
  core: Heed;
  config: Config;
  dbPath: string;
  logger: Logger;
  close(): Promise<void>;
}

/**
 * Open a core on a new temporary database. `env` overrides any configuration variable, for example
 * `{ HEED_ADMINS: 'U_ADMIN' }`; the model client talks to `openaiUrl` with no retries.
 */
export async function createTestCore(options: {
  openaiUrl: string;
  env?: Record<string, string>;
  logger?: Logger;
}): Promise<TestCore> {
  const dir = mkdtempSync(join(tmpdir(), 'heed-test-'));
  const dbPath = join(dir, 'heed.db');
  const config = parseConfig({
    DATABASE_PATH: dbPath,
    OPENAI_BASE_URL: options.openaiUrl,
    OPENAI_API_KEY: 'sk-test-key-for-fake-server',
    OPENAI_MODEL: 'fake-model',
    OPENAI_MAX_RETRIES: '0',
    OPENAI_TIMEOUT_MS: '5000',
    ...options.env,
  });
  const logger = options.logger ?? silentLogger();
  const core = await heedFromConfig(config, logger);
  return {
    core,
    config,
    dbPath,
    logger,
    async close() {
      await core.drain(5000);
      await core.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
