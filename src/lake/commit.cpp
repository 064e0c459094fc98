#include "lake/commit.hpp"

#include <filesystem>
#include <functional>
#include <random>
#include <thread>

#include <spdlog/spdlog.h>

#include "common/strings.hpp"
#include "lake/format.hpp"
#include "lake/sequences.hpp"
#include "lake/views.hpp"

namespace mallard::lake {

namespace {

// Iceberg's reserved field ids for positional delete files, which DuckLake uses too.
constexpr const char *kDeleteFieldIds = "{file_path: 2147483546, pos: 2147483545}";

// A conflict found by the rules: never retried.
struct Conflict : Error {
  explicit Conflict(const std::string &what)
      : Error(sqlstate::kSerializationFailure,
              "could not serialize access: " + what + " by a concurrent transaction", 0, {},
              "Retry the transaction.") {}
};

std::string new_uuid(duck::Connection &c) { return c.query_scalar("SELECT CAST(uuid() AS VARCHAR)"); }

int64_t num(const std::optional<std::string> &v) { return v ? std::stoll(*v) : 0; }

// The commit marker as stored in ducklake_snapshot_changes.commit_extra_info.
std::string marker_info(const std::string &marker) { return "{\"mallard_commit\": \"" + marker + "\"}"; }

// COPY ... (RETURN_STATS) answers one row: file name, row count, file size, footer size, ...
void read_copy_stats(duck::Result &r, int64_t &count, int64_t &size, int64_t &footer) {
  duck::DataChunk chunk = r.fetch();
  if (!chunk || duckdb_data_chunk_get_size(chunk.get()) == 0)
    throw Error(sqlstate::kInternalError, "COPY returned no statistics");
  auto get = [&](idx_t col) {
    duckdb_vector v = duckdb_data_chunk_get_vector(chunk.get(), col);
    return static_cast<int64_t>(static_cast<uint64_t *>(duckdb_vector_get_data(v))[0]);
  };
  count = get(1);
  size = get(2);
  footer = get(3);
}

// FIELD_IDS of COPY for one column: its id, and for a nested column its children's by name, recursively.
std::string field_id_spec(const Column &c) {
  if (c.children.empty()) return std::to_string(c.id);
  std::string s = "{__duckdb_field_id: " + std::to_string(c.id);
  for (auto &child : c.children) s += ", " + sql_ident(child.name) + ": " + field_id_spec(child);
  return s + "}";
}

bool is_float(const std::string &duck_type) { return duck_type == "FLOAT" || duck_type == "DOUBLE"; }


}  // namespace

Committer::Committer(metastore::Store &store, const Options &options, const Snapshot &base, TxnChanges &changes,
                     duck::Connection &client, int64_t inlining_row_limit)
    : store_(store),
      options_(options),
      base_(base),
      changes_(changes),
      client_(client),
      inlining_row_limit_(inlining_row_limit) {}

Committer::~Committer() {
  if (committed_ || in_doubt_) return;
  std::error_code ec;
  for (auto &f : files_) std::filesystem::remove(f.path, ec);
  for (auto &d : deletes_)
    if (!d.path.empty()) std::filesystem::remove(d.path, ec);
}

const Table &Committer::table_for_key(int64_t key) const {
  if (key < 0) return changes_.created_tables[-key - 1].table;
  if (auto a = changes_.altered.find(key); a != changes_.altered.end()) return a->second.table;
  return *base_.tables.at(key);
}

const std::string &Committer::parquet_options() {
  if (parquet_options_) return *parquet_options_;
  // The lake's Parquet settings as they are now (setting one makes no snapshot), read once per
  // commit that writes a file.
  std::map<std::string, std::string> settings;
  auto txn = store_.begin();
  for (auto &r : txn->query("SELECT \"key\", \"value\" FROM ducklake_metadata WHERE \"scope\" IS NULL AND "
                            "\"key\" LIKE 'parquet%'"))
    if (r[0] && r[1]) settings[*r[0]] = *r[1];
  txn->commit();
  return *(parquet_options_ = parquet_copy_options(settings));
}

void Committer::write_files() {
  for (size_t i = 0; i < changes_.created_tables.size(); ++i) {
    auto &nt = changes_.created_tables[i];
    write_inserts(-static_cast<int64_t>(i) - 1, nt.table, nt.ins);
  }
  for (int64_t id : changes_.inserted) {
    if (changes_.dropped_tables.count(id)) continue;
    auto a = changes_.altered.find(id);
    write_inserts(id, table_for_key(id), a == changes_.altered.end() ? inserts_table(id) : a->second.ins);
  }
  for (int64_t id : changes_.deleted) {
    if (changes_.dropped_tables.count(id)) continue;
    auto a = changes_.altered.find(id);
    write_deletes(*base_.tables.at(id), a == changes_.altered.end() ? deletes_table(id) : a->second.del);
  }
}

void Committer::write_inserts(int64_t key, const Table &t, const std::string &ins) {
  std::string cols, field_ids, aggs;
  for (auto &c : t.columns) {
    std::string q = sql_ident(c.name);
    cols += (cols.empty() ? "" : ", ") + q;
    field_ids += (field_ids.empty() ? "" : ", ") + q + ": " + field_id_spec(c);
    bool nested = !c.children.empty();  // statistics are kept for primitive columns only
    aggs += ", count(*) - count(" + q + "), " +
            (nested ? std::string("CAST(NULL AS VARCHAR), CAST(NULL AS VARCHAR), ")
                    : "CAST(min(" + q + ") AS VARCHAR), CAST(max(" + q + ") AS VARCHAR), ") +
            (is_float(c.duck_type) ? "CAST(bool_or(isnan(" + q + ")) AS VARCHAR)" : "CAST(NULL AS VARCHAR)");
  }
  auto agg = client_.query_text("SELECT CAST(count(*) AS BIGINT)" + aggs + " FROM " + ins);
  int64_t rows = num(agg[0][0]);
  if (rows == 0) return;
  for (size_t i = 0; i < t.columns.size(); ++i) {
    ColumnBounds &b = column_bounds_[key][t.columns[i].id];
    b.duck_type = t.columns[i].duck_type;
    b.has_null = num(agg[0][1 + 4 * i]) > 0;
    b.min = agg[0][2 + 4 * i];
    b.max = agg[0][3 + 4 * i];
    if (agg[0][4 + 4 * i]) b.has_nan = *agg[0][4 + 4 * i] == "true";
  }
  if (rows <= inlining_row_limit_) {
    std::string text;
    for (auto &c : t.columns) text += (text.empty() ? "" : ", ") + ("CAST(" + sql_ident(c.name) + " AS VARCHAR)");
    inlined_.push_back({key, client_.query_text("SELECT " + text + " FROM " + ins)});
    return;
  }
  std::string dir = t.path;
  if (key < 0) {
    auto &nt = changes_.created_tables[-key - 1];
    const Schema *sc = base_.schema(nt.schema);
    dir = (sc ? sc->path : base_.data_path + nt.schema + "/") + nt.table.name + "/";
  }
  std::filesystem::create_directories(dir);
  NewFile f;
  f.table_key = key;
  f.name = "ducklake-" + new_uuid(client_) + ".parquet";
  f.path = dir + f.name;
  files_.push_back(f);  // registered before writing, so a failure removes a partial file
  auto r = client_.query("COPY (SELECT " + cols + " FROM " + ins + ") TO " + sql_literal(f.path) +
                         " (FORMAT parquet, FIELD_IDS {" + field_ids + "}, RETURN_STATS" + parquet_options() + ")");
  NewFile &w = files_.back();
  read_copy_stats(r, w.records, w.size, w.footer);
  std::map<int64_t, int64_t> sizes;
  for (auto &row : client_.query_text("SELECT CAST(column_id AS BIGINT), CAST(sum(total_compressed_size) AS BIGINT) "
                                      "FROM parquet_metadata(" + sql_literal(f.path) + ") GROUP BY column_id"))
    sizes[num(row[0])] = num(row[1]);
  for (size_t i = 0; i < t.columns.size(); ++i) {
    ColumnStats s;
    s.column_id = t.columns[i].id;
    s.value_count = rows;
    s.null_count = num(agg[0][1 + 4 * i]);
    s.min = agg[0][2 + 4 * i];
    s.max = agg[0][3 + 4 * i];
    if (agg[0][4 + 4 * i]) s.contains_nan = *agg[0][4 + 4 * i] == "true";
    s.size_bytes = sizes.count(static_cast<int64_t>(i)) ? sizes[static_cast<int64_t>(i)] : 0;
    w.stats.push_back(s);
  }
}

void Committer::write_deletes(const Table &t, const std::string &del) {
  for (auto &row : client_.query_text("SELECT pos FROM " + del + " WHERE fidx = -2 ORDER BY pos"))
    inlined_deletes_[t.id].push_back(num(row[0]));
  for (auto &row : client_.query_text("SELECT fidx, CAST(count(*) AS BIGINT) FROM " + del +
                                      " WHERE fidx >= 0 GROUP BY fidx ORDER BY fidx")) {
    size_t k = static_cast<size_t>(num(row[0]));
    if (k >= t.files.size()) throw Error(sqlstate::kInternalError, "staged delete names an unknown file");
    const DataFile &file = t.files[k];
    NewDelete d;
    d.table_id = t.id;
    d.data_file_id = file.id;
    if (file.deletes) d.old_delete_id = file.deletes->id;
    // A delete file holds every deleted position of its data file: the staged ones, the old
    // file's, and those the ducklake extension inlined.
    std::string positions = "SELECT pos FROM " + del + " WHERE fidx = " + std::to_string(k);
    if (std::string old = t.file_deletes_sql(k); !old.empty()) positions += " UNION ALL SELECT pos FROM (" + old + ")";
    positions = "SELECT DISTINCT pos FROM (" + positions + ")";
    int64_t total = num(row[1]) + (file.deletes ? file.deletes->count : 0);
    if (!file.inlined_deletes.empty())
      total = num(client_.query_text("SELECT CAST(count(*) AS BIGINT) FROM (" + positions + ")")[0][0]);
    if (total >= file.record_count) {
      d.whole_file = true;
      d.count = file.record_count;
      deletes_.push_back(d);
      continue;
    }
    d.name = "ducklake-" + new_uuid(client_) + "-delete.parquet";
    d.path = t.path + d.name;
    deletes_.push_back(d);
    auto r = client_.query("COPY (SELECT CAST(" + sql_literal(file.path) + " AS VARCHAR) AS file_path, CAST(pos AS BIGINT) AS pos FROM (" +
                           positions + ") ORDER BY pos) TO " + sql_literal(d.path) + " (FORMAT parquet, FIELD_IDS " +
                           kDeleteFieldIds + ", RETURN_STATS" + parquet_options() + ")");
    NewDelete &w = deletes_.back();
    read_copy_stats(r, w.count, w.size, w.footer);
  }
}

void Committer::write_column_bounds(metastore::Transaction &txn, int64_t table_id,
                                    const std::map<int64_t, ColumnBounds> &cols) {
  using P = metastore::Param;
  const P table = std::to_string(table_id);
  std::map<int64_t, metastore::Row> old;
  for (auto &r : txn.query("SELECT column_id, CAST(contains_null AS VARCHAR), CAST(contains_nan AS VARCHAR), min_value, "
                           "max_value FROM ducklake_table_column_stats WHERE table_id = CAST($1 AS BIGINT)",
                           {table}))
    old[num(r[0])] = r;
  auto truthy = [](const std::optional<std::string> &v) { return v && (*v == "true" || *v == "t"); };
  // The merged bounds of every column the table already has statistics for, in one query: they
  // compare as the column's type ("10" < "9" as text).
  std::string merge;
  for (auto &[column_id, b] : cols) {
    auto o = old.find(column_id);
    if (o == old.end()) continue;
    const std::string &type = b.duck_type;
    auto bound = [&type](const char *fn, const std::optional<std::string> &a, const std::optional<std::string> &c) {
      if (!a || !c) return "CAST(" + (a ? sql_literal(*a) : c ? sql_literal(*c) : std::string("NULL")) + " AS VARCHAR)";
      return std::string("CAST(") + fn + "(CAST(" + sql_literal(*a) + " AS " + type + "), CAST(" + sql_literal(*c) +
             " AS " + type + ")) AS VARCHAR)";
    };
    merge += (merge.empty() ? "" : ", ") + bound("least", o->second[3], b.min) + ", " +
             bound("greatest", o->second[4], b.max);
  }
  metastore::Row bounds;
  if (!merge.empty()) bounds = client_.query_text("SELECT " + merge)[0];
  size_t k = 0;
  for (auto &[column_id, b] : cols) {
    const P column = std::to_string(column_id);
    auto o = old.find(column_id);
    if (o == old.end()) {
      txn.exec("INSERT INTO ducklake_table_column_stats VALUES (CAST($1 AS BIGINT), CAST($2 AS BIGINT), "
               "CAST($3 AS BOOLEAN), CAST($4 AS BOOLEAN), $5, $6, NULL)",
               {table, column, P(b.has_null ? "true" : "false"),
                b.has_nan ? P(*b.has_nan ? "true" : "false") : P(), b.min, b.max});
      continue;
    }
    auto &r = o->second;
    bool has_null = b.has_null || truthy(r[1]);
    std::optional<bool> has_nan;
    if (r[2] || b.has_nan) has_nan = b.has_nan.value_or(false) || truthy(r[2]);
    const auto &min = bounds[2 * k], &max = bounds[2 * k + 1];
    ++k;
    bool same = has_null == truthy(r[1]) && has_nan.has_value() == r[2].has_value() &&
                (!has_nan || *has_nan == truthy(r[2])) && min == r[3] && max == r[4];
    if (same) continue;  // within the bounds already kept: nothing to write
    txn.exec("UPDATE ducklake_table_column_stats SET contains_null = CAST($3 AS BOOLEAN), contains_nan = "
             "CAST($4 AS BOOLEAN), min_value = $5, max_value = $6 WHERE table_id = CAST($1 AS BIGINT) AND "
             "column_id = CAST($2 AS BIGINT)",
             {table, column, P(has_null ? "true" : "false"), has_nan ? P(*has_nan ? "true" : "false") : P(), min, max});
  }
}

namespace {

// "table "schema"."name"", as conflicts name a table of the base snapshot.
std::string table_label(const Snapshot &base, int64_t id) {
  auto t = base.tables.find(id);
  if (t == base.tables.end()) return "table " + std::to_string(id);
  auto sc = base.schemas.find(t->second->schema_id);
  return "table " + (sc == base.schemas.end() ? std::string() : quoted_name(sc->second.name) + ".") +
         quoted_name(t->second->name);
}

}  // namespace

void Committer::check_conflicts(metastore::Transaction &txn) {
  std::set<std::string> created_schemas, created_objects;
  std::set<int64_t> dropped_schemas, dropped_tables, altered_tables, deleted_tables, compacted_tables, dropped_views,
      altered_views, inserted_tables;
  std::vector<metastore::Param> at = {std::to_string(base_.id)};
  for (auto &row : txn.query("SELECT changes_made FROM ducklake_snapshot_changes WHERE snapshot_id > CAST($1 AS BIGINT)",
                             at)) {
    for (auto &[kind, value] : parse_changes(row[0].value_or(""))) {
      auto id = [&value = value] { return std::stoll(value); };
      if (kind == "created_schema") created_schemas.insert(value);
      else if (kind == "created_table" || kind == "created_view") created_objects.insert(value);
      else if (kind == "dropped_schema") dropped_schemas.insert(id());
      else if (kind == "dropped_table") dropped_tables.insert(id());
      else if (kind == "altered_table") altered_tables.insert(id());
      else if (kind == "deleted_from_table" || kind == "inlined_delete") deleted_tables.insert(id());
      else if (kind == "compacted_table" || kind == "merge_adjacent" || kind == "rewrite_delete") compacted_tables.insert(id());
      else if (kind == "dropped_view") dropped_views.insert(id());
      else if (kind == "altered_view") altered_views.insert(id());
      else if (kind == "inserted_into_table" || kind == "inlined_insert") inserted_tables.insert(id());
    }
  }
  auto table_name = [&](int64_t id) { return table_label(base_, id); };
  for (auto &s : changes_.created_schemas)
    if (created_schemas.count(quoted_name(s))) throw Conflict("schema " + quoted_name(s) + " was created");
  for (auto &[id, name] : changes_.dropped_schemas) {
    if (dropped_schemas.count(id)) throw Conflict("schema " + quoted_name(name) + " was dropped");
    for (auto &o : created_objects)
      if (o.rfind(quoted_name(name) + ".", 0) == 0) throw Conflict("schema " + quoted_name(name) + " got a new object");
  }
  auto check_create = [&](const std::string &schema, const std::string &name) {
    std::string key = quoted_name(schema) + "." + quoted_name(name);
    if (created_objects.count(key)) throw Conflict(key + " was created");
    if (const Schema *sc = base_.schema(schema); sc && dropped_schemas.count(sc->id))
      throw Conflict("schema " + quoted_name(schema) + " was dropped");
  };
  for (auto &nt : changes_.created_tables) check_create(nt.schema, nt.table.name);
  for (auto &v : changes_.created_views) check_create(v.schema, v.name);
  for (int64_t id : changes_.dropped_tables)
    if (dropped_tables.count(id) || altered_tables.count(id)) throw Conflict(table_name(id) + " was changed");
  for (auto &[id, a] : changes_.altered)
    if (dropped_tables.count(id) || altered_tables.count(id)) throw Conflict(table_name(id) + " was changed");
  for (int64_t id : changes_.inserted) {
    if (dropped_tables.count(id) || altered_tables.count(id)) throw Conflict(table_name(id) + " was changed");
    // Rows inserted on both sides of a table with keys may share a key that neither side saw.
    if (inserted_tables.count(id) && table_for_key(id).has_unique_keys()) check_concurrent_keys(txn, id);
  }
  for (int64_t id : changes_.deleted) {
    if (dropped_tables.count(id) || altered_tables.count(id) || compacted_tables.count(id))
      throw Conflict(table_name(id) + " was changed");
    if (!deleted_tables.count(id)) continue;
    // Deletes from different files of one table commit side by side; from the same file they conflict.
    std::set<int64_t> touched;
    std::vector<metastore::Param> p = {std::to_string(base_.id), std::to_string(id)};
    for (auto &r : txn.query("SELECT data_file_id FROM ducklake_delete_file WHERE table_id = CAST($2 AS BIGINT) AND "
                             "(begin_snapshot > CAST($1 AS BIGINT) OR end_snapshot > CAST($1 AS BIGINT)) UNION ALL "
                             "SELECT data_file_id FROM ducklake_data_file WHERE table_id = CAST($2 AS BIGINT) AND "
                             "end_snapshot > CAST($1 AS BIGINT)",
                             p))
      touched.insert(num(r[0]));
    for (auto &d : deletes_)
      if (d.table_id == id && touched.count(d.data_file_id))
        throw Conflict("rows of " + table_name(id) + " were deleted");
  }
  for (int64_t id : changes_.dropped_views)
    if (dropped_views.count(id) || altered_views.count(id)) throw Conflict("view " + std::to_string(id) + " was changed");
  // Foreign keys: each side checked the other as its snapshot had it. Rows that now reference
  // (inserted, or in a table created or given a foreign key) against rows the other side took
  // away from the referenced table, and the other way round, could leave a dangling reference.
  auto check_references = [&](const Table &t) {
    for (auto &k : t.keys)
      if (k.references && k.references->table >= 0 &&
          (deleted_tables.count(k.references->table) || dropped_tables.count(k.references->table)))
        throw Conflict("rows of " + table_name(k.references->table) + ", which " + quoted_name(t.name) +
                       " references, were deleted");
  };
  for (auto &nt : changes_.created_tables) check_references(nt.table);
  for (auto &[id, a] : changes_.altered) check_references(a.table);
  for (int64_t id : changes_.inserted)
    if (!changes_.altered.count(id) && base_.tables.count(id)) check_references(*base_.tables.at(id));
  for (int64_t id : changes_.deleted)
    for (auto &[other, t] : base_.tables)
      for (auto &k : t->keys)
        if (k.references && k.references->table == id && (inserted_tables.count(other) || altered_tables.count(other)))
          throw Conflict("rows were inserted into " + table_name(other) + ", which references " + table_name(id) + ",");
  // A foreign key to a table this transaction deleted from, added by a commit since (or on a
  // table one created), was checked against rows this transaction deleted.
  if (changes_.deleted.empty() || (altered_tables.empty() && created_objects.empty())) return;
  if (!latest_ || latest_->id != latest_snapshot_id(txn)) latest_ = load_snapshot(txn, latest_snapshot_id(txn));
  for (auto &[other, t] : latest_->tables) {
    auto was = base_.tables.find(other);
    for (auto &k : t->keys)
      if (k.references && changes_.deleted.count(k.references->table) &&
          (was == base_.tables.end() || std::find(was->second->keys.begin(), was->second->keys.end(), k) ==
                                            was->second->keys.end()))
        throw Conflict("a foreign key to " + table_name(k.references->table) + " was added");
  }
}

void Committer::check_concurrent_keys(metastore::Transaction &txn, int64_t id) {
  const Table &mine = table_for_key(id);
  // A key this transaction added (or a column it changed) saw only the rows of its snapshot.
  if (changes_.altered.count(id))
    throw Conflict("rows were inserted into " + table_label(base_, id) + ", which this transaction altered,");
  // The rows the commits since the base inserted: the data files they added (rows deleted from
  // them since still count) and the inlined rows they wrote that are still there. Only this
  // table's rows are read again; the rest of the catalog is the base's.
  auto latest = load_snapshot_since(txn, base_, latest_snapshot_id(txn), {id}, {});
  auto found = latest->tables.find(id);
  if (found == latest->tables.end()) throw Conflict(table_label(base_, id) + " was changed");
  Table theirs = *found->second;
  std::erase_if(theirs.files, [&](const DataFile &f) { return f.begin_snapshot <= base_.id; });
  for (auto &f : theirs.files) f.deletes.reset(), f.inlined_deletes.clear();
  std::erase_if(theirs.inlined_rows, [&](const auto &r) { return r.size() < 2 || !r[1] || std::stoll(*r[1]) <= base_.id; });
  if (theirs.files.empty() && theirs.inlined_rows.empty()) return;
  std::string others = snapshot_scan_sql(theirs, latest->id);
  for (auto &k : mine.keys) {
    if (!k.unique) continue;
    std::string cols, same, present;
    for (int64_t column : k.columns) {
      std::string c = sql_ident(mine.column_by_id(column)->name);
      cols += (cols.empty() ? "" : ", ") + c;
      same += " AND s." + c + " = o." + c;
      present += " AND " + c + " IS NOT NULL";  // NULLs are distinct in a unique key
    }
    std::string q = "SELECT CAST(count(*) AS VARCHAR) FROM (SELECT 1 FROM (SELECT DISTINCT " + cols + " FROM " +
                    inserts_table(id) + " WHERE true" + present + ") AS s SEMI JOIN (" + others +
                    ") AS o ON true" + same + " LIMIT 1)";
    if (client_.query_scalar(q) != "0")
      throw Conflict("a row with a key of " + quoted_name(key_name(mine, k)) + " that this transaction inserted was " +
                     "inserted into " + table_label(base_, id));
  }
}

void Committer::write_metadata(metastore::Transaction &txn, int64_t snapshot_id, const std::string &marker) {
  auto latest = txn.query("SELECT schema_version, next_catalog_id, next_file_id FROM ducklake_snapshot "
                          "WHERE snapshot_id = CAST($1 AS BIGINT)",
                          {std::to_string(snapshot_id - 1)});
  if (latest.empty()) throw Error(sqlstate::kSerializationFailure, "the latest snapshot moved");
  bool ddl = !changes_.created_schemas.empty() || !changes_.dropped_schemas.empty() ||
             !changes_.created_tables.empty() || !changes_.dropped_tables.empty() || !changes_.altered.empty() ||
             !changes_.created_views.empty() || !changes_.dropped_views.empty();
  int64_t schema_version = num(latest[0][0]) + (ddl ? 1 : 0);
  int64_t next_catalog = num(latest[0][1]);
  int64_t next_file = num(latest[0][2]);
  std::string snap = std::to_string(snapshot_id);
  std::vector<std::string> changes;
  auto P = [](int64_t v) -> metastore::Param { return std::to_string(v); };

  std::map<std::string, int64_t> schema_ids;
  for (auto &[id, sc] : base_.schemas) schema_ids[sc.name] = id;
  for (auto &name : changes_.created_schemas) {
    int64_t id = next_catalog++;
    schema_ids[name] = id;
    txn.exec("INSERT INTO ducklake_schema VALUES (CAST($1 AS BIGINT), gen_random_uuid(), CAST($2 AS BIGINT), NULL, $3, $4, true)",
             {P(id), snap, name, name + "/"});
    changes.push_back("created_schema:" + quoted_name(name));
  }
  for (auto &[id, name] : changes_.dropped_schemas) {
    txn.exec("UPDATE ducklake_schema SET end_snapshot = CAST($1 AS BIGINT) WHERE schema_id = CAST($2 AS BIGINT) AND end_snapshot IS NULL",
             {snap, P(id)});
    changes.push_back("dropped_schema:" + std::to_string(id));
  }
  std::vector<std::string> gone_counters;  // of serial columns dropped, with their table or alone
  for (int64_t id : changes_.dropped_tables) {
    for (const auto &c : base_.tables.at(id)->columns)
      if (auto key = counter_key(c)) gone_counters.push_back(*key);
    for (const char *tbl : {"ducklake_table", "ducklake_column", "ducklake_data_file", "ducklake_delete_file",
                            "ducklake_partition_info", "ducklake_column_tag", "ducklake_sort_info"})
      txn.exec(std::string("UPDATE ") + tbl + " SET end_snapshot = CAST($1 AS BIGINT) WHERE table_id = CAST($2 AS BIGINT) AND end_snapshot IS NULL",
               {snap, P(id)});
    txn.exec("UPDATE ducklake_tag SET end_snapshot = CAST($1 AS BIGINT) WHERE object_id = CAST($2 AS BIGINT) AND end_snapshot IS NULL",
             {snap, P(id)});
    changes.push_back("dropped_table:" + std::to_string(id));
  }
  std::function<void(int64_t, const Column &, std::optional<int64_t>)> insert_column =
      [&](int64_t table_id, const Column &c, std::optional<int64_t> parent) {
        txn.exec("INSERT INTO ducklake_column VALUES (CAST($1 AS BIGINT), CAST($2 AS BIGINT), NULL, CAST($3 AS BIGINT), "
                 "CAST($4 AS BIGINT), $5, $6, $7, $8, CAST($9 AS BOOLEAN), CAST($10 AS BIGINT), $11, $12)",
                 {P(c.id), snap, P(table_id), P(c.order), c.name, c.lake_type, c.initial_default, c.default_value,
                  c.nulls_allowed ? "true" : "false", parent ? P(*parent) : std::nullopt,
                  c.default_value ? metastore::Param("expression") : std::nullopt,
                  c.default_value ? metastore::Param("duckdb") : std::nullopt});
        for (auto &child : c.children) insert_column(table_id, child, c.id);
      };
  // A column's declared length (kCharTypeTag): the one it had ends, the one it has begins.
  auto write_char_type = [&](int64_t table_id, const Column *was, const Column *now) {
    std::string before = was ? char_type_name(was->char_type) : "", after = now ? char_type_name(now->char_type) : "";
    if (before == after) return;
    int64_t column = was ? was->id : now->id;
    if (!before.empty())
      txn.exec(std::string("UPDATE ducklake_column_tag SET end_snapshot = CAST($1 AS BIGINT) WHERE table_id = CAST($2 AS "
                           "BIGINT) AND column_id = CAST($3 AS BIGINT) AND \"key\" = '") + kCharTypeTag +
                   "' AND end_snapshot IS NULL",
               {snap, P(table_id), P(column)});
    if (!after.empty())
      txn.exec("INSERT INTO ducklake_column_tag VALUES (CAST($1 AS BIGINT), CAST($2 AS BIGINT), CAST($3 AS BIGINT), "
               "NULL, $4, $5)",
               {P(table_id), P(column), snap, std::string(kCharTypeTag), after});
  };
  std::map<int64_t, int64_t> table_ids;  // key → id
  for (size_t i = 0; i < changes_.created_tables.size(); ++i) table_ids[-static_cast<int64_t>(i) - 1] = next_catalog++;
  auto insert_keys = [&](int64_t table_id, std::vector<Key> keys) {
    for (auto &k : keys)  // a foreign key to a table created with it: by the table's id now
      if (k.references && k.references->table < 0) k.references->table = table_ids.at(k.references->table);
    txn.exec("INSERT INTO ducklake_tag VALUES (CAST($1 AS BIGINT), CAST($2 AS BIGINT), NULL, $3, $4)",
             {P(table_id), snap, std::string(kKeysTag), encode_keys(keys)});
  };
  for (size_t i = 0; i < changes_.created_tables.size(); ++i) {
    auto &nt = changes_.created_tables[i];
    int64_t id = table_ids.at(-static_cast<int64_t>(i) - 1);
    txn.exec("INSERT INTO ducklake_table VALUES (CAST($1 AS BIGINT), gen_random_uuid(), CAST($2 AS BIGINT), NULL, "
             "CAST($3 AS BIGINT), $4, $5, true)",
             {P(id), snap, P(schema_ids.at(nt.schema)), nt.table.name, nt.table.name + "/"});
    for (auto &c : nt.table.columns) {
      insert_column(id, c, std::nullopt);
      write_char_type(id, nullptr, &c);
    }
    if (!nt.table.keys.empty()) insert_keys(id, nt.table.keys);
    txn.exec("INSERT INTO ducklake_table_stats VALUES (CAST($1 AS BIGINT), 0, 0, 0)", {P(id)});
    txn.exec("INSERT INTO ducklake_schema_versions VALUES (CAST($1 AS BIGINT), CAST($2 AS BIGINT), CAST($3 AS BIGINT))",
             {snap, P(schema_version), P(id)});
    changes.push_back("created_table:" + quoted_name(nt.schema) + "." + quoted_name(nt.table.name));
  }
  for (auto &[id, a] : changes_.altered) {
    const Table &old = *base_.tables.at(id);
    for (auto &c : old.columns) {
      const Column *now = nullptr;
      for (auto &n : a.table.columns)
        if (n.id == c.id) now = &n;
      if (now) {
        write_char_type(id, &c, now);
      } else {  // a dropped column's tags (its comment, its type) end with it
        txn.exec("UPDATE ducklake_column_tag SET end_snapshot = CAST($1 AS BIGINT) WHERE table_id = CAST($2 AS BIGINT) "
                 "AND column_id = CAST($3 AS BIGINT) AND end_snapshot IS NULL",
                 {snap, P(id), P(c.id)});
      }
      bool same = now && now->name == c.name && now->lake_type == c.lake_type && now->default_value == c.default_value &&
                  now->nulls_allowed == c.nulls_allowed && now->order == c.order;
      if (same) continue;
      // A changed column gets a new row; its nested columns stay as they are. A dropped column
      // ends with all its nested columns.
      std::vector<int64_t> ended{c.id};
      std::function<void(const Column &)> descendants = [&](const Column &p) {
        for (auto &child : p.children) {
          ended.push_back(child.id);
          descendants(child);
        }
      };
      if (!now) descendants(c);
      if (auto key = counter_key(c); key && !now) gone_counters.push_back(*key);
      for (int64_t column : ended)
        txn.exec("UPDATE ducklake_column SET end_snapshot = CAST($1 AS BIGINT) WHERE table_id = CAST($2 AS BIGINT) AND "
                 "column_id = CAST($3 AS BIGINT) AND end_snapshot IS NULL",
                 {snap, P(id), P(column)});
      if (now) {
        Column top = *now;
        top.children.clear();
        insert_column(id, top, std::nullopt);
      }
    }
    for (auto &n : a.table.columns)
      if (!old.column(n.name) || old.column(n.name)->id != n.id) {
        bool existed = false;
        for (auto &c : old.columns) existed |= c.id == n.id;
        if (existed) continue;
        insert_column(id, n, std::nullopt);
        write_char_type(id, nullptr, &n);
      }
    if (a.table.name != old.name) {
      txn.exec("UPDATE ducklake_table SET end_snapshot = CAST($1 AS BIGINT) WHERE table_id = CAST($2 AS BIGINT) AND end_snapshot IS NULL",
               {snap, P(id)});
      txn.exec("INSERT INTO ducklake_table SELECT table_id, table_uuid, CAST($1 AS BIGINT), NULL, schema_id, $3, path, "
               "path_is_relative FROM ducklake_table WHERE table_id = CAST($2 AS BIGINT) AND end_snapshot = CAST($1 AS BIGINT)",
               {snap, P(id), a.table.name});
    }
    if (a.table.keys != old.keys) {  // a dropped column takes its keys along
      txn.exec(std::string("UPDATE ducklake_tag SET end_snapshot = CAST($1 AS BIGINT) WHERE object_id = CAST($2 AS BIGINT) "
                           "AND \"key\" = '") + kKeysTag + "' AND end_snapshot IS NULL",
               {snap, P(id)});
      if (!a.table.keys.empty()) insert_keys(id, a.table.keys);
    }
    txn.exec("INSERT INTO ducklake_schema_versions VALUES (CAST($1 AS BIGINT), CAST($2 AS BIGINT), CAST($3 AS BIGINT))",
             {snap, P(schema_version), P(id)});
    changes.push_back("altered_table:" + std::to_string(id));
  }
  // Data files: row ids continue from the table's next_row_id as committed now (not as the
  // transaction saw it), so concurrent inserters never share row ids.
  std::map<int64_t, std::array<int64_t, 3>> stats_delta;  // table id → records, next row id, bytes
  auto table_stats = [&](int64_t id) -> std::array<int64_t, 3> & {
    auto it = stats_delta.find(id);
    if (it != stats_delta.end()) return it->second;
    auto r = txn.query("SELECT record_count, next_row_id, file_size_bytes FROM ducklake_table_stats WHERE table_id = CAST($1 AS BIGINT)",
                       {P(id)});
    std::array<int64_t, 3> v = {0, 0, 0};
    if (!r.empty()) v = {num(r[0][0]), num(r[0][1]), num(r[0][2])};
    else txn.exec("INSERT INTO ducklake_table_stats VALUES (CAST($1 AS BIGINT), 0, 0, 0)", {P(id)});
    return stats_delta[id] = v;
  };
  std::set<int64_t> inserted_ids, deleted_ids;
  for (auto &f : files_) {
    int64_t tid = f.table_key < 0 ? table_ids.at(f.table_key) : f.table_key;
    int64_t fid = next_file++;
    auto &st = table_stats(tid);
    txn.exec("INSERT INTO ducklake_data_file VALUES (CAST($1 AS BIGINT), CAST($2 AS BIGINT), CAST($3 AS BIGINT), NULL, "
             "CAST($1 AS BIGINT), $4, true, 'parquet', CAST($5 AS BIGINT), CAST($6 AS BIGINT), CAST($7 AS BIGINT), "
             "CAST($8 AS BIGINT), NULL, NULL, NULL, NULL)",
             {P(fid), P(tid), snap, f.name, P(f.records), P(f.size), P(f.footer), P(st[1])});
    st[0] += f.records;
    st[1] += f.records;
    st[2] += f.size;
    for (auto &s : f.stats) {
      txn.exec("INSERT INTO ducklake_file_column_stats VALUES (CAST($1 AS BIGINT), CAST($2 AS BIGINT), CAST($3 AS BIGINT), "
               "CAST($4 AS BIGINT), CAST($5 AS BIGINT), CAST($6 AS BIGINT), $7, $8, CAST($9 AS BOOLEAN), NULL)",
               {P(fid), P(tid), P(s.column_id), P(s.size_bytes), P(s.value_count), P(s.null_count), s.min, s.max,
                s.contains_nan ? metastore::Param(*s.contains_nan ? "true" : "false") : std::nullopt});
    }
    inserted_ids.insert(tid);
  }
  for (auto &in : inlined_) {
    int64_t tid = in.table_key < 0 ? table_ids.at(in.table_key) : in.table_key;
    auto &st = table_stats(tid);
    bool changed_now = in.table_key < 0 || changes_.altered.count(tid);
    int64_t version = schema_version;
    if (!changed_now) {
      auto r = txn.query("SELECT CAST(max(schema_version) AS BIGINT) FROM ducklake_schema_versions WHERE table_id = "
                         "CAST($1 AS BIGINT)",
                         {P(tid)});
      version = !r.empty() && r[0][0] ? num(r[0][0]) : num(latest[0][0]);
    }
    write_inlined(txn, in, tid, version, changed_now, snap, st[1]);
    st[0] += static_cast<int64_t>(in.rows.size());
    inserted_ids.insert(tid);
  }
  for (auto &[tid, ids] : inlined_deletes_) {
    auto &st = table_stats(tid);
    size_t gone = 0;
    for (auto &tbl : txn.query("SELECT table_name FROM ducklake_inlined_data_tables WHERE table_id = CAST($1 AS BIGINT)",
                               {P(tid)})) {
      for (size_t from = 0; from < ids.size(); from += 1000) {
        std::string list;
        for (size_t k = from; k < ids.size() && k < from + 1000; ++k) list += (list.empty() ? "" : ", ") + std::to_string(ids[k]);
        gone += txn.query("UPDATE " + sql_ident(tbl[0].value_or("")) + " SET end_snapshot = CAST($1 AS BIGINT) WHERE "
                          "end_snapshot IS NULL AND row_id IN (" + list + ") RETURNING row_id",
                          {snap})
                    .size();
      }
    }
    if (gone != ids.size()) throw Conflict("rows of " + table_label(base_, tid) + " were deleted");
    st[0] -= static_cast<int64_t>(ids.size());
    deleted_ids.insert(tid);
  }
  for (auto &d : deletes_) {
    auto &st = table_stats(d.table_id);
    if (d.old_delete_id)
      txn.exec("UPDATE ducklake_delete_file SET end_snapshot = CAST($1 AS BIGINT) WHERE delete_file_id = CAST($2 AS BIGINT)",
               {snap, P(*d.old_delete_id)});
    int64_t before = 0;  // rows of the file deleted already (by its delete file and inlined deletes)
    for (auto &f : base_.tables.at(d.table_id)->files)
      if (f.id == d.data_file_id)
        before = (f.deletes ? f.deletes->count : 0) + static_cast<int64_t>(f.inlined_deletes.size());
    if (d.whole_file) {
      txn.exec("UPDATE ducklake_data_file SET end_snapshot = CAST($1 AS BIGINT) WHERE data_file_id = CAST($2 AS BIGINT)",
               {snap, P(d.data_file_id)});
    } else {
      txn.exec("INSERT INTO ducklake_delete_file VALUES (CAST($1 AS BIGINT), CAST($2 AS BIGINT), CAST($3 AS BIGINT), NULL, "
               "CAST($4 AS BIGINT), $5, true, 'parquet', CAST($6 AS BIGINT), CAST($7 AS BIGINT), CAST($8 AS BIGINT), NULL, NULL)",
               {P(next_file++), P(d.table_id), snap, P(d.data_file_id), d.name, P(d.count), P(d.size), P(d.footer)});
    }
    st[0] -= d.count - before;
    deleted_ids.insert(d.table_id);
  }
  for (auto &[key, cols] : column_bounds_) write_column_bounds(txn, key < 0 ? table_ids.at(key) : key, cols);
  for (auto &[id, st] : stats_delta)
    txn.exec("UPDATE ducklake_table_stats SET record_count = CAST($2 AS BIGINT), next_row_id = CAST($3 AS BIGINT), "
             "file_size_bytes = CAST($4 AS BIGINT) WHERE table_id = CAST($1 AS BIGINT)",
             {P(id), P(st[0]), P(st[1]), P(st[2])});
  for (int64_t id : inserted_ids) changes.push_back("inserted_into_table:" + std::to_string(id));
  for (int64_t id : deleted_ids) changes.push_back("deleted_from_table:" + std::to_string(id));
  for (auto &v : changes_.created_views) {
    int64_t id = next_catalog++;
    txn.exec("INSERT INTO ducklake_view VALUES (CAST($1 AS BIGINT), gen_random_uuid(), CAST($2 AS BIGINT), NULL, "
             "CAST($3 AS BIGINT), $4, 'duckdb', $5, NULL)",
             {P(id), snap, P(schema_ids.at(v.schema)), v.name, v.sql});
    if (v.comment)
      txn.exec("INSERT INTO ducklake_tag VALUES (CAST($1 AS BIGINT), CAST($2 AS BIGINT), NULL, 'comment', $3)",
               {P(id), snap, *v.comment});
    changes.push_back("created_view:" + quoted_name(v.schema) + "." + quoted_name(v.name));
  }
  for (int64_t id : changes_.dropped_views) {
    txn.exec("UPDATE ducklake_view SET end_snapshot = CAST($1 AS BIGINT) WHERE view_id = CAST($2 AS BIGINT) AND end_snapshot IS NULL",
             {snap, P(id)});
    changes.push_back("dropped_view:" + std::to_string(id));
  }
  for (auto &[key, comment] : changes_.comments) {
    int64_t id = key < 0 && table_ids.count(key) ? table_ids.at(key) : key;
    txn.exec("UPDATE ducklake_tag SET end_snapshot = CAST($1 AS BIGINT) WHERE object_id = CAST($2 AS BIGINT) AND "
             "\"key\" = 'comment' AND end_snapshot IS NULL",
             {snap, P(id)});
    if (comment)
      txn.exec("INSERT INTO ducklake_tag VALUES (CAST($1 AS BIGINT), CAST($2 AS BIGINT), NULL, 'comment', $3)",
               {P(id), snap, *comment});
    if (key >= 0)  // a table created in this snapshot is listed as created only
      changes.push_back((base_.views.count(id) ? "altered_view:" : "altered_table:") + std::to_string(id));
  }
  for (auto &[key, comment] : changes_.column_comments) {
    int64_t id = key.first < 0 && table_ids.count(key.first) ? table_ids.at(key.first) : key.first;
    txn.exec("UPDATE ducklake_column_tag SET end_snapshot = CAST($1 AS BIGINT) WHERE table_id = CAST($2 AS BIGINT) AND "
             "column_id = CAST($3 AS BIGINT) AND \"key\" = 'comment' AND end_snapshot IS NULL",
             {snap, P(id), P(key.second)});
    if (comment)
      txn.exec("INSERT INTO ducklake_column_tag VALUES (CAST($1 AS BIGINT), CAST($2 AS BIGINT), CAST($3 AS BIGINT), "
               "NULL, 'comment', $4)",
               {P(id), P(key.second), snap, *comment});
    std::string altered = "altered_table:" + std::to_string(id);
    if (key.first >= 0 && std::find(changes.begin(), changes.end(), altered) == changes.end()) changes.push_back(altered);
  }
  Sequences::drop(txn, gone_counters);
  std::string made;
  for (auto &c : changes) made += (made.empty() ? "" : ",") + c;
  txn.exec("INSERT INTO ducklake_snapshot VALUES (CAST($1 AS BIGINT), now(), CAST($2 AS BIGINT), CAST($3 AS BIGINT), "
           "CAST($4 AS BIGINT))",
           {snap, P(schema_version), P(next_catalog), P(next_file)});
  txn.exec("INSERT INTO ducklake_snapshot_changes VALUES (CAST($1 AS BIGINT), $2, $3, $4, $5)",
           {snap, made, changes_.author.empty() ? std::nullopt : metastore::Param(changes_.author),
            changes_.commit_message.empty() ? std::nullopt : metastore::Param(changes_.commit_message),
            marker_info(marker)});
}

// The type of an inlined-data column in the store: DuckDB's own in the embedded store; in
// PostgreSQL and CockroachDB the matching type, or text where none matches exactly.
std::string inlined_type(const Column &c, metastore::Flavor flavor) {
  if (flavor == metastore::Flavor::kEmbedded) return c.duck_type;
  static const std::map<std::string, std::string> kPg = {
      {"boolean", "BOOLEAN"}, {"int8", "SMALLINT"}, {"int16", "SMALLINT"}, {"int32", "INTEGER"}, {"int64", "BIGINT"},
      {"uint8", "SMALLINT"}, {"uint16", "INTEGER"}, {"uint32", "BIGINT"}, {"float32", "REAL"},
      {"float64", "DOUBLE PRECISION"}, {"varchar", "VARCHAR"}, {"date", "DATE"}, {"time", "TIME"},
      {"timestamp", "TIMESTAMP"}, {"timestamptz", "TIMESTAMPTZ"}, {"uuid", "UUID"}};
  if (auto it = kPg.find(c.lake_type); it != kPg.end()) return it->second;
  if (c.lake_type.starts_with("decimal(")) return "NUMERIC" + c.lake_type.substr(7);
  return "VARCHAR";
}

void Committer::write_inlined(metastore::Transaction &txn, const NewInlined &in, int64_t table_id,
                              int64_t schema_version, bool new_version, const std::string &snap, int64_t &next_row_id) {
  const Table &t = table_for_key(in.table_key);
  std::string name = "ducklake_inlined_data_" + std::to_string(table_id) + "_" + std::to_string(schema_version);
  bool exists = !new_version &&
                !txn.query("SELECT 1 FROM ducklake_inlined_data_tables WHERE table_id = CAST($1 AS BIGINT) AND "
                           "schema_version = CAST($2 AS BIGINT)",
                           {std::to_string(table_id), std::to_string(schema_version)})
                     .empty();
  if (!exists) {
    std::string cols = "row_id BIGINT, begin_snapshot BIGINT, end_snapshot BIGINT";
    for (auto &c : t.columns) cols += ", " + sql_ident(c.name) + " " + inlined_type(c, store_.profile().flavor);
    std::string ddl = "CREATE TABLE IF NOT EXISTS " + sql_ident(name) + " (" + cols + ")";
    if (store_.profile().ddl_in_own_transaction) {
      // CockroachDB commits the transaction's pending writes before DDL: run it on its own.
      auto ddl_txn = store_.begin();
      ddl_txn->exec(ddl);
      ddl_txn->commit();
    } else {
      txn.exec(ddl);
    }
    txn.exec("INSERT INTO ducklake_inlined_data_tables VALUES (CAST($1 AS BIGINT), $2, CAST($3 AS BIGINT))",
             {std::to_string(table_id), name, std::to_string(schema_version)});
  }
  std::string insert = "INSERT INTO " + sql_ident(name) + " VALUES (CAST($1 AS BIGINT), CAST($2 AS BIGINT), NULL";
  for (size_t i = 0; i < t.columns.size(); ++i)
    insert += ", CAST($" + std::to_string(i + 3) + " AS " + inlined_type(t.columns[i], store_.profile().flavor) + ")";
  insert += ")";
  for (auto &row : in.rows) {
    std::vector<metastore::Param> params = {std::to_string(next_row_id++), snap};
    params.insert(params.end(), row.begin(), row.end());
    txn.exec(insert, params);
  }
}

std::optional<int64_t> Committer::find_marker(metastore::Transaction &txn, const std::string &marker) {
  auto r = txn.query("SELECT CAST(snapshot_id AS BIGINT) FROM ducklake_snapshot_changes WHERE commit_extra_info = $1",
                     {marker_info(marker)});
  if (r.empty() || !r[0][0]) return std::nullopt;
  return std::stoll(*r[0][0]);
}

// One metadata transaction per attempt. After an ambiguous failure (40003, or the connection lost
// while COMMIT was in flight) every later attempt first looks for this commit's marker in its own
// transaction: found, the earlier attempt committed and its snapshot id is the answer; not found,
// it did not commit by then — and if it still were to, it holds the snapshot key this attempt
// needs, so this attempt fails (23505/40001) and the next one finds the marker. Either way the
// transaction's snapshot exists at most once.
int64_t Committer::commit_metadata() {
  const auto &profile = store_.profile();
  std::string marker = new_uuid(client_);
  metastore::Backoff backoff(profile);
  bool ambiguous = false;
  for (int attempt = 1;; ++attempt) {
    try {
      auto txn = store_.begin();
      if (ambiguous) {
        if (auto found = find_marker(*txn, marker)) {
          txn->rollback();
          committed_ = true;
          spdlog::info("metadata commit {} was found committed by its marker as snapshot {}", marker, *found);
          return *found;
        }
      }
      int64_t id = latest_snapshot_id(*txn) + 1;
      if (id - 1 != base_.id) check_conflicts(*txn);
      write_metadata(*txn, id, marker);
      txn->commit();
      committed_ = true;
      return id;
    } catch (const Conflict &c) {
      if (!ambiguous) throw;
      // The earlier COMMIT was not visible to this attempt, but it is not known to have failed
      // either: "not committed" (40001) would be a claim this commit cannot make.
      in_doubt_ = true;
      throw Error(sqlstate::kConnectionFailure,
                  "the metadata commit may or may not have been applied (its outcome could not be confirmed "
                  "before a conflict was found): " + c.message(),
                  0, "commit marker " + marker,
                  "Check whether the transaction's changes are present before repeating it.");
    } catch (const Error &e) {
      auto kind = metastore::classify(e, profile);
      if (kind == metastore::Failure::kAmbiguous) {
        spdlog::info("metadata commit {} attempt {}: outcome unknown ({}): {}", marker, attempt, e.sqlstate(),
                     e.what());
        if (!ambiguous && attempt < profile.max_attempts) {
          ambiguous = true;
          continue;  // look for the marker at once
        }
        ambiguous = true;
      }
      if (kind == metastore::Failure::kFatal || attempt >= profile.max_attempts) {
        if (ambiguous) {
          // An earlier COMMIT may still have committed: the client must not take this as a
          // failure that left nothing behind, and the data files must stay.
          in_doubt_ = true;
          throw Error(sqlstate::kConnectionFailure,
                      "the metadata commit may or may not have been applied (its outcome could not be "
                      "confirmed): " + e.message(),
                      0, "commit marker " + marker,
                      "Check whether the transaction's changes are present before repeating it.");
        }
        if (kind == metastore::Failure::kFatal) throw;
        // Keep the last error's SQLSTATE: a lost metadata store (class 08) is not a conflict.
        throw Error(e.sqlstate(), "could not commit the metadata after " + std::to_string(attempt) +
                                      " attempts: " + e.message(),
                    0, e.detail(), e.hint());
      }
      spdlog::debug("metadata commit attempt {} failed ({}): {}", attempt, e.sqlstate(), e.what());
    }
    backoff.wait();
  }
}

}  // namespace mallard::lake
