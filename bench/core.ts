/**
 * `npm run bench:core`: the core's own cost, with 100,000 people's instructions stored.
 *  1. Looking up the layers and assembling the prompt (p50/p99). Target: p99 under 1 ms.
 *  2. respond() overhead beyond the fake model's own time, 100 conversations in flight (p50/p99).
 *     Target: p99 under 5 ms.
 * The fake model streams over real HTTP on 127.0.0.1 with a set time-to-first-token and token rate.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseConfig } from '../src/config.js';
import { heedFromConfig } from '../src/app.js';
import { silentLogger } from '../src/core/logger.js';
import { InstructionStore, openDatabase } from '../src/core/storage/index.js';
import type { IncomingMessage, ReplySink } from '../src/core/types.js';
import { startModelProcess } from './support/model-process.js';
import { ms, printTable, quantile } from './support/stats.js';

const PEOPLE = 100_000;
const LOOKUPS = 20_000;
const IN_FLIGHT = Number(process.env.BENCH_IN_FLIGHT ?? 100);
const ROUNDS = 10;
// A brisk hosted model: 250 ms to the first token, then a chunk every 15 ms (about 65 tokens/s).
const FIRST_TOKEN_MS = 250;
const TOKEN_INTERVAL_MS = 15;

const dir = mkdtempSync(join(tmpdir(), 'heed-bench-core-'));
const dbPath = join(dir, 'heed.db');

async function seed(): Promise<number> {
  const started = performance.now();
  const db = await openDatabase(dbPath);
  await db.transaction(async (tx) => {
    const store = new InstructionStore(tx);
    await store.write(
      { platform: 'slack', workspaceId: 'T1', kind: 'workspace', id: 'T1' },
      { about: '', respond: 'Be courteous. Never share credentials.', enabled: true, action: 'set', actorId: 'UADMIN' },
    );
    await store.write(
      { platform: 'slack', workspaceId: 'T1', kind: 'channel', id: 'C1' },
      {
        about: '',
        respond: 'This is #support: answer customers politely.',
        enabled: true,
        action: 'set',
        actorId: 'UADMIN',
      },
    );
    for (let person = 0; person < PEOPLE; person++) {
      await store.write(
        { platform: 'slack', workspaceId: 'T1', kind: 'user', id: `U${person}` },
        {
          about: `I am person ${person}. I work on the ${person % 7 === 0 ? 'data' : 'web'} team and prefer examples in TypeScript.`,
          respond: 'Answer in at most five sentences. Use bullet points for lists. British English.',
          enabled: true,
          action: 'set',
          actorId: `U${person}`,
        },
      );
    }
  });
  await db.close();
  return performance.now() - started;
}

const history = Array.from({ length: 6 }, (_, index) => ({
  role: index % 2 === 0 ? ('user' as const) : ('assistant' as const),
  speaker: index % 2 === 0 ? 'Ana' : undefined,
  text: `Earlier message number ${index} with a little context about the deployment pipeline and its flaky tests.`,
})).map(({ speaker, ...rest }) => (speaker ? { ...rest, speaker } : rest));

function message(person: number, id: string): IncomingMessage {
  return {
    platform: 'slack',
    workspaceId: 'T1',
    channelId: 'C1',
    messageId: id,
    userId: `U${person}`,
    userName: `Person ${person}`,
    text: `Question ${id}: how do I rotate the API keys?`,
    history,
  };
}

const nullSink: ReplySink = {
  append: () => undefined,
  finish: async () => [`reply-${Math.random()}`],
  fail: async () => [],
};

async function main(): Promise<void> {
  console.log(`Seeding ${PEOPLE.toLocaleString('en-US')} people's instructions…`);
  const seedMs = await seed();
  console.log(`  done in ${(seedMs / 1000).toFixed(1)} s\n`);

  const model = await startModelProcess({
    reply: 'Rotate them from the admin console, then update the secret store and redeploy. '.repeat(2),
    chunkSize: 8,
    firstTokenDelayMs: FIRST_TOKEN_MS,
    tokenIntervalMs: TOKEN_INTERVAL_MS,
  });
  const config = parseConfig({
    DATABASE_PATH: dbPath,
    OPENAI_BASE_URL: model.url,
    OPENAI_API_KEY: 'sk-bench',
    OPENAI_MAX_RETRIES: '0',
    HEED_RATE_LIMIT_PER_MINUTE: '0',
  });
  const quiet = silentLogger();
  const core = await heedFromConfig(config, quiet);

  // 1. Lookup + assembly.
  for (let warm = 0; warm < 1000; warm++) await core.prompts.prepare(message(warm, `warm-${warm}`), quiet);
  const lookup: number[] = [];
  for (let index = 0; index < LOOKUPS; index++) {
    const person = Math.floor(Math.random() * PEOPLE);
    const input = message(person, `lookup-${index}`);
    const started = performance.now();
    await core.prompts.prepare(input, quiet);
    lookup.push(performance.now() - started);
  }

  // 2. respond() overhead with IN_FLIGHT conversations at once.
  const overhead: number[] = [];
  const e2e: number[] = [];
  const modelOwn: number[] = [];
  const measured: { text: string; total: number }[] = [];
  // Closed loop: IN_FLIGHT conversations, each starting its next message when its reply is done, so
  // that 100 are always in flight (a burst of 100 at one instant would measure queueing instead).
  const conversation = async (worker: number) => {
    // Conversations start spread over one model reply's time, as people do, not all in one instant.
    await new Promise((resolve) => setTimeout(resolve, Math.random() * (FIRST_TOKEN_MS + 40 * TOKEN_INTERVAL_MS)));
    for (let turn = 0; turn < ROUNDS + 1; turn++) {
      const input = message(Math.floor(Math.random() * PEOPLE), `bench-${worker}-${turn}`);
      const started = performance.now();
      const outcome = await core.respond(input, nullSink);
      const total = performance.now() - started;
      if (outcome.status !== 'replied') throw new Error(`reply ${input.messageId} failed: ${JSON.stringify(outcome)}`);
      if (turn > 0) measured.push({ text: input.text, total }); // each conversation's first turn warms up
    }
  };
  await Promise.all(Array.from({ length: IN_FLIGHT }, (_, worker) => conversation(worker)));
  const timings = await model.timings();
  for (const { text, total } of measured) {
    const modelMs = [...timings].find(([last]) => last.endsWith(text))?.[1];
    if (modelMs === undefined) throw new Error(`no model timing for "${text}"`);
    e2e.push(total);
    modelOwn.push(modelMs);
    overhead.push(total - modelMs);
  }

  printTable(
    ['measure', 'p50', 'p99', 'target'],
    [
      ['layer lookup + prompt assembly', ms(quantile(lookup, 0.5)), ms(quantile(lookup, 0.99)), 'p99 < 1 ms'],
      [
        `respond() overhead, ${IN_FLIGHT} in flight`,
        ms(quantile(overhead, 0.5)),
        ms(quantile(overhead, 0.99)),
        'p99 < 5 ms',
      ],
      ['respond() end to end', ms(quantile(e2e, 0.5)), ms(quantile(e2e, 0.99)), ''],
      ["fake model's own time", ms(quantile(modelOwn, 0.5)), ms(quantile(modelOwn, 0.99)), ''],
    ],
  );
  console.log(`\nratio e2e ÷ model time (p50): ${(quantile(e2e, 0.5) / quantile(modelOwn, 0.5)).toFixed(3)}`);
  console.log(
    `samples: ${lookup.length} lookups, ${e2e.length} replies; model: ${FIRST_TOKEN_MS} ms to first token, ${TOKEN_INTERVAL_MS} ms between chunks`,
  );
  const results = {
    date: new Date().toISOString(),
    people: PEOPLE,
    lookupP50Ms: quantile(lookup, 0.5),
    lookupP99Ms: quantile(lookup, 0.99),
    overheadP50Ms: quantile(overhead, 0.5),
    overheadP99Ms: quantile(overhead, 0.99),
    e2eP50Ms: quantile(e2e, 0.5),
    e2eP99Ms: quantile(e2e, 0.99),
  };
  writeFileSync(new URL('./results/core.json', import.meta.url), `${JSON.stringify(results, null, 2)}\n`);

  await core.drain(5000);
  await core.close();
  await model.close();
  rmSync(dir, { recursive: true, force: true });
}

await main();
