/**
 * A reply as it appears in Slack while the model writes it. Text streams with Slack's native streaming
 * (`chat.startStream` / `appendStream` / `stopStream` through the WebClient's `chatStream`), flushing the
 * first tokens at once and coalescing the rest; an answer that is whole by the time its first text would
 * go out is posted as one message instead. Where Slack refuses streaming, one message is posted and
 * edited with throttled `chat.update`. Long replies continue in further messages of the thread; broadcast
 * pings are defused on the way; the closing blocks (feedback buttons) go on the last message.
 */
import type { types, webApi } from '@slack/bolt';
import type { Logger } from '../../core/logger.js';
import type { AppliedSummary } from '../../core/reply/applied.js';
import type { ReplySink } from '../../core/types.js';
import { logSlackError, slackErrorCode, toSlackApiError } from './errors.js';
import { shorten } from '../../core/text.js';
import { BroadcastGuard, cutMarkdown, FALLBACK_TEXT_LIMIT, MESSAGE_MARKDOWN_LIMIT, toMrkdwn } from './format.js';

type WebClient = webApi.WebClient;
type Block = types.KnownBlock;

/** Where a reply goes. */
export interface ReplyTarget {
  channel: string;
  /** The thread the reply lives in: the asker's message ts for a new thread. */
  threadTs: string;
  /** Team and user the stream is for (Slack requires them outside DMs). */
  teamId: string;
  userId: string;
}

/** Remembers where Slack refused streaming for good (an older workspace, a token type), to skip the attempt. */
export class StreamingSupport {
  private readonly refused = new Set<string>();
  /** Slack errors that mean "this workspace or token cannot stream", not "this one message failed". */
  private static readonly PERMANENT = new Set([
    'unknown_method',
    'feature_not_enabled',
    'not_allowed_token_type',
    'method_deprecated',
    'team_not_allowed',
  ]);

  allowed(teamId: string): boolean {
    return !this.refused.has(teamId);
  }

  noteRefusal(teamId: string, slackError: string | undefined): void {
    if (slackError && StreamingSupport.PERMANENT.has(slackError)) this.refused.add(teamId);
  }
}

export interface ReplyStreamOptions {
  client: WebClient;
  logger: Logger;
  target: ReplyTarget;
  streaming: StreamingSupport;
  /** Blocks for the last message of a reply that has text (the feedback buttons). */
  closingBlocks: Block[];
  /** Blocks for the applied line, put before the closing blocks when the core passes one. */
  appliedBlocks?: (applied: AppliedSummary) => Block[];
  /** Settles once the "thinking" status call is done, so the status never lands after the reply. */
  statusSettled?: Promise<unknown>;
  /** Called when the reply ends without any message posted (an empty answer), to clear the status. */
  onNothingPosted?: () => Promise<unknown>;
  /** Minimum time between two streamed appends. */
  appendIntervalMs?: number;
  /** Minimum time between two `chat.update` edits of a posted message. */
  updateIntervalMs?: number;
  /** Markdown characters per message before the reply continues in a new one. */
  messageLimit?: number;
  /** Told each message's Markdown whenever Slack has taken more of it. */
  onWritten?: (ts: string, markdown: string) => void;
}

const APPEND_INTERVAL_MS = 500;
/** `chat.update` is Tier 3 (about 50 a minute): about one edit a second per message. */
const UPDATE_INTERVAL_MS = 1_200;

/** One Slack message of the reply. */
interface MessageWriter {
  readonly streaming: boolean;
  /** The message ts once it exists. */
  readonly ts: string | undefined;
  /** Markdown written into this message so far. */
  readonly content: string;
  write(text: string): Promise<void>;
  close(text: string, blocks: Block[]): Promise<void>;
}

/** A message streamed with `chatStream`. Each `write` flushes at once: this class does its own pacing. */
class StreamWriter implements MessageWriter {
  readonly streaming = true;
  content = '';
  private readonly streamer: ReturnType<WebClient['chatStream']>;

  constructor(client: WebClient, target: ReplyTarget) {
    this.streamer = client.chatStream({
      channel: target.channel,
      thread_ts: target.threadTs,
      recipient_team_id: target.teamId,
      recipient_user_id: target.userId,
      // The first flush must not wait for 256 characters: pacing is decided by ReplyStream.
      buffer_size: 1,
    });
  }

  get ts(): string | undefined {
    return this.streamer.ts;
  }

  async write(text: string): Promise<void> {
    await this.streamer.append({ markdown_text: text });
    this.content += text;
  }

  /** Only a message already opened by `write` is closed here: one whole at opening is posted instead. */
  async close(text: string, blocks: Block[]): Promise<void> {
    await this.streamer.stop({ ...(text ? { markdown_text: text } : {}), ...(blocks.length > 0 ? { blocks } : {}) });
    this.content += text;
  }
}

/** A message posted once and then edited: the fallback where streaming is refused. */
class PostWriter implements MessageWriter {
  readonly streaming = false;

  constructor(
    private readonly client: WebClient,
    private readonly target: ReplyTarget,
    public ts: string | undefined = undefined,
    public content = '',
  ) {}

  write(text: string): Promise<void> {
    return this.render(this.content + text, []);
  }

  close(text: string, blocks: Block[]): Promise<void> {
    return this.render(this.content + text, blocks);
  }

  private async render(content: string, extra: Block[]): Promise<void> {
    const markdown: types.MarkdownBlock = { type: 'markdown', text: content };
    const blocks: Block[] = [...(content ? [markdown] : []), ...extra];
    const text = shorten(toMrkdwn(content), FALLBACK_TEXT_LIMIT) || ' ';
    const method = this.ts === undefined ? 'chat.postMessage' : 'chat.update';
    try {
      if (this.ts === undefined) {
        const posted = await this.client.chat.postMessage({
          channel: this.target.channel,
          thread_ts: this.target.threadTs,
          text,
          blocks,
          unfurl_links: false,
        });
        this.ts = posted.ts;
      } else {
        await this.client.chat.update({ channel: this.target.channel, ts: this.ts, text, blocks });
      }
    } catch (error) {
      throw toSlackApiError(method, error);
    }
    this.content = content;
  }
}

/**
 * The ReplySink for one Slack reply. `append` never blocks the model: text is queued and written by a
 * single serial chain of Slack calls, so calls for one message never overlap.
 */
export class ReplyStream implements ReplySink {
  private readonly guard = new BroadcastGuard();
  private readonly ids: string[] = [];
  private readonly logger: Logger;
  private writer: MessageWriter | undefined;
  private pending = '';
  private raw = '';
  private chain: Promise<void> = Promise.resolve();
  private timer: NodeJS.Timeout | undefined;
  private flushing = false;
  private closing = false;
  /** Slack refused the reply outright (no channel access, …): stop trying, the log says why. */
  private broken = false;
  private lastFlushAt = 0;
  /** The reply's first text waits for `caughtUp` or the end of this turn of the event loop; see `schedule`. */
  private opening: NodeJS.Immediate | undefined;

  constructor(private readonly options: ReplyStreamOptions) {
    this.logger = options.logger;
  }

  append(delta: string): void {
    if (this.closing || delta === '') return;
    this.raw += delta;
    this.pending += this.guard.push(delta);
    this.schedule();
  }

  /** The model has sent nothing more for now: first text held back for the end of the turn goes out at once. */
  caughtUp(): void {
    if (!this.opening) return;
    clearImmediate(this.opening);
    this.opening = undefined;
    this.flush();
  }

  async finish(fullText: string, applied?: AppliedSummary): Promise<string[]> {
    // The core hands over the whole text; anything it holds beyond the streamed deltas is written too.
    const missing = fullText.startsWith(this.raw) ? fullText.slice(this.raw.length) : '';
    if (missing) this.append(missing);
    const appliedBlocks = applied && this.options.appliedBlocks ? this.options.appliedBlocks(applied) : [];
    const blocks = this.raw.trim() === '' ? [] : [...appliedBlocks, ...this.options.closingBlocks];
    return this.close(blocks);
  }

  async fail(userMessage: string, partialText: string): Promise<string[]> {
    if (this.raw === '' && partialText) this.append(partialText);
    const hadText = this.raw.trim() !== '';
    this.closing = true;
    this.pending += this.guard.flush();
    const notice = hadText ? `\n\n_${userMessage}_` : userMessage;
    this.pending += notice;
    return this.close(hadText ? this.options.closingBlocks : []);
  }

  private async close(blocks: Block[]): Promise<string[]> {
    this.closing = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    if (this.opening) clearImmediate(this.opening);
    this.opening = undefined;
    this.pending += this.guard.flush();
    this.enqueue(() => this.writePending(true, blocks));
    await this.chain;
    if (this.ids.length === 0) await this.options.onNothingPosted?.();
    return [...this.ids];
  }

  private schedule(): void {
    if (this.closing || this.flushing || this.timer || this.opening || this.pending === '') return;
    if (this.writer === undefined && this.ids.length === 0) {
      // The reply's first text goes out once the model's bytes read so far are handled (`caughtUp`, or at the
      // latest the end of this turn of the event loop): an answer that came whole (a fast model, a short answer)
      // is then posted whole, one call instead of a stream opened and stopped at once.
      this.opening = setImmediate(() => {
        this.opening = undefined;
        this.flush();
      });
      return;
    }
    const interval =
      this.writer?.streaming === false
        ? (this.options.updateIntervalMs ?? UPDATE_INTERVAL_MS)
        : (this.options.appendIntervalMs ?? APPEND_INTERVAL_MS);
    // The first text of a later message goes out at once; later text is coalesced.
    const wait = this.writer === undefined ? 0 : Math.max(0, this.lastFlushAt + interval - Date.now());
    if (wait === 0) {
      this.flush();
      return;
    }
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.flush();
    }, wait);
  }

  private flush(): void {
    this.flushing = true;
    this.lastFlushAt = Date.now();
    this.enqueue(() => this.writePending(false, []));
    void this.chain.then(() => {
      this.flushing = false;
      this.schedule();
    });
  }

  private enqueue(step: () => Promise<void>): void {
    this.chain = this.chain.then(step).catch((error: unknown) => {
      this.broken = true;
      logSlackError(this.logger, 'chat.postMessage', error);
    });
  }

  /** Write what is pending, continuing in a new message whenever the current one would overflow. */
  private async writePending(final: boolean, blocks: Block[]): Promise<void> {
    if (this.broken) return;
    await this.options.statusSettled;
    const limit = this.options.messageLimit ?? MESSAGE_MARKDOWN_LIMIT;
    for (;;) {
      const room = limit - (this.writer?.content.length ?? 0);
      if (this.pending.length <= room) {
        const text = this.pending;
        this.pending = '';
        if (final && (text !== '' || this.writer !== undefined)) await this.run({ close: true, text, blocks });
        else if (!final && text !== '') await this.run({ close: false, text, blocks: [] });
        return;
      }
      const { part, rest } = cutMarkdown(this.pending, room, this.writer?.content ?? '');
      this.pending = '';
      await this.run({ close: true, text: part, blocks: [] });
      this.writer = undefined;
      this.pending = rest;
    }
  }

  /**
   * Do one step on the current message, opening it if needed. A refused first stream call falls back to
   * posting; a stream that fails later (expired, rate-limited) is finished with `chat.update`.
   */
  private async run(step: { close: boolean; text: string; blocks: Block[] }): Promise<void> {
    const { client, target, streaming, logger } = this.options;
    const apply = (writer: MessageWriter, text = step.text) =>
      step.close ? writer.close(text, step.blocks) : writer.write(text);
    // A message whose whole text is known when it opens is posted: there is nothing to stream.
    this.writer ??=
      !step.close && streaming.allowed(target.teamId)
        ? new StreamWriter(client, target)
        : new PostWriter(client, target);
    const writer = this.writer;
    const before = writer.content.length;
    try {
      await apply(writer);
    } catch (error) {
      if (!writer.streaming) throw error;
      const slackError = slackErrorCode(error);
      if (writer.ts === undefined) {
        streaming.noteRefusal(target.teamId, slackError);
        logger.warn(
          { slackError, channel: target.channel },
          'Slack refused streaming; posting the reply and editing it instead',
        );
        this.writer = new PostWriter(client, target);
      } else {
        logger.warn(
          { slackError, channel: target.channel },
          'the Slack stream failed mid-reply; finishing it with chat.update',
        );
        this.writer = new PostWriter(client, target, writer.ts, writer.content);
      }
      // Replay only what the failed stream did not take.
      const written = writer.content.length - before;
      await apply(this.writer, step.text.slice(written));
    } finally {
      const ts = this.writer?.ts;
      if (ts !== undefined) {
        if (!this.ids.includes(ts)) this.ids.push(ts);
        this.options.onWritten?.(ts, this.writer?.content ?? '');
      }
    }
  }
}
