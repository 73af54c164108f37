/**
 * Issue 9, item 5: a correctly signed request must also be recent in both directions (Bolt only rejects
 * timestamps more than five minutes in the past), and a captured slash command or interaction replayed
 * within the window must not run twice. The dedupe is persisted, like the events'.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { ADD_NOTE_ACTION_ID } from '../../src/adapters/slack/feedback.js';
import { FAKE_APP_ID, FAKE_TEAM_ID } from '../support/fake-slack.js';
import { postCommand, postInteraction } from '../support/slack-signing.js';
import {
  CHANNEL,
  ephemeralButtonClick,
  SIGNING_SECRET,
  startHarness,
  type Harness,
} from '../adapters/slack/harness.js';

let h: Harness | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
});

const nowSeconds = () => Math.floor(Date.now() / 1000);

function commandFields(harness: Harness, user: string, text: string, triggerId: string): Record<string, string> {
  return {
    token: 'unused-verification-token',
    team_id: FAKE_TEAM_ID,
    team_domain: 'fake',
    channel_id: CHANNEL,
    channel_name: 'general',
    user_id: user,
    user_name: user.toLowerCase(),
    command: '/instructions',
    text,
    api_app_id: FAKE_APP_ID,
    is_enterprise_install: 'false',
    response_url: harness.slack.responseUrl(triggerId),
    trigger_id: triggerId,
  };
}

const person = (userId: string) => ({ platform: 'slack' as const, workspaceId: FAKE_TEAM_ID, userId });

describe('signed request timestamps', () => {
  for (const [name, offset] of [
    ['a year ahead', 365 * 24 * 3600],
    ['301 seconds ahead', 301],
    ['301 seconds behind', -301],
  ] as const) {
    it(`GIVEN a correctly signed workspace set dated ${name} THEN 401, nothing stored`, async () => {
      h = await startHarness({ env: { HEED_ADMINS: 'slack:U_OPS' } });
      const fields = commandFields(h, 'U_OPS', 'workspace set Always answer in French.', `trigger-future-${offset}`);
      const response = await postCommand(h.baseUrl, SIGNING_SECRET, fields, { timestamp: nowSeconds() + offset });
      expect(response.status).toBe(401);
      await h.idle();
      expect(h.slack.responsePosts).toHaveLength(0);
      const preview = await h.test.core.command(
        { ...person('U_OPS'), channelId: CHANNEL, isPlatformAdmin: true },
        'workspace show',
      );
      expect(JSON.stringify(preview)).not.toContain('French');
    });
  }

  it('GIVEN a request dated 200 seconds ahead (clock skew) THEN it is accepted', async () => {
    h = await startHarness();
    const fields = commandFields(h, 'U1', 'add Be brief.', 'trigger-skew');
    const response = await postCommand(h.baseUrl, SIGNING_SECRET, fields, { timestamp: nowSeconds() + 200 });
    expect(response.status).toBe(200);
    await h.slack.waitForResponse('trigger-skew');
  });
});

describe('replayed requests', () => {
  it('GIVEN the same signed /instructions add sent twice THEN the line is appended once', async () => {
    h = await startHarness();
    const fields = commandFields(h, 'U1', 'add Use metric units.', 'trigger-replayed');
    const timestamp = nowSeconds();
    expect((await postCommand(h.baseUrl, SIGNING_SECRET, fields, { timestamp })).status).toBe(200);
    await h.slack.waitForResponse('trigger-replayed');
    await h.idle();
    expect((await postCommand(h.baseUrl, SIGNING_SECRET, fields, { timestamp })).status).toBe(200);
    await h.idle();
    expect((await h.test.core.instructions(person('U1'))).respond).toBe('Use metric units.');
    expect(h.slack.responsePosts.filter((post) => post.id === 'trigger-replayed')).toHaveLength(1);
  });

  it('GIVEN two different commands with the same text THEN both run', async () => {
    h = await startHarness();
    for (const trigger of ['trigger-a', 'trigger-b']) {
      await postCommand(h.baseUrl, SIGNING_SECRET, commandFields(h, 'U1', 'add Again.', trigger));
      await h.slack.waitForResponse(trigger);
    }
    await h.idle();
    expect((await h.test.core.instructions(person('U1'))).respond).toBe('Again.\nAgain.');
  });

  it('GIVEN the same button click sent twice THEN its action runs once', async () => {
    h = await startHarness();
    const click = ephemeralButtonClick(
      'U1',
      { actionId: ADD_NOTE_ACTION_ID, value: 'R1', text: 'Add details' },
      h.slack.responseUrl('click'),
      'trigger-click',
    );
    const timestamp = nowSeconds();
    expect((await postInteraction(h.baseUrl, SIGNING_SECRET, click, { timestamp })).status).toBe(200);
    await h.idle();
    expect((await postInteraction(h.baseUrl, SIGNING_SECRET, click, { timestamp })).status).toBe(200);
    await h.idle();
    expect(h.slack.callsOf('views.open')).toHaveLength(1);
  });

  it('GIVEN a replay THEN the persisted claim refuses it (it outlives the process)', async () => {
    h = await startHarness();
    const click = ephemeralButtonClick(
      'U1',
      { actionId: ADD_NOTE_ACTION_ID, value: 'R1', text: 'Add details' },
      h.slack.responseUrl('c'),
      'trigger-persisted',
    );
    await postInteraction(h.baseUrl, SIGNING_SECRET, click);
    await h.idle();
    expect(
      await h.test.core.claimRequest({ platform: 'slack', workspaceId: FAKE_TEAM_ID, requestId: 'trigger-persisted' }),
    ).toBe(false);
  });
});
