/**
 * Feedback on Heed's replies. A report reaction (👎 unless HEED_REPORT_REACTIONS says otherwise) files
 * a failure report and removing it withdraws the report; nothing is posted in the channel. Reactions
 * are read from the raw gateway events, because discord.js drops reactions on uncached DM channels
 * even with every partial enabled, and the raw events carry all the ids the core needs. The message
 * context command "Report instruction failure" asks for a note in a modal and answers ephemerally.
 * Each new report is posted to HEED_REPORTS_CHANNEL when it is set.
 */
import type {
  GatewayMessageReactionAddDispatchData,
  GatewayMessageReactionRemoveDispatchData,
  MessageContextMenuCommandInteraction,
  ModalSubmitInteraction,
} from 'discord.js';
import { reportReactions, reportsChannel } from '../../config.js';
import { shorten } from '../../core/text.js';
import type { MessageRef, PersonRef, ReportSummary } from '../../core/types.js';
import { actorOf } from './actor.js';
import { offerEdit } from './applied.js';
import { answerPrivately } from './commands.js';
import type { DiscordContext } from './context.js';
import { logDiscordError } from './errors.js';
import { reportModal, reportNote, reportTarget } from './modals.js';
import { DM_WORKSPACE } from '../../core/types.js';
import { placeOf, resolvePlace } from './place.js';
import { NO_MENTIONS } from './reply-stream.js';

const NOT_A_REPLY =
  'That message is not one of my replies, so there is nothing to report. Use this on a message I wrote.';

type ReactionEvent = GatewayMessageReactionAddDispatchData | GatewayMessageReactionRemoveDispatchData;

/** The reports channel's view of a new report. Mentions render as names and ping no one. */
export function reportPost(summary: ReportSummary, workspaceId: string): string {
  const where = workspaceId === DM_WORKSPACE ? 'in a DM' : `in <#${summary.channelId}>`;
  return [
    `**Instruction failure report** \`${summary.reportId}\` (${summary.source}, ${summary.signal})`,
    `Reported by <@${summary.reporterId}> · asked by <@${summary.askerId}> ${where}`,
    `**Question:** ${shorten(summary.question, 400, { flatten: true })}`,
    `**Reply:** ${shorten(summary.reply, 800, { flatten: true })}`,
    ...(summary.note ? [`**Note:** ${shorten(summary.note, 500, { flatten: true })}`] : []),
  ].join('\n');
}

/** Post a new report to HEED_REPORTS_CHANNEL, if set. A failure is logged with its fix, never thrown. */
async function postReport(ctx: DiscordContext, summary: ReportSummary, workspaceId: string): Promise<void> {
  const channelId = reportsChannel(ctx.config, 'discord');
  if (!channelId) return;
  try {
    const channel = await ctx.client.channels.fetch(channelId);
    if (!channel?.isSendable()) {
      ctx.logger.warn(
        { channel: channelId },
        'HEED_REPORTS_CHANNEL is not a text channel the bot can post in; set it to a text channel id',
      );
      return;
    }
    await channel.send({ content: reportPost(summary, workspaceId), allowedMentions: NO_MENTIONS });
  } catch (error) {
    logDiscordError(ctx.logger, error, { action: 'post a report to HEED_REPORTS_CHANNEL', channel: channelId });
  }
}

/** A report reaction was added or removed anywhere: file or withdraw a report if it is on one of Heed's replies. */
export async function handleReaction(ctx: DiscordContext, event: ReactionEvent, added: boolean): Promise<void> {
  if (event.user_id === ctx.client.user.id) return;
  if (!event.emoji.name || !reportReactions(ctx.config, 'discord').includes(event.emoji.name)) return;
  // An added reaction names the message's author: anything not the bot's is not a reply, no lookup needed.
  if ('message_author_id' in event && event.message_author_id && event.message_author_id !== ctx.client.user.id) return;

  const place = await resolvePlace(ctx.client, event.guild_id, event.channel_id);
  const target: MessageRef = {
    platform: 'discord',
    workspaceId: place.workspaceId,
    channelId: place.channelId,
    messageId: event.message_id,
  };
  const reporter: PersonRef = { platform: 'discord', workspaceId: place.workspaceId, userId: event.user_id };
  if (!added) {
    await ctx.core.withdraw(target, reporter, 'bad');
    return;
  }
  // A reaction has no private place for a thank-you on Discord; the operators are told as the core says.
  const outcome = await ctx.core.report({ target, reporter, source: 'reaction', signal: 'bad' });
  if (outcome.status === 'filed' && outcome.notifyOperators) await postReport(ctx, outcome.summary, place.workspaceId);
}

/** "Report instruction failure" on a message: ask for a note, unless the message is not one of Heed's replies. */
export async function handleReportCommand(
  ctx: DiscordContext,
  interaction: MessageContextMenuCommandInteraction,
): Promise<void> {
  const place = placeOf(interaction.channel, interaction.guildId, interaction.targetMessage.channelId);
  const target: MessageRef = {
    platform: 'discord',
    workspaceId: place.workspaceId,
    channelId: place.channelId,
    messageId: interaction.targetId,
  };
  if (!(await ctx.core.isReply(target))) {
    await answerPrivately(interaction, NOT_A_REPLY);
    return;
  }
  await interaction.showModal(reportModal(target));
}

/** True when `customId` belongs to a report modal. */
export function isReportModal(customId: string): boolean {
  return reportTarget(customId) !== undefined;
}

/** The report modal was submitted: file the report with its note and thank the reporter. */
export async function handleReportSubmit(ctx: DiscordContext, interaction: ModalSubmitInteraction): Promise<void> {
  const ids = reportTarget(interaction.customId);
  if (!ids) return;
  const actor = actorOf(interaction);
  const target: MessageRef = { platform: 'discord', workspaceId: actor.workspaceId, ...ids };
  const reporter: PersonRef = { platform: 'discord', workspaceId: actor.workspaceId, userId: actor.userId };
  const note = reportNote(interaction);
  const outcome = await ctx.core.report({ target, reporter, source: 'command', signal: 'bad', note });
  if (outcome.status === 'not_a_reply') {
    await answerPrivately(interaction, NOT_A_REPLY);
    return;
  }
  // Reporting the same reply again keeps one report; a new note replaces the old one.
  await answerPrivately(
    interaction,
    outcome.thankReporter
      ? 'Thanks, I filed a report on that reply so the operators can see where I missed your instructions.'
      : 'You had already reported that reply; I kept the one report' +
          (outcome.noteUpdated ? ' and updated its note.' : '.'),
  );
  if (outcome.notifyOperators) await postReport(ctx, outcome.summary, actor.workspaceId);
  if (note.trim() !== '') await offerEdit(ctx, interaction, reporter, outcome.reportId);
}
