// The external metadata store (metastore::PostgresStore) against a real PostgreSQL started by the
// test: parameters and NULLs, commit and rollback, SQLSTATEs, isolation per flavor, serialization
// failures, dropped connections and reconnects, timeouts, TLS and the pool bound. The cockroachdb
// flavor runs here against PostgreSQL at SERIALIZABLE, which is what that flavor asks of a store.

#include <signal.h>

#include <algorithm>
#include <atomic>
#include <fstream>
#include <functional>
#include <mutex>
#include <thread>
#include <vector>

#include "metastore/postgres.hpp"
#include "support/server.hpp"

namespace mallard::it {
namespace {

using namespace std::chrono_literals;
using metastore::Failure;
using metastore::Flavor;
using metastore::Param;
using metastore::PostgresConfig;
using metastore::PostgresStore;
using metastore::Transaction;

class MetastorePostgres : public ServerSuite<MetastorePostgres> {
 public:
  static ServerOptions suite_options() {
    ServerOptions o;
    o.postgres_bin = installed_postgres_bin();
    return o;
  }

 protected:
  void SetUp() override {
    ASSERT_FALSE(installed_postgres_bin().empty()) << "no PostgreSQL server under /usr/lib/postgresql";
    ServerSuite::SetUp();
  }

  static PostgresConfig config(Flavor flavor = Flavor::kPostgres) {
    PostgresConfig c;
    c.host = "127.0.0.1";
    c.port = server().port();
    c.database = kDatabase;
    c.user = kUser;
    c.password = server().password();
    c.sslmode = "disable";
    c.flavor = flavor;
    c.connect_timeout = 10s;
    return c;
  }

  static std::string one(Transaction &t, const std::string &sql, const std::vector<Param> &params = {}) {
    metastore::Rows rows = t.query(sql, params);
    if (rows.size() != 1 || rows[0].size() != 1) {
      ADD_FAILURE() << "expected one value from " << sql;
      return {};
    }
    return rows[0][0].value_or("<NULL>");
  }

  // Ends a backend from another session and waits until it has gone.
  void terminate(const std::string &pid) {
    Conn admin = conn();
    ASSERT_TRUE(admin);
    EXPECT_EQ(query_value(admin.get(), "SELECT pg_terminate_backend(" + pid + ", 10000)"), "t");
  }

  static Error error_from(const std::function<void()> &f) {
    try {
      f();
    } catch (const Error &e) {
      return e;
    }
    ADD_FAILURE() << "expected a mallard::Error";
    return Error("00000", "no error");
  }
};

TEST_F(MetastorePostgres, ParametersResultsAndNullsRoundTripAsText) {
  PostgresStore store(config(), "wh_roundtrip");
  {
    auto t = store.begin();
    t->exec("CREATE TABLE rt_items (id int PRIMARY KEY, name text, note text, amount numeric, at timestamptz, flag bool)");
    const std::string sql = "INSERT INTO rt_items VALUES ($1, $2, $3, $4, $5, $6)";
    t->exec(sql, {"1", "O'Reilly\"; DROP TABLE rt_items; --", "", "12.50", "2024-01-02 03:04:05+00", "t"});
    t->exec(sql, {"2", std::nullopt, "Grüße 🦆\ttab\nnewline\\", std::nullopt, std::nullopt, "false"});
    t->commit();
  }
  auto t = store.begin();
  metastore::Rows rows =
      t->query("SELECT id, name, note, amount, at, flag FROM rt_items WHERE id >= $1 ORDER BY id", {"0"});
  ASSERT_EQ(rows.size(), 2u);
  EXPECT_EQ(rows[0], (metastore::Row{"1", "O'Reilly\"; DROP TABLE rt_items; --", "", "12.50",
                                     "2024-01-02 03:04:05+00", "t"}));
  EXPECT_EQ(rows[1], (metastore::Row{"2", std::nullopt, "Grüße 🦆\ttab\nnewline\\", std::nullopt, std::nullopt, "f"}));
  EXPECT_EQ(one(*t, "SELECT $1::text IS NULL", {std::nullopt}), "t");
  EXPECT_EQ(one(*t, "SELECT $1::text = ''", {""}), "t");
  EXPECT_EQ(one(*t, "SELECT $1::bigint + 1", {"9223372036854775806"}), "9223372036854775807");
  EXPECT_TRUE(t->query("SELECT * FROM rt_items WHERE id = $1", {"3"}).empty());
  // A command without rows.
  EXPECT_TRUE(t->query("UPDATE rt_items SET note = note WHERE id = $1", {"1"}).empty());
  // One statement per call: a second one is refused, never run.
  Error e = error_from([&] { t->query("SELECT 1; DROP TABLE rt_items"); });
  EXPECT_EQ(e.sqlstate(), "42601") << e.what();
  t->rollback();
  Conn admin = conn();
  EXPECT_EQ(query_value(admin.get(), "SELECT count(*) FROM rt_items"), "2");
}

TEST_F(MetastorePostgres, CommitPublishesRollbackAndDestructionDiscard) {
  PostgresStore store(config(), "wh_commit");
  Conn admin = conn();
  exec_ok(admin.get(), "CREATE TABLE cr_rows (id int PRIMARY KEY)");
  {
    auto t = store.begin();
    t->exec("INSERT INTO cr_rows VALUES ($1)", {"1"});
    // Not visible to others before COMMIT.
    EXPECT_EQ(query_value(admin.get(), "SELECT count(*) FROM cr_rows"), "0");
    t->commit();
    EXPECT_EQ(query_value(admin.get(), "SELECT count(*) FROM cr_rows"), "1");
    // An ended transaction refuses further use.
    EXPECT_EQ(error_from([&] { t->query("SELECT 1"); }).sqlstate(), "25000");
    EXPECT_EQ(error_from([&] { t->commit(); }).sqlstate(), "25000");
    t->rollback();  // harmless
  }
  {
    auto t = store.begin();
    t->exec("INSERT INTO cr_rows VALUES ($1)", {"2"});
    t->rollback();
  }
  {
    auto t = store.begin();
    t->exec("INSERT INTO cr_rows VALUES ($1)", {"3"});
    // Destroyed without commit: rolled back.
  }
  {
    // After a failed statement the transaction can only roll back; commit() says so and keeps nothing.
    auto t = store.begin();
    t->exec("INSERT INTO cr_rows VALUES ($1)", {"4"});
    EXPECT_THROW(t->exec("INSERT INTO cr_rows VALUES ($1)", {"1"}), Error);
    Error e = error_from([&] { t->commit(); });
    EXPECT_EQ(e.sqlstate(), "25P02") << e.what();
  }
  EXPECT_EQ(query_value(admin.get(), "SELECT string_agg(id::text, ',' ORDER BY id) FROM cr_rows"), "1");
  // Every connection went back to the pool in a clean state: one was enough.
  auto s = store.pool_stats();
  EXPECT_EQ(s.created, 1);
  EXPECT_EQ(s.discarded, 0);
  EXPECT_EQ(s.idle, 1);
}

TEST_F(MetastorePostgres, ServerSqlstateMessageDetailAndHintArrive) {
  PostgresStore store(config(), "wh_errors");
  {
    auto t = store.begin();
    Error e = error_from([&] { t->query("SELECT * FROM no_such_metadata_table"); });
    EXPECT_EQ(e.sqlstate(), "42P01");
    EXPECT_NE(std::string(e.what()).find("no_such_metadata_table"), std::string::npos) << e.what();
    EXPECT_EQ(metastore::classify(e, store.profile()), Failure::kFatal);
    // PostgreSQL's own rule: the rest of the transaction is refused.
    EXPECT_EQ(error_from([&] { t->query("SELECT 1"); }).sqlstate(), "25P02");
  }
  {
    auto t = store.begin();
    t->exec("CREATE TABLE er_snapshots (snapshot_id bigint PRIMARY KEY)");
    t->exec("INSERT INTO er_snapshots VALUES ($1)", {"7"});
    Error e = error_from([&] { t->exec("INSERT INTO er_snapshots VALUES ($1)", {"7"}); });
    EXPECT_EQ(e.sqlstate(), "23505");
    EXPECT_EQ(e.detail(), "Key (snapshot_id)=(7) already exists.");
    EXPECT_EQ(metastore::classify(e, store.profile()), Failure::kRetry);
  }
  {
    auto t = store.begin();
    Error e = error_from([&] { t->query("SELECT no_such_function($1::int)", {"1"}); });
    EXPECT_EQ(e.sqlstate(), "42883");
    EXPECT_FALSE(e.hint().empty()) << e.what();
  }
  {
    auto t = store.begin();
    Error e = error_from([&] { t->query("SELECT $1::int", {"not a number"}); });
    EXPECT_EQ(e.sqlstate(), "22P02") << e.what();
  }
  EXPECT_EQ(store.pool_stats().discarded, 0);
}

TEST_F(MetastorePostgres, IsolationLevelFollowsEachStoresFlavor) {
  // Two stores of different flavors in one process at once: the flavor is per store.
  PostgresStore pg(config(Flavor::kPostgres), "wh_pg");
  PostgresStore crdb(config(Flavor::kCockroach), "wh_crdb");
  auto a = pg.begin();
  auto b = crdb.begin();
  EXPECT_EQ(one(*a, "SHOW transaction_isolation"), "repeatable read");
  EXPECT_EQ(one(*b, "SHOW transaction_isolation"), "serializable");
  a->commit();
  b->commit();
  auto c = pg.begin();
  EXPECT_EQ(one(*c, "SHOW transaction_isolation"), "repeatable read");
}

TEST_F(MetastorePostgres, SerializationFailureBetweenTwoPoolConnectionsIsRetry) {
  Conn admin = conn();
  exec_ok(admin.get(), "CREATE TABLE sf_on_call (id int PRIMARY KEY, on_call bool NOT NULL)");
  exec_ok(admin.get(), "INSERT INTO sf_on_call VALUES (1, true), (2, true)");
  PostgresStore store(config(Flavor::kCockroach), "wh_serial");
  auto t1 = store.begin();
  auto t2 = store.begin();
  EXPECT_NE(one(*t1, "SELECT pg_backend_pid()"), one(*t2, "SELECT pg_backend_pid()"));
  // Write skew: each reads both rows and takes a different one off call.
  EXPECT_EQ(one(*t1, "SELECT count(*) FROM sf_on_call WHERE on_call"), "2");
  EXPECT_EQ(one(*t2, "SELECT count(*) FROM sf_on_call WHERE on_call"), "2");
  t1->exec("UPDATE sf_on_call SET on_call = false WHERE id = $1", {"1"});
  t1->commit();
  Error e = error_from([&] {
    t2->exec("UPDATE sf_on_call SET on_call = false WHERE id = $1", {"2"});
    t2->commit();
  });
  EXPECT_EQ(e.sqlstate(), "40001") << e.what();
  EXPECT_EQ(metastore::classify(e, store.profile()), Failure::kRetry);
  t2->rollback();
  EXPECT_EQ(query_value(admin.get(), "SELECT count(*) FROM sf_on_call WHERE on_call"), "1");
  // Both connections survive a serialization failure.
  EXPECT_EQ(store.pool_stats().discarded, 0);
  EXPECT_EQ(store.pool_stats().idle, 2);
}

TEST_F(MetastorePostgres, RepeatableReadAllowsTheSameWriteSkew) {
  // The postgres flavor's isolation is what DuckLake uses on PostgreSQL; the commit protocol,
  // not the isolation level, detects conflicts there.
  Conn admin = conn();
  exec_ok(admin.get(), "CREATE TABLE rr_on_call (id int PRIMARY KEY, on_call bool NOT NULL)");
  exec_ok(admin.get(), "INSERT INTO rr_on_call VALUES (1, true), (2, true)");
  PostgresStore store(config(Flavor::kPostgres), "wh_rr");
  auto t1 = store.begin();
  auto t2 = store.begin();
  EXPECT_EQ(one(*t1, "SELECT count(*) FROM rr_on_call WHERE on_call"), "2");
  EXPECT_EQ(one(*t2, "SELECT count(*) FROM rr_on_call WHERE on_call"), "2");
  t1->exec("UPDATE rr_on_call SET on_call = false WHERE id = $1", {"1"});
  t2->exec("UPDATE rr_on_call SET on_call = false WHERE id = $1", {"2"});
  t1->commit();
  t2->commit();
  EXPECT_EQ(query_value(admin.get(), "SELECT count(*) FROM rr_on_call WHERE on_call"), "0");
}

TEST_F(MetastorePostgres, ApplicationNameNamesTheWarehouse) {
  PostgresStore store(config(), "sales_eu");
  auto t = store.begin();
  std::string pid = one(*t, "SELECT pg_backend_pid()");
  Conn admin = conn();
  EXPECT_EQ(query_value(admin.get(), "SELECT application_name FROM pg_stat_activity WHERE pid = " + pid),
            "mallard/sales_eu");
  EXPECT_EQ(one(*t, "SHOW application_name"), "mallard/sales_eu");
}

TEST_F(MetastorePostgres, IdleConnectionKilledByTheServerIsReplacedAtBegin) {
  PostgresStore store(config(), "wh_reconnect");
  std::string first;
  {
    auto t = store.begin();
    first = one(*t, "SELECT pg_backend_pid()");
    t->commit();
  }
  terminate(first);
  auto t = store.begin();  // must not fail: the dead idle connection is noticed and replaced
  std::string second = one(*t, "SELECT pg_backend_pid()");
  EXPECT_NE(first, second);
  t->commit();
  auto s = store.pool_stats();
  EXPECT_EQ(s.created, 2);
  EXPECT_EQ(s.discarded, 1);
  EXPECT_EQ(s.open, 1);
}

TEST_F(MetastorePostgres, ConnectionLostDuringQueryIs08000AndIsDiscarded) {
  PostgresStore store(config(), "wh_lost_query");
  auto t = store.begin();
  std::string pid = one(*t, "SELECT pg_backend_pid()");
  terminate(pid);
  Error e = error_from([&] { t->query("SELECT 1"); });
  EXPECT_EQ(e.sqlstate(), "08000") << e.what();
  EXPECT_EQ(metastore::classify(e, store.profile()), Failure::kRetry);
  t->rollback();  // never throws
  auto s = store.pool_stats();
  EXPECT_EQ(s.open, 0);
  EXPECT_EQ(s.discarded, 1);
  auto again = store.begin();
  EXPECT_NE(one(*again, "SELECT pg_backend_pid()"), pid);
  again->commit();
}

TEST_F(MetastorePostgres, ConnectionLostDuringCommitIsAmbiguous) {
  Conn admin = conn();
  exec_ok(admin.get(), "CREATE TABLE lc_rows (id int PRIMARY KEY)");
  PostgresStore store(config(Flavor::kCockroach), "wh_lost_commit");
  auto t = store.begin();
  t->exec("INSERT INTO lc_rows VALUES ($1)", {"1"});
  terminate(one(*t, "SELECT pg_backend_pid()"));
  Error e = error_from([&] { t->commit(); });
  EXPECT_EQ(e.sqlstate(), "08006") << e.what();
  EXPECT_EQ(metastore::classify(e, store.profile()), Failure::kAmbiguous);
  EXPECT_EQ(store.pool_stats().open, 0);
  // Here the answer is known (the backend died before COMMIT): nothing was committed.
  EXPECT_EQ(query_value(admin.get(), "SELECT count(*) FROM lc_rows"), "0");
  auto next = store.begin();
  next->exec("INSERT INTO lc_rows VALUES ($1)", {"1"});
  next->commit();
  EXPECT_EQ(query_value(admin.get(), "SELECT count(*) FROM lc_rows"), "1");
}

TEST_F(MetastorePostgres, ErrorsRaisedByCommitKeepTheirSqlstate) {
  // A deferred constraint trigger fails at COMMIT with the code chosen per row, standing in for
  // what a store can answer to COMMIT: 40001, or CockroachDB's 40003 (result is ambiguous).
  Conn admin = conn();
  exec_ok(admin.get(), "CREATE TABLE ce_rows (code text)");
  exec_ok(admin.get(),
          "CREATE FUNCTION ce_fail() RETURNS trigger LANGUAGE plpgsql AS "
          "$$ BEGIN RAISE EXCEPTION 'refused at commit' USING ERRCODE = NEW.code; END $$");
  exec_ok(admin.get(),
          "CREATE CONSTRAINT TRIGGER ce_at_commit AFTER INSERT ON ce_rows DEFERRABLE INITIALLY DEFERRED "
          "FOR EACH ROW EXECUTE FUNCTION ce_fail()");
  PostgresStore store(config(Flavor::kCockroach), "wh_commit_errors");
  struct Case {
    const char *code;
    Failure failure;
  };
  for (Case k : {Case{"40003", Failure::kAmbiguous}, Case{"40001", Failure::kRetry}, Case{"23514", Failure::kFatal}}) {
    auto t = store.begin();
    t->exec("INSERT INTO ce_rows VALUES ($1)", {k.code});
    Error e = error_from([&] { t->commit(); });
    EXPECT_EQ(e.sqlstate(), k.code) << e.what();
    EXPECT_EQ(std::string(e.what()), "refused at commit");
    EXPECT_EQ(metastore::classify(e, store.profile()), k.failure) << k.code;
  }
  EXPECT_EQ(query_value(admin.get(), "SELECT count(*) FROM ce_rows"), "0");
  // The server ended each transaction; the connection stayed usable throughout.
  auto s = store.pool_stats();
  EXPECT_EQ(s.created, 1);
  EXPECT_EQ(s.discarded, 0);
}

TEST_F(MetastorePostgres, StatementTimeoutEndsASlowStatement) {
  PostgresConfig c = config();
  c.statement_timeout = 300ms;
  PostgresStore store(c, "wh_timeout");
  auto t = store.begin();
  EXPECT_EQ(one(*t, "SHOW statement_timeout"), "300ms");
  Error e = error_from([&] { t->query("SELECT pg_sleep(60)"); });
  EXPECT_EQ(e.sqlstate(), "57014") << e.what();
  t->rollback();
  // The connection itself is fine and is reused.
  auto again = store.begin();
  EXPECT_EQ(one(*again, "SELECT 1"), "1");
  EXPECT_EQ(store.pool_stats().created, 1);
  EXPECT_EQ(store.pool_stats().discarded, 0);
}

TEST_F(MetastorePostgres, AStoreThatStopsAnsweringGivesAConnectionErrorNotAHang) {
  PostgresConfig c = config();
  c.statement_timeout = 300ms;
  PostgresStore store(c, "wh_frozen");
  auto t = store.begin();
  pid_t pid = std::stoi(one(*t, "SELECT pg_backend_pid()"));
  // A frozen backend cannot even run its own statement_timeout; only the client's limit helps.
  ASSERT_EQ(kill(pid, SIGSTOP), 0);
  struct Thaw {
    pid_t pid;
    ~Thaw() { kill(pid, SIGCONT); }
  } thaw{pid};
  Error e = error_from([&] { t->query("SELECT 1"); });
  EXPECT_EQ(e.sqlstate(), "08000") << e.what();
  EXPECT_EQ(store.pool_stats().discarded, 1);
  kill(pid, SIGCONT);
  auto again = store.begin();
  EXPECT_EQ(one(*again, "SELECT 1"), "1");
}

TEST_F(MetastorePostgres, ConnectFailuresAre08001AndNeverShowThePassword) {
  {
    PostgresConfig c = config();
    c.port = free_port();  // nothing listens there
    c.password = "Unused-Secret-42";
    PostgresStore store(c, "wh_noserver");
    Error e = error_from([&] { store.begin(); });
    EXPECT_EQ(e.sqlstate(), "08001") << e.what();
    EXPECT_EQ(std::string(e.what()).find("Unused-Secret-42"), std::string::npos) << e.what();
    EXPECT_EQ(store.pool_stats().open, 0);
  }
  {
    PostgresConfig c = config();
    c.password = "Wrong-Secret-43";
    PostgresStore store(c, "wh_badpw");
    Error e = error_from([&] { store.begin(); });
    EXPECT_EQ(e.sqlstate(), "08001") << e.what();
    EXPECT_NE(std::string(e.what()).find("password authentication failed"), std::string::npos) << e.what();
    EXPECT_EQ(std::string(e.what()).find("Wrong-Secret-43"), std::string::npos) << e.what();
    EXPECT_EQ(store.describe().find("Wrong-Secret-43"), std::string::npos);
  }
}

TEST_F(MetastorePostgres, PasswordFileIsReadAtConnect) {
  PostgresConfig c = config();
  std::string path = server().scratch_path("metastore-password");
  {
    std::ofstream out(path);
    out << c.password << "\n";
  }
  c.password.clear();
  c.password_file = path;
  PostgresStore store(c, "wh_pwfile");
  auto t = store.begin();
  EXPECT_EQ(one(*t, "SELECT current_user"), kUser);
  t->commit();

  c.password_file = server().scratch_path("no-such-password-file");
  PostgresStore missing(c, "wh_pwfile_missing");
  Error e = error_from([&] { missing.begin(); });
  EXPECT_EQ(e.sqlstate(), "08001") << e.what();
  EXPECT_NE(std::string(e.what()).find("no-such-password-file"), std::string::npos) << e.what();
}

TEST_F(MetastorePostgres, TlsFollowsSslmode) {
  for (const char *mode : {"require", "disable"}) {
    PostgresConfig c = config();
    c.sslmode = mode;
    PostgresStore store(c, "wh_tls");
    auto t = store.begin();
    EXPECT_EQ(one(*t, "SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()"),
              std::string(mode) == "require" ? "t" : "f")
        << mode;
  }
}

TEST_F(MetastorePostgres, PoolNeverExceedsItsBoundUnderConcurrentUse) {
  constexpr int kMax = 3, kThreads = 12, kRounds = 15;
  PostgresConfig c = config(Flavor::kCockroach);
  c.max_connections = kMax;
  PostgresStore store(c, "wh_pool");
  EXPECT_EQ(store.pool_stats().open, 0);  // opened lazily
  std::atomic<int> most_seen{0}, done{0};
  std::mutex failures_mu;
  std::vector<std::string> failures;
  std::vector<std::thread> threads;
  for (int i = 0; i < kThreads; ++i) {
    threads.emplace_back([&] {
      for (int r = 0; r < kRounds; ++r) {
        try {
          auto t = store.begin();
          auto rows = t->query("SELECT count(*) FROM pg_stat_activity WHERE application_name = $1", {"mallard/wh_pool"});
          int seen = std::stoi(rows.at(0).at(0).value());
          int prev = most_seen.load();
          while (seen > prev && !most_seen.compare_exchange_weak(prev, seen)) {
          }
          t->query("SELECT pg_sleep(0.002)");
          t->commit();
          ++done;
        } catch (const std::exception &e) {
          std::lock_guard lock(failures_mu);
          failures.push_back(e.what());
        }
      }
    });
  }
  for (auto &t : threads) t.join();
  EXPECT_TRUE(failures.empty()) << failures.size() << " failures, first: " << failures.front();
  EXPECT_EQ(done.load(), kThreads * kRounds);
  EXPECT_LE(most_seen.load(), kMax);
  EXPECT_GE(most_seen.load(), 1);
  auto s = store.pool_stats();
  EXPECT_LE(s.peak_open, kMax);
  EXPECT_LE(s.created, kMax);
  EXPECT_EQ(s.discarded, 0);
  EXPECT_EQ(s.open, s.idle);
}

TEST_F(MetastorePostgres, WaitingForAConnectionIsBounded) {
  PostgresConfig c = config();
  c.max_connections = 1;
  c.pool_wait = 200ms;
  {
    PostgresStore store(c, "wh_wait");
    auto held = store.begin();
    Error e = error_from([&] { store.begin(); });
    EXPECT_EQ(e.sqlstate(), "53300") << e.what();
  }
  // A waiter gets the connection as soon as it is given back.
  c.pool_wait = 60s;
  PostgresStore store(c, "wh_wait");
  auto held = store.begin();
  std::thread release([&] {
    std::this_thread::sleep_for(50ms);
    held->commit();
  });
  auto next = store.begin();
  release.join();
  EXPECT_EQ(one(*next, "SELECT 1"), "1");
  EXPECT_EQ(store.pool_stats().created, 1);
}

TEST_F(MetastorePostgres, ATransactionMayOutliveItsStore) {
  Conn admin = conn();
  exec_ok(admin.get(), "CREATE TABLE ol_rows (id int)");
  auto store = std::make_unique<PostgresStore>(config(), "wh_outlive");
  auto t = store->begin();
  store.reset();
  t->exec("INSERT INTO ol_rows VALUES ($1)", {"1"});
  t->commit();
  EXPECT_EQ(query_value(admin.get(), "SELECT count(*) FROM ol_rows"), "1");
}

}  // namespace
}  // namespace mallard::it
