#include "isolate_info.h"

#include <v8-isolate.h>
#include <v8-version.h>

#include <string>

#include "env_state.h"
#include "malloc_hooks.h"
#include "namespace_object.h"

namespace allocscope {

namespace {
// collectGarbage(): full GCs until nothing more is freed (V8's low-memory
// notification). Needs no --expose-gc. Used for live profiles close to the live set.
// What V8 mallocs on this thread during a GC we force (and keeps: its GC's own
// tables) is the profiler's doing, not the program's: the native profile skips it.
Napi::Value CollectGarbageBinding(const Napi::CallbackInfo& info) {
  malloc_hooks::IgnoreThisThread ours;
  EnvState::From(info.Env())->isolate->LowMemoryNotification();
  return info.Env().Undefined();
}

std::string V8Version() {
  return std::to_string(V8_MAJOR_VERSION) + "." + std::to_string(V8_MINOR_VERSION) + "." +
         std::to_string(V8_BUILD_NUMBER) + "." + std::to_string(V8_PATCH_LEVEL);
}
}  // namespace

void isolate_info::Register(Napi::Env env, Napi::Object exports) {
  NamespaceObject(env, exports, "isolate")
      .Value("v8Version", Napi::String::New(env, V8Version()))
      .Function("collectGarbage", CollectGarbageBinding);
}

}  // namespace allocscope
