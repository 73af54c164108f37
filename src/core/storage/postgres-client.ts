import { HeedError } from '../errors.js';
import type { SqlClient } from './sql.js';

/** Options for {@link openPostgres}. */
export interface OpenPostgresOptions {
  /** Most connections the pool opens. */
  poolSize?: number;
  /** Told of an error on an idle pooled connection (the process keeps running). */
  onError?: (error: Error) => void;
}

/**
 * Stands in for the PostgreSQL client until it is part of this build: every call says so.
 * Throws `HeedError` `config_invalid`.
 */
export async function openPostgres(_url: string, _options: OpenPostgresOptions = {}): Promise<SqlClient> {
  throw new HeedError(
    'config_invalid',
    'PostgreSQL support is not in this build yet. Unset DATABASE_URL to use SQLite at DATABASE_PATH.',
  );
}
