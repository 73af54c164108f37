import { describe, expect, it } from 'vitest';
import { assembleMessages } from '../../../src/core/prompt/conversation.js';
import { countTokens, encoderLoaded } from '../../../src/core/prompt/tokens.js';

// A file of its own: the module's lazily loaded rank table must start out unloaded here.
describe('token counting loads its rank table only when a count is needed', () => {
  it('GIVEN a conversation that fits by bytes THEN no rank table is loaded; a real count loads it once', () => {
    const assembled = assembleMessages({
      system: 'You are Heed.',
      history: [{ role: 'user', speaker: 'Ana', text: 'earlier' }],
      message: { text: 'hello' },
      contextTokens: 16_000,
      reserveOutputTokens: 1_024,
    });
    expect(assembled.droppedHistory).toBe(0);
    expect(encoderLoaded()).toBe(false);

    expect(countTokens('hello world')).toBe(2);
    expect(encoderLoaded()).toBe(true);
  });
});
