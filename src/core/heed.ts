/**
 * The core: turns a platform-neutral message into a reply that follows the asker's instructions, keeps
 * a snapshot of exactly what was sent, and turns feedback into failure reports tied to that snapshot.
 * Adapters call it through the HeedCore interface; it never imports an adapter or a platform SDK.
 */
import { randomUUID } from 'node:crypto';
import type { Database } from 'better-sqlite3';
import type { Config } from '../config.js';
import { InstructionCommands, layerScope, userScope } from './commands/instruction-commands.js';
import { parseCommand } from './commands/parse-command.js';
import { ComplianceFlow } from './compliance-flow.js';
import { checksCommand, withChecks } from './compliance-commands.js';
import { ComplianceService, modelCompletion, type ComplianceMode } from './compliance-service.js';
import { asHeedError } from './errors.js';
import type { CoreHealth, HeedCore, InstructionsView, ReportListItem } from './heed-core.js';
import { RateLimiter } from './limits/rate-limiter.js';
import type { Logger } from './logger.js';
import { ModelClient } from './model/model-client.js';
import { ModelError } from './model/model-error.js';
import type { ChatMessage } from './prompt/chat-message.js';
import { assembleMessages } from './prompt/conversation.js';
import { buildSystemPrompt } from './prompt/system-prompt.js';
import { ComplianceStore, InstructionStore, MessageClaims, openDatabase, ReplyLog, ReportStore } from './storage/index.js';
import type { ReplySnapshot } from './storage/index.js';
import type {
  Actor,
  ChannelRef,
  CommandResult,
  EditorInput,
  EditorResult,
  IncomingMessage,
  MessageRef,
  PersonRef,
  ReplySink,
  ReportOutcome,
  ReportSignal,
  ReportSource,
  RespondOutcome,
  ReportSummary,
  RewriteOutcome,
  RewriteSink,
} from './types.js';

/** The settings the core needs, independent of where they came from. */
export interface HeedSettings {
  basePrompt: string;
  instructionLimit: number;
  contextTokens: number;
  maxOutputTokens: number;
  ratePerMinute: number;
  retentionDays: number;
  /** HEED_COMPLIANCE; default `flag`. */
  compliance?: ComplianceMode;
  /** HEED_CHECK_EXTRACTOR: `model` adds one model call per saved instruction version. Default `rules`. */
  checkExtractor?: 'rules' | 'model';
}

export interface HeedOptions {
  db: Database;
  logger: Logger;
  model: ModelClient;
  settings: HeedSettings;
  /** Clock, injectable for tests. */
  now?: () => Date;
}

const RATE_LIMIT_NOTICE =
  "You're sending messages faster than I can keep up with. Please wait a minute and try again; your other messages were not lost.";
const SHUTDOWN_NOTICE = 'I had to stop this answer because I am restarting. Please ask again in a moment.';
const PURGE_INTERVAL_MS = 6 * 60 * 60 * 1000;
const NOTE_LIMIT = 3000;

function plural(count: number, one: string, many = `${one}s`): string {
  return `${count} ${count === 1 ? one : many}`;
}

/** True when `work` settles within `ms`. */
async function within(work: Promise<unknown>, ms: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const expired = new Promise<false>((resolve) => {
    timer = setTimeout(() => resolve(false), ms);
  });
  const done = await Promise.race([work.then(() => true as const), expired]);
  clearTimeout(timer);
  return done;
}

/** The question a snapshot answered: the last user message sent. */
function questionOf(messages: ReplySnapshot['messages']): string {
  for (let index = messages.length - 1; index >= 0; index--) {
    const entry = messages[index];
    if (entry && entry.role === 'user') return entry.content;
  }
  return '';
}

/** Heed's core. Create it with `createHeed`, or `heedFromConfig` in the running app. */
export class Heed implements HeedCore {
  /** Identifies this process's claims, so a restart can take over what a dead process left in flight. */
  readonly owner = randomUUID();
  private readonly instructionsStore: InstructionStore;
  private readonly claims: MessageClaims;
  private readonly replies: ReplyLog;
  private readonly reports: ReportStore;
  private readonly commands: InstructionCommands;
  private readonly limiter: RateLimiter;
  private readonly compliance: ComplianceService;
  private readonly complianceFlow: ComplianceFlow;
  private readonly now: () => Date;
  private readonly inFlight = new Set<Promise<RespondOutcome>>();
  /** One per model stream in flight, so that a shutdown past its deadline can cut them short. */
  private readonly cancels = new Set<AbortController>();
  private draining = false;
  private readonly purgeTimer: NodeJS.Timeout;
  private closed = false;

  constructor(private readonly options: HeedOptions) {
    const { db } = options;
    this.now = options.now ?? (() => new Date());
    this.instructionsStore = new InstructionStore(db, this.now);
    this.claims = new MessageClaims(db, this.now);
    this.replies = new ReplyLog(db, this.now);
    this.reports = new ReportStore(db, this.now);
    this.limiter = new RateLimiter(options.settings.ratePerMinute, () => this.now().getTime());
    this.commands = new InstructionCommands({
      store: this.instructionsStore,
      limit: options.settings.instructionLimit,
      preview: (actor) => this.systemPromptFor(actor).prompt,
    });
    const complianceStore = new ComplianceStore(db, this.now);
    const useModel = options.settings.checkExtractor === 'model' && options.model.configured;
    this.compliance = new ComplianceService({
      store: complianceStore,
      instructions: this.instructionsStore,
      logger: options.logger,
      basePrompt: options.settings.basePrompt,
      ...(useModel ? { complete: modelCompletion(options.model) } : {}),
    });
    this.complianceFlow = new ComplianceFlow({
      db,
      logger: options.logger,
      mode: options.settings.compliance ?? 'flag',
      service: this.compliance,
      store: complianceStore,
      replies: this.replies,
      reports: this.reports,
      complete: (messages) => this.completeOnce(messages),
    });
    const abandoned = this.claims.abandonInFlight(this.owner);
    if (abandoned > 0) options.logger.warn({ abandoned }, 'took over replies a previous process left unfinished');
    this.purge();
    this.purgeTimer = setInterval(() => this.purge(), PURGE_INTERVAL_MS);
    this.purgeTimer.unref();
  }

  /** False when no model endpoint is configured; replies then explain how to configure one. */
  get modelConfigured(): boolean {
    return this.options.model.configured;
  }

  /** Replies being generated right now. */
  get inFlightCount(): number {
    return this.inFlight.size;
  }

  respond(message: IncomingMessage, sink: ReplySink): Promise<RespondOutcome> {
    const work = this.respondOnce(message, sink);
    this.inFlight.add(work);
    void work.finally(() => this.inFlight.delete(work));
    return work;
  }

  async command(actor: Actor, text: string): Promise<CommandResult> {
    try {
      const checks = checksCommand(this.compliance, actor, text);
      if (checks) return checks;
      const parsed = parseCommand(text);
      const result = this.commands.run(actor, parsed);
      this.compliance.deriveCurrent(actor);
      return withChecks(this.compliance, actor, parsed, result);
    } catch (error) {
      const failure = asHeedError(error);
      this.options.logger.error({ err: error, code: failure.code, user: actor.userId }, 'instructions command failed');
      return { kind: 'message', text: `${failure.userMessage} Nothing was changed.` };
    }
  }

  async saveEditor(actor: Actor, input: EditorInput): Promise<EditorResult> {
    try {
      const saved = this.commands.saveEditor(actor, input);
      if (!saved.ok) return saved;
      this.compliance.deriveCurrent(actor);
      const listed = withChecks(this.compliance, actor, { kind: 'show' }, { kind: 'message', text: saved.text });
      return { ...saved, text: listed.kind === 'message' ? listed.text : saved.text };
    } catch (error) {
      const failure = asHeedError(error);
      this.options.logger.error({ err: error, code: failure.code, user: actor.userId }, 'saving instructions failed');
      return { ok: false, errors: { respond: `${failure.userMessage} Nothing was saved.` } };
    }
  }

  async confirmForgetMe(actor: Actor): Promise<CommandResult> {
    try {
      // Reports first: forgetting the asker's replies also removes reports on them, filed by anyone.
      const forget = this.options.db.transaction(() => {
        const reports = this.reports.forgetReporter(actor);
        this.compliance.forget(actor);
        return { versions: this.instructionsStore.forgetUser(actor), replies: this.replies.forgetAsker(actor), reports };
      });
      const counts = forget();
      this.options.logger.info({ platform: actor.platform, workspace: actor.workspaceId, user: actor.userId, ...counts }, 'forgot a person');
      return {
        kind: 'message',
        text: `Done. I deleted ${plural(counts.versions, 'instruction version')}, ${plural(counts.replies, 'stored reply', 'stored replies')} and ${plural(counts.reports, 'report')} of yours. From now on I know nothing about you here.`,
      };
    } catch (error) {
      this.options.logger.error({ err: error, user: actor.userId }, 'forget-me failed');
      return { kind: 'message', text: 'I could not delete your data just now; nothing was deleted. Please try again in a moment.' };
    }
  }

  async report(target: MessageRef, reporter: PersonRef, source: ReportSource, signal: ReportSignal, note?: string): Promise<ReportOutcome> {
    const reply = this.replies.findByMessage(target);
    if (!reply) return { status: 'not_a_reply' };
    const trimmed = note?.trim().slice(0, NOTE_LIMIT);
    const { report, isNew } = this.reports.file({
      replyId: reply.id,
      platform: reporter.platform,
      workspaceId: reporter.workspaceId,
      reporterId: reporter.userId,
      source,
      signal,
      ...(trimmed ? { note: trimmed } : {}),
    });
    if (isNew) this.options.logger.info({ report: report.id, reply: reply.id, signal, source }, 'feedback filed');
    return {
      status: 'filed',
      reportId: report.id,
      replyId: reply.id,
      isNew,
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

  async withdraw(target: MessageRef, reporter: PersonRef, signal: ReportSignal): Promise<boolean> {
    const reply = this.replies.findByMessage(target);
    return reply ? this.reports.withdraw(reply.id, reporter.userId, signal) : false;
  }

  async addNote(reportId: string, reporter: PersonRef, note: string): Promise<boolean> {
    const trimmed = note.trim().slice(0, NOTE_LIMIT);
    if (trimmed === '') return false;
    return this.reports.setNote(reportId, reporter.userId, trimmed);
  }

  isHandled(message: MessageRef): boolean {
    try {
      return this.claims.isTaken(message);
    } catch {
      return false; // respond() will meet the same database problem and say so
    }
  }

  isReply(target: MessageRef): boolean {
    return this.replies.findByMessage(target) !== undefined;
  }

  hasRepliedInThread(channel: ChannelRef, threadId: string): boolean {
    return this.replies.hasThread(channel, threadId);
  }

  instructions(person: PersonRef): InstructionsView {
    const current = this.instructionsStore.current(userScope(person));
    return {
      about: current?.about ?? '',
      respond: current?.respond ?? '',
      enabled: current?.enabled ?? true,
      version: current?.version ?? 0,
    };
  }

  recentReports(person: PersonRef, limit: number): ReportListItem[] {
    return this.reports.forReporter(person, limit).map((report) => {
      const reply = this.replies.get(report.replyId);
      return {
        reportId: report.id,
        createdAt: report.createdAt,
        status: report.status,
        signal: report.signal,
        ...(report.note ? { note: report.note } : {}),
        replyExcerpt: (reply?.replyText ?? '').slice(0, 200),
      };
    });
  }

  rewrite(target: MessageRef, requester: PersonRef, sink: RewriteSink): Promise<RewriteOutcome> {
    return this.complianceFlow.rewrite(target, requester, sink);
  }

  onAutoReport(listener: (summary: ReportSummary) => void): void {
    this.complianceFlow.onAutoReport(listener);
  }

  /** Resolves when background check extraction by the model has finished (tests; shutdown waits for it too). */
  checksSettled(): Promise<void> {
    return this.compliance.settled();
  }

  health(): CoreHealth {
    if (this.closed || !this.options.db.open) return { ok: false, database: 'closed' };
    try {
      this.options.db.prepare('SELECT 1 FROM schema_migrations LIMIT 1').get();
      return { ok: true, database: 'ok' };
    } catch (error) {
      this.options.logger.warn({ err: error }, 'health check: the database did not answer');
      return { ok: false, database: 'error' };
    }
  }

  /**
   * Wait for replies in flight to finish, at most `timeoutMs`. Replies still streaming then are cut
   * short: each is finalized with what it has so far and a notice that Heed is restarting, within
   * `graceMs`. Returns how many were still unfinished after that.
   */
  async drain(timeoutMs: number, graceMs = 2000): Promise<number> {
    this.draining = true;
    const settled = () =>
      Promise.allSettled([...this.inFlight, this.compliance.settled()]).then(() => undefined);
    if (!(await within(settled(), timeoutMs))) {
      for (const controller of this.cancels) controller.abort();
      await within(settled(), graceMs);
    }
    return this.inFlight.size;
  }

  /** Stop timers and close the database. Call after `drain`. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    clearInterval(this.purgeTimer);
    this.options.db.close();
  }

  /**
   * Everything the model is sent for this message: the layered system prompt for the asker in this
   * channel, then the history trimmed to the token budget, then the message itself.
   */
  prepare(message: IncomingMessage): { messages: ChatMessage[]; versions: ReplySnapshot['instructionVersions'] } {
    const { prompt, versions } = this.systemPromptFor(message);
    const { messages } = assembleMessages({
      system: prompt,
      history: message.history,
      message: { text: message.text, ...(message.userName ? { speaker: message.userName } : {}) },
      contextTokens: this.options.settings.contextTokens,
      reserveOutputTokens: this.options.settings.maxOutputTokens,
    });
    return { messages, versions };
  }

  /** The system prompt for this person in this channel. Layers that cannot be set there (a DM's channel rules) are simply absent. */
  private systemPromptFor(asker: ChannelRef & { userId: string; userName?: string | undefined }): { prompt: string; versions: ReplySnapshot['instructionVersions'] } {
    const workspace = this.instructionsStore.current(layerScope(asker, 'workspace'));
    const channel = this.instructionsStore.current(layerScope(asker, 'channel'));
    const person = this.instructionsStore.current(userScope(asker));
    const personal = person?.enabled ? person : undefined;
    const prompt = buildSystemPrompt({
      base: this.options.settings.basePrompt,
      platform: asker.platform,
      today: this.now().toISOString().slice(0, 10),
      ...(workspace?.respond ? { workspaceRules: workspace.respond } : {}),
      ...(channel?.respond ? { channelRules: channel.respond } : {}),
      ...(personal?.about ? { about: personal.about } : {}),
      ...(personal?.respond ? { respond: personal.respond } : {}),
      ...(asker.userName ? { askerName: asker.userName } : {}),
    });
    return {
      prompt,
      versions: {
        workspace: workspace?.version ?? null,
        channel: channel?.version ?? null,
        user: personal?.version ?? null,
      },
    };
  }

  private async respondOnce(message: IncomingMessage, sink: ReplySink): Promise<RespondOutcome> {
    const { logger } = this.options;
    const log = logger.child({ platform: message.platform, workspace: message.workspaceId, channel: message.channelId, message: message.messageId });
    try {
      if (this.claims.claim(message, this.owner) === 'duplicate') {
        log.debug('duplicate delivery ignored');
        return { status: 'duplicate' };
      }
    } catch (error) {
      return this.apologise(log, sink, error, 'could not claim the message');
    }

    const decision = this.limiter.check(`${message.platform}:${message.workspaceId}:${message.userId}`);
    if (decision !== 'allow') {
      try {
        this.claims.complete(message, null);
      } catch (error) {
        log.error({ err: error }, 'could not record a rate-limited message');
      }
      log.info({ user: message.userId, decision }, 'rate limit reached');
      if (decision === 'notify') await this.safely(log, () => sink.fail(RATE_LIMIT_NOTICE, ''));
      return { status: 'rate_limited' };
    }

    const started = performance.now();
    let snapshot: ReplySnapshot | undefined;
    try {
      const { messages, versions } = this.prepare(message);
      const params = this.options.model.params();
      snapshot = {
        platform: message.platform,
        workspaceId: message.workspaceId,
        channelId: message.channelId,
        ...(message.threadId ? { threadId: message.threadId } : {}),
        sourceMessageId: message.messageId,
        askerId: message.userId,
        model: String(params.model ?? ''),
        params,
        instructionVersions: versions,
        messages,
        replyText: '',
        status: 'complete',
        latencyMs: 0,
      };
      const cancel = new AbortController();
      this.cancels.add(cancel);
      const result = await this.options.model
        .stream(messages, (delta) => sink.append(delta), cancel.signal)
        .finally(() => this.cancels.delete(cancel));
      const messageIds = await sink.finish(result.text);
      const complete: ReplySnapshot = {
        ...snapshot,
        replyText: result.text,
        latencyMs: Math.round(performance.now() - started),
        ...(result.firstTokenMs !== undefined ? { firstTokenMs: Math.round(result.firstTokenMs) } : {}),
        ...(result.promptTokens !== undefined ? { promptTokens: result.promptTokens } : {}),
        ...(result.completionTokens !== undefined ? { completionTokens: result.completionTokens } : {}),
      };
      const stored = this.storeReply(log, message, complete, messageIds);
      // Checked only once the whole reply is posted and stored: never on partial text.
      if (stored.status === 'replied') await this.complianceFlow.afterReply(stored.replyId, message.text, sink);
      return stored;
    } catch (error) {
      if (!(error instanceof ModelError) || !snapshot) {
        return this.apologise(log, sink, error, 'reply failed', message);
      }
      const partial = error.partialText;
      const userMessage = error.code === 'model_cancelled' && this.draining ? SHUTDOWN_NOTICE : error.userMessage;
      const messageIds = (await this.safely(log, () => sink.fail(userMessage, partial))) ?? [];
      const stored = this.storeReply(log, message, {
        ...snapshot,
        replyText: partial,
        status: partial ? 'partial' : 'failed',
        error: error.code,
        latencyMs: Math.round(performance.now() - started),
      }, messageIds);
      if (partial && stored.status === 'replied') return { status: 'partial', replyId: stored.replyId, text: partial, error: error.code };
      return { status: 'failed', error: error.code, userMessage };
    }
  }

  /**
   * Store the snapshot once the person has seen the reply. If the database refuses now, the person
   * already has their answer: log it, and leave the claim so the message is not answered twice.
   */
  private storeReply(log: Logger, message: MessageRef, snapshot: ReplySnapshot, messageIds: string[]): RespondOutcome {
    try {
      // One write transaction for the snapshot and the claim: fewer commits per reply under load.
      const replyId = this.options.db.transaction(() => {
        const id = this.replies.record(snapshot, messageIds);
        this.claims.complete(message, id);
        return id;
      })();
      return { status: 'replied', replyId, text: snapshot.replyText };
    } catch (error) {
      log.error({ err: error, code: asHeedError(error).code }, 'the reply was posted but its snapshot could not be stored');
      // The person has their answer: mark the message answered so a restart does not answer it again.
      try {
        this.claims.complete(message, null);
      } catch {
        // Still refused: the log line above says why; a redelivery after a restart may be answered twice.
      }
      return { status: 'failed', error: 'snapshot_not_stored', userMessage: '' };
    }
  }

  /**
   * Something other than the model failed (the database, the platform). Tell the person, log what to
   * fix, and release the claim so that a redelivery of the message is answered.
   */
  private async apologise(log: Logger, sink: ReplySink, error: unknown, what: string, release?: MessageRef): Promise<RespondOutcome> {
    const failure = asHeedError(error);
    log.error({ err: error, code: failure.code, ...failure.detail }, what);
    if (release) {
      try {
        this.claims.release(release);
      } catch {
        // The database itself is the problem; the claim stays and the log line says why.
      }
    }
    await this.safely(log, () => sink.fail(failure.userMessage, ''));
    return { status: 'failed', error: failure.code, userMessage: failure.userMessage };
  }

  /** One complete model answer, cut short like a streamed reply when shutdown runs past its deadline. */
  private async completeOnce(messages: ChatMessage[]): Promise<string> {
    const cancel = new AbortController();
    this.cancels.add(cancel);
    try {
      return (await this.options.model.stream(messages, () => undefined, cancel.signal)).text;
    } finally {
      this.cancels.delete(cancel);
    }
  }

  private async safely<T>(log: Logger, action: () => Promise<T>): Promise<T | undefined> {
    try {
      return await action();
    } catch (error) {
      log.error({ err: error }, 'could not deliver a message to the platform');
      return undefined;
    }
  }

  private purge(): void {
    try {
      const replies = this.replies.purgeUnreported(this.options.settings.retentionDays);
      const claims = this.claims.purge(this.options.settings.retentionDays);
      if (replies + claims > 0) this.options.logger.info({ replies, claims }, 'purged old unreported snapshots');
    } catch (error) {
      this.options.logger.error({ err: error }, 'purging old snapshots failed');
    }
  }
}

/** Build a core from its parts. */
export function createHeed(options: HeedOptions): Heed {
  return new Heed(options);
}

/** Build the core the running app uses: open the database and the model client from the configuration. */
export function heedFromConfig(config: Config, logger: Logger): Heed {
  const db = openDatabase(config.DATABASE_PATH, { busyTimeoutMs: config.DATABASE_BUSY_TIMEOUT_MS });
  const model = new ModelClient(
    {
      ...(config.OPENAI_BASE_URL ? { baseURL: config.OPENAI_BASE_URL } : {}),
      ...(config.OPENAI_API_KEY ? { apiKey: config.OPENAI_API_KEY } : {}),
      model: config.OPENAI_MODEL,
      ...(config.OPENAI_TEMPERATURE !== undefined ? { temperature: config.OPENAI_TEMPERATURE } : {}),
      maxOutputTokens: config.OPENAI_MAX_OUTPUT_TOKENS,
      timeoutMs: config.OPENAI_TIMEOUT_MS,
      maxRetries: config.OPENAI_MAX_RETRIES,
    },
    logger,
  );
  return createHeed({
    db,
    logger,
    model,
    settings: {
      basePrompt: config.HEED_BASE_PROMPT,
      instructionLimit: config.HEED_INSTRUCTION_LIMIT,
      contextTokens: config.MODEL_CONTEXT_TOKENS,
      maxOutputTokens: config.OPENAI_MAX_OUTPUT_TOKENS,
      ratePerMinute: config.HEED_RATE_LIMIT_PER_MINUTE,
      retentionDays: config.REPLY_RETENTION_DAYS,
      compliance: config.HEED_COMPLIANCE,
      checkExtractor: config.HEED_CHECK_EXTRACTOR,
    },
  });
}
