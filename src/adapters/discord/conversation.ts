/**
 * Conversations: which Discord messages the bot answers, and answering them. A message is answered
 * when it is a DM, mentions the bot (or the bot's own role), replies to one of the bot's messages, or —
 * with HEED_THREAD_FOLLOWUPS — follows up in a thread where the bot has answered before. Bots, the bot
 * itself included, are never answered, nor are system messages or messages with no text.
 */
import { MessageType, type Message } from 'discord.js';
import type { IncomingMessage } from '../../core/types.js';
import type { DiscordContext } from './context.js';
import { conversationHistory, promptText, speakerName } from './history.js';
import { placeOf } from './place.js';
import { withRevision } from '../with-revision.js';
import { DiscordRevision } from './compliance.js';
import { DiscordReplyStream } from './reply-stream.js';

/** Why a message is for the bot. */
export type Trigger = 'direct' | 'mention' | 'reply' | 'thread';

/** The role Discord gives a bot in each server; people often mention it instead of the bot. */
function botRoleId(message: Message): string | undefined {
  return message.guild?.members.me?.roles.botRole?.id;
}

/** Why the bot should answer `message`, or undefined when it should stay quiet. */
export async function triggerOf(ctx: DiscordContext, message: Message): Promise<Trigger | undefined> {
  if (message.author.bot || message.system || message.webhookId) return undefined;
  if (message.type !== MessageType.Default && message.type !== MessageType.Reply) return undefined;
  const botId = ctx.client.user.id;
  if (!message.inGuild()) return 'direct';
  const roleId = botRoleId(message);
  if (message.mentions.users.has(botId) || (roleId !== undefined && message.mentions.roles.has(roleId)))
    return 'mention';
  if (message.mentions.repliedUser?.id === botId) return 'reply';
  if (ctx.config.HEED_THREAD_FOLLOWUPS && message.channel.isThread() && message.mentions.users.size === 0) {
    const place = placeOf(message.channel, message.guildId, message.channelId);
    const channel = { platform: 'discord' as const, workspaceId: place.workspaceId, channelId: place.channelId };
    if (await ctx.core.hasRepliedInThread(channel, place.threadId ?? message.channelId)) return 'thread';
  }
  return undefined;
}

/** Answer `message` if it is for the bot: typing, context, the core's reply streamed into the channel. */
export async function handleMessage(ctx: DiscordContext, message: Message): Promise<void> {
  const trigger = await triggerOf(ctx, message);
  if (!trigger) return;
  const botId = ctx.client.user.id;
  const text = promptText(message, botId, botRoleId(message));
  if (text === '') return;

  const logger = ctx.logger.child({ channel: message.channelId, message: message.id, trigger });
  const stream = new DiscordReplyStream({ source: message, logger });
  stream.startTyping();
  try {
    const place = placeOf(message.channel, message.guildId, message.channelId);
    const incoming: IncomingMessage = {
      platform: 'discord',
      workspaceId: place.workspaceId,
      channelId: place.channelId,
      messageId: message.id,
      userId: message.author.id,
      userName: speakerName(message),
      text,
      // Over the rate limit respond() only sends the notice: no history is fetched for it.
      history: (await ctx.core.isRateLimited({
        platform: 'discord',
        workspaceId: place.workspaceId,
        userId: message.author.id,
      }))
        ? []
        : await conversationHistory(message, botId, logger),
      ...(place.threadId ? { threadId: place.threadId } : {}),
      isDirect: place.isDirect,
    };
    const sink = message.channel.isSendable()
      ? withRevision(stream, new DiscordRevision({ channel: message.channel, logger, source: message }))
      : stream;
    const outcome = await ctx.core.respond(incoming, sink);
    logger.debug({ status: outcome.status }, 'message handled');
  } finally {
    stream.close();
  }
}
