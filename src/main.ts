/**
 * `npm start`: validate the configuration, open the core, and start every adapter whose credentials
 * are configured, and the operator dashboard when HEED_DASHBOARD_PORT is set. SIGTERM and SIGINT
 * stop taking new work, let replies in flight finish (bounded by HEED_SHUTDOWN_TIMEOUT_MS), close the
 * database and exit 0. With DISCORD_SHARDS the same entry runs as the shard manager (Slack, the dashboard
 * and one child process per Discord shard) and, in each child, as one shard (Discord only).
 */
import { fileURLToPath } from 'node:url';
import { setFlagsFromString } from 'node:v8';
import { loadConfig, type Config } from './config.js';
import { heedFromConfig } from './app.js';
import { createLogger, type Logger } from './core/logger.js';
import { runEntry } from './entry.js';
import { processRole, roleLogFields, type ProcessRole } from './adapters/discord/process-role.js';

// V8 lets the heap grow to several times what is live after a collection (a factor picked from the
// allocation rate, up to 4×), and a busy bot allocates fast: at 100 replies in flight the heap reached
// 140 MB around 40 MB of live data. A factor of 1.2 collects the old generation sooner; its cost (more,
// cheaper collections of that small live set) did not show in CPU per reply (bench/results). Read at
// every collection, so setting it here applies however the process was started; a factor given on the
// command line (`node --heap-growing-percent=N`) wins.
if (!process.execArgv.some((flag) => flag.startsWith('--heap-growing-percent'))) {
  setFlagsFromString('--heap-growing-percent=20');
}
// The young generation's limit, by contrast, is fixed when the heap is made: `npm start` passes
// --max-semi-space-size=4 (package.json). V8's default (16 MB semi-spaces, reached during any burst and
// then kept) held about 24 MB more after warming up, for about 2% less CPU per reply.
// `npm start` also passes --v8-pool-size=0: Node then gives V8 one background thread (for garbage collection
// and compiling) per core beyond the first, where its default is four whatever the machine. On 2 cores that is
// one: four competed with this thread and the events thread for the cores while this thread waited for them,
// and each costs memory of its own. About 3 MB less RSS idle and 5 MB less at 100 replies in flight, and no
// tail or throughput lost (see the README's Performance).

interface Running {
  name: string;
  stop(): Promise<void>;
}

function nothingConfigured(): never {
  process.stderr.write(
    'Heed has no platform to connect to: set SLACK_BOT_TOKEN (with SLACK_SIGNING_SECRET, or SLACK_APP_TOKEN for Socket Mode) to run on Slack, or DISCORD_TOKEN to run on Discord (see README.md).\n' +
      'To try Heed locally without either, run `npm run chat` (with OPENAI_API_KEY, or OPENAI_BASE_URL pointing at a local server such as Ollama).\n',
  );
  process.exit(2);
}

async function startAdapters(
  config: Config,
  logger: Logger,
  role: ProcessRole,
): Promise<{ running: Running[]; shutdown: (signal: string) => Promise<void> }> {
  const core = await heedFromConfig(config, logger);
  const running: Running[] = [];
  try {
    // Each platform's SDK is loaded only when it is configured: discord.js alone is about 30 MB resident.
    // Slack runs in one process only: the shard manager, which outlives any shard it restarts.
    if (config.SLACK_BOT_TOKEN && role.kind !== 'shard') {
      const { startSlack } = await import('./adapters/slack/index.js');
      const slack = await startSlack({ config, core, logger: logger.child({ adapter: 'slack' }) });
      running.push({ name: 'slack', stop: () => slack.stop() });
    }
    if (config.DISCORD_TOKEN && role.kind === 'manager') {
      const { startShardManager } = await import('./adapters/discord/shard-manager.js');
      const shards = await startShardManager({
        config,
        token: config.DISCORD_TOKEN,
        shards: role.shards,
        logger: logger.child({ adapter: 'discord' }),
        // Every shard runs this same entry, with the same Node options (the tsx loader when run from source).
        script: fileURLToPath(import.meta.url),
        execArgv: process.execArgv,
      });
      running.push({ name: 'discord', stop: () => shards.stop() });
    } else if (config.DISCORD_TOKEN) {
      const { startDiscord } = await import('./adapters/discord/index.js');
      const discord = await startDiscord({ config, core, logger: logger.child({ adapter: 'discord' }) });
      running.push({ name: 'discord', stop: () => discord.stop() });
    }
  } catch (error) {
    await Promise.allSettled(running.map((adapter) => adapter.stop()));
    await core.close();
    throw error;
  }
  if (!core.modelConfigured) {
    logger.warn('no model is configured: replies will explain how to set OPENAI_API_KEY or OPENAI_BASE_URL');
  }

  let stopping = false;
  const shutdown = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal, inFlight: core.inFlightCount }, 'shutting down: no new work, finishing replies in flight');
    // Adapters stop taking events while the core finishes what is in flight; past the deadline the core
    // cuts the rest short with a notice, so both settle within the same bound.
    const [, unfinished] = await Promise.all([
      Promise.allSettled(running.map((adapter) => adapter.stop())),
      core.drain(config.HEED_SHUTDOWN_TIMEOUT_MS),
    ]);
    if (unfinished > 0)
      logger.warn({ unfinished }, 'replies still running after the shutdown deadline and grace period');
    await core.close();
    logger.info('stopped');
  };
  return { running, shutdown };
}

async function main(): Promise<void> {
  const config = loadConfig();
  if (!config.SLACK_BOT_TOKEN && !config.DISCORD_TOKEN) nothingConfigured();
  const role = processRole(config);
  const logger = createLogger({ level: config.LOG_LEVEL }).child(roleLogFields(role));
  process.on('unhandledRejection', (reason) => logger.error({ err: reason }, 'unhandled rejection (kept running)'));

  // The dashboard first: a refusal (say, a public address without a token) stops start-up cleanly.
  let dashboard: { close(): Promise<void> } | undefined;
  if (config.HEED_DASHBOARD_PORT !== undefined && role.kind !== 'shard') {
    const { startDashboard } = await import('./dashboard/server.js');
    dashboard = await startDashboard({ config, logger });
  }

  const started = await startAdapters(config, logger, role).catch(async (error: unknown) => {
    await dashboard?.close();
    logger.fatal({ err: error }, 'start-up failed');
    throw error;
  });
  logger.info({ adapters: started.running.map((adapter) => adapter.name) }, 'Heed is running');
  for (const signal of ['SIGTERM', 'SIGINT'] as const) {
    process.once(signal, () => {
      void Promise.all([started.shutdown(signal), dashboard?.close()]).then(
        () => process.exit(0),
        (error: unknown) => {
          logger.error({ err: error }, 'shutdown failed');
          process.exit(1);
        },
      );
    });
  }
  // A shard whose manager is gone (killed outright) stops as on SIGTERM, rather than hold a session nobody supervises.
  if (role.kind === 'shard') {
    if (process.connected) process.once('disconnect', () => process.kill(process.pid, 'SIGTERM'));
    else process.kill(process.pid, 'SIGTERM');
  }
}

await runEntry(main, 'Heed could not start');
