/**
 * The Slack side of one benchmark level: a fresh fake Slack Web API (in the benchmark's process), the
 * configuration that points Heed's adapter at it in HTTP mode, and the load sent to Heed's receiver.
 */
import { createServer } from 'node:net';
import { startFakeSlack } from '../../test/support/fake-slack.js';
import type { ConversationPlan, LoadResult } from './load.js';
import type { PlatformDriver } from './platform-driver.js';
import { runSlackLoad } from './slack-load.js';

const SIGNING_SECRET = 'bench-signing-secret';

/** A port free on 127.0.0.1 right now (Heed is started as in production, with PORT set). */
function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => (typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port'))));
    });
  });
}

/** Start a fake Slack for one level. */
export async function slackDriver(): Promise<PlatformDriver> {
  const slack = await startFakeSlack();
  const port = await freePort();
  let runs = 0;
  return {
    env: {
      SLACK_BOT_TOKEN: 'xoxb-bench-token',
      SLACK_SIGNING_SECRET: SIGNING_SECRET,
      SLACK_API_URL: slack.url,
      PORT: String(port),
    },
    run(plan: ConversationPlan): Promise<LoadResult> {
      // Each run gets channels of its own, so a late reply from an earlier run is never mistaken.
      const channelPrefix = `C${String.fromCharCode(65 + runs++)}`;
      return runSlackLoad({ ...plan, slack, baseUrl: `http://127.0.0.1:${port}`, signingSecret: SIGNING_SECRET, channelPrefix });
    },
    close: () => slack.close(),
  };
}
