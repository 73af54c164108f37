import { beforeEach, expect, it } from 'vitest';
import { extractRules } from '../../../src/core/compliance/extract-rules.js';
import { ComplianceStore } from '../../../src/core/storage/compliance-store.js';
import { migrationsDirFor, readMigrations } from '../../../src/core/storage/database.js';
import { InstructionStore } from '../../../src/core/storage/instruction-store.js';
import { ReplyLog } from '../../../src/core/storage/reply-log.js';
import { eachBackend } from '../../support/test-databases.js';
import { messageRef, person, snapshot, testClock } from './fixtures.js';

const scope = { platform: 'slack' as const, workspaceId: 'T1', kind: 'user' as const, id: 'U1' };
const failing = {
  passed: false,
  results: [
    { layer: 'user' as const, id: 'punctuation:no_comma' as const, label: 'no commas', ok: false, detail: '2 commas' },
  ],
};

eachBackend('ComplianceStore', (database, dialect) => {
  let store: ComplianceStore;
  let instructions: InstructionStore;
  let replies: ReplyLog;

  beforeEach(() => {
    const clock = testClock();
    store = new ComplianceStore(database(), clock.now);
    instructions = new InstructionStore(database(), clock.now);
    replies = new ReplyLog(database(), clock.now);
  });

  it('migration 004 is known to the runner, which accepts gaps in the numbering', async () => {
    expect(readMigrations(migrationsDirFor(dialect)).map((m) => m.version)).toContain(4);
    expect(await database().get('SELECT version FROM schema_migrations WHERE version = 4')).toEqual({ version: 4 });
  });

  it('stores the checks of an instruction version and replaces them when the model answers later', async () => {
    const version = await instructions.write(scope, {
      about: '',
      respond: 'no commas',
      enabled: true,
      action: 'set',
      actorId: 'U1',
    });
    expect(await store.derivation(version.id)).toBeUndefined();
    await store.saveDerivation(version.id, extractRules('no commas'), 'rules');
    expect(await store.derivation(version.id)).toMatchObject({ extractor: 'rules', checks: [{ label: 'no commas' }] });
    await store.saveDerivation(version.id, extractRules('no commas. all lowercase'), 'rules+model');
    expect((await store.derivation(version.id))?.checks).toHaveLength(2);
  });

  it("forgetting a person's versions removes their checks with them", async () => {
    const version = await instructions.write(scope, {
      about: '',
      respond: 'no commas',
      enabled: true,
      action: 'set',
      actorId: 'U1',
    });
    await store.saveDerivation(version.id, extractRules('no commas'), 'rules');
    await instructions.forgetUser(person('U1'));
    expect(await store.derivation(version.id)).toBeUndefined();
  });

  it('records a result per reply, links a rewrite to the reply it replaced and hands the messages over', async () => {
    const first = await replies.record(snapshot(), ['m1', 'm2']);
    await store.recordResult(first, failing);
    const second = await database().transaction(async (tx) => {
      await store.on(tx).releaseMessages(first);
      return replies.on(tx).record(snapshot({ replyText: 'fixed' }), ['m1', 'm2', 'm3']);
    });
    await store.recordResult(second, { passed: true, results: [] }, first);
    expect(await store.result(first)).toMatchObject({ passed: false, rewriteOf: null, results: failing.results });
    expect((await store.rewritesOf(first)).map((entry) => entry.replyId)).toEqual([second]);
    expect((await replies.findByMessage(messageRef('m1')))?.id).toBe(second);
    expect((await store.checkedSince('')).map((row) => [row.replyId, row.channelId, row.model])).toEqual([
      [first, 'C1', 'gpt-4o-mini'],
      [second, 'C1', 'gpt-4o-mini'],
    ]);
  });

  it('records a result whose text holds U+0000, with U+FFFD in its place', async () => {
    const id = await replies.record(snapshot(), ['m1']);
    const result = { ...failing.results[0]!, label: 'no \u0000', detail: '\u0000 found' };
    await store.recordResult(id, { passed: false, results: [result] });
    expect((await store.result(id))?.results).toEqual([{ ...result, label: 'no \uFFFD', detail: '\uFFFD found' }]);
  });

  it('keeps the checks-off choice per person and workspace', async () => {
    await store.setChecking(person('U1'), false);
    expect(await store.checkingEnabled(person('U1'))).toBe(false);
    expect(await store.checkingEnabled(person('U1', { workspaceId: 'T2' }))).toBe(true);
    await store.setChecking(person('U1'), false);
    await store.setChecking(person('U1'), true);
    expect(await store.checkingEnabled(person('U1'))).toBe(true);
    await store.setChecking(person('U1'), false);
    expect(await store.forgetPerson(person('U1'))).toBe(1);
    expect(await store.checkingEnabled(person('U1'))).toBe(true);
  });
});
