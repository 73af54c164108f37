/**
 * The figures of one benchmark row, computed from what the load generator, the fake platform, the
 * fake model and Heed's probe recorded; and the tables and target checks printed from them.
 */
import type { HeedReport } from './heed-process.js';
import { questionId, type LoadResult } from './load.js';
import type { ModelRequestTimes } from './model-process.js';
import { printTable, quantile } from './stats.js';

export type Platform = 'slack' | 'discord';

/** Slack retries an event not acknowledged within this time. */
const SLACK_ACK_LIMIT_MS = 3_000;

/** Absolute targets of issue 12 (the ratios against the baseline are in compare.ts). */
export const TARGETS = {
  firstTextP99Ms: 50,
  /** Discord: twice the ~12 replies/s measured at 100 in flight before issue 12. */
  discordRepliesPerSecondAt100: 24,
};

/** Which bot a row measured: Heed, or the obvious bot of bench/baseline/. */
export type Bot = 'heed' | 'baseline';

/** One row of the benchmark. */
export interface Figures {
  bot: Bot;
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
  ackP50Ms: number;
  ackP99Ms: number;
  /** Slack events acknowledged after 3 s (Slack would retry them; the core's claims keep the reply single). */
  lateAcks: number;
  /** Where the overhead goes, p50 / p99 (ms): getting the event in, Heed's work before the model call, after it. */
  phases: Record<'in' | 'beforeModel' | 'afterModel', [number, number]>;
  peakRssMb: number;
  /** RSS once started, before any load. */
  idleRssMb: number;
  /** RSS after the warm-up, before the measured load. */
  warmIdleRssMb: number;
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
  /** Event-loop delay of the bot under test (Heed or the baseline). */
  heedLoopDelayP99Ms: number;
  heedLoopDelayMaxMs: number;
  /** Share of the measured time the bot's main event loop was busy (event-loop utilization). */
  heedLoopBusy: number;
  loadLoopDelayP99Ms: number;
  /** Event-loop delay p99 of the fake model and the fake platform, whose stamps every figure rests on. */
  harnessLoopDelayP99Ms: { model: number; platform: number };
  /** CPU per reply of the other processes (fake model, load generator, fake platform), for context. */
  otherCpuMsPerReply: { model: number; load: number; platform: number };
  clockOffsetsMs: { heed: number; model: number };
  /** The calibration workload's time (ms) just before and just after the row: how fast the host was meanwhile. */
  machineMs?: { before: number; after: number };
}

/** How far apart two calibration times are, as a share of the faster one. */
function spread(a: number, b: number): number {
  return Math.abs(a - b) / Math.min(a, b);
}

/** The host's speed moved by more than this share: the ratios of such rows say more about the host than the bots. */
const SPEED_DRIFT = 0.25;

/**
 * Name the rows whose machine speed moved during the row, and the levels whose baseline and Heed ran at
 * different speeds (they run one after the other): a busy host lengthens tails most of all.
 */
export function printSpeedDrift(all: readonly Figures[]): void {
  const moved: string[] = [];
  for (const f of all) {
    if (f.machineMs && spread(f.machineMs.before, f.machineMs.after) > SPEED_DRIFT)
      moved.push(`${f.label} ${f.inFlight}: ${num(f.machineMs.before)} → ${num(f.machineMs.after)} ms`);
  }
  for (const heed of all.filter((f) => f.bot === 'heed')) {
    const baseline = all.find(
      (f) =>
        f.bot === 'baseline' && f.platform === heed.platform && f.inFlight === heed.inFlight && f.model === heed.model,
    );
    if (!baseline?.machineMs || !heed.machineMs) continue;
    const mean = (m: { before: number; after: number }) => (m.before + m.after) / 2;
    if (spread(mean(baseline.machineMs), mean(heed.machineMs)) > SPEED_DRIFT)
      moved.push(
        `${heed.label} ${heed.inFlight} against its baseline: ${num(mean(heed.machineMs))} against ${num(mean(baseline.machineMs))} ms`,
      );
  }
  if (moved.length === 0) return;
  console.log(
    `\nThe machine's speed moved by more than ${SPEED_DRIFT * 100}% (calibration before → after a row; lower is faster):`,
  );
  for (const line of moved) console.log(`  ${line}`);
  console.log(
    '  Other work shared the host: tails and their ratios from these rows are not comparable; take more runs.',
  );
}

/** `value` rounded to `digits` decimals (NaN stays NaN, for JSON). */
export const round = (value: number, digits = 2) =>
  Number.isFinite(value) ? Number(value.toFixed(digits)) : Number.NaN;

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

/** What one row measured, as recorded by each process. */
export interface RowRecords {
  bot: Bot;
  platform: Platform;
  label: string;
  inFlight: number;
  model: Figures['model'];
  /** Time each conversation's first question too (when it asks only one). */
  timeFirstQuestion: boolean;
  load: LoadResult;
  modelRequests: ModelRequestTimes[];
  heed: HeedReport;
  /** When each question's event reached Heed's HTTP server (Slack). */
  arrivals: Map<string, number>;
}

/** The figures of one row. */
export function figuresOf(
  records: RowRecords,
  extra: Pick<Figures, 'loadLoopDelayP99Ms' | 'harnessLoopDelayP99Ms' | 'clockOffsetsMs' | 'otherCpuMsPerReply'>,
): Figures {
  const { bot, platform, label, inFlight, model, load, heed, arrivals } = records;
  const byId = new Map<string, ModelRequestTimes[]>();
  for (const request of records.modelRequests) {
    const id = questionId(request.last);
    if (id === undefined) continue;
    byId.set(id, [...(byId.get(id) ?? []), request]);
  }
  const sent = load.turns.filter((turn) => turn.sentAt > 0);
  const extraModelCalls = sent.reduce((sum, turn) => sum + Math.max(0, (byId.get(turn.id)?.length ?? 0) - 1), 0);
  // Each conversation's first question is not timed (it starts while the others are still ramping up),
  // unless it is the only one.
  const measured = sent.filter((turn) => turn.doneAt !== undefined && (turn.index > 0 || records.timeFirstQuestion));
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
    if (request.firstTokenAt !== undefined && turn.firstTextAt !== undefined)
      firstText.push(turn.firstTextAt - request.firstTokenAt);
    const arrivedAt = arrivals.get(turn.id);
    if (arrivedAt !== undefined) phases.in.push(arrivedAt - turn.sentAt);
    phases.beforeModel.push(request.receivedAt - (arrivedAt ?? turn.sentAt));
    phases.afterModel.push((turn.doneAt ?? 0) - request.completedAt);
  }
  const p50p99 = (values: number[]): [number, number] => [round(quantile(values, 0.5)), round(quantile(values, 0.99))];
  const acks = sent.flatMap((turn) => (turn.ackMs !== undefined ? [turn.ackMs] : []));
  return {
    bot,
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
    ackP50Ms: round(quantile(acks, 0.5)),
    ackP99Ms: round(quantile(acks, 0.99)),
    lateAcks: acks.filter((ack) => ack > SLACK_ACK_LIMIT_MS).length,
    phases: { in: p50p99(phases.in), beforeModel: p50p99(phases.beforeModel), afterModel: p50p99(phases.afterModel) },
    peakRssMb: round(heed.peakRssBytes / 1024 / 1024, 1),
    idleRssMb: round(heed.idleRssBytes / 1024 / 1024, 1),
    warmIdleRssMb: round(heed.warmIdleRssBytes / 1024 / 1024, 1),
    memoryPeaksMb: Object.fromEntries(
      Object.entries(heed.memoryPeaks).map(([key, bytes]) => [key, round(bytes / 1024 / 1024, 1)]),
    ),
    cpuMsPerReply: round(heed.cpuMs / Math.max(1, heed.replies)),
    dbBytesPerReply: Math.round(heed.dbBytes / Math.max(1, heed.replies)),
    errors: errors.length + heed.logs.errors,
    duplicates: load.duplicates,
    extraModelCalls,
    warnings: heed.logs.warnings,
    platformCallsPerReply: Object.fromEntries(
      Object.entries(load.platformCalls).map(([method, count]) => [method, round(count / Math.max(1, sent.length))]),
    ),
    errorSamples: [...errors.slice(0, 5), ...heed.logs.samples],
    heedLoopDelayP99Ms: round(heed.loopDelayP99Ms),
    heedLoopDelayMaxMs: round(heed.loopDelayMaxMs),
    heedLoopBusy: round(heed.loopBusy, 3),
    ...extra,
  };
}

/** How a target fared, for the tables. */
export const verdict = (met: boolean) => (met ? 'met' : 'MISSED');
/** A figure for a table: fixed decimals, or n/a. */
export const num = (value: number, digits = 1) => (Number.isFinite(value) ? value.toFixed(digits) : 'n/a');

/** The main table. */
export function printFigures(all: Figures[]): void {
  printTable(
    ['run', 'in flight', 'replies', 'replies/s', 'e2e p50/p99 ms', 'overhead p50/p99 ms', 'e2e÷model p50/p99']
      .concat(['1st text p50/p99 ms', 'ack p50/p99 ms', 'acks >3 s', 'peak RSS MB', 'CPU ms/reply', 'DB B/reply'])
      .concat(['errors', 'warn', 'dups']),
    all.map((f) => [
      f.label,
      String(f.inFlight),
      String(f.replies),
      num(f.repliesPerSecond),
      `${num(f.e2eP50Ms, 0)} / ${num(f.e2eP99Ms, 0)}`,
      `${num(f.overheadP50Ms)} / ${num(f.overheadP99Ms)}`,
      `${num(f.ratioP50, 3)} / ${num(f.ratioP99, 3)}`,
      `${num(f.firstTextP50Ms)} / ${num(f.firstTextP99Ms)}`,
      `${num(f.ackP50Ms)} / ${num(f.ackP99Ms)}`,
      f.platform === 'slack' ? String(f.lateAcks) : '-',
      num(f.peakRssMb, 0),
      num(f.cpuMsPerReply, 2),
      String(f.dbBytesPerReply),
      String(f.errors),
      String(f.warnings),
      String(f.duplicates + f.extraModelCalls),
    ]),
  );
}

/**
 * The targets that need no baseline beside their figure, met or missed, for Heed's rows; returns them
 * for the JSON. The ratios against the baseline are checked in compare.ts.
 */
export function printTargets(
  all: Figures[],
  platforms: readonly Platform[],
): Record<string, { figure: string; met: boolean }> {
  const targets: Record<string, { figure: string; met: boolean }> = {};
  const heed = all.filter((f) => f.bot === 'heed');
  const streaming = heed.filter((f) => f.model === 'streaming');
  for (const platform of platforms) {
    const ofPlatform = streaming.filter((f) => f.platform === platform);
    if (ofPlatform.length > 0) {
      const worst = ofPlatform.reduce((a, b) => (b.firstTextP99Ms > a.firstTextP99Ms ? b : a));
      targets[`${platform}: first text ≤ ${TARGETS.firstTextP99Ms} ms after the first token (p99, every level)`] = {
        figure: `${num(worst.firstTextP99Ms)} ms worst (at ${worst.inFlight})`,
        met: ofPlatform.every((f) => f.firstTextP99Ms <= TARGETS.firstTextP99Ms),
      };
    }
  }
  const discordAt100 = streaming.find((f) => f.platform === 'discord' && f.inFlight === 100);
  if (discordAt100) {
    targets[`discord: ≥ ${TARGETS.discordRepliesPerSecondAt100} replies/s at 100 in flight`] = {
      figure: `${num(discordAt100.repliesPerSecond)} /s`,
      met: discordAt100.repliesPerSecond >= TARGETS.discordRepliesPerSecondAt100,
    };
  }
  const errors = all.reduce((sum, f) => sum + f.errors, 0);
  const duplicates = all.reduce((sum, f) => sum + f.duplicates + f.extraModelCalls, 0);
  targets['zero errors (both bots)'] = { figure: String(errors), met: errors === 0 };
  const lateAcks = heed.filter((f) => f.platform === 'slack').reduce((sum, f) => sum + f.lateAcks, 0);
  if (platforms.includes('slack')) {
    targets['Heed: every Slack event acknowledged within 3 s'] = { figure: `${lateAcks} late`, met: lateAcks === 0 };
  }
  targets['zero duplicate replies (both bots)'] = { figure: String(duplicates), met: duplicates === 0 };
  console.log('\nTargets without a baseline (2-core machine)');
  printTable(
    ['target', 'figure', ''],
    Object.entries(targets).map(([name, { figure, met }]) => [name, figure, verdict(met)]),
  );
  return targets;
}

/** Where the overhead goes, and each process's CPU. */
export function printPhases(all: Figures[]): void {
  console.log(
    '\nWhere the overhead goes (p50 / p99 ms): in = event sent → the bot has read it; before = → model request; after = model done → reply ended',
  );
  printTable(
    [
      'run',
      'in flight',
      'in',
      'before model',
      'after model',
      'bot loop delay p99 / max',
      'bot loop busy',
      'fakes loop p99 model / platform',
      'CPU ms/reply bot / model / load / platform',
    ],
    all.map((f) => [
      f.label,
      String(f.inFlight),
      `${num(f.phases.in[0])} / ${num(f.phases.in[1])}`,
      `${num(f.phases.beforeModel[0])} / ${num(f.phases.beforeModel[1])}`,
      `${num(f.phases.afterModel[0])} / ${num(f.phases.afterModel[1])}`,
      `${num(f.heedLoopDelayP99Ms)} / ${num(f.heedLoopDelayMaxMs)}`,
      `${Math.round(f.heedLoopBusy * 100)}%`,
      `${num(f.harnessLoopDelayP99Ms.model)} / ${num(f.harnessLoopDelayP99Ms.platform)}`,
      `${num(f.cpuMsPerReply, 2)} / ${num(f.otherCpuMsPerReply.model, 2)} / ${num(f.otherCpuMsPerReply.load, 2)} / ${num(f.otherCpuMsPerReply.platform, 2)}`,
    ]),
  );
}
