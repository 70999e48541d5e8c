// Workers' profiles reach the main thread's exporters over a BroadcastChannel:
// it needs no reference to the Worker object (nested workers and workers made
// by libraries are covered), leaves the user's parentPort alone, and is unref'd,
// so it keeps no thread alive. Encoding happens in the worker: the main thread
// only forwards bytes.
import { BroadcastChannel } from 'node:worker_threads';
import { emptyStats, type Collection, type Exporter, type ExporterStats } from './collection';

const CHANNEL = 'allocscope:continuous:v1';

interface CollectionMessage { kind: 'collection'; collection: Collection }

/** Worker side: an exporter that posts each collection to the main thread. */
export class MainThreadForwarder implements Exporter {
  readonly name = 'main thread';
  readonly #channel = new BroadcastChannel(CHANNEL);
  readonly #stats: ExporterStats = emptyStats(this.name);

  constructor() {
    this.#channel.unref();
  }

  export(collection: Collection): void {
    try {
      this.#channel.postMessage({ kind: 'collection', collection } satisfies CollectionMessage);
      this.#stats.exported++;
      this.#stats.bytesExported += collection.pprof.length;
    } catch (error) {
      this.#stats.failures++;
      this.#stats.lastError = (error as Error).message;
    }
  }

  stats(): ExporterStats {
    return { ...this.#stats };
  }

  async close(): Promise<void> {
    this.#channel.close();
  }
}

/** Main side: calls `onCollection` with each worker collection until closed. */
export function receiveWorkerCollections(onCollection: (collection: Collection) => void): { close(): void } {
  const channel = new BroadcastChannel(CHANNEL);
  channel.unref();
  channel.onmessage = (event: unknown) => {
    const message = (event as { data?: CollectionMessage }).data;
    if (message?.kind === 'collection' && message.collection && message.collection.pprof instanceof Uint8Array) onCollection(message.collection);
  };
  return { close: () => channel.close() };
}
