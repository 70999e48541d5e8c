#include "thread_clock.h"

#include <cmath>
#include <ctime>

#include "namespace_object.h"

namespace allocscope {

Napi::Value ThreadCpuNsBinding(const Napi::CallbackInfo& info) {
  timespec ts{};
  if (clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts) != 0) return Napi::Number::New(info.Env(), NAN);
  return Napi::Number::New(info.Env(), double(ts.tv_sec) * 1e9 + double(ts.tv_nsec));
}

void thread_clock::Register(Napi::Env env, Napi::Object exports) {
  NamespaceObject(env, exports, "threadClock").Function("cpuNs", ThreadCpuNsBinding);
}

}  // namespace allocscope
