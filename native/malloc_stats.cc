#include "malloc_stats.h"

#include <dlfcn.h>
#if defined(__GLIBC__)
#include <malloc.h>
#endif

#include <cstdint>

#include "namespace_object.h"

namespace allocscope {

namespace {

using MallctlFn = int (*)(const char*, void*, size_t*, void*, size_t);

// jemalloc is present only if something loaded it; look it up by name, never link it.
MallctlFn FindMallctl() {
  void* sym = dlsym(RTLD_DEFAULT, "mallctl");
  if (sym == nullptr) sym = dlsym(RTLD_DEFAULT, "je_mallctl");
  return reinterpret_cast<MallctlFn>(sym);
}

void SetSize(Napi::Object& out, const char* key, MallctlFn mallctl, const char* name) {
  size_t value = 0;
  size_t len = sizeof(value);
  if (mallctl(name, &value, &len, nullptr, 0) == 0) out.Set(key, Napi::Number::New(out.Env(), double(value)));
  else out.Set(key, out.Env().Null());
}

Napi::Value Jemalloc(Napi::Env env, MallctlFn mallctl) {
  // Statistics are cached by jemalloc until the epoch advances.
  uint64_t epoch = 1;
  size_t len = sizeof(epoch);
  mallctl("epoch", &epoch, &len, &epoch, len);
  Napi::Object out = Napi::Object::New(env);
  SetSize(out, "allocated", mallctl, "stats.allocated");
  SetSize(out, "active", mallctl, "stats.active");
  SetSize(out, "resident", mallctl, "stats.resident");
  SetSize(out, "mapped", mallctl, "stats.mapped");
  SetSize(out, "retained", mallctl, "stats.retained");
  SetSize(out, "metadata", mallctl, "stats.metadata");
  return out;
}

Napi::Value Glibc(Napi::Env env) {
#if defined(__GLIBC__) && (__GLIBC__ > 2 || (__GLIBC__ == 2 && __GLIBC_MINOR__ >= 33))
  const struct mallinfo2 mi = mallinfo2();
  Napi::Object out = Napi::Object::New(env);
  out.Set("arena", Napi::Number::New(env, double(mi.arena)));       // non-mmapped bytes from the OS
  out.Set("ordblks", Napi::Number::New(env, double(mi.ordblks)));   // free chunks
  out.Set("hblks", Napi::Number::New(env, double(mi.hblks)));       // mmapped chunks
  out.Set("hblkhd", Napi::Number::New(env, double(mi.hblkhd)));     // bytes in mmapped chunks
  out.Set("uordblks", Napi::Number::New(env, double(mi.uordblks))); // bytes in use (non-mmapped)
  out.Set("fordblks", Napi::Number::New(env, double(mi.fordblks))); // free bytes (non-mmapped)
  out.Set("keepcost", Napi::Number::New(env, double(mi.keepcost))); // releasable top pad
  out.Set("fsmblks", Napi::Number::New(env, double(mi.fsmblks)));   // free bytes in fastbins
  return out;
#else
  return env.Null();
#endif
}

}  // namespace

// malloc.read() -> { glibc: {...} | null, jemalloc: {...} | null }
Napi::Value ReadMallocStats(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  Napi::Object out = Napi::Object::New(env);
  out.Set("glibc", Glibc(env));
  MallctlFn mallctl = FindMallctl();
  out.Set("jemalloc", mallctl != nullptr ? Jemalloc(env, mallctl) : env.Null());
  return out;
}

void malloc_stats::Register(Napi::Env env, Napi::Object exports) {
  NamespaceObject(env, exports, "malloc").Function("read", ReadMallocStats);
}

}  // namespace allocscope
