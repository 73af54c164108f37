import { describe, expect, it } from 'vitest';
import { ConfigError, forPlatform, parseConfig, reportReactions, reportsChannel } from '../src/config.js';

describe('configuration', () => {
  it('GIVEN nothing THEN every default applies', () => {
    const config = parseConfig({});
    expect(config).toMatchObject({
      DATABASE_PATH: './data/heed.db',
      OPENAI_MODEL: 'gpt-4o-mini',
      HEED_INSTRUCTION_LIMIT: 1500,
      REPLY_RETENTION_DAYS: 30,
      HEED_RATE_LIMIT_PER_MINUTE: 20,
      HEED_THREAD_FOLLOWUPS: true,
      PORT: 3000,
    });
  });

  it('GIVEN empty values THEN they count as unset', () => {
    expect(parseConfig({ OPENAI_BASE_URL: '', PORT: ' ' }).PORT).toBe(3000);
  });

  const wrong: [string, Record<string, string>, RegExp][] = [
    ['a number that is not', { OPENAI_MAX_OUTPUT_TOKENS: 'lots' }, /^OPENAI_MAX_OUTPUT_TOKENS: expects a whole number/],
    ['an out-of-range port', { PORT: '70000' }, /^PORT: expects a whole number from 0 to 65535/],
    ['a bad URL', { OPENAI_BASE_URL: 'localhost:11434' }, /^OPENAI_BASE_URL: expects an http\(s\) URL/],
    ['a bad flag', { HEED_THREAD_FOLLOWUPS: 'maybe' }, /^HEED_THREAD_FOLLOWUPS: expects true or false/],
    ['a temperature over 2', { OPENAI_TEMPERATURE: '3' }, /^OPENAI_TEMPERATURE: expects a number from 0 to 2/],
    ['Slack without a signing secret', { SLACK_BOT_TOKEN: 'xoxb-1' }, /^SLACK_SIGNING_SECRET/],
    [
      'a non-app Slack app token',
      { SLACK_BOT_TOKEN: 'xoxb-1', SLACK_APP_TOKEN: 'xoxb-2' },
      /^SLACK_APP_TOKEN: expects an app-level token/,
    ],
  ];
  for (const [name, env, message] of wrong) {
    it(`GIVEN ${name} THEN one line names the variable and what it expects`, () => {
      expect(() => parseConfig(env)).toThrow(ConfigError);
      expect(() => parseConfig(env)).toThrow(message);
    });
  }

  it('GIVEN DATABASE_URL THEN a postgres:// or postgresql:// URL is taken, an empty one is unset', () => {
    expect(parseConfig({}).DATABASE_URL).toBeUndefined();
    expect(parseConfig({ DATABASE_URL: '' }).DATABASE_URL).toBeUndefined();
    for (const url of ['postgres://heed:pw@db:5432/heed', 'postgresql://db/heed'])
      expect(parseConfig({ DATABASE_URL: url }).DATABASE_URL).toBe(url);
  });

  it('GIVEN a DATABASE_URL of another kind THEN refused, and the value (which may hold a password) is not shown', () => {
    const env = { DATABASE_URL: 'mysql://heed:hunter2@db/heed' };
    expect(() => parseConfig(env)).toThrow(
      /^DATABASE_URL: expects a URL starting with postgres:\/\/ or postgresql:\/\//,
    );
    expect(() => parseConfig(env)).not.toThrow(/hunter2/);
  });

  it('reads per-platform lists', () => {
    const config = parseConfig({
      HEED_ADMINS: 'U1, slack:U2, discord:42',
      HEED_REPORT_REACTIONS: ':x:,discord:😡',
      HEED_REPORTS_CHANNEL: 'slack:C9,discord:77',
    });
    expect(forPlatform(config.HEED_ADMINS, 'slack')).toEqual(['U1', 'U2']);
    expect(forPlatform(config.HEED_ADMINS, 'discord')).toEqual(['U1', '42']);
    expect(reportReactions(config, 'slack')).toEqual(['x']);
    expect(reportReactions(config, 'discord')).toEqual(['x', '😡']);
    expect(reportReactions(parseConfig({}), 'discord')).toEqual(['👎']);
    expect(reportsChannel(config, 'discord')).toBe('77');
  });
});
