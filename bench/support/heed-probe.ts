/**
 * Preloaded (`node --import`) into the Heed process the benchmark starts with `src/main.ts`, the entry
 * point of `npm start`, so Heed runs unchanged while the benchmark measures it from inside: CPU time,
 * peak RSS and what it is made of, event-loop delay, database growth, and when each tagged request
 * reached the HTTP server. It only listens (IPC, diagnostics channels, a sampling timer); it calls
 * nothing of Heed's.
 *
 * Heed's worker threads inherit the preload. Slack's HTTP server runs in one of them (the Slack events
 * thread), so there the probe only stamps the requests reaching that server and hands the stamps to the
 * main thread's probe (a BroadcastChannel); it loads nothing else there and starts no timer.
 */
import { subscribe } from 'node:diagnostics_channel';
import type { IncomingMessage } from 'node:http';
import { performance, type EventLoopUtilization } from 'node:perf_hooks';
import { isMainThread } from 'node:worker_threads';
import type BetterSqlite3 from 'better-sqlite3';
import { absoluteNow, answerClock, delayMs, loopDelayHistogram } from './ipc.js';

/** What the probe measured since the last mark. */
export interface ProbeReport {
  cpuMs: number;
  /** Peak resident set over the process's life (one process per benchmark level). */
  peakRssBytes: number;
  rssBytes: number;
  /** Sampled peaks of V8's heap and of memory outside it (bytes). */
  memoryPeaks: { heapTotal: number; heapUsed: number; external: number; arrayBuffers: number };
  /** Growth of the database (pages × page size) since the mark; 0 on PostgreSQL. */
  dbBytes: number;
  /** Reply snapshots stored since the mark; 0 on PostgreSQL. */
  replies: number;
  loopDelayP99Ms: number;
  loopDelayMaxMs: number;
  /** Share of the time since the mark the main thread's event loop was busy (Node's event-loop utilization). */
  loopBusy: number;
}

/** Where other threads' probes post their stamps. */
const ARRIVALS_CHANNEL = 'heed-bench-probe-arrivals';

/** Call `stamp` with the tag and the time of each tagged request reaching an HTTP server of this thread. */
function onArrival(stamp: (tag: string, at: number) => void): void {
  subscribe('http.server.request.start', (message) => {
    const tag = (message as { request: IncomingMessage }).request.headers['x-bench-turn'];
    if (typeof tag === 'string') stamp(tag, absoluteNow());
  });
}

if (isMainThread) {
  // Loaded here only: a native module in the events thread would add to the memory being measured.
  const { default: Database } = await import('better-sqlite3');
  // With DATABASE_URL (PostgreSQL, shared by replicas) there is no file to measure: the benchmark
  // measures that database from outside, and both figures stay 0 here.
  const databasePath = process.env.DATABASE_URL ? undefined : process.env.DATABASE_PATH;

  // A second, read-only connection measures the database without touching Heed's own; opened at the
  // first mark, once Heed has created the file.
  let reader: BetterSqlite3.Database | undefined;
  const database = (path: string): BetterSqlite3.Database => (reader ??= new Database(path, { readonly: true }));
  const dbBytes = (): number => {
    if (databasePath === undefined) return 0;
    const db = database(databasePath);
    return Number(db.pragma('page_count', { simple: true })) * Number(db.pragma('page_size', { simple: true }));
  };
  const storedReplies = (): number =>
    databasePath === undefined
      ? 0
      : (database(databasePath).prepare('SELECT count(*) AS n FROM replies').get() as { n: number }).n;

  // When each tagged request reached the HTTP server (in this thread or the Slack events thread), to tell
  // the time spent getting in (connection, accept queue) from the time spent inside.
  const arrivals: [string, number][] = [];
  onArrival((tag, at) => arrivals.push([tag, at]));
  const fromThreads = new BroadcastChannel(ARRIVALS_CHANNEL);
  fromThreads.onmessage = (event) => arrivals.push((event as { data: [string, number] }).data);
  fromThreads.unref();

  const loopDelay = loopDelayHistogram();
  loopDelay.enable();
  // Peaks of the parts of memory, sampled twice a second (the call itself costs CPU).
  const memoryPeaks = { heapTotal: 0, heapUsed: 0, external: 0, arrayBuffers: 0 };
  setInterval(() => {
    const usage = process.memoryUsage();
    for (const key of Object.keys(memoryPeaks) as (keyof typeof memoryPeaks)[])
      memoryPeaks[key] = Math.max(memoryPeaks[key], usage[key]);
  }, 500).unref();

  let mark: { cpu: NodeJS.CpuUsage; bytes: number; replies: number; loop: EventLoopUtilization } | undefined;

  function report(): ProbeReport {
    const since = mark ?? { cpu: { user: 0, system: 0 }, bytes: 0, replies: 0 };
    const cpu = process.cpuUsage(since.cpu);
    return {
      cpuMs: (cpu.user + cpu.system) / 1000,
      peakRssBytes: process.resourceUsage().maxRSS * 1024,
      rssBytes: process.memoryUsage.rss(),
      memoryPeaks: { ...memoryPeaks },
      dbBytes: dbBytes() - since.bytes,
      replies: storedReplies() - since.replies,
      loopDelayP99Ms: delayMs(loopDelay.percentile(99)),
      loopDelayMaxMs: delayMs(loopDelay.max),
      loopBusy: performance.eventLoopUtilization(mark?.loop).utilization,
    };
  }

  process.on('message', (message: { type: string; id?: number }) => {
    if (answerClock(message)) return;
    if (message.type === 'mark') {
      mark = {
        cpu: process.cpuUsage(),
        bytes: dbBytes(),
        replies: storedReplies(),
        loop: performance.eventLoopUtilization(),
      };
      loopDelay.reset();
      process.send?.({ type: 'mark', rssBytes: process.memoryUsage.rss() });
    } else if (message.type === 'rss') {
      process.send?.({ type: 'rss', rssBytes: process.memoryUsage.rss() });
    } else if (message.type === 'report') {
      process.send?.({ type: 'report', report: report() });
    } else if (message.type === 'arrivals') {
      process.send?.({ type: 'arrivals', arrivals: arrivals.splice(0) });
    }
  });
  // The IPC channel would keep the process alive after Heed's own shutdown; and if the benchmark dies,
  // so does Heed.
  process.channel?.unref();
  process.on('disconnect', () => process.exit(1));
  process.on('exit', () => reader?.close());
} else {
  const toMain = new BroadcastChannel(ARRIVALS_CHANNEL);
  toMain.unref();
  onArrival((tag, at) => toMain.postMessage([tag, at]));
}
