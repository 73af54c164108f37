/**
 * Issue 9, item 2: after a confirmed forget-me nothing of the person can be recovered from the database
 * files: not from free pages of heed.db (secure_delete), not from the WAL (checkpointed and truncated),
 * and not from other people's reply snapshots, where the person's messages and display name are kept
 * only as `[removed]`. The test reads the raw bytes of heed.db and heed.db-wal, while the core is still
 * running and after it has shut down.
 */
import { existsSync, readFileSync } from 'node:fs';
import BetterSqlite3 from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Actor, IncomingMessage } from '../../src/core/types.js';
import { startFakeOpenAI, type FakeOpenAI } from '../support/fake-openai.js';
import { recordingSink } from '../support/recording-sink.js';
import { createTestCore, type TestCore } from '../support/test-core.js';

const FORGOTTEN = 'U0FORGOTTEN7';
const NAME = 'Zephyrine Quokkabottom';
const SECRET_QUESTION = 'my locker code is PURPLE-ELEPHANT-4242';
const SECRET_ABOUT = 'I live at 12 Marmalade Crescent';
const SECRET_NOTE = 'reported-by-zephyrine-note';
const OTHER = 'U0OTHER';

let model: FakeOpenAI;
let heed: TestCore;
let counter = 0;

function message(
  userId: string,
  userName: string,
  text: string,
  extra: Partial<IncomingMessage> = {},
): IncomingMessage {
  counter += 1;
  return {
    platform: 'slack',
    workspaceId: 'T1',
    channelId: 'C1',
    messageId: `m${counter}`,
    userId,
    userName,
    text,
    history: [],
    threadId: 'thread-1',
    ...extra,
  };
}

const actor = (userId: string, extra: Partial<Actor> = {}): Actor => ({
  platform: 'slack',
  workspaceId: 'T1',
  channelId: 'C1',
  userId,
  isPlatformAdmin: false,
  ...extra,
});

/** Every secret of the person, as the bytes a forensic look at the files would search for. */
const needles = [
  FORGOTTEN,
  NAME,
  'Zephyrine',
  'Quokkabottom',
  'PURPLE-ELEPHANT-4242',
  'Marmalade Crescent',
  SECRET_NOTE,
];

function leftovers(path: string): string[] {
  const found: string[] = [];
  for (const file of [path, `${path}-wal`]) {
    if (!existsSync(file)) continue;
    const bytes = readFileSync(file);
    for (const needle of needles) {
      for (const encoding of ['utf8', 'utf16le'] as const) {
        if (bytes.includes(Buffer.from(needle, encoding)))
          found.push(`${needle} (${encoding}) in ${file.endsWith('-wal') ? 'the WAL' : 'heed.db'}`);
      }
    }
  }
  return found;
}

beforeEach(async () => {
  model = await startFakeOpenAI();
  heed = await createTestCore({ openaiUrl: model.url });
});

afterEach(async () => {
  await heed.close();
  await model.close();
});

/** The person asks, sets instructions, chats in a thread another person then asks in, and reports. */
async function history(): Promise<string> {
  const { core } = heed;
  await core.command(actor(FORGOTTEN), `about ${SECRET_ABOUT}`);
  await core.command(actor(FORGOTTEN), 'set Answer like a pirate.');
  await core.command(actor(FORGOTTEN, { isPlatformAdmin: true }), 'channel set Billing questions only.');
  const own = await core.respond(message(FORGOTTEN, NAME, SECRET_QUESTION), recordingSink('reply-own'));
  expect(own.status).toBe('replied');
  const others = await core.respond(
    message(OTHER, 'Bob', `what did ${NAME} say?`, {
      history: [
        { role: 'user', speaker: NAME, text: SECRET_QUESTION },
        { role: 'assistant', text: 'Noted.' },
      ],
    }),
    recordingSink('reply-other'),
  );
  expect(others.status).toBe('replied');
  await core.report({
    target: { platform: 'slack', workspaceId: 'T1', channelId: 'C1', messageId: 'reply-other' },
    reporter: { platform: 'slack', workspaceId: 'T1', userId: FORGOTTEN },
    source: 'reaction',
    signal: 'bad',
    note: SECRET_NOTE,
  });
  // The other person's report on the other reply keeps that snapshot (reported snapshots are not purged).
  await core.report({
    target: { platform: 'slack', workspaceId: 'T1', channelId: 'C1', messageId: 'reply-other' },
    reporter: { platform: 'slack', workspaceId: 'T1', userId: OTHER },
    source: 'button',
    signal: 'bad',
  });
  return heed.dbPath;
}

describe('forget-me and the database files', () => {
  it("GIVEN the person's data was written THEN the files hold it before forget-me (the test can see it)", async () => {
    const path = await history();
    await heed.core.close();
    expect(leftovers(path).length).toBeGreaterThan(0);
  });

  it("GIVEN a confirmed forget-me THEN neither heed.db nor its WAL holds the person's text, name or id", async () => {
    const path = await history();
    const result = await heed.core.confirmForgetMe(actor(FORGOTTEN, { userName: NAME }));
    expect(result).toMatchObject({ kind: 'forgotten' });
    expect(leftovers(path)).toEqual([]);
    await heed.core.drain(1000);
    await heed.core.close();
    expect(leftovers(path)).toEqual([]);
  });

  it("GIVEN a confirmed forget-me THEN another person's snapshot keeps its shape, the person [removed]", async () => {
    await history();
    await heed.core.confirmForgetMe(actor(FORGOTTEN, { userName: NAME }));
    const db = new BetterSqlite3(heed.dbPath, { readonly: true });
    const row = db
      .prepare<[string], { messages_json: string }>('SELECT messages_json FROM replies WHERE asker_id = ?')
      .get(OTHER);
    db.close();
    const messages = JSON.parse(row?.messages_json ?? '[]') as { role: string; content: string }[];
    const contents = messages.map((entry) => entry.content);
    expect(contents).toContain('[[removed]] [removed]');
    expect(contents.at(-1)).toBe('[Bob] what did [removed] say?');
    const reply = row;
    expect(JSON.stringify(reply)).not.toMatch(/Zephyrine|PURPLE|U0FORGOTTEN7/);
  });
});
