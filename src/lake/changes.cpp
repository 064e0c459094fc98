// table_changes(): what snapshots (from, to] did to one table, read from its files, delete files
// and inlined rows. An UPDATE shows as a delete and an insert; several deletes from one data file
// within the range are attributed to the last of them.

#include <set>

#include "common/strings.hpp"
#include "lake/lake.hpp"
#include "lake/views.hpp"

namespace mallard::lake {

namespace {

std::string field_schema(const Table &t) {
  std::string s;
  for (auto &c : t.columns) {
    s += (s.empty() ? "" : ", ") + std::to_string(c.id) + ": {name: " + sql_literal(c.name) +
         ", type: " + sql_literal(c.duck_type) +
         ", default_value: " + (c.initial_default ? sql_literal(*c.initial_default) : "NULL::VARCHAR") + "}";
  }
  return "MAP {" + s + "}";
}

std::string columns(const Table &t, const std::string &q) {
  std::string s;
  for (auto &c : t.columns) s += ", " + q + sql_ident(c.name);
  return s;
}

// Rows of one data file, with their row ids, minus the positions of `minus` (a delete file path).
std::string file_rows(const Table &t, const std::string &path, int64_t row_id_start, const std::string &snapshot,
                      const std::string &kind, const std::string &keep_positions, const std::string &drop_positions) {
  std::string s = "SELECT CAST(" + snapshot + " AS BIGINT) AS snapshot_id, CAST(" + std::to_string(row_id_start) +
                  " + f.file_row_number AS BIGINT) AS rowid, '" + kind + "' AS change_type" + columns(t, "f.") +
                  " FROM read_parquet([" + sql_literal(path) + "], schema => " + field_schema(t) +
                  ", file_row_number => true) AS f";
  if (!keep_positions.empty()) s += " SEMI JOIN (" + keep_positions + ") AS k ON f.file_row_number = k.pos";
  if (!drop_positions.empty()) s += " ANTI JOIN (" + drop_positions + ") AS x ON f.file_row_number = x.pos";
  return s;
}

std::string positions(const std::string &delete_file) {
  return "SELECT pos FROM read_parquet(" + sql_literal(delete_file) + ")";
}

}  // namespace

std::string Lake::changes_sql(const std::string &schema, const std::string &name, int64_t from, int64_t to) {
  auto a = snapshot(from), b = snapshot(to);
  const Schema *sc = b->schema(schema);
  const Table *t = sc ? b->table(sc->id, name) : nullptr;
  if (!t) throw Error(sqlstate::kUndefinedTable, "relation \"" + name + "\" does not exist at snapshot " + std::to_string(to));
  const Table *before = nullptr;
  if (auto it = a->tables.find(t->id); it != a->tables.end()) before = it->second.get();
  std::vector<std::string> parts;
  std::set<int64_t> later;
  for (auto &f : t->files) {
    const DataFile *old = nullptr;
    if (before)
      for (auto &o : before->files)
        if (o.id == f.id) old = &o;
    if (!old) {
      // Added in the range: every row was inserted; those deleted since were deleted too.
      parts.push_back(file_rows(*t, f.path, f.row_id_start, std::to_string(f.begin_snapshot), "insert", "", ""));
      if (f.deletes)
        parts.push_back(file_rows(*t, f.path, f.row_id_start, std::to_string(f.deletes->begin_snapshot), "delete",
                                  positions(f.deletes->path), ""));
    } else if (f.deletes && (!old->deletes || old->deletes->id != f.deletes->id)) {
      parts.push_back(file_rows(*t, f.path, f.row_id_start, std::to_string(f.deletes->begin_snapshot), "delete",
                                positions(f.deletes->path), old->deletes ? positions(old->deletes->path) : ""));
    }
  }
  if (before) {
    // Files that left the table in the range (every remaining row deleted).
    auto txn = store_->begin();
    for (auto &r : txn->query("SELECT data_file_id, end_snapshot FROM ducklake_data_file WHERE table_id = "
                              "CAST($1 AS BIGINT) AND end_snapshot > CAST($2 AS BIGINT) AND end_snapshot <= "
                              "CAST($3 AS BIGINT)",
                              {std::to_string(t->id), std::to_string(from), std::to_string(to)})) {
      int64_t id = std::stoll(r[0].value_or("0"));
      for (auto &o : before->files)
        if (o.id == id)
          parts.push_back(file_rows(*t, o.path, o.row_id_start, r[1].value_or("0"), "delete", "",
                                    o.deletes ? positions(o.deletes->path) : ""));
    }
  }
  if (t->has_inlined()) {
    std::string cols;
    for (auto &c : t->columns) {
      bool stored = false;
      for (int64_t id : t->inlined_columns) stored |= id == c.id;
      cols += ", " + (stored ? "CAST(l.c" + std::to_string(c.id) + " AS " + c.duck_type + ")" : "CAST(NULL AS " + c.duck_type + ")") +
              " AS " + sql_ident(c.name);
    }
    std::string f = std::to_string(from), e = std::to_string(to);
    parts.push_back("SELECT l.begin_snapshot AS snapshot_id, l.row_id AS rowid, 'insert' AS change_type" + cols + " FROM " + inlined_table(t->id) +
                    " AS l WHERE l.begin_snapshot > " + f + " AND l.begin_snapshot <= " + e);
    parts.push_back("SELECT l.end_snapshot AS snapshot_id, l.row_id AS rowid, 'delete' AS change_type" + cols + " FROM " + inlined_table(t->id) +
                    " AS l WHERE l.end_snapshot > " + f + " AND l.end_snapshot <= " + e);
  }
  if (parts.empty()) {
    std::string s = "SELECT CAST(NULL AS BIGINT) AS snapshot_id, CAST(NULL AS BIGINT) AS rowid, "
                    "CAST(NULL AS VARCHAR) AS change_type";
    for (auto &c : t->columns) s += ", CAST(NULL AS " + c.duck_type + ") AS " + sql_ident(c.name);
    return s + " WHERE false";
  }
  std::string out;
  for (auto &p : parts) out += (out.empty() ? "" : " UNION ALL ") + ("(" + p + ")");
  return out;
}

}  // namespace mallard::lake
