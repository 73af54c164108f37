import pg from 'pg';
import { HeedError } from '../errors.js';
import type { SqlClient, SqlExecutor, SqlParams, SqlRunResult, SqlValue } from './sql.js';

/** Options for {@link openPostgres}. */
export interface OpenPostgresOptions {
  /** How many connections the pool may hold. Default 20 (replies in flight share them). */
  poolSize?: number | undefined;
  /** How long opening a connection may take before it fails. Default 10 000 ms. */
  connectTimeoutMs?: number | undefined;
  /**
   * Told about an error on an idle pooled connection (the server restarted, the network dropped). The
   * pool discards that connection and opens another when next needed; without a listener Node would end
   * the process, so one is always installed and this is only for logging.
   */
  onError?: ((error: Error) => void) | undefined;
}

/** The SQL text PostgreSQL receives, and how to order the caller's parameters for it. */
interface Translated {
  text: string;
  /** `@name` placeholders in the order of their numbers; empty for positional `?` or no placeholders. */
  names: string[];
  /** How many `?` placeholders there were. */
  positional: number;
}

const INT8_OID = 20;
const NUMERIC_OID = 1700;

/**
 * Counts and sums come back as int8 (and AVG as numeric), which pg gives as strings by default. They are
 * parsed to numbers for this pool only (never globally: another pg user in the process keeps its own
 * parsing), so rows have the shape SQLite gives. Beyond 2^53 precision is lost, as it is on SQLite.
 */
const types: pg.CustomTypesConfig = {
  getTypeParser: ((oid: number, format?: 'text' | 'binary') => {
    if ((format ?? 'text') === 'text' && (oid === INT8_OID || oid === NUMERIC_OID)) return Number;
    return pg.types.getTypeParser(oid, format);
  }) as pg.CustomTypesConfig['getTypeParser'],
};

/**
 * {@link SqlClient} over a pg connection pool. Statements outside a transaction take any pooled
 * connection; a transaction holds one connection from BEGIN to COMMIT or ROLLBACK, so concurrent
 * transactions are isolated from each other by PostgreSQL itself.
 */
export class PostgresClient implements SqlClient {
  readonly dialect = 'postgres' as const;
  private closed = false;

  constructor(
    /** The pool; the client owns it from now on. */
    private readonly pool: pg.Pool,
    /** The URL without its password. */
    readonly location: string,
  ) {}

  all<Row>(sql: string, params?: SqlParams): Promise<Row[]> {
    return onFreshConnection(() => allOn<Row>(this.pool, sql, params));
  }

  get<Row>(sql: string, params?: SqlParams): Promise<Row | undefined> {
    return onFreshConnection(() => getOn<Row>(this.pool, sql, params));
  }

  value<T extends SqlValue>(sql: string, params?: SqlParams): Promise<T | undefined> {
    return onFreshConnection(() => valueOn<T>(this.pool, sql, params));
  }

  run(sql: string, params?: SqlParams): Promise<SqlRunResult> {
    return onFreshConnection(() => runOn(this.pool, sql, params));
  }

  async exec(script: string): Promise<void> {
    // No parameters: pg uses the simple query protocol, which accepts several statements.
    await onFreshConnection(() => this.pool.query(script));
  }

  async transaction<T>(work: (tx: SqlExecutor) => Promise<T>): Promise<T> {
    const connection = await onFreshConnection(async () => {
      const candidate = await this.pool.connect();
      try {
        await candidate.query('BEGIN');
        return candidate;
      } catch (error) {
        candidate.release(error instanceof Error ? error : new Error(String(error)));
        throw error;
      }
    });
    let broken: Error | undefined;
    try {
      try {
        const result = await work(transactionExecutor(connection));
        await connection.query('COMMIT');
        return result;
      } catch (error) {
        try {
          await connection.query('ROLLBACK');
        } catch (rollbackError) {
          // A connection that cannot roll back is in an unknown state: it must not return to the pool.
          broken = rollbackError instanceof Error ? rollbackError : new Error(String(rollbackError));
        }
        throw error;
      }
    } finally {
      connection.release(broken);
    }
  }

  async ping(): Promise<boolean> {
    if (this.closed) return false;
    try {
      await this.pool.query('SELECT 1');
      return true;
    } catch {
      return false;
    }
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.pool.end();
  }
}

/**
 * Connect to the PostgreSQL database at `url` (`postgres://user:password@host:port/database`) and check
 * that it answers. Does not migrate: `connectDatabase` runs the migrations after opening. Throws
 * `HeedError` `config_invalid` for a URL that cannot be read or a server that refuses these credentials
 * or this database, and `storage_failed` for a server that cannot be reached; neither names the password.
 */
export async function openPostgres(url: string, options: OpenPostgresOptions = {}): Promise<PostgresClient> {
  const target = describeUrl(url);
  const pool = new pg.Pool({
    connectionString: url,
    max: options.poolSize ?? 20,
    connectionTimeoutMillis: options.connectTimeoutMs ?? 10_000,
    application_name: 'heed',
    // As SQLite's synchronous=NORMAL: a commit returns before its WAL is flushed, so a crash of the server
    // (not of Heed) may lose the last fraction of a second of commits, never consistency. Each commit
    // waiting for the disk made every reply's claim and snapshot wait for it too.
    options: '-c synchronous_commit=off',
    types,
  });
  pool.on('error', (error) => options.onError?.(error));
  try {
    await pool.query('SELECT 1');
  } catch (error) {
    await pool.end().catch(() => undefined);
    throw connectError(target, error, url);
  }
  return new PostgresClient(pool, target.location);
}

/** What an operator may be shown of a connection URL. */
interface UrlTarget {
  location: string;
  host: string;
  port: string;
  database: string;
  user: string;
}

function describeUrl(url: string): UrlTarget {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw badUrl('it is not a URL');
  }
  if (parsed.protocol !== 'postgres:' && parsed.protocol !== 'postgresql:') {
    throw badUrl(`it starts with ${parsed.protocol}// instead of postgres://`);
  }
  const database = decodeURIComponent(parsed.pathname.replace(/^\//, ''));
  if (parsed.hostname === '') throw badUrl('it names no host');
  parsed.password = '';
  // libpq-style URLs may also carry it as a parameter.
  if (parsed.searchParams.has('password')) parsed.searchParams.set('password', '***');
  return {
    location: parsed.toString(),
    host: parsed.hostname,
    port: parsed.port || '5432',
    database: database || '(the user name)',
    user: decodeURIComponent(parsed.username) || '(the system user)',
  };
}

function badUrl(reason: string): HeedError {
  return new HeedError(
    'config_invalid',
    `DATABASE_URL cannot be used: ${reason}. Write it as postgres://user:password@host:5432/database.`,
    { detail: { reason } },
  );
}

/** PostgreSQL error codes that mean "this server will not take these settings" (SQLSTATE). */
const REFUSALS: Readonly<Record<string, string>> = {
  '28P01': 'the password was rejected',
  '28000': 'the server does not accept this user from here (pg_hba.conf) or the user does not exist',
  '3D000': 'the database does not exist',
  '42501': 'the user may not connect to this database',
};

function connectError(target: UrlTarget, error: unknown, url: string): HeedError {
  const code = (error as { code?: unknown } | null)?.code;
  const raw = error instanceof Error ? error.message : String(error);
  // The driver's own words never contain the password, but a URL echoed back by a proxy might.
  const parsed = new URL(url);
  let reason = raw;
  for (const password of [safeDecode(parsed.password), parsed.searchParams.get('password') ?? '']) {
    if (password) reason = reason.split(password).join('***');
  }
  const where = `PostgreSQL at ${target.host}:${target.port}, database ${target.database}, user ${target.user}`;
  const refusal = typeof code === 'string' ? REFUSALS[code] : undefined;
  if (refusal !== undefined) {
    return new HeedError(
      'config_invalid',
      `Heed could not connect to ${where}: ${refusal} (${reason}). Check the user, password and database in DATABASE_URL.`,
      { detail: { host: target.host, port: target.port, database: target.database, code }, cause: error },
    );
  }
  return new HeedError(
    'storage_failed',
    `Heed could not connect to ${where}: ${reason || String(code)}. Check that the server is running and reachable ` +
      'from this machine, and the host and port in DATABASE_URL.',
    { detail: { host: target.host, port: target.port, database: target.database, code }, cause: error },
  );
}

function safeDecode(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    return text;
  }
}

/**
 * Run `attempt`, and once more if it failed because the pooled connection it got was already dead: the
 * server ended it while it sat idle (a restart, a failover, an administrator), which the pool may learn
 * only when it is used. The server ran nothing on it, so trying again on a fresh connection is safe; the
 * pool has discarded the dead one by then.
 */
async function onFreshConnection<T>(attempt: () => Promise<T>): Promise<T> {
  try {
    return await attempt();
  } catch (error) {
    if (!endedWhileIdle(error)) throw error;
    return attempt();
  }
}

/**
 * The server had terminated the connection (SQLSTATE 57P01–57P03: administrator, crash, shutdown), or pg
 * refused a client that had already failed. A socket cut in the middle of a statement is not retried: that
 * statement may have run.
 */
function endedWhileIdle(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  if (code === '57P01' || code === '57P02' || code === '57P03') return true;
  return error instanceof Error && /not queryable/.test(error.message);
}

/** A pool or a checked-out connection: both answer `query`. */
type Queryable = pg.Pool | pg.PoolClient;

/** The executor a transaction's work runs on: every statement on the transaction's own connection. */
function transactionExecutor(connection: pg.PoolClient): SqlExecutor {
  const executor: SqlExecutor = {
    dialect: 'postgres',
    all: (sql, params) => allOn(connection, sql, params),
    get: (sql, params) => getOn(connection, sql, params),
    value: (sql, params) => valueOn(connection, sql, params),
    run: (sql, params) => runOn(connection, sql, params),
    exec: async (script) => void (await connection.query(script)),
    transaction: (work) => work(executor),
  };
  return executor;
}

async function allOn<Row>(on: Queryable, sql: string, params?: SqlParams): Promise<Row[]> {
  const result = await on.query<Record<string, unknown>>(queryConfig(sql, params));
  for (const row of result.rows) {
    for (const key in row) {
      const value = row[key];
      if (typeof value === 'string') row[key] = decodeText(value);
    }
  }
  return result.rows as Row[];
}

async function getOn<Row>(on: Queryable, sql: string, params?: SqlParams): Promise<Row | undefined> {
  const rows = await allOn<Row>(on, sql, params);
  return rows[0];
}

async function valueOn<T extends SqlValue>(on: Queryable, sql: string, params?: SqlParams): Promise<T | undefined> {
  const result = await on.query<SqlValue[]>({ ...queryConfig(sql, params), rowMode: 'array' });
  const value = result.rows[0]?.[0];
  return (typeof value === 'string' ? decodeText(value) : value) as T | undefined;
}

async function runOn(on: Queryable, sql: string, params?: SqlParams): Promise<SqlRunResult> {
  const result = await on.query(queryConfig(sql, params));
  return { changes: result.rowCount ?? 0 };
}

function queryConfig(sql: string, params: SqlParams | undefined): pg.QueryConfig<SqlValue[]> {
  const translated = translate(sql);
  return { text: translated.text, values: bindValues(sql, translated, params) };
}

function bindValues(sql: string, translated: Translated, params: SqlParams | undefined): SqlValue[] {
  if (params === undefined) return [];
  if (isPositional(params)) {
    if (translated.names.length > 0) throw placeholderError(sql, 'it names @parameters but was given an array');
    return params.map(encodeText);
  }
  if (translated.positional > 0) throw placeholderError(sql, 'it has ? placeholders but was given named parameters');
  return translated.names.map((name) => {
    const value = params[name];
    if (value === undefined) throw placeholderError(sql, `the parameters have no "${name}" for @${name}`);
    return encodeText(value);
  });
}

/**
 * PostgreSQL text cannot hold U+0000, which SQLite stores like any other character. So that any text
 * round-trips on both, a bound string's U+0000 is stored as U+FFFF "0" (and a U+FFFF, a noncharacter no
 * real text carries, as U+FFFF U+FFFF), and read back the other way. Text without either is unchanged.
 */
function encodeText(value: SqlValue): SqlValue {
  if (typeof value !== 'string' || !(value.includes('\u0000') || value.includes('\uFFFF'))) return value;
  // U+FFFF first, so that the ones the second step writes are not doubled.
  return value.replaceAll('\uFFFF', '\uFFFF\uFFFF').replaceAll('\u0000', '\uFFFF0');
}

/** The text {@link encodeText} was given. */
function decodeText(value: string): string {
  if (!value.includes('\uFFFF')) return value;
  return value.replace(/\uFFFF([0\uFFFF])/g, (_match, ch: string) => (ch === '0' ? '\u0000' : '\uFFFF'));
}

function isPositional(params: SqlParams): params is readonly SqlValue[] {
  return Array.isArray(params);
}

function placeholderError(sql: string, reason: string): HeedError {
  return new HeedError('internal', `A database statement could not be run: ${reason}.`, {
    detail: { sql: sql.slice(0, 200), reason },
  });
}

/** Translated texts, by the SQL the repositories wrote: each text is parsed once per process. */
const translations = new Map<string, Translated>();

/**
 * Rewrite `@name` and `?` placeholders as PostgreSQL's `$n`: each distinct name gets one number, reused
 * wherever it repeats. Quoted strings ('…', E'…', $tag$…$tag$), quoted identifiers, comments and `::`
 * casts are copied as they are. An `@` not followed by a letter or `_` is an operator (`@>`, `<@`, `@@`).
 */
function translate(sql: string): Translated {
  const cached = translations.get(sql);
  if (cached) return cached;
  const names: string[] = [];
  let positional = 0;
  let out = '';
  let i = 0;
  while (i < sql.length) {
    const ch = sql[i] as string;
    const next = sql[i + 1];
    if (ch === "'" || ch === '"') {
      const end = closingQuote(sql, i, ch);
      out += sql.slice(i, end);
      i = end;
    } else if (ch === '-' && next === '-') {
      const end = sql.indexOf('\n', i);
      const stop = end === -1 ? sql.length : end;
      out += sql.slice(i, stop);
      i = stop;
    } else if (ch === '/' && next === '*') {
      const end = sql.indexOf('*/', i + 2);
      const stop = end === -1 ? sql.length : end + 2;
      out += sql.slice(i, stop);
      i = stop;
    } else if (ch === ':' && next === ':') {
      out += '::';
      i += 2;
    } else if (ch === '$' && /[A-Za-z_$]/.test(next ?? '') && !/[\w$]/.test(sql[i - 1] ?? '')) {
      const tag = /^\$([A-Za-z_]\w*)?\$/.exec(sql.slice(i))?.[0];
      if (tag === undefined) {
        out += ch;
        i += 1;
      } else {
        const end = sql.indexOf(tag, i + tag.length);
        const stop = end === -1 ? sql.length : end + tag.length;
        out += sql.slice(i, stop);
        i = stop;
      }
    } else if (ch === '@' && /[A-Za-z_]/.test(next ?? '')) {
      const name = /^[A-Za-z_]\w*/.exec(sql.slice(i + 1))?.[0] ?? '';
      let index = names.indexOf(name);
      if (index === -1) index = names.push(name) - 1;
      out += `$${index + 1}`;
      i += 1 + name.length;
    } else if (ch === '?') {
      positional += 1;
      out += `$${positional}`;
      i += 1;
    } else {
      out += ch;
      i += 1;
    }
  }
  if (names.length > 0 && positional > 0) {
    throw placeholderError(sql, 'it mixes @name and ? placeholders');
  }
  const translated = { text: out, names, positional };
  translations.set(sql, translated);
  return translated;
}

/** The index just past the quote that closes the one at `start`; a doubled quote is part of the text. */
function closingQuote(sql: string, start: number, quote: string): number {
  // E'…' strings also escape with a backslash.
  const backslashes = quote === "'" && /[eE]/.test(sql[start - 1] ?? '') && !/\w/.test(sql[start - 2] ?? '');
  let i = start + 1;
  while (i < sql.length) {
    const ch = sql[i];
    if (backslashes && ch === '\\') {
      i += 2;
    } else if (ch === quote) {
      if (sql[i + 1] === quote) i += 2;
      else return i + 1;
    } else {
      i += 1;
    }
  }
  return sql.length;
}
