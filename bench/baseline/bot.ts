/**
 * The obvious bot that issue 12 measures Heed against, written as a new user would from the Bolt and
 * openai READMEs: a Bolt app in HTTP mode, the `openai` SDK streaming, one better-sqlite3 insert per
 * reply, and the reply sent with Bolt's `client.chatStream` and its defaults (a 256-character buffer).
 * No custom instructions, no thread history, no feedback: the floor any feature of Heed's is paid above.
 * `npm run bench` starts it exactly like Heed (same fake Slack and model, same probe, plain node).
 */
import { App } from '@slack/bolt';
import Database from 'better-sqlite3';
import OpenAI from 'openai';

const env = (name: string): string => {
  const value = process.env[name];
  if (!value) throw new Error(`${name} is not set`);
  return value;
};

const db = new Database(env('DATABASE_PATH'));
db.pragma('journal_mode = WAL');
db.exec(`CREATE TABLE IF NOT EXISTS replies (
  id INTEGER PRIMARY KEY,
  channel TEXT NOT NULL,
  ts TEXT NOT NULL,
  user TEXT NOT NULL,
  question TEXT NOT NULL,
  answer TEXT NOT NULL,
  created_at TEXT NOT NULL DEFAULT (datetime('now'))
)`);
const insertReply = db.prepare('INSERT INTO replies (channel, ts, user, question, answer) VALUES (?, ?, ?, ?, ?)');

const openai = new OpenAI({ apiKey: env('OPENAI_API_KEY'), baseURL: process.env.OPENAI_BASE_URL });
const model = process.env.OPENAI_MODEL ?? 'gpt-4o-mini';

const app = new App({
  token: env('SLACK_BOT_TOKEN'),
  signingSecret: env('SLACK_SIGNING_SECRET'),
  ...(process.env.SLACK_API_URL ? { clientOptions: { slackApiUrl: process.env.SLACK_API_URL } } : {}),
});

app.event('app_mention', async ({ event, client, context }) => {
  const question = event.text.replace(/<@[^>]+>\s*/g, '');
  const threadTs = event.thread_ts ?? event.ts;
  const streamer = client.chatStream({
    channel: event.channel,
    thread_ts: threadTs,
    ...(context.teamId ? { recipient_team_id: context.teamId } : {}),
    ...(event.user ? { recipient_user_id: event.user } : {}),
  });
  let answer = '';
  try {
    const stream = await openai.chat.completions.create({
      model,
      stream: true,
      messages: [
        { role: 'system', content: 'You are a helpful assistant in Slack.' },
        { role: 'user', content: question },
      ],
    });
    for await (const chunk of stream) {
      const delta = chunk.choices[0]?.delta.content;
      if (!delta) continue;
      answer += delta;
      await streamer.append({ markdown_text: delta });
    }
  } catch (error) {
    console.error('model call failed', error);
    answer ||= 'Sorry, something went wrong.';
    await streamer.append({ markdown_text: answer });
  }
  await streamer.stop();
  insertReply.run(event.channel, threadTs, event.user ?? '', question, answer);
});

await app.start(Number(process.env.PORT ?? 3000));
// The benchmark waits for this JSON line on stderr, as it does for Heed's "Heed is running" log line.
process.stderr.write(`${JSON.stringify({ level: 30, msg: 'baseline is running' })}\n`);

process.on('SIGTERM', () => {
  void app.stop().finally(() => {
    db.close();
    process.exit(0);
  });
});
