// V8's sampling heap profiler, owned per isolate. Profiles are folded into an
// aggregate call tree keyed by frame content (not V8's node ids, which restart
// with the sampler) and exported as flat typed arrays + a string table.
//
// live mode:      no flags; each collection is the current set of sampled objects
//                 V8 still holds (dead ones stay until a GC frees them).
// allocated mode: flags keep samples of collected objects; each collection folds
//                 them into the aggregate and restarts V8's sampler, so V8's memory
//                 stays bounded and no sample is ever counted twice.
//                 Where V8 tells (kSampleLiveness, V8 14+), each fold also adds the
//                 share of each site's samples still alive at that fold to the
//                 live columns: "live" = alive at the end of the fold window in
//                 which it was sampled, "temporary" (allocated − live) = collected
//                 before it. After the restart V8 no longer watches those objects.
#pragma once

#include <napi.h>
#include <v8-isolate.h>
#include <v8-profiler.h>

#include <cstdint>
#include <memory>
#include <string>
#include <tuple>
#include <utility>
#include <unordered_map>
#include <vector>

namespace allocscope {

// What V8 told of its sampler's nodes while their scripts lived. V8 names a node's
// script and line from the Script object at each collection; once a GC has
// collected the Script (every function of a finished module unreachable), later
// collections read "" and no line for the same node. Node ids stay fixed while V8's
// sampler runs, so a node seen once keeps its frame. Cleared when V8's sampler restarts.
struct KnownFrame {
  std::string name, script;
  int32_t line, column;
};
using KnownFrames = std::unordered_map<uint32_t, KnownFrame>;

// The call tree: node 0 is the root; parent of the root is -1.
class ProfileTree {
 public:
  ProfileTree() { Clear(); }
  // Empties the tree; `live_columns`: it keeps (and exports) live bytes/count.
  void Clear(bool live_columns = false);
  // Folds every node of `profile` into the tree (self bytes/count add up; live
  // ones too when the tree keeps live columns: only for profiles whose samples
  // carry liveness, see kSampleLiveness).
  // `known`: V8 nodes' frames from earlier collections of the same V8 sampler (see KnownFrames).
  void Fold(v8::Isolate* isolate, v8::AllocationProfile* profile, KnownFrames* known = nullptr);
  size_t node_count() const { return parent_.size(); }
  double self_bytes(size_t node) const { return self_bytes_[node]; }
  double self_count(size_t node) const { return self_count_[node]; }
  // Every node's totals back to 0, the nodes kept: a tree refilled per collection
  // keeps its node ids, so collections can be compared node by node.
  void ZeroTotals();
  // The tree as typed arrays + strings; undefined if the env can no longer create values.
  Napi::Value Export(Napi::Env env) const;

 private:
  struct Frame {
    uint32_t name, script;
    int32_t line, column, script_id;
    bool operator==(const Frame& o) const {
      return name == o.name && script == o.script && line == o.line && column == o.column && script_id == o.script_id;
    }
  };
  struct FrameHash {
    size_t operator()(const Frame& f) const;
  };
  uint32_t Intern(v8::Isolate* isolate, v8::Local<v8::String> s);
  uint32_t InternFrame(const Frame& f);
  uint32_t Child(uint32_t parent, uint32_t frame);
  // Samples of one V8 node and size: how many, and how many of them are alive.
  struct Tally {
    double samples = 0, live = 0;
  };
  struct TallyKeyHash {
    size_t operator()(const std::pair<uint32_t, size_t>& k) const {
      return std::hash<uint64_t>()((uint64_t(k.first) << 40) ^ uint64_t(k.second));
    }
  };
  using Tallies = std::unordered_map<std::pair<uint32_t, size_t>, Tally, TallyKeyHash>;
  void FoldNode(v8::Isolate* isolate, const v8::AllocationProfile::Node* node, uint32_t into, const Tallies* tallies,
                KnownFrames* known);
  uint32_t FrameOf(v8::Isolate* isolate, const v8::AllocationProfile::Node* node, KnownFrames* known);
  uint32_t InternString(const std::string& s);

  std::vector<std::string> strings_;
  std::unordered_map<std::string, uint32_t> string_ids_;
  std::vector<Frame> frames_;
  std::unordered_map<Frame, uint32_t, FrameHash> frame_ids_;
  std::vector<int32_t> parent_;
  std::vector<uint32_t> frame_;
  std::vector<double> self_bytes_, self_count_;
  bool live_columns_ = false;
  std::vector<double> live_bytes_, live_count_;  // empty unless live_columns_
  std::unordered_map<uint64_t, uint32_t> child_ids_;  // (parent << 32 | frame) → node
  // A function in a script is identified by (script id, line, column): frames seen
  // again skip the UTF-8 conversion of their names. Builtins (script id 0) do not.
  struct PositionHash {
    size_t operator()(const std::tuple<int32_t, int32_t, int32_t>& k) const {
      return std::hash<uint64_t>()((uint64_t(uint32_t(std::get<0>(k))) << 40) ^ (uint64_t(uint32_t(std::get<1>(k))) << 20) ^ uint32_t(std::get<2>(k)));
    }
  };
  std::unordered_map<std::tuple<int32_t, int32_t, int32_t>, uint32_t, PositionHash> frame_by_position_;
};

class PeakWatch;

class Sampler {
 public:
  enum Mode : int { kLive = 0, kAllocated = 1 };
  explicit Sampler(v8::Isolate* isolate);
  ~Sampler();
  Sampler(const Sampler&) = delete;
  Sampler& operator=(const Sampler&) = delete;

  bool Stop();  // false if we are not running; never stops a sampler we did not start

  static Napi::Value StartBinding(const Napi::CallbackInfo& info);
  static Napi::Value StopBinding(const Napi::CallbackInfo& info);
  static Napi::Value CollectBinding(const Napi::CallbackInfo& info);
  static Napi::Value FoldBinding(const Napi::CallbackInfo& info);
  static Napi::Value MomentsBinding(const Napi::CallbackInfo& info);
  static Napi::Value NewPeriodBinding(const Napi::CallbackInfo& info);

 private:
  // Starts V8's sampler with our settings; false if someone else owns it.
  bool StartV8();
  // allocated mode: V8's samples → aggregate, then a fresh V8 sampler. false if
  // the sampler was stopped under us (e.g. by an inspector session).
  bool FoldAndRestart();

  v8::Isolate* isolate_;
  bool running_ = false;
  // Set by start(): JS owns the defaults (lib/sampler/options.ts), the addon keeps none.
  uint64_t interval_ = 0;
  int depth_ = 0;
  Mode mode_ = kLive;
  ProfileTree aggregate_;
  double folds_ = 0;
  KnownFrames known_;  // of the running V8 sampler
  std::unique_ptr<PeakWatch> peak_;  // live mode with peak: moments of the live heap
};

namespace sampler {
// exports.sampler: start(intervalBytes, stackDepth, mode[, peak]), stop(), collect(), fold(), moments(), newPeriod(),
// and `liveness`: whether V8 tells per sample if its object lives (V8 14+).
void Register(Napi::Env env, Napi::Object exports);
}  // namespace sampler

}  // namespace allocscope
