/** What every Discord handler needs: the logged-in client, the configuration, the core and a logger. */
import type { Client } from 'discord.js';
import type { Config } from '../../config.js';
import type { HeedCore } from '../../core/api.js';
import type { Logger } from '../../core/logger.js';

export interface DiscordContext {
  client: Client<true>;
  config: Config;
  core: HeedCore;
  logger: Logger;
}
