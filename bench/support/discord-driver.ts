/**
 * The Discord side of one benchmark level: a fresh fake Discord (REST and gateway, in the benchmark's
 * process), the configuration that points Heed's discord.js client at it, and the load dispatched
 * through its gateway.
 */
import { startFakeDiscord } from '../../test/support/fake-discord.js';
import { runDiscordLoad } from './discord-load.js';
import type { ConversationPlan, LoadResult } from './load.js';
import type { PlatformDriver } from './platform-driver.js';

/** Start a fake Discord for one level. */
export async function discordDriver(): Promise<PlatformDriver> {
  const fake = await startFakeDiscord();
  let runs = 0;
  return {
    env: {
      DISCORD_TOKEN: fake.token,
      DISCORD_APPLICATION_ID: fake.applicationId,
      DISCORD_API_URL: fake.apiUrl,
    },
    run(plan: ConversationPlan): Promise<LoadResult> {
      // Each run talks to people of its own, so a late reply from an earlier run is never mistaken.
      return runDiscordLoad({ ...plan, fake, personPrefix: String(++runs) });
    },
    close: () => fake.close(),
  };
}
