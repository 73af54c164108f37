/**
 * What the model is shown of a Slack thread: its earlier messages, oldest first, each attributed to its
 * speaker, in the form a person reads them (mentions as names, links as text). Heed's own earlier
 * replies are the assistant's turns.
 */
import { webApi } from '@slack/bolt';
import type { Logger } from '../../core/logger.js';
import type { HistoryMessage } from '../../core/types.js';
import type { BotIdentity, SlackAdapterContext } from './adapter-context.js';
import { attempt } from './errors.js';
import { ANSWERABLE_SUBTYPES } from './message-subtypes.js';
import { compareTs, readThreadMessage, threadKey, type ThreadMessage } from './thread-memory.js';
import { mentionedUserIds, slackToPlain } from './format.js';
import type { UserDirectory } from './user-directory.js';

/** Earlier messages passed to the core; it trims them to the model's budget. */
const HISTORY_LIMIT = 50;
/** Pages of `conversations.replies` read at most for one thread. */
const HISTORY_PAGES = 5;

/** Remove mentions of the bot itself from the text. */
export function withoutBotMention(text: string, botUserId: string): string {
  // Stops at the next `<` too, so a label that never closes costs one scan, not one per start (format.ts).
  return text
    .replace(new RegExp(`<@${botUserId}(?:\\|[^<>]*)?>`, 'g'), ' ')
    .replace(/[ \t]{2,}/g, ' ')
    .trim();
}

/** A person's Slack text as the model should read it: the bot's mention removed, others as names. */
export async function modelText(text: string, ctx: { bot: BotIdentity; people: UserDirectory }): Promise<string> {
  const stripped = withoutBotMention(text, ctx.bot.userId);
  const ids = mentionedUserIds(stripped);
  const names = new Map(await Promise.all(ids.map(async (id) => [id, await ctx.people.name(id)] as const)));
  return slackToPlain(stripped, names);
}

/**
 * Reads a thread's messages for context. `conversations.replies` is the call Slack limits hardest (Tier 3;
 * about one a minute for some distributed apps), and a Web API client that waits out a 429 pauses all of
 * its calls for that long, every reply's stream included. So this reader has a client of its own that
 * fails at once on a rate limit (`rejectRateLimitedCalls`), and reads nothing more until Slack's
 * Retry-After has passed: meanwhile replies go ahead without the thread's earlier messages.
 */
export class ThreadReader {
  private pausedUntil = 0;

  /**
   * @param client a client made with `rejectRateLimitedCalls: true` and a short retry policy.
   * @param now milliseconds clock; injectable for tests.
   */
  constructor(
    private readonly client: webApi.WebClient,
    private readonly logger: Logger,
    private readonly now: () => number = Date.now,
  ) {}

  /** One page of the thread; undefined when Slack will not say now (logged once per rate-limit window). */
  async page(
    channel: string,
    threadTs: string,
    cursor: string | undefined,
  ): Promise<webApi.ConversationsRepliesResponse | undefined> {
    if (this.now() < this.pausedUntil) return undefined;
    return attempt(this.logger, 'conversations.replies', async () => {
      try {
        return await this.client.conversations.replies({
          channel,
          ts: threadTs,
          limit: 200,
          ...(cursor ? { cursor } : {}),
        });
      } catch (error) {
        if (error instanceof webApi.WebAPIRateLimitedError) {
          this.pausedUntil = this.now() + error.retryAfter * 1000;
          this.logger.warn(
            { method: 'conversations.replies', retryAfter: error.retryAfter },
            `Slack rate-limited conversations.replies: answering without thread history for ${error.retryAfter} s`,
          );
          return undefined;
        }
        throw error;
      }
    });
  }
}

/**
 * The thread as Slack holds it, oldest first, read page by page. A complete read starts the thread's
 * memory; one cut short (a rate limit, more pages than read) does not.
 */
async function readThread(
  ctx: SlackAdapterContext,
  key: string,
  channel: string,
  threadTs: string,
): Promise<ThreadMessage[]> {
  const { threads, memory } = ctx;
  memory?.reading(key);
  const collected: object[] = [];
  let cursor: string | undefined;
  let whole = false;
  for (let page = 0; page < HISTORY_PAGES; page++) {
    const response = await threads.page(channel, threadTs, cursor);
    if (!response) break;
    collected.push(...(response.messages ?? []));
    cursor = response.response_metadata?.next_cursor || undefined;
    if (!cursor) {
      whole = true;
      break;
    }
  }
  const messages = collected.map(readThreadMessage);
  if (whole) memory?.read(key, messages);
  else memory?.forget(key);
  return messages;
}

/**
 * The thread's messages before `beforeTs`, oldest first; empty when Slack will not say (logged). From
 * memory when Heed has seen the whole thread, from `conversations.replies` otherwise.
 */
export async function threadHistory(
  ctx: SlackAdapterContext,
  workspaceId: string,
  channel: string,
  threadTs: string,
  beforeTs: string,
): Promise<HistoryMessage[]> {
  const { bot, people, memory } = ctx;
  const key = threadKey(workspaceId, channel, threadTs);
  const messages = memory?.messages(key) ?? (await readThread(ctx, key, channel, threadTs));
  const earlier = messages
    .filter((message) => message.ts !== '' && compareTs(message.ts, beforeTs) < 0)
    .slice(-HISTORY_LIMIT);
  const history: HistoryMessage[] = [];
  for (const message of earlier) {
    if (message.subtype && !ANSWERABLE_SUBTYPES.has(message.subtype) && message.subtype !== 'bot_message') continue;
    if (message.user === bot.userId || message.botId === bot.botId) {
      // A posted (not streamed) reply keeps its full Markdown in its markdown blocks.
      const text = message.markdown.length > 0 ? message.markdown.join('\n') : message.text;
      if (text.trim() !== '') history.push({ role: 'assistant', text });
      continue;
    }
    const text = await modelText(message.text, ctx);
    if (text.trim() === '') continue;
    const speaker = message.user ? await people.name(message.user) : (message.botName ?? 'a bot');
    history.push({ role: 'user', speaker, text });
  }
  return history;
}
