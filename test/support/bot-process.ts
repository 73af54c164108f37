/**
 * The real bot in a child process, started from its source (`node --import tsx src/main.ts`, what
 * `npm run dev` runs) so that tests never run a stale build; test/cli/build.test.ts checks that
 * `npm start` runs the build of that same entry. With an environment pointing at fakes that live in the
 * test process, so they survive the child being killed. The child logs JSON lines to stderr; this
 * helper parses them, learns the HTTP port from the "Slack adapter started" line, and lets a test wait
 * for any line instead of sleeping.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

/** The project root: where `src/main.ts` and `node_modules` are. */
const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const TSX_LOADER = pathToFileURL(join(ROOT, 'node_modules/tsx/dist/loader.mjs')).href;

/** One parsed log line of the child (pino JSON). */
export interface ChildLog {
  level: number;
  msg: string;
  [key: string]: unknown;
}

/** How the child ended. */
export interface ChildExit {
  code: number | null;
  signal: NodeJS.Signals | null;
}

export interface BotProcess {
  pid: number;
  /** The HTTP port the Slack adapter listens on. */
  port: number;
  /** `http://127.0.0.1:PORT` */
  baseUrl: string;
  /** Every JSON log line so far, in order. */
  logs: ChildLog[];
  /** Everything the child wrote that was not a JSON log line (for failure messages). */
  otherOutput(): string;
  /** Resolves with the first log line (past or future) matching `match`; rejects if the child exits first. */
  waitForLog(match: (line: ChildLog) => boolean): Promise<ChildLog>;
  /** Resolves when the child has exited. */
  exited: Promise<ChildExit>;
  /** Resolves when the child's output has closed: it and every process it started that shares it have exited. */
  closed: Promise<void>;
  /** Send a signal (SIGKILL, SIGTERM …). */
  signal(signal: NodeJS.Signals): void;
  /** SIGKILL the child if it still runs, and wait for it to be gone. */
  kill(): Promise<ChildExit>;
}

export interface StartBotOptions {
  /** The bot's environment (the parent's is not inherited, so a developer's own settings cannot leak in). */
  env: Record<string, string>;
  /** Entry module relative to the project root; default `src/main.ts`. */
  entry?: string;
}

/**
 * Start the bot and wait until its Slack adapter listens. Rejects with the child's output if it exits
 * before that. The child runs in an empty temporary directory, so no `.env` file is read.
 */
export async function startBotProcess(options: StartBotOptions): Promise<BotProcess> {
  const cwd = mkdtempSync(join(tmpdir(), 'heed-bot-cwd-'));
  const child: ChildProcess = spawn(
    process.execPath,
    ['--import', TSX_LOADER, join(ROOT, options.entry ?? 'src/main.ts')],
    {
      cwd,
      env: { PATH: process.env.PATH ?? '', ...options.env },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  const logs: ChildLog[] = [];
  const other: string[] = [];
  const waiters: Array<{
    match: (line: ChildLog) => boolean;
    resolve: (line: ChildLog) => void;
    reject: (error: Error) => void;
  }> = [];
  let exit: ChildExit | undefined;

  const exited = new Promise<ChildExit>((resolve) => {
    child.once('exit', (code, signal) => {
      exit = { code, signal };
      rmSync(cwd, { recursive: true, force: true });
      for (const waiter of waiters.splice(0))
        waiter.reject(new Error(`the bot exited (${code ?? signal}) before the awaited log line:\n${otherOutput()}`));
      resolve(exit);
    });
  });
  const otherOutput = () => [...other, ...logs.slice(-20).map((line) => JSON.stringify(line))].join('\n');

  const readLines = (stream: NodeJS.ReadableStream | null) => {
    let buffered = '';
    stream?.setEncoding('utf8');
    stream?.on('data', (text: string) => {
      buffered += text;
      let newline = buffered.indexOf('\n');
      while (newline >= 0) {
        accept(buffered.slice(0, newline));
        buffered = buffered.slice(newline + 1);
        newline = buffered.indexOf('\n');
      }
    });
  };
  const accept = (raw: string) => {
    if (raw.trim() === '') return;
    let line: ChildLog;
    try {
      line = JSON.parse(raw) as ChildLog;
    } catch {
      other.push(raw);
      return;
    }
    logs.push(line);
    for (let index = waiters.length - 1; index >= 0; index--) {
      const waiter = waiters[index];
      if (waiter?.match(line)) {
        waiters.splice(index, 1);
        waiter.resolve(line);
      }
    }
  };
  readLines(child.stdout);
  readLines(child.stderr);
  const closed = new Promise<void>((resolve) => child.once('close', () => resolve()));

  const waitForLog = (match: (line: ChildLog) => boolean): Promise<ChildLog> => {
    const seen = logs.find(match);
    if (seen) return Promise.resolve(seen);
    if (exit) return Promise.reject(new Error(`the bot has exited (${exit.code ?? exit.signal}):\n${otherOutput()}`));
    return new Promise((resolve, reject) => waiters.push({ match, resolve, reject }));
  };

  const signal = (name: NodeJS.Signals) => {
    if (!exit) child.kill(name);
  };
  const kill = async () => {
    signal('SIGKILL');
    return exited;
  };

  let started: ChildLog;
  try {
    started = await waitForLog((line) => line.msg === 'Slack adapter started');
  } catch (error) {
    await kill();
    throw error;
  }
  const port = Number(started.port);
  return {
    pid: child.pid ?? 0,
    port,
    baseUrl: `http://127.0.0.1:${port}`,
    logs,
    otherOutput,
    waitForLog,
    exited,
    closed,
    signal,
    kill,
  };
}
