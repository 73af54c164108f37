import { mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import { HeedError } from '../../../src/core/errors.js';
import {
  connectDatabase,
  DEFAULT_MIGRATIONS_DIR,
  migrate,
  migrationsDirFor,
  openDatabase,
  readMigrations,
} from '../../../src/core/storage/database.js';
import type { SqliteClient } from '../../../src/core/storage/sqlite-client.js';
import { tempDbPath } from '../../support/temp-db.js';
import type { TempDbPath } from '../../support/temp-db.js';

/** Tables every later migration keeps; each migration may add its own, so the check is that these are there. */
const CORE_TABLES = [
  'deployment_secrets',
  'instruction_versions',
  'message_claims',
  'replies',
  'reply_messages',
  'reports',
  'request_claims',
  'schema_migrations',
  'snapshot_pieces',
  'profile_links',
  'reply_applied',
];

let temp: TempDbPath;
const open: SqliteClient[] = [];
const raws: BetterSqlite3.Database[] = [];

async function track(opening: Promise<SqliteClient>): Promise<SqliteClient> {
  const db = await opening;
  open.push(db);
  return db;
}

/** A plain better-sqlite3 connection, to inspect a file the way an operator would. */
function rawConnection(path: string): BetterSqlite3.Database {
  const raw = new BetterSqlite3(path);
  raws.push(raw);
  return raw;
}

async function tables(db: SqliteClient): Promise<string[]> {
  const rows = await db.all<{ name: string }>("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name");
  return rows.map((row) => row.name);
}

function rawTables(raw: BetterSqlite3.Database): string[] {
  return raw.prepare<[], string>("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name").pluck().all();
}

/** A pragma's value on the client's own connection. */
function pragma(db: SqliteClient, name: string): unknown {
  return db.connection.pragma(name, { simple: true });
}

function migrationsDir(files: Record<string, string>): string {
  const dir = join(temp.dir, 'migrations');
  mkdirSync(dir, { recursive: true });
  for (const [name, sql] of Object.entries(files)) writeFileSync(join(dir, name), sql);
  return dir;
}

async function catchError(work: () => Promise<unknown>): Promise<unknown> {
  try {
    await work();
  } catch (error) {
    return error;
  }
  throw new Error('expected a rejection');
}

afterEach(async () => {
  for (const db of open.splice(0)) await db.close();
  for (const raw of raws.splice(0)) if (raw.open) raw.close();
  temp?.cleanup();
});

describe('openDatabase', () => {
  it('creates the parent directory, configures the connection and applies every migration', async () => {
    temp = tempDbPath();
    const path = join(temp.dir, 'nested', 'deeper', 'heed.db');
    const db = await track(openDatabase(path));

    expect(await tables(db)).toEqual(expect.arrayContaining(CORE_TABLES));
    expect(pragma(db, 'journal_mode')).toBe('wal');
    expect(pragma(db, 'foreign_keys')).toBe(1);
    expect(pragma(db, 'secure_delete')).toBe(1);
    expect(pragma(db, 'synchronous')).toBe(1); // NORMAL
    expect(pragma(db, 'busy_timeout')).toBe(5000);
    const files = readMigrations(DEFAULT_MIGRATIONS_DIR).map(({ version, name }) => ({ version, name }));
    expect(await db.all('SELECT version, name FROM schema_migrations ORDER BY version')).toEqual(files);
    expect(files.slice(0, 2)).toEqual([
      { version: 1, name: 'initial' },
      { version: 2, name: 'security' },
    ]);
  });

  it('honours a custom busy timeout', async () => {
    temp = tempDbPath();
    const db = await track(openDatabase(temp.path, { busyTimeoutMs: 1234 }));
    expect(pragma(db, 'busy_timeout')).toBe(1234);
  });

  it('works in memory', async () => {
    temp = tempDbPath();
    const db = await track(openDatabase(':memory:'));
    expect(await tables(db)).toEqual(expect.arrayContaining(CORE_TABLES));
  });

  it('finds the migrations from any working directory', async () => {
    temp = tempDbPath();
    expect(DEFAULT_MIGRATIONS_DIR).toBe(resolve(import.meta.dirname, '../../../migrations/sqlite'));
    expect(migrationsDirFor('postgres')).toBe(resolve(import.meta.dirname, '../../../migrations/postgres'));
    const before = process.cwd();
    process.chdir(temp.dir);
    try {
      const db = await track(openDatabase(':memory:'));
      expect(await tables(db)).toContain('instruction_versions');
    } finally {
      process.chdir(before);
    }
  });

  it('is a no-op when opened a second time, and keeps the data', async () => {
    temp = tempDbPath();
    const first = await openDatabase(temp.path);
    const applied = await first.all('SELECT * FROM schema_migrations');
    await first.run(
      `INSERT INTO message_claims (platform, workspace_id, channel_id, message_id, owner, status, claimed_at)
       VALUES ('slack', 'T1', 'C1', '1.1', 'a', 'done', '2026-01-01T00:00:00.000Z')`,
    );
    await first.close();

    const second = await track(openDatabase(temp.path));
    expect(await second.all('SELECT * FROM schema_migrations')).toEqual(applied);
    expect(await second.value('SELECT count(*) FROM message_claims')).toBe(1);
  });
});

describe('connectDatabase', () => {
  it('GIVEN no URL THEN opens the migrated SQLite file at the path', async () => {
    temp = tempDbPath();
    const db = await connectDatabase({ path: temp.path }, { busyTimeoutMs: 1234 });
    try {
      expect(db.dialect).toBe('sqlite');
      expect(db.location).toBe(temp.path);
      const files = readMigrations(DEFAULT_MIGRATIONS_DIR).map(({ version }) => ({ version }));
      expect(await db.all('SELECT version FROM schema_migrations ORDER BY version')).toEqual(files);
    } finally {
      await db.close();
    }
  });
});

describe('migrate', () => {
  it('applies only the files not yet recorded, in numeric order', async () => {
    temp = tempDbPath();
    const dir = migrationsDir({ '001_a.sql': 'CREATE TABLE a (x INTEGER);' });
    const db = await track(openDatabase(temp.path, { migrationsDir: dir }));
    await db.run('INSERT INTO a VALUES (1)');

    writeFileSync(join(dir, '010_c.sql'), 'ALTER TABLE b ADD COLUMN z TEXT;');
    writeFileSync(join(dir, '002_b.sql'), "CREATE TABLE b (y TEXT); INSERT INTO b VALUES ('from 002');");
    writeFileSync(join(dir, 'README.md'), 'not a migration');
    await migrate(db, dir);

    expect(await db.all('SELECT version, name FROM schema_migrations ORDER BY version')).toEqual([
      { version: 1, name: 'a' },
      { version: 2, name: 'b' },
      { version: 10, name: 'c' },
    ]);
    expect(await db.all('SELECT x FROM a')).toEqual([{ x: 1 }]);
    expect(await db.all('SELECT y, z FROM b')).toEqual([{ y: 'from 002', z: null }]);
  });

  it('refuses a database that records a version this build does not know', async () => {
    temp = tempDbPath();
    const db = await openDatabase(temp.path);
    await db.run(
      "INSERT INTO schema_migrations (version, name, applied_at) VALUES (999, 'future', '2030-01-01T00:00:00.000Z')",
    );
    await db.close();

    const error = await catchError(() => openDatabase(temp.path));
    expect(error).toBeInstanceOf(HeedError);
    const heedError = error as HeedError;
    expect(heedError.code).toBe('database_too_new');
    const newest = readMigrations(DEFAULT_MIGRATIONS_DIR).at(-1)?.version;
    expect(heedError.operatorMessage).toBe(
      `The database at ${temp.path} was written by a newer Heed (schema version 999; this build knows up to ${newest}). ` +
        'Upgrade Heed or point DATABASE_PATH elsewhere.',
    );
    // The refused connection was closed: the file can be opened and inspected directly.
    const raw = rawConnection(temp.path);
    expect(raw.prepare('SELECT max(version) FROM schema_migrations').pluck().get()).toBe(999);
  });

  it('rolls back a broken file and names it, then applies it once fixed', async () => {
    temp = tempDbPath();
    const dir = migrationsDir({
      '001_good.sql': 'CREATE TABLE good (x INTEGER);',
      '002_broken.sql': 'CREATE TABLE half (x INTEGER);\nINSERT INTO half VALUES (1);\nCREATE TABLE oops (;',
    });

    const error = await catchError(() => openDatabase(temp.path, { migrationsDir: dir }));
    expect(error).toBeInstanceOf(HeedError);
    expect((error as HeedError).code).toBe('migration_failed');
    expect((error as HeedError).operatorMessage).toContain('002_broken.sql');
    expect((error as HeedError).detail).toMatchObject({ file: '002_broken.sql' });

    const raw = rawConnection(temp.path);
    expect(rawTables(raw)).toEqual(['good', 'schema_migrations']);
    expect(raw.prepare('SELECT version FROM schema_migrations').pluck().all()).toEqual([1]);
    raw.close();

    writeFileSync(join(dir, '002_broken.sql'), 'CREATE TABLE half (x INTEGER);\nINSERT INTO half VALUES (1);');
    const db = await track(openDatabase(temp.path, { migrationsDir: dir }));
    expect(await db.all('SELECT x FROM half')).toEqual([{ x: 1 }]);
  });

  it('says which directory it could not read', async () => {
    temp = tempDbPath();
    const missing = join(temp.dir, 'no-such-dir');
    expect(await catchError(() => openDatabase(':memory:', { migrationsDir: missing }))).toMatchObject({
      code: 'migration_failed',
      detail: { file: missing },
    });
  });

  it('refuses a misnamed or duplicate-numbered migration file instead of skipping it', async () => {
    temp = tempDbPath();
    const misnamed = migrationsDir({ '01_short.sql': 'CREATE TABLE t (x);' });
    const error = await catchError(() => openDatabase(':memory:', { migrationsDir: misnamed }));
    expect(error).toMatchObject({ code: 'migration_failed', detail: { file: '01_short.sql' } });

    const dir = join(temp.dir, 'dupes');
    mkdirSync(dir);
    writeFileSync(join(dir, '001_a.sql'), 'CREATE TABLE a (x);');
    writeFileSync(join(dir, '001_b.sql'), 'CREATE TABLE b (x);');
    expect(await catchError(() => openDatabase(':memory:', { migrationsDir: dir }))).toMatchObject({
      code: 'migration_failed',
      detail: { file: '001_b.sql' },
    });
  });
});
