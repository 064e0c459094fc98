#include "support/server.hpp"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <pwd.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <regex>
#include <sstream>
#include <thread>

#include "support/process.hpp"

namespace fs = std::filesystem;
using namespace std::chrono_literals;

namespace mallard::it {

namespace {

const char *reference_bin() {
  const char *bin = std::getenv("MALLARD_IT_REFERENCE_PG");
  return bin && *bin ? bin : nullptr;
}

std::string read_file(const std::string &path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

void write_file(const std::string &path, const std::string &text) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out << text;
}

std::string trim(std::string s) {
  while (!s.empty() && isspace(static_cast<unsigned char>(s.back()))) s.pop_back();
  size_t i = 0;
  while (i < s.size() && isspace(static_cast<unsigned char>(s[i]))) ++i;
  return s.substr(i);
}

// libpq conninfo values: single-quoted, with ' and \ escaped.
std::string quote_conninfo(const std::string &value) {
  std::string out = "'";
  for (char c : value) {
    if (c == '\'' || c == '\\') out += '\\';
    out += c;
  }
  return out + "'";
}

std::string connect_host(const std::string &listen_host) {
  return listen_host == "0.0.0.0" || listen_host.empty() ? "127.0.0.1" : listen_host;
}

// Ignoring SIGPIPE once: writes to a socket the server has closed must fail with EPIPE, not kill us.
struct IgnoreSigpipe {
  IgnoreSigpipe() { signal(SIGPIPE, SIG_IGN); }
} ignore_sigpipe;

}  // namespace

bool reference_mode() { return reference_bin() != nullptr; }

std::string installed_postgres_bin() {
  // Debian installs each major version under /usr/lib/postgresql/<major>/bin; take the newest.
  std::string best;
  int best_major = -1;
  std::error_code ec;
  for (const auto &entry : fs::directory_iterator("/usr/lib/postgresql", ec)) {
    std::string name = entry.path().filename().string();
    int major = std::atoi(name.c_str());
    if (major > best_major && fs::exists(entry.path() / "bin" / "initdb")) {
      best_major = major;
      best = (entry.path() / "bin").string();
    }
  }
  return best;
}

std::string long_query() {
  return reference_mode() ? "SELECT pg_sleep(120)" : "SELECT count(*) FROM range(10000000000)";
}

int free_port() {
  int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return 0;
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = 0;
  int port = 0;
  if (bind(fd, reinterpret_cast<sockaddr *>(&addr), sizeof addr) == 0) {
    socklen_t len = sizeof addr;
    if (getsockname(fd, reinterpret_cast<sockaddr *>(&addr), &len) == 0) port = ntohs(addr.sin_port);
  }
  close(fd);
  return port;
}

Server::Server(ServerOptions options) : options_(std::move(options)) {
  char tmpl[] = "/tmp/mallard-it-XXXXXX";
  if (!mkdtemp(tmpl)) throw std::runtime_error("mkdtemp failed");
  root_ = tmpl;
  data_dir_ = root_ + "/data";
  log_path_ = root_ + "/server.log";
  fs::create_directories(data_dir_);
}

Server::~Server() {
  if (pid_ > 0) stop();
  std::error_code ec;
  if (!std::getenv("MALLARD_IT_KEEP")) fs::remove_all(root_, ec);
}

std::string Server::scratch_path(std::string_view name) const { return root_ + "/" + std::string(name); }

bool Server::is_postgres() const { return reference_mode() || options_.real_postgres || !options_.postgres_bin.empty(); }

std::string Server::password() const {
  if (options_.password || is_postgres()) return options_.password.value_or(kPassword);
  return trim(read_file(data_dir_ + "/initial-password"));
}

std::string Server::log() const { return read_file(log_path_); }

std::string Server::log_since_start() const {
  std::string all = log();
  return log_offset_ <= all.size() ? all.substr(log_offset_) : all;
}

std::string Server::conninfo(std::string_view extra) const {
  std::ostringstream ci;
  ci << "host=" << connect_host(options_.listen_host) << " port=" << port_ << " user=" << kUser
     // Generous: the first connection activates the warehouse, which under the sanitizers on a
     // loaded 2-core machine can take well over 15 s; a hang still ends at the test's time limit.
     << " dbname=" << kDatabase << " sslmode=disable gssencmode=disable connect_timeout=60";
  std::string pw;
  // The generated password only exists once the server has written it.
  pw = password();
  if (!pw.empty()) ci << " password=" << quote_conninfo(pw);
  if (!extra.empty()) ci << " " << extra;
  return ci.str();
}

void Server::append_log_marker() {
  std::error_code ec;
  auto size = fs::file_size(log_path_, ec);
  log_offset_ = ec ? 0 : static_cast<size_t>(size);
}

bool Server::running() {
  if (pid_ <= 0) return false;
  int status = 0;
  pid_t r = waitpid(pid_, &status, WNOHANG);
  if (r == pid_) {
    pid_ = -1;
    unexpected_status_ = status;
    return false;
  }
  return true;
}

bool Server::start() {
  if (running()) return true;
  bool ok = false;
  for (int attempt = 0; attempt < 3 && !ok; ++attempt) {
    failure_.clear();
    if (!options_.keep_port || port_ == 0 || attempt > 0) port_ = free_port();
    append_log_marker();
    ok = is_postgres() ? start_reference() : start_mallard();
    // The free port can be taken by someone else between our probe and the server's bind; only
    // that failure is worth another try.
    if (!ok && log_since_start().find("in use") == std::string::npos) break;
  }
  started_once_ = started_once_ || ok;
  return ok;
}

bool Server::start_mallard() {
  std::string listen = options_.listen_host + ":" + std::to_string(port_);
  std::vector<std::string> argv = {MALLARD_BINARY, "serve"};
  SpawnOptions so;
  so.env_unset = {"MALLARD_*"};
  if (options_.password) so.env_set.push_back({"MALLARD_PASSWORD", *options_.password});
  // Every incremental snapshot load is checked against a full one (the server stops on a difference).
  so.env_set.push_back({"MALLARD_VERIFY_REFRESH", "true"});
  if (options_.flags_via_env) {
    so.env_set.push_back({"MALLARD_DATA_DIR", data_dir_});
    if (!options_.listen_via_config) so.env_set.push_back({"MALLARD_LISTEN", listen});
  } else {
    argv.insert(argv.end(), {"--data-dir", data_dir_});
    if (!options_.listen_via_config) argv.insert(argv.end(), {"--listen", listen});
  }
  if (options_.listen_via_config || !options_.config_lines.empty()) {
    std::string config = root_ + "/mallard.toml", text = "# written by the integration tests\n";
    if (options_.listen_via_config) text += "listen = \"" + listen + "\"\n";
    for (const auto &line : options_.config_lines) text += line + "\n";
    write_file(config, text);
    argv.insert(argv.end(), {"--config", config});
  }
  auto flag = [&](const char *name, const std::string &value) {
    if (!value.empty()) argv.insert(argv.end(), {name, value});
  };
  flag("--auth-method", options_.auth_method);
  flag("--password-encryption", options_.password_encryption);
  flag("--tls-required", options_.tls_required);
  flag("--tls-cert", options_.tls_cert);
  flag("--tls-key", options_.tls_key);
  if (options_.max_connections > 0) flag("--max-connections", std::to_string(options_.max_connections));
  argv.insert(argv.end(), options_.extra_args.begin(), options_.extra_args.end());
  for (const auto &kv : options_.extra_env) so.env_set.push_back(kv);

  pid_ = spawn_background(argv, so, log_path_);
  if (pid_ <= 0) {
    failure_ = "could not start " + std::string(MALLARD_BINARY);
    return false;
  }
  std::ostringstream ping;
  ping << "host=" << connect_host(options_.listen_host) << " port=" << port_ << " user=" << kUser
       << " dbname=" << kDatabase << " sslmode=prefer gssencmode=disable connect_timeout=2";
  return wait_ready(ping.str());
}

bool Server::wait_ready(const std::string &ping_conninfo) {
  auto deadline = std::chrono::steady_clock::now() + 60s;
  while (std::chrono::steady_clock::now() < deadline) {
    if (!running()) {
      failure_ = "server exited during start-up; its output:\n" + log_since_start();
      return false;
    }
    if (PQping(ping_conninfo.c_str()) == PQPING_OK) return true;
    std::this_thread::sleep_for(50ms);
  }
  failure_ = "server did not accept connections within 60 s; its output:\n" + log_since_start();
  stop();
  return false;
}

int Server::stop(int sig) {
  if (pid_ <= 0) return -1;
  // PostgreSQL's SIGTERM is a "smart" shutdown that waits for clients; SIGINT is the fast shutdown
  // that matches what mallard promises for SIGTERM.
  if (is_postgres() && sig == SIGTERM) sig = SIGINT;
  kill(pid_, sig);
  auto deadline = std::chrono::steady_clock::now() + 10s;
  int status = 0;
  bool exited = false;
  while (std::chrono::steady_clock::now() < deadline) {
    pid_t r = waitpid(pid_, &status, WNOHANG);
    if (r == pid_) {
      exited = true;
      break;
    }
    std::this_thread::sleep_for(20ms);
  }
  if (!exited) {
    kill(pid_, SIGKILL);
    waitpid(pid_, &status, 0);
    pid_ = -1;
    return -1;
  }
  pid_ = -1;
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

void Server::kill_hard() {
  if (pid_ <= 0) return;
  kill(pid_, SIGKILL);
  int status = 0;
  waitpid(pid_, &status, 0);
  pid_ = -1;
}

// A real PostgreSQL 15 configured to match the options as closely as the contract allows, so the
// expectations written here can be checked against the behaviour being imitated.
bool Server::start_reference() {
  std::string bin = !options_.postgres_bin.empty() ? options_.postgres_bin
                    : reference_bin()               ? std::string(reference_bin())
                                                    : installed_postgres_bin();
  passwd *pg = getpwnam("postgres");
  if (!pg) {
    failure_ = "reference mode needs a 'postgres' system user";
    return false;
  }
  SpawnOptions as_pg;
  as_pg.uid = pg->pw_uid;
  as_pg.gid = pg->pw_gid;
  as_pg.env_unset = {"PG*"};
  std::string pw = options_.password.value_or(kPassword);
  std::error_code ec;
  if (!reference_initialized_) {
    fs::remove_all(data_dir_, ec);
    write_file(root_ + "/pwfile", pw + "\n");
    chown(root_.c_str(), pg->pw_uid, pg->pw_gid);
    chown((root_ + "/pwfile").c_str(), pg->pw_uid, pg->pw_gid);
    // --no-sync: a throwaway cluster need not survive a power cut, and it saves seconds per start.
    auto r = run_process({bin + "/initdb", "--no-sync", "-D", data_dir_, "-U", kUser, "--pwfile=" + root_ + "/pwfile",
                          "--auth-local=trust", "--auth-host=scram-sha-256", "-E", "UTF8", "--no-locale"},
                         as_pg, {}, 120s);
    if (r.exit_code != 0) {
      failure_ = "initdb failed: " + r.out + r.err;
      return false;
    }
    std::string crt = data_dir_ + "/server.crt", key = data_dir_ + "/server.key";
    if (!options_.tls_cert.empty()) {
      fs::copy_file(options_.tls_cert, crt, fs::copy_options::overwrite_existing, ec);
      fs::copy_file(options_.tls_key, key, fs::copy_options::overwrite_existing, ec);
    } else {
      auto o = run_process({"openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", key, "-out", crt,
                            "-days", "2", "-subj", "/CN=localhost"},
                           {}, {}, 60s);
      if (o.exit_code != 0) {
        failure_ = "openssl failed: " + o.err;
        return false;
      }
    }
    chmod(key.c_str(), 0600);
    chown(crt.c_str(), pg->pw_uid, pg->pw_gid);
    chown(key.c_str(), pg->pw_uid, pg->pw_gid);
    std::ofstream conf(data_dir_ + "/postgresql.conf", std::ios::app);
    conf << "\ninclude 'mallard_it.conf'\n";
  }
  bool tls_only = options_.tls_required == "true" ||
                  (options_.tls_required != "false" && connect_host(options_.listen_host) != options_.listen_host);
  std::string method = options_.auth_method.empty() ? "scram-sha-256" : options_.auth_method;
  std::ostringstream conf;
  conf << "listen_addresses = '" << options_.listen_host << "'\nport = " << port_
       << "\nunix_socket_directories = '" << root_ << "'\nssl = on\nfsync = off\n"
       << "superuser_reserved_connections = 0\nmax_connections = "
       << (options_.max_connections > 0 ? options_.max_connections : 100) << "\n"
       << "password_encryption = '"
       << (options_.password_encryption.empty() ? "scram-sha-256" : options_.password_encryption) << "'\n"
       << "TimeZone = 'UTC'\n";
  for (const auto &line : options_.postgres_conf) conf << line << "\n";
  write_file(data_dir_ + "/mallard_it.conf", conf.str());
  std::string hba = "local all all trust\n";
  hba += std::string(tls_only ? "hostssl" : "host") + " all all 0.0.0.0/0 " + method + "\n";
  write_file(data_dir_ + "/pg_hba.conf", hba);
  chown((data_dir_ + "/mallard_it.conf").c_str(), pg->pw_uid, pg->pw_gid);
  chown((data_dir_ + "/pg_hba.conf").c_str(), pg->pw_uid, pg->pw_gid);
  chown(log_path_.c_str(), pg->pw_uid, pg->pw_gid);

  pid_ = spawn_background({bin + "/postgres", "-D", data_dir_}, as_pg, log_path_);
  if (pid_ <= 0) {
    failure_ = "could not start postgres";
    return false;
  }
  std::string admin = "host=" + root_ + " port=" + std::to_string(port_) + " user=mallard dbname=postgres";
  if (!wait_ready(admin)) return false;
  Conn c(PQconnectdb(admin.c_str()));
  if (PQstatus(c.get()) != CONNECTION_OK) {
    failure_ = std::string("admin connection failed: ") + PQerrorMessage(c.get());
    return false;
  }
  if (!reference_initialized_) PQclear(PQexec(c.get(), "CREATE DATABASE mallard"));
  std::string enc = options_.password_encryption.empty() ? "scram-sha-256" : options_.password_encryption;
  PQclear(PQexec(c.get(), ("SET password_encryption = '" + enc + "'").c_str()));
  PQclear(PQexec(c.get(), ("ALTER USER mallard PASSWORD '" + pw + "'").c_str()));
  reference_initialized_ = true;
  return true;
}

// ---- libpq helpers ----

std::ostream &operator<<(std::ostream &os, const SqlError &e) {
  return os << "[" << e.severity << " " << e.sqlstate << " pos=" << e.position << "] " << e.message;
}

ConnectAttempt try_connect(const std::string &conninfo, std::chrono::seconds timeout) {
  ConnectAttempt out;
  out.conn.reset(PQconnectStart(conninfo.c_str()));
  PGconn *c = out.conn.get();
  if (!c) {
    out.message = "out of memory";
    return out;
  }
  // Verbose messages carry the SQLSTATE, which libpq offers no other way to read for a refused start-up.
  PQsetErrorVerbosity(c, PQERRORS_VERBOSE);
  auto deadline = std::chrono::steady_clock::now() + timeout;
  PostgresPollingStatusType st = PGRES_POLLING_WRITING;
  while (PQstatus(c) != CONNECTION_BAD) {
    if (st == PGRES_POLLING_OK) break;
    if (st == PGRES_POLLING_FAILED) break;
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) {
      out.message = "connection attempt timed out";
      return out;
    }
    pollfd p{PQsocket(c), static_cast<short>(st == PGRES_POLLING_READING ? POLLIN : POLLOUT), 0};
    if (p.fd >= 0) poll(&p, 1, static_cast<int>(std::min<long long>(left.count(), 500)));
    st = PQconnectPoll(c);
  }
  out.ok = PQstatus(c) == CONNECTION_OK;
  out.message = PQerrorMessage(c);
  static const std::regex code(R"((FATAL|ERROR|PANIC):\s+([0-9A-Z]{5}):)");
  std::smatch m;
  if (std::regex_search(out.message, m, code)) out.sqlstate = m[2];
  if (out.ok) PQsetErrorVerbosity(c, PQERRORS_DEFAULT);
  return out;
}

Conn connect_info(const std::string &conninfo) {
  ConnectAttempt a = try_connect(conninfo);
  if (!a.ok) {
    ADD_FAILURE() << "connection failed (" << conninfo << "): " << a.message;
    return nullptr;
  }
  return std::move(a.conn);
}

Conn connect(const Server &server, std::string_view extra) { return connect_info(server.conninfo(extra)); }

Result exec(PGconn *conn, std::string_view sql) { return Result(PQexec(conn, std::string(sql).c_str())); }

SqlError error_of(const PGresult *res) {
  SqlError e;
  if (!res) return e;
  auto field = [&](int code) {
    const char *v = PQresultErrorField(res, code);
    return std::string(v ? v : "");
  };
  e.sqlstate = field(PG_DIAG_SQLSTATE);
  e.message = field(PG_DIAG_MESSAGE_PRIMARY);
  e.detail = field(PG_DIAG_MESSAGE_DETAIL);
  e.severity = field(PG_DIAG_SEVERITY_NONLOCALIZED);
  if (e.severity.empty()) e.severity = field(PG_DIAG_SEVERITY);
  std::string pos = field(PG_DIAG_STATEMENT_POSITION);
  e.position = pos.empty() ? 0 : std::atoi(pos.c_str());
  if (e.message.empty()) e.message = PQresultErrorMessage(res);
  return e;
}

SqlError exec_error(PGconn *conn, std::string_view sql) {
  Result r = exec(conn, sql);
  if (!r) {
    ADD_FAILURE() << "no result for: " << sql << ": " << PQerrorMessage(conn);
    return {};
  }
  if (PQresultStatus(r.get()) != PGRES_FATAL_ERROR) {
    ADD_FAILURE() << "expected an error from: " << sql << ", got " << PQresStatus(PQresultStatus(r.get()));
    return {};
  }
  return error_of(r.get());
}

std::string exec_ok(PGconn *conn, std::string_view sql) {
  Result r = exec(conn, sql);
  ExecStatusType st = r ? PQresultStatus(r.get()) : PGRES_FATAL_ERROR;
  if (st != PGRES_COMMAND_OK && st != PGRES_TUPLES_OK) {
    ADD_FAILURE() << "statement failed: " << sql << ": " << (r ? PQresultErrorMessage(r.get()) : PQerrorMessage(conn));
    return {};
  }
  return PQcmdStatus(r.get());
}

std::vector<Row> rows_of(const PGresult *res) {
  std::vector<Row> rows;
  if (!res) return rows;
  for (int i = 0; i < PQntuples(res); ++i) {
    Row row;
    for (int j = 0; j < PQnfields(res); ++j) {
      if (PQgetisnull(res, i, j))
        row.push_back(std::nullopt);
      else
        row.push_back(value_bytes(res, i, j));
    }
    rows.push_back(std::move(row));
  }
  return rows;
}

std::string value_bytes(const PGresult *res, int row, int col) {
  return std::string(PQgetvalue(res, row, col), static_cast<size_t>(PQgetlength(res, row, col)));
}

std::vector<Row> query_rows(PGconn *conn, std::string_view sql) {
  Result r = exec(conn, sql);
  if (!r || PQresultStatus(r.get()) != PGRES_TUPLES_OK) {
    ADD_FAILURE() << "query failed: " << sql << ": " << (r ? PQresultErrorMessage(r.get()) : PQerrorMessage(conn));
    return {};
  }
  return rows_of(r.get());
}

std::string query_value(PGconn *conn, std::string_view sql) {
  Result r = exec(conn, sql);
  if (!r || PQresultStatus(r.get()) != PGRES_TUPLES_OK) {
    ADD_FAILURE() << "query failed: " << sql << ": " << (r ? PQresultErrorMessage(r.get()) : PQerrorMessage(conn));
    return {};
  }
  if (PQntuples(r.get()) != 1 || PQnfields(r.get()) != 1) {
    ADD_FAILURE() << "expected one value from: " << sql << ", got " << PQntuples(r.get()) << "x" << PQnfields(r.get());
    return {};
  }
  return PQgetisnull(r.get(), 0, 0) ? "<NULL>" : value_bytes(r.get(), 0, 0);
}

void NoticeLog::attach(PGconn *conn) {
  PQsetNoticeReceiver(
      conn,
      [](void *arg, const PGresult *res) { static_cast<NoticeLog *>(arg)->items.push_back(error_of(res)); },
      this);
}

bool wait_readable(int fd, std::chrono::milliseconds timeout) {
  pollfd p{fd, POLLIN, 0};
  return poll(&p, 1, static_cast<int>(timeout.count())) > 0;
}

::testing::AssertionResult server_healthy(Server &server) {
  if (!server.running()) return ::testing::AssertionFailure() << "server process is gone; output:\n" << server.log();
  ConnectAttempt a = try_connect(server.conninfo("sslmode=prefer"));
  if (!a.ok) return ::testing::AssertionFailure() << "fresh connection failed: " << a.message;
  Result r(PQexec(a.conn.get(), "SELECT 41 + 1"));
  if (PQresultStatus(r.get()) != PGRES_TUPLES_OK || std::string(PQgetvalue(r.get(), 0, 0)) != "42")
    return ::testing::AssertionFailure() << "fresh connection cannot query: " << PQerrorMessage(a.conn.get());
  return ::testing::AssertionSuccess();
}

}  // namespace mallard::it
