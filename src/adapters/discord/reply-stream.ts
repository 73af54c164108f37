/**
 * A reply streamed into Discord by editing messages. The typing indicator shows when the first text
 * is slow to come, until it is posted; after that the reply is edited at most once per interval, always
 * to the latest text (deltas are coalesced, never queued one edit per token). discord.js keeps the bot
 * within Discord's global budget (50 requests a second) by queueing; when that budget is half spent, a
 * reply spends fewer of it: the first post waits a moment so that a short reply goes out whole, and
 * edits are further apart. Text past 2,000 characters continues in further messages, each a reply to
 * the one before so the reply chain holds the whole answer. Model text never pings anyone: every
 * message goes out with empty allowed mentions.
 */
import type { ActionRowBuilder, ButtonBuilder, Message, MessageMentionOptions, REST } from 'discord.js';
import type { Logger } from '../../core/logger.js';
import type { AppliedSummary } from '../../core/reply/applied.js';
import type { ReplySink } from '../../core/types.js';
import { appliedSubtext, whyButtonRow } from './applied.js';
import { logDiscordError } from './errors.js';
import { splitMessage } from './split-message.js';

/** Discord's typing indicator lasts about 10 seconds; refresh it before it lapses. */
const TYPING_REFRESH_MS = 8_000;
/** The typing indicator is a request too: shown only when the first text takes longer than this. */
export const TYPING_DELAY_MS = 500;
/** Edits of a streaming reply: at most one per this interval. */
const EDIT_INTERVAL_MS = 1_000;
/** The same when the global budget is busy. */
const BUSY_EDIT_INTERVAL_MS = 3_000;
/** When the global budget is busy, the first post waits this long after the first text, to carry more of it. */
const BUSY_FIRST_POST_DELAY_MS = 1_000;
/** Discord refuses an empty message; this stands in for a reply with no text. */
const EMPTY_REPLY = '_(The model returned an empty reply.)_';

/** Model output may contain `@everyone` or `<@id>`: render them, ping no one. */
export const NO_MENTIONS: MessageMentionOptions = { parse: [], repliedUser: false };

export interface ReplyStreamOptions {
  /** The message being answered; the first part of the reply is a reply to it. */
  source: Message;
  logger: Logger;
}

/**
 * True when more than half of this second's global request budget is spent: requests beyond it wait in
 * discord.js's queue, and every request a reply saves is one another reply does not wait for.
 */
export function globalBudgetBusy(rest: REST, now = Date.now()): boolean {
  return now < rest.globalReset && rest.globalRemaining < rest.options.globalRequestsPerSecond / 2;
}

/**
 * A ReplySink that posts into the channel of `source`. Call `startTyping()` when work begins and `close()` when it
 * ends.
 */
export class DiscordReplyStream implements ReplySink {
  private readonly source: Message;
  private readonly logger: Logger;
  private text = '';
  private readonly posted: Message[] = [];
  /** The content each posted message shows now. */
  private readonly shown: string[] = [];
  private renderedText = '';
  private lastRenderAt = 0;
  private timer: NodeJS.Timeout | undefined;
  private rendering: Promise<void> | undefined;
  private typing: NodeJS.Timeout | undefined;
  private typingDelay: NodeJS.Timeout | undefined;
  private finished = false;
  /** Set when Discord refused a post or edit: nothing more is attempted for this reply. */
  private broken = false;

  constructor(options: ReplyStreamOptions) {
    this.source = options.source;
    this.logger = options.logger;
  }

  /** Show "Heed is typing…" if no text came within TYPING_DELAY_MS, until the first text is posted (or `close()`). */
  startTyping(): void {
    const channel = this.source.channel;
    if (!channel.isSendable() || this.typing || this.typingDelay) return;
    const send = (): void => {
      channel.sendTyping().catch((error: unknown) => {
        logDiscordError(this.logger, error, { action: 'show the typing indicator', channel: channel.id });
      });
    };
    this.typingDelay = setTimeout(() => {
      this.typingDelay = undefined;
      if (this.text.trim() !== '' || this.finished) return;
      send();
      this.typing = setInterval(send, TYPING_REFRESH_MS);
    }, TYPING_DELAY_MS);
  }

  append(delta: string): void {
    this.text += delta;
    if (this.typingDelay && this.text.trim() !== '') this.stopTyping();
    // Discord refuses blank content, so nothing is shown before the first visible character.
    if (!this.finished && this.text.trim() !== '') this.schedule();
  }

  finish(fullText: string, applied?: AppliedSummary): Promise<string[]> {
    const text = fullText.trim() === '' ? EMPTY_REPLY : fullText;
    if (!applied) return this.complete(text);
    return this.complete(`${text}\n${appliedSubtext(applied)}`, [whyButtonRow()]);
  }

  fail(userMessage: string, partialText: string): Promise<string[]> {
    return this.complete(partialText.trim() === '' ? userMessage : `${partialText}\n\n${userMessage}`);
  }

  /** Stop the typing indicator and any pending edit; for work that ended without finish or fail. */
  close(): void {
    this.finished = true;
    clearTimeout(this.timer);
    this.timer = undefined;
    this.stopTyping();
  }

  private stopTyping(): void {
    clearTimeout(this.typingDelay);
    this.typingDelay = undefined;
    clearInterval(this.typing);
    this.typing = undefined;
  }

  /** Render the latest text soon: right away for the first post, else once the edit interval has passed. */
  private schedule(): void {
    if (this.timer || this.rendering || this.broken) return;
    const busy = globalBudgetBusy(this.source.client.rest);
    const wait =
      this.posted.length === 0
        ? busy
          ? BUSY_FIRST_POST_DELAY_MS
          : 0
        : Math.max(0, this.lastRenderAt + (busy ? BUSY_EDIT_INTERVAL_MS : EDIT_INTERVAL_MS) - Date.now());
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.rendering = this.render(this.text).finally(() => {
        this.rendering = undefined;
        if (!this.finished && this.text !== this.renderedText) this.schedule();
      });
    }, wait);
  }

  private async complete(text: string, lastComponents?: ActionRowBuilder<ButtonBuilder>[]): Promise<string[]> {
    this.close();
    await this.rendering;
    await this.render(text, lastComponents);
    return this.posted.map((message) => message.id);
  }

  /** Make the posted messages show `text`: edit those that changed, post the parts that are new. */
  private async render(text: string, lastComponents?: ActionRowBuilder<ButtonBuilder>[]): Promise<void> {
    if (this.broken) return;
    this.lastRenderAt = Date.now();
    this.renderedText = text;
    const parts = splitMessage(text);
    try {
      for (const [index, content] of parts.entries()) {
        const existing = this.posted[index];
        // The closing components (Why this answer?) go on the last message only.
        const extra = lastComponents && index === parts.length - 1 ? { components: lastComponents } : {};
        if (existing) {
          if (this.shown[index] === content && !extra.components) continue;
          this.posted[index] = await existing.edit({ content, allowedMentions: NO_MENTIONS, ...extra });
        } else {
          const anchor = this.posted[index - 1] ?? this.source;
          const options = { content, allowedMentions: NO_MENTIONS, failIfNotExists: false, ...extra };
          this.posted.push(await anchor.reply(options));
          this.stopTyping();
        }
        this.shown[index] = content;
      }
      // A final text shorter than what streamed (rare) leaves surplus parts behind.
      for (const surplus of this.posted.splice(parts.length)) {
        this.shown.pop();
        await surplus.delete();
      }
    } catch (error) {
      this.broken = true;
      this.stopTyping();
      logDiscordError(this.logger, error, {
        action: 'post the reply',
        channel: this.source.channelId,
        message: this.source.id,
      });
    }
  }
}
