import type BetterSqlite3 from 'better-sqlite3';
import type { SqlClient, SqlExecutor, SqlParams, SqlRunResult, SqlValue } from './sql.js';

type Statement = BetterSqlite3.Statement<unknown[], unknown>;

/** The transactions of one turn of the event loop, committed together; each waits for this commit. */
interface Batch {
  readonly committed: Promise<void>;
  settle(error?: unknown): void;
}

/** PRAGMAs (a WAL checkpoint among them) and scripts run outside any batch: some refuse a transaction. */
const OUTSIDE_BATCH = /^\s*PRAGMA\b/i;

/**
 * {@link SqlClient} over one better-sqlite3 connection. better-sqlite3 is synchronous, so each call
 * runs at once; what needs care is a transaction whose work awaits: while one is open or waiting, other
 * callers' statements queue behind it (they would otherwise run inside it and share its rollback), first
 * come first served, so that a steady stream of transactions never starves a read.
 *
 * Transactions are committed in groups: the first of a turn of the event loop opens a database
 * transaction, later ones join it as savepoints (each rolled back alone if it fails), and one COMMIT ends
 * them at the end of the turn, or sooner when a single statement (`run`) needs its own commit: that
 * statement commits at once and takes the waiting transactions with it, so a caller waiting on a single
 * write (the claim, before the model is asked) never waits for the turn to end. Each transaction's promise
 * settles with its commit; a refused commit rejects all of them. Under load a reply's snapshot rides on the
 * next reply's claim: one commit per reply instead of two.
 */
export class SqliteClient implements SqlClient {
  readonly dialect = 'sqlite' as const;
  private readonly statements = new Map<string, Statement>();
  /** Settles when everything queued so far has run. */
  private tail: Promise<unknown> = Promise.resolve();
  /** Transactions open or waiting for their turn; while there are none, statements run at once. */
  private transactions = 0;
  /** The transactions run but not yet committed, if any. */
  private batch: Batch | undefined;
  /** Written since the WAL was last trimmed, and when last (performance.now()). */
  private walDirty = false;
  private lastWriteAt = 0;
  private trimTimer: NodeJS.Timeout | undefined;

  constructor(
    /** The open connection; the client owns it from now on. */
    readonly connection: BetterSqlite3.Database,
  ) {}

  get location(): string {
    return this.connection.name;
  }

  all<Row>(sql: string, params?: SqlParams): Promise<Row[]> {
    return this.inTurn(() => this.outsideIf(sql, () => this.allNow<Row>(sql, params)));
  }

  get<Row>(sql: string, params?: SqlParams): Promise<Row | undefined> {
    return this.inTurn(() => this.outsideIf(sql, () => this.getNow<Row>(sql, params)));
  }

  value<T extends SqlValue>(sql: string, params?: SqlParams): Promise<T | undefined> {
    return this.inTurn(() => this.outsideIf(sql, () => this.valueNow<T>(sql, params)));
  }

  run(sql: string, params?: SqlParams): Promise<SqlRunResult> {
    return this.inTurn(() => {
      const batch = this.batch;
      if (!batch || OUTSIDE_BATCH.test(sql)) return this.outsideIf(sql, () => this.runNow(sql, params));
      // A single statement is one its caller waits for (the claim, before the model is asked): it commits
      // at once, and takes the transactions waiting in the batch with it.
      const result = this.failing(() => this.runNow(sql, params));
      const failure = this.commit(batch);
      if (failure !== undefined) throw failure;
      return result;
    });
  }

  exec(script: string): Promise<void> {
    return this.inTurn(() => {
      this.commit(this.batch);
      this.connection.exec(script);
      this.wrote();
    });
  }

  async transaction<T>(work: (tx: SqlExecutor) => Promise<T>): Promise<T> {
    let turn: { result: T; committed: Promise<void> };
    this.transactions++;
    try {
      turn = await this.queue(async () => {
        const batch = this.joinBatch();
        this.connection.exec('SAVEPOINT heed_transaction');
        try {
          const result = await work(this.inside);
          this.connection.exec('RELEASE heed_transaction');
          return { result, committed: batch.committed };
        } catch (error) {
          if (this.connection.inTransaction) {
            this.connection.exec('ROLLBACK TO heed_transaction');
            this.connection.exec('RELEASE heed_transaction');
          } else {
            this.abandon(error);
          }
          throw error;
        }
      });
    } finally {
      this.transactions--;
    }
    // Waited for outside the queue, whose turns must not wait for the commit queued behind them.
    await turn.committed;
    return turn.result;
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

  /**
   * Once no write has come for `idleMs`, copy the write-ahead log into the database file and truncate it
   * (`wal_checkpoint(TRUNCATE)`). SQLite's own checkpoints reuse the log from its start but never shrink the
   * file, so a burst of replies would leave it at its largest (4 MB and more) until the next restart: disk
   * that holds nothing, and a log to replay on opening.
   */
  trimWalWhenIdle(idleMs: number): void {
    clearInterval(this.trimTimer);
    this.trimTimer = setInterval(() => this.trimIfIdle(idleMs), Math.max(10, idleMs / 2));
    this.trimTimer.unref();
  }

  async close(): Promise<void> {
    clearInterval(this.trimTimer);
    await this.tail;
    this.commit(this.batch);
    if (this.connection.open) this.connection.close();
  }

  /**
   * The open batch, or a new one. IMMEDIATE takes the write lock at once, so two processes on one file
   * cannot both read-then-write.
   */
  private joinBatch(): Batch {
    if (this.batch) return this.batch;
    this.connection.exec('BEGIN IMMEDIATE');
    let settle!: (error?: unknown) => void;
    const committed = new Promise<void>((resolve, reject) => {
      settle = (error) => (error === undefined ? resolve() : reject(error));
    });
    // A batch whose writes all failed has no one waiting for it.
    committed.catch(() => undefined);
    const batch: Batch = { committed, settle };
    this.batch = batch;
    // After this turn's I/O callbacks; queued, so that it never lands inside a transaction's work.
    setImmediate(() => void this.queue(() => this.commit(batch)));
    return batch;
  }

  /** Commit `batch` if it is still the open one; its writers learn the outcome, returned too. */
  private commit(batch: Batch | undefined): unknown {
    if (!batch || batch !== this.batch) return undefined;
    this.batch = undefined;
    try {
      this.connection.exec('COMMIT');
      batch.settle();
      return undefined;
    } catch (error) {
      if (this.connection.inTransaction) this.connection.exec('ROLLBACK');
      batch.settle(error);
      return error;
    }
  }

  /** SQLite rolled the whole transaction back (disk full, I/O error): every write of the batch is lost. */
  private abandon(error: unknown): void {
    const batch = this.batch;
    this.batch = undefined;
    batch?.settle(error);
  }

  /** Run a write of the batch; a failure that took the whole transaction with it fails the batch too. */
  private failing<T>(write: () => T): T {
    try {
      return write();
    } catch (error) {
      if (!this.connection.inTransaction) this.abandon(error);
      throw error;
    }
  }

  /** Run `statement`, committing the open batch first when `sql` must run outside one. */
  private outsideIf<T>(sql: string, statement: () => T): T {
    if (this.batch && OUTSIDE_BATCH.test(sql)) this.commit(this.batch);
    return statement();
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
    const result = { changes: this.statement(sql).run(...bind(params)).changes };
    this.wrote();
    return result;
  }

  private wrote(): void {
    this.walDirty = true;
    this.lastWriteAt = performance.now();
  }

  private trimIfIdle(idleMs: number): void {
    if (!this.walDirty || this.batch || this.transactions > 0) return;
    if (!this.connection.open || this.connection.inTransaction) return;
    if (performance.now() - this.lastWriteAt < idleMs) return;
    // TRUNCATE waits for other connections' readers through the busy handler: never on the event loop.
    const busyTimeout = this.connection.pragma('busy_timeout', { simple: true }) as number;
    this.connection.pragma('busy_timeout = 0');
    try {
      const [result] = this.connection.pragma('wal_checkpoint(TRUNCATE)') as { busy: number }[];
      // Busy: another connection reads or writes; the next tick tries again.
      if (result?.busy === 0) this.walDirty = false;
    } catch {
      // The same: a locked database is tried again on the next tick, and nothing depends on this.
    } finally {
      this.connection.pragma(`busy_timeout = ${busyTimeout}`);
    }
  }
}

function bind(params: SqlParams | undefined): unknown[] {
  if (params === undefined) return [];
  return Array.isArray(params) ? params : [params];
}
