import { describe, expect, it } from 'vitest';
import { type Check, parseCheck, runCheck } from '../../../src/core/compliance/catalogue.js';
import { looseVariants } from '../../../src/core/compliance/loose.js';

function check(id: string, kwargs: unknown = {}): Check {
  const parsed = parseCheck(id, kwargs);
  if (!parsed.ok) throw new Error(parsed.error);
  return parsed.check;
}

describe('loose mode', () => {
  it("GIVEN a response THEN it has IFEval's eight variants in order", () => {
    const variants = looseVariants('Sure:\n*Body*\nBye');
    expect(variants.map((variant) => variant.text)).toEqual([
      'Sure:\n*Body*\nBye',
      'Sure:\nBody\nBye',
      '*Body*\nBye',
      'Sure:\n*Body*',
      '*Body*',
      'Body\nBye',
      'Sure:\nBody',
      'Body',
    ]);
  });

  it('GIVEN a compliant answer wrapped in a chatty first line THEN strict fails and loose passes', () => {
    const quoted = check('startend:quotation');
    const response = 'Here is your quote:\n"Stay hungry."';
    expect(runCheck(quoted, response).ok).toBe(false);
    expect(runCheck(quoted, response, 'loose')).toEqual({
      ok: true,
      detail: 'The response is wrapped in double quotation marks. (without its first line)',
    });
  });

  it('GIVEN a trailing sign-off THEN loose drops the last line', () => {
    const json = check('detectable_format:json_format');
    expect(runCheck(json, '{"a": 1}\nHope this helps!', 'loose').ok).toBe(true);
  });

  it('GIVEN Markdown bold around the right words THEN loose removes the asterisks', () => {
    const ending = check('startend:end_checker', { end_phrase: 'Is there anything else I can help with?' });
    const response = 'Done.\n**Is there anything else I can help with?**';
    expect(runCheck(ending, response).ok).toBe(false);
    expect(runCheck(ending, response, 'loose').ok).toBe(true);
  });

  it('GIVEN a response no variant rescues THEN loose fails with the strict detail', () => {
    const commas = check('punctuation:no_comma');
    expect(runCheck(commas, 'a, b\nc, d\ne, f', 'loose')).toEqual({
      ok: false,
      detail: '3 commas; none were allowed.',
    });
  });

  it('GIVEN a one-line response THEN the removed-line variants are empty and do not pass by themselves', () => {
    const lower = check('change_case:english_lowercase');
    expect(runCheck(lower, 'Hello World', 'loose').ok).toBe(false);
  });
});
