import type BetterSqlite3 from 'better-sqlite3';
import type { SqlClient, SqlExecutor, SqlParams, SqlRunResult, SqlValue } from './sql.js';

type Statement = BetterSqlite3.Statement<unknown[], unknown>;

/**
 * {@link SqlClient} over one better-sqlite3 connection. better-sqlite3 is synchronous, so each call
 * runs at once; what needs care is a transaction whose work awaits: while one is open or waiting, other
 * callers' statements queue behind it (they would otherwise run inside it and share its rollback), first
 * come first served, so that a steady stream of transactions never starves a read.
 */
export class SqliteClient implements SqlClient {
  readonly dialect = 'sqlite' as const;
  private readonly statements = new Map<string, Statement>();
  /** Settles when everything queued so far has run. */
  private tail: Promise<unknown> = Promise.resolve();
  /** Transactions open or waiting for their turn; while there are none, statements run at once. */
  private transactions = 0;

  constructor(
    /** The open connection; the client owns it from now on. */
    readonly connection: BetterSqlite3.Database,
  ) {}

  get location(): string {
    return this.connection.name;
  }

  all<Row>(sql: string, params?: SqlParams): Promise<Row[]> {
    return this.inTurn(() => this.allNow<Row>(sql, params));
  }

  get<Row>(sql: string, params?: SqlParams): Promise<Row | undefined> {
    return this.inTurn(() => this.getNow<Row>(sql, params));
  }

  value<T extends SqlValue>(sql: string, params?: SqlParams): Promise<T | undefined> {
    return this.inTurn(() => this.valueNow<T>(sql, params));
  }

  run(sql: string, params?: SqlParams): Promise<SqlRunResult> {
    return this.inTurn(() => this.runNow(sql, params));
  }

  exec(script: string): Promise<void> {
    return this.inTurn(() => void this.connection.exec(script));
  }

  async transaction<T>(work: (tx: SqlExecutor) => Promise<T>): Promise<T> {
    this.transactions++;
    try {
      return await this.queue(async () => {
        // IMMEDIATE takes the write lock at once, so two processes on one file cannot both read-then-write.
        this.connection.exec('BEGIN IMMEDIATE');
        try {
          const result = await work(this.inside);
          this.connection.exec('COMMIT');
          return result;
        } catch (error) {
          if (this.connection.inTransaction) this.connection.exec('ROLLBACK');
          throw error;
        }
      });
    } finally {
      this.transactions--;
    }
  }

  async ping(): Promise<boolean> {
    try {
      if (!this.connection.open) return false;
      await this.value('SELECT 1');
      return true;
    } catch {
      return false;
    }
  }

  async close(): Promise<void> {
    await this.tail;
    if (this.connection.open) this.connection.close();
  }

  /** The executor a transaction's work runs on: straight to the connection, no waiting for itself. */
  private readonly inside: SqlExecutor = {
    dialect: 'sqlite',
    all: (sql, params) => Promise.resolve().then(() => this.allNow(sql, params)),
    get: (sql, params) => Promise.resolve().then(() => this.getNow(sql, params)),
    value: async <T extends SqlValue>(sql: string, params?: SqlParams): Promise<T | undefined> => {
      await Promise.resolve();
      return this.valueNow<T>(sql, params);
    },
    run: (sql, params) => Promise.resolve().then(() => this.runNow(sql, params)),
    exec: (script) => Promise.resolve().then(() => void this.connection.exec(script)),
    transaction: (work) => work(this.inside),
  };

  /** Run a statement now, or after the transactions ahead of it when any is open or waiting. */
  private inTurn<T>(statement: () => T): Promise<T> {
    if (this.transactions === 0) {
      try {
        return Promise.resolve(statement());
      } catch (error) {
        return Promise.reject(error);
      }
    }
    return this.queue(statement);
  }

  /** Append `work` to the queue; it runs once everything before it has settled, whatever their outcome. */
  private queue<T>(work: () => T | Promise<T>): Promise<T> {
    const turn = this.tail.then(() => work());
    this.tail = turn.catch(() => undefined);
    return turn;
  }

  /** Prepared once per text; `raw` statements (first column reads) are kept apart, as raw mode sticks. */
  private statement(sql: string, raw = false): Statement {
    const key = raw ? `raw\u0000${sql}` : sql;
    let statement = this.statements.get(key);
    if (!statement) {
      statement = this.connection.prepare(sql);
      if (raw) statement.raw(true);
      this.statements.set(key, statement);
    }
    return statement;
  }

  private allNow<Row>(sql: string, params?: SqlParams): Row[] {
    return this.statement(sql).all(...bind(params)) as Row[];
  }

  private getNow<Row>(sql: string, params?: SqlParams): Row | undefined {
    return this.statement(sql).get(...bind(params)) as Row | undefined;
  }

  private valueNow<T extends SqlValue>(sql: string, params?: SqlParams): T | undefined {
    const row = this.statement(sql, true).get(...bind(params)) as SqlValue[] | undefined;
    return row?.[0] as T | undefined;
  }

  private runNow(sql: string, params?: SqlParams): SqlRunResult {
    return { changes: this.statement(sql).run(...bind(params)).changes };
  }
}

function bind(params: SqlParams | undefined): unknown[] {
  if (params === undefined) return [];
  return Array.isArray(params) ? params : [params];
}
