/**
 * The dashboard's read side (and its two small tables) over the shared database: report lists with
 * keyset pagination, counts, the overview's aggregates, the rules, replays and the audit trail.
 * Values are always bound, never spliced. The SQL is the same on SQLite and PostgreSQL except where
 * SQLite needs its planner steered (CROSS JOIN order, INDEXED BY, unary `+`) and for how the text search
 * table `report_search` matches: an FTS5 trigram index on SQLite, a plain table under a case-insensitive
 * LIKE on PostgreSQL.
 */
import type { ReplyCheckResult } from '../core/compliance/reply-checks.js';
import { versionsFrom, type InstructionVersions, type SqlDialect, type SqlExecutor } from '../core/storage/index.js';
import { newId } from '../core/storage/ids.js';
import type { ReportSignal, ReportSource, ReportStatus } from '../core/types.js';
import type { Cursor, ReportsFilter, ReportsQuery } from './filters.js';

/** One row of the reports list. */
export interface ReportRow {
  id: string;
  createdAt: string;
  status: ReportStatus;
  source: ReportSource;
  signal: ReportSignal;
  platform: string;
  workspaceId: string;
  channelId: string;
  reporterId: string;
  askerId: string;
  model: string;
  note: string | null;
  question: string;
  reply: string;
}

/** One page of the list, with cursors for the pages beside it. */
export interface ReportsPage {
  rows: ReportRow[];
  /** Set when there are older rows. */
  older?: Cursor;
  /** Set when there are newer rows. */
  newer?: Cursor;
}

export interface DayCount {
  day: string;
  source: ReportSource;
  count: number;
}

export interface Ranked {
  label: string;
  count: number;
}

/** First replies checked on one day that ran a check type, and how many passed every check of that type. */
export interface CheckDay {
  day: string;
  check: string;
  total: number;
  passed: number;
}

/** The overview's numbers for failures (bad signal, not withdrawn) since a date. */
export interface Overview {
  perDay: DayCount[];
  /** The automatic checks on first replies (rewrites not counted), per day and check type. */
  checksPerDay: CheckDay[];
  channels: Ranked[];
  versions: Ranked[];
  models: Ranked[];
  open: number;
  total: number;
}

export interface RuleScope {
  platform: string;
  workspaceId: string;
  kind: 'workspace' | 'channel';
  scopeId: string;
}

export interface ReplayInput {
  reportId: string;
  replyId: string;
  model: string;
  params: Record<string, unknown>;
  instructionVersions: InstructionVersions;
  messages: { role: string; content: string }[];
  replyText: string;
  status: 'complete' | 'partial' | 'failed';
  error: string | null;
  latencyMs: number;
  requestedFrom: string;
  /** The checks in force run on the replay's text; null when none applied (or before migration 007). */
  checks: ReplyCheckResult | null;
}

export interface ReplayRecord extends ReplayInput {
  id: string;
  createdAt: string;
}

export interface AuditEntry {
  action: string;
  reportId: string | null;
  fromStatus: string | null;
  toStatus: string | null;
  remote: string;
  userAgent: string;
}

export const PAGE_SIZE = 50;
const EXCERPT = 300;
const FAILURE = "r.signal = 'bad' AND r.status <> 'withdrawn'";

/**
 * A search of `report_search s` for the text in `@q`, and the value to bind there: on SQLite one FTS5
 * phrase (matched as a substring, whatever punctuation it holds, case-insensitively by the trigram
 * tokenizer); on PostgreSQL a LIKE pattern with the text's own `%`, `_` and `\` taken literally, under
 * lower() on both sides because PostgreSQL's LIKE is case-sensitive.
 */
function searchOf(dialect: SqlDialect, text: string): { match: string; q: string } {
  if (dialect === 'sqlite') return { match: 'report_search MATCH @q', q: `"${text.replaceAll('"', '""')}"` };
  return {
    match: `(lower(s.note) LIKE lower(@q) ESCAPE '\\' OR lower(s.reply) LIKE lower(@q) ESCAPE '\\')`,
    q: `%${text.replace(/[\\%_]/g, '\\$&')}%`,
  };
}

/**
 * SQLite's planner hints. SQLite plans each join in the order written when it is a CROSS JOIN, takes
 * an index by name, and skips an index for a column under unary `+`; PostgreSQL plans for itself and
 * rejects all three, so there they are plain joins and nothing.
 */
interface Hints {
  /** A join kept in the order written. */
  join: string;
  /** `INDEXED BY name` on SQLite. */
  indexedBy(index: string): string;
  /** Prefix that keeps SQLite from using the column's index. */
  noIndex: string;
}

function hintsFor(dialect: SqlDialect): Hints {
  return dialect === 'sqlite'
    ? { join: 'CROSS JOIN', indexedBy: (index) => `INDEXED BY ${index}`, noIndex: '+' }
    : { join: 'JOIN', indexedBy: () => '', noIndex: '' };
}

interface Where {
  sql: string;
  params: Record<string, string | number>;
}

/** Conditions on `reports r` alone, each served by an index (the channel and the text through their own). */
function whereOf(filter: ReportsFilter, dialect: SqlDialect): Where {
  const parts: string[] = [];
  const params: Record<string, string | number> = {};
  const add = (sql: string, name: string, value: string | undefined) => {
    if (value === undefined) return;
    parts.push(sql);
    params[name] = value;
  };
  add('r.status = @status', 'status', filter.status);
  add('r.source = @source', 'source', filter.source);
  add('r.signal = @signal', 'signal', filter.signal);
  // With a channel, the replies_channel index finds its few reports; `+` keeps SQLite from walking the
  // whole workspace instead (the workspace is then checked in that index as well).
  const viaChannel = filter.channel === undefined ? '' : hintsFor(dialect).noIndex;
  add(`${viaChannel}r.platform = @platform`, 'platform', filter.platform);
  add(`${viaChannel}r.workspace_id = @workspace`, 'workspace', filter.workspace);
  add('r.created_at >= @since', 'since', filter.since);
  add('r.created_at < @until', 'until', filter.until);
  // Through the replies_channel index alone: reading each candidate's reply row would be far slower.
  const channelScope = [
    filter.platform === undefined ? '' : 'AND platform = @platform',
    filter.workspace === undefined ? '' : 'AND workspace_id = @workspace',
  ].join(' ');
  add(`r.reply_id IN (SELECT id FROM replies WHERE channel_id = @channel ${channelScope})`, 'channel', filter.channel);
  // The failing replies of one type come from their partial index; a few thousand at most per type and period.
  add(
    'r.reply_id IN (SELECT reply_id FROM reply_check_types WHERE check_id = @check AND ok = 0)',
    'check',
    filter.check,
  );
  if (filter.q !== undefined) {
    const search = searchOf(dialect, filter.q);
    add(
      `r.id IN (SELECT i.report_id FROM report_search s JOIN report_search_ids i ON i.rowid = s.rowid
         WHERE ${search.match})`,
      'q',
      search.q,
    );
  }
  return { sql: parts.length > 0 ? parts.join(' AND ') : '1 = 1', params };
}

interface ListRow {
  id: string;
  created_at: string;
  status: ReportStatus;
  source: ReportSource;
  signal: ReportSignal;
  platform: string;
  workspace_id: string;
  channel_id: string;
  reporter_id: string;
  asker_id: string;
  model: string;
  note: string | null;
  question: string | null;
  reply: string;
}

/** The list's columns; the question is the last message of the snapshot's conversation. */
function listColumns(dialect: SqlDialect): string {
  const question =
    dialect === 'sqlite'
      ? `json_extract(p.messages_json, '$[#-1].content')`
      : `(CAST(p.messages_json AS jsonb) -> -1 ->> 'content')`;
  return `r.id, r.created_at, r.status, r.source, r.signal, r.platform, r.workspace_id, r.reporter_id,
  r.note,
  p.channel_id, p.asker_id, p.model, substr(p.reply_text, 1, ${EXCERPT}) AS reply,
  substr(${question}, 1, ${EXCERPT}) AS question`;
}

function toRow(row: ListRow): ReportRow {
  return {
    id: row.id,
    createdAt: row.created_at,
    status: row.status,
    source: row.source,
    signal: row.signal,
    platform: row.platform,
    workspaceId: row.workspace_id,
    channelId: row.channel_id,
    reporterId: row.reporter_id,
    askerId: row.asker_id,
    model: row.model,
    note: row.note,
    question: row.question ?? '',
    reply: row.reply,
  };
}

/** Read and write access for the dashboard, on its own connection. */
export class DashboardQueries {
  private readonly hints: Hints;

  constructor(
    readonly sql: SqlExecutor,
    private readonly now: () => Date = () => new Date(),
  ) {
    this.hints = hintsFor(sql.dialect);
  }

  /**
   * One page of reports, newest first. Keyset pagination on (created_at, id): every page costs the
   * same, however deep, because the index walk starts at the cursor instead of counting past rows.
   */
  async listReports(query: ReportsQuery, pageSize = PAGE_SIZE): Promise<ReportsPage> {
    const { dialect } = this.sql;
    const { join } = this.hints;
    const { q, ...unsearched } = query.filter;
    const where = whereOf(unsearched, dialect);
    const params: Record<string, string | number> = { ...where.params, limit: pageSize + 1 };
    const forward = query.after === undefined;
    const cursor = query.before ?? query.after;
    let inner: string;
    let order: string;
    if (q === undefined) {
      let cursorSql = '';
      if (cursor) {
        const op = forward ? '<' : '>';
        cursorSql = `AND (r.created_at ${op} @cAt OR (r.created_at = @cAt AND r.id ${op} @cId))`;
        params.cAt = cursor.createdAt;
        params.cId = cursor.id;
      }
      order = forward ? 'r.created_at DESC, r.id DESC' : 'r.created_at ASC, r.id ASC';
      inner = `SELECT r.id FROM reports r WHERE ${where.sql} ${cursorSql} ORDER BY ${order} LIMIT @limit`;
    } else {
      // A search walks the text index newest first (its rowids follow filing order) and stops at the end
      // of the page, instead of collecting every match (thousands, for a common word) and sorting them.
      const search = searchOf(dialect, q);
      params.q = search.q;
      let cursorSql = '';
      if (cursor) {
        cursorSql = `AND s.rowid ${forward ? '<' : '>'} (SELECT rowid FROM report_search_ids WHERE report_id = @cId)`;
        params.cId = cursor.id;
      }
      order = forward ? 'page.seq DESC' : 'page.seq ASC';
      inner = `SELECT r.id, s.rowid AS seq FROM report_search s
          ${join} report_search_ids i ON i.rowid = s.rowid ${join} reports r ON r.id = i.report_id
        WHERE ${search.match} AND ${where.sql} ${cursorSql}
        ORDER BY s.rowid ${forward ? 'DESC' : 'ASC'} LIMIT @limit`;
    }
    // The page's ids first, then the columns for those rows only: excerpts come from the large reply
    // rows, and reading them for every candidate before the LIMIT is what costs.
    // CROSS JOIN fixes that order: left to itself, the planner may scan all reports to join the page.
    const sql = `SELECT ${listColumns(dialect)} FROM (${inner}) AS page
      ${join} reports r ON r.id = page.id ${join} replies p ON p.id = r.reply_id
      ORDER BY ${order}`;
    const fetched = (await this.sql.all<ListRow>(sql, params)).map(toRow);
    const more = fetched.length > pageSize;
    const rows = fetched.slice(0, pageSize);
    if (!forward) rows.reverse();
    const first = rows[0];
    const last = rows.at(-1);
    const page: ReportsPage = { rows };
    const cursorOf = (row: ReportRow): Cursor => ({ createdAt: row.createdAt, id: row.id });
    if (forward) {
      if (more && last) page.older = cursorOf(last);
      if (query.before && first) page.newer = cursorOf(first);
    } else {
      if (more && first) page.newer = cursorOf(first);
      if (last) page.older = cursorOf(last);
    }
    return page;
  }

  /**
   * The naive way to the same rows: `LIMIT … OFFSET n`, which reads and discards n rows first. Kept
   * as the benchmark's baseline for {@link listReports}; the dashboard itself never uses it.
   */
  async listReportsAtOffset(filter: ReportsFilter, offset: number, pageSize = PAGE_SIZE): Promise<ReportRow[]> {
    const where = whereOf(filter, this.sql.dialect);
    const sql = `SELECT ${listColumns(this.sql.dialect)} FROM reports r JOIN replies p ON p.id = r.reply_id
      WHERE ${where.sql} ORDER BY r.created_at DESC, r.id DESC LIMIT @limit OFFSET @offset`;
    return (await this.sql.all<ListRow>(sql, { ...where.params, limit: pageSize, offset })).map(toRow);
  }

  /** How many reports match the filter. */
  async countReports(filter: ReportsFilter): Promise<number> {
    const where = whereOf(filter, this.sql.dialect);
    return (await this.sql.value<number>(`SELECT count(*) AS n FROM reports r WHERE ${where.sql}`, where.params)) ?? 0;
  }

  /** Ids of every report matching the filter, newest first (for the export). */
  async reportIds(filter: ReportsFilter): Promise<string[]> {
    const where = whereOf(filter, this.sql.dialect);
    const sql = `SELECT r.id FROM reports r WHERE ${where.sql} ORDER BY r.created_at DESC, r.id DESC`;
    return (await this.sql.all<{ id: string }>(sql, where.params)).map((row) => row.id);
  }

  /** The overview's aggregates over failures filed since `since` (ISO). */
  async overview(since: string): Promise<Overview> {
    const { join, indexedBy } = this.hints;
    // Per day, source and status in one pass: the chart and the open count both come from it.
    const days = await this.sql.all<DayCount & { isOpen: number }>(
      `SELECT substr(created_at, 1, 10) AS day, source, CASE WHEN status = 'open' THEN 1 ELSE 0 END AS "isOpen",
          count(*) AS count
        FROM reports r
        WHERE ${FAILURE} AND r.created_at >= @since GROUP BY day, source, "isOpen" ORDER BY day`,
      { since },
    );
    const perDay: DayCount[] = [];
    for (const row of days) {
      const last = perDay.at(-1);
      if (last && last.day === row.day && last.source === row.source) last.count += row.count;
      else perDay.push({ day: row.day, source: row.source, count: row.count });
    }
    // One pass over the failures' replies, ranked three ways here. The planner, left alone, reads every reply
    // row (a whole conversation each) through the primary key; the covering index makes it ten times faster.
    // Versions are grouped as stored (a few distinct texts) and parsed here, not once per row in SQL.
    const groups = await this.sql.all<{
      workspace: string;
      channel: string;
      model: string;
      versions: string;
      count: number;
    }>(
      `SELECT r.platform || ' ' || r.workspace_id AS workspace, p.channel_id AS channel, p.model AS model,
          p.instruction_versions_json AS versions, count(*) AS count
        FROM reports r ${indexedBy('reports_created_at')}
          ${join} replies p ${indexedBy('replies_overview')} ON p.id = r.reply_id
        WHERE ${FAILURE} AND r.created_at >= @since
        GROUP BY r.platform, r.workspace_id, p.channel_id, p.model, p.instruction_versions_json`,
      { since },
    );
    const versionsLabel = (group: (typeof groups)[number]): string => {
      const versions = versionsFrom(group.versions);
      const workspace = `workspace v${versions.workspace ?? '–'}`;
      return `${group.workspace} · ${workspace} · #${group.channel} v${versions.channel ?? '–'}`;
    };
    const rank = (labelOf: (group: (typeof groups)[number]) => string): Ranked[] => {
      const totals = new Map<string, number>();
      for (const group of groups) totals.set(labelOf(group), (totals.get(labelOf(group)) ?? 0) + group.count);
      return [...totals]
        .map(([label, count]) => ({ label, count }))
        .sort((a, b) => b.count - a.count || (a.label < b.label ? -1 : 1))
        .slice(0, 8);
    };
    const checksPerDay = await this.sql.all<CheckDay>(
      `SELECT substr(checked_at, 1, 10) AS day, check_id AS "check", count(*) AS total, sum(ok) AS passed
        FROM reply_check_types ${indexedBy('reply_check_types_day')}
        WHERE rewrite = 0 AND checked_at >= @since GROUP BY day, check_id ORDER BY day, check_id`,
      { since },
    );
    return {
      perDay,
      checksPerDay,
      channels: rank((group) => `${group.workspace} #${group.channel}`),
      versions: rank(versionsLabel),
      models: rank((group) => group.model),
      open: days.reduce((sum, row) => sum + (row.isOpen ? row.count : 0), 0),
      total: days.reduce((sum, row) => sum + row.count, 0),
    };
  }

  /** Every workspace and channel that has rules (or had them), in a stable order. */
  async ruleScopes(): Promise<RuleScope[]> {
    const rows = await this.sql.all<{
      platform: string;
      workspace_id: string;
      scope_kind: 'workspace' | 'channel';
      scope_id: string;
    }>(
      `SELECT DISTINCT platform, workspace_id, scope_kind, scope_id FROM instruction_versions
        WHERE scope_kind IN ('workspace', 'channel') ORDER BY platform, workspace_id, scope_kind DESC, scope_id`,
    );
    return rows.map((row) => ({
      platform: row.platform,
      workspaceId: row.workspace_id,
      kind: row.scope_kind,
      scopeId: row.scope_id,
    }));
  }

  /** Store a replay; returns its id. */
  async recordReplay(input: ReplayInput): Promise<string> {
    const at = this.now();
    const id = newId(at);
    await this.sql.run(
      `INSERT INTO replays (id, report_id, reply_id, model, params_json, instruction_versions_json, messages_json,
         reply_text, status, error, latency_ms, requested_from, created_at, checks_json)
       VALUES (@id, @reportId, @replyId, @model, @params, @versions, @messages, @replyText, @status, @error, @latencyMs,
         @requestedFrom, @createdAt, @checks)`,
      {
        id,
        reportId: input.reportId,
        replyId: input.replyId,
        model: input.model,
        params: JSON.stringify(input.params),
        versions: JSON.stringify(input.instructionVersions),
        messages: JSON.stringify(input.messages),
        replyText: input.replyText,
        status: input.status,
        error: input.error,
        latencyMs: input.latencyMs,
        requestedFrom: input.requestedFrom,
        createdAt: at.toISOString(),
        checks: input.checks === null ? null : JSON.stringify(input.checks),
      },
    );
    return id;
  }

  /** A report's replays, newest first. */
  async replays(reportId: string, limit = 10): Promise<ReplayRecord[]> {
    const rows = await this.sql.all<{
      id: string;
      report_id: string;
      reply_id: string;
      model: string;
      params_json: string;
      instruction_versions_json: string;
      messages_json: string;
      reply_text: string;
      status: ReplayRecord['status'];
      error: string | null;
      latency_ms: number;
      requested_from: string;
      created_at: string;
      checks_json: string | null;
    }>('SELECT * FROM replays WHERE report_id = ? ORDER BY created_at DESC, id DESC LIMIT ?', [reportId, limit]);
    return rows.map((row) => ({
      id: row.id,
      reportId: row.report_id,
      replyId: row.reply_id,
      model: row.model,
      params: JSON.parse(row.params_json) as Record<string, unknown>,
      instructionVersions: JSON.parse(row.instruction_versions_json) as InstructionVersions,
      messages: JSON.parse(row.messages_json) as { role: string; content: string }[],
      replyText: row.reply_text,
      status: row.status,
      error: row.error,
      latencyMs: row.latency_ms,
      requestedFrom: row.requested_from,
      createdAt: row.created_at,
      checks: row.checks_json === null ? null : (JSON.parse(row.checks_json) as ReplyCheckResult),
    }));
  }

  /** Record a dashboard action with its time and origin. */
  async audit(entry: AuditEntry): Promise<void> {
    await this.sql.run(
      `INSERT INTO dashboard_audit (at, action, report_id, from_status, to_status, remote, user_agent)
       VALUES (@at, @action, @reportId, @fromStatus, @toStatus, @remote, @userAgent)`,
      { at: this.now().toISOString(), ...entry },
    );
  }

  /** A report's audit trail, oldest first. */
  auditTrail(reportId: string): Promise<(AuditEntry & { at: string })[]> {
    // Quoted aliases: PostgreSQL folds unquoted names to lower case.
    return this.sql.all<AuditEntry & { at: string }>(
      `SELECT at, action, report_id AS "reportId", from_status AS "fromStatus", to_status AS "toStatus", remote,
         user_agent AS "userAgent"
          FROM dashboard_audit WHERE report_id = ? ORDER BY id`,
      [reportId],
    );
  }
}
