/**
 * DISCORD_SHARDS: the manager process that runs one child process per Discord shard. Each child re-runs
 * Heed's own entry (`dist/main.js`, or `src/main.ts` under tsx) with SHARDS and SHARD_COUNT in its
 * environment; its discord.js Client identifies as `[SHARDS, SHARD_COUNT]`, so Discord sends it only its
 * guilds (and shard 0 the DMs), and it builds its own core on the shared database, whose message claims
 * keep every message answered once across the shards.
 *
 * Why discord.js's ShardingManager (mode `process`) rather than @discordjs/ws workers: workers only hold
 * the gateway sockets and hand every event back to one process, where one Client and one core would do
 * all the work; a process per shard spreads the replies over the cores and keeps one shard's crash from
 * taking the others down, the manager restarts a shard that dies (with a back-off, `respawn-delay.ts`), and
 * it re-runs a script file per shard, which Heed's entry already is.
 */
import { once } from 'node:events';
import { REST, Routes, ShardingManager, type RESTGetAPIGatewayBotResult, type Shard } from 'discord.js';
import type { Config } from '../../config.js';
import type { Logger } from '../../core/logger.js';
import { restApiBase } from './client-options.js';
import { DiscordStartError, startErrorOf } from './errors.js';
import { RespawnDelay } from './respawn-delay.js';

/** How long a shard may take from its process starting to its gateway session being ready. */
const SHARD_READY_TIMEOUT_MS = 60_000;
/** Past HEED_SHUTDOWN_TIMEOUT_MS, what a stopping shard still needs: the notices on cut-short replies, closing. */
const SHARD_EXIT_GRACE_MS = 10_000;

export interface ShardManagerOptions {
  config: Config;
  /** DISCORD_TOKEN, given to every shard. */
  token: string;
  /** DISCORD_SHARDS: `auto` asks Discord, a number is used as it is. */
  shards: 'auto' | number;
  logger: Logger;
  /** The entry file every shard runs: the file of the running entry. */
  script: string;
  /** Node's options for the shards: the running process's own (the tsx loader when run from source). */
  execArgv: string[];
}

export interface RunningShards {
  /** How many shards run. */
  count: number;
  /** SIGTERM every shard and wait until each has finished its replies and exited (SIGKILL past the deadline). */
  stop(): Promise<void>;
}

/**
 * Discord's recommended shard count (`GET /gateway/bot` → `shards`), asked at DISCORD_API_URL when it is
 * set: discord.js's own `fetchRecommendedShardCount` (ShardingManager's `auto`) always asks discord.com.
 */
async function recommendedShardCount(config: Config, token: string): Promise<number> {
  const rest = new REST(config.DISCORD_API_URL ? { api: restApiBase(config.DISCORD_API_URL) } : {}).setToken(token);
  try {
    const gateway = (await rest.get(Routes.gatewayBot())) as RESTGetAPIGatewayBotResult;
    return Math.max(1, gateway.shards);
  } catch (error) {
    throw startErrorOf(error, config.DISCORD_API_URL);
  } finally {
    rest.clearHashSweeper();
    rest.clearHandlerSweeper();
  }
}

/**
 * Log what happens to a shard's process and start it again when it dies (not when `stopping`), after the
 * wait `delay` gives: discord.js's own respawn starts it again at once, however often it dies.
 */
function watchShard(
  shard: Shard,
  logger: Logger,
  stopping: () => boolean,
  delay: RespawnDelay,
  timers: Set<NodeJS.Timeout>,
): void {
  const log = logger.child({ shard: shard.id });
  // In mode `process` the shard's child is `shard.process`; the death event fires before it is cleared.
  shard.on('spawn', () => {
    delay.started();
    log.info({ shardPid: shard.process?.pid }, 'Discord shard process started');
  });
  shard.on('ready', () => log.info('Discord shard ready'));
  shard.on('death', () => {
    if (stopping()) return;
    const restartInMs = delay.died();
    log.warn(
      {
        shardPid: shard.process?.pid,
        exitCode: shard.process?.exitCode,
        signal: shard.process?.signalCode,
        restartInMs,
      },
      'Discord shard process exited; the manager starts it again',
    );
    const timer = setTimeout(() => {
      timers.delete(timer);
      if (stopping()) return;
      // A shard that dies or times out before it is ready dies again here, and is scheduled again.
      shard.spawn(SHARD_READY_TIMEOUT_MS).catch((error: unknown) => {
        if (!stopping()) log.warn({ err: error }, 'Discord shard not ready after a restart; see its own lines for why');
      });
    }, restartInMs);
    timers.add(timer);
  });
}

/** SIGTERM one shard (its own shutdown finishes its replies) and wait for it to exit; SIGKILL past `deadlineMs`. */
async function stopShard(shard: Shard, deadlineMs: number): Promise<void> {
  const child = shard.process;
  if (!child || child.exitCode !== null || child.signalCode !== null) return;
  const exited = once(child, 'exit');
  // kill() detaches the manager's exit listener first, so this shard is not respawned.
  shard.kill();
  const timer = setTimeout(() => child.kill('SIGKILL'), deadlineMs);
  await exited;
  clearTimeout(timer);
}

/**
 * Start every shard, one after the other (DISCORD_SHARD_SPAWN_DELAY_MS apart), and resolve once all are
 * ready. Rejects with a DiscordStartError, after stopping those already started, when one does not start.
 */
export async function startShardManager(options: ShardManagerOptions): Promise<RunningShards> {
  const { config, logger, token } = options;
  const count = options.shards === 'auto' ? await recommendedShardCount(config, token) : options.shards;
  const manager = new ShardingManager(options.script, {
    totalShards: count,
    mode: 'process',
    // Restarts are watchShard's, with a back-off; at start-up a shard that dies fails the start.
    respawn: false,
    execArgv: options.execArgv,
    token,
  });
  let stopping = false;
  const restarts = new Set<NodeJS.Timeout>();
  manager.on('shardCreate', (shard) =>
    watchShard(shard, logger, () => stopping, new RespawnDelay(config.DISCORD_SHARD_SPAWN_DELAY_MS), restarts),
  );
  const stopAll = async (): Promise<void> => {
    stopping = true;
    for (const timer of restarts) clearTimeout(timer);
    restarts.clear();
    const deadline = config.HEED_SHUTDOWN_TIMEOUT_MS + SHARD_EXIT_GRACE_MS;
    await Promise.all(manager.shards.map((shard) => stopShard(shard, deadline)));
  };

  logger.info(
    { shards: count, from: options.shards === 'auto' ? 'Discord' : 'DISCORD_SHARDS' },
    'starting Discord shards',
  );
  try {
    await manager.spawn({ amount: count, delay: config.DISCORD_SHARD_SPAWN_DELAY_MS, timeout: SHARD_READY_TIMEOUT_MS });
  } catch (error) {
    await stopAll();
    const reason = error instanceof Error ? error.message : String(error);
    throw new DiscordStartError(
      `A Discord shard did not start (${reason}); the shard's own log lines above say why.`,
      { shards: count },
      error,
    );
  }
  logger.info({ shards: count }, 'every Discord shard is ready');

  let stopped: Promise<void> | undefined;
  return { count, stop: () => (stopped ??= stopAll()) };
}
