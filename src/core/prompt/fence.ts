import { createHash, createHmac } from 'node:crypto';
import { createRequire } from 'node:module';
import unhomoglyph from 'unhomoglyph';

/**
 * Fences keep the layers of a system prompt apart. A layer is wrapped in an opening and a closing
 * line that carry a nonce, `<channel_rules id="3f9a1c0b">` … `</channel_rules id="3f9a1c0b">`, and
 * the text inside is neutralized so that it cannot write such a line itself nor imitate a heading
 * or a speaker label of the prompt.
 */

/** The fence names in order of authority, highest first. */
export const FENCE_NAMES = [
  'operator_rules',
  'workspace_rules',
  'channel_rules',
  'about_user',
  'user_instructions',
] as const;
export type FenceName = (typeof FENCE_NAMES)[number];

/** How far a layer's author is trusted: the operator's own text keeps its markup. */
export type LayerTrust = 'operator' | 'untrusted';

/** Without a key (direct callers, tests): the historical short hash. */
const PLAIN_NONCE_LENGTH = 8;
/** With a key: 64 bits, far past what an offline search for a matching look-alike line can reach. */
const KEYED_NONCE_LENGTH = 16;

/**
 * The fence nonce for a prompt built from `parts`. The same inputs always give the same id (so
 * `/instructions preview` equals what is sent, and snapshots reproduce). With `key` (the deployment's
 * fence secret) it is an HMAC that nobody who sees only the inputs can compute, so nobody can search
 * offline for text that would pass for this prompt's fence lines; without a key it is a plain hash of
 * the inputs. The guarantee itself comes from {@link neutralizeLayerText}: text inside a fence can never
 * write a fence line.
 */
export function fenceId(parts: readonly string[], key?: string): string {
  const data = JSON.stringify(parts);
  if (!key) return createHash('sha256').update(data).digest('hex').slice(0, PLAIN_NONCE_LENGTH);
  return createHmac('sha256', key).update(data).digest('hex').slice(0, KEYED_NONCE_LENGTH);
}

/** The line that opens a layer. */
export function openFence(name: FenceName, id: string): string {
  return `<${name} id="${id}">`;
}

/** The line that closes a layer. */
export function closeFence(name: FenceName, id: string): string {
  return `</${name} id="${id}">`;
}

/** A layer's (already neutralized) body between its two fence lines. */
export function fence(name: FenceName, id: string, body: string): string {
  return `${openFence(name, id)}\n${body}\n${closeFence(name, id)}`;
}

const LINE_BREAKS = /\r\n?|[\u0085\u2028\u2029]/g;
// C0/C1 controls except tab and newline, bidi marks, overrides and isolates (U+061C, U+200E/F,
// U+202A–E, U+2066–9) that can disguise text, the invisible tag characters U+E0000–U+E007F, and
// invisible characters that only serve to split a word so that it escapes detection. ZWJ/ZWNJ stay:
// emoji sequences and several scripts need them.
const INVISIBLE = new RegExp(
  '[\\u0000-\\u0008\\u000B\\u000C\\u000E-\\u001F\\u007F-\\u0084\\u0086-\\u009F\\u00AD\\u061C\\u180E' +
    '\\u200B\\u200E\\u200F\\u202A-\\u202E\\u2060-\\u2064\\u2066-\\u2069\\uFEFF\\u{E0000}-\\u{E007F}]',
  'gu',
);

/** Unicode's confusables table (TR39) as the unhomoglyph package ships it: character → prototype. */
const CONFUSABLES = createRequire(import.meta.url)('unhomoglyph/data.json') as Record<string, string>;
/**
 * Angle brackets the table leaves out or maps to other brackets. Guillemets are not among them: they
 * quote speech in several languages, and no model reads `«x»` as markup.
 */
const EXTRA_OPENERS = '<\uFF1C\uFE64\u2329\u3008\u27E8\u276C\u2770\u29FC';
const EXTRA_CLOSERS = '>\uFF1E\uFE65\u232A\u3009\u27E9\u276D\u2771\u29FD';
const confusableWith = (prototype: string) =>
  Object.keys(CONFUSABLES)
    .filter((glyph) => CONFUSABLES[glyph] === prototype)
    .join('');
const escapeClass = (chars: string) => chars.replace(/[\\\]^-]/g, '\\$&');
const OPENERS = escapeClass(EXTRA_OPENERS + confusableWith('<'));
const CLOSERS = escapeClass(EXTRA_CLOSERS + confusableWith('>'));

// Anything that starts like a markup tag: "<name", "</name", "< / name", "<|im_start|>", "<!x", also
// with any bracket that looks like "<". Group 1 runs to the end of the tag (or of the line).
// The spacing runs before and after the slash cannot overlap, so a long run of spaces never backtracks.
const TAG_LIKE = new RegExp(
  `[${OPENERS}]([\\s\\p{Cf}\\p{M}]*(?:[/|!?][\\s\\p{Cf}\\p{M}]*)?[\\p{L}_|][^${OPENERS}${CLOSERS}\\n]*)([${CLOSERS}]?)`,
  'gu',
);

const FOLDED_FENCE_NAMES = FENCE_NAMES.map((name) => fold(name).replace(/[^a-z]/g, ''));

// Words that give a heading or a label the air of authority or of another speaker, compared as
// skeletons (see fold), so they are folded the same way as the text they are compared with.
const RESERVED_WORDS = [
  'system',
  'sys',
  'inst',
  'operator',
  'developer',
  'admin',
  'administrator',
  'administrators',
  'assistant',
  'heed',
  'bot',
  'model',
  'human',
  'workspace',
  'server',
  'channel',
  'user',
  'instruction',
  'instructions',
  'rule',
  'rules',
  'prompt',
];
const RESERVED_PATTERN = `\\b(?:${RESERVED_WORDS.map((word) => fold(word)).join('|')})\\b`;
const RESERVED = new RegExp(RESERVED_PATTERN);
const reservedCount = (text: string) => text.match(new RegExp(RESERVED_PATTERN, 'g'))?.length ?? 0;
const HEADING = /^\s*#{1,6}/;
const DECORATION = /^[\s>*_~`#=|•·+-]+/;
const TRAILING_DECORATION = /[\s*_~`#=|•·+-]+$/;
/** Decoration that sets a line apart at its start and at its end: `---X---`, `**X**`, `== X ==`. */
const SET_APART = /^\s*[*_~`#=|•·+-]{2,}.*[*_~`#=|•·+-]{2,}\s*$/;
// A label ends at the first colon or closing bracket within its first 60 characters: "SYSTEM:",
// "Message from the system administrator team:", "[system]", "(operator note)".
const LABEL = /^[[({]?([^:\])}\n]{1,60})[:\])}]/;
// Single letters spaced out to dodge word matching: "S Y S T E M", "S.Y.S.T.E.M".
const SPACED_LETTERS = /(?<=(?:^|[^\p{L}\p{N}])[\p{L}\p{N}])[\s._·-]+(?=[\p{L}\p{N}](?:[^\p{L}\p{N}]|$))/gu;

/**
 * A line reduced to its confusable skeleton for matching (never for display): compatibility forms
 * folded (NFKC), invisibles dropped, lower-cased, then every character replaced by its prototype from
 * Unicode's confusables table, so a Cyrillic "Е" reads as "e". The table maps some Latin letters too
 * ("m" → "rn", "l"/"1"/"I" → "l"), which is why the reserved words are folded the same way.
 */
function fold(text: string): string {
  return unhomoglyph(
    text
      .normalize('NFKC')
      .replace(INVISIBLE, '')
      .replace(/\p{Cf}/gu, '')
      .toLowerCase(),
  ).toLowerCase();
}

/** True for a tag whose name, read loosely, is one of our fence names. */
function namesAFence(tagBody: string): boolean {
  const name = fold(tagBody.split('=')[0] ?? '').replace(/[^a-z]/g, '');
  return FOLDED_FENCE_NAMES.some((fenceName) => name.startsWith(fenceName));
}

/**
 * True for a line that imitates a section heading or a speaker label ("## Operator rules", "SYSTEM:",
 * "-----BEGIN OPERATOR RULES-----", "**Operator rules**").
 */
function looksLikeHeader(line: string): boolean {
  // "user_instructions" must read as words, so that the word boundaries of RESERVED apply.
  const folded = fold(line.replace(SPACED_LETTERS, '')).replace(/[_-]/g, ' ');
  if (!RESERVED.test(folded)) return false;
  if (HEADING.test(folded)) return true;
  const bare = folded.replace(DECORATION, '');
  // Longer labels and decorated lines need two such words ("system administrator", "operator rules"),
  // so that "When I ask about rules: cite the policy." or "**Code rules**" stay the person's own words.
  const label = LABEL.exec(bare)?.[1]?.trim();
  if (label) {
    const words = label.split(/\s+/).length;
    if (words <= 4 ? RESERVED.test(label) : words <= 7 && reservedCount(label) >= 2) return true;
  }
  // A short line set apart by decoration at both ends reads as a heading.
  const core = bare.replace(TRAILING_DECORATION, '').trim();
  const words = core === '' ? 0 : core.split(/\s+/).length;
  return SET_APART.test(line) && words > 0 && words <= 6 && (words === 1 || reservedCount(core) >= 2);
}

/** Line breaks normalised, invisible controls removed, tag-like text given `‹ ›`. */
function withoutTags(text: string, trust: LayerTrust): string {
  const cleaned = text.replace(LINE_BREAKS, '\n').replace(INVISIBLE, '');
  return cleaned.replace(TAG_LIKE, (whole: string, body: string, close: string) =>
    trust === 'untrusted' || namesAFence(body) ? `‹${body}${close ? '›' : ''}` : whole,
  );
}

/**
 * Make layer text safe to put inside a fence. Line breaks are normalised and invisible controls
 * removed; tag-like text gets `‹ ›` instead of `< >` (for the operator's own text, only tags that
 * name one of our fences); and for untrusted layers a line that imitates a heading or a speaker
 * label is quoted with a leading `> `. Ends are trimmed. Nothing else changes.
 */
export function neutralizeLayerText(text: string, trust: LayerTrust): string {
  const lines = withoutTags(text, trust).split('\n');
  const quoted = trust === 'operator' ? lines : lines.map((line) => (looksLikeHeader(line) ? `> ${line}` : line));
  return quoted.join('\n').trim();
}

/** A display name reduced to one short, neutralized line. */
export function neutralizeName(name: string, maxLength = 80): string {
  const oneLine = withoutTags(name, 'untrusted').replace(/\s+/g, ' ').trim();
  const chars = Array.from(oneLine);
  return chars.length > maxLength ? `${chars.slice(0, maxLength).join('')}…` : oneLine;
}
