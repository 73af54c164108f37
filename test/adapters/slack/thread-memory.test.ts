/**
 * The memory of whole threads: what it holds, when it stops trusting itself, and its bounds. The
 * conversation-level behaviour (a follow-up's prompt is the same from memory as from Slack) is in
 * thread-context.test.ts.
 */
import { describe, expect, it } from 'vitest';
import { compareTs, threadKey, ThreadMemory, type ThreadMessage } from '../../../src/adapters/slack/thread-memory.js';

const BOT = { userId: 'UBOT', botId: 'BBOT', teamId: 'T1' };
const KEY = threadKey('T1', 'C1', '100.000001');

function memory(overrides: Partial<ConstructorParameters<typeof ThreadMemory>[0]> = {}) {
  let now = 0;
  const threads = new ThreadMemory({
    maxThreads: 10,
    maxMessages: 10,
    maxChars: 10_000,
    idleMs: 60_000,
    now: () => now,
    ...overrides,
  });
  return { threads, advance: (ms: number) => (now += ms) };
}

const said = (ts: string, text: string, user = 'U1'): ThreadMessage => ({ ts, text, user, markdown: [] });
const reply = (ts: string, text: string, extra: Record<string, unknown> = {}) => ({
  type: 'message',
  channel: 'C1',
  user: 'U2',
  text,
  ts,
  thread_ts: '100.000001',
  ...extra,
});
const texts = (threads: ThreadMemory, key = KEY) => threads.messages(key)?.map((message) => message.text);

describe('ThreadMemory', () => {
  it('holds a thread it saw begin, in ts order, each message once, and nothing it did not see begin', () => {
    const { threads } = memory();
    threads.observe('T1', reply('100.000300', 'before anything'), BOT);
    expect(threads.messages(KEY)).toBeUndefined();

    threads.began(KEY, said('100.000001', 'root'));
    threads.observe('T1', reply('100.000300', 'third'), BOT);
    // Events can arrive out of order, and twice (app_mention and message, or a redelivery).
    threads.observe('T1', reply('100.000200', 'second'), BOT);
    threads.observe('T1', { ...reply('100.000200', 'second'), type: 'app_mention' }, BOT);
    expect(texts(threads)).toEqual(['root', 'second', 'third']);
    // Another thread, a top-level message and a channel join are not this thread's.
    threads.observe('T1', reply('100.000400', 'elsewhere', { thread_ts: '99.000001' }), BOT);
    threads.observe('T1', { type: 'message', channel: 'C1', user: 'U2', text: 'top', ts: '100.000500' }, BOT);
    threads.observe('T1', reply('100.000600', 'joined', { subtype: 'channel_join' }), BOT);
    expect(texts(threads)).toEqual(['root', 'second', 'third']);
  });

  it("records Heed's own messages as written; their events and edits change nothing", () => {
    const { threads } = memory();
    threads.began(KEY, said('100.000001', 'root'));
    threads.wrote(KEY, { ts: '100.000100', text: 'Hel', user: BOT.userId, markdown: [] });
    // Slack's event for the streamed message carries its first text only.
    threads.observe('T1', reply('100.000100', 'Hel', { user: undefined, bot_id: BOT.botId }), BOT);
    threads.wrote(KEY, { ts: '100.000100', text: 'Hello there', user: BOT.userId, markdown: [] });
    threads.observe(
      'T1',
      {
        type: 'message',
        subtype: 'message_changed',
        channel: 'C1',
        hidden: true,
        message: { ts: '100.000100', thread_ts: '100.000001', bot_id: BOT.botId, text: 'Hello' },
      },
      BOT,
    );
    expect(texts(threads)).toEqual(['root', 'Hello there']);
  });

  it("forgets a thread when someone edits or deletes a message in it, or deletes Heed's", () => {
    const { threads } = memory();
    const edit = (subtype: string, inner: Record<string, unknown>) => ({
      type: 'message',
      subtype,
      channel: 'C1',
      hidden: true,
      [subtype === 'message_deleted' ? 'previous_message' : 'message']: inner,
    });
    const cases = [
      edit('message_changed', { ts: '100.000200', thread_ts: '100.000001', user: 'U2', text: 'edited' }),
      edit('message_deleted', { ts: '100.000200', thread_ts: '100.000001', user: 'U2' }),
      edit('message_deleted', { ts: '100.000100', thread_ts: '100.000001', bot_id: BOT.botId }),
      // The root itself, edited: it has no thread_ts of its own when nobody has replied yet.
      edit('message_changed', { ts: '100.000001', user: 'U1', text: 'root, edited' }),
    ];
    for (const event of cases) {
      threads.began(KEY, said('100.000001', 'root'));
      threads.observe('T1', event, BOT);
      expect(threads.messages(KEY)).toBeUndefined();
    }
  });

  it('keeps messages seen while Slack is read; a read that an edit overtook is not trusted', () => {
    const { threads } = memory();
    threads.reading(KEY);
    threads.observe('T1', reply('100.000300', 'said during the read'), BOT);
    expect(threads.messages(KEY)).toBeUndefined();
    threads.read(KEY, [said('100.000001', 'root'), said('100.000200', 'earlier', 'U2')]);
    expect(texts(threads)).toEqual(['root', 'earlier', 'said during the read']);

    const other = threadKey('T1', 'C1', '200.000001');
    threads.reading(other);
    threads.forget(other);
    threads.read(other, [said('200.000001', 'root')]);
    expect(threads.messages(other)).toBeUndefined();
  });

  it('stays within its bounds: threads, messages per thread, characters, idle time', () => {
    const { threads, advance } = memory({ maxThreads: 2, maxMessages: 3, maxChars: 30 });
    const key = (n: number) => threadKey('T1', 'C1', `${n}.000001`);
    threads.began(key(1), said('1.000001', 'one'));
    threads.began(key(2), said('2.000001', 'two'));
    threads.messages(key(1));
    threads.began(key(3), said('3.000001', 'three'));
    // Thread 2 was the least recently used.
    expect([1, 2, 3].map((n) => threads.messages(key(n)) !== undefined)).toEqual([true, false, true]);

    for (const ts of ['1.000002', '1.000003', '1.000004']) threads.wrote(key(1), said(ts, 'x'));
    expect(threads.messages(key(1))?.map((message) => message.ts)).toEqual(['1.000002', '1.000003', '1.000004']);

    // Past the characters, the least recently used threads go; the one just written stays.
    threads.wrote(key(1), said('1.000005', 'a'.repeat(40)));
    expect(threads.messages(key(3))).toBeUndefined();
    expect(threads.messages(key(1))).toHaveLength(3);

    advance(60_001);
    expect(threads.messages(key(1))).toBeUndefined();
    expect(threads.size).toBe(0);
  });

  it('orders Slack timestamps as numbers, whatever their digits', () => {
    const sign = (a: string, b: string) => Math.sign(compareTs(a, b));
    expect(sign('1700000000.000100', '1700000000.000099')).toBe(1);
    expect(sign('1700000000.000100', '1700000000.000100')).toBe(0);
    expect(sign('999999999.999999', '1000000000.000001')).toBe(-1);
    expect(sign('1.5', '1.10')).toBe(1);
    expect(sign('1.05', '1.5')).toBe(-1);
  });
});
