#pragma once
// One snapshot of a DuckLake catalog, loaded from the metadata store: schemas, tables with their
// columns and live files, views. Immutable once loaded; shared by every transaction that reads it.

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "metastore/store.hpp"

namespace mallard::lake {

// character varying, character varying(n) or character(n): the lake's text has neither the type
// nor a length, so Mallard keeps them in a column tag (kCharTypeTag) and the staging table checks
// the length.
struct CharType {
  int64_t length = 0;  // 0: none
  bool fixed = false;  // character(n)
  bool operator==(const CharType &) const = default;
};

struct Column {
  int64_t id = 0;
  int64_t order = 0;
  std::string name;
  std::string lake_type;
  std::string duck_type;
  std::optional<std::string> initial_default;  // SQL literal or expression text, as stored
  std::optional<std::string> default_value;
  bool nulls_allowed = true;
  std::optional<std::string> comment;  // COMMENT ON COLUMN (a tag in ducklake_column_tag)
  std::optional<CharType> char_type;  // a text column declared character varying or character(n)
  // Nested columns (rows with parent_column set in ducklake_column): a list has one child,
  // "element"; a struct one per field, by name; a map two, "key" and "value".
  std::vector<Column> children;
  bool operator==(const Column &) const = default;
};

// The DuckDB type of a list, struct or map column from its children's DuckDB types.
std::string nested_duck_type(const Column &c);

// A column's declared type as PostgreSQL spells it ("character varying(10)", "character(2)",
// "character varying"), the value of its kCharTypeTag; empty without one. parse_char_type reads
// it back (nullopt: not such a type).
inline constexpr const char *kCharTypeTag = "mallard_char_type";
std::string char_type_name(const std::optional<CharType> &t);
std::optional<CharType> parse_char_type(const std::string &name);
// PostgreSQL's type OID (1043 varchar, 1042 bpchar) and type modifier (n + 4, or -1) of one.
inline int64_t pg_type_oid(const CharType &t) { return t.fixed ? 1042 : 1043; }
inline int64_t pg_typmod(const CharType &t) { return t.length > 0 ? t.length + 4 : -1; }

struct DeleteFile {
  int64_t id = 0;
  std::string path;  // absolute
  int64_t count = 0;
  int64_t begin_snapshot = 0;
  bool operator==(const DeleteFile &) const = default;
};

struct DataFile {
  int64_t id = 0;
  std::string path;  // absolute
  int64_t record_count = 0;
  int64_t row_id_start = 0;
  int64_t file_size = 0;
  int64_t begin_snapshot = 0;
  std::optional<DeleteFile> deletes;
  // Positions deleted by rows of ducklake_inlined_delete_<table id> (the ducklake extension
  // inlines small deletes there instead of writing a delete file), as of the snapshot.
  std::vector<int64_t> inlined_deletes;
  bool operator==(const DataFile &) const = default;
};

// The other side of a FOREIGN KEY: the referenced table and its columns (those of one of its
// unique keys), in the order of the referencing columns. PostgreSQL's letters for the actions:
// 'a' NO ACTION, 'r' RESTRICT (the only ones the lake takes).
struct Reference {
  int64_t table = 0;  // in a transaction's own definitions, -(i + 1) for the i-th table it created
  std::vector<int64_t> columns;
  char on_delete = 'a', on_update = 'a';
  // DEFERRABLE [INITIALLY DEFERRED]: a deferred key is checked at commit, an immediate one when
  // each statement ends.
  bool deferrable = false, deferred = false;
  bool operator==(const Reference &) const = default;
};

// A PRIMARY KEY, UNIQUE or FOREIGN KEY constraint of a table, by column ids. DuckLake has no
// constraints: Mallard keeps a table's in one ducklake_tag row (key kKeysTag, see encode_keys) and
// enforces them itself (lake/statement.hpp).
struct Key {
  bool primary = false;
  std::vector<int64_t> columns;
  std::string name;  // as declared; empty: PostgreSQL's default name (key_name)
  // An index made by CREATE [UNIQUE] INDEX rather than a constraint; a plain index (not unique)
  // is kept for the catalogs and checks nothing. A foreign key is neither unique nor an index.
  bool unique = true, index = false;
  std::optional<Reference> references;  // set for a FOREIGN KEY
  bool operator==(const Key &) const = default;
};
inline constexpr const char *kKeysTag = "mallard_keys";
// A JSON array: [{"primary": true, "columns": [1, 2], "name": "...", "index": true, "unique":
// false, "references": {"table": 5, "columns": [1], "on_delete": "r", "on_update": "a",
// "deferrable": true, "deferred": true}}, ...] (members at their default left out). decode_keys
// ignores what it cannot read.
std::string encode_keys(const std::vector<Key> &keys);
std::vector<Key> decode_keys(const std::string &text);

struct Table {
  int64_t id = 0;
  int64_t schema_id = 0;
  std::string name;
  std::string path;  // absolute directory, ends in '/'
  std::vector<Column> columns;  // in column order
  std::vector<DataFile> files;  // ordered by data_file_id; a file's index here is its file_index
  int64_t next_row_id = 0;
  int64_t record_count = 0;
  std::optional<std::string> comment;
  std::vector<Key> keys;
  // The last snapshot that changed the table's columns (added, dropped, renamed, retyped). A data
  // file written at or after it has exactly the current columns, by name and type.
  int64_t columns_changed_at = 0;
  // Inlined rows (data inlining): every row of every inlined-data table of this table, with its
  // row_id, begin_snapshot and end_snapshot, then one value per column id in inlined_columns
  // (text). Readers filter by snapshot, so one mirror serves every snapshot.
  std::vector<int64_t> inlined_columns;
  std::map<int64_t, std::string> inlined_types;  // column id → DuckDB type (its latest)
  metastore::Rows inlined_rows;
  std::vector<std::string> inlined_tables;  // names of the inlined-data tables in the store
  // How the rows of each of inlined_tables are read (same order): the select list, and the slot in
  // an inlined row of each column it selects after the first three. A later snapshot that only
  // added or ended rows reads just those rows with it.
  struct InlinedSource {
    std::string select;
    std::vector<size_t> slots;
    bool operator==(const InlinedSource &) const = default;
  };
  std::vector<InlinedSource> inlined_sources;
  bool has_deletes() const;
  // The committed deletes of file `index` as a query of (fidx, pos): its delete file and its
  // inlined deletes; empty when it has none.
  std::string file_deletes_sql(size_t index) const;
  bool has_inlined() const { return !inlined_tables.empty(); }
  const Column *column(const std::string &name) const;
  const Column *column_by_id(int64_t id) const;  // top-level columns only
  bool has_unique_keys() const;
  bool has_foreign_keys() const;
};

// A key's name: as declared, or as PostgreSQL names one declared without: t_pkey, t_a_b_key,
// t_a_fkey.
std::string key_name(const Table &t, const Key &k);

struct Schema {
  int64_t id = 0;
  std::string name;
  std::string path;  // absolute, ends in '/'
  bool operator==(const Schema &) const = default;
};

struct View {
  int64_t id = 0;
  int64_t schema_id = 0;
  std::string name;
  std::string sql;
  std::optional<std::string> comment;
  bool operator==(const View &) const = default;
};

struct Snapshot {
  int64_t id = 0;
  int64_t schema_version = 0;
  int64_t next_catalog_id = 0;
  int64_t next_file_id = 0;
  std::string data_path;  // absolute, ends in '/'
  int64_t inlining_row_limit = 10;  // ducklake_metadata data_inlining_row_limit
  bool require_commit_message = false;  // ducklake_metadata require_commit_message
  std::map<int64_t, Schema> schemas;
  // A table unchanged from one snapshot to the next is shared by both, so moving to a snapshot
  // costs in proportion to what changed. A loader changes a table through edit() only.
  std::map<int64_t, std::shared_ptr<const Table>> tables;
  std::map<int64_t, View> views;

  // The table to change while this snapshot is being loaded (a copy of it first, when another
  // snapshot shares it); null when there is no such table.
  Table *edit(int64_t id);

  const Schema *schema(const std::string &name) const;
  const Table *table(int64_t schema_id, const std::string &name) const;
  const View *view(int64_t schema_id, const std::string &name) const;
};

// Whether `b` is defined as `a` is: name, schema, path, columns, comment (its data aside).
bool same_definition(const Table &a, const Table &b);

// What differs between two loads of one snapshot (an incremental and a full one), in words;
// empty when they hold the same catalog and data.
std::string snapshot_difference(const Snapshot &a, const Snapshot &b);

// The newest snapshot id in the store.
int64_t latest_snapshot_id(metastore::Transaction &txn);
// Loads the catalog as of `snapshot_id`; throws 22023 when no such snapshot exists.
std::shared_ptr<const Snapshot> load_snapshot(metastore::Transaction &txn, int64_t snapshot_id);

// The snapshot after `prev` whose changes include DDL: every definition is read again, the files and
// inlined rows only of the tables in `changed` or new since `prev` (or defined differently);
// every other table is shared with `prev`. `inlined_deletes` as for load_snapshot_since.
std::shared_ptr<const Snapshot> load_snapshot_after_ddl(metastore::Transaction &txn, const Snapshot &prev,
                                                        int64_t snapshot_id, const std::set<int64_t> &changed,
                                                        const std::set<int64_t> &inlined_deletes);

// The snapshot after `prev` in which only the rows of the tables in `changed` differ (inserts and
// deletes): the catalog is copied, their files and inlined rows are read again. `inlined_deletes`:
// the tables whose changes include deletes the ducklake extension inlined.
std::shared_ptr<const Snapshot> load_snapshot_since(metastore::Transaction &txn, const Snapshot &prev,
                                                    int64_t snapshot_id, const std::set<int64_t> &changed,
                                                    const std::set<int64_t> &inlined_deletes);

// The elements of ducklake_snapshot_changes.changes_made: (kind, value) pairs.
std::vector<std::pair<std::string, std::string>> parse_changes(const std::string &changes_made);

// Resolves `rel` against `base` when is_relative.
std::string resolve_path(const std::string &base, const std::string &rel, bool is_relative);

}  // namespace mallard::lake
