#include "common/timer.hpp"

namespace mallard {

Timer::Timer() : thread_([this] { loop(); }) {}

Timer::~Timer() {
  {
    std::lock_guard lock(mu_);
    stop_ = true;
  }
  cv_.notify_all();
  thread_.join();
}

uint64_t Timer::schedule(Clock::time_point when, std::function<void()> fn) {
  std::lock_guard lock(mu_);
  uint64_t id = next_id_++;
  queue_.emplace(when, std::make_pair(id, std::move(fn)));
  cv_.notify_all();
  return id;
}

void Timer::cancel(uint64_t id) {
  std::unique_lock lock(mu_);
  for (auto it = queue_.begin(); it != queue_.end(); ++it) {
    if (it->second.first == id) {
      queue_.erase(it);
      return;
    }
  }
  cv_.wait(lock, [&] { return running_id_ != id; });
}

void Timer::loop() {
  std::unique_lock lock(mu_);
  while (!stop_) {
    if (queue_.empty()) {
      cv_.wait(lock);
      continue;
    }
    auto it = queue_.begin();
    if (it->first > Clock::now()) {
      // A copy: cancel() may erase the entry while the lock is released during the wait.
      const Clock::time_point when = it->first;
      cv_.wait_until(lock, when);
      continue;
    }
    auto [id, fn] = std::move(it->second);
    queue_.erase(it);
    running_id_ = id;
    lock.unlock();
    fn();
    lock.lock();
    running_id_ = 0;
    cv_.notify_all();
  }
}

}  // namespace mallard
