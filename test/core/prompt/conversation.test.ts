import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { HistoryMessage } from '../../../src/core/types.js';
import { assembleMessages } from '../../../src/core/prompt/conversation.js';
import { countMessageTokens, tokensOfMessage } from '../../../src/core/prompt/tokens.js';

const system = 'You are Heed. Be helpful and brief.';

const history: HistoryMessage[] = [
  { role: 'user', speaker: 'Ana', text: 'What is our refund policy?' },
  { role: 'assistant', text: 'Refunds are possible within 30 days of purchase.' },
  { role: 'user', speaker: 'Bo', text: 'Does that include digital goods?' },
  { role: 'assistant', text: 'Digital goods can be refunded only if they were not downloaded.' },
  { role: 'user', text: 'Thanks, both of you.' },
];

describe('assembleMessages', () => {
  it('puts the system prompt first, the history in order, the new message last', () => {
    const result = assembleMessages({
      system,
      history,
      message: { text: 'And gift cards?', speaker: 'Ana' },
      contextTokens: 100_000,
      reserveOutputTokens: 1_000,
    });
    expect(result.messages).toEqual([
      { role: 'system', content: system },
      { role: 'user', content: '[Ana] What is our refund policy?' },
      { role: 'assistant', content: 'Refunds are possible within 30 days of purchase.' },
      { role: 'user', content: '[Bo] Does that include digital goods?' },
      { role: 'assistant', content: 'Digital goods can be refunded only if they were not downloaded.' },
      { role: 'user', content: 'Thanks, both of you.' },
      { role: 'user', content: '[Ana] And gift cards?' },
    ]);
    expect(result.droppedHistory).toBe(0);
    expect(result.promptTokens).toBe(countMessageTokens(result.messages));
  });

  it('leaves the new message unlabelled without a speaker and keeps a name on one line', () => {
    const plain = assembleMessages({
      system,
      history: [],
      message: { text: 'Hi' },
      contextTokens: 1_000,
      reserveOutputTokens: 10,
    });
    expect(plain.messages.at(-1)).toEqual({ role: 'user', content: 'Hi' });
    const odd = assembleMessages({
      system,
      history: [],
      message: { text: 'Hi', speaker: ' [Ana]\n] ' },
      contextTokens: 1_000,
      reserveOutputTokens: 10,
    });
    expect(odd.messages.at(-1)).toEqual({ role: 'user', content: '[Ana] Hi' });
  });

  it('drops history oldest first until the request fits, and says how many were dropped', () => {
    const message = { text: 'And gift cards?', speaker: 'Ana' };
    const everything = assembleMessages({ system, history, message, contextTokens: 100_000, reserveOutputTokens: 0 });
    const turns = everything.messages.slice(1, -1);
    // Room for exactly the newest two history messages.
    const lastTwo = tokensOfMessage(turns[3]!) + tokensOfMessage(turns[4]!);
    const budget = everything.promptTokens - turns.reduce((sum, turn) => sum + tokensOfMessage(turn), 0) + lastTwo;
    const reserve = 500;

    const result = assembleMessages({
      system,
      history,
      message,
      contextTokens: budget + reserve,
      reserveOutputTokens: reserve,
    });
    expect(result.droppedHistory).toBe(3);
    expect(result.messages).toEqual([everything.messages[0], turns[3], turns[4], everything.messages.at(-1)]);
    expect(result.promptTokens).toBe(budget);
    expect(result.promptTokens).toBe(countMessageTokens(result.messages));

    const oneShort = assembleMessages({
      system,
      history,
      message,
      contextTokens: budget + reserve - 1,
      reserveOutputTokens: reserve,
    });
    expect(oneShort.droppedHistory).toBe(4);
    expect(oneShort.messages.slice(1, -1)).toEqual([turns[4]]);
  });

  it('keeps [system, message] when the system prompt alone is over budget', () => {
    const longSystem = 'Follow the rules. '.repeat(2_000);
    const result = assembleMessages({
      system: longSystem,
      history,
      message: { text: 'Hello?' },
      contextTokens: 1_000,
      reserveOutputTokens: 200,
    });
    expect(result.messages).toEqual([
      { role: 'system', content: longSystem },
      { role: 'user', content: 'Hello?' },
    ]);
    expect(result.droppedHistory).toBe(history.length);
    expect(result.promptTokens).toBe(countMessageTokens(result.messages));
    expect(result.promptTokens).toBeGreaterThan(800);
  });

  it('keeps [system, message] when the reserve is larger than the context', () => {
    const result = assembleMessages({
      system,
      history,
      message: { text: 'Hello?' },
      contextTokens: 100,
      reserveOutputTokens: 4_000,
    });
    expect(result.messages.map((m) => m.role)).toEqual(['system', 'user']);
    expect(result.droppedHistory).toBe(history.length);
  });

  it('handles a long thread with a tight budget', () => {
    const thread: HistoryMessage[] = Array.from({ length: 5_000 }, (_, index) => ({
      role: index % 2 ? 'assistant' : 'user',
      speaker: `person ${index % 7}`,
      text: `message number ${index}: ${'lorem ipsum '.repeat(index % 20)}`,
    }));
    const result = assembleMessages({
      system,
      history: thread,
      message: { text: 'Sum it up.' },
      contextTokens: 4_000,
      reserveOutputTokens: 1_000,
    });
    expect(result.promptTokens).toBeLessThanOrEqual(3_000);
    expect(result.messages.at(-2)?.content).toContain('message number 4999');
    expect(result.droppedHistory + result.messages.length - 2).toBe(thread.length);
  });

  it('always keeps the newest suffix of history that fits, and not one message more (property)', () => {
    const historyMessage = fc.record(
      {
        role: fc.constantFrom('user' as const, 'assistant' as const),
        speaker: fc.constantFrom('Ana', 'Bo', 'Chen Li'),
        text: fc.string({ maxLength: 80 }),
      },
      { requiredKeys: ['role', 'text'] },
    );
    fc.assert(
      fc.property(fc.array(historyMessage, { maxLength: 12 }), fc.integer({ min: 0, max: 400 }), (thread, budget) => {
        const result = assembleMessages({
          system,
          history: thread,
          message: { text: 'Now?' },
          contextTokens: budget + 50,
          reserveOutputTokens: 50,
        });
        const kept = result.messages.slice(1, -1);
        expect(result.messages[0]?.role).toBe('system');
        expect(result.messages.at(-1)).toEqual({ role: 'user', content: 'Now?' });
        expect(kept.length + result.droppedHistory).toBe(thread.length);
        expect(kept.map((turn) => turn.role)).toEqual(thread.slice(result.droppedHistory).map((turn) => turn.role));
        expect(result.promptTokens).toBe(countMessageTokens(result.messages));
        if (kept.length > 0) expect(result.promptTokens).toBeLessThanOrEqual(budget);
        if (result.droppedHistory > 0) {
          const next = assembleMessages({
            system,
            history: thread.slice(result.droppedHistory - 1),
            message: { text: 'Now?' },
            contextTokens: 1e9,
            reserveOutputTokens: 0,
          });
          expect(next.promptTokens).toBeGreaterThan(budget);
        }
      }),
      { numRuns: 200 },
    );
  });
});
