import { HeedError } from '../errors.js';
import type { PersonRef, Platform, ReportSignal, ReportSource, ReportStatus } from '../types.js';
import type { SqlDialect, SqlExecutor } from './sql.js';
import { newId } from './ids.js';

/** One piece of feedback on one reply, by one person. */
export interface ReportRecord {
  id: string;
  replyId: string;
  platform: Platform;
  workspaceId: string;
  reporterId: string;
  source: ReportSource;
  signal: ReportSignal;
  status: ReportStatus;
  note: string | null;
  createdAt: string;
  updatedAt: string;
}

/** What {@link ReportStore.file} needs. */
export interface FileReportInput {
  replyId: string;
  platform: Platform;
  workspaceId: string;
  reporterId: string;
  source: ReportSource;
  signal: ReportSignal;
  note?: string;
}

/** Filters for {@link ReportStore.list}; all optional. */
export interface ReportFilter {
  status?: ReportStatus;
  /** ISO-8601 instant or date; reports created at or after it. */
  since?: string;
  signal?: ReportSignal;
  /** Default 100; `Infinity` for every match. */
  limit?: number;
}

type ReportRow = {
  id: string;
  reply_id: string;
  platform: string;
  workspace_id: string;
  reporter_id: string;
  source: ReportSource;
  signal: ReportSignal;
  status: ReportStatus;
  note: string | null;
  created_at: string;
  updated_at: string;
};

type ListParams = {
  status: ReportStatus | null;
  signal: ReportSignal | null;
  since: string;
  limit: number | null;
};

type PersonParams = {
  platform: string;
  workspaceId: string;
  reporterId: string;
};

const DEFAULT_LIST_LIMIT = 100;
const BY_REPORTER = 'platform = @platform AND workspace_id = @workspaceId AND reporter_id = @reporterId';

/**
 * Newest first. On SQLite the rowid breaks ties between reports filed in the same millisecond, in filing
 * order; PostgreSQL has no rowid, and the id (creation time, then random) is the nearest it has.
 */
function newestFirst(dialect: SqlDialect): string {
  return dialect === 'sqlite' ? 'ORDER BY created_at DESC, rowid DESC' : 'ORDER BY created_at DESC, id DESC';
}

/** Failure reports and positive feedback on replies, one per (reply, reporter, signal), in `reports`. */
export class ReportStore {
  constructor(
    private readonly sql: SqlExecutor,
    private readonly now: () => Date = () => new Date(),
  ) {}

  /** The same store, with the same clock, on another executor (a transaction's). */
  on(sql: SqlExecutor): ReportStore {
    return new ReportStore(sql, this.now);
  }

  /**
   * File feedback. Idempotent per (reply, reporter, signal): a repeat returns the existing report
   * (`isNew` false; its note replaced only by a new non-empty note); a withdrawn one is reopened
   * (`isNew` true). The reply must exist.
   */
  async file(input: FileReportInput): Promise<{ report: ReportRecord; isNew: boolean }> {
    // One transaction (IMMEDIATE on SQLite): the read-then-write must not interleave with another
    // connection filing the same report.
    return this.sql.transaction(async (tx) => {
      const now = this.now();
      const note = cleanNote(input.note);
      const existing = await tx.get<ReportRow>(
        'SELECT * FROM reports WHERE reply_id = ? AND reporter_id = ? AND signal = ?',
        [input.replyId, input.reporterId, input.signal],
      );
      if (!existing) {
        const row: ReportRow = {
          id: newId(now),
          reply_id: input.replyId,
          platform: input.platform,
          workspace_id: input.workspaceId,
          reporter_id: input.reporterId,
          source: input.source,
          signal: input.signal,
          status: 'open',
          note,
          created_at: now.toISOString(),
          updated_at: now.toISOString(),
        };
        await tx.run(
          `INSERT INTO reports (id, reply_id, platform, workspace_id, reporter_id, source, signal, status, note, created_at, updated_at)
           VALUES (@id, @reply_id, @platform, @workspace_id, @reporter_id, @source, @signal, @status, @note, @created_at, @updated_at)`,
          row,
        );
        return { report: toRecord(row), isNew: true };
      }
      if (existing.status === 'withdrawn') {
        const row = await tx.get<ReportRow>(
          `UPDATE reports SET status = 'open', source = @source, note = COALESCE(@note, note), updated_at = @now
            WHERE id = @id RETURNING *`,
          { id: existing.id, source: input.source, note, now: now.toISOString() },
        );
        return { report: toRecord(row ?? existing), isNew: true };
      }
      if (note !== null && note !== existing.note) {
        const row = await tx.get<ReportRow>(
          'UPDATE reports SET note = @note, updated_at = @now WHERE id = @id RETURNING *',
          {
            id: existing.id,
            note,
            now: now.toISOString(),
          },
        );
        return { report: toRecord(row ?? existing), isNew: false };
      }
      return { report: toRecord(existing), isNew: false };
    });
  }

  /** Withdraw the reporter's report of that signal on that reply (the row is kept). True if one was withdrawn. */
  async withdraw(replyId: string, reporterId: string, signal: ReportSignal): Promise<boolean> {
    const { changes } = await this.sql.run(
      `UPDATE reports SET status = 'withdrawn', updated_at = ?
        WHERE reply_id = ? AND reporter_id = ? AND signal = ? AND status <> 'withdrawn'`,
      [this.now().toISOString(), replyId, reporterId, signal],
    );
    return changes > 0;
  }

  /** Replace the note of a report; only its own reporter may. An empty note clears it. True if saved. */
  async setNote(reportId: string, reporterId: string, note: string): Promise<boolean> {
    const { changes } = await this.sql.run(
      'UPDATE reports SET note = ?, updated_at = ? WHERE id = ? AND reporter_id = ?',
      [cleanNote(note), this.now().toISOString(), reportId, reporterId],
    );
    return changes > 0;
  }

  /** Set a report's status (operator triage). True if the report exists. */
  async setStatus(reportId: string, status: ReportStatus): Promise<boolean> {
    const { changes } = await this.sql.run('UPDATE reports SET status = ?, updated_at = ? WHERE id = ?', [
      status,
      this.now().toISOString(),
      reportId,
    ]);
    return changes > 0;
  }

  /** A report by id. */
  async get(id: string): Promise<ReportRecord | undefined> {
    const row = await this.sql.get<ReportRow>('SELECT * FROM reports WHERE id = ?', [id]);
    return row && toRecord(row);
  }

  /** Reports matching the filter, newest first. Throws `HeedError` `invalid_filter` for an unreadable `since`. */
  async list(filter: ReportFilter = {}): Promise<ReportRecord[]> {
    const params: ListParams = {
      status: filter.status ?? null,
      signal: filter.signal ?? null,
      since: filter.since === undefined ? '' : normalizeInstant(filter.since),
      limit: clampLimit(filter.limit ?? DEFAULT_LIST_LIMIT, this.sql.dialect),
    };
    // Two shapes so that each can use its own index: by date alone, or by status then date.
    // `since` defaults to '' (before every timestamp) so the range needs no OR. The CAST tells PostgreSQL
    // the type of a parameter it would otherwise meet first in `IS NULL`, where it cannot infer one.
    const byStatus = params.status === null ? '' : 'status = @status AND ';
    const rows = await this.sql.all<ReportRow>(
      `SELECT * FROM reports
        WHERE ${byStatus}created_at >= @since AND (CAST(@signal AS TEXT) IS NULL OR signal = @signal)
        ${newestFirst(this.sql.dialect)} LIMIT @limit`,
      params.status === null ? { signal: params.signal, since: params.since, limit: params.limit } : params,
    );
    return rows.map(toRecord);
  }

  /** The person's own reports (any status), newest first. */
  async forReporter(person: PersonRef, limit: number): Promise<ReportRecord[]> {
    const rows = await this.sql.all<ReportRow>(
      `SELECT * FROM reports WHERE ${BY_REPORTER} ${newestFirst(this.sql.dialect)} LIMIT @limit`,
      { ...personParams(person), limit: clampLimit(limit, this.sql.dialect) },
    );
    return rows.map(toRecord);
  }

  /** Delete every report the person filed. Returns how many were deleted. */
  async forgetReporter(person: PersonRef): Promise<number> {
    return (await this.sql.run(`DELETE FROM reports WHERE ${BY_REPORTER}`, personParams(person))).changes;
  }
}

function personParams(person: PersonRef): PersonParams {
  return { platform: person.platform, workspaceId: person.workspaceId, reporterId: person.userId };
}

/** Whitespace-only notes count as no note. */
function cleanNote(note: string | undefined): string | null {
  const trimmed = note?.trim();
  return trimmed ? trimmed : null;
}

/**
 * A whole, non-negative limit; `Infinity` is no limit at all: LIMIT -1 on SQLite (which takes any
 * negative LIMIT as none, so no other negative gets through), LIMIT NULL on PostgreSQL.
 */
function clampLimit(limit: number, dialect: SqlDialect): number | null {
  if (limit === Number.POSITIVE_INFINITY) return dialect === 'sqlite' ? -1 : null;
  return Number.isFinite(limit) ? Math.max(0, Math.floor(limit)) : DEFAULT_LIST_LIMIT;
}

/** Stored timestamps are `toISOString()` text, so a bound must be in the same form to compare as text. */
function normalizeInstant(value: string): string {
  const date = new Date(value);
  if (Number.isNaN(date.getTime())) {
    throw new HeedError(
      'invalid_filter',
      `"${value}" is not a date I can read. Use a form like 2026-01-31 or 2026-01-31T12:00:00Z.`,
      {
        detail: { since: value },
      },
    );
  }
  return date.toISOString();
}

function toRecord(row: ReportRow): ReportRecord {
  return {
    id: row.id,
    replyId: row.reply_id,
    platform: row.platform as Platform,
    workspaceId: row.workspace_id,
    reporterId: row.reporter_id,
    source: row.source,
    signal: row.signal,
    status: row.status,
    note: row.note,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  };
}
