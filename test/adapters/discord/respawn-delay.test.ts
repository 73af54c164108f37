import { describe, expect, it } from 'vitest';
import { HEALTHY_RUN_MS, MAX_RESPAWN_DELAY_MS, RespawnDelay } from '../../../src/adapters/discord/respawn-delay.js';

describe('RespawnDelay', () => {
  it('GIVEN a shard that dies as soon as it starts THEN each restart waits twice as long, up to five minutes', () => {
    let now = 0;
    const delay = new RespawnDelay(5_500, () => now);
    const waits: number[] = [];
    for (let death = 0; death < 10; death++) {
      now += 2_000;
      const wait = delay.died();
      waits.push(wait);
      now += wait;
      delay.started();
    }
    expect(waits).toEqual([5_500, 11_000, 22_000, 44_000, 88_000, 176_000, 300_000, 300_000, 300_000, 300_000]);
    expect(Math.max(...waits)).toBe(MAX_RESPAWN_DELAY_MS);
  });

  it('GIVEN a shard that ran five minutes before dying THEN it starts again after the first delay', () => {
    let now = 0;
    const delay = new RespawnDelay(5_500, () => now);
    delay.died();
    delay.started();
    expect(delay.died()).toBe(11_000);
    delay.started();
    now += HEALTHY_RUN_MS;
    expect(delay.died()).toBe(5_500);
  });

  it('GIVEN no spawn delay THEN the first restart is at once and a crash loop still backs off', () => {
    const delay = new RespawnDelay(0, () => 0);
    expect([delay.died(), delay.died(), delay.died()]).toEqual([0, 2_000, 4_000]);
  });
});
