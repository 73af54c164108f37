import { describe, expect, it } from 'vitest';
import { ConfigError, parseConfig } from '../../../src/config.js';
import { processRole, roleLogFields } from '../../../src/adapters/discord/process-role.js';

const discord = { DISCORD_TOKEN: 'a-token' };

describe('DISCORD_SHARDS', () => {
  it('GIVEN nothing THEN unset: one process, as before sharding', () => {
    expect(parseConfig(discord).DISCORD_SHARDS).toBeUndefined();
    expect(parseConfig(discord).DISCORD_SHARD_SPAWN_DELAY_MS).toBe(5500);
  });

  it('GIVEN auto or a count THEN that', () => {
    expect(parseConfig({ ...discord, DISCORD_SHARDS: 'auto' }).DISCORD_SHARDS).toBe('auto');
    expect(parseConfig({ ...discord, DISCORD_SHARDS: ' AUTO ' }).DISCORD_SHARDS).toBe('auto');
    expect(parseConfig({ ...discord, DISCORD_SHARDS: '4' }).DISCORD_SHARDS).toBe(4);
  });

  it.each(['0', '-1', '1.5', 'two', 'auto,2'])('GIVEN %j THEN one line saying what it expects', (value) => {
    expect(() => parseConfig({ ...discord, DISCORD_SHARDS: value })).toThrow(
      `DISCORD_SHARDS: expects auto or a whole number of shards from 1 to 99999 (got ${JSON.stringify(value)})`,
    );
  });

  it('GIVEN shards without DISCORD_TOKEN THEN a sentence saying it applies to Discord only', () => {
    expect(() => parseConfig({ SLACK_BOT_TOKEN: 'xoxb-1', SLACK_APP_TOKEN: 'xapp-1', DISCORD_SHARDS: '2' })).toThrow(
      ConfigError,
    );
    expect(() => parseConfig({ SLACK_BOT_TOKEN: 'xoxb-1', SLACK_APP_TOKEN: 'xapp-1', DISCORD_SHARDS: '2' })).toThrow(
      /DISCORD_SHARDS: applies to Discord only; set DISCORD_TOKEN/,
    );
  });
});

describe('processRole', () => {
  // What discord.js's ShardingManager puts in a shard's environment.
  const shardEnv = { SHARDING_MANAGER: 'true', SHARDING_MANAGER_MODE: 'process', SHARDS: '1', SHARD_COUNT: '2' };

  it('GIVEN no DISCORD_SHARDS THEN single, whatever the environment, and its lines carry nothing new', () => {
    const role = processRole({ DISCORD_SHARDS: undefined }, shardEnv);
    expect(role).toEqual({ kind: 'single' });
    expect(roleLogFields(role)).toEqual({});
  });

  it('GIVEN DISCORD_SHARDS and no shard environment THEN the manager', () => {
    const role = processRole({ DISCORD_SHARDS: 'auto' }, {});
    expect(role).toEqual({ kind: 'manager', shards: 'auto' });
    expect(roleLogFields(role)).toEqual({ role: 'manager' });
  });

  it("GIVEN DISCORD_SHARDS and the manager's environment for a shard THEN that shard", () => {
    const role = processRole({ DISCORD_SHARDS: 2 }, shardEnv);
    expect(role).toEqual({ kind: 'shard', shard: 1, count: 2 });
    expect(roleLogFields(role)).toEqual({ role: 'shard', shard: 1 });
  });
});
