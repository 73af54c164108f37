/**
 * Issue 9, item 8: a setting's error message names the variable and what it expects, and never echoes a
 * value that looks like a token or key (an operator pastes a key into the wrong variable; the line ends
 * up in a terminal, a CI log or a support ticket).
 */
import { describe, expect, it } from 'vitest';
import { ConfigError, parseConfig } from '../../src/config.js';

function messageOf(env: Record<string, string>): string {
  try {
    parseConfig(env);
  } catch (error) {
    if (error instanceof ConfigError) return error.message;
    throw error;
  }
  throw new Error('expected a ConfigError');
}

const secrets = [
  ['an OpenAI project key', 'sk-proj-abcDEF1234567890abcDEF1234567890'],
  ['a Slack bot token', 'xoxb-1234567890-1234567890123-abcdefABCDEF123456'],
  ['a Slack app token', 'xapp-1-A0123-1234567890-abcdef0123456789'],
  ['a Discord bot token', 'MTA5ODc2NTQzMjEwOTg3NjU0.GaBcDe.abcdefghijklmnopqrstuvwxyz0123456789AB'],
  ['a long random secret', '8f14e45fceea167a5a36dedd4bea2543f0a1b2c3d4e5f6a7'],
] as const;

describe('configuration errors and secrets', () => {
  for (const [kind, value] of secrets) {
    it(`GIVEN ${kind} in a URL setting THEN the error names the variable but never echoes the value`, () => {
      const message = messageOf({ OPENAI_BASE_URL: value });
      expect(message).toMatch(/^OPENAI_BASE_URL: expects an http\(s\) URL/);
      expect(message).not.toContain(value);
      expect(message).not.toContain(value.slice(0, 12));
      expect(message).toMatch(/looks like a secret/);
    });
  }

  it('GIVEN a key in a number setting THEN it is not echoed either', () => {
    const message = messageOf({ PORT: secrets[0][1] });
    expect(message).toMatch(/^PORT: expects a whole number/);
    expect(message).not.toContain('sk-proj');
  });

  it('GIVEN an ordinary wrong value THEN it is still echoed, to help spot the typo', () => {
    expect(messageOf({ OPENAI_BASE_URL: 'localhost:11434' })).toContain('(got "localhost:11434")');
    expect(messageOf({ PORT: 'lots' })).toContain('(got "lots")');
  });
});
