/**
 * `GET /healthz` names what is broken: the database (the core's query fails) or Slack (auth.test fails
 * now: an HTTP error, a revoked token, no network). It recovers as soon as the part does. These checks
 * read the detail with the health token and without the probe's cache (test/security/health.test.ts
 * covers both).
 */
import { afterEach, expect, it } from 'vitest';
import { startHarness, type Harness } from '../adapters/slack/harness.js';

const TOKEN = 'health-token-for-fault-tests';
const startHarnessWithDetail = () => startHarness({ env: { HEED_HEALTH_TOKEN: TOKEN }, slack: { healthCacheMs: 0 } });

let h: Harness;
afterEach(async () => {
  await h?.close();
});

async function health(): Promise<{ status: number; body: Record<string, unknown> }> {
  const response = await fetch(`${h.baseUrl}/healthz`, { headers: { authorization: `Bearer ${TOKEN}` } });
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
}

it('answers 200 when the database and Slack answer, and 503 naming Slack while Slack fails', async () => {
  h = await startHarnessWithDetail();
  expect(await health()).toEqual({ status: 200, body: { ok: true, database: 'ok', slack: 'ok', inFlight: 0 } });

  h.slack.enqueue('auth.test', { status: 503 });
  expect(await health()).toMatchObject({ status: 503, body: { ok: false, database: 'ok', slack: 'http_503' } });

  h.slack.enqueue('auth.test', { error: 'token_revoked' });
  expect(await health()).toMatchObject({ status: 503, body: { ok: false, database: 'ok', slack: 'token_revoked' } });

  // One attempt per check: a rate-limited auth.test is reported, not waited out.
  h.slack.enqueue('auth.test', { rateLimited: 30 });
  expect(await health()).toMatchObject({ status: 503, body: { ok: false, slack: 'ratelimited' } });

  expect(await health()).toMatchObject({ status: 200, body: { ok: true, slack: 'ok' } });
  expect(
    h.logs.some(
      (line) => line.msg === 'health check: Slack did not answer auth.test' && line.slackError === 'token_revoked',
    ),
  ).toBe(true);
});

it('answers 503 naming Slack when the Slack API cannot be reached at all', async () => {
  h = await startHarnessWithDetail();
  await h.slack.close();
  expect(await health()).toMatchObject({ status: 503, body: { ok: false, database: 'ok', slack: 'request_failed' } });
});

it('answers 503 naming the database when the core can no longer query it', async () => {
  h = await startHarnessWithDetail();
  await h.test.core.close();
  expect(await health()).toMatchObject({ status: 503, body: { ok: false, database: 'closed', slack: 'ok' } });
});
