// C allocator statistics: glibc's mallinfo2 and, when jemalloc is loaded (e.g.
// LD_PRELOAD), its mallctl counters. Both are slow-ish (mallinfo2 walks the free
// lists under the arena locks): the JS layer calls this on demand, rate-limited.
#pragma once

#include <napi.h>

namespace allocscope {

Napi::Value ReadMallocStats(const Napi::CallbackInfo& info);

namespace malloc_stats {
// exports.malloc: read() -> { glibc, jemalloc }.
void Register(Napi::Env env, Napi::Object exports);
}  // namespace malloc_stats

}  // namespace allocscope
