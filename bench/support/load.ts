/**
 * The closed-loop load shared by both platforms: N conversations in flight, each sending its next
 * message when the reply to the previous one has ended, started spread over a short interval as
 * people are (a burst of N at one instant would measure queueing instead). Bounded: a count of turns,
 * a time-out per turn and a deadline for the whole run.
 *
 * The reply alone paces a conversation, not the platform's acknowledgement of the message: a person
 * asks again once they have read the answer, and Slack delivers the next event whether or not the last
 * one was acknowledged. A bot whose acknowledgements lag its replies (a full accept queue keeps a
 * connection waiting for seconds) would otherwise be offered fewer conversations than the row names.
 */
import { seededRandom } from '../../src/core/seeded-random.js';
import { absoluteNow } from './ipc.js';

export interface ConversationPlan {
  conversations: number;
  turns: number;
  /** Conversations start spread uniformly (seeded) over this many milliseconds. */
  staggerMs: number;
  /** A reply not ended within this time is an error, and its conversation stops. */
  turnTimeoutMs: number;
  /** No conversation starts a new turn after this many milliseconds. */
  deadlineMs: number;
  /** Questions asked in one thread before the conversation starts a new one (history stays realistic). */
  turnsPerThread: number;
  /** Makes question ids unique across runs. */
  idPrefix: string;
  /** The text every reply must carry on the platform. */
  expectedReply: string;
}

/** One message sent and the reply it got, in the benchmark process's clock (epoch ms). */
export class Turn {
  sentAt = 0;
  ackMs: number | undefined;
  firstTextAt: number | undefined;
  doneAt: number | undefined;
  readonly errors: string[] = [];
  readonly done: Promise<void>;
  private resolveDone: () => void = () => undefined;

  constructor(
    readonly conversation: number,
    readonly index: number,
    readonly id: string,
  ) {
    this.done = new Promise((resolve) => {
      this.resolveDone = resolve;
    });
  }

  /** The text the person sends; its id lets the model's own timings be matched to this turn. */
  get question(): string {
    return `Question ${this.id}: how do I rotate the API keys?`;
  }

  /** The reply has ended on the platform. */
  complete(at: number): void {
    if (this.doneAt !== undefined) return;
    this.doneAt = at;
    this.resolveDone();
  }
}

/** The question id inside a model request's last message, if any. */
export function questionId(text: string): string | undefined {
  return /Question (\S+):/.exec(text)?.[1];
}

export interface Conversation {
  index: number;
  /** Whatever the platform driver keeps per conversation (the thread it lives in, …). */
  state: Record<string, unknown>;
}

export interface LoadResult {
  turns: Turn[];
  errors: string[];
  /** Replies posted beyond one per message. */
  duplicates: number;
  /** Calls Heed made to the platform during the run, by method or route. */
  platformCalls: Record<string, number>;
  startedAt: number;
  endedAt: number;
}

/**
 * Run the plan; `send` delivers one turn's message to the platform (it settles once the platform
 * acknowledged it, recording any failure in `turn.errors`) and the driver calls `turn.complete()` when the
 * reply has ended. The conversation goes on at the reply; a failed delivery ends it at once; the run
 * returns once every delivery has settled, so that each acknowledgement is measured.
 */
export async function runConversations(
  plan: ConversationPlan,
  send: (conversation: Conversation, turn: Turn) => Promise<void>,
): Promise<LoadResult> {
  const random = seededRandom(plan.conversations * 7919 + plan.turns);
  const turns: Turn[] = [];
  const deliveries: Promise<unknown>[] = [];
  const startedAt = absoluteNow();
  const deadline = startedAt + plan.deadlineMs;

  const converse = async (index: number): Promise<void> => {
    const conversation: Conversation = { index, state: {} };
    await new Promise((resolve) => setTimeout(resolve, random() * plan.staggerMs));
    for (let step = 0; step < plan.turns && absoluteNow() < deadline; step++) {
      const turn = new Turn(index, step, `${plan.idPrefix}-${index}-${step}`);
      turns.push(turn);
      let timer: NodeJS.Timeout | undefined;
      const timedOut = new Promise<'timeout'>((resolve) => {
        timer = setTimeout(() => resolve('timeout'), plan.turnTimeoutMs);
      });
      const delivered = send(conversation, turn).then(
        () => turn.errors.length > 0,
        (error: unknown) => {
          turn.errors.push(`sending failed: ${error instanceof Error ? error.message : String(error)}`);
          return true;
        },
      );
      deliveries.push(delivered);
      const failed = delivered.then((failure) => (failure ? 'failed' : new Promise<never>(() => undefined)));
      try {
        if ((await Promise.race([turn.done, timedOut, failed])) === 'timeout')
          turn.errors.push(`no reply within ${plan.turnTimeoutMs} ms`);
      } finally {
        clearTimeout(timer);
      }
      if (turn.doneAt === undefined) return;
    }
  };
  await Promise.all(Array.from({ length: plan.conversations }, (_, index) => converse(index)));
  const endedAt = absoluteNow();
  await Promise.all(deliveries);
  const errors = turns.flatMap((turn) => turn.errors.map((error) => `${turn.id}: ${error}`));
  return { turns, errors, duplicates: 0, platformCalls: {}, startedAt, endedAt };
}
