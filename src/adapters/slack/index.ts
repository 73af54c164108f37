/**
 * The Slack adapter: a real @slack/bolt App that turns Slack events into calls on Heed's core. Socket
 * Mode when SLACK_APP_TOKEN is set; otherwise an HTTP server on PORT in a thread of its own
 * (events-receiver.ts), with events, commands and interactivity all on `/slack/events`, verified with
 * SLACK_SIGNING_SECRET. SLACK_API_URL points the Web
 * API client elsewhere (tests and benchmarks run the bot against a fake Slack exactly this way).
 */
import { App, webApi, type AppOptions, type ReceiverEvent } from '@slack/bolt';
import type { Config } from '../../config.js';
import { HeedError } from '../../core/errors.js';
import { HttpTransport } from '../../core/http-transport.js';
import type { HeedCore } from '../../core/api.js';
import type { Logger } from '../../core/logger.js';
import type { BotIdentity, SlackAdapterContext } from './adapter-context.js';
import { boltLogger } from './bolt-logger.js';
import { registerApplied } from './applied.js';
import { registerAssistant } from './assistant.js';
import { registerCommands } from './commands.js';
import { registerCompliance } from './compliance.js';
import { registerConversation, registerConversationEvents } from './conversation.js';
import { registerEditor } from './editor.js';
import { attempt, logSlackError, slackErrorCode, toSlackApiError } from './errors.js';
import { registerFeedback } from './feedback.js';
import { EventsReceiver } from './events-receiver.js';
import { healthAnswer, SlackProbe } from './health.js';
import { publishHome, registerHome } from './home.js';
import { InFlight } from '../../core/reply/in-flight.js';
import { registerReplayGuard } from './request-guard.js';
import { UserDirectory } from './user-directory.js';
import { StreamingSupport } from './reply-stream.js';
import { ThreadReader } from './thread-history.js';
import { ThreadMemory } from './thread-memory.js';

export interface SlackAdapter {
  app: App;
  /** The real listening port in HTTP mode (PORT=0 picks a free one); undefined in Socket Mode. */
  port?: number;
  /** The interface listened on in HTTP mode (`::` for all); undefined in Socket Mode. */
  address?: string;
  /** HTTP mode's receiver (tests end its thread to see it replaced); undefined in Socket Mode. */
  receiver?: EventsReceiver;
  /** Resolves when no Slack event is being handled (tests use it instead of sleeping). */
  idle(): Promise<void>;
  /** Stop taking events, then let replies in flight finish (at most HEED_SHUTDOWN_TIMEOUT_MS). */
  stop(): Promise<void>;
}

export interface StartSlackOptions {
  config: Config;
  core: HeedCore;
  logger: Logger;
  /** Interface to listen on in HTTP mode; HOST by default, else all interfaces. Tests pass 127.0.0.1. */
  host?: string | undefined;
  /** Milliseconds clock for the health probe's cache; injectable for tests. */
  clock?: () => number;
  /** How long `/healthz` reuses Slack's answer (default 30 s). */
  healthCacheMs?: number;
}

/** Connections waiting to be accepted; the kernel caps it at net.core.somaxconn. */
const LISTEN_BACKLOG = 4_096;

/**
 * Bounds of the thread memory: at most a few MB of text; per thread, the 50 messages history passes on
 * and room for a few newer ones.
 */
const MEMORY = { maxThreads: 2_000, maxMessages: 60, maxChars: 4_000_000, idleMs: 60 * 60_000 };

/** A Bolt App that counts every event it processes as in flight, from arrival to the last listener. */
class TrackedApp extends App {
  constructor(
    options: AppOptions,
    private readonly inFlight: InFlight,
  ) {
    super(options);
  }

  override processEvent(event: ReceiverEvent): Promise<void> {
    return this.inFlight.track(super.processEvent(event));
  }
}

/** A start-up failure whose message says what to fix. */
export class SlackStartError extends HeedError {
  constructor(message: string, detail: Record<string, unknown> = {}, cause?: unknown) {
    super('slack_start', message, { detail, cause });
    this.name = 'SlackStartError';
  }
}

/** Ask Slack who the token belongs to: fails start-up with a clear line when the token is wrong. */
async function identify(token: string, clientOptions: webApi.WebClientOptions): Promise<BotIdentity> {
  // A short retry budget here: a wrong URL or token should stop start-up quickly, not after minutes.
  const client = new webApi.WebClient(token, { ...clientOptions, retryConfig: { retries: 1 } });
  try {
    const auth = await client.auth.test();
    if (!auth.user_id || !auth.bot_id) {
      throw new SlackStartError(
        'SLACK_BOT_TOKEN is not a bot token: use the Bot User OAuth Token (xoxb-…) from OAuth & Permissions.',
      );
    }
    return { userId: auth.user_id, botId: auth.bot_id, teamId: auth.team_id ?? '' };
  } catch (error) {
    if (error instanceof SlackStartError) throw error;
    const failure = toSlackApiError('auth.test', error);
    throw new SlackStartError(
      `Slack did not accept the bot token (${failure.slackError}): ${failure.fix}`,
      { slackError: failure.slackError },
      error,
    );
  }
}

/** Start the Slack adapter as configured. */
export async function startSlack(options: StartSlackOptions): Promise<SlackAdapter> {
  const { config, core, logger } = options;
  const token = config.SLACK_BOT_TOKEN;
  if (!token)
    throw new SlackStartError(
      "SLACK_BOT_TOKEN is not set: copy the Bot User OAuth Token (xoxb-…) from your Slack app's OAuth & Permissions page.",
    );
  const appToken = config.SLACK_APP_TOKEN;
  const signingSecret = config.SLACK_SIGNING_SECRET;
  const socketMode = appToken !== undefined;
  if (appToken === undefined && signingSecret === undefined) {
    throw new SlackStartError(
      "SLACK_SIGNING_SECRET is not set: copy it from your Slack app's Basic Information page, or set SLACK_APP_TOKEN for Socket Mode.",
    );
  }

  const clientOptions: webApi.WebClientOptions = {
    ...(config.SLACK_API_URL ? { slackApiUrl: config.SLACK_API_URL } : {}),
    // One keep-alive transport for every client of this adapter (see http-transport.ts for why not fetch).
    fetch: new HttpTransport().fetch,
    logger: boltLogger(logger.child({ component: 'slack-web-api' })),
    // A reply that waits half an hour is no reply: give up on a call after about five minutes.
    retryConfig: webApi.retryPolicies.fiveRetriesInFiveMinutes,
    // The client's default of 100 calls at once queues every reply's calls behind the others' once
    // about 30 replies are in flight (each makes 3–5 calls); Slack's limits are per method and minute.
    maxRequestConcurrency: 1_000,
  };
  const bot = await identify(token, clientOptions);

  const inFlight = new InFlight();
  // HTTP mode: the server runs in a thread of its own, which acknowledges events however busy this one is.
  const receiver = socketMode
    ? undefined
    : new EventsReceiver({
        signingSecret: signingSecret ?? '',
        logger,
        health: healthAnswer(
          core,
          new SlackProbe(token, clientOptions, logger, {
            ...(options.clock ? { now: options.clock } : {}),
            ...(options.healthCacheMs !== undefined ? { cacheMs: options.healthCacheMs } : {}),
          }),
          () => inFlight.size,
          config.HEED_HEALTH_TOKEN,
        ),
      });
  const app = new TrackedApp(
    {
      token,
      // With both ids given, Bolt makes no auth.test of its own (identify() already did).
      botId: bot.botId,
      botUserId: bot.userId,
      logger: boltLogger(logger.child({ component: 'bolt' })),
      clientOptions,
      convoStore: false,
      ...(receiver ? { receiver } : { socketMode: true, appToken: appToken ?? '' }),
    },
    inFlight,
  );

  const ctx: SlackAdapterContext = {
    config,
    core,
    logger,
    bot,
    people: new UserDirectory(app.client, logger),
    // Context is not worth a long wait: a rate limit fails the read at once, other failures get one retry.
    threads: new ThreadReader(
      new webApi.WebClient(token, { ...clientOptions, rejectRateLimitedCalls: true, retryConfig: { retries: 1 } }),
      logger,
    ),
    streaming: new StreamingSupport(),
    // Replicas on PostgreSQL each see only part of the events: there, every thread is read from Slack.
    ...(config.HEED_SLACK_THREAD_MEMORY && config.DATABASE_URL === undefined
      ? { memory: new ThreadMemory(MEMORY) }
      : {}),
  };
  registerReplayGuard(app, core, logger);
  const answer = registerConversation(app, ctx);
  registerAssistant(app, ctx, answer);
  registerConversationEvents(app, ctx, answer);
  registerCommands(app, ctx);
  registerEditor(app, ctx, async (client, actor, origin, text) => {
    if (origin.from === 'home') await publishHome(client, ctx, actor);
    const responseUrl = origin.responseUrl;
    if (responseUrl) {
      await attempt(logger, 'response_url', async () => {
        const response = await fetch(responseUrl, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ response_type: 'ephemeral', text }),
        });
        if (!response.ok) throw new Error(`response URL answered HTTP ${response.status}`);
      });
    }
  });
  registerFeedback(app, ctx);
  registerApplied(app, ctx);
  registerHome(app, ctx);
  const flushAutoReports = registerCompliance(app, ctx);

  // Every listener failure ends here: log what to fix and keep running.
  app.error(async (error) => {
    if (slackErrorCode(error) !== undefined) logSlackError(logger, 'a listener call', error);
    else logger.error({ err: error }, 'a Slack listener failed');
  });

  let port: number | undefined;
  let address: string | undefined;
  const host = options.host ?? config.HOST;
  try {
    if (receiver) {
      // A burst of events on fresh connections overflows Node's default accept queue (511); dropped
      // connections are retried by the sender's TCP a second or more later, past Slack's 3-second ack limit.
      ({ port, address } = await receiver.start({ port: config.PORT, host, backlog: LISTEN_BACKLOG }));
    } else {
      await app.start();
    }
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    throw new SlackStartError(
      socketMode
        ? `Could not connect to Slack in Socket Mode (${message}): check SLACK_APP_TOKEN (xapp-… with connections:write).`
        : `Could not listen on port ${config.PORT} (${message}): set PORT to a free port.`,
      {},
      error,
    );
  }
  logger.info(
    {
      mode: socketMode ? 'socket' : 'http',
      ...(port !== undefined ? { port } : {}),
      bot: bot.userId,
      team: bot.teamId,
    },
    'Slack adapter started',
  );

  let stopping: Promise<void> | undefined;
  return {
    app,
    ...(port !== undefined ? { port } : {}),
    ...(address !== undefined ? { address } : {}),
    ...(receiver ? { receiver } : {}),
    async idle() {
      // Events the thread acknowledged may still be on their way here: wait for them to arrive first.
      await receiver?.delivered();
      await inFlight.idle();
    },
    stop() {
      stopping ??= (async () => {
        await app.stop().catch((error: unknown) => logger.warn({ err: error }, 'stopping the Slack receiver failed'));
        const unfinished = await inFlight.drain(config.HEED_SHUTDOWN_TIMEOUT_MS);
        if (unfinished > 0) logger.warn({ unfinished }, 'Slack events still in flight at the shutdown deadline');
        await flushAutoReports();
      })();
      return stopping;
    },
  };
}
