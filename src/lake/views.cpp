#include "lake/views.hpp"

#include <algorithm>

#include "common/strings.hpp"

namespace mallard::lake {

namespace {

std::string hidden(const std::string &name) { return std::string(kHiddenSchema) + "." + sql_ident(name); }

std::string column_list(const Table &t, const std::string &qualifier) {
  std::string s;
  for (auto &c : t.columns) s += (s.empty() ? "" : ", ") + qualifier + sql_ident(c.name);
  return s;
}

// read_parquet over the table's files, columns matched by field id (= DuckLake column id): files
// written before a rename or an added column are read correctly.
//
// Only files written before the table's columns last changed need that mapping (the `schema`
// argument); the others are read as they are. This matters for speed: DuckDB estimates a
// read_parquet with `schema` at zero rows (so a join with the deletes may hash the whole scan)
// and reads it on one thread. With both kinds, the two reads are joined by UNION ALL and
// file_index (the file's index in t.files) is mapped back from each read's own numbering.
std::string files_sql(const Table &t, bool row_numbers) {
  std::vector<size_t> plain, mapped;
  for (size_t i = 0; i < t.files.size(); ++i)
    (t.files[i].begin_snapshot >= t.columns_changed_at ? plain : mapped).push_back(i);
  std::string schema;
  for (auto &c : t.columns) {
    schema += schema.empty() ? "" : ", ";
    schema += std::to_string(c.id) + ": {name: " + sql_literal(c.name) + ", type: " + sql_literal(c.duck_type) +
              ", default_value: " + (c.initial_default ? sql_literal(*c.initial_default) : "NULL::VARCHAR") + "}";
  }
  auto read = [&](const std::vector<size_t> &files, bool with_schema) {
    std::string paths;
    for (size_t i : files) paths += (paths.empty() ? "" : ", ") + sql_literal(t.files[i].path);
    std::string s = "read_parquet([" + paths + "]";
    if (with_schema) s += ", schema => MAP {" + schema + "}";
    if (row_numbers) s += ", file_row_number => true";
    return s + ")";
  };
  if (plain.empty()) return read(mapped, true);
  // Plain files: columns cast to the table's types (free where they already are; a file's own
  // types can differ, e.g. a stock writer's).
  auto part = [&](const std::vector<size_t> &files, bool with_schema, bool renumber) {
    std::string s;
    for (auto &c : t.columns)
      s += (s.empty() ? "" : ", ") +
           (with_schema ? sql_ident(c.name) : "CAST(" + sql_ident(c.name) + " AS " + c.duck_type + ") AS " + sql_ident(c.name));
    if (row_numbers) {
      std::string index;
      for (size_t i : files) index += (index.empty() ? "" : ", ") + std::to_string(i);
      s += renumber ? ", CAST([" + index + "][CAST(file_index AS BIGINT) + 1] AS BIGINT) AS file_index" : ", file_index";
      s += ", file_row_number";
    }
    return "SELECT " + s + " FROM " + read(files, with_schema);
  };
  if (mapped.empty()) return "(" + part(plain, false, false) + ")";
  return "(" + part(plain, false, true) + " UNION ALL " + part(mapped, true, true) + ")";
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

std::vector<std::string> inlined_mirror_values(const metastore::Rows &rows) {
  std::vector<std::string> out;
  std::string batch;
  size_t n = 0;
  for (auto &row : rows) {
    std::string v = "(";
    for (size_t i = 0; i < row.size(); ++i) v += (i ? ", " : "") + (row[i] ? sql_literal(*row[i]) : std::string("NULL"));
    batch += (batch.empty() ? "" : ", ") + v + ")";
    if (++n % 500 == 0) out.push_back(std::move(batch)), batch.clear();
  }
  if (!batch.empty()) out.push_back(std::move(batch));
  return out;
}

namespace {
// The table's inlined rows as loaded with its snapshot, laid out as its mirror table: for reading a
// past snapshot, whose table may no longer have a mirror (dropped since).
std::string inlined_values(const Table &t) {
  std::string cols = "CAST(v0 AS BIGINT) AS row_id, CAST(v1 AS BIGINT) AS begin_snapshot, "
                     "CAST(v2 AS BIGINT) AS end_snapshot";
  std::string names = "v0, v1, v2";
  for (size_t i = 0; i < t.inlined_columns.size(); ++i) {
    int64_t id = t.inlined_columns[i];
    std::string v = "v" + std::to_string(i + 3);
    names += ", " + v;
    cols += ", CAST(" + v + " AS " + t.inlined_types.at(id) + ") AS c" + std::to_string(id);
  }
  std::string rows;
  for (auto &values : inlined_mirror_values(t.inlined_rows)) rows += (rows.empty() ? "" : ", ") + values;
  if (rows.empty()) {
    // No rows: the same columns, typed, from a single row of NULLs that is filtered out.
    rows = "(NULL, NULL, NULL";
    for (size_t i = 0; i < t.inlined_columns.size(); ++i) rows += ", NULL";
    return "(SELECT " + cols + " FROM (VALUES " + rows + ")) AS v(" + names + ") WHERE false)";
  }
  return "(SELECT " + cols + " FROM (VALUES " + rows + ") AS v(" + names + "))";
}

// The inlined rows visible at `snapshot`, as the table's current columns: from the mirror table,
// or for a past snapshot (`past`) from the rows loaded with it.
std::string inlined_sql(const Table &t, int64_t snapshot, const std::string &del, bool positional, bool past = false) {
  std::string cols;
  for (auto &c : t.columns) {
    bool stored = std::find(t.inlined_columns.begin(), t.inlined_columns.end(), c.id) != t.inlined_columns.end();
    std::string v = stored ? "CAST(l.c" + std::to_string(c.id) + " AS " + c.duck_type + ")"
                           : "CAST(" + (c.initial_default ? sql_literal(*c.initial_default) : std::string("NULL")) +
                                 " AS " + c.duck_type + ")";
    cols += (cols.empty() ? "" : ", ") + v + " AS " + sql_ident(c.name);
  }
  std::string s = "SELECT " + cols + (positional ? ", CAST(-2 AS BIGINT) AS __f, l.row_id AS __p" : "") + " FROM " +
                  (past ? inlined_values(t) : inlined_table(t.id)) + " AS l";
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

std::string committed_sql(const Table &t, int64_t snapshot, const std::string &del, bool positional) {
  std::vector<std::string> parts;
  if (t.has_inlined()) parts.push_back(inlined_sql(t, snapshot, del, positional));
  if (!t.files.empty()) {
    std::string deletes;
    if (!del.empty()) deletes = "SELECT fidx, pos FROM " + del;
    if (t.has_deletes())
      deletes += (deletes.empty() ? "" : " UNION ALL ") + std::string("SELECT fidx, pos FROM ") + committed_deletes_table(t.id);
    std::string s = "SELECT " + column_list(t, "f.") +
                    (positional ? ", CAST(f.file_index AS BIGINT) AS __f, CAST(f.file_row_number AS BIGINT) AS __p" : "") +
                    " FROM " + files_sql(t, !deletes.empty() || positional) + " AS f";
    if (!deletes.empty())
      s += " ANTI JOIN (" + deletes +
           ") AS d ON CAST(f.file_index AS BIGINT) = d.fidx AND CAST(f.file_row_number AS BIGINT) = d.pos";
    parts.push_back(std::move(s));
  }
  std::string out;
  for (auto &p : parts) out += (out.empty() ? "" : " UNION ALL ") + p;
  return out;
}

std::string scan_sql(const Table &t, int64_t snapshot, const std::string &ins, const std::string &del, bool positional) {
  std::string committed = committed_sql(t, snapshot, del, positional);
  return (committed.empty() ? "" : committed + " UNION ALL ") + "SELECT " + column_list(t, "") +
         (positional ? ", CAST(-1 AS BIGINT) AS __f, CAST(rowid AS BIGINT) AS __p" : "") + " FROM " + ins;
}

namespace {
std::string rows_macro_name(int64_t id) { return sql_ident("__mallard_rows_" + std::to_string(id)); }
}  // namespace

std::string committed_rows_macro(int64_t id) { return "main." + rows_macro_name(id); }

std::string committed_rows_ddl(const Table &t, bool staged_deletes) {
  std::string rows = committed_sql(t, -1, staged_deletes ? deletes_table(t.id) : "", false);
  if (rows.empty()) return "";
  return (staged_deletes ? "CREATE OR REPLACE TEMP MACRO " + rows_macro_name(t.id)
                         : "CREATE OR REPLACE MACRO " + committed_rows_macro(t.id)) +
         "() AS TABLE " + rows;
}

std::string user_view_sql(const Table &t) {
  std::string cols = column_list(t, "");
  std::string staged = "SELECT " + cols + " FROM " + inserts_table(t.id);
  // Without files or inlined rows committed_sql is empty and there is no macro.
  if (t.files.empty() && !t.has_inlined()) return staged;
  return "SELECT " + cols + " FROM " + committed_rows_macro(t.id) + "() UNION ALL " + staged;
}

std::string snapshot_scan_sql(const Table &t, int64_t snapshot) {
  std::string inlined = t.has_inlined() ? inlined_sql(t, snapshot, "", false, true) : "";
  if (t.files.empty()) {
    if (!inlined.empty()) return inlined;
    std::string s;
    for (auto &c : t.columns) s += (s.empty() ? "" : ", ") + ("CAST(NULL AS " + c.duck_type + ") AS " + sql_ident(c.name));
    return "SELECT " + s + " WHERE false";
  }
  std::string out = (inlined.empty() ? "" : inlined + " UNION ALL ") + "SELECT " + column_list(t, "f.") + " FROM " + files_sql(t, t.has_deletes()) + " AS f";
  if (t.has_deletes()) {
    std::string dels;
    for (size_t i = 0; i < t.files.size(); ++i)
      if (std::string one = t.file_deletes_sql(i); !one.empty()) dels += (dels.empty() ? "" : " UNION ALL ") + one;
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
    // A declared length, checked with PostgreSQL's message as DuckDB's (Session::explain gives
    // it PostgreSQL's SQLSTATE). CASE runs error() only for the rows that are too long.
    if (c.char_type && c.char_type->length > 0)
      s += " CHECK (CASE WHEN length(" + sql_ident(c.name) + ") > " + std::to_string(c.char_type->length) +
           " THEN error(" + sql_literal(std::string(kValueTooLong) + char_type_name(c.char_type)) + ") ELSE true END)";
  }
  return s;
}

}  // namespace mallard::lake
