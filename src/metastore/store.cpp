#include "metastore/store.hpp"

#include <algorithm>
#include <random>
#include <thread>

namespace mallard::metastore {

Flavor parse_flavor(const std::string &name) {
  if (name.empty() || name == "postgres") return Flavor::kPostgres;
  if (name == "cockroachdb") return Flavor::kCockroach;
  throw Error(sqlstate::kInvalidParameterValue,
              "invalid metadata store flavor \"" + name + "\": accepted values are postgres, cockroachdb");
}

const char *flavor_name(Flavor f) {
  switch (f) {
    case Flavor::kEmbedded: return "embedded";
    case Flavor::kPostgres: return "postgres";
    case Flavor::kCockroach: return "cockroachdb";
  }
  return "?";
}

Profile profile_for(Flavor f) {
  Profile p;
  p.flavor = f;
  p.ddl_in_own_transaction = f == Flavor::kCockroach;
  return p;
}

Backoff::Backoff(const Profile &p)
    : next_(std::max<std::chrono::milliseconds>(p.first_wait, std::chrono::milliseconds(1))),
      max_(std::max(p.max_wait, next_)),
      state_(std::random_device{}()) {}

void Backoff::wait() {
  std::mt19937_64 rng(state_++);
  int64_t w = next_.count();
  auto jitter = std::uniform_int_distribution<int64_t>(0, w)(rng);
  std::this_thread::sleep_for(std::chrono::milliseconds(w / 2 + jitter));
  next_ = std::min(next_ * 2, max_);
}

Failure classify(const Error &e, const Profile &p) {
  const std::string &s = e.sqlstate();
  // 23505 on the snapshot key: another writer took the snapshot id first.
  if (s == sqlstate::kUniqueViolation || s == sqlstate::kSerializationFailure) return Failure::kRetry;
  if (p.flavor != Flavor::kEmbedded) {
    // A connection lost before COMMIT was sent (08000) committed nothing, and neither did one that
    // could not be opened (08001: the store is restarting, or unreachable for a moment).
    if (s == sqlstate::kDeadlockDetected || s == sqlstate::kConnectionException || s == "08001")
      return Failure::kRetry;
    // 40003 statement_completion_unknown, or the connection dropped while COMMIT was in flight.
    if (s == "40003" || s == sqlstate::kConnectionFailure) return Failure::kAmbiguous;
  }
  return Failure::kFatal;
}

}  // namespace mallard::metastore
