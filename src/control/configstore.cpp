#include "control/configstore.hpp"

#include <sqlite3.h>

#include "common/error.hpp"

namespace mallard::control {

namespace {

// Each entry moves the schema from version i to i+1. Never edit an applied entry; append.
const char *const kMigrations[] = {
    R"sql(
    CREATE TABLE warehouses (
      name TEXT PRIMARY KEY,
      data_path TEXT NOT NULL,
      metastore_kind TEXT NOT NULL DEFAULT 'embedded',
      created_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))
    );
    CREATE TABLE users (
      warehouse TEXT NOT NULL REFERENCES warehouses(name) ON DELETE CASCADE,
      name TEXT NOT NULL,
      verifier TEXT NOT NULL,
      PRIMARY KEY (warehouse, name)
    );
    )sql",
};

class Stmt {
 public:
  Stmt(sqlite3 *db, const char *sql) {
    if (sqlite3_prepare_v2(db, sql, -1, &s_, nullptr) != SQLITE_OK)
      throw Error(sqlstate::kInternalError, std::string("configstore: ") + sqlite3_errmsg(db));
  }
  ~Stmt() { sqlite3_finalize(s_); }
  Stmt &bind(int i, const std::string &v) {
    sqlite3_bind_text(s_, i, v.data(), static_cast<int>(v.size()), SQLITE_TRANSIENT);
    return *this;
  }
  bool step() {
    int rc = sqlite3_step(s_);
    if (rc == SQLITE_ROW) return true;
    if (rc == SQLITE_DONE) return false;
    throw Error(sqlstate::kInternalError, std::string("configstore: ") + sqlite3_errmsg(sqlite3_db_handle(s_)));
  }
  std::string text(int col) {
    auto *p = sqlite3_column_text(s_, col);
    return p ? reinterpret_cast<const char *>(p) : "";
  }
  int64_t integer(int col) { return sqlite3_column_int64(s_, col); }

 private:
  sqlite3_stmt *s_ = nullptr;
};

}  // namespace

ConfigStore::ConfigStore(const std::string &path) {
  if (sqlite3_open_v2(path.c_str(), &db_, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_FULLMUTEX,
                      nullptr) != SQLITE_OK) {
    std::string msg = db_ ? sqlite3_errmsg(db_) : "out of memory";
    sqlite3_close(db_);
    throw Error(sqlstate::kIoError, "could not open configstore \"" + path + "\": " + msg);
  }
  sqlite3_busy_timeout(db_, 10000);
  exec("PRAGMA foreign_keys = ON; PRAGMA journal_mode = WAL; PRAGMA synchronous = FULL;");
  migrate();
}

ConfigStore::~ConfigStore() { sqlite3_close(db_); }

void ConfigStore::exec(const std::string &sql) {
  char *err = nullptr;
  if (sqlite3_exec(db_, sql.c_str(), nullptr, nullptr, &err) != SQLITE_OK) {
    std::string msg = err ? err : "unknown error";
    sqlite3_free(err);
    throw Error(sqlstate::kInternalError, "configstore: " + msg);
  }
}

int ConfigStore::schema_version() {
  std::lock_guard lock(mu_);
  Stmt s(db_, "PRAGMA user_version");
  s.step();
  return static_cast<int>(s.integer(0));
}

void ConfigStore::migrate() {
  std::lock_guard lock(mu_);
  exec("BEGIN EXCLUSIVE");
  try {
    Stmt v(db_, "PRAGMA user_version");
    v.step();
    int version = static_cast<int>(v.integer(0));
    int target = static_cast<int>(std::size(kMigrations));
    if (version > target)
      throw Error(sqlstate::kInternalError, "configstore schema version " + std::to_string(version) +
                                                " is newer than this mallard (" + std::to_string(target) + ")");
    for (int i = version; i < target; ++i) exec(kMigrations[i]);
    exec("PRAGMA user_version = " + std::to_string(target));
    exec("COMMIT");
  } catch (...) {
    sqlite3_exec(db_, "ROLLBACK", nullptr, nullptr, nullptr);
    throw;
  }
}

std::optional<WarehouseRecord> ConfigStore::find_warehouse(const std::string &name) {
  std::lock_guard lock(mu_);
  Stmt s(db_, "SELECT name, data_path, metastore_kind FROM warehouses WHERE name = ?");
  s.bind(1, name);
  if (!s.step()) return std::nullopt;
  return WarehouseRecord{s.text(0), s.text(1), s.text(2)};
}

std::vector<WarehouseRecord> ConfigStore::list_warehouses() {
  std::lock_guard lock(mu_);
  Stmt s(db_, "SELECT name, data_path, metastore_kind FROM warehouses ORDER BY name");
  std::vector<WarehouseRecord> out;
  while (s.step()) out.push_back({s.text(0), s.text(1), s.text(2)});
  return out;
}

void ConfigStore::create_warehouse(const WarehouseRecord &w) {
  std::lock_guard lock(mu_);
  Stmt s(db_, "INSERT INTO warehouses(name, data_path, metastore_kind) VALUES (?, ?, ?)");
  s.bind(1, w.name).bind(2, w.data_path).bind(3, w.metastore_kind);
  s.step();
}

std::optional<UserRecord> ConfigStore::find_user(const std::string &warehouse, const std::string &name) {
  std::lock_guard lock(mu_);
  Stmt s(db_, "SELECT warehouse, name, verifier FROM users WHERE warehouse = ? AND name = ?");
  s.bind(1, warehouse).bind(2, name);
  if (!s.step()) return std::nullopt;
  return UserRecord{s.text(0), s.text(1), s.text(2)};
}

void ConfigStore::put_user(const UserRecord &u) {
  std::lock_guard lock(mu_);
  Stmt s(db_,
         "INSERT INTO users(warehouse, name, verifier) VALUES (?, ?, ?) "
         "ON CONFLICT(warehouse, name) DO UPDATE SET verifier = excluded.verifier");
  s.bind(1, u.warehouse).bind(2, u.name).bind(3, u.verifier);
  s.step();
}

}  // namespace mallard::control
