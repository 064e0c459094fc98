#pragma once
// What a proxy has done, for tests to compare with what their clients saw.

#include <atomic>
#include <cstdint>

namespace mallard::faultproxy {

struct Stats {
  uint64_t connections = 0;
  uint64_t refused_binary_copy = 0;
  uint64_t refused_ctid = 0;
  uint64_t reworded_restarts = 0;          // 40001 from the server, reworded
  uint64_t injected_statement_restarts = 0;
  uint64_t injected_commit_restarts = 0;
  uint64_t dropped_after_commit = 0;
};

// Shared by a proxy's sessions. Injections and refusals are counted when the client receives the
// error, so the counts are exactly what clients observed.
struct Counters {
  std::atomic<uint64_t> connections{0};
  std::atomic<uint64_t> refused_binary_copy{0};
  std::atomic<uint64_t> refused_ctid{0};
  std::atomic<uint64_t> reworded_restarts{0};
  std::atomic<uint64_t> injected_statement_restarts{0};
  std::atomic<uint64_t> injected_commit_restarts{0};
  std::atomic<uint64_t> dropped_after_commit{0};

  Stats snapshot() const {
    return {connections.load(),        refused_binary_copy.load(),         refused_ctid.load(),
            reworded_restarts.load(),  injected_statement_restarts.load(), injected_commit_restarts.load(),
            dropped_after_commit.load()};
  }
};

}  // namespace mallard::faultproxy
