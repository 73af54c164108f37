/**
 * How Heed's discord.js client is configured: the intents and partials it needs, and where its REST
 * API (and through `GET /gateway/bot`, its gateway) lives.
 */
import { GatewayIntentBits, Partials, type ClientOptions } from 'discord.js';
import type { Config } from '../../config.js';

/**
 * The intents Heed needs. Message Content is privileged: unless it is enabled in the Developer Portal,
 * Discord refuses the connection (and the start-up error says where to enable it).
 */
export const DISCORD_INTENTS = [
  GatewayIntentBits.Guilds,
  GatewayIntentBits.GuildMessages,
  GatewayIntentBits.MessageContent,
  GatewayIntentBits.DirectMessages,
  GatewayIntentBits.GuildMessageReactions,
  GatewayIntentBits.DirectMessageReactions,
];

/** DISCORD_API_URL as discord.js's `rest.api`: no trailing slash, no version (discord.js adds `/v10`). */
export function restApiBase(url: string): string {
  return url.replace(/\/+$/, '').replace(/\/v\d+$/, '');
}

/** The options of Heed's Client. */
export function clientOptions(config: Config): ClientOptions {
  return {
    intents: DISCORD_INTENTS,
    // DMs, and messages, reactions or channels discord.js has not cached, arrive only with these.
    partials: [Partials.Channel, Partials.Message, Partials.Reaction, Partials.User],
    // Defence in depth: model text is already sent with empty allowed mentions everywhere.
    allowedMentions: { parse: [], repliedUser: false },
    // A reply to a message deleted meanwhile is posted without the reference instead of failing.
    failIfNotExists: false,
    ...(config.DISCORD_API_URL ? { rest: { api: restApiBase(config.DISCORD_API_URL) } } : {}),
  };
}
