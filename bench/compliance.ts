/**
 * `npm run bench:compliance`: what checking replies against instructions costs.
 *  1. Extraction per saved version: the rules extractor alone, and derive + store (what a save adds).
 *  2. The check step per reply: the layers in force, every check run on the final text, the result
 *     stored; first reply of a version (checks read from the database and compiled) and later replies.
 *     Target: p99 under 1 ms.
 * Steps 1 and 2 are timed twice: wall clock, and this process's own CPU time (process.cpuUsage), which a
 * busy shared machine does not inflate when it preempts the process; the target is judged on CPU time.
 *  3. respond() end to end, with checking (HEED_COMPLIANCE=report) and without (off), interleaved in the
 *     same run against the same fake model, and their ratio. Every reply misses one check, so each
 *     checked reply also files an automatic report: the worst case.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { heedFromConfig } from '../src/app.js';
import { parseConfig } from '../src/config.js';
import { deriveByRules } from '../src/core/compliance/derive-checks.js';
import { ComplianceService } from '../src/core/compliance/service.js';
import { silentLogger } from '../src/core/logger.js';
import { ComplianceStore, InstructionStore, openDatabase, ReplyLog } from '../src/core/storage/index.js';
import type { IncomingMessage, ReplySink } from '../src/core/types.js';
import { startModelProcess } from './support/model-process.js';
import { ms, printTable, quantile } from './support/stats.js';

const PEOPLE = 10_000;
const STEP_SAMPLES = 20_000;
const REPLIES = Number(process.env.BENCH_REPLIES ?? 1_000);
const REPLY =
  'Rotate the keys from the admin console, then update the secret store and redeploy the services that read it. ' +
  'Check the audit log afterwards; old keys stop working after an hour. Cheers';

/** Instruction texts people write, each asking for two to five verifiable things. */
const TEXTS = [
  "Answer in at most five sentences. No commas. End with 'Cheers'. Under 120 words.",
  'Your entire response should be in English, and in all lowercase letters. No capital letters are allowed.',
  'Reply in German. Use at most 3 bullet points. Never use the word "basically".',
  'Answer with at least 50 words. Include the words latency and throughput. Add a P.S. at the end.',
  'Be friendly and concise. Explain like I am a new engineer on the team.',
];
const text = (person: number) => TEXTS[person % TEXTS.length] ?? '';

const dir = mkdtempSync(join(tmpdir(), 'heed-bench-compliance-'));

async function seed(path: string): Promise<void> {
  const db = await openDatabase(path);
  await db.transaction(async (tx) => {
    const store = new InstructionStore(tx);
    await store.write(
      { platform: 'slack', workspaceId: 'T1', kind: 'channel', id: 'C1' },
      { about: '', respond: 'Never use the word "synergy".', enabled: true, action: 'set', actorId: 'UADMIN' },
    );
    for (let person = 0; person < PEOPLE; person++) {
      await store.write(
        { platform: 'slack', workspaceId: 'T1', kind: 'user', id: `U${person}` },
        { about: '', respond: text(person), enabled: true, action: 'set', actorId: `U${person}` },
      );
    }
  });
  await db.close();
}

/** Wall-clock and own-CPU milliseconds of one piece of work. */
interface Sample {
  wall: number;
  cpu: number;
}

function timed(work: () => void): Sample {
  const cpu = process.cpuUsage();
  const started = performance.now();
  work();
  const wall = performance.now() - started;
  const used = process.cpuUsage(cpu);
  return { wall, cpu: (used.user + used.system) / 1000 };
}

/** {@link timed} for work that awaits the database; nothing else runs in this process meanwhile. */
async function timedAsync(work: () => Promise<unknown>): Promise<Sample> {
  const cpu = process.cpuUsage();
  const started = performance.now();
  await work();
  const wall = performance.now() - started;
  const used = process.cpuUsage(cpu);
  return { wall, cpu: (used.user + used.system) / 1000 };
}

async function extraction(path: string): Promise<{ rules: Sample[]; deriveAndStore: Sample[] }> {
  for (let warm = 0; warm < 2_000; warm++) deriveByRules(text(warm));
  const rules = Array.from({ length: STEP_SAMPLES }, (_, index) =>
    timed(() => deriveByRules(`${text(index)} #${index}`)),
  );
  const db = await openDatabase(path);
  const instructions = new InstructionStore(db);
  const service = new ComplianceService({
    store: new ComplianceStore(db),
    instructions,
    logger: silentLogger(),
    basePrompt: 'You are Heed.',
  });
  const deriveAndStore: Sample[] = [];
  for (let person = 0; person < 2_000; person++) {
    const version = await instructions.current({
      platform: 'slack',
      workspaceId: 'T1',
      kind: 'user',
      id: `U${person}`,
    });
    if (version) deriveAndStore.push(await timedAsync(() => service.derive(version)));
  }
  await db.close();
  return { rules, deriveAndStore };
}

async function checkStep(path: string): Promise<{ first: Sample[]; later: Sample[] }> {
  const db = await openDatabase(path);
  const instructions = new InstructionStore(db);
  const store = new ComplianceStore(db);
  const replies = new ReplyLog(db);
  const service = new ComplianceService({ store, instructions, logger: silentLogger(), basePrompt: 'You are Heed.' });
  // Versions derived at save time, as in the running bot; the first check of each reads them back.
  for (let person = 0; person < PEOPLE; person++) {
    const version = await instructions.current({
      platform: 'slack',
      workspaceId: 'T1',
      kind: 'user',
      id: `U${person}`,
    });
    if (version) await store.saveDerivation(version.id, deriveByRules(version.respond).checks, 'rules');
  }
  const channel = await instructions.current({ platform: 'slack', workspaceId: 'T1', kind: 'channel', id: 'C1' });
  const replyId = await replies.record(
    {
      platform: 'slack',
      workspaceId: 'T1',
      channelId: 'C1',
      sourceMessageId: 'm',
      askerId: 'U0',
      model: 'm',
      params: {},
      instructionVersions: { workspace: null, channel: null, user: null },
      messages: [],
      replyText: REPLY,
      status: 'complete',
      latencyMs: 0,
    },
    [],
  );
  const step = (person: number) =>
    timedAsync(async () => {
      const where = { platform: 'slack' as const, workspaceId: 'T1', channelId: 'C1', userId: `U${person}` };
      const result = await service.check(
        where,
        { workspace: null, channel: channel?.version ?? null, user: 1 },
        REPLY,
        'How do I rotate keys?',
      );
      if (result) await store.recordResult(replyId, result);
    });
  // One after another: the samples time each step alone.
  const first: Sample[] = [];
  for (let person = 0; person < PEOPLE; person++) first.push(await step(person));
  const later: Sample[] = [];
  for (let index = 0; index < STEP_SAMPLES; index++) later.push(await step(Math.floor(Math.random() * PEOPLE)));
  await db.close();
  return { first, later };
}

const nullSink: ReplySink = {
  append: () => undefined,
  finish: async () => [`reply-${Math.random()}`],
  fail: async () => [],
};

async function endToEnd(checkedPath: string, plainPath: string): Promise<{ checked: number[]; plain: number[] }> {
  const model = await startModelProcess({ reply: REPLY, chunkSize: 16 });
  const env = {
    OPENAI_BASE_URL: model.url,
    OPENAI_API_KEY: 'sk-bench',
    OPENAI_MAX_RETRIES: '0',
    HEED_RATE_LIMIT_PER_MINUTE: '0',
  };
  const checkedCore = await heedFromConfig(
    parseConfig({ ...env, DATABASE_PATH: checkedPath, HEED_COMPLIANCE: 'report' }),
    silentLogger(),
  );
  const plainCore = await heedFromConfig(
    parseConfig({ ...env, DATABASE_PATH: plainPath, HEED_COMPLIANCE: 'off' }),
    silentLogger(),
  );
  const message = (person: number, id: string): IncomingMessage => ({
    platform: 'slack',
    workspaceId: 'T1',
    channelId: 'C1',
    messageId: id,
    userId: `U${person}`,
    text: `Question ${id}: how do I rotate the keys?`,
    history: [],
  });
  const checked: number[] = [];
  const plain: number[] = [];
  for (let index = 0; index < REPLIES + 50; index++) {
    const person = Math.floor(Math.random() * PEOPLE);
    // Alternate which goes first, so that neither always meets a warmer connection.
    const order =
      index % 2 === 0
        ? ([
            [checkedCore, checked],
            [plainCore, plain],
          ] as const)
        : ([
            [plainCore, plain],
            [checkedCore, checked],
          ] as const);
    for (const [core, into] of order) {
      const started = performance.now();
      const outcome = await core.respond(message(person, `q-${index}`), nullSink);
      if (outcome.status !== 'replied') throw new Error(`reply failed: ${JSON.stringify(outcome)}`);
      if (index >= 50) into.push(performance.now() - started); // the first 50 warm up
    }
  }
  for (const core of [checkedCore, plainCore]) {
    await core.drain(5000);
    await core.close();
  }
  await model.close();
  return { checked, plain };
}

async function main(): Promise<void> {
  const checkedPath = join(dir, 'checked.db');
  const plainPath = join(dir, 'plain.db');
  console.log(`Seeding ${PEOPLE.toLocaleString('en-US')} people's instructions twice…`);
  await seed(checkedPath);
  await seed(plainPath);
  const stepPath = join(dir, 'step.db');
  await seed(stepPath);

  const { rules, deriveAndStore } = await extraction(join(dir, 'plain.db'));
  const { first, later } = await checkStep(stepPath);
  const { checked, plain } = await endToEnd(checkedPath, plainPath);

  const wall = (values: Sample[]) => values.map((value) => value.wall);
  const cpu = (values: Sample[]) => values.map((value) => value.cpu);
  const row = (name: string, values: Sample[], target = ''): string[] => [
    name,
    ms(quantile(wall(values), 0.5)),
    ms(quantile(wall(values), 0.99)),
    ms(quantile(cpu(values), 0.5)),
    ms(quantile(cpu(values), 0.99)),
    target,
  ];
  const plainRow = (name: string, values: number[]): string[] => [
    name,
    ms(quantile(values, 0.5)),
    ms(quantile(values, 0.99)),
    '',
    '',
    '',
  ];
  console.log('');
  printTable(
    ['measure', 'wall p50', 'wall p99', 'CPU p50', 'CPU p99', 'target'],
    [
      row('rules extraction, per saved version', rules),
      row('derive + store, per saved version', deriveAndStore),
      row("check step, a version's first reply", first, 'CPU p99 < 1 ms'),
      row('check step, later replies', later, 'CPU p99 < 1 ms'),
      plainRow('respond(), checked (report mode)', checked),
      plainRow('respond(), not checked (baseline)', plain),
    ],
  );
  const ratio = (q: number) => (quantile(checked, q) / quantile(plain, q)).toFixed(3);
  console.log(`\nratio checked ÷ baseline: p50 ${ratio(0.5)}, p99 ${ratio(0.99)}`);
  console.log(
    `samples: ${rules.length} extractions, ${first.length + later.length} check steps, ` +
      `${checked.length} replies each way; ` +
      'model extraction (HEED_CHECK_EXTRACTOR=model) adds one model call per save, in the background',
  );
  writeFileSync(
    new URL('./results/compliance.json', import.meta.url),
    `${JSON.stringify(
      {
        date: new Date().toISOString(),
        people: PEOPLE,
        rulesExtractionCpuP50Ms: quantile(cpu(rules), 0.5),
        rulesExtractionCpuP99Ms: quantile(cpu(rules), 0.99),
        checkFirstCpuP99Ms: quantile(cpu(first), 0.99),
        checkLaterCpuP50Ms: quantile(cpu(later), 0.5),
        checkLaterCpuP99Ms: quantile(cpu(later), 0.99),
        checkLaterWallP99Ms: quantile(wall(later), 0.99),
        respondCheckedP50Ms: quantile(checked, 0.5),
        respondCheckedP99Ms: quantile(checked, 0.99),
        respondBaselineP50Ms: quantile(plain, 0.5),
        respondBaselineP99Ms: quantile(plain, 0.99),
      },
      null,
      2,
    )}\n`,
  );
  rmSync(dir, { recursive: true, force: true });
}

await main();
