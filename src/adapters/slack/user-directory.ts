/**
 * Who people are, from `users.info`: a display name for the model (so it can tell speakers apart) and
 * the workspace's own admin signal (admins, owners, primary owner). Names are cached briefly; the admin
 * check behind a command can ask fresh.
 */
import type { webApi } from '@slack/bolt';
import type { Logger } from '../../core/logger.js';
import { toSlackApiError } from './errors.js';

/** What Heed needs to know about one Slack user. */
export interface SlackPerson {
  id: string;
  name: string;
  isWorkspaceAdmin: boolean;
}

const TTL_MS = 5 * 60_000;
const MAX_ENTRIES = 5_000;

/** The Slack user directory: `users.info`, cached briefly. */
export class UserDirectory {
  private readonly cache = new Map<string, { at: number; person: Promise<SlackPerson | undefined> }>();
  /** Each kind of failure is logged once with its fix, not on every message. */
  private readonly reported = new Set<string>();

  constructor(
    private readonly client: webApi.WebClient,
    private readonly logger: Logger,
  ) {}

  /** The person, or undefined when Slack will not say (the log names the fix once). */
  get(userId: string, options: { fresh?: boolean } = {}): Promise<SlackPerson | undefined> {
    const cached = this.cache.get(userId);
    if (cached && !options.fresh && Date.now() - cached.at < TTL_MS) return cached.person;
    const person = this.lookUp(userId);
    if (this.cache.size >= MAX_ENTRIES) this.cache.clear();
    this.cache.set(userId, { at: Date.now(), person });
    return person;
  }

  /** A name to show the model; the user id when Slack does not give one. */
  async name(userId: string): Promise<string> {
    return (await this.get(userId))?.name ?? userId;
  }

  private async lookUp(userId: string): Promise<SlackPerson | undefined> {
    try {
      const { user } = await this.client.users.info({ user: userId });
      if (!user) return undefined;
      const name = user.profile?.display_name || user.real_name || user.profile?.real_name || user.name || userId;
      return { id: userId, name, isWorkspaceAdmin: Boolean(user.is_admin || user.is_owner || user.is_primary_owner) };
    } catch (error) {
      const failure = toSlackApiError('users.info', error);
      if (!this.reported.has(failure.slackError)) {
        this.reported.add(failure.slackError);
        this.logger.warn(
          { method: 'users.info', slackError: failure.slackError, fix: failure.fix },
          `Slack users.info failed (names and admin checks fall back): ${failure.fix}`,
        );
      }
      // Do not cache the failure: the next call may succeed once the scope is added.
      this.cache.delete(userId);
      return undefined;
    }
  }
}
