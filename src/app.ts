/**
 * Composition: the core the running app uses, built from the validated configuration. This is where
 * `Config` meets the core's own settings, so the core never sees the app's configuration.
 */
import { forPlatform, type Config } from './config.js';
import { Heed } from './core/heed.js';
import type { Logger } from './core/logger.js';
import { ModelClient } from './core/model/model-client.js';
import { PromptAssembler } from './core/prompt/prompt-assembler.js';
import {
  connectDatabase,
  deploymentSecret,
  InstructionStore,
  type SqlClient,
  type SqlExecutor,
} from './core/storage/index.js';

/** The model client for the configured endpoint. */
export function modelFromConfig(config: Config, logger: Logger): ModelClient {
  return new ModelClient(
    {
      ...(config.OPENAI_BASE_URL ? { baseURL: config.OPENAI_BASE_URL } : {}),
      ...(config.OPENAI_API_KEY ? { apiKey: config.OPENAI_API_KEY } : {}),
      model: config.OPENAI_MODEL,
      ...(config.OPENAI_TEMPERATURE !== undefined ? { temperature: config.OPENAI_TEMPERATURE } : {}),
      maxOutputTokens: config.OPENAI_MAX_OUTPUT_TOKENS,
      timeoutMs: config.OPENAI_TIMEOUT_MS,
      maxRetries: config.OPENAI_MAX_RETRIES,
    },
    logger,
  );
}

/** The bot's prompt assembly over `db`, for tools outside the core that must build exactly its prompts (replay). */
export async function promptsFromConfig(config: Config, db: SqlExecutor): Promise<PromptAssembler> {
  const now = () => new Date();
  return new PromptAssembler(
    new InstructionStore(db, now),
    {
      basePrompt: config.HEED_BASE_PROMPT,
      contextTokens: config.MODEL_CONTEXT_TOKENS,
      maxOutputTokens: config.OPENAI_MAX_OUTPUT_TOKENS,
      fenceKey: config.HEED_FENCE_SECRET ?? (await deploymentSecret(db, 'fence', now)),
    },
    now,
  );
}

/**
 * Open the database (PostgreSQL at DATABASE_URL, else SQLite at DATABASE_PATH) and the model client from
 * the configuration, and start the core. The database is closed again if the core cannot start.
 */
export async function heedFromConfig(config: Config, logger: Logger): Promise<Heed> {
  const db = await connectDatabase(
    { url: config.DATABASE_URL, path: config.DATABASE_PATH },
    {
      busyTimeoutMs: config.DATABASE_BUSY_TIMEOUT_MS,
      // An idle pooled connection that fails is replaced by the pool; it must not stop the process.
      onError: (error) => logger.error({ err: error }, 'a pooled database connection failed'),
    },
  );
  try {
    return await startHeed(config, logger, db);
  } catch (error) {
    await db.close();
    throw error;
  }
}

async function startHeed(config: Config, logger: Logger, db: SqlClient): Promise<Heed> {
  const core = await Heed.create({
    db,
    logger,
    model: modelFromConfig(config, logger),
    settings: {
      basePrompt: config.HEED_BASE_PROMPT,
      instructionLimit: config.HEED_INSTRUCTION_LIMIT,
      contextTokens: config.MODEL_CONTEXT_TOKENS,
      maxOutputTokens: config.OPENAI_MAX_OUTPUT_TOKENS,
      ratePerMinute: config.HEED_RATE_LIMIT_PER_MINUTE,
      admission: { maxInFlight: config.HEED_MAX_REPLIES_IN_FLIGHT, maxQueued: config.HEED_REPLY_QUEUE },
      retentionDays: config.REPLY_RETENTION_DAYS,
      fenceSecret: config.HEED_FENCE_SECRET,
      showApplied: config.HEED_SHOW_APPLIED,
      restateAfterTurns: config.HEED_RESTATE_AFTER_TURNS,
      admins: {
        slack: forPlatform(config.HEED_ADMINS, 'slack'),
        discord: forPlatform(config.HEED_ADMINS, 'discord'),
      },
      compliance: config.HEED_COMPLIANCE,
      checkExtractor: config.HEED_CHECK_EXTRACTOR,
    },
  });
  return core.start();
}
