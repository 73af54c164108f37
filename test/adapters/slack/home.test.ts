import { afterEach, describe, expect, it } from 'vitest';
import { FAKE_APP_ID, FAKE_BOT_USER_ID, FAKE_TEAM_ID } from '../../support/fake-slack.js';
import { CHANNEL, startHarness, type Harness } from './harness.js';

let h: Harness;
afterEach(async () => {
  await h?.close();
});

describe('App Home', () => {
  it("shows the person's instructions with an Edit button and their recent reports", async () => {
    h = await startHarness();
    const set = await h.instructions('U1', 'set Keep it under 50 words.');
    await set.answer();
    const { ts } = await h.mention('U1', 'hello');
    await h.idle();
    const reply = h.botReplies(CHANNEL, ts)[0]?.ts ?? '';
    await h.event({
      type: 'reaction_added',
      user: 'U1',
      reaction: '-1',
      item_user: FAKE_BOT_USER_ID,
      item: { type: 'message', channel: CHANNEL, ts: reply },
      event_ts: h.slack.nextTs(),
    });
    await h.idle();

    await h.event({ type: 'app_home_opened', user: 'U1', channel: 'D0HOME', tab: 'home', event_ts: h.slack.nextTs() });
    const publish = await h.slack.waitForCall('views.publish');
    await h.idle();
    expect(publish.args.user_id).toBe('U1');
    const view = publish.args.view as { type: string; blocks: unknown[] };
    expect(view.type).toBe('home');
    const text = JSON.stringify(view.blocks);
    expect(text).toContain('Keep it under 50 words.');
    expect(text).toContain('heed_home_edit');
    expect(text).toContain('open');
    expect(text).toContain('Hello from the fake model.');
  });

  it('opens the editor from the Edit button', async () => {
    h = await startHarness();
    await (await h.instructions('U1', 'set Be brief.')).answer();
    await h.idle();
    const click = await h.interaction({
      type: 'block_actions',
      user: { id: 'U1', username: 'u1', name: 'u1', team_id: FAKE_TEAM_ID },
      api_app_id: FAKE_APP_ID,
      token: 'unused-verification-token',
      container: { type: 'view', view_id: 'VHOME' },
      trigger_id: 'trigger-home',
      team: { id: FAKE_TEAM_ID, domain: 'fake' },
      view: {
        id: 'VHOME',
        type: 'home',
        callback_id: '',
        private_metadata: '',
        state: { values: {} },
        hash: 'h',
        team_id: FAKE_TEAM_ID,
        app_id: FAKE_APP_ID,
        bot_id: 'B0BOT',
        blocks: [],
      },
      actions: [
        {
          type: 'button',
          action_id: 'heed_home_edit',
          block_id: 'b',
          value: 'edit',
          text: { type: 'plain_text', text: 'Edit' },
          action_ts: '1.4',
        },
      ],
    });
    expect(click.status).toBe(200);
    const open = await h.slack.waitForCall('views.open');
    await h.idle();
    expect(open.args.trigger_id).toBe('trigger-home');
    expect(JSON.stringify(open.args.view)).toContain('Be brief.');
    expect(JSON.parse((open.args.view as { private_metadata: string }).private_metadata)).toMatchObject({
      from: 'home',
    });
  });
});
