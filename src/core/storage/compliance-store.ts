import type { DerivedCheck } from '../compliance/derived-check.js';
import type { Extractor } from '../compliance/derive-checks.js';
import type { CheckResult, ReplyCheckResult } from '../compliance/reply-checks.js';
import type { PersonRef } from '../types.js';
import type { SqlExecutor } from './sql.js';

/** The stored checks of one instruction version. */
export interface StoredDerivation {
  checks: DerivedCheck[];
  extractor: Extractor;
  derivedAt: string;
}

/** A reply's stored check result, with the reply it rewrote, if it is a rewrite. */
export interface StoredReplyCheck extends ReplyCheckResult {
  replyId: string;
  rewriteOf: string | null;
  checkedAt: string;
}

/** One checked reply with what the figures group by. */
export interface CheckedReplyRow extends StoredReplyCheck {
  platform: string;
  channelId: string;
  model: string;
}

interface DerivationRow {
  checks_json: string;
  extractor: Extractor;
  derived_at: string;
}

interface ReplyCheckRow {
  reply_id: string;
  passed: number;
  results_json: string;
  rewrite_of: string | null;
  checked_at: string;
}

interface CheckedRow extends ReplyCheckRow {
  platform: string;
  channel_id: string;
  model: string;
}

/**
 * Compliance data (migration 004): checks per instruction version (`instruction_checks`), check results
 * per reply snapshot with rewrite links (`reply_checks`), and who turned checking off
 * (`compliance_opt_outs`).
 */
export class ComplianceStore {
  constructor(
    private readonly sql: SqlExecutor,
    private readonly now: () => Date = () => new Date(),
  ) {}

  /** The same store, with the same clock, on another executor (a transaction's). */
  on(sql: SqlExecutor): ComplianceStore {
    return new ComplianceStore(sql, this.now);
  }

  /** Store (or replace, when the model's answer arrives later) the checks of an instruction version. */
  async saveDerivation(versionId: number, checks: DerivedCheck[], extractor: Extractor): Promise<void> {
    await this.sql.run(
      `INSERT INTO instruction_checks (version_id, checks_json, extractor, derived_at) VALUES (?, ?, ?, ?)
       ON CONFLICT (version_id) DO UPDATE SET checks_json = excluded.checks_json, extractor = excluded.extractor,
         derived_at = excluded.derived_at`,
      [versionId, JSON.stringify(checks), extractor, this.now().toISOString()],
    );
  }

  /** The checks stored for an instruction version, if they were derived. */
  async derivation(versionId: number): Promise<StoredDerivation | undefined> {
    const row = await this.sql.get<DerivationRow>(
      'SELECT checks_json, extractor, derived_at FROM instruction_checks WHERE version_id = ?',
      [versionId],
    );
    if (!row) return undefined;
    return {
      checks: JSON.parse(row.checks_json) as DerivedCheck[],
      extractor: row.extractor,
      derivedAt: row.derived_at,
    };
  }

  /** Store what ran on a reply; `rewriteOf` links a rewrite to the reply it replaced. */
  async recordResult(replyId: string, result: ReplyCheckResult, rewriteOf: string | null = null): Promise<void> {
    const failed = result.results.filter((entry) => !entry.ok).length;
    await this.sql.run(
      `INSERT INTO reply_checks (reply_id, passed, failed_count, results_json, rewrite_of, checked_at)
       VALUES (?, ?, ?, ?, ?, ?)
       ON CONFLICT (reply_id) DO UPDATE SET passed = excluded.passed, failed_count = excluded.failed_count,
         results_json = excluded.results_json, checked_at = excluded.checked_at`,
      [replyId, result.passed ? 1 : 0, failed, resultsJson(result.results), rewriteOf, this.now().toISOString()],
    );
  }

  /** The check result of a reply, if it was checked. */
  async result(replyId: string): Promise<StoredReplyCheck | undefined> {
    const row = await this.sql.get<ReplyCheckRow>('SELECT * FROM reply_checks WHERE reply_id = ?', [replyId]);
    return row && toStored(row);
  }

  /** The rewrites of a reply, oldest first. */
  async rewritesOf(replyId: string): Promise<StoredReplyCheck[]> {
    const rows = await this.sql.all<ReplyCheckRow>(
      `SELECT * FROM reply_checks WHERE rewrite_of = ? ORDER BY checked_at, ${this.tieBreak('reply_checks')}`,
      [replyId],
    );
    return rows.map(toStored);
  }

  /** Every reply checked at or after `since` (ISO instant), oldest first, with its platform, channel and model. */
  async checkedSince(since: string): Promise<CheckedReplyRow[]> {
    const rows = await this.sql.all<CheckedRow>(
      `SELECT c.*, r.platform, r.channel_id, r.model FROM reply_checks c JOIN replies r ON r.id = c.reply_id
        WHERE c.checked_at >= ? ORDER BY c.checked_at, ${this.tieBreak('c')}`,
      [since],
    );
    return rows.map((row) => ({
      ...toStored(row),
      platform: row.platform,
      channelId: row.channel_id,
      model: row.model,
    }));
  }

  /** Rewrites checked at or after `since`, oldest first (for the preference export). */
  async rewritesSince(since: string): Promise<StoredReplyCheck[]> {
    const rows = await this.sql.all<ReplyCheckRow>(
      `SELECT * FROM reply_checks WHERE rewrite_of IS NOT NULL AND checked_at >= ?
        ORDER BY checked_at, ${this.tieBreak('reply_checks')}`,
      [since],
    );
    return rows.map(toStored);
  }

  /** The signals of a reply's reports that are not withdrawn. */
  async openSignals(replyId: string): Promise<Set<'good' | 'bad'>> {
    const rows = await this.sql.all<{ signal: 'good' | 'bad' }>(
      `SELECT DISTINCT signal FROM reports WHERE reply_id = ? AND status <> 'withdrawn'`,
      [replyId],
    );
    return new Set(rows.map((row) => row.signal));
  }

  /**
   * Hand a reply's platform messages over to its rewrite: feedback on those messages then finds the
   * text people now see. Call in the transaction that records the rewrite.
   */
  async releaseMessages(replyId: string): Promise<void> {
    await this.sql.run('DELETE FROM reply_messages WHERE reply_id = ?', [replyId]);
  }

  /** Turn checking of the person's own replies off or on. */
  async setChecking(person: PersonRef, enabled: boolean): Promise<void> {
    if (enabled) await this.optIn(person);
    else
      await this.sql.run(
        `INSERT INTO compliance_opt_outs (platform, workspace_id, user_id, created_at) VALUES (?, ?, ?, ?)
         ON CONFLICT DO NOTHING`,
        [person.platform, person.workspaceId, person.userId, this.now().toISOString()],
      );
  }

  /** Forget-me: drop the person's opt-out (their checks and results go with their versions and replies). */
  async forgetPerson(person: PersonRef): Promise<number> {
    return this.optIn(person);
  }

  /** False when the person turned checking of their replies off. */
  async checkingEnabled(person: PersonRef): Promise<boolean> {
    const optedOut = await this.sql.value(
      'SELECT 1 FROM compliance_opt_outs WHERE platform = ? AND workspace_id = ? AND user_id = ?',
      [person.platform, person.workspaceId, person.userId],
    );
    return optedOut === undefined;
  }

  private async optIn(person: PersonRef): Promise<number> {
    const { changes } = await this.sql.run(
      'DELETE FROM compliance_opt_outs WHERE platform = ? AND workspace_id = ? AND user_id = ?',
      [person.platform, person.workspaceId, person.userId],
    );
    return changes;
  }

  /**
   * What orders results checked in the same millisecond: on SQLite the rowid (the order they were
   * recorded); PostgreSQL has no rowid, and the reply id is the nearest it has (the order the replies
   * were made: ids made in one millisecond count up, see newId).
   */
  private tieBreak(table: string): string {
    return this.sql.dialect === 'sqlite' ? `${table}.rowid` : `${table}.reply_id`;
  }
}

/**
 * The results as JSON, any U+0000 in their text (a label or detail quoting an instruction or a reply)
 * written as U+FFFD: JSON can only spell it \u0000, which PostgreSQL's jsonb (as its triggers read
 * results_json) refuses, failing the whole insert. Lossy, but only in text shown to people, and the same
 * on both backends.
 */
function resultsJson(results: readonly CheckResult[]): string {
  return JSON.stringify(results, (_key, value: unknown) =>
    typeof value === 'string' ? value.replaceAll('\u0000', '\uFFFD') : value,
  );
}

function toStored(row: ReplyCheckRow): StoredReplyCheck {
  return {
    replyId: row.reply_id,
    passed: row.passed === 1,
    results: JSON.parse(row.results_json) as CheckResult[],
    rewriteOf: row.rewrite_of,
    checkedAt: row.checked_at,
  };
}
