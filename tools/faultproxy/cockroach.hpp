#pragma once
// What CockroachDB does differently from PostgreSQL that Mallard's `cockroachdb` flavor must cope
// with: statements it refuses, and how it words serialization failures. Only SQLSTATEs are
// contractual for Mallard (it never classifies by message), but the texts follow CockroachDB so
// that logs and error reports read as they would in production.

#include <optional>
#include <string>
#include <string_view>

namespace mallard::faultproxy {

struct CockroachError {
  std::string sqlstate;
  std::string message;
  std::string hint;
};

struct Refusal {
  enum Kind { kBinaryCopyTo, kCtid };
  Kind kind;
  CockroachError error;
};

// What CockroachDB says to a statement PostgreSQL accepts but CockroachDB does not: binary
// COPY ... TO (0A000) and any reference to the `ctid` system column as a name (42703). nullopt
// when CockroachDB would accept the statement.
std::optional<Refusal> refusal(std::string_view statement);

// PostgreSQL's serialization failure text, as CockroachDB words the same condition.
std::string restart_transaction(std::string_view cause);

// The retry error the proxy injects, for a statement or for a COMMIT.
CockroachError injected_restart(bool at_commit);

}  // namespace mallard::faultproxy
