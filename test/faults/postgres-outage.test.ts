/**
 * PostgreSQL ends connections Heed holds idle in its pool (a restart, a failover, an administrator). The
 * pool learns of it only when it uses one: a proxy between Heed and the server answers the next statement
 * on every connection open at that moment with the server's own "terminating connection" error (SQLSTATE
 * 57P01) and closes it. Nothing may crash, and the next message must be answered and stored.
 */
import { createServer, connect, type Server, type Socket } from 'node:net';
import { afterEach, expect, it } from 'vitest';
import { FAKE_REPLY, startFakeOpenAI } from '../support/fake-openai.js';
import { message } from '../support/core-messages.js';
import { recordingSink } from '../support/recording-sink.js';
import { createTestCore } from '../support/test-core.js';
import { freshPostgres } from '../support/test-databases.js';

let cleanup: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const step of cleanup.reverse()) await step();
  cleanup = [];
});

/** A PostgreSQL ErrorResponse message: FATAL 57P01, as a backend sends when an administrator ends it. */
function terminatingError(): Buffer {
  const fields = Buffer.from('SFATAL\0VFATAL\0C57P01\0Mterminating connection due to administrator command\0\0');
  const header = Buffer.alloc(5);
  header.write('E', 0);
  header.writeInt32BE(fields.length + 4, 1);
  return Buffer.concat([header, fields]);
}

/** A TCP proxy to `target` that can end every connection open now the way a terminated backend does. */
async function startProxy(target: URL): Promise<{ url: string; endAll(): number; close(): Promise<void> }> {
  const open = new Set<{ client: Socket; ended: boolean }>();
  const server: Server = createServer((client) => {
    const link = { client, ended: false };
    open.add(link);
    const upstream = connect(Number(target.port || 5432), target.hostname);
    client.on('data', (data) => {
      if (!link.ended) {
        upstream.write(data);
        return;
      }
      // The backend is gone: whatever the client sends next is answered with the error, then the socket closes.
      client.end(terminatingError());
      upstream.destroy();
    });
    upstream.on('data', (data) => {
      if (!link.ended) client.write(data);
    });
    const drop = () => {
      open.delete(link);
      client.destroy();
      upstream.destroy();
    };
    client.on('close', drop);
    upstream.on('close', drop);
    client.on('error', drop);
    upstream.on('error', drop);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  const proxied = new URL(target);
  proxied.hostname = '127.0.0.1';
  proxied.port = String(typeof address === 'object' && address ? address.port : 0);
  return {
    url: proxied.toString(),
    endAll() {
      for (const link of open) link.ended = true;
      return open.size;
    },
    close: () =>
      new Promise<void>((resolve) => {
        for (const link of open) link.client.destroy();
        server.close(() => resolve());
      }),
  };
}

it('GIVEN every pooled connection ended while idle THEN nothing crashes and the next reply is answered and stored', async () => {
  const openai = await startFakeOpenAI();
  cleanup.push(() => openai.close());
  const database = await freshPostgres();
  cleanup.push(() => database.drop());
  const proxy = await startProxy(new URL(database.url));
  cleanup.push(() => proxy.close());
  const test = await createTestCore({ openaiUrl: openai.url, env: { DATABASE_URL: proxy.url } });
  cleanup.push(() => test.close());

  const first = await test.core.respond(message('U1', 'hello', { messageId: 'm1' }), recordingSink('r1'));
  expect(first).toMatchObject({ status: 'replied', snapshotStored: true });

  expect(proxy.endAll()).toBeGreaterThan(0);
  const second = await test.core.respond(message('U1', 'still there?', { messageId: 'm2' }), recordingSink('r2'));
  expect(second).toMatchObject({ status: 'replied', snapshotStored: true, text: FAKE_REPLY });
  expect(await test.core.health()).toEqual({ ok: true, database: 'ok' });
});
