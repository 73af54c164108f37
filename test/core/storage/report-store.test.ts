import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { HeedError } from '../../../src/core/errors.js';
import { ReplyLog } from '../../../src/core/storage/reply-log.js';
import { ReportStore } from '../../../src/core/storage/report-store.js';
import type { FileReportInput } from '../../../src/core/storage/report-store.js';
import { openTempDatabase } from '../../support/temp-db.js';
import type { TempDatabase } from '../../support/temp-db.js';
import { person, snapshot, testClock } from './fixtures.js';
import type { TestClock } from './fixtures.js';

let temp: TempDatabase;
let clock: TestClock;
let reports: ReportStore;
let replyId: string;
let otherReplyId: string;

function input(overrides: Partial<FileReportInput> = {}): FileReportInput {
  return {
    replyId,
    platform: 'slack',
    workspaceId: 'T1',
    reporterId: 'U9',
    source: 'reaction',
    signal: 'bad',
    ...overrides,
  };
}

beforeEach(async () => {
  temp = await openTempDatabase();
  clock = testClock();
  const log = new ReplyLog(temp.db, clock.now);
  replyId = await log.record(snapshot(), ['m1']);
  otherReplyId = await log.record(snapshot(), ['m2']);
  reports = new ReportStore(temp.db, clock.now);
});
afterEach(() => temp.cleanup());

describe('ReportStore', () => {
  it('files a new open report', async () => {
    const { report, isNew } = await reports.file(input({ note: '  ignored my word limit  ' }));
    expect(isNew).toBe(true);
    expect(report).toEqual({
      id: report.id,
      replyId,
      platform: 'slack',
      workspaceId: 'T1',
      reporterId: 'U9',
      source: 'reaction',
      signal: 'bad',
      status: 'open',
      note: 'ignored my word limit',
      createdAt: '2026-03-01T12:00:00.000Z',
      updatedAt: '2026-03-01T12:00:00.000Z',
    });
    expect(await reports.get(report.id)).toEqual(report);
  });

  it('is idempotent per reply, reporter and signal', async () => {
    const first = await reports.file(input({ note: 'too long' }));
    clock.advanceMs(1000);
    const repeat = await reports.file(input({ source: 'button' }));
    expect(repeat).toEqual({ report: first.report, isNew: false });

    const blank = await reports.file(input({ note: '   ' }));
    expect(blank.report.note).toBe('too long');

    const renoted = await reports.file(input({ note: 'way too long' }));
    expect(renoted.isNew).toBe(false);
    expect(renoted.report).toMatchObject({
      id: first.report.id,
      note: 'way too long',
      updatedAt: '2026-03-01T12:00:01.000Z',
    });

    // Another signal, reporter or reply is another report.
    expect((await reports.file(input({ signal: 'good' }))).isNew).toBe(true);
    expect((await reports.file(input({ reporterId: 'U8' }))).isNew).toBe(true);
    expect((await reports.file(input({ replyId: otherReplyId }))).isNew).toBe(true);
    expect(await reports.list()).toHaveLength(4);
  });

  it('withdraws, keeps the row, and reopens on a new filing', async () => {
    const { report } = await reports.file(input({ note: 'wrong language' }));
    clock.advanceMs(1000);
    expect(await reports.withdraw(replyId, 'U9', 'bad')).toBe(true);
    expect(await reports.get(report.id)).toMatchObject({ status: 'withdrawn', updatedAt: '2026-03-01T12:00:01.000Z' });
    expect(await reports.withdraw(replyId, 'U9', 'bad')).toBe(false);
    expect(await reports.withdraw(replyId, 'U9', 'good')).toBe(false);
    expect(await reports.withdraw(replyId, 'U8', 'bad')).toBe(false);

    clock.advanceMs(1000);
    const reopened = await reports.file(input({ source: 'button' }));
    expect(reopened.isNew).toBe(true);
    expect(reopened.report).toMatchObject({
      id: report.id,
      status: 'open',
      source: 'button',
      note: 'wrong language',
      createdAt: '2026-03-01T12:00:00.000Z',
      updatedAt: '2026-03-01T12:00:02.000Z',
    });
    expect(await reports.list()).toHaveLength(1);
  });

  it('lets only the reporter set the note', async () => {
    const { report } = await reports.file(input());
    expect(await reports.setNote(report.id, 'U8', 'not mine')).toBe(false);
    expect((await reports.get(report.id))?.note).toBeNull();
    expect(await reports.setNote(report.id, 'U9', ' used bullets ')).toBe(true);
    expect((await reports.get(report.id))?.note).toBe('used bullets');
    expect(await reports.setNote(report.id, 'U9', '')).toBe(true);
    expect((await reports.get(report.id))?.note).toBeNull();
    expect(await reports.setNote('no-such-report', 'U9', 'x')).toBe(false);
  });

  it('sets a status for triage', async () => {
    const { report } = await reports.file(input());
    expect(await reports.setStatus(report.id, 'triaged')).toBe(true);
    expect((await reports.get(report.id))?.status).toBe('triaged');
    expect(await reports.setStatus('no-such-report', 'resolved')).toBe(false);
    // A repeat filing leaves an operator's status alone.
    expect((await reports.file(input())).report.status).toBe('triaged');
  });

  it('refuses a report on a reply that does not exist', async () => {
    await expect(reports.file(input({ replyId: 'missing' }))).rejects.toThrow(/FOREIGN KEY/);
  });

  it('lists newest first with status, signal, since and limit filters', async () => {
    const ids: string[] = [];
    const file = async (overrides: Partial<FileReportInput>) => {
      ids.push((await reports.file(input(overrides))).report.id);
      clock.advanceDays(1);
    };
    await file({ reporterId: 'A' }); // day 0
    await file({ reporterId: 'B', signal: 'good' }); // day 1
    await file({ reporterId: 'C' }); // day 2
    await file({ reporterId: 'D' }); // day 3
    await reports.setStatus(ids[2]!, 'resolved');
    const reporters = (list: { reporterId: string }[]) => list.map((r) => r.reporterId);

    expect(reporters(await reports.list())).toEqual(['D', 'C', 'B', 'A']);
    expect(reporters(await reports.list({ limit: 2 }))).toEqual(['D', 'C']);
    expect(reporters(await reports.list({ status: 'open' }))).toEqual(['D', 'B', 'A']);
    expect(reporters(await reports.list({ status: 'open', signal: 'bad' }))).toEqual(['D', 'A']);
    expect(reporters(await reports.list({ signal: 'good' }))).toEqual(['B']);
    expect(reporters(await reports.list({ since: '2026-03-02T12:00:00.000Z' }))).toEqual(['D', 'C', 'B']);
    expect(reporters(await reports.list({ since: '2026-03-03' }))).toEqual(['D', 'C']);
    // An offset is normalized to UTC before comparing: 14:00+02:00 is 12:00Z on day 2.
    expect(reporters(await reports.list({ since: '2026-03-03T14:00:00+02:00' }))).toEqual(['D', 'C']);
    expect(reporters(await reports.list({ since: '2026-03-03T14:00:01+02:00' }))).toEqual(['D']);
    expect(reporters(await reports.list({ status: 'resolved', since: '2026-03-01' }))).toEqual(['C']);
    expect(await reports.list({ limit: -5 })).toEqual([]);
  });

  it('orders reports filed in the same millisecond by filing order', async () => {
    for (const reporterId of ['A', 'B', 'C']) await reports.file(input({ reporterId }));
    expect((await reports.list()).map((r) => r.reporterId)).toEqual(['C', 'B', 'A']);
  });

  it('says clearly when a since date cannot be read', async () => {
    try {
      await reports.list({ since: 'last tuesday' });
      expect.unreachable();
    } catch (error) {
      expect(error).toBeInstanceOf(HeedError);
      expect(error).toMatchObject({ code: 'invalid_filter' });
      expect((error as HeedError).operatorMessage).toContain('last tuesday');
    }
  });

  it('lists and forgets one person\u2019s reports only', async () => {
    await reports.file(input({ reporterId: 'U1' }));
    clock.advanceMs(1);
    await reports.file(input({ reporterId: 'U1', replyId: otherReplyId }));
    await reports.file(input({ reporterId: 'U2' }));
    const elsewhere = await new ReplyLog(temp.db, clock.now).record(snapshot({ workspaceId: 'T2' }), ['m1']);
    await reports.file(input({ reporterId: 'U1', workspaceId: 'T2', replyId: elsewhere }));

    expect((await reports.forReporter(person('U1'), 10)).map((r) => r.replyId)).toEqual([otherReplyId, replyId]);
    expect(await reports.forReporter(person('U1'), 1)).toHaveLength(1);
    expect(await reports.forReporter(person('U1', { workspaceId: 'T2' }), 10)).toHaveLength(1);

    expect(await reports.forgetReporter(person('U1'))).toBe(2);
    expect(await reports.forReporter(person('U1'), 10)).toEqual([]);
    expect((await reports.list()).map((r) => r.reporterId).sort()).toEqual(['U1', 'U2']);
  });
});
