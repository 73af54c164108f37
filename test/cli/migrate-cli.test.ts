import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { runMigrateCli, runMigrateDataCli, type MigrateConfig } from '../../src/cli/migrate-cli.js';
import { HeedError } from '../../src/core/errors.js';
import { migrationsDirFor, openDatabase, readMigrations } from '../../src/core/storage/database.js';
import { fillEveryTable } from '../support/every-table.js';
import { tempDbPath, type TempDbPath } from '../support/temp-db.js';
import { freshPostgres, type FreshDatabase } from '../support/test-databases.js';
import type { PostgresClient } from '../../src/core/storage/postgres-client.js';

// The newest schema this build knows, so that a new migration does not rewrite these tests.
const MIGRATIONS = readMigrations(migrationsDirFor('sqlite'));
const LATEST = MIGRATIONS.at(-1)!;

let file: TempDbPath;
let postgres: FreshDatabase<PostgresClient>;

beforeEach(async () => {
  file = tempDbPath();
  postgres = await freshPostgres({ migrate: false });
});

afterEach(async () => {
  await postgres.drop();
  file.cleanup();
});

function settings(overrides: Partial<MigrateConfig> = {}): MigrateConfig {
  return { DATABASE_PATH: file.path, DATABASE_URL: undefined, DATABASE_BUSY_TIMEOUT_MS: 5000, ...overrides };
}

async function run(
  cli: typeof runMigrateCli,
  argv: string[],
  config: MigrateConfig,
): Promise<{ code: number; output: string }> {
  let output = '';
  const code = await cli(argv, config, (text) => (output += text));
  return { code, output };
}

/** `npm run heed -- …` from source, as an operator runs it, in a directory with no .env. */
function heed(args: string[], env: Record<string, string>): Promise<{ code: number | null; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(
      process.execPath,
      ['--import', import.meta.resolve('tsx'), join(import.meta.dirname, '../../src/cli/heed.ts'), ...args],
      { cwd: file.dir, env: { PATH: process.env.PATH ?? '', ...env }, stdio: ['ignore', 'ignore', 'pipe'] },
    );
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stderr }));
  });
}

describe('npm run heed -- migrate', () => {
  it('applies the SQLite migrations at DATABASE_PATH, lists them, and applies nothing the second time', async () => {
    const first = await run(runMigrateCli, [], settings());
    expect(first.code).toBe(0);
    expect(first.output).toContain(`${file.path} (SQLite)`);
    expect(first.output).toContain(`Applied ${MIGRATIONS.length} migrations:\n  001_initial.sql\n`);
    expect(first.output).toContain(`  ${LATEST.file}`);
    expect(first.output).toContain(`Now at schema version ${LATEST.version}.`);

    const second = await run(runMigrateCli, [], settings());
    expect(second.output).toContain(`Already up to date at schema version ${LATEST.version}; nothing applied.`);
  });

  it('applies the PostgreSQL migrations at DATABASE_URL, showing where without the password', async () => {
    const { code, output } = await run(runMigrateCli, [], settings({ DATABASE_URL: postgres.url }));
    expect(code).toBe(0);
    expect(output).toContain('(PostgreSQL)');
    expect(output).toContain(`Applied ${MIGRATIONS.length} migrations:`);
    const password = new URL(postgres.url).password;
    if (password) expect(output).not.toContain(password);
    expect(await postgres.client.value('SELECT COUNT(*) FROM schema_migrations')).toBe(MIGRATIONS.length);
  });

  it('takes no arguments', async () => {
    await expect(run(runMigrateCli, ['--now'], settings())).rejects.toMatchObject({ code: 'usage' });
  });

  it('exits 2 with a sentence, not a stack trace, on a DATABASE_URL that is not a PostgreSQL URL', async () => {
    const result = await heed(['migrate'], { DATABASE_URL: 'mysql://heed:pw@localhost/heed' });
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/^Configuration error: DATABASE_URL/);
    expect(result.stderr).not.toContain('pw@');
    expect(result.stderr).not.toMatch(/\n\s+at /);
  });
});

describe('npm run heed -- migrate-data', () => {
  async function sqliteWithRows(): Promise<void> {
    const db = await openDatabase(file.path);
    await fillEveryTable(db);
    await db.close();
  }

  it('copies every table of the SQLite file into the empty PostgreSQL database and prints the counts', async () => {
    await sqliteWithRows();
    const { code, output } = await run(runMigrateDataCli, ['--from', file.path, '--to', postgres.url], settings());
    expect(code).toBe(0);
    expect(output).toContain(`Copying ${file.path} (SQLite)`);
    expect(output).toMatch(/Row counts, verified table by table:/);
    expect(output).toMatch(/ {2}replies +3 +3\n/);
    expect(output).toMatch(/ {2}reply_check_types +2 +2\n/);
    expect(output).toMatch(/Done: \d+ rows in \d+ tables\./);
    expect(await postgres.client.value('SELECT COUNT(*) FROM reports')).toBe(2);
    expect(await postgres.client.value('SELECT MAX(version) FROM schema_migrations')).toBe(LATEST.version);
  });

  it('takes its source and target from DATABASE_PATH and DATABASE_URL when not given', async () => {
    await sqliteWithRows();
    const { code } = await run(runMigrateDataCli, [], settings({ DATABASE_URL: postgres.url }));
    expect(code).toBe(0);
    expect(await postgres.client.value('SELECT COUNT(*) FROM replies')).toBe(3);
  });

  it('refuses a target that holds data, saying how to start from an empty database', async () => {
    await sqliteWithRows();
    await run(runMigrateDataCli, ['--from', file.path, '--to', postgres.url], settings());
    const refusal = await run(runMigrateDataCli, ['--from', file.path, '--to', postgres.url], settings()).catch(
      (error: unknown) => error,
    );
    expect(refusal).toBeInstanceOf(HeedError);
    expect(refusal).toMatchObject({ code: 'usage' });
    expect((refusal as HeedError).operatorMessage).toMatch(/not empty .*Create a new database/);
  });

  it('refuses a missing source file instead of copying an empty database', async () => {
    await expect(
      run(runMigrateDataCli, ['--from', join(file.dir, 'nope.db'), '--to', postgres.url], settings()),
    ).rejects.toMatchObject({ code: 'not_found' });
  });

  it('refuses a target that is not a PostgreSQL URL, without echoing it', async () => {
    const failure = await run(runMigrateDataCli, ['--to', 'mysql://u:secret@h/db'], settings()).catch(
      (e: unknown) => e,
    );
    expect(failure).toMatchObject({ code: 'usage' });
    expect((failure as HeedError).operatorMessage).not.toContain('secret');
  });
});
