import { HeedError } from '../errors.js';
import type { PersonRef, Platform, ReportSignal, ReportSource, ReportStatus } from '../types.js';
import type { Database } from './database.js';
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

interface ReportRow {
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
}

interface ListParams {
  status: ReportStatus | null;
  signal: ReportSignal | null;
  since: string;
  limit: number;
}

interface PersonParams {
  platform: string;
  workspaceId: string;
  reporterId: string;
}

const DEFAULT_LIST_LIMIT = 100;
const BY_REPORTER = 'platform = @platform AND workspace_id = @workspaceId AND reporter_id = @reporterId';
// rowid breaks ties between reports filed in the same millisecond, in filing order.
const NEWEST_FIRST = 'ORDER BY created_at DESC, rowid DESC';

/** Failure reports and positive feedback on replies, one per (reply, reporter, signal), in `reports`. */
export class ReportStore {
  private readonly findStmt;
  private readonly insertStmt;
  private readonly reopenStmt;
  private readonly updateNoteOnRepeatStmt;
  private readonly withdrawStmt;
  private readonly setNoteStmt;
  private readonly setStatusStmt;
  private readonly getStmt;
  private readonly listStmt;
  private readonly listByStatusStmt;
  private readonly forReporterStmt;
  private readonly forgetStmt;
  private readonly fileTx;

  constructor(
    db: Database,
    private readonly now: () => Date = () => new Date(),
  ) {
    this.findStmt = db.prepare<[string, string, string], ReportRow>(
      'SELECT * FROM reports WHERE reply_id = ? AND reporter_id = ? AND signal = ?',
    );
    this.insertStmt = db.prepare<ReportRow>(
      `INSERT INTO reports (id, reply_id, platform, workspace_id, reporter_id, source, signal, status, note, created_at, updated_at)
       VALUES (@id, @reply_id, @platform, @workspace_id, @reporter_id, @source, @signal, @status, @note, @created_at, @updated_at)`,
    );
    this.reopenStmt = db.prepare<{ id: string; source: ReportSource; note: string | null; now: string }, ReportRow>(
      `UPDATE reports SET status = 'open', source = @source, note = COALESCE(@note, note), updated_at = @now
        WHERE id = @id RETURNING *`,
    );
    this.updateNoteOnRepeatStmt = db.prepare<{ id: string; note: string; now: string }, ReportRow>(
      'UPDATE reports SET note = @note, updated_at = @now WHERE id = @id RETURNING *',
    );
    this.withdrawStmt = db.prepare<[string, string, string, string]>(
      `UPDATE reports SET status = 'withdrawn', updated_at = ?
        WHERE reply_id = ? AND reporter_id = ? AND signal = ? AND status <> 'withdrawn'`,
    );
    this.setNoteStmt = db.prepare<[string | null, string, string, string]>(
      'UPDATE reports SET note = ?, updated_at = ? WHERE id = ? AND reporter_id = ?',
    );
    this.setStatusStmt = db.prepare<[ReportStatus, string, string]>(
      'UPDATE reports SET status = ?, updated_at = ? WHERE id = ?',
    );
    this.getStmt = db.prepare<[string], ReportRow>('SELECT * FROM reports WHERE id = ?');
    // Two shapes so that each can use its own index: by date alone, or by status then date.
    // `since` defaults to '' (before every timestamp) so the range needs no OR.
    this.listStmt = db.prepare<ListParams, ReportRow>(
      `SELECT * FROM reports
        WHERE created_at >= @since AND (@signal IS NULL OR signal = @signal)
        ${NEWEST_FIRST} LIMIT @limit`,
    );
    this.listByStatusStmt = db.prepare<ListParams, ReportRow>(
      `SELECT * FROM reports
        WHERE status = @status AND created_at >= @since AND (@signal IS NULL OR signal = @signal)
        ${NEWEST_FIRST} LIMIT @limit`,
    );
    this.forReporterStmt = db.prepare<PersonParams & { limit: number }, ReportRow>(
      `SELECT * FROM reports WHERE ${BY_REPORTER} ${NEWEST_FIRST} LIMIT @limit`,
    );
    this.forgetStmt = db.prepare<PersonParams>(`DELETE FROM reports WHERE ${BY_REPORTER}`);

    this.fileTx = db.transaction((input: FileReportInput): { report: ReportRecord; isNew: boolean } => {
      const now = this.now();
      const note = cleanNote(input.note);
      const existing = this.findStmt.get(input.replyId, input.reporterId, input.signal);
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
        this.insertStmt.run(row);
        return { report: toRecord(row), isNew: true };
      }
      if (existing.status === 'withdrawn') {
        const row = this.reopenStmt.get({ id: existing.id, source: input.source, note, now: now.toISOString() });
        return { report: toRecord(row ?? existing), isNew: true };
      }
      if (note !== null && note !== existing.note) {
        const row = this.updateNoteOnRepeatStmt.get({ id: existing.id, note, now: now.toISOString() });
        return { report: toRecord(row ?? existing), isNew: false };
      }
      return { report: toRecord(existing), isNew: false };
    });
  }

  /**
   * File feedback. Idempotent per (reply, reporter, signal): a repeat returns the existing report
   * (`isNew` false; its note replaced only by a new non-empty note); a withdrawn one is reopened
   * (`isNew` true). The reply must exist.
   */
  file(input: FileReportInput): { report: ReportRecord; isNew: boolean } {
    // IMMEDIATE: the read-then-write must not interleave with another connection filing the same report.
    return this.fileTx.immediate(input);
  }

  /** Withdraw the reporter's report of that signal on that reply (the row is kept). True if one was withdrawn. */
  withdraw(replyId: string, reporterId: string, signal: ReportSignal): boolean {
    return this.withdrawStmt.run(this.now().toISOString(), replyId, reporterId, signal).changes > 0;
  }

  /** Replace the note of a report; only its own reporter may. An empty note clears it. True if saved. */
  setNote(reportId: string, reporterId: string, note: string): boolean {
    return this.setNoteStmt.run(cleanNote(note), this.now().toISOString(), reportId, reporterId).changes > 0;
  }

  /** Set a report's status (operator triage). True if the report exists. */
  setStatus(reportId: string, status: ReportStatus): boolean {
    return this.setStatusStmt.run(status, this.now().toISOString(), reportId).changes > 0;
  }

  /** A report by id. */
  get(id: string): ReportRecord | undefined {
    const row = this.getStmt.get(id);
    return row && toRecord(row);
  }

  /** Reports matching the filter, newest first. Throws `HeedError` `invalid_filter` for an unreadable `since`. */
  list(filter: ReportFilter = {}): ReportRecord[] {
    const params: ListParams = {
      status: filter.status ?? null,
      signal: filter.signal ?? null,
      since: filter.since === undefined ? '' : normalizeInstant(filter.since),
      limit: clampLimit(filter.limit ?? DEFAULT_LIST_LIMIT),
    };
    const stmt = params.status === null ? this.listStmt : this.listByStatusStmt;
    return stmt.all(params).map(toRecord);
  }

  /** The person's own reports (any status), newest first. */
  forReporter(person: PersonRef, limit: number): ReportRecord[] {
    return this.forReporterStmt.all({ ...personParams(person), limit: clampLimit(limit) }).map(toRecord);
  }

  /** Delete every report the person filed. Returns how many were deleted. */
  forgetReporter(person: PersonRef): number {
    return this.forgetStmt.run(personParams(person)).changes;
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

/** A negative LIMIT means "no limit" to SQLite; never let that through. */
/** A whole, non-negative limit; `Infinity` is no limit at all (SQLite's LIMIT -1). */
function clampLimit(limit: number): number {
  if (limit === Number.POSITIVE_INFINITY) return -1;
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
