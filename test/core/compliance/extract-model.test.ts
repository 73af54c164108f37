import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { deriveWithModel, mergeChecks } from '../../../src/core/compliance/derive-checks.js';
import { EXTRACTION_PROMPT, extractWithModel, parseExtraction } from '../../../src/core/compliance/extract-model.js';
import { extractRules } from '../../../src/core/compliance/extract-rules.js';
import { modelCompletion } from '../../../src/core/compliance/service.js';
import { silentLogger } from '../../../src/core/logger.js';
import { ModelClient } from '../../../src/core/model/model-client.js';
import { messagesOf, startFakeOpenAI, type FakeOpenAI } from '../../support/fake-openai.js';

let fake: FakeOpenAI;

beforeEach(async () => {
  fake = await startFakeOpenAI();
});

afterEach(async () => {
  await fake.close();
});

function complete() {
  const client = new ModelClient(
    {
      baseURL: fake.url,
      apiKey: 'sk-test',
      model: 'fake-model',
      maxOutputTokens: 256,
      timeoutMs: 5_000,
      maxRetries: 0,
    },
    silentLogger(),
  );
  return modelCompletion(client);
}

const labels = (checks: Array<{ label: string }>) => checks.map((check) => check.label);

describe('model extractor through the real model client', () => {
  it('GIVEN valid JSON THEN each entry becomes a check validated by the catalogue', async () => {
    fake.enqueue({
      reply:
        '```json\n{"checks": [{"id": "punctuation:no_comma", "kwargs": null}, ' +
        '{"id": "startend:end_checker", "kwargs": {"end_phrase": "Cheers"}}]}\n```',
    });
    const result = await extractWithModel('Skip commas and sign with Cheers', complete());
    expect(result.status).toBe('ok');
    expect(result.status === 'ok' && labels(result.checks)).toEqual(['no commas', "ends with 'Cheers'"]);
    const [request] = fake.requests;
    expect(messagesOf(request!)).toEqual([
      { role: 'system', content: EXTRACTION_PROMPT },
      { role: 'user', content: 'Skip commas and sign with Cheers' },
    ]);
  });

  it('GIVEN JSON whose kwargs the catalogue refuses THEN invalid, and the rules result stands', async () => {
    fake.enqueue({ reply: '{"checks": [{"id": "length_constraints:number_words", "kwargs": {"num_words": "many"}}]}' });
    const derived = await deriveWithModel('no commas', complete());
    expect(derived.model.status).toBe('invalid');
    expect(derived.extractor).toBe('rules');
    expect(labels(derived.checks)).toEqual(['no commas']);
  });

  it('GIVEN an unknown id THEN invalid', async () => {
    fake.enqueue({ reply: '{"checks": [{"id": "tone:friendly", "kwargs": {}}]}' });
    expect((await extractWithModel('be friendly', complete())).status).toBe('invalid');
  });

  it('GIVEN prose instead of JSON THEN invalid', async () => {
    fake.enqueue({ reply: 'The text asks for no commas.' });
    expect((await extractWithModel('no commas', complete())).status).toBe('invalid');
  });

  it('GIVEN a refusal THEN refused, and the rules result stands', async () => {
    fake.enqueue({ reply: "I'm sorry, but I can't help with that." });
    const derived = await deriveWithModel('under 100 words', complete());
    expect(derived.model.status).toBe('refused');
    expect(labels(derived.checks)).toEqual(['fewer than 100 words']);
  });

  it('GIVEN a model error THEN failed, never thrown', async () => {
    fake.enqueue({ status: 500 });
    const derived = await deriveWithModel('no commas', complete());
    expect(derived.model.status).toBe('failed');
    expect(labels(derived.checks)).toEqual(['no commas']);
  });

  it('GIVEN a type only the model found THEN it is added; where both found one, the rules win', async () => {
    fake.enqueue({
      reply: JSON.stringify({
        checks: [
          { id: 'length_constraints:number_words', kwargs: { num_words: 50, relation: 'less than' } },
          { id: 'detectable_format:title' },
        ],
      }),
    });
    const derived = await deriveWithModel('under 100 words, with a heading in chevrons', complete());
    expect(derived.extractor).toBe('rules+model');
    expect(labels(derived.checks)).toEqual(['fewer than 100 words', 'a title in <<double angular brackets>>']);
  });
});

describe('parseExtraction and mergeChecks', () => {
  it('reads "repeat the request" as bound to each reply\'s question', () => {
    const result = parseExtraction('{"checks": [{"id": "combination:repeat_prompt", "kwargs": {}}]}');
    expect(result.status === 'ok' && result.checks[0]?.bind).toBe('question');
  });

  it('an empty list is a valid answer with no checks', () => {
    expect(parseExtraction('{"checks": []}')).toEqual({ status: 'ok', checks: [] });
  });

  it('merging is deterministic whatever order the model lists things in', () => {
    const rules = extractRules('no commas');
    const a = parseExtraction('{"checks": [{"id": "detectable_format:title"}, {"id": "startend:quotation"}]}');
    const b = parseExtraction('{"checks": [{"id": "startend:quotation"}, {"id": "detectable_format:title"}]}');
    if (a.status !== 'ok' || b.status !== 'ok') throw new Error('expected valid answers');
    expect(mergeChecks(rules, a.checks)).toEqual(mergeChecks(rules, b.checks));
  });
});
