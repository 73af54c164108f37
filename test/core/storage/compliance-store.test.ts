import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { extractRules } from '../../../src/core/compliance/extract-rules.js';
import { ComplianceStore } from '../../../src/core/storage/compliance-store.js';
import { readMigrations } from '../../../src/core/storage/database.js';
import { InstructionStore } from '../../../src/core/storage/instruction-store.js';
import { ReplyLog } from '../../../src/core/storage/reply-log.js';
import { openTempDatabase, type TempDatabase } from '../../support/temp-db.js';
import { messageRef, person, snapshot, testClock } from './fixtures.js';

let temp: TempDatabase;
let store: ComplianceStore;
let instructions: InstructionStore;
let replies: ReplyLog;

beforeEach(() => {
  temp = openTempDatabase();
  const clock = testClock();
  store = new ComplianceStore(temp.db, clock.now);
  instructions = new InstructionStore(temp.db, clock.now);
  replies = new ReplyLog(temp.db, clock.now);
});
afterEach(() => temp.cleanup());

const scope = { platform: 'slack' as const, workspaceId: 'T1', kind: 'user' as const, id: 'U1' };
const failing = {
  passed: false,
  results: [
    { layer: 'user' as const, id: 'punctuation:no_comma' as const, label: 'no commas', ok: false, detail: '2 commas' },
  ],
};

describe('ComplianceStore', () => {
  it('migration 004 is known to the runner, which accepts gaps in the numbering', () => {
    expect(readMigrations('migrations').map((m) => m.version)).toContain(4);
    expect(temp.db.prepare('SELECT version FROM schema_migrations WHERE version = 4').get()).toEqual({ version: 4 });
  });

  it('stores the checks of an instruction version and replaces them when the model answers later', () => {
    const version = instructions.write(scope, {
      about: '',
      respond: 'no commas',
      enabled: true,
      action: 'set',
      actorId: 'U1',
    });
    expect(store.derivation(version.id)).toBeUndefined();
    store.saveDerivation(version.id, extractRules('no commas'), 'rules');
    expect(store.derivation(version.id)).toMatchObject({ extractor: 'rules', checks: [{ label: 'no commas' }] });
    store.saveDerivation(version.id, extractRules('no commas. all lowercase'), 'rules+model');
    expect(store.derivation(version.id)?.checks).toHaveLength(2);
  });

  it("forgetting a person's versions removes their checks with them", () => {
    const version = instructions.write(scope, {
      about: '',
      respond: 'no commas',
      enabled: true,
      action: 'set',
      actorId: 'U1',
    });
    store.saveDerivation(version.id, extractRules('no commas'), 'rules');
    instructions.forgetUser(person('U1'));
    expect(store.derivation(version.id)).toBeUndefined();
  });

  it('records a result per reply, links a rewrite to the reply it replaced and hands the messages over', () => {
    const first = replies.record(snapshot(), ['m1', 'm2']);
    store.recordResult(first, failing);
    const second = temp.db.transaction(() => {
      store.releaseMessages(first);
      return replies.record(snapshot({ replyText: 'fixed' }), ['m1', 'm2', 'm3']);
    })();
    store.recordResult(second, { passed: true, results: [] }, first);
    expect(store.result(first)).toMatchObject({ passed: false, rewriteOf: null, results: failing.results });
    expect(store.rewritesOf(first).map((entry) => entry.replyId)).toEqual([second]);
    expect(replies.findByMessage(messageRef('m1'))?.id).toBe(second);
    expect(store.checkedSince('').map((row) => [row.replyId, row.channelId, row.model])).toEqual([
      [first, 'C1', 'gpt-4o-mini'],
      [second, 'C1', 'gpt-4o-mini'],
    ]);
  });

  it('keeps the checks-off choice per person and workspace', () => {
    store.setChecking(person('U1'), false);
    expect(store.checkingEnabled(person('U1'))).toBe(false);
    expect(store.checkingEnabled(person('U1', { workspaceId: 'T2' }))).toBe(true);
    store.setChecking(person('U1'), false);
    store.setChecking(person('U1'), true);
    expect(store.checkingEnabled(person('U1'))).toBe(true);
    store.setChecking(person('U1'), false);
    expect(store.forgetPerson(person('U1'))).toBe(1);
    expect(store.checkingEnabled(person('U1'))).toBe(true);
  });
});
