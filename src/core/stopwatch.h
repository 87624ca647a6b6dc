#ifndef WV_CORE_STOPWATCH_H_
#define WV_CORE_STOPWATCH_H_

#include <time.h>

#include <chrono>

// Elapsed time for stage timings (summaries, manifests, benchmarks).
namespace wv {

// Wall-clock seconds since construction (steady clock) and CPU seconds of
// the constructing thread since then (the steadier measure on a loaded
// machine). Thread-compatible; ThreadCpuSeconds() is meaningful only on the
// thread that constructed it.
class Stopwatch {
 public:
  Stopwatch() : wall_(std::chrono::steady_clock::now()), cpu_(ThreadCpuNow()) {}

  double Seconds() const {
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - wall_).count();
  }
  double ThreadCpuSeconds() const { return ThreadCpuNow() - cpu_; }

 private:
  static double ThreadCpuNow() {
    timespec ts{};
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    return static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) * 1e-9;
  }

  std::chrono::steady_clock::time_point wall_;
  double cpu_;
};

// CPU seconds (user + system) of the whole process so far, every thread.
inline double ProcessCpuSeconds() {
  timespec ts{};
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) * 1e-9;
}

}  // namespace wv

#endif  // WV_CORE_STOPWATCH_H_
