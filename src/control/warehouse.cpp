#include "control/warehouse.hpp"

#include "control/catalog.hpp"

#include <filesystem>

#include <spdlog/spdlog.h>

#include "common/strings.hpp"
#include "metastore/embedded.hpp"

namespace mallard::control {

Warehouse::Warehouse(const WarehouseRecord &record) : record_(record) {
  std::filesystem::create_directories(record_.data_path);
  // DuckDB holds nothing durable: the lake is the truth. Its catalog, named after the warehouse
  // (current_database()), is in memory and rebuilt from the metadata store at activation.
  db_ = std::make_unique<duck::Database>("");
  duck::Connection conn(*db_);
  conn.query("ATTACH ':memory:' AS " + sql_ident(record_.name));
  prepare_connection(conn);
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
  // The embedded metadata store sits next to the data path, outside what SQL may touch.
  std::string data_path = std::filesystem::path(record_.data_path).lexically_normal().string();
  while (data_path.size() > 1 && data_path.back() == '/') data_path.pop_back();
  auto store = std::make_unique<metastore::EmbeddedStore>(data_path + ".ducklake");
  lake::Options options;
  options.data_path = data_path + "/lake/";
  options.created_by = "Mallard";
  options.catalog = record_.name;
  lake_ = std::make_unique<lake::Lake>(std::move(store), *db_, options);
  spdlog::info("warehouse {} active ({}, lake snapshot {})", record_.name, lake_->store().describe(),
               lake_->current()->id);
}

void Warehouse::prepare_connection(duck::Connection &conn) { conn.query("USE " + sql_ident(record_.name)); }

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
