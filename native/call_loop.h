// Calls a JS function n times from C++: the counting pass of the benchmark harness.
// Called from native code, the operation can never be inlined into a JS loop of ours,
// so every allocation it makes is attributed to its own frames and none to the harness.
#pragma once
#include <napi.h>

namespace allocscope {
// callRepeatedly(fn, n): calls fn() n times with an undefined receiver and returns the
// last call's result. Stops at the first exception and leaves it pending (thrown in JS).
Napi::Value CallRepeatedlyBinding(const Napi::CallbackInfo& info);
namespace call_loop {
// exports.callLoop: callRepeatedly(fn, n).
void Register(Napi::Env env, Napi::Object exports);
}  // namespace call_loop

}  // namespace allocscope
