/**
 * `forget-me`: delete everything stored about one person in one workspace, in one transaction, so a
 * failure leaves everything as it was.
 */
import type { CommandResult } from '../commands/results.js';
import { asHeedError } from '../errors.js';
import type { Logger } from '../logger.js';
import { checkpointAndTruncate, InstructionStore, redactPerson, ReplyLog, ReportStore } from '../storage/index.js';
import { forgetRateCounts } from '../limits/rate-limiter.js';
import type { SqlExecutor } from '../storage/index.js';
import type { Actor, PersonRef, Platform } from '../types.js';

/** What forget-me deleted. */
export interface ForgottenCounts {
  versions: number;
  replies: number;
  reports: number;
  /** Other people's snapshots, notes and rules the person was redacted from. */
  redacted: number;
}

/** What forget-me did, once the WAL was checkpointed. */
export interface Forgotten extends ForgottenCounts {
  /** Other platforms the person was linked on, and forgotten on too. */
  elsewhere: Platform[];
  /** False when the WAL checkpoint was held back by a reader; it completes at the next checkpoint. */
  checkpointed: boolean;
}

/** The database forget-me deletes from (the stores are built on its transaction). */
export interface PersonalData {
  db: SqlExecutor;
}

/**
 * In one transaction (the caller checkpoints after it): delete the person's instruction versions, the replies they
 * asked for (and reports on them) and their
 * reports; redact their words and name (`names`) from other people's snapshots; then checkpoint the WAL
 * so the deleted bytes do not outlive the request there (secure_delete clears them in the file).
 */
export async function deletePerson(
  data: PersonalData,
  person: PersonRef,
  names: readonly string[],
): Promise<ForgottenCounts> {
  return data.db.transaction(async (tx) => {
    const redacted = await redactPerson(tx, person, names);
    // Reports first: forgetting the asker's replies also removes reports on them, filed by anyone.
    const reports = await new ReportStore(tx).forgetReporter(person);
    const versions = await new InstructionStore(tx).forgetUser(person);
    const replies = await new ReplyLog(tx).forgetAsker(person);
    await forgetRateCounts(tx, person);
    return { versions, replies, reports, redacted };
  });
}

/**
 * The confirmed second step of `/instructions forget-me`, as the person sees it; logged, never thrown.
 * `forget` deletes (in one transaction); the WAL is checkpointed after it, so no deleted byte stays there.
 */
export async function forgetMe(
  data: PersonalData,
  actor: Actor,
  logger: Logger,
  forget: () => Promise<ForgottenCounts & { elsewhere: Platform[] }>,
): Promise<CommandResult> {
  try {
    const forgotten = await forget();
    const { versions, replies, reports, elsewhere, ...rest } = {
      ...forgotten,
      checkpointed: await checkpointAndTruncate(data.db),
    };
    const where = { platform: actor.platform, workspace: actor.workspaceId, user: actor.userId };
    logger.info({ ...where, versions, replies, reports, elsewhere, ...rest }, 'forgot a person');
    if (!rest.checkpointed) logger.warn('forget-me: the WAL checkpoint was held back; it completes later');
    return { kind: 'forgotten', versions, replies, reports, elsewhere };
  } catch (error) {
    const failure = asHeedError(error);
    logger.error({ err: error, code: failure.code, user: actor.userId }, 'forget-me failed');
    return { kind: 'failed', action: 'forget-me', code: failure.code };
  }
}
