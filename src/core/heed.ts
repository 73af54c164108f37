/**
 * Heed's core as one object: a facade over the capabilities (reply, prompt, commands, feedback,
 * privacy, storage) that implements the HeedCore interface adapters call. It decides nothing itself;
 * each rule lives in its capability's module. Composition from the app's configuration is in
 * `src/app.ts`, outside the core.
 */
import { randomUUID } from 'node:crypto';
import type { CoreHealth, HeedCore, InstructionsView } from './api.js';
import { parseCommand } from './commands/parse-command.js';
import type { CommandResult, EditorResult } from './commands/results.js';
import { withChecks } from './compliance/commands.js';
import { asHeedError } from './errors.js';
import type { FeedbackSignal, ReportListItem } from './feedback/feedback.js';
import { forgetMe } from './privacy/forget-me.js';
import { forgetEverywhere } from './profile/forget-linked.js';
import type { PromptAssembler } from './prompt/prompt-assembler.js';
import { whyAnswer } from './reply/why.js';
import { databaseHealth, deploymentSecret, type RequestRef } from './storage/index.js';
import type * as T from './types.js';
import { wireCore, type CoreParts, type HeedOptions } from './wiring.js';

export type { HeedOptions, HeedSettings } from './wiring.js';

/** Heed's core. Build it with `Heed.create`, call `start()` before use and `drain()` then `close()` to stop. */
export class Heed implements HeedCore {
  /** Identifies this process's claims, so a restart can take over what a dead process left in flight. */
  readonly owner = randomUUID();
  readonly prompts: PromptAssembler;
  private readonly parts: CoreParts;
  private closed = false;

  private constructor(
    private readonly options: HeedOptions,
    fenceKey: string,
  ) {
    this.parts = wireCore(options, this.owner, fenceKey);
    this.prompts = this.parts.prompts;
  }

  /** A core over `options.db`; the fences' secret is read from (or first written to) the database if not set. */
  static async create(options: HeedOptions): Promise<Heed> {
    const fenceKey =
      options.settings.fenceSecret ?? (await deploymentSecret(options.db, 'fence', options.now ?? (() => new Date())));
    return new Heed(options, fenceKey);
  }

  /** Take over replies a dead process left in flight, and start the retention purge (its first run is awaited). */
  async start(): Promise<this> {
    const abandoned = await this.parts.claims.abandonInFlight(this.owner);
    if (abandoned > 0) this.options.logger.warn({ abandoned }, 'took over replies a previous process left unfinished');
    await this.parts.retention.start();
    return this;
  }

  /** False when no model endpoint is configured; replies then explain how to configure one. */
  get modelConfigured(): boolean {
    return this.options.model.configured;
  }

  /** Replies being generated right now. */
  get inFlightCount(): number {
    return this.parts.responder.inFlightCount;
  }

  respond(message: T.IncomingMessage, sink: T.ReplySink): Promise<T.RespondOutcome> {
    return this.parts.responder.respond(message, sink);
  }

  async command(actor: T.Actor, text: string): Promise<CommandResult> {
    const result = await this.parts.commands.execute(actor, text);
    return withChecks(this.parts.compliance, actor, parseCommand(text), result);
  }

  async saveEditor(actor: T.Actor, input: T.EditorInput): Promise<EditorResult> {
    const result = await this.parts.commands.saveEditor(actor, input);
    const checks = result.kind === 'editor_saved' ? await this.parts.compliance.listFor(actor, 'you') : undefined;
    return result.kind === 'editor_saved' && checks ? { ...result, checks } : result;
  }

  async confirmForgetMe(actor: T.Actor): Promise<CommandResult> {
    // The checks-off choice goes first, so that forget-me's WAL checkpoint also covers its deletion.
    await this.parts.compliance.forget(actor);
    const data = { db: this.options.db };
    const names = actor.userName ? [actor.userName] : [];
    return forgetMe(data, actor, this.options.logger, () => forgetEverywhere(data, this.parts.linking, actor, names));
  }

  async report(signal: FeedbackSignal): Promise<T.ReportOutcome> {
    return this.parts.feedback.report(signal);
  }

  async withdraw(target: T.MessageRef, reporter: T.PersonRef, signal: T.ReportSignal): Promise<boolean> {
    return this.parts.feedback.withdraw(target, reporter, signal);
  }

  async addNote(reportId: string, reporter: T.PersonRef, note: string): Promise<boolean> {
    return this.parts.feedback.addNote(reportId, reporter, note);
  }

  async isHandled(message: T.MessageRef): Promise<boolean> {
    try {
      return await this.parts.claims.isTaken(message);
    } catch {
      return false; // respond() will meet the same database problem and say so
    }
  }

  claimRequest(request: RequestRef): Promise<boolean> {
    return this.parts.requests.claim(request);
  }

  isRateLimited(person: T.PersonRef): Promise<boolean> {
    return this.parts.responder.isRateLimited(person);
  }

  async isReply(target: T.MessageRef): Promise<boolean> {
    return (await this.parts.replies.findByMessage(target)) !== undefined;
  }

  hasRepliedInThread(channel: T.ChannelRef, threadId: string): Promise<boolean> {
    return this.parts.replies.hasThread(channel, threadId);
  }

  instructions(person: T.PersonRef): Promise<InstructionsView> {
    return this.parts.commands.view(person);
  }

  recentReports(person: T.PersonRef, limit: number): Promise<ReportListItem[]> {
    return this.parts.feedback.recentReports(person, limit);
  }

  rewrite(target: T.MessageRef, requester: T.PersonRef, sink: T.RewriteSink): Promise<T.RewriteOutcome> {
    return this.parts.complianceFlow.rewrite(target, requester, sink);
  }

  onAutoReport(listener: (report: T.AutoReport) => void): void {
    this.parts.complianceFlow.onAutoReport(listener);
  }

  /** Resolves when background check extraction by the model has finished (tests; drain waits for it too). */
  checksSettled(): Promise<void> {
    return this.parts.compliance.settled();
  }

  async why(target: T.MessageRef, person: T.PersonRef): Promise<CommandResult> {
    try {
      return await whyAnswer(
        { replies: this.parts.replies, applied: this.parts.appliedLog, store: this.parts.store },
        target,
        person,
      );
    } catch (error) {
      const failure = asHeedError(error);
      this.options.logger.error({ err: error, code: failure.code }, 'Why this answer? failed');
      return { kind: 'failed', action: 'command', code: failure.code };
    }
  }

  suggestEdit(reportId: string, reporter: T.PersonRef): Promise<CommandResult> {
    return this.parts.edits.draft(reportId, reporter);
  }

  async decideEdit(reportId: string, person: T.PersonRef, accept: boolean): Promise<CommandResult> {
    return this.parts.edits.decide(reportId, person, accept);
  }

  async health(): Promise<CoreHealth> {
    return this.closed ? { ok: false, database: 'closed' } : databaseHealth(this.options.db, this.options.logger);
  }

  /** Let replies in flight finish, at most `timeoutMs`, then cut the rest short; returns how many were left. */
  async drain(timeoutMs: number, graceMs?: number): Promise<number> {
    // A rewrite still waiting for the model when the deadline passes is cut short like a reply.
    const deadline = setTimeout(() => this.parts.complianceFlow.cancel(), timeoutMs);
    try {
      const left = await this.parts.responder.drain(timeoutMs, graceMs);
      await this.parts.compliance.settled();
      return left;
    } finally {
      clearTimeout(deadline);
    }
  }

  /** Stop timers and close the database. Call after `drain`. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.parts.retention.stop();
    await this.options.db.close();
  }
}
