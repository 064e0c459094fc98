// COPY ... FROM STDIN and COPY ... TO STDOUT in text, CSV and binary formats, streamed: rows are
// parsed and appended as CopyData messages arrive, and sent as DuckDB produces them.
#include <cstring>
#include <optional>

#include <nlohmann/json.hpp>

#include "duck/prefetch.hpp"
#include "pgwire/session.hpp"
#include "pgwire/wire.hpp"
#include "sql/lake_router.hpp"
#include "common/pg_interval.hpp"
#include "common/strings.hpp"

namespace mallard::pgwire {

enum class CopyFormat { kText, kCsv, kBinary };

struct CopyOptions {
  CopyFormat format = CopyFormat::kText;
  char delimiter = '\t';
  std::string null_string = "\\N";
  bool header = false;
  char quote = '"';
  char escape = '"';
};

namespace {

constexpr char kBinarySignature[] = "PGCOPY\n\377\r\n";  // 11 bytes incl. the trailing NUL

// Days from 1970-01-01 to a proleptic Gregorian date (year, month 1-12, day 1-31).
int64_t days_from_civil(int64_t y, unsigned m, unsigned d) {
  y -= m <= 2;
  const int64_t era = (y >= 0 ? y : y - 399) / 400;
  const int64_t yoe = y - era * 400;
  const int64_t doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
  const int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + doe - 719468;
}

// The common text of a timestamptz, 'YYYY-MM-DD HH:MM[:SS[.ffffff]]' with an optional offset
// (Z, +HH, +HHMM, +HH:MM): microseconds since 1970-01-01 UTC, reading a value without offset as
// UTC when `utc_default`. nullopt for anything else (time zone names, BC, special values, out of
// range fields), which DuckDB's cast on the session reads instead.
std::optional<int64_t> timestamptz_micros(std::string_view s, bool utc_default) {
  size_t i = 0;
  auto number = [&](size_t digits, int64_t &out) {
    if (i + digits > s.size()) return false;
    out = 0;
    for (size_t k = 0; k < digits; ++k) {
      char c = s[i + k];
      if (c < '0' || c > '9') return false;
      out = out * 10 + (c - '0');
    }
    i += digits;
    return true;
  };
  auto expect = [&](char c) { return i < s.size() && s[i] == c ? (++i, true) : false; };
  int64_t y, mo, d, h, mi, sec = 0, frac = 0;
  if (!number(4, y) || !expect('-') || !number(2, mo) || !expect('-') || !number(2, d)) return std::nullopt;
  if (i >= s.size() || (s[i] != ' ' && s[i] != 'T')) return std::nullopt;
  ++i;
  if (!number(2, h) || !expect(':') || !number(2, mi)) return std::nullopt;
  if (expect(':')) {
    if (!number(2, sec)) return std::nullopt;
    if (expect('.')) {
      size_t start = i;
      while (i < s.size() && s[i] >= '0' && s[i] <= '9') ++i;
      size_t n = i - start;
      if (n == 0 || n > 6) return std::nullopt;
      for (size_t k = 0; k < 6; ++k) frac = frac * 10 + (k < n ? s[start + k] - '0' : 0);
    }
  }
  int64_t offset = 0;
  if (i == s.size()) {
    if (!utc_default) return std::nullopt;
  } else if (s[i] == 'Z' && i + 1 == s.size()) {
    ++i;
  } else if (s[i] == '+' || s[i] == '-') {
    const int64_t sign = s[i++] == '-' ? -1 : 1;
    int64_t oh, om = 0;
    if (!number(2, oh)) return std::nullopt;
    if (i < s.size()) {
      expect(':');
      if (!number(2, om)) return std::nullopt;
    }
    if (i != s.size() || oh > 15 || om > 59) return std::nullopt;
    offset = sign * (oh * 3600 + om * 60);
  } else {
    return std::nullopt;
  }
  static constexpr unsigned kMonthDays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  const bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
  if (y < 1 || mo < 1 || mo > 12 || d < 1 || d > kMonthDays[mo - 1] + (mo == 2 && leap ? 1 : 0) || h > 23 ||
      mi > 59 || sec > 59)
    return std::nullopt;
  const int64_t days = days_from_civil(y, unsigned(mo), unsigned(d));
  return ((days * 24 + h) * 60 + mi) * 60'000'000 + sec * 1'000'000 + frac - offset * 1'000'000;
}

// `text` cast by DuckDB on the session's connection (which knows the session's time zone) with
// `cast`, a prepared `SELECT CAST($1 AS <type>)`: the value's bytes as T, the type's C layout
// (infinities included); nullopt for NULL. The cast's error propagates.
template <typename T>
std::optional<T> session_cast(duck::Prepared &cast, std::string_view text) {
  cast.bind_text(0, text);
  duck::Result r = cast.execute();
  duck::DataChunk chunk = r.fetch();
  if (!chunk || duckdb_data_chunk_get_size(chunk.get()) != 1) return std::nullopt;
  duckdb_vector vec = duckdb_data_chunk_get_vector(chunk.get(), 0);
  const uint64_t *valid = duckdb_vector_get_validity(vec);
  if (valid && !(valid[0] & 1)) return std::nullopt;
  return static_cast<const T *>(duckdb_vector_get_data(vec))[0];
}

std::string def_string(const nlohmann::json &def) {
  if (!def.contains("arg")) return {};
  const auto &a = def["arg"];
  if (a.contains("String")) return a["String"].value("sval", "");
  if (a.contains("Boolean")) return a["Boolean"].value("boolval", false) ? "true" : "false";
  if (a.contains("Integer")) return std::to_string(a["Integer"].value("ival", 0));
  if (a.contains("Float")) return a["Float"].value("fval", "");
  throw Error(sqlstate::kSyntaxError, "invalid value for COPY option \"" + def.value("defname", "") + "\"");
}

bool def_bool(const nlohmann::json &def) {
  if (!def.contains("arg")) return true;
  std::string v = def_string(def);
  for (auto &c : v) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  if (v == "true" || v == "on" || v == "1") return true;
  if (v == "false" || v == "off" || v == "0") return false;
  throw Error(sqlstate::kSyntaxError, def.value("defname", "") + " requires a Boolean value");
}

char single_char(const nlohmann::json &def, const char *what) {
  std::string v = def_string(def);
  if (v.size() != 1)
    throw Error(sqlstate::kFeatureNotSupported, std::string("COPY ") + what + " must be a single one-byte character");
  return v[0];
}

CopyOptions parse_options(const nlohmann::json &stmt) {
  CopyOptions o;
  bool delimiter_set = false, null_set = false, escape_set = false;
  if (stmt.contains("options")) {
    for (const auto &item : stmt["options"]) {
      if (!item.contains("DefElem")) continue;
      const auto &d = item["DefElem"];
      std::string name = d.value("defname", "");
      if (name == "format") {
        std::string f = def_string(d);
        for (auto &c : f) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
        if (f == "text")
          o.format = CopyFormat::kText;
        else if (f == "csv")
          o.format = CopyFormat::kCsv;
        else if (f == "binary")
          o.format = CopyFormat::kBinary;
        else
          throw Error(sqlstate::kInvalidParameterValue, "COPY format \"" + f + "\" not recognized");
      } else if (name == "delimiter") {
        o.delimiter = single_char(d, "delimiter");
        delimiter_set = true;
      } else if (name == "null") {
        o.null_string = def_string(d);
        null_set = true;
      } else if (name == "header") {
        o.header = def_bool(d);
      } else if (name == "quote") {
        o.quote = single_char(d, "quote");
      } else if (name == "escape") {
        o.escape = single_char(d, "escape");
        escape_set = true;
      } else if (name == "encoding") {
        std::string e = def_string(d);
        for (auto &c : e) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
        if (e != "utf8" && e != "utf-8" && e != "unicode")
          throw Error(sqlstate::kFeatureNotSupported, "COPY encoding \"" + e + "\" is not supported; only UTF8 is");
      } else if (name == "freeze") {
        // Accepted: rows are visible only on commit anyway.
      } else {
        throw Error(sqlstate::kFeatureNotSupported, "COPY option \"" + name + "\" is not supported");
      }
    }
  }
  if (o.format == CopyFormat::kCsv) {
    if (!delimiter_set) o.delimiter = ',';
    if (!null_set) o.null_string = "";
    if (!escape_set) o.escape = o.quote;
  }
  if (o.format == CopyFormat::kText && o.header) {
    // PostgreSQL 15 allows HEADER in text format too.
  }
  if (o.format == CopyFormat::kBinary && (delimiter_set || null_set || o.header))
    throw Error(sqlstate::kSyntaxError, "cannot specify DELIMITER, NULL or HEADER in BINARY mode");
  if (o.delimiter == '\n' || o.delimiter == '\r' || (o.delimiter == '\\' && o.format == CopyFormat::kText))
    throw Error(sqlstate::kFeatureNotSupported, "COPY delimiter cannot be newline, carriage return or backslash");
  return o;
}

// Text of "COPY (query) TO ...": the parenthesised query, found by matching parentheses outside
// quotes.
std::string inner_query(const std::string &text) {
  size_t open = text.find('(');
  if (open == std::string::npos) return {};
  int depth = 0;
  for (size_t i = open; i < text.size(); ++i) {
    char c = text[i];
    if (c == '\'' || c == '"') {
      size_t j = i + 1;
      while (j < text.size() && text[j] != c) ++j;
      i = j;
    } else if (c == '(') {
      ++depth;
    } else if (c == ')') {
      if (--depth == 0) return text.substr(open + 1, i - open - 1);
    }
  }
  return {};
}

std::string ident(std::string_view s) {
  std::string out = "\"";
  for (char c : s) {
    if (c == '"') out += '"';
    out += c;
  }
  return out + "\"";
}

void append_text_escaped(std::string &out, size_t from, char delimiter) {
  // Escapes in place the bytes appended since `from`.
  size_t n = out.size() - from;
  bool clean = true;
  for (size_t i = from; i < out.size(); ++i) {
    char c = out[i];
    if (c == '\\' || c == '\n' || c == '\r' || c == '\t' || c == delimiter || c == '\b' || c == '\f' || c == '\v') {
      clean = false;
      break;
    }
  }
  if (clean) return;
  std::string raw = out.substr(from, n);
  out.resize(from);
  for (char c : raw) {
    switch (c) {
      case '\\': out += "\\\\"; break;
      case '\n': out += "\\n"; break;
      case '\r': out += "\\r"; break;
      case '\t': out += "\\t"; break;
      case '\b': out += "\\b"; break;
      case '\f': out += "\\f"; break;
      case '\v': out += "\\v"; break;
      default:
        if (c == delimiter) out += '\\';
        out += c;
    }
  }
}

void append_csv_quoted(std::string &out, size_t from, const CopyOptions &o) {
  std::string_view v(out.data() + from, out.size() - from);
  // An empty string needs quotes only when it would read back as NULL.
  bool quote = v == o.null_string;
  for (char c : v) {
    if (c == o.delimiter || c == o.quote || c == '\n' || c == '\r' || c == o.escape) {
      quote = true;
      break;
    }
  }
  if (!quote) return;
  std::string raw(v);
  out.resize(from);
  out += o.quote;
  for (char c : raw) {
    if (c == o.quote || c == o.escape) out += o.escape;
    out += c;
  }
  out += o.quote;
}

// De-escapes one text-format field.
std::string unescape_text(std::string_view f) {
  std::string out;
  out.reserve(f.size());
  for (size_t i = 0; i < f.size(); ++i) {
    char c = f[i];
    if (c != '\\' || i + 1 >= f.size()) {
      out += c;
      continue;
    }
    char n = f[++i];
    switch (n) {
      case 'b': out += '\b'; break;
      case 'f': out += '\f'; break;
      case 'n': out += '\n'; break;
      case 'r': out += '\r'; break;
      case 't': out += '\t'; break;
      case 'v': out += '\v'; break;
      case 'x': {
        int v = 0, k = 0;
        while (k < 2 && i + 1 < f.size() && std::isxdigit(static_cast<unsigned char>(f[i + 1]))) {
          char h = f[++i];
          v = v * 16 + (std::isdigit(static_cast<unsigned char>(h)) ? h - '0' : (std::tolower(h) - 'a' + 10));
          ++k;
        }
        if (k == 0)
          out += 'x';
        else
          out += static_cast<char>(v);
        break;
      }
      default:
        if (n >= '0' && n <= '7') {
          int v = n - '0', k = 1;
          while (k < 3 && i + 1 < f.size() && f[i + 1] >= '0' && f[i + 1] <= '7') {
            v = v * 8 + (f[++i] - '0');
            ++k;
          }
          out += static_cast<char>(v & 0xFF);
        } else {
          out += n;
        }
    }
  }
  return out;
}

}  // namespace

void Session::run_copy(Portal &p) {
  const std::string &text = p.stmt->text;
  auto tree = sql::parse(text);
  // DuckDB's own COPY forms (COPY db TO ...) and server-side files: the engine runs them, within
  // the warehouse's file limits (only its data path is reachable).
  auto run_in_engine = [&] {
    materialize_open_portals(&p);
    duck::Result r = conn_->query(text);
    p.done_tag = "COPY " + std::to_string(r.rows_changed());
  };
  if (!tree || !tree->contains("CopyStmt")) return run_in_engine();
  const auto &stmt = (*tree)["CopyStmt"];
  if (stmt.value("is_program", false))
    throw Error(sqlstate::kFeatureNotSupported, "COPY TO or FROM PROGRAM is not supported");
  if (stmt.contains("filename")) {
    // A server-side file into a lake table: DuckDB reads it into the table's staging table.
    if (stmt.value("is_from", false) && stmt.contains("relation")) {
      const auto &rel = stmt["relation"];
      std::string schema = rel.value("schemaname", ""), table = rel.value("relname", "");
      if (!is_temp_table(schema, table)) {
        auto name = sql::name_at(text, rel.value("location", 0));
        if (name) {
          materialize_open_portals(&p);
          bool own = !in_transaction();
          if (own) tx_begin();
          try {
            auto [s, t] = lake_->copy_target(*conn_, name->schema, name->name);
            duck::Result r = conn_->query(text.substr(0, name->begin) + sql_ident(s) + "." + sql_ident(t) +
                                          text.substr(name->end));
            p.done_tag = "COPY " + std::to_string(r.rows_changed());
            lake_->check_keys(*conn_);
            if (own) tx_commit();
          } catch (...) {
            if (own) tx_rollback();
            throw;
          }
          return;
        }
      }
    }
    return run_in_engine();
  }
  CopyOptions opts = parse_options(stmt);
  std::vector<std::string> columns;
  if (stmt.contains("attlist"))
    for (const auto &a : stmt["attlist"]) columns.push_back(a["String"].value("sval", ""));
  std::string schema, table;
  if (stmt.contains("relation")) {
    schema = stmt["relation"].value("schemaname", "");
    table = stmt["relation"].value("relname", "");
  }
  if (stmt.value("is_from", false)) {
    if (table.empty()) throw Error(sqlstate::kSyntaxError, "COPY FROM requires a table");
    copy_in(opts, schema, table, columns, p.done_tag);
  } else {
    std::string query;
    if (!table.empty()) {
      std::string cols = "*";
      if (!columns.empty()) {
        cols.clear();
        for (auto &c : columns) cols += (cols.empty() ? "" : ", ") + ident(c);
      }
      query = "SELECT " + cols + " FROM " + (schema.empty() ? "" : ident(schema) + ".") + ident(table);
    } else {
      query = inner_query(text);
      if (query.empty()) throw Error(sqlstate::kSyntaxError, "COPY query must be in parentheses");
    }
    copy_out(opts, query, p.done_tag);
  }
}

void Session::copy_out(const CopyOptions &o, const std::string &query, std::string &tag) {
  materialize_open_portals(nullptr);
  duck::Prepared ps(*conn_, redirected(query));
  if (ps.param_count() > 0) throw Error(sqlstate::kFeatureNotSupported, "COPY query cannot have parameters");
  duck::Result result = ps.execute_streaming();
  idx_t ncols = result.column_count();
  std::vector<std::unique_ptr<ColumnEncoder>> enc;
  for (idx_t i = 0; i < ncols; ++i) {
    duck::LogicalType t = result.column_type(i);
    enc.push_back(ColumnEncoder::make(t.get(), text_options_));
  }
  bool binary = o.format == CopyFormat::kBinary;
  size_t at = begin_message(out_, 'H');
  put_u8(out_, binary ? 1 : 0);
  put_i16(out_, static_cast<int16_t>(ncols));
  for (idx_t i = 0; i < ncols; ++i) put_i16(out_, binary ? 1 : 0);
  end_message(out_, at);
  // The binary header travels in the same CopyData message as the first row (or the trailer), as
  // PostgreSQL sends it and as clients parse it.
  bool header_pending = binary;
  auto put_binary_header = [&] {
    if (!header_pending) return;
    out_.append(kBinarySignature, 11);
    put_i32(out_, 0);
    put_i32(out_, 0);
    header_pending = false;
  };
  if (!binary && o.header) {
    at = begin_message(out_, 'd');
    for (idx_t i = 0; i < ncols; ++i) {
      if (i) out_ += o.delimiter;
      size_t from = out_.size();
      out_ += result.column_name(i);
      if (o.format == CopyFormat::kCsv)
        append_csv_quoted(out_, from, o);
      else
        append_text_escaped(out_, from, o.delimiter);
    }
    out_ += '\n';
    end_message(out_, at);
  }
  uint64_t rows = 0;
  // As in send_rows: once the result shows it is not small, DuckDB computes the next chunks on a
  // helper thread while these are encoded and sent; it is stopped before `result` is (declared
  // after it).
  std::optional<duck::ChunkPrefetch> ahead;
  idx_t n = 0;
  for (int fetched = 0;; ++fetched) {
    if (!ahead && duck::ChunkPrefetch::worth_it(fetched, n)) ahead.emplace(*conn_, result);
    duck::DataChunk chunk;
    try {
      chunk = ahead ? ahead->next() : result.fetch();
    } catch (const Error &e) {
      ahead.reset();
      result.reset();
      throw worker_error(e, ps.statement_type(), [&] { ps.execute(); });
    }
    if (!chunk) break;
    n = duckdb_data_chunk_get_size(chunk.get());
    for (idx_t c = 0; c < ncols; ++c) enc[c]->set_vector(duckdb_data_chunk_get_vector(chunk.get(), c));
    for (idx_t r = 0; r < n; ++r) {
      at = begin_message(out_, 'd');
      if (binary) {
        put_binary_header();
        put_i16(out_, static_cast<int16_t>(ncols));
        for (idx_t c = 0; c < ncols; ++c) {
          if (enc[c]->is_null(r)) {
            put_i32(out_, -1);
            continue;
          }
          size_t len_at = out_.size();
          out_.append(4, '\0');
          enc[c]->append_binary(r, out_);
          patch_i32(out_, len_at, static_cast<int32_t>(out_.size() - len_at - 4));
        }
      } else {
        for (idx_t c = 0; c < ncols; ++c) {
          if (c) out_ += o.delimiter;
          if (enc[c]->is_null(r)) {
            out_ += o.null_string;
            continue;
          }
          size_t from = out_.size();
          enc[c]->append_text(r, out_);
          if (o.format == CopyFormat::kCsv)
            append_csv_quoted(out_, from, o);
          else
            append_text_escaped(out_, from, o.delimiter);
        }
        out_ += '\n';
      }
      end_message(out_, at);
      ++rows;
    }
    if (out_.size() >= 256 * 1024 && !flush()) {
      conn_->interrupt();
      throw Error(sqlstate::kConnectionFailure, "connection to client lost");
    }
  }
  if (binary) {
    at = begin_message(out_, 'd');
    put_binary_header();
    put_i16(out_, -1);
    end_message(out_, at);
  }
  at = begin_message(out_, 'c');
  end_message(out_, at);
  tag = "COPY " + std::to_string(rows);
}

void Session::copy_in(const CopyOptions &o, const std::string &schema, const std::string &table,
                      const std::vector<std::string> &columns, std::string &tag) {
  materialize_open_portals(nullptr);
  // COPY is all or nothing: outside a transaction block it runs in its own transaction.
  bool own_tx = !in_transaction();
  if (own_tx) tx_begin();
  uint64_t rows = 0;
  try {
    // A lake table takes the rows in its staging table; they become a data file at commit.
    std::string target_schema = schema, target_table = table;
    if (schema != "temp" && !is_temp_table(schema, table))
      std::tie(target_schema, target_table) = lake_->copy_target(*conn_, schema, table);
    duck::Appender app(*conn_, target_schema, target_table);
    for (auto &c : columns) app.add_column(c);
    idx_t ncols = app.column_count();
    std::vector<duck::LogicalType> types;
    std::vector<uint32_t> oids;
    // How a text or CSV field becomes a value: DuckDB's casts from text where they read what
    // PostgreSQL reads; PostgreSQL's own input where they do not (booleans such as 'off', bytea's
    // \x hex, array literals); and for timestamptz, whose offsets the appender's cast drops, the
    // value computed here or by a cast on the session, which knows its time zone; intervals, which
    // the appender cannot cast from text, by a cast on the session (session_cast).
    enum class Input { kCast, kDecode, kTimestampTz, kInterval };
    std::vector<Input> inputs;
    std::optional<duck::Prepared> timestamptz_cast, interval_cast;  // made on first use
    for (idx_t i = 0; i < ncols; ++i) {
      types.push_back(app.column_type(i));
      oids.push_back(pg_type_of(types.back().get()).oid);
      switch (duckdb_get_type_id(types.back().get())) {
        case DUCKDB_TYPE_BOOLEAN:
        case DUCKDB_TYPE_BLOB:
        case DUCKDB_TYPE_LIST:
        case DUCKDB_TYPE_ARRAY: inputs.push_back(Input::kDecode); break;
        case DUCKDB_TYPE_TIMESTAMP_TZ: inputs.push_back(Input::kTimestampTz); break;
        case DUCKDB_TYPE_INTERVAL: inputs.push_back(Input::kInterval); break;
        default: inputs.push_back(Input::kCast); break;
      }
    }
    const bool utc_session = to_lower(get_guc("timezone").value_or("UTC")) == "utc";
    bool binary = o.format == CopyFormat::kBinary;
    size_t at = begin_message(out_, 'G');
    put_u8(out_, binary ? 1 : 0);
    put_i16(out_, static_cast<int16_t>(ncols));
    for (idx_t i = 0; i < ncols; ++i) put_i16(out_, binary ? 1 : 0);
    end_message(out_, at);
    if (!flush()) throw Error(sqlstate::kConnectionFailure, "connection to client lost");

    std::string buf;
    size_t pos = 0;
    bool header_pending = o.header;
    bool binary_header_done = false;
    bool finished = false;  // end-of-data marker seen
    uint64_t line_no = 0;
    std::vector<std::string_view> fields;
    std::vector<std::string> owned;

    auto column_error = [&](const std::string &msg) {
      return Error(sqlstate::kBadCopyFileFormat, msg, 0,
                   "COPY " + table + ", line " + std::to_string(line_no));
    };
    auto append_row = [&](const std::vector<std::optional<std::string_view>> &vals) {
      if (vals.size() > ncols) throw column_error("extra data after last expected column");
      if (vals.size() < ncols) {
        std::string name = columns.empty() ? "" : columns[vals.size()];
        if (name.empty()) {  // no column list: the table's column at that position
          bool temp = target_schema.empty() || target_schema == "temp";
          auto r = conn_->query_text("SELECT column_name FROM duckdb_columns() WHERE table_name = $1 AND " +
                                         std::string(temp ? "database_name = 'temp'" : "schema_name = $2") +
                                         " ORDER BY column_index",
                                     temp ? std::vector<std::optional<std::string>>{target_table}
                                          : std::vector<std::optional<std::string>>{target_table, target_schema});
          if (vals.size() < r.size() && r[vals.size()][0]) name = *r[vals.size()][0];
        }
        throw column_error("missing data for column \"" + name + "\"");
      }
      for (idx_t c = 0; c < ncols; ++c) {
        if (!vals[c]) {
          app.append_null();
        } else {
          if (!sql::valid_utf8(*vals[c]))
            throw Error(sqlstate::kCharacterNotInRepertoire, "invalid byte sequence for encoding \"UTF8\"");
          if (inputs[c] == Input::kCast) {
            app.append_text(*vals[c]);
          } else if (inputs[c] == Input::kDecode) {
            duck::Value v = decode_value(*vals[c], Format::kText, oids[c], types[c].get());
            app.append_value(v.get());
          } else if (inputs[c] == Input::kInterval) {
            if (!interval_cast) interval_cast.emplace(*conn_, "SELECT CAST($1 AS INTERVAL)");
            std::optional<duckdb_interval> iv;
            try {
              auto readable = interval_for_duckdb(*vals[c]);  // ISO 8601, SQL-standard fields
              iv = session_cast<duckdb_interval>(*interval_cast, readable ? std::string_view(*readable) : *vals[c]);
            } catch (const Error &) {
              iv.reset();
            }
            if (!iv)  // PostgreSQL's code and wording
              throw Error(sqlstate::kInvalidDatetimeFormat, "invalid input syntax for type interval: \"" + std::string(*vals[c]) + "\"");
            duck::Value v(duckdb_create_interval(*iv));
            app.append_value(v.get());
          } else {
            std::optional<int64_t> us = timestamptz_micros(*vals[c], utc_session);
            if (!us) {
              if (!timestamptz_cast) timestamptz_cast.emplace(*conn_, "SELECT CAST($1 AS TIMESTAMPTZ)");
              auto t = session_cast<duckdb_timestamp>(*timestamptz_cast, *vals[c]);
              if (!t) throw Error(sqlstate::kInvalidDatetimeFormat, "invalid input syntax for type timestamp with time zone");
              us = t->micros;
            }
            duck::Value v(duckdb_create_timestamp_tz(duckdb_timestamp{*us}));
            app.append_value(v.get());
          }
        }
      }
      app.end_row();
      ++rows;
    };

    std::vector<std::optional<std::string_view>> vals;
    // Parses complete records from buf[pos..]; `eof` means no more data will come.
    auto consume_text = [&](bool eof) {
      while (!finished) {
        size_t nl = buf.find('\n', pos);
        std::string_view line;
        if (nl == std::string::npos) {
          if (!eof || pos >= buf.size()) return;
          line = std::string_view(buf).substr(pos);
          pos = buf.size();
        } else {
          line = std::string_view(buf).substr(pos, nl - pos);
          pos = nl + 1;
        }
        ++line_no;
        if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
        if (line == "\\.") {
          finished = true;
          return;
        }
        if (header_pending) {
          header_pending = false;
          continue;
        }
        vals.clear();
        owned.clear();
        owned.reserve(ncols + 1);
        size_t start = 0;
        while (true) {
          // A delimiter preceded by a backslash is data, not a separator.
          size_t i = start;
          while (i < line.size() && line[i] != o.delimiter) i += (line[i] == '\\' && i + 1 < line.size()) ? 2 : 1;
          std::string_view f = line.substr(start, i - start);
          if (f == o.null_string) {
            vals.emplace_back(std::nullopt);
          } else if (f.find('\\') == std::string_view::npos) {
            vals.emplace_back(f);
          } else {
            owned.push_back(unescape_text(f));
            vals.emplace_back(owned.back());
          }
          if (i >= line.size()) break;
          start = i + 1;
        }
        append_row(vals);
      }
    };
    auto consume_csv = [&](bool eof) {
      while (!finished && pos < buf.size()) {
        // Find the end of one record, honouring quotes that may span lines.
        size_t i = pos;
        bool in_quote = false;
        size_t end = std::string::npos;
        while (i < buf.size()) {
          char c = buf[i];
          if (in_quote) {
            if (c == o.escape && o.escape != o.quote && i + 1 < buf.size() && (buf[i + 1] == o.quote || buf[i + 1] == o.escape)) {
              i += 2;
              continue;
            }
            if (c == o.quote) {
              if (o.escape == o.quote && i + 1 < buf.size() && buf[i + 1] == o.quote) {
                i += 2;
                continue;
              }
              if (o.escape == o.quote && i + 1 >= buf.size() && !eof) return;  // cannot tell yet
              in_quote = false;
            }
            ++i;
          } else {
            if (c == o.quote) in_quote = true;
            else if (c == '\n') {
              end = i;
              break;
            }
            ++i;
          }
        }
        if (end == std::string::npos) {
          if (!eof) return;
          if (in_quote) throw column_error("unterminated CSV quoted field");
          end = buf.size();
        }
        std::string_view rec = std::string_view(buf).substr(pos, end - pos);
        pos = end < buf.size() ? end + 1 : end;
        ++line_no;
        if (!rec.empty() && rec.back() == '\r') rec.remove_suffix(1);
        if (rec == "\\.") {
          finished = true;
          return;
        }
        if (header_pending) {
          header_pending = false;
          continue;
        }
        vals.clear();
        owned.clear();
        owned.reserve(ncols + 1);
        size_t k = 0;
        while (true) {
          std::string val;
          bool quoted = false;
          size_t fstart = k;
          while (k < rec.size() && rec[k] != o.delimiter) {
            if (rec[k] == o.quote) {
              quoted = true;
              ++k;
              while (k < rec.size()) {
                if (rec[k] == o.escape && k + 1 < rec.size() && (rec[k + 1] == o.quote || rec[k + 1] == o.escape) &&
                    !(o.escape == o.quote && rec[k + 1] != o.quote)) {
                  val += rec[k + 1];
                  k += 2;
                  continue;
                }
                if (rec[k] == o.quote) {
                  ++k;
                  break;
                }
                val += rec[k++];
              }
            } else {
              val += rec[k++];
            }
          }
          std::string_view raw = rec.substr(fstart, k - fstart);
          if (!quoted && raw == o.null_string) {
            vals.emplace_back(std::nullopt);
          } else {
            owned.push_back(std::move(val));
            vals.emplace_back(owned.back());
          }
          if (k >= rec.size()) break;
          ++k;  // delimiter
        }
        append_row(vals);
      }
    };
    auto consume_binary = [&](bool eof) {
      while (!finished) {
        size_t avail = buf.size() - pos;
        if (!binary_header_done) {
          if (avail < 19) {
            if (eof) throw column_error("COPY file signature not recognized");
            return;
          }
          if (std::memcmp(buf.data() + pos, kBinarySignature, 11) != 0)
            throw column_error("COPY file signature not recognized");
          int32_t ext = get_i32(buf.data() + pos + 15);
          if (ext < 0) throw column_error("invalid COPY file header (wrong length)");
          if (avail < 19 + static_cast<size_t>(ext)) {
            if (eof) throw column_error("invalid COPY file header (wrong length)");
            return;
          }
          pos += 19 + static_cast<size_t>(ext);
          binary_header_done = true;
          continue;
        }
        if (avail < 2) {
          if (eof && avail > 0) throw column_error("unexpected EOF in COPY data");
          return;
        }
        int16_t nf = get_i16(buf.data() + pos);
        if (nf == -1) {
          pos += 2;
          finished = true;
          return;
        }
        // Whole tuple must be present before any value is appended.
        size_t q = pos + 2;
        bool complete = true;
        for (int f = 0; f < nf; ++f) {
          if (buf.size() - q < 4) {
            complete = false;
            break;
          }
          int32_t len = get_i32(buf.data() + q);
          q += 4;
          if (len > 0) {
            if (buf.size() - q < static_cast<size_t>(len)) {
              complete = false;
              break;
            }
            q += static_cast<size_t>(len);
          } else if (len < -1) {
            throw column_error("invalid field size");
          }
        }
        if (!complete) {
          if (eof) throw column_error("unexpected EOF in COPY data");
          return;
        }
        ++line_no;
        if (nf < 0 || static_cast<idx_t>(nf) != ncols)
          throw column_error("row field count is " + std::to_string(nf) + ", expected " + std::to_string(ncols));
        q = pos + 2;
        for (idx_t c = 0; c < ncols; ++c) {
          int32_t len = get_i32(buf.data() + q);
          q += 4;
          if (len == -1) {
            app.append_null();
            continue;
          }
          duck::Value v = decode_value(std::string_view(buf.data() + q, static_cast<size_t>(len)), Format::kBinary,
                                       oids[c], types[c].get());
          q += static_cast<size_t>(len);
          app.append_value(v.get());
        }
        app.end_row();
        ++rows;
        pos = q;
      }
    };
    auto consume = [&](bool eof) {
      if (o.format == CopyFormat::kBinary)
        consume_binary(eof);
      else if (o.format == CopyFormat::kCsv)
        consume_csv(eof);
      else
        consume_text(eof);
      // Keep the unparsed tail only.
      if (pos > 0 && (pos >= buf.size() || pos > (1u << 20))) {
        buf.erase(0, pos);
        pos = 0;
      }
    };

    std::string body;
    while (true) {
      char type;
      if (!read_message(type, body, -1)) throw Error(sqlstate::kConnectionFailure, "connection lost during COPY");
      if (type == 'd') {
        if (finished) continue;
        buf.append(body);
        consume(false);
      } else if (type == 'c') {
        if (!finished) consume(true);
        break;
      } else if (type == 'f') {
        Reader r(body);
        throw Error(sqlstate::kQueryCanceled, "COPY from stdin failed: " + std::string(r.cstr()));
      } else if (type == 'H' || type == 'S') {
        continue;
      } else {
        char hex[8];
        snprintf(hex, sizeof(hex), "0x%02X", static_cast<unsigned char>(type));
        throw Error(sqlstate::kProtocolViolation, std::string("unexpected message type ") + hex + " during COPY from stdin");
      }
    }
    app.close();
    lake_->check_keys(*conn_);
  } catch (...) {
    if (own_tx) tx_rollback();
    throw;
  }
  if (own_tx) tx_commit();
  tag = "COPY " + std::to_string(rows);
}

}  // namespace mallard::pgwire
