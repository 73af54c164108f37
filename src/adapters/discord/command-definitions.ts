/**
 * The application commands Heed registers with Discord: `/instructions` with a subcommand for every
 * form of the platform-neutral grammar (DESIGN.md), and the message context command "Report
 * instruction failure". `register-commands.ts` uploads them; the handlers read the same names.
 */
import {
  ApplicationCommandType,
  ApplicationIntegrationType,
  ContextMenuCommandBuilder,
  InteractionContextType,
  SlashCommandBuilder,
  type RESTPostAPIApplicationCommandsJSONBody,
  type SlashCommandSubcommandBuilder,
} from 'discord.js';
import { COMMAND_NAME } from '../../core/commands/command-name.js';

/** The message context command's name, as people see it under Apps. */
export const REPORT_COMMAND_NAME = 'Report instruction failure';
/** The string option that carries the text of `set`, `about`, `add` and the rule `set`s. */
export const TEXT_OPTION = 'text';
/** The integer option of `restore`. */
export const VERSION_OPTION = 'version';
/** Subcommand groups for the operator layers; `server` is Discord's word for the core's workspace. */
export const LAYER_GROUPS = { channel: 'channel', server: 'server' } as const;

const CONTEXTS = [InteractionContextType.Guild, InteractionContextType.BotDM];

/** One subcommand of `/instructions`, in the order Discord lists them. */
interface Form {
  name: string;
  description: string;
  /** `text`: a required string option described so; `version`: the required version number. */
  text?: string;
  version?: true;
  /** The text option may be left out. */
  optional?: true;
  /** The only values the text option takes. */
  choices?: string[];
}

const FORMS: Form[] = [
  { name: 'edit', description: 'Edit both fields of your instructions in a dialog' },
  { name: 'show', description: 'Show your instructions, their version and whether they are on' },
  {
    name: 'set',
    description: 'Replace how I should respond to you',
    text: 'How I should respond (style, format, length, language)',
  },
  { name: 'about', description: 'Replace what I should know about you', text: 'What I should know about you' },
  { name: 'add', description: 'Add a line to how I should respond', text: 'The line to add' },
  { name: 'clear', description: 'Remove your instructions (their history is kept)' },
  { name: 'off', description: 'Pause your instructions without deleting them' },
  { name: 'on', description: 'Resume your paused instructions' },
  { name: 'preview', description: 'Show the exact system prompt I would use for you here' },
  { name: 'history', description: 'List every version of your instructions' },
  { name: 'undo', description: 'Undo your last change' },
  { name: 'restore', description: 'Go back to an earlier version of your instructions', version: true },
  {
    name: 'applied',
    description: 'Show or hide the line under my replies that says what shaped them',
    text: 'on or off',
    choices: ['on', 'off'],
  },
  {
    name: 'link',
    description: 'Use the same instructions on Slack and Discord: get a code, or enter one',
    text: 'A code from the other platform',
    optional: true,
  },
  { name: 'unlink', description: 'Split a linked profile again (each side keeps a copy)' },
  { name: 'forget-me', description: 'Delete everything I store about you (asks first)' },
  { name: 'help', description: 'How /instructions works' },
];

function subcommand(sub: SlashCommandSubcommandBuilder, form: Form): SlashCommandSubcommandBuilder {
  sub.setName(form.name).setDescription(form.description);
  const text = form.text;
  if (text) {
    sub.addStringOption((option) => {
      option
        .setName(TEXT_OPTION)
        .setDescription(text)
        .setRequired(form.optional !== true);
      if (form.choices) option.addChoices(...form.choices.map((choice) => ({ name: choice, value: choice })));
      return option;
    });
  }
  if (form.version) {
    sub.addIntegerOption((option) =>
      option
        .setName(VERSION_OPTION)
        .setDescription('The version number (see history)')
        .setMinValue(1)
        .setRequired(true),
    );
  }
  return sub;
}

/** `/instructions` with every form of the grammar as a subcommand, and the operator layers as groups. */
function instructionsCommand(): SlashCommandBuilder {
  const command = new SlashCommandBuilder()
    .setName(COMMAND_NAME)
    .setDescription('How I should answer you: your custom instructions (only you see the replies)')
    .setContexts(...CONTEXTS)
    .setIntegrationTypes(ApplicationIntegrationType.GuildInstall);
  for (const form of FORMS) command.addSubcommand((sub) => subcommand(sub, form));
  for (const [group, what] of [
    [LAYER_GROUPS.channel, 'this channel'],
    [LAYER_GROUPS.server, 'the whole server'],
  ] as const) {
    command.addSubcommandGroup((builder) =>
      builder
        .setName(group)
        .setDescription(`Rules for ${what} (changing them needs the Manage Server permission)`)
        .addSubcommand((sub) => subcommand(sub, { name: 'show', description: `Show the rules for ${what}` }))
        .addSubcommand((sub) =>
          subcommand(sub, { name: 'set', description: `Replace the rules for ${what}`, text: `The rules for ${what}` }),
        )
        .addSubcommand((sub) => subcommand(sub, { name: 'clear', description: `Remove the rules for ${what}` })),
    );
  }
  return command;
}

/** The message context command that files a failure report on one of Heed's replies. */
function reportCommand(): ContextMenuCommandBuilder {
  return new ContextMenuCommandBuilder()
    .setName(REPORT_COMMAND_NAME)
    .setType(ApplicationCommandType.Message)
    .setContexts(...CONTEXTS)
    .setIntegrationTypes(ApplicationIntegrationType.GuildInstall);
}

/** Every command, as the JSON body of Discord's bulk-overwrite endpoint. */
export function commandDefinitions(): RESTPostAPIApplicationCommandsJSONBody[] {
  return [instructionsCommand().toJSON(), reportCommand().toJSON()];
}
