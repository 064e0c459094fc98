// 64 sessions at once, each running its own transactions (simple and extended protocol, commits
// and rollbacks) against shared tables, for a bounded number of rounds. Checks that every
// statement succeeds, the final data is exactly what the committed transactions wrote, and the
// server gives back every session's thread and socket afterwards and shuts down cleanly.

#include <dirent.h>

#include <atomic>
#include <chrono>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "support/server.hpp"

namespace mallard::it {
namespace {

using namespace std::chrono_literals;

constexpr int kSessions = 64;
constexpr int kRounds = 1;

// Entries of /proc/<pid>/<dir> (threads in task/, descriptors in fd/), or -1.
int count_entries(pid_t pid, const char *dir) {
  std::string path = "/proc/" + std::to_string(pid) + "/" + dir;
  DIR *d = opendir(path.c_str());
  if (!d) return -1;
  int n = 0;
  while (dirent *e = readdir(d))
    if (e->d_name[0] != '.') ++n;
  closedir(d);
  return n;
}

// Waits (bounded) until the count drops back to at most `baseline`; returns the last count seen.
int settle(pid_t pid, const char *dir, int baseline) {
  int n = count_entries(pid, dir);
  for (int i = 0; i < 300 && n > baseline; ++i) {
    std::this_thread::sleep_for(50ms);
    n = count_entries(pid, dir);
  }
  return n;
}

TEST(Concurrency, SixtyFourSessionsInTheirOwnTransactions) {
  ServerOptions opts;
  opts.max_connections = kSessions + 8;
  // In the AddressSanitizer build, leaks are reported at exit (and fail the clean stop below).
  // Other builds ignore the variable.
  opts.extra_env = {{"ASAN_OPTIONS", "detect_leaks=1:abort_on_error=1:halt_on_error=1"}};
  Server server(opts);
  ASSERT_TRUE(server.start()) << server.failure();
  const bool mallard = !reference_mode();
  {
    Conn setup = connect(server);
    ASSERT_TRUE(setup);
    exec_ok(setup.get(), "CREATE TABLE cc_log (session integer, round integer, note text)");
    // One counter table per session: lake tables take concurrent inserts side by side, but two
    // transactions that update rows of one data file conflict (40001), as DuckLake specifies.
    for (int s = 0; s < kSessions; ++s) {
      exec_ok(setup.get(), "CREATE TABLE cc_counter_" + std::to_string(s) + " (n integer NOT NULL)");
      exec_ok(setup.get(), "INSERT INTO cc_counter_" + std::to_string(s) + " VALUES (0)");
    }
  }
  // Baselines once the server has a warehouse open and no client (the setup session's thread has
  // gone when two readings 100 ms apart agree).
  int threads_before = 0, fds_before = 0;
  if (mallard) {
    for (int i = 0; i < 50; ++i) {
      int t1 = count_entries(server.pid(), "task"), f1 = count_entries(server.pid(), "fd");
      std::this_thread::sleep_for(100ms);
      threads_before = count_entries(server.pid(), "task");
      fds_before = count_entries(server.pid(), "fd");
      if (t1 == threads_before && f1 == fds_before) break;
    }
  }

  std::mutex mu;
  std::vector<std::string> errors;
  auto fail = [&](int s, const std::string &what) {
    std::lock_guard lock(mu);
    errors.push_back("session " + std::to_string(s) + ": " + what);
  };
  std::atomic<int> connected{0}, ready{0};
  std::atomic<bool> go{false};
  std::vector<std::thread> threads;
  for (int s = 0; s < kSessions; ++s) {
    threads.emplace_back([&, s] {
      // statement_timeout turns a hang into an error instead of a stuck test.
      ConnectAttempt a = try_connect(server.conninfo("options='-c statement_timeout=120s'"));
      if (!a.ok) {
        fail(s, "connect: " + a.message);
        ++ready;
        return;
      }
      PGconn *c = a.conn.get();
      ++connected;
      ++ready;
      while (!go.load()) std::this_thread::sleep_for(1ms);
      auto run = [&](const std::string &sql) -> bool {
        Result r(PQexec(c, sql.c_str()));
        auto st = PQresultStatus(r.get());
        if (st != PGRES_COMMAND_OK && st != PGRES_TUPLES_OK) {
          fail(s, sql + ": " + PQresultErrorMessage(r.get()));
          return false;
        }
        return true;
      };
      std::string id = std::to_string(s);
      for (int round = 0; round < kRounds; ++round) {
        std::string rd = std::to_string(round);
        if (!run("BEGIN")) return;
        if (!run("INSERT INTO cc_log VALUES (" + id + ", " + rd + ", 'kept')")) return;
        if (!run("UPDATE cc_counter_" + id + " SET n = n + 1")) return;
        // The transaction sees its own writes, through the extended protocol too.
        const char *params[] = {id.c_str()};
        Result r(PQexecParams(c, "SELECT count(*) FROM cc_log WHERE session = $1::integer", 1, nullptr, params,
                              nullptr, nullptr, 0));
        if (PQresultStatus(r.get()) != PGRES_TUPLES_OK) {
          fail(s, std::string("count: ") + PQresultErrorMessage(r.get()));
          return;
        }
        if (std::string(PQgetvalue(r.get(), 0, 0)) != std::to_string(round + 1))
          fail(s, "own rows: " + std::string(PQgetvalue(r.get(), 0, 0)) + " in round " + rd);
        if (!run("COMMIT")) return;
        // A transaction that is rolled back leaves nothing.
        if (!run("BEGIN")) return;
        if (!run("INSERT INTO cc_log VALUES (" + id + ", " + rd + ", 'discarded')")) return;
        if (!run("UPDATE cc_counter_" + id + " SET n = n + 100")) return;
        if (!run("ROLLBACK")) return;
      }
    });
  }
  // All sessions are open at the same time before any starts working.
  while (ready.load() < kSessions) std::this_thread::sleep_for(5ms);
  EXPECT_EQ(connected.load(), kSessions);
  go = true;
  for (auto &t : threads) t.join();
  for (const auto &e : errors) ADD_FAILURE() << e;

  Conn check = connect(server);
  ASSERT_TRUE(check);
  EXPECT_EQ(query_value(check.get(), "SELECT count(*) FROM cc_log"), std::to_string(kSessions * kRounds));
  EXPECT_EQ(query_value(check.get(), "SELECT count(*) FROM cc_log WHERE note = 'discarded'"), "0");
  std::string counters;
  for (int s = 0; s < kSessions; ++s)
    counters += (s ? " UNION ALL " : "") + std::string("SELECT n FROM cc_counter_") + std::to_string(s);
  EXPECT_EQ(query_value(check.get(), "SELECT count(*) FROM (" + counters + ") AS c WHERE n = " + std::to_string(kRounds)),
            std::to_string(kSessions));
  check.reset();

  if (mallard) {
    // Every session's thread and socket is given back.
    EXPECT_LE(settle(server.pid(), "task", threads_before), threads_before);
    EXPECT_LE(settle(server.pid(), "fd", fds_before), fds_before);
    EXPECT_EQ(server.stop(), 0) << server.log_since_start();
  }
}

}  // namespace
}  // namespace mallard::it
