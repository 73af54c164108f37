/**
 * Conversations: which Slack messages Heed answers, with what context, and where the reply goes. A
 * mention in a channel is answered in its thread; a DM is answered; a follow-up in a thread Heed already
 * answered in needs no new mention (HEED_THREAD_FOLLOWUPS). Bot messages (Heed's own included), edits,
 * deletions, joins and empty messages are ignored. The same message arriving as `app_mention` and
 * `message`, or redelivered by Slack, is answered once: the core's persisted claim decides; the adapter
 * only skips a twin that arrives while the first copy is still being answered.
 */
import type { App, Context, webApi } from '@slack/bolt';
import type { HistoryMessage, IncomingMessage } from '../../core/types.js';
import { workspaceOf, type SlackAdapterContext } from './adapter-context.js';
import { attempt } from './errors.js';
import { feedbackButtonsBlock } from './feedback.js';
import { mentionedUserIds, slackToPlain } from './format.js';
import { ReplyStream } from './reply-stream.js';

/** Earlier messages passed to the core; it trims them to the model's budget. */
const HISTORY_LIMIT = 50;
/** Pages of `conversations.replies` read at most for one thread. */
const HISTORY_PAGES = 5;
const THINKING = 'is thinking…';

/** Message subtypes that are still a person talking. */
const ANSWERABLE_SUBTYPES = new Set(['file_share', 'thread_broadcast']);

/** The fields of a Slack message event that decide whether and how Heed answers. */
export interface SlackMessage {
  kind: 'app_mention' | 'message';
  channel: string;
  channelType?: string;
  user?: string;
  botId?: string;
  subtype?: string;
  hidden: boolean;
  text: string;
  ts: string;
  threadTs?: string;
}

const str = (value: unknown): string | undefined => (typeof value === 'string' ? value : undefined);

/** Read the fields Heed uses from an `app_mention` or `message` event of any subtype. */
export function readMessage(kind: SlackMessage['kind'], event: object): SlackMessage | undefined {
  const fields = event as Record<string, unknown>;
  const channel = str(fields.channel);
  const ts = str(fields.ts);
  if (!channel || !ts) return undefined;
  const optional = {
    channelType: str(fields.channel_type),
    user: str(fields.user),
    botId: str(fields.bot_id),
    subtype: str(fields.subtype),
    threadTs: str(fields.thread_ts),
  };
  return {
    kind,
    channel,
    ts,
    text: str(fields.text) ?? '',
    hidden: fields.hidden === true,
    ...Object.fromEntries(Object.entries(optional).filter(([, value]) => value !== undefined)),
  };
}

/** A message from `conversations.replies`, as far as history needs it. */
interface ThreadMessage {
  ts: string;
  text: string;
  user?: string;
  botId?: string;
  botName?: string;
  subtype?: string;
  /** Texts of `markdown` blocks (how Heed's posted replies carry their Markdown). */
  markdown: string[];
}

function readThreadMessage(message: object): ThreadMessage {
  const fields = message as Record<string, unknown>;
  const profile = fields.bot_profile as Record<string, unknown> | undefined;
  const blocks = Array.isArray(fields.blocks) ? (fields.blocks as unknown[]) : [];
  const markdown = blocks.flatMap((block) => {
    const record = block as Record<string, unknown> | null;
    return record?.type === 'markdown' && typeof record.text === 'string' ? [record.text] : [];
  });
  const optional = { user: str(fields.user), botId: str(fields.bot_id), botName: str(fields.username) ?? str(profile?.name), subtype: str(fields.subtype) };
  return {
    ts: str(fields.ts) ?? '',
    text: str(fields.text) ?? '',
    markdown,
    ...Object.fromEntries(Object.entries(optional).filter(([, value]) => value !== undefined)),
  };
}

/** Compare two Slack timestamps (`seconds.micros`) without floating-point loss. */
export function compareTs(a: string, b: string): number {
  const [aSec = '0', aMicro = '0'] = a.split('.');
  const [bSec = '0', bMicro = '0'] = b.split('.');
  return Number(aSec) - Number(bSec) || Number(aMicro.padEnd(6, '0')) - Number(bMicro.padEnd(6, '0'));
}

/** Remove mentions of the bot itself from the text. */
function withoutBotMention(text: string, botUserId: string): string {
  return text.replace(new RegExp(`<@${botUserId}(?:\\|[^>]*)?>`, 'g'), ' ').replace(/[ \t]{2,}/g, ' ').trim();
}

/** Register the listeners that answer messages. */
export function registerConversation(app: App, ctx: SlackAdapterContext): void {
  const { core, config, logger, bot, people, streaming } = ctx;
  /** Messages being answered right now, so a twin arriving meanwhile does no duplicate work. */
  const answering = new Set<string>();

  /** A person's message, ready for the core: bot mention removed, mentions as names. */
  const plain = async (text: string): Promise<string> => {
    const ids = mentionedUserIds(text);
    const names = new Map(await Promise.all(ids.map(async (id) => [id, await people.name(id)] as const)));
    return slackToPlain(text, names);
  };

  /** The thread's earlier messages, oldest first, each attributed to its speaker. */
  const threadHistory = async (client: webApi.WebClient, channel: string, threadTs: string, beforeTs: string): Promise<HistoryMessage[]> => {
    const collected: NonNullable<webApi.ConversationsRepliesResponse['messages']> = [];
    let cursor: string | undefined;
    for (let page = 0; page < HISTORY_PAGES; page++) {
      const response = await attempt(logger, 'conversations.replies', () =>
        client.conversations.replies({ channel, ts: threadTs, limit: 200, ...(cursor ? { cursor } : {}) }),
      );
      if (!response) break;
      collected.push(...(response.messages ?? []));
      cursor = response.response_metadata?.next_cursor || undefined;
      if (!cursor) break;
    }
    const earlier = collected
      .map(readThreadMessage)
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
      const text = await plain(withoutBotMention(message.text, bot.userId));
      if (text.trim() === '') continue;
      const speaker = message.user ? await people.name(message.user) : (message.botName ?? 'a bot');
      history.push({ role: 'user', speaker, text });
    }
    return history;
  };

  /** Whether Heed should answer this message at all. */
  const shouldAnswer = (message: SlackMessage, workspaceId: string): boolean => {
    if (message.subtype && !ANSWERABLE_SUBTYPES.has(message.subtype)) return false;
    if (message.hidden || message.botId || !message.user || message.user === bot.userId) return false;
    if (withoutBotMention(message.text, bot.userId) === '') return false;
    if (message.kind === 'app_mention') return true;
    if (message.channelType === 'im') return true;
    // A mention also arrives as app_mention; both are passed on and the core answers once.
    if (message.text.includes(`<@${bot.userId}`)) return true;
    if (!message.threadTs || message.threadTs === message.ts || !config.HEED_THREAD_FOLLOWUPS) return false;
    // A follow-up addressed to someone else is theirs to answer.
    if (mentionedUserIds(message.text).some((id) => id !== bot.userId)) return false;
    return core.hasRepliedInThread({ platform: 'slack', workspaceId, channelId: message.channel }, message.threadTs);
  };

  const answer = async (message: SlackMessage, context: Context, client: webApi.WebClient): Promise<void> => {
    const workspaceId = workspaceOf(context, bot);
    if (!shouldAnswer(message, workspaceId)) return;
    const userId = message.user ?? '';
    const key = `${workspaceId}:${message.channel}:${message.ts}`;
    if (answering.has(key)) return;
    answering.add(key);
    try {
      const threadTs = message.threadTs ?? message.ts;
      const status = attempt(logger, 'assistant.threads.setStatus', () => client.assistant.threads.setStatus({ channel_id: message.channel, thread_ts: threadTs, status: THINKING }), 'debug');
      const inThread = message.threadTs !== undefined && message.threadTs !== message.ts;
      const [history, userName, text] = await Promise.all([
        inThread ? threadHistory(client, message.channel, threadTs, message.ts) : Promise.resolve([]),
        people.name(userId),
        plain(withoutBotMention(message.text, bot.userId)),
      ]);
      const isDirect = message.channelType === 'im' || message.channel.startsWith('D');
      const incoming: IncomingMessage = {
        platform: 'slack',
        workspaceId,
        channelId: message.channel,
        messageId: message.ts,
        userId,
        userName,
        text,
        history,
        threadId: threadTs,
        isDirect,
      };
      const sink = new ReplyStream({
        client,
        logger,
        target: { channel: message.channel, threadTs, teamId: workspaceId, userId },
        streaming,
        closingBlocks: [feedbackButtonsBlock()],
        statusSettled: status,
      });
      const outcome = await core.respond(incoming, sink);
      logger.debug({ channel: message.channel, ts: message.ts, via: message.kind, outcome: outcome.status }, 'message handled');
      if (outcome.status === 'duplicate') {
        // Nothing will be posted, so clear the "thinking" status this copy set.
        await status;
        await attempt(logger, 'assistant.threads.setStatus', () => client.assistant.threads.setStatus({ channel_id: message.channel, thread_ts: threadTs, status: '' }), 'debug');
      }
    } finally {
      answering.delete(key);
    }
  };

  app.event('app_mention', async ({ event, context, client }) => {
    const message = readMessage('app_mention', event);
    if (message) await answer(message, context, client);
  });

  app.event('message', async ({ event, context, client }) => {
    const message = readMessage('message', event);
    if (message) await answer(message, context, client);
  });
}
