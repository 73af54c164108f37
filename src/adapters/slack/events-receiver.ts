/**
 * Bolt's Receiver for HTTP mode, with its HTTP server on a thread of its own (events-thread.ts) so that
 * events are accepted and acknowledged however busy this thread is. Here, each request the thread hands
 * over becomes a ReceiverEvent for `app.processEvent`; a command's or interaction's ack() travels back to
 * the thread, which writes it as Bolt's HTTPResponseAck would. A thread that dies is logged and replaced
 * on the same port; the process carries on.
 */
import { Worker } from 'node:worker_threads';
import { ReceiverMultipleAckError, type App, type Receiver, type ReceiverEvent } from '@slack/bolt';
import type { Logger } from '../../core/logger.js';
import type { FromThread, ThreadSettings, ToThread } from './events-protocol.js';
import type { HealthAnswer } from './health.js';
import { WorkSlices } from './work-slices.js';

export interface EventsReceiverOptions {
  signingSecret: string;
  logger: Logger;
  /** The answer to `GET /healthz` for a request with this Authorization header. */
  health: (authorization: string | undefined) => Promise<HealthAnswer>;
}

/** Where to listen: PORT (0 picks a free one), HOST (all interfaces when absent), the accept backlog. */
export interface ListenOptions {
  port: number;
  host?: string | undefined;
  backlog: number;
}

/** Where the server listens: the real port and address. */
export interface Listening {
  port: number;
  address: string;
}

/** After a thread that never listened, wait this long before the next attempt (the port may be taken). */
const RETRY_MS = 1_000;
/**
 * The thread's messages are handed over at most this long per turn of the event loop: a burst of events
 * arrives at once, and their synchronous parts run back to back would stall this thread's sockets and
 * timers (see work-slices.ts).
 */
const HAND_OVER_SLICE_MS = 10;

/** The thread's module beside this one: `.js` in the build, `.ts` under tsx (`npm run dev`) and vitest. */
const FROM_SOURCE = import.meta.url.endsWith('.ts');
const THREAD_MODULE = new URL(FROM_SOURCE ? './events-thread.ts' : './events-thread.js', import.meta.url);

/**
 * How to start the thread. From the build: its module, inheriting this process's Node options (a
 * preloaded probe, say). From source (tsx, vitest) the thread needs tsx, a devDependency the build never
 * needs; but Node 20 applies no module hooks given in a worker's execArgv (nodejs/node#47747: with
 * `--import tsx` there, `.ts` stays unknown), and a worker refuses process-wide options (V8's) given
 * explicitly. So from source the thread gets no options: a short script registers tsx, imports this
 * process's `--import` preloads, then the thread module.
 */
function threadEntry(execArgv: readonly string[]): { entry: URL | string; eval?: true; execArgv?: string[] } {
  if (!FROM_SOURCE) return { entry: THREAD_MODULE };
  const preloads: string[] = [];
  execArgv.forEach((arg, i) => {
    const next = execArgv[i + 1];
    if (arg === '--import' && next !== undefined) preloads.push(next);
    else if (arg.startsWith('--import=')) preloads.push(arg.slice('--import='.length));
  });
  const modules = JSON.stringify([...preloads, THREAD_MODULE.href]);
  const script =
    `import(${JSON.stringify(import.meta.resolve('tsx/esm/api'))}).then(({ register }) => { register();` +
    ` return ${modules}.reduce((done, module) => done.then(() => import(module)), Promise.resolve()); });`;
  return { entry: script, eval: true, execArgv: [] };
}

interface Thread {
  worker: Worker;
  listening: Promise<Listening>;
  /** Pending `sync` round trips, by id. */
  syncs: Map<number, () => void>;
  /** Set by stop(): called when the thread reports its server closed. */
  closed?: () => void;
}

/** Bolt's ack() body as the thread writes it: nothing, text, or JSON (serialised here, as Bolt would). */
function ackMessage(id: number, response: unknown): ToThread {
  if (!response) return { type: 'ack', id };
  if (typeof response === 'string') return { type: 'ack', id, text: response };
  return { type: 'ack', id, json: JSON.stringify(response) };
}

/** The HTTP-mode Receiver (see the module comment). */
export class EventsReceiver implements Receiver {
  private app: App | undefined;
  private thread: Thread | undefined;
  /** Set once listening, with the real port, so a replacement thread listens where Slack sends; cleared by stop(). */
  private listen: ListenOptions | undefined;
  private retry: NodeJS.Timeout | undefined;
  private nextSync = 0;
  /** Set (to 1) by stop() at once, and read by the thread before it takes a request on (ThreadSettings). */
  private readonly stopping = new Int32Array(new SharedArrayBuffer(Int32Array.BYTES_PER_ELEMENT));
  /** The thread's messages, in their order (so `delivered()` counts only what was handed over). */
  private readonly handOver = new WorkSlices({ sliceMs: HAND_OVER_SLICE_MS });

  constructor(private readonly options: EventsReceiverOptions) {}

  /** Called by Bolt's App constructor. */
  init(app: App): void {
    this.app = app;
  }

  /** Start the thread; resolves once it listens, with the real port and address. */
  async start(listen: ListenOptions): Promise<Listening> {
    if (!this.app) throw new Error('EventsReceiver.init() was not called: pass the receiver to the App');
    Atomics.store(this.stopping, 0, 0);
    const thread = this.launch(listen);
    let listening: Listening;
    try {
      listening = await thread.listening;
    } catch (error) {
      // Leave no thread behind a failed start (it is ending already: this waits for its exit).
      await thread.worker.terminate();
      throw error;
    }
    this.listen = { ...listen, port: listening.port };
    return listening;
  }

  /** Stop accepting, let the requests in flight be answered, then end the thread. */
  async stop(): Promise<void> {
    // Before anything is awaited: a request the thread is still reading is refused, not acknowledged and lost.
    Atomics.store(this.stopping, 0, 1);
    this.listen = undefined;
    clearTimeout(this.retry);
    const thread = this.thread;
    if (!thread) return;
    this.thread = undefined;
    await new Promise<void>((resolve) => {
      thread.closed = resolve;
      thread.worker.once('exit', () => resolve());
      thread.worker.postMessage({ type: 'close' } satisfies ToThread);
    });
    await thread.worker.terminate();
  }

  /**
   * Resolves once every request the thread took before this call has been handed to the app (a round
   * trip: the thread's messages arrive and are handed over in order). The adapter's `idle()` waits for
   * this first.
   */
  delivered(): Promise<void> {
    const thread = this.thread;
    if (!thread) return Promise.resolve();
    const id = ++this.nextSync;
    return new Promise((resolve) => {
      thread.syncs.set(id, resolve);
      thread.worker.postMessage({ type: 'sync', id } satisfies ToThread);
    });
  }

  /** The current thread (tests end it to see it replaced); undefined when stopped. */
  get worker(): Worker | undefined {
    return this.thread?.worker;
  }

  /** Resolves when the current thread listens. */
  listening(): Promise<Listening> {
    return this.thread?.listening ?? Promise.reject(new Error('the Slack events thread is not running'));
  }

  private launch(listen: ListenOptions): Thread {
    const settings: ThreadSettings = {
      signingSecret: this.options.signingSecret,
      port: listen.port,
      backlog: listen.backlog,
      stopping: this.stopping,
      ...(listen.host ? { host: listen.host } : {}),
    };
    const { entry, ...how } = threadEntry(process.execArgv);
    const worker = new Worker(entry, { ...how, workerData: settings });
    let up = false;
    let listened: (listening: Listening) => void = () => undefined;
    let failed: (error: unknown) => void = () => undefined;
    const thread: Thread = {
      worker,
      syncs: new Map(),
      listening: new Promise((resolve, reject) => {
        listened = resolve;
        failed = reject;
      }),
    };
    worker.on('message', (message: FromThread) => {
      if (message.type !== 'listening') {
        this.handOver.add(() => this.dispatch(thread, message));
        return;
      }
      up = true;
      listened({ port: message.port, address: message.address });
    });
    worker.on('error', (error) => {
      // Before listening this is a start-up failure, reported by whoever awaits `listening`.
      if (up) this.options.logger.error({ err: error }, 'the Slack events thread failed');
      failed(error);
    });
    worker.once('exit', (code) => {
      failed(new Error(`the Slack events thread exited (${code}) before listening`));
      this.exited(thread, code, up);
    });
    // A replacement's failure is handled by exited(); only start() awaits this.
    thread.listening.catch(() => undefined);
    this.thread = thread;
    return thread;
  }

  private exited(thread: Thread, code: number, up: boolean): void {
    // Nothing more will come from that thread: once what it posted is handed over, so is everything.
    this.handOver.add(() => {
      for (const resolve of thread.syncs.values()) resolve();
      thread.syncs.clear();
    });
    if (this.thread !== thread) return;
    this.thread = undefined;
    const listen = this.listen;
    if (!listen) return;
    const { logger } = this.options;
    if (up) {
      logger.error({ code }, 'the Slack events thread stopped unexpectedly: starting another');
      this.relaunch(listen);
    } else {
      logger.error({ code, port: listen.port }, 'the Slack events thread could not listen: trying again in 1 s');
      this.retry = setTimeout(() => this.relaunch(listen), RETRY_MS);
    }
  }

  private relaunch(listen: ListenOptions): void {
    this.launch(listen).listening.then(
      ({ port }) => this.options.logger.info({ port }, 'the Slack events thread listens again'),
      // Its exit follows, and exited() logs it and tries again.
      () => undefined,
    );
  }

  private dispatch(thread: Thread, message: Exclude<FromThread, { type: 'listening' }>): void {
    const { logger } = this.options;
    switch (message.type) {
      case 'event': {
        // Acknowledged by the thread already; `retry` holds the retry fields the thread found, no others.
        const { type: _type, body, ...retry } = message;
        this.process({ body, ack: () => Promise.resolve(), ...retry });
        return;
      }
      case 'request': {
        const { type: _type, id, body, ...retry } = message;
        let acked = false;
        const ack = async (response?: unknown): Promise<void> => {
          if (acked) throw new ReceiverMultipleAckError();
          const answer = ackMessage(id, response);
          acked = true;
          thread.worker.postMessage(answer);
        };
        this.process({ body, ack, ...retry }, () => {
          if (!acked) thread.worker.postMessage({ type: 'failed', id } satisfies ToThread);
        });
        return;
      }
      case 'health':
        void this.options.health(message.authorization).then((answer) => {
          thread.worker.postMessage({ type: 'health', id: message.id, ...answer } satisfies ToThread);
        });
        return;
      case 'log':
        logger[message.level](message.fields ?? {}, message.msg);
        return;
      case 'synced':
        thread.syncs.get(message.id)?.();
        thread.syncs.delete(message.id);
        return;
      case 'closed':
        thread.closed?.();
        return;
    }
  }

  /** Hand `event` to the app; `failed` answers its request 500 when processing fails before ack(). */
  private process(event: ReceiverEvent, failed?: () => void): void {
    this.app?.processEvent(event).catch((error: unknown) => {
      this.options.logger.error({ err: error }, 'an unhandled error occurred while Bolt processed a Slack request');
      failed?.();
    });
  }
}
