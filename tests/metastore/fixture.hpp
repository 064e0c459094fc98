#pragma once
// Warehouses on external metadata stores, end to end: the real `mallard` binary started with
// `--metastore` (or a config file) against a real PostgreSQL 15 that the suite starts itself.
//
// The cockroachdb flavor runs against a real CockroachDB when MALLARD_TEST_COCKROACH names a
// `cockroach` binary (started as `cockroach start-single-node --insecure`); otherwise against the
// same PostgreSQL behind tools/faultproxy, which refuses what CockroachDB refuses and words
// serialization failures as CockroachDB does. Either way the store is reached through a faultproxy,
// so tests can inject 40001s and dropped COMMIT replies.

#include <atomic>
#include <functional>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "faultproxy/proxy.hpp"
#include "support/server.hpp"

namespace mallard::it {

enum class StoreFlavor { kPostgres, kCockroach };
const char *flavor_param(StoreFlavor f);  // the URI's flavor= value
std::string flavor_test_name(const ::testing::TestParamInfo<StoreFlavor> &info);

// A running `cockroach start-single-node --insecure` in a temporary directory.
class CockroachNode {
 public:
  explicit CockroachNode(std::string binary);
  ~CockroachNode();
  bool start();
  int port() const { return port_; }
  const std::string &failure() const { return failure_; }

 private:
  std::string binary_, dir_, failure_;
  pid_t pid_ = -1;
  int port_ = 0;
};

// Where a metadata database lives, as a client reaches it directly (never through a proxy).
struct StoreEndpoint {
  std::string host = "127.0.0.1";
  int port = 0;
  std::string user, password, database;
  std::string conninfo() const;
};

// Suite-wide servers: one PostgreSQL (always) and one CockroachDB (when configured).
class MetastoreSuite : public ::testing::Test {
 public:
  static void SetUpTestSuite();
  static void TearDownTestSuite();

 protected:
  void SetUp() override;
  void TearDown() override;

  static Server &pg() { return *pg_; }
  static bool real_cockroach() { return crdb_ != nullptr; }
  // A new empty database for a metadata store of `flavor` (on CockroachDB for cockroachdb when
  // configured, else on the PostgreSQL).
  static StoreEndpoint new_store(StoreFlavor flavor, const std::string &name);
  // Reconnects to an existing metadata database (e.g. a PostgreSQL restarted on its port).
  static Conn admin(const StoreEndpoint &e);

  // A faultproxy in front of `e`, owned by the test (stopped in TearDown).
  faultproxy::Proxy &add_proxy(const StoreEndpoint &e, const faultproxy::FaultConfig &faults = {});
  // mallard --metastore URI for `e` as reached through `proxy_port` (0: directly). The password
  // goes into a password file (--metastore-password-file), never into the URI.
  std::string uri(const StoreEndpoint &e, StoreFlavor flavor, int proxy_port = 0) const;
  std::string password_file(const StoreEndpoint &e);
  // Options for a mallard whose default warehouse uses `uri`.
  ServerOptions mallard_options(const std::string &uri, const StoreEndpoint &e);

  static inline std::unique_ptr<Server> pg_;
  static inline std::unique_ptr<CockroachNode> crdb_;
  static inline std::string scratch_;
  std::vector<std::unique_ptr<faultproxy::Proxy>> proxies_;
};

// ---- checks on a metadata store, run directly against it ----

// DuckLake catalog invariants after a workload (no maintenance ran): snapshot ids 0..n without
// gaps, one changes row per snapshot, distinct commit markers, non-overlapping row-id ranges per
// table, table stats equal to the sum of live files, ids below the latest snapshot's next ids, and
// every data file of the catalog present on disk with no Parquet file that the catalog does not
// name. Returns failures as text (empty when all hold).
// `allowed_orphans`: Parquet files on disk that the catalog may not name (written for commits
// whose outcome a client was told is unknown, and which did not happen).
std::vector<std::string> catalog_violations(PGconn *store, size_t allowed_orphans = 0);

// ---- a workload of single-row commits by concurrent clients ----

struct WriterPlan {
  std::vector<std::string> conninfos;  // writer w connects to conninfos[w % size]
  int writers = 1;
  int commits = 1;                     // single-row autocommit INSERTs per writer
  // Writer w writes into table table_of[w % size] a row (w, i) for commit i.
  std::vector<std::string> tables;
  int max_client_retries = 50;  // a 40001 from Mallard is retried by the client, up to this
  // Writers stop early when this returns true (checked before each commit).
  std::function<bool()> stop;
  // Run once on each writer's connection (e.g. SET statement_timeout).
  std::string setup_sql;
  // Counted as the workload goes, for tests that act in the middle of it.
  std::atomic<int> *acknowledged_so_far = nullptr;
  std::atomic<int> *errors_so_far = nullptr;
};

struct WriterOutcome {
  std::set<std::pair<int, int>> acknowledged;  // (writer, i)
  std::set<std::pair<int, int>> failed;        // answered with an error that means "not committed"
  std::set<std::pair<int, int>> unknown;       // answered 08006: outcome unknown
  std::map<std::string, int> errors;           // SQLSTATE → count, including retried ones
  std::vector<std::string> messages;           // a sample of error messages, one per SQLSTATE
  int client_retries = 0;
  int reconnects = 0;
};

WriterOutcome run_writers(const WriterPlan &plan);

// Compares what a table holds with what clients were told. Rows of `writers` are expected in
// `table` as (writer, i). Returns failures as text.
std::vector<std::string> lost_or_extra(PGconn *mallard, const std::string &table, const std::set<int> &writers,
                                       const WriterOutcome &o);

}  // namespace mallard::it
