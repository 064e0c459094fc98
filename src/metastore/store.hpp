#pragma once
// One interface to a DuckLake metadata store. The lake layer speaks only this: SQL with $n text
// parameters inside transactions, errors as mallard::Error carrying the store's SQLSTATE. How a
// store differs (isolation, result format, where DDL may run, what is worth retrying) is its
// Profile, which belongs to one store object, never to the process.

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "common/error.hpp"

namespace mallard::metastore {

enum class Flavor { kEmbedded, kPostgres, kCockroach };

// "postgres" (also for an empty value) or "cockroachdb"; anything else throws 22023 naming the
// accepted values.
Flavor parse_flavor(const std::string &name);
const char *flavor_name(Flavor f);

struct Profile {
  Flavor flavor = Flavor::kEmbedded;
  // CockroachDB commits pending DML before DDL, so DDL (creating inlined-data tables) runs in its
  // own transaction before the metadata commit.
  bool ddl_in_own_transaction = false;
  // Bounded exponential backoff with jitter between attempts of one metadata commit.
  int max_attempts = 12;
  std::chrono::milliseconds first_wait{2};
  std::chrono::milliseconds max_wait{500};
};

Profile profile_for(Flavor f);

// Waits between attempts: exponential from profile.first_wait, capped at profile.max_wait, each
// with jitter (uniform in [w/2, 3w/2]) so that writers that collided do not collide again in step.
class Backoff {
 public:
  explicit Backoff(const Profile &p);
  void wait();

 private:
  std::chrono::milliseconds next_, max_;
  uint64_t state_;
};

using Param = std::optional<std::string>;  // a parameter in text form; nullopt is NULL
using Row = std::vector<std::optional<std::string>>;
using Rows = std::vector<Row>;

// How a failed metadata transaction may be handled, decided by SQLSTATE only (never message text).
enum class Failure {
  kFatal,      // report to the client
  kRetry,      // nothing was committed: roll back, wait, run the commit again
  kAmbiguous,  // the COMMIT may or may not have happened: look for the commit marker first
};
Failure classify(const Error &e, const Profile &p);

class Transaction {
 public:
  virtual ~Transaction() = default;
  // Runs one statement; $1..$n are bound from params as text. Returns its rows as text. A lost
  // connection throws 08000 (nothing committed).
  virtual Rows query(const std::string &sql, const std::vector<Param> &params = {}) = 0;
  void exec(const std::string &sql, const std::vector<Param> &params = {}) { query(sql, params); }
  // Throws on failure; a COMMIT that fails because the connection was lost throws 08006, which
  // classify() reports as ambiguous.
  virtual void commit() = 0;
  // Never throws; a transaction that is neither committed nor rolled back is rolled back when
  // destroyed.
  virtual void rollback() noexcept = 0;
};

class Store {
 public:
  virtual ~Store() = default;
  virtual const Profile &profile() const = 0;
  // Starts a transaction at the profile's isolation level.
  virtual std::unique_ptr<Transaction> begin() = 0;
  // A short description for logs and errors (never a password).
  virtual std::string describe() const = 0;
};

}  // namespace mallard::metastore
