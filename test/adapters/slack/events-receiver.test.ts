/**
 * HTTP mode's receiver: the HTTP server runs in a thread of its own (events-thread.ts) and hands each
 * request to the main thread's Bolt App (events-receiver.ts). Events are acknowledged by the thread
 * before any listener runs; commands and interactions wait for the listener's ack(), whose body becomes
 * the HTTP response; signatures, timestamps and sizes are checked before anything reaches the App; a
 * thread that dies is replaced on the same port; stop() lets a request in flight be answered.
 */
import { request } from 'node:http';
import { createServer } from 'node:net';
import { Writable } from 'node:stream';
import type { App } from '@slack/bolt';
import { pino } from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { EventsReceiver } from '../../../src/adapters/slack/events-receiver.js';
import { silentLogger } from '../../../src/core/logger.js';
import { FAKE_APP_ID, FAKE_BOT_USER_ID, FAKE_TEAM_ID } from '../../support/fake-slack.js';
import { postCommand, postInteraction, postSigned, slackSignature } from '../../support/slack-signing.js';
import { CHANNEL, envelope, SIGNING_SECRET, startHarness, type Harness } from './harness.js';

let h: Harness | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
});

/** A promise and the function that resolves it. */
function signal(): { promise: Promise<void>; resolve: () => void } {
  let resolve: () => void = () => undefined;
  const promise = new Promise<void>((done) => {
    resolve = done;
  });
  return { promise, resolve };
}

/** Start the world with a global middleware counting every request that reaches Bolt's App. */
async function startCounting(): Promise<{ harness: Harness; processed: () => number }> {
  const harness = await startHarness();
  let processed = 0;
  // Counted where the receiver hands each event to Bolt, ahead of every middleware.
  const { app } = harness.adapter;
  const processEvent = app.processEvent.bind(app);
  app.processEvent = (event) => {
    processed++;
    return processEvent(event);
  };
  return { harness, processed: () => processed };
}

/** An event Heed has no listener for, so a test's own listener sees it alone. */
const teamJoin = (user = 'U_NEW') => ({ type: 'team_join', user: { id: user } });

let triggers = 0;
function commandFields(command: string, text: string): Record<string, string> {
  return {
    team_id: FAKE_TEAM_ID,
    channel_id: 'C0CHAN',
    user_id: 'U1',
    command,
    text,
    api_app_id: FAKE_APP_ID,
    response_url: 'http://127.0.0.1:1/unused',
    trigger_id: `trigger-receiver-${++triggers}`,
  };
}

describe('events', () => {
  it('hands a mention to Bolt once: its message twin is acknowledged and dropped, a redelivery still goes through', async () => {
    const counting = await startCounting();
    h = counting.harness;
    const { ts } = await h.mention('U1', 'hello twice');
    const twin = await h.event({
      type: 'message',
      channel: CHANNEL,
      channel_type: 'channel',
      user: 'U1',
      text: `<@${FAKE_BOT_USER_ID}> hello twice`,
      ts,
      event_ts: ts,
    });
    expect(twin.status).toBe(200);
    await h.idle();
    expect(counting.processed()).toBe(1);
    expect(h.botReplies(CHANNEL, ts)).toHaveLength(1);

    // Slack's retry of the app_mention is not a twin: it reaches Bolt, and the core answers nothing twice.
    const retry = await h.event(
      {
        type: 'app_mention',
        channel: CHANNEL,
        user: 'U1',
        text: `<@${FAKE_BOT_USER_ID}> hello twice`,
        ts,
        event_ts: ts,
      },
      { headers: { 'x-slack-retry-num': '1', 'x-slack-retry-reason': 'http_timeout' } },
    );
    expect(retry.status).toBe(200);
    await h.idle();
    expect(counting.processed()).toBe(2);
    expect(h.botReplies(CHANNEL, ts)).toHaveLength(1);
  });

  it('acknowledges an event while its listener is still blocked', async () => {
    h = await startHarness();
    const started = signal();
    const gate = signal();
    let finished = false;
    h.adapter.app.event('team_join', async () => {
      started.resolve();
      await gate.promise;
      finished = true;
    });
    const response = await h.event(teamJoin());
    expect(response.status).toBe(200);
    await started.promise;
    expect(finished).toBe(false);
    gate.resolve();
    await h.idle();
    expect(finished).toBe(true);
  });

  it("passes Slack's retry headers to the listener as context.retryNum and retryReason", async () => {
    h = await startHarness();
    const seen: unknown[] = [];
    h.adapter.app.event('team_join', async ({ context }) => {
      seen.push([context.retryNum, context.retryReason]);
    });
    await h.event(teamJoin('U_A'));
    const retried = await h.event(teamJoin('U_B'), {
      headers: { 'X-Slack-Retry-Num': '2', 'X-Slack-Retry-Reason': 'http_timeout' },
    });
    expect(retried.status).toBe(200);
    await h.idle();
    expect(seen).toEqual([
      [undefined, undefined],
      [2, 'http_timeout'],
    ]);
  });

  it('answers url_verification with its challenge and ssl_check with 200, without the App', async () => {
    const { harness, processed } = await startCounting();
    h = harness;
    const verification = await postSigned(
      h.baseUrl,
      SIGNING_SECRET,
      JSON.stringify({ token: 'unused', challenge: 'the-challenge', type: 'url_verification' }),
      'application/json',
    );
    expect(verification.status).toBe(200);
    expect(verification.headers.get('content-type')).toBe('application/json');
    expect(await verification.json()).toEqual({ challenge: 'the-challenge' });
    // Slack's ssl_check carries no signature; Bolt answers it unverified.
    const sslCheck = await postSigned(
      h.baseUrl,
      SIGNING_SECRET,
      'ssl_check=1&token=unused',
      'application/x-www-form-urlencoded',
      {
        signature: 'none',
      },
    );
    expect(sslCheck.status).toBe(200);
    await h.idle();
    expect(processed()).toBe(0);
  });
});

describe('refused requests', () => {
  it('GIVEN a signature made with another secret THEN 401, a warning, and nothing processed', async () => {
    const { harness, processed } = await startCounting();
    h = harness;
    const body = JSON.stringify(envelope(teamJoin()));
    const timestamp = Math.floor(Date.now() / 1000);
    const response = await postSigned(h.baseUrl, SIGNING_SECRET, body, 'application/json', {
      timestamp,
      signature: slackSignature('not-the-secret', timestamp, body),
    });
    expect(response.status).toBe(401);
    await h.idle();
    expect(processed()).toBe(0);
    expect(h.logs).toContainEqual(
      expect.objectContaining({
        level: 40,
        msg: 'refused a Slack request whose signature does not match SLACK_SIGNING_SECRET',
      }),
    );
    expect(JSON.stringify(h.logs)).not.toContain(SIGNING_SECRET);
  });

  it('GIVEN a stale timestamp THEN 401 with the reason, and the warning is logged by the main thread', async () => {
    const { harness, processed } = await startCounting();
    h = harness;
    const stale = Math.floor(Date.now() / 1000) - 600;
    const response = await h.event(teamJoin(), { timestamp: stale });
    expect(response.status).toBe(401);
    expect(await response.text()).toBe('The request timestamp is more than 5 minutes from now.');
    await h.idle();
    expect(processed()).toBe(0);
    expect(h.logs).toContainEqual(
      expect.objectContaining({
        level: 40,
        msg: 'refused a Slack request dated more than 5 minutes from now',
        path: '/slack/events',
        timestamp: String(stale),
      }),
    );
  });

  it("GIVEN a body over Bolt's 4 MB limit THEN 413 and nothing processed; the next request is served", async () => {
    const { harness, processed } = await startCounting();
    h = harness;
    const body = JSON.stringify(envelope({ ...teamJoin(), padding: 'x'.repeat(4 * 1024 * 1024) }));
    const response = await postSigned(h.baseUrl, SIGNING_SECRET, body, 'application/json');
    expect(response.status).toBe(413);
    await h.idle();
    expect(processed()).toBe(0);
    expect(h.logs.some((line) => line.msg.startsWith('Request body exceeded the maximum allowed size'))).toBe(true);
    expect((await h.event(teamJoin())).status).toBe(200);
    await h.idle();
    expect(processed()).toBe(1);
  });

  it('keeps the paths Bolt served: /slack/events for POST, /healthz for GET, 404 elsewhere', async () => {
    h = await startHarness();
    const health = await fetch(`${h.baseUrl}/HEALTHZ/`);
    expect(health.status).toBe(200);
    expect(health.headers.get('cache-control')).toBe('no-store');
    expect(await health.json()).toEqual({ ok: true, database: 'ok', slack: 'ok' });
    expect((await fetch(`${h.baseUrl}/healthz`, { method: 'HEAD' })).status).toBe(404);
    expect((await fetch(`${h.baseUrl}/slack/events`)).status).toBe(404);
    expect((await h.event(teamJoin(), { path: '/slack/other' })).status).toBe(404);
    expect((await h.event(teamJoin(), { path: '/slack/events?from=slack' })).status).toBe(200);
  });
});

describe('acknowledged requests', () => {
  it('GIVEN a command THEN its ack() body is the HTTP response: text as text, an object as JSON', async () => {
    h = await startHarness();
    h.adapter.app.command('/echo', async ({ ack, command }) => {
      await ack(`echo: ${command.text}`);
    });
    h.adapter.app.command('/card', async ({ ack }) => {
      await ack({ response_type: 'ephemeral', text: 'a card' });
    });
    const echo = await postCommand(h.baseUrl, SIGNING_SECRET, commandFields('/echo', 'hello'));
    expect(echo.status).toBe(200);
    expect(echo.headers.get('content-type')).toBeNull();
    expect(await echo.text()).toBe('echo: hello');
    const card = await postCommand(h.baseUrl, SIGNING_SECRET, commandFields('/card', ''));
    expect(card.headers.get('content-type')).toBe('application/json');
    expect(await card.json()).toEqual({ response_type: 'ephemeral', text: 'a card' });
  });

  it('GIVEN a view_submission acknowledged with response_action errors THEN Slack gets those errors', async () => {
    h = await startHarness();
    h.adapter.app.view('receiver_test_view', async ({ ack }) => {
      await ack({ response_action: 'errors', errors: { note_block: 'Write a few words.' } });
    });
    const response = await postInteraction(h.baseUrl, SIGNING_SECRET, {
      type: 'view_submission',
      team: { id: FAKE_TEAM_ID, domain: 'fake' },
      user: { id: 'U1', team_id: FAKE_TEAM_ID },
      api_app_id: FAKE_APP_ID,
      trigger_id: 'trigger-receiver-view',
      view: { id: 'V1', callback_id: 'receiver_test_view', private_metadata: '', state: { values: {} } },
    });
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ response_action: 'errors', errors: { note_block: 'Write a few words.' } });
  });

  it('GIVEN processing that fails before ack() THEN 500, and the error is logged', async () => {
    const logs: string[] = [];
    const sink = new Writable({
      write(chunk: Buffer, _encoding, done) {
        logs.push((JSON.parse(chunk.toString('utf8')) as { msg: string }).msg);
        done();
      },
    });
    const receiver = new EventsReceiver({
      signingSecret: SIGNING_SECRET,
      logger: pino({ level: 'error' }, sink),
      health: () => Promise.resolve({ status: 200, body: '{}' }),
    });
    // The smallest App there is: one whose processing fails (a real App's listener errors go to app.error).
    receiver.init({ processEvent: () => Promise.reject(new Error('the middleware chain failed')) } as unknown as App);
    const { port } = await receiver.start({ port: 0, host: '127.0.0.1', backlog: 16 });
    try {
      const response = await postCommand(`http://127.0.0.1:${port}`, SIGNING_SECRET, commandFields('/echo', 'x'));
      expect(response.status).toBe(500);
      expect(logs).toEqual(['an unhandled error occurred while Bolt processed a Slack request']);
    } finally {
      await receiver.stop();
    }
  });
});

describe('the thread', () => {
  it('GIVEN the thread dies THEN it is logged, replaced on the same port, and the next event is answered', async () => {
    const { harness, processed } = await startCounting();
    h = harness;
    const receiver = h.adapter.receiver;
    const dying = receiver?.worker;
    if (!receiver || !dying) throw new Error('HTTP mode has a receiver with a thread');
    await dying.terminate();
    expect(await receiver.listening()).toEqual({ port: h.adapter.port, address: '127.0.0.1' });
    expect(receiver.worker).not.toBe(dying);
    expect(h.logs).toContainEqual(
      expect.objectContaining({ level: 50, msg: 'the Slack events thread stopped unexpectedly: starting another' }),
    );
    expect((await h.event(teamJoin())).status).toBe(200);
    await h.idle();
    expect(processed()).toBe(1);
  });

  it('GIVEN stop() while a command waits for its ack THEN that request is answered before the thread ends', async () => {
    h = await startHarness();
    const started = signal();
    const gate = signal();
    h.adapter.app.command('/slow', async ({ ack }) => {
      started.resolve();
      await gate.promise;
      await ack('finished after all');
    });
    const pending = postCommand(h.baseUrl, SIGNING_SECRET, commandFields('/slow', ''));
    await started.promise;
    // stop() has told the thread to close before it returns, so the ack below reaches a closing server.
    const stopping = h.adapter.stop();
    gate.resolve();
    const response = await pending;
    expect(response.status).toBe(200);
    expect(await response.text()).toBe('finished after all');
    await stopping;
    expect(h.adapter.receiver?.worker).toBeUndefined();
    await expect(fetch(`${h.baseUrl}/healthz`)).rejects.toThrow();
  });

  it('GIVEN stop() has begun THEN an event the thread is still reading is refused with 503 and never processed', async () => {
    const { harness, processed } = await startCounting();
    h = harness;
    const body = JSON.stringify(envelope(teamJoin()));
    const timestamp = Math.floor(Date.now() / 1000);
    const late = request(`${h.baseUrl}/slack/events`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        'content-length': Buffer.byteLength(body),
        'x-slack-request-timestamp': String(timestamp),
        'x-slack-signature': slackSignature(SIGNING_SECRET, timestamp, body),
        // The thread answers 100 Continue once it has the request: then it is in the thread's hands.
        expect: '100-continue',
      },
    });
    const status = new Promise<number>((resolve, reject) => {
      late.once('response', (response) => {
        response.resume();
        resolve(response.statusCode ?? 0);
      });
      late.once('error', reject);
    });
    await new Promise<void>((resolve) => late.once('continue', resolve));
    // The shutdown begins while the body is still on its way; the thread must not acknowledge it now.
    const stopping = h.adapter.stop();
    late.end(body);
    expect(await status).toBe(503);
    await stopping;
    expect(processed()).toBe(0);
  });

  it('GIVEN a port already taken THEN start() rejects and no thread is left behind', async () => {
    const taken = createServer();
    await new Promise<void>((resolve) => taken.listen(0, '127.0.0.1', resolve));
    const address = taken.address();
    if (typeof address !== 'object' || !address) throw new Error('no port');
    const receiver = new EventsReceiver({
      signingSecret: SIGNING_SECRET,
      logger: silentLogger(),
      health: () => Promise.resolve({ status: 200, body: '{}' }),
    });
    receiver.init({ processEvent: () => Promise.resolve() } as unknown as App);
    try {
      await expect(receiver.start({ port: address.port, host: '127.0.0.1', backlog: 16 })).rejects.toThrow(
        /EADDRINUSE/,
      );
      expect(receiver.worker).toBeUndefined();
    } finally {
      await new Promise((resolve) => taken.close(resolve));
    }
  });
});
