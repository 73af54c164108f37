/**
 * Child process for the end-to-end benchmark: the fake platform server alone (Slack or Discord, as
 * BENCH_PLATFORM says), so that its stamps of Heed's calls are not delayed by the load generator's own
 * work. Started by `startPlatformProcess`; requests and reply events travel over the IPC channel.
 */
import { discordWatch } from './discord-watch.js';
import { answerClock, loopDelaySinceLast } from './ipc.js';
import type { PlatformWatch, ReplyEvent } from './platform-watch.js';
import { slackWatch } from './slack-watch.js';

const expectedReply = process.env.BENCH_EXPECTED_REPLY ?? '';
const emit = (event: ReplyEvent): void => {
  process.send?.(event);
};
const watch: PlatformWatch =
  process.env.BENCH_PLATFORM === 'discord'
    ? await discordWatch(expectedReply, emit)
    : await slackWatch(expectedReply, emit, process.env.BENCH_REPLY_ENDS_AT_STOP === '1');
const loopDelay = loopDelaySinceLast();

process.on(
  'message',
  (message: { type: string; rid?: number; request?: Record<string, unknown>; answered?: Record<string, number> }) => {
    if (answerClock(message)) return;
    if (message.type === 'turn') {
      process.send?.({ type: 'answer', rid: message.rid, answer: watch.turn(message.request ?? {}) });
    } else if (message.type === 'summary') {
      process.send?.({ type: 'answer', rid: message.rid, answer: watch.summary(message.answered ?? {}) });
    } else if (message.type === 'cpu') {
      const usage = process.cpuUsage();
      process.send?.({ type: 'answer', rid: message.rid, answer: (usage.user + usage.system) / 1000 });
    } else if (message.type === 'loop') {
      process.send?.({ type: 'answer', rid: message.rid, answer: loopDelay() });
    } else if (message.type === 'close') {
      void watch.close().then(() => process.exit(0));
    }
  },
);
process.on('disconnect', () => process.exit(0));
process.send?.({ type: 'ready', env: watch.env });
