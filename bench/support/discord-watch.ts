/**
 * The fake Discord (REST and gateway) and the watch over Heed's calls to it, run in the platform
 * process. Questions are DMs from a person of each conversation's own, dispatched as gateway
 * MESSAGE_CREATE events (stamped as they are sent); a reply's first text is the first message posted
 * in reply to the question, its end the post or edit carrying the model's whole text.
 */
import type { APIMessage, APIUser } from 'discord.js';
import { startFakeDiscord, type RecordedCall } from '../../test/support/fake-discord.js';
import { absoluteNow } from './ipc.js';
import { tapCalls, type PlatformWatch, type ReplyEvent } from './platform-watch.js';

/** A question to dispatch to Heed. */
export interface DiscordTurnRequest {
  turn: string;
  /** Who asks (digits, unique per conversation): one person and so one DM channel per conversation. */
  person: string;
  content: string;
  /** Start a new reply chain (a plain message) instead of replying to Heed's last answer. */
  newChain: boolean;
}

export interface DiscordTurnAnswer {
  /** When the question was dispatched (this process's clock). */
  sentAt: number;
  channel: string;
}

const POST_MESSAGE = /^\/channels\/(\d+)\/messages$/;
const EDIT_MESSAGE = /^\/channels\/(\d+)\/messages\/(\d+)$/;

/** A REST path with its ids replaced, for counting calls by route. */
const routeOf = (call: RecordedCall): string => `${call.method} ${call.path.replace(/\d{5,}/g, ':id')}`;

/** The person with this key (digits only), as Discord would send them. */
function person(key: string): APIUser {
  return {
    id: `16${key.padStart(16, '0')}`,
    username: `person${key}`,
    discriminator: '0',
    global_name: `Person ${key}`,
    avatar: null,
    bot: false,
  };
}

/** Start the fake Discord and watch it; `emit` receives each reply's first text and end. */
export async function discordWatch(expectedReply: string, emit: (event: ReplyEvent) => void): Promise<PlatformWatch> {
  const fake = await startFakeDiscord();
  /** The question each person's message id is waiting on. */
  const waiting = new Map<string, { turn: string; texted: boolean }>();
  let calls: Record<string, number> = {};
  let apiErrors: string[] = [];

  /** The question a bot message answers, from the message it replies to. */
  const entryOf = (message: APIMessage | undefined) => {
    const source = message?.message_reference?.message_id;
    return source === undefined ? undefined : waiting.get(source);
  };

  tapCalls(fake.calls, (call) => {
    const at = absoluteNow();
    const route = routeOf(call);
    calls[route] = (calls[route] ?? 0) + 1;
    if (call.status >= 400) apiErrors.push(`${route} answered HTTP ${call.status}`);
    const content = (call.body as { content?: unknown } | undefined)?.content;
    if (typeof content !== 'string') return;
    let entry: { turn: string; texted: boolean } | undefined;
    let source: string | undefined;
    if (call.method === 'POST' && POST_MESSAGE.test(call.path)) {
      source = (call.body as { message_reference?: { message_id?: string } }).message_reference?.message_id;
      entry = source === undefined ? undefined : waiting.get(source);
    } else if (call.method === 'PATCH') {
      const id = EDIT_MESSAGE.exec(call.path)?.[2];
      const message = id === undefined ? undefined : fake.message(id);
      source = message?.message_reference?.message_id;
      entry = entryOf(message);
    }
    // A call for no waiting question is a late or second reply: the count of messages afterwards catches it.
    if (!entry || source === undefined) return;
    if (!entry.texted && content.trim() !== '') {
      entry.texted = true;
      emit({ type: 'text', turn: entry.turn, at });
    }
    if (content === expectedReply) {
      waiting.delete(source);
      emit({ type: 'done', turn: entry.turn, at });
    }
  });

  return {
    env: { DISCORD_TOKEN: fake.token, DISCORD_APPLICATION_ID: fake.applicationId, DISCORD_API_URL: fake.apiUrl },
    turn(request) {
      const { turn, person: key, content, newChain } = request as unknown as DiscordTurnRequest;
      const author = person(key);
      const channel = fake.dmChannelOf(author);
      const replyTo = newChain ? undefined : fake.botMessagesIn(channel).at(-1)?.id;
      const sentAt = absoluteNow();
      const message = fake.userMessage({ author, dm: true, content, ...(replyTo ? { replyTo } : {}) });
      waiting.set(message.id, { turn, texted: false });
      const answer: DiscordTurnAnswer = { sentAt, channel };
      return { ...answer };
    },
    summary(answered) {
      let duplicates = 0;
      const errors = apiErrors;
      for (const [channel, count] of Object.entries(answered)) {
        const replies = fake.botMessagesIn(channel);
        if (replies.length > count) duplicates += replies.length - count;
        for (const reply of replies) {
          if (reply.content !== expectedReply)
            errors.push(
              `reply text differs from the model's in ${channel}: ${JSON.stringify(reply.content.slice(0, 80))}`,
            );
        }
      }
      const summary = { duplicates, errors, calls };
      calls = {};
      apiErrors = [];
      return summary;
    },
    close: () => fake.close(),
  };
}
