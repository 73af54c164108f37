import { mkdirSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import BetterSqlite3 from 'better-sqlite3';
import { HeedError } from '../errors.js';
import type { Logger } from '../logger.js';
import type { OpenPostgresOptions } from './postgres-client.js';
import type { SqlClient, SqlDialect, SqlExecutor } from './sql.js';
import { SqliteClient } from './sqlite-client.js';

/** Options for {@link openDatabase}. */
export interface OpenDatabaseOptions {
  /** How long a statement waits for another connection's write lock before failing. Default 5000 ms. */
  busyTimeoutMs?: number;
  /** Where the numbered `.sql` files live. Default: {@link migrationsDirFor} the database's dialect. */
  migrationsDir?: string;
  /** SQLite: how long without a write before the write-ahead log is truncated. Default 2 s. */
  walIdleTrimMs?: number;
}

/** SQLite's write-ahead log is truncated once the database has had no write for this long. */
const WAL_IDLE_TRIM_MS = 2_000;

/** Options for {@link connectDatabase}: those of either backend. */
export interface ConnectDatabaseOptions extends OpenDatabaseOptions, OpenPostgresOptions {}

/** Where {@link connectDatabase} finds the data: PostgreSQL at `url` when it is given, else SQLite at `path`. */
export interface DatabaseTarget {
  url?: string | undefined;
  path: string;
}

/** One numbered schema change, as found on disk. */
export interface MigrationFile {
  version: number;
  name: string;
  file: string;
  path: string;
}

/** Resolved from this module's own location so that start-up works from any working directory. */
const MIGRATIONS_ROOT = fileURLToPath(new URL('../../../migrations/', import.meta.url));

/** The migrations of the embedded SQLite database. */
export const DEFAULT_MIGRATIONS_DIR = migrationsDirFor('sqlite');

/** The directory of the project's own migrations for a dialect (`migrations/sqlite/`, `migrations/postgres/`). */
export function migrationsDirFor(dialect: SqlDialect): string {
  return join(MIGRATIONS_ROOT, dialect);
}

const MIGRATION_FILE = /^(\d{3})_([A-Za-z0-9_-]+)\.sql$/;

/**
 * Replicas starting together each try to migrate; on PostgreSQL each migration's transaction first
 * takes this advisory lock, so they apply the files one after another (the number is arbitrary, Heed's own).
 */
const MIGRATION_LOCK_KEY = 72108530;

/**
 * Open (creating if needed) the SQLite database at `path`, configure it for a long-running
 * single-writer service, and bring its schema up to date. `':memory:'` gives a private in-memory
 * database. Rejects with `HeedError` `database_too_new` or `migration_failed`; the connection is closed then.
 */
export async function openDatabase(path: string, options: OpenDatabaseOptions = {}): Promise<SqliteClient> {
  const inMemory = path === ':memory:' || path === '';
  if (!inMemory) mkdirSync(dirname(path), { recursive: true });
  const connection = new BetterSqlite3(path, { timeout: options.busyTimeoutMs ?? 5000 });
  const client = new SqliteClient(connection);
  try {
    // WAL lets readers run beside the writer; NORMAL sync is durable enough under WAL and much faster.
    connection.pragma('journal_mode = WAL');
    connection.pragma('synchronous = NORMAL');
    connection.pragma('foreign_keys = ON');
    // Deleted content is overwritten with zeros, so forget-me leaves nothing in free pages of the file.
    connection.pragma('secure_delete = ON');
    await migrate(client, options.migrationsDir ?? migrationsDirFor('sqlite'));
    if (!inMemory) client.trimWalWhenIdle(options.walIdleTrimMs ?? WAL_IDLE_TRIM_MS);
    return client;
  } catch (error) {
    await client.close();
    throw error;
  }
}

/**
 * Open the database the deployment is configured for, migrated: PostgreSQL when `target.url` is given
 * (shared by any number of replicas), SQLite at `target.path` otherwise. Rejects with `HeedError`
 * (`database_too_new`, `migration_failed`, or the PostgreSQL client's connection errors); nothing stays open then.
 */
export async function connectDatabase(
  target: DatabaseTarget,
  options: ConnectDatabaseOptions = {},
): Promise<SqlClient> {
  if (target.url === undefined) return openDatabase(target.path, options);
  const postgresOptions: OpenPostgresOptions = {};
  if (options.poolSize !== undefined) postgresOptions.poolSize = options.poolSize;
  if (options.onError !== undefined) postgresOptions.onError = options.onError;
  // Loaded only for PostgreSQL: a SQLite deployment keeps the driver out of its memory.
  const { openPostgres } = await import('./postgres-client.js');
  const client = await openPostgres(target.url, postgresOptions);
  try {
    await migrate(client, options.migrationsDir ?? migrationsDirFor('postgres'));
    return client;
  } catch (error) {
    await client.close();
    throw error;
  }
}

/** List the migration files in `dir`, ordered by version. Misnamed or duplicate-numbered `.sql` files are an error. */
export function readMigrations(dir: string): MigrationFile[] {
  const migrations: MigrationFile[] = [];
  const seen = new Map<number, string>();
  let files: string[];
  try {
    files = readdirSync(dir).sort();
  } catch (error) {
    throw migrationError(dir, 'the migrations directory cannot be read', error);
  }
  for (const file of files) {
    if (!file.endsWith('.sql')) continue;
    const match = MIGRATION_FILE.exec(file);
    if (!match) {
      // A silently skipped schema change would surface much later as a missing column.
      throw migrationError(file, `the file name must look like 001_name.sql`);
    }
    const version = Number(match[1]);
    const clash = seen.get(version);
    if (clash !== undefined) throw migrationError(file, `version ${version} is also used by ${clash}`);
    seen.set(version, file);
    migrations.push({ version, name: match[2] ?? '', file, path: join(dir, file) });
  }
  return migrations.sort((a, b) => a.version - b.version);
}

/**
 * Apply every migration in `dir` that the database has not recorded yet, in order, each in its own
 * transaction, and record it in `schema_migrations`. Re-running is a no-op. Refuses a database that
 * records a version this build has no file for (`database_too_new`); a failing file is rolled back
 * and reported as `migration_failed` naming the file.
 */
export async function migrate(client: SqlClient, dir: string): Promise<void> {
  // Under the lock too: PostgreSQL's CREATE TABLE IF NOT EXISTS is not safe against a concurrent twin.
  await client.transaction(async (tx) => {
    await lockMigrations(tx);
    await tx.exec(`CREATE TABLE IF NOT EXISTS schema_migrations (
      version INTEGER PRIMARY KEY,
      name TEXT NOT NULL,
      applied_at TEXT NOT NULL
    )`);
  });
  const migrations = readMigrations(dir);
  const known = new Set(migrations.map((m) => m.version));
  const recorded = await client.all<{ version: number }>('SELECT version FROM schema_migrations ORDER BY version');
  const unknown = recorded.map((row) => row.version).filter((v) => !known.has(v));
  if (unknown.length > 0) throw tooNew(client, Math.max(...unknown), migrations);

  for (const migration of migrations) {
    const sql = readFileSync(migration.path, 'utf8');
    try {
      // The check runs inside the transaction (SQLite: IMMEDIATE; PostgreSQL: after the advisory lock),
      // so two processes starting together cannot both apply the same file.
      await client.transaction(async (tx) => {
        await lockMigrations(tx);
        if ((await tx.value('SELECT 1 FROM schema_migrations WHERE version = ?', [migration.version])) !== undefined) {
          return;
        }
        await tx.exec(sql);
        await tx.run('INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)', [
          migration.version,
          migration.name,
          new Date().toISOString(),
        ]);
      });
    } catch (error) {
      throw migrationError(migration.file, error instanceof Error ? error.message : String(error), error);
    }
  }
}

/** On PostgreSQL, wait for (and hold until the transaction ends) the lock that serialises migrating replicas. */
async function lockMigrations(tx: SqlExecutor): Promise<void> {
  if (tx.dialect === 'postgres') await tx.run('SELECT pg_advisory_xact_lock(?)', [MIGRATION_LOCK_KEY]);
}

function tooNew(client: SqlClient, newest: number, migrations: MigrationFile[]): HeedError {
  const knownUpTo = migrations.at(-1)?.version ?? 0;
  // `location` never includes a PostgreSQL password.
  const location = client.location;
  const setting = client.dialect === 'postgres' ? 'DATABASE_URL' : 'DATABASE_PATH';
  return new HeedError(
    'database_too_new',
    `The database at ${location} was written by a newer Heed (schema version ${newest}; this build knows up to ${knownUpTo}). ` +
      `Upgrade Heed or point ${setting} elsewhere.`,
    { detail: { path: location, schemaVersion: newest, knownUpTo } },
  );
}

function migrationError(file: string, reason: string, cause?: unknown): HeedError {
  return new HeedError(
    'migration_failed',
    `Heed could not update its database: migration ${file} failed (${reason}). Nothing from that file was applied.`,
    { detail: { file, reason }, cause },
  );
}

/**
 * Whether the database answers a read (a write lock held elsewhere does not make it unhealthy), or is
 * closed. Never rejects.
 */
export async function databaseHealth(
  client: SqlClient,
  logger: Logger,
): Promise<{ ok: boolean; database: 'ok' | 'closed' | 'error' }> {
  if (await client.ping()) return { ok: true, database: 'ok' };
  logger.warn({ location: client.location }, 'health check: the database did not answer');
  return { ok: false, database: 'error' };
}
