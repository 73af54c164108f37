/**
 * What shaped a reply, on Discord: the "applied" line as `-#` subtext under the reply with a **Why this
 * answer?** button (answered ephemerally; only the asker sees the layers), and edits drafted from a
 * report's note offered ephemerally as before/after with **Accept** and **Dismiss**.
 */
import {
  ActionRowBuilder,
  ButtonBuilder,
  ButtonStyle,
  MessageFlags,
  type ButtonInteraction,
  type ModalSubmitInteraction,
} from 'discord.js';
import type { AppliedSummary } from '../../core/reply/applied.js';
import type { PersonRef } from '../../core/types.js';
import {
  ACCEPT_EDIT_LABEL,
  appliedLine,
  commandMessage,
  DISMISS_EDIT_LABEL,
  WHY_LABEL,
} from '../../messages/command-messages.js';
import { actorOf } from './actor.js';
import { answerPrivately } from './commands.js';
import type { DiscordContext } from './context.js';
import { discordMarkup } from './markup.js';
import { placeOf } from './place.js';
import { NO_MENTIONS } from './reply-stream.js';

export const WHY_BUTTON_ID = 'heed:why';
const EDIT_PREFIX = 'heed:edit:';

/** The applied line as Discord subtext, to end the reply's text. */
export function appliedSubtext(summary: AppliedSummary): string {
  return `-# ${appliedLine(summary, discordMarkup)}`;
}

/** The Why this answer? button, for the last message of a reply. */
export function whyButtonRow(): ActionRowBuilder<ButtonBuilder> {
  return new ActionRowBuilder<ButtonBuilder>().addComponents(
    new ButtonBuilder().setCustomId(WHY_BUTTON_ID).setLabel(WHY_LABEL).setStyle(ButtonStyle.Secondary),
  );
}

/** Why this answer? was pressed: explain the reply privately to whoever pressed it (the core decides what they see). */
export async function handleWhyButton(ctx: DiscordContext, interaction: ButtonInteraction): Promise<void> {
  const place = placeOf(interaction.channel, interaction.guildId, interaction.channelId);
  const actor = actorOf(interaction);
  const result = await ctx.core.why(
    {
      platform: 'discord',
      workspaceId: place.workspaceId,
      channelId: place.channelId,
      messageId: interaction.message.id,
    },
    { platform: 'discord', workspaceId: actor.workspaceId, userId: actor.userId },
  );
  await answerPrivately(interaction, commandMessage(result, discordMarkup));
}

/** True for the Accept and Dismiss buttons of a suggested edit. */
export function isEditButton(customId: string): boolean {
  return customId.startsWith(EDIT_PREFIX);
}

/**
 * After a report with a note: offer the edit the core drafts, privately, as a follow-up to the report's
 * answer. No model, no note, or not the asker: nothing is offered.
 */
export async function offerEdit(
  ctx: DiscordContext,
  interaction: ModalSubmitInteraction,
  reporter: PersonRef,
  reportId: string,
): Promise<void> {
  const result = await ctx.core.suggestEdit(reportId, reporter);
  if (result.kind !== 'edit_suggested') return;
  const buttons = new ActionRowBuilder<ButtonBuilder>().addComponents(
    new ButtonBuilder()
      .setCustomId(`${EDIT_PREFIX}accept:${reportId}`)
      .setLabel(ACCEPT_EDIT_LABEL)
      .setStyle(ButtonStyle.Primary),
    new ButtonBuilder()
      .setCustomId(`${EDIT_PREFIX}dismiss:${reportId}`)
      .setLabel(DISMISS_EDIT_LABEL)
      .setStyle(ButtonStyle.Secondary),
  );
  await interaction.followUp({
    content: commandMessage(result, discordMarkup),
    components: [buttons],
    flags: MessageFlags.Ephemeral,
    allowedMentions: NO_MENTIONS,
  });
}

/** Accept or Dismiss was pressed: decide through the core and replace the offer with the outcome. */
export async function handleEditButton(ctx: DiscordContext, interaction: ButtonInteraction): Promise<void> {
  const [decision, reportId = ''] = interaction.customId.slice(EDIT_PREFIX.length).split(':');
  const actor = actorOf(interaction);
  const result = await ctx.core.decideEdit(
    reportId,
    { platform: 'discord', workspaceId: actor.workspaceId, userId: actor.userId },
    decision === 'accept',
  );
  await interaction.update({
    content: commandMessage(result, discordMarkup),
    components: [],
    allowedMentions: NO_MENTIONS,
  });
}
