/**
 * 500 mentions arriving at once through the real Bolt receiver: every one is answered exactly once, and
 * the database never surfaces SQLITE_BUSY (every write goes through the one connection, in order).
 */
import BetterSqlite3 from 'better-sqlite3';
import { afterEach, expect, it } from 'vitest';
import { FAKE_REPLY } from '../support/fake-openai.js';
import { startWorld, type World } from './world.js';

let h: World;
afterEach(async () => {
  await h?.close();
});

it('answers 500 concurrent mentions exactly once each, with no SQLITE_BUSY', async () => {
  h = await startWorld();
  const people = 50;
  const mentions = await Promise.all(
    Array.from({ length: 500 }, (_, i) => h.mention(`U${i % people}`, `question number ${i}`)),
  );
  expect(mentions.every(({ response }) => response.status === 200)).toBe(true);
  await h.idle();

  for (const { ts } of mentions) expect(h.botReplies(ts).map((message) => message.text)).toEqual([FAKE_REPLY]);
  // Each answer arrived whole, so each reply is one post.
  expect(h.slack.callsOf('chat.postMessage')).toHaveLength(500);
  expect(h.slack.calls.every((call) => call.answer === 'ok')).toBe(true);
  expect(h.modelRequests()).toBe(500);
  expect(h.logs.filter((line) => line.level >= 50)).toEqual([]);
  expect(JSON.stringify(h.logs)).not.toContain('SQLITE_BUSY');

  const db = new BetterSqlite3(h.test.dbPath, { timeout: 5000 });
  try {
    expect(db.prepare('SELECT status, count(*) AS n FROM message_claims GROUP BY status').all()).toEqual([
      { status: 'done', n: 500 },
    ]);
    expect(db.prepare('SELECT status, count(*) AS n FROM replies GROUP BY status').all()).toEqual([
      { status: 'complete', n: 500 },
    ]);
  } finally {
    db.close();
  }
});
