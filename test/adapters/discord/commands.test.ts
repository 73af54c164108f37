import { afterEach, describe, expect, it } from 'vitest';
import { EDITOR_MODAL_ID } from '../../../src/adapters/discord/modals.js';
import { FORGET_ME_CONFIRM_ID } from '../../../src/adapters/discord/commands.js';
import { CALLBACK, EPHEMERAL, FAKE_IDS, type RecordedCall } from '../../support/fake-discord.js';
import { startHarness, type DiscordHarness } from './harness.js';

interface CallbackBody {
  type: number;
  data: {
    content?: string;
    flags?: number;
    custom_id?: string;
    title?: string;
    components?: {
      type: number;
      label?: string;
      component?: { custom_id: string; style: number; value?: string; max_length?: number };
    }[];
  };
}

const callbackOf = (call: RecordedCall): CallbackBody => call.body as CallbackBody;

/** The ephemeral text an interaction was answered with. */
async function answer(interaction: { callback(): Promise<RecordedCall> }): Promise<string> {
  const body = callbackOf(await interaction.callback());
  expect(body.type).toBe(CALLBACK.message);
  expect(body.data.flags).toBe(EPHEMERAL);
  return body.data.content ?? '';
}

describe('Discord /instructions', () => {
  let h: DiscordHarness;

  afterEach(async () => {
    await h.close();
  });

  it('GIVEN set, show and preview THEN each answers ephemerally with the right text', async () => {
    h = await startHarness();
    const set = await answer(h.fake.slash({ subcommand: 'set', options: { text: 'Answer in haiku.' } }));
    expect(set).toContain('version 1');

    const about = await answer(h.fake.slash({ subcommand: 'about', options: { text: 'I am a gardener.' } }));
    expect(about).toContain('version 2');

    const show = await answer(h.fake.slash({ subcommand: 'show' }));
    expect(show).toContain('version 2');
    expect(show).toContain('Answer in haiku.');
    expect(show).toContain('I am a gardener.');

    const preview = h.fake.slash({ subcommand: 'preview' });
    const first = await answer(preview);
    await h.adapter.idle();
    const followUps = h.fake.callsMatching({ method: 'POST', path: new RegExp(`^/webhooks/\\d+/${preview.token}$`) });
    const whole = [first, ...followUps.map((call) => String((call.body as { content: string }).content))].join('\n');
    expect(whole).toContain('system prompt');
    expect(whole).toContain('Answer in haiku.');
    for (const call of followUps) expect((call.body as { flags: number }).flags).toBe(EPHEMERAL);
    expect(
      [first, ...followUps.map((call) => String((call.body as { content: string }).content))].every(
        (part) => part.length <= 2000,
      ),
    ).toBe(true);
  });

  it('GIVEN a member without Manage Server WHEN they set channel rules THEN a clear refusal; a member with it may', async () => {
    h = await startHarness();
    const refused = await answer(
      h.fake.slash({ subcommand: 'set', group: 'channel', options: { text: 'Be formal.' } }),
    );
    expect(refused).toMatch(/only members with the Manage Server permission can change the channel rules/i);
    expect(await answer(h.fake.slash({ subcommand: 'show', group: 'channel' }))).toMatch(/no channel rules/i);

    const allowed = await answer(
      h.fake.slash({
        user: h.fake.users.dana,
        manageGuild: true,
        subcommand: 'set',
        group: 'channel',
        options: { text: 'Be formal.' },
      }),
    );
    expect(allowed).toMatch(/saved the channel rules/i);
    const server = await answer(
      h.fake.slash({
        user: h.fake.users.dana,
        manageGuild: true,
        subcommand: 'set',
        group: 'server',
        options: { text: 'Use metric units.' },
      }),
    );
    expect(server).toMatch(/saved the server rules/i);
  });

  it('GIVEN HEED_ADMINS names a member THEN they may set channel rules without Manage Server', async () => {
    h = await startHarness({ env: { HEED_ADMINS: `discord:${FAKE_IDS.bob}` } });
    const allowed = await answer(
      h.fake.slash({ user: h.fake.users.bob, subcommand: 'set', group: 'channel', options: { text: 'Be brief.' } }),
    );
    expect(allowed).toMatch(/saved the channel rules/i);
  });

  it('GIVEN edit THEN a modal prefilled with both fields; its submission saves a version; an over-long field is refused and nothing kept', async () => {
    h = await startHarness({ env: { HEED_INSTRUCTION_LIMIT: '200' } });
    await answer(h.fake.slash({ subcommand: 'set', options: { text: 'Use bullet points.' } }));

    const modal = callbackOf(await h.fake.slash({ subcommand: 'edit' }).callback());
    expect(modal.type).toBe(CALLBACK.modal);
    expect(modal.data.custom_id).toBe(EDITOR_MODAL_ID);
    const inputs = (modal.data.components ?? []).map((label) => label.component);
    expect(inputs.map((input) => input?.custom_id)).toEqual(['about', 'respond']);
    expect(inputs.every((input) => input?.style === 2 && input.max_length === 200)).toBe(true);
    expect(inputs[0]?.value).toBeUndefined();
    expect(inputs[1]?.value).toBe('Use bullet points.');

    const saved = await answer(
      h.fake.modalSubmit({
        customId: EDITOR_MODAL_ID,
        fields: { about: 'I teach physics.', respond: 'Use bullet points.\nCite sources.' },
      }),
    );
    expect(saved).toContain('version 2');
    const show = await answer(h.fake.slash({ subcommand: 'show' }));
    expect(show).toContain('I teach physics.');
    expect(show).toContain('Cite sources.');

    const refused = await answer(
      h.fake.modalSubmit({ customId: EDITOR_MODAL_ID, fields: { about: 'x'.repeat(250), respond: 'short' } }),
    );
    expect(refused).toContain('not saved');
    expect(refused).toContain('limit is 200');
    const after = await answer(h.fake.slash({ subcommand: 'show' }));
    expect(after).toContain('version 2');
    expect(after).toContain('I teach physics.');
  });

  it('GIVEN restore, help and an unknown version THEN the grammar is passed through', async () => {
    h = await startHarness();
    await answer(h.fake.slash({ subcommand: 'set', options: { text: 'one' } }));
    await answer(h.fake.slash({ subcommand: 'set', options: { text: 'two' } }));
    expect(await answer(h.fake.slash({ subcommand: 'restore', options: { version: 1 } }))).toContain(
      'Restored version 1 as version 3',
    );
    expect(await answer(h.fake.slash({ subcommand: 'restore', options: { version: 9 } }))).toContain(
      'There is no version 9',
    );
    expect(await answer(h.fake.slash({ subcommand: 'help' }))).toContain('/instructions');
  });

  it('GIVEN forget-me THEN a confirmation with buttons; confirming deletes and updates the message', async () => {
    h = await startHarness();
    await answer(h.fake.slash({ subcommand: 'set', options: { text: 'Remember me.' } }));
    const ask = h.fake.slash({ subcommand: 'forget-me' });
    const confirm = callbackOf(await ask.callback());
    expect(confirm.type).toBe(CALLBACK.message);
    expect(confirm.data.flags).toBe(EPHEMERAL);
    const message = ask.response();
    expect(message).toBeDefined();
    expect(JSON.stringify(message?.components)).toContain(FORGET_ME_CONFIRM_ID);

    const click = h.fake.button({ customId: FORGET_ME_CONFIRM_ID, message: message! });
    const update = callbackOf(await click.callback());
    expect(update.type).toBe(CALLBACK.update);
    expect(update.data.content).toMatch(/deleted/i);
    expect(update.data.components).toEqual([]);
    expect(await answer(h.fake.slash({ subcommand: 'show' }))).toMatch(/no custom instructions/i);
  });

  it('GIVEN a command in a DM THEN it answers ephemerally there too', async () => {
    h = await startHarness();
    expect(await answer(h.fake.slash({ dm: true, subcommand: 'set', options: { text: 'Be terse.' } }))).toContain(
      'version 1',
    );
    expect(await answer(h.fake.slash({ dm: true, subcommand: 'show' }))).toContain('Be terse.');
  });
});
