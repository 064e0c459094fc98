// Transaction control and session settings (SET / SHOW / RESET) as PostgreSQL clients expect them.
#include <algorithm>
#include <cctype>
#include <charconv>
#include <set>

#include <nlohmann/json.hpp>

#include "common/pg_compat.hpp"
#include "common/strings.hpp"
#include "pgwire/session.hpp"
#include "pgwire/timezone.hpp"

namespace mallard::pgwire {

namespace {

int64_t parse_ms(const std::string &name, const std::string &value) {
  std::string v = to_lower(value);
  std::erase(v, ' ');
  double num = 0;
  auto [ptr, ec] = std::from_chars(v.data(), v.data() + v.size(), num);
  if (ec != std::errc())
    throw Error(sqlstate::kInvalidParameterValue, "invalid value for parameter \"" + name + "\": \"" + value + "\"");
  std::string unit(ptr, static_cast<const char *>(v.data() + v.size()));
  double ms;
  if (unit.empty() || unit == "ms")
    ms = num;
  else if (unit == "us")
    ms = num / 1000;
  else if (unit == "s")
    ms = num * 1000;
  else if (unit == "min")
    ms = num * 60000;
  else if (unit == "h")
    ms = num * 3600000;
  else if (unit == "d")
    ms = num * 86400000;
  else
    throw Error(sqlstate::kInvalidParameterValue, "invalid value for parameter \"" + name + "\": \"" + value + "\"", 0,
                "", "Valid units for this parameter are \"us\", \"ms\", \"s\", \"min\", \"h\", and \"d\".");
  if (ms < 0 || ms > 2147483647.0)
    throw Error(sqlstate::kInvalidParameterValue,
                std::to_string(static_cast<int64_t>(ms)) + " ms is outside the valid range for parameter \"" + name + "\"");
  return static_cast<int64_t>(ms);
}

// The integer literal (with its sign) at a byte offset of the statement, "0" when there is none.
std::string integer_at(const std::string &text, int location) {
  if (location < 0 || static_cast<size_t>(location) >= text.size()) return "0";
  size_t i = static_cast<size_t>(location), j = i;
  if (j < text.size() && (text[j] == '-' || text[j] == '+')) ++j;
  while (j < text.size() && std::isspace(static_cast<unsigned char>(text[j]))) ++j;
  size_t digits = j;
  while (j < text.size() && std::isdigit(static_cast<unsigned char>(text[j]))) ++j;
  if (j == digits) return "0";
  std::string out = text[i] == '-' ? "-" : "";
  return out + text.substr(digits, j - digits);
}

// Text of a SET argument list from libpg_query's JSON (A_Const / TypeCast nodes).
std::string set_value(const nlohmann::json &args, const std::string &text) {
  std::string out;
  for (const auto &a : args) {
    const nlohmann::json *c = nullptr;
    if (a.contains("A_Const"))
      c = &a["A_Const"];
    else if (a.contains("TypeCast") && a["TypeCast"].contains("arg") && a["TypeCast"]["arg"].contains("A_Const"))
      c = &a["TypeCast"]["arg"]["A_Const"];
    if (!c) throw Error(sqlstate::kSyntaxError, "unsupported SET value");
    std::string v;
    if (c->contains("sval"))
      v = (*c)["sval"].value("sval", "");
    else if (c->contains("ival") && (*c)["ival"].contains("ival"))
      v = std::to_string((*c)["ival"].value("ival", 0));
    else if (c->contains("ival"))
      v = integer_at(text, c->value("location", -1));  // libpg_query leaves some integers out
    else if (c->contains("fval"))
      v = (*c)["fval"].value("fval", "0");
    else if (c->contains("boolval"))
      v = (*c)["boolval"].value("boolval", false) ? "on" : "off";
    if (!out.empty()) out += ", ";
    out += v;
  }
  return out;
}

// SET TIME ZONE INTERVAL '-08:00' HOUR TO MINUTE: the interval, as PostgreSQL hands it to the
// TimeZone check ("INTERVAL '-08:00'"); empty for anything else.
std::string timezone_interval_arg(const std::string &name, const nlohmann::json &args) {
  if (name != "timezone" || args.size() != 1 || !args[0].contains("TypeCast")) return {};
  const auto &tc = args[0]["TypeCast"];
  bool interval = false;
  for (const auto &n : tc["typeName"].value("names", nlohmann::json::array()))
    if (n.contains("String") && n["String"].value("sval", "") == "interval") interval = true;
  if (!interval || !tc.contains("arg") || !tc["arg"].contains("A_Const")) return {};
  const auto &c = tc["arg"]["A_Const"];
  if (!c.contains("sval")) return {};
  return "INTERVAL '" + c["sval"].value("sval", "") + "'";
}

const std::map<std::string, std::string> &defaults() {
  static const std::map<std::string, std::string> d = {
      {"application_name", ""},     {"client_encoding", "UTF8"},  {"datestyle", "ISO, MDY"},
      {"timezone", "UTC"},          {"statement_timeout", "0"},   {"idle_in_transaction_session_timeout", "0"},
      {"extra_float_digits", "1"},  {"bytea_output", "hex"},      {"search_path", "\"$user\", public"},
      {"role", "none"},
      {"intervalstyle", "postgres"}, {"standard_conforming_strings", "on"}, {"client_min_messages", "notice"},
      {"work_mem", "4MB"},          {"maintenance_work_mem", "64MB"}, {"lock_timeout", "0"},
      {"jit", "off"},               {"row_security", "on"},        {"synchronous_commit", "on"},
      {"check_function_bodies", "on"}, {"escape_string_warning", "on"},
  };
  return d;
}

}  // namespace

std::string Session::apply_timezone(const std::string &zone) {
  std::string z = zone;
  std::string lz = to_lower(z);
  if (lz == "local" || lz == "default") z = "UTC";
  ZoneSetting setting = parse_zone_setting(z);
  if (setting.seconds_east) {
    // DuckDB computes with ICU zones, which have fixed offsets only as Etc/GMT-N (POSIX sign),
    // whole hours from -12 to +14.
    int32_t east = *setting.seconds_east;
    if (east % 3600 != 0 || east > 14 * 3600 || east < -12 * 3600)
      throw Error(sqlstate::kFeatureNotSupported,
                  "time zone \"" + zone + "\" is not supported: fixed offsets must be whole hours from -12 to +14");
    int32_t h = east / 3600;
    std::string icu = h == 0 ? "Etc/GMT" : std::string("Etc/GMT") + (h > 0 ? "-" : "+") + std::to_string(std::abs(h));
    conn_->query("SET TimeZone = " + sql_literal(icu));
    text_options_.utc_offset_seconds = east;
    text_options_.zone = ZoneOffsets::fixed(east);
    return setting.display;
  }
  try {
    conn_->query("SET TimeZone = " + sql_literal(setting.name));
  } catch (const Error &) {
    throw Error(sqlstate::kInvalidParameterValue, "invalid value for parameter \"TimeZone\": \"" + zone + "\"");
  }
  // Text output of timestamptz uses the zone's current offset from UTC.
  std::string off = conn_->query_scalar(
      "SELECT CAST(CAST(EXTRACT(timezone FROM CAST(now() AS TIMESTAMPTZ)) AS BIGINT) AS VARCHAR)");
  int64_t secs = 0;
  std::from_chars(off.data(), off.data() + off.size(), secs);
  text_options_.utc_offset_seconds = static_cast<int32_t>(secs);
  text_options_.zone = ZoneOffsets::load(setting.name);
  return setting.display;
}

// search_path as PostgreSQL reads it: schema names separated by commas, quoted or folded to lower
// case; "$user", the system schemas and schemas that do not exist are passed over, and public is
// main. DuckDB looks names up along it; the lake creates unqualified names in its first schema.
void Session::apply_search_path(const std::string &value) {
  std::vector<std::string> names;
  for (size_t i = 0; i < value.size();) {
    while (i < value.size() && (std::isspace(static_cast<unsigned char>(value[i])) || value[i] == ',')) ++i;
    if (i >= value.size()) break;
    std::string name;
    if (value[i] == '"') {
      for (++i; i < value.size(); ++i) {
        if (value[i] == '"' && i + 1 < value.size() && value[i + 1] == '"') {
          name += '"';
          ++i;
        } else if (value[i] == '"') {
          ++i;
          break;
        } else {
          name += value[i];
        }
      }
    } else {
      while (i < value.size() && value[i] != ',') name += value[i++];
      while (!name.empty() && std::isspace(static_cast<unsigned char>(name.back()))) name.pop_back();
      name = to_lower(name);
    }
    names.push_back(name == "public" ? "main" : name);
  }
  std::vector<std::string> schemas;
  std::string duck;
  for (const auto &n : names) {
    if (n == "$user" || n == "pg_catalog" || n == "pg_temp" || n == "information_schema" || n == "__mallard") continue;
    if (std::find(schemas.begin(), schemas.end(), n) != schemas.end()) continue;
    if (conn_->query_scalar("SELECT CAST(count(*) AS VARCHAR) FROM duckdb_schemas() WHERE database_name = "
                            "current_database() AND schema_name = " + sql_literal(n)) == "0")
      continue;
    schemas.push_back(n);
    duck += (duck.empty() ? "" : ",") + sql_ident(n);
  }
  conn_->query("SET search_path = " + sql_literal(duck.empty() ? "main" : duck));
  lake_->set_search_path(schemas);
  search_schemas_ = schemas.empty() ? std::vector<std::string>{"main"} : schemas;
  ++ddl_;  // unqualified names may now mean other relations
  plan_cache_.clear();  // names in cached plans were bound along the old path
}

void Session::set_guc(const std::string &name, const std::string &value, bool from_startup) {
  auto read_only = [&] {
    throw Error(sqlstate::kCantChangeRuntimeParam, "parameter \"" + name + "\" cannot be changed");
  };
  std::string v = value;
  if (name == "client_encoding") {
    // Encoding names compare ignoring everything but letters and digits, as in PostgreSQL:
    // asyncpg sends 'utf-8' with the quotes.
    std::string u = to_lower(v);
    std::erase_if(u, [](char c) { return !std::isalnum(static_cast<unsigned char>(c)); });
    if (u != "utf8" && u != "unicode")
      throw Error(sqlstate::kFeatureNotSupported, "client encoding \"" + value + "\" is not supported; only UTF8 is");
    v = "UTF8";
  } else if (name == "datestyle") {
    std::string u = to_lower(v);
    if (u.find("iso") == std::string::npos && u.find("mdy") == std::string::npos && u.find("ymd") == std::string::npos)
      throw Error(sqlstate::kFeatureNotSupported, "DateStyle \"" + value + "\" is not supported; only ISO is");
    v = "ISO, MDY";
  } else if (name == "intervalstyle") {
    v = to_lower(v);
    if (v != "postgres" && v != "iso_8601")
      throw Error(sqlstate::kFeatureNotSupported,
                  "IntervalStyle \"" + value + "\" is not supported; only postgres and iso_8601 are");
    text_options_.iso_8601_intervals = v == "iso_8601";
  } else if (name == "bytea_output") {
    if (to_lower(v) != "hex")
      throw Error(sqlstate::kFeatureNotSupported, "bytea_output \"" + value + "\" is not supported; only hex is");
  } else if (name == "standard_conforming_strings") {
    std::string u = to_lower(v);
    if (u != "on" && u != "true" && u != "1")
      throw Error(sqlstate::kFeatureNotSupported, "standard_conforming_strings can only be on");
    v = "on";
  } else if (name == "timezone") {
    if (conn_) v = apply_timezone(v);
  } else if (name == "statement_timeout") {
    statement_timeout_ms_ = parse_ms(name, v);
  } else if (name == "idle_in_transaction_session_timeout") {
    idle_in_tx_timeout_ms_ = parse_ms(name, v);
  } else if (name == "extra_float_digits") {
    int x = 0;
    auto [p, ec] = std::from_chars(v.data(), v.data() + v.size(), x);
    if (ec != std::errc() || x < -15 || x > 3)
      throw Error(sqlstate::kInvalidParameterValue, "invalid value for parameter \"extra_float_digits\": \"" + value + "\"");
  } else if (name == "server_version" || name == "server_encoding" || name == "integer_datetimes" ||
             name == "server_version_num" || name == "is_superuser" || name == "max_identifier_length" ||
             name == "in_hot_standby" || name == "max_connections" || name == "ssl" || name == "max_index_keys" ||
             name == "block_size" || name == "lc_collate" || name == "lc_ctype") {
    if (!from_startup) read_only();
    return;
  } else if (name == "search_path") {
    if (conn_) apply_search_path(v);
  } else if (name == "client_min_messages") {
    static const std::set<std::string> kLevels = {"debug5", "debug4", "debug3", "debug2", "debug1", "debug",
                                                  "log",    "notice", "warning", "error"};
    v = to_lower(v);
    if (!kLevels.count(v))
      throw Error(sqlstate::kInvalidParameterValue, "invalid value for parameter \"client_min_messages\": \"" + value + "\"");
    if (v == "debug") v = "debug2";
  } else if (name == "session_authorization") {
    if (v != user_) throw Error(sqlstate::kInsufficientPrivilege, "permission denied to set session authorization");
  } else if (name == "role") {
    // A warehouse's users have no roles to take but their own: NONE, or the session's user.
    if (v != "none" && v != user_) throw Error(sqlstate::kInsufficientPrivilege, "permission denied to set role \"" + v + "\"");
  }
  auto &g = gucs_[name];
  bool changed = g.value != v;
  g.value = v;
  publish_settings();
  if (g.report && changed && !from_startup) {
    static const std::map<std::string, std::string> kNames = {{"datestyle", "DateStyle"},
                                                              {"timezone", "TimeZone"},
                                                              {"intervalstyle", "IntervalStyle"}};
    auto it = kNames.find(name);
    send_parameter_status(it == kNames.end() ? name : it->second, v);
  }
}

// current_setting() runs in DuckDB (pg_compat.main.current_setting), which reads the session's
// settings from a DuckDB variable: a map of lower-case names to values, published on change.
void Session::publish_settings() {
  if (!conn_) return;
  std::string m = "MAP {";
  bool first = true;
  for (auto &[k, g] : gucs_) {
    if (!first) m += ", ";
    first = false;
    std::string v = g.value;
    if (k == "statement_timeout" || k == "idle_in_transaction_session_timeout") {
      int64_t ms = k == "statement_timeout" ? statement_timeout_ms_ : idle_in_tx_timeout_ms_;
      v = ms == 0 ? "0" : ms % 1000 == 0 ? std::to_string(ms / 1000) + "s" : std::to_string(ms) + "ms";
    }
    m += sql_literal(k) + ": " + sql_literal(v);
  }
  m += "}";
  conn_->query("SET VARIABLE pg_settings = " + m);
}

void Session::note_setting(const std::string &name, bool local) {
  if (!in_transaction()) return;
  auto [it, fresh] = tx_settings_.try_emplace(name);
  if (fresh) {
    auto g = gucs_.find(name);
    if (g != gucs_.end()) it->second.before = g->second;
  }
  it->second.local = it->second.local || local;
}

void Session::note_session_value(const std::string &name) {
  auto it = tx_settings_.find(name);
  if (it == tx_settings_.end()) return;
  auto g = gucs_.find(name);
  it->second.session_value = g == gucs_.end() ? std::nullopt : std::optional<std::string>(g->second.value);
}

void Session::end_transaction_settings(bool committed) {
  if (warehouse_)
    warehouse_->advisory_locks().release_all(static_cast<uint64_t>(pid_), control::AdvisoryLocks::Scope::kTransaction);
  auto changed = std::move(tx_settings_);
  tx_settings_.clear();
  for (auto &[name, t] : changed) {
    std::optional<std::string> value;
    if (committed && !t.local) continue;  // a plain SET stands
    if (committed && t.session_value) value = t.session_value;
    else if (t.before) value = t.before->value;
    try {
      if (value) {
        set_guc(name, *value, false);
      } else {
        gucs_.erase(name);
        publish_settings();
      }
    } catch (const Error &) {
      // A value that was accepted once is accepted again; nothing to undo if not.
    }
  }
}

std::optional<std::string> Session::get_guc(const std::string &name) const {
  auto it = gucs_.find(name);
  if (it == gucs_.end()) return std::nullopt;
  return it->second.value;
}

// DISCARD ALL | PLANS | TEMP | SEQUENCES: what connection pools send before handing a connection
// to the next client. ALL closes cursors, forgets prepared statements, resets every setting and
// drops temporary objects, outside a transaction block only.
void Session::run_discard(const Portal &running) {
  auto tree = sql::parse(running.stmt->text);
  if (!tree || !tree->contains("DiscardStmt")) throw Error(sqlstate::kSyntaxError, "syntax error in DISCARD");
  const std::string target = (*tree)["DiscardStmt"].value("target", "DISCARD_ALL");
  if (target == "DISCARD_ALL" && tx_ != TxStatus::kIdle)
    throw Error(sqlstate::kActiveTransaction, "DISCARD ALL cannot run inside a transaction block");
  if (target == "DISCARD_ALL") {
    for (auto it = portals_.begin(); it != portals_.end();)
      it = it->first.empty() || it->second.get() == &running ? std::next(it) : portals_.erase(it);
    deallocate_all();
    run_set("RESET ALL");
  }
  if (target == "DISCARD_ALL" || target == "DISCARD_TEMP") {
    std::string objects = conn_->query_scalar(
        "SELECT coalesce(string_agg(kind || ' ' || name, chr(1)), '') FROM (SELECT 'TABLE' AS kind, "
        "table_name AS name FROM duckdb_tables() WHERE database_name = 'temp' UNION ALL SELECT 'VIEW', view_name "
        "FROM duckdb_views() WHERE database_name = 'temp' AND NOT internal)");
    for (size_t at = 0; !objects.empty() && at <= objects.size();) {
      size_t end = std::min(objects.find('\x01', at), objects.size());
      std::string item = objects.substr(at, end - at);
      size_t space = item.find(' ');
      conn_->query("DROP " + item.substr(0, space) + " IF EXISTS temp.main." + sql_ident(item.substr(space + 1)));
      at = end + 1;
    }
  }
  plan_cache_.clear();  // PLANS, and every other kind: names may mean other objects now
}

void Session::run_set(const std::string &text) {
  auto tree = sql::parse(text);
  if (tree && tree->contains("ConstraintsSetStmt")) {
    // SET CONSTRAINTS {ALL | name, ...} {DEFERRED | IMMEDIATE}: the lake's deferrable foreign keys
    // (DuckDB's own tables have none).
    const auto &s = (*tree)["ConstraintsSetStmt"];
    std::vector<std::string> names;
    for (auto &c : s.value("constraints", nlohmann::json::array()))
      if (c.contains("RangeVar")) names.push_back(c["RangeVar"].value("relname", ""));
    if (!in_transaction()) {
      send_notice("25P01", "SET CONSTRAINTS can only be used in transaction blocks", "WARNING");
      return;
    }
    if (lake_) lake_->set_constraints(*conn_, names, s.value("deferred", false));
    return;
  }
  if (!tree || !tree->contains("VariableSetStmt")) {
    ++changes_;  // not undone by ROLLBACK TO SAVEPOINT
    conn_->query(text);  // DuckDB's own SET syntax (e.g. SET GLOBAL ...)
    return;
  }
  const auto &s = (*tree)["VariableSetStmt"];
  std::string kind = s.value("kind", "VAR_SET_VALUE");
  std::string name = to_lower(s.value("name", ""));
  if (kind == "VAR_SET_MULTI") return;  // SET TRANSACTION / SESSION CHARACTERISTICS: snapshot isolation always
  bool local = s.value("is_local", false);
  if (local && !in_transaction()) {
    send_notice("25P01", "SET LOCAL can only be used in transaction blocks", "WARNING");
    return;
  }
  if (kind == "VAR_RESET_ALL") {
    for (auto &[k, v] : defaults()) {
      note_setting(k, local);
      set_guc(k, v, false);
      note_session_value(k);
    }
    return;
  }
  if (name == "time zone") name = "timezone";
  if (kind == "VAR_SET_VALUE" || kind == "VAR_SET_DEFAULT" || kind == "VAR_RESET") note_setting(name, local);
  struct SessionValue {
    Session &s;
    const std::string &name;
    bool local;
    ~SessionValue() {
      if (!local) s.note_session_value(name);
    }
  } keep{*this, name, local};
  std::string value;
  if (kind == "VAR_SET_VALUE") {
    value = timezone_interval_arg(name, s.value("args", nlohmann::json::array()));
    if (value.empty()) value = set_value(s.value("args", nlohmann::json::array()), text);
  } else if (kind == "VAR_SET_DEFAULT" || kind == "VAR_RESET") {
    auto d = defaults().find(name);
    if (d == defaults().end()) {
      if (gucs_.count(name)) return;
      ++changes_;  // DuckDB's own setting: not undone by ROLLBACK TO SAVEPOINT
      conn_->query("RESET " + sql_ident(name));
      return;
    }
    value = d->second;
  } else {
    return;  // SET ... FROM CURRENT
  }
  assign_setting(name, value);
}

// Advisory locks are the warehouse's, held by this session (its backend pid). A waiting lock ends
// with the session's cancel, statement timeout or shutdown (57014 or 57P01, as interrupted_error
// words it); PostgreSQL's deadlock detection is not done. Transaction-level holds end with the
// transaction (end_transaction_settings), at once outside one.
std::string Session::run_advisory(const sql::LoneCall &call, const Portal &p) {
  using control::AdvisoryLocks;
  const std::string &f = call.function;
  auto &locks = warehouse_->advisory_locks();
  const auto owner = static_cast<uint64_t>(pid_);
  const bool answers = advisory_answers_bool(f);
  if (f == "pg_advisory_unlock_all") {
    locks.release_all(owner, AdvisoryLocks::Scope::kSession);
    return "''";
  }
  // The key: one bigint, or two integers (a key space of its own). Strict: NULL gives NULL.
  std::vector<int64_t> parts;
  for (size_t i = 0; i < call.args.size(); ++i) {
    const auto &a = call.args[i];
    std::string v = a.constant;
    if (a.null) return answers ? "CAST(NULL AS BOOLEAN)" : "CAST(NULL AS VARCHAR)";
    if (a.param != 0) {
      size_t at = size_t(a.param - 1);
      if (at >= p.values.size() || !p.values[at]) return answers ? "CAST(NULL AS BOOLEAN)" : "CAST(NULL AS VARCHAR)";
      v = duck::take_string(duckdb_get_varchar(p.values[at].get()));
    }
    int64_t n = 0;
    auto [end, ec] = std::from_chars(v.data(), v.data() + v.size(), n);
    bool two = call.args.size() == 2;
    if (ec != std::errc() || end != v.data() + v.size() || (two && (n < INT32_MIN || n > INT32_MAX)))
      throw Error(ec == std::errc::result_out_of_range || two ? sqlstate::kNumericValueOutOfRange
                                                             : sqlstate::kInvalidTextRepresentation,
                  "invalid advisory lock key: \"" + v + "\"");
    parts.push_back(n);
  }
  AdvisoryLocks::Key key = parts.size() == 2
                               ? AdvisoryLocks::Key{int64_t(uint64_t(uint32_t(parts[0])) << 32 | uint32_t(parts[1])), 2}
                               : AdvisoryLocks::Key{parts[0], 1};
  const auto mode = f.ends_with("_shared") ? AdvisoryLocks::Mode::kShared : AdvisoryLocks::Mode::kExclusive;
  if (f.find("unlock") != std::string::npos) {
    bool held = locks.release(owner, key, mode);
    if (!held)
      send_notice("01000", std::string("you don't own a lock of type ") +
                               (mode == AdvisoryLocks::Mode::kShared ? "ShareLock" : "ExclusiveLock"));
    return held ? "true" : "false";
  }
  const bool xact = f.find("_xact_") != std::string::npos;
  const bool attempt = f.find("try_") != std::string::npos;
  bool got = locks.acquire(owner, key, mode, xact ? AdvisoryLocks::Scope::kTransaction : AdvisoryLocks::Scope::kSession,
                           !attempt, [this] { return interrupt_.load() != static_cast<int>(Interrupt::kNone); });
  if (!got && !attempt) throw Error(sqlstate::kQueryCanceled, "canceling statement due to user request");
  if (xact && !in_transaction()) locks.release_all(owner, AdvisoryLocks::Scope::kTransaction);
  return attempt ? (got ? "true" : "false") : "''";
}

void Session::run_set_config(std::string name, const std::string &value, bool local) {
  name = to_lower(name);
  // Local to a transaction that ends with this statement: nothing to keep.
  if (local && !in_transaction()) return;
  note_setting(name, local);
  try {
    assign_setting(name, value);
  } catch (...) {
    if (!local) note_session_value(name);
    throw;
  }
  if (!local) note_session_value(name);
}

void Session::assign_setting(const std::string &name, const std::string &value) {
  if (gucs_.count(name) || defaults().count(name)) {
    set_guc(name, value, false);
    return;
  }
  if (name.find('.') != std::string::npos) {
    gucs_[name] = {value, false};  // custom "class.name" settings, as PostgreSQL allows
    publish_settings();
    return;
  }
  // Otherwise a DuckDB setting (threads, memory_limit, ...) or an unknown name, which ROLLBACK TO
  // SAVEPOINT cannot undo.
  ++changes_;
  try {
    conn_->query("SET " + sql_ident(name) + " = " + sql_literal(value));
  } catch (const Error &e) {
    if (e.sqlstate() == sqlstate::kUndefinedObject || e.sqlstate() == sqlstate::kUndefinedTable ||
        e.message().find("unrecognized configuration") != std::string::npos)
      throw Error(sqlstate::kUndefinedObject, "unrecognized configuration parameter \"" + name + "\"");
    throw;
  }
}

std::shared_ptr<PreparedStatement> Session::show_statement(const std::string &text) {
  auto tree = sql::parse(text);
  if (!tree || !tree->contains("VariableShowStmt")) return nullptr;
  std::string name = to_lower((*tree)["VariableShowStmt"].value("name", ""));
  std::string sql;
  if (name == "all") {
    sql = "SELECT * FROM (VALUES ";
    bool first = true;
    for (auto &[k, g] : gucs_) {
      if (!first) sql += ", ";
      first = false;
      sql += "(" + sql_literal(k) + ", " + sql_literal(g.value) + ", '')";
    }
    sql += ") AS t(name, setting, description) ORDER BY name";
  } else if (auto v = get_guc(name)) {
    std::string col = name == "timezone" ? "TimeZone" : name == "datestyle" ? "DateStyle" : name;
    if (name == "statement_timeout" || name == "idle_in_transaction_session_timeout") {
      int64_t ms = name == "statement_timeout" ? statement_timeout_ms_ : idle_in_tx_timeout_ms_;
      v = ms == 0 ? "0" : ms % 1000 == 0 ? std::to_string(ms / 1000) + "s" : std::to_string(ms) + "ms";
    }
    sql = "SELECT " + sql_literal(*v) + " AS " + sql_ident(col);
  } else {
    auto exists = conn_->query_scalar("SELECT CAST(count(*) AS VARCHAR) FROM duckdb_settings() WHERE name = " +
                                      sql_literal(name));
    if (exists == "0") {
      if (name == "tables" || name == "databases" || name.empty()) return nullptr;
      throw Error(sqlstate::kUndefinedObject, "unrecognized configuration parameter \"" + name + "\"");
    }
    sql = "SELECT CAST(current_setting(" + sql_literal(name) + ") AS VARCHAR) AS " + sql_ident(name);
  }
  auto ps = std::make_shared<PreparedStatement>();
  ps->text = text;
  ps->cls.kind = sql::Kind::kQuery;
  ps->cls.tag = "SHOW";
  materialize_open_portals(nullptr);
  ps->prepared = duck::Prepared(*conn_, sql);
  ps->returns_rows = true;
  return ps;
}

void Session::deallocate_all() {
  for (auto it = statements_.begin(); it != statements_.end();)
    it = it->first.empty() ? std::next(it) : statements_.erase(it);
  plan_cache_.clear();
}

void Session::run_utility(Portal &p) {
  auto &s = *p.stmt;
  p.done_tag = s.cls.tag;
  // Ending a transaction ends its portals; at COMMIT, WITH HOLD cursors are kept, with their
  // remaining rows pulled into memory (the DuckDB transaction they read from ends).
  auto drop_other_portals = [&](bool commit) {
    for (auto it = portals_.begin(); it != portals_.end();) {
      Portal &q = *it->second;
      if (&q == &p || q.held) {
        ++it;
      } else if (commit && q.holdable) {
        q.held = true;
        ++it;
      } else {
        it = portals_.erase(it);
      }
    }
    materialize_open_portals(&p);
  };
  switch (s.cls.kind) {
    case sql::Kind::kBegin:
      if (tx_ != TxStatus::kIdle) {
        send_notice(sqlstate::kActiveTransaction, "there is already a transaction in progress");
        return;
      }
      materialize_open_portals(&p);
      tx_begin();
      tx_ = TxStatus::kInTransaction;
      return;
    case sql::Kind::kCommit:
      if (tx_ == TxStatus::kIdle) {
        send_notice(sqlstate::kNoActiveTransaction, "there is no transaction in progress");
        return;
      }
      drop_other_portals(tx_ != TxStatus::kFailed);
      if (tx_ == TxStatus::kFailed) {
        tx_rollback();
        tx_ = TxStatus::kIdle;
        p.done_tag = "ROLLBACK";
        return;
      }
      tx_ = TxStatus::kIdle;  // a failed COMMIT still ends the transaction
      tx_commit();
      return;
    case sql::Kind::kRollback:
      if (tx_ == TxStatus::kIdle) {
        send_notice(sqlstate::kNoActiveTransaction, "there is no transaction in progress");
        return;
      }
      drop_other_portals(false);
      tx_ = TxStatus::kIdle;
      tx_rollback();
      return;
    case sql::Kind::kSet:
      if (s.cls.tag.rfind("DISCARD", 0) == 0)
        run_discard(p);
      else
        run_set(s.text);
      return;
    case sql::Kind::kCopy:
      run_copy(p);
      return;
    case sql::Kind::kCursor:
      run_cursor(p);
      return;
    case sql::Kind::kSavepoint:
      run_savepoint(p);
      return;
    case sql::Kind::kUtility:
      if (!s.expanded.empty()) {
        // All or nothing, like the single statement it stands for.
        materialize_open_portals(&p);
        bool own = tx_ == TxStatus::kIdle && !implicit_tx_;
        if (own) tx_begin();
        try {
          for (const auto &one : s.expanded) conn_->query(one);
        } catch (...) {
          if (own) tx_rollback();
          throw;
        }
        if (own) tx_commit();
        plan_cache_.clear();
        return;
      }
      break;
    case sql::Kind::kPrepare:
      run_prepare(s.text);
      return;
    case sql::Kind::kDeallocate: {
      // Protocol-level statements (Parse) and SQL PREPAREs share one namespace, as in PostgreSQL.
      // psycopg sends DEALLOCATE ALL after a rollback.
      auto tree = sql::parse(s.text);
      if (!tree || !tree->contains("DeallocateStmt"))
        throw Error(sqlstate::kSyntaxError, "syntax error in DEALLOCATE");
      std::string name = (*tree)["DeallocateStmt"].value("name", "");
      if (name.empty()) {
        deallocate_all();
      } else if (!statements_.erase(name)) {
        throw Error(sqlstate::kInvalidSqlStatementName, "prepared statement \"" + name + "\" does not exist");
      }
      return;
    }
    default:
      throw Error(sqlstate::kInternalError, "statement cannot run without a prepared plan");
  }
}

}  // namespace mallard::pgwire
