/**
 * The earlier messages of a Discord conversation, as context for the model: the reply chain when the
 * message is a reply, otherwise the recent messages of a thread or a DM. Each is attributed to its
 * speaker; the bot's own messages become assistant turns (the parts of one long reply joined again).
 * The core trims the result to the model's budget, so this fetches generously and never fails: a
 * message that cannot be fetched ends the chain.
 */
import { cleanContent, MessageType, type Client, type Message } from 'discord.js';
import type { Logger } from '../../core/logger.js';
import type { HistoryMessage } from '../../core/types.js';

/** How many messages up a reply chain we follow. */
const CHAIN_LIMIT = 30;
/** How many recent messages of a thread or DM we read. */
const RECENT_LIMIT = 50;

/** The text of a message as the model should see it: the bot's mentions removed, other mentions as names. */
export function promptText(message: Message, botId: string, botRoleId?: string): string {
  let text = message.content.replace(new RegExp(`<@!?${botId}>`, 'g'), '');
  if (botRoleId) text = text.replaceAll(`<@&${botRoleId}>`, '');
  return cleanContent(text, message.channel).trim();
}

/** The speaker's name as the server shows it. */
export function speakerName(message: Message): string {
  return message.member?.displayName ?? message.author.displayName;
}

/** Follow `message`'s reply chain upwards; returns the earlier messages, oldest first. */
async function replyChain(message: Message, logger: Logger): Promise<Message[]> {
  const chain: Message[] = [];
  let cursor = message;
  while (chain.length < CHAIN_LIMIT) {
    const reference = cursor.reference;
    // A reference to another channel is a forward or a cross-post, not part of this conversation.
    if (!reference?.messageId || reference.channelId !== cursor.channelId) break;
    try {
      cursor = await cursor.fetchReference();
    } catch (error) {
      logger.debug(
        { err: error, message: reference.messageId },
        'reply chain ends at a message that could not be fetched',
      );
      break;
    }
    chain.push(cursor);
  }
  return chain.reverse();
}

/**
 * Channels whose recent messages were fetched, and when. From then on discord.js caches every message
 * posted there (it receives them all), so the cache holds the channel's recent history and a question
 * there needs no request for it. An entry lapses after a while, so that a gap in the cache (a gateway
 * session lost and not resumed) heals; the map is bounded. Kept per client: another client's cache is not this one's.
 */
const cachedHistory = new WeakMap<Client, Map<string, number>>();
const CACHED_HISTORY_MS = 10 * 60_000;
const CACHED_HISTORY_CHANNELS = 10_000;

const byId = (a: Message, b: Message): number => (BigInt(a.id) < BigInt(b.id) ? -1 : 1);

/** The messages posted before `message` in its channel, oldest first. */
async function recentMessages(message: Message, logger: Logger): Promise<Message[]> {
  const channelId = message.channelId;
  let fetched = cachedHistory.get(message.client);
  if (!fetched) cachedHistory.set(message.client, (fetched = new Map()));
  const fetchedAt = fetched.get(channelId);
  // Only a channel discord.js keeps has a message cache that lives from one question to the next.
  const kept = message.client.channels.cache.get(channelId) === message.channel;
  if (kept && fetchedAt !== undefined && Date.now() - fetchedAt < CACHED_HISTORY_MS) {
    const before = BigInt(message.id);
    const cached = [...message.channel.messages.cache.values()].filter((m) => !m.partial && BigInt(m.id) < before);
    return cached.sort(byId).slice(-RECENT_LIMIT);
  }
  try {
    const recent = await message.channel.messages.fetch({ limit: RECENT_LIMIT, before: message.id });
    if (fetched.size >= CACHED_HISTORY_CHANNELS) fetched.clear();
    fetched.set(channelId, Date.now());
    return [...recent.values()].sort(byId);
  } catch (error) {
    logger.warn(
      { err: error, channel: message.channelId },
      'could not read recent messages for context; answering without them',
    );
    return [];
  }
}

/**
 * A thread's recent messages and, once its beginning is in reach, the message it was started from
 * (that lives in the parent channel, and says what the thread is about).
 */
async function threadMessages(message: Message, logger: Logger): Promise<Message[]> {
  const recent = await recentMessages(message, logger);
  if (!message.channel.isThread() || recent.length >= RECENT_LIMIT || recent.some((m) => m.id === message.channelId))
    return recent;
  try {
    const starter = await message.channel.fetchStarterMessage();
    return starter ? [starter, ...recent] : recent;
  } catch (error) {
    logger.debug({ err: error, thread: message.channelId }, 'thread has no starter message to use as context');
    return recent;
  }
}

/**
 * The history for a message addressed to the bot, oldest first: its reply chain; else the recent
 * messages of a thread (with its starter) or a DM; else nothing (a mention in a channel starts a new
 * conversation).
 */
export async function conversationHistory(message: Message, botId: string, logger: Logger): Promise<HistoryMessage[]> {
  let earlier: Message[] = [];
  if (message.reference?.messageId) earlier = await replyChain(message, logger);
  else if (message.channel.isThread()) earlier = await threadMessages(message, logger);
  else if (message.channel.isDMBased()) earlier = await recentMessages(message, logger);

  const history: HistoryMessage[] = [];
  for (const previous of earlier) {
    if (previous.type !== MessageType.Default && previous.type !== MessageType.Reply) continue;
    const mine = previous.author.id === botId;
    const text = mine ? previous.content : promptText(previous, botId);
    if (text === '') continue;
    const last = history.at(-1);
    // One long reply spans several messages; the model should see it as the one turn it was.
    if (mine && last?.role === 'assistant') last.text = `${last.text}\n${text}`;
    else history.push(mine ? { role: 'assistant', text } : { role: 'user', speaker: speakerName(previous), text });
  }
  return history;
}
