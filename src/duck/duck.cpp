#include "duck/duck.hpp"

#include <algorithm>
#include <charconv>
#include <cstring>
#include <map>
#include <optional>

#include <nlohmann/json.hpp>

namespace mallard::duck {

namespace {

bool contains(std::string_view s, std::string_view needle) { return s.find(needle) != std::string_view::npos; }

// DuckDB prefixes messages with "<Kind> Error: " and may append a "LINE n: ..." excerpt with a caret
// under the offending character. PostgreSQL clients expect a bare message plus a position.
struct SplitMessage {
  std::string text;
  std::string hint;
  int position = 0;
};

// DuckDB's wording of the most common errors, in PostgreSQL's words (clients and people know them).
std::string postgres_wording(std::string m) {
  auto between = [&](std::string_view prefix, std::string_view suffix, std::string &out) {
    if (m.rfind(prefix, 0) != 0) return false;
    auto end = m.rfind(suffix);
    if (end == std::string::npos || end < prefix.size()) return false;
    out = m.substr(prefix.size(), end - prefix.size());
    return true;
  };
  std::string name;
  if (between("Table with name ", " does not exist!", name)) return "relation \"" + name + "\" does not exist";
  if (between("Referenced column \"", "\" not found in FROM clause!", name)) return "column \"" + name + "\" does not exist";
  if (between("Table with name \"", "\" already exists!", name) || between("Table with name ", " already exists!", name))
    return "relation \"" + name + "\" already exists";
  if (between("Schema with name ", " does not exist!", name)) return "schema \"" + name + "\" does not exist";
  if (!m.empty() && m.back() == '!') m.pop_back();
  return m;
}

SplitMessage split_message(std::string_view message, std::string_view statement) {
  SplitMessage out;
  std::string_view body = message;
  if (auto colon = body.find(" Error: "); colon != std::string_view::npos && colon < 40 &&
                                          body.substr(0, colon).find('\n') == std::string_view::npos) {
    body = body.substr(colon + 8);
  }
  auto line_at = body.find("\nLINE ");
  if (line_at == std::string_view::npos && body.starts_with("LINE ")) line_at = 0;
  if (line_at != std::string_view::npos) {
    std::string_view ctx = body.substr(line_at == 0 ? 0 : line_at + 1);
    body = body.substr(0, line_at);
    // ctx: "LINE <n>: <excerpt>\n<spaces>^"
    int line_no = 0;
    size_t i = 5;
    while (i < ctx.size() && ctx[i] >= '0' && ctx[i] <= '9') line_no = line_no * 10 + (ctx[i++] - '0');
    size_t prefix = i + 2;  // ": "
    auto nl = ctx.find('\n');
    if (nl != std::string_view::npos) {
      std::string_view excerpt = ctx.substr(prefix, nl - prefix);
      std::string_view caret_line = ctx.substr(nl + 1);
      auto caret = caret_line.find('^');
      if (caret != std::string_view::npos && caret >= prefix && line_no >= 1) {
        size_t col = caret - prefix;  // 0-based column inside the excerpt
        // The excerpt may be a window of a long line ("..." prefix); find it in the statement.
        size_t line_start = 0;
        for (int l = 1; l < line_no && line_start < statement.size(); ++l) {
          auto next = statement.find('\n', line_start);
          if (next == std::string_view::npos) break;
          line_start = next + 1;
        }
        size_t excerpt_off = 0;
        if (excerpt.starts_with("...")) {
          auto core = excerpt.substr(3, std::min<size_t>(excerpt.size() - 3, 16));
          auto found = statement.find(core, line_start);
          if (found != std::string_view::npos && col >= 3) {
            excerpt_off = found - line_start;
            col -= 3;
          }
        }
        size_t byte_off = line_start + excerpt_off + col;
        if (byte_off <= statement.size()) {
          // PostgreSQL positions count characters, not bytes.
          int chars = 0;
          for (size_t b = 0; b < byte_off; ++b)
            if ((static_cast<unsigned char>(statement[b]) & 0xC0) != 0x80) ++chars;
          out.position = chars + 1;
        } else if (statement.empty()) {
          out.position = static_cast<int>(col) + 1;
        }
      }
    }
  }
  while (!body.empty() && (body.back() == '\n' || body.back() == ' ')) body.remove_suffix(1);
  // Suggestions ("Did you mean ...", "Candidate bindings ...") follow the first line: a hint.
  auto nl = body.find('\n');
  if (nl != std::string_view::npos) {
    std::string_view rest = body.substr(nl + 1);
    while (!rest.empty() && (rest.front() == '\n' || rest.front() == ' ')) rest.remove_prefix(1);
    out.hint = std::string(rest);
    body = body.substr(0, nl);
  }
  out.text = postgres_wording(std::string(body));
  return out;
}

const char *sqlstate_for(duckdb_error_type type, std::string_view msg) {
  using namespace sqlstate;
  switch (type) {
    case DUCKDB_ERROR_PARSER:
    case DUCKDB_ERROR_SYNTAX:
      return kSyntaxError;
    case DUCKDB_ERROR_CATALOG:
      if (contains(msg, "already exists")) {
        if (contains(msg, "Schema")) return kDuplicateSchema;
        if (contains(msg, "Table") || contains(msg, "View")) return kDuplicateTable;
        return kDuplicateObject;
      }
      if (contains(msg, "Table with name") || contains(msg, "View with name") ||
          (contains(msg, "Table") && contains(msg, "could not be found")))
        return kUndefinedTable;
      if (contains(msg, "Function with name") || contains(msg, "Macro")) return kUndefinedFunction;
      if (contains(msg, "Schema with name")) return "3F000";
      if (contains(msg, "Catalog") || contains(msg, "database")) return kInvalidCatalogName;
      return kUndefinedObject;
    case DUCKDB_ERROR_BINDER:
      if (contains(msg, "Referenced column") || contains(msg, "not found in FROM clause") ||
          contains(msg, "does not have a column") || contains(msg, "Referenced update column") ||
          contains(msg, "not found in table"))
        return kUndefinedColumn;
      if (contains(msg, "Referenced table")) return kUndefinedTable;
      if (contains(msg, "Ambiguous reference")) return kAmbiguousColumn;
      if (contains(msg, "Prepared statement") && contains(msg, "does not exist")) return kInvalidSqlStatementName;
      if (contains(msg, "No function matches") || contains(msg, "does not exist")) return kUndefinedFunction;
      if (contains(msg, "GROUP BY")) return "42803";
      if (contains(msg, "Could not determine") || contains(msg, "parameter")) return kIndeterminateDatatype;
      return "42000";
    case DUCKDB_ERROR_CONVERSION:
      if ((contains(msg, "date") || contains(msg, "time")) && contains(msg, "out of range")) return "22008";
      if (contains(msg, "out of range") || contains(msg, "overflow")) return kNumericValueOutOfRange;
      return kInvalidTextRepresentation;
    case DUCKDB_ERROR_OUT_OF_RANGE:
    case DUCKDB_ERROR_DECIMAL:
      return kNumericValueOutOfRange;
    case DUCKDB_ERROR_DIVIDE_BY_ZERO:
      return kDivisionByZero;
    case DUCKDB_ERROR_CONSTRAINT:
      if (contains(msg, "NOT NULL")) return kNotNullViolation;
      if (contains(msg, "CHECK")) return kCheckViolation;
      if (contains(msg, "foreign key") || contains(msg, "FOREIGN KEY")) return kForeignKeyViolation;
      if (contains(msg, "Duplicate key") || contains(msg, "UNIQUE") || contains(msg, "PRIMARY KEY"))
        return kUniqueViolation;
      return kIntegrityConstraintViolation;
    case DUCKDB_ERROR_TRANSACTION:
      if (contains(msg, "onflict")) return kSerializationFailure;
      if (contains(msg, "within a transaction")) return kActiveTransaction;
      if (contains(msg, "no transaction is active")) return kNoActiveTransaction;
      if (contains(msg, "aborted")) return kInFailedTransaction;
      return kInvalidTransactionState;
    case DUCKDB_ERROR_INTERRUPT:
      return kQueryCanceled;
    case DUCKDB_ERROR_NOT_IMPLEMENTED:
      return kFeatureNotSupported;
    case DUCKDB_ERROR_INVALID_INPUT:
      if (msg.ends_with("division by zero")) return kDivisionByZero;  // pg_compat divisor()
      if (contains(msg, "invalid input syntax for type ")) return kInvalidTextRepresentation;  // pg_compat cast_int*
      if (contains(msg, "unrecognized configuration parameter")) return kUndefinedObject;  // current_setting()
      if (contains(msg, "null values cannot be formatted as an SQL identifier")) return kNullValueNotAllowed;  // format()
      if (msg.ends_with("count must be greater than zero") || msg.ends_with("lower bound cannot equal upper bound"))
        return "2201G";  // width_bucket()
      if (contains(msg, "according to format specifier")) return "22007";  // to_date(), to_timestamp()
      if (contains(msg, "invalid escape string")) return "22025";                 // SIMILAR TO ... ESCAPE
      if (contains(msg, "path element at position ")) {                             // jsonb_set()
        if (msg.ends_with(" is null")) return kNullValueNotAllowed;
        return kInvalidTextRepresentation;
      }
      if (contains(msg, "invalid input syntax for type json")) return kInvalidTextRepresentation;
      if (contains(msg, "invalid regular expression: ")) return "2201B";
      if (contains(msg, " is out of bounds for sequence ")) return kNumericValueOutOfRange;  // setval()
      if (contains(msg, "feature not supported: ")) return kFeatureNotSupported;  // pg_compat macros
      if (msg.ends_with("\" does not exist")) {  // reg* input lookups (pg_compat regclass_in, ...)
        if (contains(msg, "relation \"")) return kUndefinedTable;
        if (contains(msg, "type \"")) return kUndefinedObject;
        if (contains(msg, "schema \"")) return kInvalidSchemaName;
      }
      return kInvalidParameterValue;
    case DUCKDB_ERROR_OUT_OF_MEMORY:
      return kOutOfMemory;
    case DUCKDB_ERROR_IO:
      return kIoError;
    case DUCKDB_ERROR_PERMISSION:
      return kInsufficientPrivilege;
    case DUCKDB_ERROR_PARAMETER_NOT_RESOLVED:
      return kIndeterminateDatatype;
    case DUCKDB_ERROR_PARAMETER_NOT_ALLOWED:
      return kFeatureNotSupported;
    case DUCKDB_ERROR_MISMATCH_TYPE:
    case DUCKDB_ERROR_INVALID_TYPE:
      return kDatatypeMismatch;
    case DUCKDB_ERROR_DEPENDENCY:
      return "2BP01";
    case DUCKDB_ERROR_SEQUENCE:
      return "2200H";
    case DUCKDB_ERROR_SETTINGS:
    case DUCKDB_INVALID_CONFIGURATION:
      return kUndefinedObject;
    case DUCKDB_ERROR_CONNECTION:
      return kConnectionException;
    case DUCKDB_ERROR_OBJECT_SIZE:
      return kProgramLimitExceeded;
    case DUCKDB_ERROR_MISSING_EXTENSION:
    case DUCKDB_ERROR_AUTOLOAD:
      return kFeatureNotSupported;
    case DUCKDB_ERROR_EXPRESSION:
      return "42000";
    default:
      return kInternalError;
  }
}

}  // namespace

// DuckDB names its error kinds in messages ("Binder Error: ..."); prepared statements report
// only the message, so the kind is recovered from that name.
duckdb_error_type error_type_from_name(std::string_view name) {
  static const std::pair<const char *, duckdb_error_type> kNames[] = {
      {"Parser", DUCKDB_ERROR_PARSER},
      {"Catalog", DUCKDB_ERROR_CATALOG},
      {"Binder", DUCKDB_ERROR_BINDER},
      {"Conversion", DUCKDB_ERROR_CONVERSION},
      {"Not implemented", DUCKDB_ERROR_NOT_IMPLEMENTED},
      {"Invalid Input", DUCKDB_ERROR_INVALID_INPUT},
      {"Constraint", DUCKDB_ERROR_CONSTRAINT},
      {"Out of Range", DUCKDB_ERROR_OUT_OF_RANGE},
      {"Transaction", DUCKDB_ERROR_TRANSACTION},
      {"TransactionContext", DUCKDB_ERROR_TRANSACTION},
      {"INTERRUPT", DUCKDB_ERROR_INTERRUPT},
      {"Interrupt", DUCKDB_ERROR_INTERRUPT},
      {"Permission", DUCKDB_ERROR_PERMISSION},
      {"IO", DUCKDB_ERROR_IO},
      {"Dependency", DUCKDB_ERROR_DEPENDENCY},
      {"Type", DUCKDB_ERROR_MISMATCH_TYPE},
      {"Mismatch Type", DUCKDB_ERROR_MISMATCH_TYPE},
      {"Syntax", DUCKDB_ERROR_SYNTAX},
      {"Sequence", DUCKDB_ERROR_SEQUENCE},
      {"Out of Memory", DUCKDB_ERROR_OUT_OF_MEMORY},
      {"Missing Extension", DUCKDB_ERROR_MISSING_EXTENSION},
      {"Invalid Configuration", DUCKDB_INVALID_CONFIGURATION},
      {"Settings", DUCKDB_ERROR_SETTINGS},
      {"Divide by Zero", DUCKDB_ERROR_DIVIDE_BY_ZERO},
      {"Decimal", DUCKDB_ERROR_DECIMAL},
      {"Serialization", DUCKDB_ERROR_SERIALIZATION},
      {"Invalid type", DUCKDB_ERROR_INVALID_TYPE},
      {"Executor", DUCKDB_ERROR_EXECUTOR},
      {"INTERNAL", DUCKDB_ERROR_INTERNAL},
      {"FATAL", DUCKDB_ERROR_FATAL},
  };
  for (auto &[n, t] : kNames)
    if (name == n) return t;
  return DUCKDB_ERROR_INVALID;
}

namespace {

int chars_before(std::string_view statement, size_t bytes) {
  int chars = 0;
  for (size_t b = 0; b < bytes && b < statement.size(); ++b)
    if ((static_cast<unsigned char>(statement[b]) & 0xC0) != 0x80) ++chars;
  return chars;
}

// Errors come as JSON (errors_as_json): kind, message, subtype, byte position, object names.
std::optional<Error> translate_json(duckdb_error_type type, std::string_view message, std::string_view statement) {
  auto brace = message.find('{');
  if (brace == std::string_view::npos || brace > 40) return std::nullopt;
  auto j = nlohmann::json::parse(message.substr(brace), nullptr, false);
  if (!j.is_object() || !j.contains("exception_message")) return std::nullopt;
  auto field = [&](const char *k) { return j.contains(k) && j[k].is_string() ? j[k].get<std::string>() : std::string(); };
  std::string kind = field("exception_type");
  std::string text = field("exception_message");
  std::string subtype = field("error_subtype");
  std::string name = field("name");
  std::string object = field("type");
  if (type == DUCKDB_ERROR_INVALID) type = error_type_from_name(kind);
  std::string hint;
  if (auto nl = text.find('\n'); nl != std::string::npos) {
    hint = text.substr(nl + 1);
    while (!hint.empty() && (hint.front() == '\n' || hint.front() == ' ')) hint.erase(0, 1);
    text.resize(nl);
  }
  const char *state = sqlstate_for(type, text);
  if (subtype == "SYNTAX_ERROR") {
    state = sqlstate::kSyntaxError;
  } else if (subtype == "COLUMN_NOT_FOUND") {
    state = sqlstate::kUndefinedColumn;
    if (!name.empty()) text = "column \"" + name + "\" does not exist";
  } else if (subtype == "MISSING_ENTRY") {
    if (object == "Table" || object == "View") {
      state = sqlstate::kUndefinedTable;
      if (!name.empty()) text = "relation \"" + name + "\" does not exist";
    } else if (object == "Schema") {
      state = "3F000";
      if (!name.empty()) text = "schema \"" + name + "\" does not exist";
    } else if (object.find("Function") != std::string::npos || object.find("Macro") != std::string::npos) {
      state = sqlstate::kUndefinedFunction;
    } else if (object == "Type") {
      state = sqlstate::kUndefinedObject;
      if (!name.empty()) text = "type \"" + name + "\" does not exist";
    }
  } else {
    text = postgres_wording(text);
  }
  int position = 0;
  if (std::string pos = field("position"); !pos.empty() && !statement.empty()) {
    size_t bytes = 0;
    auto [p, ec] = std::from_chars(pos.data(), pos.data() + pos.size(), bytes);
    if (ec == std::errc() && bytes <= statement.size()) position = chars_before(statement, bytes) + 1;
  }
  return Error(state, text, position, "", hint);
}

}  // namespace

Error translate_error(duckdb_error_type type, std::string_view message, std::string_view statement) {
  if (auto e = translate_json(type, message, statement)) return *e;
  if (type == DUCKDB_ERROR_INVALID) {
    auto colon = message.find(" Error: ");
    if (colon != std::string_view::npos && colon < 40) type = error_type_from_name(message.substr(0, colon));
  }
  auto split = split_message(message, statement);
  int position = split.position;
  if (position == 0 && !statement.empty() && contains(split.text, "at end of input"))
    position = chars_before(statement, statement.size()) + 1;  // PostgreSQL points one past the end
  return Error(sqlstate_for(type, message), split.text, position, "", split.hint);
}

bool Connection::register_type_alias(duckdb_type base, const std::string &alias) {
  duckdb_logical_type t = duckdb_create_logical_type(base);
  duckdb_logical_type_set_alias(t, alias.c_str());
  bool ok = duckdb_register_logical_type(c_, t, nullptr) == DuckDBSuccess;
  duckdb_destroy_logical_type(&t);
  return ok;
}

namespace {

bool row_valid(const uint64_t *validity, idx_t row) { return !validity || (validity[row / 64] >> (row % 64) & 1); }

void set_null(duckdb_vector v, idx_t row) {
  duckdb_vector_ensure_validity_writable(v);
  duckdb_validity_set_row_invalid(duckdb_vector_get_validity(v), row);
}

struct Scan {
  std::vector<std::vector<Cell>> rows;
  size_t next = 0;
};

void table_bind(duckdb_bind_info info) {
  const auto &f = *static_cast<const TableFunction *>(duckdb_bind_get_extra_info(info));
  for (const auto &[name, type] : f.columns) {
    duckdb_logical_type t = duckdb_create_logical_type(type);
    duckdb_bind_add_result_column(info, name.c_str(), t);
    duckdb_destroy_logical_type(&t);
  }
}

void table_init(duckdb_init_info info) {
  const auto &f = *static_cast<const TableFunction *>(duckdb_init_get_extra_info(info));
  auto *scan = new Scan{f.rows()};
  duckdb_init_set_init_data(info, scan, [](void *p) { delete static_cast<Scan *>(p); });
}

void table_scan(duckdb_function_info info, duckdb_data_chunk out) {
  const auto &f = *static_cast<const TableFunction *>(duckdb_function_get_extra_info(info));
  auto &scan = *static_cast<Scan *>(duckdb_function_get_init_data(info));
  idx_t n = std::min<idx_t>(duckdb_vector_size(), scan.rows.size() - scan.next);
  for (size_t c = 0; c < f.columns.size(); ++c) {
    duckdb_vector v = duckdb_data_chunk_get_vector(out, c);
    duckdb_type type = f.columns[c].second;
    for (idx_t r = 0; r < n; ++r) {
      const Cell &cell = scan.rows[scan.next + r][c];
      if (std::holds_alternative<std::monostate>(cell)) {
        set_null(v, r);
      } else if (type == DUCKDB_TYPE_VARCHAR) {
        const auto &text = std::get<std::string>(cell);
        duckdb_vector_assign_string_element_len(v, r, text.data(), text.size());
      } else if (type == DUCKDB_TYPE_BOOLEAN) {
        static_cast<bool *>(duckdb_vector_get_data(v))[r] = std::get<int64_t>(cell) != 0;
      } else {
        static_cast<int64_t *>(duckdb_vector_get_data(v))[r] = std::get<int64_t>(cell);
      }
    }
  }
  scan.next += n;
  duckdb_data_chunk_set_size(out, n);
}

void predicate_call(duckdb_function_info info, duckdb_data_chunk in, duckdb_vector out) {
  const auto &fn = *static_cast<const std::function<bool(int64_t)> *>(duckdb_scalar_function_get_extra_info(info));
  duckdb_vector arg = duckdb_data_chunk_get_vector(in, 0);
  const auto *values = static_cast<const int64_t *>(duckdb_vector_get_data(arg));
  const uint64_t *valid = duckdb_vector_get_validity(arg);
  auto *result = static_cast<bool *>(duckdb_vector_get_data(out));
  idx_t n = duckdb_data_chunk_get_size(in);
  for (idx_t r = 0; r < n; ++r) {
    if (!row_valid(valid, r)) {
      set_null(out, r);
      continue;
    }
    result[r] = fn(values[r]);
  }
}

// Each row's text arguments (nullopt for NULL) go to the function; its nullopt is NULL, and an
// exception fails the statement with its message.
void text_call(duckdb_function_info info, duckdb_data_chunk in, duckdb_vector out) {
  const auto &fn = *static_cast<const Connection::VariadicTextFunction *>(duckdb_scalar_function_get_extra_info(info));
  idx_t columns = duckdb_data_chunk_get_column_count(in), n = duckdb_data_chunk_get_size(in);
  std::vector<duckdb_vector> args(columns);
  std::vector<const uint64_t *> valid(columns);
  for (idx_t c = 0; c < columns; ++c) {
    args[c] = duckdb_data_chunk_get_vector(in, c);
    valid[c] = duckdb_vector_get_validity(args[c]);
  }
  std::vector<std::optional<std::string_view>> values(columns);
  for (idx_t r = 0; r < n; ++r) {
    for (idx_t c = 0; c < columns; ++c) {
      values[c].reset();
      if (row_valid(valid[c], r)) values[c] = string_of(static_cast<const duckdb_string_t *>(duckdb_vector_get_data(args[c]))[r]);
    }
    try {
      std::optional<std::string> result = fn(values);
      if (result)
        duckdb_vector_assign_string_element_len(out, r, result->data(), result->size());
      else
        set_null(out, r);
    } catch (const std::exception &e) {
      duckdb_scalar_function_set_error(info, e.what());
      return;
    }
  }
}

// A scalar function of `arity` VARCHAR arguments, or of any number with `variadic`.
bool register_text_scalar(duckdb_connection conn, const std::string &name, size_t arity, bool variadic,
                          Connection::VariadicTextFunction fn, bool is_volatile = false) {
  duckdb_scalar_function sf = duckdb_create_scalar_function();
  duckdb_scalar_function_set_name(sf, name.c_str());
  duckdb_logical_type text = duckdb_create_logical_type(DUCKDB_TYPE_VARCHAR);
  for (size_t i = 0; i < arity; ++i) duckdb_scalar_function_add_parameter(sf, text);
  if ((arity == 0 && !variadic) || is_volatile) duckdb_scalar_function_set_volatile(sf);  // a clock, not a constant
  if (variadic) {
    duckdb_scalar_function_set_varargs(sf, text);
    duckdb_scalar_function_set_special_handling(sf);  // NULL arguments reach the function
  }
  duckdb_scalar_function_set_return_type(sf, text);
  duckdb_destroy_logical_type(&text);
  duckdb_scalar_function_set_extra_info(sf, new Connection::VariadicTextFunction(std::move(fn)),
                                        [](void *p) { delete static_cast<Connection::VariadicTextFunction *>(p); });
  duckdb_scalar_function_set_function(sf, text_call);
  bool ok = duckdb_register_scalar_function(conn, sf) == DuckDBSuccess;
  duckdb_destroy_scalar_function(&sf);
  return ok;
}

duckdb_logical_type create_kind_type(Connection::TextKind kind) {
  if (kind == Connection::TextKind::kBool) return duckdb_create_logical_type(DUCKDB_TYPE_BOOLEAN);
  duckdb_logical_type text = duckdb_create_logical_type(DUCKDB_TYPE_VARCHAR);
  if (kind == Connection::TextKind::kJson) duckdb_logical_type_set_alias(text, "JSON");
  if (kind != Connection::TextKind::kTextArray) return text;
  duckdb_logical_type list = duckdb_create_list_type(text);
  duckdb_destroy_logical_type(&text);
  return list;
}

struct ItemsCall {
  std::vector<Connection::TextKind> params;
  Connection::TextKind result;
  Connection::ItemsFunction fn;
};

void items_call(duckdb_function_info info, duckdb_data_chunk in, duckdb_vector out) {
  const auto &call = *static_cast<const ItemsCall *>(duckdb_scalar_function_get_extra_info(info));
  const idx_t n = duckdb_data_chunk_get_size(in);
  const size_t columns = call.params.size();
  std::vector<duckdb_vector> args(columns);
  std::vector<const uint64_t *> valid(columns);
  std::vector<const duckdb_string_t *> texts(columns);  // the strings, or an array's elements
  std::vector<const uint64_t *> element_valid(columns);
  std::vector<const duckdb_list_entry *> entries(columns);
  std::vector<const bool *> truths(columns);
  for (size_t c = 0; c < columns; ++c) {
    args[c] = duckdb_data_chunk_get_vector(in, c);
    valid[c] = duckdb_vector_get_validity(args[c]);
    if (call.params[c] == Connection::TextKind::kBool) {
      truths[c] = static_cast<const bool *>(duckdb_vector_get_data(args[c]));
      continue;
    }
    duckdb_vector strings = args[c];
    if (call.params[c] == Connection::TextKind::kTextArray) {
      entries[c] = static_cast<const duckdb_list_entry *>(duckdb_vector_get_data(args[c]));
      strings = duckdb_list_vector_get_child(args[c]);
      element_valid[c] = duckdb_vector_get_validity(strings);
    }
    texts[c] = static_cast<const duckdb_string_t *>(duckdb_vector_get_data(strings));
  }
  bool *bools = call.result == Connection::TextKind::kBool ? static_cast<bool *>(duckdb_vector_get_data(out)) : nullptr;
  std::vector<Connection::Items> values(columns);
  for (idx_t r = 0; r < n; ++r) {
    bool null = false;
    for (size_t c = 0; c < columns && !null; ++c) {
      values[c].clear();
      if (!row_valid(valid[c], r)) {
        null = true;
      } else if (truths[c]) {
        values[c].push_back(truths[c][r] ? "t" : "f");
      } else if (entries[c]) {
        for (uint64_t e = entries[c][r].offset; e < entries[c][r].offset + entries[c][r].length; ++e)
          values[c].push_back(row_valid(element_valid[c], e) ? std::optional(string_of(texts[c][e])) : std::nullopt);
      } else {
        values[c].push_back(string_of(texts[c][r]));
      }
    }
    if (null) {
      set_null(out, r);
      continue;
    }
    try {
      std::optional<std::string> result = call.fn(values);
      if (!result)
        set_null(out, r);
      else if (bools)
        bools[r] = *result == "t";
      else
        duckdb_vector_assign_string_element_len(out, r, result->data(), result->size());
    } catch (const std::exception &e) {
      duckdb_scalar_function_set_error(info, e.what());
      return;
    }
  }
}

}  // namespace

bool Connection::register_items_function(const std::string &name, const std::vector<TextKind> &params, TextKind result,
                                         ItemsFunction fn) {
  duckdb_scalar_function sf = duckdb_create_scalar_function();
  duckdb_scalar_function_set_name(sf, name.c_str());
  for (TextKind kind : params) {
    duckdb_logical_type t = create_kind_type(kind);
    duckdb_scalar_function_add_parameter(sf, t);
    duckdb_destroy_logical_type(&t);
  }
  duckdb_logical_type r = create_kind_type(result);
  duckdb_scalar_function_set_return_type(sf, r);
  duckdb_destroy_logical_type(&r);
  duckdb_scalar_function_set_extra_info(sf, new ItemsCall{params, result, std::move(fn)},
                                        [](void *p) { delete static_cast<ItemsCall *>(p); });
  duckdb_scalar_function_set_function(sf, items_call);
  bool ok = duckdb_register_scalar_function(c_, sf) == DuckDBSuccess;
  duckdb_destroy_scalar_function(&sf);
  return ok;
}

bool Connection::register_variadic_text_function(const std::string &name, VariadicTextFunction fn, bool is_volatile) {
  return register_text_scalar(c_, name, 0, true, std::move(fn), is_volatile);
}

bool Connection::register_text_function(const std::string &name, size_t arity, TextFunction fn) {
  return register_text_scalar(c_, name, arity, false,
                              [fn = std::move(fn)](const std::vector<std::optional<std::string_view>> &args)
                                  -> std::optional<std::string> {
                                std::vector<std::string_view> values;
                                for (const auto &a : args) {
                                  if (!a) return std::nullopt;
                                  values.push_back(*a);
                                }
                                return fn(values);
                              });
}

bool Connection::register_table_function(TableFunction f) {
  duckdb_table_function tf = duckdb_create_table_function();
  duckdb_table_function_set_name(tf, f.name.c_str());
  duckdb_table_function_set_extra_info(tf, new TableFunction(std::move(f)),
                                       [](void *p) { delete static_cast<TableFunction *>(p); });
  duckdb_table_function_set_bind(tf, table_bind);
  duckdb_table_function_set_init(tf, table_init);
  duckdb_table_function_set_function(tf, table_scan);
  bool ok = duckdb_register_table_function(c_, tf) == DuckDBSuccess;
  duckdb_destroy_table_function(&tf);
  return ok;
}

namespace {
// A volatile scalar function of one `arg` argument answering `ret`, computed by `fn` with `extra`.
bool register_volatile_scalar(duckdb_connection c, const std::string &name, duckdb_type arg, duckdb_type ret,
                              void *extra, duckdb_delete_callback_t destroy, duckdb_scalar_function_t fn) {
  duckdb_scalar_function sf = duckdb_create_scalar_function();
  duckdb_scalar_function_set_name(sf, name.c_str());
  duckdb_logical_type a = duckdb_create_logical_type(arg);
  duckdb_logical_type r = duckdb_create_logical_type(ret);
  duckdb_scalar_function_add_parameter(sf, a);
  duckdb_scalar_function_set_return_type(sf, r);
  duckdb_destroy_logical_type(&a);
  duckdb_destroy_logical_type(&r);
  duckdb_scalar_function_set_volatile(sf);
  duckdb_scalar_function_set_extra_info(sf, extra, destroy);
  duckdb_scalar_function_set_function(sf, fn);
  bool ok = duckdb_register_scalar_function(c, sf) == DuckDBSuccess;
  duckdb_destroy_scalar_function(&sf);
  return ok;
}
}  // namespace

bool Connection::register_predicate(const std::string &name, std::function<bool(int64_t)> fn) {
  return register_volatile_scalar(c_, name, DUCKDB_TYPE_BIGINT, DUCKDB_TYPE_BOOLEAN,
                                  new std::function<bool(int64_t)>(std::move(fn)),
                                  [](void *p) { delete static_cast<std::function<bool(int64_t)> *>(p); }, predicate_call);
}

namespace {
void counter_call(duckdb_function_info info, duckdb_data_chunk in, duckdb_vector out) {
  const auto &allocate = *static_cast<const Connection::Allocator *>(duckdb_scalar_function_get_extra_info(info));
  duckdb_vector arg = duckdb_data_chunk_get_vector(in, 0);
  const auto *keys = static_cast<const duckdb_string_t *>(duckdb_vector_get_data(arg));
  const uint64_t *valid = duckdb_vector_get_validity(arg);
  auto *result = static_cast<int64_t *>(duckdb_vector_get_data(out));
  idx_t n = duckdb_data_chunk_get_size(in);
  // Rows per key first (almost always one key), then one allocation per key.
  std::map<std::string, int64_t, std::less<>> next;
  for (idx_t r = 0; r < n; ++r)
    if (row_valid(valid, r)) ++next[std::string(string_of(keys[r]))];
  try {
    for (auto &[key, count] : next) count = allocate(key, count);
  } catch (const std::exception &e) {
    duckdb_scalar_function_set_error(info, e.what());
    return;
  }
  for (idx_t r = 0; r < n; ++r) {
    if (!row_valid(valid, r)) {
      set_null(out, r);
      continue;
    }
    result[r] = next.find(string_of(keys[r]))->second++;
  }
}
}  // namespace

bool Connection::register_counter(const std::string &name, Allocator allocate) {
  return register_volatile_scalar(c_, name, DUCKDB_TYPE_VARCHAR, DUCKDB_TYPE_BIGINT, new Allocator(std::move(allocate)),
                                  [](void *p) { delete static_cast<Allocator *>(p); }, counter_call);
}

bool Connection::has_table(const std::string &catalog, const std::string &schema, const std::string &table) {
  duckdb_table_description d = nullptr;
  bool found =
      duckdb_table_description_create_ext(c_, catalog.c_str(), schema.c_str(), table.c_str(), &d) == DuckDBSuccess;
  duckdb_table_description_destroy(&d);
  return found;
}

std::string take_string(char *s) {
  if (!s) return {};
  std::string out(s);
  duckdb_free(s);
  return out;
}

Database::Database(const std::string &path, int threads) {
  duckdb_config config = nullptr;
  duckdb_create_config(&config);
  // Extensions are never installed or loaded: everything Mallard needs is built into the library.
  duckdb_set_config(config, "autoinstall_known_extensions", "false");
  duckdb_set_config(config, "autoload_known_extensions", "false");
  // Structured errors: kind, subtype, position and object names without parsing prose.
  duckdb_set_config(config, "errors_as_json", "true");
  if (threads > 0) duckdb_set_config(config, "threads", std::to_string(threads).c_str());
  char *err = nullptr;
  const char *p = path.empty() ? nullptr : path.c_str();
  auto st = duckdb_open_ext(p, &db_, config, &err);
  duckdb_destroy_config(&config);
  if (st != DuckDBSuccess) {
    std::string msg = err ? err : "unknown error";
    if (err) duckdb_free(err);
    throw Error(sqlstate::kIoError, "could not open DuckDB database \"" + path + "\": " + msg);
  }
}

Database::~Database() {
  if (db_) duckdb_close(&db_);
}

Connection::Connection(Database &db) {
  if (duckdb_connect(db.get(), &c_) != DuckDBSuccess)
    throw Error(sqlstate::kConnectionFailure, "could not connect to DuckDB database");
}

Connection::~Connection() {
  if (c_) duckdb_disconnect(&c_);
}

Result Connection::query(const std::string &sql) {
  Result r;
  if (duckdb_query(c_, sql.c_str(), r.out()) != DuckDBSuccess) {
    throw translate_error(duckdb_result_error_type(r.get()), duckdb_result_error(r.get()), sql);
  }
  return r;
}

std::string Connection::query_scalar(const std::string &sql) {
  Result r = query(sql);
  DataChunk chunk = r.fetch();
  if (!chunk || duckdb_data_chunk_get_size(chunk.get()) == 0 || r.column_count() == 0) return {};
  duckdb_vector v = duckdb_data_chunk_get_vector(chunk.get(), 0);
  uint64_t *validity = duckdb_vector_get_validity(v);
  if (validity && !(validity[0] & 1)) return {};
  LogicalType t(duckdb_vector_get_column_type(v));
  if (duckdb_get_type_id(t.get()) != DUCKDB_TYPE_VARCHAR)
    throw Error(sqlstate::kInternalError, "query_scalar expects a VARCHAR column");
  auto *s = static_cast<duckdb_string_t *>(duckdb_vector_get_data(v));
  uint32_t len = s->value.inlined.length;
  const char *data = len <= 12 ? s->value.inlined.inlined : s->value.pointer.ptr;
  return std::string(data, len);
}

void append_text_rows(duckdb_data_chunk chunk, TextRows &out) {
  idx_t n = duckdb_data_chunk_get_size(chunk);
  idx_t cols = duckdb_data_chunk_get_column_count(chunk);
  size_t base = out.size();
  out.resize(base + n, TextRow(cols));
  for (idx_t c = 0; c < cols; ++c) {
    duckdb_vector v = duckdb_data_chunk_get_vector(chunk, c);
    uint64_t *validity = duckdb_vector_get_validity(v);
    LogicalType t(duckdb_vector_get_column_type(v));
    auto id = duckdb_get_type_id(t.get());
    void *data = duckdb_vector_get_data(v);
    for (idx_t r = 0; r < n; ++r) {
      if (validity && !(validity[r / 64] >> (r % 64) & 1)) continue;
      auto &cell = out[base + r][c];
      switch (id) {
        case DUCKDB_TYPE_VARCHAR: {
          auto &s = static_cast<duckdb_string_t *>(data)[r];
          uint32_t len = s.value.inlined.length;
          cell.emplace(len <= 12 ? s.value.inlined.inlined : s.value.pointer.ptr, len);
          break;
        }
        case DUCKDB_TYPE_BIGINT: cell = std::to_string(static_cast<int64_t *>(data)[r]); break;
        case DUCKDB_TYPE_UBIGINT: cell = std::to_string(static_cast<uint64_t *>(data)[r]); break;
        case DUCKDB_TYPE_INTEGER: cell = std::to_string(static_cast<int32_t *>(data)[r]); break;
        case DUCKDB_TYPE_BOOLEAN: cell = static_cast<bool *>(data)[r] ? "true" : "false"; break;
        default:
          throw Error(sqlstate::kInternalError, "query_text: unsupported column type " + std::to_string(id));
      }
    }
  }
}

TextRows Connection::query_text(const std::string &sql, const std::vector<std::optional<std::string>> &params) {
  TextRows rows;
  Result r;
  if (params.empty()) {
    r = query(sql);
  } else {
    Prepared p(*this, sql);
    for (size_t i = 0; i < params.size(); ++i) {
      if (params[i]) p.bind_text(i, *params[i]);
      else p.bind_null(i);
    }
    r = p.execute_streaming();
  }
  while (DataChunk chunk = r.fetch()) append_text_rows(chunk.get(), rows);
  return rows;
}

DataChunk Result::fetch() {
  DataChunk chunk(duckdb_fetch_chunk(r_));
  if (!chunk) {
    const char *err = duckdb_result_error(&r_);
    if (err && *err) throw_error();
  }
  return chunk;
}

void Result::throw_error() {
  const char *err = duckdb_result_error(&r_);
  throw translate_error(duckdb_result_error_type(&r_), err ? err : "unknown error", statement_);
}

Prepared::Prepared(Connection &conn, const std::string &sql) : sql_(sql) {
  if (duckdb_prepare(conn.get(), sql.c_str(), &p_) != DuckDBSuccess) {
    const char *err = duckdb_prepare_error(p_);
    std::string msg = err ? err : "could not prepare statement";
    duckdb_error_type type = DUCKDB_ERROR_INVALID;  // recovered from the message
    reset();
    throw translate_error(type, msg, sql);
  }
}

void Prepared::bind_null(idx_t i) { duckdb_bind_null(p_, i + 1); }

void Prepared::bind_text(idx_t i, std::string_view text) {
  if (duckdb_bind_varchar_length(p_, i + 1, text.data(), text.size()) != DuckDBSuccess)
    throw Error(sqlstate::kInvalidTextRepresentation, "could not bind parameter $" + std::to_string(i + 1));
}

void Prepared::bind(idx_t i, duckdb_value v) {
  // DuckDB refuses a value it cannot cast to the parameter's type: for text input that is
  // PostgreSQL's invalid_text_representation.
  if (duckdb_bind_value(p_, i + 1, v) != DuckDBSuccess)
    throw Error(sqlstate::kInvalidTextRepresentation,
                "invalid input value for parameter $" + std::to_string(i + 1) + ": \"" +
                    take_string(duckdb_get_varchar(v)) + "\"");
}

Result Prepared::execute_streaming() {
  Result r;
  r.set_statement(sql_);
  if (duckdb_execute_prepared_streaming(p_, r.out()) != DuckDBSuccess) r.throw_error();
  return r;
}

Result Prepared::execute() {
  Result r;
  r.set_statement(sql_);
  if (duckdb_execute_prepared(p_, r.out()) != DuckDBSuccess) r.throw_error();
  return r;
}

Appender::Appender(Connection &conn, const std::string &schema, const std::string &table) {
  if (duckdb_appender_create_ext(conn.get(), nullptr, schema.empty() ? nullptr : schema.c_str(), table.c_str(),
                                 &a_) != DuckDBSuccess) {
    std::string msg = a_ ? duckdb_appender_error(a_) : "could not create appender";
    if (a_) duckdb_appender_destroy(&a_);
    a_ = nullptr;
    throw translate_error(DUCKDB_ERROR_CATALOG, msg);
  }
}

Appender::~Appender() {
  if (a_) duckdb_appender_destroy(&a_);
}

void Appender::add_column(const std::string &name) {
  if (duckdb_appender_add_column(a_, name.c_str()) != DuckDBSuccess) {
    throw Error(sqlstate::kUndefinedColumn, duckdb_appender_error(a_));
  }
}

void Appender::check(duckdb_state st) {
  if (st == DuckDBSuccess) return;
  const char *err = duckdb_appender_error(a_);
  std::string msg = err ? err : "append failed";
  duckdb_error_type type = DUCKDB_ERROR_CONVERSION;
  if (msg.find("Constraint") != std::string::npos || msg.find("NOT NULL") != std::string::npos)
    type = DUCKDB_ERROR_CONSTRAINT;
  throw translate_error(type, msg);
}

}  // namespace mallard::duck
