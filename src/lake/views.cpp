#include "lake/views.hpp"

#include <algorithm>

#include "common/strings.hpp"

namespace mallard::lake {

namespace {

std::string hidden(const std::string &name) { return std::string(kHiddenSchema) + "." + sql_ident(name); }

// read_parquet over the table's files, columns matched by field id (= DuckLake column id): files
// written before a rename or an added column are read correctly.
std::string files_sql(const Table &t, bool row_numbers) {
  std::string paths, schema;
  for (auto &f : t.files) paths += (paths.empty() ? "" : ", ") + sql_literal(f.path);
  for (auto &c : t.columns) {
    schema += schema.empty() ? "" : ", ";
    schema += std::to_string(c.id) + ": {name: " + sql_literal(c.name) + ", type: " + sql_literal(c.duck_type) +
              ", default_value: " + (c.initial_default ? sql_literal(*c.initial_default) : "NULL::VARCHAR") + "}";
  }
  std::string s = "read_parquet([" + paths + "], schema => MAP {" + schema + "}";
  if (row_numbers) s += ", file_row_number => true";
  return s + ")";
}

std::string column_list(const Table &t, const std::string &qualifier) {
  std::string s;
  for (auto &c : t.columns) s += (s.empty() ? "" : ", ") + qualifier + sql_ident(c.name);
  return s;
}

}  // namespace

std::string inserts_table(int64_t id) { return hidden("i_" + std::to_string(id)); }
std::string deletes_table(int64_t id) { return hidden("d_" + std::to_string(id)); }
std::string committed_deletes_table(int64_t id) { return hidden("c_" + std::to_string(id)); }
std::string positional_view(int64_t id) { return hidden("p_" + std::to_string(id)); }
std::string inlined_table(int64_t id) { return hidden("l_" + std::to_string(id)); }

std::string inlined_mirror_definition(const Table &t) {
  std::string s = "row_id BIGINT, begin_snapshot BIGINT, end_snapshot BIGINT";
  for (int64_t id : t.inlined_columns) s += ", c" + std::to_string(id) + " " + t.inlined_types.at(id);
  return s;
}

std::vector<std::string> inlined_mirror_values(const Table &t) {
  std::vector<std::string> out;
  std::string batch;
  size_t n = 0;
  for (auto &row : t.inlined_rows) {
    std::string v = "(";
    for (size_t i = 0; i < row.size(); ++i) v += (i ? ", " : "") + (row[i] ? sql_literal(*row[i]) : std::string("NULL"));
    batch += (batch.empty() ? "" : ", ") + v + ")";
    if (++n % 500 == 0) out.push_back(std::move(batch)), batch.clear();
  }
  if (!batch.empty()) out.push_back(std::move(batch));
  return out;
}

namespace {
// The inlined rows visible at `snapshot`, as the table's current columns.
std::string inlined_sql(const Table &t, int64_t snapshot, const std::string &del, bool positional) {
  std::string cols;
  for (auto &c : t.columns) {
    bool stored = std::find(t.inlined_columns.begin(), t.inlined_columns.end(), c.id) != t.inlined_columns.end();
    std::string v = stored ? "CAST(l.c" + std::to_string(c.id) + " AS " + c.duck_type + ")"
                           : "CAST(" + (c.initial_default ? sql_literal(*c.initial_default) : std::string("NULL")) +
                                 " AS " + c.duck_type + ")";
    cols += (cols.empty() ? "" : ", ") + v + " AS " + sql_ident(c.name);
  }
  std::string s = "SELECT " + cols + (positional ? ", CAST(-2 AS BIGINT) AS __f, l.row_id AS __p" : "") + " FROM " +
                  inlined_table(t.id) + " AS l";
  if (!del.empty()) s += " ANTI JOIN (SELECT pos FROM " + del + " WHERE fidx = -2) AS dl ON l.row_id = dl.pos";
  // The current snapshot (snapshot < 0): the mirror holds nothing newer, so live rows are those
  // not yet deleted; the view's text then stays the same from one snapshot to the next.
  if (snapshot < 0) return s + " WHERE l.end_snapshot IS NULL";
  std::string snap = std::to_string(snapshot);
  return s + " WHERE l.begin_snapshot <= " + snap + " AND (l.end_snapshot IS NULL OR l.end_snapshot > " + snap + ")";
}
}  // namespace
std::string user_view(const std::string &schema, const std::string &table) {
  return sql_ident(schema) + "." + sql_ident(table);
}

std::string scan_sql(const Table &t, int64_t snapshot, const std::string &ins, const std::string &del, bool positional) {
  std::string cols = column_list(t, "");
  std::string out;
  if (t.has_inlined()) out = inlined_sql(t, snapshot, del, positional) + " UNION ALL ";
  if (!t.files.empty()) {
    std::string deletes = "SELECT fidx, pos FROM " + del;
    if (t.has_deletes()) deletes += " UNION ALL SELECT fidx, pos FROM " + committed_deletes_table(t.id);
    out += "SELECT " + column_list(t, "f.") +
          (positional ? ", CAST(f.file_index AS BIGINT) AS __f, CAST(f.file_row_number AS BIGINT) AS __p" : "") +
          " FROM " + files_sql(t, true) + " AS f ANTI JOIN (" + deletes +
          ") AS d ON CAST(f.file_index AS BIGINT) = d.fidx AND CAST(f.file_row_number AS BIGINT) = d.pos UNION ALL ";
  }
  out += "SELECT " + cols + (positional ? ", CAST(-1 AS BIGINT) AS __f, CAST(rowid AS BIGINT) AS __p" : "") + " FROM " + ins;
  return out;
}

std::string snapshot_scan_sql(const Table &t, int64_t snapshot) {
  std::string inlined = t.has_inlined() ? inlined_sql(t, snapshot, "", false) : "";
  if (t.files.empty()) {
    if (!inlined.empty()) return inlined;
    std::string s;
    for (auto &c : t.columns) s += (s.empty() ? "" : ", ") + ("CAST(NULL AS " + c.duck_type + ") AS " + sql_ident(c.name));
    return "SELECT " + s + " WHERE false";
  }
  std::string out = (inlined.empty() ? "" : inlined + " UNION ALL ") + "SELECT " + column_list(t, "f.") + " FROM " + files_sql(t, t.has_deletes()) + " AS f";
  if (t.has_deletes()) {
    std::string dels;
    for (size_t i = 0; i < t.files.size(); ++i) {
      if (!t.files[i].deletes) continue;
      dels += (dels.empty() ? "" : " UNION ALL ") + ("SELECT CAST(" + std::to_string(i) + " AS BIGINT) AS fidx, pos FROM read_parquet(" +
                                                     sql_literal(t.files[i].deletes->path) + ")");
    }
    out += " ANTI JOIN (" + dels + ") AS d ON CAST(f.file_index AS BIGINT) = d.fidx AND f.file_row_number = d.pos";
  }
  return out;
}

std::string column_definitions(const Table &t) {
  std::string s;
  for (auto &c : t.columns) {
    s += (s.empty() ? "" : ", ") + sql_ident(c.name) + " " + c.duck_type;
    if (c.default_value) s += " DEFAULT " + *c.default_value;
    if (!c.nulls_allowed) s += " NOT NULL";
  }
  return s;
}

}  // namespace mallard::lake
