/**
 * Where a Discord event happened, in the core's terms. The workspace is the guild, or `dm` for direct
 * messages. A thread counts as its parent channel plus a thread id, as a Slack thread does, so that a
 * channel's rules also apply in its threads and a reply is found again whichever way it is addressed.
 */
import type { Channel, Client } from 'discord.js';
import { DM_WORKSPACE } from '../../core/types.js';

export interface Place {
  workspaceId: string;
  /** The channel, or the parent channel of a thread. */
  channelId: string;
  /** The thread's own channel id, when the event happened in a thread. */
  threadId?: string;
  isDirect: boolean;
}

/** The place of an event in `channelId` (resolved to `channel` if discord.js has it) of `guildId` (null in DMs). */
export function placeOf(channel: Channel | null, guildId: string | null, channelId: string): Place {
  if (!guildId) return { workspaceId: DM_WORKSPACE, channelId, isDirect: true };
  if (channel?.isThread())
    return { workspaceId: guildId, channelId: channel.parentId ?? channel.id, threadId: channel.id, isDirect: false };
  return { workspaceId: guildId, channelId, isDirect: false };
}

/**
 * The place of a raw gateway event, which carries only ids. A guild channel discord.js has not cached
 * (an archived thread, say) is fetched once to learn whether it is a thread.
 */
export async function resolvePlace(client: Client, guildId: string | undefined, channelId: string): Promise<Place> {
  if (!guildId) return placeOf(null, null, channelId);
  const channel = client.channels.cache.get(channelId) ?? (await client.channels.fetch(channelId).catch(() => null));
  return placeOf(channel, guildId, channelId);
}
