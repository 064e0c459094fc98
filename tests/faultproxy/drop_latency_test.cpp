// COMMITs whose reply never arrives (the ambiguous commit), and added latency.

#include <chrono>
#include <string>

#include "faultproxy/pg_fixture.hpp"

namespace mallard::it {
namespace {

class FaultProxyDrop : public FaultProxyTest {
 protected:
  void SetUp() override {
    FaultProxyTest::SetUp();
    Conn d = direct();
    exec_ok(d.get(), "DROP TABLE IF EXISTS dr; CREATE TABLE dr (id int PRIMARY KEY)");
  }
  std::string ids() {
    Conn d = direct();
    return query_value(d.get(), "SELECT coalesce(string_agg(id::text, ',' ORDER BY id), '') FROM dr");
  }
};

TEST_F(FaultProxyDrop, DroppedAfterCommitTheTransactionIsCommitted) {
  faultproxy::FaultConfig f;
  f.drop_after_commit = 1;
  start_proxy(f);

  Conn c = through_proxy();
  ASSERT_TRUE(c);
  exec_ok(c.get(), "BEGIN");
  exec_ok(c.get(), "INSERT INTO dr VALUES (1)");
  Result r(PQexec(c.get(), "COMMIT"));
  EXPECT_NE(PQresultStatus(r.get()), PGRES_COMMAND_OK);
  EXPECT_EQ(PQstatus(c.get()), CONNECTION_BAD) << "the client must not learn the outcome";
  EXPECT_EQ(ids(), "1");

  // The same with the COMMIT sent through the extended protocol.
  Conn e = through_proxy();
  ASSERT_TRUE(e);
  exec_ok(e.get(), "BEGIN");
  ASSERT_EQ(PQresultStatus(exec_params(e.get(), "INSERT INTO dr VALUES ($1)", {"2"}).get()), PGRES_COMMAND_OK);
  Result r2 = exec_params(e.get(), "COMMIT");
  EXPECT_NE(PQresultStatus(r2.get()), PGRES_COMMAND_OK);
  EXPECT_EQ(PQstatus(e.get()), CONNECTION_BAD);
  EXPECT_EQ(ids(), "1,2");
  EXPECT_EQ(proxy().stats().dropped_after_commit, 2u);

  // Statements outside a transaction block are not COMMITs worth dropping.
  Conn g = through_proxy();
  exec_ok(g.get(), "INSERT INTO dr VALUES (3)");
  EXPECT_EQ(exec_ok(g.get(), "COMMIT"), "COMMIT");
  EXPECT_EQ(PQstatus(g.get()), CONNECTION_OK);
}

TEST_F(FaultProxyDrop, DropRateHoldsAndNoCommitIsLost) {
  faultproxy::FaultConfig f;
  f.drop_after_commit = 0.4;
  f.seed = 5;
  start_proxy(f);
  constexpr int kTransactions = 100;
  int dropped = 0;
  Conn c;
  for (int i = 1; i <= kTransactions; ++i) {
    if (!c || PQstatus(c.get()) != CONNECTION_OK) c = through_proxy();
    ASSERT_TRUE(c);
    exec_ok(c.get(), "BEGIN");
    exec_ok(c.get(), "INSERT INTO dr VALUES (" + std::to_string(i) + ")");
    Result r(PQexec(c.get(), "COMMIT"));
    if (PQstatus(c.get()) == CONNECTION_BAD) ++dropped;
  }
  EXPECT_EQ(static_cast<uint64_t>(dropped), proxy().stats().dropped_after_commit);
  // Mean 40, standard deviation 4.9.
  EXPECT_GE(dropped, 20);
  EXPECT_LE(dropped, 60);
  Conn d = direct();
  EXPECT_EQ(query_value(d.get(), "SELECT count(*) FROM dr"), std::to_string(kTransactions));
}

using Clock = std::chrono::steady_clock;

TEST_F(FaultProxyDrop, LatencyIsAddedPerRoundTripOrPerMessage) {
  faultproxy::FaultConfig f;
  f.latency = std::chrono::milliseconds(30);
  start_proxy(f);
  Conn c = through_proxy();
  ASSERT_TRUE(c);
  constexpr int kRoundTrips = 10;
  auto t0 = Clock::now();
  for (int i = 0; i < kRoundTrips; ++i) EXPECT_EQ(query_value(c.get(), "SELECT 1"), "1");
  // Only a lower bound: a loaded machine may take any amount longer.
  EXPECT_GE(Clock::now() - t0, kRoundTrips * f.latency);

  f.latency_unit = faultproxy::LatencyUnit::kMessage;
  proxy().configure(f);
  t0 = Clock::now();
  for (int i = 0; i < kRoundTrips; ++i)
    EXPECT_EQ(PQresultStatus(exec_params(c.get(), "SELECT $1::int", {"1"}).get()), PGRES_TUPLES_OK);
  // PQexecParams sends at least Parse, Bind, Execute and Sync.
  EXPECT_GE(Clock::now() - t0, kRoundTrips * 4 * f.latency);
}

}  // namespace
}  // namespace mallard::it
