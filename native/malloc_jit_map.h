// Names the JavaScript frames of native allocation stacks after the fact: a log of
// V8's JIT code events (code added, code moved) for the isolate that runs the
// malloc profiler, each numbered. A sampled stack keeps the event count of when it
// was first seen, and its frames are looked up in the code as it stood then, on the
// JS thread at profile() time. The hooks only read the count (one atomic load).
//
// V8 calls the handler on the isolate's thread and, for code moved by a compacting
// GC, on GC worker threads; the handler only appends to the log under a mutex.
#pragma once

#include <v8.h>

#include <cstdint>
#include <string>

namespace allocscope {
namespace malloc_jit_map {

// Registers the handler on `isolate` (enumerating existing code) and publishes the
// builtins' range to the stack walker. JS thread.
void Start(v8::Isolate* isolate);
// Removes the handler and forgets the log. JS thread of the same isolate.
void Stop(v8::Isolate* isolate);
// Events logged so far (any thread, no lock).
uint64_t Epoch();

// A JavaScript frame, as V8 names its code ("JS:~handleUpload /srv/app.js:37:22").
struct JsFrame {
  std::string function;  // '' for anonymous
  std::string script;
  int line = 0;    // 1-based, the function's start
  int column = 0;  // 1-based
};
enum class FrameKind { kNative, kJavaScript, kHidden, kUnknown };
// What the frame (pc, and the interpreter's slots the walk kept) was at `epoch`.
// kHidden: V8's own builtins between JS frames (trampolines, call stubs).
// kNative: code of an ELF object (symbolize it natively). kUnknown: JIT memory
// with no code logged.
FrameKind Resolve(uintptr_t pc, uintptr_t bytecode_array, uintptr_t bytecode_offset, uint64_t epoch, JsFrame* out);
// Takes the log's lock for a run of Resolve calls (profile collection).
void LockForResolve();
void UnlockForResolve();

struct Figures {
  uint64_t events;
  uint64_t moved;
  uint64_t entries;
};
Figures Read();

}  // namespace malloc_jit_map
}  // namespace allocscope
