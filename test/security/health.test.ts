/**
 * Issue 9, item 7: `/healthz` is reachable by anyone who can reach the port. It must not amplify requests
 * into Slack calls (at most one `auth.test` per 30 seconds, whatever the load), must not tell an outsider
 * internal counts or Slack's error codes, and gives the detail only to a caller holding HEED_HEALTH_TOKEN.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { parseConfig } from '../../src/config.js';
import { startHarness, type Harness } from '../adapters/slack/harness.js';

const TOKEN = 'health-token-for-tests-0123456789';
let h: Harness | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
});

async function health(harness: Harness, token?: string): Promise<{ status: number; body: Record<string, unknown> }> {
  const response = await fetch(
    `${harness.baseUrl}/healthz`,
    token ? { headers: { authorization: `Bearer ${token}` } } : {},
  );
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
}

describe('/healthz', () => {
  it('GIVEN 30 requests, at once and one after another THEN Slack is asked at most once in 30 seconds', async () => {
    let now = 1_000_000;
    h = await startHarness({ slack: { clock: () => now } });
    const harness = h;
    const before = harness.slack.callsOf('auth.test').length;
    await Promise.all(Array.from({ length: 15 }, () => health(harness)));
    for (let i = 0; i < 15; i++) expect((await health(harness)).status).toBe(200);
    expect(harness.slack.callsOf('auth.test').length - before).toBe(1);

    now += 29_000;
    await health(harness);
    expect(harness.slack.callsOf('auth.test').length - before).toBe(1);
    now += 2_000;
    await health(harness);
    expect(harness.slack.callsOf('auth.test').length - before).toBe(2);
  });

  it('GIVEN a failing Slack THEN the failure is cached too, and an outsider sees only which part fails', async () => {
    let now = 1_000_000;
    h = await startHarness({ slack: { clock: () => now } });
    const before = h.slack.callsOf('auth.test').length;
    h.slack.enqueue('auth.test', { error: 'token_revoked' }, { error: 'token_revoked' });
    for (let i = 0; i < 5; i++)
      expect(await health(h)).toEqual({ status: 503, body: { ok: false, database: 'ok', slack: 'failing' } });
    expect(h.slack.callsOf('auth.test').length - before).toBe(1);
    now += 31_000;
    expect((await health(h)).body).toEqual({ ok: false, database: 'ok', slack: 'failing' });
  });

  it('GIVEN no token THEN the answer holds no counts and no error codes', async () => {
    h = await startHarness({ env: { HEED_HEALTH_TOKEN: TOKEN } });
    expect(await health(h)).toEqual({ status: 200, body: { ok: true, database: 'ok', slack: 'ok' } });
    expect(await health(h, 'wrong-token')).toEqual({ status: 200, body: { ok: true, database: 'ok', slack: 'ok' } });
  });

  it('GIVEN the health token THEN the detail is given: Slack error code and replies in flight', async () => {
    h = await startHarness({ env: { HEED_HEALTH_TOKEN: TOKEN }, slack: { healthCacheMs: 0 } });
    expect(await health(h, TOKEN)).toEqual({
      status: 200,
      body: { ok: true, database: 'ok', slack: 'ok', inFlight: 0 },
    });
    h.slack.enqueue('auth.test', { error: 'token_revoked' });
    expect(await health(h, TOKEN)).toMatchObject({
      status: 503,
      body: { ok: false, slack: 'token_revoked', inFlight: 0 },
    });
  });
});

describe('HOST and HEED_HEALTH_TOKEN settings', () => {
  it('GIVEN nothing THEN HOST is unset (all interfaces) and no health token is set', () => {
    const config = parseConfig({});
    expect(config.HOST).toBeUndefined();
    expect(config.HEED_HEALTH_TOKEN).toBeUndefined();
  });

  it('GIVEN HOST=127.0.0.1 THEN the Slack HTTP receiver listens on loopback only', async () => {
    h = await startHarness({ env: { HOST: '127.0.0.1' }, slack: { host: undefined } });
    const address = h.adapter.address;
    expect(address).toBe('127.0.0.1');
  });
});
