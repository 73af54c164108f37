import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { runComplianceCli } from '../../src/cli/compliance-cli.js';
import { runReportsCli } from '../../src/cli/reports-cli.js';
import { HeedError } from '../../src/core/errors.js';
import type { Actor, ComplianceNotice, MessageRef, ReplySink, RewriteSink } from '../../src/core/types.js';
import { startFakeOpenAI, type FakeOpenAI } from '../support/fake-openai.js';
import { createTestCore, type TestCore } from '../support/test-core.js';

let model: FakeOpenAI;
let heed: TestCore;
let counter = 0;
const ana: Actor = { platform: 'slack', workspaceId: 'T1', channelId: 'C1', userId: 'U_ANA', isPlatformAdmin: false };

async function run(cli: typeof runReportsCli, ...argv: string[]): Promise<string> {
  let output = '';
  expect(await cli(argv, heed.config, (text) => (output += text))).toBe(0);
  return output;
}

/** A sink that posts each reply as `messageId` and accepts flags and in-place replacements. */
function sink(messageId: string): ReplySink & RewriteSink {
  return {
    append: () => undefined,
    finish: async () => [messageId],
    fail: async () => [messageId],
    flag: async (_notice: ComplianceNotice) => undefined,
    replace: async () => [messageId],
  };
}

async function ask(text: string, reply: string, messageId: string): Promise<void> {
  counter += 1;
  model.enqueue({ reply });
  await heed.core.respond({ ...ana, messageId: `Q${counter}`, text, history: [] }, sink(messageId));
}

const ref = (messageId: string): MessageRef => ({ platform: 'slack', workspaceId: 'T1', channelId: 'C1', messageId });

beforeEach(async () => {
  model = await startFakeOpenAI();
  heed = await createTestCore({ openaiUrl: model.url, env: { HEED_COMPLIANCE: 'flag' } });
  await heed.core.command(ana, 'set no commas');
});

afterEach(async () => {
  await heed.close();
  await model.close();
});

describe('npm run heed -- compliance', () => {
  it('prints the share passing, per check, channel and model, and how often a rewrite fixed the miss', async () => {
    await ask('one', 'Yes, indeed.', 'R1');
    await ask('two', 'Fine.', 'R2');
    model.enqueue({ reply: 'Yes indeed.' });
    await heed.core.rewrite(ref('R1'), ana, sink('R1'));

    const figures = JSON.parse(await run(runComplianceCli, '--json', '--since', '7d')) as Record<string, unknown>;
    expect(figures).toMatchObject({
      replies: { total: 2, passed: 1, share: 0.5 },
      byCheck: { 'punctuation:no_comma': { total: 2, passed: 1 } },
      byChannel: { 'slack/C1': { total: 2, passed: 1 } },
      byModel: { 'fake-model': { total: 2, passed: 1 } },
      rewrites: { total: 1, passed: 1, share: 1 },
    });
    const text = await run(runComplianceCli);
    expect(text).toContain('Checked replies: 2, passing every check: 1 (50.0%)');
    expect(text).toContain('Rewrites: 1, fixed the miss: 1 (100.0%)');
    expect(text).toMatch(/punctuation:no_comma\s+2\s+50\.0%/);
  });

  it('refuses unknown arguments with the usage', async () => {
    await expect(runComplianceCli(['--weird'], heed.config, () => undefined)).rejects.toThrow(HeedError);
    await expect(runComplianceCli(['--since', 'soonish'], heed.config, () => undefined)).rejects.toThrow(
      /--since must be a date/,
    );
  });
});

describe('automatic reports in reports list, show and export', () => {
  it('lists them with --source auto, shows the checks and the rewrite, exports them with the checks', async () => {
    await ask('one', 'Yes, indeed.', 'R1');
    model.enqueue({ reply: 'Yes indeed.' });
    await heed.core.rewrite(ref('R1'), ana, sink('R1'));

    const listed = await run(runReportsCli, 'reports', 'list', '--source', 'auto');
    const reportId = listed.split(/\s+/)[0] ?? '';
    expect(listed).toContain('automatic');
    expect(await run(runReportsCli, 'reports', 'list', '--source', 'reaction')).toContain('No reports match.');
    const shown = await run(runReportsCli, 'reports', 'show', reportId);
    expect(shown).toMatch(/MISS no commas \[user\]: /);
    expect(shown).toContain('(passed every check) ---\nYes indeed.');
    const [line] = (await run(runReportsCli, 'reports', 'export', '--format', 'jsonl')).trim().split('\n');
    expect(JSON.parse(line!)).toMatchObject({
      source: 'automatic',
      checks: { passed: false, results: [{ id: 'punctuation:no_comma', ok: false }] },
      rewrites: [{ passed: true }],
    });
    await expect(runReportsCli(['reports', 'list', '--source', 'robot'], heed.config, () => undefined)).rejects.toThrow(
      /--source must be one of/,
    );
  });
});

describe('npm run heed -- reports export --format preference', () => {
  it('writes a chosen/rejected pair for each rewrite that fixed a miss, with the failed checks', async () => {
    await ask('Is WAL safe?', 'Yes, it is.', 'R1');
    model.enqueue({ reply: 'Yes it is.' });
    await heed.core.rewrite(ref('R1'), ana, sink('R1'));
    await ask('And fsync?', 'Also, yes.', 'R2');
    model.enqueue({ reply: 'Still, yes.' });
    await heed.core.rewrite(ref('R2'), ana, sink('R2'));

    const lines = (await run(runReportsCli, 'reports', 'export', '--format', 'preference')).trim().split('\n');
    expect(lines).toHaveLength(1);
    const pair = JSON.parse(lines[0]!) as {
      prompt: Array<{ role: string; content: string }>;
      chosen: unknown;
      rejected: unknown;
      metadata: Record<string, unknown>;
    };
    expect(pair.prompt.map((message) => message.role)).toEqual(['system', 'user']);
    expect(pair.prompt.at(-1)?.content).toContain('Is WAL safe?');
    expect(pair.chosen).toEqual([{ role: 'assistant', content: 'Yes it is.' }]);
    expect(pair.rejected).toEqual([{ role: 'assistant', content: 'Yes, it is.' }]);
    expect(pair.metadata).toMatchObject({
      reason: 'checks',
      failed_checks: [{ id: 'punctuation:no_comma', label: 'no commas' }],
    });
  });

  it('counts a 👍 on a rewrite of a reply marked bad the same way', async () => {
    await ask('Is WAL safe?', 'Yes, it is.', 'R1');
    model.enqueue({ reply: 'Yes, it really is.' });
    await heed.core.rewrite(ref('R1'), ana, sink('R1'));
    expect(await run(runReportsCli, 'reports', 'export', '--format', 'preference')).toBe('');
    await heed.core.report({ target: ref('R1'), reporter: ana, source: 'reaction', signal: 'good' });
    const [line] = (await run(runReportsCli, 'reports', 'export', '--format', 'preference')).trim().split('\n');
    expect(JSON.parse(line!)).toMatchObject({
      chosen: [{ content: 'Yes, it really is.' }],
      metadata: { reason: 'feedback' },
    });
  });
});
