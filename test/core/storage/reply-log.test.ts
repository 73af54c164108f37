import { beforeEach, expect, it } from 'vitest';
import { ReplyLog } from '../../../src/core/storage/reply-log.js';
import { ReportStore } from '../../../src/core/storage/report-store.js';
import { eachBackend } from '../../support/test-databases.js';
import { messageRef, person, snapshot, testClock } from './fixtures.js';
import type { TestClock } from './fixtures.js';

eachBackend('ReplyLog', (database) => {
  let clock: TestClock;
  let log: ReplyLog;
  let reports: ReportStore;

  beforeEach(() => {
    clock = testClock();
    log = new ReplyLog(database(), clock.now);
    reports = new ReportStore(database(), clock.now);
  });

  async function count(table: string): Promise<number> {
    return (await database().value<number>(`SELECT count(*) FROM ${table}`)) ?? -1;
  }

  async function reportBad(replyId: string, reporterId = 'U9'): Promise<void> {
    await reports.file({
      replyId,
      platform: 'slack',
      workspaceId: 'T1',
      reporterId,
      source: 'reaction',
      signal: 'bad',
    });
  }

  it('records a snapshot with every message it occupies, and finds it by each of them', async () => {
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
    const id = await log.record(snap, ['m1', 'm2', 'm3']);

    const expected = { ...snap, id, createdAt: '2026-03-01T12:00:00.000Z', messageIds: ['m1', 'm2', 'm3'] };
    expect(await log.get(id)).toEqual(expected);
    for (const messageId of ['m1', 'm2', 'm3'])
      expect(await log.findByMessage(messageRef(messageId))).toEqual(expected);
  });

  it('leaves absent optional fields absent', async () => {
    const id = await log.record(snapshot(), ['m1']);
    const record = await log.get(id);
    for (const key of ['threadId', 'error', 'firstTokenMs', 'promptTokens', 'completionTokens']) {
      expect(record).not.toHaveProperty(key);
    }
  });

  it('finds nothing for a message that is not a reply, or one in another channel, workspace or platform', async () => {
    await log.record(snapshot(), ['m1']);
    expect(await log.findByMessage(messageRef('m2'))).toBeUndefined();
    expect(await log.findByMessage(messageRef('m1', { channelId: 'C2' }))).toBeUndefined();
    expect(await log.findByMessage(messageRef('m1', { workspaceId: 'T2' }))).toBeUndefined();
    expect(await log.findByMessage(messageRef('m1', { platform: 'discord' }))).toBeUndefined();
    expect(await log.get('no-such-id')).toBeUndefined();
  });

  it('gives each reply its own sortable id', async () => {
    const first = await log.record(snapshot(), ['m1']);
    clock.advanceMs(1);
    const second = await log.record(snapshot(), ['m2']);
    expect(first).not.toBe(second);
    expect(first < second).toBe(true);
  });

  it('stores a reply and its messages all or nothing', async () => {
    await log.record(snapshot(), ['taken']);
    await expect(log.record(snapshot({ replyText: 'second' }), ['fresh', 'taken'])).rejects.toThrow();
    expect(await count('replies')).toBe(1);
    expect(await log.findByMessage(messageRef('fresh'))).toBeUndefined();
  });

  it('tolerates the same message id listed twice', async () => {
    const id = await log.record(snapshot(), ['m1', 'm1', 'm2']);
    expect((await log.get(id))?.messageIds).toEqual(['m1', 'm2']);
  });

  it('records a failed reply with no messages', async () => {
    const id = await log.record(snapshot({ status: 'failed', replyText: '', error: '401' }), []);
    expect(await log.get(id)).toMatchObject({ status: 'failed', messageIds: [] });
  });

  it('knows the threads it has replied in', async () => {
    await log.record(snapshot({ threadId: 'th1' }), ['m1']);
    await log.record(snapshot(), ['m2']);
    const channel = { platform: 'slack' as const, workspaceId: 'T1', channelId: 'C1' };
    expect(await log.hasThread(channel, 'th1')).toBe(true);
    expect(await log.hasThread(channel, 'th2')).toBe(false);
    expect(await log.hasThread({ ...channel, channelId: 'C2' }, 'th1')).toBe(false);
    expect(await log.hasThread({ ...channel, workspaceId: 'T2' }, 'th1')).toBe(false);
  });

  it('purges old unreported replies, keeps reported and recent ones', async () => {
    const oldUnreported = await log.record(snapshot(), ['old-1', 'old-2']);
    const oldReported = await log.record(snapshot(), ['old-reported']);
    await reportBad(oldReported);
    clock.advanceDays(25);
    const recent = await log.record(snapshot(), ['recent']);
    clock.advanceDays(10);

    expect(await log.purgeUnreported(30)).toBe(1);
    expect(await log.get(oldUnreported)).toBeUndefined();
    expect(await log.findByMessage(messageRef('old-1'))).toBeUndefined();
    expect(await count('reply_messages')).toBe(2);
    expect((await log.get(oldReported))?.messageIds).toEqual(['old-reported']);
    expect(await log.get(recent)).toBeDefined();
    expect(await log.purgeUnreported(30)).toBe(0);
  });

  it('purges by the moment a reply was made, to the millisecond, through its id', async () => {
    const before = await log.record(snapshot(), ['m-before']);
    clock.advanceMs(1);
    const atCutoff = await log.record(snapshot(), ['m-at']);
    clock.advanceDays(30);
    // Now the first reply is 30 days and 1 ms old, the second exactly 30 days (not older than that).
    expect(await log.purgeUnreported(30)).toBe(1);
    expect(await log.get(before)).toBeUndefined();
    expect(await log.get(atCutoff)).toBeDefined();
  });

  it('stores only the instruction versions in force, and reads every layer back', async () => {
    const none = await log.record(
      snapshot({ instructionVersions: { workspace: null, channel: null, user: null } }),
      [],
    );
    const some = await log.record(snapshot({ instructionVersions: { workspace: 2, channel: null, user: 4 } }), []);
    const stored = (id: string) => database().value('SELECT instruction_versions_json FROM replies WHERE id = ?', [id]);
    expect(await stored(none)).toBe('{}');
    expect(await stored(some)).toBe('{"workspace":2,"user":4}');
    expect((await log.get(none))?.instructionVersions).toEqual({ workspace: null, channel: null, user: null });
    expect((await log.get(some))?.instructionVersions).toEqual({ workspace: 2, channel: null, user: 4 });
    // As an earlier Heed stored them: every layer named, null when not in force.
    await database().run('UPDATE replies SET instruction_versions_json = ? WHERE id = ?', [
      '{"workspace":null,"channel":3,"user":null}',
      none,
    ]);
    expect((await log.get(none))?.instructionVersions).toEqual({ workspace: null, channel: 3, user: null });
  });

  it('keeps a reply whose report was withdrawn (the report row still refers to it)', async () => {
    const id = await log.record(snapshot(), ['m1']);
    await reportBad(id);
    await reports.withdraw(id, 'U9', 'bad');
    clock.advanceDays(60);
    expect(await log.purgeUnreported(30)).toBe(0);
  });

  it('forgets the replies a person asked for, with the reports on them, and nobody else\u2019s', async () => {
    const mine = await log.record(snapshot({ askerId: 'U1' }), ['m1']);
    const mineToo = await log.record(snapshot({ askerId: 'U1' }), ['m2']);
    const theirs = await log.record(snapshot({ askerId: 'U2' }), ['m3']);
    const sameIdElsewhere = await log.record(snapshot({ askerId: 'U1', workspaceId: 'T2' }), ['m4']);
    await reportBad(mine, 'U2');
    await reportBad(theirs, 'U1');

    expect(await log.forgetAsker(person('U1'))).toBe(2);
    expect(await log.get(mine)).toBeUndefined();
    expect(await log.get(mineToo)).toBeUndefined();
    expect(await log.findByMessage(messageRef('m1'))).toBeUndefined();
    expect(await log.get(theirs)).toBeDefined();
    expect(await log.get(sameIdElsewhere)).toBeDefined();
    // The report U1 filed on someone else's reply is the report store's to forget, not this.
    expect((await reports.list()).map((r) => [r.replyId, r.reporterId])).toEqual([[theirs, 'U1']]);
  });
});
