#include "integration/lake_util.hpp"

#include <algorithm>
#include <cctype>
#include <filesystem>
#include <fstream>
#include <sstream>

namespace fs = std::filesystem;

namespace mallard::it::lake {

std::string warehouse_dir(const Server &s) { return s.data_dir() + "/warehouses/mallard"; }
std::string metadata_file(const Server &s) { return warehouse_dir(s) + ".ducklake"; }
std::string lake_dir(const Server &s) { return warehouse_dir(s) + "/lake/"; }

std::vector<std::string> files_under(const std::string &dir, const std::string &suffix) {
  std::vector<std::string> out;
  std::error_code ec;
  if (!fs::exists(dir, ec)) return out;
  for (auto it = fs::recursive_directory_iterator(dir, ec); it != fs::recursive_directory_iterator(); it.increment(ec)) {
    if (ec) break;
    if (!it->is_regular_file()) continue;
    std::string p = it->path().string();
    if (p.size() >= suffix.size() && p.compare(p.size() - suffix.size(), suffix.size(), suffix) == 0) out.push_back(p);
  }
  std::sort(out.begin(), out.end());
  return out;
}

Duck::Duck(const std::string &path)
    : db_(std::make_unique<duck::Database>(path, 1)), conn_(std::make_unique<duck::Connection>(*db_)) {}

duck::TextRows Duck::rows(const std::string &sql, const std::vector<std::optional<std::string>> &params) {
  return conn_->query_text(sql, params);
}

std::string Duck::value(const std::string &sql, const std::vector<std::optional<std::string>> &params) {
  auto r = rows(sql, params);
  if (r.size() != 1 || r[0].size() != 1) {
    ADD_FAILURE() << "expected one value from: " << sql << ", got " << r.size() << " rows";
    return {};
  }
  return r[0][0].value_or("<NULL>");
}

void Duck::exec(const std::string &sql) { conn_->query(sql); }

const std::string &spec_creation_script() {
  // Copied from the DuckLake 1.0 specification, docs/stable/specification/tables/overview.md,
  // "Full Schema Creation Script".
  static const std::string script = R"sql(
CREATE TABLE ducklake_column (column_id BIGINT, begin_snapshot BIGINT, end_snapshot BIGINT, table_id BIGINT, column_order BIGINT, column_name VARCHAR, column_type VARCHAR, initial_default VARCHAR, default_value VARCHAR, nulls_allowed BOOLEAN, parent_column BIGINT, default_value_type VARCHAR, default_value_dialect VARCHAR);
CREATE TABLE ducklake_column_mapping (mapping_id BIGINT, table_id BIGINT, "type" VARCHAR);
CREATE TABLE ducklake_column_tag (table_id BIGINT, column_id BIGINT, begin_snapshot BIGINT, end_snapshot BIGINT, "key" VARCHAR, "value" VARCHAR);
CREATE TABLE ducklake_data_file (data_file_id BIGINT PRIMARY KEY, table_id BIGINT, begin_snapshot BIGINT, end_snapshot BIGINT, file_order BIGINT, path VARCHAR, path_is_relative BOOLEAN, file_format VARCHAR, record_count BIGINT, file_size_bytes BIGINT, footer_size BIGINT, row_id_start BIGINT, partition_id BIGINT, encryption_key VARCHAR, mapping_id BIGINT, partial_max BIGINT);
CREATE TABLE ducklake_delete_file (delete_file_id BIGINT PRIMARY KEY, table_id BIGINT, begin_snapshot BIGINT, end_snapshot BIGINT, data_file_id BIGINT, path VARCHAR, path_is_relative BOOLEAN, format VARCHAR, delete_count BIGINT, file_size_bytes BIGINT, footer_size BIGINT, encryption_key VARCHAR, partial_max BIGINT);
CREATE TABLE ducklake_file_column_stats (data_file_id BIGINT, table_id BIGINT, column_id BIGINT, column_size_bytes BIGINT, value_count BIGINT, null_count BIGINT, min_value VARCHAR, max_value VARCHAR, contains_nan BOOLEAN, extra_stats VARCHAR);
CREATE TABLE ducklake_file_partition_value (data_file_id BIGINT, table_id BIGINT, partition_key_index BIGINT, partition_value VARCHAR);
CREATE TABLE ducklake_file_variant_stats (data_file_id BIGINT, table_id BIGINT, column_id BIGINT, variant_path VARCHAR, shredded_type VARCHAR, column_size_bytes BIGINT, value_count BIGINT, null_count BIGINT, min_value VARCHAR, max_value VARCHAR, contains_nan BOOLEAN, extra_stats VARCHAR);
CREATE TABLE ducklake_files_scheduled_for_deletion (data_file_id BIGINT, path VARCHAR, path_is_relative BOOLEAN, schedule_start TIMESTAMP WITH TIME ZONE);
CREATE TABLE ducklake_inlined_data_tables (table_id BIGINT, table_name VARCHAR, schema_version BIGINT);
CREATE TABLE ducklake_macro (schema_id BIGINT, macro_id BIGINT, macro_name VARCHAR, begin_snapshot BIGINT, end_snapshot BIGINT);
CREATE TABLE ducklake_macro_impl (macro_id BIGINT, impl_id BIGINT, dialect VARCHAR, "sql" VARCHAR, "type" VARCHAR);
CREATE TABLE ducklake_macro_parameters (macro_id BIGINT, impl_id BIGINT, column_id BIGINT, parameter_name VARCHAR, parameter_type VARCHAR, default_value VARCHAR, default_value_type VARCHAR);
CREATE TABLE ducklake_metadata ("key" VARCHAR NOT NULL, "value" VARCHAR NOT NULL, "scope" VARCHAR, scope_id BIGINT);
CREATE TABLE ducklake_name_mapping (mapping_id BIGINT, column_id BIGINT, source_name VARCHAR, target_field_id BIGINT, parent_column BIGINT, is_partition BOOLEAN);
CREATE TABLE ducklake_partition_column (partition_id BIGINT, table_id BIGINT, partition_key_index BIGINT, column_id BIGINT, "transform" VARCHAR);
CREATE TABLE ducklake_partition_info (partition_id BIGINT, table_id BIGINT, begin_snapshot BIGINT, end_snapshot BIGINT);
CREATE TABLE ducklake_schema (schema_id BIGINT PRIMARY KEY, schema_uuid UUID, begin_snapshot BIGINT, end_snapshot BIGINT, schema_name VARCHAR, path VARCHAR, path_is_relative BOOLEAN);
CREATE TABLE ducklake_schema_versions (begin_snapshot BIGINT, schema_version BIGINT, table_id BIGINT);
CREATE TABLE ducklake_snapshot (snapshot_id BIGINT PRIMARY KEY, snapshot_time TIMESTAMP WITH TIME ZONE, schema_version BIGINT, next_catalog_id BIGINT, next_file_id BIGINT);
CREATE TABLE ducklake_snapshot_changes (snapshot_id BIGINT PRIMARY KEY, changes_made VARCHAR, author VARCHAR, commit_message VARCHAR, commit_extra_info VARCHAR);
CREATE TABLE ducklake_sort_expression (sort_id BIGINT, table_id BIGINT, sort_key_index BIGINT, expression VARCHAR, dialect VARCHAR, sort_direction VARCHAR, null_order VARCHAR);
CREATE TABLE ducklake_sort_info (sort_id BIGINT, table_id BIGINT, begin_snapshot BIGINT, end_snapshot BIGINT);
CREATE TABLE ducklake_table (table_id BIGINT, table_uuid UUID, begin_snapshot BIGINT, end_snapshot BIGINT, schema_id BIGINT, table_name VARCHAR, path VARCHAR, path_is_relative BOOLEAN);
CREATE TABLE ducklake_table_column_stats (table_id BIGINT, column_id BIGINT, contains_null BOOLEAN, contains_nan BOOLEAN, min_value VARCHAR, max_value VARCHAR, extra_stats VARCHAR);
CREATE TABLE ducklake_table_stats (table_id BIGINT, record_count BIGINT, next_row_id BIGINT, file_size_bytes BIGINT);
CREATE TABLE ducklake_tag (object_id BIGINT, begin_snapshot BIGINT, end_snapshot BIGINT, "key" VARCHAR, "value" VARCHAR);
CREATE TABLE ducklake_view (view_id BIGINT, view_uuid UUID, begin_snapshot BIGINT, end_snapshot BIGINT, schema_id BIGINT, view_name VARCHAR, dialect VARCHAR, "sql" VARCHAR, column_aliases VARCHAR);
)sql";
  return script;
}

namespace {

std::string trim(std::string s) {
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back()))) s.pop_back();
  size_t i = 0;
  while (i < s.size() && std::isspace(static_cast<unsigned char>(s[i]))) ++i;
  return s.substr(i);
}

std::string upper(std::string s) {
  for (auto &c : s) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return s;
}

bool strip_suffix(std::string &s, const std::string &suffix) {
  if (s.size() < suffix.size() || upper(s.substr(s.size() - suffix.size())) != suffix) return false;
  s = trim(s.substr(0, s.size() - suffix.size()));
  return true;
}

}  // namespace

std::vector<SpecTable> spec_tables() {
  std::vector<SpecTable> out;
  std::istringstream in(spec_creation_script());
  std::string line;
  while (std::getline(in, line)) {
    line = trim(line);
    if (line.empty()) continue;
    // CREATE TABLE name (col TYPE [PRIMARY KEY | NOT NULL], ...);  -- no nested parentheses
    auto open = line.find('('), close = line.rfind(')');
    SpecTable t;
    t.name = trim(line.substr(std::string("CREATE TABLE ").size(), open - std::string("CREATE TABLE ").size()));
    std::string body = line.substr(open + 1, close - open - 1);
    std::stringstream items(body);
    std::string item;
    while (std::getline(items, item, ',')) {
      item = trim(item);
      SpecColumn c;
      auto sp = item.find(' ');
      c.name = item.substr(0, sp);
      if (c.name.size() > 1 && c.name.front() == '"') c.name = c.name.substr(1, c.name.size() - 2);
      std::string type = trim(item.substr(sp + 1));
      c.primary_key = strip_suffix(type, "PRIMARY KEY");
      c.not_null = strip_suffix(type, "NOT NULL");
      c.type = upper(type);
      t.columns.push_back(c);
    }
    out.push_back(t);
  }
  return out;
}

int64_t parquet_footer_size(const std::string &path) {
  std::ifstream f(path, std::ios::binary);
  f.seekg(-8, std::ios::end);
  unsigned char tail[8] = {};
  if (!f.read(reinterpret_cast<char *>(tail), 8)) return -1;
  if (std::string(reinterpret_cast<char *>(tail) + 4, 4) != "PAR1") return -1;
  return static_cast<int64_t>(tail[0]) | static_cast<int64_t>(tail[1]) << 8 | static_cast<int64_t>(tail[2]) << 16 |
         static_cast<int64_t>(tail[3]) << 24;
}

Outcome run(PGconn *c, const std::string &sql) {
  Outcome o;
  Result r = exec(c, sql);
  ExecStatusType st = r ? PQresultStatus(r.get()) : PGRES_FATAL_ERROR;
  if (st == PGRES_COMMAND_OK || st == PGRES_TUPLES_OK) {
    o.ok = true;
    o.tag = PQcmdStatus(r.get());
    for (int i = 0; i < PQnfields(r.get()); ++i) o.columns.push_back(PQfname(r.get(), i));
    o.rows = rows_of(r.get());
  } else {
    SqlError e = error_of(r.get());
    o.sqlstate = e.sqlstate;
    o.message = r ? e.message : PQerrorMessage(c);
  }
  return o;
}

std::string to_string(const Outcome &o) {
  std::string s;
  if (!o.ok) return "ERROR " + o.sqlstate + ": " + o.message;
  s = o.tag;
  for (auto &row : o.rows) {
    s += "\n  ";
    for (size_t i = 0; i < row.size(); ++i) s += (i ? " | " : "") + row[i].value_or("<NULL>");
  }
  return s;
}

Result copy_in(PGconn *c, const std::string &sql, const std::string &data, size_t chunk) {
  Result start = exec(c, sql);
  if (PQresultStatus(start.get()) != PGRES_COPY_IN) return start;
  for (size_t i = 0; i < data.size(); i += chunk) {
    std::string piece = data.substr(i, chunk);
    EXPECT_EQ(PQputCopyData(c, piece.data(), static_cast<int>(piece.size())), 1);
  }
  EXPECT_EQ(PQputCopyEnd(c, nullptr), 1);
  Result done(PQgetResult(c));
  while (PGresult *extra = PQgetResult(c)) PQclear(extra);
  return done;
}

std::string copy_out(PGconn *c, const std::string &sql, std::string *tag) {
  std::string data;
  Result start = exec(c, sql);
  if (PQresultStatus(start.get()) != PGRES_COPY_OUT) {
    ADD_FAILURE() << sql << ": " << PQresultErrorMessage(start.get());
    return data;
  }
  char *buf = nullptr;
  int n;
  while ((n = PQgetCopyData(c, &buf, 0)) > 0) {
    data.append(buf, static_cast<size_t>(n));
    PQfreemem(buf);
  }
  Result done(PQgetResult(c));
  EXPECT_EQ(PQresultStatus(done.get()), PGRES_COMMAND_OK) << PQresultErrorMessage(done.get());
  if (tag) *tag = PQcmdStatus(done.get());
  while (PGresult *extra = PQgetResult(c)) PQclear(extra);
  return data;
}

int64_t latest_snapshot(PGconn *c) {
  std::string v = query_value(c, "SELECT max(snapshot_id) FROM ducklake_snapshots()");
  return v.empty() || v == "<NULL>" ? -1 : std::stoll(v);
}

bool is_serialization_failure(const PGresult *r) {
  if (!r || PQresultStatus(r) != PGRES_FATAL_ERROR) return false;
  const char *code = PQresultErrorField(r, PG_DIAG_SQLSTATE);
  return code && std::string(code) == "40001";
}

}  // namespace mallard::it::lake
