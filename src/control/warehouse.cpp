#include "control/warehouse.hpp"

#include "control/catalog.hpp"

#include <filesystem>
#include <thread>

#include <nlohmann/json.hpp>

#include <spdlog/spdlog.h>

#include "common/strings.hpp"
#include "metastore/embedded.hpp"

namespace mallard::control {

namespace {

std::string without_trailing_slash(const std::string &path) {
  std::string p = std::filesystem::path(path).lexically_normal().string();
  while (p.size() > 1 && p.back() == '/') p.pop_back();
  return p;
}

}  // namespace

metastore::PostgresConfig postgres_config(const WarehouseRecord &record) {
  const ExternalMetastore &m = record.metastore;
  metastore::PostgresConfig c;
  c.flavor = metastore::parse_flavor(m.flavor);
  c.host = m.host;
  c.port = m.port;
  c.database = m.database;
  c.user = m.user;
  c.password = m.password;
  c.password_file = m.password_file;
  c.sslmode = m.sslmode.empty() ? "prefer" : m.sslmode;
  if (!m.options.empty()) {
    auto j = nlohmann::json::parse(m.options, nullptr, false);
    if (!j.is_array())
      throw Error(sqlstate::kInvalidParameterValue,
                  "warehouse \"" + record.name + "\": its metadata store options are not a JSON array");
    for (auto &kv : j)
      if (kv.is_array() && kv.size() == 2 && kv[0].is_string() && kv[1].is_string())
        c.extra.emplace_back(kv[0].get<std::string>(), kv[1].get<std::string>());
  }
  c.retry_attempts = record.retry_attempts;
  c.retry_max_wait = std::chrono::milliseconds(record.retry_max_wait_ms);
  return c;
}

void set_metastore(WarehouseRecord &record, const std::string &uri, const std::string &password_file) {
  if (uri.empty() || uri == "embedded") {
    if (!password_file.empty())
      throw Error(sqlstate::kInvalidParameterValue, "a metadata store password file needs an external metadata store");
    record.metastore_kind = "embedded";
    record.metastore = ExternalMetastore{};
    return;
  }
  metastore::PostgresConfig c = metastore::parse_postgres_uri(uri);
  if (!password_file.empty() && !c.password.empty())
    throw Error(sqlstate::kInvalidParameterValue,
                "the metadata store password is given twice: in the URI and as a password file; keep one");
  ExternalMetastore m;
  m.host = c.host;
  m.port = c.port;
  m.database = c.database;
  m.user = c.user;
  m.password = c.password;
  m.password_file = password_file;
  m.sslmode = c.sslmode;
  m.flavor = metastore::flavor_name(c.flavor);
  nlohmann::json extra = nlohmann::json::array();
  for (auto &[k, v] : c.extra) extra.push_back({k, v});
  m.options = extra.dump();
  record.metastore_kind = "external";
  record.metastore = m;
}

std::unique_ptr<metastore::Store> make_store(const WarehouseRecord &record) {
  if (record.metastore_kind == "embedded" || record.metastore_kind.empty()) {
    // The embedded metadata store sits next to the data path, outside what SQL may touch.
    return std::make_unique<metastore::EmbeddedStore>(without_trailing_slash(record.data_path) + ".ducklake");
  }
  if (record.metastore_kind == "external")
    return std::make_unique<metastore::PostgresStore>(postgres_config(record), record.name);
  throw Error(sqlstate::kInvalidParameterValue, "warehouse \"" + record.name + "\": invalid metadata store kind \"" +
                                                    record.metastore_kind + "\": accepted values are embedded, external");
}

Warehouse::Warehouse(const WarehouseRecord &record) : record_(record) {
  std::filesystem::create_directories(record_.data_path);
  // DuckDB holds nothing durable: the lake is the truth. Its catalog, named after the warehouse
  // (current_database()), is in memory and rebuilt from the metadata store at activation.
  db_ = std::make_unique<duck::Database>("");
  duck::Connection conn(*db_);
  conn.query("ATTACH ':memory:' AS " + sql_ident(record_.name));
  prepare_connection(conn);
  install_pg_catalog(
      conn, activity_, advisory_locks_, [this] { return lake_ ? lake_->shown() : nullptr; },
      [this](std::string_view sequence, int64_t value, bool is_called) {
        if (!lake_) throw Error(sqlstate::kUndefinedTable, "relation \"" + std::string(sequence) + "\" does not exist");
        lake_->setval(sequence, value, is_called);
      });
  std::string data_path = without_trailing_slash(record_.data_path);
  lake::Options options;
  options.data_path = data_path + "/lake/";
  options.created_by = "Mallard";
  options.catalog = record_.name;
  // An empty store gets a new DuckLake catalog. Two processes activating the same empty external
  // store at once may both try to create it; the one that loses finds it created on a second try.
  for (int attempt = 1;; ++attempt) {
    try {
      lake_ = std::make_unique<lake::Lake>(make_store(record_), *db_, options);
      break;
    } catch (const Error &e) {
      if (record_.metastore_kind != "external" || attempt >= 3) throw;
      spdlog::warn("warehouse {}: opening the lake failed ({}: {}); trying again", record_.name, e.sqlstate(),
                   e.what());
      std::this_thread::sleep_for(std::chrono::milliseconds(200 * attempt));
    }
  }
  // A warehouse may read and write files only under its own data path: no other warehouse's
  // files, no server files. A store that already held a catalog keeps that catalog's data path
  // (another process or tool created it), which is then allowed too. DuckDB refuses to turn
  // external access back on at run time.
  auto current = lake_->current();
  if (!current)
    throw Error(sqlstate::kIoError, "warehouse \"" + record_.name + "\": could not show the lake's latest snapshot " +
                                        "(see the log for the reason)");
  std::string allowed = "[" + sql_literal(data_path + "/");
  std::string lake_path = current->data_path;
  if (!lake_path.empty() && lake_path.rfind(data_path + "/", 0) != 0) allowed += ", " + sql_literal(lake_path);
  conn.query("SET allowed_directories = " + allowed + "]");
  conn.query("SET enable_external_access = false");
  spdlog::info("warehouse {} active ({}, lake snapshot {})", record_.name, lake_->store().describe(), current->id);
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
