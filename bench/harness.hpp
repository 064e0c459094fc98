#pragma once
// What the benchmarks in bench/ share: timing and statistics helpers, starting and stopping a
// Mallard server and a PostgreSQL 15 server on temporary data (children in their own process
// groups, stopped by the signal handler on Ctrl-C), and a small libpq wrapper. Header-only: each
// benchmark is one program built from one .cpp file.

#include <arpa/inet.h>
#include <fcntl.h>
#include <libpq-fe.h>
#include <netinet/in.h>
#include <pwd.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <optional>
#include <sstream>
#include <stdexcept>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "duck/duck.hpp"

extern char **environ;

namespace mallard::bench {

namespace fs = std::filesystem;

using Clock = std::chrono::steady_clock;

inline double seconds_since(Clock::time_point t0) { return std::chrono::duration<double>(Clock::now() - t0).count(); }

[[noreturn]] inline void fail(const std::string &msg) { throw std::runtime_error(msg); }

inline void note(const std::string &msg) {
  static const auto start = Clock::now();
  std::fprintf(stderr, "[%7.1fs] %s\n", seconds_since(start), msg.c_str());
}

inline double median(std::vector<double> v) {
  if (v.empty()) return std::nan("");
  std::sort(v.begin(), v.end());
  size_t n = v.size();
  return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

// Nearest-rank percentile.
inline double percentile(std::vector<double> v, double p) {
  if (v.empty()) return std::nan("");
  std::sort(v.begin(), v.end());
  size_t rank = static_cast<size_t>(std::ceil(p / 100.0 * static_cast<double>(v.size())));
  return v[std::clamp<size_t>(rank, 1, v.size()) - 1];
}

inline std::string fixed(double v, int digits) {
  if (std::isnan(v)) return "n/a";
  char buf[64];
  std::snprintf(buf, sizeof(buf), "%.*f", digits, v);
  return buf;
}

inline std::string ratio_str(double r, int digits = 2) { return std::isnan(r) ? "n/a" : fixed(r, digits) + "x"; }

// CPU seconds (user + system) a process has used so far, all its threads included; NaN when
// unreadable. Server CPU per row varies far less than wall time on a shared machine.
inline double process_cpu_seconds(pid_t pid) {
  if (pid <= 0) return std::nan("");
  std::ifstream in("/proc/" + std::to_string(pid) + "/stat");
  std::string line;
  if (!std::getline(in, line)) return std::nan("");
  // The command name may contain spaces; fields are counted after its closing parenthesis.
  auto close = line.rfind(')');
  if (close == std::string::npos) return std::nan("");
  std::istringstream rest(line.substr(close + 2));
  std::string field;
  unsigned long long utime = 0, stime = 0;
  for (int i = 3; i <= 15 && rest >> field; ++i) {
    if (i == 14) utime = std::stoull(field);
    if (i == 15) stime = std::stoull(field);
  }
  return static_cast<double>(utime + stime) / static_cast<double>(sysconf(_SC_CLK_TCK));
}

inline std::string cpu_per_row(double cpu_s, int64_t rows) {
  if (std::isnan(cpu_s)) return "";
  return ", server CPU " + fixed(cpu_s / static_cast<double>(rows) * 1e9, 0) + " ns/row";
}

inline std::string with_unit_rate(double rows_per_s) {
  if (std::isnan(rows_per_s)) return "n/a";
  if (rows_per_s >= 1e6) return fixed(rows_per_s / 1e6, 2) + " M rows/s";
  return fixed(rows_per_s / 1e3, 1) + " k rows/s";
}

// ---------------------------------------------------------------------------------------------
// Child processes. Everything a child needs is prepared before fork(): the bench process may
// already run DuckDB worker threads, and only async-signal-safe calls are sound after fork.

// What the signal handler needs to stop the servers and clean up; plain data only.
struct Emergency {
  volatile pid_t mallard = 0;
  volatile pid_t postmaster = 0;
  char tmpdir[4096] = {0};
  char rm_path[256] = "/bin/rm";
  bool keep_tmp = false;
};
inline Emergency g_emergency;

inline void on_fatal_signal(int sig) {
  if (g_emergency.mallard > 0) kill(g_emergency.mallard, SIGTERM);
  // SIGINT is PostgreSQL's "fast" shutdown: clients are disconnected, no waiting.
  if (g_emergency.postmaster > 0) kill(g_emergency.postmaster, SIGINT);
  for (int i = 0; i < 300; ++i) {
    bool m_alive = g_emergency.mallard > 0 && waitpid(g_emergency.mallard, nullptr, WNOHANG) == 0;
    bool p_alive = g_emergency.postmaster > 0 && kill(g_emergency.postmaster, 0) == 0;
    if (!m_alive && !p_alive) break;
    struct timespec ts{0, 100'000'000};
    nanosleep(&ts, nullptr);
  }
  if (g_emergency.mallard > 0) kill(g_emergency.mallard, SIGKILL);
  if (g_emergency.postmaster > 0) kill(g_emergency.postmaster, SIGQUIT);
  if (g_emergency.tmpdir[0] && !g_emergency.keep_tmp) {
    pid_t p = fork();
    if (p == 0) {
      char arg0[] = "rm", arg1[] = "-rf";
      char *args[] = {arg0, arg1, g_emergency.tmpdir, nullptr};
      execve(g_emergency.rm_path, args, environ);
      _exit(127);
    }
    if (p > 0) waitpid(p, nullptr, 0);
  }
  _exit(128 + sig);
}

inline std::string find_in_path(const std::string &name) {
  if (name.find('/') != std::string::npos) return name;
  const char *path = std::getenv("PATH");
  std::string p = path ? path : "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";
  std::stringstream ss(p);
  std::string dir;
  while (std::getline(ss, dir, ':')) {
    fs::path cand = fs::path(dir.empty() ? "." : dir) / name;
    if (access(cand.c_str(), X_OK) == 0) return cand.string();
  }
  for (const char *d : {"/usr/sbin", "/sbin", "/usr/bin", "/bin"}) {
    fs::path cand = fs::path(d) / name;
    if (access(cand.c_str(), X_OK) == 0) return cand.string();
  }
  fail("program not found: " + name);
}

inline bool running_as_root() { return geteuid() == 0; }

struct Spawn {
  std::vector<std::string> argv;
  std::string log_path;  // stdout and stderr are appended here
  std::string cwd;
  std::vector<std::string> env_set;  // NAME=value, added or replacing
  bool as_pg_user = false;           // PostgreSQL refuses to run as root
};

inline pid_t spawn(const Spawn &s) {
  std::vector<std::string> args = s.argv;
  if (s.as_pg_user && running_as_root()) {
    std::vector<std::string> wrapped = {find_in_path("runuser"), "-u", "postgres", "--"};
    wrapped.insert(wrapped.end(), args.begin(), args.end());
    args = std::move(wrapped);
  }
  args[0] = find_in_path(args[0]);
  std::vector<char *> cargv;
  for (auto &a : args) cargv.push_back(a.data());
  cargv.push_back(nullptr);

  std::vector<std::string> env;
  for (char **e = environ; *e; ++e) {
    std::string_view kv(*e);
    auto name = kv.substr(0, kv.find('='));
    bool replaced = std::any_of(s.env_set.begin(), s.env_set.end(), [&](const std::string &x) {
      return std::string_view(x).substr(0, x.find('=')) == name;
    });
    if (!replaced) env.emplace_back(kv);
  }
  env.insert(env.end(), s.env_set.begin(), s.env_set.end());
  std::vector<char *> cenv;
  for (auto &e : env) cenv.push_back(e.data());
  cenv.push_back(nullptr);

  const char *log = s.log_path.empty() ? "/dev/null" : s.log_path.c_str();
  const char *cwd = s.cwd.empty() ? nullptr : s.cwd.c_str();
  pid_t pid = fork();
  if (pid < 0) fail("fork failed");
  if (pid == 0) {
    // Own process group: a Ctrl-C reaches only the bench, which then stops servers in order.
    setpgid(0, 0);
    int in = open("/dev/null", O_RDONLY);
    int out = open(log, O_WRONLY | O_CREAT | O_APPEND, 0644);
    if (in >= 0) dup2(in, 0);
    if (out >= 0) {
      dup2(out, 1);
      dup2(out, 2);
    }
    if (cwd && chdir(cwd) != 0) _exit(126);
    execve(cargv[0], cargv.data(), cenv.data());
    _exit(127);
  }
  return pid;
}

// Exit status, or nullopt when the process is still running after timeout.
inline std::optional<int> wait_for(pid_t pid, std::chrono::milliseconds timeout) {
  auto deadline = Clock::now() + timeout;
  while (true) {
    int status = 0;
    pid_t r = waitpid(pid, &status, WNOHANG);
    if (r == pid) return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
    if (r < 0) return -1;
    if (Clock::now() >= deadline) return std::nullopt;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
}

inline std::string file_tail(const std::string &path, size_t max = 2000) {
  std::ifstream in(path);
  std::string s((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  return s.size() > max ? s.substr(s.size() - max) : s;
}

inline void run_checked(const Spawn &s, const std::string &what) {
  pid_t pid = spawn(s);
  auto st = wait_for(pid, std::chrono::minutes(5));
  if (!st) {
    kill(pid, SIGKILL);
    waitpid(pid, nullptr, 0);
    fail(what + " timed out");
  }
  if (*st != 0) fail(what + " failed (exit " + std::to_string(*st) + "):\n" + file_tail(s.log_path));
}

inline int free_port() {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  a.sin_port = 0;
  socklen_t len = sizeof(a);
  if (fd < 0 || bind(fd, reinterpret_cast<sockaddr *>(&a), sizeof(a)) != 0 ||
      getsockname(fd, reinterpret_cast<sockaddr *>(&a), &len) != 0) {
    if (fd >= 0) close(fd);
    fail("cannot find a free port");
  }
  int port = ntohs(a.sin_port);
  close(fd);
  return port;
}

// ---------------------------------------------------------------------------------------------
// Servers

inline constexpr const char *kMallardPassword = "secret";

class MallardServer {
 public:
  // `config`: lines of a configuration file to start with (e.g. more warehouses); none when empty.
  MallardServer(const std::string &bin, const fs::path &dir, const std::vector<std::string> &config = {}) : dir_(dir) {
    fs::create_directories(dir_);
    port_ = free_port();
    log_ = (dir_ / "mallard.log").string();
    Spawn s;
    // Cleartext password auth lets the raw-socket client log in without implementing SCRAM; it
    // changes nothing after the connection is established.
    s.argv = {bin, "serve", "--data-dir", (dir_ / "data").string(), "--listen", "127.0.0.1:" + std::to_string(port_),
              "--auth-method", "password"};
    if (!config.empty()) {
      std::string text;
      for (auto &line : config) text += line + "\n";
      std::ofstream((dir_ / "mallard.toml").string()) << text;
      s.argv.insert(s.argv.end(), {"--config", (dir_ / "mallard.toml").string()});
    }
    s.log_path = log_;
    s.env_set = {std::string("MALLARD_PASSWORD=") + kMallardPassword};
    pid_ = spawn(s);
    g_emergency.mallard = pid_;
    auto deadline = Clock::now() + std::chrono::minutes(2);
    while (true) {
      if (file_tail(log_, 100000).find("listening on") != std::string::npos) break;
      if (auto st = wait_for(pid_, std::chrono::milliseconds(0))) {
        pid_ = 0;
        g_emergency.mallard = 0;
        fail("mallard exited during start-up (" + std::to_string(*st) + "):\n" + file_tail(log_));
      }
      if (Clock::now() > deadline) {
        stop();
        fail("mallard did not start listening within 2 minutes:\n" + file_tail(log_));
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
  }
  ~MallardServer() { stop(); }
  MallardServer(const MallardServer &) = delete;
  MallardServer &operator=(const MallardServer &) = delete;

  void stop() {
    if (pid_ <= 0) return;
    kill(pid_, SIGTERM);
    if (!wait_for(pid_, std::chrono::seconds(60))) {
      note("mallard did not stop within 60 s of SIGTERM; killing it");
      kill(pid_, SIGKILL);
      waitpid(pid_, nullptr, 0);
    }
    pid_ = 0;
    g_emergency.mallard = 0;
  }
  // `database` names the warehouse.
  std::string conninfo(const std::string &database = "mallard") const {
    return "host=127.0.0.1 port=" + std::to_string(port_) + " user=mallard dbname=" + database + " password=" +
           kMallardPassword + " sslmode=disable";
  }
  int port() const { return port_; }
  pid_t pid() const { return pid_; }
  const std::string &log() const { return log_; }
  // The server's --data-dir: warehouses/<name>/lake/<schema>/<table>/ holds a lake table's files.
  fs::path data_dir() const { return dir_ / "data"; }

 private:
  fs::path dir_;
  std::string log_;
  int port_ = 0;
  pid_t pid_ = 0;
};

// SQL text of a string, and of a list of strings (DuckDB list literal).
inline std::string sql_literal(const std::string &s) {
  std::string out = "'";
  for (char c : s) {
    if (c == '\'') out += '\'';
    out += c;
  }
  return out + "'";
}

inline std::string list_literal(const std::vector<std::string> &paths) {
  std::string s = "[";
  for (size_t i = 0; i < paths.size(); ++i) s += (i ? ", " : "") + sql_literal(paths[i]);
  return s + "]";
}

// The directory of a lake table of the default warehouse's main schema.
inline fs::path table_dir(const MallardServer &m, const std::string &table) {
  return m.data_dir() / "warehouses" / "mallard" / "lake" / "main" / table;
}

// The table's Parquet files: data files, or positional delete files (ducklake-<uuid>-delete.parquet).
inline std::vector<std::string> table_files(const MallardServer &m, const std::string &table, bool deletes) {
  std::vector<std::string> out;
  fs::path dir = table_dir(m, table);
  if (!fs::is_directory(dir)) fail("no directory " + dir.string() + " for lake table " + table);
  for (auto &e : fs::directory_iterator(dir)) {
    std::string name = e.path().filename().string();
    if (e.path().extension() != ".parquet") continue;
    bool is_delete = name.size() > 15 && name.compare(name.size() - 15, 15, "-delete.parquet") == 0;
    if (is_delete == deletes) out.push_back(e.path().string());
  }
  std::sort(out.begin(), out.end());
  return out;
}

class PostgresServer {
 public:
  PostgresServer(const std::string &bin_dir, const fs::path &dir) : bin_(bin_dir), dir_(dir) {
    for (const char *tool : {"initdb", "pg_ctl", "postgres"})
      if (access((fs::path(bin_) / tool).c_str(), X_OK) != 0) fail(std::string(tool) + " not found in " + bin_);
    fs::create_directories(dir_);
    if (running_as_root()) {
      ensure_pg_user();
      passwd *pw = getpwnam("postgres");
      if (chown(dir_.c_str(), pw->pw_uid, pw->pw_gid) != 0) fail("cannot chown " + dir_.string());
    }
    fs::permissions(dir_, fs::perms::owner_all, fs::perm_options::replace);
    data_ = (dir_ / "data").string();
    log_ = (dir_ / "server.log").string();
    std::string tool_log = (dir_ / "tools.log").string();
    port_ = free_port();

    Spawn init;
    // Trust over loopback only affects log-in; every server setting stays at its default.
    init.argv = {(fs::path(bin_) / "initdb").string(), "-D", data_, "-U", "postgres", "-A", "trust", "-E", "UTF8",
                 "--locale=C"};
    init.log_path = tool_log;
    init.cwd = dir_.string();
    init.as_pg_user = true;
    run_checked(init, "initdb");

    Spawn start;
    start.argv = {(fs::path(bin_) / "pg_ctl").string(), "start", "-D", data_, "-l", log_, "-w", "-t", "120",
                  "-o", "-c listen_addresses=127.0.0.1 -c port=" + std::to_string(port_) +
                            " -c unix_socket_directories=" + dir_.string()};
    start.log_path = tool_log;
    start.cwd = dir_.string();
    start.as_pg_user = true;
    started_ = true;
    try {
      run_checked(start, "pg_ctl start");
    } catch (...) {
      stop();
      throw;
    }
    std::ifstream pidfile(fs::path(data_) / "postmaster.pid");
    long pid = 0;
    if (pidfile >> pid) g_emergency.postmaster = static_cast<pid_t>(pid);
  }
  ~PostgresServer() { stop(); }
  PostgresServer(const PostgresServer &) = delete;
  PostgresServer &operator=(const PostgresServer &) = delete;

  void stop() {
    if (!started_) return;
    started_ = false;
    Spawn s;
    s.argv = {(fs::path(bin_) / "pg_ctl").string(), "stop", "-D", data_, "-m", "fast", "-w", "-t", "120"};
    s.log_path = (dir_ / "tools.log").string();
    s.cwd = dir_.string();
    s.as_pg_user = true;
    try {
      run_checked(s, "pg_ctl stop");
    } catch (const std::exception &e) {
      note(std::string(e.what()) + "; sending SIGQUIT to the postmaster");
      if (g_emergency.postmaster > 0) kill(g_emergency.postmaster, SIGQUIT);
    }
    g_emergency.postmaster = 0;
  }
  std::string conninfo() const {
    return "host=127.0.0.1 port=" + std::to_string(port_) + " user=postgres dbname=postgres sslmode=disable";
  }
  int port() const { return port_; }

 private:
  static void ensure_pg_user() {
    if (getpwnam("postgres")) return;
    note("creating system user postgres to run PostgreSQL");
    Spawn s;
    s.argv = {"useradd", "--system", "--user-group", "--no-create-home", "--shell", "/usr/sbin/nologin", "postgres"};
    s.log_path = "/dev/null";
    run_checked(s, "useradd postgres");
    if (!getpwnam("postgres")) fail("could not create user postgres");
  }
  std::string bin_;
  fs::path dir_;
  std::string data_, log_;
  int port_ = 0;
  bool started_ = false;
};

// ---------------------------------------------------------------------------------------------
// libpq

class Pq {
 public:
  explicit Pq(const std::string &conninfo) : c_(PQconnectdb(conninfo.c_str())) {
    if (PQstatus(c_) != CONNECTION_OK) {
      std::string msg = PQerrorMessage(c_);
      PQfinish(c_);
      c_ = nullptr;
      fail("connection failed: " + msg);
    }
    // Notices such as "table does not exist, skipping" would only clutter the report.
    PQsetNoticeProcessor(c_, [](void *, const char *) {}, nullptr);
  }
  ~Pq() {
    if (c_) PQfinish(c_);
  }
  Pq(const Pq &) = delete;
  Pq &operator=(const Pq &) = delete;
  PGconn *get() const { return c_; }

  // Runs one statement, discarding rows; returns the number of rows it returned.
  int exec(const std::string &sql) {
    PGresult *r = PQexec(c_, sql.c_str());
    auto st = PQresultStatus(r);
    if (st != PGRES_COMMAND_OK && st != PGRES_TUPLES_OK) {
      std::string msg = PQresultErrorMessage(r);
      PQclear(r);
      fail("\"" + sql.substr(0, 80) + "\" failed: " + msg);
    }
    int n = PQntuples(r);
    PQclear(r);
    return n;
  }
  std::string scalar(const std::string &sql) {
    PGresult *r = PQexec(c_, sql.c_str());
    if (PQresultStatus(r) != PGRES_TUPLES_OK || PQntuples(r) < 1) {
      std::string msg = PQresultErrorMessage(r);
      PQclear(r);
      fail("\"" + sql.substr(0, 80) + "\" failed: " + msg);
    }
    std::string v = PQgetvalue(r, 0, 0);
    PQclear(r);
    return v;
  }

 private:
  PGconn *c_;
};

// ---------------------------------------------------------------------------------------------
// In-process DuckDB

inline uint64_t drain(mallard::duck::Result &r) {
  uint64_t rows = 0;
  while (true) {
    mallard::duck::DataChunk c = r.fetch();
    if (!c) break;
    rows += duckdb_data_chunk_get_size(c.get());
  }
  return rows;
}

// One result line: printed as it is measured and kept for the closing summary table.
struct Row {
  std::string workload, mallard, reference, ratio, target;
  std::string met;  // "yes", "no" or "-"
};
inline std::vector<Row> g_summary;

inline void add_row(Row r, int workload_width = 50) {
  std::printf("  %-*s | %-42s | %-50s | %-8s | %-12s | %s\n", workload_width, r.workload.c_str(), r.mallard.c_str(),
              r.reference.c_str(), r.ratio.c_str(), r.target.c_str(), r.met.c_str());
  std::fflush(stdout);
  g_summary.push_back(std::move(r));
}

inline void print_summary(long long rows) {
  std::printf("\n==== summary (%lld rows) ====\n", rows);
  std::printf("| workload | Mallard | reference | ratio | target | met |\n|---|---|---|---|---|---|\n");
  for (const auto &r : g_summary)
    std::printf("| %s | %s | %s | %s | %s | %s |\n", r.workload.c_str(), r.mallard.c_str(), r.reference.c_str(),
                r.ratio.c_str(), r.target.c_str(), r.met.c_str());
  std::fflush(stdout);
}

inline std::string shell_quote(const std::string &s) {
  if (!s.empty() && s.find_first_not_of("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-./=:,") ==
                        std::string::npos)
    return s;
  std::string out = "'";
  for (char c : s) {
    if (c == '\'') out += "'\\''";
    else out += c;
  }
  return out + "'";
}

}  // namespace mallard::bench
