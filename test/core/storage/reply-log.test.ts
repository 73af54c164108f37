import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ReplyLog } from '../../../src/core/storage/reply-log.js';
import { ReportStore } from '../../../src/core/storage/report-store.js';
import { openTempDatabase } from '../../support/temp-db.js';
import type { TempDatabase } from '../../support/temp-db.js';
import { messageRef, person, snapshot, testClock } from './fixtures.js';
import type { TestClock } from './fixtures.js';

let temp: TempDatabase;
let clock: TestClock;
let log: ReplyLog;
let reports: ReportStore;

beforeEach(() => {
  temp = openTempDatabase();
  clock = testClock();
  log = new ReplyLog(temp.db, clock.now);
  reports = new ReportStore(temp.db, clock.now);
});
afterEach(() => temp.cleanup());

function count(table: string): number {
  return temp.db.prepare<[], number>(`SELECT count(*) FROM ${table}`).pluck().get() ?? -1;
}

function reportBad(replyId: string, reporterId = 'U9'): void {
  reports.file({ replyId, platform: 'slack', workspaceId: 'T1', reporterId, source: 'reaction', signal: 'bad' });
}

describe('ReplyLog', () => {
  it('records a snapshot with every message it occupies, and finds it by each of them', () => {
    const snap = snapshot({
      threadId: '1700000000.000100',
      status: 'partial',
      error: 'stream cut',
      firstTokenMs: 210,
      promptTokens: 812,
      completionTokens: 96,
      params: { temperature: 0.3, nested: { stop: ['\n\n'] } },
      messages: [
        { role: 'system', content: 'Réponds en français. 日本語 OK 👍🏽' },
        { role: 'assistant', content: 'earlier' },
        { role: 'user', content: 'now?' },
      ],
    });
    const id = log.record(snap, ['m1', 'm2', 'm3']);

    const expected = { ...snap, id, createdAt: '2026-03-01T12:00:00.000Z', messageIds: ['m1', 'm2', 'm3'] };
    expect(log.get(id)).toEqual(expected);
    for (const messageId of ['m1', 'm2', 'm3']) expect(log.findByMessage(messageRef(messageId))).toEqual(expected);
  });

  it('leaves absent optional fields absent', () => {
    const id = log.record(snapshot(), ['m1']);
    const record = log.get(id);
    for (const key of ['threadId', 'error', 'firstTokenMs', 'promptTokens', 'completionTokens']) {
      expect(record).not.toHaveProperty(key);
    }
  });

  it('finds nothing for a message that is not a reply, or one in another channel, workspace or platform', () => {
    log.record(snapshot(), ['m1']);
    expect(log.findByMessage(messageRef('m2'))).toBeUndefined();
    expect(log.findByMessage(messageRef('m1', { channelId: 'C2' }))).toBeUndefined();
    expect(log.findByMessage(messageRef('m1', { workspaceId: 'T2' }))).toBeUndefined();
    expect(log.findByMessage(messageRef('m1', { platform: 'discord' }))).toBeUndefined();
    expect(log.get('no-such-id')).toBeUndefined();
  });

  it('gives each reply its own sortable id', () => {
    const first = log.record(snapshot(), ['m1']);
    clock.advanceMs(1);
    const second = log.record(snapshot(), ['m2']);
    expect(first).not.toBe(second);
    expect(first < second).toBe(true);
  });

  it('stores a reply and its messages all or nothing', () => {
    log.record(snapshot(), ['taken']);
    expect(() => log.record(snapshot({ replyText: 'second' }), ['fresh', 'taken'])).toThrow();
    expect(count('replies')).toBe(1);
    expect(log.findByMessage(messageRef('fresh'))).toBeUndefined();
  });

  it('tolerates the same message id listed twice', () => {
    const id = log.record(snapshot(), ['m1', 'm1', 'm2']);
    expect(log.get(id)?.messageIds).toEqual(['m1', 'm2']);
  });

  it('records a failed reply with no messages', () => {
    const id = log.record(snapshot({ status: 'failed', replyText: '', error: '401' }), []);
    expect(log.get(id)).toMatchObject({ status: 'failed', messageIds: [] });
  });

  it('knows the threads it has replied in', () => {
    log.record(snapshot({ threadId: 'th1' }), ['m1']);
    log.record(snapshot(), ['m2']);
    const channel = { platform: 'slack' as const, workspaceId: 'T1', channelId: 'C1' };
    expect(log.hasThread(channel, 'th1')).toBe(true);
    expect(log.hasThread(channel, 'th2')).toBe(false);
    expect(log.hasThread({ ...channel, channelId: 'C2' }, 'th1')).toBe(false);
    expect(log.hasThread({ ...channel, workspaceId: 'T2' }, 'th1')).toBe(false);
  });

  it('purges old unreported replies, keeps reported and recent ones', () => {
    const oldUnreported = log.record(snapshot(), ['old-1', 'old-2']);
    const oldReported = log.record(snapshot(), ['old-reported']);
    reportBad(oldReported);
    clock.advanceDays(25);
    const recent = log.record(snapshot(), ['recent']);
    clock.advanceDays(10);

    expect(log.purgeUnreported(30)).toBe(1);
    expect(log.get(oldUnreported)).toBeUndefined();
    expect(log.findByMessage(messageRef('old-1'))).toBeUndefined();
    expect(count('reply_messages')).toBe(2);
    expect(log.get(oldReported)?.messageIds).toEqual(['old-reported']);
    expect(log.get(recent)).toBeDefined();
    expect(log.purgeUnreported(30)).toBe(0);
  });

  it('keeps a reply whose report was withdrawn (the report row still refers to it)', () => {
    const id = log.record(snapshot(), ['m1']);
    reportBad(id);
    reports.withdraw(id, 'U9', 'bad');
    clock.advanceDays(60);
    expect(log.purgeUnreported(30)).toBe(0);
  });

  it('forgets the replies a person asked for, with the reports on them, and nobody else\u2019s', () => {
    const mine = log.record(snapshot({ askerId: 'U1' }), ['m1']);
    const mineToo = log.record(snapshot({ askerId: 'U1' }), ['m2']);
    const theirs = log.record(snapshot({ askerId: 'U2' }), ['m3']);
    const sameIdElsewhere = log.record(snapshot({ askerId: 'U1', workspaceId: 'T2' }), ['m4']);
    reportBad(mine, 'U2');
    reportBad(theirs, 'U1');

    expect(log.forgetAsker(person('U1'))).toBe(2);
    expect(log.get(mine)).toBeUndefined();
    expect(log.get(mineToo)).toBeUndefined();
    expect(log.findByMessage(messageRef('m1'))).toBeUndefined();
    expect(log.get(theirs)).toBeDefined();
    expect(log.get(sameIdElsewhere)).toBeDefined();
    // The report U1 filed on someone else's reply is the report store's to forget, not this.
    expect(reports.list().map((r) => [r.replyId, r.reporterId])).toEqual([[theirs, 'U1']]);
  });
});
