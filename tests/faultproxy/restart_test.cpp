// Serialization failures (40001) worded as CockroachDB words them: PostgreSQL's own, reworded, and
// injected ones at given rates, with the server left in the state the client is told about.

#include <algorithm>
#include <string>
#include <vector>

#include "faultproxy/pg_fixture.hpp"

namespace mallard::it {
namespace {

class FaultProxyRestart : public FaultProxyTest {
 protected:
  void SetUp() override {
    FaultProxyTest::SetUp();
    Conn d = direct();
    exec_ok(d.get(), "DROP TABLE IF EXISTS acct; CREATE TABLE acct (id int PRIMARY KEY, v int)");
  }
  std::string ids() {
    Conn d = direct();
    return query_value(d.get(), "SELECT coalesce(string_agg(id::text, ',' ORDER BY id), '') FROM acct");
  }
  long long count() {
    Conn d = direct();
    return std::stoll(query_value(d.get(), "SELECT count(*) FROM acct"));
  }
};

bool starts_with(const std::string &s, const std::string &prefix) { return s.rfind(prefix, 0) == 0; }

// Write skew between two SERIALIZABLE transactions (the server's default here): both read the
// total, each withdraws from a different account. Returns the error of the one that loses.
SqlError write_skew(PGconn *a, PGconn *b) {
  for (PGconn *c : {a, b}) {
    exec_ok(c, "BEGIN");
    query_value(c, "SELECT sum(v) FROM acct");
  }
  exec_ok(a, "UPDATE acct SET v = v - 150 WHERE id = 1");
  exec_ok(b, "UPDATE acct SET v = v - 150 WHERE id = 2");
  exec_ok(a, "COMMIT");
  Result r(PQexec(b, "COMMIT"));
  SqlError e = error_of(r.get());
  if (PQtransactionStatus(b) != PQTRANS_IDLE) exec_ok(b, "ROLLBACK");
  return e;
}

TEST_F(FaultProxyRestart, ServerSerializationFailureIsReworded) {
  start_proxy();
  Conn d = direct();
  exec_ok(d.get(), "INSERT INTO acct VALUES (1, 100), (2, 100)");
  // Straight from PostgreSQL, for comparison.
  Conn pa = direct(), pb = direct();
  SqlError plain = write_skew(pa.get(), pb.get());
  ASSERT_EQ(plain.sqlstate, "40001") << plain;
  ASSERT_TRUE(starts_with(plain.message, "could not serialize access")) << plain;

  exec_ok(d.get(), "UPDATE acct SET v = 100");
  Conn a = through_proxy(), b = through_proxy();
  ASSERT_TRUE(a && b);
  SqlError e = write_skew(a.get(), b.get());
  EXPECT_EQ(e.sqlstate, "40001");
  EXPECT_EQ(e.message, kRestartPrefix + plain.message);
  EXPECT_EQ(PQtransactionStatus(b.get()), PQTRANS_IDLE);
  EXPECT_EQ(proxy().stats().reworded_restarts, 1u);
  EXPECT_EQ(query_value(d.get(), "SELECT string_agg(v::text, ',' ORDER BY id) FROM acct"), "-50,100");
}

// Runs `n` autocommit SELECTs alternating the simple and the extended protocol; true where the
// statement failed with an injected restart.
std::vector<bool> failures_over(PGconn *c, int n) {
  std::vector<bool> failed;
  for (int i = 0; i < n; ++i) {
    Result r = i % 2 == 0 ? Result(PQexec(c, "SELECT 1")) : exec_params(c, "SELECT $1::int", {"1"});
    if (PQresultStatus(r.get()) == PGRES_TUPLES_OK) {
      failed.push_back(false);
      continue;
    }
    SqlError e = error_of(r.get());
    EXPECT_EQ(e.sqlstate, "40001") << e;
    EXPECT_TRUE(starts_with(e.message, kRestartPrefix)) << e;
    EXPECT_EQ(PQtransactionStatus(c), PQTRANS_IDLE);
    failed.push_back(true);
  }
  return failed;
}

TEST_F(FaultProxyRestart, InjectedStatementRestartsFollowTheRateAndTheSeed) {
  faultproxy::FaultConfig f;
  f.statement_restart = 0.25;
  f.seed = 42;
  constexpr int kStatements = 400;
  start_proxy(f);
  Conn c = through_proxy();
  ASSERT_TRUE(c);
  std::vector<bool> first = failures_over(c.get(), kStatements);
  long injected = std::count(first.begin(), first.end(), true);
  EXPECT_EQ(static_cast<uint64_t>(injected), proxy().stats().injected_statement_restarts);
  // Mean 100, standard deviation 8.7: more than four deviations away means the rate is wrong.
  EXPECT_GE(injected, 63);
  EXPECT_LE(injected, 137);

  // The same seed makes the same decisions, on a fresh proxy and on a reconfigured one.
  start_proxy(f);
  Conn again = through_proxy();
  EXPECT_EQ(failures_over(again.get(), kStatements), first);
  proxy().configure(f);
  EXPECT_EQ(failures_over(again.get(), kStatements), first);
  f.seed = 43;
  proxy().configure(f);
  EXPECT_NE(failures_over(again.get(), kStatements), first);
}

TEST_F(FaultProxyRestart, InjectedStatementRestartIsNotForwardedAndFailsTheTransaction) {
  faultproxy::FaultConfig f;
  f.statement_restart = 1;
  start_proxy(f);
  Conn c = through_proxy();
  ASSERT_TRUE(c);
  // Session and transaction control are never what a retry error hits.
  exec_ok(c.get(), "SET application_name = 'faultproxy-test'");
  EXPECT_EQ(query_value(c.get(), "SHOW application_name"), "faultproxy-test");

  SqlError e = exec_error(c.get(), "INSERT INTO acct VALUES (1, 1)");
  EXPECT_EQ(e.sqlstate, "40001");
  EXPECT_EQ(error_of(exec_params(c.get(), "INSERT INTO acct VALUES ($1, 1)", {"2"}).get()).sqlstate, "40001");
  EXPECT_EQ(ids(), "") << "an injected statement never reaches the server";

  exec_ok(c.get(), "BEGIN");
  EXPECT_EQ(PQtransactionStatus(c.get()), PQTRANS_INTRANS);
  EXPECT_EQ(exec_error(c.get(), "INSERT INTO acct VALUES (3, 1)").sqlstate, "40001");
  EXPECT_EQ(PQtransactionStatus(c.get()), PQTRANS_INERROR);
  // The server agrees that the transaction failed: it refuses more work and ends it on COMMIT.
  proxy().configure({});
  EXPECT_EQ(exec_error(c.get(), "SELECT 1").sqlstate, "25P02");
  EXPECT_EQ(exec_ok(c.get(), "COMMIT"), "ROLLBACK");
  EXPECT_EQ(PQtransactionStatus(c.get()), PQTRANS_IDLE);

  // The same through the extended protocol.
  proxy().configure(f);
  ASSERT_EQ(PQresultStatus(exec_params(c.get(), "BEGIN").get()), PGRES_COMMAND_OK);
  Result r = exec_params(c.get(), "INSERT INTO acct VALUES ($1, 1)", {"4"});
  EXPECT_EQ(error_of(r.get()).sqlstate, "40001");
  EXPECT_TRUE(starts_with(error_of(r.get()).message, kRestartPrefix));
  EXPECT_EQ(PQtransactionStatus(c.get()), PQTRANS_INERROR);
  ASSERT_EQ(PQresultStatus(exec_params(c.get(), "ROLLBACK").get()), PGRES_COMMAND_OK);
  EXPECT_EQ(PQtransactionStatus(c.get()), PQTRANS_IDLE);
  EXPECT_EQ(ids(), "");
  EXPECT_EQ(proxy().stats().injected_statement_restarts, 4u);
}

TEST_F(FaultProxyRestart, InjectedCommitRestartRollsTheTransactionBack) {
  faultproxy::FaultConfig f;
  f.commit_restart = 1;
  start_proxy(f);
  Conn c = through_proxy();
  Conn d = direct();
  ASSERT_TRUE(c && d);
  exec_ok(c.get(), "BEGIN");
  exec_ok(c.get(), "INSERT INTO acct VALUES (1, 1)");
  SqlError e = exec_error(c.get(), "COMMIT");
  EXPECT_EQ(e.sqlstate, "40001");
  EXPECT_TRUE(starts_with(e.message, kRestartPrefix)) << e;
  // As in CockroachDB, a failed COMMIT has ended the transaction.
  EXPECT_EQ(PQtransactionStatus(c.get()), PQTRANS_IDLE);
  EXPECT_EQ(ids(), "");
  EXPECT_EQ(query_value(d.get(), "SELECT count(*) FROM pg_stat_activity WHERE state LIKE 'idle in transaction%'"), "0");

  // Through the extended protocol, and with BEGIN and the write in the same Query.
  ASSERT_EQ(PQresultStatus(exec_params(c.get(), "BEGIN").get()), PGRES_COMMAND_OK);
  ASSERT_EQ(PQresultStatus(exec_params(c.get(), "INSERT INTO acct VALUES ($1, 1)", {"2"}).get()), PGRES_COMMAND_OK);
  Result r = exec_params(c.get(), "COMMIT");
  EXPECT_EQ(error_of(r.get()).sqlstate, "40001");
  EXPECT_EQ(PQtransactionStatus(c.get()), PQTRANS_IDLE);
  EXPECT_EQ(exec_error(c.get(), "BEGIN; INSERT INTO acct VALUES (3, 1); COMMIT").sqlstate, "40001");
  EXPECT_EQ(PQtransactionStatus(c.get()), PQTRANS_IDLE);
  EXPECT_EQ(ids(), "");

  // A COMMIT with no transaction open has nothing to fail.
  EXPECT_EQ(exec_ok(c.get(), "COMMIT"), "COMMIT");

  // The connection is in a normal state: the next transaction commits once the fault is off.
  proxy().configure({});
  exec_ok(c.get(), "BEGIN");
  exec_ok(c.get(), "INSERT INTO acct VALUES (4, 1)");
  EXPECT_EQ(exec_ok(c.get(), "COMMIT"), "COMMIT");
  EXPECT_EQ(ids(), "4");
  EXPECT_EQ(proxy().stats().injected_commit_restarts, 3u);
}

TEST_F(FaultProxyRestart, CommitRestartRateLosesExactlyTheFailedTransactions) {
  faultproxy::FaultConfig f;
  f.commit_restart = 0.3;
  f.seed = 9;
  start_proxy(f);
  Conn c = through_proxy();
  ASSERT_TRUE(c);
  constexpr int kTransactions = 200;
  std::string committed;
  int failed = 0;
  for (int i = 1; i <= kTransactions; ++i) {
    exec_ok(c.get(), "BEGIN");
    exec_ok(c.get(), "INSERT INTO acct VALUES (" + std::to_string(i) + ", 0)");
    Result r = i % 2 ? Result(PQexec(c.get(), "COMMIT")) : exec_params(c.get(), "COMMIT");
    if (PQresultStatus(r.get()) == PGRES_COMMAND_OK) {
      committed += (committed.empty() ? "" : ",") + std::to_string(i);
    } else {
      EXPECT_EQ(error_of(r.get()).sqlstate, "40001");
      ++failed;
    }
    ASSERT_EQ(PQtransactionStatus(c.get()), PQTRANS_IDLE);
  }
  EXPECT_EQ(static_cast<uint64_t>(failed), proxy().stats().injected_commit_restarts);
  // Mean 60, standard deviation 6.5.
  EXPECT_GE(failed, 34);
  EXPECT_LE(failed, 86);
  EXPECT_EQ(ids(), committed);
}

TEST_F(FaultProxyRestart, RetryingClientsGetEverythingCommittedOnce) {
  // What Mallard's commit loop does against CockroachDB: retry the whole transaction on 40001.
  faultproxy::FaultConfig f;
  f.statement_restart = 0.15;
  f.commit_restart = 0.15;
  f.seed = 3;
  start_proxy(f);
  Conn c = through_proxy();
  ASSERT_TRUE(c);
  while (count() == 0) exec(c.get(), "INSERT INTO acct VALUES (0, 0)");  // may be injected too
  int attempts = 0;
  for (int i = 1; i <= 50; ++i) {
    while (true) {
      ++attempts;
      ASSERT_LT(attempts, 1000);
      Result b(PQexec(c.get(), "BEGIN"));
      Result u(PQexec(c.get(), "UPDATE acct SET v = v + 1 WHERE id = 0"));
      Result ins = exec_params(c.get(), "INSERT INTO acct VALUES ($1, 0)", {std::to_string(i)});
      Result commit(PQexec(c.get(), "COMMIT"));
      bool ok = PQresultStatus(commit.get()) == PGRES_COMMAND_OK && std::string(PQcmdStatus(commit.get())) == "COMMIT";
      if (!ok && PQtransactionStatus(c.get()) != PQTRANS_IDLE) exec(c.get(), "ROLLBACK");
      if (ok) break;
    }
  }
  Conn d = direct();
  EXPECT_EQ(query_value(d.get(), "SELECT v FROM acct WHERE id = 0"), "50");
  EXPECT_EQ(count(), 51);
  faultproxy::Stats s = proxy().stats();
  EXPECT_GT(s.injected_statement_restarts, 0u);
  EXPECT_GT(s.injected_commit_restarts, 0u);
}

}  // namespace
}  // namespace mallard::it
