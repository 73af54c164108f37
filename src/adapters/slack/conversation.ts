/**
 * Conversations: which Slack messages Heed answers, with what context, and where the reply goes. A
 * mention in a channel is answered in its thread; a DM is answered; a follow-up in a thread Heed already
 * answered in needs no new mention (HEED_THREAD_FOLLOWUPS). Bot messages (Heed's own included), edits,
 * deletions, joins and empty messages are ignored. The same message arriving as `app_mention` and
 * `message`, or redelivered by Slack, is answered once: the core's persisted claim decides; the adapter
 * only skips a twin that arrives while the first copy is still being answered (in HTTP mode the events
 * thread already drops most twins before they reach Bolt: mention-twins.ts).
 */
import type { App, Context, webApi } from '@slack/bolt';
import type { IncomingMessage } from '../../core/types.js';
import { isDirectChannel, workspaceOf, type SlackAdapterContext } from './adapter-context.js';
import { appliedBlocks } from './applied.js';
import { attempt } from './errors.js';
import { withRevision } from '../with-revision.js';
import { SlackRevision } from './compliance.js';
import { feedbackButtonsBlock } from './feedback.js';
import { mentionedUserIds } from './format.js';
import { ReplyStream } from './reply-stream.js';
import { ThinkingStatus } from './thinking-status.js';
import { ANSWERABLE_SUBTYPES } from './message-subtypes.js';
import { modelText, threadHistory, withoutBotMention } from './thread-history.js';
import { threadKey } from './thread-memory.js';

const THINKING = 'is thinking…';
/**
 * Streamed text after the first flush (which goes out at once) is appended at most once a second: half
 * the `chat.appendStream` calls of the stream's default, and a reply of under a second needs none.
 */
const APPEND_INTERVAL_MS = 1_000;

/**
 * Slack cuts message text at 40,000 characters; mention markup adds a little. Anything far longer did
 * not come from a person typing in Slack, and would cost a huge prompt: it is ignored, with a warning.
 */
const MAX_TEXT_LENGTH = 50_000;

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

/** False for text made only of spaces and invisible format characters (zero-width, direction marks …). */
function hasVisibleText(text: string): boolean {
  return /[^\s\p{Cf}]/u.test(text);
}

/** Read the fields Heed uses from an `app_mention` or `message` event of any subtype. */
export function readMessage(kind: SlackMessage['kind'], event: object): SlackMessage | undefined {
  const fields = event as Record<string, unknown>;
  const channel = str(fields.channel);
  const ts = str(fields.ts);
  if (!channel || !ts) return undefined;
  const channelType = str(fields.channel_type);
  const user = str(fields.user);
  const botId = str(fields.bot_id);
  const subtype = str(fields.subtype);
  const threadTs = str(fields.thread_ts);
  return {
    kind,
    channel,
    ts,
    text: str(fields.text) ?? '',
    hidden: fields.hidden === true,
    ...(channelType ? { channelType } : {}),
    ...(user ? { user } : {}),
    ...(botId ? { botId } : {}),
    ...(subtype ? { subtype } : {}),
    ...(threadTs ? { threadTs } : {}),
  };
}

/** Answers one Slack message if Heed should (the assistant panel hands its messages here too). */
export type AnswerMessage = (message: SlackMessage, context: Context, client: webApi.WebClient) => Promise<void>;

/** Register the listeners that answer messages; returns the answering function for the assistant panel. */
export function registerConversation(app: App, ctx: SlackAdapterContext): AnswerMessage {
  const { core, config, logger, bot, people, streaming, memory } = ctx;
  /** Messages being answered right now, so a twin arriving meanwhile does no duplicate work. */
  const answering = new Set<string>();

  /** Whether Heed should answer this message at all. */
  const shouldAnswer = async (message: SlackMessage, workspaceId: string): Promise<boolean> => {
    if (message.subtype && !ANSWERABLE_SUBTYPES.has(message.subtype)) return false;
    if (message.hidden || message.botId || !message.user || message.user === bot.userId) return false;
    // The size limit comes before any parsing of the text.
    if (message.text.length > MAX_TEXT_LENGTH) {
      logger.warn(
        { channel: message.channel, ts: message.ts, length: message.text.length },
        'ignored a message longer than Slack allows',
      );
      return false;
    }
    if (!hasVisibleText(withoutBotMention(message.text, bot.userId))) return false;
    if (message.kind === 'app_mention') return true;
    if (isDirectChannel(message.channel, message.channelType)) return true;
    // A mention also arrives as app_mention; both are passed on and the core answers once.
    if (message.text.includes(`<@${bot.userId}`)) return true;
    if (!message.threadTs || message.threadTs === message.ts || !config.HEED_THREAD_FOLLOWUPS) return false;
    // A follow-up addressed to someone else is theirs to answer.
    if (mentionedUserIds(message.text).some((id) => id !== bot.userId)) return false;
    return core.hasRepliedInThread({ platform: 'slack', workspaceId, channelId: message.channel }, message.threadTs);
  };

  /** Answer a message this process is not already answering. */
  const answerOnce = async (
    message: SlackMessage,
    workspaceId: string,
    client: webApi.WebClient,
    redelivered: boolean,
  ): Promise<void> => {
    // A twin or redelivery of a message already answered: no status, no history, no calls at all.
    if (await core.isHandled({ platform: 'slack', workspaceId, channelId: message.channel, messageId: message.ts })) {
      logger.debug(
        { channel: message.channel, ts: message.ts, via: message.kind, outcome: 'duplicate' },
        'message handled',
      );
      return;
    }
    const userId = message.user ?? '';
    const threadTs = message.threadTs ?? message.ts;
    const thread = threadKey(workspaceId, message.channel, threadTs);
    const inThread = message.threadTs !== undefined && message.threadTs !== message.ts;
    // A message that begins a thread is all of it so far, and follow-ups can read it from memory. Not so for
    // Slack's retry of one: people may have answered in its thread while it waited.
    if (!inThread && !redelivered)
      memory?.began(thread, { ts: message.ts, text: message.text, user: userId, markdown: [] });
    const setStatus = (text: string) =>
      attempt(
        logger,
        'assistant.threads.setStatus',
        () => client.assistant.threads.setStatus({ channel_id: message.channel, thread_ts: threadTs, status: text }),
        'debug',
      );
    const status = new ThinkingStatus(setStatus, THINKING);
    try {
      // Over the rate limit: respond() only sends the notice, so nothing is read, looked up or parsed.
      const limited = await core.isRateLimited({ platform: 'slack', workspaceId, userId });
      const [history, userName, text] = limited
        ? [[], '', '']
        : await Promise.all([
            inThread ? threadHistory(ctx, workspaceId, message.channel, threadTs, message.ts) : Promise.resolve([]),
            people.name(userId),
            modelText(message.text, ctx),
          ]);
      const isDirect = isDirectChannel(message.channel, message.channelType);
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
        appendIntervalMs: APPEND_INTERVAL_MS,
        appliedBlocks,
        statusSettled: status.settled,
        onNothingPosted: () => status.clear(),
        onWritten: (ts, markdown) => memory?.wrote(thread, { ts, text: markdown, user: bot.userId, markdown: [] }),
      });
      const revision = new SlackRevision({
        client,
        logger,
        channel: message.channel,
        threadTs,
        askerId: userId,
        onReplace: () => memory?.forget(thread),
      });
      const outcome = await core.respond(incoming, withRevision(status.guard(sink), revision));
      logger.debug(
        { channel: message.channel, ts: message.ts, via: message.kind, outcome: outcome.status },
        'message handled',
      );
      if (outcome.status === 'duplicate' || outcome.status === 'rate_limited' || outcome.status === 'busy') {
        // Nothing was posted (or only a notice): take back a "thinking" status this copy showed.
        await status.clear();
      }
    } finally {
      void status.settle();
    }
  };

  const answer = async (message: SlackMessage, context: Context, client: webApi.WebClient): Promise<void> => {
    const workspaceId = workspaceOf(context, bot);
    if (!(await shouldAnswer(message, workspaceId))) return;
    const key = `${workspaceId}:${message.channel}:${message.ts}`;
    if (answering.has(key)) return;
    // Marked before anything else is awaited, so a twin arriving while this copy is looked up stops above.
    answering.add(key);
    try {
      await answerOnce(message, workspaceId, client, context.retryNum !== undefined);
    } finally {
      answering.delete(key);
    }
  };

  if (memory) {
    // Slack retries an event only after a delivery failed, and gives up after a few: some events may never
    // arrive, so no thread can be known whole any more.
    app.use(async ({ context, next }) => {
      if (context.retryNum !== undefined) memory.clear();
      await next();
    });
  }

  return answer;
}

/**
 * Take the two events Heed answers, `app_mention` and `message`, in Bolt's global middleware chain; any
 * other event goes on to the listeners. Bolt runs every event through the middleware chain of every
 * listener (about twenty here) before one answers, and these two are most of the traffic: this saved
 * about a tenth of the allocation per reply. Registered after the assistant panel, whose middleware
 * keeps the panel's own threads.
 */
export function registerConversationEvents(app: App, ctx: SlackAdapterContext, answer: AnswerMessage): void {
  const { bot, memory } = ctx;
  app.use(async (args) => {
    const event = 'event' in args ? args.event : undefined;
    if (event?.type !== 'app_mention' && event?.type !== 'message') {
      await args.next();
      return;
    }
    memory?.observe(workspaceOf(args.context, bot), event, bot);
    const message = readMessage(event.type, event);
    if (message) await answer(message, args.context, args.client);
  });
}
