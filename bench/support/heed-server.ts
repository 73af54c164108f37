/**
 * Child process for the end-to-end benchmark: Heed itself, started as `npm start` starts it (src/main.ts:
 * the core from `heedFromConfig`, then every adapter whose credentials are configured, through its own
 * `start…` function, both adapter modules loaded), measured from inside: CPU time, peak RSS and what it
 * is made of, event-loop delay, database growth, and warnings or errors logged. Started by
 * `startHeedProcess`; talks over the IPC channel. Nothing else runs here, so these figures are Heed's.
 */
import { subscribe } from 'node:diagnostics_channel';
import type { IncomingMessage } from 'node:http';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { Writable } from 'node:stream';
import BetterSqlite3 from 'better-sqlite3';
import { startDiscord } from '../../src/adapters/discord/index.js';
import { startSlack } from '../../src/adapters/slack/index.js';
import { parseConfig } from '../../src/config.js';
import { heedFromConfig } from '../../src/core/heed.js';
import { createLogger } from '../../src/core/logger.js';
import type { HeedReport } from './heed-process.js';
import { absoluteNow, answerClock } from './ipc.js';

const MAX_LOG_SAMPLES = 5;
/** pino's numeric level for `warn`. */
const WARN = 40;

const config = parseConfig(JSON.parse(process.env.BENCH_HEED_ENV ?? '{}') as Record<string, string>);

// Warnings and errors are counted (a clean run has none) and a few kept to show; the rest is dropped.
const logs = { warnings: 0, errors: 0, samples: [] as string[] };
const destination = new Writable({
  write(chunk: Buffer, _encoding, done) {
    for (const line of chunk.toString('utf8').split('\n')) {
      if (line === '') continue;
      const entry = JSON.parse(line) as { level: number };
      if (entry.level < WARN) continue;
      if (entry.level === WARN) logs.warnings++;
      else logs.errors++;
      if (logs.samples.length < MAX_LOG_SAMPLES) logs.samples.push(line.slice(0, 400));
    }
    done();
  },
});
const logger = createLogger({ level: 'info', destination, pretty: false });
const core = heedFromConfig(config, logger);
const adapters: { stop(): Promise<void> }[] = [];
let port: number | undefined;
if (config.SLACK_BOT_TOKEN) {
  const slack = await startSlack({ config, core, logger: logger.child({ adapter: 'slack' }), host: '127.0.0.1' });
  port = slack.port;
  adapters.push(slack);
}
if (config.DISCORD_TOKEN) adapters.push(await startDiscord({ config, core, logger: logger.child({ adapter: 'discord' }) }));
const idleRssBytes = process.memoryUsage.rss();

// A second, read-only connection measures the database without touching Heed's own.
const reader = new BetterSqlite3(config.DATABASE_PATH, { readonly: true });
const pageSize = Number(reader.pragma('page_size', { simple: true }));
const dbBytes = (): number => Number(reader.pragma('page_count', { simple: true })) * pageSize;
const storedReplies = (): number => (reader.prepare('SELECT count(*) AS n FROM replies').get() as { n: number }).n;

// When each tagged benchmark request reached Heed's HTTP server, to tell the time spent getting in
// (connection, accept queue) from the time spent inside.
const arrivals: [string, number][] = [];
subscribe('http.server.request.start', (message) => {
  const tag = (message as { request: IncomingMessage }).request.headers['x-bench-turn'];
  if (typeof tag === 'string') arrivals.push([tag, absoluteNow()]);
});

/** monitorEventLoopDelay's sampling interval, which its figures include. */
const LOOP_RESOLUTION_MS = 10;
const loopDelay = monitorEventLoopDelay({ resolution: LOOP_RESOLUTION_MS });
loopDelay.enable();
// Peaks of the parts of memory (sampled twice a second: the call itself costs CPU).
const memoryPeaks = { heapTotal: 0, heapUsed: 0, external: 0, arrayBuffers: 0 };
setInterval(() => {
  const usage = process.memoryUsage();
  for (const key of Object.keys(memoryPeaks) as (keyof typeof memoryPeaks)[]) memoryPeaks[key] = Math.max(memoryPeaks[key], usage[key]);
}, 500).unref();

let mark = { cpu: process.cpuUsage(), bytes: dbBytes(), replies: storedReplies() };

function report(): HeedReport {
  const cpu = process.cpuUsage(mark.cpu);
  return {
    cpuMs: (cpu.user + cpu.system) / 1000,
    peakRssBytes: process.resourceUsage().maxRSS * 1024,
    idleRssBytes,
    rssBytes: process.memoryUsage.rss(),
    memoryPeaks: { ...memoryPeaks },
    dbBytes: dbBytes() - mark.bytes,
    replies: storedReplies() - mark.replies,
    loopDelayP99Ms: Math.max(0, loopDelay.percentile(99) / 1e6 - LOOP_RESOLUTION_MS),
    loopDelayMaxMs: Math.max(0, loopDelay.max / 1e6 - LOOP_RESOLUTION_MS),
    logs: { ...logs, samples: [...logs.samples] },
  };
}

/** Stop as src/main.ts does on SIGTERM: adapters stop taking work while the core drains, then close. */
async function stop(): Promise<void> {
  await Promise.all([Promise.allSettled(adapters.map((adapter) => adapter.stop())), core.drain(config.HEED_SHUTDOWN_TIMEOUT_MS)]);
  core.close();
  reader.close();
}

process.on('message', (message: { type: string; id?: number }) => {
  if (answerClock(message)) return;
  if (message.type === 'mark') {
    mark = { cpu: process.cpuUsage(), bytes: dbBytes(), replies: storedReplies() };
    loopDelay.reset();
    process.send?.({ type: 'mark' });
  } else if (message.type === 'report') {
    process.send?.({ type: 'report', report: report() });
  } else if (message.type === 'arrivals') {
    process.send?.({ type: 'arrivals', arrivals: arrivals.splice(0) });
  } else if (message.type === 'stop') {
    void stop().then(() => {
      process.send?.({ type: 'stop' });
      process.exit(0);
    });
  }
});
// Bounded: if the benchmark dies, so does Heed.
process.on('disconnect', () => process.exit(1));
process.send?.({ type: 'ready', port });
