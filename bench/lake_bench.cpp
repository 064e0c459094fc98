// lake_bench: what lake tables cost. In one run it starts a Mallard server (and a PostgreSQL 15
// server for reference) on temporary data and measures
//   (a) scans and filtered aggregations of an N-row lake table through Mallard against the same
//       SQL run by an in-process DuckDB directly on the table's Parquet files (read_parquet), and
//       against the same SQL on a copy of Mallard's own view in-process; then again after
//       DELETE of 1% of the rows, the direct side applying the delete files by ANTI JOIN;
//   (b) commit latency and commits/s of autocommit INSERTs through Mallard, single-row (1, 4, 8
//       clients) and batched (INSERT ... SELECT of 10k rows), against PostgreSQL doing the same,
//       and how single-row commit latency grows with the number of commits into one table;
//   (c) single-row and DDL commits, and reading one table's columns from the catalogs, in a lake
//       of 1000 tables against a lake of one, both in one server.
// It prints medians and ratios. Targets are printed beside the figures for the reader; no figure
// ever makes the run fail, since timings on a shared machine are not pass/fail material.
//
//   lake_bench [--mallard PATH] [--rows N | --quick] [--only ab] [--runs N] ...   (see --help)

#include <libpq-fe.h>
#include <signal.h>
#include <sys/stat.h>

#include <algorithm>
#include <cctype>
#include <charconv>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <functional>
#include <latch>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "duck/duck.hpp"
#include "harness.hpp"

namespace {

using namespace mallard::bench;

// ---------------------------------------------------------------------------------------------
// Options

struct Options {
  std::string mallard_bin;
  std::string pg_bin = "/usr/lib/postgresql/15/bin";
  std::string tmp_parent;
  int64_t rows = 10'000'000;
  int runs = 5;
  std::string only = "abc";
  std::vector<int> clients = {1, 4, 8};
  int rounds = 5;
  int commits = 200;     // single-row commits per round, all clients together
  int64_t batch_rows = 10'000;
  int batches = 40;      // batched INSERTs per round, all clients together
  int growth = 1000;     // sequential single-row commits into one table
  int catalog_tables = 1000;  // (c): tables in the lake
  int catalog_commits = 60;   // (c): single-row commits measured with 1 and with catalog_tables tables
  bool postgres = true;
  bool keep_tmp = false;
  bool wants(char w) const { return only.find(w) != std::string::npos; }
};

void usage() {
  std::puts(
      "usage: lake_bench [options]\n"
      "  --mallard PATH       mallard binary (default: ../mallard next to this binary)\n"
      "  --pg-bin DIR         PostgreSQL 15 binaries (default /usr/lib/postgresql/15/bin)\n"
      "  --rows N             rows of the scanned lake table (default 10000000)\n"
      "  --quick              1000000 rows and fewer commits, for smoke runs\n"
      "  --only LETTERS       workloads to run, any of a b c (default abc)\n"
      "  --tables N           (c): tables in the lake (default 1000)\n"
      "  --runs N             timed runs per query and side (default 5)\n"
      "  --clients LIST       client counts for the INSERT workloads (default 1,4,8)\n"
      "  --rounds N           rounds per INSERT configuration (default 5)\n"
      "  --commits N          single-row commits per round, all clients together (default 200)\n"
      "  --batch-rows N       rows per batched INSERT (default 10000)\n"
      "  --batches N          batched INSERTs per round, all clients together (default 40)\n"
      "  --growth N           sequential single-row commits into one table (default 1000)\n"
      "  --no-postgres        do not start PostgreSQL\n"
      "  --tmp DIR            where the temporary directory is made (default $TMPDIR or /tmp)\n"
      "  --keep-tmp           leave the temporary directory (data, server logs) behind");
}

Options parse_options(int argc, char **argv) {
  Options o;
  bool quick = false;
  int64_t rows = 0, commits = 0, batches = 0, growth = 0;
  auto need = [&](int &i) -> std::string {
    if (i + 1 >= argc) fail(std::string("missing value for ") + argv[i]);
    return argv[++i];
  };
  auto parse_number = [](const std::string &s) -> int64_t {
    int64_t v = 0;
    auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
    if (ec != std::errc() || p != s.data() + s.size() || v <= 0) fail("not a positive number: " + s);
    return v;
  };
  auto number = [&](int &i) { return parse_number(need(i)); };
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    if (a == "--mallard") o.mallard_bin = need(i);
    else if (a == "--pg-bin") o.pg_bin = need(i);
    else if (a == "--rows") rows = number(i);
    else if (a == "--quick") quick = true;
    else if (a == "--only") o.only = need(i);
    else if (a == "--runs") o.runs = static_cast<int>(number(i));
    else if (a == "--clients") {
      o.clients.clear();
      std::stringstream ss(need(i));
      std::string item;
      while (std::getline(ss, item, ',')) o.clients.push_back(static_cast<int>(parse_number(item)));
      if (o.clients.empty()) fail("--clients needs at least one count");
    } else if (a == "--rounds") o.rounds = static_cast<int>(number(i));
    else if (a == "--commits") commits = number(i);
    else if (a == "--batch-rows") o.batch_rows = number(i);
    else if (a == "--batches") batches = number(i);
    else if (a == "--growth") growth = number(i);
    else if (a == "--tables") o.catalog_tables = static_cast<int>(number(i));
    else if (a == "--no-postgres") o.postgres = false;
    else if (a == "--tmp") o.tmp_parent = need(i);
    else if (a == "--keep-tmp") o.keep_tmp = true;
    else if (a == "--help" || a == "-h") {
      usage();
      std::exit(0);
    } else {
      usage();
      fail("unknown option " + a);
    }
  }
  if (quick) {
    o.rows = 1'000'000;
    o.commits = 48;
    o.batches = 16;
    o.growth = 200;
    o.catalog_commits = 30;
  }
  // Explicit values win over --quick, whatever their order.
  if (rows) o.rows = rows;
  if (commits) o.commits = static_cast<int>(commits);
  if (batches) o.batches = static_cast<int>(batches);
  if (growth) o.growth = static_cast<int>(growth);
  if (o.mallard_bin.empty()) {
    std::error_code ec;
    fs::path self = fs::read_symlink("/proc/self/exe", ec);
    if (ec) fail("cannot locate this binary; pass --mallard");
    o.mallard_bin = (self.parent_path().parent_path() / "mallard").string();
  }
  if (!fs::exists(o.mallard_bin)) fail("mallard binary not found at " + o.mallard_bin + " (pass --mallard)");
  if (o.tmp_parent.empty()) {
    const char *t = std::getenv("TMPDIR");
    o.tmp_parent = t && *t ? t : "/tmp";
  }
  return o;
}

// ---------------------------------------------------------------------------------------------
// Results


void add_failure(const std::string &workload, const std::string &what) {
  add_row({workload, "FAILED", "", "", "", "-"});
  note(workload + " failed: " + what);
}

std::string ms_str(double ms) {
  if (std::isnan(ms)) return "n/a";
  return fixed(ms, ms < 10 ? 2 : 1) + " ms";
}

// Every row of a result as text (NULL as "NULL"), for comparing results across sides.
using TextTable = std::vector<std::vector<std::string>>;

TextTable pq_rows(PGconn *c, const std::string &sql) {
  PGresult *r = PQexec(c, sql.c_str());
  if (PQresultStatus(r) != PGRES_TUPLES_OK) {
    std::string msg = PQresultErrorMessage(r);
    PQclear(r);
    fail("\"" + sql.substr(0, 100) + "\" failed: " + msg);
  }
  TextTable out(static_cast<size_t>(PQntuples(r)));
  for (int i = 0; i < PQntuples(r); ++i)
    for (int j = 0; j < PQnfields(r); ++j) out[i].push_back(PQgetisnull(r, i, j) ? "NULL" : PQgetvalue(r, i, j));
  PQclear(r);
  return out;
}

TextTable duck_rows(mallard::duck::Connection &c, const std::string &sql) {
  TextTable out;
  for (auto &row : c.query_text(sql)) {
    out.emplace_back();
    for (auto &v : row) out.back().push_back(v ? *v : "NULL");
  }
  return out;
}

std::string show(const TextTable &t) {
  std::string s;
  for (auto &row : t) {
    s += s.empty() ? "(" : ", (";
    for (size_t i = 0; i < row.size(); ++i) s += (i ? ", " : "") + row[i];
    s += ")";
  }
  return s;
}

// Runs one statement through libpq and returns its command tag's row count (PQcmdTuples).
int64_t pq_command(PGconn *c, const std::string &sql) {
  PGresult *r = PQexec(c, sql.c_str());
  auto st = PQresultStatus(r);
  if (st != PGRES_COMMAND_OK && st != PGRES_TUPLES_OK) {
    std::string msg = PQresultErrorMessage(r);
    PQclear(r);
    fail("\"" + sql.substr(0, 100) + "\" failed: " + msg);
  }
  std::string n = PQcmdTuples(r);
  PQclear(r);
  return n.empty() ? 0 : std::stoll(n);
}

void replace_all(std::string &s, const std::string &from, const std::string &to) {
  for (size_t p = s.find(from); p != std::string::npos; p = s.find(from, p + to.size())) s.replace(p, from.size(), to);
}

// CPU seconds a process's threads have run so far, summed from each thread's schedstat (in ns,
// unlike /proc/<pid>/stat's 10 ms ticks); NaN when unreadable. On a shared, loaded machine CPU
// time moves far less than wall time, so it is reported beside it.
double cpu_seconds(pid_t pid) {
  std::error_code ec;
  double sum = 0;
  bool any = false;
  for (auto &e : fs::directory_iterator("/proc/" + std::to_string(pid) + "/task", ec)) {
    std::ifstream in(e.path() / "schedstat");
    unsigned long long ns = 0;
    if (in >> ns) {
      sum += static_cast<double>(ns);
      any = true;
    }
  }
  return any ? sum / 1e9 : std::nan("");
}

// ---------------------------------------------------------------------------------------------
// Environment

struct Env {
  Options opt;
  fs::path tmp;
  std::unique_ptr<MallardServer> mallard;
  std::unique_ptr<PostgresServer> pg;
};

// Where Mallard keeps the files of lake table main.<table> of the default warehouse.
// ---------------------------------------------------------------------------------------------
// (a) scans

constexpr const char *kScanTable = "lt";

std::string scan_create_sql(int64_t n) {
  return std::string("CREATE TABLE ") + kScanTable +
         " AS SELECT i AS x, CAST(i AS DOUBLE) / 7 AS y, CAST(i % 10 AS INTEGER) AS g, "
         "'v-' || CAST(i % 1000 AS VARCHAR) AS s FROM range(" + std::to_string(n) + ") r(i)";
}

// Exact aggregates (integers only, as text) that every side must agree on.
constexpr const char *kCheckSql =
    "SELECT CAST(count(*) AS VARCHAR), CAST(sum(x) AS VARCHAR), CAST(sum(g) AS VARCHAR), "
    "CAST(count(DISTINCT s) AS VARCHAR) FROM {T}";

struct ScanQuery {
  std::string label;
  std::string sql;  // {T} is the table expression
};

std::vector<ScanQuery> scan_queries(int64_t n) {
  std::string lo = std::to_string(n * 2 / 5), hi = std::to_string(n * 3 / 5);
  return {
      {"full-scan aggregate", "SELECT count(*), sum(x), avg(y) FROM {T}"},
      {"filtered: x in 20% range, GROUP BY g",
       "SELECT g, count(*), sum(y) FROM {T} WHERE x >= " + lo + " AND x < " + hi + " GROUP BY g ORDER BY g"},
      {"filtered: s LIKE '%7', GROUP BY g", "SELECT g, count(*), avg(y), max(s) FROM {T} WHERE s LIKE '%7' GROUP BY g ORDER BY g"},
  };
}

// A copy of Mallard's view of the table in the bench's DuckDB: the view's own SQL and the hidden
// tables it reads, taken from the server, so the in-process engine runs exactly what Mallard runs.
// Returns an empty string on success, else why it could not be built.
std::string build_view_copy(Pq &pq, mallard::duck::Connection &conn, std::string *table_id = nullptr) {
  try {
    auto view = pq_rows(pq.get(), std::string("SELECT sql FROM duckdb_views() WHERE schema_name = 'main' AND view_name = '") +
                                      kScanTable + "'");
    if (view.size() != 1) return "duckdb_views() through Mallard answered " + std::to_string(view.size()) + " rows";
    auto tables = pq_rows(pq.get(), "SELECT table_name, sql FROM duckdb_tables() WHERE schema_name = '__mallard'");
    conn.query("DROP SCHEMA IF EXISTS __mallard CASCADE");
    conn.query("DROP VIEW IF EXISTS main." + std::string(kScanTable));
    conn.query("CREATE SCHEMA __mallard");
    for (auto &t : tables) {
      conn.query(t[1]);
      // Committed deletes: copied row by row from the server (the other hidden tables are empty
      // outside a transaction).
      if (t[0].rfind("c_", 0) != 0) continue;
      auto rows = pq_rows(pq.get(), "SELECT fidx, pos FROM __mallard.\"" + t[0] + "\"");
      mallard::duck::Appender app(conn, "__mallard", t[0]);
      for (auto &r : rows) {
        app.append_text(r[0]);
        app.append_text(r[1]);
        app.end_row();
      }
      app.close();
    }
    // The committed rows come through the table's rows macro (src/lake/views.hpp).
    auto macros = pq_rows(pq.get(),
                          "SELECT function_name, macro_definition FROM duckdb_functions() WHERE schema_name = 'main' "
                          "AND starts_with(function_name, '__mallard_rows_')");
    for (auto &m : macros) conn.query("CREATE OR REPLACE MACRO main.\"" + m[0] + "\"() AS TABLE " + m[1]);
    conn.query(view[0][0]);
    if (table_id) {
      // The view reads __mallard.i_<table id>: the id names the other hidden tables too.
      const std::string &v = view[0][0];
      size_t p = v.find("__mallard.");
      while (p != std::string::npos) {
        size_t q = p + 10;
        if (q < v.size() && v[q] == '"') ++q;
        if (v.compare(q, 2, "i_") == 0) {
          size_t e = q + 2;
          while (e < v.size() && std::isdigit(static_cast<unsigned char>(v[e]))) ++e;
          *table_id = v.substr(q + 2, e - q - 2);
          break;
        }
        p = v.find("__mallard.", p + 1);
      }
    }
    return "";
  } catch (const std::exception &e) {
    return e.what();
  }
}

// The join types and the Parquet scan's row estimate in DuckDB's plan of `sql`, e.g. "join ANTI;
// read_parquet estimated 0 rows": how the engine orders the view's ANTI JOIN explains its cost.
std::string plan_note(mallard::duck::Connection &conn, const std::string &sql) {
  std::string plan;
  for (auto &row : conn.query_text("EXPLAIN (FORMAT json) " + sql))
    if (row.size() > 1 && row[1]) plan += *row[1];
  // The value of the JSON string member `key` found after position `from`.
  auto member = [&](const std::string &key, size_t from, size_t &at) -> std::string {
    at = plan.find("\"" + key + "\"", from);
    if (at == std::string::npos) return "";
    size_t q1 = plan.find('"', plan.find(':', at) + 1);
    size_t q2 = q1 == std::string::npos ? q1 : plan.find('"', q1 + 1);
    return q2 == std::string::npos ? "" : plan.substr(q1 + 1, q2 - q1 - 1);
  };
  std::string joins, estimate;
  size_t at = 0;
  for (std::string j = member("Join Type", 0, at); !j.empty(); j = member("Join Type", at + 1, at))
    joins += (joins.empty() ? "" : ", ") + j;
  if (size_t p = plan.find("READ_PARQUET"); p != std::string::npos) estimate = member("Estimated Cardinality", p, at);
  return "join " + (joins.empty() ? std::string("none") : joins) + "; read_parquet estimated " +
         (estimate.empty() ? std::string("?") : estimate) + " rows";
}

void run_scan_queries(Env &env, Pq &pq, mallard::duck::Connection &conn, const std::string &direct_table,
                      bool have_view, const std::string &phase, int64_t expect_rows) {
  auto sub = [](std::string sql, const std::string &t) {
    replace_all(sql, "{T}", t);
    return sql;
  };
  // Every side must see the same rows.
  {
    TextTable m = pq_rows(pq.get(), sub(kCheckSql, kScanTable));
    TextTable d = duck_rows(conn, sub(kCheckSql, direct_table));
    if (m != d) fail("direct read_parquet disagrees with Mallard: " + show(d) + " against " + show(m));
    if (have_view) {
      TextTable v = duck_rows(conn, sub(kCheckSql, std::string("main.") + kScanTable));
      if (m != v) fail("the in-process copy of the view disagrees with Mallard: " + show(v) + " against " + show(m));
    }
    if (m.empty() || m[0][0] != std::to_string(expect_rows))
      fail("the table holds " + (m.empty() ? std::string("?") : m[0][0]) + " rows, expected " + std::to_string(expect_rows));
    std::printf("    rows visible: %s (checked on every side: count, sum(x), sum(g), count(DISTINCT s) = %s)\n",
                m[0][0].c_str(), show(m).c_str());
  }
  if (have_view) {
    try {
      std::printf("    plan of the view (in-process EXPLAIN of the full-scan aggregate): %s\n",
                  plan_note(conn, sub(scan_queries(env.opt.rows)[0].sql, std::string("main.") + kScanTable)).c_str());
      std::printf("    plan of the direct side: %s\n", plan_note(conn, sub(scan_queries(env.opt.rows)[0].sql, direct_table)).c_str());
    } catch (const std::exception &e) {
      note(std::string("EXPLAIN failed: ") + e.what());
    }
  }
  for (auto &q : scan_queries(env.opt.rows)) {
    std::string label = "(a) " + q.label + (phase.empty() ? "" : ", " + phase);
    try {
      std::string ms = sub(q.sql, kScanTable), ds = sub(q.sql, direct_table), vs = sub(q.sql, std::string("main.") + kScanTable);
      auto in_process = [&](const std::string &sql) {
        mallard::duck::Result r = conn.query(sql);
        return drain(r);
      };
      // Warm-up, and the row counts must match.
      uint64_t want = in_process(ds);
      if (have_view && in_process(vs) != want) fail("view copy returned a different number of rows");
      if (static_cast<uint64_t>(pq.exec(ms)) != want) fail("Mallard returned a different number of rows");
      // Wall ms and CPU ms per side: Mallard's is the server process's (all threads), the
      // in-process sides' is this process's, which does nothing else meanwhile.
      std::vector<double> m, d, v, mc, dc, vc;
      const pid_t self = getpid(), server = env.mallard->pid();
      // Interleaved, and the order rotates, so that drift in machine load hits all sides alike.
      for (int i = 0; i < env.opt.runs; ++i) {
        for (int k = 0; k < 3; ++k) {
          int side = (i + k) % 3;
          if (side == 2 && !have_view) continue;
          double c0 = cpu_seconds(side == 0 ? server : self);
          auto t0 = Clock::now();
          if (side == 0) pq.exec(ms);
          else in_process(side == 1 ? ds : vs);
          double wall = seconds_since(t0) * 1e3;
          double cpu = (cpu_seconds(side == 0 ? server : self) - c0) * 1e3;
          (side == 0 ? m : side == 1 ? d : v).push_back(wall);
          (side == 0 ? mc : side == 1 ? dc : vc).push_back(cpu);
        }
      }
      double mm = median(m), dm = median(d), vm = median(v);
      double mcm = median(mc), dcm = median(dc), vcm = median(vc);
      std::string per_run, per_run_cpu;
      for (size_t i = 0; i < m.size(); ++i) {
        per_run += (i ? " " : "") + fixed(m[i] / d[i], 2);
        per_run_cpu += (i ? " " : "") + fixed(mc[i] / dc[i], 2);
      }
      std::fprintf(stderr,
                   "    %s: Mallard %s (CPU %s), direct %s (CPU %s), view in-process %s (CPU %s); per-run "
                   "Mallard/direct wall: %s, CPU: %s\n",
                   label.c_str(), ms_str(mm).c_str(), ms_str(mcm).c_str(), ms_str(dm).c_str(), ms_str(dcm).c_str(),
                   ms_str(vm).c_str(), ms_str(vcm).c_str(), per_run.c_str(), per_run_cpu.c_str());
      double ratio = mm / dm;
      add_row({label, ms_str(mm) + " (CPU " + ms_str(mcm) + ")",
               "direct " + ms_str(dm) + " (CPU " + ms_str(dcm) + ")" +
                   (have_view ? "; view in-process " + ms_str(vm) + " (CPU " + ms_str(vcm) + ")" : ""),
               ratio_str(ratio, 3), "<= 1.10x", ratio <= 1.10 ? "yes" : "no"});
      add_row({"    CPU ratio Mallard/direct" + std::string(have_view ? "; view/direct, Mallard/view" : ""), "", "",
               ratio_str(mcm / dcm, 3) + (have_view ? "; " + ratio_str(vcm / dcm, 3) + ", " + ratio_str(mcm / vcm, 3) : ""),
               "", "-"});
      if (have_view)
        add_row({"    wall ratio view/direct, Mallard/view", "", "", ratio_str(vm / dm, 3) + ", " + ratio_str(mm / vm, 3),
                 "", "-"});
    } catch (const std::exception &e) {
      add_failure(label, e.what());
    }
  }
}

// Which part of the view costs what: the full-scan aggregate in-process over the view's pieces,
// added one at a time. The shared view joins with the committed deletes only; a transaction that
// staged deletes reads the table through its own macro, which joins with those too.
void view_anatomy(Env &env, mallard::duck::Connection &conn, const std::vector<std::string> &files,
                  const std::vector<std::string> &delete_files, const std::string &id, const std::string &phase) {
  const std::string list = list_literal(files);
  const std::string schema =
      "schema => MAP {1: {name: 'x', type: 'BIGINT', default_value: NULL::VARCHAR}, 2: {name: 'y', type: 'DOUBLE', "
      "default_value: NULL::VARCHAR}, 3: {name: 'g', type: 'INTEGER', default_value: NULL::VARCHAR}, 4: {name: 's', type: "
      "'VARCHAR', default_value: NULL::VARCHAR}}";
  const std::string del = "__mallard.\"d_" + id + "\"", ins = "__mallard.\"i_" + id + "\"",
                    com = "__mallard.\"c_" + id + "\"";
  const std::string inserts = " UNION ALL SELECT x, y, g, s FROM " + ins;
  auto joined = [&](const std::string &deletes) {
    return "SELECT f.x, f.y, f.g, f.s FROM read_parquet(" + list + ", file_row_number => true) AS f ANTI JOIN (" +
           deletes + ") AS d ON CAST(f.file_index AS BIGINT) = d.fidx AND CAST(f.file_row_number AS BIGINT) = d.pos" +
           inserts;
  };
  const std::string staged = "SELECT fidx, pos FROM " + del, committed = "SELECT fidx, pos FROM " + com;
  struct Variant {
    std::string label, from;
  };
  std::vector<Variant> variants;
  if (delete_files.empty()) {
    variants = {{"read_parquet(files)", "read_parquet(" + list + ")"},
                {"read_parquet with schema => MAP (field ids)", "read_parquet(" + list + ", " + schema + ")"},
                {"+ UNION ALL empty inserts (= the view)", "(SELECT x, y, g, s FROM read_parquet(" + list + ")" + inserts + ")"},
                {"+ ANTI JOIN empty staged deletes", "(" + joined(staged) + ")"}};
  } else {
    variants = {{"direct: ANTI JOIN delete files on filename", "(SELECT f.x, f.y FROM read_parquet(" + list +
                                                                  ", filename = true, file_row_number = true) AS f ANTI JOIN read_parquet(" +
                                                                  list_literal(delete_files) +
                                                                  ") AS d ON f.filename = d.file_path AND f.file_row_number = d.pos)"},
                {"the view", "(" + joined(committed) + ")"},
                {"the view with staged deletes", "(" + joined(staged + " UNION ALL " + committed) + ")"}};
  }
  std::printf("\n    view anatomy%s: SELECT count(*), sum(x), avg(y) in-process, median of %d runs\n",
              phase.empty() ? "" : (", " + phase).c_str(), env.opt.runs);
  const pid_t self = getpid();
  // Every variant must see the same rows; then runs are interleaved across the variants.
  std::vector<std::string> sqls, errors(variants.size());
  std::string expect;
  for (size_t k = 0; k < variants.size(); ++k) {
    sqls.push_back("SELECT count(*), sum(x), avg(y) FROM " + variants[k].from + " AS t");
    try {
      std::string check =
          show(duck_rows(conn, "SELECT CAST(count(*) AS VARCHAR), CAST(sum(x) AS VARCHAR) FROM " + variants[k].from + " AS t"));
      if (expect.empty()) expect = check;
      if (check != expect) fail("rows differ: " + check + " against " + expect);
    } catch (const std::exception &e) {
      errors[k] = e.what();
    }
  }
  std::vector<std::vector<double>> wall(variants.size()), cpu(variants.size());
  for (int i = 0; i < env.opt.runs; ++i) {
    for (size_t k = 0; k < variants.size(); ++k) {
      if (!errors[k].empty()) continue;
      double c0 = cpu_seconds(self);
      auto t0 = Clock::now();
      auto r = conn.query(sqls[k]);
      drain(r);
      wall[k].push_back(seconds_since(t0) * 1e3);
      cpu[k].push_back((cpu_seconds(self) - c0) * 1e3);
    }
  }
  double base_cpu = median(cpu[0]);
  for (size_t k = 0; k < variants.size(); ++k) {
    if (!errors[k].empty()) {
      std::printf("      %-46s FAILED: %s\n", variants[k].label.c_str(), errors[k].c_str());
      continue;
    }
    double c = median(cpu[k]);
    std::printf("      %-46s wall %9s  CPU %9s  CPU %6s of first  (%s)\n", variants[k].label.c_str(),
                ms_str(median(wall[k])).c_str(), ms_str(c).c_str(), ratio_str(c / base_cpu, 2).c_str(),
                plan_note(conn, sqls[k]).c_str());
  }
  std::fflush(stdout);
}

void workload_a(Env &env) {
  const int64_t n = env.opt.rows;
  std::printf("\n(a) lake table %s, %lld rows (x BIGINT, y DOUBLE, g INTEGER with 10 values, s VARCHAR with 1000 values)\n"
              "    median of %d runs per side, ms. Mallard = PQexec through the server; direct = in-process DuckDB,\n"
              "    read_parquet over the table's files; view in-process = Mallard's own view SQL in the bench's DuckDB\n",
              kScanTable, static_cast<long long>(n), env.opt.runs);
  Pq pq(env.mallard->conninfo());
  note("creating the " + std::to_string(n) + "-row lake table through Mallard");
  auto t0 = Clock::now();
  pq.exec(scan_create_sql(n));
  double create_s = seconds_since(t0);
  auto files = table_files(*env.mallard, kScanTable, false);
  uintmax_t bytes = 0;
  for (auto &f : files) bytes += fs::file_size(f);
  note("  done in " + fixed(create_s, 1) + " s: " + std::to_string(files.size()) + " data file(s), " +
       fixed(static_cast<double>(bytes) / (1 << 20), 1) + " MiB");
  add_row({"(a) CREATE TABLE AS SELECT, " + std::to_string(n) + " rows", fixed(create_s, 2) + " s", "", "", "", "-"});

  mallard::duck::Database db("");
  mallard::duck::Connection conn(db);
  std::string direct = "read_parquet(" + list_literal(files) + ")";
  std::string id;
  std::string why = build_view_copy(pq, conn, &id);
  if (!why.empty()) note("view copy not available, that column is skipped: " + why);
  try {
    run_scan_queries(env, pq, conn, direct, why.empty(), "", n);
  } catch (const std::exception &e) {
    add_failure("(a) scans", e.what());
  }
  if (why.empty() && !id.empty()) view_anatomy(env, conn, files, {}, id, "");

  // Delete 1% through Mallard; the direct side then applies the delete files itself.
  int64_t expect_deleted = (n + 99) / 100;
  note("deleting 1% of the rows through Mallard");
  t0 = Clock::now();
  int64_t deleted = pq_command(pq.get(), std::string("DELETE FROM ") + kScanTable + " WHERE x % 100 = 0");
  double delete_s = seconds_since(t0);
  if (deleted != expect_deleted)
    fail("DELETE reported " + std::to_string(deleted) + " rows, expected " + std::to_string(expect_deleted));
  auto delete_files = table_files(*env.mallard, kScanTable, true);
  if (delete_files.empty()) fail("no delete file found in " + table_dir(*env.mallard, kScanTable).string());
  note("  done in " + fixed(delete_s, 2) + " s: " + std::to_string(delete_files.size()) + " delete file(s)");
  add_row({"(a) DELETE 1% (" + std::to_string(deleted) + " rows), autocommit", ms_str(delete_s * 1e3), "", "", "", "-"});
  std::string direct_del = "(SELECT f.x, f.y, f.g, f.s FROM read_parquet(" + list_literal(table_files(*env.mallard, kScanTable, false)) +
                           ", filename = true, file_row_number = true) AS f ANTI JOIN read_parquet(" +
                           list_literal(delete_files) +
                           ") AS d ON f.filename = d.file_path AND f.file_row_number = d.pos) AS " + kScanTable;
  why = build_view_copy(pq, conn, &id);
  if (!why.empty()) note("view copy not available, that column is skipped: " + why);
  try {
    run_scan_queries(env, pq, conn, direct_del, why.empty(), "1% deleted", n - expect_deleted);
  } catch (const std::exception &e) {
    add_failure("(a) scans, 1% deleted", e.what());
  }
  if (why.empty() && !id.empty()) view_anatomy(env, conn, table_files(*env.mallard, kScanTable, false), delete_files, id, "1% deleted");
}

// ---------------------------------------------------------------------------------------------
// (b) commits

struct Server {
  std::string name;
  std::string conninfo;
  bool postgres = false;
  pid_t mallard_pid = 0;
};

struct RoundResult {
  std::vector<double> latency_ms;  // one per statement
  double seconds = 0;              // wall time, all clients
  double server_cpu = std::nan("");
  int64_t statements = 0;
  int64_t retries = 0;  // statements run again after 40001, as a client retries them
};

double cpu_of(const std::vector<pid_t> &pids) {
  double sum = 0;
  for (pid_t p : pids) sum += cpu_seconds(p);
  return sum;
}

// `clients` connections run `total` statements between them, each made by make_sql(global index);
// every statement is an autocommit transaction.
RoundResult run_round(const Server &srv, int clients, int total, const std::function<std::string(int64_t)> &make_sql) {
  std::vector<std::unique_ptr<Pq>> conns;
  std::vector<pid_t> pids;
  for (int c = 0; c < clients; ++c) {
    conns.push_back(std::make_unique<Pq>(srv.conninfo));
    if (srv.postgres) pids.push_back(PQbackendPID(conns.back()->get()));
  }
  if (!srv.postgres) pids.push_back(srv.mallard_pid);
  std::vector<std::vector<double>> lat(static_cast<size_t>(clients));
  std::vector<std::string> errors(static_cast<size_t>(clients));
  std::vector<int64_t> retries(static_cast<size_t>(clients));
  std::latch start(clients + 1);
  std::vector<std::thread> threads;
  for (int c = 0; c < clients; ++c) {
    threads.emplace_back([&, c] {
      int from = total * c / clients, to = total * (c + 1) / clients;
      lat[c].reserve(static_cast<size_t>(to - from));
      start.arrive_and_wait();
      try {
        for (int k = from; k < to; ++k) {
          std::string sql = make_sql(k);
          auto t0 = Clock::now();
          // A serialization failure is retried, as clients do; the latency includes the retries.
          for (;;) {
            PGresult *r = PQexec(conns[c]->get(), sql.c_str());
            auto st = PQresultStatus(r);
            const char *code = PQresultErrorField(r, PG_DIAG_SQLSTATE);
            bool retry = st == PGRES_FATAL_ERROR && code && std::string(code) == "40001";
            std::string msg = PQresultErrorMessage(r);
            PQclear(r);
            if (retry) {
              ++retries[c];
              continue;
            }
            if (st != PGRES_COMMAND_OK && st != PGRES_TUPLES_OK) fail("\"" + sql.substr(0, 100) + "\" failed: " + msg);
            break;
          }
          lat[c].push_back(seconds_since(t0) * 1e3);
        }
      } catch (const std::exception &e) {
        errors[c] = e.what();
      }
    });
  }
  double cpu0 = cpu_of(pids);
  start.arrive_and_wait();
  auto t0 = Clock::now();
  for (auto &t : threads) t.join();
  RoundResult r;
  r.seconds = seconds_since(t0);
  r.server_cpu = cpu_of(pids) - cpu0;
  for (auto &e : errors)
    if (!e.empty()) fail(srv.name + ": " + e);
  for (auto &l : lat) r.latency_ms.insert(r.latency_ms.end(), l.begin(), l.end());
  r.statements = static_cast<int64_t>(r.latency_ms.size());
  for (int64_t n : retries) r.retries += n;
  return r;
}

struct ConfigResult {
  std::vector<double> latency_ms;  // all statements of all rounds
  std::vector<double> rate;        // statements/s per round
  std::vector<double> cpu_ms;      // server CPU ms per statement, per round
  int64_t retries = 0;             // 40001 retries, all rounds
  bool ok = false;
};

std::string rate_str(double r) {
  if (std::isnan(r)) return "n/a";
  return fixed(r, r < 100 ? 1 : 0) + "/s";
}

std::string describe(const ConfigResult &c, const char *unit) {
  return "median " + ms_str(median(c.latency_ms)) + ", p95 " + ms_str(percentile(c.latency_ms, 95)) + ", " +
         rate_str(median(c.rate)) + " " + unit;
}

// Runs one INSERT configuration on every server, rounds alternating between servers; each round
// gets a fresh table, dropped afterwards.
void insert_config(Env &env, const std::string &label, int clients, int total, int64_t rows_per_statement,
                   const std::function<std::string(const Server &, const std::string &, int64_t)> &make_sql,
                   const std::vector<Server> &servers, const std::string &target_note = "", bool keyed = false) {
  std::vector<ConfigResult> res(servers.size());
  std::vector<std::string> errors(servers.size());
  static int table_seq = 0;
  for (int round = 0; round < env.opt.rounds; ++round) {
    for (size_t k = 0; k < servers.size(); ++k) {
      size_t s = (k + static_cast<size_t>(round)) % servers.size();
      const Server &srv = servers[s];
      if (!errors[s].empty()) continue;
      try {
        std::string table = "ins_" + std::to_string(++table_seq);
        Pq admin(srv.conninfo);
        std::string key = keyed ? " PRIMARY KEY" : "";
        admin.exec("CREATE TABLE " + table + (srv.postgres ? " (id bigint" + key + ", v float8, s text)"
                                                           : " (id BIGINT" + key + ", v DOUBLE, s VARCHAR)"));
        RoundResult r = run_round(srv, clients, total, [&](int64_t i) { return make_sql(srv, table, i); });
        std::string count = admin.scalar("SELECT count(*) FROM " + table);
        if (count != std::to_string(static_cast<int64_t>(total) * rows_per_statement))
          fail(srv.name + ": table holds " + count + " rows after the round");
        admin.exec("DROP TABLE " + table);
        auto &c = res[s];
        c.latency_ms.insert(c.latency_ms.end(), r.latency_ms.begin(), r.latency_ms.end());
        c.rate.push_back(static_cast<double>(r.statements) / r.seconds);
        c.cpu_ms.push_back(r.server_cpu * 1e3 / static_cast<double>(r.statements));
        c.retries += r.retries;
        c.ok = true;
      } catch (const std::exception &e) {
        errors[s] = e.what();
        note(label + ": " + srv.name + " failed: " + e.what());
      }
    }
  }
  const char *unit = rows_per_statement == 1 ? "commits" : "statements";
  for (size_t s = 0; s < servers.size(); ++s) {
    auto &c = res[s];
    std::string per_round;
    for (double r : c.rate) per_round += (per_round.empty() ? "" : " ") + fixed(r, 0);
    std::fprintf(stderr, "    %s, %s: %s; server CPU %s ms per statement; per-round rates: %s; 40001 retries: %lld%s\n",
                 label.c_str(), servers[s].name.c_str(), c.ok ? describe(c, unit).c_str() : "n/a",
                 fixed(median(c.cpu_ms), 2).c_str(), per_round.c_str(), static_cast<long long>(c.retries),
                 errors[s].empty() ? "" : (" (FAILED: " + errors[s] + ")").c_str());
  }
  if (!res[0].ok) {
    add_row({label, "FAILED", "", "", "", "-"});
    return;
  }
  std::string m = describe(res[0], unit) + "; CPU " + fixed(median(res[0].cpu_ms), 2) + " ms";
  if (rows_per_statement > 1)
    m += "; " + with_unit_rate(median(res[0].rate) * static_cast<double>(rows_per_statement));
  std::string ref, ratio;
  if (servers.size() > 1 && res[1].ok) {
    ref = "PG " + describe(res[1], unit) + "; CPU " + fixed(median(res[1].cpu_ms), 2) + " ms";
    ratio = ratio_str(median(res[0].rate) / median(res[1].rate), 3);
  }
  add_row({label, m, ref, ratio, target_note, "-"});
}

void workload_b_inserts(Env &env) {
  std::vector<Server> servers = {{"Mallard", env.mallard->conninfo(), false, env.mallard->pid()}};
  if (env.pg) servers.push_back({"PostgreSQL", env.pg->conninfo(), true, 0});
  std::printf("\n(b) autocommit INSERTs: %d rounds per configuration, each into a fresh table (id BIGINT, v DOUBLE,\n"
              "    s VARCHAR); latency median / p95 over all statements of all rounds, rate = median of the rounds'\n"
              "    statements per second; CPU = server CPU per statement (Mallard: the whole process;\n"
              "    PostgreSQL: the client backends only). Ratio = Mallard rate / PostgreSQL rate.\n",
              env.opt.rounds);

  // Warm-up: the first statements of a connection and of a table are not what is measured.
  for (auto &srv : servers) {
    Pq c(srv.conninfo);
    c.exec(std::string("CREATE TABLE warm_up ") + (srv.postgres ? "(id bigint, v float8, s text)" : "(id BIGINT, v DOUBLE, s VARCHAR)"));
    for (int i = 0; i < 10; ++i) c.exec("INSERT INTO warm_up VALUES (" + std::to_string(i) + ", 0.5, 'w')");
    c.exec("DROP TABLE warm_up");
  }

  auto single = [](const Server &, const std::string &table, int64_t i) {
    std::string k = std::to_string(i);
    return "INSERT INTO " + table + " VALUES (" + k + ", " + k + ".5, 'row-" + k + "')";
  };
  for (int clients : env.opt.clients) {
    int total = std::max(env.opt.commits, clients);
    insert_config(env, "(b) single-row INSERT, " + std::to_string(clients) + " client" + (clients > 1 ? "s" : "") +
                           " (" + std::to_string(total) + " commits/round)",
                  clients, total, 1, single, servers);
  }
  // The same into a table with a primary key: concurrent commits of different keys must not
  // conflict (a retry after 40001 counts in the latency, and the retries are printed).
  for (int clients : env.opt.clients) {
    if (clients < 2) continue;
    int total = std::max(env.opt.commits, clients);
    insert_config(env, "(b) single-row INSERT into a keyed table, " + std::to_string(clients) + " clients (" +
                           std::to_string(total) + " commits/round)",
                  clients, total, 1, single, servers, "", true);
  }
  const int64_t b = env.opt.batch_rows;
  auto batched = [b](const Server &srv, const std::string &table, int64_t i) {
    std::string lo = std::to_string(i * b), hi = std::to_string(i * b + b - 1);
    if (srv.postgres)
      return "INSERT INTO " + table + " SELECT i, i * 0.5, 'row-' || i FROM generate_series(" + lo + ", " + hi + ") AS i";
    return "INSERT INTO " + table + " SELECT i, i * 0.5, 'row-' || CAST(i AS VARCHAR) FROM range(" + lo + ", " + hi +
           " + 1) AS r(i)";
  };
  for (int clients : env.opt.clients) {
    int total = std::max(env.opt.batches, clients);
    insert_config(env, "(b) INSERT ... SELECT " + std::to_string(b) + " rows, " + std::to_string(clients) + " client" +
                           (clients > 1 ? "s" : "") + " (" + std::to_string(total) + "/round)",
                  clients, total, b, batched, servers);
  }
}

// Sequential single-row commits into one table: each adds a data file, so this shows what the
// commit and the refresh after it cost as a table's file count grows, and what the files then
// cost a scan.
void workload_b_growth(Env &env) {
  const int n = env.opt.growth;
  std::printf("\n(b) growth: %d sequential single-row autocommit INSERTs into one Mallard table\n", n);
  const std::string table = "growth";
  try {
    Pq pq(env.mallard->conninfo());
    pq.exec("CREATE TABLE " + table + " (id BIGINT, v DOUBLE, s VARCHAR)");
    std::vector<double> lat;
    lat.reserve(static_cast<size_t>(n));
    const int tenth = std::max(1, n / 10);
    std::vector<double> cpu_marks = {cpu_seconds(env.mallard->pid())};  // at every tenth
    auto start = Clock::now();
    for (int i = 0; i < n; ++i) {
      std::string k = std::to_string(i);
      auto t0 = Clock::now();
      pq_command(pq.get(), "INSERT INTO " + table + " VALUES (" + k + ", " + k + ".5, 'row-" + k + "')");
      lat.push_back(seconds_since(t0) * 1e3);
      if ((i + 1) % tenth == 0) cpu_marks.push_back(cpu_seconds(env.mallard->pid()));
    }
    double wall = seconds_since(start);
    // Single-row inserts are inlined in the metadata store: the table may have no directory at all.
    auto files = fs::is_directory(table_dir(*env.mallard, table)) ? table_files(*env.mallard, table, false) : std::vector<std::string>{};
    std::vector<double> lat_tenth, cpu_tenth;  // median latency, server CPU ms per commit
    for (size_t d = 0; d + 1 < cpu_marks.size(); ++d) {
      lat_tenth.push_back(median(std::vector<double>(lat.begin() + static_cast<long>(d) * tenth,
                                                     lat.begin() + static_cast<long>(d + 1) * tenth)));
      cpu_tenth.push_back((cpu_marks[d + 1] - cpu_marks[d]) * 1e3 / tenth);
    }
    std::string lat_list, cpu_list;
    for (size_t d = 0; d < lat_tenth.size(); ++d) {
      lat_list += (d ? " " : "") + fixed(lat_tenth[d], 1);
      cpu_list += (d ? " " : "") + fixed(cpu_tenth[d], 1);
    }
    double cpu_total = (cpu_marks.back() - cpu_marks.front()) * 1e3 / (tenth * static_cast<double>(lat_tenth.size()));
    std::fprintf(stderr, "    growth: %d commits in %.1f s (%.1f/s), server CPU %.2f ms/commit, %zu data files\n"
                         "      per tenth of the commits: median latency, ms: %s\n"
                         "                                server CPU per commit, ms: %s\n",
                 n, wall, n / wall, cpu_total, files.size(), lat_list.c_str(), cpu_list.c_str());
    std::printf("    growth, per tenth of %d commits: median latency ms [%s]; server CPU ms/commit [%s]\n", n,
                lat_list.c_str(), cpu_list.c_str());
    std::vector<double> first(lat.begin(), lat.begin() + tenth), last(lat.end() - tenth, lat.end());
    add_row({"(b) growth: commits 1-" + std::to_string(tenth) + " into one table",
             "median " + ms_str(median(first)) + ", p95 " + ms_str(percentile(first, 95)) + "; CPU " +
                 ms_str(cpu_tenth.front()),
             "", "", "", "-"});
    add_row({"(b) growth: commits " + std::to_string(n - tenth + 1) + "-" + std::to_string(n),
             "median " + ms_str(median(last)) + ", p95 " + ms_str(percentile(last, 95)) + "; CPU " +
                 ms_str(cpu_tenth.back()),
             "", "latency " + ratio_str(median(last) / median(first), 2) + ", CPU " +
                     ratio_str(cpu_tenth.back() / cpu_tenth.front(), 2) + " of first",
             "", "-"});

    // What the many small files cost a scan: through Mallard, and in-process over the same files.
    if (files.empty()) {
      // Every row inlined: there are no files to compare with, only Mallard's time.
      std::vector<double> m;
      for (int i = 0; i < env.opt.runs; ++i) {
        auto t0 = Clock::now();
        pq.exec("SELECT count(*), sum(id), sum(v) FROM " + table);
        m.push_back(seconds_since(t0) * 1e3);
      }
      add_row({"(b) growth: count/sum over the " + std::to_string(n) + " inlined rows", ms_str(median(m)), "", "", "",
               "-"});
      pq.exec("DROP TABLE " + table);
      return;
    }
    mallard::duck::Database db("");
    mallard::duck::Connection conn(db);
    std::string q = "SELECT count(*), sum(id), sum(v) FROM ";
    std::string direct = "read_parquet(" + list_literal(files) + ")";
    pq.exec(q + table);
    { auto r = conn.query(q + direct); drain(r); }
    std::vector<double> m, d;
    for (int i = 0; i < env.opt.runs; ++i) {
      auto t0 = Clock::now();
      pq.exec(q + table);
      m.push_back(seconds_since(t0) * 1e3);
      t0 = Clock::now();
      auto r = conn.query(q + direct);
      drain(r);
      d.push_back(seconds_since(t0) * 1e3);
    }
    add_row({"(b) growth: count/sum over the " + std::to_string(files.size()) + " one-row files", ms_str(median(m)),
             "direct " + ms_str(median(d)), ratio_str(median(m) / median(d), 2), "", "-"});
    pq.exec("DROP TABLE " + table);
  } catch (const std::exception &e) {
    add_failure("(b) growth", e.what());
  }
}

// ---------------------------------------------------------------------------------------------
// (c) moving to a new snapshot in a large catalog

// The warehouse, beside the default one, whose lake holds the large catalog.
constexpr const char *kBigWarehouse = "c_big";

// Two warehouses in one server: the default one, whose lake holds one table, and kBigWarehouse,
// whose lake holds that table and catalog_tables - 1 more (each with an inlined row). Single-row
// autocommit INSERTs into the one table, each followed by the first read of it by another session,
// alternate between the two warehouses in rounds (ABBA), so that both meet the same machine. A
// commit moves its warehouse to a new snapshot; the target is a cost proportional to the change
// (one table), not to the catalog.
void workload_c(Env &env) {
  const int commits = env.opt.catalog_commits, tables = env.opt.catalog_tables;
  constexpr int kRounds = 6;
  std::printf("\n(c) snapshot change in a catalog of %d tables, one of which changes: %d single-row commits per "
              "warehouse, in %d alternating rounds\n",
              tables, commits, kRounds);
  try {
    struct Side {
      explicit Side(const std::string &conninfo) : writer(conninfo), reader(conninfo) {}
      Pq writer, reader;
      std::vector<double> commit, read, ddl;
      double cpu_ms = 0, ddl_cpu_ms = 0;
      int done = 0, ddl_done = 0;
    };
    Side small(env.mallard->conninfo()), big(env.mallard->conninfo(kBigWarehouse));
    // The other tables, 100 per transaction, each with one (inlined) row.
    auto t0 = Clock::now();
    for (int made = 1; made < tables;) {
      std::string batch = "BEGIN;";
      for (int k = 0; k < 100 && made < tables; ++k, ++made) {
        std::string t = "c_t" + std::to_string(made);
        batch += "CREATE TABLE " + t + " (id BIGINT, v DOUBLE); INSERT INTO " + t + " VALUES (" +
                 std::to_string(made) + ", 0.5);";
      }
      big.writer.exec(batch + "COMMIT;");
    }
    std::fprintf(stderr, "    created %d more tables in %.1f s\n", tables - 1, seconds_since(t0));
    for (Side *side : {&small, &big}) side->writer.exec("CREATE TABLE c_hot (id BIGINT, v DOUBLE)");
    // Only one warehouse works at a time, so the server's CPU time meanwhile is its.
    auto round = [&](Side &side, int n) {
      double c0 = cpu_seconds(env.mallard->pid());
      for (int i = 0; i < n; ++i) {
        std::string k = std::to_string(side.done++);
        auto t = Clock::now();
        pq_command(side.writer.get(), "INSERT INTO c_hot VALUES (" + k + ", " + k + ".5)");
        side.commit.push_back(seconds_since(t) * 1e3);
        t = Clock::now();
        if (side.reader.scalar("SELECT count(*) FROM c_hot") != std::to_string(side.done))
          fail("the reader did not see commit " + k);
        side.read.push_back(seconds_since(t) * 1e3);
      }
      side.cpu_ms += (cpu_seconds(env.mallard->pid()) - c0) * 1e3;
    };
    // DDL commits: a column added to the changed table, a table created and dropped again; each
    // followed by the first read of the changed table by another session.
    auto ddl_round = [&](Side &side, int n) {
      double c0 = cpu_seconds(env.mallard->pid());
      for (int i = 0; i < n; i += 3) {
        std::string k = std::to_string(side.ddl_done++);
        for (const std::string &q : {"ALTER TABLE c_hot ADD COLUMN c" + k + " INTEGER",
                                     "CREATE TABLE c_new" + k + " (id BIGINT, v DOUBLE)", "DROP TABLE c_new" + k}) {
          auto t = Clock::now();
          pq_command(side.writer.get(), q);
          side.ddl.push_back(seconds_since(t) * 1e3);
          if (side.reader.scalar("SELECT count(*) FROM c_hot") != std::to_string(side.done))
            fail("the reader lost rows of c_hot after " + q);
        }
      }
      side.ddl_cpu_ms += (cpu_seconds(env.mallard->pid()) - c0) * 1e3;
    };
    const int per_round = std::max(1, commits / kRounds);
    for (int r = 0; r < kRounds; ++r) {
      bool small_first = r % 4 == 0 || r % 4 == 3;
      round(small_first ? small : big, per_round);
      round(small_first ? big : small, per_round);
    }
    const int ddl_per_round = std::max(3, commits / kRounds / 3 * 3);
    for (int r = 0; r < kRounds; ++r) {
      bool small_first = r % 4 == 0 || r % 4 == 3;
      ddl_round(small_first ? small : big, ddl_per_round);
      ddl_round(small_first ? big : small, ddl_per_round);
    }
    auto cell = [](const Side &s) {
      return "commit " + ms_str(median(s.commit)) + ", next read " + ms_str(median(s.read)) + "; CPU " +
             ms_str(s.cpu_ms / s.done);
    };
    double commit_ratio = median(big.commit) / median(small.commit), read_ratio = median(big.read) / median(small.read),
           cpu_ratio = (big.cpu_ms / big.done) / (small.cpu_ms / small.done);
    std::printf("    1 table: %s\n    %d tables: %s\n", cell(small).c_str(), tables, cell(big).c_str());
    add_row({"(c) single-row commit, 1 table in the lake", cell(small), "", "", "", "-"});
    add_row({"(c) single-row commit, " + std::to_string(tables) + " tables in the lake", cell(big),
             "the 1-table lake, interleaved",
             "commit " + ratio_str(commit_ratio, 2) + ", read " + ratio_str(read_ratio, 2) + ", CPU " +
                 ratio_str(cpu_ratio, 2),
             "about 1x", cpu_ratio <= 1.25 ? "yes" : "no"});
    auto ddl_cpu = [](const Side &s) { return s.ddl_cpu_ms / static_cast<double>(s.ddl.size()); };
    double ddl_ratio = median(big.ddl) / median(small.ddl), ddl_cpu_ratio = ddl_cpu(big) / ddl_cpu(small);
    auto ddl_cell = [&](const Side &s) { return "DDL commit " + ms_str(median(s.ddl)) + "; CPU " + ms_str(ddl_cpu(s)); };
    std::printf("    DDL, 1 table: %s\n    DDL, %d tables: %s\n", ddl_cell(small).c_str(), tables,
                ddl_cell(big).c_str());
    add_row({"(c) DDL commit (ADD COLUMN, CREATE, DROP), 1 table in the lake", ddl_cell(small), "", "", "", "-"});
    add_row({"(c) DDL commit (ADD COLUMN, CREATE, DROP), " + std::to_string(tables) + " tables in the lake",
             ddl_cell(big), "the 1-table lake, interleaved",
             "commit " + ratio_str(ddl_ratio, 2) + ", CPU " + ratio_str(ddl_cpu_ratio, 2), "about 1x",
             ddl_cpu_ratio <= 1.25 ? "yes" : "no"});
    // Reading one table's columns from the catalogs, as clients introspect: pg_attribute with
    // pg_attrdef (psql's \d, Rails, SQLAlchemy) and information_schema.columns (Django,
    // Hibernate), alternating between the lakes.
    const std::vector<std::pair<std::string, std::string>> introspection = {
        {"pg_attribute",
         "SELECT a.attname, format_type(a.atttypid, a.atttypmod), pg_get_expr(d.adbin, d.adrelid), a.attnotnull "
         "FROM pg_attribute a LEFT JOIN pg_attrdef d ON a.attrelid = d.adrelid AND a.attnum = d.adnum "
         "WHERE a.attrelid = 'c_hot'::regclass AND a.attnum > 0 AND NOT a.attisdropped ORDER BY a.attnum"},
        {"information_schema.columns",
         "SELECT column_name, data_type, is_nullable, column_default, character_maximum_length "
         "FROM information_schema.columns WHERE table_name = 'c_hot' ORDER BY ordinal_position"}};
    for (const auto &[what, sql] : introspection) {
      std::vector<double> one, many;
      for (int r = 0; r < 2 * kRounds; ++r)
        for (Side *side : r % 2 ? std::vector<Side *>{&big, &small} : std::vector<Side *>{&small, &big}) {
          auto t = Clock::now();
          if (side->reader.exec(sql) < 2) fail("the catalogs lost the columns of c_hot");
          (side == &small ? one : many).push_back(seconds_since(t) * 1e3);
        }
      std::printf("    %s of one table: %s with 1 table, %s with %d tables\n", what.c_str(),
                  ms_str(median(one)).c_str(), ms_str(median(many)).c_str(), tables);
      add_row({"(c) " + what + " of one table, 1 table in the lake", ms_str(median(one)), "", "", "", "-"});
      add_row({"(c) " + what + " of one table, " + std::to_string(tables) + " tables in the lake",
               ms_str(median(many)), "the 1-table lake, interleaved", ratio_str(median(many) / median(one), 2), "-",
               "-"});
    }
    for (int made = 1; made < tables;) {
      std::string batch = "BEGIN;";
      for (int k = 0; k < 100 && made < tables; ++k, ++made) batch += "DROP TABLE c_t" + std::to_string(made) + ";";
      big.writer.exec(batch + "COMMIT;");
    }
    for (Side *side : {&small, &big}) side->writer.exec("DROP TABLE c_hot");
  } catch (const std::exception &e) {
    add_failure("(c)", e.what());
  }
}

// The same single-row configuration once more, now that the lake also holds the large table with
// its deletes: a commit refreshes the views of every table, so it shows what other tables cost.
void workload_b_with_large_table(Env &env) {
  std::vector<Server> servers = {{"Mallard", env.mallard->conninfo(), false, env.mallard->pid()}};
  auto single = [](const Server &, const std::string &table, int64_t i) {
    std::string k = std::to_string(i);
    return "INSERT INTO " + table + " VALUES (" + k + ", " + k + ".5, 'row-" + k + "')";
  };
  insert_config(env, "(b) single-row INSERT, 1 client, lake also holds lt (1% deleted)", 1, env.opt.commits, 1, single,
                servers);
}


}  // namespace

int main(int argc, char **argv) {
  Options opt;
  try {
    opt = parse_options(argc, argv);
  } catch (const std::exception &e) {
    std::fprintf(stderr, "lake_bench: %s\n", e.what());
    return 2;
  }
  std::string cmdline;
  for (int i = 0; i < argc; ++i) cmdline += (i ? " " : "") + shell_quote(argv[i]);
  std::printf("command: %s\n", cmdline.c_str());
  std::printf("rows: %lld, DuckDB %s, hardware threads: %u\n", static_cast<long long>(opt.rows),
              duckdb_library_version(), std::thread::hardware_concurrency());
  std::fflush(stdout);

  Env env;
  env.opt = opt;
  std::string tmpl = (fs::path(opt.tmp_parent) / "lake_bench.XXXXXX").string();
  if (!mkdtemp(tmpl.data())) {
    std::fprintf(stderr, "lake_bench: cannot create a temporary directory under %s\n", opt.tmp_parent.c_str());
    return 1;
  }
  env.tmp = tmpl;
  chmod(env.tmp.c_str(), 0711);  // PostgreSQL runs as another user and must reach its directory
  std::snprintf(g_emergency.tmpdir, sizeof(g_emergency.tmpdir), "%s", env.tmp.c_str());
  g_emergency.keep_tmp = opt.keep_tmp;
  try {
    std::snprintf(g_emergency.rm_path, sizeof(g_emergency.rm_path), "%s", find_in_path("rm").c_str());
  } catch (...) {
  }
  struct sigaction sa{};
  sa.sa_handler = on_fatal_signal;
  sigemptyset(&sa.sa_mask);
  for (int s : {SIGINT, SIGTERM, SIGHUP}) sigaction(s, &sa, nullptr);
  signal(SIGPIPE, SIG_IGN);

  int rc = 0;
  try {
    note("temporary directory " + env.tmp.string());
    note("starting mallard (" + opt.mallard_bin + ")");
    std::vector<std::string> config;
    if (opt.wants('c')) config = {std::string("[warehouses.") + kBigWarehouse + "]", "metastore = \"embedded\""};
    env.mallard = std::make_unique<MallardServer>(opt.mallard_bin, env.tmp / "mallard", config);
    note("  mallard pid " + std::to_string(env.mallard->pid()) + " on port " + std::to_string(env.mallard->port()));
    if (opt.postgres && opt.wants('b')) {
      note("starting PostgreSQL 15 (" + opt.pg_bin + ")");
      try {
        env.pg = std::make_unique<PostgresServer>(opt.pg_bin, env.tmp / "pg");
        Pq p(env.pg->conninfo());
        note("  postgres " + p.scalar("SHOW server_version") + " on port " + std::to_string(env.pg->port()) +
             ", fsync " + p.scalar("SHOW fsync") + ", synchronous_commit " + p.scalar("SHOW synchronous_commit"));
      } catch (const std::exception &e) {
        env.pg.reset();
        note(std::string("PostgreSQL unavailable, comparisons with it are skipped: ") + e.what());
      }
    }
    std::printf("\n  %-58s | %-40s | %-52s | %-8s | %-10s | %s\n", "workload", "Mallard", "reference", "ratio",
                "target", "met");
    // Commits first, on a lake that holds nothing else; then the scans; then one commit
    // configuration again beside the large table.
    if (opt.wants('b')) {
      note("workload (b): inserts");
      workload_b_inserts(env);
      note("workload (b): growth");
      workload_b_growth(env);
    }
    // PostgreSQL is not needed any more; its processes would only add noise.
    if (env.pg) env.pg->stop();
    if (opt.wants('c')) {
      note("workload (c): a snapshot change in a large catalog");
      workload_c(env);
    }
    if (opt.wants('a')) {
      note("workload (a)");
      try {
        workload_a(env);
      } catch (const std::exception &e) {
        add_failure("(a)", e.what());
      }
      if (opt.wants('b')) {
        note("workload (b): single-row inserts beside the large table");
        workload_b_with_large_table(env);
      }
    }
  } catch (const std::exception &e) {
    std::fprintf(stderr, "lake_bench: %s\n", e.what());
    rc = 1;
  }
  note("stopping servers");
  if (env.mallard) env.mallard->stop();
  if (env.pg) env.pg->stop();
  print_summary(static_cast<long long>(env.opt.rows));
  if (opt.keep_tmp) {
    note("kept " + env.tmp.string());
  } else {
    std::error_code ec;
    fs::remove_all(env.tmp, ec);
  }
  return rc;
}
