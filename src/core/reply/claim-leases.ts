import type { Logger } from '../logger.js';
import type { MessageClaims } from '../storage/index.js';

/**
 * Keeps this process's claims its own while it works: every third of a lease, one statement renews
 * the lease of every claim the owner still has in flight. A process that dies stops renewing, and its
 * claims fall to whichever replica receives those messages again once the lease has run out.
 */
export class ClaimLeases {
  private timer: NodeJS.Timeout | undefined;
  private renewing = false;

  constructor(
    private readonly claims: MessageClaims,
    private readonly owner: string,
    private readonly logger: Logger,
    /** Whether any message is being answered (or waits for its turn); an idle process writes nothing. */
    private readonly busy: () => boolean = () => true,
  ) {}

  /** Start renewing. */
  start(): void {
    if (this.timer) return;
    this.timer = setInterval(() => void this.renew(), Math.max(50, Math.floor(this.claims.leaseMs / 3)));
    // Renewal alone must not keep a process alive that has nothing else to do.
    this.timer.unref();
  }

  /** Stop renewing: the claims still in flight lapse after one lease. */
  stop(): void {
    clearInterval(this.timer);
    this.timer = undefined;
  }

  /** Renew now; a slow database never stacks renewals, and a failing one is logged, not thrown. */
  async renew(): Promise<void> {
    if (this.renewing || !this.busy()) return;
    this.renewing = true;
    try {
      const { renewed, until } = await this.claims.renew(this.owner);
      if (renewed > 0) this.logger.debug({ renewed, until }, 'claim leases renewed');
    } catch (error) {
      this.logger.warn(
        { err: error },
        'could not renew the leases of replies in progress; if this lasts a whole lease, another replica may answer them again',
      );
    } finally {
      this.renewing = false;
    }
  }
}
