import type { DerivedCheck } from '../compliance/derived-check.js';
import type { Extractor } from '../compliance/derive-checks.js';
import type { CheckResult, ReplyCheckResult } from '../compliance/reply-checks.js';
import type { PersonRef } from '../types.js';
import type { Database } from './database.js';

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
  private readonly saveDerivationStmt;
  private readonly derivationStmt;
  private readonly recordStmt;
  private readonly resultStmt;
  private readonly rewritesStmt;
  private readonly sinceStmt;
  private readonly optOutStmt;
  private readonly optInStmt;
  private readonly isOptedOutStmt;
  private readonly releaseMessagesStmt;
  private readonly rewritesSinceStmt;
  private readonly signalsStmt;

  constructor(
    db: Database,
    private readonly now: () => Date = () => new Date(),
  ) {
    this.saveDerivationStmt = db.prepare<[number, string, Extractor, string]>(
      `INSERT INTO instruction_checks (version_id, checks_json, extractor, derived_at) VALUES (?, ?, ?, ?)
       ON CONFLICT (version_id) DO UPDATE SET checks_json = excluded.checks_json, extractor = excluded.extractor,
         derived_at = excluded.derived_at`,
    );
    this.derivationStmt = db.prepare<[number], DerivationRow>(
      'SELECT checks_json, extractor, derived_at FROM instruction_checks WHERE version_id = ?',
    );
    this.recordStmt = db.prepare<[string, number, number, string, string | null, string]>(
      `INSERT INTO reply_checks (reply_id, passed, failed_count, results_json, rewrite_of, checked_at)
       VALUES (?, ?, ?, ?, ?, ?)
       ON CONFLICT (reply_id) DO UPDATE SET passed = excluded.passed, failed_count = excluded.failed_count,
         results_json = excluded.results_json, checked_at = excluded.checked_at`,
    );
    this.resultStmt = db.prepare<[string], ReplyCheckRow>('SELECT * FROM reply_checks WHERE reply_id = ?');
    this.rewritesStmt = db.prepare<[string], ReplyCheckRow>(
      'SELECT * FROM reply_checks WHERE rewrite_of = ? ORDER BY checked_at, rowid',
    );
    this.sinceStmt = db.prepare<[string], CheckedRow>(
      `SELECT c.*, r.platform, r.channel_id, r.model FROM reply_checks c JOIN replies r ON r.id = c.reply_id
        WHERE c.checked_at >= ? ORDER BY c.checked_at, c.rowid`,
    );
    this.optOutStmt = db.prepare<[string, string, string, string]>(
      `INSERT INTO compliance_opt_outs (platform, workspace_id, user_id, created_at) VALUES (?, ?, ?, ?)
       ON CONFLICT DO NOTHING`,
    );
    this.optInStmt = db.prepare<[string, string, string]>(
      'DELETE FROM compliance_opt_outs WHERE platform = ? AND workspace_id = ? AND user_id = ?',
    );
    this.isOptedOutStmt = db
      .prepare<[string, string, string], number>(
        'SELECT 1 FROM compliance_opt_outs WHERE platform = ? AND workspace_id = ? AND user_id = ?',
      )
      .pluck();
    this.releaseMessagesStmt = db.prepare<[string]>('DELETE FROM reply_messages WHERE reply_id = ?');
    this.rewritesSinceStmt = db.prepare<[string], ReplyCheckRow>(
      'SELECT * FROM reply_checks WHERE rewrite_of IS NOT NULL AND checked_at >= ? ORDER BY checked_at, rowid',
    );
    this.signalsStmt = db
      .prepare<[string], 'good' | 'bad'>(
        `SELECT DISTINCT signal FROM reports WHERE reply_id = ? AND status <> 'withdrawn'`,
      )
      .pluck();
  }

  /** Store (or replace, when the model's answer arrives later) the checks of an instruction version. */
  saveDerivation(versionId: number, checks: DerivedCheck[], extractor: Extractor): void {
    this.saveDerivationStmt.run(versionId, JSON.stringify(checks), extractor, this.now().toISOString());
  }

  /** The checks stored for an instruction version, if they were derived. */
  derivation(versionId: number): StoredDerivation | undefined {
    const row = this.derivationStmt.get(versionId);
    if (!row) return undefined;
    return {
      checks: JSON.parse(row.checks_json) as DerivedCheck[],
      extractor: row.extractor,
      derivedAt: row.derived_at,
    };
  }

  /** Store what ran on a reply; `rewriteOf` links a rewrite to the reply it replaced. */
  recordResult(replyId: string, result: ReplyCheckResult, rewriteOf: string | null = null): void {
    const failed = result.results.filter((entry) => !entry.ok).length;
    this.recordStmt.run(
      replyId,
      result.passed ? 1 : 0,
      failed,
      JSON.stringify(result.results),
      rewriteOf,
      this.now().toISOString(),
    );
  }

  /** The check result of a reply, if it was checked. */
  result(replyId: string): StoredReplyCheck | undefined {
    const row = this.resultStmt.get(replyId);
    return row && toStored(row);
  }

  /** The rewrites of a reply, oldest first. */
  rewritesOf(replyId: string): StoredReplyCheck[] {
    return this.rewritesStmt.all(replyId).map(toStored);
  }

  /** Every reply checked at or after `since` (ISO instant), oldest first, with its platform, channel and model. */
  checkedSince(since: string): CheckedReplyRow[] {
    return this.sinceStmt
      .all(since)
      .map((row) => ({ ...toStored(row), platform: row.platform, channelId: row.channel_id, model: row.model }));
  }

  /** Rewrites checked at or after `since`, oldest first (for the preference export). */
  rewritesSince(since: string): StoredReplyCheck[] {
    return this.rewritesSinceStmt.all(since).map(toStored);
  }

  /** The signals of a reply's reports that are not withdrawn. */
  openSignals(replyId: string): Set<'good' | 'bad'> {
    return new Set(this.signalsStmt.all(replyId));
  }

  /**
   * Hand a reply's platform messages over to its rewrite: feedback on those messages then finds the
   * text people now see. Call in the transaction that records the rewrite.
   */
  releaseMessages(replyId: string): void {
    this.releaseMessagesStmt.run(replyId);
  }

  /** Turn checking of the person's own replies off or on. */
  setChecking(person: PersonRef, enabled: boolean): void {
    if (enabled) this.optInStmt.run(person.platform, person.workspaceId, person.userId);
    else this.optOutStmt.run(person.platform, person.workspaceId, person.userId, this.now().toISOString());
  }

  /** Forget-me: drop the person's opt-out (their checks and results go with their versions and replies). */
  forgetPerson(person: PersonRef): number {
    return this.optInStmt.run(person.platform, person.workspaceId, person.userId).changes;
  }

  /** False when the person turned checking of their replies off. */
  checkingEnabled(person: PersonRef): boolean {
    return this.isOptedOutStmt.get(person.platform, person.workspaceId, person.userId) === undefined;
  }
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
