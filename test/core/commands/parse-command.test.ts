import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { COMMAND_NAME } from '../../../src/core/commands/command-name.js';
import { helpText, parseProblemMessage } from '../../../src/messages/command-messages.js';
import { terminalMarkup } from '../../../src/cli/markup.js';

const HELP_TEXT = helpText(terminalMarkup);
import { type ParsedCommand, parseCommand } from '../../../src/core/commands/parse-command.js';

const KINDS = new Set([
  'edit',
  'show',
  'help',
  'preview',
  'history',
  'undo',
  'clear',
  'off',
  'on',
  'forget-me',
  'set',
  'about',
  'add',
  'restore',
  'layer',
  'invalid',
  'applied',
  'link',
  'unlink',
]);
const CODES = new Set([
  'missing_text',
  'bad_version',
  'unknown_subcommand',
  'unexpected_text',
  'bad_layer_action',
  'bad_switch',
]);

const valid: [string, ParsedCommand][] = [
  ['', { kind: 'edit' }],
  ['   \n\t ', { kind: 'edit' }],
  ['edit', { kind: 'edit' }],
  ['show', { kind: 'show' }],
  ['SHOW', { kind: 'show' }],
  ['  Show  ', { kind: 'show' }],
  ['help', { kind: 'help' }],
  ['?', { kind: 'help' }],
  ['preview', { kind: 'preview' }],
  ['history', { kind: 'history' }],
  ['undo', { kind: 'undo' }],
  ['clear', { kind: 'clear' }],
  ['off', { kind: 'off' }],
  ['On', { kind: 'on' }],
  ['forget-me', { kind: 'forget-me' }],
  ['forget me', { kind: 'forget-me' }],
  ['set Answer in British English.', { kind: 'set', text: 'Answer in British English.' }],
  ['SET   Keep   it SHORT.  ', { kind: 'set', text: 'Keep   it SHORT.' }],
  ['set\nLine one\n\n  Line two\n', { kind: 'set', text: 'Line one\n\n  Line two' }],
  ['about I am a nurse in Lyon.', { kind: 'about', text: 'I am a nurse in Lyon.' }],
  ['add Use bullet points.', { kind: 'add', text: 'Use bullet points.' }],
  ['restore 3', { kind: 'restore', version: 3 }],
  ['restore v12', { kind: 'restore', version: 12 }],
  ['Restore V007', { kind: 'restore', version: 7 }],
  ['restore #4', { kind: 'restore', version: 4 }],
  ['channel show', { kind: 'layer', layer: 'channel', action: 'show' }],
  ['channel CLEAR', { kind: 'layer', layer: 'channel', action: 'clear' }],
  [
    'channel set Only billing questions here.',
    { kind: 'layer', layer: 'channel', action: 'set', text: 'Only billing questions here.' },
  ],
  ['workspace show', { kind: 'layer', layer: 'workspace', action: 'show' }],
  [
    'workspace set Be kind.\nNo gossip.',
    { kind: 'layer', layer: 'workspace', action: 'set', text: 'Be kind.\nNo gossip.' },
  ],
  ['server clear', { kind: 'layer', layer: 'workspace', action: 'clear' }],
  ['Server Set Stay on topic.', { kind: 'layer', layer: 'workspace', action: 'set', text: 'Stay on topic.' }],
  ['/instructions show', { kind: 'show' }],
  ['/Instructions set Be brief.', { kind: 'set', text: 'Be brief.' }],
  ['/instructions', { kind: 'edit' }],
  ['\u200Bshow\u200B', { kind: 'show' }],
  ['\uFEFF\u200Bset\u2060 Hello', { kind: 'set', text: 'Hello' }],
  ['\u00A0show\u00A0', { kind: 'show' }],
  ['applied off', { kind: 'applied', show: false }],
  ['Applied ON', { kind: 'applied', show: true }],
  ['link', { kind: 'link' }],
  ['link abcd-2345', { kind: 'link', code: 'abcd-2345' }],
  ['unlink', { kind: 'unlink' }],
];

const invalidInputs: [string, string, RegExp][] = [
  [
    'set',
    'missing_text',
    /`set` needs the text of your instructions, for example `\/instructions set Answer in British English.`/,
  ],
  ['set    \n ', 'missing_text', /`set` needs/],
  ['about', 'missing_text', /`about` needs/],
  ['add \u200B', 'missing_text', /`add` needs/],
  ['channel set', 'missing_text', /`channel set` needs the text/],
  ['server set  ', 'missing_text', /`server set` needs the text/],
  ['restore', 'bad_version', /`restore` needs a version number.*restore 3/],
  ['restore 0', 'bad_version', /“0” is not a version number/],
  ['restore -2', 'bad_version', /positive whole number/],
  ['restore 1.5', 'bad_version', /not a version number/],
  ['restore three', 'bad_version', /“three”/],
  ['restore 3 please', 'bad_version', /not a version number/],
  ['restore 99999999999999999999', 'bad_version', /not a version number/],
  ['restore ３', 'bad_version', /not a version number/],
  ['frobnicate', 'unknown_subcommand', /no subcommand “frobnicate”.*Valid forms:/],
  ['shwo', 'unknown_subcommand', /Did you mean `show`\?/],
  ['Answer in British English', 'unknown_subcommand', /“Answer”.*\/instructions set <text>/],
  ['constructor', 'unknown_subcommand', /“constructor”/],
  ['__proto__', 'unknown_subcommand', /“__proto__”/],
  ['toString', 'unknown_subcommand', /“toString”/],
  ['channel', 'bad_layer_action', /`channel` needs an action: use `channel show\|set <text>\|clear`/],
  ['workspace', 'bad_layer_action', /`workspace` needs an action/],
  ['server', 'bad_layer_action', /`server` needs an action/],
  [
    'channel delete',
    'bad_layer_action',
    /“delete” is not an action for `channel`: use `channel show\|set <text>\|clear`/,
  ],
  ['channel constructor', 'bad_layer_action', /“constructor”/],
  ['channel show me', 'unexpected_text', /`channel show` takes nothing after it/],
  ['workspace clear everything', 'unexpected_text', /`workspace clear` takes nothing/],
  ['show me', 'unexpected_text', /`show` takes nothing after it, but got “me”. Use `\/instructions show` on its own./],
  ['clear all of it', 'unexpected_text', /`clear` takes nothing/],
  ['edit now', 'unexpected_text', /`edit` takes nothing/],
  ['forgetme please', 'unexpected_text', /Use `\/instructions forget-me` on its own/],
  ['/instructions /instructions', 'unknown_subcommand', /“\/instructions”/],
  ['applied', 'bad_switch', /`applied` needs `on` or `off`: use `\/instructions applied off`/],
  ['applied maybe', 'bad_switch', /“maybe” is not `on` or `off`/],
  ['unlink everything', 'unexpected_text', /`unlink` takes nothing/],
  ['lnik', 'unknown_subcommand', /Did you mean `link`\?/],
];

describe('parseCommand: valid forms', () => {
  it.each(valid)('parses %j', (input, expected) => {
    expect(parseCommand(input)).toEqual(expected);
  });
});

describe('parseCommand: invalid input', () => {
  it.each(invalidInputs)('rejects %j as %s with a helpful sentence', (input, code, message) => {
    const result = parseCommand(input);
    expect(result.kind).toBe('invalid');
    if (result.kind !== 'invalid') return;
    expect(result.problem.code).toBe(code);
    expect(parseProblemMessage(result.problem, terminalMarkup)).toMatch(message);
  });

  it('names an unknown word truncated to 40 characters, without control characters or backticks', () => {
    const word = `a\u0007b\u0000\`${'x'.repeat(100)}`;
    const result = parseCommand(`${word} trailing`);
    expect(result).toMatchObject({ kind: 'invalid', problem: { code: 'unknown_subcommand' } });
    if (result.kind !== 'invalid') return;
    const message = parseProblemMessage(result.problem, terminalMarkup);
    expect(message).toContain(`“ab${'x'.repeat(38)}…”`);
    expect(message).not.toMatch(/[\u0000\u0007]/);
  });

  it('lists the valid forms when the word is unknown', () => {
    const result = parseCommand('banana');
    if (result.kind !== 'invalid') throw new Error('expected invalid');
    for (const form of ['`show`', '`set <text>`', '`about <text>`', '`restore <version>`', '`forget-me`', '`help`']) {
      expect(parseProblemMessage(result.problem, terminalMarkup)).toContain(form);
    }
  });
});

describe('parseCommand: any input (property)', () => {
  const tokens = fc.constantFrom(
    'set',
    'SET',
    'about',
    'add',
    'restore',
    'applied',
    'link',
    'unlink',
    'on',
    'v3',
    '0',
    '-1',
    'channel',
    'workspace',
    'server',
    'show',
    'clear',
    'forget-me',
    'forget',
    'me',
    '/instructions',
    '\u200B',
    '\uFEFF',
    '\u0000',
    '\u0007',
    '\u202E',
    ' ',
    '\n',
    '\t',
    '\u00A0',
    '`',
    '“',
    '😀',
    '日本',
    'constructor',
    '__proto__',
  );
  const anyText = fc.oneof(
    fc.string({ unit: 'binary', maxLength: 300 }),
    fc.string({ unit: 'binary-ascii', maxLength: 300 }),
    fc.array(tokens, { maxLength: 20 }).map((parts) => parts.join(' ')),
    fc.array(tokens, { maxLength: 20 }).map((parts) => parts.join('')),
    fc
      .tuple(tokens, fc.string({ unit: 'binary', minLength: 10_000, maxLength: 12_000 }))
      .map(([head, tail]) => `${head} ${tail}`),
    fc.string({ unit: fc.constantFrom(' ', '\u200B', 'a', '\n'), minLength: 10_000, maxLength: 20_000 }),
  );

  it('never throws and always yields a known kind', () => {
    fc.assert(
      fc.property(anyText, (text) => {
        const result = parseCommand(text);
        expect(KINDS.has(result.kind)).toBe(true);
        if (result.kind === 'invalid') {
          expect(CODES.has(result.problem.code)).toBe(true);
          const message = parseProblemMessage(result.problem, terminalMarkup);
          expect(message.length).toBeGreaterThan(20);
          expect(message.length).toBeLessThan(1_000);
        }
        if (result.kind === 'set' || result.kind === 'about' || result.kind === 'add') {
          expect(result.text.length).toBeGreaterThan(0);
          expect(result.text).toBe(result.text.trim());
        }
        if (result.kind === 'restore') {
          expect(Number.isSafeInteger(result.version) && result.version > 0).toBe(true);
        }
      }),
      { numRuns: 500 },
    );
  });

  it('keeps the text after `set` exactly, apart from its ends', () => {
    const text = fc
      .string({ unit: 'binary', minLength: 1, maxLength: 500 })
      .filter(
        (value) =>
          value.trim() === value &&
          /^[^\s\u200B-\u200D\u2060\uFEFF\u00AD]/u.test(value) &&
          /[^\s\u200B-\u200D\u2060\uFEFF\u00AD]$/u.test(value),
      );
    fc.assert(
      fc.property(
        fc.constantFrom('set', 'Set', 'about', 'ADD'),
        fc.constantFrom(' ', '\n', '  \t'),
        text,
        (word, gap, value) => {
          expect(parseCommand(`${word}${gap}${value}`)).toEqual({ kind: word.toLowerCase(), text: value });
        },
      ),
      { numRuns: 300 },
    );
  });
});

describe('HELP_TEXT', () => {
  it('lists every form on a line of its own', () => {
    const lines: string[] = HELP_TEXT.split('\n');
    for (const form of [
      'edit',
      'show',
      'set <text>',
      'about <text>',
      'add <text>',
      'clear',
      'off',
      'on',
      'preview',
      'history',
      'undo',
      'restore <version>',
      'channel show|set <text>|clear',
      'workspace show|set <text>|clear',
      'applied off',
      'link',
      'unlink',
      'forget-me',
      'help',
    ]) {
      expect(lines.some((line) => line.includes(`/${COMMAND_NAME} ${form}`) || line.includes(`\`${form}\``))).toBe(
        true,
      );
    }
    expect(COMMAND_NAME).toBe('instructions');
  });

  it('parses every example it gives', () => {
    const examples = [...HELP_TEXT.matchAll(/`(\/instructions[^`]*)`/g)].map((match) => match[1] ?? '');
    expect(examples.length).toBeGreaterThan(10);
    for (const example of examples) {
      const filled = example
        .replace('<text>', 'Be brief.')
        .replace('<version>', '2')
        .replace(/ show\|set Be brief\.\|clear$/, ' show');
      expect(parseCommand(filled).kind, filled).not.toBe('invalid');
    }
  });
});
