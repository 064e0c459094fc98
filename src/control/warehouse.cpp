#include "control/warehouse.hpp"

#include "control/catalog.hpp"

#include <filesystem>

#include <spdlog/spdlog.h>

namespace mallard::control {

Warehouse::Warehouse(const WarehouseRecord &record) : record_(record) {
  std::filesystem::create_directories(record_.data_path);
  // The catalog takes its name from the file: current_database() is the warehouse name.
  auto path = (std::filesystem::path(record_.data_path) / (record_.name + ".duckdb")).string();
  db_ = std::make_unique<duck::Database>(path);
  duck::Connection conn(*db_);
  // A warehouse may read and write files only under its own data path: no other warehouse's
  // files, no server files. DuckDB refuses to turn external access back on at run time.
  std::string dir = record_.data_path;
  std::string quoted;
  for (char c : dir) {
    if (c == '\'') quoted += '\'';
    quoted += c;
  }
  conn.query("SET allowed_directories = ['" + quoted + "/']");
  conn.query("SET enable_external_access = false");
  install_pg_catalog(conn);
  spdlog::info("warehouse {} active ({})", record_.name, path);
}

std::shared_ptr<Warehouse> Registry::get(const std::string &name) {
  std::lock_guard lock(mu_);
  if (auto it = active_.find(name); it != active_.end()) return it->second;
  auto rec = store_.find_warehouse(name);
  if (!rec) return nullptr;
  auto w = std::make_shared<Warehouse>(*rec);
  active_[name] = w;
  return w;
}

void Registry::close_all() {
  std::lock_guard lock(mu_);
  active_.clear();
}

}  // namespace mallard::control
