/**
 * `/instructions` on Discord. The parser is platform-neutral, so a subcommand and its option are
 * turned back into the text line the core understands (`channel set Be formal.`) and every result is
 * rendered here: messages ephemerally, the editor as a modal, the forget-me confirmation as buttons.
 * Every answer is visible only to the person who asked.
 */
import {
  ActionRowBuilder,
  ButtonBuilder,
  ButtonStyle,
  MessageFlags,
  type ButtonInteraction,
  type ChatInputCommandInteraction,
  type ModalSubmitInteraction,
  type RepliableInteraction,
} from 'discord.js';
import type { CommandResult } from '../../core/api.js';
import {
  commandMessage,
  editorMessage,
  FORGET_ME_CANCEL_LABEL,
  FORGET_ME_CANCELLED,
  FORGET_ME_CONFIRM_LABEL,
  forgetMeConfirmText,
} from '../../messages/command-messages.js';
import { actorOf } from './actor.js';
import type { DiscordContext } from './context.js';
import { TEXT_OPTION, VERSION_OPTION } from './command-definitions.js';
import { discordMarkup } from './markup.js';
import { editorInput, editorModal, TEXT_INPUT_LIMIT } from './modals.js';
import { NO_MENTIONS } from './reply-stream.js';
import { splitMessage } from './split-message.js';

export const FORGET_ME_CONFIRM_ID = 'heed:forget-me:confirm';
export const FORGET_ME_CANCEL_ID = 'heed:forget-me:cancel';

/** The grammar's text line for a slash command: `[group] subcommand [text | version]`. */
export function commandLine(interaction: ChatInputCommandInteraction): string {
  const group = interaction.options.getSubcommandGroup(false);
  const subcommand = interaction.options.getSubcommand(true);
  const argument =
    interaction.options.getString(TEXT_OPTION) ?? interaction.options.getInteger(VERSION_OPTION)?.toString() ?? '';
  return [group, subcommand, argument].filter((part) => part !== null && part !== '').join(' ');
}

/** Answer ephemerally; text over Discord's limit continues in ephemeral follow-ups. */
export async function answerPrivately(interaction: RepliableInteraction, text: string): Promise<void> {
  const [first = '', ...rest] = splitMessage(text);
  await interaction.reply({ content: first, flags: MessageFlags.Ephemeral, allowedMentions: NO_MENTIONS });
  for (const content of rest)
    await interaction.followUp({ content, flags: MessageFlags.Ephemeral, allowedMentions: NO_MENTIONS });
}

async function render(interaction: ChatInputCommandInteraction, result: CommandResult): Promise<void> {
  if (result.kind === 'editor') {
    const modal = editorModal(result);
    if (modal) await interaction.showModal(modal);
    else {
      await answerPrivately(
        interaction,
        `Your instructions are longer than a Discord dialog can hold (${TEXT_INPUT_LIMIT.toLocaleString('en-US')} characters per field). ` +
          'Change them with `/instructions set` and `/instructions about` instead.',
      );
    }
  } else if (result.kind === 'confirm_forget_me') {
    const buttons = new ActionRowBuilder<ButtonBuilder>().addComponents(
      new ButtonBuilder()
        .setCustomId(FORGET_ME_CONFIRM_ID)
        .setLabel(FORGET_ME_CONFIRM_LABEL)
        .setStyle(ButtonStyle.Danger),
      new ButtonBuilder()
        .setCustomId(FORGET_ME_CANCEL_ID)
        .setLabel(FORGET_ME_CANCEL_LABEL)
        .setStyle(ButtonStyle.Secondary),
    );
    await interaction.reply({
      content: forgetMeConfirmText(discordMarkup, result.elsewhere),
      components: [buttons],
      flags: MessageFlags.Ephemeral,
      allowedMentions: NO_MENTIONS,
    });
  } else {
    await answerPrivately(interaction, commandMessage(result, discordMarkup));
  }
}

/** `/instructions …`: run the command line through the core and render its result. */
export async function handleInstructionsCommand(
  ctx: DiscordContext,
  interaction: ChatInputCommandInteraction,
): Promise<void> {
  const result = await ctx.core.command(actorOf(interaction), commandLine(interaction));
  await render(interaction, result);
}

/** The editor modal was submitted: save both fields as one version, or say what is wrong and keep nothing. */
export async function handleEditorSubmit(ctx: DiscordContext, interaction: ModalSubmitInteraction): Promise<void> {
  const result = await ctx.core.saveEditor(actorOf(interaction), editorInput(interaction));
  // Discord modals cannot show an error under a field; each sentence names its field.
  await answerPrivately(interaction, editorMessage(result, discordMarkup));
}

/** The forget-me buttons: confirm deletes through the core, cancel keeps everything. */
export async function handleForgetMeButton(ctx: DiscordContext, interaction: ButtonInteraction): Promise<void> {
  if (interaction.customId === FORGET_ME_CANCEL_ID) {
    await interaction.update({ content: FORGET_ME_CANCELLED, components: [] });
    return;
  }
  const result = await ctx.core.confirmForgetMe(actorOf(interaction));
  await interaction.update({
    content: commandMessage(result, discordMarkup),
    components: [],
    allowedMentions: NO_MENTIONS,
  });
}
