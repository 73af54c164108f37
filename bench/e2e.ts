/**
 * `npm run bench`: Heed end to end, through the real adapters and the fake platform servers, with the
 * fake model streaming at a set time-to-first-token and token rate, beside the obvious bot of
 * bench/baseline/ under the same load in the same run (Slack). For each level of conversations in
 * flight (and with an instant model) it prints one table, where the overhead goes, Heed beside the
 * baseline with the ratio Heed ÷ baseline and issue 12's targets, and writes the figures to
 * bench/results/e2e.json.
 *
 * Four processes per row, so that what is measured is the bot's alone:
 *  - the bot: Heed (`main.js` of a tsc build, as `npm start` runs dist/main.js) or the baseline, both
 *    on plain node with bench/support/heed-probe.ts preloaded to measure its CPU, peak RSS, event-loop
 *    delay, database growth and request arrivals; its log is read for warnings and errors; it is
 *    stopped with SIGTERM and must exit 0.
 *  - the fake model (bench/support/model-server.ts): stamps when each request arrived, when it wrote
 *    its first token and when it ended (the model's own time).
 *  - the fake platform (bench/support/platform-server.ts): stamps each reply's first text and its end
 *    as Heed's calls arrive, and checks afterwards that every question got exactly one reply.
 *  - this process: the load generator (signed Slack events over HTTP; Discord messages are dispatched
 *    by the platform process through its gateway on request).
 * Clocks are lined up with IPC round trips.
 *
 * Knobs (environment), defaults first: BENCH_PLATFORMS=slack (add discord: Heed alone, no baseline)
 * BENCH_LEVELS=100,500  BENCH_INSTANT=0 skips the instant-model run, BENCH_INSTANT_IN_FLIGHT=100
 * BENCH_BASELINE=0 skips the baseline  BENCH_TURNS=n questions per conversation (fewer: a quicker run)
 * BENCH_HEED_ENV="NAME=value …" configures the Heed process only
 * BENCH_CPU_PROF=1 writes V8 CPU profiles of both bots to bench/results/profiles/  BENCH_HEED_FLAGS="--flag …"
 * BENCH_RUNTIME=tsx (Heed's TypeScript through tsx instead of the build)  BENCH_DUMP=dir (every
 * question's timestamps).
 *
 * `npm run bench -- --replicas 1,2,3`: instead, several Heed processes ("replicas") sharing one fresh
 * PostgreSQL database per row (DATABASE_URL; exactly-once replies come from claims in it), one fake
 * Slack and one fake model, the events spread round-robin over the replicas (a mention and its twin to
 * different ones, as a load balancer would); plus one replica on SQLite under the same load. Slack and
 * the realistic model only; BENCH_LEVELS (default 100 here), BENCH_TURNS, BENCH_CPU_PROF,
 * BENCH_HEED_FLAGS, BENCH_RUNTIME and BENCH_DUMP apply; BENCH_POSTGRES_URL names the server the
 * databases are made on (default postgres://postgres@127.0.0.1:5432/test); psql must be installed.
 * PostgreSQL's CPU for the row's database is read from /proc. Written to bench/results/e2e-replicas.json.
 */
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { cpSync, existsSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import type { ReplyBehaviour } from '../test/support/fake-openai.js';
import { startHeedProcess, type HeedProcess, type HeedReport } from './support/heed-process.js';
import { questionId, type ConversationPlan, type LoadResult } from './support/load.js';
import { startModelProcess, type ModelRequestTimes } from './support/model-process.js';
import type { PlatformDriver } from './support/platform-driver.js';
import { discordDriver } from './support/discord-driver.js';
import { slackDriver } from './support/slack-driver.js';
import { compare, printComparison } from './support/compare.js';
import { delayMs, loopDelayHistogram } from './support/ipc.js';
import { figuresOf, num, printFigures, printPhases, printSpeedDrift, printTargets, round } from './support/figures.js';
import type { Bot, Figures, Platform } from './support/figures.js';
import { createBenchDatabase, watchPostgresCpu, type BenchDatabase } from './support/postgres.js';
import {
  combineReports,
  printReplicas,
  replicaRowName,
  type Deployment,
  type ReplicaFigures,
  type ReplicaRow,
} from './support/replicas.js';

// Issue 12's realistic model: the first token after 300 ms, then 60 tokens 10 ms apart (4 characters each).
const FIRST_TOKEN_MS = 300;
const TOKEN_INTERVAL_MS = 10;
const CHUNK_SIZE = 4;
// 240 characters: 60 tokens, and short enough that Bolt's default 256-character stream buffer holds it.
const REPLY =
  'Rotate the keys from the admin console first. Then update the secret store with the new values, ' +
  'redeploy every service that reads them, and check the logs for authentication errors. ' +
  'Once nothing fails for one whole day, revoke the old keys.';
const MODEL: ReplyBehaviour = {
  reply: REPLY,
  chunkSize: CHUNK_SIZE,
  firstTokenDelayMs: FIRST_TOKEN_MS,
  tokenIntervalMs: TOKEN_INTERVAL_MS,
};
const INSTANT_MODEL: ReplyBehaviour = { reply: REPLY, chunkSize: CHUNK_SIZE, firstTokenDelayMs: 0, tokenIntervalMs: 0 };
/** A conversation asks this many questions in one thread (Slack) or reply chain (Discord), then starts another. */
const TURNS_PER_THREAD = 4;
/** One model reply's own time, roughly: conversations start spread over it. */
const REPLY_MS = FIRST_TOKEN_MS + (Math.ceil(REPLY.length / CHUNK_SIZE) - 1) * TOKEN_INTERVAL_MS;

/** `--replicas 1,2,3`: the replicas run (see the top of this file); absent, the usual run. */
const REPLICAS = replicaCounts();
const LEVELS = (process.env.BENCH_LEVELS ?? (REPLICAS ? '100' : '100,500'))
  .split(',')
  .filter((level) => level.trim() !== '')
  .map(Number);
const PLATFORMS = (process.env.BENCH_PLATFORMS ?? 'slack').split(',') as Platform[];
const INSTANT = process.env.BENCH_INSTANT !== '0';
const PROFILE_DIR =
  process.env.BENCH_CPU_PROF === '1' ? fileURLToPath(new URL('./results/profiles/', import.meta.url)) : undefined;
const INSTANT_IN_FLIGHT = Number(process.env.BENCH_INSTANT_IN_FLIGHT ?? 100);
/** Heed and the baseline run from a tsc build on plain node, as `npm start` does; BENCH_RUNTIME=tsx runs the source. */
const COMPILED = process.env.BENCH_RUNTIME !== 'tsx';
/** The baseline runs beside Heed at every Slack level; BENCH_BASELINE=0 skips it. */
const BASELINE = process.env.BENCH_BASELINE !== '0';
/** BENCH_TURNS=n: questions per conversation at every level instead of the defaults below. */
const TURNS = process.env.BENCH_TURNS === undefined ? undefined : Number(process.env.BENCH_TURNS);
/** BENCH_HEED_FLAGS="--flag …" passes Node.js flags to the Heed process only. */
const HEED_FLAGS = (process.env.BENCH_HEED_FLAGS ?? '').split(' ').filter((flag) => flag !== '');
/** BENCH_HEED_ENV="NAME=value …" adds configuration to the Heed process only (HEED_MAX_REPLIES_IN_FLIGHT=64, say). */
const HEED_ENV: Record<string, string> = Object.fromEntries(
  (process.env.BENCH_HEED_ENV ?? '')
    .split(' ')
    .filter((pair) => pair.includes('='))
    .map((pair) => [pair.slice(0, pair.indexOf('=')), pair.slice(pair.indexOf('=') + 1)]),
);
/** BENCH_DUMP=dir writes every turn's timestamps there, for looking into a figure. */
const DUMP_DIR = process.env.BENCH_DUMP;

/** The counts of `--replicas`, or undefined without the flag. */
function replicaCounts(): number[] | undefined {
  const { values } = parseArgs({ options: { replicas: { type: 'string' } }, strict: true });
  if (values.replicas === undefined) return undefined;
  const counts = values.replicas.split(',').map((count) => Number(count.trim()));
  if (counts.length === 0 || counts.some((count) => !Number.isInteger(count) || count < 1)) {
    console.error(`--replicas expects counts of Heed processes such as 1,2,3, not "${values.replicas}".`);
    process.exit(2);
  }
  return counts;
}

/**
 * Questions per conversation at each level: enough samples in bounded time. Discord gets fewer: the
 * client keeps to Discord's 50 requests a second for the whole bot, so its replies queue from about
 * 10 in flight on, and a row takes as long as its replies ÷ that rate. Not fewer than 6 up to 100 in
 * flight, though: the replies then end in bursts, one per second of that budget, and replies/s is counted
 * while every conversation runs; with 2 questions each that stretch held one burst or two, and the figure
 * read 11 or 35 replies/s for the same code.
 */
function turnsFor(platform: Platform, inFlight: number, model: 'streaming' | 'instant'): number {
  if (TURNS !== undefined && TURNS > 0) return TURNS;
  if (model === 'instant') return 20;
  if (platform === 'discord') return inFlight <= 1 ? 20 : inFlight <= 100 ? 6 : 1;
  return inFlight <= 1 ? 40 : inFlight <= 10 ? 15 : inFlight <= 100 ? 8 : 5;
}

/** The warm-up before each measured row (JIT, connection pools, caches): conversations × questions. */
const WARM_UP: Record<Platform, { conversations: number; turns: number }> = {
  slack: { conversations: 20, turns: 5 },
  discord: { conversations: 10, turns: 4 },
};

const drivers: Record<
  Platform,
  (expectedReply: string, baseline: boolean, replicas: number) => Promise<PlatformDriver>
> = {
  slack: slackDriver,
  discord: discordDriver,
};

/**
 * The time of a fixed CPU workload (JSON and SHA-256). This shared 2-core machine's speed varies over
 * time; printed with the results so runs can be compared.
 */
function calibrate(): number {
  const sample = {
    items: Array.from({ length: 50 }, (_, index) => ({
      id: index,
      text: 'hello world '.repeat(5),
      value: index * 3.14,
    })),
  };
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
  const rows = load.turns.map((turn) => ({
    id: turn.id,
    sentAt: turn.sentAt,
    arrivedAt: arrivals.get(turn.id),
    ackMs: turn.ackMs,
    firstTextAt: turn.firstTextAt,
    doneAt: turn.doneAt,
    model: byId.get(turn.id),
  }));
  writeFileSync(join(DUMP_DIR ?? '.', `${name}.json`), JSON.stringify(rows));
}

/** A tsc build of the project (src, bench) beside its migrations and node_modules: what Heed and the baseline run. */
function buildCompiled(): string {
  const root = fileURLToPath(new URL('..', import.meta.url));
  const out = mkdtempSync(join(tmpdir(), 'heed-bench-build-'));
  execFileSync(
    process.execPath,
    [
      join(root, 'node_modules/typescript/bin/tsc'),
      '-p',
      root,
      '--noEmit',
      'false',
      '--outDir',
      out,
      '--rootDir',
      root,
    ],
    { stdio: 'inherit' },
  );
  cpSync(join(root, 'migrations'), join(out, 'migrations'), { recursive: true });
  cpSync(join(root, 'package.json'), join(out, 'package.json'));
  symlinkSync(join(root, 'node_modules'), join(out, 'node_modules'));
  return out;
}

let compiledDir: string | undefined;

/** A row's name: the bot, the platform, and the model when it is the instant one. */
const rowName = (bot: string, platform: Platform, model: Figures['model']): string =>
  [bot, platform, ...(model === 'instant' ? ['instant model'] : [])].join(', ');

/**
 * One level of one bot: fresh processes, a short warm-up, then the measured conversations. With a
 * `deployment` (the replicas run), that many Heed processes on that database, and the row carries
 * `replicas` figures; without, one process on SQLite as in the usual run.
 */
async function runLevel(
  bot: Bot,
  platform: Platform,
  inFlight: number,
  model: Figures['model'],
  deployment?: Deployment,
): Promise<Figures & { replicas?: ReplicaFigures }> {
  const modelProcess = await startModelProcess(model === 'instant' ? INSTANT_MODEL : MODEL);
  const driver = await drivers[platform](REPLY, bot === 'baseline', deployment?.replicas ?? 1);
  const dir = mkdtempSync(join(tmpdir(), 'heed-bench-e2e-'));
  let postgres: BenchDatabase | undefined;
  const heeds: HeedProcess[] = [];
  const loadLoop = loopDelayHistogram();
  try {
    if (deployment?.database === 'postgres') postgres = await createBenchDatabase();
    const database: Record<string, string> = postgres
      ? { DATABASE_URL: postgres.url }
      : { DATABASE_PATH: join(dir, 'heed.db') };
    // One after the other: the first migrates the database, the next ones find it ready.
    for (const platformEnv of driver.replicaEnvs ?? [driver.env]) {
      heeds.push(
        await startHeedProcess({
          cwd: dir,
          env: {
            ...database,
            OPENAI_BASE_URL: modelProcess.url,
            OPENAI_API_KEY: 'sk-bench-key-for-fake-model',
            OPENAI_MODEL: 'fake-model',
            OPENAI_MAX_RETRIES: '0',
            // One person per conversation writes faster than any person would: the limit is not under test.
            HEED_RATE_LIMIT_PER_MINUTE: '0',
            ...platformEnv,
            ...(bot === 'heed' ? HEED_ENV : {}),
          },
          ...(PROFILE_DIR ? { cpuProfileDir: PROFILE_DIR } : {}),
          ...(bot === 'heed' && HEED_FLAGS.length > 0 ? { nodeFlags: HEED_FLAGS } : {}),
          ...(compiledDir ? { compiledDir } : {}),
          ...(bot === 'baseline' ? { entry: 'bench/baseline/bot', readyMessage: 'baseline is running' } : {}),
        }),
      );
      // A build without the PostgreSQL backend ignores DATABASE_URL and opens ./data/heed.db of its
      // own: every replica would answer every event, so stop here rather than print such a row.
      if (postgres && heeds.length === 1 && (await postgres.tableCount()) === 0)
        throw new Error(
          'Heed started with DATABASE_URL but created no table in PostgreSQL: this build has no PostgreSQL backend yet.',
        );
    }

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
    for (const heed of heeds) await heed.mark();
    const dbBytesBefore = postgres ? await postgres.sizeBytes() : 0;
    const postgresCpu = postgres ? await watchPostgresCpu(postgres.name) : undefined;
    const modelCpuBefore = await modelProcess.cpuMs();
    const platformCpuBefore = await driver.cpuMs();
    // Each call returns the delay since the last and starts over: this one starts the measured window.
    await Promise.all([modelProcess.loopDelayP99Ms(), driver.loopDelayP99Ms()]);
    const loadCpuBefore = process.cpuUsage();
    loadLoop.enable();
    const load = await driver.run({
      ...base,
      conversations: inFlight,
      turns: turnsFor(platform, inFlight, model),
      idPrefix: `m${inFlight}`,
    });
    load.errors.push(...warmUp.errors.map((error) => `warm-up ${error}`));
    load.duplicates += warmUp.duplicates;
    loadLoop.disable();
    const loadCpu = process.cpuUsage(loadCpuBefore);
    const [modelLoopDelayP99Ms, platformLoopDelayP99Ms] = await Promise.all([
      modelProcess.loopDelayP99Ms(),
      driver.loopDelayP99Ms(),
    ]);
    const modelCpuMs = (await modelProcess.cpuMs()) - modelCpuBefore;
    const platformCpuMs = (await driver.cpuMs()) - platformCpuBefore;
    const postgresUse = await postgresCpu?.stop();
    const reports = await Promise.all(heeds.map((heed) => heed.report()));
    const combined = combineReports(reports);
    const report = postgres ? await onPostgres(combined, load, postgres, dbBytesBefore) : combined;
    const times = await modelProcess.requestTimes();
    const arrivals = new Map<string, number>();
    for (const heed of heeds) for (const [tag, at] of await heed.arrivals()) arrivals.set(tag, at);
    const label = deployment
      ? replicaRowName(deployment)
      : rowName(bot === 'baseline' ? 'baseline' : 'Heed', platform, model);
    // SIGTERM as in production: Heed must finish, close its database and exit 0.
    for (const [index, heed] of heeds.entries()) {
      const exitCode = await heed.stop();
      const which = heeds.length > 1 ? ` replica ${index + 1}` : '';
      if (exitCode !== 0) load.errors.push(`${bot}${which} exited with ${exitCode} after SIGTERM`);
    }
    const dumpName = deployment ? `${deployment.database}-${deployment.replicas}` : `${bot}-${platform}-${model}`;
    if (DUMP_DIR) dump(`${dumpName}-${inFlight}`, load, times, arrivals);
    const timeFirstQuestion = turnsFor(platform, inFlight, model) === 1;
    const records = { bot, platform, label, inFlight, model, timeFirstQuestion, load, modelRequests: times, arrivals };
    // The replica whose clock is furthest off stands for all.
    const heedOffset = heeds.map((heed) => heed.clockOffsetMs).reduce((a, b) => (Math.abs(b) > Math.abs(a) ? b : a));
    const figures = figuresOf(
      { ...records, heed: report },
      {
        loadLoopDelayP99Ms: round(delayMs(loadLoop.percentile(99))),
        harnessLoopDelayP99Ms: { model: round(modelLoopDelayP99Ms), platform: round(platformLoopDelayP99Ms) },
        otherCpuMsPerReply: {
          model: round(modelCpuMs / Math.max(1, report.replies)),
          load: round((loadCpu.user + loadCpu.system) / 1000 / Math.max(1, report.replies)),
          platform: round(platformCpuMs / Math.max(1, report.replies)),
        },
        clockOffsetsMs: { heed: round(heedOffset, 3), model: round(modelProcess.clockOffsetMs, 3) },
      },
    );
    if (!deployment) return figures;
    const replicas: ReplicaFigures = {
      ...deployment,
      peakRssMbEach: reports.map((each) => round(each.peakRssBytes / 1024 / 1024, 1)),
      postgresCpuMsPerReply: round((postgresUse?.cpuMs ?? 0) / Math.max(1, report.replies)),
      postgresBackends: postgresUse?.backends ?? 0,
    };
    return { ...figures, replicas };
  } finally {
    for (const heed of heeds) await heed.stop();
    await modelProcess.close();
    await driver.close();
    await postgres?.drop();
    rmSync(dir, { recursive: true, force: true });
  }
}

/**
 * A PostgreSQL row's report: the probes inside the replicas measure no database there, so the replies
 * are the questions answered in the measured run, and the database's growth is `pg_database_size`'s.
 */
async function onPostgres(
  report: HeedReport,
  load: LoadResult,
  postgres: BenchDatabase,
  bytesBefore: number,
): Promise<HeedReport> {
  const replies = load.turns.filter((turn) => turn.sentAt > 0 && turn.doneAt !== undefined).length;
  return { ...report, replies, dbBytes: (await postgres.sizeBytes()) - bytesBefore };
}

async function main(): Promise<void> {
  const started = performance.now();
  const calibrationMs = calibrate();
  console.log('Heed end-to-end benchmark, beside the obvious bot (bench/baseline/bot.ts)');
  console.log(
    [
      '  Processes (a 2-core machine, so four of them): the bot alone (Heed or the baseline, a tsc build on',
      '  plain node as `npm start` runs it, config in its environment; Slack in HTTP mode) with a passive probe',
      "  preloaded to measure it; the fake model; the fake platform (it stamps the bot's calls as they arrive);",
      "  and this one, the load generator. None shares the bot's event loop or CPU accounting. Clocks are lined",
      '  up by IPC round trips.',
      `  Model: ${FIRST_TOKEN_MS} ms to the first token, ${CHUNK_SIZE} characters every ${TOKEN_INTERVAL_MS} ms,`,
      `  ${REPLY.length}-character reply (~${REPLY_MS} ms); instant: all at once.`,
      `  Load: closed loop, one person per conversation; ${TURNS_PER_THREAD} questions per thread (Slack: each an`,
      '  app_mention plus its message twin, as Slack sends both), the next sent when the reply has ended;',
      "  conversations start spread over one reply's time, and each one's first question is not timed. A fresh",
      '  bot, database and fake servers per row; at each Slack level the baseline runs first, then Heed.',
      "  overhead = e2e − the model's own time for that request; 1st text = first reply text at the platform −",
      "  the model's first token.\n",
    ].join('\n'),
  );

  if (COMPILED) {
    console.log('  Building with tsc (Heed and the baseline run on plain node; BENCH_RUNTIME=tsx runs the source) …');
    compiledDir = buildCompiled();
  }
  const all: Figures[] = [];
  const row = async (bot: Bot, platform: Platform, inFlight: number, model: Figures['model']): Promise<void> => {
    process.stdout.write(`  ${rowName(bot, platform, model)}, ${inFlight} in flight … `);
    const before = calibrate();
    const figures = await runLevel(bot, platform, inFlight, model);
    const machineMs = { before: round(before), after: round(calibrate()) };
    const overhead = model === 'streaming' ? `, overhead p99 ${num(figures.overheadP99Ms)} ms` : '';
    const speed = `machine ${num(machineMs.before)} → ${num(machineMs.after)} ms`;
    console.log(`${figures.replies} replies, ${num(figures.repliesPerSecond)}/s${overhead} (${speed})`);
    all.push({ ...figures, machineMs });
  };
  for (const platform of PLATFORMS) {
    // The baseline is a Slack bot; Discord rows measure Heed alone.
    const bots: Bot[] = platform === 'slack' && BASELINE ? ['baseline', 'heed'] : ['heed'];
    for (const inFlight of LEVELS) for (const bot of bots) await row(bot, platform, inFlight, 'streaming');
    if (INSTANT && platform === 'slack') for (const bot of bots) await row(bot, platform, INSTANT_IN_FLIGHT, 'instant');
  }

  console.log('');
  printFigures(all);
  printPhases(all);
  const targets = printTargets(all, PLATFORMS);
  const comparison = compare(all);
  printComparison(comparison);
  printSpeedDrift(all);
  const samples = all.flatMap((f) => f.errorSamples.map((sample) => `${f.label} ${f.inFlight}: ${sample}`));
  if (samples.length > 0) {
    console.log('\nErrors and warnings (first few):');
    for (const sample of samples.slice(0, 10)) console.log(`  ${sample}`);
  }
  const loadDelay = Math.max(...all.map((f) => f.loadLoopDelayP99Ms));
  const heedDelay = Math.max(...all.map((f) => f.heedLoopDelayP99Ms));
  const modelDelay = Math.max(...all.map((f) => f.harnessLoopDelayP99Ms.model));
  const platformDelay = Math.max(...all.map((f) => f.harnessLoopDelayP99Ms.platform));
  // The fakes stamp the model's times and the replies' arrival: their own delay is in every figure, for both bots.
  const worstDelays =
    `bot under test ${num(heedDelay)} ms, load generator ${num(loadDelay)} ms, ` +
    `fake model ${num(modelDelay)} ms, fake platform ${num(platformDelay)} ms`;
  console.log(`\nEvent-loop delay p99, worst row: ${worstDelays}.`);
  console.log('Platform calls per question (last row of each bot and platform):');
  for (const platform of PLATFORMS) {
    for (const bot of ['baseline', 'heed'] as const) {
      const last = all.filter((f) => f.platform === platform && f.bot === bot).at(-1);
      const calls = Object.entries(last?.platformCallsPerReply ?? {}).map(([call, count]) => `${call} ${count}`);
      if (last) console.log(`  ${bot}, ${platform}: ${calls.join(', ')}`);
    }
  }
  console.log(
    `Machine speed (a fixed JSON + SHA-256 workload; lower is faster): ${num(calibrationMs)} ms before, ${num(calibrate())} ms after.`,
  );
  const worstOffset = Math.max(
    ...all.flatMap((f) => [Math.abs(f.clockOffsetsMs.heed), Math.abs(f.clockOffsetsMs.model)]),
  );
  console.log(`Clock offsets between processes, largest measured: ${num(worstOffset, 3)} ms (corrected).`);

  const resultsDir = new URL('./results/', import.meta.url);
  const results = {
    date: new Date().toISOString(),
    calibrationMs: round(calibrationMs),
    runtime: COMPILED ? 'node (tsc build)' : 'tsx (source)',
    durationS: round((performance.now() - started) / 1000, 1),
    model: MODEL,
    targets,
    comparison,
    runs: all,
  };
  const json = `${JSON.stringify(results, null, 2)}\n`;
  // e2e.json is the latest run; a dated copy keeps each run for comparing later.
  writeFileSync(new URL('./e2e.json', resultsDir), json);
  writeFileSync(new URL(`./e2e-${results.date.replace(/[:.]/g, '-')}.json`, resultsDir), json);
  if (compiledDir) rmSync(compiledDir, { recursive: true, force: true });
  console.log(
    `\nWrote ${fileURLToPath(new URL('./e2e.json', resultsDir))} (${results.durationS} s)${PROFILE_DIR && existsSync(PROFILE_DIR) ? `; CPU profiles in ${PROFILE_DIR}` : ''}.`,
  );
}

/**
 * `--replicas 1,2,3`: at each level, one Heed on SQLite, then for each count that many Heed processes
 * on one fresh PostgreSQL database; every row on Slack with the realistic model.
 */
async function mainReplicas(counts: readonly number[]): Promise<void> {
  const started = performance.now();
  const calibrationMs = calibrate();
  if (PLATFORMS.some((platform) => platform !== 'slack')) {
    console.error('--replicas drives Slack only (BENCH_PLATFORMS=slack): Discord replicas are a matter of shards.');
    process.exit(2);
  }
  console.log(`Heed end-to-end benchmark, replicas: ${counts.join(', ')} Heed processes on one PostgreSQL database`);
  console.log(
    [
      '  Processes: each replica of Heed alone (a tsc build on plain node as `npm start` runs it, DATABASE_URL',
      '  set, its own port) with the passive probe preloaded; one fake model; one fake Slack that every replica',
      "  calls; PostgreSQL's backends for the row's database (their CPU read from /proc); and this one, the",
      '  load generator, which spreads the events round-robin over the replicas as a load balancer would: a',
      "  question's app_mention to one replica, its message twin to the next, so exactly-once rests on the",
      '  claims in the shared database. Plus one replica on SQLite (DATABASE_PATH) under the same load.',
      `  Model: ${FIRST_TOKEN_MS} ms to the first token, ${CHUNK_SIZE} characters every ${TOKEN_INTERVAL_MS} ms,`,
      `  ${REPLY.length}-character reply (~${REPLY_MS} ms). Load: closed loop, ${TURNS_PER_THREAD} questions per thread; a`,
      '  fresh database, replicas and fake servers per row, each with a warm-up first. No baseline here (it has',
      '  no shared database): BENCH_BASELINE and BENCH_INSTANT do not apply.',
      "  overhead = e2e − the model's own time for that request; 1st text = first reply text at the platform −",
      "  the model's first token; CPU per reply sums every replica.\n",
    ].join('\n'),
  );
  if (COMPILED) {
    console.log('  Building with tsc (Heed runs on plain node; BENCH_RUNTIME=tsx runs the source) …');
    compiledDir = buildCompiled();
  }
  const deployments: Deployment[] = [
    { replicas: 1, database: 'sqlite' },
    ...counts.map((replicas): Deployment => ({ replicas, database: 'postgres' })),
  ];
  const all: ReplicaRow[] = [];
  for (const inFlight of LEVELS) {
    for (const deployment of deployments) {
      process.stdout.write(`  ${replicaRowName(deployment)}, ${inFlight} in flight … `);
      const { replicas, ...figures } = await runLevel('heed', 'slack', inFlight, 'streaming', deployment);
      if (!replicas) throw new Error('a replicas row came back without its replica figures');
      console.log(
        `${figures.replies} replies, ${num(figures.repliesPerSecond)}/s, overhead p99 ${num(figures.overheadP99Ms)} ms`,
      );
      all.push({ ...figures, replicas });
    }
  }

  const cores = availableParallelism();
  const ratios = printReplicas(all, cores);
  printPhases(all);
  const samples = all.flatMap((f) => f.errorSamples.map((sample) => `${f.label} ${f.inFlight}: ${sample}`));
  if (samples.length > 0) {
    console.log('\nErrors and warnings (first few):');
    for (const sample of samples.slice(0, 10)) console.log(`  ${sample}`);
  }
  console.log(
    "\nPostgreSQL's CPU is its backends' for the row's database only: the server's shared processes (WAL writer,",
    'checkpointer, autovacuum) serve other databases on this server too and are not counted.',
  );
  console.log(
    `Machine speed (a fixed JSON + SHA-256 workload; lower is faster): ${num(calibrationMs)} ms before, ${num(calibrate())} ms after.`,
  );

  const resultsDir = new URL('./results/', import.meta.url);
  const results = {
    date: new Date().toISOString(),
    calibrationMs: round(calibrationMs),
    cores,
    runtime: COMPILED ? 'node (tsc build)' : 'tsx (source)',
    durationS: round((performance.now() - started) / 1000, 1),
    model: MODEL,
    replicas: counts,
    ratios,
    runs: all,
  };
  const json = `${JSON.stringify(results, null, 2)}\n`;
  // e2e-replicas.json is the latest replicas run; a dated copy keeps each run for comparing later.
  writeFileSync(new URL('./e2e-replicas.json', resultsDir), json);
  writeFileSync(new URL(`./e2e-replicas-${results.date.replace(/[:.]/g, '-')}.json`, resultsDir), json);
  if (compiledDir) rmSync(compiledDir, { recursive: true, force: true });
  console.log(
    `\nWrote ${fileURLToPath(new URL('./e2e-replicas.json', resultsDir))} (${results.durationS} s)${PROFILE_DIR && existsSync(PROFILE_DIR) ? `; CPU profiles in ${PROFILE_DIR}` : ''}.`,
  );
}

await (REPLICAS ? mainReplicas(REPLICAS) : main());
