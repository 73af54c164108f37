/**
 * IFEval's loose reading of a response: a model often wraps a compliant answer in a first line ("Sure, here
 * it is:"), a last line ("Let me know if…") or Markdown emphasis. The loose score counts an instruction as
 * followed when any of these variants follows it.
 */

/** One variant of a response, with what was taken away ('' for the response as written). */
export interface LooseVariant {
  label: string;
  text: string;
}

/**
 * The eight variants IFEval checks in loose mode, in its order: as written, without asterisks, without the
 * first line, without the last line, without both, and those three without asterisks.
 */
export function looseVariants(response: string): LooseVariant[] {
  const lines = response.split('\n');
  const withoutFirst = lines.slice(1).join('\n').trim();
  const withoutLast = lines.slice(0, -1).join('\n').trim();
  const withoutBoth = lines.slice(1, -1).join('\n').trim();
  const plain = (text: string): string => text.replaceAll('*', '');
  return [
    { label: '', text: response },
    { label: 'without asterisks', text: plain(response) },
    { label: 'without its first line', text: withoutFirst },
    { label: 'without its last line', text: withoutLast },
    { label: 'without its first and last lines', text: withoutBoth },
    { label: 'without its first line and asterisks', text: plain(withoutFirst) },
    { label: 'without its last line and asterisks', text: plain(withoutLast) },
    { label: 'without its first and last lines and asterisks', text: plain(withoutBoth) },
  ];
}
