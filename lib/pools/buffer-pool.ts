// A size-class slab allocator for Buffers, "fast" mode: each slab is one
// ArrayBuffer, and every Buffer handed out is a view of a block in it (as Node's
// own allocUnsafe pool does). No native use-after-free is possible: a slab lives
// while any view of it does. A view kept after release() would alias the block's
// next user, so `debug: true` poisons released blocks and reports writes made to
// them after release. Blocks whose Buffers are dropped without release() come
// back when the GC collects the Buffer.
//
// "safe" mode keeps the slabs in native memory (native/pool.cc) and hands out one
// external Buffer per block: release() detaches it, so a Buffer kept after
// release reads length 0 and writes go nowhere. It costs an ArrayBuffer per alloc.
import { markAsUntransferable } from 'node:worker_threads';
import { AllocscopeError, typeError } from '../core/errors';
import { nativeNamespace } from '../core/native';
import { resolveOptions } from '../core/options';
import { checkClasses, classFor, geometricClasses } from './size-classes';
import { PoolUsage, type PoolRecommendation } from './usage';

export interface BufferPoolOptions {
  /** 'fast': views into slab ArrayBuffers. 'safe': a detachable native block per Buffer. Default 'fast'. */
  mode?: 'fast' | 'safe';
  /** Block sizes, ascending multiples of 8. Default: 16 B to 64 KiB, each ~1.25× the previous. */
  sizeClasses?: number[];
  /** Bytes per slab (a class whose block is larger gets one block per slab). Default 256 KiB. */
  slabBytes?: number;
  /** Cap on the bytes of all slabs; requests beyond it get an unpooled Buffer (counted). Default: none. */
  maxBytes?: number;
  /** Empty slabs kept per class; more are dropped for the GC to return. Default 1. */
  emptySlabsKept?: number;
  /**
   * fast mode: poison released blocks and report writes made after release, and
   * tell a stale Buffer (its block handed out again) from its block's new owner at
   * release(). Safe mode detaches instead. Default false.
   */
  debug?: boolean;
  /**
   * fast mode: give back the blocks of Buffers garbage-collected without release()
   * (a FinalizationRegistry entry per alloc: ~250 ns and an old-generation cell).
   * Without it such blocks stay in use. Safe mode always reclaims. Default true.
   */
  reclaimDropped?: boolean;
}

export interface SizeClassStats {
  blockBytes: number;
  slabs: number;
  blocksTotal: number;
  blocksInUse: number;
  blocksFree: number;
  /** Bytes asked for by the Buffers in use. */
  requestedBytes: number;
  /** blocksInUse × blockBytes. */
  handedOutBytes: number;
  /** 1 − requested / handed out: what rounding up to the class wastes. */
  internalFragmentation: number;
  /** Free bytes in slabs that also hold blocks in use (cannot be returned). */
  freeBytesInPartialSlabs: number;
  peakInUse: number;
  allocs: number;
  releases: number;
  /** Blocks returned because their Buffer was garbage-collected without release(). */
  gcReclaimed: number;
  /** Allocations served from a free block. */
  hits: number;
  /** Allocations that needed a new slab. */
  misses: number;
  /** Blocks the class should keep to serve 99 % of its requests, and what they would idle. */
  recommendation: PoolRecommendation;
}

export interface BufferPoolStats {
  name: string;
  kind: 'buffer';
  mode: 'fast' | 'safe';
  slabBytesTotal: number;
  /** Requests larger than the largest class (served unpooled). */
  tooBig: number;
  /** Requests refused by maxBytes (served unpooled). */
  overCap: number;
  /** Writes found in released blocks (debug mode). */
  writesAfterRelease: number;
  classes: SizeClassStats[];
  /** Sum over classes of the recommended blocks × block size. */
  recommendedBytes: number;
  recommendation: PoolRecommendation;
  acquires: number;
  hitRate: number | null;
  inUse: number;
  inUseHighWater: number;
  capacity: number | null;
}

const POISON = 0xdb;

/** `native.pool`: native/pool.cc. A pool is a number, its handle in the addon. */
interface PoolBinding {
  create(classes: Float64Array, slabBytes: number, maxBytes: number, emptySlabsKept: number): number;
  /** undefined: too big for the classes, or over maxBytes. */
  alloc(pool: number, size: number): Buffer | undefined;
  /** 0: released, 1: not this pool's, 2: released already. */
  release(pool: number, buffer: Buffer): 0 | 1 | 2;
  /** A header of 4 values, then 12 per size class (see #statsSafe). */
  stats(pool: number): Float64Array;
  close(pool: number): void;
}
const poolBinding = nativeNamespace<PoolBinding>('pool');

const nativePools = new FinalizationRegistry<number>((handle) => {
  try { poolBinding.close(handle); } catch { /* the env is going away */ }
});

interface Slab {
  readonly buffer: ArrayBuffer;
  readonly bytes: Uint8Array;
  readonly sizeClass: SizeClass;
  readonly free: number[];          // free block indexes
  readonly allocated: Uint8Array;   // 1 while a block is handed out
  readonly generation: Uint32Array; // bumped at every hand-out, so stale GC reclaims are ignored
  readonly requested: Uint32Array;  // requested bytes of each block in use
  inUse: number;
  listed: boolean;                  // in the class's list of slabs with free blocks
}

/** A class's live state; its counters are the public figures of the same name. */
interface SizeClass extends Pick<SizeClassStats, 'requestedBytes' | 'peakInUse' | 'allocs' | 'releases' | 'gcReclaimed' | 'hits' | 'misses'> {
  readonly index: number;
  readonly blockBytes: number;
  readonly blocksPerSlab: number;
  readonly slabs: Slab[];
  readonly withFree: Slab[];
  readonly usage: PoolUsage;
  inUse: number;
  /** Slabs with no block in use (kept up to emptySlabsKept). */
  emptySlabs: number;
}

interface Held { slab: Slab; block: number; generation: number }

const DEFAULTS = { mode: 'fast' as 'fast' | 'safe', sizeClasses: geometricClasses(16, 65536, 1.25), slabBytes: 256 * 1024, maxBytes: Infinity, emptySlabsKept: 1, debug: false, reclaimDropped: true };

export class BufferPool {
  readonly name: string;
  readonly #classes: SizeClass[];
  readonly #slabOf = new WeakMap<ArrayBuffer, Slab>();
  readonly #unpooled = new WeakSet<Buffer>();
  /** The block generation each Buffer was handed out with: a stale Buffer (its block reissued) is told apart. */
  readonly #generationOf = new WeakMap<Buffer, number>();
  readonly #options: typeof DEFAULTS;
  readonly #reclaim: FinalizationRegistry<Held>;
  #slabBytesTotal = 0;
  #tooBig = 0;
  #overCap = 0;
  #writesAfterRelease = 0;

  constructor(name: string, options?: BufferPoolOptions) {
    if (typeof name !== 'string' || name.length === 0) throw typeError('ERR_ALLOCSCOPE_INVALID_ARGUMENT', `pools.create() takes a pool name (a non-empty string), got ${JSON.stringify(name)}`);
    const o = resolveOptions('pools.create()', options, DEFAULTS, {
      mode: { kind: 'enum', values: ['fast', 'safe'] }, sizeClasses: { kind: 'any' }, slabBytes: { kind: 'integer', min: 1024, max: 2 ** 30 },
      maxBytes: { kind: 'number', min: 1, max: Infinity }, emptySlabsKept: { kind: 'integer', min: 0, max: 1 << 20 }, debug: { kind: 'boolean' },
      reclaimDropped: { kind: 'boolean' },
    });
    o.sizeClasses = checkClasses('pools.create()', o.sizeClasses);
    this.name = name;
    this.#options = o;
    this.#classes = o.sizeClasses.map((blockBytes, index) => ({
      index, blockBytes, blocksPerSlab: Math.max(1, Math.floor(o.slabBytes / blockBytes)), slabs: [], withFree: [],
      usage: new PoolUsage(blockBytes, 'events'), inUse: 0, emptySlabs: 0, requestedBytes: 0, peakInUse: 0, allocs: 0, releases: 0, gcReclaimed: 0, hits: 0, misses: 0,
    }));
    this.#reclaim = new FinalizationRegistry((held) => this.#reclaimBlock(held));
    if (o.mode === 'safe') {
      this.#native = poolBinding.create(Float64Array.from(o.sizeClasses), o.slabBytes, o.maxBytes, o.emptySlabsKept);
      // When this object is collected, the native pool is closed; its memory goes
      // when its last Buffer does. (At env teardown the addon frees whatever is left.)
      nativePools.register(this, this.#native);
    }
  }

  /** The native pool of safe mode (undefined in fast mode). */
  readonly #native: number | undefined;

  /** A Buffer of `size` bytes from the pool (uninitialised, as Buffer.allocUnsafe). */
  alloc(size: number): Buffer {
    if (!Number.isInteger(size) || size < 0 || size > 2 ** 32 - 1) throw typeError('ERR_ALLOCSCOPE_INVALID_ARGUMENT', `pool "${this.name}": alloc(size) takes an integer ≥ 0, got ${JSON.stringify(size)}`);
    if (this.#native !== undefined) return this.#allocSafe(size);
    const ci = classFor(this.#options.sizeClasses, Math.max(size, 1));
    if (ci < 0) { this.#tooBig++; return this.#unpooledBuffer(size); }
    const c = this.#classes[ci]!;
    let slab = c.withFree[c.withFree.length - 1];
    if (slab) {
      c.hits++;
    } else {
      const slabBytes = c.blockBytes * c.blocksPerSlab;
      if (this.#slabBytesTotal + slabBytes > this.#options.maxBytes) { this.#overCap++; return this.#unpooledBuffer(size); }
      c.misses++;
      slab = this.#newSlab(c);
    }
    const block = slab.free.pop()!;
    if (slab.free.length === 0) { c.withFree.pop(); slab.listed = false; }
    if (slab.inUse === 0) c.emptySlabs--;
    const offset = block * c.blockBytes;
    if (this.#options.debug) this.#verifyPoison(slab, block);
    slab.allocated[block] = 1;
    slab.generation[block] = (slab.generation[block]! + 1) >>> 0;
    slab.requested[block] = size;
    slab.inUse++;
    c.inUse++;
    c.allocs++;
    c.requestedBytes += size;
    if (c.inUse > c.peakInUse) c.peakInUse = c.inUse;
    c.usage.acquire(c.hits > 0 && slab.inUse <= c.blocksPerSlab);
    const buffer = Buffer.from(slab.buffer, offset, size);
    if (this.#options.debug) this.#generationOf.set(buffer, slab.generation[block]!);
    if (this.#options.reclaimDropped) this.#reclaim.register(buffer, { slab, block, generation: slab.generation[block]! }, buffer);
    return buffer;
  }

  /** Gives the block back at once. The Buffer must not be used afterwards. */
  release(buffer: Buffer): void {
    if (!Buffer.isBuffer(buffer)) throw typeError('ERR_ALLOCSCOPE_INVALID_ARGUMENT', `pool "${this.name}": release() takes a Buffer from this pool`);
    if (this.#unpooled.has(buffer)) { this.#unpooled.delete(buffer); return; }
    if (this.#native !== undefined) { this.#releaseSafe(buffer); return; }
    const slab = this.#slabOf.get(buffer.buffer as ArrayBuffer);
    const c = slab?.sizeClass;
    const block = c ? buffer.byteOffset / c.blockBytes : -1;
    if (!slab || !c || !Number.isInteger(block)) throw typeError('ERR_ALLOCSCOPE_INVALID_ARGUMENT', `pool "${this.name}": release() got a Buffer that this pool did not hand out`);
    if (slab.allocated[block] !== 1 || (this.#options.debug && this.#generationOf.get(buffer) !== slab.generation[block])) throw new AllocscopeError('ERR_ALLOCSCOPE_DOUBLE_RELEASE', `pool "${this.name}": this Buffer was released already (class ${c.blockBytes} B, block ${block})`);
    if (this.#options.reclaimDropped) this.#reclaim.unregister(buffer);
    c.releases++;
    this.#freeBlock(slab, block);
  }

  /** Debug mode: checks every free block for writes made after release; returns how many it found. */
  check(): number {
    if (!this.#options.debug) return 0;
    let found = 0;
    for (const c of this.#classes) for (const slab of c.slabs) for (const block of slab.free) if (!this.#verifyPoison(slab, block)) found++;
    return found;
  }

  stats(share = 0.99): BufferPoolStats {
    if (this.#native !== undefined) return this.#statsSafe(share);
    const classes: SizeClassStats[] = this.#classes.filter((c) => c.slabs.length > 0 || c.allocs > 0).map((c) => {
      const blocksTotal = c.slabs.length * c.blocksPerSlab;
      const handedOutBytes = c.inUse * c.blockBytes;
      const freeBytesInPartialSlabs = c.slabs.filter((s) => s.inUse > 0).reduce((a, s) => a + s.free.length * c.blockBytes, 0);
      return {
        blockBytes: c.blockBytes, slabs: c.slabs.length, blocksTotal, blocksInUse: c.inUse, blocksFree: blocksTotal - c.inUse,
        requestedBytes: c.requestedBytes, handedOutBytes, internalFragmentation: handedOutBytes > 0 ? 1 - c.requestedBytes / handedOutBytes : 0,
        freeBytesInPartialSlabs, peakInUse: c.peakInUse, allocs: c.allocs, releases: c.releases, gcReclaimed: c.gcReclaimed,
        hits: c.hits, misses: c.misses, recommendation: c.usage.recommend(share),
      };
    });
    return this.#summary(share, classes, this.#slabBytesTotal, this.#tooBig, this.#overCap);
  }

  #summary(share: number, classes: SizeClassStats[], slabBytesTotal: number, tooBig: number, overCap: number): BufferPoolStats {
    const acquires = classes.reduce((a, c) => a + c.allocs, 0);
    const hits = classes.reduce((a, c) => a + c.hits, 0);
    const recommendedBytes = classes.reduce((a, c) => a + c.recommendation.capacity * c.blockBytes, 0);
    const idleBytesMean = classes.reduce((a, c) => a + (c.recommendation.idleBytesMean ?? 0), 0);
    const missRate = acquires > 0 ? classes.reduce((a, c) => a + c.recommendation.missRate * c.allocs, 0) / acquires : 0;
    return {
      name: this.name, kind: 'buffer', mode: this.#options.mode, slabBytesTotal, tooBig, overCap,
      writesAfterRelease: this.#writesAfterRelease, classes, recommendedBytes,
      recommendation: { share, capacity: recommendedBytes, missRate, idleObjectsMean: NaN, idleBytesMean },
      acquires, hitRate: acquires > 0 ? hits / acquires : null,
      inUse: classes.reduce((a, c) => a + c.blocksInUse, 0),
      inUseHighWater: classes.reduce((a, c) => a + c.peakInUse, 0),
      capacity: Number.isFinite(this.#options.maxBytes) ? this.#options.maxBytes : null,
    };
  }

  #allocSafe(size: number): Buffer {
    // An empty external Buffer has no data pointer (it would look released): serve it unpooled.
    if (size === 0) return this.#unpooledBuffer(0);
    const buffer = poolBinding.alloc(this.#native!, size);
    if (buffer === undefined) return this.#unpooledBuffer(size); // too big, or over maxBytes (counted natively)
    // The block stays on this thread: Node marks every external Buffer untransferable
    // itself (node::Buffer::New). markAsUntransferable() must not be added: from Node 24
    // it sets a V8 detach key, and release() could no longer detach the block.
    this.#classes[classFor(this.#options.sizeClasses, Math.max(size, 1))]!.usage.acquire();
    return buffer;
  }

  #releaseSafe(buffer: Buffer): void {
    const length = buffer.length;
    const code = poolBinding.release(this.#native!, buffer);
    if (code === 2) throw new AllocscopeError('ERR_ALLOCSCOPE_DOUBLE_RELEASE', `pool "${this.name}": this Buffer was released already (it is detached)`);
    if (code !== 0) throw typeError('ERR_ALLOCSCOPE_INVALID_ARGUMENT', `pool "${this.name}": release() got a Buffer that this pool did not hand out`);
    this.#classes[classFor(this.#options.sizeClasses, Math.max(length, 1))]!.usage.release();
  }

  #statsSafe(share: number): BufferPoolStats {
    const raw = poolBinding.stats(this.#native!);
    const HEADER = 4, WIDTH = 12;
    const classes: SizeClassStats[] = [];
    for (let i = 0; i < raw[3]!; i++) {
      const r = raw.subarray(HEADER + i * WIDTH, HEADER + (i + 1) * WIDTH);
      const [blockBytes, slabs, blocksTotal, inUse, requestedBytes, peakInUse, allocs, releases, gcReclaimed, hits, misses, partialFree] = Array.from(r) as number[];
      if (slabs === 0 && allocs === 0) continue;
      const c = this.#classes[i]!;
      c.usage.observe(inUse!); // blocks the GC gave back are seen here
      const handedOutBytes = inUse! * blockBytes!;
      classes.push({
        blockBytes: blockBytes!, slabs: slabs!, blocksTotal: blocksTotal!, blocksInUse: inUse!, blocksFree: blocksTotal! - inUse!,
        requestedBytes: requestedBytes!, handedOutBytes, internalFragmentation: handedOutBytes > 0 ? 1 - requestedBytes! / handedOutBytes : 0,
        freeBytesInPartialSlabs: partialFree!, peakInUse: peakInUse!, allocs: allocs!, releases: releases!, gcReclaimed: gcReclaimed!,
        hits: hits!, misses: misses!, recommendation: c.usage.recommend(share),
      });
    }
    return this.#summary(share, classes, raw[0]!, raw[1]!, raw[2]!);
  }

  #newSlab(c: SizeClass): Slab {
    const bytes = c.blockBytes * c.blocksPerSlab;
    const buffer = new ArrayBuffer(bytes);
    // postMessage(buf, [buf.buffer]) would detach the whole slab: every other Buffer
    // carved from it drops to length 0 and the pool breaks. Node's own Buffer pool is
    // marked the same way. (Fast mode never detaches a slab itself, so no detach key
    // gets in the way, unlike safe mode's blocks.)
    markAsUntransferable(buffer);
    const slab: Slab = {
      buffer, bytes: new Uint8Array(buffer), sizeClass: c,
      free: Array.from({ length: c.blocksPerSlab }, (_, i) => c.blocksPerSlab - 1 - i),
      allocated: new Uint8Array(c.blocksPerSlab), generation: new Uint32Array(c.blocksPerSlab), requested: new Uint32Array(c.blocksPerSlab),
      inUse: 0, listed: true,
    };
    if (this.#options.debug) slab.bytes.fill(POISON);
    this.#slabOf.set(buffer, slab);
    c.slabs.push(slab);
    c.withFree.push(slab);
    c.emptySlabs++;
    this.#slabBytesTotal += bytes;
    return slab;
  }

  #freeBlock(slab: Slab, block: number): void {
    const c = slab.sizeClass;
    slab.allocated[block] = 0;
    c.requestedBytes -= slab.requested[block]!;
    slab.requested[block] = 0;
    slab.inUse--;
    c.inUse--;
    c.usage.release();
    if (this.#options.debug) slab.bytes.fill(POISON, block * c.blockBytes, (block + 1) * c.blockBytes);
    slab.free.push(block);
    if (!slab.listed) { c.withFree.push(slab); slab.listed = true; }
    if (slab.inUse === 0) { c.emptySlabs++; this.#maybeDropSlab(slab); }
  }

  /** Empty slabs beyond `emptySlabsKept` leave the pool; the GC returns their memory. */
  #maybeDropSlab(slab: Slab): void {
    const c = slab.sizeClass;
    if (c.emptySlabs <= this.#options.emptySlabsKept) return;
    c.emptySlabs--;
    c.slabs.splice(c.slabs.indexOf(slab), 1);
    c.withFree.splice(c.withFree.indexOf(slab), 1);
    this.#slabBytesTotal -= slab.buffer.byteLength;
  }

  #reclaimBlock(held: Held): void {
    const { slab, block, generation } = held;
    if (slab.allocated[block] !== 1 || slab.generation[block] !== generation) return; // released meanwhile
    if (!slab.sizeClass.slabs.includes(slab)) return;
    slab.sizeClass.gcReclaimed++;
    this.#freeBlock(slab, block);
  }

  #verifyPoison(slab: Slab, block: number): boolean {
    const start = block * slab.sizeClass.blockBytes;
    const end = start + slab.sizeClass.blockBytes;
    for (let i = start; i < end; i++) {
      if (slab.bytes[i] !== POISON) {
        this.#writesAfterRelease++;
        process.emitWarning(`pool "${this.name}": a Buffer was written after release() (class ${slab.sizeClass.blockBytes} B, block ${block}, byte ${i - start})`, { code: 'ALLOCSCOPE_WRITE_AFTER_RELEASE' });
        slab.bytes.fill(POISON, start, end);
        return false;
      }
    }
    return true;
  }

  #unpooledBuffer(size: number): Buffer {
    const buffer = Buffer.allocUnsafeSlow(size);
    this.#unpooled.add(buffer);
    return buffer;
  }
}
