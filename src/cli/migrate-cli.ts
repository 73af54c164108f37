/**
 * The database commands of `npm run heed`:
 *   migrate: bring the configured database (DATABASE_URL, else DATABASE_PATH) up to this build's schema
 *     and say which migrations that applied, e.g. before starting several replicas on a new database;
 *   migrate-data --from <sqlite file> --to <postgres URL>: copy a SQLite deployment's whole database into a
 *     new, empty PostgreSQL database. Stop Heed first: what it writes during the copy would be missed.
 */
import { existsSync } from 'node:fs';
import { parseArgs } from 'node:util';
import type { Config } from '../config.js';
import { HeedError } from '../core/errors.js';
import { copyDatabase, type TableCount } from '../core/storage/copy-database.js';
import { connectDatabase, openDatabase, type SqlClient } from '../core/storage/index.js';

/** The settings these commands read. */
export type MigrateConfig = Pick<Config, 'DATABASE_URL' | 'DATABASE_PATH' | 'DATABASE_BUSY_TIMEOUT_MS'>;

const MIGRATE_USAGE = 'Usage: npm run heed -- migrate   (the database of DATABASE_URL, else DATABASE_PATH)';
const COPY_USAGE = `Usage: npm run heed -- migrate-data --from ./data/heed.db --to postgres://user:password@host:5432/heed
  Copies every table of the SQLite file into an empty PostgreSQL database (created beforehand, e.g. with
  createdb). --to defaults to DATABASE_URL and --from to DATABASE_PATH. Stop Heed before copying.`;

/**
 * `migrate`: apply the migrations the configured database lacks and list them. Throws HeedError `usage`
 * for an argument, `config_invalid` for a URL that cannot be used, `migration_failed` naming the file.
 */
export async function runMigrateCli(
  argv: string[],
  config: MigrateConfig,
  write: (text: string) => void,
): Promise<number> {
  if (argv.length > 0)
    throw new HeedError('usage', `migrate takes no arguments (got "${argv.join(' ')}").\n${MIGRATE_USAGE}`);
  // The migrator stamps each file it applies with the time; what is stamped from now on was applied now
  // (by this command, or by a replica starting at the same moment: both wait on the same lock).
  const startedAt = new Date().toISOString();
  const client = await connectDatabase(
    { url: config.DATABASE_URL, path: config.DATABASE_PATH },
    { busyTimeoutMs: config.DATABASE_BUSY_TIMEOUT_MS },
  );
  try {
    const applied = await client.all<{ version: number; name: string }>(
      'SELECT version, name FROM schema_migrations WHERE applied_at >= ? ORDER BY version',
      [startedAt],
    );
    const version = (await client.value<number>('SELECT MAX(version) FROM schema_migrations')) ?? 0;
    write(`${describe(client)}\n`);
    if (applied.length === 0) write(`Already up to date at schema version ${version}; nothing applied.\n`);
    else {
      write(`Applied ${applied.length} migration${applied.length === 1 ? '' : 's'}:\n`);
      for (const m of applied) write(`  ${String(m.version).padStart(3, '0')}_${m.name}.sql\n`);
      write(`Now at schema version ${version}.\n`);
    }
    return 0;
  } finally {
    await client.close();
  }
}

/**
 * `migrate-data --from FILE --to URL`: copy the SQLite database at FILE (migrated first, as Heed would at
 * start) into the PostgreSQL database at URL (migrated, and required to be empty), then print the row
 * counts of both, table by table. Throws HeedError `usage` for wrong arguments or a non-empty target,
 * `not_found` for a missing file, `config_invalid` for a URL that cannot be used.
 */
export async function runMigrateDataCli(
  argv: string[],
  config: MigrateConfig,
  write: (text: string) => void,
): Promise<number> {
  const { from, to } = readCopyArgs(argv, config);
  const source = await openDatabase(from, { busyTimeoutMs: config.DATABASE_BUSY_TIMEOUT_MS });
  let target: SqlClient | undefined;
  try {
    target = await connectDatabase({ url: to, path: from });
    write(`Copying ${describe(source)}\n   into ${describe(target)}, one transaction per table:\n`);
    const counts = await copyDatabase(source, target, {
      onTable: (table, rows) => write(`  ${table.padEnd(24)} ${String(rows).padStart(9)} rows\n`),
    });
    write(renderCounts(counts));
    return 0;
  } finally {
    await target?.close();
    await source.close();
  }
}

function readCopyArgs(argv: string[], config: MigrateConfig): { from: string; to: string } {
  let values: { from?: string | undefined; to?: string | undefined };
  try {
    ({ values } = parseArgs({
      args: argv,
      options: { from: { type: 'string' }, to: { type: 'string' } },
      allowPositionals: false,
    }));
  } catch (error) {
    throw new HeedError('usage', `${error instanceof Error ? error.message : String(error)}\n${COPY_USAGE}`);
  }
  const from = values.from ?? config.DATABASE_PATH;
  const to = values.to ?? config.DATABASE_URL;
  if (to === undefined || to === '') {
    throw new HeedError(
      'usage',
      `migrate-data needs --to (or DATABASE_URL): the PostgreSQL database to fill.\n${COPY_USAGE}`,
    );
  }
  if (!/^postgres(?:ql)?:\/\//.test(to)) {
    // Never echo the value: it may hold a password.
    throw new HeedError('usage', `--to must be a postgres:// URL.\n${COPY_USAGE}`);
  }
  // openDatabase would create an empty file, and the copy would then fill PostgreSQL with nothing.
  if (!existsSync(from)) throw new HeedError('not_found', `There is no SQLite database at ${from} to copy from.`);
  return { from, to };
}

function describe(client: SqlClient): string {
  return `${client.location} (${client.dialect === 'postgres' ? 'PostgreSQL' : 'SQLite'})`;
}

function renderCounts(counts: TableCount[]): string {
  const lines = [
    `Row counts, verified table by table:`,
    `  ${'table'.padEnd(24)} ${'source'.padStart(9)} ${'target'.padStart(9)}`,
  ];
  for (const c of counts) {
    lines.push(`  ${c.table.padEnd(24)} ${String(c.source).padStart(9)} ${String(c.target).padStart(9)}`);
  }
  const total = counts.reduce((sum, c) => sum + c.target, 0);
  lines.push(`Done: ${total} rows in ${counts.length} tables. Point DATABASE_URL at the target and start Heed.`);
  return `${lines.join('\n')}\n`;
}
