#pragma once
// The configstore: warehouses and their users. Embedded SQLite in the data directory; versioned
// SQL migrations are applied at open, inside one exclusive transaction, so two processes starting
// together migrate once.

#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

struct sqlite3;

namespace mallard::control {

// Where an external metadata store is and how to reach it. The password is stored only when it
// was given inline (in the URI) and no password file was; a password file's path is stored
// instead of its content, and the file is read at every connect.
struct ExternalMetastore {
  std::string host;
  int port = 5432;
  std::string database;
  std::string user;
  std::string password;
  std::string password_file;
  std::string sslmode = "prefer";
  std::string flavor;   // postgres (also when empty) or cockroachdb; checked at activation
  std::string options;  // further libpq keywords, a JSON array of [keyword, value] pairs
};

struct WarehouseRecord {
  std::string name;
  std::string data_path;  // absolute directory holding the warehouse's files
  std::string metastore_kind = "embedded";  // embedded or external
  ExternalMetastore metastore;              // when external
  // Metadata commits: at most this many attempts, waiting at most this long between two
  // (0: the flavor's default).
  int retry_attempts = 0;
  int retry_max_wait_ms = 0;
};

struct UserRecord {
  std::string warehouse;
  std::string name;
  std::string verifier;  // SCRAM-SHA-256 or md5 verifier; never a password
};

class ConfigStore {
 public:
  explicit ConfigStore(const std::string &sqlite_path);
  ~ConfigStore();
  ConfigStore(const ConfigStore &) = delete;
  ConfigStore &operator=(const ConfigStore &) = delete;

  int schema_version();
  std::optional<WarehouseRecord> find_warehouse(const std::string &name);
  std::vector<WarehouseRecord> list_warehouses();
  void create_warehouse(const WarehouseRecord &w);
  // Replaces the metadata-store settings (kind, external store, retries) of an existing warehouse;
  // the warehouse's next activation uses them.
  void update_metastore(const WarehouseRecord &w);
  std::optional<UserRecord> find_user(const std::string &warehouse, const std::string &name);
  void put_user(const UserRecord &u);

 private:
  void exec(const std::string &sql);
  void migrate();
  std::mutex mu_;
  sqlite3 *db_ = nullptr;
};

}  // namespace mallard::control
