// Samples the process's resident set size on a background thread, so that a
// timeline has RSS points even while JavaScript keeps the event loop busy (a
// timer never fires then). The thread touches no V8 or Node API: it reads
// /proc/self/statm into a ring buffer under a mutex. One per environment;
// stopped and joined at teardown.
#pragma once

#include <napi.h>

#include <condition_variable>
#include <cstdint>
#include <memory>
#include <mutex>
#include <thread>

namespace allocscope {

class RssSampler {
 public:
  RssSampler() = default;
  ~RssSampler() { Stop(); }
  RssSampler(const RssSampler&) = delete;
  RssSampler& operator=(const RssSampler&) = delete;

  bool Start(uint32_t period_ms, size_t capacity);  // false if running
  bool Stop();                                      // false if not running; joins the thread

  static Napi::Value StartBinding(const Napi::CallbackInfo& info);
  static Napi::Value StopBinding(const Napi::CallbackInfo& info);
  static Napi::Value ReadBinding(const Napi::CallbackInfo& info);

 private:
  void Run(uint32_t period_ms);
  void Record(double time_ms, double rss);

  std::thread thread_;
  std::mutex mu_;
  std::condition_variable cv_;
  bool stopping_ = false;
  bool running_ = false;
  int statm_fd_ = -1;
  // Ring of (epoch ms, rss bytes) pairs; the newest `capacity_` are kept.
  std::unique_ptr<double[]> ring_;
  size_t capacity_ = 0;
  uint64_t next_ = 0;
};

namespace rss_sampler {
// exports.rss: start(periodMs, capacity), stop(), read().
void Register(Napi::Env env, Napi::Object exports);
}  // namespace rss_sampler

}  // namespace allocscope
