// wire_bench: what the PostgreSQL wire costs. In one run it starts a Mallard server and a
// PostgreSQL 15 server on temporary data, loads the same generated rows into both (and into an
// in-process DuckDB), and measures
//   (a) aggregations through Mallard against the same queries in-process,
//   (b) streaming a large 4-column result (libpq text/binary, and a raw-socket client),
//   (c) SELECT 1 round-trip latency,
//   (d) COPY FROM STDIN throughput,
// then prints medians and ratios. Targets are printed beside the figures for the reader; no
// figure ever makes the run fail, since timings on a shared machine are not pass/fail material.
//
//   wire_bench [--mallard PATH] [--rows N | --quick] [--only abcd] [--runs N] ...   (see --help)

#include <arpa/inet.h>
#include <fcntl.h>
#include <libpq-fe.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <pwd.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <charconv>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <functional>
#include <memory>
#include <optional>
#include <sstream>
#include <stdexcept>
#include <string>
#include <string_view>
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
  int agg_runs = 5;
  int stream_runs = 5;
  int copy_runs = 5;
  int latency_iters = 10'000;
  std::string only = "abcd";
  bool raw = true;
  bool postgres = true;
  std::string variants = "libpq-text,libpq-binary,raw-text,raw-binary";
  bool keep_tmp = false;
  bool wants(char w) const { return only.find(w) != std::string::npos; }
};

void usage() {
  std::puts(
      "usage: wire_bench [options]\n"
      "  --mallard PATH       mallard binary (default: ../mallard next to this binary)\n"
      "  --pg-bin DIR         PostgreSQL 15 binaries (default /usr/lib/postgresql/15/bin)\n"
      "  --rows N             rows of generated data (default 10000000)\n"
      "  --quick              1000000 rows, for smoke runs\n"
      "  --only LETTERS       workloads to run, any of a b c d (default abcd)\n"
      "  --runs N             timed runs per aggregation query (default 5)\n"
      "  --stream-runs N      timed runs per streaming variant (default 5)\n"
      "  --copy-runs N        timed COPY runs per server (default 5)\n"
      "  --latency-iters N    SELECT 1 round trips per server (default 10000)\n"
      "  --no-raw             skip the raw-socket streaming client\n"
      "  --variants LIST      streaming variants, comma-separated (default\n"
      "                       libpq-text,libpq-binary,raw-text,raw-binary)\n"
      "  --no-postgres        do not start PostgreSQL (Mallard-only runs, e.g. under a profiler)\n"
      "  --tmp DIR            where the temporary directory is made (default $TMPDIR or /tmp)\n"
      "  --keep-tmp           leave the temporary directory (data, server logs) behind");
}

Options parse_options(int argc, char **argv) {
  Options o;
  auto need = [&](int &i) -> std::string {
    if (i + 1 >= argc) fail(std::string("missing value for ") + argv[i]);
    return argv[++i];
  };
  auto number = [&](int &i) -> int64_t {
    std::string s = need(i);
    int64_t v = 0;
    auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
    if (ec != std::errc() || p != s.data() + s.size() || v <= 0) fail("not a positive number: " + s);
    return v;
  };
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    if (a == "--mallard") o.mallard_bin = need(i);
    else if (a == "--pg-bin") o.pg_bin = need(i);
    else if (a == "--rows") o.rows = number(i);
    else if (a == "--quick") o.rows = 1'000'000;
    else if (a == "--only") o.only = need(i);
    else if (a == "--runs") o.agg_runs = static_cast<int>(number(i));
    else if (a == "--stream-runs") o.stream_runs = static_cast<int>(number(i));
    else if (a == "--copy-runs") o.copy_runs = static_cast<int>(number(i));
    else if (a == "--latency-iters") o.latency_iters = static_cast<int>(number(i));
    else if (a == "--no-raw") o.raw = false;
    else if (a == "--variants") o.variants = need(i);
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
  if (o.mallard_bin.empty()) {
    // The bench binary lives in <build>/bench/, the server in <build>/.
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

struct StreamRun {
  double seconds = 0;
  uint64_t rows = 0;
  uint64_t bytes = 0;  // value bytes (libpq) or DataRow body bytes (raw)
  double server_cpu = std::nan("");  // CPU seconds the serving process used meanwhile
};

// Row by row through libpq's single-row mode, so the client never holds more than one row.
StreamRun libpq_stream(PGconn *c, const std::string &sql, int result_format, pid_t server_pid) {
  StreamRun run;
  double cpu0 = process_cpu_seconds(server_pid);
  auto t0 = Clock::now();
  if (!PQsendQueryParams(c, sql.c_str(), 0, nullptr, nullptr, nullptr, nullptr, result_format))
    fail(std::string("send failed: ") + PQerrorMessage(c));
  if (!PQsetSingleRowMode(c)) fail("single-row mode refused");
  std::string error;
  while (PGresult *r = PQgetResult(c)) {
    switch (PQresultStatus(r)) {
      case PGRES_SINGLE_TUPLE: {
        ++run.rows;
        int nf = PQnfields(r);
        for (int i = 0; i < nf; ++i) run.bytes += static_cast<uint64_t>(PQgetlength(r, 0, i));
        break;
      }
      case PGRES_TUPLES_OK:
        break;
      default:
        if (error.empty()) error = PQresultErrorMessage(r);
    }
    PQclear(r);
  }
  run.seconds = seconds_since(t0);
  run.server_cpu = process_cpu_seconds(server_pid) - cpu0;
  if (!error.empty()) fail("streaming query failed: " + error);
  return run;
}

// ---------------------------------------------------------------------------------------------
// A minimal protocol v3 client over a raw socket: it frames messages and counts DataRows without
// looking at the values, so the measurement shows what the server can send rather than what
// libpq can turn into PGresults.

class RawClient {
 public:
  RawClient(int port, const std::string &user, const std::string &db, const std::string &password)
      : password_(password) {
    fd_ = socket(AF_INET, SOCK_STREAM, 0);
    if (fd_ < 0) fail("socket failed");
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    a.sin_port = htons(static_cast<uint16_t>(port));
    if (connect(fd_, reinterpret_cast<sockaddr *>(&a), sizeof(a)) != 0) fail("raw connect failed");
    int one = 1;
    setsockopt(fd_, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
    buf_.resize(4 << 20);

    std::string body;
    put32(body, 196608);
    for (auto [k, v] : {std::pair{"user", user}, std::pair{"database", db}}) {
      body.append(k).push_back('\0');
      body.append(v).push_back('\0');
    }
    body.push_back('\0');
    std::string msg;
    put32(msg, static_cast<int32_t>(body.size() + 4));
    send_all(msg + body);
    while (true) {
      char type;
      std::string_view b;
      next(type, b);
      if (type == 'R') {
        int32_t code = get32(b.data());
        if (code == 0) continue;
        if (code == 3) {
          std::string p;
          p.push_back('p');
          put32(p, static_cast<int32_t>(password_.size() + 5));
          p.append(password_).push_back('\0');
          send_all(p);
          continue;
        }
        fail("raw client: authentication method " + std::to_string(code) +
             " not supported (needs trust or cleartext password)");
      }
      if (type == 'E') fail("raw client: " + error_text(b));
      if (type == 'K' && b.size() >= 4) backend_pid_ = get32(b.data());
      if (type == 'Z') break;
    }
  }
  ~RawClient() {
    if (fd_ >= 0) {
      send_all(std::string("X\0\0\0\4", 5));
      close(fd_);
    }
  }
  RawClient(const RawClient &) = delete;
  RawClient &operator=(const RawClient &) = delete;

  // Extended protocol (Parse/Bind/Execute/Sync, as libpq's PQsendQueryParams), all results in
  // `format` (0 text, 1 binary).
  // The process id from BackendKeyData: PostgreSQL's backend; Mallard sends a session number.
  int32_t backend_pid() const { return backend_pid_; }

  StreamRun stream(const std::string &sql, int16_t format, pid_t server_pid) {
    std::string out;
    std::string body = std::string("\0", 1) + sql + std::string("\0", 1);
    put16(body, 0);
    frame(out, 'P', body);
    body.assign("\0\0", 2);
    put16(body, 0);
    put16(body, 0);
    put16(body, 1);
    put16(body, format);
    frame(out, 'B', body);
    body.assign("\0", 1);
    put32(body, 0);
    frame(out, 'E', body);
    frame(out, 'S', {});
    StreamRun run;
    double cpu0 = process_cpu_seconds(server_pid);
    auto t0 = Clock::now();
    send_all(out);
    std::string error;
    while (true) {
      char type;
      std::string_view b;
      next(type, b);
      if (type == 'D') {
        ++run.rows;
        run.bytes += b.size();
      } else if (type == 'E') {
        error = error_text(b);
      } else if (type == 'Z') {
        break;
      }
    }
    run.seconds = seconds_since(t0);
    run.server_cpu = process_cpu_seconds(server_pid) - cpu0;
    if (!error.empty()) fail("raw streaming query failed: " + error);
    return run;
  }

 private:
  static void put32(std::string &s, int32_t v) {
    uint32_t u = htonl(static_cast<uint32_t>(v));
    s.append(reinterpret_cast<const char *>(&u), 4);
  }
  static void put16(std::string &s, int16_t v) {
    uint16_t u = htons(static_cast<uint16_t>(v));
    s.append(reinterpret_cast<const char *>(&u), 2);
  }
  static int32_t get32(const char *p) {
    uint32_t u;
    std::memcpy(&u, p, 4);
    return static_cast<int32_t>(ntohl(u));
  }
  static void frame(std::string &out, char type, const std::string &body) {
    out.push_back(type);
    put32(out, static_cast<int32_t>(body.size() + 4));
    out += body;
  }
  static std::string error_text(std::string_view b) {
    // Fields: one type byte, then a NUL-terminated string; 'M' is the message.
    size_t i = 0;
    while (i < b.size() && b[i] != '\0') {
      char f = b[i++];
      size_t end = b.find('\0', i);
      if (end == std::string_view::npos) break;
      if (f == 'M') return std::string(b.substr(i, end - i));
      i = end + 1;
    }
    return "unknown error";
  }
  void send_all(const std::string &s) {
    size_t done = 0;
    while (done < s.size()) {
      ssize_t w = ::send(fd_, s.data() + done, s.size() - done, MSG_NOSIGNAL);
      if (w < 0 && errno == EINTR) continue;
      if (w <= 0) fail("raw client: send failed");
      done += static_cast<size_t>(w);
    }
  }
  // Makes at least n bytes available at buf_[pos_].
  void fill(size_t n) {
    while (end_ - pos_ < n) {
      if (pos_ > 0) {
        std::memmove(buf_.data(), buf_.data() + pos_, end_ - pos_);
        end_ -= pos_;
        pos_ = 0;
      }
      if (buf_.size() < n) buf_.resize(n);
      ssize_t r = ::recv(fd_, buf_.data() + end_, buf_.size() - end_, 0);
      if (r < 0 && errno == EINTR) continue;
      if (r <= 0) fail("raw client: connection closed");
      end_ += static_cast<size_t>(r);
    }
  }
  void next(char &type, std::string_view &body) {
    fill(5);
    type = buf_[pos_];
    int32_t len = get32(buf_.data() + pos_ + 1);
    if (len < 4) fail("raw client: bad message length");
    fill(1 + static_cast<size_t>(len));
    body = std::string_view(buf_.data() + pos_ + 5, static_cast<size_t>(len) - 4);
    pos_ += 1 + static_cast<size_t>(len);
  }

  int fd_ = -1;
  int32_t backend_pid_ = 0;
  std::string password_;
  std::vector<char> buf_;
  size_t pos_ = 0, end_ = 0;
};

// ---------------------------------------------------------------------------------------------
// Data. Values are deterministic (no random()) so that Mallard, the in-process DuckDB and
// PostgreSQL hold identical rows and send identical text.

std::string duck_create_sql(int64_t n) {
  return "CREATE TABLE t AS SELECT CAST(i AS INTEGER) AS a, CAST(i AS DOUBLE) / 7 AS b, "
         "'row-' || CAST(i AS VARCHAR) AS c, TIMESTAMP '2020-01-01 00:00:00' + to_seconds(i) AS d "
         "FROM range(" + std::to_string(n) + ") r(i)";
}

std::string pg_create_sql(int64_t n) {
  return "CREATE TABLE t AS SELECT i::integer AS a, i::float8 / 7 AS b, 'row-' || i AS c, "
         "TIMESTAMP '2020-01-01 00:00:00' + i * INTERVAL '1 second' AS d "
         "FROM generate_series(0::bigint, " + std::to_string(n - 1) + ") AS i";
}

const char *kStreamSql = "SELECT a, b, c, d FROM t";

// The COPY input, in PostgreSQL's text format: the same rows as table t.
std::string make_copy_data(int64_t n) {
  std::string out;
  out.reserve(static_cast<size_t>(n) * 56);
  const time_t base = 1577836800;  // 2020-01-01 00:00:00 UTC
  char line[160];
  // Each field gets its own bounded window, so no write can run past the line.
  auto put = [](char *p, auto v) {
    auto r = std::to_chars(p, p + 32, v);
    return r.ec == std::errc() ? r.ptr : p;
  };
  for (int64_t i = 0; i < n; ++i) {
    char *p = line;
    p = put(p, i);
    *p++ = '\t';
    p = put(p, static_cast<double>(i) / 7);
    std::memcpy(p, "\trow-", 5);
    p += 5;
    p = put(p, i);
    *p++ = '\t';
    time_t t = base + static_cast<time_t>(i);
    struct tm tm;
    gmtime_r(&t, &tm);
    p += std::snprintf(p, 32, "%04d-%02d-%02d %02d:%02d:%02d", tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday,
                       tm.tm_hour, tm.tm_min, tm.tm_sec);
    *p++ = '\n';
    out.append(line, p);
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// Results


void add_failure(const std::string &workload, const std::string &what) {
  add_row({workload, "FAILED", "", "", "", "-"});
  note(workload + " failed: " + what);
}

// ---------------------------------------------------------------------------------------------
// Workloads

struct Env {
  Options opt;
  fs::path tmp;
  std::unique_ptr<MallardServer> mallard;
  std::unique_ptr<PostgresServer> pg;
  std::unique_ptr<mallard::duck::Database> duck;
  bool mallard_has_t = false, pg_has_t = false;
};

void workload_a(Env &env) {
  struct Query {
    const char *label;
    const char *sql;
  };
  const Query queries[] = {
      {"(a) count/sum/avg, full scan", "SELECT count(*), sum(a), avg(b) FROM t"},
      {"(a) GROUP BY a % 100 (100 groups)", "SELECT a % 100 AS k, count(*), sum(b) FROM t GROUP BY 1 ORDER BY 1"},
      {"(a) filtered aggregate", "SELECT count(*), sum(b), min(d), max(d) FROM t WHERE a % 10 = 3 AND c LIKE '%7'"},
      {"(a) GROUP BY a % 100000 (100k rows out)", "SELECT a % 100000 AS k, sum(b) FROM t GROUP BY 1"},
  };
  Pq pq(env.mallard->conninfo());
  mallard::duck::Connection conn(*env.duck);
  std::printf("\n(a) aggregations: median of %d runs, ms (server = through Mallard with libpq PQexec;\n"
              "    in-process = duckdb_query + fetch of every chunk; streaming = prepared, streamed as Mallard does)\n",
              env.opt.agg_runs);
  for (const auto &q : queries) {
    try {
      auto in_process = [&] {
        mallard::duck::Result r = conn.query(q.sql);
        return drain(r);
      };
      auto in_process_streaming = [&] {
        mallard::duck::Prepared p(conn, q.sql);
        mallard::duck::Result r = p.execute_streaming();
        return drain(r);
      };
      // Warm-up: first touches of the table, plan caches, allocator growth.
      uint64_t expect = in_process();
      in_process_streaming();
      uint64_t got = static_cast<uint64_t>(pq.exec(q.sql));
      if (got != expect)
        fail("row count differs: server " + std::to_string(got) + ", in-process " + std::to_string(expect));
      std::vector<double> srv, inp, inps;
      // Interleaved so that drift in machine load hits all sides alike.
      for (int i = 0; i < env.opt.agg_runs; ++i) {
        auto t0 = Clock::now();
        in_process();
        inp.push_back(seconds_since(t0) * 1e3);
        t0 = Clock::now();
        pq.exec(q.sql);
        srv.push_back(seconds_since(t0) * 1e3);
        t0 = Clock::now();
        in_process_streaming();
        inps.push_back(seconds_since(t0) * 1e3);
      }
      double ms = median(srv), mi = median(inp), mis = median(inps);
      double ratio = ms / mi;
      std::fprintf(stderr, "    %s: server %s, in-process %s, in-process streaming %s (ms)\n", q.label,
                   fixed(ms, 1).c_str(), fixed(mi, 1).c_str(), fixed(mis, 1).c_str());
      add_row({q.label, fixed(ms, 1) + " ms", fixed(mi, 1) + " ms (stream " + fixed(mis, 1) + ")",
               ratio_str(ratio, 3), "<= 1.05x", ratio <= 1.05 ? "yes" : "no"});
    } catch (const std::exception &e) {
      add_failure(q.label, e.what());
    }
  }
}

void workload_b(Env &env) {
  const int runs = env.opt.stream_runs;
  std::printf("\n(b) streaming %lld rows x 4 columns (int, double, varchar, timestamp): median of %d runs\n",
              static_cast<long long>(env.opt.rows), runs);
  struct Variant {
    std::string label;
    std::function<StreamRun(bool /*pg*/)> run;
  };
  std::unique_ptr<Pq> mq, pq;
  auto libpq = [&](bool pg, int fmt) {
    auto &c = pg ? pq : mq;
    if (!c) c = std::make_unique<Pq>(pg ? env.pg->conninfo() : env.mallard->conninfo());
    return libpq_stream(c->get(), kStreamSql, fmt, pg ? PQbackendPID(c->get()) : env.mallard->pid());
  };
  auto raw = [&](bool pg, int16_t fmt) {
    auto rc = pg ? std::make_unique<RawClient>(env.pg->port(), "postgres", "postgres", "")
                 : std::make_unique<RawClient>(env.mallard->port(), "mallard", "mallard", kMallardPassword);
    return rc->stream(kStreamSql, fmt, pg ? rc->backend_pid() : env.mallard->pid());
  };
  std::vector<Variant> variants;
  auto chosen = [&](const char *name) { return ("," + env.opt.variants + ",").find(std::string(",") + name + ",") != std::string::npos; };
  if (chosen("libpq-text")) variants.push_back({"libpq text (single-row mode)", [&](bool pg) { return libpq(pg, 0); }});
  if (chosen("libpq-binary"))
    variants.push_back({"libpq binary (single-row mode)", [&](bool pg) { return libpq(pg, 1); }});
  if (env.opt.raw && chosen("raw-text")) variants.push_back({"raw socket text", [&](bool pg) { return raw(pg, 0); }});
  if (env.opt.raw && chosen("raw-binary"))
    variants.push_back({"raw socket binary", [&](bool pg) { return raw(pg, 1); }});

  // The engine alone: how fast the in-process DuckDB produces the same rows, as a ceiling.
  if (env.duck) {
    try {
      mallard::duck::Connection conn(*env.duck);
      std::vector<double> secs;
      for (int i = 0; i < runs; ++i) {
        auto t0 = Clock::now();
        mallard::duck::Prepared p(conn, kStreamSql);
        mallard::duck::Result r = p.execute_streaming();
        uint64_t n = drain(r);
        secs.push_back(seconds_since(t0));
        if (n != static_cast<uint64_t>(env.opt.rows)) fail("in-process scan returned " + std::to_string(n) + " rows");
      }
      double rate = static_cast<double>(env.opt.rows) / median(secs);
      add_row({"(b) in-process DuckDB, streamed chunks", with_unit_rate(rate), "", "", "(ceiling)", "-"});
    } catch (const std::exception &e) {
      add_failure("(b) in-process DuckDB, streamed chunks", e.what());
    }
  }

  // One untimed pass per server first: both then serve from warm caches.
  if (!variants.empty()) {
    try {
      variants.front().run(false);
      if (env.pg_has_t) variants.front().run(true);
    } catch (const std::exception &e) {
      note(std::string("warm-up failed: ") + e.what());
    }
  }
  double mallard_text = std::nan(""), mallard_binary = std::nan(""), raw_text = std::nan("");
  for (auto &v : variants) {
    try {
      std::vector<double> ms, ps, mcpu, pcpu;
      uint64_t m_bytes = 0, p_bytes = 0;
      for (int i = 0; i < runs; ++i) {
        StreamRun m = v.run(false);
        if (m.rows != static_cast<uint64_t>(env.opt.rows)) fail("mallard sent " + std::to_string(m.rows) + " rows");
        ms.push_back(m.seconds);
        mcpu.push_back(m.server_cpu);
        m_bytes = m.bytes;
        if (env.pg_has_t) {
          StreamRun p = v.run(true);
          if (p.rows != static_cast<uint64_t>(env.opt.rows)) fail("postgres sent " + std::to_string(p.rows) + " rows");
          ps.push_back(p.seconds);
          pcpu.push_back(p.server_cpu);
          p_bytes = p.bytes;
        }
      }
      double mr = static_cast<double>(env.opt.rows) / median(ms);
      double pr = ps.empty() ? std::nan("") : static_cast<double>(env.opt.rows) / median(ps);
      std::string mc = cpu_per_row(median(mcpu), env.opt.rows), pc = cpu_per_row(median(pcpu), env.opt.rows);
      std::fprintf(stderr, "    %s: mallard %s (%llu bytes%s), postgres %s (%llu bytes%s)\n", v.label.c_str(),
                   with_unit_rate(mr).c_str(), static_cast<unsigned long long>(m_bytes), mc.c_str(),
                   with_unit_rate(pr).c_str(), static_cast<unsigned long long>(p_bytes), pc.c_str());
      std::string m_cpu_note = mc.empty() ? "" : " (" + mc.substr(2) + ")";
      std::string p_cpu_note = pc.empty() ? "" : " (" + pc.substr(2) + ")";
      if (v.label.find("libpq text") == 0) mallard_text = mr;
      if (v.label.find("libpq binary") == 0) mallard_binary = mr;
      std::string target = "-", met = "-";
      double ratio = mr / pr;
      if (v.label.find("libpq") == 0 || v.label.find("raw") == 0) {
        target = ">= 3x PG";
        met = std::isnan(ratio) ? "-" : ratio >= 3 ? "yes" : "no";
      }
      add_row({"(b) " + v.label, with_unit_rate(mr) + m_cpu_note, "PG " + with_unit_rate(pr) + p_cpu_note,
               ratio_str(ratio), target, met});
      if (v.label.find("libpq text") == 0)
        add_row({"(b) libpq text, absolute", with_unit_rate(mr), "", "", ">= 2M rows/s", mr >= 2e6 ? "yes" : "no"});
      if (v.label.find("libpq binary") == 0 && !std::isnan(mallard_text))
        add_row({"(b) libpq binary vs text (Mallard)", with_unit_rate(mallard_binary), with_unit_rate(mallard_text),
                 ratio_str(mallard_binary / mallard_text), "> 1x", mallard_binary > mallard_text ? "yes" : "no"});
      if (v.label == "raw socket text") raw_text = mr;
      if (v.label == "raw socket binary" && !std::isnan(raw_text))
        add_row({"(b) raw binary vs text (Mallard)", with_unit_rate(mr), with_unit_rate(raw_text),
                 ratio_str(mr / raw_text), "> 1x", mr > raw_text ? "yes" : "no"});
    } catch (const std::exception &e) {
      add_failure("(b) " + v.label, e.what());
    }
  }
}

void workload_c(Env &env) {
  const int iters = env.opt.latency_iters;
  std::printf("\n(c) SELECT 1 round trips: %d sequential PQexec calls per server, microseconds\n", iters);
  auto measure = [&](const std::string &conninfo) {
    Pq c(conninfo);
    for (int i = 0; i < std::min(iters / 10, 1000); ++i) c.exec("SELECT 1");
    std::vector<double> us;
    us.reserve(static_cast<size_t>(iters));
    for (int i = 0; i < iters; ++i) {
      auto t0 = Clock::now();
      PGresult *r = PQexec(c.get(), "SELECT 1");
      double t = seconds_since(t0) * 1e6;
      if (PQresultStatus(r) != PGRES_TUPLES_OK) {
        std::string msg = PQresultErrorMessage(r);
        PQclear(r);
        fail("SELECT 1 failed: " + msg);
      }
      PQclear(r);
      us.push_back(t);
    }
    return us;
  };
  // The same statement in-process, executed as a streamed prepared statement the way Mallard runs
  // it: what the engine alone costs, so the rest of Mallard's figure is protocol and network.
  // Mallard keeps a per-session plan cache for repeated SELECT text, hence the prepare-once form.
  auto measure_in_process = [&](bool prepare_each_time) {
    mallard::duck::Database db("");
    mallard::duck::Connection conn(db);
    mallard::duck::Prepared cached(conn, "SELECT 1");
    auto once = [&] {
      if (prepare_each_time) {
        mallard::duck::Prepared p(conn, "SELECT 1");
        mallard::duck::Result r = p.execute_streaming();
        drain(r);
      } else {
        mallard::duck::Result r = cached.execute_streaming();
        drain(r);
      }
    };
    for (int i = 0; i < std::min(iters / 10, 1000); ++i) once();
    std::vector<double> us;
    us.reserve(static_cast<size_t>(iters));
    for (int i = 0; i < iters; ++i) {
      auto t0 = Clock::now();
      once();
      us.push_back(seconds_since(t0) * 1e6);
    }
    return us;
  };
  try {
    auto m = measure(env.mallard->conninfo());
    std::vector<double> p;
    if (env.pg) p = measure(env.pg->conninfo());
    auto d = measure_in_process(false);
    auto dp = measure_in_process(true);
    double mm = median(m), m99 = percentile(m, 99);
    double pm = median(p), p99 = percentile(p, 99);
    add_row({"(c) SELECT 1 median", fixed(mm, 1) + " us", "PG " + fixed(pm, 1) + " us", ratio_str(mm / pm),
             "<= 100 us", mm <= 100 ? "yes" : "no"});
    add_row({"(c) SELECT 1 p99", fixed(m99, 1) + " us", "PG " + fixed(p99, 1) + " us", ratio_str(m99 / p99), "-",
             "-"});
    add_row({"(c) SELECT 1 in-process, prepared once", "", "median " + fixed(median(d), 1) + " us, p99 " +
             fixed(percentile(d, 99), 1) + " us", "", "(engine floor)", "-"});
    add_row({"(c) SELECT 1 in-process, prepared each time", "", "median " + fixed(median(dp), 1) + " us, p99 " +
             fixed(percentile(dp, 99), 1) + " us", "", "(engine floor)", "-"});
  } catch (const std::exception &e) {
    add_failure("(c) SELECT 1", e.what());
  }
}

void workload_d(Env &env) {
  const int runs = env.opt.copy_runs;
  const int64_t n = env.opt.rows;
  std::printf("\n(d) COPY FROM STDIN, %lld rows x 4 columns, text format, 1 MiB CopyData messages: median of %d runs\n",
              static_cast<long long>(n), runs);
  note("generating COPY data in memory");
  std::string data = make_copy_data(n);
  note("COPY data: " + std::to_string(data.size() >> 20) + " MiB");

  // Returns wall seconds; adds the serving process's CPU seconds to *cpu.
  auto copy_once = [&](Pq &c, const char *create, pid_t server_pid, std::vector<double> &cpu) {
    c.exec("DROP TABLE IF EXISTS copy_target");
    c.exec(create);
    double cpu0 = process_cpu_seconds(server_pid);
    auto t0 = Clock::now();
    PGresult *r = PQexec(c.get(), "COPY copy_target FROM STDIN");
    if (PQresultStatus(r) != PGRES_COPY_IN) {
      std::string msg = PQresultErrorMessage(r);
      PQclear(r);
      fail("COPY did not start: " + msg);
    }
    PQclear(r);
    constexpr size_t kChunk = 1 << 20;
    for (size_t off = 0; off < data.size(); off += kChunk) {
      size_t len = std::min(kChunk, data.size() - off);
      if (PQputCopyData(c.get(), data.data() + off, static_cast<int>(len)) != 1)
        fail(std::string("PQputCopyData failed: ") + PQerrorMessage(c.get()));
    }
    if (PQputCopyEnd(c.get(), nullptr) != 1) fail(std::string("PQputCopyEnd failed: ") + PQerrorMessage(c.get()));
    std::string error, tuples;
    while (PGresult *res = PQgetResult(c.get())) {
      if (PQresultStatus(res) == PGRES_COMMAND_OK)
        tuples = PQcmdTuples(res);
      else if (error.empty())
        error = PQresultErrorMessage(res);
      PQclear(res);
    }
    double secs = seconds_since(t0);
    cpu.push_back(process_cpu_seconds(server_pid) - cpu0);
    if (!error.empty()) fail("COPY failed: " + error);
    if (tuples != std::to_string(n)) fail("COPY reported " + tuples + " rows");
    return secs;
  };
  const char *mallard_create = "CREATE TABLE copy_target (a INTEGER, b DOUBLE, c VARCHAR, d TIMESTAMP)";
  const char *pg_create = "CREATE TABLE copy_target (a integer, b double precision, c text, d timestamp)";
  try {
    Pq m(env.mallard->conninfo());
    std::unique_ptr<Pq> p;
    if (env.pg) p = std::make_unique<Pq>(env.pg->conninfo());
    std::vector<double> ms, ps, mcpu, pcpu;
    std::string m_error;
    for (int i = 0; i < runs; ++i) {
      if (m_error.empty()) {
        try {
          ms.push_back(copy_once(m, mallard_create, env.mallard->pid(), mcpu));
          note("  mallard COPY run " + std::to_string(i + 1) + ": " + fixed(ms.back(), 2) + " s");
        } catch (const std::exception &e) {
          m_error = e.what();
        }
      }
      if (p) {
        ps.push_back(copy_once(*p, pg_create, PQbackendPID(p->get()), pcpu));
        note("  postgres COPY run " + std::to_string(i + 1) + ": " + fixed(ps.back(), 2) + " s");
      }
    }
    m.exec("DROP TABLE IF EXISTS copy_target");
    if (p) p->exec("DROP TABLE IF EXISTS copy_target");
    double pr = ps.empty() ? std::nan("") : static_cast<double>(n) / median(ps);
    if (!m_error.empty()) {
      add_row({"(d) COPY FROM STDIN text", "FAILED", "PG " + with_unit_rate(pr), "", ">= 1x PG", "no"});
      note("mallard COPY failed: " + m_error);
      return;
    }
    double mr = static_cast<double>(n) / median(ms);
    // PostgreSQL's figure is its backend only: the WAL writer and checkpointer work on the side.
    std::string mc = cpu_per_row(median(mcpu), n), pc = cpu_per_row(median(pcpu), n);
    std::string m_note = mc.empty() ? "" : " (" + mc.substr(2) + ")";
    std::string p_note = pc.empty() ? "" : " (" + pc.substr(2) + ")";
    add_row({"(d) COPY FROM STDIN text", with_unit_rate(mr) + m_note, "PG " + with_unit_rate(pr) + p_note, ratio_str(mr / pr),
             ">= 1x PG", std::isnan(pr) ? "-" : mr >= pr ? "yes" : "no"});
  } catch (const std::exception &e) {
    add_failure("(d) COPY FROM STDIN text", e.what());
  }
}

void setup_data(Env &env) {
  const int64_t n = env.opt.rows;
  bool need_t = env.opt.wants('a') || env.opt.wants('b');
  if (need_t) {
    note("creating " + std::to_string(n) + "-row table t in Mallard (over libpq)");
    Pq m(env.mallard->conninfo());
    auto t0 = Clock::now();
    m.exec(duck_create_sql(n));
    try {
      m.exec("CHECKPOINT");
    } catch (const std::exception &e) {
      note(std::string("CHECKPOINT through Mallard not accepted: ") + e.what());
    }
    note("  done in " + fixed(seconds_since(t0), 1) + " s");
    env.mallard_has_t = true;

    // The warehouse keeps t as a lake table: Parquet files. The in-process side reads the same
    // files, so that the two differ by the server and the wire, not by the storage.
    auto files = table_files(*env.mallard, "t", false);
    note("in-process DuckDB: t as a view over the lake table's " + std::to_string(files.size()) + " Parquet file(s)");
    env.duck = std::make_unique<mallard::duck::Database>("");
    mallard::duck::Connection conn(*env.duck);
    conn.query("CREATE VIEW t AS SELECT * FROM read_parquet(" + list_literal(files) + ")");
  }
  if (env.opt.wants('b') && env.pg) {
    note("creating the same table in PostgreSQL");
    Pq p(env.pg->conninfo());
    auto t0 = Clock::now();
    p.exec(pg_create_sql(n));
    // Sets hint bits and the visibility map, as any loaded table gets before it is queried.
    p.exec("VACUUM (ANALYZE) t");
    note("  done in " + fixed(seconds_since(t0), 1) + " s");
    env.pg_has_t = true;
  }
}


}  // namespace

int main(int argc, char **argv) {
  Options opt;
  try {
    opt = parse_options(argc, argv);
  } catch (const std::exception &e) {
    std::fprintf(stderr, "wire_bench: %s\n", e.what());
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
  std::string tmpl = (fs::path(opt.tmp_parent) / "wire_bench.XXXXXX").string();
  if (!mkdtemp(tmpl.data())) {
    std::fprintf(stderr, "wire_bench: cannot create a temporary directory under %s\n", opt.tmp_parent.c_str());
    return 1;
  }
  env.tmp = tmpl;
  // PostgreSQL runs as another user and must be able to reach its own directory inside.
  chmod(env.tmp.c_str(), 0711);
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
    env.mallard = std::make_unique<MallardServer>(opt.mallard_bin, env.tmp / "mallard");
    note("  mallard pid " + std::to_string(env.mallard->pid()) + " on port " + std::to_string(env.mallard->port()));
    if (opt.postgres && (opt.wants('b') || opt.wants('c') || opt.wants('d'))) {
      note("starting PostgreSQL 15 (" + opt.pg_bin + ")");
      try {
        env.pg = std::make_unique<PostgresServer>(opt.pg_bin, env.tmp / "pg");
        Pq p(env.pg->conninfo());
        note("  postgres " + p.scalar("SHOW server_version") + " on port " + std::to_string(env.pg->port()));
      } catch (const std::exception &e) {
        env.pg.reset();
        note(std::string("PostgreSQL unavailable, comparisons with it are skipped: ") + e.what());
      }
    }
    setup_data(env);
    std::printf("\n  %-44s | %-42s | %-46s | %-8s | %-12s | %s\n", "workload", "Mallard", "reference", "ratio",
                "target", "met");
    if (opt.wants('a')) {
      note("workload (a)");
      workload_a(env);
    }
    if (opt.wants('b')) {
      note("workload (b)");
      workload_b(env);
    }
    // The in-process database is no longer needed; its memory and threads would only add noise.
    env.duck.reset();
    if (opt.wants('c')) {
      note("workload (c)");
      workload_c(env);
    }
    if (opt.wants('d')) {
      note("workload (d)");
      workload_d(env);
    }
  } catch (const std::exception &e) {
    std::fprintf(stderr, "wire_bench: %s\n", e.what());
    rc = 1;
  }
  env.duck.reset();
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
