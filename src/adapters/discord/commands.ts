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
import type { CommandResult } from '../../core/types.js';
import { actorOf } from './actor.js';
import type { DiscordContext } from './context.js';
import { TEXT_OPTION, VERSION_OPTION } from './command-definitions.js';
import { editorInput, editorModal, TEXT_INPUT_LIMIT } from './modals.js';
import { NO_MENTIONS } from './reply-stream.js';
import { splitMessage } from './split-message.js';

export const FORGET_ME_CONFIRM_ID = 'heed:forget-me:confirm';
export const FORGET_ME_CANCEL_ID = 'heed:forget-me:cancel';

/** The grammar's text line for a slash command: `[group] subcommand [text | version]`. */
export function commandLine(interaction: ChatInputCommandInteraction): string {
  const group = interaction.options.getSubcommandGroup(false);
  const subcommand = interaction.options.getSubcommand(true);
  const argument = interaction.options.getString(TEXT_OPTION) ?? interaction.options.getInteger(VERSION_OPTION)?.toString() ?? '';
  return [group, subcommand, argument].filter((part) => part !== null && part !== '').join(' ');
}

/** Answer ephemerally; text over Discord's limit continues in ephemeral follow-ups. */
export async function answerPrivately(interaction: RepliableInteraction, text: string): Promise<void> {
  const [first = '', ...rest] = splitMessage(text);
  await interaction.reply({ content: first, flags: MessageFlags.Ephemeral, allowedMentions: NO_MENTIONS });
  for (const content of rest) await interaction.followUp({ content, flags: MessageFlags.Ephemeral, allowedMentions: NO_MENTIONS });
}

async function render(interaction: ChatInputCommandInteraction, result: CommandResult): Promise<void> {
  if (result.kind === 'message') {
    await answerPrivately(interaction, result.text);
  } else if (result.kind === 'editor') {
    const modal = editorModal(result);
    if (modal) await interaction.showModal(modal);
    else {
      await answerPrivately(
        interaction,
        `Your instructions are longer than a Discord dialog can hold (${TEXT_INPUT_LIMIT.toLocaleString('en-US')} characters per field). ` +
          'Change them with `/instructions set` and `/instructions about` instead.',
      );
    }
  } else {
    const buttons = new ActionRowBuilder<ButtonBuilder>().addComponents(
      new ButtonBuilder().setCustomId(FORGET_ME_CONFIRM_ID).setLabel(result.confirmLabel).setStyle(ButtonStyle.Danger),
      new ButtonBuilder().setCustomId(FORGET_ME_CANCEL_ID).setLabel('Cancel').setStyle(ButtonStyle.Secondary),
    );
    await interaction.reply({ content: result.text, components: [buttons], flags: MessageFlags.Ephemeral, allowedMentions: NO_MENTIONS });
  }
}

/** `/instructions …`: run the command line through the core and render its result. */
export async function handleInstructionsCommand(ctx: DiscordContext, interaction: ChatInputCommandInteraction): Promise<void> {
  const result = await ctx.core.command(actorOf(interaction, ctx.config), commandLine(interaction));
  await render(interaction, result);
}

/** The editor modal was submitted: save both fields as one version, or say what is wrong and keep nothing. */
export async function handleEditorSubmit(ctx: DiscordContext, interaction: ModalSubmitInteraction): Promise<void> {
  const result = await ctx.core.saveEditor(actorOf(interaction, ctx.config), editorInput(interaction));
  if (result.ok) {
    await answerPrivately(interaction, result.text);
    return;
  }
  // Discord modals cannot show an error under a field; the core's sentences name their field.
  const problems = [result.errors.about, result.errors.respond].filter((error) => error !== undefined);
  await answerPrivately(interaction, ['Your instructions were not saved.', ...problems.map((error) => `- ${error}`)].join('\n'));
}

/** The forget-me buttons: confirm deletes through the core, cancel keeps everything. */
export async function handleForgetMeButton(ctx: DiscordContext, interaction: ButtonInteraction): Promise<void> {
  if (interaction.customId === FORGET_ME_CANCEL_ID) {
    await interaction.update({ content: 'Cancelled. Nothing was deleted.', components: [] });
    return;
  }
  const result = await ctx.core.confirmForgetMe(actorOf(interaction, ctx.config));
  await interaction.update({ content: result.kind === 'editor' ? 'Done.' : result.text, components: [], allowedMentions: NO_MENTIONS });
}
