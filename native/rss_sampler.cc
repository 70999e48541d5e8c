#include "rss_sampler.h"

#include <fcntl.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>

#include "env_state.h"
#include "namespace_object.h"
#include "typed_array_util.h"

namespace allocscope {

namespace {
double NowEpochMs() {
  using namespace std::chrono;
  return double(duration_cast<microseconds>(system_clock::now().time_since_epoch()).count()) / 1e3;
}

// Resident bytes from /proc/self/statm ("size resident shared …", in pages), or -1.
double ReadRss(int fd) {
  char buf[128];
  const ssize_t n = pread(fd, buf, sizeof(buf) - 1, 0);
  if (n <= 0) return -1;
  buf[n] = '\0';
  char* end = nullptr;
  std::strtoull(buf, &end, 10);                        // size
  const unsigned long long pages = std::strtoull(end, nullptr, 10);  // resident
  return double(pages) * double(sysconf(_SC_PAGESIZE));
}
}  // namespace

bool RssSampler::Start(uint32_t period_ms, size_t capacity) {
  if (running_) return false;
  statm_fd_ = open("/proc/self/statm", O_RDONLY | O_CLOEXEC);
  if (statm_fd_ < 0) return false;  // not Linux: no background RSS samples
  // Not filled: only written slots are read, and the pages of the rest stay out of
  // RSS (100,000 samples are 1.5 MiB; one page holds 25 s of them at 100 ms).
  ring_.reset(new double[capacity * 2]);
  capacity_ = capacity;
  next_ = 0;
  stopping_ = false;
  running_ = true;
  thread_ = std::thread(&RssSampler::Run, this, period_ms);
  return true;
}

bool RssSampler::Stop() {
  if (!running_) return false;
  {
    std::lock_guard<std::mutex> lock(mu_);
    stopping_ = true;
  }
  cv_.notify_all();
  thread_.join();
  close(statm_fd_);
  statm_fd_ = -1;
  running_ = false;
  return true;
}

void RssSampler::Record(double time_ms, double rss) {
  std::lock_guard<std::mutex> lock(mu_);
  double* slot = &ring_[(next_ % capacity_) * 2];
  slot[0] = time_ms;
  slot[1] = rss;
  next_++;
}

void RssSampler::Run(uint32_t period_ms) {
  std::unique_lock<std::mutex> lock(mu_);
  while (!stopping_) {
    lock.unlock();
    const double rss = ReadRss(statm_fd_);
    if (rss >= 0) Record(NowEpochMs(), rss);
    lock.lock();
    cv_.wait_for(lock, std::chrono::milliseconds(period_ms), [this] { return stopping_; });
  }
}

// rssStart(periodMs, capacity) -> boolean
Napi::Value RssSampler::StartBinding(const Napi::CallbackInfo& info) {
  RssSampler& s = *EnvState::From(info.Env())->rss;
  const uint32_t period = info[0].As<Napi::Number>().Uint32Value();
  const uint32_t capacity = info[1].As<Napi::Number>().Uint32Value();
  if (period == 0 || capacity == 0) {
    Napi::RangeError::New(info.Env(), "allocscope native: period and capacity must be > 0").ThrowAsJavaScriptException();
    return info.Env().Undefined();
  }
  return Napi::Boolean::New(info.Env(), s.Start(period, capacity));
}

Napi::Value RssSampler::StopBinding(const Napi::CallbackInfo& info) {
  return Napi::Boolean::New(info.Env(), EnvState::From(info.Env())->rss->Stop());
}

// rss.read() -> Float64Array of (epoch ms, rss bytes) pairs, oldest first (the kept ones).
Napi::Value RssSampler::ReadBinding(const Napi::CallbackInfo& info) {
  RssSampler& s = *EnvState::From(info.Env())->rss;
  std::lock_guard<std::mutex> lock(s.mu_);
  const uint64_t count = s.capacity_ == 0 ? 0 : std::min<uint64_t>(s.next_, s.capacity_);
  Napi::Float64Array out;
  if (!NewTypedArray(info.Env(), size_t(count * 2), &out)) return info.Env().Undefined();
  const uint64_t first = s.next_ - count;
  for (uint64_t i = 0; i < count; i++) {
    const double* slot = &s.ring_[((first + i) % s.capacity_) * 2];
    out[size_t(i * 2)] = slot[0];
    out[size_t(i * 2 + 1)] = slot[1];
  }
  return out;
}

void rss_sampler::Register(Napi::Env env, Napi::Object exports) {
  NamespaceObject(env, exports, "rss")
      .Function("start", RssSampler::StartBinding)
      .Function("stop", RssSampler::StopBinding)
      .Function("read", RssSampler::ReadBinding);
}

}  // namespace allocscope
