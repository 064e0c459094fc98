#pragma once
// How a lake table appears inside the warehouse's DuckDB database. Per table id, in the hidden
// schema __mallard:
//   i_<id>   staged inserts of the running transaction (a DuckDB table with the lake table's
//            columns, defaults and NOT NULL; empty in every committed DuckDB state)
//   d_<id>   staged deletes (file_index, pos) of the running transaction, same rule
//   c_<id>   committed deletes of the current snapshot (loaded from its delete files)
//   p_<id>   the rows with their identity: __f (file index in the snapshot's file list, or -1
//            for a staged row) and __p (row number in that file, or the staged row's rowid)
// and the user-visible view <schema>.<table> with just the columns.

#include <string>

#include "lake/catalog.hpp"

namespace mallard::lake {

inline constexpr const char *kHiddenSchema = "__mallard";

std::string inserts_table(int64_t table_id);
std::string deletes_table(int64_t table_id);
std::string committed_deletes_table(int64_t table_id);
std::string positional_view(int64_t table_id);
std::string inlined_table(int64_t table_id);  // the mirror of the table's inlined rows
// Qualified, quoted name of the user-visible view.
std::string user_view(const std::string &schema, const std::string &table);

// The rows of `t`: committed files (minus committed and staged deletes) plus staged inserts.
// `ins`/`del` name the staging tables to use (a table created in the running transaction has its
// own). With `positional`, the identity columns __f and __p are added.
// Inlined rows are those of the mirror visible at `snapshot` (their identity: __f = -2, __p = row_id).
std::string scan_sql(const Table &t, int64_t snapshot, const std::string &ins, const std::string &del, bool positional);

// A table read at one snapshot, without staging (time travel).
std::string snapshot_scan_sql(const Table &t, int64_t snapshot);

// The mirror table of a table's inlined rows: definition and rows (INSERT statements' VALUES).
std::string inlined_mirror_definition(const Table &t);
std::vector<std::string> inlined_mirror_values(const Table &t);

// The column list of a staging table: "a" INTEGER DEFAULT 5 NOT NULL, ...
std::string column_definitions(const Table &t);

}  // namespace mallard::lake
