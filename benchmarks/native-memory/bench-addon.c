// The malloc/free microbenchmark's addon, built by run.js at run time with the
// running Node's headers (as test/fixtures/malloc-test-addon.c is by the tests):
//   cc -shared -fPIC -O2 -fno-builtin -fno-omit-frame-pointer -I<node>/include/node bench-addon.c
// -fno-builtin keeps every malloc and free a real call through this object's PLT
// and GOT (gcc would otherwise drop a malloc/free pair whose block is unused), so
// loaded after malloc.start() the calls go through allocscope's hooks (its dlopen
// hook patches the GOT). Frame pointers kept, so that a sampled call's stack walk
// reaches the JavaScript that called the addon, as it would in a real addon.
#include <node_api.h>
#include <stdint.h>
#include <stdlib.h>
#include <time.h>

static uint64_t now_ns(clockid_t clock) {
  struct timespec ts;
  clock_gettime(clock, &ts);
  return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

// n pairs of malloc(size) / free, each block written once; the elapsed ns, wall clock
// (CLOCK_MONOTONIC) and this thread's CPU time (CLOCK_THREAD_CPUTIME_ID: not counting
// the time the thread waited for a core, which on a shared machine is most of the noise).
__attribute__((visibility("default"), noinline)) void allocscope_bench_pairs(size_t n, size_t size, uint64_t* wall_ns, uint64_t* cpu_ns) {
  const uint64_t w0 = now_ns(CLOCK_MONOTONIC);
  const uint64_t c0 = now_ns(CLOCK_THREAD_CPUTIME_ID);
  for (size_t i = 0; i < n; i++) {
    volatile char* p = (volatile char*)malloc(size);
    p[0] = (char)i;
    free((void*)p);
  }
  *cpu_ns = now_ns(CLOCK_THREAD_CPUTIME_ID) - c0;
  *wall_ns = now_ns(CLOCK_MONOTONIC) - w0;
}

static napi_value Pairs(napi_env env, napi_callback_info info) {
  size_t argc = 2;
  napi_value argv[2];
  napi_get_cb_info(env, info, &argc, argv, NULL, NULL);
  int64_t n = 0, size = 64;
  napi_get_value_int64(env, argv[0], &n);
  if (argc > 1) napi_get_value_int64(env, argv[1], &size);
  uint64_t wall_ns = 0, cpu_ns = 0;
  allocscope_bench_pairs((size_t)n, (size_t)size, &wall_ns, &cpu_ns);
  napi_value result, wall, cpu;
  napi_create_object(env, &result);
  napi_create_double(env, (double)wall_ns, &wall);
  napi_create_double(env, (double)cpu_ns, &cpu);
  napi_set_named_property(env, result, "wallNs", wall);
  napi_set_named_property(env, result, "cpuNs", cpu);
  return result;
}

NAPI_MODULE_INIT() {
  napi_value f;
  napi_create_function(env, "pairs", NAPI_AUTO_LENGTH, Pairs, NULL, &f);
  napi_set_named_property(env, exports, "pairs", f);
  return exports;
}
