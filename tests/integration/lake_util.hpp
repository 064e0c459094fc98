#pragma once
// Helpers shared by the lake table tests (tests/integration/lake_*.cpp): where a server keeps its
// default warehouse's lake, reading the embedded metadata store and Parquet files in-process with
// DuckDB's C API (only while the server is stopped: DuckDB locks the metadata file), the DuckLake
// 1.0 specification's creation script, COPY over libpq, and statement outcomes as text.

#include <libpq-fe.h>

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "duck/duck.hpp"
#include "support/server.hpp"

namespace mallard::it::lake {

// <data-dir>/warehouses/mallard: the default warehouse's directory.
std::string warehouse_dir(const Server &s);
// <data-dir>/warehouses/mallard.ducklake: its embedded metadata store.
std::string metadata_file(const Server &s);
// <data-dir>/warehouses/mallard/lake/: its data path (ends in '/').
std::string lake_dir(const Server &s);

// Regular files under `dir` whose names end in `suffix`, sorted.
std::vector<std::string> files_under(const std::string &dir, const std::string &suffix = ".parquet");

// A DuckDB database opened in this process: the metadata file (path) or in memory (empty path).
// Queries return text; cast non-integer, non-boolean columns to VARCHAR in the SQL.
class Duck {
 public:
  explicit Duck(const std::string &path = {});
  duck::TextRows rows(const std::string &sql, const std::vector<std::optional<std::string>> &params = {});
  // Exactly one value; "<NULL>" for NULL.
  std::string value(const std::string &sql, const std::vector<std::optional<std::string>> &params = {});
  void exec(const std::string &sql);
  duck::Connection &conn() { return *conn_; }

 private:
  std::unique_ptr<duck::Database> db_;
  std::unique_ptr<duck::Connection> conn_;
};

// The "Full Schema Creation Script" of the DuckLake 1.0 specification (tables/overview.md),
// statement per line, verbatim.
const std::string &spec_creation_script();

struct SpecColumn {
  std::string name, type;  // type as the script spells it, upper case (e.g. TIMESTAMP WITH TIME ZONE)
  bool primary_key = false, not_null = false;
};
struct SpecTable {
  std::string name;
  std::vector<SpecColumn> columns;
};
// The script parsed: 28 tables in script order.
std::vector<SpecTable> spec_tables();

// Size of a Parquet file's footer (the Thrift metadata), read from its last 8 bytes; -1 when the
// file does not end in PAR1.
int64_t parquet_footer_size(const std::string &path);

// What one statement did, as text.
struct Outcome {
  bool ok = false;
  std::string tag;       // command tag when ok
  std::string sqlstate;  // when not ok
  std::string message;
  std::vector<std::string> columns;
  std::vector<Row> rows;
};
Outcome run(PGconn *c, const std::string &sql);
std::string to_string(const Outcome &o);

// COPY ... FROM STDIN with `data` sent in `chunk`-sized pieces; returns the final result.
Result copy_in(PGconn *c, const std::string &sql, const std::string &data, size_t chunk = 7);
// COPY ... TO STDOUT; returns the data and sets *tag to the command tag.
std::string copy_out(PGconn *c, const std::string &sql, std::string *tag = nullptr);

// The newest snapshot id, from ducklake_snapshots() through the wire.
int64_t latest_snapshot(PGconn *c);

// True for a 40001 error result.
bool is_serialization_failure(const PGresult *r);

}  // namespace mallard::it::lake
