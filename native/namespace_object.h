// What each concern's Register(env, exports) uses to put its bindings under a
// namespace of its own (exports.gc, exports.sampler, ...): addon.cc knows no
// binding by name, and lib/ reads `native.<namespace>.<function>`.
#pragma once

#include <napi.h>

namespace allocscope {

class NamespaceObject {
 public:
  using Callback = Napi::Value (*)(const Napi::CallbackInfo&);

  // Creates exports[name], an empty object.
  NamespaceObject(Napi::Env env, Napi::Object exports, const char* name)
      : env_(env), object_(Napi::Object::New(env)) {
    exports.Set(name, object_);
  }

  // A function; its JS name is `name` (what stack traces show).
  NamespaceObject& Function(const char* name, Callback callback) {
    object_.Set(name, Napi::Function::New(env_, callback, name));
    return *this;
  }

  // A constant (a layout, a capability, a version).
  NamespaceObject& Value(const char* name, Napi::Value value) {
    object_.Set(name, value);
    return *this;
  }

  Napi::Env env() const { return env_; }

 private:
  Napi::Env env_;
  Napi::Object object_;
};

}  // namespace allocscope
