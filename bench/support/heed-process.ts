/**
 * The bot under test in its own process: Heed as `npm start` starts it (a tsc build on plain node, or
 * with BENCH_RUNTIME=tsx its source through tsx), or the baseline bot of bench/baseline/, each with its
 * configuration in its environment, a working directory of its own so no `.env` file leaks in, and
 * bench/support/heed-probe.ts preloaded to measure it from inside. The load generator and the fake
 * platform servers in the benchmark's process share neither its event loop nor its CPU accounting.
 * Its log (JSON on stderr) is read here: warnings and errors are counted, and its ready line ("Heed is
 * running") says it is ready. Stopped with SIGTERM, as in production.
 */
import { fork } from 'node:child_process';
import { mkdirSync, readFileSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { ask, clockOffset } from './ipc.js';
import type { ProbeReport } from './heed-probe.js';

/** What Heed's process measured of itself since the last mark, with what it logged. */
export interface HeedReport extends ProbeReport {
  /** RSS once started, before any load. */
  idleRssBytes: number;
  /** RSS at the mark: after the warm-up, before the measured load. */
  warmIdleRssBytes: number;
  logs: { warnings: number; errors: number; samples: string[] };
}

export interface HeedProcess {
  clockOffsetMs: number;
  /** Start a measurement window: CPU, database size, event-loop delay and logged warnings count from here. */
  mark(): Promise<void>;
  report(): Promise<HeedReport>;
  /** When each tagged request reached Heed's HTTP server (this process's clock), taken once. */
  arrivals(): Promise<Map<string, number>>;
  /** SIGTERM, then wait for the exit (src/main.ts finishes replies in flight and closes the database). */
  stop(): Promise<number | null>;
}

export interface HeedProcessOptions {
  /** Configuration variables (they decide which adapters start, as in production). */
  env: Record<string, string>;
  /** Working directory: put the database beside it. */
  cwd: string;
  /** Extra Node.js flags for the Heed process (experiments: `--max-old-space-size=…`, …). */
  nodeFlags?: string[];
  /** Run a compiled build (`tsc` output with migrations and node_modules beside it) with plain node instead of tsx. */
  compiledDir?: string;
  /** Write a V8 CPU profile (`node --cpu-prof`) into this directory when the process exits. */
  cpuProfileDir?: string;
  /** The bot to run, relative to the project root without extension: `src/main` (Heed) by default. */
  entry?: string;
  /** The `msg` of the log line on stderr that says the bot is ready. */
  readyMessage?: string;
}

const MAX_LOG_SAMPLES = 5;
/** pino's numeric level for `warn`. */
const WARN = 40;
const START_TIMEOUT_MS = 30_000;
const STOP_TIMEOUT_MS = 30_000;

/**
 * The Node.js flags package.json's `start` script gives Heed (`node --flag … dist/main.js`), so that the
 * benchmark runs Heed as `npm start` does; a bot of its own (the baseline) gets none of them.
 */
function startScriptFlags(): string[] {
  const manifest = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as {
    scripts: { start: string };
  };
  const [command, ...words] = manifest.scripts.start.trim().split(/\s+/);
  if (command !== 'node')
    throw new Error(`package.json's start script runs ${command}, not node: update the benchmark`);
  return words.filter((word) => word.startsWith('--'));
}

/** Start Heed and wait until it logs that it is running. */
export async function startHeedProcess(options: HeedProcessOptions): Promise<HeedProcess> {
  // The tsc build on plain node, as `npm start` runs it; without a build (BENCH_RUNTIME=tsx), the source through tsx.
  const compiled = options.compiledDir;
  const loader = compiled ? [] : ['--import', import.meta.resolve('tsx')];
  const probe = compiled
    ? pathToFileURL(join(compiled, 'bench/support/heed-probe.js')).href
    : import.meta.resolve('./heed-probe.ts');
  const source = options.entry ?? 'src/main';
  const entry = compiled
    ? join(compiled, `${source}.js`)
    : fileURLToPath(new URL(`../../${source}.ts`, import.meta.url));
  const readyMessage = options.readyMessage ?? 'Heed is running';
  const startFlags = options.entry === undefined ? startScriptFlags() : [];
  const execArgv = [...loader, '--import', probe, ...startFlags, ...(options.nodeFlags ?? [])];
  if (options.cpuProfileDir) {
    mkdirSync(options.cpuProfileDir, { recursive: true });
    execArgv.push('--cpu-prof', `--cpu-prof-dir=${options.cpuProfileDir}`);
  }
  const child = fork(entry, [], {
    execArgv,
    cwd: options.cwd,
    env: { PATH: process.env.PATH ?? '', LOG_LEVEL: 'info', ...options.env },
    stdio: ['ignore', 'inherit', 'pipe', 'ipc'],
  });

  const logs = { warnings: 0, errors: 0, samples: [] as string[] };
  let announceReady: () => void = () => undefined;
  const ready = new Promise<void>((resolve) => {
    announceReady = resolve;
  });
  const stderr = createInterface({ input: child.stderr ?? process.stdin });
  stderr.on('line', (line) => {
    let entry: { level?: number; msg?: string } | undefined;
    try {
      entry = JSON.parse(line) as { level?: number; msg?: string };
    } catch {
      // Not a log line (a start-up message, a crash): show it.
      process.stderr.write(`  [heed] ${line}\n`);
      return;
    }
    if (entry.msg === readyMessage) announceReady();
    if ((entry.level ?? 0) < WARN) return;
    if (entry.level === WARN) logs.warnings++;
    else logs.errors++;
    if (logs.samples.length < MAX_LOG_SAMPLES) logs.samples.push(line.slice(0, 400));
  });

  let timer: NodeJS.Timeout | undefined;
  try {
    await Promise.race([
      ready,
      new Promise((_resolve, reject) => {
        child.once('exit', (code) => reject(new Error(`${source} exited with ${code} while starting`)));
      }),
      new Promise((_resolve, reject) => {
        const late = () => reject(new Error(`${source} did not start within ${START_TIMEOUT_MS} ms`));
        timer = setTimeout(late, START_TIMEOUT_MS);
      }),
    ]);
  } catch (error) {
    child.kill('SIGKILL');
    throw error;
  } finally {
    clearTimeout(timer);
  }
  const { offsetMs } = await clockOffset(child);
  const { rssBytes: idleRssBytes } = await ask<{ rssBytes: number }>(child, 'rss');
  let warmIdleRssBytes = idleRssBytes;

  return {
    clockOffsetMs: offsetMs,
    async mark() {
      ({ rssBytes: warmIdleRssBytes } = await ask<{ rssBytes: number }>(child, 'mark'));
      logs.warnings = 0;
      logs.errors = 0;
      logs.samples.length = 0;
    },
    async report() {
      const { report } = await ask<{ report: ProbeReport }>(child, 'report');
      return { ...report, idleRssBytes, warmIdleRssBytes, logs: { ...logs, samples: [...logs.samples] } };
    },
    async arrivals() {
      const { arrivals } = await ask<{ arrivals: [string, number][] }>(child, 'arrivals');
      return new Map(arrivals.map(([tag, at]) => [tag, at - offsetMs]));
    },
    async stop() {
      if (child.exitCode !== null) return child.exitCode;
      const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
      child.kill('SIGTERM');
      const deadline = setTimeout(() => child.kill('SIGKILL'), STOP_TIMEOUT_MS);
      const code = await exited;
      clearTimeout(deadline);
      return code;
    },
  };
}
