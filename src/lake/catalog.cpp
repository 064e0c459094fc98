#include "lake/catalog.hpp"

#include <algorithm>
#include <functional>
#include <set>
#include <unordered_map>

#include <nlohmann/json.hpp>

#include "common/strings.hpp"
#include "lake/format.hpp"

namespace mallard::lake {

namespace {

// Rows visible at the snapshot bound as $1.
constexpr const char *kVisible =
    " CAST($1 AS BIGINT) >= begin_snapshot AND (CAST($1 AS BIGINT) < end_snapshot OR end_snapshot IS NULL)";

int64_t num(const std::optional<std::string> &v) { return v ? std::stoll(*v) : 0; }
bool truth(const std::optional<std::string> &v) { return v && (*v == "true" || *v == "t" || *v == "1"); }

// "(1, 2, 3)" for an IN list; "(-1)", which matches no id, for none.
std::string id_list(const std::set<int64_t> &ids) {
  std::string s;
  for (int64_t id : ids) s += (s.empty() ? "" : ", ") + std::to_string(id);
  return "(" + (s.empty() ? std::string("-1") : s) + ")";
}

// A row of an inlined-data table as an inlined row of `t`: row_id, begin and end snapshot, then
// the stored columns in their slots; columns the table did not have then read as their initial
// default.
metastore::Row inlined_row(const Table &t, const Table::InlinedSource &src, metastore::Row &&stored) {
  metastore::Row out(3 + t.inlined_columns.size());
  for (size_t k = 0; k < t.inlined_columns.size(); ++k)
    for (auto &c : t.columns)
      if (c.id == t.inlined_columns[k]) out[3 + k] = c.initial_default;
  for (size_t k = 0; k < 3; ++k) out[k] = std::move(stored[k]);
  for (size_t k = 0; k < src.slots.size(); ++k) out[src.slots[k]] = std::move(stored[3 + k]);
  return out;
}

// Reads only the rows of `t`'s inlined-data tables that were added or ended after snapshot
// `since`, into the rows `t` had then (its inlined-data tables are the same ones). False when rows
// were also taken out of them (another writer flushed them to a file): then read them in full.
bool load_inlined_changes(metastore::Transaction &txn, Table &t, int64_t since) {
  std::unordered_map<std::string, size_t> at;
  for (size_t i = 0; i < t.inlined_rows.size(); ++i) at.emplace(t.inlined_rows[i][0].value_or(""), i);
  for (size_t k = 0; k < t.inlined_tables.size(); ++k) {
    auto &src = t.inlined_sources[k];
    for (auto &row : txn.query(src.select + " FROM " + sql_ident(t.inlined_tables[k]) +
                                   " WHERE begin_snapshot > CAST($1 AS BIGINT) OR end_snapshot > CAST($1 AS BIGINT)",
                               {std::to_string(since)})) {
      metastore::Row r = inlined_row(t, src, std::move(row));
      if (auto it = at.find(r[0].value_or("")); it != at.end())
        t.inlined_rows[it->second] = std::move(r);
      else
        t.inlined_rows.push_back(std::move(r));
    }
  }
  int64_t stored = 0;
  for (auto &name : t.inlined_tables)
    stored += num(txn.query("SELECT count(*) FROM " + sql_ident(name)).at(0).at(0));
  return stored == static_cast<int64_t>(t.inlined_rows.size());
}

// Every inlined-data table of every table in `s` (or of the tables in `only`), with the column ids
// its columns stand for (its columns are named as the table's columns were at its schema version).
// A column added later reads as its initial default in rows stored before it existed. With
// `prev`, a table whose inlined-data tables are those it had in `prev` reads only its rows that
// changed since.
void load_inlined(metastore::Transaction &txn, Snapshot &s, const std::set<int64_t> *only,
                  const Snapshot *prev = nullptr) {
  std::string filter = only ? " WHERE i.table_id IN " + id_list(*only) : "";
  std::set<int64_t> full;  // tables read in full
  if (prev && only) {
    std::map<int64_t, std::vector<std::string>> names;
    for (auto &r : txn.query("SELECT i.table_id, i.table_name FROM ducklake_inlined_data_tables i" + filter +
                             " ORDER BY i.table_id, i.schema_version"))
      names[num(r[0])].push_back(r[1].value_or(""));
    for (int64_t id : *only) {
      Table *t = s.edit(id);
      if (!t) continue;
      auto was = prev->tables.find(id);
      bool same = was != prev->tables.end() && was->second->has_inlined() && names[id] == was->second->inlined_tables &&
                  was->second->inlined_sources.size() == was->second->inlined_tables.size();
      if (!same || !load_inlined_changes(txn, *t, prev->id)) full.insert(id);
    }
    if (full.empty()) return;
    filter = " WHERE i.table_id IN " + id_list(full);
    only = &full;
  }
  struct Version {
    Table *table;
    std::string name;
    std::vector<std::pair<int64_t, std::string>> cols;  // id, name at that version
  };
  std::vector<Version> versions;
  for (auto &entry : s.tables)
    if (!only || only->count(entry.first)) {
      Table *t = s.edit(entry.first);
      t->inlined_columns.clear();
      t->inlined_types.clear();
      t->inlined_rows.clear();
      t->inlined_tables.clear();
      t->inlined_sources.clear();
    }
  for (auto &r : txn.query("SELECT i.table_id, i.table_name, i.schema_version, "
                           "(SELECT min(v.begin_snapshot) FROM ducklake_schema_versions v WHERE v.table_id = i.table_id "
                           "AND v.schema_version = i.schema_version) FROM ducklake_inlined_data_tables i" +
                           filter + " ORDER BY i.table_id, i.schema_version")) {
    if (only && !only->count(num(r[0]))) continue;
    Table *t = s.edit(num(r[0]));
    if (!t) continue;
    Version v{t, r[1].value_or(""), {}};
    int64_t since = r[3] ? num(r[3]) : s.id;
    for (auto &c : txn.query("SELECT column_id, column_name, column_type FROM ducklake_column WHERE table_id = "
                             "CAST($1 AS BIGINT) AND parent_column IS NULL AND begin_snapshot <= CAST($2 AS BIGINT) AND "
                             "(end_snapshot IS NULL OR end_snapshot > CAST($2 AS BIGINT)) ORDER BY column_order",
                             {std::to_string(v.table->id), std::to_string(since)})) {
      int64_t id = num(c[0]);
      v.cols.emplace_back(id, c[1].value_or(""));
      auto &ids = v.table->inlined_columns;
      if (std::find(ids.begin(), ids.end(), id) == ids.end()) {
        ids.push_back(id);
        std::string type = c[2].value_or("varchar");
        if (type == "list" || type == "struct" || type == "map") {
          const Column *now = nullptr;
          for (auto &cc : v.table->columns) if (cc.id == id) now = &cc;
          v.table->inlined_types[id] = now ? now->duck_type : "VARCHAR";
        } else {
          v.table->inlined_types[id] = to_duckdb_type(type);
        }
      }
    }
    v.table->inlined_tables.push_back(v.name);
    versions.push_back(std::move(v));
  }
  for (auto &entry : s.tables)
    if (!only || only->count(entry.first)) {
      Table *t = s.edit(entry.first);
      for (auto &c : t->columns) t->inlined_types[c.id] = c.duck_type;
    }
  for (auto &v : versions) {
    Table &table = *v.table;
    Table::InlinedSource src;
    src.select = "SELECT CAST(row_id AS VARCHAR), CAST(begin_snapshot AS VARCHAR), CAST(end_snapshot AS VARCHAR)";
    for (auto &[id, col] : v.cols) {
      src.select += ", CAST(" + sql_ident(col) + " AS VARCHAR)";
      src.slots.push_back(3 + (std::find(table.inlined_columns.begin(), table.inlined_columns.end(), id) -
                               table.inlined_columns.begin()));
    }
    for (auto &row : txn.query(src.select + " FROM " + sql_ident(v.name)))
      table.inlined_rows.push_back(inlined_row(table, src, std::move(row)));
    table.inlined_sources.push_back(std::move(src));
  }
}

// The snapshot row: id, schema version and the next catalog and file ids.
void read_header(metastore::Transaction &txn, Snapshot &s, int64_t snapshot_id) {
  auto snap = txn.query(
      "SELECT snapshot_id, schema_version, next_catalog_id, next_file_id FROM ducklake_snapshot "
      "WHERE snapshot_id = CAST($1 AS BIGINT)",
      {std::to_string(snapshot_id)});
  if (snap.empty())
    throw Error(sqlstate::kInvalidParameterValue, "snapshot " + std::to_string(snapshot_id) + " does not exist");
  s.id = num(snap[0][0]);
  s.schema_version = num(snap[0][1]);
  s.next_catalog_id = num(snap[0][2]);
  s.next_file_id = num(snap[0][3]);
}

// Files, delete files, inlined rows and row counters: of every table, or only of `only`. The
// extension's inlined deletes are looked for in every table, or (with `only`) in `deletes_in`:
// listing the store's tables is not cheap in every store, and costs in proportion to the catalog.
void load_data(metastore::Transaction &txn, Snapshot &s, const std::set<int64_t> *only,
               const std::set<int64_t> &deletes_in = {}, const Snapshot *prev = nullptr) {
  std::vector<metastore::Param> at = {std::to_string(s.id)};
  std::string filter = only ? " AND table_id IN " + id_list(*only) : "";
  for (auto &r : txn.query(std::string("SELECT table_id, data_file_id, path, path_is_relative, record_count, "
                                       "row_id_start, file_size_bytes, begin_snapshot FROM ducklake_data_file WHERE") +
                               kVisible +
                               filter + " ORDER BY table_id, data_file_id",
                           at)) {
    Table *t = s.edit(num(r[0]));
    if (!t) continue;
    DataFile f;
    f.id = num(r[1]);
    f.path = resolve_path(t->path, r[2].value_or(""), truth(r[3]));
    f.record_count = num(r[4]);
    f.row_id_start = num(r[5]);
    f.file_size = num(r[6]);
    f.begin_snapshot = num(r[7]);
    t->files.push_back(f);
  }
  for (auto &r : txn.query(std::string("SELECT table_id, data_file_id, delete_file_id, path, path_is_relative, "
                                       "delete_count, begin_snapshot FROM ducklake_delete_file WHERE") + kVisible + filter,
                           at)) {
    Table *t = s.edit(num(r[0]));
    if (!t) continue;
    for (auto &f : t->files) {
      if (f.id != num(r[1])) continue;
      f.deletes = DeleteFile{num(r[2]), resolve_path(t->path, r[3].value_or(""), truth(r[4])), num(r[5]),
                             num(r[6])};
    }
  }
  // Deletes the ducklake extension inlined: one table per lake table, present once used.
  std::string names = "table_name LIKE 'ducklake_inlined_delete_%'";
  if (only) {
    names.clear();
    for (int64_t id : deletes_in)
      names += (names.empty() ? "" : ", ") + sql_literal("ducklake_inlined_delete_" + std::to_string(id));
    if (!names.empty()) names = "table_name IN (" + names + ")";
  }
  for (auto &r : names.empty() ? metastore::Rows{}
                               : txn.query("SELECT table_name FROM information_schema.tables WHERE " + names)) {
    std::string name = r[0].value_or("");
    std::string digits = name.substr(std::string("ducklake_inlined_delete_").size());
    if (digits.empty() || digits.find_first_not_of("0123456789") != std::string::npos) continue;
    int64_t id = std::stoll(digits);
    if (only && !only->count(id)) continue;
    Table *t = s.edit(id);
    if (!t) continue;
    std::map<int64_t, DataFile *> by_id;
    for (auto &f : t->files) by_id[f.id] = &f;
    for (auto &d : txn.query("SELECT file_id, row_id FROM " + quoted_name(name) +
                                 " WHERE begin_snapshot <= CAST($1 AS BIGINT) ORDER BY file_id, row_id",
                             at))
      if (auto f = by_id.find(num(d[0])); f != by_id.end()) f->second->inlined_deletes.push_back(num(d[1]));
  }
  s.require_commit_message = false;
  for (auto &r : txn.query("SELECT \"key\", \"value\" FROM ducklake_metadata WHERE \"key\" IN "
                           "('data_inlining_row_limit', 'require_commit_message') AND \"scope\" IS NULL")) {
    if (!r[1]) continue;
    if (r[0] == "data_inlining_row_limit") s.inlining_row_limit = std::stoll(*r[1]);
    else s.require_commit_message = option_is_true(*r[1]);
  }
  load_inlined(txn, s, only, prev);
  for (auto &r : txn.query("SELECT table_id, record_count, next_row_id FROM ducklake_table_stats WHERE true" + filter)) {
    if (Table *t = s.edit(num(r[0]))) {
      t->record_count = num(r[1]);
      t->next_row_id = num(r[2]);
    }
  }
}

}  // namespace

std::string nested_duck_type(const Column &c) {
  if (c.lake_type == "list") return c.children.at(0).duck_type + "[]";
  if (c.lake_type == "map") return "MAP(" + c.children.at(0).duck_type + ", " + c.children.at(1).duck_type + ")";
  std::string fields;
  for (auto &f : c.children) fields += (fields.empty() ? "" : ", ") + sql_ident(f.name) + " " + f.duck_type;
  return "STRUCT(" + fields + ")";
}

std::string char_type_name(const std::optional<CharType> &t) {
  if (!t) return "";
  std::string name = t->fixed ? "character" : "character varying";
  return t->length > 0 ? name + "(" + std::to_string(t->length) + ")" : name;
}

std::optional<CharType> parse_char_type(const std::string &name) {
  if (name == "character varying") return CharType{};
  for (bool fixed : {false, true}) {
    std::string prefix = fixed ? "character(" : "character varying(";
    if (!name.starts_with(prefix) || !name.ends_with(")")) continue;
    std::string n = name.substr(prefix.size(), name.size() - prefix.size() - 1);
    if (n.empty() || n.size() > 9 || n.find_first_not_of("0123456789") != std::string::npos) return std::nullopt;
    if (std::stoll(n) > 0) return CharType{std::stoll(n), fixed};
  }
  return std::nullopt;
}

bool Table::has_deletes() const {
  for (auto &f : files)
    if (f.deletes || !f.inlined_deletes.empty()) return true;
  return false;
}

std::string Table::file_deletes_sql(size_t index) const {
  const DataFile &f = files.at(index);
  std::string fidx = "CAST(" + std::to_string(index) + " AS BIGINT) AS fidx";
  std::string q;
  if (f.deletes)
    q = "SELECT " + fidx + ", CAST(pos AS BIGINT) AS pos FROM read_parquet(" + sql_literal(f.deletes->path) + ")";
  if (!f.inlined_deletes.empty()) {
    std::string list;
    for (int64_t p : f.inlined_deletes) list += (list.empty() ? "" : ", ") + std::to_string(p);
    q += (q.empty() ? "" : " UNION ALL ") + ("SELECT " + fidx + ", CAST(unnest([" + list + "]) AS BIGINT) AS pos");
  }
  return q;
}

const Column *Table::column(const std::string &n) const {
  for (auto &c : columns)
    if (c.name == n) return &c;
  return nullptr;
}

const Column *Table::column_by_id(int64_t id) const {
  for (auto &c : columns)
    if (c.id == id) return &c;
  return nullptr;
}

bool Table::has_unique_keys() const {
  return std::any_of(keys.begin(), keys.end(), [](const Key &k) { return k.unique; });
}

bool Table::has_foreign_keys() const {
  return std::any_of(keys.begin(), keys.end(), [](const Key &k) { return k.references.has_value(); });
}

const Schema *Snapshot::schema(const std::string &n) const {
  for (auto &[id, s] : schemas)
    if (s.name == n) return &s;
  return nullptr;
}

const Table *Snapshot::table(int64_t schema_id, const std::string &n) const {
  for (auto &[id, t] : tables)
    if (t->schema_id == schema_id && t->name == n) return t.get();
  return nullptr;
}

Table *Snapshot::edit(int64_t id) {
  auto it = tables.find(id);
  if (it == tables.end()) return nullptr;
  if (it->second.use_count() > 1) it->second = std::make_shared<const Table>(*it->second);
  // Every table is made here or by the loader, never as a const object: changing it is sound.
  return const_cast<Table *>(it->second.get());
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

namespace {

// The definitions of schemas, tables (name, path, columns, comment) and views as of `snapshot_id`
// into `s`: all of them, or with `only`, those with these ids (catalog ids are unique across
// schemas, tables and views). Their files, deletes and inlined rows are not read.
void read_definitions(metastore::Transaction &txn, Snapshot &s, int64_t snapshot_id, const std::set<int64_t> *only) {
  std::vector<metastore::Param> at = {std::to_string(snapshot_id)};
  auto in = [&](const char *column) { return only ? std::string(" AND ") + column + " IN " + id_list(*only) : ""; };
  for (auto &r : txn.query(std::string("SELECT schema_id, schema_name, path, path_is_relative FROM ducklake_schema "
                                       "WHERE") + kVisible + in("schema_id"), at)) {
    Schema sc;
    sc.id = num(r[0]);
    sc.name = r[1].value_or("");
    sc.path = r[2] ? resolve_path(s.data_path, *r[2], truth(r[3])) : s.data_path + sc.name + "/";
    s.schemas[sc.id] = sc;
  }
  for (auto &r : txn.query(std::string("SELECT table_id, schema_id, table_name, path, path_is_relative "
                                       "FROM ducklake_table WHERE") + kVisible + in("table_id"), at)) {
    Table t;
    t.id = num(r[0]);
    t.schema_id = num(r[1]);
    t.name = r[2].value_or("");
    auto sc = s.schemas.find(t.schema_id);
    std::string base = sc == s.schemas.end() ? s.data_path : sc->second.path;
    t.path = r[3] ? resolve_path(base, *r[3], truth(r[4])) : base + t.name + "/";
    s.tables[t.id] = std::make_shared<const Table>(std::move(t));
  }
  // Children first (deepest last in id order is not guaranteed): gather, then attach.
  std::map<std::pair<int64_t, int64_t>, std::vector<Column>> children;  // (table, parent) → children
  std::vector<std::pair<int64_t, Column>> nested;
  for (auto &r : txn.query(std::string("SELECT table_id, column_id, column_order, column_name, column_type, "
                                       "parent_column FROM ducklake_column WHERE parent_column IS NOT NULL AND") +
                               kVisible + in("table_id") + " ORDER BY table_id, column_order",
                           at)) {
    Column c;
    c.id = num(r[1]);
    c.order = num(r[2]);
    c.name = r[3].value_or("");
    c.lake_type = r[4].value_or("");
    children[{num(r[0]), num(r[5])}].push_back(c);
  }
  // DuckDB type of a column from its DuckLake type and children (nested to any depth).
  std::function<void(int64_t, Column &)> resolve = [&](int64_t table, Column &c) {
    if (c.lake_type != "list" && c.lake_type != "struct" && c.lake_type != "map") {
      c.duck_type = to_duckdb_type(c.lake_type);
      return;
    }
    auto kids = children.find({table, c.id});
    size_t n = kids == children.end() ? 0 : kids->second.size();
    if (n == 0 || (c.lake_type == "list" && n != 1) || (c.lake_type == "map" && n != 2))
      throw Error(sqlstate::kDataCorrupted, c.lake_type + " column \"" + c.name + "\" has " + std::to_string(n) +
                                                " child columns in ducklake_column");
    c.children = kids->second;
    for (auto &child : c.children) resolve(table, child);
    c.duck_type = nested_duck_type(c);
  };
  for (auto &r : txn.query(std::string("SELECT table_id, column_id, column_order, column_name, column_type, "
                                       "initial_default, default_value, nulls_allowed FROM ducklake_column WHERE "
                                       "parent_column IS NULL AND") + kVisible + in("table_id") +
                               " ORDER BY table_id, column_order",
                           at)) {
    Table *t = s.edit(num(r[0]));
    if (!t) continue;
    Column c;
    c.id = num(r[1]);
    c.order = num(r[2]);
    c.name = r[3].value_or("");
    c.lake_type = r[4].value_or("");
    resolve(t->id, c);
    c.initial_default = r[5];
    c.default_value = r[6];
    c.nulls_allowed = !r[7] || truth(r[7]);
    t->columns.push_back(c);
  }
  for (auto &r : txn.query("SELECT table_id, max(CASE WHEN end_snapshot IS NOT NULL AND end_snapshot <= CAST($1 AS "
                           "BIGINT) THEN end_snapshot ELSE begin_snapshot END) FROM ducklake_column WHERE begin_snapshot "
                           "<= CAST($1 AS BIGINT)" + in("table_id") + " GROUP BY table_id",
                           at))
    if (Table *t = s.edit(num(r[0]))) t->columns_changed_at = num(r[1]);
  for (auto &r : txn.query(std::string("SELECT view_id, schema_id, view_name, \"sql\" FROM ducklake_view WHERE") +
                               kVisible + in("view_id"),
                           at)) {
    View v;
    v.id = num(r[0]);
    v.schema_id = num(r[1]);
    v.name = r[2].value_or("");
    v.sql = r[3].value_or("");
    s.views[v.id] = v;
  }
  for (auto &r : txn.query(std::string("SELECT object_id, \"value\", \"key\" FROM ducklake_tag WHERE \"key\" IN "
                                       "('comment', '") + kKeysTag + "') AND" + kVisible + in("object_id"),
                           at)) {
    if (r[2] == kKeysTag) {
      if (Table *t = s.edit(num(r[0]))) t->keys = decode_keys(r[1].value_or(""));
      continue;
    }
    if (Table *t = s.edit(num(r[0]))) t->comment = r[1];
    if (auto v = s.views.find(num(r[0])); v != s.views.end()) v->second.comment = r[1];
  }
  for (auto &r : txn.query(std::string("SELECT table_id, column_id, \"value\", \"key\" FROM ducklake_column_tag WHERE "
                                       "\"key\" IN ('comment', '") + kCharTypeTag + "') AND" + kVisible + in("table_id"),
                           at)) {
    if (Table *t = s.edit(num(r[0])))
      for (auto &col : t->columns) {
        if (col.id != num(r[1])) continue;
        if (r[3] == "comment") col.comment = r[2];
        else if (col.lake_type == "varchar") col.char_type = parse_char_type(r[2].value_or(""));
      }
  }
}

// Everything but the tables' files, deletes and inlined rows, as of `snapshot_id`.
std::shared_ptr<Snapshot> load_definitions(metastore::Transaction &txn, int64_t snapshot_id) {
  auto s = std::make_shared<Snapshot>();
  read_header(txn, *s, snapshot_id);
  auto dp = txn.query("SELECT \"value\" FROM ducklake_metadata WHERE \"key\" = 'data_path' AND \"scope\" IS NULL");
  s->data_path = dp.empty() ? "" : dp[0][0].value_or("");
  if (!s->data_path.empty() && s->data_path.back() != '/') s->data_path += '/';
  read_definitions(txn, *s, snapshot_id, nullptr);
  return s;
}

// The catalog objects (schemas, tables, views) whose definition rows (their own, their columns',
// their comments' or their columns' comments') begin or end after `since`, up to `snapshot_id`.
std::set<int64_t> objects_defined_since(metastore::Transaction &txn, int64_t since, int64_t snapshot_id) {
  const std::string moved =
      " WHERE (begin_snapshot > CAST($1 AS BIGINT) AND begin_snapshot <= CAST($2 AS BIGINT)) OR "
      "(end_snapshot > CAST($1 AS BIGINT) AND end_snapshot <= CAST($2 AS BIGINT))";
  std::set<int64_t> ids;
  for (auto &r : txn.query("SELECT schema_id FROM ducklake_schema" + moved + " UNION SELECT table_id FROM ducklake_table" +
                               moved + " UNION SELECT table_id FROM ducklake_column" + moved +
                               " UNION SELECT view_id FROM ducklake_view" + moved +
                               " UNION SELECT object_id FROM ducklake_tag" + moved +
                               " UNION SELECT table_id FROM ducklake_column_tag" + moved,
                           {std::to_string(since), std::to_string(snapshot_id)}))
    ids.insert(num(r[0]));
  return ids;
}


// Whether some file of the table has deletes the ducklake extension inlined (they are read again
// with its files).
bool has_inlined_deletes(const Table &t) {
  return std::any_of(t.files.begin(), t.files.end(), [](const DataFile &f) { return !f.inlined_deletes.empty(); });
}

}  // namespace

bool same_definition(const Table &a, const Table &b) {
  return a.name == b.name && a.schema_id == b.schema_id && a.path == b.path && a.columns == b.columns &&
         a.comment == b.comment && a.keys == b.keys && a.columns_changed_at == b.columns_changed_at;
}

std::string encode_keys(const std::vector<Key> &keys) {
  nlohmann::json out = nlohmann::json::array();
  for (auto &k : keys) {
    nlohmann::json one = {{"primary", k.primary}, {"columns", k.columns}};
    if (!k.name.empty()) one["name"] = k.name;
    if (k.index) one["index"] = true;
    if (!k.unique) one["unique"] = false;
    if (auto &r = k.references) {
      nlohmann::json ref = {{"table", r->table}, {"columns", r->columns}};
      if (r->on_delete != 'a') ref["on_delete"] = std::string(1, r->on_delete);
      if (r->on_update != 'a') ref["on_update"] = std::string(1, r->on_update);
      if (r->deferrable) ref["deferrable"] = true;
      if (r->deferred) ref["deferred"] = true;
      one["references"] = std::move(ref);
    }
    out.push_back(std::move(one));
  }
  return out.dump();
}

std::string key_name(const Table &t, const Key &k) {
  if (!k.name.empty()) return k.name;
  if (k.primary) return t.name + "_pkey";
  std::string name = t.name;
  for (int64_t id : k.columns)
    if (const Column *c = t.column_by_id(id)) name += "_" + c->name;
  return name + (k.references ? "_fkey" : "_key");
}

std::vector<Key> decode_keys(const std::string &text) {
  std::vector<Key> keys;
  nlohmann::json in = nlohmann::json::parse(text, nullptr, false);
  if (!in.is_array()) return keys;
  for (auto &one : in) {
    if (!one.is_object() || !one.contains("columns") || !one["columns"].is_array()) continue;
    Key k;
    k.primary = one.value("primary", false);
    for (auto &c : one["columns"])
      if (c.is_number_integer()) k.columns.push_back(c.get<int64_t>());
    if (one.contains("name") && one["name"].is_string()) k.name = one["name"].get<std::string>();
    k.index = one.value("index", false);
    k.unique = one.value("unique", true);
    if (auto ref = one.find("references"); ref != one.end()) {
      if (!ref->is_object() || !ref->contains("table") || !(*ref)["table"].is_number_integer() ||
          !ref->contains("columns") || !(*ref)["columns"].is_array())
        continue;
      Reference r;
      r.table = (*ref)["table"].get<int64_t>();
      for (auto &c : (*ref)["columns"])
        if (c.is_number_integer()) r.columns.push_back(c.get<int64_t>());
      auto action = [&](const char *name) {
        std::string a = ref->value(name, std::string("a"));
        return a == "r" ? 'r' : 'a';
      };
      r.on_delete = action("on_delete");
      r.on_update = action("on_update");
      r.deferrable = ref->value("deferrable", false);
      r.deferred = ref->value("deferred", false);
      if (r.columns.size() != k.columns.size()) continue;
      k.references = std::move(r);
    }
    if (!k.columns.empty()) keys.push_back(std::move(k));
  }
  return keys;
}

std::string snapshot_difference(const Snapshot &a, const Snapshot &b) {
  if (a.id != b.id || a.schema_version != b.schema_version || a.next_catalog_id != b.next_catalog_id ||
      a.next_file_id != b.next_file_id || a.data_path != b.data_path || a.inlining_row_limit != b.inlining_row_limit ||
      a.require_commit_message != b.require_commit_message)
    return "snapshot header";
  if (a.schemas != b.schemas) return "schemas";
  if (a.views != b.views) return "views";
  if (a.tables.size() != b.tables.size()) return "table count";
  for (auto &[id, x] : a.tables) {
    auto it = b.tables.find(id);
    if (it == b.tables.end()) return "table " + std::to_string(id) + " present in one only";
    const Table &y = *it->second;
    auto rows = [](const Table &t) {
      metastore::Rows r = t.inlined_rows;
      std::sort(r.begin(), r.end());
      return r;
    };
    std::string what = !same_definition(*x, y)                                  ? "definition"
                       : x->files != y.files                                     ? "files"
                       : x->next_row_id != y.next_row_id                         ? "next_row_id"
                       : x->inlined_columns != y.inlined_columns || x->inlined_types != y.inlined_types ||
                               x->inlined_tables != y.inlined_tables || x->inlined_sources != y.inlined_sources
                           ? "inlined-data tables"
                       : rows(*x) != rows(y) ? "inlined rows"
                                             : "";
    if (!what.empty()) return "table " + std::to_string(id) + " (" + x->name + "): " + what;
  }
  return "";
}

std::shared_ptr<const Snapshot> load_snapshot(metastore::Transaction &txn, int64_t snapshot_id) {
  auto s = load_definitions(txn, snapshot_id);
  load_data(txn, *s, nullptr);
  return s;
}

std::shared_ptr<const Snapshot> load_snapshot_after_ddl(metastore::Transaction &txn, const Snapshot &prev,
                                                        int64_t snapshot_id, const std::set<int64_t> &changed,
                                                        const std::set<int64_t> &inlined_deletes) {
  // The objects whose definitions moved are read again; every other one is kept as it was.
  std::set<int64_t> defined = objects_defined_since(txn, prev.id, snapshot_id);
  defined.insert(changed.begin(), changed.end());
  auto s = std::make_shared<Snapshot>();
  read_header(txn, *s, snapshot_id);
  s->data_path = prev.data_path;
  s->schemas = prev.schemas;
  s->views = prev.views;
  for (auto &[id, table] : prev.tables)
    if (!defined.count(id)) s->tables.emplace(id, table);  // shared, with its data
  for (int64_t id : defined) {
    s->schemas.erase(id);
    s->views.erase(id);
  }
  read_definitions(txn, *s, snapshot_id, &defined);
  std::set<int64_t> reload, deletes_in = inlined_deletes;
  for (int64_t id : defined) {
    auto table = s->tables.find(id);
    if (table == s->tables.end()) continue;  // dropped, or not a table
    auto was = prev.tables.find(id);
    if (was != prev.tables.end() && !changed.count(id) && same_definition(*was->second, *table->second)) {
      table->second = was->second;  // defined as before: shared, with its data
      continue;
    }
    reload.insert(id);
    if (was != prev.tables.end() && has_inlined_deletes(*was->second)) deletes_in.insert(id);
  }
  load_data(txn, *s, &reload, deletes_in);
  return s;
}

// Elements of changes_made: kind:value, comma-separated; values may be quoted names with commas.
std::vector<std::pair<std::string, std::string>> parse_changes(const std::string &s) {
  std::vector<std::pair<std::string, std::string>> out;
  size_t i = 0;
  while (i < s.size()) {
    auto colon = s.find(':', i);
    if (colon == std::string::npos) break;
    std::string kind = s.substr(i, colon - i);
    size_t j = colon + 1;
    bool quoted = false;
    while (j < s.size() && (quoted || s[j] != ',')) {
      if (s[j] == '"') quoted = !quoted;
      ++j;
    }
    out.emplace_back(kind, s.substr(colon + 1, j - colon - 1));
    i = j + 1;
  }
  return out;
}

std::shared_ptr<const Snapshot> load_snapshot_since(metastore::Transaction &txn, const Snapshot &prev,
                                                    int64_t snapshot_id, const std::set<int64_t> &changed,
                                                    const std::set<int64_t> &inlined_deletes) {
  auto s = std::make_shared<Snapshot>(prev);
  read_header(txn, *s, snapshot_id);
  std::set<int64_t> deletes_in = inlined_deletes;  // and the tables that had some already
  for (int64_t id : changed) {
    Table *t = s->edit(id);
    if (!t) continue;
    if (has_inlined_deletes(*t)) deletes_in.insert(id);
    t->files.clear();
  }
  load_data(txn, *s, &changed, deletes_in, &prev);
  return s;
}

}  // namespace mallard::lake
