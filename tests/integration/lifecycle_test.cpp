// Process lifecycle: readiness message, clean shutdown on SIGTERM/SIGINT (clients told 57P01,
// exit code 0), and persistence of the warehouse across restarts.

#include <signal.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include <atomic>
#include <chrono>
#include <thread>

#include "support/process.hpp"
#include "support/server.hpp"
#include "support/wire.hpp"

namespace mallard::it {
namespace {

using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

// Lifecycle tests stop and restart servers, so each owns one.
class Lifecycle : public ::testing::Test {};

// Waits for an unsolicited FATAL on an idle libpq connection; returns its SQLSTATE.
std::string await_fatal(PGconn *c, std::chrono::seconds limit) {
  NoticeLog log;
  log.attach(c);
  auto deadline = Clock::now() + limit;
  while (Clock::now() < deadline) {
    if (!wait_readable(PQsocket(c), 200ms)) continue;
    int alive = PQconsumeInput(c);
    PQisBusy(c);  // parses what was read, feeding the notice receiver
    for (const auto &n : log.items)
      if (n.severity == "FATAL") return n.sqlstate;
    if (!alive) break;
  }
  for (const auto &n : log.items)
    if (n.severity == "FATAL") return n.sqlstate;
  return {};
}

TEST_F(Lifecycle, PrintsListeningOnWhenReady) {
  Server s;
  ASSERT_TRUE(s.start()) << s.failure();
  EXPECT_NE(s.log().find("listening on"), std::string::npos) << s.log();
  EXPECT_EQ(s.stop(), 0) << s.log();
}

TEST_F(Lifecycle, SigtermStopsIdleServerWithExitCode0) {
  Server s;
  ASSERT_TRUE(s.start()) << s.failure();
  EXPECT_EQ(s.stop(SIGTERM), 0) << s.log();
}

TEST_F(Lifecycle, SigintStopsServerWithExitCode0) {
  Server s;
  ASSERT_TRUE(s.start()) << s.failure();
  Conn c = connect(s);
  ASSERT_TRUE(c);
  EXPECT_EQ(s.stop(SIGINT), 0) << s.log();
}

TEST_F(Lifecycle, SigtermTellsIdleClients57P01) {
  Server s;
  ASSERT_TRUE(s.start()) << s.failure();
  Conn c = connect(s);
  ASSERT_TRUE(c);
  EXPECT_EQ(query_value(c.get(), "SELECT 1"), "1");
  // PostgreSQL's equivalent of mallard's SIGTERM is its fast shutdown, SIGINT.
  kill(s.pid(), reference_mode() ? SIGINT : SIGTERM);
  EXPECT_EQ(await_fatal(c.get(), 15s), "57P01");
  EXPECT_EQ(s.stop(), 0) << s.log();
}

TEST_F(Lifecycle, SigtermInterruptsRunningQueries) {
  Server s;
  ASSERT_TRUE(s.start()) << s.failure();
  Conn c = connect(s);
  ASSERT_TRUE(c);
  // libpq replaces a FATAL that ends a running query by its own "server closed the connection"
  // result; the server's SQLSTATE survives only in the verbose connection error text.
  PQsetErrorVerbosity(c.get(), PQERRORS_VERBOSE);
  Result r;
  std::atomic<bool> done{false};
  std::thread worker([&] {
    r.reset(PQexec(c.get(), long_query().c_str()));
    done = true;
  });
  // Give the statement a moment to start; a signal that arrives first is also a valid shutdown.
  std::this_thread::sleep_for(300ms);
  auto t0 = Clock::now();
  int code = s.stop(SIGTERM);  // waits at most 10 s before SIGKILL
  auto deadline = Clock::now() + 20s;
  while (!done && Clock::now() < deadline) std::this_thread::sleep_for(20ms);
  if (!done) shutdown(PQsocket(c.get()), SHUT_RDWR);
  worker.join();
  EXPECT_EQ(code, 0) << "server did not exit cleanly; its output:\n" << s.log();
  EXPECT_LT(Clock::now() - t0, 30s);
  ASSERT_EQ(PQresultStatus(r.get()), PGRES_FATAL_ERROR);
  std::string text = std::string(PQresultErrorMessage(r.get())) + PQerrorMessage(c.get());
  EXPECT_NE(text.find("FATAL:  57P01"), std::string::npos) << text;
}

TEST_F(Lifecycle, TablesSurviveRestart) {
  Server s;
  ASSERT_TRUE(s.start()) << s.failure();
  {
    Conn c = connect(s);
    ASSERT_TRUE(c);
    exec_ok(c.get(), "CREATE TABLE lc_persist (id integer, name text)");
    exec_ok(c.get(), "INSERT INTO lc_persist VALUES (1, 'one'), (2, 'two')");
    exec_ok(c.get(), "CREATE TABLE lc_ctas AS SELECT * FROM generate_series(1, 10) AS t(x)");
  }
  ASSERT_EQ(s.stop(), 0) << s.log();
  ASSERT_TRUE(s.start()) << s.failure();
  {
    Conn c = connect(s);
    ASSERT_TRUE(c);
    auto rows = query_rows(c.get(), "SELECT id, name FROM lc_persist ORDER BY id");
    ASSERT_EQ(rows.size(), 2u);
    EXPECT_EQ(rows[1], (Row{"2", "two"}));
    EXPECT_EQ(query_value(c.get(), "SELECT sum(x) FROM lc_ctas"), "55");
    exec_ok(c.get(), "INSERT INTO lc_persist VALUES (3, 'three')");
    exec_ok(c.get(), "DROP TABLE lc_ctas");
  }
  ASSERT_EQ(s.stop(), 0) << s.log();
  ASSERT_TRUE(s.start()) << s.failure();
  Conn c = connect(s);
  ASSERT_TRUE(c);
  EXPECT_EQ(query_value(c.get(), "SELECT count(*) FROM lc_persist"), "3");
  EXPECT_EQ(exec_error(c.get(), "SELECT * FROM lc_ctas").sqlstate, "42P01");
}

TEST_F(Lifecycle, CommittedDataSurvivesAHardKill) {
  Server s;
  ASSERT_TRUE(s.start()) << s.failure();
  {
    Conn c = connect(s);
    ASSERT_TRUE(c);
    exec_ok(c.get(), "CREATE TABLE lc_crash (id integer)");
    exec_ok(c.get(), "INSERT INTO lc_crash VALUES (1), (2), (3)");
    exec_ok(c.get(), "BEGIN");
    exec_ok(c.get(), "INSERT INTO lc_crash VALUES (100)");
    s.kill_hard();  // the open transaction never commits
  }
  ASSERT_TRUE(s.start()) << s.failure();
  Conn c = connect(s);
  ASSERT_TRUE(c);
  EXPECT_EQ(query_value(c.get(), "SELECT sum(id) FROM lc_crash"), "6");
}

TEST_F(Lifecycle, GeneratedPasswordIsKeptAndPrintedOnlyOnce) {
  SKIP_IN_REFERENCE("mallard first-start behaviour");
  ServerOptions o;
  o.password = std::nullopt;
  Server s(o);
  ASSERT_TRUE(s.start()) << s.failure();
  std::string pw = s.password();
  ASSERT_FALSE(pw.empty());
  EXPECT_NE(s.log_since_start().find(pw), std::string::npos);
  ASSERT_EQ(s.stop(), 0);
  ASSERT_TRUE(s.start()) << s.failure();
  EXPECT_EQ(s.log_since_start().find(pw), std::string::npos) << "password printed again on restart";
  EXPECT_EQ(s.password(), pw);
  Conn c = connect(s);
  ASSERT_TRUE(c);
  EXPECT_EQ(query_value(c.get(), "SELECT 1"), "1");
}

TEST_F(Lifecycle, EnvironmentPasswordAppliesOnFirstStart) {
  SKIP_IN_REFERENCE("mallard first-start behaviour");
  ServerOptions o;
  o.password = "Env-Given-pw-1";
  Server s(o);
  ASSERT_TRUE(s.start()) << s.failure();
  Conn c = connect(s);
  ASSERT_TRUE(c);
  EXPECT_EQ(s.log().find("Env-Given-pw-1"), std::string::npos) << "a password given by the operator was echoed";
}

TEST_F(Lifecycle, ServerKeepsWorkingAfterManyShortSessions) {
  Server s;
  ASSERT_TRUE(s.start()) << s.failure();
  for (int i = 0; i < 40; ++i) {
    Conn c = connect(s);
    ASSERT_TRUE(c) << "session " << i;
    EXPECT_EQ(query_value(c.get(), "SELECT " + std::to_string(i)), std::to_string(i));
  }
  EXPECT_TRUE(server_healthy(s));
  EXPECT_EQ(s.stop(), 0) << s.log();
}

TEST_F(Lifecycle, SecondServerOnTheSameDataDirDoesNotDisturbTheFirst) {
  SKIP_IN_REFERENCE("mallard data dir locking");
  Server s;
  ASSERT_TRUE(s.start()) << s.failure();
  {
    Conn c = connect(s);
    ASSERT_TRUE(c);
    exec_ok(c.get(), "CREATE TABLE lc_lock (id integer)");
    exec_ok(c.get(), "INSERT INTO lc_lock VALUES (1)");
  }
  // A second process on the same directory may refuse to start or refuse to open the warehouse;
  // either way the first server's data must stay intact and writable.
  SpawnOptions so;
  so.env_unset = {"MALLARD_*"};
  so.env_set = {{"MALLARD_PASSWORD", kPassword}};
  int port2 = free_port();
  pid_t second = spawn_background({MALLARD_BINARY, "serve", "--data-dir", s.data_dir(), "--listen",
                                   "127.0.0.1:" + std::to_string(port2)},
                                  so, s.scratch_path("second.log"));
  ASSERT_GT(second, 0);
  std::string ci = "host=127.0.0.1 port=" + std::to_string(port2) +
                   " user=mallard dbname=mallard sslmode=disable connect_timeout=5 password=" + kPassword;
  auto deadline = Clock::now() + 10s;
  int status = 0;
  bool exited = false;
  while (Clock::now() < deadline) {
    if (waitpid(second, &status, WNOHANG) == second) {
      exited = true;
      break;
    }
    if (PQping(ci.c_str()) == PQPING_OK) {
      ConnectAttempt a = try_connect(ci);
      if (a.ok) {
        Result r(PQexec(a.conn.get(), "INSERT INTO lc_lock VALUES (2)"));
        RecordProperty("second_server_insert", PQresStatus(PQresultStatus(r.get())));
      }
      break;
    }
    std::this_thread::sleep_for(50ms);
  }
  if (!exited) {
    kill(second, SIGTERM);
    auto stop_deadline = Clock::now() + 10s;
    while (Clock::now() < stop_deadline && waitpid(second, &status, WNOHANG) != second)
      std::this_thread::sleep_for(20ms);
    if (kill(second, 0) == 0) {
      kill(second, SIGKILL);
      waitpid(second, &status, 0);
    }
  } else {
    EXPECT_FALSE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << "second server exited 0";
  }
  Conn c = connect(s);
  ASSERT_TRUE(c);
  EXPECT_EQ(query_value(c.get(), "SELECT min(id) FROM lc_lock"), "1");
  exec_ok(c.get(), "INSERT INTO lc_lock VALUES (3)");
  ASSERT_EQ(s.stop(), 0) << s.log();
  ASSERT_TRUE(s.start()) << s.failure();
  Conn again = connect(s);
  ASSERT_TRUE(again);
  EXPECT_EQ(query_value(again.get(), "SELECT max(id) FROM lc_lock"), "3");
}

}  // namespace
}  // namespace mallard::it
