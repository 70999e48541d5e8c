#include "thread_clock.h"

#include <cmath>
#include <ctime>

namespace allocscope {

Napi::Value ThreadCpuNsBinding(const Napi::CallbackInfo& info) {
  timespec ts{};
  if (clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts) != 0) return Napi::Number::New(info.Env(), NAN);
  return Napi::Number::New(info.Env(), double(ts.tv_sec) * 1e9 + double(ts.tv_nsec));
}

}  // namespace allocscope
