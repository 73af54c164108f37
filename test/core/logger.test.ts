import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { createLogger, scrubSecrets } from '../../src/core/logger.js';

function capture(): { stream: Writable; lines: () => string[] } {
  const chunks: string[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _encoding, callback) {
      chunks.push(chunk.toString());
      callback();
    },
  });
  return { stream, lines: () => chunks.join('').trim().split('\n') };
}

describe('logger', () => {
  it('writes JSON lines with tokens and keys redacted wherever they appear', () => {
    const { stream, lines } = capture();
    const logger = createLogger({ level: 'info', destination: stream });
    logger.info(
      {
        token: 'xoxb-123-456-abc',
        config: { apiKey: 'sk-live-abcdefgh123' },
        headers: { authorization: 'Bearer abc.def.ghi' },
      },
      'starting with xoxb-999-888-zzz',
    );
    logger.error({ err: new Error('request failed for key sk-proj-1234567890abcdef') }, 'model call failed');
    const text = lines().join('\n');
    for (const secret of [
      'xoxb-123-456-abc',
      'sk-live-abcdefgh123',
      'abc.def.ghi',
      'xoxb-999-888-zzz',
      'sk-proj-1234567890abcdef',
    ]) {
      expect(text).not.toContain(secret);
    }
    const first = JSON.parse(lines()[0]!) as Record<string, unknown>;
    expect(first.token).toBe('[redacted]');
    expect(first.msg).toBe('starting with [redacted]');
  });

  it('scrubs Slack, Discord-style and OpenAI credentials out of free text', () => {
    expect(scrubSecrets('xapp-1-A0-123 and sk-abcdefghijk and Bot abcdefghijklmnopqrstuvwxyz.123')).toBe(
      '[redacted] and [redacted] and [redacted]',
    );
    expect(scrubSecrets('token MTA5ODc2NTQzMjEwOTg3NjU0.GhIjKl.abcdefghijklmnopqrstuvwxyz0123 leaked')).toBe(
      'token [redacted] leaked',
    );
  });
});
