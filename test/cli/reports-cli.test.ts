import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { runReportsCli } from '../../src/cli/reports-cli.js';
import { HeedError } from '../../src/core/errors.js';
import type { Actor } from '../../src/core/types.js';
import { startFakeOpenAI, type FakeOpenAI } from '../support/fake-openai.js';
import { recordingSink } from '../support/recording-sink.js';
import { createTestCore, type TestCore } from '../support/test-core.js';

let model: FakeOpenAI;
let heed: TestCore;
let reportId: string;
const ana: Actor = { platform: 'slack', workspaceId: 'T1', channelId: 'C1', userId: 'U_ANA', isPlatformAdmin: false };

async function cli(...argv: string[]): Promise<string> {
  let output = '';
  const code = await runReportsCli(argv, heed.config, (text) => {
    output += text;
  });
  expect(code).toBe(0);
  return output;
}

beforeEach(async () => {
  model = await startFakeOpenAI();
  // Reports filed by people only: automatic compliance reports have their own tests (compliance-cli.test.ts).
  heed = await createTestCore({ openaiUrl: model.url, env: { HEED_COMPLIANCE: 'off' } });
  await heed.core.command(ana, 'set Answer in exactly three bullet points.');
  model.enqueue({ reply: 'A long paragraph that ignores the bullet points.' });
  await heed.core.respond({ ...ana, messageId: 'Q1', text: 'How do I deploy?', history: [] }, recordingSink('R1'));
  const outcome = await heed.core.report({
    target: { ...ana, messageId: 'R1' },
    reporter: ana,
    source: 'reaction',
    signal: 'bad',
    note: 'No bullet points at all.',
  });
  if (outcome.status !== 'filed') throw new Error('report not filed');
  reportId = outcome.reportId;
});

afterEach(async () => {
  await heed.close();
  await model.close();
});

describe('npm run heed -- reports', () => {
  it('lists reports with their question and note', async () => {
    const listed = await cli('reports', 'list');
    expect(listed).toContain(reportId);
    expect(listed).toContain('How do I deploy?');
    expect(listed).toContain('No bullet points');
    expect(await cli('reports', 'list', '--status', 'resolved')).toContain('No reports match.');
  });

  it('shows the whole snapshot: every message sent, model, versions, reply', async () => {
    const shown = await cli('reports', 'show', reportId);
    expect(shown).toContain('Answer in exactly three bullet points.');
    expect(shown).toContain('--- message 1: system ---');
    expect(shown).toContain('fake-model');
    expect(shown).toContain('A long paragraph that ignores the bullet points.');
  });

  it('exports one self-contained JSON object per report', async () => {
    const lines = (await cli('reports', 'export', '--format', 'jsonl')).trim().split('\n');
    expect(lines).toHaveLength(1);
    const exported = JSON.parse(lines[0]!) as Record<string, unknown> & {
      instructions: { system_prompt: string; versions: Record<string, number | null> };
      messages: { role: string }[];
    };
    expect(exported).toMatchObject({
      report_id: reportId,
      signal: 'bad',
      note: 'No bullet points at all.',
      reply: 'A long paragraph that ignores the bullet points.',
    });
    expect(exported.instructions.system_prompt).toContain('three bullet points');
    expect(exported.instructions.versions.user).toBe(1);
    expect(exported.messages.map((message) => message.role)).toEqual(['system', 'user']);
  });

  it('triages, and refuses bad arguments with a sentence saying what to do', async () => {
    expect(await cli('reports', 'triage', reportId, 'resolved')).toContain('now resolved');
    expect(await cli('reports', 'list', '--status', 'resolved')).toContain(reportId);
    const bad: [string[], RegExp][] = [
      [['reports', 'list', '--status', 'weird'], /--status must be one of/],
      [['reports', 'list', '--since', 'yesterday-ish'], /--since must be a date/],
      [['reports', 'show', 'nope'], /There is no report nope/],
      [['reports', 'export', '--format', 'csv'], /formats are jsonl and preference/],
      [['reports', 'triage', reportId, 'withdrawn'], /needs a report id and one of/],
      [['frobnicate'], /Usage:/],
    ];
    for (const [argv, message] of bad) {
      const error: unknown = await runReportsCli(argv, heed.config, () => undefined).then(
        () => undefined,
        (rejected: unknown) => rejected,
      );
      expect(error).toBeInstanceOf(HeedError);
      expect((error as HeedError).operatorMessage).toMatch(message);
    }
  });
});
