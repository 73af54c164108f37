/**
 * The compliance side of `npm run heed -- …`:
 *   compliance [--since DATE|7d] [--json]          figures: share of replies passing, per check, channel, model
 *   reports export --format preference [--since …]  chosen/rejected JSONL pairs from rewrites that fixed a miss
 * and the check results that `reports show` and the JSONL export carry.
 */
import type { Config } from '../config.js';
import { complianceFigures, renderFigures } from '../core/compliance/figures.js';
import { pairReason, preferenceLine, type PairReply } from '../core/compliance/preference-pairs.js';
import { HeedError } from '../core/errors.js';
import { parseReportFilter } from '../core/reports/report-views.js';
import { ComplianceStore, openDatabase, ReplyLog, type StoredReplyCheck } from '../core/storage/index.js';

const USAGE = 'Usage: npm run heed -- compliance [--since 2026-11-01|7d] [--json]';

/**
 * `compliance [--since …] [--json]`: the figures as text, or as one JSON object on standard output.
 * Throws HeedError `usage` with a sentence for the operator.
 */
export function runComplianceCli(argv: string[], config: Config, write: (text: string) => void): number {
  let since: string | undefined;
  let json = false;
  for (let index = 0; index < argv.length; index++) {
    const arg = argv[index];
    if (arg === '--json') json = true;
    else if (arg === '--since' || arg?.startsWith('--since=')) {
      const value = arg === '--since' ? argv[++index] : arg.slice('--since='.length);
      if (!value) throw new HeedError('usage', `--since needs a value.\n${USAGE}`);
      since = parseReportFilter({ since: value }, new Date()).since;
    } else throw new HeedError('usage', `Unknown argument "${arg}".\n${USAGE}`);
  }
  const db = openDatabase(config.DATABASE_PATH);
  try {
    const figures = complianceFigures(new ComplianceStore(db).checkedSince(since ?? ''));
    write(json ? `${JSON.stringify({ since: since ?? null, ...figures })}\n` : `${renderFigures(figures, since)}\n`);
    return 0;
  } finally {
    db.close();
  }
}

function pairReply(replies: ReplyLog, store: ComplianceStore, id: string, checks: StoredReplyCheck | undefined): PairReply | undefined {
  const reply = replies.get(id);
  if (!reply) return undefined;
  return {
    id,
    messages: reply.messages,
    replyText: reply.replyText,
    model: reply.model,
    platform: reply.platform,
    checksPassed: checks?.passed,
    failedChecks: (checks?.results ?? []).filter((entry) => !entry.ok).map(({ id: check, label, detail }) => ({ id: check, label, detail })),
    signals: store.openSignals(id),
  };
}

/** Write one preference pair per rewrite that fixed a miss (checks, or 👎 then 👍), since `since`. Returns how many. */
export function writePreferencePairs(db: ReturnType<typeof openDatabase>, since: string | undefined, write: (text: string) => void): number {
  const store = new ComplianceStore(db);
  const replies = new ReplyLog(db);
  let written = 0;
  for (const rewriteChecks of store.rewritesSince(since ?? '')) {
    if (!rewriteChecks.rewriteOf) continue;
    const first = pairReply(replies, store, rewriteChecks.rewriteOf, store.result(rewriteChecks.rewriteOf));
    const rewrite = pairReply(replies, store, rewriteChecks.replyId, rewriteChecks);
    if (!first || !rewrite) continue;
    const reason = pairReason(first, rewrite);
    if (!reason) continue;
    write(`${preferenceLine(first, rewrite, reason)}\n`);
    written += 1;
  }
  return written;
}

/** What `reports show` adds about a reply: the checks that ran, what failed, and its rewrites. */
export function renderChecks(store: ComplianceStore, replies: ReplyLog, replyId: string): string {
  const result = store.result(replyId);
  if (!result) return '';
  const lines = ['', `Checks (${result.passed ? 'all passed' : `${result.results.filter((entry) => !entry.ok).length} failed`}):`];
  for (const entry of result.results) lines.push(`  ${entry.ok ? 'ok  ' : 'MISS'} ${entry.label} [${entry.layer}]: ${entry.detail}`);
  if (result.rewriteOf) lines.push(`  This reply is a rewrite of ${result.rewriteOf}.`);
  for (const rewrite of store.rewritesOf(replyId)) {
    const text = replies.get(rewrite.replyId)?.replyText ?? '(snapshot gone)';
    lines.push('', `--- rewrite ${rewrite.replyId} (${rewrite.passed ? 'passed every check' : 'missed again'}) ---`, text);
  }
  return lines.join('\n');
}

/** The check fields of a report's JSONL export line. */
export function exportChecks(store: ComplianceStore, replyId: string): Record<string, unknown> {
  const result = store.result(replyId);
  return {
    checks: result ? { passed: result.passed, results: result.results } : null,
    rewrites: store.rewritesOf(replyId).map((rewrite) => ({ reply_id: rewrite.replyId, passed: rewrite.passed })),
  };
}
