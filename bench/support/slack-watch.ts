/**
 * The fake Slack Web API and the watch over Heed's calls to it, run in the platform process. A reply's
 * first text is the first streaming or posting call carrying text in the question's thread; its end is
 * the call carrying the feedback buttons (they go on the reply's last message), or for a bot without
 * them (the baseline) `chat.stopStream`.
 */
import { FAKE_BOT_USER_ID, startFakeSlack, type SlackCall } from '../../test/support/fake-slack.js';
import { absoluteNow } from './ipc.js';
import { tapCalls, type PlatformWatch, type ReplyEvent } from './platform-watch.js';

/** Calls that put reply text on the platform. */
const TEXT_METHODS = new Set([
  'chat.startStream',
  'chat.appendStream',
  'chat.stopStream',
  'chat.postMessage',
  'chat.update',
]);
/** Calls that open a new message of a reply. */
const OPENING_METHODS = new Set(['chat.startStream', 'chat.postMessage']);

/** A question to put in the fake before its events are sent to Heed. */
export interface SlackTurnRequest {
  turn: string;
  channel: string;
  user: string;
  text: string;
  /** Start a new thread (a top-level message) instead of asking in the channel's current one. */
  newThread: boolean;
}

export interface SlackTurnAnswer {
  ts: string;
  /** The thread the question is in. */
  root: string;
}

/** The markdown a streaming call carried. */
function streamedText(args: Record<string, unknown>): string {
  let text = typeof args.markdown_text === 'string' ? args.markdown_text : '';
  if (Array.isArray(args.chunks)) {
    for (const chunk of args.chunks as { type?: string; text?: string }[])
      if (chunk.type === 'markdown_text') text += chunk.text ?? '';
  }
  return text;
}

function carriesText(call: SlackCall): boolean {
  if (call.method === 'chat.postMessage' || call.method === 'chat.update')
    return typeof call.args.text === 'string' && call.args.text.trim() !== '';
  return streamedText(call.args) !== '';
}

function closesReply(call: SlackCall, endsAtStop: boolean): boolean {
  if (endsAtStop && call.method === 'chat.stopStream') return true;
  const blocks = call.args.blocks;
  return Array.isArray(blocks) && blocks.some((block) => (block as { type?: unknown }).type === 'context_actions');
}

/**
 * Start the fake Slack and watch it; `emit` receives each reply's first text and end. `endsAtStop`: a
 * reply ends at `chat.stopStream` (a bot that posts no feedback buttons).
 */
export async function slackWatch(
  expectedReply: string,
  emit: (event: ReplyEvent) => void,
  endsAtStop = false,
): Promise<PlatformWatch> {
  const slack = await startFakeSlack();
  /** The question each channel is waiting on, and the thread it is in. */
  const waiting = new Map<string, { turn: string; root: string; texted: boolean }>();
  const roots = new Map<string, string>();
  let calls: Record<string, number> = {};
  let apiErrors: string[] = [];

  tapCalls(slack.calls, (call) => {
    const at = absoluteNow();
    calls[call.method] = (calls[call.method] ?? 0) + 1;
    if (call.answer !== 'ok') apiErrors.push(`${call.method} answered ${call.answer}`);
    if (!TEXT_METHODS.has(call.method)) return;
    const channel = String(call.args.channel ?? '');
    // A call for a channel with no question waiting is a late or second reply: the count of messages
    // in the channel afterwards catches it as a duplicate.
    const entry = waiting.get(channel);
    if (!entry) return;
    const thread = OPENING_METHODS.has(call.method)
      ? call.args.thread_ts
      : slack.message(channel, String(call.args.ts ?? ''))?.thread_ts;
    if (thread !== entry.root) return;
    if (!entry.texted && carriesText(call)) {
      entry.texted = true;
      emit({ type: 'text', turn: entry.turn, at });
    }
    if (closesReply(call, endsAtStop)) {
      waiting.delete(channel);
      emit({ type: 'done', turn: entry.turn, at });
    }
  });

  return {
    env: { SLACK_API_URL: slack.url },
    turn(request) {
      const { turn, channel, user, text, newThread } = request as unknown as SlackTurnRequest;
      const ts = slack.nextTs();
      const root = newThread ? ts : (roots.get(channel) ?? ts);
      roots.set(channel, root);
      slack.addMessage(channel, { ts, text, user, ...(root !== ts ? { thread_ts: root } : {}) });
      waiting.set(channel, { turn, root, texted: false });
      const answer: SlackTurnAnswer = { ts, root };
      return { ...answer };
    },
    summary(answered) {
      // One bot message per answered question, each the model's exact text.
      let duplicates = 0;
      const errors = apiErrors;
      for (const [channel, count] of Object.entries(answered)) {
        const replies = slack.messagesIn(channel).filter((message) => message.user === FAKE_BOT_USER_ID);
        if (replies.length > count) duplicates += replies.length - count;
        for (const reply of replies) {
          if (reply.text !== expectedReply)
            errors.push(
              `reply text differs from the model's in ${channel}: ${JSON.stringify(reply.text.slice(0, 80))}`,
            );
        }
      }
      const summary = { duplicates, errors, calls };
      calls = {};
      apiErrors = [];
      return summary;
    },
    close: () => slack.close(),
  };
}
