import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { CommandResult } from '../../../src/core/api.js';
import type { Actor } from '../../../src/core/types.js';
import { startFakeOpenAI, type FakeOpenAI } from '../../support/fake-openai.js';
import { recordingSink } from '../../support/recording-sink.js';
import { createTestCore, type TestCore } from '../../support/test-core.js';

let model: FakeOpenAI;
let heed: TestCore;
const ana: Actor = { platform: 'slack', workspaceId: 'T1', channelId: 'C1', userId: 'U_ANA', isPlatformAdmin: false };
const admin: Actor = { ...ana, userId: 'U_ADMIN', isPlatformAdmin: true };

const run = (who: Actor, line: string): Promise<CommandResult> => heed.core.command(who, line);

beforeEach(async () => {
  model = await startFakeOpenAI();
  heed = await createTestCore({ openaiUrl: model.url, env: { HEED_INSTRUCTION_LIMIT: '100' } });
});

afterEach(async () => {
  await heed.close();
  await model.close();
});

describe('/instructions versions', () => {
  it('GIVEN set, about, add THEN each is a version and show reflects the latest', async () => {
    expect(await run(ana, 'set Be brief.')).toEqual({ kind: 'saved', field: 'respond', version: 1, paused: false });
    expect(await run(ana, 'about I am a nurse.')).toEqual({ kind: 'saved', field: 'about', version: 2, paused: false });
    expect(await run(ana, 'add Use bullet points.')).toEqual({
      kind: 'added',
      respond: 'Be brief.\nUse bullet points.',
      version: 3,
      paused: false,
    });
    expect(await run(ana, 'show')).toEqual({
      kind: 'shown',
      version: 3,
      enabled: true,
      about: 'I am a nurse.',
      respond: 'Be brief.\nUse bullet points.',
    });
    expect(await heed.core.instructions(ana)).toMatchObject({
      respond: 'Be brief.\nUse bullet points.',
      about: 'I am a nurse.',
      version: 3,
    });
  });

  it('GIVEN changes THEN undo walks back and restore goes to any version', async () => {
    await run(ana, 'set one');
    await run(ana, 'set two');
    await run(ana, 'set three');
    expect(await run(ana, 'undo')).toEqual({ kind: 'undone', to: 2, version: 4 });
    expect((await heed.core.instructions(ana)).respond).toBe('two');
    await run(ana, 'undo');
    expect((await heed.core.instructions(ana)).respond).toBe('one');
    await run(ana, 'restore 3');
    expect((await heed.core.instructions(ana)).respond).toBe('three');
    expect(await run(ana, 'restore 42')).toEqual({ kind: 'version_missing', version: 42, latest: 6, by: 'restore' });
    expect((await heed.core.instructions(ana)).respond).toBe('three');
    const history = await run(ana, 'history');
    expect(history).toMatchObject({ kind: 'history', older: 0 });
    if (history.kind === 'history')
      expect(history.lines[0]).toMatchObject({ version: 6, current: true, action: 'restore', restoredFrom: 3 });
  });

  it('GIVEN clear THEN instructions are empty but history is kept and undo brings them back', async () => {
    await run(ana, 'set keep me');
    expect(await run(ana, 'clear')).toEqual({ kind: 'cleared', version: 2 });
    expect((await heed.core.instructions(ana)).respond).toBe('');
    await run(ana, 'undo');
    expect((await heed.core.instructions(ana)).respond).toBe('keep me');
  });

  it('GIVEN text at the limit THEN saved; one over THEN refused and nothing changes', async () => {
    expect(await run(ana, `set ${'a'.repeat(100)}`)).toMatchObject({ kind: 'saved', version: 1 });
    expect(await run(ana, `set ${'b'.repeat(101)}`)).toEqual({
      kind: 'too_long',
      target: 'respond',
      length: 101,
      limit: 100,
      adding: false,
    });
    expect(await heed.core.instructions(ana)).toMatchObject({ respond: 'a'.repeat(100), version: 1 });
    expect(await run(ana, 'add x')).toMatchObject({ kind: 'too_long', target: 'respond', adding: true });
    expect((await heed.core.instructions(ana)).version).toBe(1);
  });

  it('counts multi-byte text as characters, not bytes', async () => {
    const emoji = '👍'.repeat(100);
    expect(await run(ana, `set ${emoji}`)).toMatchObject({ kind: 'saved', version: 1 });
    expect((await heed.core.instructions(ana)).respond).toBe(emoji);
    expect(await run(ana, `about ${'日本'.repeat(51)}`)).toMatchObject({
      kind: 'too_long',
      target: 'about',
      length: 102,
    });
  });

  it('keeps people, workspaces and platforms apart', async () => {
    await run(ana, 'set ANA');
    expect((await heed.core.instructions({ ...ana, userId: 'U_BO' })).version).toBe(0);
    expect((await heed.core.instructions({ ...ana, workspaceId: 'T2' })).version).toBe(0);
    expect((await heed.core.instructions({ ...ana, platform: 'discord' })).version).toBe(0);
  });
});

describe('/instructions editor', () => {
  it('opens prefilled and saves both fields as one version', async () => {
    await run(ana, 'set old');
    const editor = await heed.core.command(ana, '');
    expect(editor).toMatchObject({
      kind: 'editor',
      respond: 'old',
      about: '',
      enabled: true,
      limits: { about: 100, respond: 100 },
    });
    expect(await heed.core.saveEditor(ana, { about: 'new about', respond: 'new respond', enabled: false })).toEqual({
      kind: 'editor_saved',
      version: 2,
      paused: true,
    });
    expect(await heed.core.instructions(ana)).toMatchObject({
      about: 'new about',
      respond: 'new respond',
      enabled: false,
    });
  });

  it('names the over-long field and saves nothing', async () => {
    const result = await heed.core.saveEditor(ana, { about: 'x'.repeat(101), respond: 'fine' });
    expect(result).toEqual({ kind: 'editor_invalid', tooLong: { about: { length: 101, limit: 100 } } });
    expect((await heed.core.instructions(ana)).version).toBe(0);
  });
});

describe('operator layers', () => {
  it('refuses a non-admin and keeps the rules; an admin can set and clear them', async () => {
    expect(await run(admin, 'channel set Use English.')).toEqual({ kind: 'layer_saved', layer: 'channel', version: 1 });
    expect(await run(ana, 'channel set Use Klingon.')).toEqual({ kind: 'admins_only', layer: 'channel' });
    expect(await run(ana, 'channel show')).toEqual({
      kind: 'layer_shown',
      layer: 'channel',
      text: 'Use English.',
      version: 1,
      setBy: 'U_ADMIN',
    });
    expect(await run(ana, 'workspace clear')).toEqual({ kind: 'admins_only', layer: 'workspace' });
    expect(await run(admin, 'channel clear')).toEqual({ kind: 'layer_cleared', layer: 'channel', version: 2 });
    expect(await run(ana, 'channel show')).toEqual({ kind: 'layer_empty', layer: 'channel', command: 'show' });
  });

  it('GIVEN a person named in HEED_ADMINS THEN they may change layers without the platform admin signal', async () => {
    const named = await createTestCore({ openaiUrl: model.url, env: { HEED_ADMINS: 'slack:U_NAMED' } });
    try {
      const person: Actor = { ...ana, userId: 'U_NAMED' };
      expect(await named.core.command(person, 'channel set Be kind.')).toMatchObject({ kind: 'layer_saved' });
      expect(await named.core.command({ ...person, platform: 'discord' }, 'channel set Be kind.')).toEqual({
        kind: 'admins_only',
        layer: 'channel',
      });
    } finally {
      await named.close();
    }
  });
});

describe('forget-me', () => {
  it('asks first, then deletes instructions, replies and reports', async () => {
    await run(ana, 'set secret preference');
    await heed.core.respond(
      {
        platform: 'slack',
        workspaceId: 'T1',
        channelId: 'C1',
        messageId: 'Q1',
        userId: 'U_ANA',
        text: 'hi',
        history: [],
      },
      recordingSink('R1'),
    );
    const ref = { platform: 'slack' as const, workspaceId: 'T1', channelId: 'C1', messageId: 'R1' };
    await heed.core.report({ target: ref, reporter: ana, source: 'reaction', signal: 'bad' });
    expect(await heed.core.command(ana, 'forget-me')).toEqual({ kind: 'confirm_forget_me', elsewhere: [] });
    expect((await heed.core.instructions(ana)).version).toBe(1);
    expect(await heed.core.confirmForgetMe(ana)).toEqual({
      kind: 'forgotten',
      versions: 1,
      replies: 1,
      reports: 1,
      elsewhere: [],
    });
    expect((await heed.core.instructions(ana)).version).toBe(0);
    expect(await heed.core.isReply(ref)).toBe(false);
  });
});

describe('bad input', () => {
  it('answers anything unparsable with the problem and changes nothing', async () => {
    await run(ana, 'set keep');
    const problems = [];
    for (const line of ['frobnicate', 'set', 'restore abc', 'channel', 'show me']) {
      const answer = await run(ana, line);
      if (answer.kind === 'invalid') problems.push(answer.problem.code);
    }
    expect(problems).toEqual([
      'unknown_subcommand',
      'missing_text',
      'bad_version',
      'bad_layer_action',
      'unexpected_text',
    ]);
    expect(await heed.core.instructions(ana)).toMatchObject({ respond: 'keep', version: 1 });
  });
});
