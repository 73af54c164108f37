/**
 * The reply pipeline: claim the message (exactly once), apply the rate limit, build the prompt,
 * stream the model's reply into the platform's sink, and store the snapshot with the claim. Every
 * failure becomes a short honest message to the person and a log line; nothing here throws.
 */
import type { Logger } from '../logger.js';
import type { ModelClient } from '../model/model-client.js';
import { ModelError } from '../model/model-error.js';
import type { PromptAssembler } from '../prompt/prompt-assembler.js';
import { RateLimiter, rateKey, type RateDecision } from '../limits/rate-limiter.js';
import { attempt } from '../attempt.js';
import { asHeedError } from '../errors.js';
import { checkCounts, type ReplyCheckResult } from '../compliance/reply-checks.js';
import type { InstructionVersions, MessageClaims, ReplyLog, ReplySnapshot, SqlExecutor } from '../storage/index.js';
import type { IncomingMessage, MessageRef, PersonRef, ReplySink, RespondOutcome } from '../types.js';
import { Admission, type AdmissionLimits } from './admission.js';
import type { AppliedLines, AppliedRecord } from './applied.js';
import { InFlight } from './in-flight.js';

const RATE_LIMIT_NOTICE =
  "You're sending messages faster than I can keep up with. Please wait a minute and try again; your other messages were not lost.";
const BUSY_NOTICE = "I'm answering a lot of people right now. Please ask again in a minute.";
const BUSY_LOG_INTERVAL_MS = 10_000;
const SHUTDOWN_NOTICE = 'I had to stop this answer because I am restarting. Please ask again in a moment.';

export interface ResponderParts {
  db: SqlExecutor;
  claims: MessageClaims;
  replies: ReplyLog;
  prompts: PromptAssembler;
  model: ModelClient;
  logger: Logger;
  ratePerMinute: number;
  /** Replies generated at once and waiting for a turn; past both, the person is asked to try again. */
  admission: AdmissionLimits;
  /** Identifies this process's claims. */
  owner: string;
  now: () => Date;
  /**
   * Runs after a complete reply is posted and its snapshot stored (compliance checks); awaited, so
   * that shutdown waits for it. Must not throw.
   */
  afterReply?: (
    replyId: string,
    message: IncomingMessage,
    sink: ReplySink,
    checked: ReplyCheckResult | undefined,
  ) => Promise<void>;
  /**
   * The automatic checks in force, run on the reply's final text before it is posted, so that the applied
   * line can say how they went; `afterReply` records the same result. Fast (reads only); must not throw.
   */
  checkReply?: (
    message: IncomingMessage,
    versions: InstructionVersions,
    text: string,
  ) => Promise<ReplyCheckResult | undefined>;
  /** The applied line under each reply and its stored record (issue 15). */
  applied?: AppliedLines;
}

/** Answers messages, one `respond` call each. */
export class Responder {
  private readonly limiter: RateLimiter;
  private readonly admission: Admission;
  private turnedAway = 0;
  private lastBusyLogAt = -Infinity;
  private readonly inFlight = new InFlight();
  /** One per model stream in flight, so that a shutdown past its deadline can cut them short. */
  private readonly cancels = new Set<AbortController>();
  private draining = false;

  constructor(private readonly parts: ResponderParts) {
    this.limiter = new RateLimiter(parts.db, parts.ratePerMinute, () => parts.now().getTime());
    this.admission = new Admission(parts.admission);
  }

  /** Replies being generated right now. */
  get inFlightCount(): number {
    return this.inFlight.size;
  }

  /** True when this person is over the rate limit now (counts nothing), so an adapter can skip parsing. */
  async isRateLimited(person: PersonRef): Promise<boolean> {
    return this.limiter.isLimited(rateKey(person));
  }

  /** Answer one message. Never throws. */
  respond(message: IncomingMessage, sink: ReplySink): Promise<RespondOutcome> {
    return this.inFlight.track(this.respondOnce(message, sink));
  }

  /**
   * Wait for replies in flight to finish, at most `timeoutMs`. Replies still streaming then are cut
   * short: each is finalized with what it has so far and a notice that Heed is restarting, within
   * `graceMs`. Returns how many were still unfinished after that.
   */
  async drain(timeoutMs: number, graceMs = 2000): Promise<number> {
    this.draining = true;
    if ((await this.inFlight.drain(timeoutMs)) === 0) return 0;
    for (const controller of this.cancels) controller.abort();
    return this.inFlight.drain(graceMs);
  }

  /** The rate limit's decision; a database that cannot count lets the message through (the friendly failure). */
  private async rateDecision(message: IncomingMessage, log: Logger): Promise<RateDecision> {
    try {
      return await this.limiter.check(rateKey(message));
    } catch (error) {
      log.warn({ err: error }, 'could not count the message against the rate limit; answering it');
      return 'allow';
    }
  }

  private async respondOnce(message: IncomingMessage, sink: ReplySink): Promise<RespondOutcome> {
    const { claims, logger } = this.parts;
    const log = logger.child({
      platform: message.platform,
      workspace: message.workspaceId,
      channel: message.channelId,
      message: message.messageId,
    });
    try {
      if ((await claims.claim(message, this.parts.owner)) === 'duplicate') {
        log.debug('duplicate delivery ignored');
        return { status: 'duplicate' };
      }
    } catch (error) {
      return this.apologise(log, sink, error, 'could not claim the message');
    }

    const decision = await this.rateDecision(message, log);
    if (decision !== 'allow') {
      try {
        await claims.complete(message, null, this.parts.owner);
      } catch (error) {
        log.error({ err: error }, 'could not record a rate-limited message');
      }
      log.info({ user: message.userId, decision }, 'rate limit reached');
      if (decision === 'notify') await this.deliver(log, () => sink.fail(RATE_LIMIT_NOTICE, ''));
      return { status: 'rate_limited' };
    }

    const turn = this.admission.enter();
    if (!turn) return this.turnAway(log, message, sink, BUSY_NOTICE);
    const release = await turn;
    // Queued while a shutdown began: the streams already cancelled must not be followed by new ones.
    if (this.draining) {
      release();
      return this.turnAway(log, message, sink, SHUTDOWN_NOTICE);
    }
    try {
      return await this.generate(log, message, sink);
    } finally {
      release();
    }
  }

  /** Build the prompt, stream the reply, store the snapshot: the work that holds a turn. */
  private async generate(log: Logger, message: IncomingMessage, sink: ReplySink): Promise<RespondOutcome> {
    const started = performance.now();
    let snapshot: ReplySnapshot | undefined;
    try {
      const prepared = await this.parts.prompts.prepare(message, log);
      const { messages, versions } = prepared;
      const params = this.parts.model.params();
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
      const result = await this.parts.model
        .stream(
          messages,
          (delta) => sink.append(delta),
          cancel.signal,
          () => sink.caughtUp?.(),
        )
        .finally(() => this.cancels.delete(cancel));
      const checked = await this.parts.checkReply?.(message, prepared.versions, result.text);
      const applied = await this.parts.applied?.build(
        message,
        prepared,
        snapshot.model,
        checked && checkCounts(checked),
      );
      const messageIds = await sink.finish(result.text, applied?.visible ? applied.record.summary : undefined);
      const complete: ReplySnapshot = {
        ...snapshot,
        replyText: result.text,
        latencyMs: Math.round(performance.now() - started),
        ...(result.firstTokenMs !== undefined ? { firstTokenMs: Math.round(result.firstTokenMs) } : {}),
        ...(result.promptTokens !== undefined ? { promptTokens: result.promptTokens } : {}),
        ...(result.completionTokens !== undefined ? { completionTokens: result.completionTokens } : {}),
      };
      const stored = await this.storeReply(log, message, complete, messageIds, applied?.record);
      if (stored.status === 'replied' && stored.snapshotStored) {
        await this.parts.afterReply?.(stored.replyId, message, sink, checked);
      }
      return stored;
    } catch (error) {
      if (!(error instanceof ModelError) || !snapshot) {
        return this.apologise(log, sink, error, 'reply failed', message);
      }
      const partial = error.partialText;
      const userMessage = error.code === 'model_cancelled' && this.draining ? SHUTDOWN_NOTICE : error.userMessage;
      const messageIds = (await this.deliver(log, () => sink.fail(userMessage, partial))) ?? [];
      const stored = await this.storeReply(
        log,
        message,
        {
          ...snapshot,
          replyText: partial,
          status: partial ? 'partial' : 'failed',
          error: error.code,
          latencyMs: Math.round(performance.now() - started),
        },
        messageIds,
      );
      if (partial && stored.status === 'replied' && stored.snapshotStored) {
        return { status: 'partial', replyId: stored.replyId, text: partial, error: error.code };
      }
      return { status: 'failed', error: error.code, userMessage };
    }
  }

  /**
   * Every turn is taken and the queue is full: say so, and release the claim so that a redelivery (or
   * the person asking again) is answered rather than skipped as a duplicate.
   */
  private async turnAway(log: Logger, message: MessageRef, sink: ReplySink, notice: string): Promise<RespondOutcome> {
    this.turnedAway += 1;
    const now = performance.now();
    // One line per interval under overload, not one per message: logging is CPU the overload lacks.
    if (now - this.lastBusyLogAt >= BUSY_LOG_INTERVAL_MS) {
      log.warn({ turnedAway: this.turnedAway, queued: this.admission.queued }, 'busy: messages turned away');
      this.lastBusyLogAt = now;
      this.turnedAway = 0;
    }
    try {
      await this.parts.claims.release(message, this.parts.owner);
    } catch (error) {
      log.error({ err: error }, 'could not release a message turned away as busy');
    }
    await this.deliver(log, () => sink.fail(notice, ''));
    return { status: 'busy' };
  }

  /**
   * Store the snapshot once the person has seen the reply. If the database refuses now, the person
   * already has their answer: log it, and leave the claim so the message is not answered twice.
   */
  private async storeReply(
    log: Logger,
    message: MessageRef,
    snapshot: ReplySnapshot,
    messageIds: string[],
    applied?: AppliedRecord,
  ): Promise<RespondOutcome> {
    const { replies, claims, owner } = this.parts;
    try {
      // One write transaction for the snapshot, what shaped it and the claim: fewer commits per reply under load.
      const replyId = await replies.record(snapshot, messageIds, async (tx, id) => {
        if (applied) await this.parts.applied?.store(id, applied, tx);
        if (!(await claims.on(tx).complete(message, id, owner))) {
          // This process stalled past its lease and another replica answered too; the claim is theirs.
          log.warn({ replyId: id }, 'the message was taken over by another replica while this one answered it');
        }
      });
      return { status: 'replied', snapshotStored: true, replyId, text: snapshot.replyText };
    } catch (error) {
      log.error(
        { err: error, code: asHeedError(error).code },
        'the reply was posted but its snapshot could not be stored',
      );
      // The person has their answer: mark the message answered so a restart does not answer it again.
      try {
        await claims.complete(message, null, owner);
      } catch {
        // Still refused: the log line above says why; a redelivery after a restart may be answered twice.
      }
      return { status: 'replied', snapshotStored: false, text: snapshot.replyText };
    }
  }

  /**
   * Something other than the model failed (the database, the platform). Tell the person, log what to
   * fix, and release the claim so that a redelivery of the message is answered.
   */
  private async apologise(
    log: Logger,
    sink: ReplySink,
    error: unknown,
    what: string,
    release?: MessageRef,
  ): Promise<RespondOutcome> {
    const failure = asHeedError(error);
    log.error({ err: error, code: failure.code, ...failure.detail }, what);
    if (release) {
      try {
        await this.parts.claims.release(release, this.parts.owner);
      } catch {
        // The database itself is the problem; the claim stays and the log line says why.
      }
    }
    await this.deliver(log, () => sink.fail(failure.userMessage, ''));
    return { status: 'failed', error: failure.code, userMessage: failure.userMessage };
  }

  /** Hand something to the platform; a platform failure is logged, never thrown. */
  private deliver<T>(log: Logger, action: () => Promise<T>): Promise<T | undefined> {
    return attempt(action, (error) => log.error({ err: error }, 'could not deliver a message to the platform'));
  }
}
