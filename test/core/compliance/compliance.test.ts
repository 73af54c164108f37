import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { CORRECTION_HEADING } from '../../../src/core/compliance/reply-checks.js';
import {
  openDatabase,
  ReportStore,
  ComplianceStore,
  ReplyLog,
  type SqliteClient,
} from '../../../src/core/storage/index.js';
import type { CommandResult, EditorResult } from '../../../src/core/api.js';
import type { Actor, ComplianceNotice, MessageRef, ReportSummary, RewriteSink } from '../../../src/core/types.js';
import { terminalMarkup } from '../../../src/cli/markup.js';
import { commandMessage, editorMessage } from '../../../src/messages/command-messages.js';
import { messagesOf, startFakeOpenAI, type FakeOpenAI } from '../../support/fake-openai.js';
import { recordingSink, type RecordingSink } from '../../support/recording-sink.js';
import { createTestCore, type TestCore } from '../../support/test-core.js';
import { actor, message } from '../../support/core-messages.js';

let model: FakeOpenAI;
let heed: TestCore;
let db: SqliteClient | undefined;
let autoReports: ReportSummary[];

/** A recording sink that also takes compliance flags and in-place replacements, like the adapters' sinks. */
type ComplianceSink = RecordingSink & RewriteSink & { flags: ComplianceNotice[]; replaced: string[] };

function complianceSink(messageId: string): ComplianceSink {
  const flags: ComplianceNotice[] = [];
  const replaced: string[] = [];
  return Object.assign(recordingSink(messageId), {
    flags,
    replaced,
    flag: async (notice: ComplianceNotice) => {
      flags.push(notice);
    },
    replace: async (text: string) => {
      replaced.push(text);
      return [messageId];
    },
  });
}

/** A command's answer as the terminal words it. */
async function say(userId: string, line: string, extra: Partial<Actor> = {}): Promise<string> {
  return commandMessage(await heed.core.command(actor(userId, extra), line), terminalMarkup);
}

function ref(messageId: string): MessageRef {
  return { platform: 'slack', workspaceId: 'T1', channelId: 'C1', messageId };
}

async function start(mode: 'off' | 'report' | 'flag' | 'fix', env: Record<string, string> = {}): Promise<void> {
  heed = await createTestCore({ openaiUrl: model.url, env: { HEED_COMPLIANCE: mode, ...env } });
  autoReports = [];
  heed.core.onAutoReport((report) => autoReports.push(report.summary));
}

/** A second connection to the test core's database, to read what was stored. */
async function stored(): Promise<{ reports: ReportStore; compliance: ComplianceStore; replies: ReplyLog }> {
  db ??= await openDatabase(heed.dbPath);
  return { reports: new ReportStore(db), compliance: new ComplianceStore(db), replies: new ReplyLog(db) };
}

beforeEach(async () => {
  model = await startFakeOpenAI();
});

afterEach(async () => {
  await db?.close();
  db = undefined;
  await heed.close();
  await model.close();
});

describe('compliance: checks derived when instructions are saved', () => {
  it('GIVEN the issue example THEN show and the save confirmation list what is checked', async () => {
    await start('flag');
    const saved = await heed.core.command(actor('U_ANA'), "set Answer in at most 3 bullet points. End with 'Cheers'.");
    expect(saved).toMatchObject({
      kind: 'with_checks',
      result: { kind: 'saved' },
      checks: { scope: 'you', labels: ['at most 3 bullet points', "ends with 'Cheers'"] },
    });
    expect(commandMessage(saved, terminalMarkup)).toContain(
      "Checked on every reply: at most 3 bullet points · ends with 'Cheers'",
    );
    expect(await say('U_ANA', 'show')).toContain(
      "Checked on every reply: at most 3 bullet points · ends with 'Cheers'",
    );
    expect(await say('U_ANA', 'preview')).toContain('Checked on every reply to you here: at most 3 bullet points');
    expect(await say('U_ANA', 'checks')).toBe(
      "Checked on every reply to you here: at most 3 bullet points · ends with 'Cheers'",
    );
    const edited: EditorResult = await heed.core.saveEditor(actor('U_ANA'), { about: '', respond: 'no commas' });
    expect(editorMessage(edited, terminalMarkup)).toContain('Checked on every reply: no commas');
  });

  it('GIVEN an unverifiable instruction THEN nothing is listed or checked', async () => {
    await start('flag');
    const saved: CommandResult = await heed.core.command(
      actor('U_ANA'),
      'set Be warm and talk like a senior engineer.',
    );
    expect(saved.kind).toBe('saved');
    model.enqueue({ reply: 'Hello, friend.' });
    const sink = complianceSink('R1');
    await heed.core.respond(message('U_ANA', 'hi'), sink);
    expect(sink.flags).toEqual([]);
    expect(await (await stored()).compliance.checkedSince('')).toEqual([]);
  });

  it('GIVEN HEED_CHECK_EXTRACTOR=model THEN one model call per saved version adds what the rules missed', async () => {
    model.enqueue({ reply: '{"checks": []}' }); // the operator base prompt, read at start-up
    await start('flag', { HEED_CHECK_EXTRACTOR: 'model' });
    await heed.core.checksSettled();
    model.enqueue({ reply: '{"checks": [{"id": "punctuation:no_comma", "kwargs": null}]}' });
    await heed.core.command(actor('U_ANA'), 'set Keep punctuation minimal: skip the little pause marks.');
    await heed.core.checksSettled();
    expect(model.requests).toHaveLength(2);
    expect(await say('U_ANA', 'show')).toContain('Checked on every reply: no commas');
  });
});

describe('compliance: every reply checked when its stream ends', () => {
  it('flag: a miss files an automatic report and flags the asker; Rewrite replaces it, snapshots linked', async () => {
    await start('flag');
    await heed.core.command(actor('U_ANA'), "set End with 'Cheers'.");
    model.enqueue({ reply: 'Hello there.' });
    const sink = complianceSink('R1');
    const outcome = await heed.core.respond(message('U_ANA', 'greet me'), sink);
    expect(outcome.status).toBe('replied');
    expect(sink.flags).toHaveLength(1);
    expect(sink.flags[0]?.missed.map((entry) => entry.label)).toEqual(["ends with 'Cheers'"]);
    expect(autoReports.map((summary) => [summary.source, summary.signal, summary.askerId])).toEqual([
      ['automatic', 'bad', 'U_ANA'],
    ]);
    const [report] = await (await stored()).reports.list();
    expect(report).toMatchObject({
      source: 'automatic',
      signal: 'bad',
      note: expect.stringContaining("ends with 'Cheers'"),
    });

    model.enqueue({ reply: 'Hello there. Cheers' });
    const rewriteSink = complianceSink('R1');
    const rewritten = await heed.core.rewrite(ref('R1'), actor('U_ANA'), rewriteSink);
    expect(rewritten).toMatchObject({ status: 'rewritten', passed: true, text: 'Hello there. Cheers' });
    expect(rewriteSink.replaced).toEqual(['Hello there. Cheers']);
    expect(rewriteSink.flags).toEqual([]);
    const sent = messagesOf(model.requests.at(-1)!);
    expect(sent.at(-2)).toEqual({ role: 'assistant', content: 'Hello there.' });
    expect(sent.at(-1)?.content).toContain(CORRECTION_HEADING);
    expect(sent.at(-1)?.content).toContain("ends with 'Cheers'");
    if (outcome.status !== 'replied' || !outcome.snapshotStored || rewritten.status !== 'rewritten')
      throw new Error('unexpected outcome');
    const rewrites = await (await stored()).compliance.rewritesOf(outcome.replyId);
    expect(rewrites.map((entry) => [entry.replyId, entry.passed])).toEqual([[rewritten.replyId, true]]);
    expect((await (await stored()).replies.findByMessage(ref('R1')))?.replyText).toBe('Hello there. Cheers');
  });

  it('report: only the automatic report, nothing shown to the asker', async () => {
    await start('report');
    await heed.core.command(actor('U_ANA'), 'set no commas');
    model.enqueue({ reply: 'Well, hello, you.' });
    const sink = complianceSink('R1');
    await heed.core.respond(message('U_ANA', 'hi'), sink);
    expect(sink.flags).toEqual([]);
    expect(sink.replaced).toEqual([]);
    expect(autoReports).toHaveLength(1);
  });

  it('off: nothing is checked', async () => {
    await start('off');
    await heed.core.command(actor('U_ANA'), 'set no commas');
    model.enqueue({ reply: 'Well, hello, you.' });
    const sink = complianceSink('R1');
    await heed.core.respond(message('U_ANA', 'hi'), sink);
    expect(sink.flags).toEqual([]);
    expect(autoReports).toEqual([]);
    expect(await (await stored()).compliance.checkedSince('')).toEqual([]);
  });

  it('fix: the reply is rewritten once by itself, and nothing is flagged when the rewrite passes', async () => {
    await start('fix');
    await heed.core.command(actor('U_ANA'), 'set no commas');
    model.enqueue({ reply: 'Well, hello, you.' }, { reply: 'Well hello you.' });
    const sink = complianceSink('R1');
    await heed.core.respond(message('U_ANA', 'hi'), sink);
    expect(sink.finished).toBe('Well, hello, you.');
    expect(sink.replaced).toEqual(['Well hello you.']);
    expect(sink.flags).toEqual([]);
    expect(autoReports).toHaveLength(1);
  });

  it('fix: a rewrite that fails again is flagged, naming the rewrite', async () => {
    await start('fix');
    await heed.core.command(actor('U_ANA'), 'set no commas');
    model.enqueue({ reply: 'Well, hello.' }, { reply: 'Still, commas.' });
    const sink = complianceSink('R1');
    const outcome = await heed.core.respond(message('U_ANA', 'hi'), sink);
    expect(sink.replaced).toEqual(['Still, commas.']);
    expect(sink.flags).toHaveLength(1);
    const rewrite = await (await stored()).replies.findByMessage(ref('R1'));
    expect(sink.flags[0]?.replyId).toBe(rewrite?.id);
    expect(outcome).toMatchObject({ status: 'replied', snapshotStored: true });
    expect(rewrite?.id).not.toBe('replyId' in outcome ? outcome.replyId : undefined);
    expect(autoReports).toHaveLength(2);
  });

  it("checks off wins over the operator mode for the person's own replies; on brings it back", async () => {
    await start('flag');
    await heed.core.command(actor('U_ANA'), 'set no commas');
    expect(await say('U_ANA', 'checks off')).toContain('Checking is off');
    expect(await say('U_ANA', 'show')).toContain('checking is off for your replies');
    expect(await say('U_ANA', 'checks off')).toBe('Checking of your replies is already off.');
    expect(await say('U_ANA', 'checks maybe')).toContain('`checks` takes `on`, `off` or nothing (got “maybe”)');
    model.enqueue({ reply: 'Well, hello.' });
    const quiet = complianceSink('R1');
    await heed.core.respond(message('U_ANA', 'hi'), quiet);
    expect(quiet.flags).toEqual([]);
    expect(autoReports).toEqual([]);
    await heed.core.command(actor('U_ANA'), 'checks on');
    model.enqueue({ reply: 'Well, hello.' });
    const flagged = complianceSink('R2');
    await heed.core.respond(message('U_ANA', 'hi'), flagged);
    expect(flagged.flags).toHaveLength(1);
  });

  it("one person's checks are never applied to another person's reply in the same thread", async () => {
    await start('flag');
    await heed.core.command(actor('U_ANA'), 'set no commas');
    model.enqueue({ reply: 'Sure, Bo, here you go.' });
    const toBo = complianceSink('R1');
    await heed.core.respond(message('U_BO', 'hi', { threadId: 'T-1' }), toBo);
    expect(toBo.flags).toEqual([]);
    model.enqueue({ reply: 'Sure, Ana, here you go.' });
    const toAna = complianceSink('R2');
    await heed.core.respond(message('U_ANA', 'hi', { threadId: 'T-1' }), toAna);
    expect(toAna.flags).toHaveLength(1);
  });

  it("a channel rule's check applies to everyone there", async () => {
    await start('flag');
    await heed.core.command(actor('U_ADMIN', { isPlatformAdmin: true }), "channel set End every reply with 'Over.'");
    model.enqueue({ reply: 'Roger that.' });
    const sink = complianceSink('R1');
    await heed.core.respond(message('U_BO', 'status?'), sink);
    expect(sink.flags[0]?.missed[0]).toMatchObject({ label: "ends with 'Over.'" });
    expect(await say('U_BO', 'channel show')).toContain("Checked on every reply in this channel: ends with 'Over.'");
  });

  it('Rewrite pressed by someone else is refused, and nothing changes', async () => {
    await start('flag');
    await heed.core.command(actor('U_ANA'), 'set no commas');
    model.enqueue({ reply: 'Well, hello.' });
    await heed.core.respond(message('U_ANA', 'hi'), complianceSink('R1'));
    const requests = model.requests.length;
    const other = complianceSink('R1');
    const outcome = await heed.core.rewrite(ref('R1'), actor('U_BO'), other);
    expect(outcome).toEqual({ status: 'not_yours' });
    expect(other.replaced).toEqual([]);
    expect(model.requests).toHaveLength(requests);
  });

  it('Rewrite on a reply that passed says there is nothing to fix', async () => {
    await start('flag');
    await heed.core.command(actor('U_ANA'), 'set no commas');
    model.enqueue({ reply: 'Hello.' });
    await heed.core.respond(message('U_ANA', 'hi'), complianceSink('R1'));
    expect(await heed.core.rewrite(ref('R1'), actor('U_ANA'), complianceSink('R1'))).toMatchObject({
      status: 'nothing_to_fix',
    });
  });

  it('a check that needs the question ("repeat my request") is bound to each reply\'s own message', async () => {
    await start('flag');
    await heed.core.command(actor('U_ANA'), 'set Repeat my question before answering.');
    model.enqueue({ reply: 'what is wal? Write-ahead logging.' });
    const sink = complianceSink('R1');
    await heed.core.respond(message('U_ANA', 'What is WAL?'), sink);
    expect(sink.flags).toEqual([]);
    model.enqueue({ reply: 'Write-ahead logging.' });
    const missed = complianceSink('R2');
    await heed.core.respond(message('U_ANA', 'What is WAL?'), missed);
    expect(missed.flags).toHaveLength(1);
  });
});
