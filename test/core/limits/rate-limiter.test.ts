import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { RateLimiter } from '../../../src/core/limits/rate-limiter.js';
import { eachBackend, freshSqlite, type FreshDatabase } from '../../support/test-databases.js';

eachBackend('RateLimiter', (database) => {
  it('GIVEN a person past the limit THEN one notice per window, then silence, and a new window allows again', async () => {
    let now = 1_000_000;
    const limiter = new RateLimiter(database(), 2, () => now);
    const decisions = [];
    for (let message = 0; message < 4; message++) decisions.push(await limiter.check('a'));
    expect(decisions).toEqual(['allow', 'allow', 'notify', 'silent']);
    expect(await limiter.isLimited('a')).toBe(true);
    expect(await limiter.isLimited('b')).toBe(false);
    now += 60_000;
    expect(await limiter.check('a')).toBe('allow');
  });

  it('GIVEN two limiters on one database (two replicas) THEN they count the same person together', async () => {
    const now = 2_000_000;
    const first = new RateLimiter(database(), 2, () => now);
    const second = new RateLimiter(database(), 2, () => now);
    expect(await first.check('a')).toBe('allow');
    expect(await second.check('a')).toBe('allow');
    expect(await first.check('a')).toBe('notify');
    expect(await second.check('a')).toBe('silent');
  });

  it('GIVEN many messages at once from one person THEN exactly the limit is allowed and one notice is sent', async () => {
    const now = 3_000_000;
    const limiters = [0, 1, 2].map(() => new RateLimiter(database(), 5, () => now));
    const decisions = await Promise.all(Array.from({ length: 12 }, (_, i) => limiters[i % 3]!.check('burst')));
    expect(decisions.filter((d) => d === 'allow')).toHaveLength(5);
    expect(decisions.filter((d) => d === 'notify')).toHaveLength(1);
  });

  it('GIVEN people who went quiet THEN their rows are swept within a window', async () => {
    let now = 4_000_000;
    const limiter = new RateLimiter(database(), 5, () => now);
    for (let person = 0; person < 50; person++) await limiter.check(`p${person}`);
    expect(await database().value('SELECT COUNT(*) FROM rate_hits')).toBe(50);
    now += 61_000;
    await limiter.check('someone-new');
    expect(await database().value('SELECT COUNT(*) FROM rate_hits')).toBe(1);
  });

  it('GIVEN a limit of 0 THEN everything is allowed and nothing is stored', async () => {
    const limiter = new RateLimiter(database(), 0);
    expect(await limiter.check('a')).toBe('allow');
    expect(await database().value('SELECT COUNT(*) FROM rate_hits')).toBe(0);
  });
});

describe('RateLimiter on SQLite', () => {
  let fresh: FreshDatabase | undefined;
  beforeEach(async () => {
    fresh = await freshSqlite();
  });
  afterEach(async () => {
    await fresh?.drop();
  });

  // Every reply is counted before the model is asked: that count must not wait for the group commit at the
  // end of the event loop's turn (one more turn of waiting per reply under load).
  it('GIVEN a message within the limit THEN it is counted before the turn ends, not at its group commit', async () => {
    const order: string[] = [];
    const limiter = new RateLimiter(fresh!.client, 2, () => 5_000_000);
    setImmediate(() => order.push('turn ended'));
    order.push(await limiter.check('a'));
    expect(order).toEqual(['allow']);
    expect(await limiter.check('a')).toBe('allow');
    expect(await limiter.check('a')).toBe('notify');
  });
});
