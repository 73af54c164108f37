/**
 * A model stream that breaks mid-way (socket cut, early clean end, stall past the time-out) leaves the
 * Slack message finalized with the text so far plus a short notice and the feedback buttons; the snapshot
 * is stored as `partial`, and a 👎 on the message files a report against it. (The core's own test covers
 * the snapshot; this drives the whole path through Bolt and the fake Slack.)
 */
import BetterSqlite3 from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import { MODEL_ERROR_MESSAGES } from '../../src/core/model/model-error.js';
import { FAKE_BOT_USER_ID, FAKE_TEAM_ID } from '../support/fake-slack.js';
import type { Behaviour } from '../support/fake-openai.js';
import { CHANNEL, startHarness, type Harness } from '../adapters/slack/harness.js';

let h: Harness;
afterEach(async () => {
  await h?.close();
});

const REPLY = 'Monads are a way to chain computations that carry context, such as failure or state.';

function storedReplies(): Array<{ status: string; reply_text: string; error: string | null }> {
  const db = new BetterSqlite3(h.test.dbPath, { timeout: 5000 });
  try {
    return db.prepare('SELECT status, reply_text, error FROM replies').all() as Array<{
      status: string;
      reply_text: string;
      error: string | null;
    }>;
  } finally {
    db.close();
  }
}

const cases: Array<{
  name: string;
  behaviour: Behaviour;
  partial: string;
  code: 'model_stream_cut' | 'model_timeout';
  env?: Record<string, string>;
}> = [
  {
    name: 'the connection is cut',
    behaviour: { cutAfterChunks: 5, reply: REPLY },
    partial: REPLY.slice(0, 20),
    code: 'model_stream_cut',
  },
  {
    name: 'the stream ends early without a finish reason',
    behaviour: { cutAfterChunks: 5, reply: REPLY, endCleanly: true },
    partial: REPLY.slice(0, 20),
    code: 'model_stream_cut',
  },
  {
    name: 'the stream stalls past OPENAI_TIMEOUT_MS',
    behaviour: { reply: REPLY, chunkSize: 20, tokenIntervalMs: 60_000 },
    partial: REPLY.slice(0, 20),
    code: 'model_timeout',
    env: { OPENAI_TIMEOUT_MS: '300' },
  },
];

describe('interrupted replies', () => {
  for (const { name, behaviour, partial, code, env } of cases) {
    it(`finalizes the message with the text so far and a notice when ${name}; the snapshot is partial and can be reported`, async () => {
      h = await startHarness(env ? { env } : {});
      h.openai.enqueue(behaviour);
      const { ts } = await h.mention('U1', 'what is a monad?');
      await h.idle();

      const replies = h.botReplies(CHANNEL, ts);
      expect(replies).toHaveLength(1);
      const message = replies[0];
      // Finished: a stream stopped, or one post when the partial text was at hand whole.
      expect(message?.streaming).not.toBe(true);
      expect(message?.text).toBe(`${partial}\n\n_${MODEL_ERROR_MESSAGES[code]}_`);
      const blocks = (message?.blocks as Array<{ type: string }> | undefined)?.map((block) => block.type);
      expect(blocks?.filter((type) => type !== 'markdown')).toEqual(['context_actions']);
      expect(storedReplies()).toEqual([{ status: 'partial', reply_text: partial, error: code }]);

      await h.event({
        type: 'reaction_added',
        user: 'U2',
        reaction: '-1',
        item_user: FAKE_BOT_USER_ID,
        item: { type: 'message', channel: CHANNEL, ts: message?.ts },
        event_ts: h.slack.nextTs(),
      });
      await h.idle();
      const reports = await h.test.core.recentReports(
        { platform: 'slack', workspaceId: FAKE_TEAM_ID, userId: 'U2' },
        10,
      );
      expect(reports).toMatchObject([{ status: 'open', signal: 'bad', replyExcerpt: partial }]);
    });
  }
});
