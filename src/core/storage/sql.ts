/**
 * The one interface every repository talks to, whichever database is behind it: SQLite in one file
 * for a single machine, PostgreSQL shared by any number of replicas. Repositories write one portable
 * SQL text (named `@param` or positional `?` placeholders, `ON CONFLICT … DO …`, `RETURNING`, ISO-8601
 * timestamps as text, flags as 0/1 integers); where the two dialects really differ a repository reads
 * {@link SqlExecutor.dialect}. See docs/architecture.md, "Two databases, one interface".
 */

/** Which SQL engine is behind a client. */
export type SqlDialect = 'sqlite' | 'postgres';

/** A value that can be bound to a placeholder or read from a column. */
export type SqlValue = string | number | bigint | null | Uint8Array;

/** Named parameters (`@name` in the SQL) or positional ones (`?`). */
export type SqlParams = Readonly<Record<string, SqlValue>> | readonly SqlValue[];

/** What a write did. */
export interface SqlRunResult {
  /** Rows inserted, updated or deleted. */
  changes: number;
}

/** Runs statements: the client itself, or the handle a transaction's work is given. */
export interface SqlExecutor {
  readonly dialect: SqlDialect;
  /** Every row of a query. */
  all<Row>(sql: string, params?: SqlParams): Promise<Row[]>;
  /** The first row of a query, or undefined when there is none. */
  get<Row>(sql: string, params?: SqlParams): Promise<Row | undefined>;
  /** The first column of the first row, or undefined when there is no row. */
  value<T extends SqlValue>(sql: string, params?: SqlParams): Promise<T | undefined>;
  /** A write (INSERT, UPDATE, DELETE) without rows back. */
  run(sql: string, params?: SqlParams): Promise<SqlRunResult>;
  /** Run a script of several statements without parameters (migrations, maintenance). */
  exec(script: string): Promise<void>;
  /**
   * Run `work` in one transaction: committed when it resolves, rolled back when it throws. `work` may
   * await only statements on the executor it is given (never the network or a model): on SQLite the
   * connection is held for the whole transaction. Inside a transaction this runs `work` in the same one.
   */
  transaction<T>(work: (tx: SqlExecutor) => Promise<T>): Promise<T>;
}

/** An open database: the executor plus its lifecycle. */
export interface SqlClient extends SqlExecutor {
  /** Where the data is, safe to show an operator (a PostgreSQL password is never included). */
  readonly location: string;
  /** Whether the database answers a trivial read; never throws. */
  ping(): Promise<boolean>;
  /** Close every connection; further calls reject. */
  close(): Promise<void>;
}
