/**
 * Which part this process plays when Discord is sharded (DISCORD_SHARDS). Kept apart from the shard
 * manager so that `npm start` can tell without loading discord.js (about 30 MB resident).
 */
import type { Config } from '../../config.js';

/**
 * `single`: no DISCORD_SHARDS, one process does everything, as always. `manager`: runs the shards, and
 * Slack and the dashboard when configured. `shard`: one Discord shard, started by the manager.
 */
export type ProcessRole =
  { kind: 'single' } | { kind: 'manager'; shards: 'auto' | number } | { kind: 'shard'; shard: number; count: number };

/**
 * This process's role. discord.js's ShardingManager starts each shard with SHARDING_MANAGER, SHARDS and
 * SHARD_COUNT in its environment (the shard's Client reads the same two to identify as `[SHARDS, SHARD_COUNT]`).
 */
export function processRole(config: Pick<Config, 'DISCORD_SHARDS'>, env = process.env): ProcessRole {
  if (config.DISCORD_SHARDS === undefined) return { kind: 'single' };
  const shard = Number(env.SHARDS);
  const count = Number(env.SHARD_COUNT);
  if (env.SHARDING_MANAGER === 'true' && Number.isInteger(shard) && Number.isInteger(count)) {
    return { kind: 'shard', shard, count };
  }
  return { kind: 'manager', shards: config.DISCORD_SHARDS };
}

/** What every log line of this process carries, so that a line says which process wrote it. */
export function roleLogFields(role: ProcessRole): Record<string, string | number> {
  if (role.kind === 'single') return {};
  return role.kind === 'manager' ? { role: 'manager' } : { role: 'shard', shard: role.shard };
}
