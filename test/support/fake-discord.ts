/**
 * A fake Discord on 127.0.0.1 for tests and benchmarks: the REST API under `/api/v10` (node:http) and
 * the gateway WebSocket (ws 8) on the same port. A real discord.js `Client` logs into it exactly as it
 * logs into Discord (`rest.api` → `GET /gateway/bot` → the WebSocket URL returned there), so intents,
 * partials, caching and the REST payloads discord.js builds are all exercised rather than mocked.
 *
 * It holds a small world with fixed ids (FAKE_IDS: one guild with #general, #reports and an active
 * thread; users alice, bob and dana; DM channels made on demand), stores every message posted either way, records every
 * REST
 * call (method, path, query, parsed body), lets a test await "the n-th call matching X" instead of
 * sleeping, and can dispatch MESSAGE_CREATE, MESSAGE_REACTION_ADD/REMOVE and INTERACTION_CREATE.
 * Like Discord, it strips message content from events when the MessageContent intent is missing
 * (except in DMs, mentions of the bot and the bot's own messages), and echoes the bot's own messages.
 *
 * It shards like Discord: each IDENTIFY's `shard: [id, count]` is kept with its session, a guild's events
 * go only to the session whose id is `shardForGuild(guild, count)`, DMs only to shard 0, and READY and
 * GUILD_CREATE list only that shard's guilds. A client that sends no `shard` is `[0, 1]` and sees everything.
 */
import { createServer, type IncomingHttpHeaders, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import {
  ApplicationCommandOptionType,
  ApplicationCommandType,
  ChannelType,
  ComponentType,
  GatewayDispatchEvents,
  GatewayIntentBits,
  GatewayOpcodes,
  InteractionType,
  MessageFlags,
  MessageType,
  PermissionFlagsBits,
  SnowflakeUtil,
  type APIMessage,
  type APIUser,
} from 'discord.js';
import { WebSocketServer, type WebSocket } from 'ws';

export const FAKE_DISCORD_TOKEN = 'fake-discord-bot-token';

/** One REST call as the fake received it. `path` is relative to `/api/v10`, without the query. */
export interface RecordedCall {
  method: string;
  path: string;
  query: Record<string, string>;
  headers: IncomingHttpHeaders;
  /** Parsed JSON body; `undefined` when empty or not JSON. */
  body: unknown;
  /** The HTTP status the fake answered with. */
  status: number;
}

/** Which calls a test is waiting for. Every given field must match. */
export interface CallMatcher {
  method?: string;
  path?: string | RegExp;
  where?: (call: RecordedCall) => boolean;
}

/** A scripted failure for the next matching call(s). */
export interface ScriptedFailure {
  status: number;
  /** Discord's JSON error code (50013 Missing Permissions, 10003 Unknown Channel …). */
  code?: number;
  message?: string;
  /** For 429: seconds, sent as `Retry-After` and `retry_after`. */
  retryAfter?: number;
  /** How many matching calls fail; default 1. */
  times?: number;
}

/** An interaction the fake dispatched: await its callback (the initial response) or follow-ups. */
export interface FakeInteraction {
  id: string;
  token: string;
  /** The initial response (`POST /interactions/{id}/{token}/callback`). */
  callback(): Promise<RecordedCall>;
  /** The n-th follow-up message (`POST /webhooks/{app}/{token}`), 1-based. */
  followUp(n?: number): Promise<RecordedCall>;
  /** The message the initial response created, once the callback (type 4) has arrived. */
  response(): APIMessage | undefined;
}

export interface UserMessageOptions {
  author?: APIUser;
  /** Dispatch it on every open session, not only its shard's, as a duplicated delivery would. */
  everyShard?: boolean;
  content: string;
  /** Channel id; defaults to #general. Ignored with `dm`. */
  channelId?: string;
  /** Send it in the author's DM channel with the bot. */
  dm?: boolean;
  /** Prefix `<@bot>` and list the bot in `mentions`. */
  mention?: boolean;
  /** Make it a reply (type 19) to this message id; the reply pings its author unless `ping: false`. */
  replyTo?: string;
  ping?: boolean;
}

export interface ReactionOptions {
  user?: APIUser;
  messageId: string;
  emoji?: string;
}

interface InteractionBase {
  user?: APIUser;
  channelId?: string;
  dm?: boolean;
  /** Give the member the Manage Server permission. */
  manageGuild?: boolean;
}

export interface SlashOptions extends InteractionBase {
  name?: string;
  subcommand: string;
  group?: string;
  options?: Record<string, string | number>;
}

export interface ModalSubmitOptions extends InteractionBase {
  customId: string;
  /** Text input custom id → value, sent in Discord's current Label-wrapped shape. */
  fields: Record<string, string>;
}

export interface ButtonOptions extends InteractionBase {
  customId: string;
  /** The message carrying the button (e.g. `interaction.response()` of an earlier command). */
  message: APIMessage;
}

export interface MessageCommandOptions extends InteractionBase {
  name: string;
  targetMessageId: string;
}

export interface FakeDiscordOptions {
  /** Intent bits the fake refuses at IDENTIFY with close code 4014, like an app without a privileged intent enabled. */
  disallowedIntents?: number;
  heartbeatIntervalMs?: number;
  /** The `shards` that `GET /gateway/bot` recommends; default 1. */
  recommendedShards?: number;
  /** Add a second guild (FAKE_IDS.otherGuild, with #lounge), which falls on the other shard of two. */
  otherGuild?: boolean;
}

export interface FakeDiscord {
  /** Give this to discord.js as `rest.api` (DISCORD_API_URL): `http://127.0.0.1:PORT/api`. */
  apiUrl: string;
  token: string;
  applicationId: string;
  bot: APIUser;
  users: { alice: APIUser; bob: APIUser; dana: APIUser };
  guildId: string;
  channels: { general: string; reports: string; thread: string };
  /** The second guild and its one channel; in the world only with the `otherGuild` option. */
  otherGuild: { id: string; lounge: string };
  /** The `shard` of every IDENTIFY, in order (`[0, 1]` when the client sent none). */
  identified: [number, number][];
  /** Every REST call, in order. */
  calls: RecordedCall[];
  callsMatching(matcher: CallMatcher): RecordedCall[];
  /** Resolves with the n-th call (1-based, counting from start) matching `matcher`, whenever it arrives. */
  waitForCall(matcher: CallMatcher, n?: number): Promise<RecordedCall>;
  /**
   * Resolves when a client has identified and been sent READY (the n-th time, counting resumes too); with
   * `shard`, counting only that shard's sessions.
   */
  waitForSession(n?: number, shard?: number): Promise<void>;
  /** Intents of the last IDENTIFY. */
  readonly intents: number | undefined;
  /** Messages of a channel in the order posted (user and bot alike). */
  messagesIn(channelId: string): APIMessage[];
  message(id: string): APIMessage | undefined;
  /** The DM channel id between `user` and the bot. */
  dmChannelOf(user: APIUser): string;
  /** Messages the bot posted or edited into `channelId` (current content), in order. */
  botMessagesIn(channelId: string): APIMessage[];
  userMessage(options: UserMessageOptions): APIMessage;
  /** A person starts a thread from a message (THREAD_CREATE); returns the thread's id, which is the message's. */
  startThread(messageId: string, name: string): string;
  react(options: ReactionOptions): void;
  unreact(options: ReactionOptions): void;
  slash(options: SlashOptions): FakeInteraction;
  messageCommand(options: MessageCommandOptions): FakeInteraction;
  modalSubmit(options: ModalSubmitOptions): FakeInteraction;
  button(options: ButtonOptions): FakeInteraction;
  /** Fail the next call(s) matching `matcher` with this answer. */
  failNext(matcher: CallMatcher, failure: ScriptedFailure): void;
  /**
   * Close the gateway connection of `shard` (default 0) with `code` (default 4000: the client resumes), as
   * Discord does now and then.
   */
  dropGateway(code?: number, shard?: number): void;
  close(): Promise<void>;
}

const API_PREFIX = '/api/v10';
const JOINED_AT = '2026-01-01T00:00:00.000000+00:00';
const EVERYONE_PERMISSIONS =
  PermissionFlagsBits.ViewChannel |
  PermissionFlagsBits.SendMessages |
  PermissionFlagsBits.SendMessagesInThreads |
  PermissionFlagsBits.ReadMessageHistory |
  PermissionFlagsBits.AddReactions |
  PermissionFlagsBits.UseApplicationCommands;
const ADMIN_PERMISSIONS = EVERYONE_PERMISSIONS | PermissionFlagsBits.ManageGuild;

type Json = Record<string, unknown>;

class HttpFailure extends Error {
  constructor(
    readonly status: number,
    readonly code: number,
    message: string,
  ) {
    super(message);
  }
}

const snowflake = (): string => SnowflakeUtil.generate().toString();

/** The fixed ids of the fake's world, so a test can name them in configuration (HEED_ADMINS, HEED_REPORTS_CHANNEL). */
export const FAKE_IDS = {
  bot: '1100000000000000001',
  guild: '1200000000000000001',
  alice: '1300000000000000001',
  bob: '1300000000000000002',
  dana: '1300000000000000003',
  general: '1400000000000000001',
  reports: '1400000000000000002',
  thread: '1450000000000000001',
  /** A second guild: of two shards it falls on shard 0, while `guild` falls on shard 1. */
  otherGuild: '1250000000000000001',
  lounge: '1400000000000000003',
} as const;

/**
 * The shard that receives a guild's events, by Discord's rule `(guild_id >> 22) % count`; events without a
 * guild (DMs) go to shard 0.
 */
export function shardForGuild(guildId: string | undefined, count: number): number {
  if (guildId === undefined) return 0;
  return Number((BigInt(guildId) >> 22n) % BigInt(count));
}

function user(id: string, username: string, globalName: string, bot = false): APIUser {
  return { id, username, discriminator: '0', global_name: globalName, avatar: null, bot };
}

function matches(call: RecordedCall, matcher: CallMatcher): boolean {
  if (matcher.method && matcher.method.toUpperCase() !== call.method) return false;
  if (typeof matcher.path === 'string' && matcher.path !== call.path) return false;
  if (matcher.path instanceof RegExp && !matcher.path.test(call.path)) return false;
  return matcher.where ? matcher.where(call) : true;
}

async function readBody(req: IncomingMessage): Promise<unknown> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  const raw = Buffer.concat(chunks).toString('utf8');
  if (raw === '' || !String(req.headers['content-type'] ?? '').startsWith('application/json')) return undefined;
  return JSON.parse(raw) as unknown;
}

function json(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  res.writeHead(status, { 'content-type': 'application/json', ...headers });
  res.end(JSON.stringify(body));
}

/** Start a fake Discord on an ephemeral port of 127.0.0.1. */
export async function startFakeDiscord(options: FakeDiscordOptions = {}): Promise<FakeDiscord> {
  const bot = user(FAKE_IDS.bot, 'heed', 'Heed', true);
  const applicationId = bot.id;
  const users = {
    alice: user(FAKE_IDS.alice, 'alice', 'Alice'),
    bob: user(FAKE_IDS.bob, 'bob', 'Bob'),
    dana: user(FAKE_IDS.dana, 'dana', 'Dana'),
  };
  const guildId = FAKE_IDS.guild;
  const channels = { general: FAKE_IDS.general, reports: FAKE_IDS.reports, thread: FAKE_IDS.thread };
  const otherGuild = { id: FAKE_IDS.otherGuild, lounge: FAKE_IDS.lounge };
  /** Every guild of the world → its text channels (id → name). */
  const guildChannels = new Map<string, Map<string, string>>([
    [
      guildId,
      new Map([
        [channels.general, 'general'],
        [channels.reports, 'reports'],
      ]),
    ],
  ]);
  if (options.otherGuild) guildChannels.set(otherGuild.id, new Map([[otherGuild.lounge, 'lounge']]));

  const calls: RecordedCall[] = [];
  const waiters: { matcher: CallMatcher; n: number; seen: number; resolve: (call: RecordedCall) => void }[] = [];
  const failures: { matcher: CallMatcher; failure: ScriptedFailure; left: number }[] = [];
  const messages = new Map<string, APIMessage[]>();
  const byId = new Map<string, APIMessage>();
  const dmChannels = new Map<string, string>();
  const dmRecipients = new Map<string, APIUser>();
  const interactionResponses = new Map<string, APIMessage>();
  /** Interaction token → the channel it was invoked in, where its responses appear. */
  const interactionChannels = new Map<string, string>();
  const commands = new Map<string, Json[]>();
  /** Sessions started (IDENTIFY or RESUME), in all and per shard id. */
  let sessions = 0;
  const shardSessions = new Map<number, number>();
  const sessionWaiters: { n: number; shard?: number; resolve: () => void }[] = [];
  let intents: number | undefined;
  const identified: [number, number][] = [];

  interface GatewaySession {
    socket: WebSocket;
    seq: number;
    identified: boolean;
    /** `[id, count]` from IDENTIFY. */
    shard: [number, number];
  }
  const gateways = new Set<GatewaySession>();
  /** Session id (from READY) → its shard `[id, count]`, so that a RESUME continues the same shard. */
  const sessionShards = new Map<string, [number, number]>();
  /** The count of the latest IDENTIFY: how events are routed while a shard has no open session. */
  let shardCount = 1;
  /** Per shard id, dispatches sent while it had no open session, replayed on RESUME like Discord does. */
  const missed = new Map<number, { t: string; d: unknown }[]>();

  const guildChannel = (id: string, name: string): Json => ({
    id,
    type: ChannelType.GuildText,
    guild_id: guildOf(id),
    name,
    position: 0,
    parent_id: null,
    topic: null,
    nsfw: false,
    rate_limit_per_user: 0,
    last_message_id: null,
    permission_overwrites: [],
    flags: 0,
  });
  /** Thread id → its parent channel and name; the fixed thread exists from the start. */
  const threads = new Map<string, { parentId: string; name: string }>([
    [channels.thread, { parentId: channels.general, name: 'a thread' }],
  ]);
  /** The guild of a channel or thread; undefined for a DM. */
  const guildOf = (channelId: string): string | undefined => {
    const parent = threads.get(channelId)?.parentId ?? channelId;
    for (const [guild, named] of guildChannels) if (named.has(parent)) return guild;
    return undefined;
  };
  const threadChannel = (id: string): Json => ({
    id,
    type: ChannelType.PublicThread,
    guild_id: guildOf(id),
    parent_id: threads.get(id)?.parentId,
    owner_id: users.alice.id,
    name: threads.get(id)?.name,
    last_message_id: null,
    rate_limit_per_user: 0,
    message_count: 0,
    member_count: 2,
    total_message_sent: 0,
    flags: 0,
    thread_metadata: { archived: false, auto_archive_duration: 1440, locked: false, archive_timestamp: JOINED_AT },
  });
  const dmChannel = (id: string): Json => ({
    id,
    type: ChannelType.DM,
    last_message_id: null,
    flags: 0,
    recipients: [dmRecipients.get(id)],
  });
  const channelObject = (id: string): Json | undefined => {
    const guild = guildOf(id);
    const name = guild === undefined ? undefined : guildChannels.get(guild)?.get(id);
    if (name !== undefined) return guildChannel(id, name);
    if (threads.has(id)) return threadChannel(id);
    if (dmRecipients.has(id)) return dmChannel(id);
    return undefined;
  };
  const isDm = (channelId: string): boolean => dmRecipients.has(channelId);

  const dmChannelOf = (person: APIUser): string => {
    let id = dmChannels.get(person.id);
    if (!id) {
      id = snowflake();
      dmChannels.set(person.id, id);
      dmRecipients.set(id, person);
    }
    return id;
  };

  const member = (person: APIUser, withUser: boolean, permissions?: bigint): Json => ({
    ...(withUser ? { user: person } : {}),
    roles: [],
    joined_at: JOINED_AT,
    deaf: false,
    mute: false,
    flags: 0,
    ...(permissions === undefined ? {} : { permissions: permissions.toString() }),
  });

  const guildCreate = (id: string): Json => ({
    id,
    name: id === guildId ? 'Test Guild' : 'Other Guild',
    icon: null,
    owner_id: users.dana.id,
    unavailable: false,
    large: false,
    member_count: 4,
    joined_at: JOINED_AT,
    features: [],
    emojis: [],
    stickers: [],
    voice_states: [],
    presences: [],
    stage_instances: [],
    guild_scheduled_events: [],
    soundboard_sounds: [],
    afk_timeout: 300,
    verification_level: 0,
    default_message_notifications: 0,
    explicit_content_filter: 0,
    mfa_level: 0,
    system_channel_flags: 0,
    premium_tier: 0,
    preferred_locale: 'en-US',
    nsfw_level: 0,
    roles: [
      {
        id,
        name: '@everyone',
        permissions: EVERYONE_PERMISSIONS.toString(),
        position: 0,
        color: 0,
        hoist: false,
        managed: false,
        mentionable: false,
        flags: 0,
      },
    ],
    channels: [...(guildChannels.get(id) ?? [])].map(([channel, name]) => guildChannel(channel, name)),
    threads: [...threads.keys()].filter((thread) => guildOf(thread) === id).map(threadChannel),
    members: [member(bot, true)],
  });

  /** What a client with the identified intents may see of a message (Discord's Message Content rule). */
  const visible = (message: APIMessage): APIMessage => {
    if (intents === undefined || (intents & GatewayIntentBits.MessageContent) !== 0) return message;
    if (isDm(message.channel_id) || message.author.id === bot.id || message.mentions.some((m) => m.id === bot.id))
      return message;
    return { ...message, content: '', embeds: [], attachments: [], components: [] };
  };

  // ---- gateway ----------------------------------------------------------------------------------

  const send = (session: GatewaySession, payload: Json): void => {
    if (session.socket.readyState === session.socket.OPEN) session.socket.send(JSON.stringify(payload));
  };
  const dispatchTo = (session: GatewaySession, t: string, d: unknown): void => {
    session.seq += 1;
    send(session, { op: GatewayOpcodes.Dispatch, t, s: session.seq, d });
  };
  /**
   * Send an event to the session of its guild's shard (`guild_id`; none: shard 0), or with `everyShard` to
   * every open session. Held for a RESUME while that shard has no open session.
   */
  const dispatch = (t: string, d: Json, everyShard = false): void => {
    const guild = typeof d.guild_id === 'string' ? d.guild_id : undefined;
    const open = [...gateways].filter(
      (session) => session.identified && (everyShard || shardForGuild(guild, session.shard[1]) === session.shard[0]),
    );
    for (const session of open) dispatchTo(session, t, d);
    if (open.length === 0) {
      const shard = shardForGuild(guild, shardCount);
      const held = missed.get(shard) ?? [];
      held.push({ t, d });
      missed.set(shard, held);
    }
  };
  const sessionsOf = (shard?: number): number => (shard === undefined ? sessions : (shardSessions.get(shard) ?? 0));
  const sessionStarted = (shard: number): void => {
    sessions += 1;
    shardSessions.set(shard, sessionsOf(shard) + 1);
    for (const waiter of [...sessionWaiters]) {
      if (sessionsOf(waiter.shard) >= waiter.n) {
        sessionWaiters.splice(sessionWaiters.indexOf(waiter), 1);
        waiter.resolve();
      }
    }
  };

  const server = createServer((req, res) => {
    void handleHttp(req, res).catch((error: unknown) => {
      if (!res.headersSent) json(res, 500, { message: String(error), code: 0 });
    });
  });
  const wss = new WebSocketServer({ server });
  const port = await new Promise<number>((resolve) => {
    server.listen(0, '127.0.0.1', () => resolve((server.address() as AddressInfo).port));
  });
  const gatewayUrl = `ws://127.0.0.1:${port}/gateway`;

  wss.on('connection', (socket, req) => {
    if (new URL(req.url ?? '/', 'http://fake').searchParams.get('compress')) {
      socket.close(4000, 'the fake speaks uncompressed JSON only');
      return;
    }
    const session: GatewaySession = { socket, seq: 0, identified: false, shard: [0, 1] };
    gateways.add(session);
    send(session, {
      op: GatewayOpcodes.Hello,
      d: { heartbeat_interval: options.heartbeatIntervalMs ?? 41_250 },
      s: null,
      t: null,
    });
    socket.on('message', (raw) => {
      const payload = JSON.parse(String(raw)) as { op: number; d: Json };
      if (payload.op === GatewayOpcodes.Heartbeat) {
        send(session, { op: GatewayOpcodes.HeartbeatAck });
      } else if (payload.op === GatewayOpcodes.Identify) {
        if (payload.d.token !== FAKE_DISCORD_TOKEN) {
          socket.close(4004, 'Authentication failed.');
          return;
        }
        intents = Number(payload.d.intents);
        if (options.disallowedIntents && (intents & options.disallowedIntents) !== 0) {
          socket.close(4014, 'Disallowed intent(s).');
          return;
        }
        const [id = NaN, count = NaN] = Array.isArray(payload.d.shard) ? payload.d.shard.map(Number) : [0, 1];
        if (!Number.isInteger(id) || !Number.isInteger(count) || id < 0 || id >= count) {
          socket.close(4010, 'Invalid shard.');
          return;
        }
        session.shard = [id, count];
        session.identified = true;
        shardCount = count;
        identified.push([id, count]);
        missed.delete(id);
        const sessionId = `session-${snowflake()}`;
        sessionShards.set(sessionId, session.shard);
        const guilds = [...guildChannels.keys()].filter((guild) => shardForGuild(guild, count) === id);
        dispatchTo(session, GatewayDispatchEvents.Ready, {
          v: 10,
          user: { ...bot, flags: 0, verified: true, mfa_enabled: false },
          guilds: guilds.map((guild) => ({ id: guild, unavailable: true })),
          session_id: sessionId,
          resume_gateway_url: gatewayUrl,
          shard: session.shard,
          application: { id: applicationId, flags: 0 },
        });
        for (const guild of guilds) dispatchTo(session, GatewayDispatchEvents.GuildCreate, guildCreate(guild));
        sessionStarted(id);
      } else if (payload.op === GatewayOpcodes.Resume) {
        const shard = sessionShards.get(String(payload.d.session_id));
        if (!shard || payload.d.token !== FAKE_DISCORD_TOKEN) {
          send(session, { op: GatewayOpcodes.InvalidSession, d: false });
          return;
        }
        session.shard = shard;
        session.identified = true;
        session.seq = Number(payload.d.seq);
        for (const event of missed.get(shard[0]) ?? []) dispatchTo(session, event.t, event.d);
        missed.delete(shard[0]);
        dispatchTo(session, GatewayDispatchEvents.Resumed, {});
        sessionStarted(shard[0]);
      }
    });
    socket.on('close', () => {
      gateways.delete(session);
    });
  });

  // ---- messages -----------------------------------------------------------------------------------

  const store = (message: APIMessage): APIMessage => {
    const list = messages.get(message.channel_id) ?? [];
    list.push(message);
    messages.set(message.channel_id, list);
    byId.set(message.id, message);
    return message;
  };

  const buildMessage = (fields: {
    channelId: string;
    author: APIUser;
    content: string;
    mentions: APIUser[];
    reference?: APIMessage;
    flags?: number;
    components?: unknown[];
  }): APIMessage => {
    const id = snowflake();
    const reference = fields.reference;
    const message = {
      id,
      channel_id: fields.channelId,
      type: reference ? MessageType.Reply : MessageType.Default,
      flags: fields.flags ?? 0,
      author: fields.author,
      content: fields.content,
      timestamp: new Date(SnowflakeUtil.timestampFrom(id)).toISOString(),
      edited_timestamp: null,
      tts: false,
      mention_everyone: false,
      mentions: fields.mentions,
      mention_roles: [],
      attachments: [],
      embeds: [],
      components: fields.components ?? [],
      pinned: false,
      ...(reference
        ? {
            message_reference: {
              type: 0,
              message_id: reference.id,
              channel_id: reference.channel_id,
              ...(isDm(reference.channel_id) ? {} : { guild_id: guildOf(reference.channel_id) }),
            },
            referenced_message: reference,
          }
        : {}),
    };
    return message as APIMessage;
  };

  /** The gateway shape of a message: plus guild_id, member and channel_type. */
  const gatewayMessage = (message: APIMessage): Json => {
    const dm = isDm(message.channel_id);
    const channelType = dm
      ? ChannelType.DM
      : threads.has(message.channel_id)
        ? ChannelType.PublicThread
        : ChannelType.GuildText;
    return {
      ...visible(message),
      channel_type: channelType,
      ...(dm ? {} : { guild_id: guildOf(message.channel_id), member: member(message.author, false) }),
    };
  };

  const userMessage = (opts: UserMessageOptions): APIMessage => {
    const author = opts.author ?? users.alice;
    const channelId = opts.dm ? dmChannelOf(author) : (opts.channelId ?? channels.general);
    const reference = opts.replyTo ? byId.get(opts.replyTo) : undefined;
    if (opts.replyTo && !reference) throw new Error(`fake-discord: no message ${opts.replyTo} to reply to`);
    const content = opts.mention ? `<@${bot.id}> ${opts.content}` : opts.content;
    // Like Discord: everyone written as <@id> is mentioned, and so is the author of a pinging reply.
    const mentions = [bot, ...Object.values(users)].filter(
      (u) => content.includes(`<@${u.id}>`) || content.includes(`<@!${u.id}>`),
    );
    if (reference && opts.ping !== false && !mentions.some((m) => m.id === reference.author.id))
      mentions.push(reference.author);
    const message = store(buildMessage({ channelId, author, content, mentions, ...(reference ? { reference } : {}) }));
    dispatch(GatewayDispatchEvents.MessageCreate, gatewayMessage(message), opts.everyShard);
    return message;
  };

  const startThread = (messageId: string, name: string): string => {
    const starter = byId.get(messageId);
    if (!starter) throw new Error(`fake-discord: no message ${messageId} to start a thread from`);
    // A thread started from a message takes the message's id, as on Discord.
    threads.set(messageId, { parentId: starter.channel_id, name });
    dispatch(GatewayDispatchEvents.ThreadCreate, { ...threadChannel(messageId), newly_created: true });
    return messageId;
  };

  const reaction = (event: GatewayDispatchEvents, opts: ReactionOptions): void => {
    const reactor = opts.user ?? users.alice;
    const target = byId.get(opts.messageId);
    if (!target) throw new Error(`fake-discord: no message ${opts.messageId} to react to`);
    const dm = isDm(target.channel_id);
    dispatch(event, {
      user_id: reactor.id,
      channel_id: target.channel_id,
      message_id: target.id,
      ...(dm ? {} : { guild_id: guildOf(target.channel_id) }),
      ...(event === GatewayDispatchEvents.MessageReactionAdd
        ? {
            message_author_id: target.author.id,
            burst: false,
            burst_colors: [],
            type: 0,
            ...(dm ? {} : { member: member(reactor, true) }),
          }
        : { burst: false, type: 0 }),
      emoji: { id: null, name: opts.emoji ?? '👎' },
    });
  };

  // ---- interactions ---------------------------------------------------------------------------------

  const interaction = (base: InteractionBase, type: InteractionType, data: Json, extra: Json = {}): FakeInteraction => {
    const invoker = base.user ?? users.alice;
    const id = snowflake();
    const token = `itoken-${id}`;
    const permissions = (base.manageGuild ? ADMIN_PERMISSIONS : EVERYONE_PERMISSIONS).toString();
    const channelId = base.dm ? dmChannelOf(invoker) : (base.channelId ?? channels.general);
    const channel = { ...channelObject(channelId), ...(base.dm ? {} : { permissions }) };
    const guild = guildOf(channelId);
    interactionChannels.set(token, channelId);
    dispatch(GatewayDispatchEvents.InteractionCreate, {
      id,
      application_id: applicationId,
      type,
      version: 1,
      token,
      channel_id: channelId,
      channel,
      ...(base.dm
        ? { user: invoker, context: 1, authorizing_integration_owners: { 0: '0' } }
        : {
            guild_id: guild,
            member: member(invoker, true, base.manageGuild ? ADMIN_PERMISSIONS : EVERYONE_PERMISSIONS),
            context: 0,
            authorizing_integration_owners: { 0: guild },
            guild_locale: 'en-US',
          }),
      app_permissions: permissions,
      locale: 'en-US',
      entitlements: [],
      attachment_size_limit: 10_485_760,
      data,
      ...extra,
    });
    return {
      id,
      token,
      callback: () => waitForCall({ method: 'POST', path: `/interactions/${id}/${token}/callback` }),
      followUp: (n = 1) => waitForCall({ method: 'POST', path: `/webhooks/${applicationId}/${token}` }, n),
      response: () => interactionResponses.get(token),
    };
  };

  const slash = (opts: SlashOptions): FakeInteraction => {
    const values = Object.entries(opts.options ?? {}).map(([name, value]) => ({
      name,
      type: typeof value === 'number' ? ApplicationCommandOptionType.Integer : ApplicationCommandOptionType.String,
      value,
    }));
    const sub = { name: opts.subcommand, type: ApplicationCommandOptionType.Subcommand, options: values };
    const options = opts.group
      ? [{ name: opts.group, type: ApplicationCommandOptionType.SubcommandGroup, options: [sub] }]
      : [sub];
    return interaction(opts, InteractionType.ApplicationCommand, {
      id: snowflake(),
      name: opts.name ?? 'instructions',
      type: ApplicationCommandType.ChatInput,
      options,
    });
  };

  const messageCommand = (opts: MessageCommandOptions): FakeInteraction => {
    const target = byId.get(opts.targetMessageId);
    if (!target) throw new Error(`fake-discord: no message ${opts.targetMessageId} to target`);
    return interaction(
      { ...opts, channelId: target.channel_id, dm: isDm(target.channel_id) },
      InteractionType.ApplicationCommand,
      {
        id: snowflake(),
        name: opts.name,
        type: ApplicationCommandType.Message,
        target_id: target.id,
        resolved: { messages: { [target.id]: visible(target) } },
      },
    );
  };

  const modalSubmit = (opts: ModalSubmitOptions): FakeInteraction => {
    let componentId = 0;
    const components = Object.entries(opts.fields).map(([customId, value]) => ({
      type: ComponentType.Label,
      id: ++componentId,
      component: { type: ComponentType.TextInput, id: ++componentId, custom_id: customId, value },
    }));
    return interaction(opts, InteractionType.ModalSubmit, { custom_id: opts.customId, components });
  };

  const button = (opts: ButtonOptions): FakeInteraction =>
    interaction(
      opts,
      InteractionType.MessageComponent,
      { custom_id: opts.customId, component_type: ComponentType.Button },
      { message: opts.message },
    );

  // ---- REST -------------------------------------------------------------------------------------------

  const record = (call: RecordedCall): void => {
    calls.push(call);
    // Each waiter counts its own matches, so recording stays cheap with many calls and waiters (benchmarks).
    for (const waiter of [...waiters]) {
      if (!matches(call, waiter.matcher)) continue;
      waiter.seen += 1;
      if (waiter.seen === waiter.n) {
        waiters.splice(waiters.indexOf(waiter), 1);
        waiter.resolve(call);
      }
    }
  };

  const waitForCall = (matcher: CallMatcher, n = 1): Promise<RecordedCall> => {
    const found = calls.filter((c) => matches(c, matcher));
    if (found.length >= n) return Promise.resolve(found[n - 1] as RecordedCall);
    return new Promise((resolve) => waiters.push({ matcher, n, seen: found.length, resolve }));
  };

  const scriptedFailure = (call: RecordedCall): ScriptedFailure | undefined => {
    const entry = failures.find((f) => f.left > 0 && matches(call, f.matcher));
    if (!entry) return undefined;
    entry.left -= 1;
    if (entry.left === 0) failures.splice(failures.indexOf(entry), 1);
    return entry.failure;
  };

  const postBotMessage = (channelId: string, body: Json, flags = 0): APIMessage => {
    if (!channelObject(channelId)) throw new HttpFailure(404, 10003, 'Unknown Channel');
    const ref = body.message_reference as { message_id?: string; fail_if_not_exists?: boolean } | undefined;
    const reference = ref?.message_id ? byId.get(ref.message_id) : undefined;
    if (ref?.message_id && !reference && ref.fail_if_not_exists !== false) {
      throw new HttpFailure(400, 50035, 'Invalid Form Body (message_reference: Unknown message)');
    }
    const content = typeof body.content === 'string' ? body.content : '';
    if (content.length > 2000)
      throw new HttpFailure(400, 50035, 'Invalid Form Body (content: Must be 2000 or fewer in length.)');
    if (content.trim() === '' && !Array.isArray(body.embeds))
      throw new HttpFailure(400, 50006, 'Cannot send an empty message');
    const message = buildMessage({
      channelId,
      author: bot,
      content,
      mentions: [],
      flags,
      components: Array.isArray(body.components) ? body.components : [],
      ...(reference ? { reference } : {}),
    });
    return store(message);
  };

  const editMessage = (message: APIMessage, body: Json): APIMessage => {
    if (typeof body.content === 'string') {
      if (body.content.length > 2000)
        throw new HttpFailure(400, 50035, 'Invalid Form Body (content: Must be 2000 or fewer in length.)');
      message.content = body.content;
    }
    if (Array.isArray(body.components)) message.components = body.components as NonNullable<APIMessage['components']>;
    message.edited_timestamp = new Date().toISOString();
    return message;
  };

  const route = (
    method: string,
    path: string,
    query: Record<string, string>,
    body: unknown,
  ): { status: number; body?: unknown } => {
    const payload = (body ?? {}) as Json;
    let match: RegExpExecArray | null;

    if (method === 'GET' && path === '/gateway/bot') {
      return {
        status: 200,
        body: {
          url: gatewayUrl,
          shards: options.recommendedShards ?? 1,
          session_start_limit: { total: 1000, remaining: 999, reset_after: 14_400_000, max_concurrency: 1 },
        },
      };
    }
    if (method === 'GET' && path === '/users/@me') return { status: 200, body: bot };
    if (method === 'GET' && path === '/applications/@me') {
      return {
        status: 200,
        body: {
          id: applicationId,
          name: 'Heed',
          description: '',
          bot_public: true,
          bot_require_code_grant: false,
          flags: 0,
          bot,
        },
      };
    }
    if ((match = /^\/applications\/(\d+)(?:\/guilds\/(\d+))?\/commands$/.exec(path))) {
      if (match[1] !== applicationId) throw new HttpFailure(403, 50001, 'Missing Access');
      const key = match[2] ?? 'global';
      if (method === 'PUT') {
        const echoed = (payload as unknown as Json[]).map((command) => ({
          id: commands.get(key)?.find((c) => c.name === command.name)?.id ?? snowflake(),
          application_id: applicationId,
          version: snowflake(),
          default_member_permissions: null,
          nsfw: false,
          type: ApplicationCommandType.ChatInput,
          description: '',
          ...(match?.[2] ? { guild_id: match[2] } : {}),
          ...command,
        }));
        commands.set(key, echoed);
        return { status: 200, body: echoed };
      }
      if (method === 'GET') return { status: 200, body: commands.get(key) ?? [] };
    }
    if ((match = /^\/interactions\/(\d+)\/([^/]+)\/callback$/.exec(path)) && method === 'POST') {
      const token = match[2] as string;
      const type = Number(payload.type);
      const data = (payload.data ?? {}) as Json;
      if (type === 4 || type === 5) {
        const response = buildMessage({
          channelId: interactionChannels.get(token) ?? channels.general,
          author: bot,
          content: typeof data.content === 'string' ? data.content : '',
          mentions: [],
          flags: Number(data.flags ?? 0),
          components: Array.isArray(data.components) ? data.components : [],
        });
        interactionResponses.set(token, response);
        byId.set(response.id, response);
      }
      return { status: 204 };
    }
    // discord.js sends `@original` percent-encoded.
    if ((match = /^\/webhooks\/(\d+)\/([^/]+)\/messages\/(?:@|%40)original$/.exec(path))) {
      const original = interactionResponses.get(match[2] as string);
      if (!original) throw new HttpFailure(404, 10008, 'Unknown Message');
      if (method === 'GET') return { status: 200, body: original };
      if (method === 'PATCH') return { status: 200, body: editMessage(original, payload) };
      if (method === 'DELETE') return { status: 204 };
    }
    if ((match = /^\/webhooks\/(\d+)\/([^/]+)$/.exec(path)) && method === 'POST') {
      const followUp = buildMessage({
        channelId: interactionChannels.get(match[2] as string) ?? channels.general,
        author: bot,
        content: typeof payload.content === 'string' ? payload.content : '',
        mentions: [],
        flags: Number(payload.flags ?? 0),
      });
      byId.set(followUp.id, followUp);
      return { status: 200, body: followUp };
    }
    if ((match = /^\/channels\/(\d+)\/typing$/.exec(path)) && method === 'POST') {
      if (!channelObject(match[1] as string)) throw new HttpFailure(404, 10003, 'Unknown Channel');
      return { status: 204 };
    }
    if ((match = /^\/channels\/(\d+)\/messages$/.exec(path))) {
      const channelId = match[1] as string;
      if (method === 'POST') {
        const message = postBotMessage(channelId, payload);
        dispatch(GatewayDispatchEvents.MessageCreate, gatewayMessage(message));
        return { status: 200, body: message };
      }
      if (method === 'GET') {
        if (!channelObject(channelId)) throw new HttpFailure(404, 10003, 'Unknown Channel');
        let list = [...(messages.get(channelId) ?? [])];
        if (query.before) list = list.filter((m) => BigInt(m.id) < BigInt(query.before as string));
        if (query.after) list = list.filter((m) => BigInt(m.id) > BigInt(query.after as string));
        const limit = Math.min(100, Number(query.limit ?? 50));
        // Newest first, as Discord returns them.
        return { status: 200, body: list.reverse().slice(0, limit).map(visible) };
      }
    }
    if ((match = /^\/channels\/(\d+)\/messages\/(\d+)$/.exec(path))) {
      const message = byId.get(match[2] as string);
      if (!message || message.channel_id !== match[1]) throw new HttpFailure(404, 10008, 'Unknown Message');
      if (method === 'GET') return { status: 200, body: visible(message) };
      if (method === 'PATCH') {
        const edited = editMessage(message, payload);
        dispatch(GatewayDispatchEvents.MessageUpdate, gatewayMessage(edited));
        return { status: 200, body: edited };
      }
      if (method === 'DELETE') {
        byId.delete(message.id);
        const list = messages.get(message.channel_id) ?? [];
        list.splice(list.indexOf(message), 1);
        return { status: 204 };
      }
    }
    if (
      /^\/channels\/(\d+)\/messages\/(\d+)\/reactions\/[^/]+\/@me$/.test(path) &&
      (method === 'PUT' || method === 'DELETE')
    ) {
      return { status: 204 };
    }
    if ((match = /^\/channels\/(\d+)$/.exec(path)) && method === 'GET') {
      const channel = channelObject(match[1] as string);
      if (!channel) throw new HttpFailure(404, 10003, 'Unknown Channel');
      return { status: 200, body: channel };
    }
    if (method === 'POST' && path === '/users/@me/channels') {
      const recipient = Object.values(users).find((u) => u.id === payload.recipient_id);
      if (!recipient) throw new HttpFailure(400, 50035, 'Invalid Form Body (recipient_id)');
      return { status: 200, body: dmChannel(dmChannelOf(recipient)) };
    }
    throw new HttpFailure(404, 0, '404: Not Found');
  };

  const unauthenticated = (path: string): boolean => path.startsWith('/interactions/') || path.startsWith('/webhooks/');

  async function handleHttp(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', `http://127.0.0.1:${port}`);
    const method = (req.method ?? 'GET').toUpperCase();
    const path = url.pathname.startsWith(API_PREFIX) ? url.pathname.slice(API_PREFIX.length) : url.pathname;
    const body = await readBody(req);
    const call: RecordedCall = {
      method,
      path,
      query: Object.fromEntries(url.searchParams),
      headers: req.headers,
      body,
      status: 0,
    };

    let status: number;
    let answer: unknown;
    let headers: Record<string, string> = {};
    const failure = scriptedFailure(call);
    if (failure) {
      status = failure.status;
      if (failure.status === 429) {
        const retryAfter = failure.retryAfter ?? 0;
        headers = { 'retry-after': String(retryAfter), 'x-ratelimit-scope': 'user' };
        answer = { message: 'You are being rate limited.', retry_after: retryAfter, global: false };
      } else {
        answer = { message: failure.message ?? 'Scripted failure', code: failure.code ?? 0 };
      }
    } else if (!unauthenticated(path) && req.headers.authorization !== `Bot ${FAKE_DISCORD_TOKEN}`) {
      status = 401;
      answer = { message: '401: Unauthorized', code: 0 };
    } else {
      try {
        const result = route(method, path, call.query, body);
        status = result.status;
        answer = result.body;
      } catch (error) {
        if (!(error instanceof HttpFailure)) throw error;
        status = error.status;
        answer = { message: error.message, code: error.code };
      }
    }
    call.status = status;
    if (status === 204) {
      res.writeHead(204);
      res.end();
    } else {
      json(res, status, answer, headers);
    }
    // Recorded after the answer is written, so a test that awaits a call also sees its effect.
    record(call);
  }

  return {
    apiUrl: `http://127.0.0.1:${port}/api`,
    token: FAKE_DISCORD_TOKEN,
    applicationId,
    bot,
    users,
    guildId,
    channels,
    otherGuild,
    identified,
    calls,
    get intents() {
      return intents;
    },
    callsMatching: (matcher) => calls.filter((call) => matches(call, matcher)),
    waitForCall,
    waitForSession(n = 1, shard) {
      if (sessionsOf(shard) >= n) return Promise.resolve();
      return new Promise((resolve) => sessionWaiters.push({ n, ...(shard === undefined ? {} : { shard }), resolve }));
    },
    messagesIn: (channelId) => [...(messages.get(channelId) ?? [])],
    message: (id) => byId.get(id),
    dmChannelOf,
    botMessagesIn: (channelId) => (messages.get(channelId) ?? []).filter((m) => m.author.id === bot.id),
    userMessage,
    startThread,
    react: (opts) => reaction(GatewayDispatchEvents.MessageReactionAdd, opts),
    unreact: (opts) => reaction(GatewayDispatchEvents.MessageReactionRemove, opts),
    slash,
    messageCommand,
    modalSubmit,
    button,
    failNext(matcher, failure) {
      failures.push({ matcher, failure, left: failure.times ?? 1 });
    },
    dropGateway(code = 4000, shard = 0) {
      for (const session of gateways) {
        if (session.shard[0] !== shard) continue;
        session.identified = false;
        session.socket.close(code, 'dropped by the test');
      }
    },
    async close() {
      for (const client of wss.clients) client.terminate();
      await new Promise<void>((resolve) => wss.close(() => resolve()));
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/** Interaction response types the tests assert on. */
export const CALLBACK = { message: 4, deferredMessage: 5, update: 7, modal: 9 } as const;
export const EPHEMERAL = MessageFlags.Ephemeral;
