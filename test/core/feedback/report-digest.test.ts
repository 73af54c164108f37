import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { ReportDigest } from '../../../src/core/feedback/report-digest.js';

let posts: Array<[string, string[]]>;
let digest: ReportDigest<string>;

beforeEach(() => {
  vi.useFakeTimers();
  posts = [];
  digest = new ReportDigest<string>(async (channel, items) => {
    posts.push([channel, items]);
  }, 60_000);
});

afterEach(() => {
  vi.useRealTimers();
});

describe('ReportDigest', () => {
  it('posts the first report at once and summarises the rest of the minute in one post', async () => {
    digest.add('C1', 'a');
    digest.add('C1', 'b');
    digest.add('C1', 'c');
    expect(posts).toEqual([['C1', ['a']]]);
    await vi.advanceTimersByTimeAsync(59_999);
    expect(posts).toHaveLength(1);
    await vi.advanceTimersByTimeAsync(1);
    expect(posts).toEqual([
      ['C1', ['a']],
      ['C1', ['b', 'c']],
    ]);
  });

  it('keeps channels apart', () => {
    digest.add('C1', 'a');
    digest.add('C2', 'b');
    expect(posts).toEqual([
      ['C1', ['a']],
      ['C2', ['b']],
    ]);
  });

  it('posts at once again after a quiet minute', async () => {
    digest.add('C1', 'a');
    await vi.advanceTimersByTimeAsync(61_000);
    digest.add('C1', 'b');
    expect(posts).toEqual([
      ['C1', ['a']],
      ['C1', ['b']],
    ]);
  });

  it('flush posts what is held (shutdown)', async () => {
    digest.add('C1', 'a');
    digest.add('C1', 'b');
    await digest.flush();
    expect(posts).toEqual([
      ['C1', ['a']],
      ['C1', ['b']],
    ]);
  });
});
