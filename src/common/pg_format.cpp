#include "common/pg_format.hpp"

#include <algorithm>
#include <cctype>
#include <climits>

#include "common/error.hpp"

namespace mallard {

namespace {

// PostgreSQL's reserved key words (those quote_ident must quote even in lower case).
constexpr std::string_view kReserved[] = {
    "all", "analyse", "analyze", "and", "any", "array", "as", "asc", "asymmetric", "authorization", "binary", "both",
    "case", "cast", "check", "collate", "collation", "column", "concurrently", "constraint", "create", "cross",
    "current_catalog", "current_date", "current_role", "current_schema", "current_time", "current_timestamp",
    "current_user", "default", "deferrable", "desc", "distinct", "do", "else", "end", "except", "false", "fetch",
    "for", "foreign", "freeze", "from", "full", "grant", "group", "having", "ilike", "in", "initially", "inner",
    "intersect", "into", "is", "isnull", "join", "lateral", "leading", "left", "like", "limit", "localtime",
    "localtimestamp", "natural", "not", "notnull", "null", "offset", "on", "only", "or", "order", "outer",
    "overlaps", "placing", "primary", "references", "returning", "right", "select", "session_user", "similar",
    "some", "symmetric", "table", "tablesample", "then", "to", "trailing", "true", "union", "unique", "user",
    "using", "variadic", "verbose", "when", "where", "window", "with"};

[[noreturn]] void bad(std::string message) { throw Error(sqlstate::kInvalidParameterValue, std::move(message)); }

size_t code_points(std::string_view s) {
  return static_cast<size_t>(std::count_if(s.begin(), s.end(), [](char c) { return (c & 0xC0) != 0x80; }));
}

// Digits at format[i...]: their value (saturating), advancing i; nullopt when there are none.
std::optional<int> number_at(std::string_view f, size_t &i) {
  if (i >= f.size() || !std::isdigit(static_cast<unsigned char>(f[i]))) return std::nullopt;
  long long v = 0;
  while (i < f.size() && std::isdigit(static_cast<unsigned char>(f[i]))) {
    v = std::min<long long>(v * 10 + (f[i] - '0'), INT_MAX);
    ++i;
  }
  return static_cast<int>(v);
}

}  // namespace

std::string pg_quote_ident(std::string_view name) {
  bool plain = !name.empty() && (std::islower(static_cast<unsigned char>(name[0])) || name[0] == '_');
  for (char c : name)
    plain = plain && (std::islower(static_cast<unsigned char>(c)) || std::isdigit(static_cast<unsigned char>(c)) || c == '_');
  if (plain && std::find(std::begin(kReserved), std::end(kReserved), name) == std::end(kReserved))
    return std::string(name);
  std::string out = "\"";
  for (char c : name) {
    if (c == '"') out += '"';
    out += c;
  }
  return out + "\"";
}

std::string pg_quote_literal(std::string_view text) {
  std::string out = text.find('\\') != std::string_view::npos ? "E'" : "'";
  for (char c : text) {
    if (c == '\'' || c == '\\') out += c;
    out += c;
  }
  return out + "'";
}

std::string pg_format(std::string_view f, const std::vector<std::optional<std::string>> &args) {
  std::string out;
  size_t next = 0;  // the argument an unpositioned conversion takes
  auto argument = [&](size_t index) -> const std::optional<std::string> & {
    if (index >= args.size()) bad("too few arguments for format()");
    return args[index];
  };
  for (size_t i = 0; i < f.size(); ++i) {
    if (f[i] != '%') {
      out += f[i];
      continue;
    }
    if (++i >= f.size()) bad("unterminated format() type specifier");
    if (f[i] == '%') {
      out += '%';
      continue;
    }
    // [position$]
    size_t at = i;
    std::optional<size_t> position;
    if (auto n = number_at(f, at); n && at < f.size() && f[at] == '$') {
      if (*n == 0) bad("format specifies argument 0, but arguments are numbered from 1");
      position = static_cast<size_t>(*n - 1);
      i = at + 1;
    }
    // [-] then width: digits, * or *n$
    bool left = false;
    while (i < f.size() && f[i] == '-') {
      left = true;
      ++i;
    }
    std::optional<long long> width;
    if (i < f.size() && f[i] == '*') {
      ++i;
      size_t w_at = i;
      size_t w_index = next++;
      if (auto n = number_at(f, w_at); n && w_at < f.size() && f[w_at] == '$') {
        if (*n == 0) bad("format specifies argument 0, but arguments are numbered from 1");
        w_index = static_cast<size_t>(*n - 1);
        next = w_index + 1;
        i = w_at + 1;
      }
      const auto &w = argument(w_index);
      if (w) {
        try {
          width = std::stoll(*w);
        } catch (const std::exception &) {
          throw Error(sqlstate::kInvalidTextRepresentation, "invalid input syntax for type integer: \"" + *w + "\"");
        }
      }
    } else if (auto n = number_at(f, i)) {
      width = *n;
    }
    if (i >= f.size()) bad("unterminated format() type specifier");
    char type = f[i];
    if (type != 's' && type != 'I' && type != 'L')
      bad(std::string("unrecognized format() type specifier \"") + type + "\"");
    size_t index = position ? *position : next;
    next = index + 1;
    const auto &v = argument(index);
    std::string text;
    if (type == 's') {
      text = v.value_or("");
    } else if (type == 'I') {
      if (!v) throw Error(sqlstate::kNullValueNotAllowed, "null values cannot be formatted as an SQL identifier");
      text = pg_quote_ident(*v);
    } else {
      text = v ? pg_quote_literal(*v) : "NULL";
    }
    if (width) {
      if (*width < 0) {
        left = true;
        width = -*width;
      }
      size_t w = static_cast<size_t>(std::min<long long>(*width, 1 << 20));
      size_t have = code_points(text);
      if (have < w) {
        std::string pad(w - have, ' ');
        text = left ? text + pad : pad + text;
      }
    }
    out += text;
  }
  return out;
}

}  // namespace mallard
