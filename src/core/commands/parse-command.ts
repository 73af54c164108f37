import { COMMAND_NAME } from './command-name.js';
import type { ParseProblem } from './results.js';

/** One `/instructions` command line, understood. */
export type ParsedCommand =
  | { kind: 'edit' }
  | { kind: 'show' }
  | { kind: 'help' }
  | { kind: 'preview' }
  | { kind: 'history' }
  | { kind: 'undo' }
  | { kind: 'clear' }
  | { kind: 'off' }
  | { kind: 'on' }
  | { kind: 'forget-me' }
  | { kind: 'set'; text: string }
  | { kind: 'about'; text: string }
  | { kind: 'add'; text: string }
  | { kind: 'restore'; version: number }
  /** `checks` lists what is checked on the person's replies; `checks on|off` turns checking on or off. */
  | { kind: 'checks'; setting?: 'on' | 'off' }
  | { kind: 'applied'; show: boolean }
  /** Without a code: issue one. With one: redeem it. */
  | { kind: 'link'; code?: string }
  | { kind: 'unlink' }
  // `show` and `clear` as two members (the same values as one `'show' | 'clear'` member) so that
  // ruling both out narrows a command to the `set` member.
  | { kind: 'layer'; layer: 'channel' | 'workspace'; action: 'show' }
  | { kind: 'layer'; layer: 'channel' | 'workspace'; action: 'clear' }
  | { kind: 'layer'; layer: 'channel' | 'workspace'; action: 'set'; text: string }
  /** What was wrong, for the platform to word. */
  | { kind: 'invalid'; problem: ParseProblem };

type NoArgumentKind =
  'edit' | 'show' | 'help' | 'preview' | 'history' | 'undo' | 'clear' | 'off' | 'on' | 'forget-me' | 'unlink';
type TextKind = 'set' | 'about' | 'add';

// Maps, not object literals: a typed word such as "constructor" must not find Object.prototype.
const NO_ARGUMENT = new Map<string, NoArgumentKind>([
  ['edit', 'edit'],
  ['show', 'show'],
  ['help', 'help'],
  ['?', 'help'],
  ['preview', 'preview'],
  ['history', 'history'],
  ['undo', 'undo'],
  ['clear', 'clear'],
  ['off', 'off'],
  ['on', 'on'],
  ['forget-me', 'forget-me'],
  ['forget_me', 'forget-me'],
  ['forgetme', 'forget-me'],
  ['unlink', 'unlink'],
]);

type LayerName = 'channel' | 'workspace';

/** `server` is Discord's word for a workspace. */
const LAYERS = new Map<string, LayerName>([
  ['channel', 'channel'],
  ['workspace', 'workspace'],
  ['server', 'workspace'],
]);

const KNOWN_WORDS = [
  ...NO_ARGUMENT.keys(),
  'set',
  'about',
  'add',
  'restore',
  'checks',
  'applied',
  'link',
  ...LAYERS.keys(),
]
  // Words of one or two characters (`?`, `on`) are too short to be what a typo meant.
  .filter((word) => word.length > 2);

const command = `/${COMMAND_NAME}`;

// Zero-width characters that pasted text often carries around a word: ZWSP, ZWNJ, ZWJ, word joiner,
// BOM, soft hyphen.
const ZERO_WIDTH = /[\u200B-\u200D\u2060\uFEFF\u00AD]/g;
const ZERO_WIDTH_CHAR = /^[\u200B-\u200D\u2060\uFEFF\u00AD]$/;
const SPACE_CHAR = /^\s$/;
const VERSION = /^(?:version\s+|v|#)?(\d+)$/i;

function isBlank(char: string): boolean {
  return SPACE_CHAR.test(char) || ZERO_WIDTH_CHAR.test(char);
}

/**
 * Trim whitespace and zero-width characters from both ends. A loop, not a regex: an anchored
 * `\s+$` backtracks quadratically over long inner runs of spaces.
 */
function trimBlank(text: string): string {
  let start = 0;
  let end = text.length;
  while (start < end && isBlank(text.charAt(start))) start += 1;
  while (end > start && isBlank(text.charAt(end - 1))) end -= 1;
  return text.slice(start, end);
}

/** Split off the first word; the rest keeps its inner spacing and newlines, trimmed at the ends. */
function firstWord(text: string): { word: string; rest: string } {
  const trimmed = trimBlank(text);
  let end = 0;
  while (end < trimmed.length && !SPACE_CHAR.test(trimmed.charAt(end))) end += 1;
  return { word: trimmed.slice(0, end).replace(ZERO_WIDTH, ''), rest: trimBlank(trimmed.slice(end)) };
}

/** Levenshtein distance, enough to suggest the word someone meant to type. */
function distance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, index) => index);
  for (let i = 1; i <= a.length; i += 1) {
    const current = [i];
    for (let j = 1; j <= b.length; j += 1) {
      const substitution = (previous[j - 1] ?? 0) + (a[i - 1] === b[j - 1] ? 0 : 1);
      current.push(Math.min((previous[j] ?? 0) + 1, (current[j - 1] ?? 0) + 1, substitution));
    }
    previous = current;
  }
  return previous[b.length] ?? 0;
}

/** The known word nearest to what was typed, if one is close enough to be what was meant. */
function suggestion(word: string): string | undefined {
  if (word.length < 2 || word.length > 20) return undefined;
  return KNOWN_WORDS.map((known) => ({ known, cost: distance(word, known) }))
    .filter(({ cost }) => cost <= 2)
    .sort((a, b) => a.cost - b.cost)[0]?.known;
}

function invalid(problem: ParseProblem): ParsedCommand {
  return { kind: 'invalid', problem };
}

function noArgument(kind: NoArgumentKind, word: string, rest: string): ParsedCommand {
  if (rest === '') return { kind };
  return invalid({ code: 'unexpected_text', word, form: kind, given: rest });
}

function withText(kind: TextKind, rest: string): ParsedCommand {
  if (rest === '') return invalid({ code: 'missing_text', form: kind, word: kind });
  return { kind, text: rest };
}

function restore(rest: string): ParsedCommand {
  const match = VERSION.exec(rest);
  const version = match?.[1] ? Number(match[1]) : Number.NaN;
  if (Number.isSafeInteger(version) && version > 0) return { kind: 'restore', version };
  return invalid({ code: 'bad_version', given: rest });
}

function checks(rest: string): ParsedCommand {
  const setting = rest.toLowerCase();
  if (setting === '') return { kind: 'checks' };
  if (setting === 'on' || setting === 'off') return { kind: 'checks', setting };
  return invalid({ code: 'bad_checks_setting', given: rest });
}

function applied(rest: string): ParsedCommand {
  const value = rest.toLowerCase();
  if (value === 'on' || value === 'off') return { kind: 'applied', show: value === 'on' };
  return invalid({ code: 'bad_switch', word: 'applied', given: rest });
}

function layer(target: LayerName, word: string, rest: string): ParsedCommand {
  const { word: actionWord, rest: text } = firstWord(rest);
  const action = actionWord.toLowerCase();
  if (action === 'set') {
    if (text === '') return invalid({ code: 'missing_text', form: 'layer_set', word });
    return { kind: 'layer', layer: target, action: 'set', text };
  }
  if (action === 'show' || action === 'clear') {
    if (text === '') return { kind: 'layer', layer: target, action };
    return invalid({ code: 'unexpected_text', word: `${word} ${action}`, form: `${word} ${action}`, given: text });
  }
  return invalid({ code: 'bad_layer_action', word, given: actionWord });
}

/**
 * Understand one `/instructions` command line (the text after the command name; a pasted leading
 * `/instructions` is accepted too). Never throws: input that does not parse becomes `invalid` with
 * the problem, for the platform to word.
 */
export function parseCommand(text: string): ParsedCommand {
  let { word, rest } = firstWord(text);
  if (word.toLowerCase() === command) ({ word, rest } = firstWord(rest));
  const subcommand = word.toLowerCase();

  if (subcommand === '') return { kind: 'edit' };
  if (subcommand === 'forget' && rest.toLowerCase() === 'me') return { kind: 'forget-me' };

  const simple = NO_ARGUMENT.get(subcommand);
  if (simple) return noArgument(simple, subcommand, rest);
  if (subcommand === 'set' || subcommand === 'about' || subcommand === 'add') return withText(subcommand, rest);
  if (subcommand === 'restore') return restore(rest);
  if (subcommand === 'checks') return checks(rest);
  if (subcommand === 'applied') return applied(rest);
  if (subcommand === 'link') return rest === '' ? { kind: 'link' } : { kind: 'link', code: rest };
  const target = LAYERS.get(subcommand);
  if (target) return layer(target, subcommand, rest);

  const suggested = suggestion(subcommand);
  return invalid({ code: 'unknown_subcommand', given: word, ...(suggested ? { suggestion: suggested } : {}) });
}
