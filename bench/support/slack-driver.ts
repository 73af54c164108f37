/**
 * The Slack side of one benchmark level: a fresh fake Slack Web API (in the benchmark's process), the
 * configuration Heed needs to use it in HTTP mode, and the load sent to Heed's receiver.
 */
import { startFakeSlack } from '../../test/support/fake-slack.js';
import type { ConversationPlan, LoadResult } from './load.js';
import type { PlatformDriver } from './platform-driver.js';
import { runSlackLoad } from './slack-load.js';

const SIGNING_SECRET = 'bench-signing-secret';

/** Start a fake Slack for one level. */
export async function slackDriver(): Promise<PlatformDriver> {
  const slack = await startFakeSlack();
  let runs = 0;
  return {
    env: {
      SLACK_BOT_TOKEN: 'xoxb-bench-token',
      SLACK_SIGNING_SECRET: SIGNING_SECRET,
      SLACK_API_URL: slack.url,
      PORT: '0',
    },
    run(heed, plan: ConversationPlan): Promise<LoadResult> {
      if (heed.port === undefined) throw new Error('Heed did not report its HTTP port');
      // Each run gets channels of its own, so a late reply from an earlier run is never mistaken.
      const channelPrefix = `C${String.fromCharCode(65 + runs++)}`;
      return runSlackLoad({ ...plan, slack, baseUrl: `http://127.0.0.1:${heed.port}`, signingSecret: SIGNING_SECRET, channelPrefix });
    },
    close: () => slack.close(),
  };
}
