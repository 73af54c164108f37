/**
 * The App Home tab: the person's instructions (with an Edit button that opens the editor) and the
 * reports they filed recently. Published on `app_home_opened` and again after an edit made from it.
 */
import type { App, BlockAction, ButtonAction, types, webApi } from '@slack/bolt';
import type { InstructionsView, ReportListItem } from '../../core/api.js';
import type { PersonRef } from '../../core/types.js';
import { personRef, workspaceOf, type SlackAdapterContext } from './adapter-context.js';
import { attempt } from './errors.js';
import { openEditor } from './editor.js';
import { shorten } from '../../core/text.js';
import { escapeMrkdwn, SECTION_TEXT_LIMIT } from './format.js';

export const HOME_EDIT_ACTION = 'heed_home_edit';
const RECENT_REPORTS = 10;

const STATUS_LABEL: Record<ReportListItem['status'], string> = {
  open: 'open',
  triaged: 'triaged',
  resolved: 'resolved',
  withdrawn: 'withdrawn',
};

function quoted(text: string): string {
  if (text.trim() === '') return '>_(empty)_';
  return `>${escapeMrkdwn(shorten(text, SECTION_TEXT_LIMIT - 100)).replace(/\n/g, '\n>')}`;
}

function section(text: string): types.SectionBlock {
  return { type: 'section', text: { type: 'mrkdwn', text } };
}

/** The Home tab for one person. */
export function homeView(instructions: InstructionsView, reports: ReportListItem[], limit: number): types.HomeView {
  const state =
    instructions.version === 0
      ? 'You have not set any instructions yet.'
      : `Version ${instructions.version}, ${instructions.enabled ? '*on*: I follow them in every answer to you.' : '*off*: kept, but not used until you turn them on.'}`;
  const reportBlocks: types.KnownBlock[] =
    reports.length === 0
      ? [
          section(
            'You have not reported any of my answers. React with :-1: (or press 👎) on an answer that missed your instructions, and it is filed here.',
          ),
        ]
      : reports.map((report) =>
          section(
            `${report.signal === 'bad' ? '👎' : '👍'} *${STATUS_LABEL[report.status]}* · ${escapeMrkdwn(report.createdAt.slice(0, 16).replace('T', ' '))}\n` +
              `${quoted(shorten(report.replyExcerpt, 280))}` +
              (report.note ? `\n_Your note:_ ${escapeMrkdwn(shorten(report.note, 280))}` : ''),
          ),
        );
  return {
    type: 'home',
    blocks: [
      { type: 'header', text: { type: 'plain_text', text: 'Your custom instructions' } },
      section(
        `${state}\nOnly you can change them; Heed's operators can read them, with the replies they shaped. Each field holds up to ${limit.toLocaleString('en-US')} characters.`,
      ),
      section(`*What I know about you*\n${quoted(instructions.about)}`),
      section(`*How I respond to you*\n${quoted(instructions.respond)}`),
      {
        type: 'actions',
        elements: [
          {
            type: 'button',
            action_id: HOME_EDIT_ACTION,
            style: 'primary',
            value: 'edit',
            text: { type: 'plain_text', text: 'Edit' },
          },
        ],
      },
      {
        type: 'context',
        elements: [
          {
            type: 'mrkdwn',
            text: 'Or use `/instructions` anywhere: `show`, `set`, `about`, `history`, `undo`, `help`…',
          },
        ],
      },
      { type: 'divider' },
      { type: 'header', text: { type: 'plain_text', text: 'Your recent reports' } },
      ...reportBlocks,
    ],
  };
}

/** Publish the Home tab for a person. */
export async function publishHome(
  client: webApi.WebClient,
  ctx: SlackAdapterContext,
  person: PersonRef,
): Promise<void> {
  const [instructions, reports] = await Promise.all([
    ctx.core.instructions(person),
    ctx.core.recentReports(person, RECENT_REPORTS),
  ]);
  const view = homeView(instructions, reports, ctx.config.HEED_INSTRUCTION_LIMIT);
  await attempt(ctx.logger, 'views.publish', () => client.views.publish({ user_id: person.userId, view }), 'error');
}

/** Register the App Home listeners. */
export function registerHome(app: App, ctx: SlackAdapterContext): void {
  const { core, bot } = ctx;

  app.event('app_home_opened', async ({ event, context, client }) => {
    if (event.tab !== undefined && event.tab !== 'home') return;
    await publishHome(client, ctx, personRef(workspaceOf(context, bot), event.user));
  });

  app.action<BlockAction<ButtonAction>>(HOME_EDIT_ACTION, async ({ ack, body, context, client }) => {
    await ack();
    // The core decides what the editor opens with, exactly as for `/instructions edit`.
    const result = await core.command(
      { ...personRef(workspaceOf(context, bot), body.user.id), channelId: '', isPlatformAdmin: false },
      'edit',
    );
    if (result.kind !== 'editor') return;
    const problem = await openEditor(client, ctx, body.trigger_id, result, {
      channelId: '',
      isAdmin: false,
      from: 'home',
    });
    if (problem) ctx.logger.info({ user: body.user.id }, 'the editor could not be opened from the App Home');
  });
}
