import { describe, expect, it } from 'vitest';
import { Admission } from '../../../src/core/reply/admission.js';
import type { IncomingMessage } from '../../../src/core/types.js';
import { startFakeOpenAI } from '../../support/fake-openai.js';
import { recordingSink } from '../../support/recording-sink.js';
import { createTestCore } from '../../support/test-core.js';

describe('Admission', () => {
  it('GIVEN free turns THEN work enters at once, and past them it waits in order for a released turn', async () => {
    const admission = new Admission({ maxInFlight: 2, maxQueued: 2 });
    const first = await admission.enter();
    const second = await admission.enter();
    const order: string[] = [];
    const third = admission.enter()?.then((release) => (order.push('third'), release));
    const fourth = admission.enter()?.then((release) => (order.push('fourth'), release));
    expect(admission.inFlight).toBe(2);
    expect(admission.queued).toBe(2);

    first?.();
    first?.(); // a second release of the same turn changes nothing
    const thirdRelease = await third;
    expect(order).toEqual(['third']);
    expect(admission.queued).toBe(1);
    second?.();
    (await fourth)?.();
    thirdRelease?.();
    expect(order).toEqual(['third', 'fourth']);
    expect(admission.inFlight).toBe(0);
  });

  it('GIVEN every turn taken and the queue full THEN work is turned away at once', async () => {
    const admission = new Admission({ maxInFlight: 1, maxQueued: 0 });
    const release = await admission.enter();
    expect(admission.enter()).toBeUndefined();
    release?.();
    expect(admission.enter()).toBeDefined();
  });
});

describe('respond under load', () => {
  it('GIVEN one turn and a queue of one THEN a third gets "busy", is released, answered later', async () => {
    const model = await startFakeOpenAI();
    const heed = await createTestCore({
      openaiUrl: model.url,
      env: { HEED_MAX_REPLIES_IN_FLIGHT: '1', HEED_REPLY_QUEUE: '1', HEED_RATE_LIMIT_PER_MINUTE: '0' },
    });
    try {
      model.fallback = { reply: 'an answer', firstTokenDelayMs: 300 };
      const message = (id: string, userId: string): IncomingMessage => ({
        platform: 'slack',
        workspaceId: 'T1',
        channelId: 'C1',
        messageId: id,
        userId,
        text: `question ${id}`,
        history: [],
      });
      const busySink = recordingSink();
      const first = heed.core.respond(message('m1', 'U1'), recordingSink());
      await model.waitForRequest(1);
      const second = heed.core.respond(message('m2', 'U2'), recordingSink());
      const third = await heed.core.respond(message('m3', 'U3'), busySink);

      expect(third).toEqual({ status: 'busy' });
      expect(busySink.failed?.userMessage).toMatch(/busy|a lot of people/i);
      expect(busySink.failed?.userMessage).toMatch(/ask again in a minute/);
      const ref = { platform: 'slack' as const, workspaceId: 'T1', channelId: 'C1', messageId: 'm3' };
      expect(await heed.core.isHandled(ref)).toBe(false);
      // Only the first has reached the model; the second waits for its turn.
      expect(model.requests.filter((r) => r.path.endsWith('/chat/completions'))).toHaveLength(1);

      expect(await first).toMatchObject({ status: 'replied' });
      expect(await second).toMatchObject({ status: 'replied' });
      expect(await heed.core.respond(message('m3', 'U3'), recordingSink())).toMatchObject({ status: 'replied' });
    } finally {
      await heed.close();
      await model.close();
    }
  });
});
