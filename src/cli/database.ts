/**
 * The operator tools (reports, compliance, dashboard) open the same database the bot uses: PostgreSQL
 * when DATABASE_URL is set, the SQLite file at DATABASE_PATH otherwise.
 */
import type { Config } from '../config.js';
import { connectDatabase } from '../core/storage/index.js';
import type { SqlClient } from '../core/storage/sql.js';

/**
 * Open (and migrate) the configured database. Rejects with the `HeedError` of {@link connectDatabase}
 * (`database_too_new`, `migration_failed`, a PostgreSQL connection error); nothing stays open then.
 */
export function openConfiguredDatabase(config: Config): Promise<SqlClient> {
  return connectDatabase(
    { path: config.DATABASE_PATH, ...(config.DATABASE_URL ? { url: config.DATABASE_URL } : {}) },
    { busyTimeoutMs: config.DATABASE_BUSY_TIMEOUT_MS },
  );
}
