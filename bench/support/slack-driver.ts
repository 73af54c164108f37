/**
 * The Slack side of one benchmark row: the fake Slack Web API in a process of its own, the
 * configuration that points Heed's adapter at it in HTTP mode, and the load: closed-loop conversations,
 * each asking in threads of its own channel, every question sent into Heed's Bolt receiver as Slack
 * sends it (signed; an `app_mention` and its `message` twin, since both subscriptions match a mention).
 * Several replicas of Heed, each on a port of its own, share the one fake Slack: the events are spread
 * over them round-robin as a load balancer would, a mention and its twin to different replicas.
 */
import { Agent, request } from 'node:http';
import { freePort } from '../../test/support/free-port.js';
import { eventEnvelope, FAKE_BOT_USER_ID, FAKE_TEAM_ID } from '../../test/support/fake-slack.js';
import { slackSignature } from '../../test/support/slack-signing.js';
import { absoluteNow } from './ipc.js';
import { runConversations, type ConversationPlan, type LoadResult } from './load.js';
import type { PlatformDriver } from './platform-driver.js';
import { startPlatformProcess, trackTurns } from './platform-process.js';
import type { SlackTurnAnswer, SlackTurnRequest } from './slack-watch.js';

const SIGNING_SECRET = 'bench-signing-secret';

let events = 0;
const nextEventId = () => `EvB${String(++events).padStart(9, '0')}`;

/**
 * POST a signed Events API envelope as Slack does, answering with the HTTP status. node:http with a
 * keep-alive agent rather than fetch: it costs the load generator a third of the CPU, CPU this 2-core
 * machine's Heed would otherwise compete for. A new connection is opened whenever none is free.
 */
function postEvent(agent: Agent, port: number, envelopeBody: Record<string, unknown>, tag: string): Promise<number> {
  const body = JSON.stringify(envelopeBody);
  const timestamp = Math.floor(Date.now() / 1000);
  return new Promise((resolve, reject) => {
    const req = request(
      {
        agent,
        host: '127.0.0.1',
        port,
        path: '/slack/events',
        method: 'POST',
        headers: {
          'Content-Type': 'application/json',
          'Content-Length': Buffer.byteLength(body),
          'X-Slack-Request-Timestamp': String(timestamp),
          'X-Slack-Signature': slackSignature(SIGNING_SECRET, timestamp, body),
          'X-Bench-Turn': tag,
        },
      },
      (res) => {
        res.resume();
        res.once('end', () => resolve(res.statusCode ?? 0));
        res.once('error', reject);
      },
    );
    req.once('error', reject);
    req.end(body);
  });
}

/**
 * Start a fake Slack for one row; `baseline`: the bot under test posts no feedback buttons;
 * `replicas`: how many bot processes will receive the events, each started with one of `replicaEnvs`.
 */
export async function slackDriver(expectedReply: string, baseline = false, replicas = 1): Promise<PlatformDriver> {
  const platform = await startPlatformProcess('slack', expectedReply, baseline);
  const ports: number[] = [];
  for (let replica = 0; replica < replicas; replica++) ports.push(await freePort());
  const agent = new Agent({ keepAlive: true });
  const turns = trackTurns(platform);
  let runs = 0;
  // Round-robin over the replicas, one step per question: its mention goes to the next replica and its
  // twin to the one after (with one replica, both to it).
  let nextReplica = 0;
  const portOf = (replica: number): number => ports[replica % ports.length] ?? 0;
  const replicaEnvs = ports.map((port) => ({
    SLACK_BOT_TOKEN: 'xoxb-bench-token',
    SLACK_SIGNING_SECRET: SIGNING_SECRET,
    PORT: String(port),
    ...platform.env,
  }));

  return {
    env: replicaEnvs[0] ?? {},
    replicaEnvs,
    async run(plan: ConversationPlan): Promise<LoadResult> {
      // Each run gets channels of its own, so a late reply from an earlier run is never mistaken.
      const prefix = `C${String.fromCharCode(65 + runs++)}`;
      const channelOf = (conversation: number) => `${prefix}${String(conversation).padStart(5, '0')}`;
      const result = await runConversations(plan, async (conversation, turn) => {
        const channel = channelOf(conversation.index);
        const user = `U${channel}`;
        const text = `<@${FAKE_BOT_USER_ID}> ${turn.question}`;
        turns.set(turn.id, turn);
        // The first question of each thread is a new top-level mention; the rest are asked in its thread.
        const request: SlackTurnRequest = {
          turn: turn.id,
          channel,
          user,
          text,
          newThread: turn.index % plan.turnsPerThread === 0,
        };
        const { ts, root } = await platform.turn<SlackTurnAnswer>(request);
        const event = {
          user,
          text,
          ts,
          channel,
          event_ts: ts,
          team: FAKE_TEAM_ID,
          ...(root !== ts ? { thread_ts: root } : {}),
        };
        const replica = nextReplica++;
        turn.sentAt = absoluteNow();
        const [mention, twin] = await Promise.all([
          postEvent(agent, portOf(replica), eventEnvelope({ type: 'app_mention', ...event }, nextEventId()), turn.id),
          postEvent(
            agent,
            portOf(replica + 1),
            eventEnvelope({ type: 'message', channel_type: 'channel', ...event }, nextEventId()),
            `${turn.id}/twin`,
          ),
        ]);
        turn.ackMs = absoluteNow() - turn.sentAt;
        if (mention !== 200 || twin !== 200) turn.errors.push(`event acknowledged with HTTP ${mention}/${twin}`);
      });
      const answered: Record<string, number> = {};
      for (let index = 0; index < plan.conversations; index++) answered[channelOf(index)] = 0;
      for (const turn of result.turns)
        if (turn.doneAt !== undefined)
          answered[channelOf(turn.conversation)] = (answered[channelOf(turn.conversation)] ?? 0) + 1;
      const summary = await platform.summary(answered);
      return {
        ...result,
        duplicates: summary.duplicates,
        platformCalls: summary.calls,
        errors: [...result.errors, ...summary.errors],
      };
    },
    cpuMs: () => platform.cpuMs(),
    loopDelayP99Ms: () => platform.loopDelayP99Ms(),
    async close() {
      agent.destroy();
      await platform.close();
    },
  };
}
