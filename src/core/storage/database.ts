import { mkdirSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import BetterSqlite3 from 'better-sqlite3';
import { HeedError } from '../errors.js';
import type { Logger } from '../logger.js';

/** An open better-sqlite3 connection. */
export type Database = BetterSqlite3.Database;

/** Options for {@link openDatabase}. */
export interface OpenDatabaseOptions {
  /** How long a statement waits for another connection's write lock before failing. Default 5000 ms. */
  busyTimeoutMs?: number;
  /** Where the numbered `.sql` files live. Default: the project's `migrations/` directory. */
  migrationsDir?: string;
}

/** One numbered schema change, as found on disk. */
export interface MigrationFile {
  version: number;
  name: string;
  file: string;
  path: string;
}

/** Resolved from this module's own location so that start-up works from any working directory. */
export const DEFAULT_MIGRATIONS_DIR = fileURLToPath(new URL('../../../migrations/', import.meta.url));

const MIGRATION_FILE = /^(\d{3})_([A-Za-z0-9_-]+)\.sql$/;

/**
 * Open (creating if needed) the SQLite database at `path`, configure it for a long-running
 * single-writer service, and bring its schema up to date. `':memory:'` gives a private in-memory
 * database. Throws `HeedError` `database_too_new` or `migration_failed`; the connection is closed then.
 */
export function openDatabase(path: string, options: OpenDatabaseOptions = {}): Database {
  const inMemory = path === ':memory:' || path === '';
  if (!inMemory) mkdirSync(dirname(path), { recursive: true });
  const db = new BetterSqlite3(path, { timeout: options.busyTimeoutMs ?? 5000 });
  try {
    // WAL lets readers run beside the writer; NORMAL sync is durable enough under WAL and much faster.
    db.pragma('journal_mode = WAL');
    db.pragma('synchronous = NORMAL');
    db.pragma('foreign_keys = ON');
    // Deleted content is overwritten with zeros, so forget-me leaves nothing in free pages of the file.
    db.pragma('secure_delete = ON');
    migrate(db, options.migrationsDir ?? DEFAULT_MIGRATIONS_DIR);
    return db;
  } catch (error) {
    db.close();
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
 * Apply every migration in `dir` that `db` has not recorded yet, in order, each in its own
 * transaction, and record it in `schema_migrations`. Re-running is a no-op. Refuses a database that
 * records a version this build has no file for (`database_too_new`); a failing file is rolled back
 * and reported as `migration_failed` naming the file.
 */
export function migrate(db: Database, dir: string): void {
  db.exec(`CREATE TABLE IF NOT EXISTS schema_migrations (
    version INTEGER PRIMARY KEY,
    name TEXT NOT NULL,
    applied_at TEXT NOT NULL
  )`);
  const migrations = readMigrations(dir);
  const known = new Set(migrations.map((m) => m.version));
  const recordedVersions = () =>
    db.prepare<[], number>('SELECT version FROM schema_migrations ORDER BY version').pluck().all();

  const unknown = recordedVersions().filter((v) => !known.has(v));
  if (unknown.length > 0) throw tooNew(db, Math.max(...unknown), migrations);

  const isRecorded = db.prepare<[number], number>('SELECT 1 FROM schema_migrations WHERE version = ?').pluck();
  const record = db.prepare<[number, string, string]>(
    'INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)',
  );
  for (const migration of migrations) {
    const sql = readFileSync(migration.path, 'utf8');
    // IMMEDIATE takes the write lock before the check, so two processes starting together
    // cannot both apply the same file.
    const apply = db.transaction(() => {
      if (isRecorded.get(migration.version) !== undefined) return;
      db.exec(sql);
      record.run(migration.version, migration.name, new Date().toISOString());
    });
    try {
      apply.immediate();
    } catch (error) {
      throw migrationError(migration.file, error instanceof Error ? error.message : String(error), error);
    }
  }
}

function tooNew(db: Database, newest: number, migrations: MigrationFile[]): HeedError {
  const knownUpTo = migrations.at(-1)?.version ?? 0;
  return new HeedError(
    'database_too_new',
    `The database at ${db.name} was written by a newer Heed (schema version ${newest}; this build knows up to ${knownUpTo}). ` +
      'Upgrade Heed or point DATABASE_PATH elsewhere.',
    { detail: { path: db.name, schemaVersion: newest, knownUpTo } },
  );
}

function migrationError(file: string, reason: string, cause?: unknown): HeedError {
  return new HeedError(
    'migration_failed',
    `Heed could not update its database: migration ${file} failed (${reason}). Nothing from that file was applied.`,
    { detail: { file, reason }, cause },
  );
}

/** Whether the database answers a read (a write lock held elsewhere does not make it unhealthy). Never throws. */
export function databaseHealth(db: Database, logger: Logger): { ok: boolean; database: 'ok' | 'closed' | 'error' } {
  if (!db.open) return { ok: false, database: 'closed' };
  try {
    db.prepare('SELECT 1 FROM schema_migrations LIMIT 1').get();
    return { ok: true, database: 'ok' };
  } catch (error) {
    logger.warn({ err: error }, 'health check: the database did not answer');
    return { ok: false, database: 'error' };
  }
}
