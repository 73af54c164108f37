/**
 * Load for the Discord half of the end-to-end benchmark: closed-loop conversations, each a DM with a
 * person of its own (so each has its own channel and its own rate-limit bucket, as separate channels
 * would), sent as gateway MESSAGE_CREATE dispatches into discord.js; the first question of each chain is
 * a plain message, the rest reply to Heed's previous answer. The fake Discord's REST log shows the
 * reply: its first text (the first message posted) and its end (the post or edit carrying the model's
 * whole text).
 */
import type { APIMessage, APIUser } from 'discord.js';
import type { FakeDiscord, RecordedCall } from '../../test/support/fake-discord.js';
import { absoluteNow } from './ipc.js';
import { runConversations, type ConversationPlan, type LoadResult, type Turn } from './load.js';

export interface DiscordLoadOptions extends ConversationPlan {
  fake: FakeDiscord;
  /** Person ids are this prefix plus the conversation number: a run's people are its own. */
  personPrefix: string;
}

const POST_MESSAGE = /^\/channels\/(\d+)\/messages$/;
const EDIT_MESSAGE = /^\/channels\/(\d+)\/messages\/(\d+)$/;

/** A REST path with its ids replaced, for counting calls by route. */
const routeOf = (call: RecordedCall): string => `${call.method} ${call.path.replace(/\d{5,}/g, ':id').replace(/\/webhooks\/:id\/[^/]+/, '/webhooks/:id/:token')}`;

function person(prefix: string, index: number): APIUser {
  const name = `person${prefix}${index}`;
  return { id: `16${prefix}${String(index).padStart(15, '0')}`, username: name, discriminator: '0', global_name: name, avatar: null, bot: false };
}

/**
 * Observe every REST call the fake records. The fake appends each call to its public `calls` array;
 * wrapping that array's `push` sees each one at once, without rescanning the log.
 */
function tapCalls(fake: FakeDiscord, listener: (call: RecordedCall) => void): () => void {
  const calls = fake.calls;
  const push = calls.push.bind(calls);
  calls.push = (...items: RecordedCall[]) => {
    const length = push(...items);
    for (const item of items) listener(item);
    return length;
  };
  return () => {
    calls.push = push;
  };
}

/** Run the conversations against Heed's Discord adapter; resolves when all are done or out of time. */
export async function runDiscordLoad(options: DiscordLoadOptions): Promise<LoadResult> {
  const { fake, personPrefix, expectedReply } = options;
  /** The turn each person's message id is waiting on. */
  const waiting = new Map<string, Turn>();
  const apiErrors: string[] = [];
  const callCounts: Record<string, number> = {};

  /** The turn a posted or edited bot message answers, from the message it replies to. */
  const turnOf = (message: APIMessage | undefined): Turn | undefined => {
    const source = message?.message_reference?.message_id;
    return source === undefined ? undefined : waiting.get(source);
  };

  const untap = tapCalls(fake, (call) => {
    const route = routeOf(call);
    callCounts[route] = (callCounts[route] ?? 0) + 1;
    if (call.status >= 400) apiErrors.push(`${route} answered HTTP ${call.status}`);
    const at = absoluteNow();
    const content = (call.body as { content?: unknown } | undefined)?.content;
    if (typeof content !== 'string') return;
    let turn: Turn | undefined;
    if (call.method === 'POST' && POST_MESSAGE.test(call.path)) {
      const source = (call.body as { message_reference?: { message_id?: string } }).message_reference?.message_id;
      turn = source === undefined ? undefined : waiting.get(source);
    } else if (call.method === 'PATCH') {
      const id = EDIT_MESSAGE.exec(call.path)?.[2];
      turn = id === undefined ? undefined : turnOf(fake.message(id));
    }
    // A call for no waiting turn is a late or second reply: the count of messages afterwards catches it.
    if (!turn) return;
    if (turn.firstTextAt === undefined && content.trim() !== '') turn.firstTextAt = at;
    if (content === expectedReply) turn.complete(at);
  });

  const channels = new Map<number, string>();
  try {
    const result = await runConversations(options, async (conversation, turn) => {
      const author = person(personPrefix, conversation.index);
      const channel = channels.get(conversation.index);
      // The first question of each chain is a plain message; the rest reply to Heed's last answer.
      const replyTo = turn.index % options.turnsPerThread === 0 || channel === undefined ? undefined : fake.botMessagesIn(channel).at(-1)?.id;
      turn.sentAt = absoluteNow();
      const message = fake.userMessage({ author, dm: true, content: turn.question, ...(replyTo ? { replyTo } : {}) });
      waiting.set(message.id, turn);
      channels.set(conversation.index, message.channel_id);
      void turn.done.then(() => waiting.delete(message.id));
    });

    // Afterwards, what the DMs hold: one bot message per answered turn, each the model's exact text.
    let duplicates = 0;
    const wrongText: string[] = [];
    for (const [index, channel] of channels) {
      const replies = fake.botMessagesIn(channel);
      const answered = result.turns.filter((turn) => turn.conversation === index && turn.doneAt !== undefined).length;
      if (replies.length > answered) duplicates += replies.length - answered;
      for (const reply of replies) if (reply.content !== expectedReply) wrongText.push(`${channel}: ${JSON.stringify(reply.content.slice(0, 80))}`);
    }
    return { ...result, duplicates, platformCalls: callCounts, errors: [...result.errors, ...apiErrors, ...wrongText.map((text) => `reply text differs from the model's: ${text}`)] };
  } finally {
    untap();
  }
}
