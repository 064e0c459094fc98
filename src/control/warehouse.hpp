#pragma once
// A warehouse is what a client connects to: one DuckDB instance, its data path and its users.
// The registry activates a warehouse on first use and hands out shared references, so sessions
// keep it alive while they run.

#include <map>
#include <memory>
#include <mutex>
#include <string>

#include "control/configstore.hpp"
#include "duck/duck.hpp"
#include "lake/lake.hpp"

namespace mallard::control {

class Warehouse {
 public:
  explicit Warehouse(const WarehouseRecord &record);
  const std::string &name() const { return record_.name; }
  const WarehouseRecord &record() const { return record_; }
  duck::Database &database() { return *db_; }
  lake::Lake &lake() { return *lake_; }
  // Every client connection starts here: the lake catalog is its default database.
  void prepare_connection(duck::Connection &conn);

 private:
  WarehouseRecord record_;
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
