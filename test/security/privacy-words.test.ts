/**
 * Issue 9, item 3: the editor said "only you can see these", yet a report filed by someone else on a
 * reply to you exports the prompt it was made with, your private instructions included. Heed keeps the
 * reports whole (they must reproduce the reply) and says so where people write their instructions: the
 * Slack editor, the App Home and `/instructions help` on both platforms.
 */
import { discordMarkup } from '../../src/adapters/discord/markup.js';
import { slackMarkup } from '../../src/adapters/slack/markup.js';
import { helpText } from '../../src/messages/command-messages.js';
import { afterEach, describe, expect, it } from 'vitest';
import { startHarness, type Harness } from '../adapters/slack/harness.js';

const OPERATORS_SEE = /operators can read them/i;

let h: Harness | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
});

describe('what the instructions editors say about who reads them', () => {
  it('GIVEN the Slack editor THEN it no longer says only you can see them, and says operators can', async () => {
    h = await startHarness();
    await h.instructions('U1', '', { triggerId: 'trigger-editor' });
    const open = await h.slack.waitForCall('views.open');
    await h.idle();
    const text = JSON.stringify(open.args.view);
    expect(text).not.toMatch(/only you can see these/i);
    expect(text).toMatch(OPERATORS_SEE);
  });

  it('GIVEN the App Home THEN it says the same', async () => {
    h = await startHarness();
    await h.event({ type: 'app_home_opened', user: 'U1', channel: 'D0HOME', tab: 'home', event_ts: h.slack.nextTs() });
    const publish = await h.slack.waitForCall('views.publish');
    await h.idle();
    const text = JSON.stringify(publish.args.view);
    expect(text).not.toMatch(/only you see them/i);
    expect(text).toMatch(OPERATORS_SEE);
  });

  it('GIVEN /instructions help (both platforms share it) THEN it says what operators can read', async () => {
    h = await startHarness();
    const actor = {
      platform: 'discord' as const,
      workspaceId: 'G1',
      channelId: 'C1',
      userId: 'U1',
      isPlatformAdmin: false,
    };
    const help = await h.test.core.command(actor, 'help');
    expect(help.kind).toBe('help');
    expect(helpText(discordMarkup)).toMatch(OPERATORS_SEE);
    expect(helpText(slackMarkup)).toMatch(OPERATORS_SEE);
  });
});
