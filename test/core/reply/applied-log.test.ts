import { beforeEach, expect, it } from 'vitest';
import { AppliedLog, type AppliedRecord } from '../../../src/core/reply/applied.js';
import { ReplyLog } from '../../../src/core/storage/reply-log.js';
import { eachBackend } from '../../support/test-databases.js';
import { snapshot, testClock } from '../storage/fixtures.js';

/** What most replies have: no layer in force, nothing left out or restated. */
const NOTHING_APPLIED: AppliedRecord = {
  summary: { layers: [], model: 'gpt-4o-mini', olderLeftOut: false, restated: false },
  scopes: {},
  leftOut: [],
  leftOutCount: 0,
};

const EVERYTHING_APPLIED: AppliedRecord = {
  summary: {
    layers: [
      { layer: 'workspace', version: 2 },
      { layer: 'user', version: 4 },
    ],
    model: 'gpt-4o-mini',
    olderLeftOut: true,
    restated: true,
    checks: { passed: 2, failed: 1 },
  },
  scopes: {
    workspace: { platform: 'slack', workspaceId: 'T1', kind: 'workspace', id: 'T1' },
    user: { platform: 'slack', workspaceId: 'T1', kind: 'user', id: 'U1' },
  },
  leftOut: ['someone: the first question', 'Heed: the first answer'],
  leftOutCount: 7,
};

eachBackend('AppliedLog', (database) => {
  let log: AppliedLog;
  let replyId: string;

  beforeEach(async () => {
    log = new AppliedLog(database());
    replyId = await new ReplyLog(database(), testClock().now).record(snapshot(), ['1700000000.000200']);
  });

  const stored = async () =>
    (await database().value<string>('SELECT applied_json FROM reply_applied WHERE reply_id = ?', [replyId])) ?? '';

  it('stores a reply nothing shaped in a few bytes, and reads it back whole', async () => {
    await log.record(replyId, NOTHING_APPLIED);
    expect(await log.get(replyId)).toEqual(NOTHING_APPLIED);
    expect((await stored()).length).toBeLessThan(40);
  });

  it('reads back every field of a reply instructions shaped', async () => {
    await log.record(replyId, EVERYTHING_APPLIED);
    expect(await log.get(replyId)).toEqual(EVERYTHING_APPLIED);
  });

  it('reads a record stored in full by an earlier Heed exactly as before', async () => {
    for (const record of [NOTHING_APPLIED, EVERYTHING_APPLIED]) {
      await database().run('DELETE FROM reply_applied');
      await database().run('INSERT INTO reply_applied (reply_id, applied_json) VALUES (?, ?)', [
        replyId,
        JSON.stringify(record),
      ]);
      expect(await log.get(replyId)).toEqual(record);
    }
  });

  it('replaces an earlier record of the same reply', async () => {
    await log.record(replyId, EVERYTHING_APPLIED);
    await log.record(replyId, NOTHING_APPLIED);
    expect(await log.get(replyId)).toEqual(NOTHING_APPLIED);
  });
});
