/**
 * What happens after a reply's stream ends: run the checks in force, store the result with the
 * snapshot, file an automatic report on a miss, and then, by HEED_COMPLIANCE, flag it to the asker or
 * rewrite it once. Also the Rewrite action itself: the same messages plus one correction, replacing the
 * reply in place, stored as a new snapshot linked to the first.
 */
import type { CheckResult, ReplyCheckResult } from './reply-checks.js';
import { CORRECTION_HEADING, correctionMessage, failedChecks, missNote } from './reply-checks.js';
import type { ComplianceMode, ComplianceService } from './service.js';
import type { Logger } from '../logger.js';
import type { ModelClient } from '../model/model-client.js';
import type { ChatMessage } from '../prompt/chat-message.js';
import type {
  ComplianceStore,
  InstructionVersions,
  ReplyLog,
  ReplyRecord,
  ReplySnapshot,
  ReportStore,
  SqlExecutor,
} from '../storage/index.js';
import { NOTE_LIMIT } from '../feedback/feedback.js';
import type {
  AutoReport,
  ComplianceNotice,
  IncomingMessage,
  MessageRef,
  PersonRef,
  ReportSummary,
  RewriteOutcome,
  RewriteSink,
} from '../types.js';

/** The reporter id of automatic reports: Heed itself. */
export const AUTO_REPORTER = 'heed';

export interface ComplianceFlowOptions {
  db: SqlExecutor;
  logger: Logger;
  mode: ComplianceMode;
  service: ComplianceService;
  store: ComplianceStore;
  replies: ReplyLog;
  reports: ReportStore;
  model: ModelClient;
}

/**
 * The question a snapshot answered: its last user message that is not a rewrite's correction, without
 * the `[speaker]` label the prompt puts in front of it.
 */
function questionOf(messages: readonly ChatMessage[]): string {
  const asked = [...messages]
    .reverse()
    .find((entry) => entry.role === 'user' && !entry.content.startsWith(CORRECTION_HEADING));
  return (asked?.content ?? '').replace(/^\[[^\]\n]*\] /, '');
}

function missedOf(failed: readonly CheckResult[]): ComplianceNotice['missed'] {
  return failed.map(({ label, detail }) => ({ label, detail }));
}

function snapshotOf(record: ReplyRecord): ReplySnapshot {
  const { id: _id, createdAt: _createdAt, messageIds: _messageIds, ...snapshot } = record;
  return snapshot;
}

/** Runs checks after each reply and performs rewrites. */
export class ComplianceFlow {
  private readonly listeners: Array<(report: AutoReport) => void> = [];
  /** One per rewrite waiting for the model, so that shutdown can cut them short. */
  private readonly cancels = new Set<AbortController>();

  constructor(private readonly options: ComplianceFlowOptions) {}

  /** Cut short every rewrite still waiting for the model (shutdown past its deadline). */
  cancel(): void {
    for (const controller of this.cancels) controller.abort();
  }

  /** Be told of each new automatic report. */
  onAutoReport(listener: (report: AutoReport) => void): void {
    this.listeners.push(listener);
  }

  /**
   * Check a stored reply that the asker has already seen. Never throws: a problem here is logged and the
   * reply stands as posted.
   */
  async afterReply(
    replyId: string,
    question: string,
    sink: { flag?: RewriteSink['flag']; replace?: RewriteSink['replace'] },
    checked?: ReplyCheckResult,
  ): Promise<void> {
    if (this.options.mode === 'off') return;
    const log = this.options.logger.child({ reply: replyId });
    try {
      const reply = await this.options.replies.get(replyId);
      if (!reply) return;
      const result = await this.checkAndRecord(reply, question, null, checked);
      if (!result || result.passed) return;
      if (this.options.mode === 'report') return;
      // Bound: adapters implement these as methods of their sink.
      const replace = sink.replace?.bind(sink);
      const flag = sink.flag?.bind(sink);
      if (this.options.mode === 'fix' && replace) {
        const outcome = await this.rewriteRecord(reply, failedChecks(result), replace);
        if (!flag) return;
        // Still missing after the one automatic rewrite (or the rewrite failed): flagged as in `flag` mode.
        if (outcome.status === 'rewritten') {
          if (!outcome.passed) await this.flagAgain(outcome.replyId, flag);
        } else await flag({ replyId, messageIds: reply.messageIds, missed: missedOf(failedChecks(result)) });
        return;
      }
      if (flag) await flag({ replyId, messageIds: reply.messageIds, missed: missedOf(failedChecks(result)) });
    } catch (error) {
      log.error({ err: error }, 'checking a reply against its instructions failed; the reply stands as posted');
    }
  }

  /** The Rewrite action on a posted reply, for its asker only. Never throws. */
  async rewrite(target: MessageRef, requester: PersonRef, sink: RewriteSink): Promise<RewriteOutcome> {
    try {
      const reply = await this.options.replies.findByMessage(target);
      if (!reply) return { status: 'not_a_reply' };
      const sameWorkspace = reply.platform === requester.platform && reply.workspaceId === requester.workspaceId;
      if (!sameWorkspace || reply.askerId !== requester.userId) return { status: 'not_yours' };
      const stored = await this.options.store.result(reply.id);
      const failed = stored ? failedChecks(stored) : [];
      if (failed.length === 0) return { status: 'nothing_to_fix' };
      const outcome = await this.rewriteRecord(reply, failed, (text, ids) => sink.replace(text, ids));
      if (outcome.status === 'rewritten' && !outcome.passed) await this.flagAgain(outcome.replyId, (n) => sink.flag(n));
      return outcome;
    } catch (error) {
      this.options.logger.error({ err: error }, 'rewrite failed');
      return { status: 'failed' };
    }
  }

  /** A rewrite that missed again is flagged like a first reply: the asker may ask once more. */
  private async flagAgain(replyId: string, flag: (notice: ComplianceNotice) => Promise<void>): Promise<void> {
    const again = await this.options.store.result(replyId);
    const reply = await this.options.replies.get(replyId);
    if (again && reply && !again.passed)
      await flag({ replyId, messageIds: reply.messageIds, missed: missedOf(failedChecks(again)) });
  }

  /** Run the checks on a stored reply, record the result, and file the automatic report on a miss. */
  /**
   * The checks in force for this asker, run on a reply's final text before it is posted (so the applied
   * line can count them); nothing is recorded. Undefined when checking is off or nothing is checked.
   */
  async evaluate(
    message: IncomingMessage,
    versions: InstructionVersions,
    text: string,
  ): Promise<ReplyCheckResult | undefined> {
    if (this.options.mode === 'off') return undefined;
    return this.options.service.check(message, versions, text, message.text);
  }

  /** Record the checks of a stored reply (run now unless `precomputed` already holds them) and report a miss. */
  private async checkAndRecord(
    reply: ReplyRecord,
    question: string,
    rewriteOf: string | null,
    precomputed?: ReplyCheckResult,
  ): Promise<ReplyCheckResult | undefined> {
    const where = {
      platform: reply.platform,
      workspaceId: reply.workspaceId,
      channelId: reply.channelId,
      userId: reply.askerId,
    };
    const result =
      precomputed ?? (await this.options.service.check(where, reply.instructionVersions, reply.replyText, question));
    if (!result) return undefined;
    await this.options.store.recordResult(reply.id, result, rewriteOf);
    if (!result.passed) await this.fileAutoReport(reply, failedChecks(result), question);
    return result;
  }

  private async fileAutoReport(reply: ReplyRecord, failed: readonly CheckResult[], question: string): Promise<void> {
    const note = Array.from(missNote(failed)).slice(0, NOTE_LIMIT).join('');
    const { report, isNew } = await this.options.reports.file({
      replyId: reply.id,
      platform: reply.platform,
      workspaceId: reply.workspaceId,
      reporterId: AUTO_REPORTER,
      source: 'automatic',
      signal: 'bad',
      note,
    });
    if (!isNew) return;
    this.options.logger.info(
      { report: report.id, reply: reply.id, failed: failed.map((entry) => entry.id) },
      'automatic report filed',
    );
    const summary: ReportSummary = {
      reportId: report.id,
      replyId: reply.id,
      signal: 'bad',
      source: 'automatic',
      reporterId: AUTO_REPORTER,
      askerId: reply.askerId,
      channelId: reply.channelId,
      question,
      reply: reply.replyText,
      note,
    };
    for (const listener of this.listeners) {
      try {
        listener({ platform: reply.platform, workspaceId: reply.workspaceId, summary, missed: missedOf(failed) });
      } catch (error) {
        this.options.logger.error({ err: error }, 'an automatic-report listener failed');
      }
    }
  }

  /** Ask the model again with one correction, replace the posted text, store and check the revision. */
  private async rewriteRecord(
    reply: ReplyRecord,
    failed: readonly CheckResult[],
    replace: (text: string, messageIds: readonly string[]) => Promise<string[]>,
  ): Promise<RewriteOutcome> {
    const started = performance.now();
    const question = questionOf(reply.messages);
    const messages: ChatMessage[] = [
      ...reply.messages,
      { role: 'assistant', content: reply.replyText },
      { role: 'user', content: correctionMessage(failed) },
    ];
    let text: string;
    const cancel = new AbortController();
    this.cancels.add(cancel);
    try {
      text = (await this.options.model.stream(messages, () => undefined, cancel.signal)).text;
    } catch (error) {
      this.options.logger.warn({ err: error, reply: reply.id }, 'the model could not rewrite a reply');
      return { status: 'failed' };
    } finally {
      this.cancels.delete(cancel);
    }
    if (text.trim() === '') return { status: 'failed' };
    const messageIds = await replace(text, reply.messageIds);
    const revision: ReplySnapshot = {
      ...snapshotOf(reply),
      messages,
      replyText: text,
      status: 'complete',
      latencyMs: Math.round(performance.now() - started),
    };
    delete revision.error;
    delete revision.firstTokenMs;
    delete revision.promptTokens;
    delete revision.completionTokens;
    // The platform messages now show the revision: feedback on them must find it, not the first reply.
    const replyId = await this.options.db.transaction(async (tx) => {
      await this.options.store.on(tx).releaseMessages(reply.id);
      return this.options.replies.on(tx).record(revision, messageIds);
    });
    const stored = await this.options.replies.get(replyId);
    const result = stored ? await this.checkAndRecord(stored, question, reply.id) : undefined;
    if (!result) await this.options.store.recordResult(replyId, { passed: true, results: [] }, reply.id);
    return { status: 'rewritten', replyId, passed: result?.passed ?? true, text };
  }
}
