#pragma once
// The external metadata store: PostgreSQL or CockroachDB over libpq. Both flavors share this code;
// what differs (isolation level, DDL placement, retries) is the store's Profile, chosen per store
// from its config, so one process can serve warehouses of both flavors at once.

#include <chrono>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "metastore/store.hpp"

namespace mallard::metastore {

struct PostgresConfig {
  // Empty: libpq's default (the local Unix socket). May list several hosts ("a,b"), which libpq
  // tries in turn, all on `port`.
  std::string host;
  int port = 5432;
  std::string database;
  std::string user;
  std::string password;       // never logged and never part of describe()
  std::string password_file;  // when password is empty: a file holding it, read at every connect
  std::string sslmode = "prefer";
  Flavor flavor = Flavor::kPostgres;
  // Further libpq keywords taken from the URI as given (sslrootcert, sslcert, options, ...).
  std::vector<std::pair<std::string, std::string>> extra;

  // Connections are opened on demand, up to this many per store.
  int max_connections = 4;
  // Server-side statement_timeout of every metadata statement (0: none). The client also gives
  // up on an answer a little later than this, so a store that stops answering altogether fails
  // with a connection error (08000, or 08006 for COMMIT) instead of hanging.
  std::chrono::milliseconds statement_timeout{30000};
  std::chrono::seconds connect_timeout{10};
  // How long begin() waits for a free connection when all are in use (then 53300).
  std::chrono::milliseconds pool_wait{30000};
  // Overrides of the flavor profile's retry policy for metadata commits (0: the default).
  int retry_attempts = 0;
  std::chrono::milliseconds retry_max_wait{0};
};

// Parses `postgresql://user:password@host:port/db?sslmode=...&flavor=postgres|cockroachdb` (also
// `postgres://`). `flavor` is Mallard's own parameter: it is removed before libpq sees the URI;
// empty or absent means postgres, anything else unknown throws 22023. Other libpq parameters are
// kept in `extra`, except those Mallard sets itself (application_name, keepalives*,
// tcp_user_timeout, client_encoding), which are ignored. Malformed URIs throw 22023.
PostgresConfig parse_postgres_uri(const std::string &uri);

// The URI without its `flavor` query parameter(s); the last value given goes to *flavor (empty
// when there is none).
std::string remove_flavor_parameter(const std::string &uri, std::string *flavor = nullptr);

struct PoolStats {
  int open = 0;        // connections that exist: idle, in use, or being opened
  int idle = 0;
  int peak_open = 0;   // the most that ever existed at once
  long created = 0;    // connections opened successfully over the store's life
  long discarded = 0;  // connections closed because they broke
};

namespace detail {
class PostgresPool;
}

// Transactions are used by one thread at a time; the store itself may be used from any number of
// threads. A transaction may outlive its store.
class PostgresStore : public Store {
 public:
  // `warehouse` names the connections (application_name = mallard/<warehouse>).
  PostgresStore(PostgresConfig config, std::string warehouse);
  ~PostgresStore() override;

  const Profile &profile() const override;
  std::unique_ptr<Transaction> begin() override;
  std::string describe() const override;

  PoolStats pool_stats() const;

 private:
  std::shared_ptr<detail::PostgresPool> pool_;
};

}  // namespace mallard::metastore
