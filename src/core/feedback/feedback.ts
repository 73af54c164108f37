/**
 * Feedback on Heed's replies: reports filed on a reply's snapshot, withdrawn, annotated, and listed
 * for their reporter. The rules every platform follows are decided here once: the note limit, and
 * whom a new report thanks and tells.
 */
import type { Logger } from '../logger.js';
import type { ReplyLog, ReportStore } from '../storage/index.js';
import type { ReplySnapshot } from '../storage/index.js';
import type { MessageRef, PersonRef, ReportOutcome, ReportSignal, ReportSource, ReportStatus } from '../types.js';

/** The longest note a report keeps, in characters; every platform's note field uses this limit. */
export const NOTE_LIMIT = 3000;

/** One line of a person's recent reports (Slack App Home). */
export interface ReportListItem {
  reportId: string;
  createdAt: string;
  status: ReportStatus;
  signal: ReportSignal;
  note?: string;
  /** The start of the reply that was reported. */
  replyExcerpt: string;
}

/** One piece of feedback on a platform message. */
export interface FeedbackSignal {
  target: MessageRef;
  reporter: PersonRef;
  source: ReportSource;
  signal: ReportSignal;
  note?: string;
}

/** The question a snapshot answered: the last user message sent. */
export function questionOf(messages: ReplySnapshot['messages']): string {
  for (let index = messages.length - 1; index >= 0; index--) {
    const entry = messages[index];
    if (entry && entry.role === 'user') return entry.content;
  }
  return '';
}

/** A note as stored: trimmed, at most NOTE_LIMIT characters (never half a character). */
function cleanNote(note: string | undefined): string | undefined {
  const trimmed = note?.trim();
  if (!trimmed) return undefined;
  return Array.from(trimmed).slice(0, NOTE_LIMIT).join('');
}

/** Files, withdraws and annotates reports for one core. */
export class Feedback {
  constructor(
    private readonly replies: ReplyLog,
    private readonly reports: ReportStore,
    private readonly logger: Logger,
  ) {}

  /** File feedback; `not_a_reply` when the message is not one of Heed's replies. A repeat is idempotent. */
  async report({ target, reporter, source, signal, note }: FeedbackSignal): Promise<ReportOutcome> {
    const reply = await this.replies.findByMessage(target);
    if (!reply) return { status: 'not_a_reply' };
    const cleaned = cleanNote(note);
    const { report, isNew } = await this.reports.file({
      replyId: reply.id,
      platform: reporter.platform,
      workspaceId: reporter.workspaceId,
      reporterId: reporter.userId,
      source,
      signal,
      ...(cleaned ? { note: cleaned } : {}),
    });
    if (isNew) this.logger.info({ report: report.id, reply: reply.id, signal, source }, 'feedback filed');
    const newFailure = isNew && signal === 'bad';
    return {
      status: 'filed',
      reportId: report.id,
      replyId: reply.id,
      isNew,
      noteUpdated: !isNew && cleaned !== undefined && report.note === cleaned,
      thankReporter: newFailure,
      notifyOperators: newFailure,
      summary: {
        reportId: report.id,
        replyId: reply.id,
        signal,
        source,
        reporterId: reporter.userId,
        askerId: reply.askerId,
        channelId: reply.channelId,
        question: questionOf(reply.messages),
        reply: reply.replyText,
        ...(report.note ? { note: report.note } : {}),
      },
    };
  }

  /** Withdraw the reporter's report of that signal on that message. True if one was withdrawn. */
  async withdraw(target: MessageRef, reporter: PersonRef, signal: ReportSignal): Promise<boolean> {
    const reply = await this.replies.findByMessage(target);
    return reply ? this.reports.withdraw(reply.id, reporter.userId, signal) : false;
  }

  /** Attach or replace the note on a report; only its reporter may. True if saved. */
  async addNote(reportId: string, reporter: PersonRef, note: string): Promise<boolean> {
    const cleaned = cleanNote(note);
    if (!cleaned) return false;
    return this.reports.setNote(reportId, reporter.userId, cleaned);
  }

  /** The person's most recent reports, newest first. */
  async recentReports(person: PersonRef, limit: number): Promise<ReportListItem[]> {
    const items: ReportListItem[] = [];
    for (const report of await this.reports.forReporter(person, limit)) {
      const reply = await this.replies.get(report.replyId);
      items.push({
        reportId: report.id,
        createdAt: report.createdAt,
        status: report.status,
        signal: report.signal,
        ...(report.note ? { note: report.note } : {}),
        replyExcerpt: Array.from(reply?.replyText ?? '')
          .slice(0, 200)
          .join(''),
      });
    }
    return items;
  }
}
