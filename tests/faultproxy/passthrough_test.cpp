// faultproxy with no faults configured: everything reaches the client as PostgreSQL sent it.

#include <atomic>
#include <thread>
#include <vector>

#include "faultproxy/pg_fixture.hpp"

namespace mallard::it {
namespace {

class FaultProxyPassThrough : public FaultProxyTest {};

TEST_F(FaultProxyPassThrough, SimpleAndExtendedQueries) {
  start_proxy();
  Conn c = through_proxy();
  ASSERT_TRUE(c);
  exec_ok(c.get(), "CREATE TABLE pt (id int PRIMARY KEY, name text)");
  // Several statements in one Query: one result per statement, the last one returned by PQexec.
  EXPECT_EQ(query_value(c.get(), "INSERT INTO pt VALUES (1, 'a'); INSERT INTO pt VALUES (2, 'b'); SELECT count(*) FROM pt"),
            "2");

  Result r = exec_params(c.get(), "SELECT name FROM pt WHERE id = $1", {"2"});
  ASSERT_EQ(PQresultStatus(r.get()), PGRES_TUPLES_OK) << PQresultErrorMessage(r.get());
  EXPECT_EQ(value_bytes(r.get(), 0, 0), "b");

  // Binary results are untouched bytes.
  Result bin(PQexecParams(c.get(), "SELECT id FROM pt WHERE id = 2", 0, nullptr, nullptr, nullptr, nullptr, 1));
  ASSERT_EQ(PQresultStatus(bin.get()), PGRES_TUPLES_OK) << PQresultErrorMessage(bin.get());
  EXPECT_EQ(value_bytes(bin.get(), 0, 0), std::string("\0\0\0\2", 4));

  Result prep(PQprepare(c.get(), "ins", "INSERT INTO pt VALUES ($1, $2)", 0, nullptr));
  ASSERT_EQ(PQresultStatus(prep.get()), PGRES_COMMAND_OK) << PQresultErrorMessage(prep.get());
  for (int id : {3, 4}) {
    std::string s = std::to_string(id);
    const char *vals[] = {s.c_str(), "x"};
    Result e(PQexecPrepared(c.get(), "ins", 2, vals, nullptr, nullptr, 0));
    ASSERT_EQ(PQresultStatus(e.get()), PGRES_COMMAND_OK) << PQresultErrorMessage(e.get());
    EXPECT_STREQ(PQcmdStatus(e.get()), "INSERT 0 1");
  }
  exec_ok(c.get(), "DEALLOCATE ins");
  EXPECT_EQ(query_value(c.get(), "SELECT string_agg(id::text, ',' ORDER BY id) FROM pt"), "1,2,3,4");
  EXPECT_EQ(query_value(c.get(), "SHOW default_transaction_isolation"), "serializable");

  // Errors keep PostgreSQL's SQLSTATE, text and position.
  SqlError div = exec_error(c.get(), "SELECT 1/0");
  EXPECT_EQ(div.sqlstate, "22012");
  EXPECT_EQ(div.message, "division by zero");
  SqlError missing = exec_error(c.get(), "SELECT * FROM nope");
  EXPECT_EQ(missing.sqlstate, "42P01");
  EXPECT_EQ(missing.position, 15);

  NoticeLog notices;
  notices.attach(c.get());
  exec_ok(c.get(), "DO $$ BEGIN RAISE NOTICE 'hello'; END $$");
  ASSERT_EQ(notices.items.size(), 1u);
  EXPECT_EQ(notices.items[0].message, "hello");
  EXPECT_EQ(proxy().stats().reworded_restarts, 0u);
}

TEST_F(FaultProxyPassThrough, TransactionsAndSavepoints) {
  start_proxy();
  Conn c = through_proxy();
  Conn d = direct();
  ASSERT_TRUE(c && d);
  exec_ok(c.get(), "CREATE TABLE tx (id int PRIMARY KEY)");

  exec_ok(c.get(), "BEGIN");
  EXPECT_EQ(PQtransactionStatus(c.get()), PQTRANS_INTRANS);
  exec_ok(c.get(), "INSERT INTO tx VALUES (1)");
  exec_ok(c.get(), "ROLLBACK");
  EXPECT_EQ(PQtransactionStatus(c.get()), PQTRANS_IDLE);

  exec_ok(c.get(), "BEGIN");
  exec_ok(c.get(), "INSERT INTO tx VALUES (2)");
  exec_ok(c.get(), "SAVEPOINT s");
  EXPECT_EQ(exec_error(c.get(), "INSERT INTO tx VALUES (2)").sqlstate, "23505");
  EXPECT_EQ(PQtransactionStatus(c.get()), PQTRANS_INERROR);
  EXPECT_EQ(exec_error(c.get(), "SELECT 1").sqlstate, "25P02");
  exec_ok(c.get(), "ROLLBACK TO SAVEPOINT s");
  exec_ok(c.get(), "INSERT INTO tx VALUES (3)");
  EXPECT_EQ(exec_ok(c.get(), "COMMIT"), "COMMIT");
  EXPECT_EQ(query_value(d.get(), "SELECT string_agg(id::text, ',' ORDER BY id) FROM tx"), "2,3");

  // A transaction driven through the extended protocol, as pgjdbc does it.
  ASSERT_EQ(PQresultStatus(exec_params(c.get(), "BEGIN").get()), PGRES_COMMAND_OK);
  ASSERT_EQ(PQresultStatus(exec_params(c.get(), "INSERT INTO tx VALUES ($1)", {"4"}).get()), PGRES_COMMAND_OK);
  EXPECT_EQ(PQtransactionStatus(c.get()), PQTRANS_INTRANS);
  ASSERT_EQ(PQresultStatus(exec_params(c.get(), "COMMIT").get()), PGRES_COMMAND_OK);
  EXPECT_EQ(PQtransactionStatus(c.get()), PQTRANS_IDLE);
  EXPECT_EQ(query_value(d.get(), "SELECT count(*) FROM tx WHERE id = 4"), "1");
}

TEST_F(FaultProxyPassThrough, TextCopyInBothDirectionsAndBothProtocols) {
  start_proxy();
  Conn c = through_proxy();
  ASSERT_TRUE(c);
  exec_ok(c.get(), "CREATE TABLE cp (id int, name text)");

  Result in(PQexec(c.get(), "COPY cp FROM STDIN"));
  ASSERT_EQ(PQresultStatus(in.get()), PGRES_COPY_IN) << PQerrorMessage(c.get());
  std::string rows = "1\tone\n2\ttwo\n";
  ASSERT_EQ(PQputCopyData(c.get(), rows.data(), static_cast<int>(rows.size())), 1);
  ASSERT_EQ(PQputCopyEnd(c.get(), nullptr), 1);
  Result done(PQgetResult(c.get()));
  EXPECT_EQ(PQresultStatus(done.get()), PGRES_COMMAND_OK) << PQresultErrorMessage(done.get());
  EXPECT_STREQ(PQcmdStatus(done.get()), "COPY 2");
  EXPECT_FALSE(Result(PQgetResult(c.get())));

  // Through the extended protocol libpq has sent Sync before the server asks for data; the server
  // ignores that Sync, and so must the proxy's bookkeeping.
  Result in2 = exec_params(c.get(), "COPY cp FROM STDIN");
  ASSERT_EQ(PQresultStatus(in2.get()), PGRES_COPY_IN) << PQerrorMessage(c.get());
  std::string row3 = "3\tthree\n";
  ASSERT_EQ(PQputCopyData(c.get(), row3.data(), static_cast<int>(row3.size())), 1);
  ASSERT_EQ(PQputCopyEnd(c.get(), nullptr), 1);
  Result done2(PQgetResult(c.get()));
  EXPECT_EQ(PQresultStatus(done2.get()), PGRES_COMMAND_OK) << PQresultErrorMessage(done2.get());
  EXPECT_FALSE(Result(PQgetResult(c.get())));

  // Bad data: the server's error, and the connection goes on.
  Result in3(PQexec(c.get(), "COPY cp FROM STDIN"));
  ASSERT_EQ(PQresultStatus(in3.get()), PGRES_COPY_IN);
  std::string bad = "x\ty\n";
  PQputCopyData(c.get(), bad.data(), static_cast<int>(bad.size()));
  PQputCopyEnd(c.get(), nullptr);
  Result failed(PQgetResult(c.get()));
  EXPECT_EQ(error_of(failed.get()).sqlstate, "22P02");
  while (Result more{PQgetResult(c.get())}) {
  }

  Result out(PQexec(c.get(), "COPY (SELECT * FROM cp ORDER BY id) TO STDOUT"));
  ASSERT_EQ(PQresultStatus(out.get()), PGRES_COPY_OUT) << PQerrorMessage(c.get());
  std::string got;
  char *buf = nullptr;
  int n;
  while ((n = PQgetCopyData(c.get(), &buf, 0)) > 0) {
    got.append(buf, static_cast<size_t>(n));
    PQfreemem(buf);
  }
  EXPECT_EQ(got, "1\tone\n2\ttwo\n3\tthree\n");
  Result end(PQgetResult(c.get()));
  EXPECT_EQ(PQresultStatus(end.get()), PGRES_COMMAND_OK);
  EXPECT_EQ(query_value(c.get(), "SELECT 1"), "1");
}

TEST_F(FaultProxyPassThrough, PipelineModeGetsEveryResultInOrder) {
  start_proxy();
  Conn c = through_proxy();
  ASSERT_TRUE(c);
  ASSERT_EQ(PQenterPipelineMode(c.get()), 1);
  ASSERT_EQ(PQsendQueryParams(c.get(), "SELECT 1", 0, nullptr, nullptr, nullptr, nullptr, 0), 1);
  ASSERT_EQ(PQpipelineSync(c.get()), 1);
  ASSERT_EQ(PQsendQueryParams(c.get(), "SELECT 1/0", 0, nullptr, nullptr, nullptr, nullptr, 0), 1);
  ASSERT_EQ(PQsendQueryParams(c.get(), "SELECT 2", 0, nullptr, nullptr, nullptr, nullptr, 0), 1);
  ASSERT_EQ(PQpipelineSync(c.get()), 1);
  ASSERT_EQ(PQsendQueryParams(c.get(), "SELECT 3", 0, nullptr, nullptr, nullptr, nullptr, 0), 1);
  ASSERT_EQ(PQpipelineSync(c.get()), 1);

  std::vector<std::string> seen;
  int syncs = 0;
  while (syncs < 3) {
    Result r(PQgetResult(c.get()));
    if (!r) continue;  // end of one query's results
    switch (PQresultStatus(r.get())) {
      case PGRES_TUPLES_OK:
        seen.push_back(value_bytes(r.get(), 0, 0));
        break;
      case PGRES_FATAL_ERROR:
        seen.push_back(error_of(r.get()).sqlstate);
        break;
      case PGRES_PIPELINE_ABORTED:
        seen.push_back("aborted");
        break;
      case PGRES_PIPELINE_SYNC:
        seen.push_back("sync");
        ++syncs;
        break;
      default:
        seen.push_back(PQresStatus(PQresultStatus(r.get())));
    }
  }
  EXPECT_EQ(seen, (std::vector<std::string>{"1", "sync", "22012", "aborted", "sync", "3", "sync"}));
  ASSERT_EQ(PQexitPipelineMode(c.get()), 1);
  EXPECT_EQ(query_value(c.get(), "SELECT 4"), "4");
}

TEST_F(FaultProxyPassThrough, SslRequestIsDeclinedAndPasswordsAreChecked) {
  start_proxy();
  ConnectAttempt prefer = try_connect(via_proxy("sslmode=prefer"));
  ASSERT_TRUE(prefer.ok) << prefer.message;
  EXPECT_EQ(PQsslInUse(prefer.conn.get()), 0);
  ConnectAttempt require = try_connect(via_proxy("sslmode=require"));
  EXPECT_FALSE(require.ok);
  EXPECT_NE(require.message.find("does not support SSL"), std::string::npos) << require.message;

  // SCRAM runs end to end between libpq and the server.
  ConnectAttempt wrong = try_connect(via_proxy("password=wrong"));
  EXPECT_FALSE(wrong.ok);
  EXPECT_EQ(wrong.sqlstate, "28P01") << wrong.message;
}

TEST_F(FaultProxyPassThrough, UnreachableUpstreamIsReportedToTheClient) {
  faultproxy::ProxyOptions o;
  o.upstream = {"127.0.0.1", free_port()};
  faultproxy::Proxy nowhere(o);
  nowhere.start();
  ConnectAttempt a = try_connect(pg().conninfo("port=" + std::to_string(nowhere.port())));
  EXPECT_FALSE(a.ok);
  EXPECT_EQ(a.sqlstate, "08006") << a.message;
  EXPECT_NE(a.message.find("cannot connect to upstream"), std::string::npos) << a.message;
}

TEST_F(FaultProxyPassThrough, CancelRequestReachesTheServer) {
  start_proxy();
  Conn c = through_proxy();
  ASSERT_TRUE(c);
  ASSERT_EQ(PQsendQuery(c.get(), "SELECT pg_sleep(60)"), 1);
  std::this_thread::sleep_for(std::chrono::milliseconds(200));
  PGcancel *cancel = PQgetCancel(c.get());
  char err[256];
  EXPECT_EQ(PQcancel(cancel, err, sizeof err), 1) << err;
  PQfreeCancel(cancel);
  Result r(PQgetResult(c.get()));
  EXPECT_EQ(error_of(r.get()).sqlstate, "57014");
  while (Result more{PQgetResult(c.get())}) {
  }
  EXPECT_EQ(query_value(c.get(), "SELECT 1"), "1");
}

TEST_F(FaultProxyPassThrough, ManyConcurrentConnections) {
  start_proxy();
  {
    Conn c = through_proxy();
    ASSERT_TRUE(c);
    exec_ok(c.get(), "CREATE TABLE conc (client int, n int, PRIMARY KEY (client, n))");
  }
  constexpr int kClients = 16, kTransactions = 20;
  std::atomic<int> failures{0};
  std::vector<std::thread> threads;
  for (int client = 0; client < kClients; ++client) {
    threads.emplace_back([&, client] {
      Conn c(PQconnectdb(via_proxy().c_str()));
      if (PQstatus(c.get()) != CONNECTION_OK) {
        ++failures;
        return;
      }
      for (int n = 0; n < kTransactions; ++n) {
        // Inserts of distinct keys only: no reads, so SERIALIZABLE has nothing to object to.
        std::string sql = "BEGIN; INSERT INTO conc VALUES (" + std::to_string(client) + ", " + std::to_string(n) +
                          "); COMMIT";
        Result r(PQexec(c.get(), sql.c_str()));
        if (PQresultStatus(r.get()) != PGRES_COMMAND_OK) ++failures;
      }
    });
  }
  for (auto &t : threads) t.join();
  EXPECT_EQ(failures.load(), 0);
  Conn d = direct();
  EXPECT_EQ(query_value(d.get(), "SELECT count(*) FROM conc"), std::to_string(kClients * kTransactions));
  EXPECT_GE(proxy().stats().connections, static_cast<uint64_t>(kClients + 1));
}

}  // namespace
}  // namespace mallard::it
