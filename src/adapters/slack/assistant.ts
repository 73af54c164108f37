/**
 * Slack's assistant panel, with Bolt's `Assistant`: when someone opens Heed's assistant thread, a
 * greeting and up to four suggested prompts drawn from their instructions and the channel they are
 * viewing; the first question becomes the thread's title; messages in the thread are answered by the
 * same conversation code as every DM (which also shows the thinking status while the model works).
 * `Assistant` keeps assistant-thread messages from other listeners, so it must hand them on itself.
 */
import { Assistant, type App, type AssistantConfig } from '@slack/bolt';
import { shorten } from '../../core/text.js';
import { assistantGreeting, assistantPrompts } from '../../messages/command-messages.js';
import { personRef, workspaceOf, type SlackAdapterContext } from './adapter-context.js';
import type { AnswerMessage } from './conversation.js';
import { readMessage } from './conversation.js';
import { attempt } from './errors.js';
import { slackMarkup } from './markup.js';
import { withoutBotMention } from './thread-history.js';

/** Slack shows about this many characters of a thread title. */
const TITLE_LIMIT = 60;

/**
 * Heed keeps no per-thread context: the viewed channel is only needed when the thread starts, and
 * arrives with that event. A no-op store spares the default one's `conversations.replies` and
 * `chat.update` calls on every context change.
 */
const noThreadContext: NonNullable<AssistantConfig['threadContextStore']> = {
  get: async () => ({}),
  save: async () => undefined,
};

/** Register the assistant panel. `answer` is the conversation's answering function. */
export function registerAssistant(app: App, ctx: SlackAdapterContext, answer: AnswerMessage): void {
  const { core, logger, bot } = ctx;
  app.assistant(
    new Assistant({
      threadContextStore: noThreadContext,
      threadStarted: async ({ event, context, client, setSuggestedPrompts }) => {
        const thread = event.assistant_thread;
        const person = personRef(workspaceOf(context, bot), thread.user_id);
        const current = await core.instructions(person);
        const viewing = thread.context.channel_id;
        const view = {
          respond: current.enabled ? current.respond : '',
          ...(viewing ? { viewingChannel: viewing } : {}),
        };
        await attempt(logger, 'chat.postMessage', () =>
          client.chat.postMessage({
            channel: thread.channel_id,
            thread_ts: thread.thread_ts,
            text: assistantGreeting(view, slackMarkup),
          }),
        );
        const [first, ...rest] = assistantPrompts(view, slackMarkup);
        if (first)
          await attempt(logger, 'assistant.threads.setSuggestedPrompts', () =>
            setSuggestedPrompts({ prompts: [first, ...rest] }),
          );
      },
      userMessage: async ({ message: event, context, client, setTitle }) => {
        ctx.memory?.observe(workspaceOf(context, bot), event, bot);
        const message = readMessage('message', event);
        if (!message?.threadTs) return;
        const channel = {
          platform: 'slack' as const,
          workspaceId: workspaceOf(context, bot),
          channelId: message.channel,
        };
        // The first question of the thread names it; later ones leave the title alone.
        if (!message.botId && message.user && !(await core.hasRepliedInThread(channel, message.threadTs))) {
          const title = shorten(withoutBotMention(message.text, bot.userId), TITLE_LIMIT, { flatten: true });
          if (title !== '') await attempt(logger, 'assistant.threads.setTitle', () => setTitle(title));
        }
        await answer(message, context, client);
      },
    }),
  );
}
