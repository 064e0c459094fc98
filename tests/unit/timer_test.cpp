#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <thread>
#include <vector>

#include "common/timer.hpp"

using namespace std::chrono_literals;

namespace mallard {
namespace {

TEST(Timer, CallbacksRunOnceAndCancelledOnesNever) {
  Timer timer;
  std::atomic<int> fired{0}, cancelled_fired{0};
  std::vector<uint64_t> to_cancel;
  for (int i = 0; i < 200; ++i) {
    timer.schedule(Timer::Clock::now() + 1ms, [&] { ++fired; });
    to_cancel.push_back(timer.schedule(Timer::Clock::now() + 200ms, [&] { ++cancelled_fired; }));
  }
  for (auto id : to_cancel) timer.cancel(id);
  auto deadline = Timer::Clock::now() + 10s;
  while (fired < 200 && Timer::Clock::now() < deadline) std::this_thread::sleep_for(1ms);
  EXPECT_EQ(fired, 200);
  std::this_thread::sleep_for(300ms);
  EXPECT_EQ(cancelled_fired, 0);
}

TEST(Timer, CancellingTheEntryTheLoopWaitsOnIsSafe) {
  // The loop sleeps until the earliest deadline; erasing that very entry must not leave it
  // reading freed memory (the sanitizer build checks this).
  Timer timer;
  std::atomic<int> fired{0};
  for (int round = 0; round < 500; ++round) {
    // Far enough ahead that a loaded machine never reaches it before the cancel.
    uint64_t id = timer.schedule(Timer::Clock::now() + 30s, [&] { ++fired; });
    std::this_thread::yield();
    timer.cancel(id);
  }
  EXPECT_EQ(fired, 0);
}

}  // namespace
}  // namespace mallard
