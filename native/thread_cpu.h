// CPU time of the calling thread: phase costs without the time spent preempted,
// which a shared machine adds to wall times (for benchmarks and cost figures).
#pragma once

#include <time.h>

namespace allocscope {

inline double ThreadCpuMs() {
  timespec ts{};
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) * 1e3 + static_cast<double>(ts.tv_nsec) / 1e6;
}

}  // namespace allocscope
