/**
 * What the child-process fault tests share: the fakes run in the test process (so they outlive a killed
 * bot), the bot's environment points at them, and its database is a temporary file that survives restarts.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import { startFakeOpenAI, type FakeOpenAI } from '../support/fake-openai.js';
import { FAKE_BOT_USER_ID, startFakeSlack, type FakeSlack } from '../support/fake-slack.js';
import { startBotProcess, type BotProcess } from '../support/bot-process.js';
import { postEvent } from '../support/slack-signing.js';
import { BOT_TOKEN, CHANNEL, envelope, SIGNING_SECRET } from '../adapters/slack/harness.js';

export interface ChildWorld {
  slack: FakeSlack;
  openai: FakeOpenAI;
  dbPath: string;
  /** Start (or restart) the bot on the same database; `env` adds to or overrides the defaults. */
  startBot(env?: Record<string, string>): Promise<BotProcess>;
  /** A person's mention in CHANNEL, held by the fake Slack; returns the event to send (and resend). */
  mention(user: string, text: string): { ts: string; event: Record<string, unknown> };
  /** POST the event to the bot as Slack would; `retry` sets X-Slack-Retry-Num. */
  deliver(bot: BotProcess, event: Record<string, unknown>, eventId: string, retry?: number): Promise<Response>;
  /**
   * Read the bot's database with a separate connection (after the bot exited, or beside it: under WAL a reader never
   * waits for the writer).
   */
  query<T>(sql: string, ...params: unknown[]): T[];
  close(): Promise<void>;
}

/** Start the fakes and pick a database path. */
export async function startChildWorld(): Promise<ChildWorld> {
  const slack = await startFakeSlack();
  const openai = await startFakeOpenAI();
  const dir = mkdtempSync(join(tmpdir(), 'heed-faults-'));
  const dbPath = join(dir, 'heed.db');
  const bots: BotProcess[] = [];
  return {
    slack,
    openai,
    dbPath,
    async startBot(env = {}) {
      const bot = await startBotProcess({
        env: {
          DATABASE_PATH: dbPath,
          LOG_LEVEL: 'debug',
          OPENAI_BASE_URL: openai.url,
          OPENAI_API_KEY: 'sk-test-key-for-fake-server',
          OPENAI_MODEL: 'fake-model',
          OPENAI_MAX_RETRIES: '0',
          SLACK_BOT_TOKEN: BOT_TOKEN,
          SLACK_SIGNING_SECRET: SIGNING_SECRET,
          SLACK_API_URL: slack.url,
          PORT: '0',
          ...env,
        },
      });
      bots.push(bot);
      return bot;
    },
    mention(user, text) {
      const ts = slack.nextTs();
      const fullText = `<@${FAKE_BOT_USER_ID}> ${text}`;
      slack.addMessage(CHANNEL, { ts, text: fullText, user });
      return { ts, event: { type: 'app_mention', user, text: fullText, ts, channel: CHANNEL, event_ts: ts } };
    },
    deliver(bot, event, eventId, retry) {
      const headers: Record<string, string> = retry
        ? { 'X-Slack-Retry-Num': String(retry), 'X-Slack-Retry-Reason': 'http_timeout' }
        : {};
      return postEvent(bot.baseUrl, SIGNING_SECRET, envelope(event, eventId), { headers });
    },
    query<T>(sql: string, ...params: unknown[]): T[] {
      const db = new BetterSqlite3(dbPath, { timeout: 5000 });
      try {
        return db.prepare(sql).all(...params) as T[];
      } finally {
        db.close();
      }
    },
    async close() {
      await Promise.all(bots.map((bot) => bot.kill()));
      await openai.close();
      await slack.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
