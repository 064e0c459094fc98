#pragma once
// One background thread that runs callbacks at deadlines (statement timeouts). Scheduling and
// cancelling are O(log n) and never block on a running callback for long.

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <map>
#include <mutex>
#include <thread>

namespace mallard {

class Timer {
 public:
  using Clock = std::chrono::steady_clock;
  Timer();
  ~Timer();
  Timer(const Timer &) = delete;
  Timer &operator=(const Timer &) = delete;

  // Returns an id for cancel(). The callback runs on the timer thread.
  uint64_t schedule(Clock::time_point when, std::function<void()> fn);
  // After cancel() returns, the callback is not running and will not run.
  void cancel(uint64_t id);

 private:
  void loop();
  std::mutex mu_;
  std::condition_variable cv_;
  std::multimap<Clock::time_point, std::pair<uint64_t, std::function<void()>>> queue_;
  uint64_t next_id_ = 1;
  uint64_t running_id_ = 0;
  bool stop_ = false;
  std::thread thread_;
};

}  // namespace mallard
