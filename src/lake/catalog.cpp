#include "lake/catalog.hpp"

#include "lake/format.hpp"

namespace mallard::lake {

namespace {

// Rows visible at the snapshot bound as $1.
constexpr const char *kVisible =
    " CAST($1 AS BIGINT) >= begin_snapshot AND (CAST($1 AS BIGINT) < end_snapshot OR end_snapshot IS NULL)";

int64_t num(const std::optional<std::string> &v) { return v ? std::stoll(*v) : 0; }
bool truth(const std::optional<std::string> &v) { return v && (*v == "true" || *v == "t" || *v == "1"); }

}  // namespace

bool Table::has_deletes() const {
  for (auto &f : files)
    if (f.deletes) return true;
  return false;
}

const Column *Table::column(const std::string &n) const {
  for (auto &c : columns)
    if (c.name == n) return &c;
  return nullptr;
}

const Schema *Snapshot::schema(const std::string &n) const {
  for (auto &[id, s] : schemas)
    if (s.name == n) return &s;
  return nullptr;
}

const Table *Snapshot::table(int64_t schema_id, const std::string &n) const {
  for (auto &[id, t] : tables)
    if (t.schema_id == schema_id && t.name == n) return &t;
  return nullptr;
}

const View *Snapshot::view(int64_t schema_id, const std::string &n) const {
  for (auto &[id, v] : views)
    if (v.schema_id == schema_id && v.name == n) return &v;
  return nullptr;
}

std::string resolve_path(const std::string &base, const std::string &rel, bool is_relative) {
  return is_relative ? base + rel : rel;
}

int64_t latest_snapshot_id(metastore::Transaction &txn) {
  auto rows = txn.query("SELECT CAST(max(snapshot_id) AS BIGINT) FROM ducklake_snapshot");
  return rows.empty() ? 0 : num(rows[0][0]);
}

std::shared_ptr<const Snapshot> load_snapshot(metastore::Transaction &txn, int64_t snapshot_id) {
  auto s = std::make_shared<Snapshot>();
  std::vector<metastore::Param> at = {std::to_string(snapshot_id)};
  auto snap = txn.query(
      "SELECT snapshot_id, schema_version, next_catalog_id, next_file_id FROM ducklake_snapshot "
      "WHERE snapshot_id = CAST($1 AS BIGINT)",
      at);
  if (snap.empty())
    throw Error(sqlstate::kInvalidParameterValue, "snapshot " + std::to_string(snapshot_id) + " does not exist");
  s->id = num(snap[0][0]);
  s->schema_version = num(snap[0][1]);
  s->next_catalog_id = num(snap[0][2]);
  s->next_file_id = num(snap[0][3]);
  auto dp = txn.query("SELECT \"value\" FROM ducklake_metadata WHERE \"key\" = 'data_path' AND \"scope\" IS NULL");
  s->data_path = dp.empty() ? "" : dp[0][0].value_or("");
  if (!s->data_path.empty() && s->data_path.back() != '/') s->data_path += '/';

  for (auto &r : txn.query(std::string("SELECT schema_id, schema_name, path, path_is_relative FROM ducklake_schema "
                                       "WHERE") + kVisible, at)) {
    Schema sc;
    sc.id = num(r[0]);
    sc.name = r[1].value_or("");
    sc.path = r[2] ? resolve_path(s->data_path, *r[2], truth(r[3])) : s->data_path + sc.name + "/";
    s->schemas[sc.id] = sc;
  }
  for (auto &r : txn.query(std::string("SELECT table_id, schema_id, table_name, path, path_is_relative "
                                       "FROM ducklake_table WHERE") + kVisible, at)) {
    Table t;
    t.id = num(r[0]);
    t.schema_id = num(r[1]);
    t.name = r[2].value_or("");
    auto sc = s->schemas.find(t.schema_id);
    std::string base = sc == s->schemas.end() ? s->data_path : sc->second.path;
    t.path = r[3] ? resolve_path(base, *r[3], truth(r[4])) : base + t.name + "/";
    s->tables[t.id] = t;
  }
  for (auto &r : txn.query(std::string("SELECT table_id, column_id, column_order, column_name, column_type, "
                                       "initial_default, default_value, nulls_allowed FROM ducklake_column WHERE "
                                       "parent_column IS NULL AND") + kVisible + " ORDER BY table_id, column_order",
                           at)) {
    auto t = s->tables.find(num(r[0]));
    if (t == s->tables.end()) continue;
    Column c;
    c.id = num(r[1]);
    c.order = num(r[2]);
    c.name = r[3].value_or("");
    c.lake_type = r[4].value_or("");
    c.duck_type = to_duckdb_type(c.lake_type);
    c.initial_default = r[5];
    c.default_value = r[6];
    c.nulls_allowed = !r[7] || truth(r[7]);
    t->second.columns.push_back(c);
  }
  for (auto &r : txn.query(std::string("SELECT table_id, data_file_id, path, path_is_relative, record_count, "
                                       "row_id_start, file_size_bytes FROM ducklake_data_file WHERE") + kVisible +
                               " ORDER BY table_id, data_file_id",
                           at)) {
    auto t = s->tables.find(num(r[0]));
    if (t == s->tables.end()) continue;
    DataFile f;
    f.id = num(r[1]);
    f.path = resolve_path(t->second.path, r[2].value_or(""), truth(r[3]));
    f.record_count = num(r[4]);
    f.row_id_start = num(r[5]);
    f.file_size = num(r[6]);
    t->second.files.push_back(f);
  }
  for (auto &r : txn.query(std::string("SELECT table_id, data_file_id, delete_file_id, path, path_is_relative, "
                                       "delete_count FROM ducklake_delete_file WHERE") + kVisible,
                           at)) {
    auto t = s->tables.find(num(r[0]));
    if (t == s->tables.end()) continue;
    for (auto &f : t->second.files) {
      if (f.id != num(r[1])) continue;
      f.deletes = DeleteFile{num(r[2]), resolve_path(t->second.path, r[3].value_or(""), truth(r[4])), num(r[5])};
    }
  }
  for (auto &r : txn.query("SELECT table_id, record_count, next_row_id FROM ducklake_table_stats")) {
    auto t = s->tables.find(num(r[0]));
    if (t == s->tables.end()) continue;
    t->second.next_row_id = num(r[2]);
  }
  for (auto &r : txn.query(std::string("SELECT view_id, schema_id, view_name, \"sql\" FROM ducklake_view WHERE") +
                               kVisible,
                           at)) {
    View v;
    v.id = num(r[0]);
    v.schema_id = num(r[1]);
    v.name = r[2].value_or("");
    v.sql = r[3].value_or("");
    s->views[v.id] = v;
  }
  for (auto &r : txn.query(std::string("SELECT object_id, \"value\" FROM ducklake_tag WHERE \"key\" = 'comment' AND") +
                               kVisible,
                           at)) {
    if (auto t = s->tables.find(num(r[0])); t != s->tables.end()) t->second.comment = r[1];
    if (auto v = s->views.find(num(r[0])); v != s->views.end()) v->second.comment = r[1];
  }
  return s;
}

}  // namespace mallard::lake
