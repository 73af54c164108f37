/** Small text helpers every layer shares, counting characters as a person does (code points, not UTF-16 units). */

/**
 * At most `max` characters, ending with an ellipsis when cut; never splits a surrogate pair.
 * `flatten` folds runs of white space (newlines too) into single spaces first.
 */
export function shorten(text: string, max: number, options: { flatten?: boolean } = {}): string {
  const source = options.flatten ? text.replace(/\s+/g, ' ') : text;
  const trimmed = source.trim();
  const chars = Array.from(trimmed);
  if (chars.length <= max) return trimmed;
  return `${chars
    .slice(0, Math.max(0, max - 1))
    .join('')
    .trimEnd()}…`;
}
