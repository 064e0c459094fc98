#include "metastore/postgres.hpp"

#include <libpq-fe.h>
#include <poll.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <charconv>
#include <climits>
#include <condition_variable>
#include <cstring>
#include <deque>
#include <fstream>
#include <mutex>
#include <sstream>

#include <spdlog/spdlog.h>

namespace mallard::metastore {

namespace {

using Clock = std::chrono::steady_clock;
using namespace std::chrono_literals;

// How much longer than statement_timeout the client waits for an answer before it takes the
// connection for dead. The server's own timeout normally answers first (57014); this margin only
// matters when the server, or the network to it, has stopped responding altogether.
constexpr auto kClientGrace = 2s;

struct ConnCloser {
  void operator()(PGconn *c) const { PQfinish(c); }
};
struct ResultCloser {
  void operator()(PGresult *r) const { PQclear(r); }
};
using ConnPtr = std::unique_ptr<PGconn, ConnCloser>;
using ResultPtr = std::unique_ptr<PGresult, ResultCloser>;

std::string trim(std::string s) {
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back()))) s.pop_back();
  size_t i = 0;
  while (i < s.size() && std::isspace(static_cast<unsigned char>(s[i]))) ++i;
  return s.substr(i);
}

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// Percent-decoding as in URIs; a malformed escape is kept as written (parse_flavor then rejects it).
std::string percent_decode(std::string_view s) {
  std::string out;
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '%' && i + 2 < s.size()) {
      int hi = hex_value(s[i + 1]), lo = hex_value(s[i + 2]);
      if (hi >= 0 && lo >= 0) {
        out += static_cast<char>(hi * 16 + lo);
        i += 2;
        continue;
      }
    }
    out += s[i];
  }
  return out;
}

Error uri_error(const std::string &what) {
  return Error(sqlstate::kInvalidParameterValue, "invalid metadata store URI: " + what);
}

int parse_int(const std::string &key, const std::string &value, int lo, int hi) {
  int n = 0;
  auto [end, ec] = std::from_chars(value.data(), value.data() + value.size(), n);
  if (ec != std::errc() || end != value.data() + value.size() || n < lo || n > hi)
    throw uri_error("\"" + value + "\" is not a valid " + key);
  return n;
}

bool valid_sslmode(const std::string &m) {
  for (const char *ok : {"disable", "allow", "prefer", "require", "verify-ca", "verify-full"})
    if (m == ok) return true;
  return false;
}

// libpq parameters Mallard sets itself on every connection.
bool managed_keyword(const std::string &k) {
  for (const char *m : {"application_name", "fallback_application_name", "keepalives", "keepalives_idle",
                        "keepalives_interval", "keepalives_count", "tcp_user_timeout", "client_encoding",
                        "replication"})
    if (k == m) return true;
  return false;
}

std::string describe_config(const PostgresConfig &c) {
  std::ostringstream out;
  out << flavor_name(c.flavor) << " metadata store " << (c.user.empty() ? "" : c.user + "@")
      << (c.host.empty() ? "localhost" : c.host) << ":" << c.port << "/" << c.database << " (sslmode=" << c.sslmode
      << ")";
  return out.str();
}

std::string read_password_file(const std::string &path) {
  std::ifstream in(path, std::ios::binary);
  if (!in)
    throw Error("08001", "could not read the metadata store password file \"" + path + "\": " + std::strerror(errno));
  std::string pw;
  std::getline(in, pw);
  if (!pw.empty() && pw.back() == '\r') pw.pop_back();
  return pw;
}

void log_notice(void *, const char *message) { spdlog::debug("metadata store: {}", trim(message)); }

// The answer to one statement sent on a connection.
struct Outcome {
  ResultPtr result;      // the first error result, else the last result
  bool lost = false;     // the connection can no longer be used (closed, FATAL, or no answer in time)
  bool copy = false;     // the statement started COPY, which this client does not speak
  std::string message;   // why, when lost
  bool failed() const { return lost || copy || !result || PQresultStatus(result.get()) == PGRES_FATAL_ERROR; }
};

// Waits until fd is readable or the deadline passes (false). Errors are left for libpq to report.
bool wait_readable(int fd, Clock::time_point deadline) {
  if (fd < 0) return true;
  for (;;) {
    int ms = -1;
    if (deadline != Clock::time_point::max()) {
      auto left = std::chrono::ceil<std::chrono::milliseconds>(deadline - Clock::now()).count();
      if (left <= 0) return false;
      ms = static_cast<int>(std::min<long long>(left, INT_MAX));
    }
    pollfd p{fd, POLLIN, 0};
    int r = poll(&p, 1, ms);
    if (r > 0) return true;
    if (r < 0 && errno != EINTR) return true;
  }
}

std::string result_message(const PGresult *r, PGconn *c) {
  const char *primary = r ? PQresultErrorField(r, PG_DIAG_MESSAGE_PRIMARY) : nullptr;
  if (primary && *primary) return primary;
  std::string m = r ? trim(PQresultErrorMessage(r)) : "";
  return m.empty() ? trim(PQerrorMessage(c)) : m;
}

// Sends one statement with text parameters and waits for all of its results, at most `limit`
// (0: no limit). Only one statement is accepted per call (extended protocol).
Outcome run(PGconn *c, const std::string &sql, const std::vector<Param> &params, std::chrono::milliseconds limit) {
  Outcome out;
  if (params.size() > 65535)
    throw Error(sqlstate::kProgramLimitExceeded, "a metadata statement takes at most 65535 parameters");
  std::vector<const char *> values;
  values.reserve(params.size());
  for (const auto &p : params) values.push_back(p ? p->c_str() : nullptr);
  if (!PQsendQueryParams(c, sql.c_str(), static_cast<int>(params.size()), nullptr, values.data(), nullptr, nullptr,
                         0)) {
    out.lost = PQstatus(c) == CONNECTION_BAD;
    out.message = trim(PQerrorMessage(c));
    if (!out.lost) out.result.reset(PQmakeEmptyPGresult(c, PGRES_FATAL_ERROR));
    return out;
  }
  auto deadline = limit.count() > 0 ? Clock::now() + limit : Clock::time_point::max();
  for (;;) {
    while (PQisBusy(c)) {
      if (!wait_readable(PQsocket(c), deadline)) {
        out.lost = true;
        out.message = "no answer within " + std::to_string(limit.count()) + " ms";
        return out;
      }
      if (!PQconsumeInput(c)) {
        out.lost = true;
        out.message = trim(PQerrorMessage(c));
        return out;
      }
    }
    ResultPtr r(PQgetResult(c));
    if (!r) break;
    ExecStatusType st = PQresultStatus(r.get());
    if (st == PGRES_COPY_IN || st == PGRES_COPY_OUT || st == PGRES_COPY_BOTH) {
      out.copy = true;
      return out;
    }
    bool have_error = out.result && PQresultStatus(out.result.get()) == PGRES_FATAL_ERROR;
    if (!have_error) out.result = std::move(r);
  }
  const char *severity = out.result ? PQresultErrorField(out.result.get(), PG_DIAG_SEVERITY_NONLOCALIZED) : nullptr;
  bool fatal = severity && (std::strcmp(severity, "FATAL") == 0 || std::strcmp(severity, "PANIC") == 0);
  if (PQstatus(c) == CONNECTION_BAD || fatal || !out.result) {
    out.lost = true;
    out.message = result_message(out.result.get(), c);
  }
  return out;
}

Error error_of(const Outcome &o, PGconn *c) {
  const PGresult *r = o.result.get();
  auto field = [&](int code) {
    const char *v = r ? PQresultErrorField(r, code) : nullptr;
    return std::string(v ? v : "");
  };
  std::string state = field(PG_DIAG_SQLSTATE);
  std::string message = o.message.empty() ? result_message(r, c) : o.message;
  return Error(state.empty() ? sqlstate::kInternalError : state, message, 0, field(PG_DIAG_MESSAGE_DETAIL),
               field(PG_DIAG_MESSAGE_HINT));
}

Rows rows_of(const PGresult *r) {
  Rows rows;
  int n = PQntuples(r), m = PQnfields(r);
  rows.reserve(static_cast<size_t>(n));
  for (int i = 0; i < n; ++i) {
    Row row;
    row.reserve(static_cast<size_t>(m));
    for (int j = 0; j < m; ++j) {
      if (PQgetisnull(r, i, j))
        row.emplace_back(std::nullopt);
      else
        row.emplace_back(std::string(PQgetvalue(r, i, j), static_cast<size_t>(PQgetlength(r, i, j))));
    }
    rows.push_back(std::move(row));
  }
  return rows;
}

// A connection with nothing in flight that has something to read was most likely closed by the
// server (a FATAL message, then end of file). Reading it now finds out without a round trip.
bool idle_and_alive(PGconn *c) {
  if (PQstatus(c) != CONNECTION_OK || PQtransactionStatus(c) != PQTRANS_IDLE) return false;
  pollfd p{PQsocket(c), POLLIN, 0};
  if (p.fd < 0) return false;
  if (poll(&p, 1, 0) > 0) {
    if (!PQconsumeInput(c)) return false;
    while (PGnotify *n = PQnotifies(c)) PQfreemem(n);
  }
  return PQstatus(c) == CONNECTION_OK;
}

// The flavor's profile with the config's retry overrides.
Profile profile_of(const PostgresConfig &c) {
  Profile p = profile_for(c.flavor);
  if (c.retry_attempts > 0) p.max_attempts = c.retry_attempts;
  if (c.retry_max_wait.count() > 0) p.max_wait = c.retry_max_wait;
  p.first_wait = std::min(p.first_wait, p.max_wait);
  return p;
}

}  // namespace

namespace detail {

class PostgresPool {
 public:
  PostgresPool(PostgresConfig config, std::string warehouse)
      : config_(std::move(config)),
        profile_(profile_of(config_)),
        application_name_("mallard/" + warehouse),
        description_(describe_config(config_)) {}

  const PostgresConfig &config() const { return config_; }
  const Profile &profile() const { return profile_; }
  const std::string &describe() const { return description_; }
  std::chrono::milliseconds client_limit() const {
    return config_.statement_timeout.count() > 0 ? config_.statement_timeout + kClientGrace
                                                 : std::chrono::milliseconds(0);
  }
  const char *begin_sql() const {
    return profile_.flavor == Flavor::kCockroach ? "BEGIN ISOLATION LEVEL SERIALIZABLE"
                                                 : "BEGIN ISOLATION LEVEL REPEATABLE READ";
  }

  struct Lease {
    ConnPtr conn;
    bool reused = false;  // taken from the idle list, so it may have died unnoticed
  };

  Lease acquire() {
    auto deadline = Clock::now() + config_.pool_wait;
    std::unique_lock lock(mu_);
    for (;;) {
      while (!idle_.empty()) {
        ConnPtr c = std::move(idle_.back());
        idle_.pop_back();
        if (idle_and_alive(c.get())) return {std::move(c), true};
        lock.unlock();
        c.reset();
        lock.lock();
        ++discarded_;
        forget_locked();
      }
      if (open_ < std::max(1, config_.max_connections)) {
        ++open_;
        peak_ = std::max(peak_, open_);
        lock.unlock();
        try {
          ConnPtr c = connect();
          std::lock_guard again(mu_);
          ++created_;
          return {std::move(c), false};
        } catch (...) {
          lock.lock();
          --open_;
          cv_.notify_one();
          throw;
        }
      }
      if (cv_.wait_until(lock, deadline) == std::cv_status::timeout && idle_.empty() &&
          open_ >= std::max(1, config_.max_connections))
        throw Error(sqlstate::kTooManyConnections,
                    "all " + std::to_string(open_) + " connections to the " + description_ + " stayed in use for " +
                        std::to_string(config_.pool_wait.count()) + " ms");
    }
  }

  // Back to the idle list when it is usable and outside a transaction; closed otherwise.
  void release(ConnPtr c) noexcept {
    if (!c) return;
    if (PQstatus(c.get()) != CONNECTION_OK || PQtransactionStatus(c.get()) != PQTRANS_IDLE) {
      discard(std::move(c));
      return;
    }
    std::lock_guard lock(mu_);
    idle_.push_back(std::move(c));
    cv_.notify_one();
  }

  void discard(ConnPtr c) noexcept {
    if (!c) return;
    c.reset();
    std::lock_guard lock(mu_);
    ++discarded_;
    forget_locked();
  }

  PoolStats stats() const {
    std::lock_guard lock(mu_);
    PoolStats s;
    s.open = open_;
    s.idle = static_cast<int>(idle_.size());
    s.peak_open = peak_;
    s.created = created_;
    s.discarded = discarded_;
    return s;
  }

 private:
  void forget_locked() {
    --open_;
    cv_.notify_one();
  }

  ConnPtr connect() {
    const PostgresConfig &c = config_;
    std::string password = c.password;
    if (password.empty() && !c.password_file.empty()) password = read_password_file(c.password_file);
    std::string port = std::to_string(c.port);
    std::string connect_timeout = std::to_string(c.connect_timeout.count());
    // TCP_USER_TIMEOUT bounds how long unacknowledged writes may wait: a vanished peer is noticed
    // while sending, too, not only by the keepalives of an idle connection.
    auto user_timeout = std::max<std::chrono::milliseconds>(client_limit(), 30s);
    std::string tcp_user_timeout = std::to_string(user_timeout.count());
    std::vector<std::pair<const char *, const char *>> kv;
    if (!c.host.empty()) kv.emplace_back("host", c.host.c_str());
    kv.emplace_back("port", port.c_str());
    if (!c.database.empty()) kv.emplace_back("dbname", c.database.c_str());
    if (!c.user.empty()) kv.emplace_back("user", c.user.c_str());
    // Always given, even empty, so that a PGPASSWORD in Mallard's environment is never sent to a
    // store a warehouse's config points at.
    kv.emplace_back("password", password.c_str());
    kv.emplace_back("sslmode", c.sslmode.c_str());
    kv.emplace_back("connect_timeout", connect_timeout.c_str());
    kv.emplace_back("application_name", application_name_.c_str());
    kv.emplace_back("client_encoding", "UTF8");
    kv.emplace_back("keepalives", "1");
    kv.emplace_back("keepalives_idle", "30");
    kv.emplace_back("keepalives_interval", "10");
    kv.emplace_back("keepalives_count", "3");
    kv.emplace_back("tcp_user_timeout", tcp_user_timeout.c_str());
    for (const auto &[k, v] : c.extra) kv.emplace_back(k.c_str(), v.c_str());
    std::vector<const char *> keys, values;
    for (const auto &[k, v] : kv) {
      keys.push_back(k);
      values.push_back(v);
    }
    keys.push_back(nullptr);
    values.push_back(nullptr);
    // expand_dbname = 0: a database name is only ever a name, never a connection string.
    ConnPtr conn(PQconnectdbParams(keys.data(), values.data(), 0));
    if (!conn) throw Error(sqlstate::kOutOfMemory, "out of memory connecting to the " + description_);
    if (PQstatus(conn.get()) != CONNECTION_OK)
      throw Error("08001", "could not connect to the " + description_ + ": " + trim(PQerrorMessage(conn.get())));
    PQsetNoticeProcessor(conn.get(), log_notice, nullptr);
    // SET takes no parameters; the value is a number formatted here.
    std::string set = "SET statement_timeout = " + std::to_string(c.statement_timeout.count());
    Outcome o = run(conn.get(), set, {}, client_limit());
    if (o.failed()) {
      Error e = error_of(o, conn.get());
      throw Error(o.lost ? "08001" : e.sqlstate(),
                  "could not set up the connection to the " + description_ + ": " + e.message());
    }
    return conn;
  }

  const PostgresConfig config_;
  const Profile profile_;
  const std::string application_name_;
  const std::string description_;

  mutable std::mutex mu_;
  std::condition_variable cv_;
  std::deque<ConnPtr> idle_;
  int open_ = 0;
  int peak_ = 0;
  long created_ = 0;
  long discarded_ = 0;
};

}  // namespace detail

namespace {

class PostgresTransaction : public Transaction {
 public:
  PostgresTransaction(std::shared_ptr<detail::PostgresPool> pool, ConnPtr conn)
      : pool_(std::move(pool)), conn_(std::move(conn)) {}
  ~PostgresTransaction() override { rollback(); }

  Rows query(const std::string &sql, const std::vector<Param> &params) override {
    check_open();
    Outcome o = run(conn_.get(), sql, params, pool_->client_limit());
    if (o.lost) {
      pool_->discard(std::move(conn_));
      throw Error(sqlstate::kConnectionException,
                  "lost the connection to the " + pool_->describe() + ": " + o.message);
    }
    if (o.copy) {
      pool_->discard(std::move(conn_));
      throw Error(sqlstate::kFeatureNotSupported, "COPY is not used on the " + pool_->describe());
    }
    if (o.failed()) {
      Error e = error_of(o, conn_.get());
      failed_ = e.sqlstate();
      throw e;
    }
    return rows_of(o.result.get());
  }

  void commit() override {
    check_open();
    if (!failed_.empty()) {
      std::string state = failed_;
      rollback();
      throw Error(sqlstate::kInFailedTransaction,
                  "the metadata transaction was rolled back: a statement in it failed (SQLSTATE " + state + ")");
    }
    Outcome o = run(conn_.get(), "COMMIT", {}, pool_->client_limit());
    if (o.lost || o.copy) {
      pool_->discard(std::move(conn_));
      throw Error(sqlstate::kConnectionFailure, "lost the connection to the " + pool_->describe() +
                                                    " during COMMIT; the transaction may or may not have "
                                                    "committed: " +
                                                    o.message);
    }
    if (o.failed()) {
      // 40001 at COMMIT (SERIALIZABLE), a deferred constraint, or 40003 from CockroachDB: the
      // server has ended the transaction; the connection is reusable.
      Error e = error_of(o, conn_.get());
      rollback();
      throw e;
    }
    std::string tag = PQcmdStatus(o.result.get());
    pool_->release(std::move(conn_));
    if (tag != "COMMIT")
      throw Error(sqlstate::kInFailedTransaction,
                  "the " + pool_->describe() + " rolled the transaction back instead of committing it");
  }

  void rollback() noexcept override {
    if (!conn_) return;
    try {
      if (PQtransactionStatus(conn_.get()) != PQTRANS_IDLE) {
        Outcome o = run(conn_.get(), "ROLLBACK", {}, pool_->client_limit());
        if (o.failed()) {
          pool_->discard(std::move(conn_));
          return;
        }
      }
    } catch (...) {
      pool_->discard(std::move(conn_));
      return;
    }
    pool_->release(std::move(conn_));
  }

 private:
  void check_open() const {
    if (!conn_)
      throw Error(sqlstate::kInvalidTransactionState, "the metadata transaction has already ended");
  }

  std::shared_ptr<detail::PostgresPool> pool_;
  ConnPtr conn_;          // null once committed, rolled back or lost
  std::string failed_;  // SQLSTATE of a statement that failed; the transaction can only roll back
};

}  // namespace

std::string remove_flavor_parameter(const std::string &uri, std::string *flavor) {
  if (flavor) flavor->clear();
  size_t q = uri.find('?');
  if (q == std::string::npos) return uri;
  std::string kept;
  std::string_view query(uri);
  query.remove_prefix(q + 1);
  while (true) {
    size_t amp = query.find('&');
    std::string_view part = query.substr(0, amp);
    std::string_view name = part.substr(0, part.find('='));
    if (percent_decode(name) == "flavor") {
      if (flavor) *flavor = part.size() > name.size() ? percent_decode(part.substr(name.size() + 1)) : "";
    } else if (!part.empty()) {
      if (!kept.empty()) kept += '&';
      kept += part;
    }
    if (amp == std::string_view::npos) break;
    query.remove_prefix(amp + 1);
  }
  return uri.substr(0, q) + (kept.empty() ? "" : "?" + kept);
}

PostgresConfig parse_postgres_uri(const std::string &uri) {
  if (uri.rfind("postgresql://", 0) != 0 && uri.rfind("postgres://", 0) != 0)
    throw uri_error("it must start with postgresql:// or postgres://");
  std::string flavor;
  std::string plain = remove_flavor_parameter(uri, &flavor);
  PostgresConfig c;
  c.flavor = parse_flavor(flavor);
  char *err = nullptr;
  std::unique_ptr<PQconninfoOption, void (*)(PQconninfoOption *)> options(PQconninfoParse(plain.c_str(), &err),
                                                                          PQconninfoFree);
  if (!options) {
    std::string why = err ? trim(err) : "out of memory";
    if (err) PQfreemem(err);
    throw uri_error(why);
  }
  for (PQconninfoOption *o = options.get(); o->keyword; ++o) {
    if (!o->val) continue;
    std::string k = o->keyword, v = o->val;
    if (k == "host")
      c.host = v;
    else if (k == "port")
      c.port = parse_int("port", v, 1, 65535);
    else if (k == "dbname")
      c.database = v;
    else if (k == "user")
      c.user = v;
    else if (k == "password")
      c.password = v;
    else if (k == "sslmode") {
      if (!valid_sslmode(v))
        throw uri_error("sslmode \"" + v + "\" is not one of disable, allow, prefer, require, verify-ca, verify-full");
      c.sslmode = v;
    } else if (k == "connect_timeout")
      c.connect_timeout = std::chrono::seconds(parse_int("connect_timeout", v, 0, INT_MAX));
    else if (!managed_keyword(k))
      c.extra.emplace_back(k, v);
  }
  return c;
}

PostgresStore::PostgresStore(PostgresConfig config, std::string warehouse) {
  if (config.flavor == Flavor::kEmbedded)
    throw Error(sqlstate::kInvalidParameterValue,
                "an external metadata store has flavor postgres or cockroachdb, not embedded");
  pool_ = std::make_shared<detail::PostgresPool>(std::move(config), std::move(warehouse));
}

PostgresStore::~PostgresStore() = default;

const Profile &PostgresStore::profile() const { return pool_->profile(); }

std::string PostgresStore::describe() const { return pool_->describe(); }

PoolStats PostgresStore::pool_stats() const { return pool_->stats(); }

std::unique_ptr<Transaction> PostgresStore::begin() {
  detail::PostgresPool &pool = *pool_;
  for (int attempt = 0;; ++attempt) {
    auto lease = pool.acquire();
    Outcome o = run(lease.conn.get(), pool.begin_sql(), {}, pool.client_limit());
    if (o.lost || o.copy) {
      pool.discard(std::move(lease.conn));
      // An idle pooled connection can die unnoticed (server restart, idle_session_timeout,
      // pg_terminate_backend). BEGIN committed nothing, so another connection may simply try.
      if (lease.reused && attempt <= pool.config().max_connections) continue;
      throw Error(sqlstate::kConnectionException,
                  "lost the connection to the " + pool.describe() + " while starting a transaction: " + o.message);
    }
    if (o.failed()) {
      Error e = error_of(o, lease.conn.get());
      pool.release(std::move(lease.conn));
      throw e;
    }
    return std::make_unique<PostgresTransaction>(pool_, std::move(lease.conn));
  }
}

}  // namespace mallard::metastore
