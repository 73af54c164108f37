/**
 * Edits learned from reports: when the person who asked reports a reply with a note ("too long", "I
 * said metric units"), the model drafts a concrete change to their "how to respond", which they see
 * privately as before/after. Nothing changes until they accept; a dismissal is remembered for that
 * report. No draft without a model or without a note.
 */
import { visibleLength } from '../commands/instruction-commands.js';
import type { CommandResult } from '../commands/results.js';
import type { Logger } from '../logger.js';
import type { ModelClient } from '../model/model-client.js';
import type { ChatMessage } from '../prompt/chat-message.js';
import { InstructionStore, ReportStore } from '../storage/index.js';
import type { ReplyLog, ScopeKey, SqlExecutor } from '../storage/index.js';
import type { PersonRef } from '../types.js';
import { questionOf } from './feedback.js';

type Status = 'offered' | 'accepted' | 'dismissed';

interface SuggestionRow {
  before: string;
  after: string;
  status: Status;
}

export interface EditSuggestionsParts {
  db: SqlExecutor;
  model: ModelClient;
  replies: ReplyLog;
  reports: ReportStore;
  store: InstructionStore;
  /** Where a person's own instructions live (their linked profile, if any); `sql` inside a transaction. */
  scopeOf: (person: PersonRef, sql?: SqlExecutor) => Promise<ScopeKey>;
  /** Character limit of "how to respond". */
  limit: number;
  logger: Logger;
  now: () => Date;
}

const DRAFT_INSTRUCTIONS = [
  'You help a person improve the custom instructions they give a chat assistant: the field "how to respond" ' +
    '(style, format, length, language).',
  'You get their current instructions, the question they asked, the reply they received, and their note saying ' +
    'what was wrong with it.',
  'Write the complete new "how to respond" text: keep everything that is there, and add or change as little as ' +
    'needed so that the problem in the note does not happen again.',
  'Write it as the person would, in the second person ("Answer in …", "Keep replies …"). Reply with the new text ' +
    'only: no preamble, no quotes, no explanation.',
].join('\n');

/** The model's draft, without the wrapping a model sometimes adds anyway. */
function cleanDraft(text: string): string {
  return text
    .trim()
    .replace(/^```[a-z]*\n([\s\S]*?)\n```$/i, '$1')
    .replace(/^["“](.*)["”]$/s, '$1')
    .trim();
}

/** Drafts, accepts and dismisses edits suggested from reports. */
export class EditSuggestions {
  constructor(private readonly parts: EditSuggestionsParts) {}

  /** Draft an edit from the reporter's report, or say why none is offered. Never throws. */
  async draft(reportId: string, reporter: PersonRef): Promise<CommandResult> {
    const { reports, replies, store, model, logger } = this.parts;
    try {
      const report = await reports.get(reportId);
      if (!report || !isReporter(report, reporter)) return { kind: 'edit_gone' };
      const decided = await suggestion(this.parts.db, reportId);
      if (decided && decided.status !== 'offered') return { kind: 'edit_gone' };
      const note = report.note?.trim() ?? '';
      if (note === '') return { kind: 'edit_not_offered', reason: 'no_note' };
      const reply = await replies.get(report.replyId);
      const asked =
        reply &&
        reply.platform === reporter.platform &&
        reply.workspaceId === reporter.workspaceId &&
        reply.askerId === reporter.userId;
      if (!reply || !asked) return { kind: 'edit_not_offered', reason: 'not_asker' };
      if (!model.configured) return { kind: 'edit_not_offered', reason: 'no_model' };

      const before = (await store.current(await this.parts.scopeOf(reporter)))?.respond ?? '';
      const messages: ChatMessage[] = [
        { role: 'system', content: DRAFT_INSTRUCTIONS },
        {
          role: 'user',
          content: JSON.stringify(
            { current_instructions: before, question: questionOf(reply.messages), reply: reply.replyText, note },
            null,
            2,
          ),
        },
      ];
      let drafted: string;
      try {
        drafted = cleanDraft((await model.stream(messages, () => undefined)).text);
      } catch (error) {
        logger.warn({ err: error, report: reportId }, 'could not draft an edit from a report');
        return { kind: 'edit_not_offered', reason: 'model_failed' };
      }
      if (drafted === '' || drafted === before) return { kind: 'edit_not_offered', reason: 'no_change' };
      if (visibleLength(drafted) > this.parts.limit) return { kind: 'edit_not_offered', reason: 'too_long' };
      await this.parts.db.run(
        `INSERT INTO edit_suggestions (report_id, before, after, status, created_at)
         VALUES (@reportId, @before, @after, 'offered', @at)
         ON CONFLICT (report_id) DO UPDATE
           SET before = excluded.before, after = excluded.after, created_at = excluded.created_at
         WHERE edit_suggestions.status = 'offered'`,
        { reportId, before, after: drafted, at: this.parts.now().toISOString() },
      );
      return { kind: 'edit_suggested', reportId, before, after: drafted };
    } catch (error) {
      logger.error({ err: error, report: reportId }, 'drafting an edit from a report failed');
      return { kind: 'failed', action: 'command', code: 'storage_failed' };
    }
  }

  /** Accept (a new version of "how to respond", undoable) or dismiss (remembered) a suggestion. Never throws. */
  async decide(reportId: string, person: PersonRef, accept: boolean): Promise<CommandResult> {
    const { db, logger, now } = this.parts;
    try {
      return await db.transaction(async (tx): Promise<CommandResult> => {
        const store = new InstructionStore(tx, now);
        const report = await new ReportStore(tx, now).get(reportId);
        const offered = await suggestion(tx, reportId);
        if (!report || !isReporter(report, person) || !offered || offered.status !== 'offered')
          return { kind: 'edit_gone' };
        const at = now().toISOString();
        if (!accept) {
          await decideSuggestion(tx, reportId, 'dismissed', at);
          return { kind: 'edit_dismissed' };
        }
        const scope = await this.parts.scopeOf(person, tx);
        const current = await store.current(scope);
        if ((current?.respond ?? '') !== offered.before) return { kind: 'edit_stale' };
        const saved = await store.write(scope, {
          about: current?.about ?? '',
          respond: offered.after,
          enabled: current?.enabled ?? true,
          action: 'suggested',
          actorId: person.userId,
        });
        await decideSuggestion(tx, reportId, 'accepted', at);
        return { kind: 'edit_accepted', version: saved.version };
      });
    } catch (error) {
      logger.error({ err: error, report: reportId }, 'deciding on a suggested edit failed');
      return { kind: 'failed', action: 'command', code: 'storage_failed' };
    }
  }
}

/** The suggestion drafted for a report, if any. */
function suggestion(sql: SqlExecutor, reportId: string): Promise<SuggestionRow | undefined> {
  return sql.get<SuggestionRow>('SELECT before, after, status FROM edit_suggestions WHERE report_id = ?', [reportId]);
}

/** Record the reporter's decision on a suggestion still offered. */
async function decideSuggestion(sql: SqlExecutor, reportId: string, status: Status, at: string): Promise<void> {
  await sql.run(
    `UPDATE edit_suggestions SET status = @status, decided_at = @at
      WHERE report_id = @reportId AND status = 'offered'`,
    { reportId, status, at },
  );
}

function isReporter(report: { platform: string; workspaceId: string; reporterId: string }, person: PersonRef): boolean {
  return (
    report.platform === person.platform &&
    report.workspaceId === person.workspaceId &&
    report.reporterId === person.userId
  );
}
