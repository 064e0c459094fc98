// Durability and concurrency of lake tables: everything committed is there after a clean restart
// and after SIGKILL in the middle of a storm of committing writers (each acknowledged row exactly
// once, no gaps in snapshot ids), and many sessions of one server updating shared rows with retries
// on 40001 end in a consistent state. No test here waits for a time: they wait for counts.

#include <atomic>
#include <chrono>
#include <map>
#include <mutex>
#include <random>
#include <set>
#include <thread>

#include "integration/lake_util.hpp"
#include "support/server.hpp"

namespace mallard::it {
namespace {

using namespace std::chrono_literals;
using Rows = std::vector<Row>;

class LakeDurability : public ::testing::Test {
 protected:
  void SetUp() override { SKIP_IN_REFERENCE("restarts and kills Mallard"); }
};

// What a set of queries answers, as text, to compare before and after a restart.
std::vector<std::string> observe(PGconn *c, const std::vector<std::string> &queries) {
  std::vector<std::string> out;
  for (auto &q : queries) out.push_back(q + " => " + lake::to_string(lake::run(c, q)));
  return out;
}

TEST_F(LakeDurability, RestartShowsEverythingCommitted) {
  Server s;
  ASSERT_TRUE(s.start()) << s.failure();
  const std::vector<std::string> queries = {
      "SELECT id, name, qty, extra FROM main_t ORDER BY id",
      "SELECT x FROM other.o ORDER BY x",
      "SELECT * FROM v_sum",
      "SELECT column_name, is_nullable FROM information_schema.columns WHERE table_name = 'main_t' ORDER BY "
      "ordinal_position",
      "SELECT table_schema, table_name, table_type FROM information_schema.tables WHERE table_schema IN ('main', "
      "'public', 'other') ORDER BY 1, 2",
      "SELECT snapshot_id, changes, commit_message FROM ducklake_snapshots() ORDER BY snapshot_id",
      "SELECT d.description FROM pg_description d JOIN pg_class c ON c.oid = d.objoid WHERE c.relname = 'main_t'",
      "SELECT count(*) FROM main_t AT (VERSION => 3)",
  };
  std::vector<std::string> before;
  {
    Conn c = connect(s);
    ASSERT_TRUE(c);
    for (const char *sql : {
             "CREATE TABLE main_t (id integer NOT NULL, name text, qty integer DEFAULT 1)",
             "INSERT INTO main_t VALUES (1, 'one', 10), (2, 'two', 20), (3, 'three', 30)",
             "INSERT INTO main_t (id, name) VALUES (4, 'four')",
             "DELETE FROM main_t WHERE id = 2",
             "UPDATE main_t SET qty = qty * 100 WHERE id = 3",
             "ALTER TABLE main_t ADD COLUMN extra text DEFAULT 'e'",
             "CREATE SCHEMA other",
             "CREATE TABLE other.o (x integer)",
             "INSERT INTO other.o SELECT * FROM generate_series(1, 5)",
             "CREATE VIEW v_sum AS SELECT sum(qty) AS total FROM main_t",
             "COMMENT ON TABLE main_t IS 'kept'",
             "CREATE TABLE dropped_t (a integer)",
             "INSERT INTO dropped_t SELECT * FROM generate_series(1, 20)",
             "DROP TABLE dropped_t",
             "SET mallard.commit_message = 'last one'",
             "TRUNCATE other.o",
             "INSERT INTO other.o VALUES (42)",
         })
      exec_ok(c.get(), sql);
    exec_ok(c.get(), "BEGIN");
    exec_ok(c.get(), "INSERT INTO main_t VALUES (99, 'uncommitted', 0, 'u')");
    exec_ok(c.get(), "ROLLBACK");
    before = observe(c.get(), queries);
  }
  ASSERT_EQ(s.stop(), 0) << s.log();
  ASSERT_TRUE(s.start()) << s.failure();
  {
    Conn c = connect(s);
    ASSERT_TRUE(c);
    EXPECT_EQ(observe(c.get(), queries), before);
    exec_ok(c.get(), "INSERT INTO main_t (id) VALUES (5)");
    exec_ok(c.get(), "BEGIN");
    exec_ok(c.get(), "DELETE FROM main_t WHERE id = 5");  // never committed: the kill comes first
    before = observe(c.get(), {"SELECT count(*) FROM main_t"});
    EXPECT_EQ(before[0], "SELECT count(*) FROM main_t => SELECT 1\n  3");
    s.kill_hard();
  }
  ASSERT_TRUE(s.start()) << s.failure();
  Conn c = connect(s);
  ASSERT_TRUE(c);
  EXPECT_EQ(query_value(c.get(), "SELECT count(*) FROM main_t"), "4");
  EXPECT_EQ(query_value(c.get(), "SELECT extra FROM main_t WHERE id = 5"), "e");
  EXPECT_EQ(query_value(c.get(), "SELECT count(*) FROM dropped_t AT (VERSION => (SELECT max(snapshot_id) FROM "
                                 "ducklake_snapshots() WHERE changes LIKE 'inserted_into_table:%' AND snapshot_id < "
                                 "(SELECT snapshot_id FROM ducklake_snapshots() WHERE changes LIKE 'dropped_table:%')))"),
            "20");
}

// Writers commit single-row INSERTs until the server is killed under them, five times over.
TEST_F(LakeDurability, KillNineDuringAnInsertStorm) {
  constexpr int kWriters = 4, kRounds = 5, kAcksPerRound = 24;
  Server s;
  ASSERT_TRUE(s.start()) << s.failure();
  {
    Conn c = connect(s);
    ASSERT_TRUE(c);
    exec_ok(c.get(), "CREATE TABLE storm (w integer NOT NULL, seq integer NOT NULL)");
  }
  std::set<std::pair<int, int>> acked, in_flight;
  for (int round = 0; round < kRounds; ++round) {
    SCOPED_TRACE("round " + std::to_string(round));
    std::vector<Conn> conns;
    for (int w = 0; w < kWriters; ++w) {
      conns.push_back(connect(s));
      ASSERT_TRUE(conns.back());
    }
    std::mutex mu;
    std::atomic<int> acks{0};
    std::atomic<bool> killed{false};
    std::vector<std::thread> writers;
    for (int w = 0; w < kWriters; ++w) {
      writers.emplace_back([&, w] {
        PGconn *c = conns[w].get();
        for (int i = 0;; ++i) {
          int seq = round * 100000 + i;
          {
            std::lock_guard lock(mu);
            in_flight.insert({w, seq});
          }
          Result r = exec(c, "INSERT INTO storm VALUES (" + std::to_string(w) + ", " + std::to_string(seq) + ")");
          bool ok = r && PQresultStatus(r.get()) == PGRES_COMMAND_OK;
          std::lock_guard lock(mu);
          if (!ok) {
            // Lost with the server: its fate is unknown. Anything else is a failure.
            EXPECT_TRUE(killed.load() || PQstatus(c) == CONNECTION_BAD)
                << "writer " << w << ": " << (r ? PQresultErrorMessage(r.get()) : PQerrorMessage(c));
            return;
          }
          in_flight.erase({w, seq});
          acked.insert({w, seq});
          ++acks;
        }
      });
    }
    for (int spins = 0; acks.load() < kAcksPerRound && spins < 120000; ++spins) std::this_thread::sleep_for(1ms);
    EXPECT_GE(acks.load(), kAcksPerRound) << "the writers stalled";
    killed = true;
    s.kill_hard();
    for (auto &t : writers) t.join();
    conns.clear();

    ASSERT_TRUE(s.start()) << s.failure();
    Conn c = connect(s);
    ASSERT_TRUE(c);
    EXPECT_EQ(query_rows(c.get(), "SELECT w, seq, count(*) FROM storm GROUP BY w, seq HAVING count(*) > 1"), Rows{})
        << "no row twice";
    std::set<std::pair<int, int>> present;
    for (auto &r : query_rows(c.get(), "SELECT w, seq FROM storm")) present.insert({std::stoi(*r[0]), std::stoi(*r[1])});
    for (auto &a : acked) EXPECT_TRUE(present.count(a)) << "acknowledged row lost: " << a.first << "," << a.second;
    size_t extra = 0;
    for (auto &p : present) {
      if (acked.count(p)) continue;
      EXPECT_TRUE(in_flight.count(p)) << "row never sent: " << p.first << "," << p.second;
      ++extra;
    }
    EXPECT_LE(extra, in_flight.size());
    EXPECT_EQ(present.size(), acked.size() + extra);
    // Rows whose INSERT was in flight are either in or out for good.
    for (auto &p : in_flight)
      if (present.count(p)) acked.insert(p);
    in_flight.clear();
    auto ids = query_rows(c.get(), "SELECT snapshot_id FROM ducklake_snapshots() ORDER BY snapshot_id");
    for (size_t i = 0; i < ids.size(); ++i) ASSERT_EQ(ids[i][0], std::to_string(i)) << "a gap in snapshot ids";
    EXPECT_EQ(static_cast<int64_t>(ids.size()), 2 + static_cast<int64_t>(acked.size()))
        << "snapshot 0, the CREATE TABLE, and one per committed INSERT";
  }
  ASSERT_EQ(s.stop(), 0) << s.log();
  // The store itself agrees with what the server showed.
  lake::Duck md(lake::metadata_file(s));
  EXPECT_EQ(md.value("SELECT CAST(count(*) AS BIGINT) FROM ducklake_snapshot"), std::to_string(2 + acked.size()));
  EXPECT_EQ(md.value("SELECT CAST(max(snapshot_id) + 1 = count(*) AS VARCHAR) FROM ducklake_snapshot"), "true");
  // Single-row inserts are inlined: the live rows are in the inlined-data tables (and any files).
  int64_t live = std::stoll(md.value("SELECT CAST(coalesce(sum(record_count), 0) AS BIGINT) FROM ducklake_data_file "
                                     "WHERE end_snapshot IS NULL"));
  for (auto &t : md.rows("SELECT table_name FROM ducklake_inlined_data_tables")) {
    std::string name = "\"" + *t[0] + "\"";
    live += std::stoll(md.value("SELECT CAST(count(*) AS BIGINT) FROM " + name + " WHERE end_snapshot IS NULL"));
    EXPECT_EQ(md.value("SELECT CAST(count(DISTINCT row_id) = count(*) AS VARCHAR) FROM " + name), "true");
  }
  EXPECT_EQ(live, static_cast<int64_t>(acked.size()));
  EXPECT_EQ(md.value("SELECT CAST(record_count AS BIGINT) FROM ducklake_table_stats"), std::to_string(acked.size()));
}

// Sixteen sessions increment shared counters and log each increment in one transaction, retrying
// on 40001. Every snapshot keeps sum(counters) = count(log); at the end nothing is lost or doubled.
TEST_F(LakeDurability, ManySessionsUpdatingSharedRows) {
  constexpr int kSessions = 16, kOps = 3, kKeys = 4, kMaxAttempts = 400;
  Server s;
  ASSERT_TRUE(s.start()) << s.failure();
  {
    Conn c = connect(s);
    ASSERT_TRUE(c);
    exec_ok(c.get(), "CREATE TABLE counters (k integer NOT NULL, v integer NOT NULL)");
    exec_ok(c.get(), "INSERT INTO counters SELECT x, 0 FROM generate_series(0, 3) g(x)");
    exec_ok(c.get(), "CREATE TABLE ops (session integer, op integer, k integer)");
  }
  std::atomic<int> retries{0};
  std::vector<std::thread> threads;
  for (int sess = 0; sess < kSessions; ++sess) {
    threads.emplace_back([&, sess] {
      Conn c = connect(s);
      if (!c) return;
      std::mt19937 rng(sess);
      int key = sess % kKeys;
      for (int op = 0; op < kOps; ++op) {
        bool done = false;
        for (int attempt = 0; attempt < kMaxAttempts && !done; ++attempt) {
          std::string failed;
          for (const std::string &sql : {std::string("BEGIN"),
                                        "UPDATE counters SET v = v + 1 WHERE k = " + std::to_string(key),
                                        "INSERT INTO ops VALUES (" + std::to_string(sess) + ", " + std::to_string(op) +
                                            ", " + std::to_string(key) + ")",
                                        std::string("COMMIT")}) {
            Result r = exec(c.get(), sql);
            if (lake::is_serialization_failure(r.get())) {
              failed = "40001";
              break;
            }
            if (!r || (PQresultStatus(r.get()) != PGRES_COMMAND_OK && PQresultStatus(r.get()) != PGRES_TUPLES_OK)) {
              failed = r ? PQresultErrorMessage(r.get()) : PQerrorMessage(c.get());
              break;
            }
            if (sql == "COMMIT") {
              EXPECT_STREQ(PQcmdStatus(r.get()), "COMMIT");
            }
          }
          if (failed.empty()) {
            done = true;
            break;
          }
          if (PQtransactionStatus(c.get()) != PQTRANS_IDLE) PQclear(PQexec(c.get(), "ROLLBACK"));
          if (failed != "40001") {
            ADD_FAILURE() << "session " << sess << ": " << failed;
            return;
          }
          ++retries;
          std::this_thread::sleep_for(std::chrono::milliseconds(rng() % 8));
        }
        EXPECT_TRUE(done) << "session " << sess << " op " << op << " never committed";
        // Whatever snapshot a statement reads, it holds the invariant.
        EXPECT_EQ(query_value(c.get(), "SELECT (SELECT sum(v) FROM counters) - (SELECT count(*) FROM ops)"), "0");
        // Some sessions read with a transaction open across other commits.
        if (sess % 4 == 3) {
          exec_ok(c.get(), "BEGIN");
          std::string first = query_value(c.get(), "SELECT count(*) FROM ops");
          std::this_thread::yield();
          EXPECT_EQ(query_value(c.get(), "SELECT sum(v) FROM counters"), first);
          exec_ok(c.get(), "COMMIT");
        }
      }
    });
  }
  for (auto &t : threads) t.join();
  Conn c = connect(s);
  ASSERT_TRUE(c);
  EXPECT_EQ(query_rows(c.get(), "SELECT k, v FROM counters ORDER BY k"),
            (Rows{{"0", "12"}, {"1", "12"}, {"2", "12"}, {"3", "12"}}));
  EXPECT_EQ(query_value(c.get(), "SELECT count(*) FROM ops"), std::to_string(kSessions * kOps));
  EXPECT_EQ(query_value(c.get(), "SELECT count(*) FROM (SELECT DISTINCT session, op FROM ops)"),
            std::to_string(kSessions * kOps));
  EXPECT_EQ(query_rows(c.get(), "SELECT k, count(*) FROM ops GROUP BY k ORDER BY k"),
            (Rows{{"0", "12"}, {"1", "12"}, {"2", "12"}, {"3", "12"}}));
  // Every committed transaction is one snapshot with both changes.
  EXPECT_EQ(query_value(c.get(), "SELECT count(*) FROM ducklake_snapshots() WHERE changes LIKE '%inserted_into_table%' "
                                 "AND changes LIKE '%deleted_from_table%'"),
            std::to_string(kSessions * kOps));
  RecordProperty("retries_on_40001", retries.load());
  // And the same after a restart.
  c.reset();
  ASSERT_EQ(s.stop(), 0) << s.log();
  ASSERT_TRUE(s.start()) << s.failure();
  c = connect(s);
  ASSERT_TRUE(c);
  EXPECT_EQ(query_value(c.get(), "SELECT sum(v) FROM counters"), std::to_string(kSessions * kOps));
  EXPECT_EQ(query_value(c.get(), "SELECT count(*) FROM counters"), "4");
}

}  // namespace
}  // namespace mallard::it
