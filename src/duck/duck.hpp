#pragma once
// Thin RAII wrappers over DuckDB's C API. Each owns one C handle and frees it exactly once.

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <variant>
#include <vector>
#include <string_view>
#include <utility>

#include "common/error.hpp"
#include "duck/capi.hpp"

namespace mallard::duck {

// The text of a VARCHAR/BLOB element of a vector (capi.hpp's duckdb_string_t).
inline std::string_view string_of(const duckdb_string_t &s) {
  uint32_t len = s.value.inlined.length;
  return {len <= 12 ? s.value.inlined.inlined : s.value.pointer.ptr, len};
}

// A table function whose rows Mallard computes (`SELECT * FROM name()`): the server's own state,
// such as a warehouse's sessions, read in SQL. A cell is NULL, an integer (BIGINT and BOOLEAN
// columns) or text (VARCHAR columns).
using Cell = std::variant<std::monostate, int64_t, std::string>;
struct TableFunction {
  std::string name;
  std::vector<std::pair<std::string, duckdb_type>> columns;
  std::function<std::vector<std::vector<Cell>>()> rows;  // called once per scan; must not throw
};

// Translates a DuckDB error (type + message) to Mallard's Error with a PostgreSQL SQLSTATE and,
// when DuckDB reports one, the 1-based character position in `statement`.
Error translate_error(duckdb_error_type type, std::string_view message, std::string_view statement = {});
duckdb_error_type error_type_from_name(std::string_view name);

template <typename Handle, void (*Destroy)(Handle *)>
class Owned {
 public:
  Owned() = default;
  explicit Owned(Handle h) : h_(h) {}
  Owned(const Owned &) = delete;
  Owned &operator=(const Owned &) = delete;
  Owned(Owned &&o) noexcept : h_(std::exchange(o.h_, nullptr)) {}
  Owned &operator=(Owned &&o) noexcept {
    if (this != &o) {
      reset();
      h_ = std::exchange(o.h_, nullptr);
    }
    return *this;
  }
  ~Owned() { reset(); }
  void reset() {
    if (h_) Destroy(&h_);
    h_ = nullptr;
  }
  Handle get() const { return h_; }
  Handle *out() {
    reset();
    return &h_;
  }
  explicit operator bool() const { return h_ != nullptr; }

 private:
  Handle h_ = nullptr;
};

using LogicalType = Owned<duckdb_logical_type, duckdb_destroy_logical_type>;
using Value = Owned<duckdb_value, duckdb_destroy_value>;
using DataChunk = Owned<duckdb_data_chunk, duckdb_destroy_data_chunk>;

using TextRow = std::vector<std::optional<std::string>>;
using TextRows = std::vector<TextRow>;

// Appends the rows of one chunk as text (see Connection::query_text for the types handled).
void append_text_rows(duckdb_data_chunk chunk, TextRows &out);

// A string allocated by DuckDB (freed with duckdb_free).
std::string take_string(char *s);

class Database {
 public:
  // path empty or ":memory:" opens an in-memory database.
  explicit Database(const std::string &path, int threads = 0);
  ~Database();
  Database(const Database &) = delete;
  Database &operator=(const Database &) = delete;
  duckdb_database get() const { return db_; }

 private:
  duckdb_database db_ = nullptr;
};

class Result {
 public:
  Result() = default;
  Result(const Result &) = delete;
  Result &operator=(const Result &) = delete;
  Result(Result &&o) noexcept
      : r_(o.r_), valid_(std::exchange(o.valid_, false)), statement_(std::move(o.statement_)) {}
  Result &operator=(Result &&o) noexcept {
    if (this != &o) {
      reset();
      r_ = o.r_;
      valid_ = std::exchange(o.valid_, false);
      statement_ = std::move(o.statement_);
    }
    return *this;
  }
  // The statement text, so that errors raised while fetching carry a position.
  void set_statement(std::string_view s) { statement_ = s; }
  ~Result() { reset(); }
  void reset() {
    if (valid_) duckdb_destroy_result(&r_);
    valid_ = false;
  }
  duckdb_result *out() {
    reset();
    valid_ = true;
    return &r_;
  }
  duckdb_result *get() { return &r_; }
  idx_t column_count() { return duckdb_column_count(&r_); }
  std::string column_name(idx_t i) { return duckdb_column_name(&r_, i); }
  LogicalType column_type(idx_t i) { return LogicalType(duckdb_column_logical_type(&r_, i)); }
  idx_t rows_changed() { return duckdb_rows_changed(&r_); }
  duckdb_result_type return_type() { return duckdb_result_return_type(r_); }
  duckdb_statement_type statement_type() { return duckdb_result_statement_type(r_); }
  // Next chunk, or an empty handle at the end. Throws the query's error if it failed mid-stream.
  DataChunk fetch();
  [[noreturn]] void throw_error();

 private:
  duckdb_result r_{};
  bool valid_ = false;
  std::string statement_;
};

class Connection {
 public:
  explicit Connection(Database &db);
  ~Connection();
  Connection(const Connection &) = delete;
  Connection &operator=(const Connection &) = delete;
  duckdb_connection get() const { return c_; }
  // Runs a statement to completion, throwing on error.
  Result query(const std::string &sql);
  // Runs a statement and returns the first column of the first row as text ("" when NULL/empty).
  std::string query_scalar(const std::string &sql);
  // Runs a statement with text parameters ($1..$n; nullopt binds NULL) and returns every row,
  // each value as text. For internal queries with small results: VARCHAR, integer and BOOLEAN
  // columns are converted; cast anything else to VARCHAR in the query.
  TextRows query_text(const std::string &sql, const std::vector<std::optional<std::string>> &params = {});
  void interrupt() { duckdb_interrupt(c_); }
  // Registers `alias` as a name for the type `base` in the database's system catalog. Unlike
  // CREATE TYPE, the alias stays on values cast to it, so result columns can be told apart
  // (duckdb_logical_type_get_alias). False when it cannot be registered (e.g. it exists).
  bool register_type_alias(duckdb_type base, const std::string &alias);
  // Register functions in the database's system catalog, for all its connections. False when
  // DuckDB refuses (e.g. the name exists).
  bool register_table_function(TableFunction f);
  // A volatile scalar function of one BIGINT argument answering a BOOLEAN; NULL gives NULL.
  bool register_predicate(const std::string &name, std::function<bool(int64_t)> fn);
  // A volatile scalar function of one VARCHAR key answering a BIGINT per row: the values of a
  // counter. For each key in a chunk of rows it asks `allocate(key, n)` once for n consecutive
  // values and gets the first; the rows with that key take them in order. A NULL key gives NULL.
  using Allocator = std::function<int64_t(const std::string &, int64_t)>;
  bool register_counter(const std::string &name, Allocator allocate);
  // A scalar function of `arity` VARCHAR arguments answering VARCHAR; a NULL argument gives NULL.
  // One of no arguments is volatile (evaluated for every row).
  // An Error thrown by `fn` fails the statement with its message.
  using TextFunction = std::function<std::string(const std::vector<std::string_view> &)>;
  bool register_text_function(const std::string &name, size_t arity, TextFunction fn);
  // A function of any number of text arguments that sees NULLs (nullopt) and may return NULL;
  // `is_volatile`: one with a side effect, called for every row and never folded into a constant.
  using VariadicTextFunction =
      std::function<std::optional<std::string>(const std::vector<std::optional<std::string_view>> &)>;
  bool register_variadic_text_function(const std::string &name, VariadicTextFunction fn, bool is_volatile = false);
  // A function (an operator, when its name is one) whose arguments and result are text, JSON, text
  // arrays or a boolean. `fn` gets each argument's items — one for text and JSON, the elements of
  // an array (NULL elements as nullopt), "t" or "f" for a boolean — and answers the result's text
  // ("t" or "f" for a boolean), or nullopt for NULL. A NULL argument gives NULL; an Error thrown fails the statement.
  enum class TextKind { kText, kJson, kTextArray, kBool };
  using Items = std::vector<std::optional<std::string_view>>;
  using ItemsFunction = std::function<std::optional<std::string>(const std::vector<Items> &)>;
  bool register_items_function(const std::string &name, const std::vector<TextKind> &params, TextKind result,
                               ItemsFunction fn);
  // Whether the table exists: one catalog lookup (a failed query would instead look through every
  // catalog for similar names to suggest, which costs in proportion to the catalog).
  bool has_table(const std::string &catalog, const std::string &schema, const std::string &table);

 private:
  duckdb_connection c_ = nullptr;
};

class Prepared {
 public:
  Prepared() = default;
  // Throws the translated DuckDB error when the statement does not prepare.
  Prepared(Connection &conn, const std::string &sql);
  Prepared(const Prepared &) = delete;
  Prepared &operator=(const Prepared &) = delete;
  Prepared(Prepared &&o) noexcept : p_(std::exchange(o.p_, nullptr)), sql_(std::move(o.sql_)) {}
  Prepared &operator=(Prepared &&o) noexcept {
    if (this != &o) {
      reset();
      p_ = std::exchange(o.p_, nullptr);
      sql_ = std::move(o.sql_);
    }
    return *this;
  }
  ~Prepared() { reset(); }
  void reset() {
    if (p_) duckdb_destroy_prepare(&p_);
    p_ = nullptr;
  }
  duckdb_prepared_statement get() const { return p_; }
  explicit operator bool() const { return p_ != nullptr; }
  idx_t param_count() const { return duckdb_nparams(p_); }
  // DuckDB numbers parameters from 1.
  LogicalType param_type(idx_t i) const { return LogicalType(duckdb_param_logical_type(p_, i + 1)); }
  duckdb_statement_type statement_type() const { return duckdb_prepared_statement_type(p_); }
  idx_t column_count() const { return duckdb_prepared_statement_column_count(p_); }
  // The C API hands over a copy of the name, which the caller frees.
  std::string column_name(idx_t i) const {
    return take_string(const_cast<char *>(duckdb_prepared_statement_column_name(p_, i)));
  }
  LogicalType column_type(idx_t i) const {
    return LogicalType(duckdb_prepared_statement_column_logical_type(p_, i));
  }
  void bind_null(idx_t i);
  void bind_text(idx_t i, std::string_view text);
  // Binds without taking ownership: a portal keeps its values and binds them again at Execute.
  void bind(idx_t i, duckdb_value v);
  void clear_bindings() { duckdb_clear_bindings(p_); }
  // Starts execution; rows are pulled from the result chunk by chunk.
  Result execute_streaming();
  // Runs to completion; the rows are held in memory by DuckDB.
  Result execute();

 private:
  duckdb_prepared_statement p_ = nullptr;
  std::string sql_;
};

class Appender {
 public:
  Appender(Connection &conn, const std::string &schema, const std::string &table);
  ~Appender();
  Appender(const Appender &) = delete;
  Appender &operator=(const Appender &) = delete;
  duckdb_appender get() const { return a_; }
  void add_column(const std::string &name);
  idx_t column_count() const { return duckdb_appender_column_count(a_); }
  LogicalType column_type(idx_t i) const { return LogicalType(duckdb_appender_column_type(a_, i)); }
  // Each throws with the appender's error when DuckDB refuses the value or row.
  void append_text(std::string_view v) { check(duckdb_append_varchar_length(a_, v.data(), v.size())); }
  void append_null() { check(duckdb_append_null(a_)); }
  void append_value(duckdb_value v) { check(duckdb_append_value(a_, v)); }
  void end_row() { check(duckdb_appender_end_row(a_)); }
  void flush() { check(duckdb_appender_flush(a_)); }
  void close() { check(duckdb_appender_close(a_)); }

 private:
  void check(duckdb_state st);
  duckdb_appender a_ = nullptr;
};

}  // namespace mallard::duck
