/**
 * The Discord side of one benchmark row: the fake Discord (REST and gateway) in a process of its own,
 * the configuration that points Heed's discord.js client at it, and the load: closed-loop
 * conversations, each a DM with a person of its own (its own channel and rate-limit bucket, as
 * separate channels would be), the first question of each chain a plain message and the rest replies
 * to Heed's last answer, dispatched through the fake gateway as MESSAGE_CREATE.
 */
import type { DiscordTurnAnswer, DiscordTurnRequest } from './discord-watch.js';
import { runConversations, type ConversationPlan, type LoadResult } from './load.js';
import type { PlatformDriver } from './platform-driver.js';
import { startPlatformProcess, trackTurns } from './platform-process.js';

/** Start a fake Discord for one row. */
export async function discordDriver(expectedReply: string): Promise<PlatformDriver> {
  const platform = await startPlatformProcess('discord', expectedReply);
  const turns = trackTurns(platform);
  let runs = 0;

  return {
    env: platform.env,
    async run(plan: ConversationPlan): Promise<LoadResult> {
      // Each run talks to people of its own, so a late reply from an earlier run is never mistaken.
      const run = ++runs;
      const channels = new Map<number, string>();
      const result = await runConversations(plan, async (conversation, turn) => {
        turns.set(turn.id, turn);
        const request: DiscordTurnRequest = {
          turn: turn.id,
          person: `${run}${String(conversation.index).padStart(6, '0')}`,
          content: turn.question,
          newChain: turn.index % plan.turnsPerThread === 0,
        };
        const { sentAt, channel } = await platform.turn<DiscordTurnAnswer>(request);
        turn.sentAt = platform.toLocal(sentAt);
        channels.set(conversation.index, channel);
      });
      const answered: Record<string, number> = {};
      for (const channel of channels.values()) answered[channel] = 0;
      for (const turn of result.turns) {
        const channel = channels.get(turn.conversation);
        if (channel !== undefined && turn.doneAt !== undefined) answered[channel] = (answered[channel] ?? 0) + 1;
      }
      const summary = await platform.summary(answered);
      return {
        ...result,
        duplicates: summary.duplicates,
        platformCalls: summary.calls,
        errors: [...result.errors, ...summary.errors],
      };
    },
    cpuMs: () => platform.cpuMs(),
    loopDelayP99Ms: () => platform.loopDelayP99Ms(),
    close: () => platform.close(),
  };
}
