/** The terminal's plain text for the message table: nothing to escape, names in place of markup. */
import type { Markup } from '../messages/markup.js';
import { quoteLines } from '../messages/markup.js';

const same = (value: string) => value;

export const terminalMarkup: Markup = {
  text: same,
  bold: same,
  code: (value) => `\`${value}\``,
  block: (value) => `\n${value}\n`,
  quote: (value) => quoteLines(value, same),
  mention: (userId) => `@${userId}`,
  bullet: (value) => `- ${value}`,
  channel: (channelId) => `#${channelId}`,
  words: { workspace: 'workspace', admins: 'workspace admins', workspaceCommand: 'workspace' },
};
