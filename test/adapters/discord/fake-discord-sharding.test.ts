/**
 * The fake Discord shards like Discord: the routing rule itself, and what two raw gateway sessions (no
 * discord.js in between, so the payloads are seen exactly as sent) receive when they identify as
 * shard 0 and shard 1 of two.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { GatewayDispatchEvents, GatewayOpcodes } from 'discord.js';
import WebSocket from 'ws';
import {
  FAKE_IDS,
  shardForGuild,
  startFakeDiscord,
  type FakeDiscord,
  type FakeDiscordOptions,
} from '../../support/fake-discord.js';

interface Dispatch {
  t: string;
  d: Record<string, unknown>;
}

/** One raw gateway session: every dispatch it receives, and a way to wait for the n-th of a type. */
interface RawSession {
  dispatches: Dispatch[];
  waitFor(type: string, n?: number): Promise<Dispatch>;
  close(): void;
}

let fake: FakeDiscord;
const fakes: FakeDiscord[] = [];
const sockets: WebSocket[] = [];

afterEach(async () => {
  for (const socket of sockets.splice(0)) socket.terminate();
  for (const started of fakes.splice(0)) await started.close();
});

async function start(options: FakeDiscordOptions): Promise<void> {
  fake = await startFakeDiscord(options);
  fakes.push(fake);
}

/** Connect where `GET /gateway/bot` says, and IDENTIFY with `shard` (none: an unsharded client). */
async function identify(shard?: [number, number]): Promise<RawSession> {
  const info = (await (
    await fetch(`${fake.apiUrl}/v10/gateway/bot`, { headers: { authorization: `Bot ${fake.token}` } })
  ).json()) as { url: string };
  const socket = new WebSocket(`${info.url}?v=10&encoding=json`);
  sockets.push(socket);
  const dispatches: Dispatch[] = [];
  const waiters: { type: string; n: number; resolve: (d: Dispatch) => void }[] = [];
  const matching = (type: string) => dispatches.filter((d) => d.t === type);
  socket.on('message', (raw) => {
    const payload = JSON.parse(String(raw)) as { op: number; t: string; d: Record<string, unknown> };
    if (payload.op === GatewayOpcodes.Hello) {
      socket.send(
        JSON.stringify({
          op: GatewayOpcodes.Identify,
          d: { token: fake.token, intents: 0, properties: {}, ...(shard ? { shard } : {}) },
        }),
      );
    }
    if (payload.op !== GatewayOpcodes.Dispatch) return;
    dispatches.push({ t: payload.t, d: payload.d });
    for (const waiter of [...waiters]) {
      const found = matching(waiter.type)[waiter.n - 1];
      if (found) {
        waiters.splice(waiters.indexOf(waiter), 1);
        waiter.resolve(found);
      }
    }
  });
  return {
    dispatches,
    waitFor(type, n = 1) {
      const found = matching(type)[n - 1];
      return found ? Promise.resolve(found) : new Promise((resolve) => waiters.push({ type, n, resolve }));
    },
    close: () => socket.close(1000),
  };
}

describe('shardForGuild', () => {
  it("GIVEN a guild id THEN its shard is (id >> 22) % count, Discord's rule", () => {
    // The example other libraries document (serenity's shard_id): guild 81384788765712384 is on shard 7 of 17.
    expect(shardForGuild('81384788765712384', 17)).toBe(7);
    expect(shardForGuild(FAKE_IDS.guild, 2)).toBe(1);
    expect(shardForGuild(FAKE_IDS.otherGuild, 2)).toBe(0);
    expect(shardForGuild(FAKE_IDS.guild, 1)).toBe(0);
  });

  it('GIVEN no guild (a DM) THEN shard 0, whatever the count', () => {
    expect(shardForGuild(undefined, 1)).toBe(0);
    expect(shardForGuild(undefined, 5)).toBe(0);
  });
});

describe('the fake Discord, sharded', () => {
  it('GIVEN a recommended count THEN GET /gateway/bot returns it', async () => {
    await start({ recommendedShards: 3 });
    const response = await fetch(`${fake.apiUrl}/v10/gateway/bot`, { headers: { authorization: `Bot ${fake.token}` } });
    expect(((await response.json()) as { shards: number }).shards).toBe(3);
  });

  it('GIVEN sessions for shards 0 and 1 of two THEN each READY and GUILD_CREATE lists only its own guild', async () => {
    await start({ otherGuild: true, recommendedShards: 2 });
    const zero = await identify([0, 2]);
    const one = await identify([1, 2]);
    const [ready0, ready1] = await Promise.all([zero.waitFor('READY'), one.waitFor('READY')]);
    await Promise.all([zero.waitFor('GUILD_CREATE'), one.waitFor('GUILD_CREATE'), fake.waitForSession(2)]);

    expect(ready0.d.shard).toEqual([0, 2]);
    expect(ready0.d.guilds).toEqual([{ id: FAKE_IDS.otherGuild, unavailable: true }]);
    expect(ready1.d.shard).toEqual([1, 2]);
    expect(ready1.d.guilds).toEqual([{ id: FAKE_IDS.guild, unavailable: true }]);
    expect(zero.dispatches.filter((d) => d.t === 'GUILD_CREATE').map((d) => d.d.id)).toEqual([FAKE_IDS.otherGuild]);
    expect(one.dispatches.filter((d) => d.t === 'GUILD_CREATE').map((d) => d.d.id)).toEqual([FAKE_IDS.guild]);
    expect(fake.identified).toEqual([
      [0, 2],
      [1, 2],
    ]);
    expect(ready0.d.session_id).not.toBe(ready1.d.session_id);
  });

  it("GIVEN two shards THEN a guild's message goes only to its shard, a DM only to shard 0, a duplicate to both", async () => {
    await start({ otherGuild: true });
    const zero = await identify([0, 2]);
    const one = await identify([1, 2]);
    await Promise.all([fake.waitForSession(1, 0), fake.waitForSession(1, 1)]);

    const inGuild = fake.userMessage({ content: 'in the first guild', mention: true });
    const inOther = fake.userMessage({ content: 'in the other guild', channelId: fake.otherGuild.lounge });
    const direct = fake.userMessage({ content: 'a DM', dm: true });
    const twice = fake.userMessage({ content: 'delivered twice', mention: true, everyShard: true });
    const slash = fake.slash({ subcommand: 'help', channelId: fake.otherGuild.lounge });
    // Each session receives its events in order: the last one each should get tells that the rest has arrived.
    await Promise.all([zero.waitFor(GatewayDispatchEvents.InteractionCreate), one.waitFor('MESSAGE_CREATE', 2)]);

    const created = (session: RawSession) =>
      session.dispatches.filter((d) => d.t === 'MESSAGE_CREATE').map((d) => d.d.id);
    expect(created(zero)).toEqual([inOther.id, direct.id, twice.id]);
    expect(created(one)).toEqual([inGuild.id, twice.id]);
    const interaction = zero.dispatches.find((d) => d.t === 'INTERACTION_CREATE');
    expect(interaction?.d.id).toBe(slash.id);
    expect(interaction?.d.guild_id).toBe(FAKE_IDS.otherGuild);
    expect(one.dispatches.some((d) => d.t === 'INTERACTION_CREATE')).toBe(false);
  });

  it('GIVEN a client that sends no shard THEN it is [0, 1] and receives every guild, as before sharding', async () => {
    await start({ otherGuild: true });
    const only = await identify();
    const ready = await only.waitFor('READY');
    await only.waitFor('GUILD_CREATE', 2);

    expect(ready.d.shard).toEqual([0, 1]);
    expect((ready.d.guilds as { id: string }[]).map((g) => g.id).sort()).toEqual(
      [FAKE_IDS.guild, FAKE_IDS.otherGuild].sort(),
    );
    fake.userMessage({ content: 'anywhere', channelId: fake.otherGuild.lounge });
    fake.userMessage({ content: 'anywhere else', mention: true });
    await only.waitFor('MESSAGE_CREATE', 2);
  });
});
