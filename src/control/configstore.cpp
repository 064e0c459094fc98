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
    // Per-warehouse external metadata stores (PostgreSQL or CockroachDB) and commit retries.
    R"sql(
    ALTER TABLE warehouses ADD COLUMN metastore_host TEXT NOT NULL DEFAULT '';
    ALTER TABLE warehouses ADD COLUMN metastore_port INTEGER NOT NULL DEFAULT 5432;
    ALTER TABLE warehouses ADD COLUMN metastore_database TEXT NOT NULL DEFAULT '';
    ALTER TABLE warehouses ADD COLUMN metastore_user TEXT NOT NULL DEFAULT '';
    ALTER TABLE warehouses ADD COLUMN metastore_password TEXT NOT NULL DEFAULT '';
    ALTER TABLE warehouses ADD COLUMN metastore_password_file TEXT NOT NULL DEFAULT '';
    ALTER TABLE warehouses ADD COLUMN metastore_sslmode TEXT NOT NULL DEFAULT 'prefer';
    ALTER TABLE warehouses ADD COLUMN metastore_flavor TEXT NOT NULL DEFAULT '';
    ALTER TABLE warehouses ADD COLUMN metastore_options TEXT NOT NULL DEFAULT '[]';
    ALTER TABLE warehouses ADD COLUMN retry_attempts INTEGER NOT NULL DEFAULT 0;
    ALTER TABLE warehouses ADD COLUMN retry_max_wait_ms INTEGER NOT NULL DEFAULT 0;
    )sql",
};

constexpr const char *kWarehouseColumns =
    "name, data_path, metastore_kind, metastore_host, metastore_port, metastore_database, metastore_user, "
    "metastore_password, metastore_password_file, metastore_sslmode, metastore_flavor, metastore_options, "
    "retry_attempts, retry_max_wait_ms";

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
  Stmt &bind(int i, int64_t v) {
    sqlite3_bind_int64(s_, i, v);
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

WarehouseRecord read_warehouse(Stmt &s) {
  WarehouseRecord w;
  w.name = s.text(0);
  w.data_path = s.text(1);
  w.metastore_kind = s.text(2);
  w.metastore.host = s.text(3);
  w.metastore.port = static_cast<int>(s.integer(4));
  w.metastore.database = s.text(5);
  w.metastore.user = s.text(6);
  w.metastore.password = s.text(7);
  w.metastore.password_file = s.text(8);
  w.metastore.sslmode = s.text(9);
  w.metastore.flavor = s.text(10);
  w.metastore.options = s.text(11);
  w.retry_attempts = static_cast<int>(s.integer(12));
  w.retry_max_wait_ms = static_cast<int>(s.integer(13));
  return w;
}

// Binds the settings after name and data path, as parameters 3..14.
void bind_metastore(Stmt &s, const WarehouseRecord &w) {
  const ExternalMetastore &m = w.metastore;
  s.bind(3, w.metastore_kind).bind(4, m.host).bind(5, int64_t{m.port}).bind(6, m.database).bind(7, m.user);
  s.bind(8, m.password).bind(9, m.password_file).bind(10, m.sslmode).bind(11, m.flavor);
  s.bind(12, m.options.empty() ? std::string("[]") : m.options);
  s.bind(13, int64_t{w.retry_attempts}).bind(14, int64_t{w.retry_max_wait_ms});
}

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
  Stmt s(db_, (std::string("SELECT ") + kWarehouseColumns + " FROM warehouses WHERE name = ?").c_str());
  s.bind(1, name);
  if (!s.step()) return std::nullopt;
  return read_warehouse(s);
}

std::vector<WarehouseRecord> ConfigStore::list_warehouses() {
  std::lock_guard lock(mu_);
  Stmt s(db_, (std::string("SELECT ") + kWarehouseColumns + " FROM warehouses ORDER BY name").c_str());
  std::vector<WarehouseRecord> out;
  while (s.step()) out.push_back(read_warehouse(s));
  return out;
}

void ConfigStore::create_warehouse(const WarehouseRecord &w) {
  std::lock_guard lock(mu_);
  Stmt s(db_, (std::string("INSERT INTO warehouses(") + kWarehouseColumns +
               ") VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)")
                  .c_str());
  s.bind(1, w.name).bind(2, w.data_path);
  bind_metastore(s, w);
  s.step();
}

void ConfigStore::update_metastore(const WarehouseRecord &w) {
  std::lock_guard lock(mu_);
  Stmt s(db_,
         "UPDATE warehouses SET metastore_kind = ?3, "
         "metastore_host = ?4, metastore_port = ?5, metastore_database = ?6, metastore_user = ?7, "
         "metastore_password = ?8, metastore_password_file = ?9, metastore_sslmode = ?10, metastore_flavor = ?11, "
         "metastore_options = ?12, retry_attempts = ?13, retry_max_wait_ms = ?14 WHERE name = ?1");
  s.bind(1, w.name);  // ?2 (the data path) is not changed
  bind_metastore(s, w);
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
