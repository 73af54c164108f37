/**
 * The Slack events thread: the HTTP server of HTTP mode, in a worker thread of its own. Heed's main
 * thread spends 20–40 ms per event-loop iteration under load, and Node accepts one new connection per
 * iteration, so a burst of events on fresh connections waited seconds in the kernel's accept queue,
 * past Slack's 3-second limit. This thread's loop does nothing else: it accepts, checks and answers at
 * once, and hands the work to the main thread (events-receiver.ts) by message.
 *
 * It does what Bolt's HTTPReceiver did in front of the App, with Node's built-ins only (no Bolt, no
 * pino: each module graph loaded here costs resident memory): `POST /slack/events` is dated within five
 * minutes, capped in size, signature-checked and parsed; `ssl_check` and `url_verification` are answered
 * here; an Events API event is answered 200 before the main thread sees it; a command, interaction or
 * options request waits for the main thread's ack() (3,001 ms, then 404, as Bolt). `GET /healthz` is
 * answered by the main thread. From the moment the main thread's stop() begins (a shared flag, not a
 * message that could arrive late), a request is refused with 503 so that Slack sends it again. Log lines
 * are posted to the main thread's logger.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { parentPort, workerData } from 'node:worker_threads';
import type { FromThread, RetryInfo, ThreadSettings, ToThread } from './events-protocol.js';
import { MentionTwins } from './mention-twins.js';
import { freshTimestamp } from './request-guard.js';
import { BODY_LIMIT_BYTES, isSslCheck, parseBody, validSignature } from './signed-request.js';

/** Events, commands and interactivity: Bolt's one default endpoint, matched exactly on the path. */
const EVENTS_PATH = '/slack/events';
/** `/healthz` as Bolt's custom route matched it: any case, one optional trailing slash. */
const HEALTH_PATH = /^\/healthz\/?$/i;
/** Bolt's `unhandledRequestTimeoutMillis`: a request nobody acknowledged by then is answered 404. */
const ACK_TIMEOUT_MS = 3_001;

if (!parentPort) throw new Error('events-thread.ts runs as a worker thread (see events-receiver.ts)');
const main = parentPort;
const settings = workerData as ThreadSettings;
const post = (message: FromThread): void => main.postMessage(message);
const log = (level: 'info' | 'warn' | 'error', msg: string, fields?: Record<string, unknown>): void =>
  post({ type: 'log', level, msg, ...(fields ? { fields } : {}) });

/** Responses that wait for the main thread (ack, health), by id. */
const waiting = new Map<number, { res: ServerResponse; timer?: NodeJS.Timeout }>();
let nextId = 0;
let closing = false;
const twins = new MentionTwins();

function respond(res: ServerResponse, status: number, headers: Record<string, string> = {}, body?: string): void {
  if (res.headersSent) return;
  // While closing, each answer also ends its connection: close() then need not wait for idle keep-alive
  // connections to time out.
  res.writeHead(status, closing ? { ...headers, connection: 'close' } : headers);
  res.end(body);
}

/** The response waiting under `id`, no longer waiting; undefined when it was answered already (404 at the deadline). */
function take(id: number): ServerResponse | undefined {
  const entry = waiting.get(id);
  if (!entry) return undefined;
  waiting.delete(id);
  clearTimeout(entry.timer);
  return entry.res;
}

/** Slack's retry headers, as Bolt reads them. */
function retryOf(req: IncomingMessage): RetryInfo {
  const num = req.headers['x-slack-retry-num'];
  const reason = req.headers['x-slack-retry-reason'];
  return {
    ...(typeof num === 'string' ? { retryNum: Number.parseInt(num, 10) } : {}),
    ...(typeof reason === 'string' ? { retryReason: reason } : {}),
  };
}

/** The body, or `too-large` past `limit` bytes (the rest is read and dropped), or `aborted`. */
function readBody(req: IncomingMessage, limit: number): Promise<Buffer | 'too-large' | 'aborted'> {
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      if (size <= limit) {
        chunks.push(chunk);
        return;
      }
      // Keep the stream flowing with no listener: the sender can finish and read the 413.
      req.off('data', onData);
      chunks.length = 0;
      resolve('too-large');
    };
    req.on('data', onData);
    req.once('end', () => resolve(Buffer.concat(chunks, size)));
    req.once('close', () => resolve('aborted'));
  });
}

/** `POST /slack/events`, its timestamp already checked. */
async function receive(req: IncomingMessage, res: ServerResponse): Promise<void> {
  const raw = await readBody(req, BODY_LIMIT_BYTES);
  if (raw === 'aborted') return;
  if (raw === 'too-large') {
    log('warn', `Request body exceeded the maximum allowed size (limit: ${BODY_LIMIT_BYTES} bytes)`);
    respond(res, 413);
    return;
  }
  const text = raw.toString();
  const contentType = req.headers['content-type'];
  if (isSslCheck(text, contentType)) {
    respond(res, 200);
    return;
  }
  const timestamp = req.headers['x-slack-request-timestamp'] as string;
  if (!validSignature(settings.signingSecret, timestamp, req.headers['x-slack-signature'], text)) {
    log('warn', 'refused a Slack request whose signature does not match SLACK_SIGNING_SECRET', { path: req.url });
    respond(res, 401);
    return;
  }
  let body: Record<string, unknown>;
  try {
    body = parseBody(text, contentType);
  } catch (error) {
    log('warn', `Malformed request body: ${(error as Error).message}`);
    respond(res, 400);
    return;
  }
  if (body.ssl_check === '1') {
    respond(res, 200);
    return;
  }
  if (body.type === 'url_verification') {
    respond(res, 200, { 'content-type': 'application/json' }, JSON.stringify({ challenge: body.challenge }));
    return;
  }
  if (Atomics.load(settings.stopping, 0) === 1) {
    // Heed is stopping: refused, so that Slack delivers it again (to another replica, or after the restart).
    closing = true;
    respond(res, 503, { 'content-type': 'text/plain' }, 'Heed is restarting; please retry.');
    return;
  }
  if (body.type === 'event_callback') {
    // The reason for this thread: the event is acknowledged now, whatever the main thread is busy with.
    respond(res, 200);
    if (!twins.isTwin(body, Date.now())) post({ type: 'event', body, ...retryOf(req) });
    return;
  }
  const id = ++nextId;
  const timer = setTimeout(() => {
    if (!take(id)) return;
    log(
      'error',
      'An incoming event was not acknowledged within 3 seconds. Ensure that the ack() argument is called in a listener.',
    );
    respond(res, 404);
  }, ACK_TIMEOUT_MS);
  waiting.set(id, { res, timer });
  post({ type: 'request', id, body, ...retryOf(req) });
}

function handle(req: IncomingMessage, res: ServerResponse): void {
  const url = req.url ?? '';
  if (req.method === 'POST' && !freshTimestamp(req.headers['x-slack-request-timestamp'], Date.now())) {
    log('warn', 'refused a Slack request dated more than 5 minutes from now', {
      path: url,
      timestamp: req.headers['x-slack-request-timestamp'],
    });
    // Drain the body so the connection can be reused, then answer.
    req.resume();
    respond(res, 401, { 'content-type': 'text/plain' }, 'The request timestamp is more than 5 minutes from now.');
    return;
  }
  let path: string;
  try {
    path = new URL(url, 'http://localhost').pathname;
  } catch {
    log('error', `An unexpected error occurred during a request (${req.method}) made to ${url}`);
    respond(res, 500);
    return;
  }
  if (req.method === 'POST' && path === EVENTS_PATH) {
    void receive(req, res);
  } else if (req.method === 'GET' && HEALTH_PATH.test(path)) {
    const id = ++nextId;
    waiting.set(id, { res });
    const authorization = req.headers.authorization;
    post({ type: 'health', id, ...(authorization !== undefined ? { authorization } : {}) });
  } else {
    log('info', `Unhandled HTTP request (${req.method}) made to ${url}`);
    respond(res, 404);
  }
}

const server = createServer(handle);

main.on('message', (message: ToThread) => {
  switch (message.type) {
    case 'ack': {
      const res = take(message.id);
      if (!res) return;
      if (message.json !== undefined) respond(res, 200, { 'content-type': 'application/json' }, message.json);
      else respond(res, 200, {}, message.text);
      return;
    }
    case 'failed': {
      const res = take(message.id);
      if (res) respond(res, 500);
      return;
    }
    case 'health': {
      const res = take(message.id);
      if (res)
        respond(res, message.status, { 'content-type': 'application/json', 'cache-control': 'no-store' }, message.body);
      return;
    }
    case 'sync':
      post({ type: 'synced', id: message.id });
      return;
    case 'close':
      closing = true;
      server.close(() => post({ type: 'closed' }));
      return;
  }
});

// No 'error' listener: a server error (the port taken, accept failing) ends the thread, and the main
// thread reports it (at start-up) or starts another thread.
server.listen(
  { port: settings.port, backlog: settings.backlog, ...(settings.host ? { host: settings.host } : {}) },
  () => {
    const { port, address } = server.address() as AddressInfo;
    post({ type: 'listening', port, address });
  },
);
