#pragma once
// Which faults to inject and how often, decided by seeded random streams so that a test with a
// fixed seed sees the same faults on every run.

#include <array>
#include <chrono>
#include <cstdint>
#include <mutex>
#include <random>

namespace mallard::faultproxy {

enum class Fault {
  kStatementRestart,  // a statement fails with 40001 instead of running
  kCommitRestart,     // a COMMIT fails with 40001 and the transaction is rolled back
  kDropAfterCommit,   // a COMMIT runs, then the client's connection is dropped before the reply
};
inline constexpr size_t kFaultKinds = 3;

enum class LatencyUnit {
  kRoundTrip,  // before each message that asks for a reply: Query, Sync, FunctionCall
  kMessage,    // before every message the client sends
};

struct FaultConfig {
  // Fractions in [0, 1] of the eligible statements / COMMITs (see docs/design.md for eligibility).
  double statement_restart = 0;
  double commit_restart = 0;
  double drop_after_commit = 0;
  std::chrono::milliseconds latency{0};
  LatencyUnit latency_unit = LatencyUnit::kRoundTrip;
  uint64_t seed = 1;
};

// Thread-safe: sessions of one proxy share it. Each kind of fault has its own stream, so the n-th
// eligible statement gets the same decision whatever the COMMIT rates are, and the other way round.
class Faults {
 public:
  explicit Faults(const FaultConfig &config = {});
  // New rates and latency; the streams restart from the seed, so a test can reconfigure a running
  // proxy and still get reproducible decisions from that point on.
  void configure(const FaultConfig &config);
  FaultConfig config() const;
  // The next decision of the fault's stream: true with the configured probability.
  bool decide(Fault fault);

 private:
  mutable std::mutex mu_;
  FaultConfig config_;
  std::array<std::mt19937_64, kFaultKinds> streams_;
};

}  // namespace mallard::faultproxy
