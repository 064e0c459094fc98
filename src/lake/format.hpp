#pragma once
// The DuckLake 1.0 metadata format: the 28 tables, a fresh catalog's snapshot 0, and the mapping
// between DuckDB's type names and DuckLake's.

#include <map>
#include <string>

#include "metastore/store.hpp"

namespace mallard::lake {

inline constexpr const char *kFormatVersion = "1.0";

// True when the store already holds a DuckLake catalog (its version is checked: 1.0 only).
bool is_initialized(metastore::Transaction &txn);
// Creates the 28 tables and snapshot 0 (schema "main") in an empty store. data_path ends in '/'.
void initialize(metastore::Transaction &txn, const std::string &data_path, const std::string &created_by);

// DuckDB type (as duckdb_columns() spells it) → DuckLake type; throws 0A000 for types a lake
// table cannot hold.
std::string to_lake_type(const std::string &duckdb_type);
// DuckLake type → DuckDB type name.
std::string to_duckdb_type(const std::string &lake_type);

// Lake options (ducklake_metadata keys) Mallard acts on: those that shape the Parquet files it
// writes (parquet_compression, parquet_compression_level, parquet_version, parquet_row_group_size,
// parquet_row_group_size_bytes) and require_commit_message. Throws 22023 when `value` is not one
// Mallard can honour, naming what is accepted; other option names pass.
void check_option_value(const std::string &name, const std::string &value);
// require_commit_message's value as stored: "true" in any case.
bool option_is_true(const std::string &value);
// The options of a DuckDB `COPY ... (FORMAT parquet, ...)` for those settings (", COMPRESSION zstd,
// ROW_GROUP_SIZE 100000", ...); settings whose values fail check_option_value (written by another
// tool) are left out, so DuckDB's defaults apply to them.
std::string parquet_copy_options(const std::map<std::string, std::string> &settings);

// A name in ducklake_snapshot_changes: double-quoted with "" for a quote.
std::string quoted_name(const std::string &name);

}  // namespace mallard::lake
