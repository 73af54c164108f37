/**
 * Edits drafted from reports, at the core: what is drafted from, and the rules around accepting one.
 * The platform tests (test/slack, test/discord, test/cli) drive the same paths through the fakes.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Actor } from '../../../src/core/types.js';
import { messagesOf, startFakeOpenAI, type FakeOpenAI } from '../../support/fake-openai.js';
import { recordingSink } from '../../support/recording-sink.js';
import { createTestCore, type TestCore } from '../../support/test-core.js';

let model: FakeOpenAI;
let heed: TestCore;
const ana: Actor = { platform: 'slack', workspaceId: 'T1', channelId: 'C1', userId: 'U_ANA', isPlatformAdmin: false };
const bo: Actor = { ...ana, userId: 'U_BO' };
const reply = { platform: 'slack' as const, workspaceId: 'T1', channelId: 'C1', messageId: 'R1' };

beforeEach(async () => {
  model = await startFakeOpenAI();
  heed = await createTestCore({ openaiUrl: model.url });
  await heed.core.command(ana, 'set Be brief.');
  await heed.core.respond(
    { ...reply, messageId: 'Q1', userId: 'U_ANA', text: 'how far is Lyon?', history: [] },
    recordingSink('R1'),
  );
});

afterEach(async () => {
  await heed.close();
  await model.close();
});

async function report(by: Actor, note?: string): Promise<string> {
  const outcome = await heed.core.report({
    target: reply,
    reporter: by,
    source: 'command',
    signal: 'bad',
    ...(note ? { note } : {}),
  });
  if (outcome.status !== 'filed') throw new Error('not filed');
  return outcome.reportId;
}

describe('edits drafted from reports', () => {
  it("GIVEN the asker's note THEN the model gets instructions, question, reply and note; a draft", async () => {
    model.enqueue({ reply: '"Be brief.\nUse kilometres."' });
    const reportId = await report(ana, 'I said metric units');
    expect(await heed.core.suggestEdit(reportId, ana)).toEqual({
      kind: 'edit_suggested',
      reportId,
      before: 'Be brief.',
      after: 'Be brief.\nUse kilometres.',
    });
    const sent = JSON.parse(messagesOf(model.requests.at(-1)!).at(-1)?.content ?? '{}') as Record<string, string>;
    expect(sent).toMatchObject({ current_instructions: 'Be brief.', note: 'I said metric units' });
    expect(sent.question).toContain('how far is Lyon?');
  });

  it('GIVEN no note, or a reporter who did not ask THEN no draft and no model call', async () => {
    const before = model.requests.length;
    expect(await heed.core.suggestEdit(await report(ana), ana)).toEqual({
      kind: 'edit_not_offered',
      reason: 'no_note',
    });
    expect(await heed.core.suggestEdit(await report(bo, 'too long'), bo)).toEqual({
      kind: 'edit_not_offered',
      reason: 'not_asker',
    });
    expect(model.requests.length).toBe(before);
  });

  it('GIVEN the instructions changed after the draft THEN accepting saves nothing', async () => {
    model.enqueue({ reply: 'Be brief.\nUse kilometres.' });
    const reportId = await report(ana, 'I said metric units');
    await heed.core.suggestEdit(reportId, ana);
    await heed.core.command(ana, 'add Answer in French.');
    expect(await heed.core.decideEdit(reportId, ana, true)).toEqual({ kind: 'edit_stale' });
    expect(await heed.core.instructions(ana)).toMatchObject({ version: 2, respond: 'Be brief.\nAnswer in French.' });
  });

  it("GIVEN someone else's suggestion THEN they cannot accept it", async () => {
    model.enqueue({ reply: 'Be brief.\nUse kilometres.' });
    const reportId = await report(ana, 'I said metric units');
    await heed.core.suggestEdit(reportId, ana);
    expect(await heed.core.decideEdit(reportId, bo, true)).toEqual({ kind: 'edit_gone' });
    expect((await heed.core.instructions(ana)).version).toBe(1);
  });
});
