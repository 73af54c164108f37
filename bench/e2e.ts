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
import { startHeedProcess, type HeedReport } from './support/heed-process.js';
import { questionId, type ConversationPlan, type LoadResult } from './support/load.js';
import { startModelProcess, type ModelRequestTimes } from './support/model-process.js';
import type { PlatformDriver } from './support/platform-driver.js';
import { discordDriver } from './support/discord-driver.js';
import { slackDriver } from './support/slack-driver.js';
import { printTable, quantile } from './support/stats.js';

type Platform = 'slack' | 'discord';

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

/** Slack retries an event not acknowledged within this time. */
const SLACK_ACK_LIMIT_MS = 3_000;

const TARGETS = {
  overheadP99Ms: 20,
  ratio: 1.03,
  firstTextP99Ms: 50,
  instantRepliesPerSecond: 300,
  rssMb: 200,
};

interface Figures {
  platform: Platform;
  label: string;
  inFlight: number;
  model: 'streaming' | 'instant';
  replies: number;
  repliesPerSecond: number;
  e2eP50Ms: number;
  e2eP99Ms: number;
  modelP50Ms: number;
  overheadP50Ms: number;
  overheadP99Ms: number;
  ratioP50: number;
  ratioP99: number;
  firstTextP50Ms: number;
  firstTextP99Ms: number;
  ackP99Ms: number;
  /** Slack events acknowledged after 3 s (Slack would retry them; the core's claims keep the reply single). */
  lateAcks: number;
  /** Where the overhead goes, p50 / p99 (ms): getting the event in, Heed's work before the model call, after it. */
  phases: Record<'in' | 'beforeModel' | 'afterModel', [number, number]>;
  peakRssMb: number;
  /** RSS once started, before any load. */
  idleRssMb: number;
  /** Sampled peaks (MB) of what the RSS is made of. */
  memoryPeaksMb: Record<string, number>;
  cpuMsPerReply: number;
  dbBytesPerReply: number;
  errors: number;
  duplicates: number;
  /** Model requests beyond one per message sent (the core's dedupe would have to fail). */
  extraModelCalls: number;
  warnings: number;
  /** Platform API calls per reply, by method. */
  platformCallsPerReply: Record<string, number>;
  errorSamples: string[];
  heedLoopDelayP99Ms: number;
  heedLoopDelayMaxMs: number;
  loadLoopDelayP99Ms: number;
  /** CPU per reply of the other processes (fake model, load generator, fake platform), for context. */
  otherCpuMsPerReply: { model: number; load: number; platform: number };
  clockOffsetsMs: { heed: number; model: number };
}

const drivers: Record<Platform, (expectedReply: string) => Promise<PlatformDriver>> = {
  slack: slackDriver,
  discord: discordDriver,
};

const round = (value: number, digits = 2) => (Number.isFinite(value) ? Number(value.toFixed(digits)) : Number.NaN);

/** Replies per second while every conversation was running (between the last start and the first end). */
function steadyThroughput(load: LoadResult): number {
  const done = load.turns.filter((turn) => turn.doneAt !== undefined);
  const byConversation = new Map<number, { first: number; last: number }>();
  for (const turn of load.turns) {
    const span = byConversation.get(turn.conversation) ?? { first: turn.sentAt, last: turn.doneAt ?? turn.sentAt };
    span.first = Math.min(span.first, turn.sentAt);
    span.last = Math.max(span.last, turn.doneAt ?? turn.sentAt);
    byConversation.set(turn.conversation, span);
  }
  const spans = [...byConversation.values()];
  const from = Math.max(...spans.map((span) => span.first));
  const to = Math.min(...spans.map((span) => span.last));
  const inWindow = done.filter((turn) => (turn.doneAt ?? 0) > from && (turn.doneAt ?? 0) <= to).length;
  if (to - from >= 1000 && inWindow >= 20) return (inWindow / (to - from)) * 1000;
  const first = Math.min(...load.turns.map((turn) => turn.sentAt));
  const last = Math.max(...done.map((turn) => turn.doneAt ?? 0));
  return (done.length / (last - first)) * 1000;
}

function figuresOf(platform: Platform, label: string, inFlight: number, model: Figures['model'], load: LoadResult, times: ModelRequestTimes[], heed: HeedReport, arrivals: Map<string, number>, extra: Pick<Figures, 'loadLoopDelayP99Ms' | 'clockOffsetsMs' | 'otherCpuMsPerReply'>): Figures {
  const byId = new Map<string, ModelRequestTimes[]>();
  for (const request of times) {
    const id = questionId(request.last);
    if (id === undefined) continue;
    byId.set(id, [...(byId.get(id) ?? []), request]);
  }
  const sent = load.turns.filter((turn) => turn.sentAt > 0);
  const extraModelCalls = sent.reduce((sum, turn) => sum + Math.max(0, (byId.get(turn.id)?.length ?? 0) - 1), 0);
  // Each conversation's first turn is its warm-up (it starts while the others are still ramping up).
  // Each conversation's first question is not timed (it starts while the others are still ramping up),
  // unless it is the only one.
  const measured = sent.filter((turn) => turn.doneAt !== undefined && (turn.index > 0 || turnsFor(platform, inFlight, model) === 1));
  const e2e: number[] = [];
  const own: number[] = [];
  const overhead: number[] = [];
  const ratio: number[] = [];
  const firstText: number[] = [];
  const errors = [...load.errors];
  const phases = { in: [] as number[], beforeModel: [] as number[], afterModel: [] as number[] };
  for (const turn of measured) {
    const request = byId.get(turn.id)?.[0];
    if (request?.completedAt === undefined) {
      errors.push(`${turn.id}: no finished model request`);
      continue;
    }
    const total = (turn.doneAt ?? 0) - turn.sentAt;
    const modelMs = request.completedAt - request.receivedAt;
    e2e.push(total);
    own.push(modelMs);
    overhead.push(total - modelMs);
    ratio.push(total / modelMs);
    if (request.firstTokenAt !== undefined && turn.firstTextAt !== undefined) firstText.push(turn.firstTextAt - request.firstTokenAt);
    const arrivedAt = arrivals.get(turn.id);
    if (arrivedAt !== undefined) phases.in.push(arrivedAt - turn.sentAt);
    phases.beforeModel.push(request.receivedAt - (arrivedAt ?? turn.sentAt));
    phases.afterModel.push((turn.doneAt ?? 0) - request.completedAt);
  }
  const p50p99 = (values: number[]): [number, number] => [round(quantile(values, 0.5)), round(quantile(values, 0.99))];
  const acks = sent.flatMap((turn) => (turn.ackMs !== undefined ? [turn.ackMs] : []));
  if (DUMP_DIR) {
    const rows = sent.map((turn) => {
      const request = byId.get(turn.id)?.[0];
      return { id: turn.id, sentAt: turn.sentAt, arrivedAt: arrivals.get(turn.id), ackMs: turn.ackMs, firstTextAt: turn.firstTextAt, doneAt: turn.doneAt, model: request };
    });
    writeFileSync(join(DUMP_DIR, `${platform}-${model}-${inFlight}.json`), JSON.stringify(rows));
  }
  return {
    platform,
    label,
    inFlight,
    model,
    replies: sent.filter((turn) => turn.doneAt !== undefined).length,
    repliesPerSecond: round(steadyThroughput(load), 1),
    e2eP50Ms: round(quantile(e2e, 0.5)),
    e2eP99Ms: round(quantile(e2e, 0.99)),
    modelP50Ms: round(quantile(own, 0.5)),
    overheadP50Ms: round(quantile(overhead, 0.5)),
    overheadP99Ms: round(quantile(overhead, 0.99)),
    ratioP50: round(quantile(ratio, 0.5), 3),
    ratioP99: round(quantile(ratio, 0.99), 3),
    firstTextP50Ms: round(quantile(firstText, 0.5)),
    firstTextP99Ms: round(quantile(firstText, 0.99)),
    ackP99Ms: round(quantile(acks, 0.99)),
    lateAcks: acks.filter((ack) => ack > SLACK_ACK_LIMIT_MS).length,
    phases: { in: p50p99(phases.in), beforeModel: p50p99(phases.beforeModel), afterModel: p50p99(phases.afterModel) },
    peakRssMb: round(heed.peakRssBytes / 1024 / 1024, 1),
    idleRssMb: round(heed.idleRssBytes / 1024 / 1024, 1),
    memoryPeaksMb: Object.fromEntries(Object.entries(heed.memoryPeaks).map(([key, bytes]) => [key, round(bytes / 1024 / 1024, 1)])),
    cpuMsPerReply: round(heed.cpuMs / Math.max(1, heed.replies)),
    dbBytesPerReply: Math.round(heed.dbBytes / Math.max(1, heed.replies)),
    errors: errors.length + heed.logs.errors,
    duplicates: load.duplicates,
    extraModelCalls,
    warnings: heed.logs.warnings,
    platformCallsPerReply: Object.fromEntries(Object.entries(load.platformCalls).map(([method, count]) => [method, round(count / Math.max(1, sent.length))])),
    errorSamples: [...errors.slice(0, 5), ...heed.logs.samples],
    heedLoopDelayP99Ms: round(heed.loopDelayP99Ms),
    heedLoopDelayMaxMs: round(heed.loopDelayMaxMs),
    ...extra,
  };
}

/**
 * The time of a fixed CPU workload (JSON and SHA-256). This shared 2-core machine's speed varies over
 * time; printed with the results so runs can be compared.
 */
function calibrate(): number {
  const sample = { items: Array.from({ length: 50 }, (_, index) => ({ id: index, text: 'hello world '.repeat(5), value: index * 3.14 })) };
  const started = performance.now();
  let checksum = 0;
  for (let round = 0; round < 3000; round++) {
    const text = JSON.stringify(sample);
    checksum += (JSON.parse(text) as typeof sample).items.length + (createHash('sha256').update(text).digest()[0] ?? 0);
  }
  return checksum > 0 ? performance.now() - started : Number.NaN;
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
    return figuresOf(platform, label, inFlight, model, load, times, report, arrivals, {
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

const mark = (met: boolean) => (met ? 'met' : 'MISSED');
const num = (value: number, digits = 1) => (Number.isFinite(value) ? value.toFixed(digits) : 'n/a');

function printFigures(all: Figures[]): void {
  printTable(
    ['run', 'in flight', 'replies', 'replies/s', 'e2e p50/p99 ms', 'overhead p50/p99 ms', 'e2e÷model p50/p99', '1st text p50/p99 ms', 'ack p99 ms', 'acks >3 s', 'peak RSS MB', 'CPU ms/reply', 'DB B/reply', 'errors', 'dups'],
    all.map((f) => [
      f.label,
      String(f.inFlight),
      String(f.replies),
      num(f.repliesPerSecond),
      `${num(f.e2eP50Ms, 0)} / ${num(f.e2eP99Ms, 0)}`,
      `${num(f.overheadP50Ms)} / ${num(f.overheadP99Ms)}`,
      `${num(f.ratioP50, 3)} / ${num(f.ratioP99, 3)}`,
      `${num(f.firstTextP50Ms)} / ${num(f.firstTextP99Ms)}`,
      num(f.ackP99Ms),
      f.platform === 'slack' ? String(f.lateAcks) : '-',
      num(f.peakRssMb, 0),
      num(f.cpuMsPerReply, 2),
      String(f.dbBytesPerReply),
      String(f.errors),
      String(f.duplicates + f.extraModelCalls),
    ]),
  );
}

function printTargets(all: Figures[]): Record<string, { figure: string; met: boolean }> {
  const targets: Record<string, { figure: string; met: boolean }> = {};
  const streaming = all.filter((f) => f.model === 'streaming');
  for (const platform of PLATFORMS) {
    const at100 = streaming.find((f) => f.platform === platform && f.inFlight === 100);
    if (at100) {
      targets[`${platform}: overhead p99 ≤ ${TARGETS.overheadP99Ms} ms at 100 in flight`] = { figure: `${num(at100.overheadP99Ms)} ms`, met: at100.overheadP99Ms <= TARGETS.overheadP99Ms };
      targets[`${platform}: e2e ÷ model ≤ ${TARGETS.ratio} at 100 in flight (p50; p99 beside)`] = { figure: `${num(at100.ratioP50, 3)} (p99 ${num(at100.ratioP99, 3)})`, met: at100.ratioP50 <= TARGETS.ratio };
    }
    const ofPlatform = streaming.filter((f) => f.platform === platform);
    if (ofPlatform.length > 0) {
      const worst = ofPlatform.reduce((a, b) => (b.firstTextP99Ms > a.firstTextP99Ms ? b : a));
      targets[`${platform}: first text ≤ ${TARGETS.firstTextP99Ms} ms after the first token (p99, every level)`] = {
        figure: `${num(worst.firstTextP99Ms)} ms worst (at ${worst.inFlight})`,
        met: ofPlatform.every((f) => f.firstTextP99Ms <= TARGETS.firstTextP99Ms),
      };
    }
    const at500 = streaming.find((f) => f.platform === platform && f.inFlight === 500);
    if (at500) targets[`${platform}: peak RSS ≤ ${TARGETS.rssMb} MB at 500 in flight`] = { figure: `${num(at500.peakRssMb, 0)} MB`, met: at500.peakRssMb <= TARGETS.rssMb };
  }
  const instant = all.find((f) => f.platform === 'slack' && f.model === 'instant');
  if (instant) targets[`slack: ≥ ${TARGETS.instantRepliesPerSecond} replies/s with an instant model`] = { figure: `${num(instant.repliesPerSecond)} /s`, met: instant.repliesPerSecond >= TARGETS.instantRepliesPerSecond };
  const errors = all.reduce((sum, f) => sum + f.errors, 0);
  const duplicates = all.reduce((sum, f) => sum + f.duplicates + f.extraModelCalls, 0);
  targets['zero errors'] = { figure: String(errors), met: errors === 0 };
  const lateAcks = all.filter((f) => f.platform === 'slack').reduce((sum, f) => sum + f.lateAcks, 0);
  if (PLATFORMS.includes('slack')) targets['(field notes) every Slack event acknowledged within 3 s'] = { figure: `${lateAcks} late`, met: lateAcks === 0 };
  targets['zero duplicate replies'] = { figure: String(duplicates), met: duplicates === 0 };
  console.log('\nTargets (2-core machine)');
  printTable(['target', 'figure', ''], Object.entries(targets).map(([name, { figure, met }]) => [name, figure, mark(met)]));
  return targets;
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
  console.log('\nWhere the overhead goes (p50 / p99 ms): in = event sent → Heed has read it; before = → model request; after = model done → reply ended');
  printTable(
    ['run', 'in flight', 'in', 'before model', 'after model', 'Heed loop delay p99 / max', 'CPU ms/reply heed / model / load / platform'],
    all.map((f) => [
      f.label,
      String(f.inFlight),
      `${num(f.phases.in[0])} / ${num(f.phases.in[1])}`,
      `${num(f.phases.beforeModel[0])} / ${num(f.phases.beforeModel[1])}`,
      `${num(f.phases.afterModel[0])} / ${num(f.phases.afterModel[1])}`,
      `${num(f.heedLoopDelayP99Ms)} / ${num(f.heedLoopDelayMaxMs)}`,
      `${num(f.cpuMsPerReply, 2)} / ${num(f.otherCpuMsPerReply.model, 2)} / ${num(f.otherCpuMsPerReply.load, 2)} / ${num(f.otherCpuMsPerReply.platform, 2)}`,
    ]),
  );
  const targets = printTargets(all);
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
  console.log(`Machine speed (a fixed JSON + SHA-256 workload; lower is faster, ~125 ms when this machine is quiet): ${num(calibrationMs)} ms before, ${num(calibrate())} ms after.`);
  const worstOffset = Math.max(...all.flatMap((f) => [Math.abs(f.clockOffsetsMs.heed), Math.abs(f.clockOffsetsMs.model)]));
  console.log(`Clock offsets between processes, largest measured: ${num(worstOffset, 3)} ms (corrected).`);

  const resultsDir = new URL('./results/', import.meta.url);
  const results = { date: new Date().toISOString(), calibrationMs: round(calibrationMs), runtime: COMPILED ? 'node (tsc build)' : 'tsx (npm start)', durationS: round((performance.now() - started) / 1000, 1), model: MODEL, targets, runs: all };
  writeFileSync(new URL('./e2e.json', resultsDir), `${JSON.stringify(results, null, 2)}\n`);
  if (compiledDir) rmSync(compiledDir, { recursive: true, force: true });
  console.log(`\nWrote ${fileURLToPath(new URL('./e2e.json', resultsDir))} (${results.durationS} s)${PROFILE_DIR && existsSync(PROFILE_DIR) ? `; CPU profiles in ${PROFILE_DIR}` : ''}.`);
}

await main();
