// Argument checks shared by the bindings. The TypeScript wrappers validate user input;
// these only guard the addon against a wrong internal call (never crash).
#pragma once

#include <napi.h>

#include <algorithm>
#include <vector>

namespace allocscope {

// The data of info[index] if it is a Float64Array of at least `min_length`
// elements; otherwise throws a TypeError and returns nullptr.
inline double* Float64ArgOfAtLeast(const Napi::CallbackInfo& info, size_t index,
                                   size_t min_length) {
  Napi::Env env = info.Env();
  if (info.Length() <= index || !info[index].IsTypedArray() ||
      info[index].As<Napi::TypedArray>().TypedArrayType() != napi_float64_array) {
    Napi::TypeError::New(env, "allocscope native: expected a Float64Array").ThrowAsJavaScriptException();
    return nullptr;
  }
  Napi::Float64Array array = info[index].As<Napi::Float64Array>();
  if (array.ElementLength() < min_length) {
    Napi::RangeError::New(env, "allocscope native: Float64Array too short").ThrowAsJavaScriptException();
    return nullptr;
  }
  return array.Data();
}

// A new typed array, or an empty one when N-API could not create it (the env is
// being torn down, e.g. a worker terminated mid-call): check IsEmpty() before Data().
template <typename TypedArray>
inline bool NewTypedArray(Napi::Env env, size_t length, TypedArray* out) {
  *out = TypedArray::New(env, length);
  return !out->IsEmpty() && (length == 0 || out->Data() != nullptr);
}

// A typed array holding a copy of v (converting each element to the array's
// type), or null when the env is going away.
template <typename TypedArray, typename T>
inline Napi::Value TypedArrayCopy(Napi::Env env, const std::vector<T>& v) {
  TypedArray a;
  if (!NewTypedArray(env, v.size(), &a)) return env.Null();
  std::copy(v.begin(), v.end(), a.Data());
  return a;
}

}  // namespace allocscope
