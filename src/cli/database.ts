/**
 * The operator tools (reports, compliance, dashboard) open the same database the bot uses: PostgreSQL
 * when DATABASE_URL is set, the SQLite file at DATABASE_PATH otherwise.
 */
import type { Config } from '../config.js';
import type { Logger } from '../core/logger.js';
import { connectDatabase, type SqlClient } from '../core/storage/index.js';

/**
 * Open (and migrate) the configured database; `logger` hears of a pooled PostgreSQL connection that fails
 * while idle (the pool replaces it). Rejects with the `HeedError` of {@link connectDatabase}
 * (`database_too_new`, `migration_failed`, a PostgreSQL connection error); nothing stays open then.
 */
export function openConfiguredDatabase(config: Config, logger?: Logger): Promise<SqlClient> {
  return connectDatabase(
    { url: config.DATABASE_URL, path: config.DATABASE_PATH },
    {
      busyTimeoutMs: config.DATABASE_BUSY_TIMEOUT_MS,
      ...(logger
        ? { onError: (error: Error) => logger.error({ err: error }, 'a pooled database connection failed') }
        : {}),
    },
  );
}
