import { afterEach, describe, expect, it } from 'vitest';
import { FAKE_APP_ID, FAKE_TEAM_ID } from '../../support/fake-slack.js';
import { CHANNEL, ephemeralButtonClick, startHarness, type Harness } from './harness.js';

let h: Harness;
afterEach(async () => {
  await h?.close();
});

/** Run `/instructions <text>` as `user` and return the ephemeral answer's text. */
async function run(user: string, text: string, channel = CHANNEL): Promise<string> {
  const command = await h.instructions(user, text, { channel });
  expect(command.response.status).toBe(200);
  const answer = await command.answer();
  await h.idle();
  expect(answer.response_type).toBe('ephemeral');
  return String(answer.text);
}

const person = (userId: string) => ({ platform: 'slack' as const, workspaceId: FAKE_TEAM_ID, userId });

/** A view_submission of the instructions editor as Slack sends it. */
function editorSubmission(
  view: Record<string, unknown>,
  user: string,
  values: { about: string; respond: string; enabled: 'on' | 'off' },
) {
  return {
    type: 'view_submission',
    team: { id: FAKE_TEAM_ID, domain: 'fake' },
    user: { id: user, username: user.toLowerCase(), name: user.toLowerCase(), team_id: FAKE_TEAM_ID },
    api_app_id: FAKE_APP_ID,
    token: 'unused-verification-token',
    trigger_id: 'trigger-submit',
    view: {
      ...view,
      id: 'V0001',
      team_id: FAKE_TEAM_ID,
      app_id: FAKE_APP_ID,
      bot_id: 'B0BOT',
      hash: '1.abc',
      root_view_id: 'V0001',
      previous_view_id: null,
      clear_on_close: false,
      notify_on_close: false,
      state: {
        values: {
          heed_about: { value: { type: 'plain_text_input', value: values.about } },
          heed_respond: { value: { type: 'plain_text_input', value: values.respond } },
          heed_enabled: {
            value: {
              type: 'radio_buttons',
              selected_option: { text: { type: 'plain_text', text: values.enabled }, value: values.enabled },
            },
          },
        },
      },
    },
    response_urls: [],
    is_enterprise_install: false,
  };
}

describe('/instructions', () => {
  it('sets, shows, previews, lists history, undoes and clears; every answer is ephemeral', async () => {
    h = await startHarness();
    expect(await run('U1', 'set Answer in three bullet points.')).toMatch(/version 1/i);
    await run('U1', 'about I am a data engineer.');
    const shown = await run('U1', 'show');
    expect(shown).toContain('Answer in three bullet points.');
    expect(shown).toContain('I am a data engineer.');

    const preview = await run('U1', 'preview');
    expect(preview).toContain('Answer in three bullet points.');
    expect(preview).toContain('```');

    const history = await run('U1', 'history');
    expect(history).toMatch(/1/);
    expect(history).toMatch(/2/);

    await run('U1', 'undo');
    expect(await h.test.core.instructions(person('U1'))).toMatchObject({
      respond: 'Answer in three bullet points.',
      about: '',
    });

    await run('U1', 'clear');
    expect(await h.test.core.instructions(person('U1'))).toMatchObject({ respond: '', about: '' });
    // Placeholders such as <text> are escaped, so Slack shows them instead of reading a link.
    expect(await run('U1', 'help')).toContain('&lt;');
    for (const post of h.slack.responsePosts) expect(post.body.response_type).toBe('ephemeral');
  });

  it("refuses a non-admin's channel rules, and accepts a workspace admin's and a HEED_ADMINS member's", async () => {
    h = await startHarness({ env: { HEED_ADMINS: 'slack:U_OPS' } });
    h.slack.addUser({ id: 'U_ADMIN', name: 'ada', is_admin: true });
    const refused = await run('U1', 'channel set Be formal here.');
    expect(refused).toMatch(/admin/i);
    expect(await run('U1', 'channel show')).not.toContain('Be formal here.');

    await run('U_ADMIN', 'channel set Be formal here.');
    expect(await run('U1', 'channel show')).toContain('Be formal here.');
    await run('U_OPS', 'workspace set Mention the wiki.');
    expect(await run('U1', 'workspace show')).toContain('Mention the wiki.');
    // Admin rights come from users.info on each command.
    expect(h.slack.callsOf('users.info').some((call) => call.args.user === 'U_ADMIN')).toBe(true);
  });

  it('opens the editor modal with the trigger id, both fields prefilled and an on/off choice', async () => {
    h = await startHarness();
    await run('U1', 'set Be brief.');
    await run('U1', 'about I like cats.');
    const command = await h.instructions('U1', '', { triggerId: 'trigger-abc' });
    expect(command.response.status).toBe(200);
    const open = await h.slack.waitForCall('views.open');
    await h.idle();
    expect(open.args.trigger_id).toBe('trigger-abc');
    const view = open.args.view as {
      type: string;
      callback_id: string;
      blocks: {
        block_id?: string;
        element?: { initial_value?: string; multiline?: boolean; initial_option?: { value: string } };
      }[];
    };
    expect(view).toMatchObject({ type: 'modal', callback_id: 'heed_instructions' });
    const block = (id: string) => view.blocks.find((candidate) => candidate.block_id === id)?.element;
    expect(block('heed_about')).toMatchObject({ initial_value: 'I like cats.', multiline: true });
    expect(block('heed_respond')).toMatchObject({ initial_value: 'Be brief.', multiline: true });
    expect(block('heed_enabled')?.initial_option?.value).toBe('on');
  });

  it('saves a submitted editor as a new version and confirms it ephemerally', async () => {
    h = await startHarness();
    const command = await h.instructions('U1', 'edit');
    const open = await h.slack.waitForCall('views.open');
    await h.idle();
    const response = await h.interaction(
      editorSubmission(open.args.view as Record<string, unknown>, 'U1', {
        about: 'I run the platform team.',
        respond: 'Use tables.',
        enabled: 'on',
      }),
    );
    expect(response.status).toBe(200);
    expect(await response.text()).toBe('');
    await h.idle();
    expect(await h.test.core.instructions(person('U1'))).toMatchObject({
      about: 'I run the platform team.',
      respond: 'Use tables.',
      enabled: true,
      version: 1,
    });
    const confirmation = await h.slack.waitForResponse(command.responseId);
    expect(confirmation.body).toMatchObject({ response_type: 'ephemeral' });
    expect(String(confirmation.body.text)).toMatch(/version 1/i);
  });

  it('shows an over-long field as an error on that field inside the modal and saves nothing', async () => {
    h = await startHarness({ env: { HEED_INSTRUCTION_LIMIT: '100' } });
    await h.instructions('U1', 'edit');
    const open = await h.slack.waitForCall('views.open');
    await h.idle();
    const response = await h.interaction(
      editorSubmission(open.args.view as Record<string, unknown>, 'U1', {
        about: 'fine',
        respond: 'x'.repeat(101),
        enabled: 'on',
      }),
    );
    expect(response.status).toBe(200);
    const body = (await response.json()) as { response_action: string; errors: Record<string, string> };
    expect(body.response_action).toBe('errors');
    expect(Object.keys(body.errors)).toEqual(['heed_respond']);
    expect(body.errors.heed_respond).toMatch(/100/);
    await h.idle();
    expect((await h.test.core.instructions(person('U1'))).version).toBe(0);
  });

  it('asks before forget-me and deletes only after the confirm button', async () => {
    h = await startHarness();
    await run('U1', 'set Be brief.');
    const command = await h.instructions('U1', 'forget-me');
    const ask = await h.slack.waitForResponse(command.responseId);
    await h.idle();
    expect((await h.test.core.instructions(person('U1'))).version).toBe(1);
    const blocks = ask.body.blocks as { type: string; elements?: { action_id: string; value: string }[] }[];
    const confirm = blocks
      .find((block) => block.type === 'actions')
      ?.elements?.find((element) => element.action_id === 'heed_forget_me_confirm');
    expect(confirm).toBeDefined();

    const responseUrl = h.slack.responseUrl('forget-confirm');
    const click = await h.interaction(
      ephemeralButtonClick(
        'U1',
        { actionId: 'heed_forget_me_confirm', value: String(confirm?.value), text: 'Delete everything' },
        responseUrl,
        'trigger-forget',
      ),
    );
    expect(click.status).toBe(200);
    const done = await h.slack.waitForResponse('forget-confirm');
    await h.idle();
    expect(done.body).toMatchObject({ replace_original: true });
    expect((await h.test.core.instructions(person('U1'))).version).toBe(0);
  });
});
