#include "metastore/fixture.hpp"

#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <filesystem>
#include <fstream>
#include <mutex>
#include <sstream>
#include <thread>

#include "support/process.hpp"

namespace fs = std::filesystem;
using namespace std::chrono_literals;

namespace mallard::it {

const char *flavor_param(StoreFlavor f) { return f == StoreFlavor::kPostgres ? "postgres" : "cockroachdb"; }

std::string flavor_test_name(const ::testing::TestParamInfo<StoreFlavor> &info) {
  return info.param == StoreFlavor::kPostgres ? "postgres" : "cockroachdb";
}

// ---- CockroachNode ----

CockroachNode::CockroachNode(std::string binary) : binary_(std::move(binary)) {
  char tmpl[] = "/tmp/mallard-crdb-XXXXXX";
  if (mkdtemp(tmpl)) dir_ = tmpl;
}

CockroachNode::~CockroachNode() {
  if (pid_ > 0) {
    kill(pid_, SIGTERM);
    for (int i = 0; i < 200; ++i) {
      if (waitpid(pid_, nullptr, WNOHANG) == pid_) {
        pid_ = -1;
        break;
      }
      std::this_thread::sleep_for(50ms);
    }
    if (pid_ > 0) {
      kill(pid_, SIGKILL);
      waitpid(pid_, nullptr, 0);
    }
  }
  std::error_code ec;
  if (!dir_.empty() && !std::getenv("MALLARD_IT_KEEP")) fs::remove_all(dir_, ec);
}

bool CockroachNode::start() {
  port_ = free_port();
  SpawnOptions so;
  pid_ = spawn_background({binary_, "start-single-node", "--insecure", "--listen-addr=127.0.0.1:" + std::to_string(port_),
                           "--http-addr=127.0.0.1:0", "--store=" + dir_ + "/store", "--cache=256MiB",
                           "--max-sql-memory=256MiB"},
                          so, dir_ + "/cockroach.log");
  if (pid_ <= 0) {
    failure_ = "could not start " + binary_;
    return false;
  }
  std::string ping = "host=127.0.0.1 port=" + std::to_string(port_) + " user=root dbname=defaultdb sslmode=disable";
  for (int i = 0; i < 1200; ++i) {
    if (PQping(ping.c_str()) == PQPING_OK) return true;
    if (waitpid(pid_, nullptr, WNOHANG) == pid_) {
      pid_ = -1;
      break;
    }
    std::this_thread::sleep_for(50ms);
  }
  std::ifstream log(dir_ + "/cockroach.log");
  std::stringstream ss;
  ss << log.rdbuf();
  failure_ = "cockroach did not accept connections: " + ss.str();
  return false;
}

// ---- endpoints and the suite ----

std::string StoreEndpoint::conninfo() const {
  std::string ci = "host=" + host + " port=" + std::to_string(port) + " user=" + user + " dbname=" + database +
                   " sslmode=disable gssencmode=disable connect_timeout=15";
  if (!password.empty()) ci += " password='" + password + "'";
  return ci;
}

void MetastoreSuite::SetUpTestSuite() {
  char tmpl[] = "/tmp/mallard-meta-XXXXXX";
  if (mkdtemp(tmpl)) scratch_ = tmpl;
  ServerOptions o;
  o.real_postgres = true;
  o.keep_port = true;
  o.max_connections = 200;
  pg_ = std::make_unique<Server>(o);
  pg_->start();
  if (const char *bin = std::getenv("MALLARD_TEST_COCKROACH"); bin && *bin) {
    crdb_ = std::make_unique<CockroachNode>(bin);
    if (!crdb_->start()) ADD_FAILURE() << crdb_->failure();
  }
}

void MetastoreSuite::TearDownTestSuite() {
  crdb_.reset();
  pg_.reset();
  std::error_code ec;
  if (!scratch_.empty() && !std::getenv("MALLARD_IT_KEEP")) fs::remove_all(scratch_, ec);
}

void MetastoreSuite::SetUp() {
  ASSERT_TRUE(pg_ != nullptr);
  if (!pg_->running()) {
    ASSERT_TRUE(pg_->start()) << pg_->failure();
  }
}

void MetastoreSuite::TearDown() {
  for (auto &p : proxies_) p->stop();
  proxies_.clear();
}

StoreEndpoint MetastoreSuite::new_store(StoreFlavor flavor, const std::string &name) {
  StoreEndpoint e;
  e.database = name;
  if (flavor == StoreFlavor::kCockroach && crdb_) {
    e.port = crdb_->port();
    e.user = "root";
    StoreEndpoint sys = e;
    sys.database = "defaultdb";
    Conn c = connect_info(sys.conninfo());
    if (c) exec_ok(c.get(), "CREATE DATABASE " + name);
    return e;
  }
  e.port = pg_->port();
  e.user = kUser;
  e.password = pg_->password();
  StoreEndpoint sys = e;
  sys.database = "postgres";
  Conn c = connect_info(sys.conninfo());
  if (c) exec_ok(c.get(), "CREATE DATABASE " + name);
  return e;
}

Conn MetastoreSuite::admin(const StoreEndpoint &e) { return connect_info(e.conninfo()); }

faultproxy::Proxy &MetastoreSuite::add_proxy(const StoreEndpoint &e, const faultproxy::FaultConfig &faults) {
  faultproxy::ProxyOptions o;
  o.upstream = {e.host, e.port};
  o.faults = faults;
  proxies_.push_back(std::make_unique<faultproxy::Proxy>(o));
  proxies_.back()->start();
  return *proxies_.back();
}

std::string MetastoreSuite::password_file(const StoreEndpoint &e) {
  std::string path = scratch_ + "/pw-" + e.database;
  std::ofstream out(path, std::ios::trunc);
  out << e.password << "\n";
  out.close();
  fs::permissions(path, fs::perms::owner_read | fs::perms::owner_write, fs::perm_options::replace);
  return path;
}

std::string MetastoreSuite::uri(const StoreEndpoint &e, StoreFlavor flavor, int proxy_port) const {
  return "postgresql://" + e.user + "@" + e.host + ":" + std::to_string(proxy_port ? proxy_port : e.port) + "/" +
         e.database + "?sslmode=disable&flavor=" + flavor_param(flavor);
}

ServerOptions MetastoreSuite::mallard_options(const std::string &uri, const StoreEndpoint &e) {
  ServerOptions o;
  o.extra_args = {"--metastore", uri, "--metastore-password-file", password_file(e), "--log-level", "debug"};
  o.max_connections = 100;
  return o;
}

// ---- catalog invariants ----

namespace {

std::string one(PGconn *c, const std::string &sql) {
  Result r = exec(c, sql);
  if (!r || PQresultStatus(r.get()) != PGRES_TUPLES_OK || PQntuples(r.get()) != 1) return "<error: " + sql + ">";
  return PQgetisnull(r.get(), 0, 0) ? "<NULL>" : PQgetvalue(r.get(), 0, 0);
}

}  // namespace

std::vector<std::string> catalog_violations(PGconn *c, size_t allowed_orphans) {
  std::vector<std::string> v;
  auto expect_zero = [&](const std::string &what, const std::string &sql) {
    std::string n = one(c, sql);
    if (n != "0") v.push_back(what + " (" + n + ")");
  };
  expect_zero("snapshot ids have gaps",
              "SELECT (max(snapshot_id) + 1 - count(*))::bigint FROM ducklake_snapshot");
  expect_zero("snapshots without a changes row",
              "SELECT count(*) FROM ducklake_snapshot s WHERE NOT EXISTS (SELECT 1 FROM ducklake_snapshot_changes c "
              "WHERE c.snapshot_id = s.snapshot_id)");
  expect_zero("changes rows without a snapshot",
              "SELECT count(*) FROM ducklake_snapshot_changes c WHERE NOT EXISTS (SELECT 1 FROM ducklake_snapshot s "
              "WHERE c.snapshot_id = s.snapshot_id)");
  expect_zero("commit markers used twice",
              "SELECT count(*) - count(DISTINCT commit_extra_info) FROM ducklake_snapshot_changes WHERE "
              "commit_extra_info IS NOT NULL");
  expect_zero("overlapping row-id ranges",
              "SELECT count(*) FROM ducklake_data_file a JOIN ducklake_data_file b ON a.table_id = b.table_id AND "
              "a.data_file_id < b.data_file_id AND a.row_id_start < b.row_id_start + b.record_count AND "
              "b.row_id_start < a.row_id_start + a.record_count");
  expect_zero("live columns of tables that are gone",
              "SELECT count(*) FROM ducklake_column c WHERE c.end_snapshot IS NULL AND NOT EXISTS (SELECT 1 FROM "
              "ducklake_table t WHERE t.table_id = c.table_id AND t.end_snapshot IS NULL)");
  expect_zero("live tags of tables that are gone",
              "SELECT count(*) FROM ducklake_tag g WHERE g.end_snapshot IS NULL AND g.object_id IN (SELECT table_id "
              "FROM ducklake_table) AND NOT EXISTS (SELECT 1 FROM ducklake_table t WHERE t.table_id = g.object_id "
              "AND t.end_snapshot IS NULL)");
  expect_zero("live tags of columns that are gone",
              "SELECT count(*) FROM ducklake_column_tag g WHERE g.end_snapshot IS NULL AND NOT EXISTS (SELECT 1 FROM "
              "ducklake_column c WHERE c.table_id = g.table_id AND c.column_id = g.column_id AND c.end_snapshot IS NULL)");
  expect_zero("data files of snapshots that do not exist",
              "SELECT count(*) FROM ducklake_data_file f WHERE NOT EXISTS (SELECT 1 FROM ducklake_snapshot s WHERE "
              "s.snapshot_id = f.begin_snapshot)");
  // Inlined rows (ducklake_inlined_data_<table>_<version>): begun by existing snapshots, row ids
  // distinct per table and outside every data file's range, counted in the table's stats.
  std::map<std::string, int64_t> inlined_live;  // table id → live inlined rows
  std::map<std::string, std::string> inlined_ids;  // table id → UNION ALL of its row ids
  for (auto &row : rows_of(exec(c, "SELECT CAST(table_id AS TEXT), table_name FROM ducklake_inlined_data_tables").get())) {
    std::string tid = row[0].value_or(""), name = "\"" + row[1].value_or("") + "\"";
    inlined_live[tid] += std::stoll(one(c, "SELECT count(*) FROM " + name + " WHERE end_snapshot IS NULL"));
    inlined_ids[tid] += (inlined_ids[tid].empty() ? "" : " UNION ALL ") + ("SELECT row_id FROM " + name);
    expect_zero("inlined rows of snapshots that do not exist",
                "SELECT count(*) FROM " + name + " i WHERE NOT EXISTS (SELECT 1 FROM ducklake_snapshot s WHERE "
                "s.snapshot_id = i.begin_snapshot)");
    expect_zero("inlined row ids inside a data file's range",
                "SELECT count(*) FROM " + name + " i JOIN ducklake_data_file f ON f.table_id = " + tid +
                    " AND i.row_id >= f.row_id_start AND i.row_id < f.row_id_start + f.record_count");
  }
  for (auto &[tid, ids] : inlined_ids) {
    expect_zero("inlined row ids used twice in table " + tid, "SELECT count(*) - count(DISTINCT row_id) FROM (" + ids + ") r");
    expect_zero("inlined row ids at or above the table's next_row_id",
                "SELECT count(*) FROM (" + ids + ") r WHERE r.row_id >= (SELECT next_row_id FROM ducklake_table_stats "
                "WHERE table_id = " + tid + ")");
  }
  for (auto &row : rows_of(exec(c, "SELECT CAST(s.table_id AS TEXT), s.record_count, (SELECT coalesce(sum(record_count), 0) "
                                   "FROM ducklake_data_file f WHERE f.table_id = s.table_id AND f.end_snapshot IS NULL) - "
                                   "(SELECT coalesce(sum(delete_count), 0) FROM ducklake_delete_file d WHERE d.table_id = "
                                   "s.table_id AND d.end_snapshot IS NULL) FROM ducklake_table_stats s")
                           .get())) {
    std::string tid = row[0].value_or("");
    int64_t expected = std::stoll(row[2].value_or("0")) + inlined_live[tid];
    if (std::stoll(row[1].value_or("0")) != expected)
      v.push_back("table " + tid + ": record_count " + row[1].value_or("") + " but " + std::to_string(expected) +
                  " live rows");
  }
  expect_zero("next_row_id below a data file's range",
              "SELECT count(*) FROM ducklake_table_stats s WHERE s.next_row_id < (SELECT coalesce(max(row_id_start + "
              "record_count), 0) FROM ducklake_data_file f WHERE f.table_id = s.table_id)");
  expect_zero("file ids at or above the latest snapshot's next_file_id",
              "SELECT count(*) FROM (SELECT data_file_id AS id FROM ducklake_data_file UNION ALL SELECT delete_file_id "
              "FROM ducklake_delete_file) f WHERE f.id >= (SELECT next_file_id FROM ducklake_snapshot ORDER BY "
              "snapshot_id DESC LIMIT 1)");
  expect_zero("catalog ids at or above the latest snapshot's next_catalog_id",
              "SELECT count(*) FROM (SELECT table_id AS id FROM ducklake_table UNION ALL SELECT schema_id FROM "
              "ducklake_schema) o WHERE o.id >= (SELECT next_catalog_id FROM ducklake_snapshot ORDER BY snapshot_id "
              "DESC LIMIT 1)");
  // Files: every name the catalog holds is on disk under its data path, and no other Parquet file is.
  std::string data_path = one(c, "SELECT value FROM ducklake_metadata WHERE key = 'data_path' AND scope IS NULL");
  std::set<std::string> named;
  Result r = exec(c, "SELECT path FROM ducklake_data_file UNION ALL SELECT path FROM ducklake_delete_file");
  for (auto &row : rows_of(r.get()))
    if (row[0]) named.insert(fs::path(*row[0]).filename().string());
  std::set<std::string> on_disk;
  std::error_code ec;
  for (auto it = fs::recursive_directory_iterator(data_path, ec); !ec && it != fs::recursive_directory_iterator();
       it.increment(ec))
    if (it->path().extension() == ".parquet") on_disk.insert(it->path().filename().string());
  for (auto &n : named)
    if (!on_disk.count(n)) v.push_back("the catalog names a file that is not on disk: " + n);
  size_t orphans = 0;
  for (auto &n : on_disk)
    if (!named.count(n) && ++orphans > allowed_orphans)
      v.push_back("a Parquet file on disk that the catalog does not name: " + n);
  return v;
}

// ---- workload ----

WriterOutcome run_writers(const WriterPlan &plan) {
  WriterOutcome total;
  std::mutex mu;
  std::vector<std::thread> threads;
  for (int w = 0; w < plan.writers; ++w) {
    threads.emplace_back([&, w] {
      WriterOutcome mine;
      const std::string &ci = plan.conninfos[static_cast<size_t>(w) % plan.conninfos.size()];
      const std::string &table = plan.tables[static_cast<size_t>(w) % plan.tables.size()];
      Conn c;
      auto reconnect = [&] {
        for (int i = 0; i < 100; ++i) {
          ConnectAttempt a = try_connect(ci);
          if (a.ok) {
            c = std::move(a.conn);
            return;
          }
          std::this_thread::sleep_for(100ms);
        }
      };
      reconnect();
      if (c && !plan.setup_sql.empty()) exec_ok(c.get(), plan.setup_sql);
      for (int i = 0; i < plan.commits; ++i) {
        if (plan.stop && plan.stop()) break;
        std::string sql = "INSERT INTO " + table + " VALUES (" + std::to_string(w) + ", " + std::to_string(i) + ")";
        for (int attempt = 0;; ++attempt) {
          if (!c || PQstatus(c.get()) != CONNECTION_OK) {
            ++mine.reconnects;
            reconnect();
            if (!c) {
              mine.failed.insert({w, i});
              break;
            }
            if (!plan.setup_sql.empty()) exec_ok(c.get(), plan.setup_sql);
          }
          Result r = exec(c.get(), sql);
          if (r && PQresultStatus(r.get()) == PGRES_COMMAND_OK) {
            mine.acknowledged.insert({w, i});
            if (plan.acknowledged_so_far) ++*plan.acknowledged_so_far;
            break;
          }
          if (plan.errors_so_far) ++*plan.errors_so_far;
          SqlError e = error_of(r.get());
          if (e.sqlstate.empty()) e.sqlstate = "(no reply)";
          if (mine.errors[e.sqlstate]++ == 0) mine.messages.push_back(e.sqlstate + ": " + e.message);
          if (e.sqlstate == "40001" && attempt < plan.max_client_retries) {
            ++mine.client_retries;
            continue;
          }
          if (e.sqlstate == "08006" || e.sqlstate == "(no reply)")
            mine.unknown.insert({w, i});
          else
            mine.failed.insert({w, i});
          break;
        }
      }
      std::lock_guard lock(mu);
      total.acknowledged.insert(mine.acknowledged.begin(), mine.acknowledged.end());
      total.failed.insert(mine.failed.begin(), mine.failed.end());
      total.unknown.insert(mine.unknown.begin(), mine.unknown.end());
      for (auto &[k, n] : mine.errors) {
        if (!total.errors.count(k)) {
          for (auto &m : mine.messages)
            if (m.rfind(k + ":", 0) == 0) total.messages.push_back(m);
        }
        total.errors[k] += n;
      }
      total.client_retries += mine.client_retries;
      total.reconnects += mine.reconnects;
    });
  }
  for (auto &t : threads) t.join();
  return total;
}

std::vector<std::string> lost_or_extra(PGconn *mallard, const std::string &table, const std::set<int> &writers,
                                       const WriterOutcome &o) {
  std::vector<std::string> v;
  std::map<std::pair<int, int>, int> seen;
  Result r = exec(mallard, "SELECT w, i, count(*) FROM " + table + " GROUP BY w, i");
  if (!r || PQresultStatus(r.get()) != PGRES_TUPLES_OK) {
    v.push_back("cannot read " + table + ": " + (r ? PQresultErrorMessage(r.get()) : "no result"));
    return v;
  }
  for (auto &row : rows_of(r.get())) {
    int w = std::stoi(*row[0]), i = std::stoi(*row[1]);
    if (writers.count(w)) seen[{w, i}] = std::stoi(*row[2]);
  }
  int lost = 0, duplicated = 0, unacknowledged = 0;
  for (auto &k : o.acknowledged) {
    if (!writers.count(k.first)) continue;
    auto it = seen.find(k);
    if (it == seen.end()) ++lost;
    else if (it->second != 1) ++duplicated;
  }
  for (auto &[k, n] : seen) {
    if (o.acknowledged.count(k)) continue;
    if (o.unknown.count(k) && n == 1) continue;  // the client was told the outcome is unknown
    ++unacknowledged;
  }
  if (lost) v.push_back(table + ": " + std::to_string(lost) + " acknowledged rows are missing");
  if (duplicated) v.push_back(table + ": " + std::to_string(duplicated) + " acknowledged rows are present more than once");
  if (unacknowledged) v.push_back(table + ": " + std::to_string(unacknowledged) + " rows present that no client was told about");
  return v;
}

}  // namespace mallard::it
