#include "lake/format.hpp"

#include <algorithm>
#include <iterator>
#include <map>
#include <optional>

#include "common/strings.hpp"

namespace mallard::lake {

namespace {

// Column names and types exactly as the DuckLake 1.0 specification lists them. The SQL is
// portable across DuckDB, PostgreSQL and CockroachDB.
const char *const kTables[] = {
    "CREATE TABLE ducklake_metadata (\"key\" VARCHAR NOT NULL, \"value\" VARCHAR NOT NULL, \"scope\" VARCHAR, "
    "scope_id BIGINT)",
    "CREATE TABLE ducklake_snapshot (snapshot_id BIGINT PRIMARY KEY, snapshot_time TIMESTAMP WITH TIME ZONE, "
    "schema_version BIGINT, next_catalog_id BIGINT, next_file_id BIGINT)",
    "CREATE TABLE ducklake_snapshot_changes (snapshot_id BIGINT PRIMARY KEY, changes_made VARCHAR, author VARCHAR, "
    "commit_message VARCHAR, commit_extra_info VARCHAR)",
    "CREATE TABLE ducklake_schema (schema_id BIGINT PRIMARY KEY, schema_uuid UUID, begin_snapshot BIGINT, "
    "end_snapshot BIGINT, schema_name VARCHAR, path VARCHAR, path_is_relative BOOLEAN)",
    "CREATE TABLE ducklake_table (table_id BIGINT, table_uuid UUID, begin_snapshot BIGINT, end_snapshot BIGINT, "
    "schema_id BIGINT, table_name VARCHAR, path VARCHAR, path_is_relative BOOLEAN)",
    "CREATE TABLE ducklake_view (view_id BIGINT, view_uuid UUID, begin_snapshot BIGINT, end_snapshot BIGINT, "
    "schema_id BIGINT, view_name VARCHAR, dialect VARCHAR, \"sql\" VARCHAR, column_aliases VARCHAR)",
    "CREATE TABLE ducklake_column (column_id BIGINT, begin_snapshot BIGINT, end_snapshot BIGINT, table_id BIGINT, "
    "column_order BIGINT, column_name VARCHAR, column_type VARCHAR, initial_default VARCHAR, default_value VARCHAR, "
    "nulls_allowed BOOLEAN, parent_column BIGINT, default_value_type VARCHAR, default_value_dialect VARCHAR)",
    "CREATE TABLE ducklake_macro (schema_id BIGINT, macro_id BIGINT, macro_name VARCHAR, begin_snapshot BIGINT, "
    "end_snapshot BIGINT)",
    "CREATE TABLE ducklake_macro_impl (macro_id BIGINT, impl_id BIGINT, dialect VARCHAR, \"sql\" VARCHAR, "
    "\"type\" VARCHAR)",
    "CREATE TABLE ducklake_macro_parameters (macro_id BIGINT, impl_id BIGINT, column_id BIGINT, parameter_name "
    "VARCHAR, parameter_type VARCHAR, default_value VARCHAR, default_value_type VARCHAR)",
    "CREATE TABLE ducklake_data_file (data_file_id BIGINT PRIMARY KEY, table_id BIGINT, begin_snapshot BIGINT, "
    "end_snapshot BIGINT, file_order BIGINT, path VARCHAR, path_is_relative BOOLEAN, file_format VARCHAR, "
    "record_count BIGINT, file_size_bytes BIGINT, footer_size BIGINT, row_id_start BIGINT, partition_id BIGINT, "
    "encryption_key VARCHAR, mapping_id BIGINT, partial_max BIGINT)",
    "CREATE TABLE ducklake_delete_file (delete_file_id BIGINT PRIMARY KEY, table_id BIGINT, begin_snapshot BIGINT, "
    "end_snapshot BIGINT, data_file_id BIGINT, path VARCHAR, path_is_relative BOOLEAN, format VARCHAR, "
    "delete_count BIGINT, file_size_bytes BIGINT, footer_size BIGINT, encryption_key VARCHAR, partial_max BIGINT)",
    "CREATE TABLE ducklake_files_scheduled_for_deletion (data_file_id BIGINT, path VARCHAR, path_is_relative "
    "BOOLEAN, schedule_start TIMESTAMP WITH TIME ZONE)",
    "CREATE TABLE ducklake_inlined_data_tables (table_id BIGINT, table_name VARCHAR, schema_version BIGINT)",
    "CREATE TABLE ducklake_column_mapping (mapping_id BIGINT, table_id BIGINT, \"type\" VARCHAR)",
    "CREATE TABLE ducklake_name_mapping (mapping_id BIGINT, column_id BIGINT, source_name VARCHAR, "
    "target_field_id BIGINT, parent_column BIGINT, is_partition BOOLEAN)",
    "CREATE TABLE ducklake_table_stats (table_id BIGINT, record_count BIGINT, next_row_id BIGINT, file_size_bytes "
    "BIGINT)",
    "CREATE TABLE ducklake_table_column_stats (table_id BIGINT, column_id BIGINT, contains_null BOOLEAN, "
    "contains_nan BOOLEAN, min_value VARCHAR, max_value VARCHAR, extra_stats VARCHAR)",
    "CREATE TABLE ducklake_file_column_stats (data_file_id BIGINT, table_id BIGINT, column_id BIGINT, "
    "column_size_bytes BIGINT, value_count BIGINT, null_count BIGINT, min_value VARCHAR, max_value VARCHAR, "
    "contains_nan BOOLEAN, extra_stats VARCHAR)",
    "CREATE TABLE ducklake_file_variant_stats (data_file_id BIGINT, table_id BIGINT, column_id BIGINT, variant_path "
    "VARCHAR, shredded_type VARCHAR, column_size_bytes BIGINT, value_count BIGINT, null_count BIGINT, min_value "
    "VARCHAR, max_value VARCHAR, contains_nan BOOLEAN, extra_stats VARCHAR)",
    "CREATE TABLE ducklake_partition_info (partition_id BIGINT, table_id BIGINT, begin_snapshot BIGINT, "
    "end_snapshot BIGINT)",
    "CREATE TABLE ducklake_partition_column (partition_id BIGINT, table_id BIGINT, partition_key_index BIGINT, "
    "column_id BIGINT, \"transform\" VARCHAR)",
    "CREATE TABLE ducklake_file_partition_value (data_file_id BIGINT, table_id BIGINT, partition_key_index BIGINT, "
    "partition_value VARCHAR)",
    "CREATE TABLE ducklake_sort_info (sort_id BIGINT, table_id BIGINT, begin_snapshot BIGINT, end_snapshot BIGINT)",
    "CREATE TABLE ducklake_sort_expression (sort_id BIGINT, table_id BIGINT, sort_key_index BIGINT, expression "
    "VARCHAR, dialect VARCHAR, sort_direction VARCHAR, null_order VARCHAR)",
    "CREATE TABLE ducklake_tag (object_id BIGINT, begin_snapshot BIGINT, end_snapshot BIGINT, \"key\" VARCHAR, "
    "\"value\" VARCHAR)",
    "CREATE TABLE ducklake_column_tag (table_id BIGINT, column_id BIGINT, begin_snapshot BIGINT, end_snapshot "
    "BIGINT, \"key\" VARCHAR, \"value\" VARCHAR)",
    "CREATE TABLE ducklake_schema_versions (begin_snapshot BIGINT, schema_version BIGINT, table_id BIGINT)",
};
static_assert(sizeof(kTables) / sizeof(kTables[0]) == 28, "DuckLake 1.0 has 28 metadata tables");

const std::map<std::string, std::string> &duck_to_lake() {
  static const std::map<std::string, std::string> m = {
      {"BOOLEAN", "boolean"},       {"TINYINT", "int8"},
      {"SMALLINT", "int16"},        {"INTEGER", "int32"},
      {"BIGINT", "int64"},          {"UTINYINT", "uint8"},
      {"USMALLINT", "uint16"},      {"UINTEGER", "uint32"},
      {"UBIGINT", "uint64"},        {"HUGEINT", "int128"},
      {"UHUGEINT", "uint128"},      {"FLOAT", "float32"},
      {"DOUBLE", "float64"},        {"TIME", "time"},
      {"TIME WITH TIME ZONE", "timetz"}, {"DATE", "date"},
      {"TIMESTAMP", "timestamp"},   {"TIMESTAMP WITH TIME ZONE", "timestamptz"},
      {"TIMESTAMP_S", "timestamp_s"}, {"TIMESTAMP_MS", "timestamp_ms"},
      {"TIMESTAMP_NS", "timestamp_ns"}, {"INTERVAL", "interval"},
      {"VARCHAR", "varchar"},       {"BLOB", "blob"},
      {"JSON", "json"},             {"UUID", "uuid"},
  };
  return m;
}

const char *const kCompressions[] = {"uncompressed", "snappy", "gzip", "zstd", "brotli", "lz4", "lz4_raw"};

// A whole number within [lo, hi], or nullopt.
std::optional<int64_t> whole_number(const std::string &v, int64_t lo, int64_t hi) {
  if (v.empty() || v.size() > 18 || v.find_first_not_of("-0123456789") != std::string::npos ||
      v.find('-', 1) != std::string::npos || v == "-")
    return std::nullopt;
  int64_t n = std::stoll(v);
  if (n < lo || n > hi) return std::nullopt;
  return n;
}

}  // namespace

bool is_initialized(metastore::Transaction &txn) {
  auto rows = txn.query(
      "SELECT CAST(count(*) AS BIGINT) FROM information_schema.tables WHERE table_name = 'ducklake_metadata'");
  if (rows.empty() || rows[0][0].value_or("0") == "0") return false;
  auto version = txn.query("SELECT \"value\" FROM ducklake_metadata WHERE \"key\" = 'version' AND \"scope\" IS NULL");
  std::string v = version.empty() ? "" : version[0][0].value_or("");
  if (v != kFormatVersion)
    throw Error(sqlstate::kFeatureNotSupported,
                "the metadata store holds a DuckLake catalog of version \"" + v + "\"; Mallard reads version " +
                    kFormatVersion);
  return true;
}

void initialize(metastore::Transaction &txn, const std::string &data_path, const std::string &created_by) {
  for (const char *ddl : kTables) txn.exec(ddl);
  txn.exec("INSERT INTO ducklake_snapshot VALUES (0, now(), 0, 1, 0)");
  txn.exec("INSERT INTO ducklake_snapshot_changes VALUES (0, 'created_schema:\"main\"', NULL, NULL, NULL)");
  txn.exec("INSERT INTO ducklake_metadata (\"key\", \"value\") VALUES ('version', $1), ('created_by', $2), "
           "('data_path', $3), ('encrypted', 'false')",
           {kFormatVersion, created_by, data_path});
  txn.exec("INSERT INTO ducklake_schema VALUES (0, gen_random_uuid(), 0, NULL, 'main', 'main/', true)");
}

std::string to_lake_type(const std::string &t) {
  auto &m = duck_to_lake();
  if (auto it = m.find(t); it != m.end()) return it->second;
  if (t.starts_with("DECIMAL(")) return "decimal" + t.substr(7);
  throw Error(sqlstate::kFeatureNotSupported, "type " + t + " is not supported in lake tables");
}

std::string to_duckdb_type(const std::string &t) {
  for (auto &[duck, lake] : duck_to_lake())
    if (lake == t) return duck;
  if (t.starts_with("decimal(")) return "DECIMAL" + t.substr(7);
  throw Error(sqlstate::kFeatureNotSupported, "DuckLake type \"" + t + "\" is not supported");
}

bool option_is_true(const std::string &value) { return to_lower(value) == "true"; }

void check_option_value(const std::string &name, const std::string &value) {
  auto refuse = [&](const std::string &accepted) {
    throw Error(sqlstate::kInvalidParameterValue,
                "invalid value \"" + value + "\" for lake option " + name + ": accepted values are " + accepted);
  };
  if (name == "parquet_compression") {
    std::string v = to_lower(value);
    if (std::none_of(std::begin(kCompressions), std::end(kCompressions), [&](const char *c) { return v == c; }))
      refuse("uncompressed, snappy, gzip, zstd, brotli, lz4, lz4_raw");
  } else if (name == "parquet_compression_level") {
    if (!whole_number(value, -131072, 22)) refuse("whole numbers from -131072 to 22 (zstd levels)");
  } else if (name == "parquet_version") {
    if (!whole_number(value, 1, 2)) refuse("1, 2");
  } else if (name == "parquet_row_group_size") {
    if (!whole_number(value, 1, int64_t{1} << 40)) refuse("whole numbers of rows from 1");
  } else if (name == "parquet_row_group_size_bytes") {
    if (!whole_number(value, 1, int64_t{1} << 50)) refuse("whole numbers of bytes from 1");
  } else if (name == "require_commit_message") {
    if (!option_is_true(value) && to_lower(value) != "false") refuse("true, false");
  }
}

std::string parquet_copy_options(const std::map<std::string, std::string> &settings) {
  static const std::pair<const char *, const char *> kCopyOption[] = {
      {"parquet_compression", "COMPRESSION"},
      {"parquet_compression_level", "COMPRESSION_LEVEL"},
      {"parquet_version", "PARQUET_VERSION"},
      {"parquet_row_group_size", "ROW_GROUP_SIZE"},
      {"parquet_row_group_size_bytes", "ROW_GROUP_SIZE_BYTES"}};
  std::string out;
  for (auto &[name, copy] : kCopyOption) {
    auto it = settings.find(name);
    if (it == settings.end()) continue;
    try {
      check_option_value(name, it->second);
    } catch (const Error &) {
      continue;
    }
    // Checked above: a known word or a whole number, safe as they are.
    std::string v = name == std::string("parquet_compression") ? to_lower(it->second)
                    : name == std::string("parquet_version")   ? "V" + it->second
                                                               : it->second;
    out += std::string(", ") + copy + " " + v;
  }
  return out;
}

std::string quoted_name(const std::string &name) { return sql_ident(name); }

}  // namespace mallard::lake
