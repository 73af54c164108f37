/**
 * A fake OpenAI-compatible HTTP server on 127.0.0.1 for tests and benchmarks. It speaks the real wire
 * protocol (JSON and server-sent-event streaming, OpenAI error bodies, Retry-After), so the official
 * `openai` SDK is exercised as it is in production rather than mocked.
 */
import { createServer, type IncomingHttpHeaders, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';

/** One HTTP request as the fake received it. */
export interface RecordedRequest {
  method: string;
  /** Path without the query string, e.g. `/v1/chat/completions`. */
  path: string;
  headers: IncomingHttpHeaders;
  /** The parsed JSON body; `undefined` when the body was empty or not JSON. */
  body: unknown;
  /** `performance.now()` when the request arrived (same clock as the test process: the fake runs in-process). */
  receivedAt: number;
  /**
   * `performance.now()` when the fake wrote the end of its response; unset for hangs, cuts and answers still streaming.
   */
  completedAt?: number;
}

/** Stream (or return) a reply. */
export interface ReplyBehaviour {
  reply: string | ((req: RecordedRequest) => string);
  /** Characters per streamed chunk; defaults to DEFAULT_CHUNK_SIZE. */
  chunkSize?: number;
  /** Server-side delay before the first content chunk (models the model's latency; tests leave it 0). */
  firstTokenDelayMs?: number;
  /** Server-side delay between content chunks. */
  tokenIntervalMs?: number;
  /**
   * After the first content chunk, wait for this (a test's event: the first text reaching the platform)
   * before the rest. Without it and without delays, the whole answer goes in one write, as from a fast model.
   */
  pauseAfterFirst?: () => Promise<unknown>;
  /** Reported usage; defaults to a rough estimate (characters / 4 for the prompt, chunk count for the reply). */
  usage?: { prompt_tokens: number; completion_tokens: number };
}

/** Answer with an OpenAI-shaped error body and this status. */
export interface StatusBehaviour {
  status: 400 | 401 | 404 | 429 | 500 | 503;
  /** Sent as `Retry-After` on 429; defaults to 0 so that SDK retries in tests do not wait. */
  retryAfterSeconds?: number;
  message?: string;
  /** Overrides `error.code` (e.g. 'insufficient_quota', 'context_length_exceeded'). */
  code?: string | null;
  /** Sets `error.param` (e.g. 'max_tokens'). */
  param?: string;
}

/** Never answer until the server closes: for client time-outs. */
export interface HangBehaviour {
  hang: true;
}

/**
 * Stream the role chunk and `cutAfterChunks` content chunks (DEFAULT_CHUNK_SIZE characters each), then
 * destroy the socket. With `endCleanly`, end the response normally instead, without a finish_reason or
 * `[DONE]`: a stream that stops early but cleanly.
 */
export interface CutBehaviour {
  cutAfterChunks: number;
  reply: string;
  endCleanly?: boolean;
}

/**
 * Answer 200 with an event stream and write these pieces as they are, one write each, then end: for what
 * servers send besides well-formed chunks (an error in the stream, a broken line, a character split
 * between writes).
 */
export interface RawStreamBehaviour {
  rawStream: Array<string | Uint8Array>;
}

export type Behaviour = ReplyBehaviour | StatusBehaviour | HangBehaviour | CutBehaviour | RawStreamBehaviour;

export interface FakeOpenAI {
  /** Base URL including /v1, e.g. http://127.0.0.1:PORT/v1 */
  url: string;
  /** Every request, in order. */
  requests: RecordedRequest[];
  /** Queue behaviours, consumed one per chat-completion request; when the queue is empty, `fallback` is used. */
  enqueue(...behaviours: Behaviour[]): void;
  /** Default: reply FAKE_REPLY streamed in small chunks. */
  fallback: Behaviour;
  /**
   * Resolves when the n-th chat-completion request (1-based, counting from server start) has arrived.
   * Without `n`, each call waits for the next request not yet returned by an earlier call without `n`
   * (1st, then 2nd, …), so it works whether the request arrived before or after the call.
   */
  waitForRequest(n?: number): Promise<RecordedRequest>;
  close(): Promise<void>;
}

/** The fallback reply. */
export const FAKE_REPLY = 'Hello from the fake model.';
/** The model id listed by `GET /v1/models` and echoed when a request names none. */
export const FAKE_MODEL = 'fake-model';
/** Characters per streamed chunk unless a behaviour says otherwise. */
export const DEFAULT_CHUNK_SIZE = 4;

/** Split text into the chunks the fake streams (the last may be shorter). */
export function chunksOf(text: string, size = DEFAULT_CHUNK_SIZE): string[] {
  const chunks: string[] = [];
  for (let i = 0; i < text.length; i += size) chunks.push(text.slice(i, i + size));
  return chunks;
}

/** A chat message as the fake reads it from a request: content parts are joined into one string. */
export interface RecordedMessage {
  role: string;
  content: string;
}

/** The messages of a chat-completion request, with array content flattened to its text parts. */
export function messagesOf(req: RecordedRequest): RecordedMessage[] {
  const body = req.body;
  if (!isRecord(body) || !Array.isArray(body.messages)) return [];
  return body.messages.filter(isRecord).map((message) => ({
    role: typeof message.role === 'string' ? message.role : '',
    content: textOf(message.content),
  }));
}

/** The system prompt of a chat-completion request (all system/developer messages, joined), or '' if none. */
export function systemPromptOf(req: RecordedRequest): string {
  return messagesOf(req)
    .filter((message) => message.role === 'system' || message.role === 'developer')
    .map((message) => message.content)
    .join('\n\n');
}

/** Start the fake on an ephemeral port of 127.0.0.1. */
export async function startFakeOpenAI(options: { fallback?: Behaviour } = {}): Promise<FakeOpenAI> {
  const requests: RecordedRequest[] = [];
  const chatRequests: RecordedRequest[] = [];
  const queue: Behaviour[] = [];
  const waiters = new Map<number, Array<{ resolve: (req: RecordedRequest) => void; reject: (error: Error) => void }>>();
  const sockets = new Set<Socket>();
  const timers = new Set<NodeJS.Timeout>();
  let waitCursor = 0;
  let closed = false;

  const state = {
    fallback: options.fallback ?? ({ reply: FAKE_REPLY } as Behaviour),
  };

  /** A timer that close() can cancel, so a closed server leaves nothing scheduled. */
  const delay = (ms: number): Promise<void> =>
    new Promise((resolve) => {
      if (ms <= 0) return resolve();
      const timer = setTimeout(() => {
        timers.delete(timer);
        resolve();
      }, ms);
      timers.add(timer);
    });

  const server = createServer((req, res) => {
    void handle(req, res).catch(() => {
      if (!res.headersSent) sendError(res, 500, 'The fake server failed.', 'server_error', null);
      else res.destroy();
    });
  });
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const receivedAt = performance.now();
    const raw = await readBody(req);
    const path = new URL(req.url ?? '/', 'http://127.0.0.1').pathname;
    const recorded: RecordedRequest = {
      method: req.method ?? 'GET',
      path,
      headers: req.headers,
      body: parseJson(raw),
      receivedAt,
    };
    requests.push(recorded);
    await route(req, res, recorded);
    // Stamped when the fake has written its last byte, before the client can see it, so a test or a
    // benchmark that has its answer can always read it.
    if (res.writableEnded) recorded.completedAt = performance.now();
  }

  async function route(req: IncomingMessage, res: ServerResponse, recorded: RecordedRequest): Promise<void> {
    const path = recorded.path;
    res.setHeader('x-request-id', `req_fake_${requests.length}`);

    if (req.method === 'GET' && path === '/v1/models') {
      sendJson(res, 200, {
        object: 'list',
        data: [{ id: FAKE_MODEL, object: 'model', created: 1_700_000_000, owned_by: 'heed-fake' }],
      });
      return;
    }
    if (req.method === 'POST' && path === '/v1/chat/completions') {
      chatRequests.push(recorded);
      const n = chatRequests.length;
      for (const waiter of waiters.get(n) ?? []) waiter.resolve(recorded);
      waiters.delete(n);
      await chatCompletion(recorded, res);
      return;
    }
    sendError(res, 404, `Unknown request URL: ${req.method ?? 'GET'} ${path}.`, 'invalid_request_error', 'unknown_url');
  }

  async function chatCompletion(req: RecordedRequest, res: ServerResponse): Promise<void> {
    const body = req.body;
    // Validate as the real API does, so a malformed request shows up as a 400 rather than a fake success.
    if (!isRecord(body) || !Array.isArray(body.messages) || body.messages.length === 0) {
      sendError(
        res,
        400,
        "Missing required parameter: 'messages'.",
        'invalid_request_error',
        'missing_required_parameter',
      );
      return;
    }
    const behaviour = queue.shift() ?? state.fallback;
    const model = typeof body.model === 'string' ? body.model : FAKE_MODEL;
    const id = `chatcmpl-fake${chatRequests.length}`;

    if ('hang' in behaviour) {
      // Keep the request open; close() or the client's own abort ends it.
      return;
    }
    if ('status' in behaviour) {
      const { status } = behaviour;
      if (status === 429) res.setHeader('Retry-After', String(behaviour.retryAfterSeconds ?? 0));
      const [type, code, fallbackMessage] = ERRORS[status];
      const message = behaviour.message ?? fallbackMessage;
      sendError(
        res,
        status,
        message,
        type,
        behaviour.code === undefined ? code : behaviour.code,
        behaviour.param ?? null,
      );
      return;
    }

    if ('rawStream' in behaviour) {
      startEventStream(res);
      for (const piece of behaviour.rawStream) await new Promise((resolve) => res.write(piece, resolve));
      res.end();
      return;
    }

    const stream = body.stream === true;
    const includeUsage = isRecord(body.stream_options) && body.stream_options.include_usage === true;

    if ('cutAfterChunks' in behaviour) {
      if (!stream) {
        // Without streaming there is nothing to cut mid-way; drop the connection before answering.
        res.destroy();
        return;
      }
      startEventStream(res);
      const events = [
        chunk(id, model, { role: 'assistant', content: '' }, null),
        ...chunksOf(behaviour.reply)
          .slice(0, behaviour.cutAfterChunks)
          .map((piece) => chunk(id, model, { content: piece }, null)),
      ];
      const sent = events.map((event) => writeEvent(res, event));
      if (behaviour.endCleanly) {
        res.end();
        return;
      }
      // Destroying at once would discard chunks still buffered in the socket; wait until they are sent.
      await Promise.all(sent);
      res.socket?.destroy();
      return;
    }

    const text = typeof behaviour.reply === 'function' ? behaviour.reply(req) : behaviour.reply;
    const pieces = chunksOf(text, behaviour.chunkSize ?? DEFAULT_CHUNK_SIZE);
    const usage = behaviour.usage ?? {
      prompt_tokens: Math.ceil(messagesOf(req).reduce((sum, m) => sum + m.content.length, 0) / 4),
      completion_tokens: pieces.length,
    };
    const fullUsage = { ...usage, total_tokens: usage.prompt_tokens + usage.completion_tokens };

    if (!stream) {
      await delay(behaviour.firstTokenDelayMs ?? 0);
      if (closed || res.destroyed) return;
      sendJson(res, 200, {
        id,
        object: 'chat.completion',
        created: nowSeconds(),
        model,
        choices: [
          {
            index: 0,
            message: { role: 'assistant', content: text, refusal: null },
            logprobs: null,
            finish_reason: 'stop',
          },
        ],
        usage: fullUsage,
      });
      return;
    }

    const usageEvent = includeUsage
      ? [{ id, object: 'chat.completion.chunk', created: nowSeconds(), model, choices: [], usage: fullUsage }]
      : [];
    startEventStream(res);
    const { firstTokenDelayMs, tokenIntervalMs, pauseAfterFirst } = behaviour;
    if (firstTokenDelayMs === undefined && tokenIntervalMs === undefined && pauseAfterFirst === undefined) {
      const events = [
        chunk(id, model, { role: 'assistant', content: '' }, null),
        ...pieces.map((piece) => chunk(id, model, { content: piece }, null)),
        chunk(id, model, {}, 'stop'),
        ...usageEvent,
      ];
      res.end(`${events.map(eventText).join('')}data: [DONE]\n\n`);
      return;
    }
    void writeEvent(res, chunk(id, model, { role: 'assistant', content: '' }, null));
    await delay(firstTokenDelayMs ?? 0);
    for (const [index, piece] of pieces.entries()) {
      if (index === 1 && pauseAfterFirst) await pauseAfterFirst();
      if (index > 0) await delay(tokenIntervalMs ?? 0);
      // The client may have aborted or the server closed while we waited.
      if (closed || res.destroyed) return;
      void writeEvent(res, chunk(id, model, { content: piece }, null));
    }
    void writeEvent(res, chunk(id, model, {}, 'stop'));
    for (const event of usageEvent) void writeEvent(res, event);
    res.end('data: [DONE]\n\n');
  }

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  const { port } = server.address() as AddressInfo;

  return {
    url: `http://127.0.0.1:${port}/v1`,
    requests,
    enqueue(...behaviours: Behaviour[]) {
      queue.push(...behaviours);
    },
    get fallback() {
      return state.fallback;
    },
    set fallback(behaviour: Behaviour) {
      state.fallback = behaviour;
    },
    waitForRequest(n?: number) {
      const target = n ?? ++waitCursor;
      const arrived = chatRequests[target - 1];
      if (arrived) return Promise.resolve(arrived);
      if (closed) return Promise.reject(new Error(`fake OpenAI closed before chat request #${target} arrived`));
      return new Promise<RecordedRequest>((resolve, reject) => {
        const list = waiters.get(target) ?? [];
        list.push({ resolve, reject });
        waiters.set(target, list);
      });
    },
    async close() {
      if (closed) return;
      closed = true;
      for (const timer of timers) clearTimeout(timer);
      timers.clear();
      for (const [target, list] of waiters) {
        for (const waiter of list)
          waiter.reject(new Error(`fake OpenAI closed before chat request #${target} arrived`));
      }
      waiters.clear();
      const done = new Promise<void>((resolve) => server.close(() => resolve()));
      // Hanging requests and keep-alive sockets would otherwise hold server.close() open.
      for (const socket of sockets) socket.destroy();
      await done;
    },
  };
}

/** [type, code, default message] of the OpenAI error body for each status the fake can return. */
const ERRORS: Record<StatusBehaviour['status'], [string, string | null, string]> = {
  400: ['invalid_request_error', null, 'Invalid request.'],
  401: ['invalid_request_error', 'invalid_api_key', 'Incorrect API key provided.'],
  404: ['invalid_request_error', 'model_not_found', 'The model does not exist or you do not have access to it.'],
  429: ['requests', 'rate_limit_exceeded', 'Rate limit reached for requests. Please try again later.'],
  500: ['server_error', null, 'The server had an error while processing your request.'],
  503: ['server_error', 'service_unavailable', 'The server is overloaded or not ready yet.'],
};

function chunk(
  id: string,
  model: string,
  delta: Record<string, unknown>,
  finishReason: string | null,
): Record<string, unknown> {
  return {
    id,
    object: 'chat.completion.chunk',
    created: nowSeconds(),
    model,
    choices: [{ index: 0, delta, logprobs: null, finish_reason: finishReason }],
  };
}

function startEventStream(res: ServerResponse): void {
  res.writeHead(200, { 'Content-Type': 'text/event-stream', 'Cache-Control': 'no-cache', Connection: 'keep-alive' });
  // Send the headers now, as a real server does, so the client sees the response start before any token.
  res.flushHeaders();
}

/** Write one server-sent event; resolves once it has been handed to the socket. */
function writeEvent(res: ServerResponse, data: unknown): Promise<void> {
  return new Promise((resolve) => res.write(eventText(data), () => resolve()));
}

/** One server-sent event carrying `data` as JSON. */
function eventText(data: unknown): string {
  return `data: ${JSON.stringify(data)}\n\n`;
}

function sendJson(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'Content-Type': 'application/json' });
  res.end(JSON.stringify(body));
}

function sendError(
  res: ServerResponse,
  status: number,
  message: string,
  type: string,
  code: string | null,
  param: string | null = null,
): void {
  sendJson(res, status, { error: { message, type, param, code } });
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const parts: Buffer[] = [];
    req.on('data', (part: Buffer) => parts.push(part));
    req.on('end', () => resolve(Buffer.concat(parts).toString('utf8')));
    req.on('error', reject);
  });
}

function parseJson(raw: string): unknown {
  if (raw === '') return undefined;
  try {
    return JSON.parse(raw) as unknown;
  } catch {
    return undefined;
  }
}

function textOf(content: unknown): string {
  if (typeof content === 'string') return content;
  if (!Array.isArray(content)) return '';
  return content
    .filter(isRecord)
    .map((part) => (typeof part.text === 'string' ? part.text : ''))
    .join('');
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function nowSeconds(): number {
  return Math.floor(Date.now() / 1000);
}
