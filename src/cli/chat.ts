/**
 * `npm run chat`: talk to the same core as one local person, in the terminal. Plain lines are
 * messages; `/instructions …` works as on the platforms; `/bad [note]` and `/good` rate the last reply;
 * `/rewrite` asks again for the last reply when it missed a checked instruction (named in a dim line).
 * Reads standard input line by line, so a file can be piped in.
 */
import { randomUUID } from 'node:crypto';
import { createInterface } from 'node:readline';
import { loadConfig } from '../config.js';
import { runEntry } from '../entry.js';
import { heedFromConfig } from '../app.js';
import type { CommandResult } from '../core/api.js';
import { createLogger } from '../core/logger.js';
import type { Actor, ComplianceNotice, HistoryMessage, MessageRef, ReplySink, RewriteSink } from '../core/types.js';
import { appliedLine, commandMessage, FORGET_ME_CANCELLED } from '../messages/command-messages.js';
import { missedMessage, REVISED_MARKER, rewriteMessage } from '../messages/compliance-messages.js';
import { terminalMarkup } from './markup.js';

const HELP =
  'Type a message and press Enter. /instructions help lists the instruction commands; ' +
  '/bad [note] or /good rates my last reply; /why explains it; /rewrite fixes my last reply when it missed your ' +
  'instructions; /quit leaves.';

/** Dim on a terminal (ANSI faint), plain when the output is piped. */
function dim(text: string): string {
  return process.stdout.isTTY ? `\x1b[2m${text}\x1b[22m` : text;
}

function write(text: string): void {
  process.stdout.write(text);
}

async function main(): Promise<void> {
  const config = loadConfig();
  // The conversation owns the terminal: below the default level, only fatal problems interrupt it.
  const logger = createLogger({ level: config.LOG_LEVEL === 'info' ? 'fatal' : config.LOG_LEVEL });
  const core = await heedFromConfig(config, logger);
  const userId = process.env.USER ?? 'me';
  const actor: Actor = {
    platform: 'terminal',
    workspaceId: 'local',
    channelId: 'terminal',
    userId,
    userName: userId,
    isPlatformAdmin: true,
  };
  const session = randomUUID().slice(0, 8);
  const history: HistoryMessage[] = [];
  let turn = 0;
  let lastReply: MessageRef | undefined;
  let pendingConfirm = false;
  /** The report whose suggested edit waits for /accept or /dismiss. */
  let pendingEdit: string | undefined;

  const interactive = process.stdin.isTTY === true;
  if (interactive) write(`Heed terminal chat. ${HELP}\n`);
  if (!core.modelConfigured) {
    write(
      'No model is configured, so I can run /instructions commands but not answer messages.\n' +
        'Set OPENAI_API_KEY for OpenAI, or OPENAI_BASE_URL for a local OpenAI-compatible server, e.g.\n' +
        '  OPENAI_BASE_URL=http://127.0.0.1:11434/v1 OPENAI_MODEL=llama3.2 npm run chat   (Ollama)\n',
    );
  }

  const show = (result: CommandResult) => {
    if (result.kind === 'confirm_forget_me') {
      pendingConfirm = true;
      write(`${commandMessage(result, terminalMarkup)}\nType "yes" to confirm, anything else to cancel.\n`);
    } else write(`${commandMessage(result, terminalMarkup)}\n`);
  };

  // Dim on a terminal; plain text when the output is piped to a file.
  const flag = async (notice: ComplianceNotice) => {
    write(`${dim(`${missedMessage(notice, terminalMarkup)} Type /rewrite to have me fix it.`)}\n`);
  };
  /** Where a revision of the reply `replyId` goes: printed anew under the marker, then handed to `shown`. */
  const rewriteSink = (replyId: string, shown: (text: string) => void): RewriteSink => ({
    replace: async (text) => {
      write(`${dim(`(${REVISED_MARKER})`)}\n${text}\n`);
      shown(text);
      return [replyId];
    },
    flag,
  });
  /** The last answer in the history becomes the revision, so that the model sees what the person saw. */
  const reviseLast = (text: string) => {
    const last = history.at(-1);
    if (last?.role === 'assistant') last.text = text;
  };

  const lines = createInterface({ input: process.stdin, terminal: false });
  for await (const raw of lines) {
    const line = raw.trim();
    if (pendingConfirm) {
      pendingConfirm = false;
      if (line.toLowerCase() === 'yes') {
        show(await core.confirmForgetMe(actor));
        history.length = 0;
        lastReply = undefined;
        pendingEdit = undefined;
      } else write(`${FORGET_ME_CANCELLED}\n`);
      continue;
    }
    if (line === '') continue;
    if (line === '/quit' || line === '/exit') break;
    if (line === '/help') {
      write(`${HELP}\n`);
      continue;
    }
    const command = /^\/instructions(?:\s+([\s\S]*))?$/i.exec(line);
    if (command) {
      show(await core.command(actor, command[1] ?? ''));
      continue;
    }
    if (line === '/why') {
      if (lastReply) show(await core.why(lastReply, actor));
      else write('There is no reply of mine to explain yet.\n');
      continue;
    }
    if (line === '/accept' || line === '/dismiss') {
      if (pendingEdit) show(await core.decideEdit(pendingEdit, actor, line === '/accept'));
      else write('There is no suggested edit waiting.\n');
      pendingEdit = undefined;
      continue;
    }
    const rating = /^\/(bad|good)(?:\s+([\s\S]*))?$/i.exec(line);
    if (rating) {
      if (!lastReply) {
        write('There is no reply of mine to rate yet.\n');
        continue;
      }
      const signal = rating[1]?.toLowerCase() === 'good' ? 'good' : 'bad';
      const note = rating[2];
      const outcome = await core.report({
        target: lastReply,
        reporter: actor,
        source: 'command',
        signal,
        ...(note ? { note } : {}),
      });
      write(
        outcome.status === 'filed'
          ? signal === 'bad'
            ? `Reported as an instruction-following failure (report ${outcome.reportId}). Thank you.\n`
            : 'Thanks, noted as a good answer.\n'
          : 'That reply is no longer stored, so it cannot be rated.\n',
      );
      if (outcome.status === 'filed' && signal === 'bad' && note) {
        const suggestion = await core.suggestEdit(outcome.reportId, actor);
        if (suggestion.kind === 'edit_suggested') {
          pendingEdit = suggestion.reportId;
          const how = 'Type /accept to save it or /dismiss to keep your instructions as they are.';
          write(`${commandMessage(suggestion, terminalMarkup)}\n${how}\n`);
        }
      }
      continue;
    }
    if (line === '/rewrite') {
      if (!lastReply) {
        write('There is no reply of mine to rewrite yet.\n');
        continue;
      }
      const outcome = await core.rewrite(lastReply, actor, rewriteSink(lastReply.messageId, reviseLast));
      const refused = rewriteMessage(outcome);
      if (refused) write(`${refused}\n`);
      continue;
    }
    if (line.startsWith('/')) {
      write(`Unknown command ${line.split(/\s/)[0]}. ${HELP}\n`);
      continue;
    }

    turn += 1;
    const messageId = `${session}-m${turn}`;
    const replyId = `${session}-r${turn}`;
    let revised: string | undefined;
    const sink: ReplySink = {
      ...rewriteSink(replyId, (text) => {
        revised = text;
      }),
      append: (delta) => write(delta),
      finish: async (_text, applied) => {
        write(applied ? `\n${dim(`${appliedLine(applied, terminalMarkup)} · /why explains`)}\n` : '\n');
        return [replyId];
      },
      fail: async (userMessage, partialText) => {
        write(`${partialText ? '\n' : ''}${userMessage}\n`);
        return [replyId];
      },
    };
    if (interactive) write('heed> ');
    const outcome = await core.respond(
      {
        platform: 'terminal',
        workspaceId: 'local',
        channelId: 'terminal',
        messageId,
        userId,
        userName: userId,
        text: line,
        history: [...history],
        isDirect: true,
      },
      sink,
    );
    history.push({ role: 'user', speaker: userId, text: line });
    if (outcome.status === 'replied' || outcome.status === 'partial') {
      // A fix-mode revision printed during respond() replaced the text; keep the one the person saw last.
      history.push({ role: 'assistant', text: revised ?? outcome.text });
      lastReply = { platform: 'terminal', workspaceId: 'local', channelId: 'terminal', messageId: replyId };
    }
  }
  await core.drain(5000);
  await core.close();
}

await runEntry(main, 'The chat could not start');
