/**
 * What every part of the Slack adapter shares: the configuration, the core, the bot's own identity
 * (from `auth.test`), and the small caches that live as long as the adapter.
 */
import type { Context } from '@slack/bolt';
import type { Config } from '../../config.js';
import type { HeedCore } from '../../core/api.js';
import type { Logger } from '../../core/logger.js';
import type { PersonRef } from '../../core/types.js';
import type { UserDirectory } from './user-directory.js';
import type { StreamingSupport } from './reply-stream.js';
import type { ThreadReader } from './thread-history.js';
import type { ThreadMemory } from './thread-memory.js';

/** The bot as Slack knows it. */
export interface BotIdentity {
  /** The bot user's id (`U…`): how its own messages and mentions appear. */
  userId: string;
  /** The bot id (`B…`) on messages it posts. */
  botId: string;
  /** The workspace the token belongs to, used when an event does not name one. */
  teamId: string;
}

export interface SlackAdapterContext {
  config: Config;
  core: HeedCore;
  logger: Logger;
  bot: BotIdentity;
  people: UserDirectory;
  /** Thread history for context, on a client of its own (see ThreadReader). */
  threads: ThreadReader;
  /** Threads seen whole, read without Slack; absent where this process does not see every event. */
  memory?: ThreadMemory;
  streaming: StreamingSupport;
}

/** The workspace an event belongs to: the team, or the enterprise for org-wide installs. */
export function workspaceOf(context: Context, bot: BotIdentity): string {
  return context.teamId ?? context.enterpriseId ?? bot.teamId;
}

/**
 * True for a direct message with the bot. Slack says so with `channel_type: 'im'` where an event carries
 * it; everywhere else a DM's channel id starts with `D`.
 */
export function isDirectChannel(channelId: string, channelType?: string): boolean {
  return channelType === 'im' || channelId.startsWith('D');
}

/** A Slack person as the core's PersonRef. */
export function personRef(workspaceId: string, userId: string): PersonRef {
  return { platform: 'slack', workspaceId, userId };
}
