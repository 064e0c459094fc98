#include "metastore/store.hpp"

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

Failure classify(const Error &e, const Profile &p) {
  const std::string &s = e.sqlstate();
  // 23505 on the snapshot key: another writer took the snapshot id first.
  if (s == sqlstate::kUniqueViolation || s == sqlstate::kSerializationFailure) return Failure::kRetry;
  if (p.flavor != Flavor::kEmbedded) {
    // A connection lost before COMMIT was sent (08000) committed nothing.
    if (s == sqlstate::kDeadlockDetected || s == sqlstate::kConnectionException) return Failure::kRetry;
    // 40003 statement_completion_unknown, or the connection dropped while COMMIT was in flight.
    if (s == "40003" || s == sqlstate::kConnectionFailure) return Failure::kAmbiguous;
  }
  return Failure::kFatal;
}

}  // namespace mallard::metastore
