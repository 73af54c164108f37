/**
 * What the reports commands show about compliance: the checks a reply ran and its rewrites (`reports
 * show`, the JSONL export), and the preference pairs (`reports export --format preference`).
 */
import { pairReason, preferenceLine, type PairReply } from '../core/compliance/preference-pairs.js';
import { ComplianceStore, ReplyLog, type SqlExecutor, type StoredReplyCheck } from '../core/storage/index.js';

async function pairReply(
  replies: ReplyLog,
  store: ComplianceStore,
  id: string,
  checks: StoredReplyCheck | undefined,
): Promise<PairReply | undefined> {
  const reply = await replies.get(id);
  if (!reply) return undefined;
  return {
    id,
    messages: reply.messages,
    replyText: reply.replyText,
    model: reply.model,
    platform: reply.platform,
    checksPassed: checks?.passed,
    failedChecks: (checks?.results ?? [])
      .filter((entry) => !entry.ok)
      .map(({ id: check, label, detail }) => ({ id: check, label, detail })),
    signals: await store.openSignals(id),
  };
}

/** Write one preference pair per rewrite that fixed a miss (checks, or 👎 then 👍), since `since`. Returns how many. */
export async function writePreferencePairs(
  db: SqlExecutor,
  since: string | undefined,
  write: (text: string) => void,
): Promise<number> {
  const store = new ComplianceStore(db);
  const replies = new ReplyLog(db);
  let written = 0;
  for (const rewriteChecks of await store.rewritesSince(since ?? '')) {
    if (!rewriteChecks.rewriteOf) continue;
    const firstChecks = await store.result(rewriteChecks.rewriteOf);
    const first = await pairReply(replies, store, rewriteChecks.rewriteOf, firstChecks);
    const rewrite = await pairReply(replies, store, rewriteChecks.replyId, rewriteChecks);
    if (!first || !rewrite) continue;
    const reason = pairReason(first, rewrite);
    if (!reason) continue;
    write(`${preferenceLine(first, rewrite, reason)}\n`);
    written += 1;
  }
  return written;
}

/** What `reports show` adds about a reply: the checks that ran, what failed, and its rewrites. */
export async function renderChecks(store: ComplianceStore, replies: ReplyLog, replyId: string): Promise<string> {
  const result = await store.result(replyId);
  if (!result) return '';
  const lines = [
    '',
    `Checks (${result.passed ? 'all passed' : `${result.results.filter((entry) => !entry.ok).length} failed`}):`,
  ];
  for (const entry of result.results)
    lines.push(`  ${entry.ok ? 'ok  ' : 'MISS'} ${entry.label} [${entry.layer}]: ${entry.detail}`);
  if (result.rewriteOf) lines.push(`  This reply is a rewrite of ${result.rewriteOf}.`);
  for (const rewrite of await store.rewritesOf(replyId)) {
    const text = (await replies.get(rewrite.replyId))?.replyText ?? '(snapshot gone)';
    lines.push(
      '',
      `--- rewrite ${rewrite.replyId} (${rewrite.passed ? 'passed every check' : 'missed again'}) ---`,
      text,
    );
  }
  return lines.join('\n');
}

/** The automatic checks of a reply and its rewrites, as the export line carries them. */
export interface ExportChecks {
  checks: { passed: boolean; results: unknown } | null;
  rewrites: { reply_id: string; passed: boolean | null }[];
}

/** The check fields of a report's JSONL export line. */
export async function exportChecks(store: ComplianceStore, replyId: string): Promise<ExportChecks> {
  const [result, rewrites] = await Promise.all([store.result(replyId), store.rewritesOf(replyId)]);
  return {
    checks: result ? { passed: result.passed, results: result.results } : null,
    rewrites: rewrites.map((rewrite) => ({ reply_id: rewrite.replyId, passed: rewrite.passed })),
  };
}
