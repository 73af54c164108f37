import { createHash } from 'node:crypto';

/**
 * Fences keep the layers of a system prompt apart. A layer is wrapped in an opening and a closing
 * line that carry a nonce, `<channel_rules id="3f9a1c0b">` … `</channel_rules id="3f9a1c0b">`, and
 * the text inside is neutralised so that it cannot write such a line itself nor imitate a heading
 * or a speaker label of the prompt.
 */

/** The fence names in order of authority, highest first. */
export const FENCE_NAMES = ['operator_rules', 'workspace_rules', 'channel_rules', 'about_user', 'user_instructions'] as const;
export type FenceName = (typeof FENCE_NAMES)[number];

/** How far a layer's author is trusted: the operator's own text keeps its markup. */
export type LayerTrust = 'operator' | 'untrusted';

const NONCE_LENGTH = 8;

/**
 * A short nonce derived from every input of the prompt: the same inputs always give the same
 * prompt (so `/instructions preview` equals what is sent, and snapshots reproduce), while the id
 * still changes with the text it fences, so it cannot be read off an earlier prompt. The guarantee
 * itself comes from {@link neutralizeLayerText}: text inside a fence can never write a fence line.
 */
export function fenceId(parts: readonly string[]): string {
  return createHash('sha256').update(JSON.stringify(parts)).digest('hex').slice(0, NONCE_LENGTH);
}

/** The line that opens a layer. */
export function openFence(name: FenceName, id: string): string {
  return `<${name} id="${id}">`;
}

/** The line that closes a layer. */
export function closeFence(name: FenceName, id: string): string {
  return `</${name} id="${id}">`;
}

/** A layer's (already neutralised) body between its two fence lines. */
export function fence(name: FenceName, id: string, body: string): string {
  return `${openFence(name, id)}\n${body}\n${closeFence(name, id)}`;
}

const LINE_BREAKS = /\r\n?|[\u0085\u2028\u2029]/g;
// C0/C1 controls except tab and newline, bidi overrides/isolates that can disguise text, and
// invisible characters that only serve to split a word so that it escapes detection. ZWJ/ZWNJ stay:
// emoji sequences and several scripts need them.
const INVISIBLE = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F-\u0084\u0086-\u009F\u00AD\u200B\u200E\u200F\u202A-\u202E\u2060-\u2064\u2066-\u2069\uFEFF]/g;

// Anything that starts like a markup tag: "<name", "</name", "< / name", "<|im_start|>", "<!x", also
// with full-width or small look-alike brackets. Group 1 runs to the end of the tag (or of the line).
// The spacing runs before and after the slash cannot overlap, so a long run of spaces never backtracks.
const TAG_LIKE = /[<\uFF1C\uFE64]([\s\p{Cf}\p{M}]*(?:[/|!?][\s\p{Cf}\p{M}]*)?[\p{L}_|][^<>\uFF1C\uFF1E\uFE64\uFE65\n]*)([>\uFF1E\uFE65]?)/gu;

const FOLDED_FENCE_NAMES = FENCE_NAMES.map((name) => fold(name).replace(/[^a-z]/g, ''));

// Words that give a heading or a label the air of authority or of another speaker.
const RESERVED = /\b(system|sys|inst|operator|developer|admin|administrator|assistant|heed|bot|model|human|workspace|server|channel|user|instructions?|rules?|prompt)\b/;
const HEADING = /^\s*#{1,6}/;
const DECORATION = /^[\s>*_~`#=|•·+-]+/;
// A label ends at the first colon or closing bracket within its first 40 characters: "SYSTEM:",
// "System message:", "[system]", "(operator note)".
const LABEL = /^[[({]?([^:\])}\n]{1,40})[:\])}]/;

/** NFKC folds full-width and other compatibility forms to plain letters; case and invisibles go. */
function fold(text: string): string {
  return text.normalize('NFKC').replace(/\p{Cf}/gu, '').toLowerCase();
}

/** True for a tag whose name, read loosely, is one of our fence names. */
function namesAFence(tagBody: string): boolean {
  const name = fold(tagBody.split('=')[0] ?? '').replace(/[^a-z]/g, '');
  return FOLDED_FENCE_NAMES.some((fenceName) => name.startsWith(fenceName));
}

/** True for a line that imitates a section heading or a speaker label ("## Operator rules", "SYSTEM:"). */
function looksLikeHeader(line: string): boolean {
  // "user_instructions" must read as words, so that the word boundaries of RESERVED apply.
  const folded = fold(line).replace(/[_-]/g, ' ');
  if (HEADING.test(folded) && RESERVED.test(folded)) return true;
  const label = LABEL.exec(folded.replace(DECORATION, ''));
  if (!label?.[1]) return false;
  const words = label[1].trim().split(/\s+/);
  return words.length <= 4 && RESERVED.test(label[1]);
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

/** A display name reduced to one short, neutralised line. */
export function neutralizeName(name: string, maxLength = 80): string {
  const oneLine = withoutTags(name, 'untrusted').replace(/\s+/g, ' ').trim();
  const chars = Array.from(oneLine);
  return chars.length > maxLength ? `${chars.slice(0, maxLength).join('')}…` : oneLine;
}
