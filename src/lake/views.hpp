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
// A DuckDB variable of a connection whose open transaction changed the columns of committed lake
// tables, or created tables with character types (lake::Session sets it, and resets it when the
// transaction ends), for the catalogs (control/catalog.cpp), which show the shared views and the
// lake's snapshot otherwise. One struct per table: its schema (s) and name (t) as the views have
// them; for a committed table, the names in kHiddenSchema of the transaction's row view (v) and
// staging table (i), which have its columns now; the columns of character types (k: name,
// PostgreSQL type, modifier and length, as catalog.cpp's __mallard_lake_char_columns gives them).
inline constexpr const char *kAlteredVariable = "__mallard_altered";
inline constexpr const char *kAlteredType =
    "STRUCT(s VARCHAR, t VARCHAR, v VARCHAR, i VARCHAR, k STRUCT(n VARCHAR, o BIGINT, m BIGINT, l BIGINT)[])[]";

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
// The committed part alone (files and inlined rows), minus committed deletes and those staged in
// `del` (none when empty). Empty when the table has no committed rows.
std::string committed_sql(const Table &t, int64_t snapshot, const std::string &del, bool positional);

// The user-visible view of an existing table does not read the staged deletes: joining every scan
// with an (almost always empty) table of them costs a tenth of a scan. It reads the committed
// rows through a table macro, `main.__mallard_rows_<id>()`, minus committed deletes only. A
// transaction that stages deletes in the table creates a temporary macro of the same name that
// also leaves those out: DuckDB looks up `main.` names in the connection's temporary catalog
// first, so that connection, and no other, sees its own deletes. The temporary macro goes with
// the DuckDB transaction (which always ends by ROLLBACK once it staged anything).
std::string committed_rows_macro(int64_t table_id);
// The statement that creates the shared macro, or (`staged_deletes`) the transaction's temporary
// one; empty when the table has no committed rows (its view then reads no macro).
std::string committed_rows_ddl(const Table &t, bool staged_deletes);
// The view's query: staged inserts, and the macro's rows if the table has any committed rows.
std::string user_view_sql(const Table &t);

// A table read at one snapshot, without staging (time travel).
std::string snapshot_scan_sql(const Table &t, int64_t snapshot);

// The mirror table of a table's inlined rows: definition and rows (INSERT statements' VALUES).
std::string inlined_mirror_definition(const Table &t);
std::vector<std::string> inlined_mirror_values(const metastore::Rows &rows);

// The column list of a staging table: "a" INTEGER DEFAULT 5 NOT NULL, ..., with a CHECK of each
// declared length that fails with kValueTooLong and the type.
std::string column_definitions(const Table &t);
inline constexpr const char *kValueTooLong = "value too long for type ";

}  // namespace mallard::lake
