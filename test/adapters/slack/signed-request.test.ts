/**
 * The Slack events thread checks signatures and parses bodies without Bolt (signed-request.ts): it must
 * agree with Bolt's own `verifySlackRequest` / `isValidSlackRequest` and `parseHTTPRequestBody`.
 */
import { defaultBodyLimit, HTTPModuleFunctions, isValidSlackRequest, verifySlackRequest } from '@slack/bolt';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { BODY_LIMIT_BYTES, isSslCheck, parseBody, validSignature } from '../../../src/adapters/slack/signed-request.js';
import { slackSignature } from '../../support/slack-signing.js';

const SECRET = 'test-signing-secret';
const NOW_MS = 1_700_000_000_000;
const TS = String(NOW_MS / 1000);

/** Bolt's verdict on the same request, with its clock at NOW_MS. */
function boltSays(secret: string, timestamp: string, signature: string, body: string): boolean {
  return isValidSlackRequest({
    signingSecret: secret,
    body,
    headers: { 'x-slack-signature': signature, 'x-slack-request-timestamp': Number(timestamp) },
    nowMilliseconds: NOW_MS,
  });
}

describe('validSignature agrees with Bolt', () => {
  const body = JSON.stringify({ type: 'event_callback', event: { type: 'app_mention', text: 'héllo <@U1> ✓' } });
  const good = slackSignature(SECRET, Number(TS), body);
  const hash = good.slice('v0='.length);
  const cases: Array<[string, { secret?: string; timestamp?: string; signature: string; body?: string }]> = [
    ['a good request', { signature: good }],
    ['a tampered body', { signature: good, body: body.replace('héllo', 'hello') }],
    ['a body with one byte more', { signature: good, body: `${body} ` }],
    ['the signature of another timestamp', { signature: good, timestamp: String(Number(TS) - 1) }],
    ['another signing secret', { signature: good, secret: 'another-secret' }],
    ['a flipped hex digit', { signature: `v0=${hash.slice(0, -1)}${hash.endsWith('0') ? '1' : '0'}` }],
    ['upper-case hex', { signature: `v0=${hash.toUpperCase()}` }],
    ['a truncated hash', { signature: `v0=${hash.slice(0, 32)}` }],
    ['a hash with more after it', { signature: `${good}00` }],
    ['another version', { signature: `v1=${hash}` }],
    ['no version', { signature: hash }],
    ['an empty hash', { signature: 'v0=' }],
    ['an empty signature', { signature: '' }],
    ['an extra = part', { signature: `${good}=extra` }],
  ];
  for (const [name, request] of cases) {
    it(`GIVEN ${name} THEN the same verdict as Bolt`, () => {
      const secret = request.secret ?? SECRET;
      const timestamp = request.timestamp ?? TS;
      const sent = request.body ?? body;
      const ours = validSignature(secret, timestamp, request.signature, sent);
      expect(ours).toBe(boltSays(secret, timestamp, request.signature, sent));
      expect(ours).toBe(name === 'a good request' || name === 'an extra = part');
    });
  }

  it('GIVEN no signature header THEN refused (Bolt refuses it too)', () => {
    expect(validSignature(SECRET, TS, undefined, body)).toBe(false);
    expect(validSignature(SECRET, TS, [good, good], body)).toBe(false);
  });

  it('GIVEN any body, signed or with one character changed THEN the same verdict as verifySlackRequest', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'grapheme' }), fc.nat(), fc.boolean(), (text, at, tamper) => {
        const signature = slackSignature(SECRET, Number(TS), text);
        const sent = tamper ? `${text.slice(0, at % (text.length + 1))}x${text.slice(at % (text.length + 1))}` : text;
        let bolt = true;
        try {
          verifySlackRequest({
            signingSecret: SECRET,
            body: sent,
            headers: { 'x-slack-signature': signature, 'x-slack-request-timestamp': Number(TS) },
            nowMilliseconds: NOW_MS,
          });
        } catch {
          bolt = false;
        }
        expect(validSignature(SECRET, TS, signature, sent)).toBe(bolt);
        expect(bolt).toBe(!tamper);
      }),
    );
  });
});

describe('parseBody agrees with Bolt', () => {
  const parse = (raw: string, contentType: string) =>
    HTTPModuleFunctions.parseHTTPRequestBody(
      Object.assign(Object.create(null) as object, {
        rawBody: Buffer.from(raw),
        headers: { 'content-type': contentType },
      }) as Parameters<typeof HTTPModuleFunctions.parseHTTPRequestBody>[0],
    ) as unknown;
  const bodies: Array<[string, string, string]> = [
    ['an event', JSON.stringify({ type: 'event_callback', event: { type: 'app_mention' } }), 'application/json'],
    [
      'a slash command',
      'command=%2Finstructions&text=add+Be+brief.&trigger_id=t1',
      'application/x-www-form-urlencoded',
    ],
    [
      'an interaction',
      new URLSearchParams({ payload: JSON.stringify({ type: 'view_submission', view: { id: 'V1' } }) }).toString(),
      'application/x-www-form-urlencoded',
    ],
    ['JSON sent with a charset', '{"type":"url_verification","challenge":"c"}', 'application/json; charset=utf-8'],
  ];
  for (const [name, raw, contentType] of bodies) {
    it(`GIVEN ${name} THEN the same object as Bolt's`, () => {
      expect(parseBody(raw, contentType)).toEqual({ ...(parse(raw, contentType) as object) });
    });
  }

  it('GIVEN malformed JSON, a malformed payload or JSON that is no object THEN it throws', () => {
    expect(() => parseBody('{"type": "event_callback", "event": {', 'application/json')).toThrow();
    expect(() => parseBody('payload=%7Bnot%20json', 'application/x-www-form-urlencoded')).toThrow();
    for (const raw of ['null', '42', '"text"', '[]']) expect(() => parseBody(raw, 'application/json')).toThrow();
  });

  it("recognises Slack's unsigned ssl_check form only, and caps bodies at Bolt's default limit", () => {
    expect(isSslCheck('ssl_check=1&token=x', 'application/x-www-form-urlencoded')).toBe(true);
    expect(isSslCheck('ssl_check=1', 'application/json')).toBe(false);
    expect(isSslCheck('ssl_check=0', 'application/x-www-form-urlencoded')).toBe(false);
    expect(BODY_LIMIT_BYTES).toBe(defaultBodyLimit);
  });
});
