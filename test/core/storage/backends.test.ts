/**
 * Every repository and a whole core on both backends: the same calls, the same answers, on a fresh
 * SQLite file and on a fresh PostgreSQL database.
 */
import { describe, expect, it } from 'vitest';
import { parseConfig } from '../../../src/config.js';
import { heedFromConfig } from '../../../src/app.js';
import { createLogger, silentLogger } from '../../../src/core/logger.js';
import {
  ComplianceStore,
  InstructionStore,
  MessageClaims,
  ReplyLog,
  ReportStore,
  RequestClaims,
  deploymentSecret,
} from '../../../src/core/storage/index.js';
import { ProfileStore } from '../../../src/core/profile/profile-store.js';
import { startFakeOpenAI } from '../../support/fake-openai.js';
import { recordingSink } from '../../support/recording-sink.js';
import { eachBackend, freshPostgres } from '../../support/test-databases.js';
import { tempDbPath } from '../../support/temp-db.js';
import { actor, message } from '../../support/core-messages.js';
import { snapshot, person, messageRef, testClock } from './fixtures.js';

eachBackend('every repository', (database) => {
  it('GIVEN each repository THEN every method answers the same on this backend', async () => {
    const db = database();
    {
      const clock = testClock();
      const store = new InstructionStore(db, clock.now);
      const scope = { platform: 'slack', workspaceId: 'T1', kind: 'user', id: 'U1' } as const;
      expect(
        (await store.write(scope, { about: 'a', respond: 'r', enabled: true, action: 'set', actorId: 'U1' })).version,
      ).toBe(1);
      expect(
        (await store.write(scope, { about: 'a', respond: 'r2', enabled: true, action: 'set', actorId: 'U1' })).version,
      ).toBe(2);
      expect((await store.current(scope))?.respond).toBe('r2');
      expect(await store.history(scope, 10)).toHaveLength(2);
      const claims = new MessageClaims(db, clock.now);
      expect(await claims.claim(messageRef('1'), 'a')).toBe('claimed');
      expect(await claims.claim(messageRef('1'), 'b')).toBe('duplicate');
      expect(await claims.isTaken(messageRef('1'))).toBe(true);
      clock.advanceMs(claims.leaseMs + 1);
      expect(await claims.claim(messageRef('1'), 'b')).toBe('claimed');
      expect(await claims.complete(messageRef('1'), null, 'b')).toBe(true);
      expect(await claims.purge(30)).toBe(0);
      const requests = new RequestClaims(db, clock.now, silentLogger());
      expect(await requests.claim({ platform: 'slack', workspaceId: 'T1', requestId: 'x' })).toBe(true);
      expect(await requests.claim({ platform: 'slack', workspaceId: 'T1', requestId: 'x' })).toBe(false);
      const log = new ReplyLog(db, clock.now);
      const long = 'x'.repeat(300);
      const id = await log.record(
        snapshot({
          threadId: 'th',
          messages: [
            { role: 'system', content: long },
            { role: 'user', content: 'q' },
          ],
        }),
        ['1700000000.000200', '1700000000.000300'],
      );
      const id2 = await log.record(snapshot({ messages: [{ role: 'system', content: long }] }), ['1700000000.000400']);
      expect((await log.get(id))?.messageIds).toEqual(['1700000000.000200', '1700000000.000300']);
      expect((await log.findByMessage(messageRef('1700000000.000300')))?.id).toBe(id);
      expect(await log.hasThread({ platform: 'slack', workspaceId: 'T1', channelId: 'C1' }, 'th')).toBe(true);
      expect(await db.value('SELECT refs FROM snapshot_pieces')).toBe(2);
      expect(await log.rewriteMessages(id2, [{ role: 'system', content: 'short' }])).toBe(true);
      expect(await db.value('SELECT refs FROM snapshot_pieces')).toBe(1);
      const reports = new ReportStore(db, clock.now);
      const input = {
        replyId: id,
        platform: 'slack',
        workspaceId: 'T1',
        reporterId: 'U9',
        source: 'reaction',
        signal: 'bad',
      } as const;
      const filed = await reports.file(input);
      expect(filed.isNew).toBe(true);
      expect((await reports.file({ ...input, note: 'n' })).report.note).toBe('n');
      expect(await reports.withdraw(id, 'U9', 'bad')).toBe(true);
      expect((await reports.file(input)).isNew).toBe(true);
      expect(await reports.list({ limit: Infinity })).toHaveLength(1);
      expect(await reports.list({ status: 'open' })).toHaveLength(1);
      expect(await reports.forReporter(person('U9'), 5)).toHaveLength(1);
      const compliance = new ComplianceStore(db, clock.now);
      await compliance.recordResult(id, { passed: false, results: [] });
      await compliance.recordResult(id2, { passed: true, results: [] }, id);
      expect(await compliance.rewritesOf(id)).toHaveLength(1);
      expect(await compliance.checkedSince('')).toHaveLength(2);
      expect(await compliance.openSignals(id)).toEqual(new Set(['bad']));
      await compliance.setChecking(person('U1'), false);
      expect(await compliance.checkingEnabled(person('U1'))).toBe(false);
      await compliance.setChecking(person('U1'), true);
      const profiles = new ProfileStore(db);
      await profiles.link(person('U1'), 'p1', clock.now());
      expect(await profiles.profileOf(person('U1'))).toBe('p1');
      expect(await profiles.copyOwnVersions(person('U1'), 'p1')).toBe(2);
      expect(await profiles.failedAttemptsSince(person('U1'), new Date(0))).toBe(0);
      await profiles.setShowApplied('k', true, clock.now());
      expect(await profiles.showApplied('k')).toBe(true);
      const secret = await deploymentSecret(db, 'fence');
      expect(await deploymentSecret(db, 'fence')).toBe(secret);
      expect(await log.forgetAsker(person('U1'))).toBe(2);
      expect(await db.value('SELECT count(*) FROM snapshot_pieces')).toBe(0);
    }
  });
});

describe('a whole core', () => {
  it.each(['postgres', 'sqlite'])('GIVEN %s THEN every HeedCore call works, forget-me included', async (kind) => {
    const { url, client, drop } = await freshPostgres();
    await client.close();
    const sqlite = tempDbPath();
    const model = await startFakeOpenAI();
    const config = parseConfig({
      ...(kind === 'postgres' ? { DATABASE_URL: url } : {}),
      DATABASE_PATH: sqlite.path,
      OPENAI_BASE_URL: model.url,
      OPENAI_API_KEY: 'sk-test',
      OPENAI_MAX_RETRIES: '0',
      HEED_COMPLIANCE: 'flag',
    });
    const core = await heedFromConfig(config, createLogger({ level: 'error' }));
    try {
      const ana = actor('U_ANA', { userName: 'Ana' });
      expect(await core.command(ana, 'set no commas')).toMatchObject({ kind: 'with_checks' });
      model.enqueue({ reply: 'Well, hello, you.' });
      const outcome = await core.respond(message('U_ANA', 'hi', { messageId: 'q1' }), recordingSink('R1'));
      expect(outcome).toMatchObject({ status: 'replied', snapshotStored: true });
      const target = { platform: 'slack', workspaceId: 'T1', channelId: 'C1', messageId: 'R1' } as const;
      expect(await core.isReply(target)).toBe(true);
      expect(await core.why(target, ana)).toMatchObject({ kind: 'why' });
      expect(
        await core.report({ target, reporter: ana, source: 'button', signal: 'bad', note: 'too many commas' }),
      ).toMatchObject({ status: 'filed' });
      expect(await core.recentReports(ana, 5)).toHaveLength(1);
      const [mine] = await core.recentReports(ana, 5);
      model.enqueue({ reply: 'Never use commas.' });
      expect(await core.suggestEdit(mine!.reportId, ana)).toMatchObject({ kind: 'edit_suggested' });
      expect(await core.decideEdit(mine!.reportId, ana, true)).toMatchObject({ kind: 'edit_accepted' });
      model.enqueue({ reply: 'Well hello you' });
      expect(
        await core.rewrite(
          target,
          ana,
          Object.assign(recordingSink('R1'), { flag: async () => {}, replace: async () => ['R1'] }),
        ),
      ).toMatchObject({ status: 'rewritten' });
      expect(await core.isHandled({ ...target, messageId: 'q1' })).toBe(true);
      expect(await core.hasRepliedInThread({ platform: 'slack', workspaceId: 'T1', channelId: 'C1' }, 'nope')).toBe(
        false,
      );
      expect(await core.claimRequest({ platform: 'slack', workspaceId: 'T1', requestId: 'r1' })).toBe(true);
      expect(await core.instructions(ana)).toMatchObject({ version: 2 });
      const bo = actor('U_BO');
      const code = await core.command(bo, 'link');
      if (code.kind !== 'link_code') throw new Error('no code');
      expect(await core.command({ ...ana, platform: 'discord', workspaceId: 'G1' }, `link ${code.code}`)).toMatchObject(
        { kind: 'linked' },
      );
      expect(await core.command(bo, 'unlink')).toMatchObject({ kind: 'unlinked' });
      expect(await core.command(ana, 'link')).toMatchObject({ kind: 'link_code' });
      expect(await core.health()).toEqual({ ok: true, database: 'ok' });
      expect(await core.confirmForgetMe(ana)).toMatchObject({ kind: 'forgotten', replies: 2 });
    } finally {
      await core.drain(1000);
      await core.close();
      await model.close();
      await drop();
      sqlite.cleanup();
    }
  });
});
