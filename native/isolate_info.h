// What belongs to the isolate as a whole rather than to one tracker: the V8 the
// addon was built for, and a full collection on demand.
#pragma once

#include <napi.h>

namespace allocscope {
namespace isolate_info {
// exports.isolate: v8Version (the V8 headers built against), collectGarbage().
void Register(Napi::Env env, Napi::Object exports);
}  // namespace isolate_info
}  // namespace allocscope
