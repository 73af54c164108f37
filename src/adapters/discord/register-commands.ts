/**
 * `npm run discord:register`: upload Heed's application commands (`/instructions` and "Report
 * instruction failure"). With DISCORD_GUILD_ID they go to that server and appear at once (best while
 * developing); without it they are registered globally, which Discord may take a while to show
 * everywhere. Discord's endpoint replaces the whole set, so running this again is always safe.
 */
import { pathToFileURL } from 'node:url';
import { REST, Routes, type APIApplication, type RESTPutAPIApplicationCommandsResult } from 'discord.js';
import { loadConfig, type Config } from '../../config.js';
import { runEntry } from '../../entry.js';
import { createLogger, type Logger } from '../../core/logger.js';
import { restApiBase } from './client-options.js';
import { commandDefinitions } from './command-definitions.js';
import { DiscordStartError, toDiscordApiError } from './errors.js';

export interface RegisteredCommands {
  applicationId: string;
  /** The guild they were registered to, or undefined for global commands. */
  guildId?: string;
  names: string[];
}

/**
 * Register every command with Discord (or DISCORD_API_URL). The application id is DISCORD_APPLICATION_ID,
 * or asked of Discord with the token when it is not set.
 */
export async function registerCommands(options: { config: Config; logger: Logger }): Promise<RegisteredCommands> {
  const { config, logger } = options;
  if (!config.DISCORD_TOKEN) {
    throw new DiscordStartError(
      'DISCORD_TOKEN is not set. Copy the bot token from the Developer Portal (your application → Bot → Reset Token).',
    );
  }
  const rest = new REST(config.DISCORD_API_URL ? { api: restApiBase(config.DISCORD_API_URL) } : {}).setToken(
    config.DISCORD_TOKEN,
  );
  const guildId = config.DISCORD_GUILD_ID;
  try {
    const applicationId =
      config.DISCORD_APPLICATION_ID ?? ((await rest.get(Routes.currentApplication())) as APIApplication).id;
    const route = guildId
      ? Routes.applicationGuildCommands(applicationId, guildId)
      : Routes.applicationCommands(applicationId);
    const registered = (await rest.put(route, { body: commandDefinitions() })) as RESTPutAPIApplicationCommandsResult;
    const names = registered.map((command) => command.name);
    logger.info(
      { applicationId, guildId, commands: names },
      guildId ? 'commands registered to the server' : 'commands registered globally',
    );
    return { applicationId, ...(guildId ? { guildId } : {}), names };
  } catch (error) {
    const failure = toDiscordApiError(error);
    const fix =
      guildId && failure.discordCode === 50001
        ? `the bot is not in server ${guildId} (DISCORD_GUILD_ID), or was invited without the applications.commands scope; invite it with the URL in the setup guide.`
        : failure.fix;
    throw new DiscordStartError(`Could not register the Discord commands: ${fix}`, failure.detail, error);
  }
}

const isMain = process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href;
if (isMain) {
  await runEntry(async () => {
    const config = loadConfig();
    const result = await registerCommands({ config, logger: createLogger({ level: config.LOG_LEVEL }) });
    console.log(
      `Registered ${result.names.join(' and ')} ${result.guildId ? `to server ${result.guildId}` : 'globally'}.`,
    );
  });
}
