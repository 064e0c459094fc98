// The metadata PostgreSQL stops in the middle of a workload: clients get a clear error of the
// connection-exception class (08xxx) or 57P01, never a hang or a torn commit; once PostgreSQL is
// back (same port), the same Mallard process serves everything again without a restart.

#include <signal.h>

#include <sstream>
#include <thread>

#include "metastore/fixture.hpp"

namespace mallard::it {
namespace {

using namespace std::chrono_literals;

bool wait_for(const std::function<bool()> &cond, std::chrono::seconds limit) {
  auto deadline = std::chrono::steady_clock::now() + limit;
  while (std::chrono::steady_clock::now() < deadline) {
    if (cond()) return true;
    std::this_thread::sleep_for(20ms);
  }
  return cond();
}

class Outage : public MetastoreSuite {};

TEST_F(Outage, StoppingTheMetadataPostgresGivesClearErrorsAndServiceResumes) {
  // A PostgreSQL of its own, as it is stopped and started again on the same port.
  ServerOptions po;
  po.real_postgres = true;
  po.keep_port = true;
  Server store_pg(po);
  ASSERT_TRUE(store_pg.start()) << store_pg.failure();
  StoreEndpoint e;
  e.port = store_pg.port();
  e.user = kUser;
  e.password = store_pg.password();
  e.database = kDatabase;  // the harness's PostgreSQL has an empty database of this name

  ServerOptions o = mallard_options(uri(e, StoreFlavor::kPostgres), e);
  o.extra_args.insert(o.extra_args.end(), {"--metastore-retry-attempts", "6", "--metastore-retry-max-wait", "100"});
  Server m(o);
  ASSERT_TRUE(m.start()) << m.failure();
  pid_t mallard_pid = m.pid();
  Conn c = connect(m);
  ASSERT_TRUE(c);
  exec_ok(c.get(), "CREATE TABLE t (w integer, i integer)");

  std::atomic<int> acked{0}, errors{0};
  std::atomic<bool> stop{false};
  WriterPlan plan;
  plan.conninfos = {m.conninfo()};
  plan.writers = 4;
  plan.commits = 1000000;
  plan.tables = {"t"};
  plan.max_client_retries = 0;  // every error counts; the next row is tried after it
  // Well above how long Mallard takes to give up on an unreachable store: an error that arrives
  // is Mallard's own, not the client's timeout.
  plan.setup_sql = "SET statement_timeout = '120s'";
  plan.acknowledged_so_far = &acked;
  plan.errors_so_far = &errors;
  plan.stop = [&] { return stop.load(); };
  WriterOutcome out;
  std::thread workload([&] { out = run_writers(plan); });

  ASSERT_TRUE(wait_for([&] { return acked.load() >= 40; }, 60s)) << "the workload made no progress";
  EXPECT_EQ(store_pg.stop(), 0);  // fast shutdown: backends end with 57P01
  int acked_at_stop = acked.load();
  // Clients notice: errors arrive while PostgreSQL is down.
  bool noticed = wait_for([&] { return errors.load() >= 8; }, 90s);
  int acked_while_down = acked.load() - acked_at_stop;
  // A reader notices too, with the same kind of error.
  Conn reader = connect(m);
  SqlError read_error = exec_error(reader.get(), "SELECT count(*) FROM t");
  ASSERT_TRUE(store_pg.start()) << store_pg.failure();
  int acked_at_restart = acked.load();
  bool resumed = wait_for([&] { return acked.load() >= acked_at_restart + 40; }, 90s);
  stop = true;
  workload.join();

  EXPECT_TRUE(noticed) << "no client saw an error while the metadata store was down";
  EXPECT_TRUE(resumed) << "writes did not resume after the metadata store came back";
  EXPECT_TRUE(m.running()) << "mallard must survive an outage of its metadata store";
  EXPECT_EQ(m.pid(), mallard_pid);
  std::ostringstream seen;
  for (auto &[k, n] : out.errors) seen << k << "×" << n << " ";
  for (auto &msg : out.messages) seen << "\n  " << msg;
  std::cout << "[ outage ] " << out.acknowledged.size() << " acknowledged (" << acked_while_down
            << " while down, in flight at the stop), errors: " << seen.str() << "\n  reader: " << read_error
            << std::endl;
  // Only the classes the contract names: connection exception (08xxx) or admin shutdown (57P01).
  for (auto &[k, n] : out.errors)
    EXPECT_TRUE(k.rfind("08", 0) == 0 || k == "57P01") << "unexpected SQLSTATE " << k << " ×" << n << seen.str();
  EXPECT_TRUE(read_error.sqlstate.rfind("08", 0) == 0 || read_error.sqlstate == "57P01") << read_error;
  EXPECT_EQ(out.reconnects, 0) << "Mallard kept every client connection";

  // Full service on the same connections and on new ones.
  EXPECT_EQ(exec_ok(reader.get(), "INSERT INTO t VALUES (100, 0)"), "INSERT 0 1");
  Conn fresh = connect(m);
  ASSERT_TRUE(fresh);
  exec_ok(fresh.get(), "CREATE TABLE after_outage (k integer)");
  EXPECT_EQ(exec_ok(fresh.get(), "INSERT INTO after_outage VALUES (1)"), "INSERT 0 1");
  EXPECT_EQ(query_value(c.get(), "SELECT count(*) FROM after_outage"), "1");

  // No torn commit: what clients were told holds, nothing else is there.
  auto v = lost_or_extra(fresh.get(), "t", {0, 1, 2, 3}, out);
  EXPECT_TRUE(v.empty()) << ::testing::PrintToString(v);
  Conn store = admin(e);
  ASSERT_TRUE(store);
  int present_unknown = 0;
  for (auto &k : out.unknown)
    present_unknown += query_value(fresh.get(), "SELECT count(*) FROM t WHERE w = " + std::to_string(k.first) +
                                                    " AND i = " + std::to_string(k.second)) == "1";
  v = catalog_violations(store.get(), out.unknown.size() - static_cast<size_t>(present_unknown));
  EXPECT_TRUE(v.empty()) << ::testing::PrintToString(v);
}

}  // namespace
}  // namespace mallard::it
