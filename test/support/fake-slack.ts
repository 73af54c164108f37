/**
 * A fake Slack Web API server on 127.0.0.1 for tests and benchmarks. Bolt's WebClient is pointed at it
 * with `clientOptions.slackApiUrl` (via `SLACK_API_URL`), so the real client serialises, sends and parses
 * every call as it would against slack.com. The fake records each call with its parsed arguments, keeps
 * the messages the bot posts (so thread history round-trips through `conversations.replies`), lets a test
 * script per-method answers (platform errors, HTTP statuses, 429 with Retry-After), and resolves promises
 * when a given call arrives, so tests wait for events instead of sleeping.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';

/** The fake's identity, answered by `auth.test`. */
export const FAKE_TEAM_ID = 'T0001';
export const FAKE_BOT_USER_ID = 'U0BOT';
export const FAKE_BOT_ID = 'B0BOT';
export const FAKE_APP_ID = 'A0APP';

/** Form fields the WebClient JSON-encodes; the fake decodes them back into objects. */
const JSON_FIELDS = new Set(['blocks', 'attachments', 'view', 'metadata', 'chunks', 'prompts', 'loading_messages']);

/** One Web API call as the fake received it. */
export interface SlackCall {
  method: string;
  args: Record<string, unknown>;
  /** The bearer token sent (tests assert it is the bot token; never logged). */
  token?: string;
  /** How the fake answered: `ok`, a platform error code, or `http <status>`. */
  answer: string;
}

/** A JSON body posted to a `response_url` (Bolt's `respond()`). */
export interface ResponseUrlPost {
  id: string;
  body: Record<string, unknown>;
}

/** A message the fake holds, shaped like Slack's message objects. */
export interface FakeMessage {
  type: 'message';
  ts: string;
  text: string;
  user?: string;
  bot_id?: string;
  thread_ts?: string;
  blocks?: unknown[];
  subtype?: string;
  [key: string]: unknown;
}

/** A user as `users.info` returns it. */
export interface FakeUser {
  id: string;
  name: string;
  real_name?: string;
  is_admin?: boolean;
  is_owner?: boolean;
  is_primary_owner?: boolean;
  is_bot?: boolean;
  profile?: { display_name?: string; real_name?: string };
}

/** A scripted answer for one call of a method. */
export type FakeAnswer =
  /** `{ ok: false, error }` plus extra fields (e.g. `needed` for missing_scope). */
  | { error: string; extra?: Record<string, unknown> }
  /** HTTP 429 with `Retry-After`. */
  | { rateLimited: number }
  /** Any other HTTP status, with an empty JSON body. */
  | { status: number }
  /** A custom `ok` body (merged over `{ ok: true }`). */
  | { body: Record<string, unknown> };

export interface FakeSlack {
  /** The Web API base, e.g. `http://127.0.0.1:PORT/api/`: use as `SLACK_API_URL`. */
  url: string;
  /** `http://127.0.0.1:PORT` */
  origin: string;
  /** Every Web API call, in arrival order. */
  calls: SlackCall[];
  /** Calls of one method, in order. */
  callsOf(method: string): SlackCall[];
  /** Resolves with the n-th call (1-based, counted from server start) of `method`, whenever it arrives. */
  waitForCall(method: string, n?: number): Promise<SlackCall>;
  /** Queue answers for the next calls of `method`, one per call; afterwards the default answer resumes. */
  enqueue(method: string, ...answers: FakeAnswer[]): void;
  /** A `response_url` served by this fake; posts to it are recorded under `id`. */
  responseUrl(id: string): string;
  /** Every JSON body posted to a response URL, in order. */
  responsePosts: ResponseUrlPost[];
  /** Resolves with the n-th post (1-based) to the response URL `id`. */
  waitForResponse(id: string, n?: number): Promise<ResponseUrlPost>;
  /** Register a user for `users.info`. Unknown ids get a plain non-admin user named after the id. */
  addUser(user: FakeUser): void;
  /** Put a message into a channel (e.g. earlier thread messages by people), as if someone had posted it. */
  addMessage(channel: string, message: Omit<FakeMessage, 'type'> & { ts: string; text: string }): FakeMessage;
  /** The messages held for a channel, oldest first. */
  messagesIn(channel: string): FakeMessage[];
  /** A message by channel and ts. */
  message(channel: string, ts: string): FakeMessage | undefined;
  /** A fresh Slack timestamp, later than every one handed out before (for messages a test invents). */
  nextTs(): string;
  close(): Promise<void>;
}

interface Waiter<T> {
  key: string;
  n: number;
  resolve: (value: T) => void;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const parts: Buffer[] = [];
    req.on('data', (chunk: Buffer) => parts.push(chunk));
    req.on('end', () => resolve(Buffer.concat(parts).toString('utf8')));
    req.on('error', reject);
  });
}

/** Decode the WebClient's form body, turning the JSON-encoded fields back into values. */
function parseArgs(raw: string, contentType: string | undefined): Record<string, unknown> {
  if (contentType?.startsWith('application/json')) {
    const parsed: unknown = raw === '' ? {} : JSON.parse(raw);
    return isRecord(parsed) ? parsed : {};
  }
  const args: Record<string, unknown> = {};
  for (const [key, value] of new URLSearchParams(raw)) {
    if (JSON_FIELDS.has(key)) {
      try {
        args[key] = JSON.parse(value);
        continue;
      } catch {
        // Not JSON after all: keep the string, as Slack would reject it anyway.
      }
    }
    args[key] = value;
  }
  return args;
}

/** The markdown text carried by a streaming call: `markdown_text` or `markdown_text` chunks. */
function streamedText(args: Record<string, unknown>): string {
  let text = typeof args.markdown_text === 'string' ? args.markdown_text : '';
  if (Array.isArray(args.chunks)) {
    for (const chunk of args.chunks) {
      if (isRecord(chunk) && chunk.type === 'markdown_text' && typeof chunk.text === 'string') text += chunk.text;
    }
  }
  return text;
}

function sendJson(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  const text = JSON.stringify(body);
  res.writeHead(status, {
    'content-type': 'application/json; charset=utf-8',
    'content-length': Buffer.byteLength(text),
    ...headers,
  });
  res.end(text);
}

/** Start the fake on an ephemeral port of 127.0.0.1. */
export async function startFakeSlack(): Promise<FakeSlack> {
  const calls: SlackCall[] = [];
  const counts = new Map<string, number>();
  const scripted = new Map<string, FakeAnswer[]>();
  const callWaiters: Waiter<SlackCall>[] = [];
  const responsePosts: ResponseUrlPost[] = [];
  const responseCounts = new Map<string, number>();
  const responseWaiters: Waiter<ResponseUrlPost>[] = [];
  const channels = new Map<string, FakeMessage[]>();
  const users = new Map<string, FakeUser>();
  const sockets = new Set<Socket>();
  // Slack timestamps are seconds.microseconds and increase; a counter keeps them unique and ordered.
  const tsBase = Math.floor(Date.now() / 1000);
  let tsCounter = 0;
  let viewCounter = 0;
  const nextTs = (): string => `${tsBase}.${String(++tsCounter).padStart(6, '0')}`;

  const channelMessages = (channel: string): FakeMessage[] => {
    let list = channels.get(channel);
    if (!list) {
      list = [];
      channels.set(channel, list);
    }
    return list;
  };
  const findMessage = (channel: string, ts: string): FakeMessage | undefined =>
    channels.get(channel)?.find((message) => message.ts === ts);

  const settle = <T>(waiters: Waiter<T>[], key: string, n: number, value: T): void => {
    for (let index = waiters.length - 1; index >= 0; index--) {
      const waiter = waiters[index];
      if (waiter && waiter.key === key && waiter.n === n) {
        waiters.splice(index, 1);
        waiter.resolve(value);
      }
    }
  };

  const userOf = (id: string): FakeUser =>
    users.get(id) ?? {
      id,
      name: id.toLowerCase(),
      real_name: `User ${id}`,
      profile: { display_name: '', real_name: `User ${id}` },
    };

  const postBot = (
    channel: string,
    fields: Omit<FakeMessage, 'type' | 'ts' | 'text'> & { text?: string },
  ): FakeMessage => {
    const message: FakeMessage = {
      type: 'message',
      user: FAKE_BOT_USER_ID,
      bot_id: FAKE_BOT_ID,
      app_id: FAKE_APP_ID,
      ts: nextTs(),
      ...fields,
      text: fields.text ?? '',
    };
    channelMessages(channel).push(message);
    return message;
  };

  /** The default, Slack-shaped answer for each method the adapter uses. */
  const defaultAnswer = (method: string, args: Record<string, unknown>): Record<string, unknown> => {
    const channel = typeof args.channel === 'string' ? args.channel : '';
    const ts = typeof args.ts === 'string' ? args.ts : '';
    switch (method) {
      case 'auth.test':
        return {
          ok: true,
          url: 'https://fake.slack.test/',
          team: 'Fake Team',
          user: 'heed',
          team_id: FAKE_TEAM_ID,
          user_id: FAKE_BOT_USER_ID,
          bot_id: FAKE_BOT_ID,
          is_enterprise_install: false,
        };
      case 'chat.postMessage': {
        const message = postBot(channel, {
          text:
            typeof args.text === 'string'
              ? args.text
              : typeof args.markdown_text === 'string'
                ? args.markdown_text
                : '',
          ...(typeof args.thread_ts === 'string' ? { thread_ts: args.thread_ts } : {}),
          ...(Array.isArray(args.blocks) ? { blocks: args.blocks } : {}),
        });
        return { ok: true, channel, ts: message.ts, message };
      }
      case 'chat.update': {
        const message = findMessage(channel, ts);
        if (!message) return { ok: false, error: 'message_not_found' };
        if (typeof args.text === 'string') message.text = args.text;
        if (Array.isArray(args.blocks)) message.blocks = args.blocks;
        return { ok: true, channel, ts, text: message.text };
      }
      case 'chat.delete': {
        const list = channels.get(channel);
        const index = list?.findIndex((message) => message.ts === ts) ?? -1;
        if (!list || index < 0) return { ok: false, error: 'message_not_found' };
        list.splice(index, 1);
        return { ok: true, channel, ts };
      }
      case 'chat.startStream': {
        if (typeof args.thread_ts !== 'string') return { ok: false, error: 'invalid_arguments' };
        const message = postBot(channel, { text: streamedText(args), thread_ts: args.thread_ts, streaming: true });
        return { ok: true, channel, ts: message.ts };
      }
      case 'chat.appendStream':
      case 'chat.stopStream': {
        const message = findMessage(channel, ts);
        if (!message || message.streaming !== true) return { ok: false, error: 'message_not_in_streaming_state' };
        message.text += streamedText(args);
        if (method === 'chat.stopStream') {
          message.streaming = false;
          if (Array.isArray(args.blocks)) message.blocks = args.blocks;
          return { ok: true, channel, ts, message };
        }
        return { ok: true, channel, ts };
      }
      case 'chat.postEphemeral':
        return { ok: true, message_ts: nextTs() };
      case 'assistant.threads.setStatus':
      case 'assistant.threads.setSuggestedPrompts':
      case 'assistant.threads.setTitle':
      case 'reactions.add':
      case 'reactions.remove':
        return { ok: true };
      case 'conversations.replies': {
        const thread = channelMessages(channel).filter((message) => message.ts === ts || message.thread_ts === ts);
        if (thread.length === 0) return { ok: false, error: 'thread_not_found' };
        const limit = Number(args.limit ?? 1000) || 1000;
        const start = Number(args.cursor ?? 0) || 0;
        const page = thread.slice(start, start + limit);
        const next = start + limit < thread.length ? String(start + limit) : '';
        return { ok: true, messages: page, has_more: next !== '', response_metadata: { next_cursor: next } };
      }
      case 'conversations.history': {
        const top = channelMessages(channel).filter(
          (message) => message.thread_ts === undefined || message.thread_ts === message.ts,
        );
        const limit = Number(args.limit ?? 100) || 100;
        return {
          ok: true,
          messages: [...top].reverse().slice(0, limit),
          has_more: top.length > limit,
          response_metadata: { next_cursor: '' },
        };
      }
      case 'users.info': {
        const id = typeof args.user === 'string' ? args.user : '';
        if (id === '') return { ok: false, error: 'user_not_found' };
        const user = userOf(id);
        return {
          ok: true,
          user: {
            team_id: FAKE_TEAM_ID,
            deleted: false,
            is_bot: false,
            is_admin: false,
            is_owner: false,
            is_primary_owner: false,
            ...user,
          },
        };
      }
      case 'views.open':
      case 'views.push':
      case 'views.update':
      case 'views.publish': {
        const view = isRecord(args.view) ? args.view : {};
        const id = typeof args.view_id === 'string' ? args.view_id : `V${String(++viewCounter).padStart(4, '0')}`;
        return { ok: true, view: { ...view, id, team_id: FAKE_TEAM_ID, hash: `${tsBase}.${viewCounter}` } };
      }
      default:
        return { ok: false, error: 'unknown_method' };
    }
  };

  const handleApi = async (method: string, req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const raw = await readBody(req);
    const args = parseArgs(raw, req.headers['content-type']);
    const auth = req.headers.authorization;
    const token =
      typeof auth === 'string' && auth.startsWith('Bearer ')
        ? auth.slice('Bearer '.length)
        : typeof args.token === 'string'
          ? args.token
          : undefined;
    const queue = scripted.get(method);
    const answer = queue?.shift();

    let status = 200;
    let headers: Record<string, string> = {};
    let body: Record<string, unknown>;
    if (!answer) body = defaultAnswer(method, args);
    else if ('error' in answer) body = { ok: false, error: answer.error, ...answer.extra };
    else if ('rateLimited' in answer) {
      status = 429;
      headers = { 'retry-after': String(answer.rateLimited) };
      body = { ok: false, error: 'ratelimited' };
    } else if ('status' in answer) {
      status = answer.status;
      body = { ok: false, error: `http_${answer.status}` };
    } else body = { ok: true, ...answer.body };

    const call: SlackCall = {
      method,
      args,
      ...(token !== undefined ? { token } : {}),
      answer: status !== 200 ? `http ${status}` : body.ok === true ? 'ok' : String(body.error),
    };
    calls.push(call);
    const n = (counts.get(method) ?? 0) + 1;
    counts.set(method, n);
    settle(callWaiters, method, n, call);
    sendJson(res, status, body, headers);
  };

  const handleResponseUrl = async (id: string, req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const raw = await readBody(req);
    const parsed: unknown = raw === '' ? {} : JSON.parse(raw);
    const post: ResponseUrlPost = { id, body: isRecord(parsed) ? parsed : {} };
    responsePosts.push(post);
    const n = (responseCounts.get(id) ?? 0) + 1;
    responseCounts.set(id, n);
    settle(responseWaiters, id, n, post);
    sendJson(res, 200, { ok: true });
  };

  const server = createServer((req, res) => {
    const path = new URL(req.url ?? '/', 'http://127.0.0.1').pathname;
    const api = /^\/api\/([A-Za-z0-9_.]+)$/.exec(path);
    const response = /^\/response\/([^/]+)$/.exec(path);
    const work =
      req.method === 'POST' && api?.[1]
        ? handleApi(api[1], req, res)
        : req.method === 'POST' && response?.[1]
          ? handleResponseUrl(decodeURIComponent(response[1]), req, res)
          : Promise.resolve(sendJson(res, 404, { ok: false, error: 'unknown_path' }));
    work.catch(() => {
      if (!res.headersSent) sendJson(res, 500, { ok: false, error: 'fake_failed' });
      else res.destroy();
    });
  });
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  const origin = `http://127.0.0.1:${port}`;

  const waitFor = <T>(waiters: Waiter<T>[], seen: () => T | undefined, key: string, n: number): Promise<T> => {
    const existing = seen();
    if (existing !== undefined) return Promise.resolve(existing);
    return new Promise<T>((resolve) => waiters.push({ key, n, resolve }));
  };

  return {
    url: `${origin}/api/`,
    origin,
    calls,
    callsOf: (method) => calls.filter((call) => call.method === method),
    waitForCall: (method, n = 1) =>
      waitFor(callWaiters, () => calls.filter((call) => call.method === method)[n - 1], method, n),
    enqueue(method, ...answers) {
      const queue = scripted.get(method) ?? [];
      queue.push(...answers);
      scripted.set(method, queue);
    },
    responseUrl: (id) => `${origin}/response/${encodeURIComponent(id)}`,
    responsePosts,
    waitForResponse: (id, n = 1) =>
      waitFor(responseWaiters, () => responsePosts.filter((post) => post.id === id)[n - 1], id, n),
    addUser(user) {
      users.set(user.id, user);
    },
    addMessage(channel, message) {
      const full: FakeMessage = { ...message, type: 'message' };
      const list = channelMessages(channel);
      list.push(full);
      list.sort((a, b) => Number(a.ts) - Number(b.ts));
      return full;
    },
    messagesIn: (channel) => [...channelMessages(channel)],
    message: findMessage,
    nextTs,
    async close() {
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/** The Events API envelope Slack wraps around `event` when it delivers it to this fake's app. */
export function eventEnvelope(event: Record<string, unknown>, eventId: string): Record<string, unknown> {
  return {
    token: 'unused-verification-token',
    team_id: FAKE_TEAM_ID,
    context_team_id: FAKE_TEAM_ID,
    api_app_id: FAKE_APP_ID,
    event,
    type: 'event_callback',
    event_id: eventId,
    event_time: Math.floor(Date.now() / 1000),
    authorizations: [
      {
        enterprise_id: null,
        team_id: FAKE_TEAM_ID,
        user_id: FAKE_BOT_USER_ID,
        is_bot: true,
        is_enterprise_install: false,
      },
    ],
    is_ext_shared_channel: false,
  };
}

/**
 * The `assistant_thread_started` event Slack sends when someone opens Heed's assistant panel; `viewing`
 * is the channel they had open, which Slack passes as the thread's context.
 */
export function assistantThreadStartedEvent(options: {
  user: string;
  channel: string;
  threadTs: string;
  viewing?: string;
}): Record<string, unknown> {
  return {
    type: 'assistant_thread_started',
    assistant_thread: {
      user_id: options.user,
      channel_id: options.channel,
      thread_ts: options.threadTs,
      context: options.viewing ? { channel_id: options.viewing, team_id: FAKE_TEAM_ID, enterprise_id: null } : {},
    },
    event_ts: options.threadTs,
  };
}
