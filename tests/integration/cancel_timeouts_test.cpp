// Interrupting work: CancelRequest, statement_timeout, and idle_in_transaction_session_timeout.

#include <sys/socket.h>

#include <atomic>
#include <chrono>
#include <functional>
#include <thread>

#include "support/server.hpp"
#include "support/wire.hpp"

namespace mallard::it {
namespace {

using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

struct Watched {
  Result result;
  bool finished = false;  // false: the watchdog had to cut the connection
};

// Runs `sql` with PQexec on a worker thread. The calling thread runs `tick` every 100 ms until the
// statement returns; after `limit` it shuts the socket down so a hung statement cannot hang the test.
Watched run_watched(PGconn *c, const std::string &sql, std::chrono::seconds limit,
                    const std::function<void()> &tick = {}) {
  Watched w;
  std::atomic<bool> done{false};
  std::thread worker([&] {
    w.result.reset(PQexec(c, sql.c_str()));
    done = true;
  });
  auto deadline = Clock::now() + limit;
  while (!done && Clock::now() < deadline) {
    std::this_thread::sleep_for(100ms);
    if (!done && tick) tick();
  }
  bool cut = false;
  if (!done) {
    cut = true;
    shutdown(PQsocket(c), SHUT_RDWR);
  }
  worker.join();
  w.finished = !cut;
  return w;
}

class CancelTimeouts : public ServerSuite<CancelTimeouts> {};

TEST_F(CancelTimeouts, CancelRequestInterruptsRunningQuery) {
  Conn c = conn();
  ASSERT_TRUE(c);
  PGcancel *cancel = PQgetCancel(c.get());
  ASSERT_NE(cancel, nullptr);
  int sent = 0;
  // Cancels are repeated: one that lands before the statement starts is legitimately ignored.
  Watched w = run_watched(c.get(), long_query(), 30s, [&] {
    char err[256];
    if (PQcancel(cancel, err, sizeof err)) ++sent;
  });
  PQfreeCancel(cancel);
  ASSERT_TRUE(w.finished) << "query was not interrupted within 30 s";
  EXPECT_GT(sent, 0);
  ASSERT_EQ(PQresultStatus(w.result.get()), PGRES_FATAL_ERROR);
  SqlError e = error_of(w.result.get());
  EXPECT_EQ(e.sqlstate, "57014") << e;
  EXPECT_EQ(e.severity, "ERROR");
  // The session survives a cancel.
  EXPECT_EQ(PQtransactionStatus(c.get()), PQTRANS_IDLE);
  EXPECT_EQ(query_value(c.get(), "SELECT 'still here'"), "still here");
  EXPECT_TRUE(server_healthy(server()));
}

TEST_F(CancelTimeouts, CancelInsideTransactionLeavesItFailed) {
  Conn c = conn();
  ASSERT_TRUE(c);
  exec_ok(c.get(), "BEGIN");
  PGcancel *cancel = PQgetCancel(c.get());
  Watched w = run_watched(c.get(), long_query(), 30s, [&] {
    char err[256];
    PQcancel(cancel, err, sizeof err);
  });
  PQfreeCancel(cancel);
  ASSERT_TRUE(w.finished);
  EXPECT_EQ(error_of(w.result.get()).sqlstate, "57014");
  EXPECT_EQ(PQtransactionStatus(c.get()), PQTRANS_INERROR);
  EXPECT_EQ(exec_ok(c.get(), "ROLLBACK"), "ROLLBACK");
  EXPECT_EQ(PQtransactionStatus(c.get()), PQTRANS_IDLE);
}

TEST_F(CancelTimeouts, CancelWorksForTlsSessions) {
  // libpq sends the CancelRequest over a new plain connection even when the session uses TLS.
  Conn c = conn("sslmode=require");
  ASSERT_TRUE(c);
  ASSERT_EQ(PQsslInUse(c.get()), 1);
  PGcancel *cancel = PQgetCancel(c.get());
  Watched w = run_watched(c.get(), long_query(), 30s, [&] {
    char err[256];
    PQcancel(cancel, err, sizeof err);
  });
  PQfreeCancel(cancel);
  ASSERT_TRUE(w.finished);
  EXPECT_EQ(error_of(w.result.get()).sqlstate, "57014");
  EXPECT_EQ(query_value(c.get(), "SELECT 1"), "1");
}

TEST_F(CancelTimeouts, CancelWhileIdleIsHarmless) {
  Conn c = conn();
  ASSERT_TRUE(c);
  PGcancel *cancel = PQgetCancel(c.get());
  char err[256];
  EXPECT_EQ(PQcancel(cancel, err, sizeof err), 1) << err;
  PQfreeCancel(cancel);
  EXPECT_EQ(query_value(c.get(), "SELECT 2"), "2");
}

TEST_F(CancelTimeouts, CancelRequestWithWrongKeyIsIgnored) {
  Conn victim = conn();
  ASSERT_TRUE(victim);
  Wire w = Wire::connect_tcp(server().port());
  ASSERT_TRUE(w.ok());
  ASSERT_TRUE(w.send(cancel_request(PQbackendPID(victim.get()), 0x5eed)));
  // The server answers a CancelRequest by closing the connection, whatever the key.
  EXPECT_TRUE(w.wait_closed(10s));
  EXPECT_EQ(query_value(victim.get(), "SELECT 3"), "3");
}

TEST_F(CancelTimeouts, StatementTimeoutCancelsSlowStatement) {
  Conn c = conn();
  ASSERT_TRUE(c);
  EXPECT_EQ(exec_ok(c.get(), "SET statement_timeout = '100ms'"), "SET");
  Watched w = run_watched(c.get(), long_query(), 30s);
  ASSERT_TRUE(w.finished) << "statement_timeout did not fire within 30 s";
  ASSERT_EQ(PQresultStatus(w.result.get()), PGRES_FATAL_ERROR);
  SqlError e = error_of(w.result.get());
  EXPECT_EQ(e.sqlstate, "57014") << e;
  EXPECT_EQ(PQtransactionStatus(c.get()), PQTRANS_IDLE);
  // Fast statements still run under the timeout.
  EXPECT_EQ(query_value(c.get(), "SELECT 4"), "4");
  EXPECT_EQ(exec_ok(c.get(), "SET statement_timeout = 0"), "SET");
  EXPECT_EQ(query_value(c.get(), "SELECT 5"), "5");
}

TEST_F(CancelTimeouts, StatementTimeoutAppliesToExtendedProtocol) {
  Conn c = conn();
  ASSERT_TRUE(c);
  exec_ok(c.get(), "SET statement_timeout = 100");
  std::atomic<bool> done{false};
  Result r;
  std::thread worker([&] {
    r.reset(PQexecParams(c.get(), long_query().c_str(), 0, nullptr, nullptr, nullptr, nullptr, 0));
    done = true;
  });
  auto deadline = Clock::now() + 30s;
  while (!done && Clock::now() < deadline) std::this_thread::sleep_for(50ms);
  if (!done) shutdown(PQsocket(c.get()), SHUT_RDWR);
  worker.join();
  EXPECT_EQ(error_of(r.get()).sqlstate, "57014") << error_of(r.get());
}

// Rows without end, sent as fast as they are made: a cancel or a timeout lands while the server
// streams them (computing the next rows ahead of the ones it sends).
const char *kEndlessRows = "SELECT x, repeat('r', 40) AS pad FROM generate_series(1, 10000000000) AS t(x)";

TEST_F(CancelTimeouts, CancelRequestInterruptsStreamingRows) {
  Conn c = conn();
  ASSERT_TRUE(c);
  PGcancel *cancel = PQgetCancel(c.get());
  ASSERT_NE(cancel, nullptr);
  Watched w = run_watched(c.get(), kEndlessRows, 60s, [&] {
    char err[256];
    PQcancel(cancel, err, sizeof err);
  });
  PQfreeCancel(cancel);
  ASSERT_TRUE(w.finished) << "streaming was not interrupted within 60 s";
  ASSERT_EQ(PQresultStatus(w.result.get()), PGRES_FATAL_ERROR);
  EXPECT_EQ(error_of(w.result.get()).sqlstate, "57014") << error_of(w.result.get());
  EXPECT_EQ(PQtransactionStatus(c.get()), PQTRANS_IDLE);
  EXPECT_EQ(query_value(c.get(), "SELECT count(*) FROM generate_series(1, 100000) AS t(x)"), "100000");
  EXPECT_TRUE(server_healthy(server()));
}

TEST_F(CancelTimeouts, StatementTimeoutInterruptsStreamingRows) {
  Conn c = conn();
  ASSERT_TRUE(c);
  exec_ok(c.get(), "SET statement_timeout = '300ms'");
  Watched w = run_watched(c.get(), kEndlessRows, 60s);
  ASSERT_TRUE(w.finished) << "statement_timeout did not fire within 60 s";
  ASSERT_EQ(PQresultStatus(w.result.get()), PGRES_FATAL_ERROR);
  EXPECT_EQ(error_of(w.result.get()).sqlstate, "57014") << error_of(w.result.get());
  exec_ok(c.get(), "SET statement_timeout = 0");
  Result r = exec(c.get(), "SELECT x FROM generate_series(1, 300000) AS t(x)");
  ASSERT_EQ(PQresultStatus(r.get()), PGRES_TUPLES_OK) << PQresultErrorMessage(r.get());
  EXPECT_EQ(PQntuples(r.get()), 300000);
}

TEST_F(CancelTimeouts, IdleInTransactionTimeoutTerminatesSession) {
  Conn c = conn();
  ASSERT_TRUE(c);
  NoticeLog log;
  log.attach(c.get());
  EXPECT_EQ(exec_ok(c.get(), "SET idle_in_transaction_session_timeout = '200ms'"), "SET");
  exec_ok(c.get(), "BEGIN");
  ASSERT_TRUE(wait_readable(PQsocket(c.get()), 10s)) << "nothing arrived from the server";
  // libpq hands an ErrorResponse that arrives while idle to the notice receiver.
  auto deadline = Clock::now() + 10s;
  while (Clock::now() < deadline) {
    int alive = PQconsumeInput(c.get());
    PQisBusy(c.get());  // parses what was read, feeding the notice receiver
    bool fatal = false;
    for (const auto &n : log.items) fatal = fatal || n.severity == "FATAL";
    if (fatal || !alive) break;
    wait_readable(PQsocket(c.get()), 200ms);
  }
  ASSERT_FALSE(log.items.empty()) << "no FATAL message before the connection closed";
  EXPECT_EQ(log.items.back().sqlstate, "25P03") << log.items.back();
  EXPECT_EQ(log.items.back().severity, "FATAL");
  Result r = exec(c.get(), "SELECT 1");
  EXPECT_NE(PQresultStatus(r.get()), PGRES_TUPLES_OK);
  EXPECT_EQ(PQstatus(c.get()), CONNECTION_BAD);
  EXPECT_TRUE(server_healthy(server()));
}

TEST_F(CancelTimeouts, IdleInTransactionTimeoutIgnoresIdleSessions) {
  Conn c = conn();
  ASSERT_TRUE(c);
  exec_ok(c.get(), "SET idle_in_transaction_session_timeout = '100ms'");
  // Outside a transaction the timeout does not apply: nothing may arrive.
  EXPECT_FALSE(wait_readable(PQsocket(c.get()), 500ms));
  EXPECT_EQ(query_value(c.get(), "SELECT 6"), "6");
  // Long enough that a loaded machine cannot trip it between the statements below.
  exec_ok(c.get(), "SET idle_in_transaction_session_timeout = '5s'");
  exec_ok(c.get(), "BEGIN");
  // Activity inside the transaction keeps the session alive.
  EXPECT_EQ(query_value(c.get(), "SELECT 7"), "7");
  EXPECT_EQ(exec_ok(c.get(), "COMMIT"), "COMMIT");
}

}  // namespace
}  // namespace mallard::it
