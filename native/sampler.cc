#include "sampler.h"

#include <algorithm>
#include <memory>

#include "env_state.h"
#include "namespace_object.h"
#include "peak_watch.h"
#include "v8_compat.h"
#include "typed_array_util.h"

namespace allocscope {

// ---- ProfileTree -------------------------------------------------------------

size_t ProfileTree::FrameHash::operator()(const Frame& f) const {
  uint64_t h = f.name * 0x9E3779B97F4A7C15ull;
  h ^= (uint64_t(f.script) << 1) + 0x85EBCA6B + (h << 6) + (h >> 2);
  h ^= (uint64_t(uint32_t(f.line)) << 32 | uint32_t(f.column)) + 0xC2B2AE35 + (h << 6) + (h >> 2);
  h ^= uint64_t(uint32_t(f.script_id)) + (h << 6) + (h >> 2);
  return size_t(h);
}

void ProfileTree::Clear(bool live_columns) {
  strings_.clear();
  string_ids_.clear();
  frames_.clear();
  frame_ids_.clear();
  parent_.clear();
  frame_.clear();
  self_bytes_.clear();
  self_count_.clear();
  live_columns_ = live_columns;
  live_bytes_.clear();
  live_count_.clear();
  child_ids_.clear();
  frame_by_position_.clear();
  strings_.emplace_back("");                       // string 0: empty
  strings_.emplace_back("(root)");                 // string 1
  string_ids_.emplace("", 0);
  string_ids_.emplace("(root)", 1);
  frames_.push_back(Frame{1, 0, 0, 0, 0});         // frame 0: the root
  frame_ids_.emplace(frames_[0], 0);
  parent_.push_back(-1);
  frame_.push_back(0);
  self_bytes_.push_back(0);
  self_count_.push_back(0);
  if (live_columns_) {
    live_bytes_.push_back(0);
    live_count_.push_back(0);
  }
}

void ProfileTree::ZeroTotals() {
  std::fill(self_bytes_.begin(), self_bytes_.end(), 0.0);
  std::fill(self_count_.begin(), self_count_.end(), 0.0);
  std::fill(live_bytes_.begin(), live_bytes_.end(), 0.0);
  std::fill(live_count_.begin(), live_count_.end(), 0.0);
}

uint32_t ProfileTree::Intern(v8::Isolate* isolate, v8::Local<v8::String> s) {
  if (s.IsEmpty() || s->Length() == 0) return 0;
  v8::String::Utf8Value utf8(isolate, s);
  return InternString(std::string(*utf8 ? *utf8 : "", utf8.length()));
}

uint32_t ProfileTree::InternString(const std::string& value) {
  if (value.empty()) return 0;
  auto it = string_ids_.find(value);
  if (it != string_ids_.end()) return it->second;
  const uint32_t id = uint32_t(strings_.size());
  strings_.push_back(value);
  string_ids_.emplace(value, id);
  return id;
}

uint32_t ProfileTree::InternFrame(const Frame& f) {
  auto it = frame_ids_.find(f);
  if (it != frame_ids_.end()) return it->second;
  const uint32_t id = uint32_t(frames_.size());
  frames_.push_back(f);
  frame_ids_.emplace(f, id);
  return id;
}

uint32_t ProfileTree::Child(uint32_t parent, uint32_t frame) {
  const uint64_t key = uint64_t(parent) << 32 | frame;
  auto it = child_ids_.find(key);
  if (it != child_ids_.end()) return it->second;
  const uint32_t id = uint32_t(parent_.size());
  parent_.push_back(int32_t(parent));
  frame_.push_back(frame);
  self_bytes_.push_back(0);
  self_count_.push_back(0);
  if (live_columns_) {
    live_bytes_.push_back(0);
    live_count_.push_back(0);
  }
  child_ids_.emplace(key, id);
  return id;
}

void ProfileTree::FoldNode(v8::Isolate* isolate, const v8::AllocationProfile::Node* node, uint32_t into,
                           const Tallies* tallies, KnownFrames* known) {
  for (const auto& a : node->allocations) {
    // V8 already scaled `count` by 1 / (1 − e^(−size/interval)): unbiased.
    self_bytes_[into] += double(a.size) * double(a.count);
    self_count_[into] += double(a.count);
    if (tallies == nullptr) continue;
    // The live share of this (node, size)'s samples, applied to V8's unbiased
    // count, so live ≤ allocated always holds. Summing each live Sample's own
    // count instead is biased: see Fold.
    auto t = tallies->find(std::make_pair(node->node_id, a.size));
    if (t == tallies->end() || t->second.samples <= 0) continue;
    const double live_share = t->second.live / t->second.samples;
    live_bytes_[into] += double(a.size) * double(a.count) * live_share;
    live_count_[into] += double(a.count) * live_share;
  }
  for (const v8::AllocationProfile::Node* child : node->children) {
    FoldNode(isolate, child, Child(into, FrameOf(isolate, child, known)), tallies, known);
  }
}

uint32_t ProfileTree::FrameOf(v8::Isolate* isolate, const v8::AllocationProfile::Node* node, KnownFrames* known) {
  const bool located = node->line_number != v8::AllocationProfile::kNoLineNumberInfo;
  if (known != nullptr && node->script_id != 0 && !located) {
    // Its Script was collected since V8 last named it: the frame V8 gave then.
    auto k = known->find(node->node_id);
    if (k != known->end()) {
      return InternFrame(Frame{InternString(k->second.name), InternString(k->second.script), k->second.line, k->second.column,
                               node->script_id});
    }
  }
  // A function in a script is known by (script id, line, column); without a line
  // (builtins, collected scripts) positions would collide, so those are not cached.
  const auto position = std::make_tuple(node->script_id, node->line_number, node->column_number);
  const bool cacheable = node->script_id != 0 && located;
  auto cached = cacheable ? frame_by_position_.find(position) : frame_by_position_.end();
  uint32_t frame;
  if (cached != frame_by_position_.end()) {
    frame = cached->second;
  } else {
    Frame f{Intern(isolate, node->name), Intern(isolate, node->script_name), node->line_number, node->column_number,
            node->script_id};
    frame = InternFrame(f);
    if (cacheable) frame_by_position_.emplace(position, frame);
  }
  if (known != nullptr && node->script_id != 0 && located && known->find(node->node_id) == known->end()) {
    const Frame& f = frames_[frame];
    known->emplace(node->node_id, KnownFrame{strings_[f.name], strings_[f.script], f.line, f.column});
  }
  return frame;
}

// Verified on Node 26.12 (V8 14.6), sampler flags kSamplingIncludeObjectsCollectedBy
// MajorGC|MinorGC: a sample stays after its object is collected and then reads
// is_live = false, whether a scavenge or a mark-compact collected it; objects
// not yet collected (young garbage before the next scavenge) still read true.
// Sample::count is scaled like Allocation::count, 1/(1 − e^(−size/interval)),
// but rounded to an integer per sample: 544-byte objects at a 512-byte interval
// read 2 instead of 1.53 (sums +28 % over a run), 848 bytes at 4 KiB read 5 for
// 5.35. Allocation::count rounds once per (node, size), hence the tallies.
void ProfileTree::Fold(v8::Isolate* isolate, v8::AllocationProfile* profile, KnownFrames* known) {
  if (!(kSampleLiveness && live_columns_)) {
    FoldNode(isolate, profile->GetRootNode(), 0, nullptr, known);
    return;
  }
  // Per (V8 node id, size): samples and live samples. Runs at a fold, outside GC.
  Tallies tallies;
  const std::vector<v8::AllocationProfile::Sample>& samples = profile->GetSamples();
  tallies.reserve(samples.size() / 4 + 16);
  for (const auto& sample : samples) {
    Tally& t = tallies[std::make_pair(sample.node_id, sample.size)];
    t.samples += 1;
    if (SampleIsLive(sample)) t.live += 1;
  }
  FoldNode(isolate, profile->GetRootNode(), 0, &tallies, known);
}

// { strings: string[], frames: { name, script, line, column, scriptId },
//   nodes: { parent, frame, selfBytes, selfCount[, liveBytes, liveCount] } }
Napi::Value ProfileTree::Export(Napi::Env env) const {
  Napi::Array strings = Napi::Array::New(env, strings_.size());
  if (strings.IsEmpty()) return env.Undefined();
  for (size_t i = 0; i < strings_.size(); i++) strings.Set(uint32_t(i), Napi::String::New(env, strings_[i]));

  // Every typed array is checked: N-API returns none while the env is torn down.
  const size_t nf = frames_.size();
  Napi::Uint32Array name, script;
  Napi::Int32Array line, column, script_id;
  if (!NewTypedArray(env, nf, &name) || !NewTypedArray(env, nf, &script) || !NewTypedArray(env, nf, &line) ||
      !NewTypedArray(env, nf, &column) || !NewTypedArray(env, nf, &script_id)) {
    return env.Undefined();
  }
  for (size_t i = 0; i < nf; i++) {
    name.Data()[i] = frames_[i].name;
    script.Data()[i] = frames_[i].script;
    line.Data()[i] = frames_[i].line;
    column.Data()[i] = frames_[i].column;
    script_id.Data()[i] = frames_[i].script_id;
  }
  Napi::Object frames = Napi::Object::New(env);
  frames.Set("name", name);
  frames.Set("script", script);
  frames.Set("line", line);
  frames.Set("column", column);
  frames.Set("scriptId", script_id);

  const size_t nn = parent_.size();
  Napi::Int32Array parent;
  Napi::Uint32Array frame;
  Napi::Float64Array bytes, count;
  if (!NewTypedArray(env, nn, &parent) || !NewTypedArray(env, nn, &frame) || !NewTypedArray(env, nn, &bytes) ||
      !NewTypedArray(env, nn, &count)) {
    return env.Undefined();
  }
  std::copy(parent_.begin(), parent_.end(), parent.Data());
  std::copy(frame_.begin(), frame_.end(), frame.Data());
  std::copy(self_bytes_.begin(), self_bytes_.end(), bytes.Data());
  std::copy(self_count_.begin(), self_count_.end(), count.Data());
  Napi::Object nodes = Napi::Object::New(env);
  nodes.Set("parent", parent);
  nodes.Set("frame", frame);
  nodes.Set("selfBytes", bytes);
  nodes.Set("selfCount", count);
  if (live_columns_) {
    Napi::Float64Array live_bytes, live_count;
    if (!NewTypedArray(env, nn, &live_bytes) || !NewTypedArray(env, nn, &live_count)) return env.Undefined();
    std::copy(live_bytes_.begin(), live_bytes_.end(), live_bytes.Data());
    std::copy(live_count_.begin(), live_count_.end(), live_count.Data());
    nodes.Set("liveBytes", live_bytes);
    nodes.Set("liveCount", live_count);
  }

  Napi::Object out = Napi::Object::New(env);
  out.Set("strings", strings);
  out.Set("frames", frames);
  out.Set("nodes", nodes);
  return out;
}

// ---- Sampler -----------------------------------------------------------------

Sampler::Sampler(v8::Isolate* isolate) : isolate_(isolate), peak_(std::make_unique<PeakWatch>(isolate)) {}

Sampler::~Sampler() { Stop(); }

bool Sampler::StartV8() {
  const auto flags = mode_ == kAllocated
      ? static_cast<v8::HeapProfiler::SamplingFlags>(v8::HeapProfiler::kSamplingIncludeObjectsCollectedByMajorGC |
                                                     v8::HeapProfiler::kSamplingIncludeObjectsCollectedByMinorGC)
      : v8::HeapProfiler::kSamplingNoFlags;
  return isolate_->GetHeapProfiler()->StartSamplingHeapProfiler(interval_, depth_, flags);
}

bool Sampler::Stop() {
  peak_->Stop();  // its moments stay readable
  if (!running_) return false;
  isolate_->GetHeapProfiler()->StopSamplingHeapProfiler();
  running_ = false;
  return true;
}

bool Sampler::FoldAndRestart() {
  v8::HandleScope scope(isolate_);
  std::unique_ptr<v8::AllocationProfile> profile(isolate_->GetHeapProfiler()->GetAllocationProfile());
  if (!profile) return false;
  aggregate_.Fold(isolate_, profile.get(), &known_);
  profile.reset();
  known_.clear();  // the restarted sampler numbers its nodes afresh
  isolate_->GetHeapProfiler()->StopSamplingHeapProfiler();
  folds_++;
  // Nothing runs between stop and start on this thread, so no allocation is missed.
  return StartV8();
}

namespace {
Napi::Value ThrowCoded(Napi::Env env, const char* code, const char* message) {
  Napi::Error error = Napi::Error::New(env, message);
  error.Set("code", Napi::String::New(env, code));
  error.ThrowAsJavaScriptException();
  return env.Undefined();
}
}  // namespace

// start(intervalBytes, stackDepth, mode) -> true | false (busy); JS validated the arguments.
Napi::Value Sampler::StartBinding(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  Sampler& s = *EnvState::From(env)->sampler;
  if (s.running_) return ThrowCoded(env, "ERR_ALLOCSCOPE_ALREADY_STARTED", "allocscope: heap.start() was called while the sampler is running; call heap.stop() first");
  s.interval_ = uint64_t(info[0].As<Napi::Number>().DoubleValue());
  s.depth_ = info[1].As<Napi::Number>().Int32Value();
  s.mode_ = info[2].As<Napi::Number>().Int32Value() == kAllocated ? kAllocated : kLive;
  if (!s.StartV8()) return Napi::Boolean::New(env, false);
  // allocated mode keeps live columns where V8's samples say which objects live.
  s.aggregate_.Clear(kSampleLiveness && s.mode_ == kAllocated);
  s.known_.clear();
  s.folds_ = 0;
  s.running_ = true;
  // peak: { budget, periodMs, maxMoments, minGrowthBytes } (live mode; JS checked it).
  if (s.mode_ == kLive && info.Length() > 3 && info[3].IsObject()) {
    Napi::Object o = info[3].As<Napi::Object>();
    PeakWatch::Settings p;
    p.budget = o.Get("budget").As<Napi::Number>().DoubleValue();
    p.period_ms = o.Get("periodMs").As<Napi::Number>().DoubleValue();
    p.max_moments = size_t(o.Get("maxMoments").As<Napi::Number>().DoubleValue());
    p.min_growth_bytes = o.Get("minGrowthBytes").As<Napi::Number>().DoubleValue();
    s.peak_->Start(p, &s.known_);
  }
  return Napi::Boolean::New(env, true);
}

Napi::Value Sampler::StopBinding(const Napi::CallbackInfo& info) {
  return Napi::Boolean::New(info.Env(), EnvState::From(info.Env())->sampler->Stop());
}

// fold() -> allocated mode: move V8's samples into the aggregate now (bounds V8's memory).
Napi::Value Sampler::FoldBinding(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  Sampler& s = *EnvState::From(env)->sampler;
  if (!s.running_ || s.mode_ != kAllocated) return Napi::Boolean::New(env, false);
  if (!s.FoldAndRestart()) {
    s.running_ = false;
    return ThrowCoded(env, "ERR_ALLOCSCOPE_SAMPLER_LOST", "allocscope: V8's sampling heap profiler was stopped by someone else (an inspector session?)");
  }
  return Napi::Boolean::New(env, true);
}

// collect() -> exported tree. live: the current live samples; allocated: everything since start.
Napi::Value Sampler::CollectBinding(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  Sampler& s = *EnvState::From(env)->sampler;
  if (!s.running_) return ThrowCoded(env, "ERR_ALLOCSCOPE_NOT_STARTED", "allocscope: heap.profile() needs heap.start() first");
  if (s.mode_ == kAllocated) {
    if (!s.FoldAndRestart()) {
      s.running_ = false;
      return ThrowCoded(env, "ERR_ALLOCSCOPE_SAMPLER_LOST", "allocscope: V8's sampling heap profiler was stopped by someone else (an inspector session?)");
    }
    Napi::Value out = s.aggregate_.Export(env);
    if (out.IsObject()) out.As<Napi::Object>().Set("folds", Napi::Number::New(env, s.folds_));
    return out;
  }
  ProfileTree tree;
  {
    v8::HandleScope scope(s.isolate_);
    std::unique_ptr<v8::AllocationProfile> profile(s.isolate_->GetHeapProfiler()->GetAllocationProfile());
    if (!profile) {
      s.running_ = false;
      return ThrowCoded(env, "ERR_ALLOCSCOPE_SAMPLER_LOST", "allocscope: V8's sampling heap profiler was stopped by someone else (an inspector session?)");
    }
    tree.Fold(s.isolate_, profile.get(), &s.known_);
  }
  return tree.Export(env);
}

// moments() -> the peak watch's moments (see peak_watch.h), or null if it never ran.
Napi::Value Sampler::MomentsBinding(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  return EnvState::From(env)->sampler->peak_->Export(env);
}

// newPeriod(): the peak watch forgets its moments and its peak (see PeakWatch::NewPeriod).
Napi::Value Sampler::NewPeriodBinding(const Napi::CallbackInfo& info) {
  EnvState::From(info.Env())->sampler->peak_->NewPeriod();
  return info.Env().Undefined();
}

void sampler::Register(Napi::Env env, Napi::Object exports) {
  NamespaceObject(env, exports, "sampler")
      .Function("start", Sampler::StartBinding)
      .Function("stop", Sampler::StopBinding)
      .Function("collect", Sampler::CollectBinding)
      .Function("fold", Sampler::FoldBinding)
      .Function("moments", Sampler::MomentsBinding)
      .Function("newPeriod", Sampler::NewPeriodBinding)
      .Value("liveness", Napi::Boolean::New(env, kSampleLiveness));
}

}  // namespace allocscope
