/**
 * The message table rendered for each platform: every result kind once per platform, plus the
 * formatting each platform must get right (Slack mentions that render and escaped person text,
 * Discord bold, a plain terminal).
 */
import { describe, expect, it } from 'vitest';
import { discordMarkup } from '../../src/adapters/discord/markup.js';
import { slackMarkup } from '../../src/adapters/slack/markup.js';
import { terminalMarkup } from '../../src/cli/markup.js';
import type { CommandResult, EditorResult } from '../../src/core/api.js';
import type { AppliedSummary } from '../../src/core/reply/applied.js';
import { appliedLine, commandMessage, editorMessage } from '../../src/messages/command-messages.js';
import type { Markup } from '../../src/messages/markup.js';

const ALL_KINDS: CommandResult[] = [
  { kind: 'invalid', problem: { code: 'missing_text', form: 'set', word: 'set' } },
  { kind: 'help' },
  { kind: 'editor', about: 'a', respond: 'b', enabled: true, limits: { about: 10, respond: 10 } },
  { kind: 'confirm_forget_me', elsewhere: [] },
  { kind: 'confirm_forget_me', elsewhere: ['slack'] },
  { kind: 'shown', about: 'I <3 maps', respond: 'Be *brief*', enabled: false, version: 4 },
  { kind: 'nothing_set', command: 'show' },
  { kind: 'saved', field: 'respond', version: 2, paused: true },
  { kind: 'unchanged', field: 'about', version: 2 },
  { kind: 'too_long', target: 'workspace', length: 2001, limit: 1500, adding: false },
  { kind: 'added', respond: 'one\ntwo', version: 3, paused: false },
  { kind: 'cleared', version: 5 },
  { kind: 'already', enabled: true },
  { kind: 'toggled', enabled: false, version: 6 },
  { kind: 'preview', prompt: 'You are Heed.' },
  {
    kind: 'history',
    lines: [
      {
        version: 2,
        current: true,
        createdAt: '2026-11-30T10:00:00.000Z',
        action: 'set',
        restoredFrom: null,
        enabled: true,
        respond: 'x',
      },
    ],
    older: 1,
  },
  { kind: 'undo_exhausted' },
  { kind: 'version_missing', version: 9, latest: 3, by: 'restore' },
  { kind: 'undone', to: 1, version: 4 },
  { kind: 'restored', from: 1, version: 5 },
  { kind: 'layer_unavailable', layer: 'workspace' },
  { kind: 'layer_shown', layer: 'channel', text: 'Use English.', version: 2, setBy: 'U_ADMIN' },
  { kind: 'layer_empty', layer: 'channel', command: 'clear' },
  { kind: 'admins_only', layer: 'workspace' },
  { kind: 'layer_cleared', layer: 'channel', version: 3 },
  { kind: 'layer_saved', layer: 'workspace', version: 1 },
  { kind: 'forgotten', versions: 1, replies: 2, reports: 0, elsewhere: [] },
  { kind: 'forgotten', versions: 4, replies: 3, reports: 1, elsewhere: ['discord'] },
  { kind: 'failed', action: 'command', code: 'internal' },
  {
    kind: 'with_checks',
    result: { kind: 'saved', field: 'respond', version: 2, paused: false },
    checks: { scope: 'you', labels: ['at most 3 bullet points', "ends with 'Cheers'"], checkingOff: false },
  },
  {
    kind: 'checks_listed',
    checks: { scope: 'here', labels: ['a title in <<double angular brackets>>'], checkingOff: true },
    checkingOff: true,
  },
  { kind: 'checks_listed', checkingOff: false },
  { kind: 'checks_toggled', enabled: false },
  { kind: 'checks_already', enabled: true },
  { kind: 'invalid', problem: { code: 'bad_checks_setting', given: 'maybe' } },
  { kind: 'invalid', problem: { code: 'bad_switch', word: 'applied', given: 'maybe' } },
  { kind: 'applied_set', show: false, mode: 'with-instructions' },
  { kind: 'applied_set', show: true, mode: 'never' },
  { kind: 'link_code', code: 'ABCD-EFGH', minutes: 10 },
  { kind: 'linked', with: ['slack'], from: 'slack' },
  { kind: 'linked', with: ['discord'], from: 'none' },
  { kind: 'link_refused', reason: 'unknown_code' },
  { kind: 'link_refused', reason: 'expired_code' },
  { kind: 'link_refused', reason: 'own_code' },
  { kind: 'link_refused', reason: 'too_many_attempts' },
  { kind: 'link_refused', reason: 'already_linked' },
  { kind: 'link_refused', reason: 'linked_elsewhere' },
  { kind: 'unlinked', from: ['discord'], copied: true },
  { kind: 'not_linked' },
  {
    kind: 'why',
    applied: {
      layers: [
        { layer: 'channel', version: 2 },
        { layer: 'user', version: 5 },
      ],
      model: 'gpt-4o-mini',
      olderLeftOut: true,
      restated: true,
    },
    layers: [
      { layer: 'channel', version: 2, text: { about: '', respond: 'Use English.' } },
      { layer: 'user', version: 5, text: { about: 'I <3 maps', respond: 'Be *brief*' } },
    ],
    leftOut: ['Ana: the first question'],
    leftOutCount: 3,
  },
  {
    kind: 'why',
    applied: { layers: [], model: 'm', olderLeftOut: false, restated: false },
    layers: [],
    leftOut: [],
    leftOutCount: 0,
  },
  { kind: 'why_unavailable', reason: 'not_yours' },
  { kind: 'why_unavailable', reason: 'not_a_reply' },
  { kind: 'why_unavailable', reason: 'not_recorded' },
  { kind: 'edit_suggested', reportId: 'r1', before: 'Be brief.', after: 'Be brief.\nUse metric units.' },
  { kind: 'edit_not_offered', reason: 'no_model' },
  { kind: 'edit_accepted', version: 7 },
  { kind: 'edit_dismissed' },
  { kind: 'edit_gone' },
  { kind: 'edit_stale' },
];

const APPLIED_LINES: AppliedSummary[] = [
  {
    layers: [
      { layer: 'user', version: 5 },
      { layer: 'channel', version: 2 },
    ],
    model: 'gpt-4o-mini',
    olderLeftOut: false,
    restated: false,
  },
  {
    layers: [{ layer: 'workspace', version: 1 }],
    model: 'gpt-4o-mini',
    olderLeftOut: true,
    restated: true,
    checks: { passed: 3, failed: 0 },
  },
  { layers: [], model: 'llama3.2', olderLeftOut: false, restated: false, checks: { passed: 2, failed: 1 } },
];

const EDITOR_RESULTS: EditorResult[] = [
  { kind: 'editor_saved', version: 3, paused: false },
  {
    kind: 'editor_saved',
    version: 4,
    paused: false,
    checks: { scope: 'you', labels: ['no commas'], checkingOff: false },
  },
  { kind: 'editor_unchanged', version: 3 },
  { kind: 'editor_invalid', tooLong: { about: { length: 20, limit: 10 } } },
  { kind: 'failed', action: 'save', code: 'storage_failed' },
];

const PLATFORMS: [string, Markup][] = [
  ['slack', slackMarkup],
  ['discord', discordMarkup],
  ['terminal', terminalMarkup],
];

describe.each(PLATFORMS)('the message table on %s', (platform, markup) => {
  it.each(ALL_KINDS.map((result) => [result.kind, result] as const))('renders %s', (_kind, result) => {
    const text = commandMessage(result, markup);
    expect(text.length).toBeGreaterThan(10);
    expect(text).toMatchSnapshot(platform);
  });

  it.each(APPLIED_LINES.map((summary, index) => [index, summary] as const))(
    'renders applied line %s',
    (_index, summary) => {
      expect(appliedLine(summary, markup)).toMatchSnapshot(platform);
    },
  );

  it.each(EDITOR_RESULTS.map((result) => [result.kind, result] as const))(
    'renders the editor result %s',
    (_kind, result) => {
      expect(editorMessage(result, markup)).toMatchSnapshot(platform);
    },
  );
});

describe('platform formatting', () => {
  const shown: CommandResult = {
    kind: 'shown',
    about: 'I <3 maps & <@U2>',
    respond: 'Be brief',
    enabled: true,
    version: 1,
  };
  const setBy: CommandResult = {
    kind: 'layer_shown',
    layer: 'channel',
    text: 'Use English.',
    version: 2,
    setBy: 'U_ADMIN',
  };

  it('GIVEN Slack THEN a mention renders as a mention and person text cannot form one', () => {
    expect(commandMessage(setBy, slackMarkup)).toContain('set by <@U_ADMIN>');
    const text = commandMessage(shown, slackMarkup);
    expect(text).toContain('*About me*');
    expect(text).toContain('I &lt;3 maps &amp; &lt;@U2&gt;');
    expect(text).not.toContain('<@U2>');
  });

  it('GIVEN Discord THEN bold is double asterisks and the workspace is a server', () => {
    expect(commandMessage(shown, discordMarkup)).toContain('**About me**');
    expect(commandMessage({ kind: 'admins_only', layer: 'workspace' }, discordMarkup)).toMatch(
      /Only members with the Manage Server permission can change the server rules/,
    );
  });

  it('GIVEN the terminal THEN no markup', () => {
    const text = commandMessage(shown, terminalMarkup);
    expect(text).toContain('About me\n> I <3 maps');
    expect(text).not.toContain('*');
  });

  it('GIVEN Slack THEN placeholders in fixed text are escaped so they show as written', () => {
    expect(commandMessage({ kind: 'nothing_set', command: 'toggle' }, slackMarkup)).toContain(
      '`/instructions set &lt;text&gt;`',
    );
  });
});
