/**
 * Load for the Slack half of the end-to-end benchmark: closed-loop conversations, each a thread in its
 * own channel, sending signed Events API requests into Heed's Bolt HTTP receiver exactly as Slack does
 * (an `app_mention` and its `message` twin for every mention) and watching the fake Slack Web API for
 * the reply: its first text on the platform, and its end (the call carrying the feedback buttons).
 */
import { FAKE_APP_ID, FAKE_BOT_USER_ID, FAKE_TEAM_ID, type FakeSlack, type SlackCall } from '../../test/support/fake-slack.js';
import { postEvent } from '../../test/support/slack-signing.js';
import { absoluteNow } from './ipc.js';
import { runConversations, type ConversationPlan, type LoadResult, type Turn } from './load.js';

/** Calls that put reply text on the platform. */
const TEXT_METHODS = new Set(['chat.startStream', 'chat.appendStream', 'chat.stopStream', 'chat.postMessage', 'chat.update']);
/** Calls that open a new message of a reply. */
const OPENING_METHODS = new Set(['chat.startStream', 'chat.postMessage']);

export interface SlackLoadOptions extends ConversationPlan {
  slack: FakeSlack;
  /** Heed's HTTP receiver, e.g. http://127.0.0.1:PORT */
  baseUrl: string;
  signingSecret: string;
  /** Channel ids are this prefix plus the conversation number. */
  channelPrefix: string;
}

/** The markdown a streaming call carried. */
function streamedText(args: Record<string, unknown>): string {
  let text = typeof args.markdown_text === 'string' ? args.markdown_text : '';
  if (Array.isArray(args.chunks)) {
    for (const chunk of args.chunks as { type?: string; text?: string }[]) if (chunk.type === 'markdown_text') text += chunk.text ?? '';
  }
  return text;
}

function carriesText(call: SlackCall): boolean {
  if (call.method === 'chat.postMessage' || call.method === 'chat.update') return typeof call.args.text === 'string' && call.args.text.trim() !== '';
  return streamedText(call.args) !== '';
}

function closesReply(call: SlackCall): boolean {
  const blocks = call.args.blocks;
  return Array.isArray(blocks) && blocks.some((block) => (block as { type?: unknown }).type === 'context_actions');
}

let events = 0;

function envelope(event: Record<string, unknown>): Record<string, unknown> {
  return {
    token: 'unused-verification-token',
    team_id: FAKE_TEAM_ID,
    context_team_id: FAKE_TEAM_ID,
    api_app_id: FAKE_APP_ID,
    event,
    type: 'event_callback',
    event_id: `EvB${String(++events).padStart(9, '0')}`,
    event_time: Math.floor(Date.now() / 1000),
    authorizations: [{ enterprise_id: null, team_id: FAKE_TEAM_ID, user_id: FAKE_BOT_USER_ID, is_bot: true, is_enterprise_install: false }],
    is_ext_shared_channel: false,
  };
}

/**
 * Observe every Web API call the fake records. The fake appends each call to its public `calls` array
 * as it answers; wrapping that array's `push` sees each one at once, without rescanning the log.
 */
function tapCalls(slack: FakeSlack, listener: (call: SlackCall) => void): () => void {
  const calls = slack.calls;
  const push = calls.push.bind(calls);
  calls.push = (...items: SlackCall[]) => {
    const length = push(...items);
    for (const item of items) listener(item);
    return length;
  };
  return () => {
    calls.push = push;
  };
}

/** Run the conversations against Heed's Slack adapter; resolves when all are done or out of time. */
export async function runSlackLoad(options: SlackLoadOptions): Promise<LoadResult> {
  const { slack, baseUrl, signingSecret, channelPrefix } = options;
  /** The turn each channel is waiting on, and the thread its conversation lives in. */
  const waiting = new Map<string, { turn: Turn; root: string }>();
  const apiErrors: string[] = [];
  const callCounts: Record<string, number> = {};

  const untap = tapCalls(slack, (call) => {
    if (call.answer !== 'ok') apiErrors.push(`${call.method} answered ${call.answer}`);
    callCounts[call.method] = (callCounts[call.method] ?? 0) + 1;
    if (!TEXT_METHODS.has(call.method)) return;
    const at = absoluteNow();
    const channel = String(call.args.channel ?? '');
    // A call for a channel with no turn waiting is a late or second reply: the count of messages in
    // the channel afterwards catches it as a duplicate.
    const entry = waiting.get(channel);
    if (!entry) return;
    const thread = OPENING_METHODS.has(call.method) ? call.args.thread_ts : slack.message(channel, String(call.args.ts ?? ''))?.thread_ts;
    if (thread !== entry.root) return;
    const { turn } = entry;
    if (turn.firstTextAt === undefined && carriesText(call)) turn.firstTextAt = at;
    if (closesReply(call)) {
      waiting.delete(channel);
      turn.complete(at);
    }
  });

  try {
    const result = await runConversations(options, async (conversation, turn) => {
      const channel = `${channelPrefix}${String(conversation.index).padStart(5, '0')}`;
      const user = `U${channelPrefix}${String(conversation.index).padStart(5, '0')}`;
      const ts = slack.nextTs();
      // The first question of each thread is a new top-level mention; the rest are asked in its thread.
      const root = turn.index % options.turnsPerThread === 0 ? ts : String(conversation.state.root);
      conversation.state.root = root;
      const text = `<@${FAKE_BOT_USER_ID}> ${turn.question}`;
      slack.addMessage(channel, { ts, text, user, ...(root !== ts ? { thread_ts: root } : {}) });
      const event = { user, text, ts, channel, event_ts: ts, team: FAKE_TEAM_ID, ...(root !== ts ? { thread_ts: root } : {}) };
      waiting.set(channel, { turn, root });
      turn.sentAt = absoluteNow();
      // Slack sends both: the app_mention subscription and message.channels both match a mention.
      const [mention, twin] = await Promise.all([
        postEvent(baseUrl, signingSecret, envelope({ type: 'app_mention', ...event }), { headers: { 'X-Bench-Turn': turn.id } }),
        postEvent(baseUrl, signingSecret, envelope({ type: 'message', channel_type: 'channel', ...event }), { headers: { 'X-Bench-Turn': `${turn.id}/twin` } }),
      ]);
      turn.ackMs = absoluteNow() - turn.sentAt;
      await Promise.all([mention.arrayBuffer(), twin.arrayBuffer()]);
      if (mention.status !== 200 || twin.status !== 200) turn.errors.push(`event acknowledged with HTTP ${mention.status}/${twin.status}`);
    });

    // Afterwards, what the channels hold: one bot message per answered turn, each the model's exact text.
    let duplicates = 0;
    const wrongText: string[] = [];
    for (let index = 0; index < options.conversations; index++) {
      const channel = `${channelPrefix}${String(index).padStart(5, '0')}`;
      const replies = slack.messagesIn(channel).filter((message) => message.user === FAKE_BOT_USER_ID);
      const answered = result.turns.filter((turn) => turn.conversation === index && turn.doneAt !== undefined).length;
      if (replies.length > answered) duplicates += replies.length - answered;
      for (const reply of replies) if (reply.text !== options.expectedReply) wrongText.push(`${channel}: ${JSON.stringify(reply.text.slice(0, 80))}`);
    }
    return { ...result, duplicates, platformCalls: callCounts, errors: [...result.errors, ...apiErrors, ...wrongText.map((text) => `reply text differs from the model's: ${text}`)] };
  } finally {
    untap();
  }
}
