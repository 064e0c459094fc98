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

struct WarehouseRecord {
  std::string name;
  std::string data_path;  // absolute directory holding the warehouse's files
  std::string metastore_kind = "embedded";
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
  std::optional<UserRecord> find_user(const std::string &warehouse, const std::string &name);
  void put_user(const UserRecord &u);

 private:
  void exec(const std::string &sql);
  void migrate();
  std::mutex mu_;
  sqlite3 *db_ = nullptr;
};

}  // namespace mallard::control
