// The Buffer pool's "safe" mode: a size-class slab allocator in native memory,
// one external Buffer per block. release() detaches the Buffer's ArrayBuffer, so
// no JS code can touch the block afterwards (every view reads length 0), and the
// block is reused at once; the Buffer's finalizer, which V8 runs only at a later
// GC, finds the block's generation moved on and does nothing. A Buffer dropped
// without release() gives its block back from that finalizer (GC reclaim).
// A pool's memory lives until its JS handle and every Buffer it handed out are gone.
#pragma once

#include <napi.h>
#include <v8-isolate.h>

#include <cstdint>
#include <memory>
#include <unordered_map>
#include <vector>

namespace allocscope {

// Every live pool of an environment, by the number JS holds as its handle (a plain
// number: an N-API External would leave Node's wrapper behind in a terminated
// worker). Deleted at env teardown whatever JS did.
struct PoolRegistry {
  std::unordered_map<uint32_t, class NativePool*> by_id;
  uint32_t next_id = 1;
};

class NativePool {
 public:
  // Env teardown: finalizers that run later find no pool through their link.
  static void DeleteAll(PoolRegistry& registry);
  static Napi::Value CloseBinding(const Napi::CallbackInfo& info);
  static Napi::Value CreateBinding(const Napi::CallbackInfo& info);
  static Napi::Value AllocBinding(const Napi::CallbackInfo& info);
  static Napi::Value ReleaseBinding(const Napi::CallbackInfo& info);
  static Napi::Value StatsBinding(const Napi::CallbackInfo& info);

 private:
  static NativePool* PoolOf(const Napi::CallbackInfo& info);
  struct Slab {
    char* memory = nullptr;  // null once returned to the allocator
    uint32_t in_use = 0;
  };
  struct SizeClass {
    uint32_t block_bytes = 0;
    uint32_t blocks_per_slab = 0;
    std::vector<Slab> slabs;
    std::vector<uint64_t> free;         // (slab << 32) | block
    std::vector<uint32_t> generation;   // per slab * blocks_per_slab + block
    std::vector<uint32_t> requested;    // bytes asked for, per block in use (0 when free)
    std::vector<uint8_t> allocated;
    double requested_bytes = 0, in_use = 0, peak_in_use = 0, allocs = 0, releases = 0, gc_reclaimed = 0, hits = 0, misses = 0;
  };
  // Outlives the pool: a Buffer finalizer running after the pool is gone finds null.
  struct Link {
    NativePool* pool;
  };
  struct Handout {  // one per Buffer handed out: the finalizer's hint
    std::shared_ptr<Link> link;
    uint32_t cls, slab, block, generation;
  };

  NativePool(PoolRegistry& registry, v8::Isolate* isolate, std::vector<uint32_t> classes, uint32_t slab_bytes, double max_bytes, uint32_t empty_kept);
  ~NativePool();
  void Unref();
  Napi::Value Alloc(Napi::Env env, uint32_t size);
  int Release(Napi::Env env, Napi::Value buffer);  // 0 ok, 1 not ours, 2 released already
  void FreeBlock(SizeClass& c, uint32_t cls, uint32_t slab, uint32_t block);
  bool NewSlab(SizeClass& c);
  static void OnBufferFinalized(napi_env env, void* data, void* hint);

  v8::Isolate* isolate_;
  std::vector<SizeClass> classes_;
  uint32_t slab_bytes_;
  double max_bytes_;
  uint32_t empty_kept_;
  double slab_bytes_total_ = 0, too_big_ = 0, over_cap_ = 0;
  PoolRegistry& registry_;
  uint32_t id_;
  std::shared_ptr<Link> link_;
  bool closed_ = false;
  uint64_t refs_ = 1;  // the JS handle (until poolClose) + one per outstanding Handout
  // Outstanding blocks by address: how release() finds its block, and knows a stranger.
  std::unordered_map<const char*, Handout*> outstanding_;
};

namespace pool {
// exports.pool: create(classes, slabBytes, maxBytes, emptySlabsKept), alloc(pool, size),
// release(pool, buffer), stats(pool), close(pool).
void Register(Napi::Env env, Napi::Object exports);
}  // namespace pool

}  // namespace allocscope
