/**
 * Slack's mrkdwn for the message table: `*bold*`, `<@U…>` mentions that render, and `&`, `<`, `>` escaped everywhere
 * else.
 */
import type { Markup } from '../../messages/markup.js';
import { quoteLines } from '../../messages/markup.js';
import { escapeMrkdwn } from './format.js';

export const slackMarkup: Markup = {
  text: escapeMrkdwn,
  bold: (value) => `*${value}*`,
  code: (value) => `\`${escapeMrkdwn(value)}\``,
  block: (value) => `\`\`\`\n${escapeMrkdwn(value)}\n\`\`\``,
  quote: (value) => quoteLines(value, escapeMrkdwn),
  mention: (userId) => `<@${userId}>`,
  bullet: (value) => `• ${value}`,
  channel: (channelId) => `<#${channelId}>`,
  words: { workspace: 'workspace', admins: 'workspace admins and owners', workspaceCommand: 'workspace' },
};
