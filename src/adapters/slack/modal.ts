/**
 * The Slack modals: the instructions editor (two multiline fields prefilled, an on/off choice) and the
 * note a reporter can add to a report. Builders and readers only; the listeners live with the features
 * that open them (commands, App Home, feedback).
 */
import type { types, ViewOutput } from '@slack/bolt';
import { NOTE_LIMIT } from '../../core/api.js';
import type { EditorInput } from '../../core/types.js';

export const INSTRUCTIONS_MODAL_ID = 'heed_instructions';
export const NOTE_MODAL_ID = 'heed_report_note';

const ABOUT_BLOCK = 'heed_about';
const RESPOND_BLOCK = 'heed_respond';
const ENABLED_BLOCK = 'heed_enabled';
const NOTE_BLOCK = 'heed_note';
const VALUE = 'value';

/** Slack's cap on a plain-text input, whatever Heed's own limit is. */
export const SLACK_INPUT_MAX = 3_000;

/** What the editor needs to know when it is submitted; kept in the view's `private_metadata`. */
export interface EditorOrigin {
  /** The channel the command was run in; empty when opened from the App Home. */
  channelId: string;
  isAdmin: boolean;
  /** Where the editor was opened, to confirm the save there. */
  from: 'command' | 'home';
  /** The command's response URL, for an ephemeral "saved" note. */
  responseUrl?: string;
}

/** The values the editor opens with. */
export interface EditorValues {
  about: string;
  respond: string;
  enabled: boolean;
  limits: { about: number; respond: number };
}

function textInput(
  blockId: string,
  label: string,
  value: string,
  limit: number,
  placeholder: string,
): types.InputBlock {
  return {
    type: 'input',
    block_id: blockId,
    optional: true,
    label: { type: 'plain_text', text: label },
    hint: { type: 'plain_text', text: `Up to ${limit.toLocaleString('en-US')} characters.` },
    element: {
      type: 'plain_text_input',
      action_id: VALUE,
      multiline: true,
      placeholder: { type: 'plain_text', text: placeholder },
      ...(value ? { initial_value: value } : {}),
    },
  };
}

const ON: types.Option = { text: { type: 'plain_text', text: 'On: use them in my answers' }, value: 'on' };
const OFF: types.Option = {
  text: { type: 'plain_text', text: 'Off: keep them, but answer without them' },
  value: 'off',
};

/** The instructions editor, prefilled. Over-long values are caught on submit, on their own field. */
export function instructionsModal(values: EditorValues, origin: EditorOrigin): types.ModalView {
  return {
    type: 'modal',
    callback_id: INSTRUCTIONS_MODAL_ID,
    private_metadata: JSON.stringify(origin),
    title: { type: 'plain_text', text: 'Custom instructions' },
    submit: { type: 'plain_text', text: 'Save' },
    close: { type: 'plain_text', text: 'Cancel' },
    blocks: [
      {
        type: 'context',
        elements: [
          {
            type: 'mrkdwn',
            text: "Only you can change these; Heed's operators can read them, with the replies they shaped. Workspace and channel rules set by admins come first where they conflict.",
          },
        ],
      },
      textInput(
        ABOUT_BLOCK,
        'What should Heed know about you?',
        values.about,
        values.limits.about,
        'Your role, what you work on, what you already know…',
      ),
      textInput(
        RESPOND_BLOCK,
        'How should Heed respond?',
        values.respond,
        values.limits.respond,
        'Length, tone, format, language…',
      ),
      {
        type: 'input',
        block_id: ENABLED_BLOCK,
        label: { type: 'plain_text', text: 'Use these instructions' },
        element: {
          type: 'radio_buttons',
          action_id: VALUE,
          options: [ON, OFF],
          initial_option: values.enabled ? ON : OFF,
        },
      },
    ],
  };
}

/** True when a value cannot be prefilled in a Slack text input at all. */
export function tooLongForModal(values: Pick<EditorValues, 'about' | 'respond'>): boolean {
  return values.about.length > SLACK_INPUT_MAX || values.respond.length > SLACK_INPUT_MAX;
}

/** Read the editor's fields from a submitted view; undefined when they are missing (not Heed's editor). */
export function readInstructionsSubmission(view: ViewOutput): EditorInput | undefined {
  // Slack sends every input block of the modal, empty or not: a submission without them is not the editor's.
  const values = view.state?.values;
  if (!values?.[ABOUT_BLOCK] || !values[RESPOND_BLOCK]) return undefined;
  const enabled = values[ENABLED_BLOCK]?.[VALUE]?.selected_option?.value;
  return {
    about: values[ABOUT_BLOCK]?.[VALUE]?.value ?? '',
    respond: values[RESPOND_BLOCK]?.[VALUE]?.value ?? '',
    ...(enabled ? { enabled: enabled === 'on' } : {}),
  };
}

/** The core's field errors, keyed by the blocks Slack shows them on. */
export function instructionsErrors(errors: Partial<Record<'about' | 'respond', string>>): Record<string, string> {
  return {
    ...(errors.about ? { [ABOUT_BLOCK]: errors.about } : {}),
    ...(errors.respond ? { [RESPOND_BLOCK]: errors.respond } : {}),
  };
}

/** The editor's origin from a submitted view; a damaged value yields a harmless default. */
export function readEditorOrigin(view: ViewOutput): EditorOrigin {
  try {
    const parsed: unknown = JSON.parse(view.private_metadata || '{}');
    if (typeof parsed === 'object' && parsed !== null) {
      const record = parsed as Record<string, unknown>;
      return {
        channelId: typeof record.channelId === 'string' ? record.channelId : '',
        isAdmin: record.isAdmin === true,
        from: record.from === 'home' ? 'home' : 'command',
        ...(typeof record.responseUrl === 'string' ? { responseUrl: record.responseUrl } : {}),
      };
    }
  } catch {
    // Fall through to the default: the metadata is ours, so this only happens if Slack mangled it.
  }
  return { channelId: '', isAdmin: false, from: 'command' };
}

/** Where the reported reply is, so that an edit drafted from the note can be offered beside it. */
export interface NotePlace {
  channel: string;
  threadTs?: string;
}

/** The modal in which a reporter says what was wrong with a reply. */
export function noteModal(reportId: string, place?: NotePlace): types.ModalView {
  return {
    type: 'modal',
    callback_id: NOTE_MODAL_ID,
    private_metadata: JSON.stringify({ reportId, ...(place ? { place } : {}) }),
    title: { type: 'plain_text', text: 'What went wrong?' },
    submit: { type: 'plain_text', text: 'Add to report' },
    close: { type: 'plain_text', text: 'Cancel' },
    blocks: [
      {
        type: 'input',
        block_id: NOTE_BLOCK,
        label: { type: 'plain_text', text: 'Which instruction did the answer miss, and how?' },
        element: {
          type: 'plain_text_input',
          action_id: VALUE,
          multiline: true,
          max_length: NOTE_LIMIT,
          placeholder: { type: 'plain_text', text: 'e.g. I asked for three bullet points and got five paragraphs.' },
        },
      },
    ],
  };
}

/** The note and its report from a submitted note modal. */
export function readNoteSubmission(view: ViewOutput): { reportId: string; note: string; place?: NotePlace } {
  let reportId = '';
  let place: NotePlace | undefined;
  try {
    const parsed: unknown = JSON.parse(view.private_metadata || '{}');
    if (
      typeof parsed === 'object' &&
      parsed !== null &&
      typeof (parsed as Record<string, unknown>).reportId === 'string'
    ) {
      reportId = (parsed as { reportId: string }).reportId;
      const stored = (parsed as { place?: { channel?: unknown; threadTs?: unknown } }).place;
      if (typeof stored?.channel === 'string') {
        const threadTs = typeof stored.threadTs === 'string' ? stored.threadTs : undefined;
        place = { channel: stored.channel, ...(threadTs ? { threadTs } : {}) };
      }
    }
  } catch {
    // An unreadable id files nothing; the caller shows an error on the field.
  }
  return { reportId, note: view.state.values[NOTE_BLOCK]?.[VALUE]?.value ?? '', ...(place ? { place } : {}) };
}

/** An error shown on the note field. */
export function noteError(message: string): Record<string, string> {
  return { [NOTE_BLOCK]: message };
}
