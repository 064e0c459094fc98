#pragma once
// A warehouse is what a client connects to: one DuckDB instance, its data path and its users.
// The registry activates a warehouse on first use and hands out shared references, so sessions
// keep it alive while they run.

#include <map>
#include <memory>
#include <mutex>
#include <string>

#include "control/activity.hpp"
#include "control/advisory_locks.hpp"
#include "control/configstore.hpp"
#include "duck/duck.hpp"
#include "lake/lake.hpp"
#include "metastore/postgres.hpp"

namespace mallard::control {

// The metadata store a warehouse's record describes: the embedded DuckDB file next to the data
// path, or PostgreSQL / CockroachDB with the record's flavor (22023 naming the accepted values
// for an unknown kind or flavor).
std::unique_ptr<metastore::Store> make_store(const WarehouseRecord &record);

// The record's external store as a libpq config (flavor checked, password file kept as a path).
metastore::PostgresConfig postgres_config(const WarehouseRecord &record);

// Sets the record's metadata store from `mallard serve --metastore` or a config file: "embedded"
// (or empty), or a libpq URI with Mallard's own `flavor=postgres|cockroachdb` parameter, which is
// taken out before libpq sees the URI. With a password file, only the file's path is kept (a
// password in the URI as well is refused); without one, a password in the URI is kept in the
// configstore. 22023 for malformed URIs and unknown flavors, naming the accepted values.
void set_metastore(WarehouseRecord &record, const std::string &uri, const std::string &password_file);

class Warehouse {
 public:
  explicit Warehouse(const WarehouseRecord &record);
  const std::string &name() const { return record_.name; }
  const WarehouseRecord &record() const { return record_; }
  duck::Database &database() { return *db_; }
  lake::Lake &lake() { return *lake_; }
  AdvisoryLocks &advisory_locks() { return advisory_locks_; }
  Activity &activity() { return activity_; }
  // Every client connection starts here: the lake catalog is its default database.
  void prepare_connection(duck::Connection &conn);

 private:
  WarehouseRecord record_;
  // Before the database: its functions read them (control/catalog.cpp).
  AdvisoryLocks advisory_locks_;
  Activity activity_;
  std::unique_ptr<duck::Database> db_;
  std::unique_ptr<lake::Lake> lake_;
};

class Registry {
 public:
  explicit Registry(ConfigStore &store) : store_(store) {}
  // The active warehouse of that name, activated on first use; nullptr when no such warehouse.
  std::shared_ptr<Warehouse> get(const std::string &name);
  ConfigStore &store() { return store_; }
  // Closes every warehouse (at shutdown, after all sessions ended).
  void close_all();

 private:
  ConfigStore &store_;
  std::mutex mu_;
  std::map<std::string, std::shared_ptr<Warehouse>> active_;
};

}  // namespace mallard::control
