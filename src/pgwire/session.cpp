#include "pgwire/session.hpp"

#include <openssl/rand.h>

#include <algorithm>
#include <charconv>
#include <chrono>
#include <cstring>
#include <thread>

#include <nlohmann/json.hpp>
#include <spdlog/spdlog.h>

#include "common/pg_compat.hpp"
#include "common/strings.hpp"
#include "duck/prefetch.hpp"
#include "pgwire/auth.hpp"
#include "pgwire/server.hpp"
#include "pgwire/wire.hpp"
#include "sql/rewrite.hpp"

namespace mallard::pgwire {

namespace {

constexpr const char *kServerVersion = kPgServerVersion;

// SELECT pg_[try_]advisory_[xact_]lock[_shared](key) or pg_advisory_unlock[_shared|_all](...)
// alone (see Session::run_advisory).
std::optional<sql::LoneCall> advisory_call(const std::string &text) {
  if (to_lower(text).find("advisory_") == std::string::npos) return std::nullopt;
  auto call = sql::lone_call(text, [](const std::string &f) {
    return std::find(std::begin(kAdvisoryLockFunctions), std::end(kAdvisoryLockFunctions), f) !=
           std::end(kAdvisoryLockFunctions);
  });
  if (!call) return std::nullopt;
  size_t n = call->args.size();
  if (call->function == "pg_advisory_unlock_all" ? n != 0 : (n != 1 && n != 2)) return std::nullopt;
  return call;
}

bool is_loopback(const std::string &addr) {
  return addr == "local" || addr.rfind("127.", 0) == 0 || addr == "::1" || addr.rfind("::ffff:127.", 0) == 0;
}


// RETURNING outside quotes, identifiers and comments turns a DML statement into a row source.
bool has_returning(std::string_view s) {
  for (size_t i = 0; i < s.size();) {
    if (std::isalpha(static_cast<unsigned char>(s[i])) || s[i] == '_') {
      size_t j = i;
      while (j < s.size() && (std::isalnum(static_cast<unsigned char>(s[j])) || s[j] == '_')) ++j;
      if (j - i == 9 && strncasecmp(s.data() + i, "returning", 9) == 0) return true;
      i = j;
    } else {
      i = sql::skip_lexeme(s, i);  // quotes, comments and dollar quotes are skipped whole
    }
  }
  return false;
}

// An INSERT of VALUES that reads no table: its plan rests on no statistics, so it need not be made
// again after writes (a batch of them would otherwise plan every row).
bool writes_only(const PreparedStatement &s) {
  if (!s.prepared || s.prepared.statement_type() != DUCKDB_STATEMENT_TYPE_INSERT) return false;
  std::string text = to_lower(s.text);
  return text.find("values") != std::string::npos && text.find("select") == std::string::npos;
}

// Whether running the statement may change rows (anything but queries, settings and transaction
// control: a ROLLBACK only takes rows away that the plans' statistics included).
bool may_write(const PreparedStatement &s) {
  switch (s.cls.kind) {
    case sql::Kind::kBegin:
    case sql::Kind::kCommit:  // a commit that moved the lake changed DuckDB's catalog: plans bind again
    case sql::Kind::kRollback:
    case sql::Kind::kSet:
    case sql::Kind::kShow:
      return false;
    default:
      break;
  }
  if (!s.prepared) return true;
  switch (s.prepared.statement_type()) {
    case DUCKDB_STATEMENT_TYPE_SELECT:
    case DUCKDB_STATEMENT_TYPE_EXPLAIN:
    case DUCKDB_STATEMENT_TYPE_TRANSACTION:
    case DUCKDB_STATEMENT_TYPE_VARIABLE_SET:
    case DUCKDB_STATEMENT_TYPE_SET:
      return false;
    default:
      return true;
  }
}

// Whether DuckDB typed every result column when it prepared the statement.
bool result_columns_resolved(const duck::Prepared &p) {
  for (idx_t i = 0; i < p.column_count(); ++i) {
    duck::LogicalType t = p.column_type(i);
    if (!t || duckdb_get_type_id(t.get()) == DUCKDB_TYPE_INVALID) return false;
  }
  return true;
}

bool statement_returns_rows(duckdb_statement_type t, const std::string &text) {
  switch (t) {
    case DUCKDB_STATEMENT_TYPE_CALL: {
      auto w = sql::leading_keywords(text, 1);
      return w.empty() || w[0] != "CHECKPOINT";  // DuckDB's CHECKPOINT is a call; PostgreSQL's a command
    }
    case DUCKDB_STATEMENT_TYPE_SELECT:
    case DUCKDB_STATEMENT_TYPE_EXPLAIN:
    case DUCKDB_STATEMENT_TYPE_PRAGMA:
    case DUCKDB_STATEMENT_TYPE_RELATION:
    case DUCKDB_STATEMENT_TYPE_EXECUTE:
      return true;
    case DUCKDB_STATEMENT_TYPE_INSERT:
    case DUCKDB_STATEMENT_TYPE_UPDATE:
    case DUCKDB_STATEMENT_TYPE_DELETE:
      return has_returning(text);
    default:
      return false;
  }
}

std::string completion_tag(const Portal &p, uint64_t count) {
  if (!p.fixed_tag.empty()) return p.fixed_tag;
  const auto &cls = p.stmt->cls;
  auto n = std::to_string(count);
  switch (p.stype) {
    case DUCKDB_STATEMENT_TYPE_INSERT:
      return "INSERT 0 " + n;
    case DUCKDB_STATEMENT_TYPE_UPDATE:
      return "UPDATE " + n;
    case DUCKDB_STATEMENT_TYPE_DELETE:
      return "DELETE " + n;
    case DUCKDB_STATEMENT_TYPE_MERGE_INTO:
      return "MERGE " + n;
    case DUCKDB_STATEMENT_TYPE_EXPLAIN:
      return "EXPLAIN";
    case DUCKDB_STATEMENT_TYPE_SELECT:
    case DUCKDB_STATEMENT_TYPE_PRAGMA:
    case DUCKDB_STATEMENT_TYPE_CALL:
    case DUCKDB_STATEMENT_TYPE_RELATION:
      if (cls.tag == "SHOW" || cls.tag == "CHECKPOINT") return cls.tag;  // CHECKPOINT: a call in DuckDB
      return "SELECT " + n;
    default:
      if (!cls.tag.empty()) return cls.tag;
      return "SELECT " + n;
  }
}

// The value of the single "Count" cell DuckDB returns for statements that change rows.
uint64_t read_count(duck::Result &r) {
  duck::DataChunk c = r.fetch();
  if (!c || duckdb_data_chunk_get_size(c.get()) == 0 || duckdb_data_chunk_get_column_count(c.get()) == 0) return 0;
  duckdb_vector v = duckdb_data_chunk_get_vector(c.get(), 0);
  duck::LogicalType t(duckdb_vector_get_column_type(v));
  if (duckdb_get_type_id(t.get()) != DUCKDB_TYPE_BIGINT) return 0;
  return static_cast<uint64_t>(static_cast<int64_t *>(duckdb_vector_get_data(v))[0]);
}

}  // namespace

// An untyped parameter value as SQL: a number stays a number (DuckDB, unlike PostgreSQL, does not
// resolve `'5' - 100`), anything else is a string literal. Only text that is exactly a numeric
// literal is written unquoted.
std::string untyped_literal(const std::string &v) {
  size_t i = 0, n = v.size();
  if (i < n && (v[i] == '-' || v[i] == '+')) ++i;
  size_t digits = 0;
  while (i < n && std::isdigit(static_cast<unsigned char>(v[i]))) ++i, ++digits;
  if (i < n && v[i] == '.') {
    ++i;
    while (i < n && std::isdigit(static_cast<unsigned char>(v[i]))) ++i, ++digits;
  }
  if (digits > 0 && i < n && (v[i] == 'e' || v[i] == 'E')) {
    size_t j = i + 1;
    if (j < n && (v[j] == '-' || v[j] == '+')) ++j;
    size_t exp = 0;
    while (j < n && std::isdigit(static_cast<unsigned char>(v[j]))) ++j, ++exp;
    if (exp > 0) i = j;
  }
  if (digits > 0 && i == n) return "(" + v + ")";
  return sql_literal(v);
}

Session::Running::Running(Session &s) : s_(s) {
  s_.interrupt_.store(static_cast<int>(Interrupt::kNone));
  if (s_.statement_timeout_ms_ > 0) {
    auto when = Timer::Clock::now() + std::chrono::milliseconds(s_.statement_timeout_ms_);
    Session *self = &s_;
    timer_ = s_.server_.timer().schedule(when, [self] {
      int expected = static_cast<int>(Interrupt::kNone);
      if (self->interrupt_.compare_exchange_strong(expected, static_cast<int>(Interrupt::kTimeout)))
        self->conn_->interrupt();
    });
  }
}

Session::Running::~Running() {
  if (timer_) s_.server_.timer().cancel(timer_);
}

Session::Session(Server &server, std::unique_ptr<Stream> stream, int32_t pid)
    : server_(server), stream_(std::move(stream)), pid_(pid) {
  RAND_bytes(reinterpret_cast<unsigned char *>(&secret_key_), sizeof(secret_key_));
}

Session::~Session() {
  if (warehouse_)
    warehouse_->advisory_locks().release_all(static_cast<uint64_t>(pid_), control::AdvisoryLocks::Scope::kSession, true);
}

void Session::cancel(int32_t key) {
  if (key == secret_key_) cancel_statement();
}

void Session::cancel_statement() {
  int expected = static_cast<int>(Interrupt::kNone);
  if (interrupt_.compare_exchange_strong(expected, static_cast<int>(Interrupt::kUser))) interrupt_connection();
}

void Session::interrupt_connection() {
  std::lock_guard lock(conn_mu_);
  if (live_conn_) live_conn_->interrupt();
}

void Session::terminate() {
  terminating_ = true;
  interrupt_.store(static_cast<int>(Interrupt::kShutdown));
  interrupt_connection();
  stream_->shutdown();
}

Error Session::interrupted_error(const Error &e) {
  if (e.sqlstate() != sqlstate::kQueryCanceled) return e;
  switch (static_cast<Interrupt>(interrupt_.load())) {
    case Interrupt::kTimeout:
      return Error(sqlstate::kQueryCanceled, "canceling statement due to statement timeout");
    case Interrupt::kShutdown:
      return Error(sqlstate::kAdminShutdown, "terminating connection due to administrator command");
    default:
      return Error(sqlstate::kQueryCanceled, "canceling statement due to user request");
  }
}

// DuckDB stops a query whose worker thread failed by raising the same flag a cancel raises, and a
// streaming fetch that sees the flag before it sees the worker's error reports an interrupt: the
// cause is lost. An interrupt nobody asked for is that case. A SELECT outside a transaction block
// is run once more, to completion, to learn the cause: the failed run's transaction is rolled
// back (as the error would roll it back), so the second run changes nothing either.
Error Session::worker_error(const Error &e, duckdb_statement_type type, const std::function<void()> &run_again) {
  if (e.sqlstate() != sqlstate::kQueryCanceled || interrupt_.load() != static_cast<int>(Interrupt::kNone)) return e;
  spdlog::info("session {}: the engine reported an interrupt nobody asked for; looking for its cause", pid_);
  Error lost(sqlstate::kInternalError, "the query failed on a worker thread and the engine did not report why");
  if (type != DUCKDB_STATEMENT_TYPE_SELECT || tx_ != TxStatus::kIdle) return lost;
  try {
    conn_->query("ROLLBACK");
  } catch (const Error &) {  // the statement ran in DuckDB's own transaction, already ended
  }
  try {
    run_again();
  } catch (const Error &again) {
    if (again.sqlstate() == sqlstate::kQueryCanceled)  // a cancel or timeout during the second run
      return interrupt_.load() != static_cast<int>(Interrupt::kNone) ? again : lost;
    if (!again.sqlstate().starts_with("53")) return again;  // not the memory the second run holds
  }
  return lost;
}

// ---------------------------------------------------------------------------------------------
// Output

bool Session::flush() {
  if (dead_) {
    out_.clear();
    return false;
  }
  if (!out_.empty() && !stream_->write_all(out_.data(), out_.size())) {
    dead_ = true;
    out_.clear();
    return false;
  }
  out_.clear();
  return true;
}

void Session::maybe_flush() {
  if (out_.size() >= 256 * 1024) flush();
}

void Session::send_error(const Error &err, bool fatal) {
  Error e = lake_ ? lake_->explain(interrupted_error(err)) : interrupted_error(err);
  if (e.sqlstate() == sqlstate::kAdminShutdown) fatal = true;
  size_t at = begin_message(out_, 'E');
  const char *sev = fatal ? "FATAL" : "ERROR";
  put_u8(out_, 'S');
  put_cstr(out_, sev);
  put_u8(out_, 'V');
  put_cstr(out_, sev);
  put_u8(out_, 'C');
  put_cstr(out_, e.sqlstate());
  put_u8(out_, 'M');
  put_cstr(out_, e.message());
  if (!e.detail().empty()) {
    put_u8(out_, 'D');
    put_cstr(out_, e.detail());
  }
  if (!e.hint().empty()) {
    put_u8(out_, 'H');
    put_cstr(out_, e.hint());
  }
  if (e.position() > 0) {
    put_u8(out_, 'P');
    put_cstr(out_, std::to_string(e.position()));
  }
  put_u8(out_, 0);
  end_message(out_, at);
  if (fatal) {
    flush();
    dead_ = true;
  }
}

void Session::send_notice(const std::string &code, const std::string &message, const char *severity) {
  // client_min_messages: notices below the level asked for are not sent.
  auto rank = [](std::string_view level) {
    static constexpr std::string_view kLevels[] = {"debug5", "debug4", "debug3", "debug2", "debug1",
                                                   "log",    "notice", "warning", "error"};
    std::string l = to_lower(std::string(level));
    for (size_t i = 0; i < std::size(kLevels); ++i)
      if (kLevels[i] == l) return int(i);
    return 6;  // NOTICE
  };
  if (auto min = get_guc("client_min_messages"); min && rank(severity) < rank(*min)) return;
  size_t at = begin_message(out_, 'N');
  put_u8(out_, 'S');
  put_cstr(out_, severity);
  put_u8(out_, 'V');
  put_cstr(out_, severity);
  put_u8(out_, 'C');
  put_cstr(out_, code);
  put_u8(out_, 'M');
  put_cstr(out_, message);
  put_u8(out_, 0);
  end_message(out_, at);
}

void Session::send_parameter_status(const std::string &name, const std::string &value) {
  size_t at = begin_message(out_, 'S');
  put_cstr(out_, name);
  put_cstr(out_, value);
  end_message(out_, at);
}

void Session::send_ready() {
  if (activity_) {
    auto app = gucs_.find("application_name");
    activity_->ready(static_cast<char>(tx_), app == gucs_.end() ? std::string() : app->second.value);
  }
  size_t at = begin_message(out_, 'Z');
  put_u8(out_, static_cast<uint8_t>(tx_));
  end_message(out_, at);
}

void Session::send_command_complete(const std::string &tag) {
  size_t at = begin_message(out_, 'C');
  put_cstr(out_, tag);
  end_message(out_, at);
}

// ---------------------------------------------------------------------------------------------
// Lifecycle

void Session::run() {
  try {
    if (startup()) serve();
  } catch (const Error &e) {
    if (!dead_) send_error(e, true);
  } catch (const std::exception &e) {
    spdlog::error("session {}: {}", pid_, e.what());
    if (!dead_) send_error(Error(sqlstate::kInternalError, e.what()), true);
  }
  activity_.reset();  // before the connection goes: no signal may reach it after this
  if (!dead_ && terminating_)
    send_error(Error(sqlstate::kAdminShutdown, "terminating connection due to administrator command"), true);
  flush();
  // Portals hold results of the connection: release them before it.
  portals_.clear();
  statements_.clear();
  if (conn_ && (tx_ != TxStatus::kIdle || implicit_tx_)) tx_rollback();
  {
    std::lock_guard lock(conn_mu_);  // no cancel or shutdown may touch the connection after this
    live_conn_ = nullptr;
  }
  conn_.reset();
}

bool Session::read_startup_packet(std::string &body) {
  char len_buf[4];
  if (stream_->read_exact(len_buf, 4, server_.config().authentication_timeout_ms) != Stream::ReadStatus::kOk)
    return false;
  int32_t len = get_i32(len_buf);
  if (len < 8 || static_cast<size_t>(len) > kMaxStartupPacket) {
    send_error(Error(sqlstate::kProtocolViolation, "invalid length of startup packet"), true);
    return false;
  }
  body.resize(static_cast<size_t>(len) - 4);
  return stream_->read_exact(body.data(), body.size(), server_.config().authentication_timeout_ms) ==
         Stream::ReadStatus::kOk;
}

bool Session::startup() {
  std::string body;
  std::map<std::string, std::string> params;
  while (true) {
    if (!read_startup_packet(body)) return false;
    Reader r(body);
    int32_t code = r.i32();
    if (code == kSslRequestCode) {
      if (stream_->is_tls() || !server_.tls()) {
        if (stream_->is_tls()) {
          send_error(Error(sqlstate::kProtocolViolation, "SSL negotiation already done"), true);
          return false;
        }
        char n = 'N';
        if (!stream_->write_all(&n, 1)) return false;
        continue;
      }
      char s = 'S';
      if (!stream_->write_all(&s, 1)) return false;
      if (!stream_->start_tls(*server_.tls())) return false;
      continue;
    }
    if (code == kGssEncRequestCode) {
      char n = 'N';
      if (!stream_->write_all(&n, 1)) return false;
      continue;
    }
    if (code == kCancelRequestCode) {
      if (body.size() == 12) {
        int32_t pid = r.i32();
        int32_t key = r.i32();
        server_.cancel(pid, key);
      }
      return false;
    }
    int major = code >> 16, minor = code & 0xFFFF;
    if (major != 3) {
      send_error(Error(sqlstate::kFeatureNotSupported,
                       "unsupported frontend protocol " + std::to_string(major) + "." + std::to_string(minor) +
                           ": server supports 3.0 to 3.0"),
                 true);
      return false;
    }
    std::vector<std::string> unrecognized;
    while (true) {
      auto key = r.cstr();
      if (key.empty()) break;
      auto value = r.cstr();
      if (key.rfind("_pq_.", 0) == 0) {
        unrecognized.emplace_back(key);
        continue;
      }
      params[std::string(key)] = std::string(value);
    }
    r.expect_end();
    if (minor > 0 || !unrecognized.empty()) {
      size_t at = begin_message(out_, 'v');
      put_i32(out_, kProtocolV3);
      put_i32(out_, static_cast<int32_t>(unrecognized.size()));
      for (auto &o : unrecognized) put_cstr(out_, o);
      end_message(out_, at);
    }
    break;
  }
  for (auto &[k, v] : params) {
    if (!sql::valid_utf8(k) || !sql::valid_utf8(v)) {
      send_error(Error(sqlstate::kCharacterNotInRepertoire, "invalid byte sequence for encoding \"UTF8\""), true);
      return false;
    }
  }
  user_ = params.count("user") ? params["user"] : "";
  if (user_.empty()) {
    send_error(Error(sqlstate::kInvalidAuthorization, "no PostgreSQL user name specified in startup packet"), true);
    return false;
  }
  database_ = params.count("database") && !params["database"].empty() ? params["database"] : user_;
  if (params.count("replication") && params["replication"] != "false" && params["replication"] != "0") {
    send_error(Error(sqlstate::kFeatureNotSupported, "replication connections are not supported"), true);
    return false;
  }
  if (server_.active_sessions() > server_.config().max_connections) {
    send_error(Error(sqlstate::kTooManyConnections, "sorry, too many clients already"), true);
    return false;
  }
  std::string peer = stream_->peer_address();
  if (server_.config().tls_required && !stream_->is_tls()) {
    send_error(Error(sqlstate::kInvalidAuthorization,
                     "connection requires TLS: no encryption for host \"" + peer + "\", user \"" + user_ +
                         "\", database \"" + database_ + "\""),
               true);
    return false;
  }
  auto wh = server_.registry().store().find_warehouse(database_);
  if (!wh) {
    send_error(Error(sqlstate::kInvalidCatalogName, "database \"" + database_ + "\" does not exist"), true);
    return false;
  }
  if (!authenticate(user_)) return false;

  warehouse_ = server_.registry().get(database_);
  if (!warehouse_) {
    send_error(Error(sqlstate::kInvalidCatalogName, "database \"" + database_ + "\" does not exist"), true);
    return false;
  }
  conn_ = std::make_unique<duck::Connection>(warehouse_->database());
  warehouse_->prepare_connection(*conn_);
  lake_ = std::make_unique<lake::Session>(warehouse_->lake());
  {
    std::lock_guard lock(conn_mu_);
    live_conn_ = conn_.get();
  }
  // PostgreSQL semantics where DuckDB has a switch for them: integer division truncates, and
  // NULLs sort as larger than any value (last ascending, first descending).
  conn_->query(
      "SET TimeZone = 'UTC'; SET SESSION integer_division = true; "
      "SET SESSION default_null_order = 'NULLS_LAST_ON_ASC_FIRST_ON_DESC'; SET VARIABLE mallard_user = " +
      sql_literal(user_) + "; SET VARIABLE mallard_backend_pid = " + std::to_string(pid_));

  gucs_ = {
      {"application_name", {"", true}},
      {"client_encoding", {"UTF8", true}},
      {"datestyle", {"ISO, MDY", true}},
      {"default_transaction_read_only", {"off", true}},
      {"in_hot_standby", {"off", true}},
      {"integer_datetimes", {"on", true}},
      {"intervalstyle", {"postgres", true}},
      {"is_superuser", {"on", true}},
      {"server_encoding", {"UTF8", true}},
      {"server_version", {kServerVersion, true}},
      {"session_authorization", {user_, true}},
      {"standard_conforming_strings", {"on", true}},
      {"timezone", {"UTC", true}},
      {"statement_timeout", {"0", false}},
      {"idle_in_transaction_session_timeout", {"0", false}},
      {"extra_float_digits", {"1", false}},
      {"bytea_output", {"hex", false}},
      {"search_path", {"\"$user\", public", false}},
      {"role", {"none", false}},
      {"default_transaction_isolation", {"serializable", false}},
      {"transaction_isolation", {"serializable", false}},
      {"max_identifier_length", {"63", false}},
      {"lc_messages", {"C", false}},
      {"lc_monetary", {"C", false}},
      {"lc_numeric", {"C", false}},
      {"lc_time", {"C", false}},
      {"server_version_num", {kPgServerVersionNum, false}},
      {"ssl", {server_.tls() ? "on" : "off", false}},
      {"max_connections", {std::to_string(server_.config().max_connections), false}},
      {"max_index_keys", {"32", false}},
      {"block_size", {"8192", false}},
      {"lc_collate", {"C", false}},
      {"lc_ctype", {"C", false}},
      {"client_min_messages", {"notice", false}},
      // Accepted and shown; they tune what this engine does not have (work memory per sort, lock
      // waits, JIT, row security policies, WAL flushes), so no value changes an answer.
      {"work_mem", {"4MB", false}},
      {"maintenance_work_mem", {"64MB", false}},
      {"lock_timeout", {"0", false}},
      {"jit", {"off", false}},
      {"row_security", {"on", false}},
      {"synchronous_commit", {"on", false}},
      {"check_function_bodies", {"on", false}},
      {"escape_string_warning", {"on", false}},
  };
  // "options" carries command-line style settings (PGOPTIONS="-c statement_timeout=5s"):
  // "-c name=value" or "--name=value", separated by spaces, "\ " escaping a space.
  std::vector<std::pair<std::string, std::string>> settings;
  for (auto &[k, v] : params) {
    if (k == "user" || k == "database" || k == "replication") continue;
    if (k != "options") {
      settings.emplace_back(to_lower(k), v);
      continue;
    }
    std::vector<std::string> words(1);
    for (size_t i = 0; i < v.size(); ++i) {
      if (v[i] == '\\' && i + 1 < v.size()) {
        words.back() += v[++i];
      } else if (v[i] == ' ' || v[i] == '\t') {
        if (!words.back().empty()) words.emplace_back();
      } else {
        words.back() += v[i];
      }
    }
    for (size_t i = 0; i < words.size(); ++i) {
      std::string w = words[i];
      if (w == "-c" && i + 1 < words.size()) {
        w = words[++i];
      } else if (w.rfind("--", 0) == 0) {
        w = w.substr(2);
      } else if (w.rfind("-c", 0) == 0) {
        w = w.substr(2);
      } else if (w.empty()) {
        continue;
      } else {
        send_error(Error(sqlstate::kFeatureNotSupported, "unsupported startup option \"" + w + "\""), true);
        return false;
      }
      auto eq = w.find('=');
      if (eq == std::string::npos) {
        send_error(Error(sqlstate::kSyntaxError, "-c " + w + " requires a value"), true);
        return false;
      }
      std::string name = to_lower(w.substr(0, eq));
      std::replace(name.begin(), name.end(), '-', '_');
      settings.emplace_back(name, w.substr(eq + 1));
    }
  }
  for (auto &[k, v] : settings) {
    try {
      set_guc(k, v, true);
    } catch (const Error &e) {
      send_error(e, true);
      return false;
    }
  }
  control::Activity::Row row;
  row.pid = pid_;
  row.user = user_;
  row.client_addr = peer;
  row.client_port = stream_->peer_port();
  row.backend_start = control::Activity::now_us();
  activity_ = warehouse_->activity().join(std::move(row), {[this] { cancel_statement(); }, [this] { terminate(); }});
  send_startup_parameters();
  size_t at = begin_message(out_, 'K');
  put_i32(out_, pid_);
  put_i32(out_, secret_key_);
  end_message(out_, at);
  send_ready();
  spdlog::debug("session {}: user {} connected to {} from {}", pid_, user_, database_, peer);
  return flush();
}

void Session::send_startup_parameters() {
  static const std::pair<const char *, const char *> kReported[] = {
      {"application_name", "application_name"},
      {"client_encoding", "client_encoding"},
      {"datestyle", "DateStyle"},
      {"default_transaction_read_only", "default_transaction_read_only"},
      {"in_hot_standby", "in_hot_standby"},
      {"integer_datetimes", "integer_datetimes"},
      {"intervalstyle", "IntervalStyle"},
      {"is_superuser", "is_superuser"},
      {"server_encoding", "server_encoding"},
      {"server_version", "server_version"},
      {"session_authorization", "session_authorization"},
      {"standard_conforming_strings", "standard_conforming_strings"},
      {"timezone", "TimeZone"},
  };
  for (auto &[key, name] : kReported) send_parameter_status(name, gucs_[key].value);
}

bool Session::authenticate(const std::string &user) {
  const auto &cfg = server_.config();
  std::string peer = stream_->peer_address();
  auto rec = server_.registry().store().find_user(database_, user);
  std::string verifier = rec ? rec->verifier : "";
  int timeout = cfg.authentication_timeout_ms;

  auto read_password_message = [&](std::string &body) -> bool {
    char type;
    if (!read_message(type, body, timeout)) return false;
    if (type != 'p') {
      send_error(Error(sqlstate::kProtocolViolation,
                       std::string("expected password response, got message type ") + std::to_string(int(type))),
                 true);
      return false;
    }
    return true;
  };
  auto send_auth = [&](int32_t code, std::string_view extra) {
    size_t at = begin_message(out_, 'R');
    put_i32(out_, code);
    out_.append(extra);
    end_message(out_, at);
    return flush();
  };
  auto fail = [&]() {
    server_.record_auth_failure(peer);
    int delay = server_.auth_failure_delay_ms(peer);
    if (delay > 0) {
      spdlog::info("authentication failed for user \"{}\" from {}; delaying response {} ms", user, peer, delay);
      std::this_thread::sleep_for(std::chrono::milliseconds(delay));
    }
    send_error(Error(sqlstate::kInvalidPassword, "password authentication failed for user \"" + user + "\""), true);
    return false;
  };

  AuthMethod method = cfg.auth_method;
  if (method == AuthMethod::kMd5 && verifier.rfind("md5", 0) != 0) method = AuthMethod::kScramSha256;
  if (method == AuthMethod::kPassword) {
    if (!stream_->is_tls() && !is_loopback(peer)) {
      send_error(Error(sqlstate::kInvalidAuthorization,
                       "cleartext password authentication requires TLS on non-loopback connections"),
                 true);
      return false;
    }
    if (!send_auth(3, {})) return false;
    std::string body;
    if (!read_password_message(body)) return false;
    Reader r(body);
    auto pw = r.cstr();
    if (!rec || !verify_password(verifier, pw, user)) return fail();
  } else if (method == AuthMethod::kMd5) {
    std::string salt = make_md5_salt();
    if (!send_auth(5, salt)) return false;
    std::string body;
    if (!read_password_message(body)) return false;
    Reader r(body);
    auto resp = r.cstr();
    if (!rec || !verify_md5_response(verifier, salt, resp)) return fail();
  } else {
    std::string mechs = "SCRAM-SHA-256";
    mechs.push_back('\0');
    mechs.push_back('\0');
    if (!send_auth(10, mechs)) return false;
    std::string body;
    if (!read_password_message(body)) return false;
    Reader r(body);
    auto mech = r.cstr();
    if (mech != "SCRAM-SHA-256") {
      send_error(Error(sqlstate::kProtocolViolation, "client selected an invalid SASL authentication mechanism"), true);
      return false;
    }
    int32_t n = r.i32();
    if (n < 0) {
      send_error(Error(sqlstate::kProtocolViolation, "malformed SCRAM message"), true);
      return false;
    }
    auto first = r.bytes(static_cast<size_t>(n));
    ScramServer scram(rec ? verifier : "", user);
    std::string server_first = scram.handle_client_first(first);
    if (!send_auth(11, server_first)) return false;
    if (!read_password_message(body)) return false;
    std::optional<std::string> server_final = scram.handle_client_final(body);
    if (!server_final || !rec) return fail();
    if (!send_auth(12, *server_final)) return false;
  }
  server_.record_auth_success(peer);
  size_t at = begin_message(out_, 'R');
  put_i32(out_, 0);
  end_message(out_, at);
  return true;
}

// ---------------------------------------------------------------------------------------------
// Message loop

bool Session::read_message(char &type, std::string &body, int timeout_ms) {
  char head[5];
  auto st = stream_->read_exact(head, 5, timeout_ms);
  if (st == Stream::ReadStatus::kTimeout && timeout_ms >= 0 && tx_ != TxStatus::kIdle && conn_) {
    send_error(Error(sqlstate::kIdleInTransactionTimeout, "terminating connection due to idle-in-transaction timeout"),
               true);
    return false;
  }
  if (st != Stream::ReadStatus::kOk) {
    if (!terminating_) dead_ = true;  // at shutdown the socket can still carry the final FATAL
    return false;
  }
  type = head[0];
  int32_t len = get_i32(head + 1);
  bool small = std::strchr("CDEHSXFcf", type) != nullptr && type != 0;
  if (len < 4 || static_cast<size_t>(len - 4) > server_.config().max_message_size ||
      (small && static_cast<size_t>(len) > kSmallMessageLimit)) {
    send_error(Error(sqlstate::kProtocolViolation, "invalid message length"), true);
    return false;
  }
  body.resize(static_cast<size_t>(len) - 4);
  if (stream_->read_exact(body.data(), body.size(), conn_ ? -1 : timeout_ms) != Stream::ReadStatus::kOk) {
    dead_ = true;
    return false;
  }
  return true;
}

void Session::serve() {
  std::string body;
  while (!dead_) {
    if (!stream_->has_pending_input() && !flush()) break;
    int timeout = -1;
    if (tx_ != TxStatus::kIdle && idle_in_tx_timeout_ms_ > 0) timeout = static_cast<int>(idle_in_tx_timeout_ms_);
    char type;
    if (!read_message(type, body, timeout)) break;
    if (terminating_) break;
    dispatch(type, body);
  }
}

void Session::dispatch(char type, std::string_view body) {
  bool extended = std::strchr("PBDECHS", type) != nullptr;
  if (extended && skip_until_sync_ && type != 'S') return;
  try {
    switch (type) {
      case 'Q': {
        Reader r(body);
        auto text = r.cstr();
        handle_query(text);
        break;
      }
      case 'P':
        handle_parse(body);
        break;
      case 'B':
        handle_bind(body);
        break;
      case 'D':
        handle_describe(body);
        break;
      case 'E':
        handle_execute(body);
        break;
      case 'C':
        handle_close(body);
        break;
      case 'H':
      case 'S':
        // A malformed Sync or Flush leaves no message to resynchronise on: the session ends.
        if (!body.empty()) {
          send_error(Error(sqlstate::kProtocolViolation, "invalid message format"), true);
          break;
        }
        if (type == 'H')
          flush();
        else
          handle_sync();
        break;
      case 'X':
        dead_ = true;
        break;
      case 'd':
      case 'c':
      case 'f':
        // Leftovers of a COPY that already failed: ignored, as the protocol specifies.
        break;
      case 'F':
        throw Error(sqlstate::kFeatureNotSupported, "fastpath function calls are not supported");
      default:
        send_error(Error(sqlstate::kProtocolViolation, "invalid frontend message type " + std::to_string(int(type))),
                   true);
    }
  } catch (const Error &err) {
    Error e = interrupted_error(err);
    if (tx_ == TxStatus::kInTransaction) tx_ = TxStatus::kFailed;
    if (implicit_tx_) {
      try {
        end_implicit_transaction(false);
      } catch (...) {
      }
    }
    send_error(e);
    if (extended) skip_until_sync_ = true;
    if (type == 'Q' && !dead_) send_ready();
  } catch (const std::exception &ex) {
    if (tx_ == TxStatus::kInTransaction) tx_ = TxStatus::kFailed;
    if (implicit_tx_) {
      try {
        end_implicit_transaction(false);
      } catch (...) {
      }
    }
    send_error(Error(sqlstate::kInternalError, ex.what()));
    if (extended) skip_until_sync_ = true;
    if (type == 'Q' && !dead_) send_ready();
  }
}

bool Session::begins_work(const std::string &text) {
  switch (sql::classify(text).kind) {
    case sql::Kind::kBegin:
    case sql::Kind::kCommit:
    case sql::Kind::kRollback:
    case sql::Kind::kSet:
    case sql::Kind::kShow:
      return false;
    default:
      return true;
  }
}

void Session::handle_query(std::string_view text) {
  end_implicit_transaction(true);  // a Query without a Sync before it ends the extended batch
  portals_.erase("");
  statements_.erase("");
  size_t bad = 0;
  if (!sql::valid_utf8(text, &bad)) {
    if (tx_ == TxStatus::kInTransaction) tx_ = TxStatus::kFailed;
    char hex[8];
    snprintf(hex, sizeof(hex), "0x%02x", static_cast<unsigned char>(text[bad]));
    send_error(Error(sqlstate::kCharacterNotInRepertoire,
                     std::string("invalid byte sequence for encoding \"UTF8\": ") + hex));
    send_ready();
    return;
  }
  if (activity_) activity_->started(text);
  auto stmts = sql::split(text);
  if (stmts.empty()) {
    size_t at = begin_message(out_, 'I');
    end_message(out_, at);
    send_ready();
    return;
  }
  // Several statements in one Query run as one transaction unless they manage transactions
  // themselves, as in PostgreSQL.
  bool implicit = false;
  if (stmts.size() > 1 && tx_ == TxStatus::kIdle) {
    implicit = std::none_of(stmts.begin(), stmts.end(), [](const sql::Statement &s) {
      auto k = sql::classify(s.text).kind;
      return k == sql::Kind::kBegin || k == sql::Kind::kCommit || k == sql::Kind::kRollback;
    });
  }
  size_t current_offset = 0;
  try {
    if (implicit) {
      materialize_open_portals(nullptr);
      tx_begin();
      implicit_block_ = true;
    }
    for (auto &one : stmts) {
      const std::string &text_one = one.text;
      current_offset = one.offset;
      if (tx_ == TxStatus::kFailed) {
        if (!sql::allowed_in_failed_transaction(sql::classify(text_one)))
          throw Error(sqlstate::kInFailedTransaction,
                      "current transaction is aborted, commands ignored until end of transaction block");
      }
      if (!implicit && tx_ == TxStatus::kIdle && begins_work(text_one)) refresh_lake();
      Portal p;
      p.stmt = prepare(text_one, {});
      Running guard(*this);
      start_portal(p);
      if (!p.done && p.streaming) send_row_description(p);
      if (!p.done) send_rows(p, 0);
      finish_portal(p);
      if (dead_) return;
    }
    if (implicit) {
      implicit_block_ = false;
      tx_commit();
    }
  } catch (const Error &err) {
    Error e = interrupted_error(err);
    if (e.position() > 0 && current_offset > 0) {
      // Positions count from the start of the whole Query string, in characters.
      int chars = 0;
      for (size_t b = 0; b < current_offset && b < text.size(); ++b)
        if ((static_cast<unsigned char>(text[b]) & 0xC0) != 0x80) ++chars;
      e = Error(e.sqlstate(), e.message(), e.position() + chars, e.detail(), e.hint());
    }
    if (implicit) {
      if (implicit_block_) tx_rollback();
      implicit_block_ = false;
    } else if (tx_ == TxStatus::kInTransaction) {
      tx_ = TxStatus::kFailed;
    }
    send_error(e);
  }
  if (!dead_) send_ready();
}

std::shared_ptr<PreparedStatement> Session::prepare(const std::string &text, const std::vector<uint32_t> &declared) {
  std::string key = text;
  for (auto o : declared) key += "\x01" + std::to_string(o);
  if (auto hit = plan_cache_.find(key); hit != plan_cache_.end()) {
    // DuckDB rebinds the plan when names changed meaning; the result columns' origins are looked
    // up again then.
    PreparedStatement &cached = *hit->second;
    if (cached.origins_key != relations_key()) {
      auto select = sql::select_columns(text);
      set_column_origins(cached, select.shape ? &*select.shape : nullptr);
    }
    return hit->second;
  }
  auto ps = prepare_uncached(text, declared);
  bool cacheable = ps->prepared && ps->prepared.statement_type() == DUCKDB_STATEMENT_TYPE_SELECT &&
                   ps->cls.tag.empty() && !ps->no_cache;
  if (!cacheable) {
    plan_cache_.clear();
  } else {
    if (plan_cache_.size() >= 64) plan_cache_.clear();
    plan_cache_[key] = ps;
  }
  return ps;
}

std::shared_ptr<PreparedStatement> Session::prepare_uncached(const std::string &given,
                                                             const std::vector<uint32_t> &declared) {
  const auto first = sql::leading_keywords(given, 1);
  if (!first.empty() && first[0] == "EXECUTE") return prepare_execute(given);
  if (!first.empty() && first[0] == "CREATE" && to_lower(given).find("like") != std::string::npos) {
    materialize_open_portals(nullptr);  // expand_create_like reads the catalog
    if (auto expanded = expand_create_like(given)) return prepare_uncached(*expanded, declared);
  }
  auto ps = std::make_shared<PreparedStatement>();
  ps->text = given;
  ps->binding_epoch = plan_epoch();
  ps->staging_epoch = lake_->staging_epoch();
  // (The binding epoch changes when the transaction that redirected ends: the statement is then
  // prepared again from what was given.)
  const std::string text = redirected(given);
  ps->cls = sql::classify(text);
  if (ps->cls.kind == sql::Kind::kUtility) ++ddl_;  // names may change: see relations_key()
  switch (ps->cls.kind) {
    case sql::Kind::kPrepare:
    case sql::Kind::kSet:
    case sql::Kind::kBegin:
    case sql::Kind::kCommit:
    case sql::Kind::kRollback:
    case sql::Kind::kCopy:
    case sql::Kind::kDeallocate:
    case sql::Kind::kSavepoint:
      return ps;
    case sql::Kind::kCursor:
      if (count_parameters(text) > 0) declare_parameters(*ps, declared);
      return ps;
    case sql::Kind::kExtension:
      throw Error(sqlstate::kFeatureNotSupported, "extensions cannot be installed or loaded in Mallard");
    case sql::Kind::kUtility:
      refuse_unsupported_utility(ps->cls.tag);
      break;
    case sql::Kind::kShow:
      if (auto show = show_statement(text)) return show;
      break;
    default:
      break;
  }
  std::string duck_text = text;
  if (auto lk = route_to_lake(text)) {
    if (lk->kind != lake::Statement::Kind::kInsert || lk->reads_target) {
      // Run by the lake at Execute; parameters are bound there as literals.
      size_t np = count_parameters(text);
      ps->param_oids.assign(np, oid::kText);
      ps->returns_rows = !lk->returning.empty();
      if (np > 0 || ps->returns_rows) {
        // The parameters' types are those of the query the statement evaluates first; the
        // RETURNING columns, for Describe, those of a query over the same rows (neither is run).
        lake::Session::Description d;
        try {
          d = lake_->describe(*conn_, *lk);
        } catch (const Error &) {
          // Execution reports the statement's real errors.
        }
        materialize_open_portals(nullptr);
        try {
          if (np > 0 && !d.params_sql.empty()) {
            duck::Prepared p(*conn_, d.params_sql);
            for (size_t i = 0; i < np && i < p.param_count(); ++i) {
              duck::LogicalType t = p.param_type(i);
              duckdb_type id = t ? duckdb_get_type_id(t.get()) : DUCKDB_TYPE_INVALID;
              if (id != DUCKDB_TYPE_INVALID && id != DUCKDB_TYPE_ANY && id != DUCKDB_TYPE_SQLNULL)
                ps->param_oids[i] = pg_type_of(t.get()).oid;
            }
          }
        } catch (const Error &) {
          // Text, as PostgreSQL does for parameters it cannot type.
        }
        if (ps->returns_rows && !d.returning_sql.empty()) ps->described = duck::Prepared(*conn_, d.returning_sql);
      }
      for (size_t i = 0; i < np && i < declared.size(); ++i)
        if (declared[i] != 0) ps->param_oids[i] = declared[i];
      ps->lake = std::move(*lk);
      return ps;
    }
    materialize_open_portals(nullptr);
    auto o = lake_->prepare_insert(*conn_, *lk);
    duck_text = o.rewritten;
    ps->lake_tables = o.written_tables;
    if (ps->lake_tables.empty()) ps->lake_tables.push_back(-1);  // a table created in this transaction
  } else {
    ps->expanded = sql::expand_multi_object(text);
    if (!ps->expanded.empty()) return ps;
    if (auto call = advisory_call(text)) {
      // The row is the lock's answer; DuckDB checks and types the arguments.
      bool two = call->args.size() == 2;
      std::string args;
      for (auto &a : call->args) args += std::string(args.empty() ? "" : ", ") + "CAST(" + a.text + (two ? " AS INTEGER)" : " AS BIGINT)");
      duck_text = std::string("SELECT CAST(NULL AS ") + (advisory_answers_bool(call->function) ? "BOOLEAN" : "VARCHAR") +
                  ") AS " +
                  sql_ident(call->alias) + (args.empty() ? "" : " FROM (SELECT " + args + ")");
      ps->advisory = std::move(call);
    } else if (auto call = sql::set_config_call(text)) {
      // The row is the value; name and scope are still evaluated (and typed) by DuckDB.
      duck_text = "SELECT CAST(" + call->value.text + " AS VARCHAR) AS " + sql_ident(call->alias) +
                  " FROM (SELECT CAST(" + call->name.text + " AS VARCHAR) AS n, CAST(" + call->local.text +
                  " AS BOOLEAN) AS l)";
      ps->set_config = std::move(call);
      ps->no_cache = true;
    }
    if (text.find("=>") != std::string::npos || to_lower(text).find("table_changes") != std::string::npos) {
      duck_text = with_time_travel(text);
      ps->no_cache = duck_text != text;
    }
  }
  materialize_open_portals(nullptr);
  ps->prepared = duck::Prepared(*conn_, sql::rewrite_for_duckdb(duck_text));
  // Parameters DuckDB cannot type (e.g. a bare `SELECT $1`) leave the result columns unknown until
  // execution, but Describe must answer before. Give them the client's declared type, or text as
  // PostgreSQL does for unknown parameters, and prepare again.
  {
    idx_t np = ps->prepared.param_count();
    std::vector<std::string> casts(np);
    bool any = false;
    for (idx_t i = 0; i < np; ++i) {
      duck::LogicalType t = ps->prepared.param_type(i);
      duckdb_type id = t ? duckdb_get_type_id(t.get()) : DUCKDB_TYPE_INVALID;
      if (id == DUCKDB_TYPE_INVALID || id == DUCKDB_TYPE_ANY || id == DUCKDB_TYPE_SQLNULL ||
          id == DUCKDB_TYPE_STRING_LITERAL || id == DUCKDB_TYPE_INTEGER_LITERAL) {
        casts[i] = duckdb_type_name_for_oid(i < declared.size() ? declared[i] : 0);
        any = true;
      }
    }
    if (any) {
      std::vector<std::string> repl(np);
      for (idx_t i = 0; i < np; ++i)
        if (!casts[i].empty()) repl[i] = "CAST($" + std::to_string(i + 1) + " AS " + casts[i] + ")";
      try {
        ps->prepared = duck::Prepared(*conn_, sql::rewrite_for_duckdb(sql::replace_parameters(duck_text, repl)));
      } catch (const Error &) {
        // Text does not fit where the parameter stands (`$1 - 100`): an untyped literal will.
        // The remaining parameters are renumbered 1..k in order, so both plans agree on them.
        std::vector<std::string> nulls(np);
        ps->inline_params.assign(np, false);
        size_t next = 0;
        for (idx_t i = 0; i < np; ++i) {
          bool untyped = !casts[i].empty() && !(i < declared.size() && declared[i] != 0);
          if (untyped) {
            nulls[i] = "NULL";
            ps->inline_params[i] = true;
            continue;
          }
          std::string n = "$" + std::to_string(++next);
          nulls[i] = casts[i].empty() ? n : "CAST(" + n + " AS " + casts[i] + ")";
        }
        ps->exec_text = duck_text;
        ps->prepared = duck::Prepared(*conn_, sql::rewrite_for_duckdb(sql::replace_parameters(duck_text, nulls)));
      }
    }
  }
  idx_t n = ps->inline_params.empty() ? ps->prepared.param_count() : ps->inline_params.size();
  ps->param_oids.resize(n);
  for (idx_t i = 0; i < n; ++i) {
    if (i < declared.size() && declared[i] != 0) {
      ps->param_oids[i] = declared[i];
    } else if (!ps->inline_params.empty()) {
      ps->param_oids[i] = oid::kText;  // the describing plan's parameter numbers are not the client's
    } else {
      duck::LogicalType t = ps->prepared.param_type(i);
      ps->param_oids[i] = t ? pg_type_of(t.get()).oid : oid::kText;
      if (t && (duckdb_get_type_id(t.get()) == DUCKDB_TYPE_INVALID || duckdb_get_type_id(t.get()) == DUCKDB_TYPE_ANY ||
                duckdb_get_type_id(t.get()) == DUCKDB_TYPE_SQLNULL))
        ps->param_oids[i] = oid::kText;
    }
  }
  ps->returns_rows = statement_returns_rows(ps->prepared.statement_type(), text);
  if (ps->returns_rows && ps->inline_params.empty() && !result_columns_resolved(ps->prepared)) {
    // DuckDB leaves the result unresolved until it sees the values (one column of no type) when a
    // parameter stands where a function's form is chosen (`len($1)`, `array_to_string($1::int[],
    // ',')`), and binds the statement again at every execution. Casting every parameter to its
    // type usually resolves it; where it does not, Describe answers from a plan with a NULL of
    // each parameter's type in its place, and execution binds the values to `prepared` as usual.
    std::vector<std::string> casts(ps->param_oids.size()), nulls(casts.size());
    for (size_t i = 0; i < casts.size(); ++i) {
      std::string type = duckdb_type_name_for_oid(ps->param_oids[i]);
      casts[i] = "CAST($" + std::to_string(i + 1) + " AS " + type + ")";
      nulls[i] = "CAST(NULL AS " + type + ")";
    }
    try {
      duck::Prepared typed(*conn_, sql::rewrite_for_duckdb(sql::replace_parameters(duck_text, casts)));
      if (result_columns_resolved(typed)) ps->prepared = std::move(typed);
    } catch (const Error &) {
      // The plan as it was, described below.
    }
    if (!result_columns_resolved(ps->prepared))
      ps->described = duck::Prepared(*conn_, sql::rewrite_for_duckdb(sql::replace_parameters(duck_text, nulls)));
  }
  const duck::Prepared &plan = ps->described ? ps->described : ps->prepared;
  if (ps->returns_rows && ps->prepared.statement_type() == DUCKDB_STATEMENT_TYPE_SELECT) {
    // Columns as PostgreSQL names them (count, ?column?, int4, ...), not by DuckDB's expression text.
    auto select = sql::select_columns(text);
    if (select.names && select.names->size() == plan.column_count()) {
      for (size_t i = 0; i < select.names->size(); ++i)
        ps->column_names.push_back((*select.names)[i] ? *(*select.names)[i] : plan.column_name(i));
    }
    // Origins are the relations as the client named them, not the transaction's own that a
    // redirect put in their place.
    if (text != given) select.shape = sql::select_columns(given).shape;
    set_column_origins(*ps, select.shape ? &*select.shape : nullptr);
  }
  return ps;
}

// EXECUTE name (arguments): the named statement's text with each argument in its parameter's
// place, prepared as if sent so (PostgreSQL evaluates the arguments once; written in place they
// are evaluated where the statement uses them, which differs only for volatile ones used twice).
// The statement then runs as any other: a lake write through the lake, with its own tag.
std::shared_ptr<PreparedStatement> Session::prepare_execute(const std::string &text) {
  auto e = sql::execute_text(text);
  if (!e) throw Error(sqlstate::kSyntaxError, "syntax error in EXECUTE");
  auto it = statements_.find(e->name);
  if (it == statements_.end())
    throw Error(sqlstate::kInvalidSqlStatementName, "prepared statement \"" + e->name + "\" does not exist");
  const PreparedStatement &target = *it->second;
  const size_t n = target.param_oids.size();
  if (e->args.size() != n)
    throw Error(sqlstate::kSyntaxError, "wrong number of parameters for prepared statement \"" + e->name + "\"", 0,
                "Expected " + std::to_string(n) + " parameters but got " + std::to_string(e->args.size()) + ".");
  std::vector<std::string> args(n);
  for (size_t i = 0; i < n; ++i) {
    // A PREPAREd statement's text has its declared types' casts already; a protocol-level
    // statement's parameters have the types it was described with.
    args[i] = target.sql_prepared ? "(" + e->args[i] + ")"
                                   : "CAST((" + e->args[i] + ") AS " + duckdb_type_name_for_oid(target.param_oids[i]) + ")";
  }
  auto ps = prepare_uncached(sql::replace_parameters(target.text, args), {});
  ps->no_cache = true;  // the text names a statement that may be prepared again otherwise
  return ps;
}

// PREPARE name [(type, ...)] AS statement: a named statement in the namespace Parse uses, with a
// cast to each declared type at its parameter, prepared (and so checked) now.
void Session::run_prepare(const std::string &text) {
  auto p = sql::prepare_text(text);
  if (!p) throw Error(sqlstate::kSyntaxError, "syntax error in PREPARE");
  if (statements_.count(p->name))
    throw Error(sqlstate::kDuplicatePreparedStatement, "prepared statement \"" + p->name + "\" already exists");
  std::vector<std::string> casts(p->types.size());
  for (size_t i = 0; i < casts.size(); ++i) casts[i] = "CAST($" + std::to_string(i + 1) + " AS " + p->types[i] + ")";
  auto ps = prepare_uncached(sql::replace_parameters(p->body, casts), {});
  ps->sql_prepared = true;
  statements_[p->name] = std::move(ps);
}

// PostgreSQL commands DuckDB does not parse, refused with what is missing rather than a syntax
// error.
void Session::refuse_unsupported_utility(const std::string &tag) {
  if (tag == "LISTEN" || tag == "NOTIFY" || tag == "UNLISTEN")
    throw Error(sqlstate::kFeatureNotSupported, tag + " is not supported: Mallard delivers no notifications");
  if (tag == "LOCK")
    throw Error(sqlstate::kFeatureNotSupported,
                "LOCK TABLE is not supported: lake tables take no locks, and a write that conflicts with another "
                "transaction's fails at COMMIT with 40001",
                0, {}, "Advisory locks (pg_advisory_xact_lock) serialize writers that must not conflict.");
}

std::string Session::redirected(const std::string &text) {
  if (!lake_->redirects()) return text;
  return sql::redirect_relations(text, [this](const std::string &c, const std::string &s, const std::string &n) {
    // A temporary table hides a lake table of its name, as DuckDB resolves names.
    if (c.empty() && (s.empty() || s == "temp") && is_temp_table(s, n)) return std::optional<std::string>();
    return lake_->redirect(c, s, n);
  });
}

uint64_t Session::plan_epoch() const { return writes_ + lake_->binding_epoch(); }

void Session::start_portal(Portal &p) {
  // A plan that only writes stays valid, unless the lake table's staging it writes moved.
  if (p.stmt->prepared && p.stmt->binding_epoch != plan_epoch() &&
      (!writes_only(*p.stmt) || (!p.stmt->lake_tables.empty() && p.stmt->staging_epoch != lake_->staging_epoch()))) {
    // The plan may rest on statistics or names that changed since (see writes_): it is made again,
    // in place, for every portal and name that shares the statement. A suspended portal may still
    // be streaming from the plan replaced here: its rows are fetched first.
    materialize_open_portals(&p);
    bool sql_prepared = p.stmt->sql_prepared;
    *p.stmt = std::move(*prepare_uncached(p.stmt->text, p.stmt->param_oids));
    p.stmt->sql_prepared = sql_prepared;
  }
  auto &s = *p.stmt;
  if (may_write(s)) ++writes_;
  if (s.lake) {
    p.started = true;
    materialize_open_portals(&p);
    note_for_savepoints(s);  // a lake statement changes what ROLLBACK TO SAVEPOINT would have to undo
    run_lake(p);
    return;
  }
  if (s.lake_tables.empty()) return start_plain_portal(p);
  // An INSERT into lake tables: outside a transaction block it commits on its own, after its
  // rows (RETURNING) are in memory and before CommandComplete.
  bool own = !in_transaction();
  if (own) {
    materialize_open_portals(&p);
    tx_begin();
  }
  try {
    lake_->touch(s.lake_tables);
    lake_->before_insert(*conn_, s.lake_tables);
    start_plain_portal(p);
    // A table with keys: the rows are all in before they are checked (the commit checks too).
    bool keyed = lake_->has_keys_to_check();
    if (own || keyed) buffer_rows(p);
    if (keyed) lake_->check_keys(*conn_);
    if (own) tx_commit();
  } catch (...) {
    if (own) tx_rollback();
    throw;
  }
}

void Session::start_plain_portal(Portal &p) {
  p.started = true;
  auto &s = *p.stmt;
  note_for_savepoints(s);
  if (s.set_config) {
    auto arg = [&](const sql::SetConfigCall::Arg &a) -> std::optional<std::string> {
      if (a.null) return std::nullopt;
      if (a.param == 0) return a.constant;
      size_t i = size_t(a.param - 1);
      if (i >= p.values.size() || !p.values[i]) return std::nullopt;
      return duck::take_string(duckdb_get_varchar(p.values[i].get()));
    };
    auto name = arg(s.set_config->name), value = arg(s.set_config->value), local = arg(s.set_config->local);
    if (!name || name->empty()) throw Error(sqlstate::kNullValueNotAllowed, "SET requires parameter name");
    if (!value) throw Error(sqlstate::kNullValueNotAllowed, "set_config() needs a value; use RESET to restore a default");
    const std::string l = local ? to_lower(*local) : "false";
    run_set_config(*name, *value, l == "true" || l == "t" || l == "on" || l == "yes" || l == "1");
  }
  if (!s.prepared) {
    run_utility(p);
    p.done = true;
    return;
  }
  materialize_open_portals(&p);
  duck::Prepared *plan = &s.prepared;
  if (s.advisory) {
    std::string answer = run_advisory(*s.advisory, p);
    p.own_plan = duck::Prepared(*conn_, "SELECT " + answer + " AS " + sql_ident(s.advisory->alias));
    plan = &p.own_plan;
  } else if (!s.inline_params.empty()) {
    // Untyped parameters go into the statement as literals; the others stay parameters.
    std::vector<std::string> repl(s.inline_params.size());
    std::vector<size_t> plan_index(repl.size());
    size_t next = 0;
    for (size_t i = 0; i < repl.size(); ++i) {
      if (!s.inline_params[i]) {
        plan_index[i] = next++;
        repl[i] = "$" + std::to_string(next);
        if (i < s.param_oids.size() && s.param_oids[i] != oid::kText)
          repl[i] = "CAST(" + repl[i] + " AS " + duckdb_type_name_for_oid(s.param_oids[i]) + ")";
        continue;
      }
      repl[i] = p.values[i] ? untyped_literal(duck::take_string(duckdb_get_varchar(p.values[i].get()))) : "NULL";
    }
    p.own_plan = duck::Prepared(*conn_, sql::rewrite_for_duckdb(sql::replace_parameters(s.exec_text, repl)));
    plan = &p.own_plan;
    plan->clear_bindings();
    for (size_t i = 0; i < p.values.size(); ++i) {
      if (s.inline_params[i]) continue;
      size_t at = plan_index[i];
      if (!p.values[i]) {
        plan->bind_null(at);
        continue;
      }
      // Values were decoded as text before this plan existed; give them its parameter types.
      duckdb_logical_type have = duckdb_get_value_type(p.values[i].get());  // owned by the value
      duck::LogicalType want = plan->param_type(at);
      if (want && duckdb_get_type_id(have) == DUCKDB_TYPE_VARCHAR &&
          duckdb_get_type_id(want.get()) != DUCKDB_TYPE_VARCHAR) {
        std::string text = duck::take_string(duckdb_get_varchar(p.values[i].get()));
        p.values[i] = decode_value(text, Format::kText, 0, want.get());
      }
      plan->bind(at, p.values[i].get());
    }
  } else {
    bind_values(p);
  }
  p.result = plan->execute_streaming();
  p.stype = plan->statement_type();
  if (p.result.return_type() == DUCKDB_RESULT_TYPE_QUERY_RESULT && s.returns_rows) {
    open_result_columns(p);
    return;
  }
  uint64_t count = 0;
  if (p.result.return_type() == DUCKDB_RESULT_TYPE_CHANGED_ROWS) count = read_count(p.result);
  // CREATE TABLE ... AS reports the rows it stored ("SELECT n"); DuckDB returns that count as a
  // row, which a plain CREATE TABLE does not.
  bool ctas = false;
  if (p.stype == DUCKDB_STATEMENT_TYPE_CREATE && s.cls.tag == "CREATE TABLE") {
    duck::DataChunk c = p.result.fetch();
    if (c && duckdb_data_chunk_get_size(c.get()) > 0) {
      duckdb_vector v = duckdb_data_chunk_get_vector(c.get(), 0);
      duck::LogicalType t(duckdb_vector_get_column_type(v));
      if (duckdb_get_type_id(t.get()) == DUCKDB_TYPE_BIGINT) {
        ctas = true;
        count = static_cast<uint64_t>(static_cast<int64_t *>(duckdb_vector_get_data(v))[0]);
      }
    }
  }
  if (ctas) {
    p.done_tag = "SELECT " + std::to_string(count);
  } else {
    p.done_tag = completion_tag(p, count);
  }
  p.result.reset();
  p.done = true;
}

void Session::open_result_columns(Portal &p) {
  p.streaming = true;
  idx_t n = p.result.column_count();
  p.encoders.reserve(n);
  for (idx_t i = 0; i < n; ++i) {
    p.column_names.push_back(i < p.stmt->column_names.size() ? p.stmt->column_names[i] : p.result.column_name(i));
    duck::LogicalType t = p.result.column_type(i);
    p.encoders.push_back(ColumnEncoder::make(t.get(), text_options_));
  }
  p.formats = formats_of(p.result_format_codes, n);
}

std::vector<Format> Session::formats_of(const std::vector<int16_t> &codes, size_t columns) {
  std::vector<Format> out(columns, Format::kText);
  for (size_t i = 0; i < columns; ++i) {
    int16_t code = codes.empty() ? 0 : codes.size() == 1 ? codes[0] : (i < codes.size() ? codes[i] : 0);
    out[i] = code == 1 ? Format::kBinary : Format::kText;
  }
  return out;
}

void Session::bind_values(Portal &p) {
  auto &s = *p.stmt;
  s.prepared.clear_bindings();
  for (size_t i = 0; i < p.values.size(); ++i) {
    if (!p.values[i])
      s.prepared.bind_null(i);
    else
      s.prepared.bind(i, p.values[i].get());
  }
}

bool Session::send_rows(Portal &p, uint64_t max_rows) {
  uint64_t sent = 0;
  p.rows = 0;
  const size_t ncols = p.encoders.size();
  // Every row of a streaming result goes out in this call: once the result shows it is not small,
  // DuckDB computes the next chunks on a helper thread while this one encodes and sends. The
  // helper is stopped before this call returns or throws, so the result and the connection have
  // one user again.
  std::optional<duck::ChunkPrefetch> ahead;
  int fetched = 0;
  // DataRows are written in place into out_, which this writer holds until it returns (also by
  // an exception): nothing else writes to out_ meanwhile, and flushing cuts it back first.
  ByteWriter w(out_);
  while (max_rows == 0 || sent < max_rows) {
    if (p.chunk_row >= p.chunk_size) {
      p.chunk.reset();
      if (!p.buffered.empty()) {
        p.chunk = std::move(p.buffered.front());
        p.buffered.pop_front();
      } else if (p.streaming && !p.exhausted) {
        if (!ahead && max_rows == 0 && duck::ChunkPrefetch::worth_it(fetched, p.chunk_size))
          ahead.emplace(*conn_, p.result);
        ++fetched;
        try {
          p.chunk = ahead ? ahead->next() : p.result.fetch();
        } catch (const Error &e) {
          ahead.reset();
          p.result.reset();
          throw worker_error(e, p.stype, [&] {
            if (p.own_plan) {
              p.own_plan.execute();
              return;
            }
            bind_values(p);
            p.stmt->prepared.execute();
          });
        }
      }
      if (!p.chunk) {
        ahead.reset();
        p.done = true;
        p.streaming = false;
        p.result.reset();
        p.done_tag = completion_tag(p, p.rows);
        return true;
      }
      p.chunk_size = duckdb_data_chunk_get_size(p.chunk.get());
      p.chunk_row = 0;
      for (size_t c = 0; c < ncols; ++c) p.encoders[c]->set_vector(duckdb_data_chunk_get_vector(p.chunk.get(), c));
      continue;
    }
    uint64_t row = p.chunk_row++;
    if (discard_rows_) {  // MOVE: rows are skipped, not sent
      ++p.rows;
      ++sent;
      continue;
    }
    const size_t row_begin = w.size();
    try {
      // 'D', the message length (set at the end), the column count.
      char *head = w.room(7);
      head[0] = 'D';
      head[5] = static_cast<char>(ncols >> 8);
      head[6] = static_cast<char>(ncols);
      const size_t at = w.size() + 1;
      w.commit(head + 7);
      for (size_t c = 0; c < ncols; ++c) {
        ColumnEncoder &enc = *p.encoders[c];
        if (enc.is_null(row)) {
          w.put_i32(-1);
          continue;
        }
        w.commit(w.room(4) + 4);  // the value's length, set once it is written
        const size_t start = w.size();
        if (p.formats[c] == Format::kBinary)
          enc.write_binary(row, w);
        else
          enc.write_text(row, w);
        ByteWriter::store_i32(w.data() + start - 4, static_cast<int32_t>(w.size() - start));
      }
      ByteWriter::store_i32(w.data() + at, static_cast<int32_t>(w.size() - at));
    } catch (...) {
      // Whatever stopped the row (an encoder that throws, memory): no partial DataRow before the error.
      w.commit(w.data() + row_begin);
      throw;
    }
    ++p.rows;
    ++sent;
    if (w.size() >= 256 * 1024) {
      w.finish();
      bool ok = flush();
      w.resume();
      if (!ok) {
        // The client is gone: stop the query instead of computing rows nobody reads.
        conn_->interrupt();
        throw Error(sqlstate::kConnectionFailure, "connection to client lost");
      }
    }
  }
  // Row limit reached; the portal is finished only if no row is left.
  if (p.chunk_row >= p.chunk_size && p.buffered.empty() && !p.streaming) {
    p.done = true;
    p.done_tag = completion_tag(p, p.rows);
    return true;
  }
  return false;
}

void Session::finish_portal(Portal &p) { send_command_complete(p.done_tag); }

void Session::send_row_description(const Portal &p, const std::vector<Format> *formats) {
  size_t at = begin_message(out_, 'T');
  put_i16(out_, static_cast<int16_t>(p.encoders.size()));
  for (size_t i = 0; i < p.encoders.size(); ++i) {
    const PgType &t = p.encoders[i]->pg_type();
    put_cstr(out_, p.column_names[i]);
    const auto &origins = p.stmt->column_origins;
    put_field_origin(out_, origins.size() == p.encoders.size() ? origins[i] : ColumnOrigin{}, t);
    put_i16(out_, static_cast<int16_t>(formats ? (*formats)[i] : p.formats[i]));
  }
  end_message(out_, at);
}

void Session::materialize_open_portals(Portal *except) {
  for (auto &[name, portal] : portals_) {
    Portal &p = *portal;
    if (&p == except || !p.streaming) continue;
    while (true) {
      duck::DataChunk c = p.result.fetch();
      if (!c) break;
      p.buffered.push_back(std::move(c));
    }
    p.streaming = false;
    p.result.reset();
  }
}

void Session::end_transaction_portals() {
  for (auto it = portals_.begin(); it != portals_.end();) it = it->second->held ? std::next(it) : portals_.erase(it);
}

}  // namespace mallard::pgwire
