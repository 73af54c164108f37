/**
 * Copying a whole Heed database into another, e.g. a SQLite file into a fresh PostgreSQL database when a
 * deployment grows past one machine (`npm run heed -- migrate-data`). The table list, columns, keys and
 * the order (parents before children) are read from the target's schema, so a table added by a future
 * migration is copied without a change here.
 */
import { HeedError } from '../errors.js';
import type { SqlClient, SqlExecutor, SqlValue } from './sql.js';

/** Kept by the migrator in each database for itself, never copied. */
const MIGRATOR_TABLE = 'schema_migrations';

/** One table as the copy needs it. */
export interface TableSchema {
  name: string;
  columns: string[];
  /** Primary key columns in key order; empty when the table has none. */
  primaryKey: string[];
  /** Tables this one's foreign keys reference (other than itself). */
  parents: string[];
  /** A column PostgreSQL numbers with an identity sequence, to be moved past the copied ids. */
  identity?: string;
}

/** How many rows one table holds on each side after the copy. */
export interface TableCount {
  table: string;
  source: number;
  target: number;
}

/** Options for {@link copyDatabase}. */
export interface CopyOptions {
  /** Told after each table's transaction has committed, in copy order. */
  onTable?: (table: string, rows: number) => void;
  /** Rows per statement. Default 500 (fewer for wide tables: PostgreSQL binds at most 65 535 parameters). */
  batchSize?: number;
}

/**
 * Copy every table of `source` into the migrated, empty `target`: one transaction per table, parents
 * before children, triggers of the target's own tables off while loading (the rows they would derive —
 * search text, check types — are copied as they are), identity sequences moved past the largest id. Then
 * count every table on both sides. Both databases must be at the same schema version, and be two different
 * clients (the source is read while the target's transaction is open).
 *
 * Throws `HeedError` `usage` when the target already holds rows or the schemas differ (nothing is
 * copied then), and `storage_failed` when a count differs after the copy.
 */
export async function copyDatabase(
  source: SqlClient,
  target: SqlClient,
  options: CopyOptions = {},
): Promise<TableCount[]> {
  await requireSameVersion(source, target);
  const tables = copyOrder(await readSchema(target));
  await requireSameTables(source, tables);
  await requireEmpty(target, tables);

  for (const table of tables) {
    const rows = await target.transaction((tx) => copyTable(source, tx, table, options.batchSize ?? 500));
    options.onTable?.(table.name, rows);
  }
  if (target.dialect === 'postgres') await moveIdentities(target, tables);

  const counts: TableCount[] = [];
  for (const table of tables) {
    counts.push({
      table: table.name,
      source: await countRows(source, table.name),
      target: await countRows(target, table.name),
    });
  }
  const wrong = counts.filter((c) => c.source !== c.target);
  if (wrong.length > 0) {
    throw new HeedError(
      'storage_failed',
      `The copy is incomplete: ${wrong.map((c) => `${c.table} has ${c.target} rows instead of ${c.source}`).join('; ')}. ` +
        'Drop the target database, create it again and rerun the copy.',
      { detail: { wrong } },
    );
  }
  return counts;
}

/**
 * The tables Heed's migrations created in `sql` (not the migrator's own table, not SQLite's internal or
 * FTS5 storage tables), with their columns, keys and foreign-key parents.
 */
export async function readSchema(sql: SqlClient): Promise<TableSchema[]> {
  return sql.dialect === 'postgres' ? readPostgresSchema(sql) : readSqliteSchema(sql);
}

async function readPostgresSchema(sql: SqlClient): Promise<TableSchema[]> {
  const columns = await sql.all<{ table_name: string; column_name: string; is_identity: string }>(
    `SELECT table_name, column_name, is_identity FROM information_schema.columns
      WHERE table_schema = current_schema()
        AND table_name IN (SELECT table_name FROM information_schema.tables
                            WHERE table_schema = current_schema() AND table_type = 'BASE TABLE')
      ORDER BY table_name, ordinal_position`,
  );
  const constraints = await sql.all<{ table_name: string; kind: string; parent: string | null; columns: string }>(
    `SELECT c.conrelid::regclass::text AS table_name, c.contype AS kind,
            CASE WHEN c.contype = 'f' THEN c.confrelid::regclass::text END AS parent,
            (SELECT string_agg(a.attname, ',' ORDER BY k.n) FROM unnest(c.conkey) WITH ORDINALITY k(attnum, n)
               JOIN pg_attribute a ON a.attrelid = c.conrelid AND a.attnum = k.attnum) AS columns
       FROM pg_constraint c JOIN pg_class t ON t.oid = c.conrelid
      WHERE t.relnamespace = current_schema()::regnamespace AND c.contype IN ('p', 'f')`,
  );
  const tables = new Map<string, TableSchema>();
  for (const column of columns) {
    if (column.table_name === MIGRATOR_TABLE) continue;
    let table = tables.get(column.table_name);
    if (!table) {
      table = { name: column.table_name, columns: [], primaryKey: [], parents: [] };
      tables.set(column.table_name, table);
    }
    table.columns.push(column.column_name);
    if (column.is_identity === 'YES') table.identity = column.column_name;
  }
  for (const constraint of constraints) {
    const table = tables.get(unquote(constraint.table_name));
    if (!table) continue;
    if (constraint.kind === 'p') table.primaryKey = constraint.columns.split(',');
    else if (constraint.parent !== null) addParent(table, unquote(constraint.parent));
  }
  return [...tables.values()];
}

async function readSqliteSchema(sql: SqlClient): Promise<TableSchema[]> {
  // `table_list` tells FTS5's own storage ('shadow') from the tables the migrations created.
  const names = await sql.all<{ name: string; type: string }>(
    `SELECT name, type FROM pragma_table_list WHERE schema = 'main' AND type IN ('table', 'virtual')
       AND name NOT LIKE 'sqlite_%' AND name <> ? ORDER BY name`,
    [MIGRATOR_TABLE],
  );
  const tables: TableSchema[] = [];
  for (const { name, type } of names) {
    const info = await sql.all<{ name: string; pk: number }>('SELECT name, pk FROM pragma_table_info(?) ORDER BY cid', [
      name,
    ]);
    const parents = await sql.all<{ table: string }>('SELECT DISTINCT "table" FROM pragma_foreign_key_list(?)', [name]);
    const table: TableSchema = {
      name,
      columns: info.map((c) => c.name),
      primaryKey: info
        .filter((c) => c.pk > 0)
        .sort((a, b) => a.pk - b.pk)
        .map((c) => c.name),
      parents: [],
    };
    if (type === 'virtual') {
      // An FTS5 table's rows are keyed by its hidden rowid (PostgreSQL's plain table names it as a column).
      table.columns.unshift('rowid');
      table.primaryKey = ['rowid'];
    }
    for (const parent of parents) addParent(table, parent.table);
    tables.push(table);
  }
  return tables;
}

function addParent(table: TableSchema, parent: string): void {
  if (parent !== table.name && !table.parents.includes(parent)) table.parents.push(parent);
}

/** `regclass` quotes names that need it. */
function unquote(name: string): string {
  return name.startsWith('"') ? name.slice(1, -1).replaceAll('""', '"') : name;
}

/** Parents before children; otherwise alphabetical, so the order (and the printed list) is stable. */
export function copyOrder(tables: TableSchema[]): TableSchema[] {
  const byName = new Map(tables.map((t) => [t.name, t]));
  const ordered: TableSchema[] = [];
  const placed = new Set<string>();
  const visiting = new Set<string>();
  const place = (table: TableSchema): void => {
    if (placed.has(table.name)) return;
    if (visiting.has(table.name)) {
      throw new HeedError('internal', `The tables' foreign keys form a cycle through ${table.name}.`);
    }
    visiting.add(table.name);
    for (const parent of [...table.parents].sort()) {
      const parentTable = byName.get(parent);
      if (parentTable) place(parentTable);
    }
    visiting.delete(table.name);
    placed.add(table.name);
    ordered.push(table);
  };
  for (const table of [...tables].sort((a, b) => a.name.localeCompare(b.name))) place(table);
  return ordered;
}

async function requireSameVersion(source: SqlClient, target: SqlClient): Promise<void> {
  const version = (sql: SqlClient) => sql.value<number>(`SELECT MAX(version) FROM ${MIGRATOR_TABLE}`);
  const [from, to] = [await version(source), await version(target)];
  if (from !== to) {
    throw new HeedError(
      'usage',
      `The two databases are at different schema versions (source ${from ?? 'none'}, target ${to ?? 'none'}). ` +
        'Open both with this build of Heed first (it migrates them), then copy.',
      { detail: { source: from, target: to } },
    );
  }
}

async function requireSameTables(source: SqlClient, tables: TableSchema[]): Promise<void> {
  const sourceTables = new Map((await readSchema(source)).map((t) => [t.name, t]));
  const problems: string[] = [];
  for (const table of tables) {
    const columns = sourceTables.get(table.name)?.columns;
    if (!columns) problems.push(`${table.name} is missing from the source`);
    else {
      const missing = table.columns.filter((c) => !columns.includes(c));
      if (missing.length > 0) problems.push(`${table.name} lacks ${missing.join(', ')} in the source`);
    }
    sourceTables.delete(table.name);
  }
  for (const extra of sourceTables.keys()) problems.push(`${extra} exists only in the source`);
  if (problems.length > 0) {
    throw new HeedError(
      'usage',
      `The two databases' tables differ (${problems.join('; ')}), so the copy would lose data. Nothing was copied.`,
      { detail: { problems } },
    );
  }
}

async function requireEmpty(target: SqlClient, tables: TableSchema[]): Promise<void> {
  for (const table of tables) {
    const rows = await countRows(target, table.name);
    if (rows > 0) {
      throw new HeedError(
        'usage',
        `The target database is not empty (${table.name} holds ${rows} rows); the copy only fills an empty one. ` +
          'Create a new database (e.g. `createdb heed`), point the target at it and run the copy again; nothing was copied.',
        { detail: { table: table.name, rows } },
      );
    }
  }
}

/** Copy one table in batches, walking the source by primary key; returns the number of rows copied. */
async function copyTable(source: SqlClient, tx: SqlExecutor, table: TableSchema, batchSize: number): Promise<number> {
  const columns = table.columns.map(quote).join(', ');
  // PostgreSQL binds at most 65 535 parameters per statement.
  const perBatch = Math.max(1, Math.min(batchSize, Math.floor(60_000 / table.columns.length)));
  const rowPlaceholders = `(${table.columns.map(() => '?').join(', ')})`;
  const insertSql = (rows: number) =>
    `INSERT INTO ${quote(table.name)} (${columns}) VALUES ${Array(rows).fill(rowPlaceholders).join(', ')}`;
  // Triggers would derive rows (search text, check types) that are copied as they are; constraint triggers
  // (foreign keys) stay on. ALTER TABLE is transactional: a failed copy leaves them enabled.
  if (tx.dialect === 'postgres') await tx.exec(`ALTER TABLE ${quote(table.name)} DISABLE TRIGGER USER`);

  let copied = 0;
  for await (const rows of readBatches(source, table, columns, perBatch)) {
    await tx.run(
      insertSql(rows.length),
      rows.flatMap((row) => row),
    );
    copied += rows.length;
  }
  if (tx.dialect === 'postgres') await tx.exec(`ALTER TABLE ${quote(table.name)} ENABLE TRIGGER USER`);
  return copied;
}

/**
 * The source's rows in batches. With a primary key, each batch starts after the last key read (row-value
 * comparison, which both SQLite and PostgreSQL have), so a large table is not re-scanned per batch; a
 * table without one is paged by OFFSET over all its columns.
 */
async function* readBatches(
  source: SqlClient,
  table: TableSchema,
  columns: string,
  batchSize: number,
): AsyncGenerator<SqlValue[][]> {
  const key = table.primaryKey;
  const keyIndexes = key.map((k) => table.columns.indexOf(k));
  const order = (key.length > 0 ? key : table.columns).map(quote).join(', ');
  const select = `SELECT ${columns} FROM ${quote(table.name)}`;
  let after: SqlValue[] | undefined;
  let offset = 0;
  for (;;) {
    let rows: Record<string, SqlValue>[];
    if (key.length === 0) {
      rows = await source.all(`${select} ORDER BY ${order} LIMIT ? OFFSET ?`, [batchSize, offset]);
      offset += rows.length;
    } else if (after === undefined) {
      rows = await source.all(`${select} ORDER BY ${order} LIMIT ?`, [batchSize]);
    } else {
      const keyTuple = `(${key.map(quote).join(', ')})`;
      const values = `(${key.map(() => '?').join(', ')})`;
      rows = await source.all(`${select} WHERE ${keyTuple} > ${values} ORDER BY ${order} LIMIT ?`, [
        ...after,
        batchSize,
      ]);
    }
    if (rows.length === 0) return;
    const batch = rows.map((row) => table.columns.map((c) => row[c] ?? null));
    yield batch;
    const last = batch.at(-1) ?? [];
    after = keyIndexes.map((i) => last[i] ?? null);
    if (rows.length < batchSize) return;
  }
}

/** Move each identity sequence past the largest copied id, so the next insert does not collide. */
async function moveIdentities(target: SqlClient, tables: TableSchema[]): Promise<void> {
  for (const table of tables) {
    if (table.identity === undefined) continue;
    const column = quote(table.identity);
    await target.value(
      `SELECT setval(pg_get_serial_sequence(?, ?), COALESCE(MAX(${column}), 0) + 1, false) FROM ${quote(table.name)}`,
      [quote(table.name), table.identity],
    );
  }
}

function countRows(sql: SqlExecutor, table: string): Promise<number> {
  return sql.value<number>(`SELECT COUNT(*) FROM ${quote(table)}`).then((n) => n ?? 0);
}

/** A double-quoted identifier: Heed's names are plain, but `before` and `after` are keywords somewhere. */
function quote(name: string): string {
  return `"${name.replaceAll('"', '""')}"`;
}
