#pragma once
// Test harness for the integration suite: runs the real `mallard` binary (or, for checking the tests
// themselves, a real PostgreSQL 15 when MALLARD_IT_REFERENCE_PG names its bin directory, e.g.
// /usr/lib/postgresql/15/bin; needs root and a `postgres` user) in a private temporary directory on a
// free loopback port, and offers small libpq helpers. MALLARD_IT_KEEP=1 keeps the directories.

#include <libpq-fe.h>
#include <sys/types.h>

#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <gtest/gtest.h>

namespace mallard::it {

inline constexpr const char *kUser = "mallard";
inline constexpr const char *kDatabase = "mallard";
inline constexpr const char *kPassword = "It-Secret-pa55word";

// Query that keeps a server busy for far longer than any test waits (until cancelled).
std::string long_query();
// True when the suite runs against a real PostgreSQL instead of mallard.
bool reference_mode();
// The bin directory of the installed PostgreSQL server (initdb, postgres), or empty.
std::string installed_postgres_bin();

struct ServerOptions {
  // Non-empty: always run this real PostgreSQL (its bin directory), whatever the mode, for tests of
  // components that are clients of PostgreSQL themselves (the external metadata store).
  std::string postgres_bin;
  // MALLARD_PASSWORD for the first start; nullopt leaves it unset so the server generates one.
  std::optional<std::string> password = std::string(kPassword);
  std::string listen_host = "127.0.0.1";
  std::string auth_method;          // --auth-method, empty: server default
  std::string password_encryption;  // --password-encryption
  std::string tls_required;         // --tls-required
  std::string tls_cert, tls_key;    // --tls-cert / --tls-key
  int max_connections = 0;          // --max-connections, 0: server default
  // Deliver --data-dir and --listen as MALLARD_DATA_DIR / MALLARD_LISTEN instead of flags.
  bool flags_via_env = false;
  // Deliver --listen through a --config file instead of a flag.
  bool listen_via_config = false;
  // Further `key = value` lines for the --config file (a config file is used when non-empty).
  std::vector<std::string> config_lines;
  std::vector<std::string> extra_args;
  std::vector<std::pair<std::string, std::string>> extra_env;
  // Start a real PostgreSQL 15 even outside reference mode (for tests of tools that sit in front
  // of PostgreSQL); its binaries come from MALLARD_IT_REFERENCE_PG or /usr/lib/postgresql/15/bin.
  bool real_postgres = false;
  // Further postgresql.conf lines for a real PostgreSQL.
  std::vector<std::string> postgres_conf;
  // Restarts listen on the port of the first start (clients configured with it find the server
  // again, e.g. a metadata store that comes back after an outage).
  bool keep_port = false;
};

class Server {
 public:
  explicit Server(ServerOptions options = {});
  ~Server();
  Server(const Server &) = delete;
  Server &operator=(const Server &) = delete;

  // Starts the server on a fresh free port and waits until it accepts connections (30 s).
  // On failure returns false; failure() then holds the reason and the server's stderr.
  bool start();
  // Sends `sig` (SIGTERM by default), waits up to 10 s, then SIGKILLs. Returns the exit code, or
  // -1 when the process had to be killed or died from a signal.
  int stop(int sig = 15);
  // SIGKILL without any chance to clean up (crash simulation).
  void kill_hard();
  bool running();
  // True once a start() succeeded; with !running(), the process ended without stop().
  bool started_once() const { return started_once_; }
  // Raw wait status of the last unexpected exit seen by running(), or -1.
  int unexpected_exit_status() const { return unexpected_status_; }

  pid_t pid() const { return pid_; }
  int port() const { return port_; }
  const std::string &root_dir() const { return root_; }
  const std::string &data_dir() const { return data_dir_; }
  const std::string &failure() const { return failure_; }
  ServerOptions &options() { return options_; }
  // The password that works for user mallard (known, or read from DIR/initial-password).
  std::string password() const;
  // Everything the server wrote to stderr/stdout over all its starts.
  std::string log() const;
  // What it wrote since the last start().
  std::string log_since_start() const;

  // libpq connection string; `extra` is appended, so its keywords override the defaults.
  std::string conninfo(std::string_view extra = {}) const;
  // A fresh scratch file path inside the server's private temporary directory.
  std::string scratch_path(std::string_view name) const;

 private:
  bool start_mallard();
  bool start_reference();
  bool is_postgres() const;
  bool wait_ready(const std::string &pre_ping_conninfo);
  void append_log_marker();

  ServerOptions options_;
  std::string root_, data_dir_, log_path_, failure_;
  pid_t pid_ = -1;
  int port_ = 0;
  size_t log_offset_ = 0;
  bool reference_initialized_ = false;
  bool started_once_ = false;
  int unexpected_status_ = -1;
};

// A port that was free a moment ago (bind to port 0 on 127.0.0.1, read it, close).
int free_port();

// ---- libpq helpers ----

struct ConnDeleter {
  void operator()(PGconn *c) const { PQfinish(c); }
};
struct ResultDeleter {
  void operator()(PGresult *r) const { PQclear(r); }
};
using Conn = std::unique_ptr<PGconn, ConnDeleter>;
using Result = std::unique_ptr<PGresult, ResultDeleter>;

struct SqlError {
  std::string sqlstate;
  std::string message;
  std::string severity;  // non-localized: ERROR, FATAL, WARNING, NOTICE...
  int position = 0;      // PG_DIAG_STATEMENT_POSITION, 0 when absent
  std::string detail;    // PG_DIAG_MESSAGE_DETAIL
};
std::ostream &operator<<(std::ostream &os, const SqlError &e);

// Connection attempt that keeps the SQLSTATE of a refusal (read from libpq's verbose message).
struct ConnectAttempt {
  Conn conn;
  bool ok = false;
  std::string sqlstate;
  std::string message;
};
// The default wait matches connect_timeout in the test conninfo: a shared machine under load can stall
// a process for tens of seconds, and a start-up that slow is not what the tests are about.
ConnectAttempt try_connect(const std::string &conninfo, std::chrono::seconds timeout = std::chrono::seconds(60));

// Connects and records a test failure (returning null) when that does not work.
Conn connect(const Server &server, std::string_view extra = {});
Conn connect_info(const std::string &conninfo);

Result exec(PGconn *conn, std::string_view sql);
SqlError error_of(const PGresult *res);
// Runs `sql`, which must fail; returns the error (sqlstate empty and a test failure otherwise).
SqlError exec_error(PGconn *conn, std::string_view sql);
// Runs `sql`, which must succeed (command or tuples); returns the command tag.
std::string exec_ok(PGconn *conn, std::string_view sql);
// Runs `sql`, which must return exactly one row with one column; returns it ("<NULL>" for null).
std::string query_value(PGconn *conn, std::string_view sql);

using Row = std::vector<std::optional<std::string>>;
std::vector<Row> rows_of(const PGresult *res);
std::vector<Row> query_rows(PGconn *conn, std::string_view sql);
std::string value_bytes(const PGresult *res, int row, int col);

// Collects NoticeResponses (and, on libpq's side, errors that arrive while idle).
struct NoticeLog {
  std::vector<SqlError> items;
  void attach(PGconn *conn);
};

// Waits until the connection's socket is readable or `timeout` passes; true if readable.
bool wait_readable(int fd, std::chrono::milliseconds timeout);

// Checks that a brand-new connection to the server works and answers a query.
::testing::AssertionResult server_healthy(Server &server);

// Base for test suites that share one server per suite. Derived must provide
// `static ServerOptions suite_options()` (hidden by name; the default starts with defaults).
template <class Derived>
class ServerSuite : public ::testing::Test {
 public:
  static ServerOptions suite_options() { return {}; }
  // Runs once before the first start, e.g. to place files in server.root_dir() and adjust options().
  static void before_start(Server &) {}

 protected:
  static void SetUpTestSuite() {
    server_ = std::make_unique<Server>(Derived::suite_options());
    Derived::before_start(*server_);
    server_->start();
  }
  static void TearDownTestSuite() { server_.reset(); }
  void SetUp() override {
    ASSERT_TRUE(server_ != nullptr);
    if (!server_->running()) {
      if (server_->started_once()) {
        ADD_FAILURE() << "the server died during an earlier test (wait status " << server_->unexpected_exit_status()
                      << "); its output:\n"
                      << server_->log_since_start();
      }
      // Every test gets a working server if possible, so one crash does not hide other results.
      if (!server_->start()) FAIL() << server_->failure();
    }
  }
  static Server &server() { return *server_; }
  Conn conn(std::string_view extra = {}) { return connect(*server_, extra); }

  static inline std::unique_ptr<Server> server_;
};

#define SKIP_IN_REFERENCE(why)                                        \
  do {                                                                \
    if (::mallard::it::reference_mode()) GTEST_SKIP() << (why);       \
  } while (0)

}  // namespace mallard::it
