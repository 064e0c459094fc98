#include "faults.hpp"

namespace mallard::faultproxy {

Faults::Faults(const FaultConfig &config) { configure(config); }

void Faults::configure(const FaultConfig &config) {
  std::lock_guard lock(mu_);
  config_ = config;
  for (size_t i = 0; i < kFaultKinds; ++i) {
    // Distinct, fixed offsets per stream (the 64-bit golden ratio) keep the streams unrelated.
    streams_[i].seed(config.seed + (i + 1) * 0x9E3779B97F4A7C15ull);
  }
}

FaultConfig Faults::config() const {
  std::lock_guard lock(mu_);
  return config_;
}

bool Faults::decide(Fault fault) {
  std::lock_guard lock(mu_);
  double rate = fault == Fault::kStatementRestart ? config_.statement_restart
                : fault == Fault::kCommitRestart  ? config_.commit_restart
                                                  : config_.drop_after_commit;
  // mt19937_64's output sequence is fixed by the standard (distributions are not), so the top
  // 53 bits as a fraction in [0, 1) give the same decisions with any standard library.
  uint64_t draw = streams_[static_cast<size_t>(fault)]();
  double u = static_cast<double>(draw >> 11) * 0x1.0p-53;
  return u < rate;
}

}  // namespace mallard::faultproxy
