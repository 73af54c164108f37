/**
 * The core's public surface: what adapters call. The core decides every business rule (dedupe, rate
 * limits, precedence, who may edit which layer, what a report records and whom it tells); an adapter
 * only translates platform events into these calls and renders the results.
 */
import type { CommandResult, EditorResult } from './commands/results.js';
import type { FeedbackSignal, ReportListItem } from './feedback/feedback.js';
import type {
  Actor,
  ChannelRef,
  EditorInput,
  IncomingMessage,
  MessageRef,
  PersonRef,
  ReplySink,
  ReportOutcome,
  ReportSignal,
  AutoReport,
  RespondOutcome,
  RewriteOutcome,
  RewriteSink,
} from './types.js';
import type { RequestRef } from './storage/request-claims.js';

export type { CommandResult, EditorResult, FeedbackSignal, ReportListItem };
export { NOTE_LIMIT } from './feedback/feedback.js';

/** A person's instructions as the App Home or an editor shows them. */
export interface InstructionsView {
  about: string;
  respond: string;
  enabled: boolean;
  /** 0 when the person has never set anything. */
  version: number;
}

/** Whether the core can do its work: the database answers a query. */
export interface CoreHealth {
  ok: boolean;
  /** `ok`, `closed` (after shutdown) or `error` (the query failed; the log says why). */
  database: 'ok' | 'closed' | 'error';
}

/** What adapters call. */
export interface HeedCore {
  /**
   * Answer one message: claim it, build the prompt, stream the model's reply into `sink`, store the snapshot. Never
   * throws.
   */
  respond(message: IncomingMessage, sink: ReplySink): Promise<RespondOutcome>;
  /** Run one `/instructions` command line (the text after the command name). Never throws. */
  command(actor: Actor, text: string): Promise<CommandResult>;
  /** Save the editor's two fields (and on/off) as a new version, or say which field is wrong. Never throws. */
  saveEditor(actor: Actor, input: EditorInput): Promise<EditorResult>;
  /** The confirmed second step of `forget-me`: `forgotten`, or `failed` with nothing deleted. Never throws. */
  confirmForgetMe(actor: Actor): Promise<CommandResult>;
  /**
   * File feedback on a platform message; `not_a_reply` when it is not one of Heed's replies. A repeat is idempotent.
   */
  report(feedback: FeedbackSignal): Promise<ReportOutcome>;
  /** Withdraw the reporter's report of that signal on that message (a removed reaction). True if one was withdrawn. */
  withdraw(target: MessageRef, reporter: PersonRef, signal: ReportSignal): Promise<boolean>;
  /** Attach or replace the note on a report; only its reporter may. True if saved. */
  addNote(reportId: string, reporter: PersonRef, note: string): Promise<boolean>;
  /**
   * True when this incoming message is already being answered or was answered, so an adapter can skip
   * a twin or a redelivery before doing any platform work. `respond` decides authoritatively either way.
   */
  isHandled(message: MessageRef): Promise<boolean>;
  /**
   * Claim a command or interaction by the id its platform gave it: true the first time, false for a
   * replayed copy (persisted, so it holds across restarts and processes).
   */
  claimRequest(request: RequestRef): Promise<boolean>;
  /**
   * True when this person is over the rate limit now, so an adapter can skip reading and parsing the
   * message (respond() still sends the notice). Counts nothing.
   */
  isRateLimited(person: PersonRef): Promise<boolean>;
  /** True when the platform message is (part of) one of Heed's stored replies. */
  isReply(target: MessageRef): Promise<boolean>;
  /** True when Heed has replied in that thread before, so follow-ups there are answered without a mention. */
  hasRepliedInThread(channel: ChannelRef, threadId: string): Promise<boolean>;
  /** The person's current instructions. */
  instructions(person: PersonRef): Promise<InstructionsView>;
  /** The person's most recent reports, newest first. */
  recentReports(person: PersonRef, limit: number): Promise<ReportListItem[]>;
  /** Whether the core's storage answers, for health checks. Never throws. */
  health(): Promise<CoreHealth>;
  /**
   * Rewrite a reply that missed checked instructions (the Rewrite button, `/rewrite`): only its asker
   * may. The revision replaces the reply in `sink` and is stored as a new snapshot linked to the first.
   * Never throws.
   */
  rewrite(target: MessageRef, requester: PersonRef, sink: RewriteSink): Promise<RewriteOutcome>;
  /** Be told of each new automatic report (a reply that missed checks), e.g. to post it to a reports channel. */
  onAutoReport(listener: (report: AutoReport) => void): void;
  /**
   * Why this answer?: what shaped the reply at `target`, for its asker only (`why_unavailable` otherwise).
   * Never throws.
   */
  why(target: MessageRef, person: PersonRef): Promise<CommandResult>;
  /**
   * After a report got a note: draft an edit of the reporter's "how to respond" (`edit_suggested`), or
   * `edit_not_offered` with the reason (no model, no note, not the asker …). Never throws.
   */
  suggestEdit(reportId: string, reporter: PersonRef): Promise<CommandResult>;
  /** Accept (a new version, undoable) or dismiss (remembered) the edit suggested for a report. Never throws. */
  decideEdit(reportId: string, person: PersonRef, accept: boolean): Promise<CommandResult>;
}
