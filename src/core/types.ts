import type { AppliedSummary } from './reply/applied.js';

/**
 * The platform-neutral vocabulary of Heed's core. Adapters translate Slack and Discord events into
 * these types and render the core's results back; nothing here knows about a platform SDK.
 */

/** Where a message came from. `terminal` is the local chat (`npm run chat`). */
export type Platform = 'slack' | 'discord' | 'terminal';

/**
 * A workspace is a Slack team, a Discord guild, or the DM space. Everything a person or an operator
 * sets is keyed by platform + workspace + the scope's own id: the same user id in two workspaces is
 * two people.
 */
export interface WorkspaceRef {
  platform: Platform;
  /** Slack team id, Discord guild id, or DM_WORKSPACE for platforms whose direct messages belong to no workspace. */
  workspaceId: string;
}

/** The workspace id of direct messages on a platform where they belong to no workspace (Discord). */
export const DM_WORKSPACE = 'dm';

/** One person within one workspace. */
export interface PersonRef extends WorkspaceRef {
  userId: string;
}

/** One channel within one workspace. */
export interface ChannelRef extends WorkspaceRef {
  channelId: string;
}

/** One platform message: the unit of dedupe and the handle by which replies are found for feedback. */
export interface MessageRef extends ChannelRef {
  /** Slack `ts`, Discord message snowflake. */
  messageId: string;
}

/** An earlier message of the conversation, as context for the model. */
export interface HistoryMessage {
  /** `assistant` for the bot's own earlier replies, `user` for anyone else. */
  role: 'user' | 'assistant';
  /** Display name of the speaker, shown to the model so that it can tell speakers apart. */
  speaker?: string;
  text: string;
}

/** A message addressed to the bot, already translated by an adapter. */
export interface IncomingMessage extends MessageRef {
  userId: string;
  /** Display name of the asker, if the adapter knows it. */
  userName?: string;
  /** The message text with the bot's own mention removed. */
  text: string;
  /** Earlier messages of the thread or reply chain, oldest first. The core trims them to budget. */
  history: HistoryMessage[];
  /** Thread the reply goes into (Slack `thread_ts`, Discord thread channel id), if any. */
  threadId?: string;
  /** True in a direct message with the bot. */
  isDirect?: boolean;
}

/**
 * Where a reply streams to. The adapter implements it in its platform's idiom; the core calls
 * `append` for each text delta in order, then exactly one of `finish` or `fail`.
 */
export interface ReplySink {
  /** Text deltas, in order. May be called many times; the adapter throttles its own edits. */
  append(delta: string): void | Promise<void>;
  /**
   * Optional: the deltas appended so far are all the model has sent for now, and the answer goes on. A sink
   * that holds its first text back, so as to post an answer that arrives whole as one message, writes it now.
   */
  caughtUp?(): void;
  /**
   * The reply is complete. The adapter posts or finalizes it and returns the platform message ids it
   * now occupies (one reply may span several messages), so that feedback on any of them finds it.
   * `applied`, when given, is shown under the reply (the "applied" line, with a Why this answer? control).
   */
  finish(fullText: string, applied?: AppliedSummary): Promise<string[]>;
  /**
   * The reply failed. `userMessage` is a short, honest sentence for the person; `partialText` is
   * what had streamed so far (possibly empty). Returns the platform message ids posted.
   */
  fail(userMessage: string, partialText: string): Promise<string[]>;
  /**
   * Compliance (optional): tell the asker, discreetly, that the finished reply missed checked
   * instructions, with a Rewrite action only they can use. Adapters without it show nothing.
   */
  flag?(notice: ComplianceNotice): Promise<void>;
  /**
   * Compliance (optional): replace the reply's text in place with a revision: edit `messageIds` (the
   * messages it occupies now, in order), continue in new messages if it grows past the limit, delete extra
   * ones if it shrinks, and mark it "revised to follow your instructions". Returns the ids it occupies then.
   */
  replace?(text: string, messageIds: readonly string[]): Promise<string[]>;
}

/** A reply that missed checked instructions, for its asker (worded by `src/messages/compliance-messages.ts`). */
export interface ComplianceNotice {
  /** The stored reply (snapshot) that missed. */
  replyId: string;
  /** The platform messages that reply occupies, in order: where a Rewrite button points. */
  messageIds: string[];
  /** Each missed check: its short label ("at most 3 bullet points") and the catalogue's one-sentence detail. */
  missed: Array<{ label: string; detail: string }>;
}

/** Where a rewrite asked for later (the Rewrite button, `/rewrite`) goes: the reply's messages and its asker. */
export interface RewriteSink {
  replace(text: string, messageIds: readonly string[]): Promise<string[]>;
  flag(notice: ComplianceNotice): Promise<void>;
}

/** A new automatic report (a reply missed checked instructions), for a platform's reports channel. */
export interface AutoReport {
  platform: Platform;
  workspaceId: string;
  summary: ReportSummary;
  missed: Array<{ label: string; detail: string }>;
}

/**
 * What became of a Rewrite request; anything but `rewritten` is told privately to whoever asked
 * (`not_yours`: someone other than the asker pressed it; `failed`: the model could not answer, the reply
 * is unchanged).
 */
export type RewriteOutcome =
  | { status: 'rewritten'; replyId: string; passed: boolean; text: string }
  | { status: 'not_a_reply' | 'not_yours' | 'nothing_to_fix' | 'failed' };

/** What became of one `respond()` call. */
export type RespondOutcome =
  /**
   * The reply was posted. `snapshotStored` is false when the database refused the snapshot afterwards:
   * the person has the answer, but feedback on it cannot be tied to a snapshot (`replyId` is absent).
   */
  | { status: 'replied'; snapshotStored: true; replyId: string; text: string }
  | { status: 'replied'; snapshotStored: false; text: string }
  /** The model stream broke mid-way: the partial text was finalized with a notice, snapshot marked partial. */
  | { status: 'partial'; replyId: string; text: string; error: string }
  /** The model failed before any text; the person got the error sentence. */
  | { status: 'failed'; error: string; userMessage: string }
  /** This message was already claimed (a retry or a twin event); nothing was done. */
  | { status: 'duplicate' }
  /** The person is over their rate limit; the sink got a polite notice once. */
  | { status: 'rate_limited' }
  /** Too many replies in flight and queued: the sink got a "busy" notice, the claim was released. */
  | { status: 'busy' };

/** Who is acting. The adapter reports the platform's own admin signal; the core decides what it allows. */
export interface Actor extends PersonRef {
  channelId: string;
  /** Slack workspace admin or owner, Discord Manage Server, the local operator in the terminal. */
  isPlatformAdmin: boolean;
  isDirect?: boolean;
  userName?: string;
}

/** Values from the editor (Slack modal, Discord modal). */
export interface EditorInput {
  about: string;
  respond: string;
  /** Omitted by editors that have no on/off control. */
  enabled?: boolean;
}

/** Where feedback came from. `automatic` is for checks that the core runs itself. */
export type ReportSource = 'reaction' | 'button' | 'command' | 'automatic';
/** `bad` is a failure report; `good` is positive feedback, recorded but not a failure. */
export type ReportSignal = 'bad' | 'good';

export type ReportStatus = 'open' | 'triaged' | 'resolved' | 'withdrawn';

/** The outcome of a feedback signal on a platform message. */
export type ReportOutcome =
  | {
      status: 'filed';
      reportId: string;
      replyId: string;
      isNew: boolean;
      /** A repeat of an earlier report whose note this one replaced. */
      noteUpdated: boolean;
      /** Thank the reporter (privately, where the platform can): a new failure report. */
      thankReporter: boolean;
      /** Post `summary` to the operators' reports channel: a new failure report. */
      notifyOperators: boolean;
      summary: ReportSummary;
    }
  /** The message is not one of the bot's replies (or its snapshot is gone): nothing happens. */
  | { status: 'not_a_reply' };

/** What an operator channel is shown about a new report. */
export interface ReportSummary {
  reportId: string;
  replyId: string;
  signal: ReportSignal;
  source: ReportSource;
  reporterId: string;
  askerId: string;
  channelId: string;
  question: string;
  reply: string;
  note?: string;
}
