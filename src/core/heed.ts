/**
 * Heed's core as one object: a facade over the capabilities (reply, prompt, commands, feedback,
 * privacy, storage) that implements the HeedCore interface adapters call. It decides nothing itself;
 * each rule lives in its capability's module. Composition from the app's configuration is in
 * `src/app.ts`, outside the core.
 */
import { randomUUID } from 'node:crypto';
import type { CoreHealth, HeedCore, InstructionsView } from './api.js';
import { InstructionCommands } from './commands/instruction-commands.js';
import { parseCommand } from './commands/parse-command.js';
import { ComplianceFlow } from './compliance/flow.js';
import { checksCommand, withChecks } from './compliance/commands.js';
import { ComplianceService, modelCompletion, type ComplianceMode } from './compliance/service.js';
import type { CommandResult, EditorResult } from './commands/results.js';
import { Feedback, type FeedbackSignal, type ReportListItem } from './feedback/feedback.js';
import { EditSuggestions } from './feedback/suggest-edit.js';
import type { Logger } from './logger.js';
import type { ModelClient } from './model/model-client.js';
import { asHeedError } from './errors.js';
import { forgetMe } from './privacy/forget-me.js';
import { forgetEverywhere } from './profile/forget-linked.js';
import { Linking } from './profile/linking.js';
import { ProfileStore } from './profile/profile-store.js';
import { PromptAssembler } from './prompt/prompt-assembler.js';
import type { AdmissionLimits } from './reply/admission.js';
import { AppliedLines, AppliedLog, type ShowAppliedMode } from './reply/applied.js';
import { Responder } from './reply/responder.js';
import { whyAnswer } from './reply/why.js';
import { Retention } from './reply/retention.js';
import {
  ComplianceStore,
  databaseHealth,
  deploymentSecret,
  InstructionStore,
  MessageClaims,
  ReplyLog,
  ReportStore,
  RequestClaims,
} from './storage/index.js';
import type { Database, InstructionVersions, RequestRef } from './storage/index.js';
import type { ReplyCheckResult } from './compliance/reply-checks.js';
import type * as T from './types.js';

/** The settings the core needs, independent of where they came from. */
export interface HeedSettings {
  basePrompt: string;
  instructionLimit: number;
  contextTokens: number;
  maxOutputTokens: number;
  ratePerMinute: number;
  /** Replies generated at once, and how many more may wait for a turn (backpressure). */
  admission: AdmissionLimits;
  retentionDays: number;
  /** People who may change channel and workspace rules besides each platform's own admins (HEED_ADMINS). */
  admins: Readonly<Partial<Record<T.Platform, readonly string[]>>>;
  /** The prompt fences' secret (HEED_FENCE_SECRET); when absent, one generated once and kept in the database. */
  fenceSecret?: string | undefined;
  /** HEED_COMPLIANCE; default `flag`. */
  compliance?: ComplianceMode;
  /** HEED_CHECK_EXTRACTOR: `model` adds one model call per saved instruction version. Default `rules`. */
  checkExtractor?: 'rules' | 'model';
  /** HEED_SHOW_APPLIED. Default `with-instructions`. */
  showApplied?: ShowAppliedMode;
  /** HEED_RESTATE_AFTER_TURNS: restate the rules once a thread has this many earlier messages (0: when trimmed). */
  restateAfterTurns?: number;
}

export interface HeedOptions {
  db: Database;
  logger: Logger;
  model: ModelClient;
  settings: HeedSettings;
  /** Clock, injectable for tests. */
  now?: () => Date;
}

/** Heed's core. Call `start()` before use and `drain()` then `close()` to stop. */
export class Heed implements HeedCore {
  /** Identifies this process's claims, so a restart can take over what a dead process left in flight. */
  readonly owner = randomUUID();
  readonly prompts: PromptAssembler;
  private readonly store: InstructionStore;
  private readonly claims: MessageClaims;
  private readonly requests: RequestClaims;
  private readonly replies: ReplyLog;
  private readonly reports: ReportStore;
  private readonly commands: InstructionCommands;
  private readonly feedback: Feedback;
  private readonly responder: Responder;
  private readonly retention: Retention;
  private readonly compliance: ComplianceService;
  private readonly complianceFlow: ComplianceFlow;
  private readonly profiles: ProfileStore;
  private readonly linking: Linking;
  private readonly appliedLog: AppliedLog;
  private readonly edits: EditSuggestions;
  private closed = false;

  constructor(private readonly options: HeedOptions) {
    const { db, logger, settings } = options;
    const now = options.now ?? (() => new Date());
    this.store = new InstructionStore(db, now);
    this.claims = new MessageClaims(db, now);
    this.replies = new ReplyLog(db, now);
    this.reports = new ReportStore(db, now);
    this.requests = new RequestClaims(db, now, logger);
    const fenceKey = settings.fenceSecret ?? deploymentSecret(db, 'fence', now);
    this.profiles = new ProfileStore(db);
    this.linking = new Linking(this.profiles, this.store, now);
    const scopeOf = (person: T.PersonRef) => this.linking.scopeOf(person);
    this.prompts = new PromptAssembler(this.store, { ...settings, fenceKey }, now, scopeOf);
    const showApplied = settings.showApplied ?? 'with-instructions';
    const { instructionLimit: limit, admins, ratePerMinute } = settings;
    const preview = (actor: T.Actor) => this.prompts.systemPromptFor(actor).prompt;
    const checks = (actor: T.Actor, setting: 'on' | 'off' | undefined) =>
      checksCommand(this.compliance, actor, setting);
    this.commands = new InstructionCommands({
      store: this.store,
      logger,
      limit,
      admins,
      preview,
      checks,
      scopeOf,
      profile: {
        setApplied: (actor, show) => {
          this.profiles.setShowApplied(this.linking.settingsKey(actor), show, now());
          return { kind: 'applied_set', show, mode: showApplied };
        },
        link: (actor, code) => (code === undefined ? this.linking.issue(actor) : this.linking.redeem(actor, code)),
        unlink: (actor) => this.linking.unlink(actor),
        linkedPlatforms: (actor) => [
          ...new Set(
            this.linking
              .identities(actor)
              .slice(1)
              .map((identity) => identity.platform),
          ),
        ],
      },
    });
    this.appliedLog = new AppliedLog(db);
    this.edits = new EditSuggestions({
      db,
      model: options.model,
      replies: this.replies,
      reports: this.reports,
      store: this.store,
      scopeOf,
      limit,
      logger,
      now,
    });
    this.feedback = new Feedback(this.replies, this.reports, logger);
    const complianceStore = new ComplianceStore(db, now);
    this.compliance = new ComplianceService({
      store: complianceStore,
      instructions: this.store,
      logger,
      basePrompt: settings.basePrompt,
      ...(settings.checkExtractor === 'model' && options.model.configured
        ? { complete: modelCompletion(options.model) }
        : {}),
    });
    this.complianceFlow = new ComplianceFlow({
      db,
      logger,
      mode: settings.compliance ?? 'flag',
      service: this.compliance,
      store: complianceStore,
      replies: this.replies,
      reports: this.reports,
      model: options.model,
    });
    const { claims, replies, prompts, owner } = this;
    // Checked once the whole reply is posted and stored: never on partial text.
    const afterReply = (replyId: string, message: T.IncomingMessage, sink: T.ReplySink, checked?: ReplyCheckResult) =>
      this.complianceFlow.afterReply(replyId, message.text, sink, checked);
    const checkReply = (message: T.IncomingMessage, versions: InstructionVersions, text: string) =>
      this.complianceFlow.evaluate(message, versions, text);
    this.responder = new Responder({
      db,
      logger,
      model: options.model,
      claims,
      replies,
      prompts,
      ratePerMinute,
      admission: settings.admission,
      owner,
      now,
      afterReply,
      checkReply,
      applied: new AppliedLines(this.appliedLog, showApplied, (person) =>
        this.profiles.showApplied(this.linking.settingsKey(person)),
      ),
    });
    this.retention = new Retention(this.replies, this.claims, settings.retentionDays, logger);
  }

  /** Take over replies a dead process left in flight, and start the retention purge. */
  start(): this {
    const abandoned = this.claims.abandonInFlight(this.owner);
    if (abandoned > 0) this.options.logger.warn({ abandoned }, 'took over replies a previous process left unfinished');
    this.retention.start();
    return this;
  }

  /** False when no model endpoint is configured; replies then explain how to configure one. */
  get modelConfigured(): boolean {
    return this.options.model.configured;
  }

  /** Replies being generated right now. */
  get inFlightCount(): number {
    return this.responder.inFlightCount;
  }

  respond(message: T.IncomingMessage, sink: T.ReplySink): Promise<T.RespondOutcome> {
    return this.responder.respond(message, sink);
  }

  async command(actor: T.Actor, text: string): Promise<CommandResult> {
    const result = this.commands.execute(actor, text);
    return withChecks(this.compliance, actor, parseCommand(text), result);
  }

  async saveEditor(actor: T.Actor, input: T.EditorInput): Promise<EditorResult> {
    const result = this.commands.saveEditor(actor, input);
    const checks = result.kind === 'editor_saved' ? this.compliance.listFor(actor, 'you') : undefined;
    return result.kind === 'editor_saved' && checks ? { ...result, checks } : result;
  }

  async confirmForgetMe(actor: T.Actor): Promise<CommandResult> {
    // The checks-off choice goes first, so that forget-me's WAL checkpoint also covers its deletion.
    this.compliance.forget(actor);
    const data = { db: this.options.db, instructions: this.store, replies: this.replies, reports: this.reports };
    const names = actor.userName ? [actor.userName] : [];
    return forgetMe(data, actor, this.options.logger, () =>
      forgetEverywhere(data, this.linking, this.profiles, actor, names),
    );
  }

  async report(signal: FeedbackSignal): Promise<T.ReportOutcome> {
    return this.feedback.report(signal);
  }

  async withdraw(target: T.MessageRef, reporter: T.PersonRef, signal: T.ReportSignal): Promise<boolean> {
    return this.feedback.withdraw(target, reporter, signal);
  }

  async addNote(reportId: string, reporter: T.PersonRef, note: string): Promise<boolean> {
    return this.feedback.addNote(reportId, reporter, note);
  }

  isHandled(message: T.MessageRef): boolean {
    try {
      return this.claims.isTaken(message);
    } catch {
      return false; // respond() will meet the same database problem and say so
    }
  }

  claimRequest(request: RequestRef): boolean {
    return this.requests.claim(request);
  }

  isRateLimited(person: T.PersonRef): boolean {
    return this.responder.isRateLimited(person);
  }

  isReply(target: T.MessageRef): boolean {
    return this.replies.findByMessage(target) !== undefined;
  }

  hasRepliedInThread(channel: T.ChannelRef, threadId: string): boolean {
    return this.replies.hasThread(channel, threadId);
  }

  instructions(person: T.PersonRef): InstructionsView {
    return this.commands.view(person);
  }

  recentReports(person: T.PersonRef, limit: number): ReportListItem[] {
    return this.feedback.recentReports(person, limit);
  }

  rewrite(target: T.MessageRef, requester: T.PersonRef, sink: T.RewriteSink): Promise<T.RewriteOutcome> {
    return this.complianceFlow.rewrite(target, requester, sink);
  }

  onAutoReport(listener: (report: T.AutoReport) => void): void {
    this.complianceFlow.onAutoReport(listener);
  }

  /** Resolves when background check extraction by the model has finished (tests; drain waits for it too). */
  checksSettled(): Promise<void> {
    return this.compliance.settled();
  }

  async why(target: T.MessageRef, person: T.PersonRef): Promise<CommandResult> {
    try {
      return whyAnswer({ replies: this.replies, applied: this.appliedLog, store: this.store }, target, person);
    } catch (error) {
      const failure = asHeedError(error);
      this.options.logger.error({ err: error, code: failure.code }, 'Why this answer? failed');
      return { kind: 'failed', action: 'command', code: failure.code };
    }
  }

  suggestEdit(reportId: string, reporter: T.PersonRef): Promise<CommandResult> {
    return this.edits.draft(reportId, reporter);
  }

  async decideEdit(reportId: string, person: T.PersonRef, accept: boolean): Promise<CommandResult> {
    return this.edits.decide(reportId, person, accept);
  }

  health(): CoreHealth {
    return this.closed ? { ok: false, database: 'closed' } : databaseHealth(this.options.db, this.options.logger);
  }

  /** Let replies in flight finish, at most `timeoutMs`, then cut the rest short; returns how many were left. */
  async drain(timeoutMs: number, graceMs?: number): Promise<number> {
    // A rewrite still waiting for the model when the deadline passes is cut short like a reply.
    const deadline = setTimeout(() => this.complianceFlow.cancel(), timeoutMs);
    try {
      const left = await this.responder.drain(timeoutMs, graceMs);
      await this.compliance.settled();
      return left;
    } finally {
      clearTimeout(deadline);
    }
  }

  /** Stop timers and close the database. Call after `drain`. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.retention.stop();
    this.options.db.close();
  }
}
