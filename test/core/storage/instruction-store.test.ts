import fc from 'fast-check';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { InstructionStore } from '../../../src/core/storage/instruction-store.js';
import type { InstructionChange, ScopeKey } from '../../../src/core/storage/instruction-store.js';
import { openTempDatabase } from '../../support/temp-db.js';
import type { TempDatabase } from '../../support/temp-db.js';
import { testClock } from './fixtures.js';
import type { TestClock } from './fixtures.js';

const alice: ScopeKey = { platform: 'slack', workspaceId: 'T1', kind: 'user', id: 'U1' };

function change(overrides: Partial<InstructionChange> = {}): InstructionChange {
  return {
    about: 'I am a data engineer.',
    respond: 'Be brief.',
    enabled: true,
    action: 'set',
    actorId: 'U1',
    ...overrides,
  };
}

let temp: TempDatabase;
let clock: TestClock;
let store: InstructionStore;

beforeEach(async () => {
  temp = await openTempDatabase();
  clock = testClock();
  store = new InstructionStore(temp.db, clock.now);
});
afterEach(() => temp.cleanup());

describe('InstructionStore', () => {
  it('has no current version for a scope never written', async () => {
    expect(await store.current(alice)).toBeUndefined();
    expect(await store.history(alice, 10)).toEqual([]);
    expect(await store.version(alice, 1)).toBeUndefined();
  });

  it('numbers versions from 1 and makes the newest current', async () => {
    const first = await store.write(alice, change());
    clock.advanceMs(1000);
    const second = await store.write(alice, change({ respond: 'Use bullet points.', action: 'add' }));

    expect(first).toEqual({
      id: first.id,
      scope: alice,
      version: 1,
      about: 'I am a data engineer.',
      respond: 'Be brief.',
      enabled: true,
      action: 'set',
      actorId: 'U1',
      restoredFrom: null,
      createdAt: '2026-03-01T12:00:00.000Z',
    });
    expect(second.version).toBe(2);
    expect(second.createdAt).toBe('2026-03-01T12:00:01.000Z');
    expect(await store.current(alice)).toEqual(second);
  });

  it('keeps off, clear and restore as versions of their own', async () => {
    await store.write(alice, change());
    await store.write(alice, change({ enabled: false, action: 'off' }));
    await store.write(alice, change({ about: '', respond: '', action: 'clear' }));
    const restored = await store.write(alice, change({ action: 'restore', restoredFrom: 1 }));

    expect(restored).toMatchObject({ version: 4, restoredFrom: 1, enabled: true });
    expect(await store.version(alice, 2)).toMatchObject({ enabled: false, action: 'off' });
    expect(await store.version(alice, 3)).toMatchObject({ about: '', respond: '', action: 'clear' });
  });

  it('lists history newest first, up to the limit', async () => {
    for (let i = 1; i <= 5; i++) await store.write(alice, change({ respond: `v${i}` }));
    expect((await store.history(alice, 3)).map((v) => [v.version, v.respond])).toEqual([
      [5, 'v5'],
      [4, 'v4'],
      [3, 'v3'],
    ]);
    expect(await store.history(alice, 100)).toHaveLength(5);
    expect(await store.history(alice, -1)).toEqual([]);
  });

  it('keeps users, workspaces, platforms and scope kinds apart', async () => {
    const scopes: ScopeKey[] = [
      alice,
      { ...alice, id: 'U2' },
      { ...alice, workspaceId: 'T2' },
      { ...alice, platform: 'discord' },
      { ...alice, kind: 'channel' },
      { ...alice, kind: 'workspace' },
    ];
    for (const [i, scope] of scopes.entries()) {
      for (let n = 0; n <= i; n++)
        await store.write(
          scope,
          change({ respond: `${scope.platform}/${scope.workspaceId}/${scope.kind}/${scope.id}#${n}` }),
        );
    }

    for (const [i, scope] of scopes.entries()) {
      const current = await store.current(scope);
      expect(current?.scope).toEqual(scope);
      expect(current?.version).toBe(i + 1);
      expect(current?.respond).toBe(`${scope.platform}/${scope.workspaceId}/${scope.kind}/${scope.id}#${i}`);
      expect(await store.history(scope, 100)).toHaveLength(i + 1);
    }
  });

  it('forgets every version of one person and nothing else', async () => {
    await store.write(alice, change());
    await store.write(alice, change());
    await store.write({ ...alice, id: 'U2' }, change());
    await store.write({ ...alice, workspaceId: 'T2' }, change());
    // A channel whose id happens to equal the user's id is not the user.
    await store.write({ ...alice, kind: 'channel' }, change());

    expect(await store.forgetUser({ platform: 'slack', workspaceId: 'T1', userId: 'U1' })).toBe(2);
    expect(await store.current(alice)).toBeUndefined();
    expect(await store.current({ ...alice, id: 'U2' })).toBeDefined();
    expect(await store.current({ ...alice, workspaceId: 'T2' })).toBeDefined();
    expect(await store.current({ ...alice, kind: 'channel' })).toBeDefined();

    // Writing again after forgetting starts a fresh history.
    expect((await store.write(alice, change())).version).toBe(1);
  });

  it('round-trips any text, multi-byte included', async () => {
    const samples = [
      'Réponds en français, s’il te plaît.',
      '日本語で答えてください。',
      'Emoji ok 👍🏽👨‍👩‍👧',
      'quotes \' " and \\ back\nslash\ttab',
      '\u0000nul',
    ];
    for (const text of samples) {
      await store.write(alice, change({ about: text, respond: text }));
      expect(await store.current(alice)).toMatchObject({ about: text, respond: text });
    }
    await fc.assert(
      fc.asyncProperty(fc.string({ unit: 'binary' }), fc.string({ unit: 'grapheme' }), async (about, respond) => {
        const written = await store.write(alice, change({ about, respond }));
        const read = await store.version(alice, written.version);
        expect(read?.about).toBe(about);
        expect(read?.respond).toBe(respond);
      }),
      { numRuns: 100 },
    );
  });

  it('gives a second connection on the same file the next version, never the same one', async () => {
    const { openDatabase } = await import('../../../src/core/storage/database.js');
    const other = await openDatabase(temp.path);
    try {
      const otherStore = new InstructionStore(other, clock.now);
      await store.write(alice, change());
      expect((await otherStore.write(alice, change())).version).toBe(2);
      expect((await store.write(alice, change())).version).toBe(3);
      expect((await otherStore.current(alice))?.version).toBe(3);
    } finally {
      await other.close();
    }
  });
});
