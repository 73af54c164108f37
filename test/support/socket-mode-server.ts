/**
 * A Socket Mode endpoint as Slack runs it: it greets every connection with `hello` and records what
 * each sends back (the acks of envelopes), so a test can push envelopes down any connection and wait
 * for their acks.
 */
import type { AddressInfo } from 'node:net';
import { WebSocketServer, type WebSocket } from 'ws';

export interface SocketModeServer {
  /** The `wss` URL to hand out in `apps.connections.open`. */
  url: string;
  /** The `n`-th connection (0 first), once it has been made. */
  connection(n: number): Promise<WebSocket>;
  /** The first message an app sent back for `envelopeId` (its ack), once it has. */
  received(envelopeId: string): Promise<Record<string, unknown>>;
  close(): Promise<void>;
}

/** Start the endpoint on a free port of 127.0.0.1. */
export async function startSocketModeServer(): Promise<SocketModeServer> {
  const server = new WebSocketServer({ port: 0, host: '127.0.0.1' });
  await new Promise<void>((resolve) => server.once('listening', () => resolve()));
  const connections: WebSocket[] = [];
  const messages: Record<string, unknown>[] = [];
  const waiters: (() => void)[] = [];
  const changed = () => waiters.splice(0).forEach((wake) => wake());
  const until = async <T>(found: () => T | undefined): Promise<T> => {
    for (let value = found(); ; value = found()) {
      if (value !== undefined) return value;
      await new Promise<void>((resolve) => waiters.push(resolve));
    }
  };
  server.on('connection', (ws) => {
    ws.on('message', (data: Buffer) => {
      messages.push(JSON.parse(data.toString('utf8')) as Record<string, unknown>);
      changed();
    });
    connections.push(ws);
    ws.send(
      JSON.stringify({
        type: 'hello',
        num_connections: connections.length,
        debug_info: { host: 'fake' },
        connection_info: { app_id: 'A0APP' },
      }),
    );
    changed();
  });
  return {
    url: `ws://127.0.0.1:${(server.address() as AddressInfo).port}/link`,
    connection: (n) => until(() => connections[n]),
    received: (envelopeId) => until(() => messages.find((message) => message.envelope_id === envelopeId)),
    async close() {
      for (const client of server.clients) client.terminate();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
