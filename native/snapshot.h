// Heap snapshot analysis in one synchronous call: V8 takes the snapshot (with a
// full GC first), we convert its graph to compact arrays and delete it, then
// compute dominators, retained sizes, per-class aggregates, retainer paths and,
// on request, the retained size of one value and what inside it weighs most.
//
// Nothing is kept between calls and nothing is static: the only per-env state
// is the isolate taken from EnvState. The progress bar is written straight to
// file descriptor 2 (no JS can run while V8 builds a snapshot).
#pragma once

#include <napi.h>

namespace allocscope {

class SnapshotAnalyzer {
 public:
  // snapshot.analyze(progress: boolean, retainerPathsFor: string[],
  //                 target: object | undefined, targetTop: number, targetDeep: boolean)
  static Napi::Value AnalyzeBinding(const Napi::CallbackInfo& info);
  // snapshot.constants: node and edge type names.
  static Napi::Object Constants(Napi::Env env);
};

namespace snapshot {
// exports.snapshot: analyze(...), and `constants` (node and edge type names, bytes per node and edge).
void Register(Napi::Env env, Napi::Object exports);
}  // namespace snapshot

}  // namespace allocscope
