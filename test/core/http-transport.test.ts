/**
 * HttpTransport, the fetch under the openai SDK, against a real HTTP server on 127.0.0.1: a streamed
 * answer arrives as an async-iterable body, any other answer as a standard Response, aborts behave as
 * with fetch (also after the answer is complete, when Node would otherwise throw from a pooled socket),
 * a cut body is a ResponseCutError, and connections are kept alive. The same through StreamedBody's
 * `forEach`, the model client's cheaper reader, which also holds the stream while its handler is busy.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, expect, it } from 'vitest';
import { HttpTransport, ResponseCutError, StreamedBody } from '../../src/core/http-transport.js';

let server: Server | undefined;
afterEach(async () => {
  server?.closeAllConnections();
  await new Promise((resolve) => server?.close(resolve));
  server = undefined;
});

/** Serve `handle`; resolves with the base URL and a count of the TCP connections accepted. */
async function serve(
  handle: (request: IncomingMessage, response: ServerResponse) => void,
): Promise<{ url: string; connections: () => number }> {
  let connections = 0;
  server = createServer((request, response) => {
    request.resume();
    request.on('end', () => handle(request, response));
  });
  server.on('connection', () => connections++);
  await new Promise<void>((resolve) => server?.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return { url: `http://127.0.0.1:${port}/v1/chat`, connections: () => connections };
}

async function read(body: unknown): Promise<string> {
  const chunks: Uint8Array[] = [];
  for await (const chunk of body as AsyncIterable<Uint8Array>) chunks.push(chunk);
  return Buffer.concat(chunks).toString('utf8');
}

it('hands a streamed answer over as an async-iterable body, with its status and headers', async () => {
  let seen: Record<string, string | undefined> = {};
  const { url } = await serve((request, response) => {
    seen = { method: request.method, type: request.headers['content-type'], length: request.headers['content-length'] };
    response.writeHead(200, { 'content-type': 'text/event-stream', 'x-request-id': 'req_1' });
    response.write('data: one\n\n');
    response.end('data: [DONE]\n\n');
  });
  const response = await new HttpTransport().fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: '{"a":"é"}',
  });
  expect(seen).toMatchObject({ method: 'POST', type: 'application/json', length: '10' });
  expect(response.status).toBe(200);
  expect(response.headers.get('x-request-id')).toBe('req_1');
  expect(Symbol.asyncIterator in (response.body as object)).toBe(true);
  expect(await read(response.body)).toBe('data: one\n\ndata: [DONE]\n\n');
});

it('reads an error answer whole into a Response that serves it from memory', async () => {
  const { url } = await serve((_request, response) => {
    response.writeHead(429, { 'content-type': 'application/json', 'retry-after': '7' });
    response.end('{"error":{"message":"slow down"}}');
  });
  const response = await new HttpTransport().fetch(url, { method: 'POST', body: '{}' });
  expect(response.ok).toBe(false);
  expect(response.status).toBe(429);
  expect(response.headers.get('retry-after')).toBe('7');
  expect(response).toBeInstanceOf(Response);
  expect(await response.json()).toEqual({ error: { message: 'slow down' } });
  expect(await response.text()).toBe('{"error":{"message":"slow down"}}');
  expect(Buffer.from(await response.arrayBuffer()).toString('utf8')).toBe('{"error":{"message":"slow down"}}');
  expect(await (await response.blob()).text()).toBe('{"error":{"message":"slow down"}}');
});

it('rejects with an AbortError when aborted before the answer, and after a complete one reads no further', async () => {
  const { url } = await serve((request, response) => {
    if (request.url?.endsWith('/never')) return;
    response.writeHead(200, { 'content-type': 'text/event-stream' });
    response.end('data: all of it\n\n');
  });
  const transport = new HttpTransport();

  const early = new AbortController();
  const pending = transport.fetch(`${url}/never`, { method: 'POST', body: '{}', signal: early.signal });
  early.abort();
  await expect(pending).rejects.toMatchObject({ name: 'AbortError' });

  const late = new AbortController();
  const response = await transport.fetch(url, { method: 'POST', body: '{}', signal: late.signal });
  const reading = read(response.body);
  late.abort();
  await expect(reading).rejects.toMatchObject({ name: 'AbortError' });
});

it('reports a body cut off mid-stream as a ResponseCutError', async () => {
  const { url } = await serve((_request, response) => {
    response.writeHead(200, { 'content-type': 'text/event-stream' });
    response.write('data: partial\n\n', () => response.destroy());
  });
  const response = await new HttpTransport().fetch(url, { method: 'POST', body: '{}' });
  await expect(read(response.body)).rejects.toBeInstanceOf(ResponseCutError);
});

it('keeps the connection alive from one request to the next', async () => {
  const { url, connections } = await serve((_request, response) => {
    response.writeHead(200, { 'content-type': 'text/event-stream' });
    response.end('data: [DONE]\n\n');
  });
  const transport = new HttpTransport();
  for (let i = 0; i < 3; i++) await read((await transport.fetch(url, { method: 'POST', body: '{}' })).body);
  expect(connections()).toBe(1);
});

/** A streamed answer's body, read through `forEach` as the model client reads it. */
function streamedBody(response: Response): StreamedBody {
  expect(response.body).toBeInstanceOf(StreamedBody);
  return response.body as unknown as StreamedBody;
}

it('hands each read to forEach in order, and holds the stream while a handler is busy', async () => {
  let written!: () => void;
  const allWritten = new Promise<void>((resolve) => (written = resolve));
  const { url } = await serve((_request, response) => {
    response.writeHead(200, { 'content-type': 'text/event-stream' });
    response.write('data: one\n\n');
    response.write('data: two\n\n');
    response.end('data: three\n\n', written);
  });
  const response = await new HttpTransport().fetch(url, { method: 'POST', body: '{}' });
  const reads: string[] = [];
  let busy = false;
  let overlapped = false;
  await streamedBody(response).forEach(async (bytes) => {
    overlapped ||= busy;
    busy = true;
    reads.push(Buffer.from(bytes).toString('utf8'));
    // The first read waits until the server has written everything: the rest must still wait for it.
    if (reads.length === 1) await allWritten;
    busy = false;
  });
  expect(overlapped).toBe(false);
  expect(reads.join('')).toBe('data: one\n\ndata: two\n\ndata: three\n\n');
});

it('rejects forEach with what the handler throws, unchanged', async () => {
  const { url } = await serve((_request, response) => {
    response.writeHead(200, { 'content-type': 'text/event-stream' });
    response.end('data: one\n\n');
  });
  const failure = new Error('the handler failed');
  const syncResponse = await new HttpTransport().fetch(url, { method: 'POST', body: '{}' });
  await expect(
    streamedBody(syncResponse).forEach(() => {
      throw failure;
    }),
  ).rejects.toBe(failure);
  const asyncResponse = await new HttpTransport().fetch(url, { method: 'POST', body: '{}' });
  await expect(streamedBody(asyncResponse).forEach(() => Promise.reject(failure))).rejects.toBe(failure);
});

it('rejects forEach with a ResponseCutError for a cut body, and an AbortError once aborted', async () => {
  const { url } = await serve((request, response) => {
    response.writeHead(200, { 'content-type': 'text/event-stream' });
    if (request.url?.endsWith('/cut')) response.write('data: partial\n\n', () => response.destroy());
    else response.end('data: all of it\n\n');
  });
  const transport = new HttpTransport();
  const cut = await transport.fetch(`${url}/cut`, { method: 'POST', body: '{}' });
  await expect(streamedBody(cut).forEach(() => undefined)).rejects.toBeInstanceOf(ResponseCutError);

  const late = new AbortController();
  const whole = await transport.fetch(url, { method: 'POST', body: '{}', signal: late.signal });
  const reading = streamedBody(whole).forEach(() => undefined);
  late.abort();
  await expect(reading).rejects.toMatchObject({ name: 'AbortError' });
});
