/**
 * The Discord adapter: a real discord.js 14 Client that turns Discord events into calls on Heed's core.
 * DISCORD_API_URL points its REST client elsewhere, and with it the gateway (discord.js asks
 * `GET /gateway/bot` where to connect), so tests and benchmarks run the bot against a fake Discord
 * exactly as it runs against Discord. Commands are registered separately (`npm run discord:register`).
 */
import {
  Client,
  Events,
  GatewayDispatchEvents,
  MessageFlags,
  RESTEvents,
  type GatewayMessageReactionAddDispatchData,
  type GatewayMessageReactionRemoveDispatchData,
  type Interaction,
} from 'discord.js';
import type { Config } from '../../config.js';
import { asHeedError } from '../../core/errors.js';
import type { HeedCore } from '../../core/api.js';
import type { Logger } from '../../core/logger.js';
import { COMMAND_NAME } from '../../core/commands/command-name.js';
import { handleEditButton, handleWhyButton, isEditButton, WHY_BUTTON_ID } from './applied.js';
import { clientOptions } from './client-options.js';
import { REPORT_COMMAND_NAME } from './command-definitions.js';
import {
  FORGET_ME_CANCEL_ID,
  FORGET_ME_CONFIRM_ID,
  handleEditorSubmit,
  handleForgetMeButton,
  handleInstructionsCommand,
} from './commands.js';
import { handleRewriteButton, REWRITE_BUTTON_ID, watchAutoReports } from './compliance.js';
import type { DiscordContext } from './context.js';
import { handleMessage } from './conversation.js';
import { DiscordStartError, guarded, startErrorOf } from './errors.js';
import { handleReaction, handleReportCommand, handleReportSubmit, isReportModal } from './feedback.js';
import { InFlight } from '../../core/reply/in-flight.js';
import { EDITOR_MODAL_ID } from './modals.js';

export interface DiscordAdapter {
  client: Client<true>;
  /** Resolves when no Discord event is being handled (tests use it instead of sleeping). */
  idle(): Promise<void>;
  /** Stop taking events, let replies in flight finish (at most HEED_SHUTDOWN_TIMEOUT_MS), then disconnect. */
  stop(): Promise<void>;
}

export interface StartDiscordOptions {
  config: Config;
  core: HeedCore;
  logger: Logger;
}

async function routeInteraction(ctx: DiscordContext, interaction: Interaction): Promise<void> {
  if (interaction.isChatInputCommand() && interaction.commandName === COMMAND_NAME) {
    await handleInstructionsCommand(ctx, interaction);
  } else if (interaction.isMessageContextMenuCommand() && interaction.commandName === REPORT_COMMAND_NAME) {
    await handleReportCommand(ctx, interaction);
  } else if (interaction.isModalSubmit() && interaction.customId === EDITOR_MODAL_ID) {
    await handleEditorSubmit(ctx, interaction);
  } else if (interaction.isModalSubmit() && isReportModal(interaction.customId)) {
    await handleReportSubmit(ctx, interaction);
  } else if (
    interaction.isButton() &&
    (interaction.customId === FORGET_ME_CONFIRM_ID || interaction.customId === FORGET_ME_CANCEL_ID)
  ) {
    await handleForgetMeButton(ctx, interaction);
  } else if (interaction.isButton() && interaction.customId === REWRITE_BUTTON_ID) {
    await handleRewriteButton(ctx, interaction);
  } else if (interaction.isButton() && interaction.customId === WHY_BUTTON_ID) {
    await handleWhyButton(ctx, interaction);
  } else if (interaction.isButton() && isEditButton(interaction.customId)) {
    await handleEditButton(ctx, interaction);
  }
}

/**
 * Route an interaction; if handling it fails before any answer, tell the person in one sentence (the
 * failure itself is logged by the caller), so that Discord does not show "The application did not respond".
 */
async function answerInteraction(ctx: DiscordContext, interaction: Interaction): Promise<void> {
  try {
    await routeInteraction(ctx, interaction);
  } catch (error) {
    if (interaction.isRepliable() && !interaction.replied && !interaction.deferred) {
      await interaction
        .reply({ content: asHeedError(error).userMessage, flags: MessageFlags.Ephemeral })
        .catch(() => undefined);
    }
    throw error;
  }
}

/** At most one rate-limit log line per route in this interval. */
const RATE_LIMIT_LOG_INTERVAL_MS = 60_000;

/** Log what the gateway and REST layers report, so that an operator sees disconnects and rate limits. */
function watchConnection(client: Client, logger: Logger): void {
  client.on(Events.Error, (error) => logger.error({ err: error }, 'Discord client error; the bot keeps running'));
  client.on(Events.Warn, (message) => logger.warn(`Discord: ${message}`));
  client.on(Events.ShardError, (error, shardId) =>
    logger.warn({ err: error, shardId }, 'Discord gateway connection error; discord.js reconnects'),
  );
  client.on(Events.ShardReconnecting, (shardId) => logger.info({ shardId }, 'Discord gateway reconnecting'));
  client.on(Events.ShardResume, (shardId, replayed) =>
    logger.info({ shardId, replayed }, 'Discord gateway session resumed'),
  );
  client.on(Events.ShardDisconnect, (event, shardId) =>
    logger.error(
      { code: event.code, shardId },
      'Discord closed the gateway for good; check DISCORD_TOKEN and the intents, then restart Heed',
    ),
  );
  // Under load every queued request reports the limit; one line per route a minute says the same.
  const rateLimitLines = new Map<string, { at: number; suppressed: number }>();
  client.rest.on(RESTEvents.RateLimited, (info) => {
    const key = `${info.method} ${info.route}`;
    const now = Date.now();
    const last = rateLimitLines.get(key);
    if (last && now - last.at < RATE_LIMIT_LOG_INTERVAL_MS) {
      last.suppressed += 1;
      return;
    }
    rateLimitLines.set(key, { at: now, suppressed: 0 });
    logger.warn(
      {
        route: info.route,
        method: info.method,
        retryAfterMs: info.retryAfter,
        global: info.global,
        alsoLimitedSinceLastLine: last?.suppressed ?? 0,
      },
      'Discord rate limit reached; discord.js waits and retries. Frequent limits mean too many replies or edits at once.',
    );
  });
  client.rest.on(RESTEvents.Response, (request, response) => {
    if (response.status === 429) {
      logger.warn(
        { method: request.method, route: request.route, retry: request.retries },
        'Discord answered 429 Too Many Requests; discord.js waits for Retry-After and sends it again.',
      );
    }
  });
}

/**
 * Log in to Discord (or DISCORD_API_URL) and start answering. Resolves once the client is ready;
 * rejects with a DiscordStartError that says what to fix (token, intents, network).
 */
export async function startDiscord(options: StartDiscordOptions): Promise<DiscordAdapter> {
  const { config, core } = options;
  const logger = options.logger.child({ platform: 'discord' });
  if (!config.DISCORD_TOKEN) {
    throw new DiscordStartError(
      'DISCORD_TOKEN is not set. Copy the bot token from the Developer Portal (your application → Bot → Reset Token).',
    );
  }

  const client = new Client(clientOptions(config));
  watchConnection(client, logger);
  const inFlight = new InFlight();
  let accepting = true;
  // Handlers are attached before login: discord.js replays the events queued during start-up right as it
  // emits clientReady. No handler runs before the gateway's READY, which sets `client.user`.
  const ctx: DiscordContext = { client: client as Client<true>, config, core, logger };
  /** Every handler runs guarded (a failure is logged, never thrown) and counted as in flight. */
  const handle = (event: string, work: () => Promise<void>): void => {
    if (accepting) inFlight.track(guarded(logger, event, work));
  };
  const flushAutoReports = watchAutoReports(ctx);
  client.on(Events.MessageCreate, (message) => handle('message', () => handleMessage(ctx, message)));
  client.on(Events.InteractionCreate, (interaction) =>
    handle('interaction', () => answerInteraction(ctx, interaction)),
  );
  client.ws.on(GatewayDispatchEvents.MessageReactionAdd, (event: GatewayMessageReactionAddDispatchData) =>
    handle('reaction', () => handleReaction(ctx, event, true)),
  );
  client.ws.on(GatewayDispatchEvents.MessageReactionRemove, (event: GatewayMessageReactionRemoveDispatchData) =>
    handle('reaction removal', () => handleReaction(ctx, event, false)),
  );

  const ready = new Promise<void>((resolve) => client.once(Events.ClientReady, () => resolve()));
  try {
    await client.login(config.DISCORD_TOKEN);
  } catch (error) {
    await client.destroy();
    throw startErrorOf(error, config.DISCORD_API_URL);
  }
  await ready;
  logger.info({ bot: ctx.client.user.tag, guilds: ctx.client.guilds.cache.size }, 'Discord bot connected');

  let stopping: Promise<void> | undefined;
  const stop = async (): Promise<void> => {
    accepting = false;
    const unfinished = await inFlight.drain(config.HEED_SHUTDOWN_TIMEOUT_MS);
    if (unfinished > 0) logger.warn({ unfinished }, 'Discord: stopping with replies still in flight');
    await flushAutoReports();
    await client.destroy();
    logger.info('Discord bot disconnected');
  };
  return {
    client: ctx.client,
    idle: () => inFlight.idle(),
    stop: () => (stopping ??= stop()),
  };
}
