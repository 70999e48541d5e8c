#include "pool.h"

#include <algorithm>
#include <cstdlib>

#include "env_state.h"
#include "namespace_object.h"
#include "typed_array_util.h"

namespace allocscope {

NativePool::NativePool(PoolRegistry& registry, v8::Isolate* isolate, std::vector<uint32_t> classes, uint32_t slab_bytes,
                       double max_bytes, uint32_t empty_kept)
    : isolate_(isolate), slab_bytes_(slab_bytes), max_bytes_(max_bytes), empty_kept_(empty_kept), registry_(registry),
      id_(registry.next_id++), link_(std::make_shared<Link>(Link{this})) {
  registry_.by_id[id_] = this;
  classes_.resize(classes.size());
  for (size_t i = 0; i < classes.size(); i++) {
    classes_[i].block_bytes = classes[i];
    classes_[i].blocks_per_slab = std::max<uint32_t>(1, slab_bytes / classes[i]);
  }
}

NativePool::~NativePool() {
  link_->pool = nullptr;
  registry_.by_id.erase(id_);
  for (auto& c : classes_) {
    for (auto& s : c.slabs) std::free(s.memory);
  }
  if (slab_bytes_total_ > 0) isolate_->AdjustAmountOfExternalAllocatedMemory(-static_cast<int64_t>(slab_bytes_total_));
}

void NativePool::Unref() {
  if (--refs_ == 0) delete this;
}

void NativePool::DeleteAll(PoolRegistry& registry) {
  // Buffers still alive at teardown are dying with the env: their memory goes too.
  while (!registry.by_id.empty()) delete registry.by_id.begin()->second;
}

bool NativePool::NewSlab(SizeClass& c) {
  const size_t bytes = size_t(c.block_bytes) * c.blocks_per_slab;
  if (slab_bytes_total_ + double(bytes) > max_bytes_) return false;
  char* memory = static_cast<char*>(std::malloc(bytes));
  if (memory == nullptr) return false;
  const uint32_t slab = uint32_t(c.slabs.size());
  c.slabs.push_back(Slab{memory, 0});
  c.generation.resize(c.generation.size() + c.blocks_per_slab, 0);
  c.requested.resize(c.requested.size() + c.blocks_per_slab, 0);
  c.allocated.resize(c.allocated.size() + c.blocks_per_slab, 0);
  for (uint32_t b = c.blocks_per_slab; b-- > 0;) c.free.push_back(uint64_t(slab) << 32 | b);
  slab_bytes_total_ += double(bytes);
  // The GC should see memory the pool holds for JS.
  isolate_->AdjustAmountOfExternalAllocatedMemory(static_cast<int64_t>(bytes));
  return true;
}

Napi::Value NativePool::Alloc(Napi::Env env, uint32_t size) {
  const uint32_t wanted = std::max<uint32_t>(size, 1);
  uint32_t cls = 0;
  while (cls < classes_.size() && classes_[cls].block_bytes < wanted) cls++;
  if (cls == classes_.size()) {
    too_big_++;
    return env.Undefined();  // JS serves it unpooled
  }
  SizeClass& c = classes_[cls];
  // Skip free entries of slabs already returned to the allocator.
  while (!c.free.empty() && c.slabs[uint32_t(c.free.back() >> 32)].memory == nullptr) c.free.pop_back();
  if (c.free.empty()) {
    if (!NewSlab(c)) {
      over_cap_++;
      return env.Undefined();
    }
    c.misses++;
  } else {
    c.hits++;
  }
  const uint64_t entry = c.free.back();
  const uint32_t slab = uint32_t(entry >> 32), block = uint32_t(entry);
  const size_t index = size_t(slab) * c.blocks_per_slab + block;
  char* data = c.slabs[slab].memory + size_t(block) * c.block_bytes;
  auto* handout = new Handout{link_, cls, slab, block, c.generation[index] + 1};
  napi_value buffer;
  if (napi_create_external_buffer(env, size, data, OnBufferFinalized, handout, &buffer) != napi_ok) {
    delete handout;  // the env is going away: leave the block free
    return env.Undefined();
  }
  c.free.pop_back();
  c.generation[index]++;
  c.allocated[index] = 1;
  c.requested[index] = size;
  c.requested_bytes += size;
  c.slabs[slab].in_use++;
  c.in_use++;
  c.allocs++;
  c.peak_in_use = std::max(c.peak_in_use, c.in_use);
  outstanding_[data] = handout;
  refs_++;
  return Napi::Value(env, buffer);
}

void NativePool::FreeBlock(SizeClass& c, uint32_t cls, uint32_t slab, uint32_t block) {
  const size_t index = size_t(slab) * c.blocks_per_slab + block;
  outstanding_.erase(c.slabs[slab].memory + size_t(block) * c.block_bytes);
  c.generation[index]++;  // a pending finalizer for the old Buffer is now a no-op
  c.allocated[index] = 0;
  c.requested_bytes -= c.requested[index];
  c.requested[index] = 0;
  c.in_use--;
  Slab& s = c.slabs[slab];
  s.in_use--;
  c.free.push_back(uint64_t(slab) << 32 | block);
  if (s.in_use == 0) {
    uint32_t empty = 0;
    for (const auto& other : c.slabs) empty += other.memory != nullptr && other.in_use == 0;
    if (empty > empty_kept_) {  // give the slab back; its free entries are skipped later
      const size_t bytes = size_t(c.block_bytes) * c.blocks_per_slab;
      std::free(s.memory);
      s.memory = nullptr;
      slab_bytes_total_ -= double(bytes);
      isolate_->AdjustAmountOfExternalAllocatedMemory(-static_cast<int64_t>(bytes));
    }
  }
  (void)cls;
}

int NativePool::Release(Napi::Env env, Napi::Value value) {
  if (!value.IsTypedArray()) return 1;
  napi_value arraybuffer;
  void* data = nullptr;
  size_t length = 0, offset = 0;
  napi_typedarray_type type;
  if (napi_get_typedarray_info(env, value, &type, &length, &data, &arraybuffer, &offset) != napi_ok) return 1;
  void* base = nullptr;
  size_t base_length = 0;
  if (napi_get_arraybuffer_info(env, arraybuffer, &base, &base_length) != napi_ok) return 1;
  if (base == nullptr) return 2;  // detached: released already
  auto it = outstanding_.find(static_cast<const char*>(base));
  if (it == outstanding_.end() || offset != 0) return 1;
  Handout* h = it->second;
  // Detach first: from here on no JS code can reach the block.
  if (napi_detach_arraybuffer(env, arraybuffer) != napi_ok) return 1;
  SizeClass& c = classes_[h->cls];
  c.releases++;
  FreeBlock(c, h->cls, h->slab, h->block);
  return 0;
}

void NativePool::OnBufferFinalized(napi_env, void*, void* hint) {
  auto* h = static_cast<Handout*>(hint);
  NativePool* pool = h->link->pool;
  if (pool == nullptr) {  // the pool went with its env already
    delete h;
    return;
  }
  SizeClass& c = pool->classes_[h->cls];
  const size_t index = size_t(h->slab) * c.blocks_per_slab + h->block;
  if (c.allocated[index] && c.generation[index] == h->generation) {
    c.gc_reclaimed++;  // dropped without release(): the block comes back now
    pool->FreeBlock(c, h->cls, h->slab, h->block);
  }
  delete h;
  pool->Unref();
}

// ---- bindings -------------------------------------------------------------------

// The pool behind a handle, if it is an open pool of this env (a handle can outlive
// its pool only if JS closed it and still calls it: that is refused, not a crash).
NativePool* NativePool::PoolOf(const Napi::CallbackInfo& info) {
  const auto& by_id = EnvState::From(info.Env())->pools.by_id;
  auto it = info.Length() >= 1 && info[0].IsNumber() ? by_id.find(info[0].As<Napi::Number>().Uint32Value()) : by_id.end();
  NativePool* pool = it != by_id.end() ? it->second : nullptr;
  if (pool == nullptr || pool->closed_) {
    Napi::TypeError::New(info.Env(), "allocscope native: expected an open pool handle").ThrowAsJavaScriptException();
    return nullptr;
  }
  return pool;
}

// poolClose(handle): the JS pool is gone; the memory follows when its last Buffer does.
Napi::Value NativePool::CloseBinding(const Napi::CallbackInfo& info) {
  NativePool* pool = PoolOf(info);
  if (pool == nullptr) return info.Env().Undefined();
  pool->closed_ = true;
  pool->Unref();
  return info.Env().Undefined();
}

// poolCreate(classes: Float64Array, slabBytes, maxBytes, emptySlabsKept) -> handle (JS validated the values)
Napi::Value NativePool::CreateBinding(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (info.Length() < 4 || !info[0].IsTypedArray() || !info[1].IsNumber() || !info[2].IsNumber() || !info[3].IsNumber()) {
    Napi::TypeError::New(env, "allocscope native: pool.create(classes, slabBytes, maxBytes, emptySlabsKept)").ThrowAsJavaScriptException();
    return env.Undefined();
  }
  Napi::Float64Array list = info[0].As<Napi::Float64Array>();
  std::vector<uint32_t> classes;
  for (size_t i = 0; i < list.ElementLength(); i++) classes.push_back(uint32_t(list[i]));
  if (classes.empty()) {
    Napi::RangeError::New(env, "allocscope native: no size classes").ThrowAsJavaScriptException();
    return env.Undefined();
  }
  EnvState* state = EnvState::From(env);
  auto* pool = new NativePool(state->pools, state->isolate, std::move(classes), info[1].As<Napi::Number>().Uint32Value(),
                              info[2].As<Napi::Number>().DoubleValue(), info[3].As<Napi::Number>().Uint32Value());
  // JS closes the handle from a FinalizationRegistry; env teardown deletes what is left.
  return Napi::Number::New(env, pool->id_);
}

// poolAlloc(handle, size) -> Buffer | undefined (too big, over the cap: JS serves it unpooled)
Napi::Value NativePool::AllocBinding(const Napi::CallbackInfo& info) {
  NativePool* pool = PoolOf(info);
  if (pool == nullptr) return info.Env().Undefined();
  return pool->Alloc(info.Env(), info[1].As<Napi::Number>().Uint32Value());
}

// poolRelease(handle, buffer) -> 0 released | 1 not from this pool | 2 released already
Napi::Value NativePool::ReleaseBinding(const Napi::CallbackInfo& info) {
  NativePool* pool = PoolOf(info);
  if (pool == nullptr) return info.Env().Undefined();
  return Napi::Number::New(info.Env(), pool->Release(info.Env(), info[1]));
}

// stats(handle) -> Float64Array: [slabBytesTotal, tooBig, overCap, classCount], then per class
// [blockBytes, slabs, blocksTotal, inUse, requestedBytes, peakInUse, allocs, releases, gcReclaimed, hits, misses, freeBytesInPartialSlabs]
Napi::Value NativePool::StatsBinding(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  NativePool* pool = PoolOf(info);
  if (pool == nullptr) return env.Undefined();
  constexpr size_t kHeader = 4, kPerClass = 12;
  Napi::Float64Array out;
  if (!NewTypedArray(env, kHeader + kPerClass * pool->classes_.size(), &out)) return env.Undefined();
  double* o = out.Data();
  o[0] = pool->slab_bytes_total_;
  o[1] = pool->too_big_;
  o[2] = pool->over_cap_;
  o[3] = double(pool->classes_.size());
  for (size_t i = 0; i < pool->classes_.size(); i++) {
    const SizeClass& c = pool->classes_[i];
    double live_slabs = 0, partial_free = 0;
    for (const auto& s : c.slabs) {
      if (s.memory == nullptr) continue;
      live_slabs++;
      if (s.in_use > 0) partial_free += double(c.blocks_per_slab - s.in_use) * c.block_bytes;
    }
    double* r = o + kHeader + i * kPerClass;
    r[0] = c.block_bytes;
    r[1] = live_slabs;
    r[2] = live_slabs * c.blocks_per_slab;
    r[3] = c.in_use;
    r[4] = c.requested_bytes;
    r[5] = c.peak_in_use;
    r[6] = c.allocs;
    r[7] = c.releases;
    r[8] = c.gc_reclaimed;
    r[9] = c.hits;
    r[10] = c.misses;
    r[11] = partial_free;
  }
  return out;
}

void pool::Register(Napi::Env env, Napi::Object exports) {
  NamespaceObject(env, exports, "pool")
      .Function("create", NativePool::CreateBinding)
      .Function("alloc", NativePool::AllocBinding)
      .Function("release", NativePool::ReleaseBinding)
      .Function("stats", NativePool::StatsBinding)
      .Function("close", NativePool::CloseBinding);
}

}  // namespace allocscope
