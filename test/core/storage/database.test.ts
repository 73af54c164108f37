import { mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import { HeedError } from '../../../src/core/errors.js';
import { DEFAULT_MIGRATIONS_DIR, migrate, openDatabase, readMigrations } from '../../../src/core/storage/database.js';
import type { Database } from '../../../src/core/storage/database.js';
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
const open: Database[] = [];

function track(db: Database): Database {
  open.push(db);
  return db;
}

function tables(db: Database): string[] {
  return db.prepare<[], string>("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name").pluck().all();
}

function migrationsDir(files: Record<string, string>): string {
  const dir = join(temp.dir, 'migrations');
  mkdirSync(dir, { recursive: true });
  for (const [name, sql] of Object.entries(files)) writeFileSync(join(dir, name), sql);
  return dir;
}

function catchError(fn: () => unknown): unknown {
  try {
    fn();
  } catch (error) {
    return error;
  }
  throw new Error('expected a throw');
}

afterEach(() => {
  for (const db of open.splice(0)) if (db.open) db.close();
  temp?.cleanup();
});

describe('openDatabase', () => {
  it('creates the parent directory, configures the connection and applies every migration', () => {
    temp = tempDbPath();
    const path = join(temp.dir, 'nested', 'deeper', 'heed.db');
    const db = track(openDatabase(path));

    expect(tables(db)).toEqual(expect.arrayContaining(CORE_TABLES));
    expect(db.pragma('journal_mode', { simple: true })).toBe('wal');
    expect(db.pragma('foreign_keys', { simple: true })).toBe(1);
    expect(db.pragma('secure_delete', { simple: true })).toBe(1);
    expect(db.pragma('synchronous', { simple: true })).toBe(1); // NORMAL
    expect(db.pragma('busy_timeout', { simple: true })).toBe(5000);
    const files = readMigrations(DEFAULT_MIGRATIONS_DIR).map(({ version, name }) => ({ version, name }));
    expect(db.prepare('SELECT version, name FROM schema_migrations ORDER BY version').all()).toEqual(files);
    expect(files.slice(0, 2)).toEqual([
      { version: 1, name: 'initial' },
      { version: 2, name: 'security' },
    ]);
  });

  it('honours a custom busy timeout', () => {
    temp = tempDbPath();
    const db = track(openDatabase(temp.path, { busyTimeoutMs: 1234 }));
    expect(db.pragma('busy_timeout', { simple: true })).toBe(1234);
  });

  it('works in memory', () => {
    temp = tempDbPath();
    const db = track(openDatabase(':memory:'));
    expect(tables(db)).toEqual(expect.arrayContaining(CORE_TABLES));
  });

  it('finds the migrations from any working directory', () => {
    temp = tempDbPath();
    expect(DEFAULT_MIGRATIONS_DIR).toBe(resolve(import.meta.dirname, '../../../migrations') + '/');
    const before = process.cwd();
    process.chdir(temp.dir);
    try {
      const db = track(openDatabase(':memory:'));
      expect(tables(db)).toContain('instruction_versions');
    } finally {
      process.chdir(before);
    }
  });

  it('is a no-op when opened a second time, and keeps the data', () => {
    temp = tempDbPath();
    const first = openDatabase(temp.path);
    const applied = first.prepare('SELECT * FROM schema_migrations').all();
    first
      .prepare(
        `INSERT INTO message_claims (platform, workspace_id, channel_id, message_id, owner, status, claimed_at)
         VALUES ('slack', 'T1', 'C1', '1.1', 'a', 'done', '2026-01-01T00:00:00.000Z')`,
      )
      .run();
    first.close();

    const second = track(openDatabase(temp.path));
    expect(second.prepare('SELECT * FROM schema_migrations').all()).toEqual(applied);
    expect(second.prepare('SELECT count(*) FROM message_claims').pluck().get()).toBe(1);
  });
});

describe('migrate', () => {
  it('applies only the files not yet recorded, in numeric order', () => {
    temp = tempDbPath();
    const dir = migrationsDir({ '001_a.sql': 'CREATE TABLE a (x INTEGER);' });
    const db = track(openDatabase(temp.path, { migrationsDir: dir }));
    db.prepare('INSERT INTO a VALUES (1)').run();

    writeFileSync(join(dir, '010_c.sql'), 'ALTER TABLE b ADD COLUMN z TEXT;');
    writeFileSync(join(dir, '002_b.sql'), "CREATE TABLE b (y TEXT); INSERT INTO b VALUES ('from 002');");
    writeFileSync(join(dir, 'README.md'), 'not a migration');
    migrate(db, dir);

    expect(db.prepare('SELECT version, name FROM schema_migrations ORDER BY version').all()).toEqual([
      { version: 1, name: 'a' },
      { version: 2, name: 'b' },
      { version: 10, name: 'c' },
    ]);
    expect(db.prepare('SELECT x FROM a').pluck().all()).toEqual([1]);
    expect(db.prepare('SELECT y, z FROM b').all()).toEqual([{ y: 'from 002', z: null }]);
  });

  it('refuses a database that records a version this build does not know', () => {
    temp = tempDbPath();
    const db = openDatabase(temp.path);
    db.prepare(
      "INSERT INTO schema_migrations (version, name, applied_at) VALUES (999, 'future', '2030-01-01T00:00:00.000Z')",
    ).run();
    db.close();

    const error = catchError(() => openDatabase(temp.path));
    expect(error).toBeInstanceOf(HeedError);
    const heedError = error as HeedError;
    expect(heedError.code).toBe('database_too_new');
    const newest = readMigrations(DEFAULT_MIGRATIONS_DIR).at(-1)?.version;
    expect(heedError.operatorMessage).toBe(
      `The database at ${temp.path} was written by a newer Heed (schema version 999; this build knows up to ${newest}). ` +
        'Upgrade Heed or point DATABASE_PATH elsewhere.',
    );
    // The refused connection was closed: the file can be opened and inspected directly.
    const raw = track(new BetterSqlite3(temp.path));
    expect(raw.prepare('SELECT max(version) FROM schema_migrations').pluck().get()).toBe(999);
  });

  it('rolls back a broken file and names it, then applies it once fixed', () => {
    temp = tempDbPath();
    const dir = migrationsDir({
      '001_good.sql': 'CREATE TABLE good (x INTEGER);',
      '002_broken.sql': 'CREATE TABLE half (x INTEGER);\nINSERT INTO half VALUES (1);\nCREATE TABLE oops (;',
    });

    const error = catchError(() => openDatabase(temp.path, { migrationsDir: dir }));
    expect(error).toBeInstanceOf(HeedError);
    expect((error as HeedError).code).toBe('migration_failed');
    expect((error as HeedError).operatorMessage).toContain('002_broken.sql');
    expect((error as HeedError).detail).toMatchObject({ file: '002_broken.sql' });

    const raw = track(new BetterSqlite3(temp.path));
    expect(tables(raw)).toEqual(['good', 'schema_migrations']);
    expect(raw.prepare('SELECT version FROM schema_migrations').pluck().all()).toEqual([1]);
    raw.close();

    writeFileSync(join(dir, '002_broken.sql'), 'CREATE TABLE half (x INTEGER);\nINSERT INTO half VALUES (1);');
    const db = track(openDatabase(temp.path, { migrationsDir: dir }));
    expect(db.prepare('SELECT x FROM half').pluck().all()).toEqual([1]);
  });

  it('says which directory it could not read', () => {
    temp = tempDbPath();
    const missing = join(temp.dir, 'no-such-dir');
    expect(catchError(() => openDatabase(':memory:', { migrationsDir: missing }))).toMatchObject({
      code: 'migration_failed',
      detail: { file: missing },
    });
  });

  it('refuses a misnamed or duplicate-numbered migration file instead of skipping it', () => {
    temp = tempDbPath();
    const misnamed = migrationsDir({ '01_short.sql': 'CREATE TABLE t (x);' });
    const error = catchError(() => openDatabase(':memory:', { migrationsDir: misnamed }));
    expect(error).toMatchObject({ code: 'migration_failed', detail: { file: '01_short.sql' } });

    const dir = join(temp.dir, 'dupes');
    mkdirSync(dir);
    writeFileSync(join(dir, '001_a.sql'), 'CREATE TABLE a (x);');
    writeFileSync(join(dir, '001_b.sql'), 'CREATE TABLE b (x);');
    expect(catchError(() => openDatabase(':memory:', { migrationsDir: dir }))).toMatchObject({
      code: 'migration_failed',
      detail: { file: '001_b.sql' },
    });
  });
});
