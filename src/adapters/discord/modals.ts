/**
 * The two Discord modals: the instructions editor (two paragraph fields, prefilled, with the core's
 * length limits) and the note that goes with a "Report instruction failure". Custom ids route a
 * submission back here; the report's target message travels in its modal's custom id.
 */
import { LabelBuilder, ModalBuilder, TextInputBuilder, TextInputStyle, type ModalSubmitInteraction } from 'discord.js';
import { NOTE_LIMIT, type CommandResult } from '../../core/api.js';
import type { EditorInput, MessageRef } from '../../core/types.js';

type EditorResult = Extract<CommandResult, { kind: 'editor' }>;

export const EDITOR_MODAL_ID = 'heed:instructions:edit';
const ABOUT_FIELD = 'about';
const RESPOND_FIELD = 'respond';
const REPORT_MODAL_PREFIX = 'heed:report:';
const NOTE_FIELD = 'note';
/** Discord's ceiling for a text input's `max_length` and `value`. */
export const TEXT_INPUT_LIMIT = 4000;

/** The field names as `/instructions show` and the core's messages call them. */
const FIELD_LABELS = { about: 'About me', respond: 'How to respond' } as const;

function paragraph(customId: string, value: string, maxLength: number, placeholder: string): TextInputBuilder {
  const input = new TextInputBuilder()
    .setCustomId(customId)
    .setStyle(TextInputStyle.Paragraph)
    .setRequired(false)
    .setMaxLength(maxLength)
    .setPlaceholder(placeholder);
  // Discord rejects an empty `value`; an empty field is simply left unset.
  if (value !== '') input.setValue(value);
  return input;
}

/**
 * The editor modal, prefilled with the person's instructions, or undefined when a field is longer
 * than a Discord text input can hold (HEED_INSTRUCTION_LIMIT above 4,000).
 */
export function editorModal(editor: EditorResult): ModalBuilder | undefined {
  const aboutMax = Math.min(editor.limits.about, TEXT_INPUT_LIMIT);
  const respondMax = Math.min(editor.limits.respond, TEXT_INPUT_LIMIT);
  if (editor.about.length > aboutMax || editor.respond.length > respondMax) return undefined;
  return new ModalBuilder()
    .setCustomId(EDITOR_MODAL_ID)
    .setTitle('Your custom instructions')
    .addLabelComponents(
      new LabelBuilder()
        .setLabel(FIELD_LABELS.about)
        .setDescription(`Your role, expertise, context (up to ${aboutMax.toLocaleString('en-US')} characters)`)
        .setTextInputComponent(
          paragraph(ABOUT_FIELD, editor.about, aboutMax, 'e.g. I am a backend developer working mostly in Go.'),
        ),
      new LabelBuilder()
        .setLabel(FIELD_LABELS.respond)
        .setDescription(`Style, format, length, language (up to ${respondMax.toLocaleString('en-US')} characters)`)
        .setTextInputComponent(
          paragraph(
            RESPOND_FIELD,
            editor.respond,
            respondMax,
            'e.g. Answer briefly, in British English, with code first.',
          ),
        ),
    );
}

/** The two fields of a submitted editor. */
export function editorInput(interaction: ModalSubmitInteraction): EditorInput {
  return {
    about: interaction.fields.getTextInputValue(ABOUT_FIELD),
    respond: interaction.fields.getTextInputValue(RESPOND_FIELD),
  };
}

/** The modal asking for a note on a report of `target` (whose channel and message ride in the custom id). */
export function reportModal(target: MessageRef): ModalBuilder {
  return new ModalBuilder()
    .setCustomId(`${REPORT_MODAL_PREFIX}${target.channelId}:${target.messageId}`)
    .setTitle('Report instruction failure')
    .addLabelComponents(
      new LabelBuilder()
        .setLabel('What went wrong? (optional)')
        .setDescription('Which instruction was not followed, and how')
        .setTextInputComponent(
          new TextInputBuilder()
            .setCustomId(NOTE_FIELD)
            .setStyle(TextInputStyle.Paragraph)
            .setRequired(false)
            .setMaxLength(NOTE_LIMIT)
            .setPlaceholder('e.g. I asked for British English and got American spelling.'),
        ),
    );
}

/** The reported message's channel and id, if `customId` is a report modal's. */
export function reportTarget(customId: string): { channelId: string; messageId: string } | undefined {
  const match = new RegExp(`^${REPORT_MODAL_PREFIX}(\\d+):(\\d+)$`).exec(customId);
  return match?.[1] && match[2] ? { channelId: match[1], messageId: match[2] } : undefined;
}

/** The note typed into a report modal ('' when left empty). */
export function reportNote(interaction: ModalSubmitInteraction): string {
  return interaction.fields.getTextInputValue(NOTE_FIELD).trim();
}
