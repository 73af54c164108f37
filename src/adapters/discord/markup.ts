/**
 * Discord Markdown for the message table: `**bold**`, `<@id>` mentions (rendered as names; every message
 * is sent with no allowed mentions, so none pings), person text with Markdown's control characters escaped.
 */
import { escapeMarkdown } from 'discord.js';
import type { Markup } from '../../messages/markup.js';
import { quoteLines } from '../../messages/markup.js';

export const discordMarkup: Markup = {
  text: (value) => escapeMarkdown(value),
  bold: (value) => `**${value}**`,
  code: (value) => `\`${value}\``,
  block: (value) => `\`\`\`\n${value.replace(/```/g, '`\u200b``')}\n\`\`\``,
  quote: (value) => quoteLines(value, (line) => escapeMarkdown(line)),
  mention: (userId) => `<@${userId}>`,
  bullet: (value) => `- ${value}`,
  channel: (channelId) => `<#${channelId}>`,
  words: { workspace: 'server', admins: 'members with the Manage Server permission', workspaceCommand: 'server' },
};
