// Runs in a worker thread: opens its own connection and races the other workers to claim the same messages.
import { parentPort, workerData } from 'node:worker_threads';
import { openDatabase } from '../../../src/core/storage/database.js';
import { MessageClaims } from '../../../src/core/storage/message-claims.js';

interface ClaimWorkerData {
  path: string;
  owner: string;
  messages: number;
  /** Int32Array over a SharedArrayBuffer: [ready count, go flag]. */
  gate: Int32Array;
  workers: number;
}

const { path, owner, messages, gate, workers } = workerData as ClaimWorkerData;
const db = await openDatabase(path, { busyTimeoutMs: 60_000 });
const claims = new MessageClaims(db);

// Start together: the last worker to arrive opens the gate for everyone.
if (Atomics.add(gate, 0, 1) + 1 === workers) {
  Atomics.store(gate, 1, 1);
  Atomics.notify(gate, 1);
} else {
  Atomics.wait(gate, 1, 0);
}

const won: number[] = [];
for (let i = 0; i < messages; i++) {
  const ref = { platform: 'slack' as const, workspaceId: 'T1', channelId: 'C1', messageId: String(i) };
  if ((await claims.claim(ref, owner)) === 'claimed') won.push(i);
}
db.close();
parentPort?.postMessage(won);
