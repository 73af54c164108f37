/**
 * `forget-me`: delete everything stored about one person in one workspace, in one transaction, so a
 * failure leaves everything as it was.
 */
import type { Database, InstructionStore, ReplyLog, ReportStore } from '../storage/index.js';
import type { PersonRef } from '../types.js';

/** What forget-me deleted. */
export interface ForgottenCounts {
  versions: number;
  replies: number;
  reports: number;
}

/** The stores forget-me deletes from, and their database. */
export interface PersonalData {
  db: Database;
  instructions: InstructionStore;
  replies: ReplyLog;
  reports: ReportStore;
}

/** Delete the person's instruction versions, the replies they asked for (and reports on them), and their reports. */
export function forgetPerson(data: PersonalData, person: PersonRef): ForgottenCounts {
  return data.db.transaction(() => {
    // Reports first: forgetting the asker's replies also removes reports on them, filed by anyone.
    const reports = data.reports.forgetReporter(person);
    return { versions: data.instructions.forgetUser(person), replies: data.replies.forgetAsker(person), reports };
  })();
}
