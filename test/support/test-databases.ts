/**
 * Fresh databases for tests, one per test, on either backend. PostgreSQL runs on the server of
 * test/support/postgres-server.ts (TEST_DATABASE_URL's, or the run's own throwaway one); each test gets
 * a database of its own on it, dropped afterwards, as each SQLite test gets a file of its own.
 */
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { afterEach, beforeEach, describe, inject } from 'vitest';
import { migrate, migrationsDirFor } from '../../src/core/storage/database.js';
import { openPostgres, type PostgresClient } from '../../src/core/storage/postgres-client.js';
import type { SqlClient, SqlDialect } from '../../src/core/storage/sql.js';
import type { SqliteClient } from '../../src/core/storage/sqlite-client.js';
import { openTempDatabase } from './temp-db.js';

/** A database made for one test. */
export interface FreshDatabase<Client extends SqlClient = SqlClient> {
  /** Where it is: a PostgreSQL URL, or a SQLite file path. */
  url: string;
  client: Client;
  /** Close the client (if still open) and delete the database. */
  drop(): Promise<void>;
}

/** The URL of the test run's PostgreSQL server (its maintenance database; make your own with {@link freshPostgres}). */
export async function postgresUrl(): Promise<string> {
  const url = inject('postgresUrl');
  if (!url)
    throw new Error(inject('postgresProblem') || 'No PostgreSQL server for the tests (see postgres-server.ts).');
  return url;
}

/**
 * A new, uniquely named PostgreSQL database (`heed_test_<random>`) on the test server, opened and, unless
 * `migrate` is false, migrated. `drop()` closes the client and drops the database even if a connection
 * is still open on it.
 */
export async function freshPostgres(options: { migrate?: boolean } = {}): Promise<FreshDatabase<PostgresClient>> {
  const server = await postgresUrl();
  const name = `heed_test_${randomBytes(6).toString('hex')}`;
  await onServer(server, (admin) => admin.query(`CREATE DATABASE ${name}`));
  const url = withDatabase(server, name);
  let client: PostgresClient | undefined;
  const drop = async (): Promise<void> => {
    await client?.close();
    await onServer(server, (admin) => admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`));
  };
  try {
    client = await openPostgres(url, { poolSize: 4 });
    if (options.migrate !== false) await migrate(client, migrationsDirFor('postgres'));
    return { url, client, drop };
  } catch (error) {
    await drop();
    throw error;
  }
}

/** A migrated SQLite database in a fresh temp directory, removed by `drop()`. */
export async function freshSqlite(): Promise<FreshDatabase<SqliteClient>> {
  const temp = await openTempDatabase();
  return { url: temp.path, client: temp.db, drop: temp.cleanup };
}

/** A fresh, migrated database of either dialect. */
export function freshDatabase(dialect: SqlDialect): Promise<FreshDatabase> {
  return dialect === 'postgres' ? freshPostgres() : freshSqlite();
}

/**
 * Declare the suite `fn` once per backend (`name (sqlite)`, `name (postgres)`): each test gets a fresh,
 * migrated database, read through the function `fn` receives, and it is deleted after the test.
 */
export function eachBackend(name: string, fn: (database: () => SqlClient, dialect: SqlDialect) => void): void {
  for (const dialect of ['sqlite', 'postgres'] as const) {
    describe(`${name} (${dialect})`, () => {
      let current: FreshDatabase | undefined;
      beforeEach(async () => {
        current = await freshDatabase(dialect);
      });
      afterEach(async () => {
        await current?.drop();
        current = undefined;
      });
      fn(() => {
        if (!current) throw new Error('The database exists only while a test runs.');
        return current.client;
      }, dialect);
    });
  }
}

/** `url` with its database (path) replaced by `database`. */
export function withDatabase(url: string, database: string): string {
  const parsed = new URL(url);
  parsed.pathname = `/${database}`;
  return parsed.toString();
}

/** Run `work` on a one-off connection to the database at `url` (for CREATE and DROP DATABASE). */
async function onServer<T>(url: string, work: (admin: pg.Client) => Promise<T>): Promise<T> {
  const admin = new pg.Client({ connectionString: url });
  await admin.connect();
  try {
    return await work(admin);
  } finally {
    await admin.end();
  }
}
