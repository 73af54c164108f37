import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Actor, CommandResult } from '../../src/core/types.js';
import { startFakeOpenAI, type FakeOpenAI } from '../support/fake-openai.js';
import { recordingSink } from '../support/recording-sink.js';
import { createTestCore, type TestCore } from '../support/test-core.js';

let model: FakeOpenAI;
let heed: TestCore;
const ana: Actor = { platform: 'slack', workspaceId: 'T1', channelId: 'C1', userId: 'U_ANA', isAdmin: false };
const admin: Actor = { ...ana, userId: 'U_ADMIN', isAdmin: true };

function text(result: CommandResult): string {
  if (result.kind !== 'message') throw new Error(`expected a message, got ${result.kind}`);
  return result.text;
}

const run = async (who: Actor, line: string) => text(await heed.core.command(who, line));

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
    expect(await run(ana, 'set Be brief.')).toMatch(/version 1/);
    expect(await run(ana, 'about I am a nurse.')).toMatch(/version 2/);
    expect(await run(ana, 'add Use bullet points.')).toMatch(/version 3/);
    const shown = await run(ana, 'show');
    expect(shown).toContain('version 3');
    expect(shown).toContain('Be brief.');
    expect(shown).toContain('Use bullet points.');
    expect(shown).toContain('I am a nurse.');
    expect(heed.core.instructions(ana)).toMatchObject({ respond: 'Be brief.\nUse bullet points.', about: 'I am a nurse.', version: 3 });
  });

  it('GIVEN changes THEN undo walks back and restore goes to any version', async () => {
    await run(ana, 'set one');
    await run(ana, 'set two');
    await run(ana, 'set three');
    expect(await run(ana, 'undo')).toMatch(/version 2/);
    expect(heed.core.instructions(ana).respond).toBe('two');
    await run(ana, 'undo');
    expect(heed.core.instructions(ana).respond).toBe('one');
    await run(ana, 'restore 3');
    expect(heed.core.instructions(ana).respond).toBe('three');
    expect(await run(ana, 'restore 42')).toMatch(/no version 42/);
    expect(heed.core.instructions(ana).respond).toBe('three');
    const history = await run(ana, 'history');
    expect(history).toMatch(/v6 \(current\)/);
  });

  it('GIVEN clear THEN instructions are empty but history is kept and undo brings them back', async () => {
    await run(ana, 'set keep me');
    expect(await run(ana, 'clear')).toMatch(/Cleared/);
    expect(heed.core.instructions(ana).respond).toBe('');
    await run(ana, 'undo');
    expect(heed.core.instructions(ana).respond).toBe('keep me');
  });

  it('GIVEN text at the limit THEN saved; one over THEN refused and nothing changes', async () => {
    expect(await run(ana, `set ${'a'.repeat(100)}`)).toMatch(/version 1/);
    expect(await run(ana, `set ${'b'.repeat(101)}`)).toMatch(/101 characters; the limit is 100/);
    expect(heed.core.instructions(ana)).toMatchObject({ respond: 'a'.repeat(100), version: 1 });
    expect(await run(ana, 'add x')).toMatch(/limit/);
    expect(heed.core.instructions(ana).version).toBe(1);
  });

  it('counts multi-byte text as characters, not bytes', async () => {
    const emoji = '👍'.repeat(100);
    expect(await run(ana, `set ${emoji}`)).toMatch(/version 1/);
    expect(heed.core.instructions(ana).respond).toBe(emoji);
    expect(await run(ana, `about ${'日本'.repeat(51)}`)).toMatch(/102 characters/);
  });

  it('keeps people, workspaces and platforms apart', async () => {
    await run(ana, 'set ANA');
    expect(heed.core.instructions({ ...ana, userId: 'U_BO' }).version).toBe(0);
    expect(heed.core.instructions({ ...ana, workspaceId: 'T2' }).version).toBe(0);
    expect(heed.core.instructions({ ...ana, platform: 'discord' }).version).toBe(0);
  });
});

describe('/instructions editor', () => {
  it('opens prefilled and saves both fields as one version', async () => {
    await run(ana, 'set old');
    const editor = await heed.core.command(ana, '');
    expect(editor).toMatchObject({ kind: 'editor', respond: 'old', about: '', enabled: true, limits: { about: 100, respond: 100 } });
    expect(await heed.core.saveEditor(ana, { about: 'new about', respond: 'new respond', enabled: false })).toMatchObject({ ok: true, version: 2 });
    expect(heed.core.instructions(ana)).toMatchObject({ about: 'new about', respond: 'new respond', enabled: false });
  });

  it('names the over-long field and saves nothing', async () => {
    const result = await heed.core.saveEditor(ana, { about: 'x'.repeat(101), respond: 'fine' });
    expect(result).toMatchObject({ ok: false, errors: { about: expect.stringMatching(/101 characters/) } });
    expect(heed.core.instructions(ana).version).toBe(0);
  });
});

describe('operator layers', () => {
  it('refuses a non-admin and keeps the rules; an admin can set and clear them', async () => {
    expect(await run(admin, 'channel set Use English.')).toMatch(/Saved the channel rules/);
    expect(await run(ana, 'channel set Use Klingon.')).toMatch(/Only workspace admins and owners can change/);
    expect(await run(ana, 'channel show')).toContain('Use English.');
    expect(await run(ana, 'workspace clear')).toMatch(/Only workspace admins and owners can change/);
    expect(await run(admin, 'channel clear')).toMatch(/Cleared/);
    expect(await run(ana, 'channel show')).toMatch(/No channel rules/);
  });
});

describe('forget-me', () => {
  it('asks first, then deletes instructions, replies and reports', async () => {
    await run(ana, 'set secret preference');
    await heed.core.respond(
      { platform: 'slack', workspaceId: 'T1', channelId: 'C1', messageId: 'Q1', userId: 'U_ANA', text: 'hi', history: [] },
      recordingSink('R1'),
    );
    const ref = { platform: 'slack' as const, workspaceId: 'T1', channelId: 'C1', messageId: 'R1' };
    await heed.core.report(ref, ana, 'reaction', 'bad');
    expect(await heed.core.command(ana, 'forget-me')).toMatchObject({ kind: 'confirm' });
    expect(heed.core.instructions(ana).version).toBe(1);
    expect(text(await heed.core.confirmForgetMe(ana))).toMatch(/deleted 1 instruction version, 1 stored reply and 1 report/);
    expect(heed.core.instructions(ana).version).toBe(0);
    expect(heed.core.isReply(ref)).toBe(false);
  });
});

describe('bad input', () => {
  it('answers anything unparsable with a specific message and changes nothing', async () => {
    await run(ana, 'set keep');
    for (const line of ['frobnicate', 'set', 'restore abc', 'channel', 'show me']) {
      const answer = await run(ana, line);
      expect(answer.length).toBeGreaterThan(10);
    }
    expect(heed.core.instructions(ana)).toMatchObject({ respond: 'keep', version: 1 });
  });
});
