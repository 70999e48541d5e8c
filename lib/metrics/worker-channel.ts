// Worker threads → main thread. A worker that calls metrics.reportToMainThread()
// posts its ThreadFigures every `intervalMs` on a BroadcastChannel (no port to
// hand over, nothing to wire in the Worker constructor); a thread with a
// registration listens and keeps the latest figures of each worker. Bounded:
// at most `maxWorkers` threads are held (reports of others are dropped and
// counted), one entry per thread (the latest replaces the previous), and an
// entry expires when no report came for 3 periods (a terminated worker) or at
// once when the worker stops reporting. Posting with nobody listening costs a
// structured clone and is dropped by Node: nothing queues up.
import { BroadcastChannel } from 'node:worker_threads';
import type { ThreadFigures } from './thread-figures';

const CHANNEL_NAME = 'allocscope:metrics:v1';

export type WorkerMessage =
  | { v: 1; kind: 'figures'; figures: ThreadFigures; intervalMs: number }
  | { v: 1; kind: 'gone'; threadId: number };

interface Held { figures: ThreadFigures; expiresAtMs: number }

/** Expiry: a worker that missed this many periods is taken for gone. */
const PERIODS_BEFORE_EXPIRY = 3;

export class WorkerFiguresReceiver {
  readonly #channel: BroadcastChannel;
  readonly #held = new Map<number, Held>();
  #maxWorkers: number;
  #dropped = 0;
  #users = 0;

  constructor(maxWorkers: number) {
    this.#maxWorkers = maxWorkers;
    this.#channel = new BroadcastChannel(CHANNEL_NAME);
    this.#channel.onmessage = (event) => this.#receive((event as MessageEvent).data);
    // Listening must not keep the process alive.
    (this.#channel as unknown as { unref?: () => void }).unref?.();
  }

  #receive(message: unknown): void {
    const m = message as Partial<WorkerMessage> | null;
    if (!m || m.v !== 1) return; // another version of allocscope in the same process
    if (m.kind === 'gone' && typeof m.threadId === 'number') {
      this.#held.delete(m.threadId);
      return;
    }
    if (m.kind !== 'figures' || !m.figures || typeof m.figures.threadId !== 'number') return;
    const id = m.figures.threadId;
    if (!this.#held.has(id)) {
      this.#expire(Date.now());
      if (this.#held.size >= this.#maxWorkers) {
        this.#dropped++;
        return;
      }
    }
    const intervalMs = typeof m.intervalMs === 'number' && m.intervalMs > 0 ? m.intervalMs : 5000;
    this.#held.set(id, { figures: m.figures, expiresAtMs: Date.now() + PERIODS_BEFORE_EXPIRY * intervalMs });
  }

  #expire(nowMs: number): void {
    for (const [id, held] of this.#held) if (held.expiresAtMs < nowMs) this.#held.delete(id);
  }

  /** The latest figures of each worker still reporting, ordered by thread id. */
  figures(): ThreadFigures[] {
    this.#expire(Date.now());
    return [...this.#held.values()].map((h) => h.figures).sort((a, b) => a.threadId - b.threadId);
  }

  get dropped(): number {
    return this.#dropped;
  }

  /** Several registrations share one receiver; the largest maxWorkers wins. */
  use(maxWorkers: number): void {
    this.#users++;
    this.#maxWorkers = Math.max(this.#maxWorkers, maxWorkers);
  }

  /** Returns true when the last user left (the channel is closed then). */
  release(): boolean {
    if (--this.#users > 0) return false;
    this.#channel.close();
    this.#held.clear();
    return true;
  }
}

let shared: WorkerFiguresReceiver | undefined;

/** The thread's receiver, created on first use. */
export function acquireReceiver(maxWorkers: number): WorkerFiguresReceiver {
  shared ??= new WorkerFiguresReceiver(maxWorkers);
  shared.use(maxWorkers);
  return shared;
}

export function releaseReceiver(receiver: WorkerFiguresReceiver): void {
  if (receiver.release() && shared === receiver) shared = undefined;
}

/**
 * A worker's side: a channel opened for one message and closed at once, so a
 * reporting worker holds no channel that could queue other workers' reports.
 */
export function postToMain(message: WorkerMessage): void {
  const channel = new BroadcastChannel(CHANNEL_NAME);
  try {
    channel.postMessage(message);
  } finally {
    channel.close();
  }
}
