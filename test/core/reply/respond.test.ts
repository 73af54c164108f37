import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { capturingLogger } from '../../support/capturing-logger.js';
import { startFakeOpenAI, systemPromptOf, messagesOf, type FakeOpenAI } from '../../support/fake-openai.js';
import { recordingSink } from '../../support/recording-sink.js';
import { createTestCore, type TestCore } from '../../support/test-core.js';
import { actor, message } from '../../support/core-messages.js';

let model: FakeOpenAI;
let heed: TestCore;
beforeEach(async () => {
  model = await startFakeOpenAI();
  heed = await createTestCore({ openaiUrl: model.url });
});

afterEach(async () => {
  await heed.close();
  await model.close();
});

describe('respond', () => {
  it("GIVEN two people with instructions THEN each request carries only the asker's own", async () => {
    await heed.core.command(actor('U_ANA'), 'set Answer only in French. ANA-MARKER');
    await heed.core.command(actor('U_BO'), 'set Answer in pirate speak. BO-MARKER');
    await heed.core.respond(message('U_ANA', 'hello'), recordingSink());
    await heed.core.respond(message('U_BO', 'hello'), recordingSink());
    const [first, second] = model.requests.filter((request) => request.path.endsWith('/chat/completions'));
    expect(systemPromptOf(first!)).toContain('ANA-MARKER');
    expect(systemPromptOf(first!)).not.toContain('BO-MARKER');
    expect(systemPromptOf(second!)).toContain('BO-MARKER');
    expect(systemPromptOf(second!)).not.toContain('ANA-MARKER');
  });

  it('GIVEN the same user id in another workspace or platform THEN their instructions are not used', async () => {
    await heed.core.command(actor('U_ANA'), 'set T1-ONLY');
    await heed.core.respond(message('U_ANA', 'hi', { workspaceId: 'T2' }), recordingSink());
    await heed.core.respond(message('U_ANA', 'hi', { platform: 'discord' }), recordingSink());
    for (const request of model.requests) expect(systemPromptOf(request)).not.toContain('T1-ONLY');
  });

  it('streams deltas in order and stores a snapshot that feedback can find', async () => {
    model.enqueue({ reply: 'one two three four five six', chunkSize: 3 });
    const sink = recordingSink('R1');
    const outcome = await heed.core.respond(message('U_ANA', 'count'), sink);
    expect(sink.deltas.join('')).toBe('one two three four five six');
    expect(sink.deltas.length).toBeGreaterThan(3);
    expect(sink.finished).toBe('one two three four five six');
    expect(outcome).toMatchObject({ status: 'replied', text: 'one two three four five six' });
    expect(await heed.core.isReply({ platform: 'slack', workspaceId: 'T1', channelId: 'C1', messageId: 'R1' })).toBe(
      true,
    );
    const report = await heed.core.report({
      target: { platform: 'slack', workspaceId: 'T1', channelId: 'C1', messageId: 'R1' },
      reporter: { platform: 'slack', workspaceId: 'T1', userId: 'U_ANA' },
      source: 'reaction',
      signal: 'bad',
    });
    expect(report).toMatchObject({ status: 'filed', isNew: true });
  });

  it('answers a message only once, however often it is delivered', async () => {
    const first = message('U_ANA', 'hi');
    const results = await Promise.all([
      heed.core.respond(first, recordingSink()),
      heed.core.respond({ ...first }, recordingSink()),
      heed.core.respond({ ...first }, recordingSink()),
    ]);
    expect(results.filter((result) => result.status === 'replied')).toHaveLength(1);
    expect(results.filter((result) => result.status === 'duplicate')).toHaveLength(2);
    expect(model.requests.filter((request) => request.path.endsWith('/chat/completions'))).toHaveLength(1);
  });

  it('passes the history oldest first, attributed to speakers, before the new message', async () => {
    await heed.core.respond(
      message('U_ANA', 'and now?', {
        userName: 'Ana',
        history: [
          { role: 'user', speaker: 'Bo', text: 'first question' },
          { role: 'assistant', text: 'first answer' },
        ],
      }),
      recordingSink(),
    );
    const sent = messagesOf(model.requests[0]!);
    expect(sent.map((entry) => entry.role)).toEqual(['system', 'user', 'assistant', 'user']);
    expect(sent[1]!.content).toContain('Bo');
    expect(sent[1]!.content).toContain('first question');
    expect(sent[3]!.content).toContain('and now?');
  });

  it('uses the preview prompt exactly as the system prompt it sends', async () => {
    await heed.core.command(actor('U_ANA'), 'set Be brief.');
    await heed.core.command(actor('U_ANA'), 'about I run the data team.');
    const preview = await heed.core.command(actor('U_ANA'), 'preview');
    await heed.core.respond(message('U_ANA', 'hi'), recordingSink());
    expect(preview).toEqual({ kind: 'preview', prompt: systemPromptOf(model.requests[0]!) });
  });

  it('leaves paused instructions out and puts them back when resumed', async () => {
    await heed.core.command(actor('U_ANA'), 'set PAUSABLE');
    await heed.core.command(actor('U_ANA'), 'off');
    await heed.core.respond(message('U_ANA', 'a'), recordingSink());
    await heed.core.command(actor('U_ANA'), 'on');
    await heed.core.respond(message('U_ANA', 'b'), recordingSink());
    expect(systemPromptOf(model.requests[0]!)).not.toContain('PAUSABLE');
    expect(systemPromptOf(model.requests[1]!)).toContain('PAUSABLE');
  });

  it('places workspace and channel rules before personal instructions', async () => {
    await heed.core.command(actor('U_ADMIN', { isPlatformAdmin: true }), 'workspace set WORKSPACE-RULE');
    await heed.core.command(actor('U_ADMIN', { isPlatformAdmin: true }), 'channel set CHANNEL-RULE');
    await heed.core.command(actor('U_ANA'), 'set PERSONAL-RULE');
    await heed.core.respond(message('U_ANA', 'hi'), recordingSink());
    const system = systemPromptOf(model.requests[0]!);
    expect(system.indexOf('WORKSPACE-RULE')).toBeGreaterThan(-1);
    expect(system.indexOf('WORKSPACE-RULE')).toBeLessThan(system.indexOf('CHANNEL-RULE'));
    expect(system.indexOf('CHANNEL-RULE')).toBeLessThan(system.indexOf('PERSONAL-RULE'));
  });
});

describe('respond when the model fails', () => {
  const cases = [
    { name: '401', behaviour: { status: 401 as const }, code: 'model_auth', words: /API key/i },
    { name: '404', behaviour: { status: 404 as const }, code: 'model_not_found', words: /model/i },
    {
      name: '429',
      behaviour: { status: 429 as const, retryAfterSeconds: 1 },
      code: 'model_rate_limited',
      words: /busy|rate/i,
    },
    { name: '500', behaviour: { status: 500 as const }, code: 'model_unavailable', words: /./ },
  ];
  for (const { name, behaviour, code, words } of cases) {
    it(`GIVEN a ${name} THEN the person gets a short honest sentence, the next message works`, async () => {
      model.enqueue(behaviour);
      const sink = recordingSink();
      const outcome = await heed.core.respond(message('U_ANA', 'hi'), sink);
      expect(outcome).toMatchObject({ status: 'failed', error: code });
      expect(sink.failed?.userMessage).toMatch(words);
      expect(sink.finished).toBeUndefined();
      const next = recordingSink();
      expect(await heed.core.respond(message('U_ANA', 'again'), next)).toMatchObject({ status: 'replied' });
    });
  }

  it('GIVEN a hang past the time-out THEN the person is told it took too long', async () => {
    await heed.close();
    heed = await createTestCore({ openaiUrl: model.url, env: { OPENAI_TIMEOUT_MS: '300' } });
    model.enqueue({ hang: true });
    const sink = recordingSink();
    expect(await heed.core.respond(message('U_ANA', 'hi'), sink)).toMatchObject({
      status: 'failed',
      error: 'model_timeout',
    });
    expect(sink.failed?.userMessage).toMatch(/too long/i);
  });

  it('GIVEN a stream cut mid-way THEN the partial text is kept, marked partial, and can be reported', async () => {
    model.enqueue({ cutAfterChunks: 2, reply: 'abcdefghijklmnop' });
    const sink = recordingSink('R-PARTIAL');
    const outcome = await heed.core.respond(message('U_ANA', 'hi'), sink);
    expect(outcome.status).toBe('partial');
    expect(sink.failed?.partialText).toBe('abcdefgh');
    const report = await heed.core.report({
      target: { platform: 'slack', workspaceId: 'T1', channelId: 'C1', messageId: 'R-PARTIAL' },
      reporter: { platform: 'slack', workspaceId: 'T1', userId: 'U_ANA' },
      source: 'reaction',
      signal: 'bad',
    });
    expect(report.status).toBe('filed');
  });
});

describe('rate limit', () => {
  it('GIVEN a person past the limit THEN one notice and no model call; another person is served', async () => {
    await heed.close();
    heed = await createTestCore({ openaiUrl: model.url, env: { HEED_RATE_LIMIT_PER_MINUTE: '2' } });
    await heed.core.respond(message('U_ANA', '1'), recordingSink());
    await heed.core.respond(message('U_ANA', '2'), recordingSink());
    const third = recordingSink();
    const fourth = recordingSink();
    expect(await heed.core.respond(message('U_ANA', '3'), third)).toEqual({ status: 'rate_limited' });
    expect(await heed.core.respond(message('U_ANA', '4'), fourth)).toEqual({ status: 'rate_limited' });
    expect(third.failed?.userMessage).toMatch(/wait a minute/);
    expect(fourth.failed).toBeUndefined();
    expect(await heed.core.respond(message('U_BO', '1'), recordingSink())).toMatchObject({ status: 'replied' });
    expect(model.requests.filter((request) => request.path.endsWith('/chat/completions'))).toHaveLength(3);
  });

  it('GIVEN another replica takes the message over while this one answers THEN its claim stays theirs, and the log says so', async () => {
    const log = capturingLogger();
    await heed.close();
    heed = await createTestCore({ openaiUrl: model.url, logger: log.logger });
    let resume!: () => void;
    const paused = new Promise<void>((resolve) => (resume = resolve));
    model.enqueue({ reply: 'one two three', chunkSize: 4, pauseAfterFirst: () => paused });
    const answering = heed.core.respond(message('U_ANA', 'hi', { messageId: 'M-STALLED' }), recordingSink());
    await model.waitForRequest(1);
    // This process stalled past its lease; another replica received the message again and took it over.
    const other = new Database(heed.dbPath);
    other.pragma('busy_timeout = 5000');
    other.prepare("UPDATE message_claims SET owner = 'rescuer' WHERE message_id = 'M-STALLED'").run();
    resume();
    expect(await answering).toMatchObject({ status: 'replied' });
    expect(other.prepare("SELECT owner, status FROM message_claims WHERE message_id = 'M-STALLED'").get()).toEqual({
      owner: 'rescuer',
      status: 'in_flight',
    });
    other.close();
    expect(log.lines()).toContainEqual(
      expect.objectContaining({ msg: 'the message was taken over by another replica while this one answered it' }),
    );
  });
});
