/** Shared inputs for the Discord tests. */

/** Words repeated until the text reaches `chars` characters (one line, no newline). */
export function paragraph(chars: number, word = 'lorem'): string {
  let text = '';
  while (text.length < chars) text += (text === '' ? '' : ' ') + word;
  return text.slice(0, chars);
}

/** A model reply of exactly 4,500 characters: prose, a long TypeScript code block, more prose. */
export function longReplyWithCode(): string {
  const code = Array.from({ length: 75 }, (_, i) => `  const value${i} = compute(${i}); // step ${i}`).join('\n');
  const head = `${paragraph(900)}\n\n\`\`\`ts\n${code}\n\`\`\`\n\n`;
  return head + paragraph(4500 - head.length);
}
