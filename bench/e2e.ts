/**
 * `npm run bench`: Heed end to end, through the real adapters and the fake platform servers, with the
 * fake model streaming at a set time-to-first-token and token rate. For 1, 10, 100 and 500
 * conversations in flight (and Slack with an instant model) it prints one table, where the overhead
 * goes, the targets, and writes the figures to bench/results/e2e.json.
 *
 * Four processes per row, so that what is measured is Heed's alone:
 *  - Heed: `src/main.ts` as `npm start` runs it, with bench/support/heed-probe.ts preloaded to measure
 *    its CPU, peak RSS, event-loop delay, database growth and request arrivals; its log is read for
 *    warnings and errors; it is stopped with SIGTERM and must exit 0.
 *  - the fake model (bench/support/model-server.ts): stamps when each request arrived, when it wrote
 *    its first token and when it ended (the model's own time).
 *  - the fake platform (bench/support/platform-server.ts): stamps each reply's first text and its end
 *    as Heed's calls arrive, and checks afterwards that every question got exactly one reply.
 *  - this process: the load generator (signed Slack events over HTTP; Discord messages are dispatched
 *    by the platform process through its gateway on request).
 * Clocks are lined up with IPC round trips.
 *
 * Knobs (environment): BENCH_PLATFORMS=slack,discord  BENCH_LEVELS=1,10,100,500  BENCH_INSTANT=0 skips
 * the instant-model run, BENCH_INSTANT_IN_FLIGHT=100  BENCH_CPU_PROF=1 writes V8 CPU profiles of Heed to
 * bench/results/profiles/  BENCH_HEED_FLAGS="--node-flag …"  BENCH_RUNTIME=node (a tsc build on plain
 * node)  BENCH_DUMP=dir (every question's timestamps).
 */
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { cpSync, existsSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import type { ReplyBehaviour } from '../test/support/fake-openai.js';
import { startHeedProcess } from './support/heed-process.js';
import { questionId, type ConversationPlan, type LoadResult } from './support/load.js';
import { startModelProcess, type ModelRequestTimes } from './support/model-process.js';
import type { PlatformDriver } from './support/platform-driver.js';
import { discordDriver } from './support/discord-driver.js';
import { slackDriver } from './support/slack-driver.js';
import { figuresOf, num, printFigures, printPhases, printTargets, round, type Figures, type Platform } from './support/figures.js';

// A brisk hosted model: 250 ms to the first token, then a chunk of 8 characters every 15 ms.
const FIRST_TOKEN_MS = 250;
const TOKEN_INTERVAL_MS = 15;
const CHUNK_SIZE = 8;
const REPLY = 'Rotate them from the admin console, then update the secret store and redeploy. '.repeat(2).trim();
const MODEL: ReplyBehaviour = { reply: REPLY, chunkSize: CHUNK_SIZE, firstTokenDelayMs: FIRST_TOKEN_MS, tokenIntervalMs: TOKEN_INTERVAL_MS };
const INSTANT_MODEL: ReplyBehaviour = { reply: REPLY, chunkSize: CHUNK_SIZE, firstTokenDelayMs: 0, tokenIntervalMs: 0 };
/** A conversation asks this many questions in one thread (Slack) or reply chain (Discord), then starts another. */
const TURNS_PER_THREAD = 4;
/** One model reply's own time, roughly: conversations start spread over it. */
const REPLY_MS = FIRST_TOKEN_MS + (Math.ceil(REPLY.length / CHUNK_SIZE) - 1) * TOKEN_INTERVAL_MS;

const LEVELS = (process.env.BENCH_LEVELS ?? '1,10,100,500').split(',').filter((level) => level.trim() !== '').map(Number);
const PLATFORMS = (process.env.BENCH_PLATFORMS ?? 'slack,discord').split(',') as Platform[];
const INSTANT = process.env.BENCH_INSTANT !== '0';
const PROFILE_DIR = process.env.BENCH_CPU_PROF === '1' ? fileURLToPath(new URL('./results/profiles/', import.meta.url)) : undefined;
const INSTANT_IN_FLIGHT = Number(process.env.BENCH_INSTANT_IN_FLIGHT ?? 100);
/** BENCH_RUNTIME=node runs a tsc build of Heed with plain node instead of `tsx src/main.ts` (what tsx costs). */
const COMPILED = process.env.BENCH_RUNTIME === 'node';
/** BENCH_HEED_FLAGS="--flag …" passes Node.js flags to the Heed process only. */
const HEED_FLAGS = (process.env.BENCH_HEED_FLAGS ?? '').split(' ').filter((flag) => flag !== '');
/** BENCH_DUMP=dir writes every turn's timestamps there, for looking into a figure. */
const DUMP_DIR = process.env.BENCH_DUMP;

/**
 * Questions per conversation at each level: enough samples in bounded time. Discord gets fewer: the
 * client keeps to Discord's 50 requests a second for the whole bot, so its replies queue from about
 * 10 in flight on, and a row takes as long as its replies ÷ that rate.
 */
function turnsFor(platform: Platform, inFlight: number, model: 'streaming' | 'instant'): number {
  if (model === 'instant') return 20;
  if (platform === 'discord') return inFlight <= 1 ? 20 : inFlight <= 10 ? 6 : inFlight <= 100 ? 2 : 1;
  return inFlight <= 1 ? 40 : inFlight <= 10 ? 15 : inFlight <= 100 ? 8 : 5;
}

/** The warm-up before each measured row (JIT, connection pools, caches): conversations × questions. */
const WARM_UP: Record<Platform, { conversations: number; turns: number }> = {
  slack: { conversations: 20, turns: 5 },
  discord: { conversations: 10, turns: 4 },
};

const drivers: Record<Platform, (expectedReply: string) => Promise<PlatformDriver>> = {
  slack: slackDriver,
  discord: discordDriver,
};

/**
 * The time of a fixed CPU workload (JSON and SHA-256). This shared 2-core machine's speed varies over
 * time; printed with the results so runs can be compared.
 */
function calibrate(): number {
  const sample = { items: Array.from({ length: 50 }, (_, index) => ({ id: index, text: 'hello world '.repeat(5), value: index * 3.14 })) };
  let checksum = 0;
  let started = performance.now();
  // The first 1,000 rounds warm the JIT up; the time counts from there.
  for (let round = 0; round < 4000; round++) {
    if (round === 1000) started = performance.now();
    const text = JSON.stringify(sample);
    checksum += (JSON.parse(text) as typeof sample).items.length + (createHash('sha256').update(text).digest()[0] ?? 0);
  }
  return checksum > 0 ? performance.now() - started : Number.NaN;
}

/** Every question's timestamps and its model request, for looking into a figure (BENCH_DUMP). */
function dump(name: string, load: LoadResult, times: ModelRequestTimes[], arrivals: Map<string, number>): void {
  const byId = new Map(times.map((request) => [questionId(request.last), request]));
  const rows = load.turns.map((turn) => ({ id: turn.id, sentAt: turn.sentAt, arrivedAt: arrivals.get(turn.id), ackMs: turn.ackMs, firstTextAt: turn.firstTextAt, doneAt: turn.doneAt, model: byId.get(turn.id) }));
  writeFileSync(join(DUMP_DIR ?? '.', `${name}.json`), JSON.stringify(rows));
}

/** A tsc build of the project beside its migrations and node_modules, for BENCH_RUNTIME=node. */
function buildCompiled(): string {
  const root = fileURLToPath(new URL('..', import.meta.url));
  const out = mkdtempSync(join(tmpdir(), 'heed-bench-build-'));
  execFileSync(process.execPath, [join(root, 'node_modules/typescript/bin/tsc'), '-p', root, '--noEmit', 'false', '--outDir', out, '--rootDir', root], { stdio: 'inherit' });
  cpSync(join(root, 'migrations'), join(out, 'migrations'), { recursive: true });
  cpSync(join(root, 'package.json'), join(out, 'package.json'));
  symlinkSync(join(root, 'node_modules'), join(out, 'node_modules'));
  return out;
}

let compiledDir: string | undefined;

/** One level: fresh processes, a short warm-up, then the measured conversations. */
async function runLevel(platform: Platform, inFlight: number, model: Figures['model']): Promise<Figures> {
  const modelProcess = await startModelProcess(model === 'instant' ? INSTANT_MODEL : MODEL);
  const driver = await drivers[platform](REPLY);
  const dir = mkdtempSync(join(tmpdir(), 'heed-bench-e2e-'));
  const heed = await startHeedProcess({
    cwd: dir,
    env: {
      DATABASE_PATH: join(dir, 'heed.db'),
      OPENAI_BASE_URL: modelProcess.url,
      OPENAI_API_KEY: 'sk-bench-key-for-fake-model',
      OPENAI_MODEL: 'fake-model',
      OPENAI_MAX_RETRIES: '0',
      // One person per conversation writes faster than any person would: the limit is not under test.
      HEED_RATE_LIMIT_PER_MINUTE: '0',
      ...driver.env,
    },
    ...(PROFILE_DIR ? { cpuProfileDir: PROFILE_DIR } : {}),
    ...(HEED_FLAGS.length > 0 ? { nodeFlags: HEED_FLAGS } : {}),
    ...(compiledDir ? { compiledDir } : {}),
  });
  const loadLoop = monitorEventLoopDelay({ resolution: 10 });
  try {
    const base: Omit<ConversationPlan, 'conversations' | 'turns' | 'idPrefix'> = {
      staggerMs: model === 'instant' ? 50 : REPLY_MS,
      // Discord's replies queue behind its request-rate limit: at 500 in flight one round takes ~40 s.
      turnTimeoutMs: platform === 'discord' ? 90_000 : 30_000,
      deadlineMs: 60_000,
      turnsPerThread: TURNS_PER_THREAD,
      expectedReply: REPLY,
    };
    // Warm-up: not timed, but its errors and duplicates count.
    const warmUp = await driver.run({ ...base, ...WARM_UP[platform], idPrefix: 'warm' });
    await heed.mark();
    const modelCpuBefore = await modelProcess.cpuMs();
    const platformCpuBefore = await driver.cpuMs();
    const loadCpuBefore = process.cpuUsage();
    loadLoop.enable();
    const load = await driver.run({ ...base, conversations: inFlight, turns: turnsFor(platform, inFlight, model), idPrefix: `m${inFlight}` });
    load.errors.push(...warmUp.errors.map((error) => `warm-up ${error}`));
    load.duplicates += warmUp.duplicates;
    loadLoop.disable();
    const loadCpu = process.cpuUsage(loadCpuBefore);
    const modelCpuMs = (await modelProcess.cpuMs()) - modelCpuBefore;
    const platformCpuMs = (await driver.cpuMs()) - platformCpuBefore;
    const report = await heed.report();
    const times = await modelProcess.requestTimes();
    const arrivals = await heed.arrivals();
    const label = model === 'instant' ? `${platform}, instant model` : platform;
    // SIGTERM as in production: Heed must finish, close its database and exit 0.
    const exitCode = await heed.stop();
    if (exitCode !== 0) load.errors.push(`Heed exited with ${exitCode} after SIGTERM`);
    if (DUMP_DIR) dump(`${platform}-${model}-${inFlight}`, load, times, arrivals);
    const records = { platform, label, inFlight, model, timeFirstQuestion: turnsFor(platform, inFlight, model) === 1, load, modelRequests: times, heed: report, arrivals };
    return figuresOf(records, {
      // The histogram's values include its 10 ms sampling interval.
      loadLoopDelayP99Ms: round(Math.max(0, loadLoop.percentile(99) / 1e6 - 10)),
      otherCpuMsPerReply: {
        model: round(modelCpuMs / Math.max(1, report.replies)),
        load: round((loadCpu.user + loadCpu.system) / 1000 / Math.max(1, report.replies)),
        platform: round(platformCpuMs / Math.max(1, report.replies)),
      },
      clockOffsetsMs: { heed: round(heed.clockOffsetMs, 3), model: round(modelProcess.clockOffsetMs, 3) },
    });
  } finally {
    await heed.stop();
    await modelProcess.close();
    await driver.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

async function main(): Promise<void> {
  const started = performance.now();
  const calibrationMs = calibrate();
  console.log('Heed end-to-end benchmark');
  console.log('  Processes (a 2-core machine, so four of them): Heed alone, started as `npm start` starts it (tsx src/main.ts,');
  console.log('  config in its environment; Slack in HTTP mode) with a passive probe preloaded to measure it; the fake model; the');
  console.log('  fake platform (it stamps Heed\'s calls as they arrive); and this one, the load generator. None shares Heed\'s');
  console.log('  event loop or CPU accounting; their own CPU per reply is shown beside Heed\'s. Clocks are lined up by IPC round trips.');
  console.log(`  Model: ${FIRST_TOKEN_MS} ms to the first token, ${CHUNK_SIZE} characters every ${TOKEN_INTERVAL_MS} ms, ${REPLY.length}-character reply (~${REPLY_MS} ms).`);
  console.log(`  Load: closed loop, one person per conversation; ${TURNS_PER_THREAD} questions per thread (Slack: each an app_mention plus its`);
  console.log('  message twin, as Slack sends both), the next sent when the reply has ended; conversations start spread over one');
  console.log('  reply\'s time, and each one\'s first question is not timed. A fresh Heed, database and fake servers per row.');
  console.log('  overhead = e2e − the model\'s own time for that request; 1st text = first reply text at the platform − model\'s first token.\n');

  if (COMPILED) {
    console.log('  BENCH_RUNTIME=node: building with tsc and running plain node instead of tsx …');
    compiledDir = buildCompiled();
  }
  const all: Figures[] = [];
  for (const platform of PLATFORMS) {
    for (const inFlight of LEVELS) {
      process.stdout.write(`  ${platform}, ${inFlight} in flight … `);
      const figures = await runLevel(platform, inFlight, 'streaming');
      console.log(`${figures.replies} replies, ${num(figures.repliesPerSecond)}/s, overhead p99 ${num(figures.overheadP99Ms)} ms`);
      all.push(figures);
    }
    if (INSTANT && platform === 'slack') {
      process.stdout.write(`  ${platform}, instant model, ${INSTANT_IN_FLIGHT} in flight … `);
      const figures = await runLevel(platform, INSTANT_IN_FLIGHT, 'instant');
      console.log(`${figures.replies} replies, ${num(figures.repliesPerSecond)}/s`);
      all.push(figures);
    }
  }

  console.log('');
  printFigures(all);
  printPhases(all);
  const targets = printTargets(all, PLATFORMS);
  const samples = all.flatMap((f) => f.errorSamples.map((sample) => `${f.label} ${f.inFlight}: ${sample}`));
  if (samples.length > 0) {
    console.log('\nErrors and warnings (first few):');
    for (const sample of samples.slice(0, 10)) console.log(`  ${sample}`);
  }
  const loadDelay = Math.max(...all.map((f) => f.loadLoopDelayP99Ms));
  const heedDelay = Math.max(...all.map((f) => f.heedLoopDelayP99Ms));
  console.log(`\nEvent-loop delay p99, worst row: Heed ${num(heedDelay)} ms, load generator ${num(loadDelay)} ms.`);
  console.log('Platform calls per question (last row of each platform):');
  for (const platform of PLATFORMS) {
    const last = all.filter((f) => f.platform === platform).at(-1);
    if (last) console.log(`  ${platform}: ${Object.entries(last.platformCallsPerReply).map(([call, count]) => `${call} ${count}`).join(', ')}`);
  }
  console.log(`Machine speed (a fixed JSON + SHA-256 workload; lower is faster): ${num(calibrationMs)} ms before, ${num(calibrate())} ms after.`);
  const worstOffset = Math.max(...all.flatMap((f) => [Math.abs(f.clockOffsetsMs.heed), Math.abs(f.clockOffsetsMs.model)]));
  console.log(`Clock offsets between processes, largest measured: ${num(worstOffset, 3)} ms (corrected).`);

  const resultsDir = new URL('./results/', import.meta.url);
  const results = { date: new Date().toISOString(), calibrationMs: round(calibrationMs), runtime: COMPILED ? 'node (tsc build)' : 'tsx (npm start)', durationS: round((performance.now() - started) / 1000, 1), model: MODEL, targets, runs: all };
  writeFileSync(new URL('./e2e.json', resultsDir), `${JSON.stringify(results, null, 2)}\n`);
  if (compiledDir) rmSync(compiledDir, { recursive: true, force: true });
  console.log(`\nWrote ${fileURLToPath(new URL('./e2e.json', resultsDir))} (${results.durationS} s)${PROFILE_DIR && existsSync(PROFILE_DIR) ? `; CPU profiles in ${PROFILE_DIR}` : ''}.`);
}

await main();
