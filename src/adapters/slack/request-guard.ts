/**
 * Two checks on signed Slack requests that Bolt does not make. Before Bolt (in the Slack events thread,
 * events-thread.ts): a request whose `X-Slack-Request-Timestamp` is more than five minutes away from now,
 * in either direction, is refused (Bolt only refuses old ones, so a signature made for a future date would
 * be accepted). Inside Bolt, as global middleware: a slash command or interaction whose `trigger_id` was
 * seen before is acknowledged and dropped, so a captured request replayed inside the window runs once.
 * Events have their own dedupe.
 */
import type { AnyMiddlewareArgs, App, Middleware } from '@slack/bolt';
import type { HeedCore } from '../../core/api.js';
import type { Logger } from '../../core/logger.js';

/** Slack's own limit for a request's age, applied to both directions. */
export const MAX_CLOCK_SKEW_SECONDS = 300;

/** True when the request's signed timestamp is within {@link MAX_CLOCK_SKEW_SECONDS} of `nowMs`. */
export function freshTimestamp(header: string | string[] | undefined, nowMs: number): boolean {
  if (typeof header !== 'string' || !/^\d{1,12}$/.test(header)) return false;
  return Math.abs(nowMs / 1000 - Number(header)) <= MAX_CLOCK_SKEW_SECONDS;
}

/** The id a replayed copy of this command or interaction would repeat, with its workspace. */
function invocationOf(body: AnyMiddlewareArgs['body']): { workspaceId: string; requestId: string } | undefined {
  const fields = body as Record<string, unknown>;
  const trigger = fields.trigger_id;
  if (typeof trigger !== 'string' || trigger === '') return undefined;
  const team = fields.team as { id?: unknown } | null | undefined;
  const workspaceId = typeof fields.team_id === 'string' ? fields.team_id : typeof team?.id === 'string' ? team.id : '';
  return { workspaceId, requestId: trigger };
}

/** Global middleware that runs each command or interaction at most once (see the module comment). */
export function dropReplays(core: HeedCore, logger: Logger): Middleware<AnyMiddlewareArgs> {
  return async (args) => {
    const invocation = invocationOf(args.body);
    if (invocation && !(await core.claimRequest({ platform: 'slack', ...invocation }))) {
      logger.warn(
        { workspace: invocation.workspaceId, trigger: invocation.requestId },
        'dropped a replayed Slack command or interaction',
      );
      // Acknowledge, so Slack (or whoever replays) sees no error to retry; run nothing.
      if ('ack' in args && typeof args.ack === 'function') await (args.ack as () => Promise<void>)();
      return;
    }
    await args.next();
  };
}

/** Register the replay guard on `app`, ahead of every listener. */
export function registerReplayGuard(app: App, core: HeedCore, logger: Logger): void {
  app.use(dropReplays(core, logger));
}
