import { describe, expect, it } from 'vitest';
import { RateLimiter } from '../../../src/core/limits/rate-limiter.js';

describe('RateLimiter', () => {
  it('GIVEN a person past the limit THEN one notice per window, then silence', () => {
    let now = 0;
    const limiter = new RateLimiter(2, () => now);
    expect([limiter.check('a'), limiter.check('a'), limiter.check('a'), limiter.check('a')]).toEqual([
      'allow',
      'allow',
      'notify',
      'silent',
    ]);
    now = 60_000;
    expect(limiter.check('a')).toBe('allow');
  });

  it('GIVEN many people who went quiet THEN the map forgets them within a window', () => {
    let now = 0;
    const limiter = new RateLimiter(5, () => now);
    for (let person = 0; person < 1000; person++) limiter.check(`p${person}`);
    expect(limiter.size).toBe(1000);
    now = 61_000;
    limiter.check('someone-new');
    expect(limiter.size).toBe(1);
  });

  it('GIVEN a limit of 0 THEN everything is allowed and nothing is kept', () => {
    const limiter = new RateLimiter(0);
    expect(limiter.check('a')).toBe('allow');
    expect(limiter.size).toBe(0);
  });
});
