#include "call_loop.h"

#include <cmath>

#include "namespace_object.h"

namespace allocscope {

Napi::Value CallRepeatedlyBinding(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (info.Length() < 2 || !info[0].IsFunction() || !info[1].IsNumber()) {
    Napi::TypeError::New(env, "callLoop.callRepeatedly(fn, n): expected a function and a count").ThrowAsJavaScriptException();
    return env.Undefined();
  }
  napi_value fn = info[0];
  const double count = info[1].As<Napi::Number>().DoubleValue();
  if (!(count >= 0) || count != std::floor(count) || count > 9007199254740991.0) {
    Napi::RangeError::New(env, "callLoop.callRepeatedly(fn, n): n must be a non-negative integer").ThrowAsJavaScriptException();
    return env.Undefined();
  }
  napi_value receiver;
  napi_get_undefined(env, &receiver);
  const auto n = static_cast<uint64_t>(count);
  // The last call's result is returned (an async operation's promise, to await).
  if (n == 0) return env.Undefined();
  for (uint64_t i = 0; i + 1 < n; i++) {
    // One handle scope per call: the results are dropped at once, so a long loop
    // holds no handles and keeps nothing alive.
    napi_handle_scope scope;
    if (napi_open_handle_scope(env, &scope) != napi_ok) return env.Undefined();
    napi_value result;
    const napi_status status = napi_call_function(env, receiver, fn, 0, nullptr, &result);
    napi_close_handle_scope(env, scope);
    if (status != napi_ok) return env.Undefined();  // the exception stays pending
  }
  napi_value last;
  if (napi_call_function(env, receiver, fn, 0, nullptr, &last) != napi_ok) return env.Undefined();
  return Napi::Value(env, last);
}

void call_loop::Register(Napi::Env env, Napi::Object exports) {
  NamespaceObject(env, exports, "callLoop").Function("callRepeatedly", CallRepeatedlyBinding);
}

}  // namespace allocscope
