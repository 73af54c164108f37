/**
 * Heed under test in its own process (bench/support/heed-server.ts), so that the load generator and the
 * fake platform servers in the benchmark's process do not share its event loop or its CPU accounting.
 */
import { fork } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { ask, clockOffset, nextMessage } from './ipc.js';

/** What the Heed process measured of itself since the last mark. */
export interface HeedReport {
  cpuMs: number;
  /** Peak resident set over the process's life (one process per benchmark level). */
  peakRssBytes: number;
  rssBytes: number;
  /** RSS once the adapters had started, before any load. */
  idleRssBytes: number;
  /** Sampled peaks of V8's heap and of memory outside it (bytes). */
  memoryPeaks: { heapTotal: number; heapUsed: number; external: number; arrayBuffers: number };
  /** Growth of the database (pages × page size) since the mark. */
  dbBytes: number;
  /** Reply snapshots stored since the mark. */
  replies: number;
  loopDelayP99Ms: number;
  loopDelayMaxMs: number;
  logs: { warnings: number; errors: number; samples: string[] };
}

export interface HeedProcess {
  /** The adapter's HTTP port (Slack HTTP mode). */
  port: number | undefined;
  clockOffsetMs: number;
  /** Start a measurement window: CPU, database size and event-loop delay count from here. */
  mark(): Promise<void>;
  report(): Promise<HeedReport>;
  /** When each tagged request reached Heed's HTTP server (parent clock), taken once. */
  arrivals(): Promise<Map<string, number>>;
  /** Graceful stop (the adapter's `stop()`, then the core's drain and close), then exit. */
  stop(): Promise<void>;
}

export interface HeedProcessOptions {
  /** Configuration variables (they decide which adapters start, as in production), exactly as the production process would read them from its environment. */
  env: Record<string, string>;
  /** Extra Node.js flags for the Heed process (experiments: `--max-semi-space-size=…`, …). */
  nodeFlags?: string[];
  /** Write a V8 CPU profile (`node --cpu-prof`) into this directory when the process exits. */
  cpuProfileDir?: string;
}

/** Fork Heed and wait until its adapter is listening. */
export async function startHeedProcess(options: HeedProcessOptions): Promise<HeedProcess> {
  const execArgv = ['--import', 'tsx', ...(options.nodeFlags ?? [])];
  if (options.cpuProfileDir) {
    mkdirSync(options.cpuProfileDir, { recursive: true });
    execArgv.push('--cpu-prof', `--cpu-prof-dir=${options.cpuProfileDir}`);
  }
  const child = fork(fileURLToPath(new URL('./heed-server.ts', import.meta.url)), [], {
    execArgv,
    env: { ...process.env, BENCH_HEED_ENV: JSON.stringify(options.env) },
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  const { port } = await nextMessage<{ port?: number }>(child, 'ready');
  const { offsetMs } = await clockOffset(child);
  return {
    port,
    clockOffsetMs: offsetMs,
    async mark() {
      await ask(child, 'mark');
    },
    async report() {
      return (await ask<{ report: HeedReport }>(child, 'report')).report;
    },
    async arrivals() {
      const { arrivals } = await ask<{ arrivals: [string, number][] }>(child, 'arrivals');
      return new Map(arrivals.map(([tag, at]) => [tag, at - offsetMs]));
    },
    async stop() {
      if (child.exitCode !== null) return;
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.send({ type: 'stop' });
      await exited;
    },
  };
}
