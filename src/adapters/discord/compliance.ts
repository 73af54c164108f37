/**
 * Compliance in Discord's idiom: a reply that missed a checked instruction gets a `-#` subtext line
 * naming the miss and a Rewrite button, which only its asker can use (anyone else is refused
 * privately); a revision edits the reply's messages in place, continues in further replies past 2,000
 * characters, deletes extra ones, and ends with a "revised" subtext line; automatic reports reach the
 * reports channel at most once a minute.
 */
import {
  ActionRowBuilder,
  ButtonBuilder,
  ButtonStyle,
  MessageFlags,
  type ButtonInteraction,
  type Message,
  type SendableChannels,
} from 'discord.js';
import { reportsChannel } from '../../config.js';
import { ReportDigest } from '../../core/feedback/report-digest.js';
import type { Logger } from '../../core/logger.js';
import { shorten } from '../../core/text.js';
import type { AutoReport, ComplianceNotice, RewriteSink } from '../../core/types.js';
import {
  missedMessage,
  REVISED_MARKER,
  REWRITE_LABEL,
  rewriteMessage,
  rewrittenMessage,
} from '../../messages/compliance-messages.js';
import type { DiscordContext } from './context.js';
import { logDiscordError } from './errors.js';
import { reportPost } from './feedback.js';
import { discordMarkup } from './markup.js';
import { placeOf } from './place.js';
import { NO_MENTIONS } from './reply-stream.js';
import { DISCORD_MESSAGE_LIMIT, splitMessage } from './split-message.js';

export const REWRITE_BUTTON_ID = 'heed:rewrite';

/** Where a revision of one reply goes: the channel (or thread) its messages are in, and the message it answered. */
export interface DiscordRevisionTarget {
  channel: SendableChannels;
  logger: Logger;
  /** The asker's message, which the first part of a reply answers when no part is left to edit. */
  source?: Message;
}

function rewriteRow(): ActionRowBuilder<ButtonBuilder> {
  return new ActionRowBuilder<ButtonBuilder>().addComponents(
    new ButtonBuilder().setCustomId(REWRITE_BUTTON_ID).setLabel(REWRITE_LABEL).setStyle(ButtonStyle.Secondary),
  );
}

/** Replaces one reply in place and flags it under its last message. */
export class DiscordRevision implements RewriteSink {
  constructor(private readonly target: DiscordRevisionTarget) {}

  async replace(text: string, messageIds: readonly string[]): Promise<string[]> {
    const { channel } = this.target;
    const parts = splitMessage(`${text}\n-# ${REVISED_MARKER}`);
    const ids: string[] = [];
    let previous: Message | undefined = this.target.source;
    for (const [index, content] of parts.entries()) {
      const id = messageIds[index];
      const message: Message = id
        ? await (await channel.messages.fetch(id)).edit({ content, components: [], allowedMentions: NO_MENTIONS })
        : previous
          ? await previous.reply({ content, allowedMentions: NO_MENTIONS, failIfNotExists: false })
          : await channel.send({ content, allowedMentions: NO_MENTIONS });
      ids.push(message.id);
      previous = message;
    }
    for (const surplus of messageIds.slice(parts.length)) {
      try {
        await (await channel.messages.fetch(surplus)).delete();
      } catch (error) {
        logDiscordError(this.target.logger, error, {
          action: 'delete a part of a rewritten reply',
          channel: channel.id,
          message: surplus,
        });
      }
    }
    return ids;
  }

  async flag(notice: ComplianceNotice): Promise<void> {
    const { channel, logger } = this.target;
    const lastId = notice.messageIds.at(-1);
    if (!lastId) return;
    const line = `-# ${shorten(missedMessage(notice, discordMarkup), 600, { flatten: true })}`;
    try {
      const last = await channel.messages.fetch(lastId);
      const content = `${last.content}\n${line}`;
      // The note goes under the reply; when the last part has no room left, it follows as its own reply.
      if (content.length <= DISCORD_MESSAGE_LIMIT)
        await last.edit({ content, components: [rewriteRow()], allowedMentions: NO_MENTIONS });
      else
        await last.reply({
          content: line,
          components: [rewriteRow()],
          allowedMentions: NO_MENTIONS,
          failIfNotExists: false,
        });
    } catch (error) {
      logDiscordError(logger, error, {
        action: 'flag a reply that missed instructions',
        channel: channel.id,
        message: lastId,
      });
    }
  }
}

/** The Rewrite button under a reply: rewrite it for its asker; anyone else is told privately that it is not theirs. */
export async function handleRewriteButton(ctx: DiscordContext, interaction: ButtonInteraction): Promise<void> {
  // The model takes longer than Discord's 3 seconds to answer an interaction.
  await interaction.deferReply({ flags: MessageFlags.Ephemeral });
  const place = placeOf(interaction.channel, interaction.guildId, interaction.message.channelId);
  const target = {
    platform: 'discord' as const,
    workspaceId: place.workspaceId,
    channelId: place.channelId,
    messageId: interaction.message.id,
  };
  const requester = { platform: 'discord' as const, workspaceId: place.workspaceId, userId: interaction.user.id };
  const channel = interaction.message.channel;
  if (!channel.isSendable()) return;
  const outcome = await ctx.core.rewrite(target, requester, new DiscordRevision({ channel, logger: ctx.logger }));
  const text = rewriteMessage(outcome) ?? rewrittenMessage(outcome.status === 'rewritten' && outcome.passed);
  await interaction.editReply({ content: text, allowedMentions: NO_MENTIONS });
}

/** One post for a batch of automatic reports: the report itself when alone, one line each otherwise. */
export function autoReportPost(reports: readonly AutoReport[]): string {
  const missed = (report: AutoReport) => report.missed.map((entry) => entry.label).join(' · ');
  const [only] = reports;
  if (only && reports.length === 1) return `${reportPost(only.summary, only.workspaceId)}\n**Missed:** ${missed(only)}`;
  const lines = reports.map(
    (report) =>
      `- \`${report.summary.reportId}\` <@${report.summary.askerId}> ` +
      `in <#${report.summary.channelId}>: ${missed(report)}`,
  );
  return shorten(
    [
      `**${reports.length} automatic reports** in the last minute: replies that missed checked instructions`,
      ...lines,
    ].join('\n'),
    DISCORD_MESSAGE_LIMIT,
  );
}

/** Post automatic reports to HEED_REPORTS_CHANNEL through the per-channel digest. Returns a flush for shutdown. */
export function watchAutoReports(ctx: DiscordContext): () => Promise<void> {
  const digest = new ReportDigest<AutoReport>(async (channelId, reports) => {
    try {
      const channel = await ctx.client.channels.fetch(channelId);
      if (!channel?.isSendable()) {
        ctx.logger.warn(
          { channel: channelId },
          'HEED_REPORTS_CHANNEL is not a text channel the bot can post in; set it to a text channel id',
        );
        return;
      }
      await channel.send({ content: autoReportPost(reports), allowedMentions: NO_MENTIONS });
    } catch (error) {
      logDiscordError(ctx.logger, error, {
        action: 'post automatic reports to HEED_REPORTS_CHANNEL',
        channel: channelId,
      });
    }
  });
  ctx.core.onAutoReport((report) => {
    const channelId = reportsChannel(ctx.config, 'discord');
    if (report.platform === 'discord' && channelId) digest.add(channelId, report);
  });
  return () => digest.flush();
}
