/** What the end-to-end benchmark needs from one platform's fake server and load generator. */
import type { ConversationPlan, LoadResult } from './load.js';

export interface PlatformDriver {
  /** Configuration variables that point Heed's adapter at the fake platform. */
  env: Record<string, string>;
  /**
   * With several replicas of the bot (Slack): each replica's configuration, in the order the load is
   * spread over them (the first is `env`).
   */
  replicaEnvs?: Record<string, string>[];
  /** Drive `plan` through Heed (started with `env`); resolves when every conversation has ended or run out of time. */
  run(plan: ConversationPlan): Promise<LoadResult>;
  /** CPU time the fake platform's process has used so far (ms). */
  cpuMs(): Promise<number>;
  /** The fake platform's event-loop delay p99 (ms) since the previous call. */
  loopDelayP99Ms(): Promise<number>;
  close(): Promise<void>;
}
