#include "sql/rewrite.hpp"

#include <strings.h>

#include <algorithm>
#include <charconv>
#include <functional>
#include <cstring>
#include <optional>
#include <string_view>
#include <vector>

#include "common/error.hpp"
#include "common/pg_compat.hpp"
#include "common/pg_interval.hpp"
#include "common/pg_number_format.hpp"
#include "common/strings.hpp"
#include "lake/sequences.hpp"
#include "sql/statement.hpp"

#include <nlohmann/json.hpp>

namespace mallard::sql {

namespace {

// Words whose presence (case-insensitively) means a statement may need translating. Anything
// the rewrites below act on contains one of them, so statements without any skip tokenizing.
// '/' and '%' are there for the division check (see Rewriter::division).
// '~' for regular-expression matches, "version" for version(), "current_setting" for itself; '('
// for select-list calls, which PostgreSQL names after the function.
constexpr std::string_view kTriggers[] = {"pg_",  "reg",     "operator", "collate", "information_schema",
                                          "::name", "::\"char\"", "::oid", "::bytea", "/", "%", "~", "version",
                                          "generate_series", "unnest", "current_", "quote_", "set_config",
                                          "session_user", "public", "(", "for", "like", "[]", "numeric",
                                          "decimal", "::int", "::smallint", "::bigint", "jsonb", "json_typeof", "interval",
                                          "any", "some", "all", "serial", "identity", "user", "similar", "symmetric", "?", "#>",
                                          "@>", "<@", "json", "->", "u&", "array"};

bool may_need_rewrite(std::string_view s) {
  for (size_t i = 0; i < s.size(); ++i) {
    char c = static_cast<char>(std::tolower(static_cast<unsigned char>(s[i])));
    if (c != 'p' && c != 'r' && c != 'o' && c != 'c' && c != 'i' && c != ':' && c != '/' && c != '%' && c != '~' &&
        c != 'v' && c != 'g' && c != 'u' && c != 'q' && c != 's' && c != '(' && c != 'f' && c != 'l' && c != '[' &&
        c != 'n' && c != 'd' && c != 'j' && c != 'a' && c != '?' && c != '#' && c != '@' && c != '<' && c != '-')
      continue;  // first letters of kTriggers
    for (auto t : kTriggers) {
      if (t[0] != c || i + t.size() > s.size()) continue;
      if (strncasecmp(s.data() + i, t.data(), t.size()) == 0) return true;
    }
  }
  return false;
}

enum class Tok { kIdent, kQuotedIdent, kString, kNumber, kParam, kCast, kOp, kPunct };

struct Token {
  Tok kind;
  size_t begin, end;
  std::string word;  // identifiers: folded (unquoted) or unescaped (quoted); punctuation: itself
};

bool ident_start(unsigned char c) { return std::isalpha(c) || c == '_' || c >= 0x80; }
bool ident_char(unsigned char c) { return std::isalnum(c) || c == '_' || c == '$' || c >= 0x80; }
bool op_char(char c) { return std::strchr("+-*/<>=~!@#%^&|`?", c) != nullptr && c != '\0'; }

// PostgreSQL's lexical structure, enough to find identifiers, casts and parentheses: comments and
// whitespace are dropped, literals are kept whole.
std::vector<Token> tokenize(std::string_view s) {
  std::vector<Token> out;
  size_t i = 0, n = s.size();
  while (i < n) {
    unsigned char c = static_cast<unsigned char>(s[i]);
    if (std::isspace(c)) {
      ++i;
    } else if ((c == '-' && i + 1 < n && s[i + 1] == '-') || (c == '/' && i + 1 < n && s[i + 1] == '*')) {
      i = skip_lexeme(s, i);  // a comment
    } else if (c == '\'' || ((c == 'E' || c == 'e') && i + 1 < n && s[i + 1] == '\'')) {
      size_t b = i;
      bool backslash = c != '\'';
      i += backslash ? 2 : 1;
      while (i < n) {
        if (backslash && s[i] == '\\') {
          i += 2;
        } else if (s[i] == '\'') {
          if (i + 1 < n && s[i + 1] == '\'') {
            i += 2;
          } else {
            ++i;
            break;
          }
        } else {
          ++i;
        }
      }
      out.push_back({Tok::kString, b, std::min(i, n), {}});
    } else if (c == '"') {
      size_t b = i++;
      std::string w;
      while (i < n) {
        if (s[i] == '"') {
          if (i + 1 < n && s[i + 1] == '"') {
            w += '"';
            i += 2;
            continue;
          }
          ++i;
          break;
        }
        w += s[i++];
      }
      out.push_back({Tok::kQuotedIdent, b, i, w});
    } else if (c == '$' && i + 1 < n && std::isdigit(static_cast<unsigned char>(s[i + 1]))) {
      size_t b = i++;
      while (i < n && std::isdigit(static_cast<unsigned char>(s[i]))) ++i;
      out.push_back({Tok::kParam, b, i, {}});
    } else if (c == '$') {
      size_t b = i, k = i + 1;
      while (k < n && (std::isalnum(static_cast<unsigned char>(s[k])) || s[k] == '_')) ++k;
      if (k < n && s[k] == '$') {
        std::string_view tag = s.substr(b, k - b + 1);
        auto e = s.find(tag, k + 1);
        i = e == std::string_view::npos ? n : e + tag.size();
        out.push_back({Tok::kString, b, i, {}});
      } else {
        out.push_back({Tok::kOp, b, ++i, "$"});
      }
    } else if (ident_start(c)) {
      size_t b = i;
      while (i < n && ident_char(static_cast<unsigned char>(s[i]))) ++i;
      out.push_back({Tok::kIdent, b, i, to_lower(s.substr(b, i - b))});
    } else if (std::isdigit(c) || (c == '.' && i + 1 < n && std::isdigit(static_cast<unsigned char>(s[i + 1])))) {
      size_t b = i;
      while (i < n && (std::isalnum(static_cast<unsigned char>(s[i])) || s[i] == '.')) ++i;
      out.push_back({Tok::kNumber, b, i, {}});
    } else if (c == ':' && i + 1 < n && s[i + 1] == ':') {
      out.push_back({Tok::kCast, i, i + 2, "::"});
      i += 2;
    } else if (op_char(static_cast<char>(c))) {
      size_t b = i;
      while (i < n && op_char(s[i])) ++i;
      out.push_back({Tok::kOp, b, i, std::string(s.substr(b, i - b))});
    } else {
      out.push_back({Tok::kPunct, i, i + 1, std::string(1, static_cast<char>(c))});
      ++i;
    }
  }
  return out;
}

struct Edit {
  size_t begin, end;
  std::string text;
  // An insertion that opens a wrap around an operand that other wraps may start at too: it goes
  // first, so that the others nest inside it.
  bool outermost = false;
};

bool is_name(const Token &t) { return t.kind == Tok::kIdent || t.kind == Tok::kQuotedIdent; }
bool is_punct(const Token &t, char c) { return t.kind == Tok::kPunct && t.word.size() == 1 && t.word[0] == c; }

// Catalog relations and functions whose DuckDB versions disagree with PostgreSQL in what clients
// rely on (type OIDs, relations of other attached databases); the replacements are in the
// pg_compat database.
constexpr std::string_view kRelations[] = {
    "pg_type",          "pg_class",           "pg_namespace",       "pg_attribute",         "pg_range",
    "pg_attrdef",       "pg_description",     "pg_tables",          "pg_views",             "pg_roles",
    "pg_user",          "pg_auth_members",    "pg_matviews",        "pg_database",        "pg_am",              "pg_proc",              "pg_constraint",
    "pg_index",         "pg_inherits",        "pg_policy",          "pg_statistic_ext",     "pg_publication",
    "pg_publication_rel", "pg_publication_namespace", "pg_trigger", "pg_rewrite",           "pg_partitioned_table",
    "pg_foreign_table", "pg_extension",       "pg_event_trigger", "pg_settings",      "pg_tablespace",
    "pg_language",      "pg_stat_activity",   "pg_locks",         "pg_stat_all_tables", "pg_stat_user_tables",
    "pg_stat_database", "pg_stat_all_indexes", "pg_stat_user_indexes", "pg_statio_user_tables", "pg_timezone_names",
    "pg_prepared_xacts", "pg_replication_slots", "pg_stat_replication", "pg_available_extensions", "pg_shdescription",
    "pg_foreign_data_wrapper", "pg_foreign_server", "pg_default_acl", "pg_indexes"};
constexpr std::string_view kFunctions[] = {
    "format_type",       "pg_get_userbyid",    "pg_encoding_to_char", "pg_get_function_arguments",
    "pg_get_function_identity_arguments",      "pg_get_function_result", "pg_function_is_visible",
    "pg_get_constraintdef", "pg_get_indexdef", "pg_table_is_visible", "pg_get_expr",    "pg_get_viewdef",
    "obj_description",   "col_description",    "shobj_description",   "pg_table_size",  "pg_relation_size",
    "pg_total_relation_size", "pg_indexes_size", "pg_database_size",  "pg_get_triggerdef", "pg_get_partkeydef",
    "pg_get_statisticsobjdef_columns", "pg_get_ruledef", "pg_relation_is_publishable", "array_upper", "array_lower", "current_setting", "set_config", "pg_is_in_recovery",
    "pg_is_wal_replay_paused", "quote_ident", "quote_literal", "quote_nullable", "version", "pg_backend_pid",
    "txid_current", "current_schemas", "pg_get_keywords", "to_regclass", "to_regtype", "to_regnamespace",
    "pg_get_serial_sequence", "pg_partition_ancestors", "setval", "encode", "decode", "btrim", "cardinality", "pg_typeof", "pg_tablespace_location",
    "pg_cancel_backend", "pg_terminate_backend", "json_typeof", "jsonb_typeof", "initcap", "width_bucket",
    "json_array_elements", "jsonb_array_elements", "json_array_elements_text", "jsonb_array_elements_text",
    "array_remove", "array_replace", "array_cat", "pg_size_pretty", "clock_timestamp", "json_object_keys",
    "jsonb_object_keys", "regexp_split_to_table", "string_to_table", "make_interval", "justify_days", "justify_hours",
    "justify_interval", "div", "array_ndims", "array_dims", "array_fill", "array_to_string", "lpad", "rpad", "overlay",
    "octet_length", "timeofday"};
// Set-returning functions whose FROM-clause form is a table macro of another name (a DuckDB macro is
// either a table or a scalar).
constexpr std::string_view kTableForms[] = {
    "json_array_elements", "jsonb_array_elements", "json_array_elements_text", "jsonb_array_elements_text",
    "json_each",           "jsonb_each",           "json_each_text",           "jsonb_each_text",
    "json_object_keys",    "jsonb_object_keys",    "regexp_split_to_table",    "string_to_table"};
// PostgreSQL functions DuckDB has under another name. JSON text differs in whitespace only:
// PostgreSQL writes json_build_object's pairs as `"a" : 1`, DuckDB as `"a":1`.
constexpr std::pair<std::string_view, std::string_view> kRenamedFunctions[] = {
    {"json_build_object", "json_object"},    {"jsonb_build_object", "json_object"},
    {"json_build_array", "json_array"},      {"jsonb_build_array", "json_array"},
    {"json_agg", "to_json(list"},            {"jsonb_agg", "to_json(list"},  // closed after the call
    {"to_jsonb", "to_json"},                 {"row_to_json", "to_json"},
    {"jsonb_array_length", "json_array_length"}, {"every", "bool_and"},
    {"jsonb_pretty", "json_pretty"},         {"sha256", "unhex(sha256"}};  // PostgreSQL's is bytea
// Built-in functions kept as they are but named as PostgreSQL names their column.
// Words that look like a call before a parenthesis but do not name a function (or whose column
// PostgreSQL names otherwise: CAST(x AS t) is named after x or the type).
constexpr std::string_view kNotCalls[] = {"cast", "distinct", "not", "all", "any", "some", "in", "and", "or", "is",
                                          "as", "on", "using", "select", "from", "where", "lateral", "join", "values",
                                          "exists", "trim", "treat", "row"};
constexpr std::string_view kInformationSchema[] = {"tables",    "columns",  "views",
                                                   "schemata",  "sequences", "routines",
                                                   "table_constraints", "key_column_usage",
                                                   "referential_constraints"};

template <size_t N>
bool one_of(const std::string &w, const std::string_view (&set)[N]) {
  return std::find(std::begin(set), std::end(set), w) != std::end(set);
}

std::string compat(std::string_view name) { return std::string(kPgCompatCatalog) + ".main." + std::string(name); }

// The value of a plain SQL string literal given with its quotes ('it''s' is it's); nullopt for
// other forms (E'...', U&'...').
std::optional<std::string> string_literal_value(std::string_view lit) {
  if (lit.size() < 2 || lit.front() != '\'' || lit.back() != '\'') return std::nullopt;
  std::string v;
  for (size_t i = 1; i + 1 < lit.size(); ++i) {
    v += lit[i];
    if (lit[i] == '\'') ++i;
  }
  return v;
}

// The elements of PostgreSQL's text form of a one-dimensional array ('{a,"b c",NULL}'), given as
// a SQL string literal with its quotes; NULL elements as nullopt. nullopt for anything else
// (nested arrays, dimension decorations, malformed text), which is left to DuckDB.
std::optional<std::vector<std::optional<std::string>>> array_text_elements(std::string_view lit) {
  auto value = string_literal_value(lit);
  if (!value) return std::nullopt;
  std::string &body = *value;
  auto space = [](char c) { return std::isspace(static_cast<unsigned char>(c)) != 0; };
  while (!body.empty() && space(body.back())) body.pop_back();
  size_t i = 0;
  while (i < body.size() && space(body[i])) ++i;
  if (i >= body.size() || body[i] != '{' || body.back() != '}') return std::nullopt;
  const size_t end = body.size() - 1;
  ++i;
  std::vector<std::optional<std::string>> out;
  while (i < end && space(body[i])) ++i;
  if (i == end) return out;
  while (true) {
    while (i < end && space(body[i])) ++i;
    std::string elem;
    bool quoted = i < end && body[i] == '"';
    if (quoted) {
      for (++i; i < end && body[i] != '"'; ++i) {
        if (body[i] == '\\' && i + 1 < end) ++i;
        elem += body[i];
      }
      if (i >= end) return std::nullopt;
      ++i;
    } else {
      for (; i < end && body[i] != ','; ++i) {
        if (body[i] == '{' || body[i] == '}' || body[i] == '"') return std::nullopt;
        if (body[i] == '\\' && i + 1 < end) ++i;
        elem += body[i];
      }
      while (!elem.empty() && space(elem.back())) elem.pop_back();
      if (elem.empty()) return std::nullopt;
    }
    while (i < end && space(body[i])) ++i;
    if (!quoted && strcasecmp(elem.c_str(), "null") == 0)
      out.emplace_back(std::nullopt);
    else
      out.emplace_back(std::move(elem));
    if (i == end) break;
    if (body[i] != ',') return std::nullopt;
    ++i;
  }
  return out;
}

// The same literal as the DuckDB expression ARRAY['a', 'b c', NULL], whose elements the cast that
// follows converts.
std::optional<std::string> array_text_literal(std::string_view lit) {
  auto elements = array_text_elements(lit);
  if (!elements) return std::nullopt;
  std::string out = "ARRAY[";
  for (size_t k = 0; k < elements->size(); ++k) {
    if (k) out += ", ";
    out += (*elements)[k] ? sql_literal(*(*elements)[k]) : "NULL";
  }
  return out + "]";
}

// A path of text keys ('{a,b}', as jsonb's #> takes it) as the JSON pointer DuckDB's -> takes
// ('/a/b'; '~' and '/' escaped); nullopt when the literal is not such a path.
std::optional<std::string> json_pointer_literal(std::string_view lit) {
  auto elements = array_text_elements(lit);
  if (!elements) return std::nullopt;
  std::string pointer;
  for (const auto &e : *elements) {
    if (!e) return std::nullopt;
    pointer += '/';
    for (char c : *e) pointer += c == '~' ? "~0" : c == '/' ? "~1" : std::string(1, c);
  }
  return sql_literal(pointer);
}

// The UTF-8 bytes of a code point (at most U+10FFFF).
void append_utf8(std::string &out, uint32_t code) {
  if (code < 0x80) {
    out += static_cast<char>(code);
    return;
  }
  const int continuation = code < 0x800 ? 1 : code < 0x10000 ? 2 : 3;
  static constexpr unsigned char kLead[] = {0, 0xC0, 0xE0, 0xF0};
  out += static_cast<char>(kLead[continuation] | (code >> (6 * continuation)));
  for (int k = continuation - 1; k >= 0; --k) out += static_cast<char>(0x80 | ((code >> (6 * k)) & 0x3F));
}

// The date and time patterns of to_char / to_date templates. Numeric patterns (no case) match in
// either case, and FM drops their leading zeros (`unpadded`, empty where strftime has no such
// form). Text patterns are matched as written: the case they are written in is the case of the
// text ('U'pper, 'L'ower, '=' as DuckDB writes it), and Month and Day are blank-padded to 9
// characters unless FM.
struct DateWord {
  std::string_view pg, spec, unpadded;
  char text_case;  // 0 for numeric patterns
  bool padded;
};
constexpr DateWord kDateWords[] = {
    {"HH24", "%H", "%-H", 0, false},  {"HH12", "%I", "%-I", 0, false}, {"HH", "%I", "%-I", 0, false},
    {"MI", "%M", "%-M", 0, false},    {"SS", "%S", "%-S", 0, false},   {"MS", "%g", "", 0, false},
    {"US", "%f", "", 0, false},       {"YYYY", "%Y", "", 0, false},    {"YY", "%y", "%-y", 0, false},
    {"MM", "%m", "%-m", 0, false},    {"DDD", "%j", "%-j", 0, false},  {"DD", "%d", "%-d", 0, false},
    {"IYYY", "%G", "", 0, false},     {"IW", "%V", "%-V", 0, false},   {"AM", "%p", "", 'U', false},
    {"PM", "%p", "", 'U', false},     {"am", "%p", "", 'L', false},    {"pm", "%p", "", 'L', false},
    {"MONTH", "%B", "", 'U', true},   {"Month", "%B", "", '=', true},  {"month", "%B", "", 'L', true},
    {"MON", "%b", "", 'U', false},    {"Mon", "%b", "", '=', false},   {"mon", "%b", "", 'L', false},
    {"DAY", "%A", "", 'U', true},     {"Day", "%A", "", '=', true},    {"day", "%A", "", 'L', true},
    {"DY", "%a", "", 'U', false},     {"Dy", "%a", "", '=', false},    {"dy", "%a", "", 'L', false},
    {"TZ", "%Z", "", 'U', false},     {"tz", "%Z", "", 'L', false}};

// Walks a date template: quoted text and backslash-escaped characters and other characters are
// `literal`; each pattern is `word` (nullptr for D, the day of the week) with whether FM preceded
// it. Patterns with no translation raise 0A000 naming `function`.
void walk_date_template(const std::string &tmpl, const char *function, const std::function<void(char)> &literal,
                        const std::function<void(const DateWord *, bool)> &word) {
  static constexpr std::string_view kLong[] = {"SSSSS", "SSSS", "IDDD", "Y,YYY", "A.M.", "P.M.", "a.m.", "p.m.",
                                               "A.D.", "B.C.", "a.d.", "b.c.", "TZH", "TZM", "FF"};
  static constexpr std::string_view kShort[] = {"YYY", "IYY", "IY", "ID", "I", "Y", "TH", "th", "Q", "WW", "W",
                                                "J", "CC", "RM", "rm", "AD", "BC", "ad", "bc", "OF"};
  auto unsupported = [&](std::string_view pattern) {
    throw Error(sqlstate::kFeatureNotSupported,
                std::string(function) + " template pattern \"" + std::string(pattern) + "\" is not supported");
  };
  bool fm = false;
  for (size_t k = 0; k < tmpl.size();) {
    char c = tmpl[k];
    if (c == '"') {  // quoted text, with \" inside
      for (++k; k < tmpl.size() && tmpl[k] != '"'; ++k) {
        if (tmpl[k] == '\\' && k + 1 < tmpl.size()) ++k;
        literal(tmpl[k]);
      }
      ++k;
      continue;
    }
    if (c == '\\' && k + 1 < tmpl.size()) {
      literal(tmpl[k + 1]);
      k += 2;
      continue;
    }
    if (tmpl.compare(k, 2, "FM") == 0 || tmpl.compare(k, 2, "fm") == 0) {
      fm = true;
      k += 2;
      continue;
    }
    auto at = [&](std::string_view p, bool any_case) {
      return k + p.size() <= tmpl.size() &&
             (any_case ? strncasecmp(tmpl.data() + k, p.data(), p.size()) == 0 : tmpl.compare(k, p.size(), p) == 0);
    };
    for (auto p : kLong)
      if (at(p, true)) unsupported(p);
    const DateWord *match = nullptr;
    for (auto &w : kDateWords) {
      if (at(w.pg, w.text_case == 0)) {
        match = &w;
        break;
      }
    }
    if (!match && (c == 'D' || c == 'd')) {
      word(nullptr, fm);
      ++k;
      fm = false;
      continue;
    }
    if (!match) {
      for (auto p : kShort)
        if (at(p, true)) unsupported(p);
      literal(c);
      ++k;
      continue;
    }
    word(match, fm);
    k += match->pg.size();
    fm = false;
  }
}

class Rewriter {
 public:
  // `stored`: the statement is DDL whose expressions DuckDB stores (views, defaults, CHECK): they
  // must not name the session-side compatibility database.
  Rewriter(std::string_view s, bool stored) : s_(s), t_(tokenize(s)), stored_(stored) {}

  std::string run() {
    for (size_t i = 0; i < t_.size(); ++i) {
      if (t_[i].kind == Tok::kOp) {
        if (!stored_) division(i);
        if (!stored_) quantified_equality(i);
        regex_match(i);
        json_operator(i);
      } else if (t_[i].kind == Tok::kIdent || t_[i].kind == Tok::kQuotedIdent) {
        if (public_schema(i)) continue;
        if (t_[i].kind == Tok::kQuotedIdent) continue;
        if (locking_clause(i)) continue;
        if (unicode_string(i)) continue;
        if (sequence_columns(i)) continue;
        if (type_name(i)) continue;
        if (interval_typed_literal(i)) continue;
        if (to_char(i)) continue;
        if (format_call(i)) continue;
        concat_call(i);
        if (regexp_matches_call(i)) continue;
        if (parse_date_call(i)) continue;
        if (count_nulls_call(i)) continue;
        if (reg_cast_call(i)) continue;
        if (quantified_like(i)) continue;
        if (like_escape(i)) continue;
        if (similar_to(i)) continue;
        if (between_symmetric(i)) continue;
        overlay_keywords(i);
        series_constants(i);
        if (jsonb_set_call(i)) continue;
        if (table_form(i)) continue;
        if (catalog_name(i)) continue;
        if (multi_unnest(i)) continue;
        if (scalar_function_alias(i)) continue;
        if (operator_syntax(i)) continue;
        if (collate(i)) continue;
        set_returning_select_item(i);
        if (followed_by(i, '(') && !preceded_by_dot(i) && !one_of(t_[i].word, kNotCalls)) name_select_item(i, i);
      } else if (t_[i].kind == Tok::kCast) {
        cast(i);
      }
    }
    if (edits_.empty()) return std::string(s_);
    // Insertions sort before replacements that start at the same place, outermost ones first.
    std::stable_sort(edits_.begin(), edits_.end(), [](const Edit &a, const Edit &b) {
      if (a.begin != b.begin) return a.begin < b.begin;
      if ((a.end == a.begin) != (b.end == b.begin)) return a.end == a.begin;
      return a.outermost && !b.outermost;
    });
    std::string out;
    size_t at = 0;
    for (auto &e : edits_) {
      if (e.begin < at) continue;  // overlapping edits cannot happen for valid SQL; keep the first
      out.append(s_.substr(at, e.begin - at));
      out += e.text;
      at = e.end;
    }
    out.append(s_.substr(at));
    return out;
  }

 private:
  const Token *tok(size_t i) const { return i < t_.size() ? &t_[i] : nullptr; }
  bool preceded_by_dot(size_t i) const { return i > 0 && is_punct(t_[i - 1], '.'); }
  std::string_view text_of(size_t i) const { return s_.substr(t_[i].begin, t_[i].end - t_[i].begin); }
  bool followed_by(size_t i, char c) const { return i + 1 < t_.size() && is_punct(t_[i + 1], c); }
  // Whether the name at i is qualified by a schema other than pg_catalog (so not the built-in).
  bool qualified_elsewhere(size_t i) const { return preceded_by_dot(i) && (i < 2 || !word_at(i - 2, "pg_catalog")); }

  // Type names DuckDB reads otherwise or not at all. numeric (or decimal) without precision holds
  // any value in PostgreSQL; DuckDB reads the bare name as DECIMAL(18,3) and would round to three
  // places. It becomes DECIMAL(38,10), which the wire reports as numeric without a modifier
  // (pgwire::unconstrained_numeric). jsonb is DuckDB's JSON (sent as json). The name is a type
  // after `::`, `CAST(x AS`, `TYPE`, a column name in a definition, or before a string (typed
  // literal); elsewhere it may be a column called numeric.
  bool type_name(size_t i) {
    const Token &t = t_[i];
    const char *duck = t.word == "numeric" || t.word == "decimal" ? "DECIMAL(38,10)" : t.word == "jsonb" ? "JSON" : nullptr;
    if (!duck || t.kind != Tok::kIdent || followed_by(i, '(') || followed_by(i, '.')) return false;
    size_t from = i;
    if (preceded_by_dot(i)) {
      if (i < 2 || !word_at(i - 2, "pg_catalog")) return false;
      from = i - 2;
    }
    if (from == 0) return false;
    const Token &prev = t_[from - 1];
    bool type = prev.kind == Tok::kCast || word_at(from - 1, "type") ||
                (tok(i + 1) && t_[i + 1].kind == Tok::kString) ||
                (word_at(from - 1, "as") && (followed_by(i, ')') || followed_by(i, '['))) || defines_column_type(from);
    if (!type) return false;
    // After `::` a pg_catalog qualifier is left to the cast rewrite, which drops it.
    edits_.push_back({prev.kind == Tok::kCast ? t.begin : t_[from].begin, t.end, duck});
    return true;
  }

  // Whether token `from` is the type of a column definition (CREATE TABLE t (c TYPE, ...), ADD
  // [COLUMN] c TYPE).
  bool defines_column_type(size_t from) const {
    if (from < 2 || !is_name(t_[from - 1])) return false;
    return ((is_punct(t_[from - 2], '(') || is_punct(t_[from - 2], ',')) && in_definition(from - 2)) ||
           word_at(from - 2, "column") || word_at(from - 2, "add");
  }

  // serial types and identity columns of a lake table draw from a counter the lake keeps (see
  // lake/sequences.hpp): the type becomes its integer type with a default that calls it, under
  // the key the lake replaces with the table's own counter. DuckDB tables take neither, and a
  // column added to a table with rows would take one value for all of them: 0A000 for those.
  bool sequence_columns(size_t i) {
    static constexpr std::string_view kSerial[] = {"serial", "bigserial", "smallserial", "serial2", "serial4", "serial8"};
    const Token &t = t_[i];
    if (t.kind != Tok::kIdent) return false;
    bool serial = one_of(t.word, kSerial) && !followed_by(i, '(') && !followed_by(i, '.') && defines_column_type(i);
    bool identity = t.word == "identity" && i >= 3 && word_at(i - 1, "as") &&
                    (word_at(i - 2, "always") || (word_at(i - 2, "default") && word_at(i - 3, "by")));
    if (!serial && !identity) return false;
    const char *what = serial ? "serial columns" : "identity columns";
    bool temporary = word_at(0, "create") && (word_at(1, "temp") || word_at(1, "temporary") ||
                                              word_at(2, "temp") || word_at(2, "temporary"));
    if (temporary)
      throw Error(sqlstate::kFeatureNotSupported, std::string(what) + " are not supported in temporary tables", 0, {},
                  "Declare the column as integer or bigint with DEFAULT nextval() of a CREATE TEMP SEQUENCE.");
    if (!word_at(0, "create"))
      throw Error(sqlstate::kFeatureNotSupported,
                  std::string(what) + " can only be declared in CREATE TABLE, not added to an existing table");
    std::string draws = std::string(" DEFAULT ") + lake::kNextvalFunction + "('" + lake::kNewSequenceKey + "') NOT NULL";
    if (serial) {
      const char *type = t.word == "bigserial" || t.word == "serial8"     ? "BIGINT"
                         : t.word == "smallserial" || t.word == "serial2" ? "SMALLINT"
                                                                           : "INTEGER";
      edits_.push_back({t.begin, t.end, type + draws});
      return true;
    }
    size_t generated = word_at(i - 2, "always") ? i - 3 : i - 4;
    if (!word_at(generated, "generated")) return false;
    if (word_at(i - 2, "always"))
      throw Error(sqlstate::kFeatureNotSupported, "GENERATED ALWAYS AS IDENTITY is not supported", 0, {},
                  "Declare the column GENERATED BY DEFAULT AS IDENTITY.");
    if (followed_by(i, '('))
      throw Error(sqlstate::kFeatureNotSupported, "sequence options of identity columns are not supported", 0, {},
                  "Identity columns count from 1 by 1; leave out the options.");
    edits_.push_back({t_[generated].begin, t.end, draws.substr(1)});
    return true;
  }

  // to_char(value, 'template') for dates and times: the template becomes DuckDB strftime pieces,
  // joined with || (NULL in, NULL out). The value is written once, as the element of a one-item
  // list given to a lambda, so rewrites inside it still apply. A template that is not a constant,
  // a numeric template, or a pattern without a translation raises 0A000 (see to_char_pieces).
  bool to_char(size_t i) {
    if (t_[i].word != "to_char" || !followed_by(i, '(')) return false;
    // pg_catalog.to_char: the qualifier is dropped by the catalog-name rewrite.
    if (qualified_elsewhere(i)) return false;
    size_t close = matching(i + 1);
    if (close == 0 || close < 4 || t_[close - 1].kind != Tok::kString || !is_punct(t_[close - 2], ',')) {
      throw Error(sqlstate::kFeatureNotSupported, "to_char() is supported with a constant template only");
    }
    auto tmpl = string_literal_value(text_of(close - 1));
    if (!tmpl) throw Error(sqlstate::kFeatureNotSupported, "to_char() template must be a plain string");
    if (tmpl->find_first_of("09") != std::string::npos) {
      // A number's template (digit positions): formatted by Mallard's own function from the
      // value's text; the template is checked now (0A000 for patterns it does not know).
      parse_number_template(*tmpl);
      edits_.push_back({t_[i].begin, t_[i + 1].end, "list_transform(["});
      edits_.push_back({t_[close - 2].begin, t_[close].end,
                        "], lambda __v: __mallard_to_char_number(CAST(__v AS VARCHAR), " +
                            std::string(text_of(close - 1)) + ", typeof(__v)))[1]"});
      name_select_item(i, i);
      return true;
    }
    edits_.push_back({t_[i].begin, t_[i + 1].end, "list_transform(["});
    edits_.push_back({t_[close - 2].begin, t_[close].end, "], lambda __v: " + to_char_pieces(*tmpl) + ")[1]"});
    name_select_item(i, i);
    return true;
  }

  // format(formatstr, args...) is PostgreSQL's (%s, %I, %L), not DuckDB's ({}): Mallard's own
  // function, given every argument as DuckDB's text of it (booleans are true/false there).
  bool format_call(size_t i) {
    if (t_[i].word != "format" || !followed_by(i, '(') || stored_) return false;
    if (qualified_elsewhere(i)) return false;
    auto args = call_arguments(i + 1);
    if (args.empty()) return false;
    edits_.push_back({t_[i].begin, t_[i].end, "__mallard_format"});
    output_text_arguments(args, 1);
    if (!preceded_by_dot(i)) name_select_item(i, i);  // pg_catalog.format: named where the qualifier goes
    return true;
  }

  // concat(...) and concat_ws(sep, ...) write their arguments as PostgreSQL's output functions
  // do (a boolean is t or f; DuckDB's concat writes true), as format() does.
  bool concat_call(size_t i) {
    if ((t_[i].word != "concat" && t_[i].word != "concat_ws") || !followed_by(i, '(') || stored_ ||
        qualified_elsewhere(i))
      return false;
    auto args = call_arguments(i + 1);
    output_text_arguments(args, t_[i].word == "concat" ? 0 : 1);
    return false;  // the arguments are rewritten as usual
  }

  // Each argument from `from` on as its text (pg_compat output_text).
  void output_text_arguments(const std::vector<std::pair<size_t, size_t>> &args, size_t from) {
    for (size_t a = from; a < args.size(); ++a) {
      edits_.push_back({t_[args[a].first].begin, t_[args[a].first].begin, compat("output_text(("), true});
      edits_.push_back({t_[args[a].second - 1].end, t_[args[a].second - 1].end, "))"});
    }
  }

  // The arguments of the call whose '(' is token `open`: each one's tokens [first, second); empty
  // when the parenthesis does not close or an argument is empty.
  std::vector<std::pair<size_t, size_t>> call_arguments(size_t open) const {
    const size_t close = matching(open);
    std::vector<std::pair<size_t, size_t>> out;
    if (close == 0 || close == open + 1) return out;
    int depth = 0;
    size_t begin = open + 1;
    for (size_t k = open + 1; k <= close; ++k) {
      if (k == close || (depth == 0 && is_punct(t_[k], ','))) {
        if (begin == k) return {};
        out.emplace_back(begin, k);
        begin = k + 1;
        continue;
      }
      if (is_punct(t_[k], '(') || is_punct(t_[k], '[')) ++depth;
      if (is_punct(t_[k], ')') || is_punct(t_[k], ']')) --depth;
    }
    return out;
  }

  // regexp_matches(string, pattern [, flags]) is PostgreSQL's set-returning function (one text[]
  // of the captures, or of the whole match without groups, per match: the first only unless the
  // flags have g), not DuckDB's boolean. The pattern and flags must be constants: the number of
  // groups comes from the pattern. The string is written once, as the element of a one-item list
  // given to a lambda, so rewrites inside it still apply.
  bool regexp_matches_call(size_t i) {
    if (t_[i].word != "regexp_matches" || !followed_by(i, '(') || stored_ || clause_of(i) == "from") return false;
    if (qualified_elsewhere(i)) return false;
    auto args = call_arguments(i + 1);
    if (args.size() < 2 || args.size() > 3) return false;
    auto constant = [&](const std::pair<size_t, size_t> &a) -> std::optional<std::string> {
      if (a.second != a.first + 1 || t_[a.first].kind != Tok::kString) return std::nullopt;
      return string_literal_value(text_of(a.first));
    };
    auto pattern = constant(args[1]);
    std::optional<std::string> flags = args.size() == 3 ? constant(args[2]) : std::optional<std::string>("");
    if (!pattern || !flags)
      throw Error(sqlstate::kFeatureNotSupported, "regexp_matches() is supported with a constant pattern and flags only");
    bool global = false;
    std::string options;
    for (char f : *flags) {
      if (f == 'g') global = true;
      else if (f == 'i') options = "i";
      else if (f != 'c')
        throw Error(sqlstate::kFeatureNotSupported, std::string("regexp_matches() flag \"") + f + "\" is not supported");
    }
    const size_t groups = capture_groups(*pattern);
    const std::string p = sql_literal(*pattern), o = sql_literal(options);
    std::string captures;
    for (size_t g = groups == 0 ? 0 : 1; g <= groups; ++g) {
      if (!captures.empty()) captures += ", ";
      captures += global ? "regexp_extract_all(__s, " + p + ", " + std::to_string(g) + ", " + o + ")[__k + 1]"
                         : "regexp_extract(__s, " + p + ", " + std::to_string(g) + ", " + o + ")";
    }
    std::string per_string =
        global ? "list_transform(range(len(regexp_extract_all(__s, " + p + ", 0, " + o + "))), lambda __k: [" + captures + "])"
               : "CASE WHEN regexp_matches(__s, " + p + ", " + o + ") THEN [[" + captures + "]] ELSE [] END";
    const size_t close = args.back().second;
    edits_.push_back({t_[i].begin, t_[args[0].first].begin, "unnest(list_transform([", true});
    edits_.push_back({t_[args[0].second - 1].end, t_[close].end, "], lambda __s: " + per_string + ")[1])"});
    if (!preceded_by_dot(i)) name_select_item(i, i);
    return true;
  }

  // num_nulls(a, b, ...) and num_nonnulls(...): a sum of one test per argument, each written once.
  bool count_nulls_call(size_t i) {
    const std::string &w = t_[i].word;
    if ((w != "num_nulls" && w != "num_nonnulls") || !followed_by(i, '(')) return false;
    if (qualified_elsewhere(i)) return false;
    auto args = call_arguments(i + 1);
    if (args.empty()) return false;
    const std::string test = w == "num_nulls" ? ") IS NULL AS INTEGER)" : ") IS NOT NULL AS INTEGER)";
    edits_.push_back({t_[i].begin, t_[i + 1].end, "(CAST(("});
    for (size_t a = 1; a < args.size(); ++a)
      edits_.push_back({t_[args[a].first - 1].begin, t_[args[a].first - 1].end, test + " + CAST(("});
    edits_.push_back({t_[args.back().second].begin, t_[args.back().second].end, test + ")"});
    if (!preceded_by_dot(i)) name_select_item(i, i);
    return true;
  }

  // Capturing groups of a regular expression: '(' not escaped, outside [...], and not (?...) other
  // than a named group.
  static size_t capture_groups(const std::string &re) {
    size_t n = 0;
    bool in_class = false;
    for (size_t k = 0; k < re.size(); ++k) {
      if (re[k] == '\\') {
        ++k;
      } else if (in_class) {
        in_class = re[k] != ']';
      } else if (re[k] == '[') {
        in_class = true;
        if (k + 1 < re.size() && re[k + 1] == ']') ++k;  // []...] holds a ']'
      } else if (re[k] == '(') {
        bool named = re.compare(k, 4, "(?P<") == 0 || (re.compare(k, 3, "(?<") == 0 && re.compare(k, 4, "(?<=") != 0 &&
                                                      re.compare(k, 4, "(?<!") != 0);
        if (k + 1 >= re.size() || re[k + 1] != '?' || named) ++n;
      }
    }
    return n;
  }

  static std::string to_char_pieces(const std::string &tmpl) {
    if (tmpl.find_first_of("09") != std::string::npos)
      throw Error(sqlstate::kFeatureNotSupported, "to_char() with a numeric template is not supported");
    std::vector<std::string> pieces;
    std::string fmt;  // strftime text not yet closed into a piece
    auto flush = [&] {
      if (!fmt.empty()) pieces.push_back("strftime(__v, " + sql_literal(fmt) + ")");
      fmt.clear();
    };
    auto piece = [&](std::string p) {
      flush();
      pieces.push_back(std::move(p));
    };
    walk_date_template(
        tmpl, "to_char()", [&](char c) { fmt += c == '%' ? std::string("%%") : std::string(1, c); },
        [&](const DateWord *w, bool fm) {
          if (!w) {  // day of the week, Sunday = 1
            piece("CAST(CAST(strftime(__v, '%w') AS INTEGER) + 1 AS VARCHAR)");
          } else if (w->text_case == 0) {
            fmt += fm && !w->unpadded.empty() ? w->unpadded : w->spec;
          } else if (w->text_case == '=' && !w->padded) {
            fmt += w->spec;
          } else {
            std::string one = "strftime(__v, '" + std::string(w->spec) + "')";
            if (w->text_case == 'U') one = "upper(" + one + ")";
            if (w->text_case == 'L') one = "lower(" + one + ")";
            if (w->padded && !fm) one = "rpad(" + one + ", 9, ' ')";
            piece(one);
          }
        });
    flush();
    if (pieces.empty()) return "CASE WHEN __v IS NULL THEN NULL ELSE '' END";
    std::string out;
    for (auto &p : pieces) out += (out.empty() ? "" : " || ") + p;
    return out;
  }

  // A to_date / to_timestamp template as a strptime format (text patterns are read in any case).
  static std::string strptime_format(const std::string &tmpl, const char *function) {
    std::string fmt;
    walk_date_template(
        tmpl, function, [&](char c) { fmt += c == '%' ? std::string("%%") : std::string(1, c); },
        [&](const DateWord *w, bool) {
          if (!w || w->pg == "TZ" || w->pg == "tz" || w->pg == "IYYY" || w->pg == "IW")
            throw Error(sqlstate::kFeatureNotSupported,
                        std::string(function) + " template pattern \"" + std::string(w ? w->pg : "D") +
                            "\" is not supported");
          fmt += w->spec;
        });
    return fmt;
  }

  // to_date(text, template) and to_timestamp(text, template): DuckDB's strptime with the template
  // translated (to_timestamp's value is read in the session's time zone, as PostgreSQL reads it).
  // The text stays where it is written.
  bool parse_date_call(size_t i) {
    const std::string &w = t_[i].word;
    if ((w != "to_date" && w != "to_timestamp") || !followed_by(i, '(') || stored_) return false;
    if (qualified_elsewhere(i)) return false;
    auto args = call_arguments(i + 1);
    if (args.size() != 2) return false;  // to_timestamp(epoch seconds) is DuckDB's own
    const size_t t = args[1].first;
    std::optional<std::string> tmpl;
    if (args[1].second == t + 1 && t_[t].kind == Tok::kString) tmpl = string_literal_value(text_of(t));
    const std::string function = w + "()";
    if (!tmpl) throw Error(sqlstate::kFeatureNotSupported, function + " is supported with a constant template only");
    const std::string fmt = strptime_format(*tmpl, function.c_str());
    const char *type = w == "to_date" ? "DATE" : "TIMESTAMPTZ";
    edits_.push_back({t_[i].begin, t_[i + 1].end, "CAST(strptime(", true});
    edits_.push_back({t_[t].begin, t_[args[1].second].end, sql_literal(fmt) + ") AS " + type + ")"});
    if (!preceded_by_dot(i)) name_select_item(i, i);
    return true;
  }

  // Whether the parenthesis open at or before k (a '(' or a ',' inside one) lists column
  // definitions: CREATE TABLE name ( or a column added by ALTER TABLE.
  bool in_definition(size_t k) const {
    int depth = 0;
    for (size_t j = k + 1; j-- > 0;) {
      if (is_punct(t_[j], ')')) ++depth;
      if (!is_punct(t_[j], '(')) continue;
      if (depth-- > 0) continue;
      // The list's own parenthesis: CREATE [TEMP] TABLE [IF NOT EXISTS] name (
      for (size_t b = j; b-- > 0;) {
        if (word_at(b, "table")) return b > 0;
        if (!is_name(t_[b]) && !is_punct(t_[b], '.')) return false;
      }
      return false;
    }
    return false;
  }

  // public.X names X in PostgreSQL's default schema, which is DuckDB's main.
  bool public_schema(size_t i) {
    if (t_[i].word != "public" || !followed_by(i, '.') || !tok(i + 2) || !is_name(t_[i + 2])) return false;
    edits_.push_back({t_[i].begin, t_[i].end, "main"});
    return true;
  }

  // A set-returning function in FROM (json_array_elements(x) AS e): its table macro.
  bool table_form(size_t i) {
    size_t name = i;
    if (t_[i].word == "pg_catalog" && followed_by(i, '.') && tok(i + 2) && is_name(t_[i + 2])) name = i + 2;
    else if (preceded_by_dot(i)) return false;
    if (!one_of(t_[name].word, kTableForms) || !followed_by(name, '(') || !in_from_clause(i)) return false;
    edits_.push_back({t_[i].begin, t_[name].end, compat(t_[name].word + "_rows")});
    // A function of one unnamed column: its alias names the value. (json_array_elements' column is
    // named `value`, and json_each's are key and value.)
    if (t_[name].word.find("_each") == std::string::npos && t_[name].word.find("_elements") == std::string::npos)
      alias_names_the_column(name);
    return true;
  }

  // pg_catalog.X, information_schema.X, and unqualified catalog relations.
  bool catalog_name(size_t i) {
    const Token &t = t_[i];
    if (preceded_by_dot(i)) return false;
    if ((t.word == "pg_catalog" || t.word == "information_schema") && followed_by(i, '.') && tok(i + 2) &&
        is_name(t_[i + 2])) {
      const Token &x = t_[i + 2];
      if (followed_by(i + 2, '.')) {
        // pg_catalog.pg_class.relname: a column of a catalog relation (SQLAlchemy writes them so).
        if (t.word != "pg_catalog" || !one_of(x.word, kRelations)) return false;
        edits_.push_back({t.begin, x.end, compat(x.word)});
        return true;
      }
      bool call = followed_by(i + 2, '(');
      if (t.word == "pg_catalog" && ((!call && one_of(x.word, kRelations)) || (call && one_of(x.word, kFunctions)))) {
        edits_.push_back({t.begin, x.end, compat(x.word)});
        if (call) name_select_item(i, i + 2);
        return true;
      }
      if (t.word == "pg_catalog" && call) {
        // Built-in functions are found unqualified; DuckDB would read pg_catalog.unnest(x) in FROM
        // as a method call on a column named pg_catalog.
        edits_.push_back({t.begin, x.begin, ""});
        name_select_item(i, i + 2);
        return true;
      }
      if (t.word == "information_schema" && call && x.word == "_pg_expandarray") {
        edits_.push_back({t.begin, x.end, compat("pg_expandarray")});
        return true;
      }
      if (t.word == "information_schema" && !call && one_of(x.word, kInformationSchema)) {
        edits_.push_back({t.begin, x.end, compat("information_schema_" + x.word)});
        return true;
      }
      return false;
    }
    if (followed_by(i, '.')) return false;  // a qualifier such as pg_type.oid
    if (i > 0 && t_[i - 1].kind == Tok::kIdent && t_[i - 1].word == "as") return false;
    if (i > 0 && t_[i - 1].kind == Tok::kCast) return false;
    bool call = followed_by(i, '(');
    if (call) {
      for (auto [pg, duck] : kRenamedFunctions) {
        if (t.word != pg) continue;
        size_t close = matching(i + 1);
        if (close == 0) return false;
        // An aggregate's FILTER (...) and OVER ... stay inside what wraps it.
        if (word_at(close + 1, "filter") && followed_by(close + 1, '(') && matching(close + 2))
          close = matching(close + 2);
        if (word_at(close + 1, "over") && tok(close + 2))
          close = followed_by(close + 1, '(') && matching(close + 2) ? matching(close + 2) : close + 2;
        edits_.push_back({t.begin, t.end, std::string(duck)});
        if (duck.find('(') != std::string_view::npos) edits_.push_back({t_[close].end, t_[close].end, ")"});
        name_select_item(i, i);
        return true;
      }
    }
    // DuckDB's own lpad/rpad (three arguments) and array_to_string (two) are kept, so that views
    // using them stay readable without Mallard's catalog.
    if (call && (((t.word == "lpad" || t.word == "rpad") && call_arguments(i + 1).size() != 2) ||
                 (t.word == "array_to_string" && call_arguments(i + 1).size() != 3)))
      return false;
    if ((!call && one_of(t.word, kRelations)) ||
        (call && (one_of(t.word, kFunctions) || one_of(t.word, kAdvisoryLockFunctions)))) {
      // to_regclass('x') as a select item shows the name, as ::regclass does (cast).
      const size_t close = call && t.word.rfind("to_reg", 0) == 0 ? matching(i + 1) : 0;
      if (close != 0 && shown_select_item(i) && (ends_select_item(close + 1) || word_at(close + 1, "as"))) {
        edits_.push_back({t.begin, t.end, compat(t.word.substr(3) + "_out(") + compat(t.word)});
        edits_.push_back({t_[close].end, t_[close].end, word_at(close + 1, "as") ? ")" : ") AS " + t.word});
        return true;
      }
      edits_.push_back({t.begin, t.end, compat(t.word)});
      if (call) name_select_item(i, i);
      return true;
    }
    if (!call && t.kind == Tok::kIdent &&
        (t.word == "current_user" || t.word == "session_user" || t.word == "current_role" || t.word == "user")) {
      // `user` (reserved, so never a bare name) is also a word of statements: CREATE/ALTER/DROP USER,
      // USER MAPPING.
      if (t.word == "user" && ((i > 0 && (word_at(i - 1, "create") || word_at(i - 1, "alter") ||
                                          word_at(i - 1, "drop") || word_at(i - 1, "for"))) ||
                               word_at(i + 1, "mapping") || followed_by(i, '.')))
        return false;
      // The session's user, not DuckDB's ("duckdb"); the variable is set at connect.
      std::string text = "coalesce(getvariable('mallard_user'), 'mallard')";
      if (i > 0 && (word_at(i - 1, "select") || (is_punct(t_[i - 1], ',') && clause_of(i - 1) == "select")) &&
          (i + 1 >= t_.size() || is_punct(t_[i + 1], ',') || word_at(i + 1, "from") || is_punct(t_[i + 1], ';')))
        text += " AS " + t.word;
      edits_.push_back({t.begin, t.end, text});
      return true;
    }
    return false;
  }

  // A select-list item that is a bare function call, with no alias, is named after the function
  // in PostgreSQL ("version", "current_schema"); DuckDB would name it after the call's text. The
  // call's first token is `first`, its name token `name`.
  void name_select_item(size_t first, size_t name) {
    if (!begins_select_item(first)) return;
    size_t close = matching(name + 1);
    if (close == 0 || !ends_select_item(close + 1)) return;
    edits_.push_back({t_[close].end, t_[close].end, " AS " + sql_ident(t_[name].word)});
  }

  // Whether token `first` starts an item of a select list, and whether one ends before `after`
  // (an alias aside).
  bool begins_select_item(size_t first) const {
    if (first == 0 || !(word_at(first - 1, "select") || is_punct(t_[first - 1], ','))) return false;
    return !is_punct(t_[first - 1], ',') || clause_of(first - 1) == "select";
  }
  // Whether the item starting at `first` is a column of what the statement returns: an item of
  // the select list of a query that is only a SELECT (no set operation, not inside parentheses,
  // not feeding an INSERT or CREATE TABLE AS).
  bool shown_select_item(size_t first) const {
    if (!begins_select_item(first) || t_.empty() || !(word_at(0, "select") || word_at(0, "with"))) return false;
    int depth = 0;
    for (size_t j = 0; j < t_.size(); ++j) {
      if (is_punct(t_[j], '(')) ++depth;
      if (is_punct(t_[j], ')')) --depth;
      if (j == first && depth != 0) return false;
      if (depth == 0 && t_[j].kind == Tok::kIdent &&
          (t_[j].word == "union" || t_[j].word == "intersect" || t_[j].word == "except" || t_[j].word == "insert" ||
           t_[j].word == "into" || t_[j].word == "update" || t_[j].word == "delete"))
        return false;
    }
    return true;
  }
  bool ends_select_item(size_t after) const {
    return after >= t_.size() || is_punct(t_[after], ',') || is_punct(t_[after], ';') || is_punct(t_[after], ')') ||
           word_at(after, "from") || word_at(after, "where") || word_at(after, "union") || word_at(after, "order") ||
           word_at(after, "limit") || word_at(after, "group");
  }

  // CAST('name' AS regclass | regtype | regnamespace), the spelled-out form of 'name'::regclass: a
  // lookup by name, for a string or a parameter (other operands are left to DuckDB). CAST(x AS
  // int2 | int4 | int8) as x::int is (integer_cast).
  bool reg_cast_call(size_t i) {
    if (t_[i].word != "cast" || !followed_by(i, '(') || !tok(i + 3)) return false;
    const size_t close = matching(i + 1);
    if (close < i + 5) return false;
    // CAST(x AS varchar(n)), as x::varchar(n) (cast).
    for (size_t as = i + 3; as + 4 < close; ++as) {
      if (!word_at(as, "as")) continue;
      auto [length, end] = varchar_length(as + 1);
      if (end != close) continue;
      edits_.push_back({t_[i].begin, t_[i].begin, "left("});
      edits_.push_back({t_[as + 1].begin, t_[close].end, "VARCHAR), " + length + ")"});
      return false;  // the operand is rewritten as usual
    }
    size_t type = close - 1, as = close - 2;
    if (as >= 2 && is_punct(t_[as], '.') && word_at(as - 1, "pg_catalog")) as -= 2;
    const std::string &w = t_[type].word;
    if (!word_at(as, "as") || as < i + 3 || t_[type].kind != Tok::kIdent) return false;
    const Token &operand = t_[i + 2];
    if (int bits = integer_bits(w); bits != 0 && !stored_) {
      // As for ::int: a constant is checked now, a parameter or number keeps the plain cast.
      if (as == i + 3 && operand.kind == Tok::kString) integer_literal(operand, w);
      if (as == i + 3 && operand.kind != Tok::kIdent && operand.kind != Tok::kQuotedIdent) return false;
      for (size_t m = i + 2; m < as; ++m)
        if (t_[m].kind == Tok::kParam) return false;
      edits_.push_back({t_[i].begin, t_[i + 1].end, compat(bits == 16 ? "cast_int2(" : bits == 32 ? "cast_int4(" : "cast_int8(")});
      edits_.push_back({t_[as - 1].end, t_[close].end, ")"});
      return false;  // the operand is rewritten as usual
    }
    if (w == "interval" && as == i + 3 && operand.kind == Tok::kString) interval_literal(operand);
    if (w != "regclass" && w != "regtype" && w != "regnamespace") return false;
    // A string or a parameter is a name to look up; anything else (a column of OIDs) is shown by
    // name, as ::regclass does for it.
    const bool name = as == i + 3 && (operand.kind == Tok::kString || operand.kind == Tok::kParam);
    if (name && shown_select_item(i) && (ends_select_item(close + 1) || word_at(close + 1, "as"))) {
      edits_.push_back({t_[i].begin, t_[i + 1].end, compat(w + "_out(") + compat(w + "_in(")});
      edits_.push_back({t_[as - 1].end, t_[close].end, word_at(close + 1, "as") ? "))" : ")) AS " + w});
      return true;
    }
    edits_.push_back({t_[i].begin, t_[i + 1].end, compat(w + (name ? "_in(" : "_out("))});
    edits_.push_back({t_[as - 1].end, t_[close].end, ")"});
    return true;
  }

  // generate_series(start, stop, step) with string constants, which PostgreSQL types from the
  // other arguments and DuckDB leaves text (finding no function): a string step is an interval, a
  // string bound takes the type of the other bound when that one is visibly a date or timestamp.
  void series_constants(size_t i) {
    if (t_[i].word != "generate_series" || !followed_by(i, '(') || preceded_by_dot(i)) return;
    const auto args = call_arguments(i + 1);
    if (args.size() != 3) return;
    auto bare = [&](size_t a) { return args[a].second == args[a].first + 1 && t_[args[a].first].kind == Tok::kString; };
    auto type_of = [&](size_t a) -> std::string {  // "" unless visibly date, timestamp or timestamptz
      static constexpr std::string_view kTypes[] = {"date", "timestamp", "timestamptz"};
      const auto [first, end] = args[a];
      if (end == first + 2 && t_[first].kind == Tok::kIdent && one_of(t_[first].word, kTypes) &&
          t_[first + 1].kind == Tok::kString)
        return t_[first].word;
      if (end >= first + 3 && t_[end - 2].kind == Tok::kCast && t_[end - 1].kind == Tok::kIdent &&
          one_of(t_[end - 1].word, kTypes))
        return t_[end - 1].word;
      return "";
    };
    if (!bare(2) || (type_of(0).empty() && type_of(1).empty())) return;
    edits_.push_back({t_[args[2].first].begin, t_[args[2].first].begin, "INTERVAL "});
    interval_literal(t_[args[2].first]);
    for (size_t a : {0, 1}) {
      const std::string other = type_of(1 - a);
      if (!bare(a) || other.empty()) continue;
      edits_.push_back({t_[args[a].first].begin, t_[args[a].first].begin, "CAST("});
      edits_.push_back({t_[args[a].first].end, t_[args[a].first].end, " AS " + other + ")"});
    }
  }

  // generate_series() in a select list returns one row per value in PostgreSQL; DuckDB's scalar
  // generate_series returns one list, which unnest() turns into those rows.
  void set_returning_select_item(size_t i) {
    if (t_[i].word != "generate_series" || !followed_by(i, '(') || preceded_by_dot(i) || clause_of(i) != "select")
      return;
    const size_t close = matching(i + 1);
    if (close == 0) return;
    edits_.push_back({t_[i].begin, t_[i].begin, "unnest("});
    edits_.push_back({t_[close].end, t_[close].end, ")"});
  }

  // PostgreSQL's LIKE and ILIKE take backslash as the escape character unless ESCAPE says
  // otherwise ('a\_c' matches only "a_c"); DuckDB's have none. The pattern is the operand after
  // the operator, which ends where an operator binding looser than LIKE (comparison, IS, AND, ...)
  // or the end of the expression comes; a pattern that starts with CASE is left alone.
  bool like_escape(size_t i) {
    const std::string &w = t_[i].word;
    if ((w != "like" && w != "ilike") || t_[i].kind != Tok::kIdent || i == 0 || !tok(i + 1) || word_at(i + 1, "case") ||
        is_punct(t_[i - 1], '(') || word_at(0, "create") || word_at(0, "alter"))
      return false;
    size_t last = pattern_end(i + 1);
    if (last == 0 || word_at(last + 1, "escape")) return false;
    edits_.push_back({t_[last].end, t_[last].end, " ESCAPE '\\'"});
    return true;
  }

  // The last token of the pattern operand of LIKE or SIMILAR TO that starts at `first`: it ends
  // where an operator binding looser than LIKE (comparison, IS, AND, ...) or the end of the
  // expression comes. 0 when it does not end inside the statement's parentheses.
  size_t pattern_end(size_t first) const {
    static constexpr std::string_view kEnds[] = {
        "and",  "or",       "not",    "is",     "then",  "when",   "else",    "end",      "escape", "from",
        "where", "group",   "order",  "limit",  "offset", "having", "union",  "intersect", "except", "window",
        "returning", "as",  "on",     "using",  "like",  "ilike",  "between", "in",       "similar", "collate",
        "asc",  "desc",     "nulls",  "for",    "into",  "fetch",  "isnull", "notnull",  "do",     "set"};
    static constexpr std::string_view kComparisons[] = {"=", "<", ">", "<=", ">=", "<>", "!="};
    int depth = 0;
    size_t last = 0;
    for (size_t k = first; k < t_.size(); ++k) {
      const Token &t = t_[k];
      if (is_punct(t, '(') || is_punct(t, '[')) {
        ++depth;
      } else if (is_punct(t, ')') || is_punct(t, ']')) {
        if (depth == 0) break;
        --depth;
      } else if (depth == 0) {
        if (is_punct(t, ',') || is_punct(t, ';')) break;
        if (t.kind == Tok::kIdent && std::find(std::begin(kEnds), std::end(kEnds), t.word) != std::end(kEnds)) break;
        if (t.kind == Tok::kOp &&
            std::find(std::begin(kComparisons), std::end(kComparisons), t.word) != std::end(kComparisons))
          break;
      }
      last = k;
    }
    return depth != 0 ? 0 : last;
  }

  // x [NOT] SIMILAR TO pattern [ESCAPE e]: DuckDB would read the pattern as its own regular
  // expression ('a%' matches nothing, '.' anything); it is translated to one first
  // (common/pg_similar.hpp), with PostgreSQL's default escape character, backslash.
  bool similar_to(size_t i) {
    if (t_[i].word != "similar" || t_[i].kind != Tok::kIdent || !word_at(i + 1, "to") || !tok(i + 2) ||
        word_at(i + 2, "case") || stored_)
      return false;
    const size_t last = pattern_end(i + 2);
    if (last < i + 2) return false;
    edits_.push_back({t_[i + 2].begin, t_[i + 2].begin, "__mallard_similar_regex("});
    const size_t esc = last + 2;
    if (word_at(last + 1, "escape") && tok(esc) && (t_[esc].kind == Tok::kString || t_[esc].kind == Tok::kParam)) {
      edits_.push_back({t_[last].end, t_[esc].end, ", " + std::string(s_.substr(t_[esc].begin, t_[esc].end - t_[esc].begin)) + ")"});
      return true;
    }
    if (word_at(last + 1, "escape")) return false;
    edits_.push_back({t_[last].end, t_[last].end, ", '\\')"});
    return true;
  }

  // SELECT ... FOR UPDATE | NO KEY UPDATE | SHARE | KEY SHARE [OF t, ...] [NOWAIT | SKIP LOCKED]. Row
  // locks make PostgreSQL writers wait for each other; here a transaction reads its snapshot and
  // a conflicting write fails at commit (40001), so the clause is accepted and dropped.
  bool locking_clause(size_t i) {
    if (t_[i].word != "for" || word_at(0, "create") || word_at(0, "alter")) return false;
    size_t k = i + 1;
    if (word_at(k, "update") || word_at(k, "share"))
      k += 1;
    else if (word_at(k, "no") && word_at(k + 1, "key") && word_at(k + 2, "update"))
      k += 3;
    else if (word_at(k, "key") && word_at(k + 1, "share"))
      k += 2;
    else
      return false;
    if (word_at(k, "of")) {
      ++k;
      while (tok(k) && is_name(t_[k])) {
        ++k;
        while (followed_by(k - 1, '.') && tok(k + 1) && is_name(t_[k + 1])) k += 2;
        if (!tok(k) || !is_punct(t_[k], ',')) break;
        ++k;
      }
    }
    if (word_at(k, "nowait"))
      ++k;
    else if (word_at(k, "skip") && word_at(k + 1, "locked"))
      k += 2;
    edits_.push_back({t_[i].begin, t_[k - 1].end, ""});
    return true;
  }

  // x [NOT] LIKE | ILIKE  ANY | SOME | ALL (array or subquery): DuckDB quantifies only the
  // comparison operators. The matches become a list (a lambda over the array, or a list of the
  // subquery's rows) that compat macros reduce with PostgreSQL's rules for NULLs and empty sets.
  // A left operand that does not end the expression before it (a || b LIKE ...) is left alone.
  bool quantified_like(size_t i) {
    const std::string &w = t_[i].word;
    if ((w != "like" && w != "ilike") || i == 0) return false;
    const size_t q = i + 1;
    if (!(word_at(q, "any") || word_at(q, "some") || word_at(q, "all")) || !followed_by(q, '(')) return false;
    const size_t close = matching(q + 1);
    if (close == 0 || close == q + 2) return false;
    const bool negated = word_at(i - 1, "not");
    if (negated && i < 2) return false;
    const size_t last = negated ? i - 2 : i - 1;
    const size_t first = operand_start(last);
    if (first > 0 && (t_[first - 1].kind == Tok::kOp || t_[first - 1].kind == Tok::kCast)) return false;
    const std::string x(s_.substr(t_[first].begin, t_[last].end - t_[first].begin));
    const std::string e(s_.substr(t_[q + 2].begin, t_[close - 1].end - t_[q + 2].begin));
    const std::string op = std::string(negated ? " NOT " : " ") + (w == "ilike" ? "ILIKE " : "LIKE ");
    const std::string escape = " ESCAPE '\\'";
    const bool subquery = word_at(q + 2, "select") || word_at(q + 2, "with") || word_at(q + 2, "values");
    const std::string matches =
        subquery ? "(SELECT coalesce(list((" + x + ")" + op + "__q.__p" + escape + "), []) FROM (" + e + ") AS __q(__p))"
                 : "list_transform(" + e + ", lambda __p: (" + x + ")" + op + "__p" + escape + ")";
    edits_.push_back({t_[first].begin, t_[close].end,
                      compat(word_at(q, "all") ? "matches_all" : "matches_any") + "(" + matches + ")"});
    return true;
  }

  // OPERATOR(pg_catalog.~) is the operator itself.
  bool operator_syntax(size_t i) {
    if (t_[i].word != "operator" || !followed_by(i, '(')) return false;
    size_t k = i + 2;
    while (k + 1 < t_.size() && is_name(t_[k]) && is_punct(t_[k + 1], '.')) k += 2;
    if (k >= t_.size() || t_[k].kind != Tok::kOp || !followed_by(k, ')')) return false;
    edits_.push_back({t_[i].begin, t_[k + 1].end, " " + t_[k].word + " "});
    return true;
  }

  // COLLATE "default" / "C" / "POSIX" order by code point, which is DuckDB's own order.
  bool collate(size_t i) {
    if (t_[i].word != "collate") return false;
    size_t k = i + 1;
    if (k + 2 < t_.size() && is_name(t_[k]) && t_[k].word == "pg_catalog" && is_punct(t_[k + 1], '.')) k += 2;
    if (k >= t_.size() || !is_name(t_[k])) return false;
    std::string w = to_lower(t_[k].word);
    if (w != "default" && w != "c" && w != "posix") return false;
    edits_.push_back({t_[i].begin, t_[k].end, ""});
    return true;
  }

  // Index of the first token of the operand that ends at token `last`.
  size_t operand_start(size_t last) const {
    size_t i = last;
    while (true) {
      const Token &t = t_[i];
      if (is_punct(t, ')') || is_punct(t, ']')) {
        char open = t.word[0] == ')' ? '(' : '[';
        int depth = 0;
        size_t k = i;
        while (true) {
          if (is_punct(t_[k], t.word[0])) ++depth;
          if (is_punct(t_[k], open) && --depth == 0) break;
          if (k == 0) return 0;
          --k;
        }
        i = k;
        // A name before the parenthesis makes a call (f(x)), unless it is a keyword (SELECT (x)).
        static constexpr std::string_view kNotCallees[] = {"select", "where", "and", "or", "not", "when", "then",
                                                           "else", "on", "in", "as", "by", "from", "return",
                                                           "having", "case", "is", "like", "between"};
        bool keyword = i > 0 && t_[i - 1].kind == Tok::kIdent &&
                       std::find(std::begin(kNotCallees), std::end(kNotCallees), t_[i - 1].word) != std::end(kNotCallees);
        if (i > 0 && !keyword && (is_name(t_[i - 1]) || is_punct(t_[i - 1], ')') || is_punct(t_[i - 1], ']'))) {
          i = i - 1;
          continue;
        }
      } else if (is_name(t)) {
        if (i >= 2 && is_punct(t_[i - 1], '.') && is_name(t_[i - 2])) {
          i -= 2;
          continue;
        }
      }
      // A preceding cast belongs to the operand: 'x'::text::regclass.
      if (i >= 2 && t_[i - 1].kind == Tok::kCast) {
        i -= 2;
        continue;
      }
      return i;
    }
  }

  void cast(size_t i) {
    if (i == 0 || i + 1 >= t_.size()) return;
    size_t k = i + 1;
    size_t type_begin = k;
    if (k + 2 < t_.size() && is_name(t_[k]) && t_[k].word == "pg_catalog" && is_punct(t_[k + 1], '.')) k += 2;
    if (!is_name(t_[k])) return;
    const std::string &type = t_[k].word;
    bool array = followed_by(k, '[');
    if (array && t_[i - 1].kind == Tok::kString) {  // '{1,2}'::int[]
      if (auto elements = array_text_literal(s_.substr(t_[i - 1].begin, t_[i - 1].end - t_[i - 1].begin)))
        edits_.push_back({t_[i - 1].begin, t_[i - 1].end, *elements});
    }
    if (t_[i - 1].kind == Tok::kString && !array && operand_start(i - 1) == i - 1 && type == "interval")
      interval_literal(t_[i - 1]);
    if (t_[i - 1].kind == Tok::kString && !array && operand_start(i - 1) == i - 1) integer_literal(t_[i - 1], type);
    else if (!array && t_[k].kind == Tok::kIdent && integer_bits(type) != 0) integer_cast(i, k, type);
    if (type == "oid" && t_[k].kind == Tok::kIdent) {
      edits_.push_back({t_[type_begin].begin, t_[k].end, "UINTEGER"});
      return;
    }
    if (type == "bytea" && i >= 1 && t_[i - 1].kind == Tok::kString) {
      if (auto bytes = bytea_hex_literal(s_.substr(t_[i - 1].begin, t_[i - 1].end - t_[i - 1].begin))) {
        edits_.push_back({t_[i - 1].begin, t_[k].end, *bytes});
        return;
      }
    }
    if (type == "char" && t_[k].kind == Tok::kQuotedIdent) {
      edits_.push_back({t_[type_begin].begin, t_[k].end, "pg_char"});  // registered by control/catalog
      return;
    }
    if (type == "name") {
      edits_.push_back({t_[type_begin].begin, t_[k].end, "VARCHAR"});
      return;
    }
    if (auto [length, end] = varchar_length(k); end != 0) {
      // An explicit cast to varchar(n) cuts the text to n characters (DuckDB keeps no length).
      edits_.push_back({t_[operand_start(i - 1)].begin, t_[operand_start(i - 1)].begin, "left("});
      edits_.push_back({t_[i].begin, t_[end - 1].end, "::VARCHAR, " + length + ")"});
      return;
    }
    if (type == "regclass" || type == "regtype" || type == "regnamespace" || type == "regproc" ||
        type == "regprocedure") {
      if (array) throw Error(sqlstate::kFeatureNotSupported, "arrays of " + type + " are not supported");
      size_t start = operand_start(i - 1);
      bool literal = start == i - 1 && (t_[start].kind == Tok::kString || t_[start].kind == Tok::kParam);
      if (!literal && start + 2 < i && (t_[start].kind == Tok::kString || t_[start].kind == Tok::kParam)) {
        literal = true;  // 'x'::text::regclass
        for (size_t m = start + 1; m < i; m += 2)
          if (t_[m].kind != Tok::kCast || !is_name(t_[m + 1])) literal = false;
      }
      // Cast on to oid ('"s"."t"'::regclass::oid) or built from strings ((a || '.' || b)::regclass):
      // a lookup by name. regclass_in also takes OIDs written as numbers, as PostgreSQL does.
      if (!literal && type == "regclass") {
        size_t after = k + 1;
        if (after + 1 < t_.size() && t_[after].kind == Tok::kCast && is_name(t_[after + 1]) &&
            (t_[after + 1].word == "oid" ||
             (t_[after + 1].word == "pg_catalog" && after + 3 < t_.size() && t_[after + 3].word == "oid")))
          literal = true;
        for (size_t m = start; m < i && !literal; ++m)
          if (t_[m].kind == Tok::kOp && t_[m].word == "||") literal = true;
      }
      std::string fn = type == "regprocedure" ? "regproc" : type;
      // A name cast to regclass, regtype or regnamespace is an OID in expressions, but what a
      // select list shows, and its cast to text anywhere, is its name, as PostgreSQL writes the
      // reg* types: looked up, then named.
      size_t after = k + 1;
      if (after + 1 < t_.size() && t_[after].kind == Tok::kCast &&
          (word_at(after + 1, "text") || word_at(after + 1, "varchar") || word_at(after + 1, "name")))
        after += 2;
      const bool to_text = after != k + 1;
      const bool shown = shown_select_item(start) && (ends_select_item(after) || word_at(after, "as"));
      if (literal && fn != "regproc" && (to_text || shown)) {
        edits_.push_back({t_[start].begin, t_[start].begin, compat(fn + "_out(") + compat(fn + "_in(")});
        const bool named = !shown || to_text || word_at(after, "as");  // by the cast to text or its alias
        edits_.push_back({t_[i].begin, t_[k].end, named ? "))" : ")) AS " + fn});
        return;
      }
      if (fn == "regproc") {
        // Procedures are kept by name (pg_type.typinput is text here); a regprocedure's argument
        // types ('array_in(cstring,oid,integer)', as Rails writes it) are dropped.
        edits_.push_back({t_[start].begin, t_[start].begin, "regexp_replace(CAST("});
        edits_.push_back({t_[i].begin, t_[k].end, " AS VARCHAR), '^pg_catalog\\.|\\(.*\\)$', '', 'g')"});
        return;
      }
      edits_.push_back({t_[start].begin, t_[start].begin, compat(fn + (literal ? "_in(" : "_out("))});
      edits_.push_back({t_[i].begin, t_[k].end, ")"});
      return;
    }
    if (type == "regoper" || type == "regoperator" || type == "regrole" || type == "regconfig" ||
        type == "regdictionary" || type == "regcollation")
      throw Error(sqlstate::kFeatureNotSupported, "type " + type + " is not supported");
    if (k != type_begin) edits_.push_back({t_[type_begin].begin, t_[k].begin, ""});  // ::pg_catalog.int4
  }

  // `varchar(n)` or `character varying(n)` (not an array) starting at token k: the length's text
  // and one past the closing parenthesis; end 0 when it is not that.
  std::pair<std::string, size_t> varchar_length(size_t k) const {
    size_t open = word_at(k, "varchar") ? k + 1 : word_at(k, "character") && word_at(k + 1, "varying") ? k + 2 : 0;
    if (open == 0 || !tok(open + 2) || !is_punct(t_[open], '(') || t_[open + 1].kind != Tok::kNumber ||
        !is_punct(t_[open + 2], ')') || followed_by(open + 2, '['))
      return {"", 0};
    return {std::string(s_.substr(t_[open + 1].begin, t_[open + 1].end - t_[open + 1].begin)), open + 3};
  }

  static int integer_bits(const std::string &type) {
    return type == "int2" || type == "smallint" ? 16
           : type == "int4" || type == "int" || type == "integer" ? 32
           : type == "int8" || type == "bigint" ? 64 : 0;
  }

  // Any other operand cast to an integer type: text is read as PostgreSQL reads it (DuckDB rounds
  // '1.5' to 2), through a macro that casts other types as DuckDB does. Parameters and constants
  // keep the plain cast (a parameter is typed by it); so does an operand that is itself cast.
  void integer_cast(size_t i, size_t k, const std::string &type) {
    if (stored_) return;
    size_t start = operand_start(i - 1);
    if (start == i - 1 && t_[start].kind != Tok::kIdent && t_[start].kind != Tok::kQuotedIdent &&
        !is_punct(t_[start], ')'))
      return;
    for (size_t m = start; m < i; ++m)
      if (t_[m].kind == Tok::kCast || t_[m].kind == Tok::kParam) return;
    int bits = integer_bits(type);
    std::string fn = bits == 16 ? "cast_int2(" : bits == 32 ? "cast_int4(" : "cast_int8(";
    edits_.push_back({t_[start].begin, t_[start].begin, compat(fn)});
    edits_.push_back({t_[i].begin, t_[k].end, ")"});
  }

  // An interval constant in a form PostgreSQL reads and DuckDB does not (ISO 8601, SQL-standard
  // fields, '+' signs) is written in one DuckDB reads.
  void interval_literal(const Token &lit) {
    auto value = string_literal_value(s_.substr(lit.begin, lit.end - lit.begin));
    if (!value) return;
    if (auto readable = interval_for_duckdb(*value)) edits_.push_back({lit.begin, lit.end, sql_literal(*readable)});
  }

  // INTERVAL '...' (a typed literal).
  bool interval_typed_literal(size_t i) {
    if (t_[i].word != "interval" || !tok(i + 1) || t_[i + 1].kind != Tok::kString || preceded_by_dot(i)) return false;
    interval_literal(t_[i + 1]);
    return true;
  }

  // A string constant cast to an integer type is read by PostgreSQL's integer input, which takes
  // optional blanks, a sign and decimal digits only; DuckDB would round '1.5' to 2. PostgreSQL
  // reads such a constant while analysing the statement, so the error comes before it runs.
  void integer_literal(const Token &lit, const std::string &type) {
    int bits = integer_bits(type);
    auto value = string_literal_value(s_.substr(lit.begin, lit.end - lit.begin));
    if (bits == 0 || !value) return;  // E'...' strings are left to DuckDB
    const std::string &v = *value;
    const char *name = bits == 16 ? "smallint" : bits == 32 ? "integer" : "bigint";
    size_t b = v.find_first_not_of(" \t\n\r\f\v"), e = v.find_last_not_of(" \t\n\r\f\v");
    std::string_view d = b == std::string::npos ? std::string_view() : std::string_view(v).substr(b, e - b + 1);
    bool neg = !d.empty() && d[0] == '-';
    if (!d.empty() && (d[0] == '-' || d[0] == '+')) d.remove_prefix(1);
    if (d.empty() || d.find_first_not_of("0123456789") != std::string_view::npos)
      throw Error(sqlstate::kInvalidTextRepresentation,
                  std::string("invalid input syntax for type ") + name + ": \"" + v + "\"");
    d.remove_prefix(std::min(d.find_first_not_of('0'), d.size()));
    // The magnitude allowed: 2^(bits-1), reached only by a negative value.
    const std::string_view limit = bits == 16 ? "32768" : bits == 32 ? "2147483648" : "9223372036854775808";
    bool over = d.size() > limit.size() || (d.size() == limit.size() && (d > limit || (d == limit && !neg)));
    if (over)
      throw Error(sqlstate::kNumericValueOutOfRange,
                  "value \"" + v + "\" is out of range for type " + name);
  }

  // PostgreSQL raises 22012 for a zero divisor of `/` and `%` (integer, numeric, float and
  // interval alike) where DuckDB answers NULL: the divisor is wrapped in a macro that raises the
  // error. Only the right operand needs finding, which is safe to do on tokens: it ends at the
  // first operator binding no tighter than `*`. Forms not recognized are left alone.
  void division(size_t i) {
    const std::string &w = t_[i].word;
    size_t op_len = w.rfind("//", 0) == 0 ? 2 : (w[0] == '/' || w[0] == '%') ? 1 : 0;
    if (op_len == 0) return;
    // An operator token may carry the divisor's signs ("/-"): PostgreSQL's lexer splits those.
    for (size_t c = op_len; c < w.size(); ++c)
      if (w[c] != '-' && w[c] != '+') return;
    if (i == 0 || i + 1 >= t_.size()) return;
    const Token &prev = t_[i - 1];
    if (prev.kind == Tok::kOp || prev.kind == Tok::kCast || is_punct(prev, '(') || is_punct(prev, ',')) return;
    size_t end = operand_end(i + 1);
    if (end == 0) return;
    // A bare parameter ($1, -$1) is left alone: DuckDB types it from the dividend, which the
    // checking macro would hide (it would become text). A cast ($1::integer) types it and is
    // checked.
    size_t first = i + 1;
    while (first < end && t_[first].kind == Tok::kOp) ++first;
    if (end - first == 1 && t_[first].kind == Tok::kParam) return;
    size_t at = w.size() > op_len ? t_[i].begin + op_len : t_[i + 1].begin;
    edits_.push_back({at, at, compat("divisor") + "("});
    edits_.push_back({t_[end - 1].end, t_[end - 1].end, ")"});
  }

  // jsonb's operators (common/pg_compat.hpp). ?, ?| and ?& become the operators Mallard registers
  // for them (a literal '{a,b}' of keys a list); #> and #>> become DuckDB's -> and ->> with the
  // path as a JSON pointer. @>, <@ and || become Mallard's where an operand is visibly json — cast
  // to json or jsonb, made by a json function, or (for @> and <@, which text lacks) a literal JSON
  // object or array — and otherwise stay DuckDB's, for arrays and text.
  void json_operator(size_t i) {
    const std::string &w = t_[i].word;
    if (i == 0 || i + 1 >= t_.size()) return;
    auto replace_op = [&](std::string op) { edits_.push_back({t_[i].begin, t_[i].end, " " + op + " "}); };
    const Token &right = t_[i + 1];
    const bool bare_literal = right.kind == Tok::kString && !(i + 2 < t_.size() && t_[i + 2].kind == Tok::kCast);
    if (w == "?") {
      replace_op(kJsonbHasKey);
    } else if (w == "?|" || w == "?&") {
      replace_op(w == "?|" ? kJsonbHasAnyKey : kJsonbHasAllKeys);
      if (bare_literal)
        if (auto list = array_text_literal(s_.substr(right.begin, right.end - right.begin)))
          edits_.push_back({right.begin, right.end, *list});
    } else if (w == "#>" || w == "#>>") {
      replace_op(w == "#>" ? "->" : "->>");
      if (bare_literal) {
        if (auto pointer = json_pointer_literal(s_.substr(right.begin, right.end - right.begin)))
          edits_.push_back({right.begin, right.end, *pointer});
      } else if (size_t end = operand_end(i + 1); end != 0) {
        edits_.push_back({right.begin, right.begin, compat("json_pointer(")});
        edits_.push_back({t_[end - 1].end, t_[end - 1].end, ")"});
      }
      if (w == "#>") parenthesize_arrow(i);
    } else if (w == "->") {
      parenthesize_arrow(i);
    } else if (w == "@>" || w == "<@" || w == "||") {
      const bool literal_ok = w != "||";
      if (json_operand_ends(i - 1, literal_ok) || json_operand_starts(i + 1, literal_ok))
        replace_op(w == "@>" ? kJsonbContains : w == "<@" ? kJsonbContainedBy : kJsonbConcat);
      else if (w == "||")
        array_element_concat(i);
    }
  }

  // array || element and element || array, where the array is visibly one (ARRAY[...], a cast to
  // an array type, a function that makes arrays) and the element a number: DuckDB's || takes two
  // lists, so the number becomes a list of one. (A bare string there is an array literal to
  // PostgreSQL, and is left alone.)
  void array_element_concat(size_t i) {
    auto ends_operand = [&](size_t k) {  // nothing binding tighter than || follows token k
      if (k + 1 >= t_.size()) return true;
      const Token &next = t_[k + 1];
      static constexpr std::string_view kLooser[] = {"||", "=", "<>", "!=", "<", ">", "<=", ">="};
      return is_punct(next, ')') || is_punct(next, ',') || is_punct(next, ';') || next.kind == Tok::kIdent ||
             (next.kind == Tok::kOp && one_of(next.word, kLooser));
    };
    auto starts_operand = [&](size_t k) {  // nothing binding tighter than || precedes token k
      return k == 0 || is_punct(t_[k - 1], '(') || is_punct(t_[k - 1], ',') || t_[k - 1].kind == Tok::kIdent ||
             (t_[k - 1].kind == Tok::kOp && t_[k - 1].word == "||");
    };
    auto wrap = [&](size_t k) {
      edits_.push_back({t_[k].begin, t_[k].begin, "["});
      edits_.push_back({t_[k].end, t_[k].end, "]"});
    };
    const bool right_number = i + 1 < t_.size() && t_[i + 1].kind == Tok::kNumber && ends_operand(i + 1);
    const bool left_number = t_[i - 1].kind == Tok::kNumber && starts_operand(i - 1);
    if (right_number && (array_operand_ends(i - 1) || array_chain_before(i))) wrap(i + 1);
    else if (left_number && array_operand_starts(i + 1)) wrap(i - 1);
  }
  // Whether the || at i follows `array || number` (array || 3 || 4).
  bool array_chain_before(size_t i) const {
    return i >= 3 && t_[i - 1].kind == Tok::kNumber && t_[i - 2].kind == Tok::kOp && t_[i - 2].word == "||" &&
           (array_operand_ends(i - 3) || array_chain_before(i - 2));
  }
  static constexpr std::string_view kArrayMakers[] = {"array_agg",    "string_to_array", "array_append",
                                                      "array_prepend", "array_cat",      "array_remove",
                                                      "array_replace", "regexp_split_to_array", "array_fill"};
  bool array_operand_ends(size_t last) const {
    if (!is_punct(t_[last], ']') && !is_punct(t_[last], ')')) return false;
    if (is_punct(t_[last], ']') && last >= 3 && is_punct(t_[last - 1], '[') && t_[last - 3].kind == Tok::kCast)
      return true;  // x::int[]
    const size_t start = operand_start(last);
    if (start >= last) return false;
    if (word_at(start, "array") && followed_by(start, '[')) return is_punct(t_[last], ']');
    return t_[start].kind == Tok::kIdent && one_of(t_[start].word, kArrayMakers) && followed_by(start, '(') &&
           matching(start + 1) == last;
  }
  bool array_operand_starts(size_t first) const {
    if (first >= t_.size()) return false;
    if (word_at(first, "array") && followed_by(first, '[')) return true;
    if (t_[first].kind == Tok::kIdent && one_of(t_[first].word, kArrayMakers) && followed_by(first, '(')) return true;
    return first + 4 < t_.size() && (t_[first].kind == Tok::kString || t_[first].kind == Tok::kParam) &&
           t_[first + 1].kind == Tok::kCast && is_name(t_[first + 2]) && is_punct(t_[first + 3], '[') &&
           is_punct(t_[first + 4], ']');
  }

  // DuckDB reads `->` as its lambda arrow, whose right side is a whole expression: `d -> 'a' IS
  // NULL` would be d -> ('a' IS NULL). Where a key (a constant or parameter) is followed by more
  // of the expression, the arrow with its operands (and a chain of ->, ->> before it) is put in
  // parentheses. Lambdas given to DuckDB's list functions are left alone.
  void parenthesize_arrow(size_t i) {
    static constexpr std::string_view kArrows[] = {"->", "->>", "#>", "#>>"};
    static constexpr std::string_view kEnds[] = {"from", "as", "where", "group", "order", "limit", "having", "union",
                                                 "intersect", "except", "into", "window", "offset", "fetch",
                                                 "returning", "then", "else", "end", "when", "on", "using"};
    const Token &key = t_[i + 1];
    if (key.kind != Tok::kString && key.kind != Tok::kNumber && key.kind != Tok::kParam) return;
    const size_t key_end = unary_end(i + 1);
    if (key_end == 0 || key_end >= t_.size()) return;
    const Token &next = t_[key_end];
    if (is_punct(next, ')') || is_punct(next, ',') || is_punct(next, ';') || is_punct(next, ']') ||
        (next.kind == Tok::kOp && one_of(next.word, kArrows)) || (next.kind == Tok::kIdent && one_of(next.word, kEnds)))
      return;
    size_t start = operand_start(i - 1);
    while (start >= 2 && t_[start - 1].kind == Tok::kOp && one_of(t_[start - 1].word, kArrows))
      start = operand_start(start - 2);
    // Inside a call of a list function, `x -> ...` is a lambda.
    int depth = 0;
    for (size_t k = start; k-- > 0;) {
      if (is_punct(t_[k], ')')) ++depth;
      if (!is_punct(t_[k], '(')) continue;
      if (depth-- > 0) continue;
      if (k > 0 && t_[k - 1].kind == Tok::kIdent &&
          (t_[k - 1].word.rfind("list_", 0) == 0 || t_[k - 1].word.rfind("array_", 0) == 0 ||
           t_[k - 1].word == "apply" || t_[k - 1].word == "filter" || t_[k - 1].word == "reduce"))
        return;
      break;
    }
    edits_.push_back({t_[start].begin, t_[start].begin, "("});
    edits_.push_back({t_[key_end - 1].end, t_[key_end - 1].end, ")"});
  }

  static bool json_type_word(const Token &t) { return t.kind == Tok::kIdent && (t.word == "json" || t.word == "jsonb"); }
  bool json_function(size_t k) const {
    static constexpr std::string_view kMakers[] = {"to_json", "to_jsonb", "json_build_object", "jsonb_build_object",
                                                   "json_build_array", "jsonb_build_array", "row_to_json", "json_object",
                                                   "jsonb_object", "json_agg", "jsonb_agg", "jsonb_set", "json_array"};
    return t_[k].kind == Tok::kIdent && followed_by(k, '(') && one_of(t_[k].word, kMakers);
  }
  // A string literal holding a JSON object or array (not '{}', which is also an empty array).
  bool json_literal(size_t k) const {
    if (t_[k].kind != Tok::kString) return false;
    auto v = string_literal_value(s_.substr(t_[k].begin, t_[k].end - t_[k].begin));
    if (!v) return false;
    size_t b = v->find_first_not_of(" \t\r\n");
    if (b == std::string::npos) return false;
    if ((*v)[b] == '[') return true;
    size_t c = v->find_first_not_of(" \t\r\n", b + 1);
    return (*v)[b] == '{' && c != std::string::npos && (*v)[c] == '"';
  }
  // Whether the operand ending at token `last` is visibly json.
  bool json_operand_ends(size_t last, bool literal_ok) const {
    if (json_type_word(t_[last]) && last >= 1 && t_[last - 1].kind == Tok::kCast) return true;
    if (is_punct(t_[last], ')')) {
      size_t open = operand_start(last);
      if (open < last && word_at(open, "cast") && last >= 2 && json_type_word(t_[last - 1]) && word_at(last - 2, "as"))
        return true;
      return open < last && json_function(open);
    }
    return literal_ok && json_literal(last) && operand_start(last) == last;
  }
  // Whether the operand starting at token `first` is visibly json.
  bool json_operand_starts(size_t first, bool literal_ok) const {
    if (json_function(first)) return true;
    if (word_at(first, "cast") && followed_by(first, '(')) {
      size_t close = matching(first + 1);
      return close >= 2 && json_type_word(t_[close - 1]) && word_at(close - 2, "as");
    }
    if (first + 2 < t_.size() && (t_[first].kind == Tok::kString || t_[first].kind == Tok::kParam) &&
        t_[first + 1].kind == Tok::kCast && json_type_word(t_[first + 2]))
      return true;
    return literal_ok && json_literal(first) && !(first + 1 < t_.size() && t_[first + 1].kind == Tok::kCast);
  }

  // U&'d\0061t' [UESCAPE '!']: PostgreSQL's string with Unicode escapes (\XXXX, \+XXXXXX, a
  // surrogate pair as two), which DuckDB's parser cannot read, becomes the plain literal.
  bool unicode_string(size_t i) {
    if (t_[i].word != "u" || !tok(i + 2) || t_[i + 1].kind != Tok::kOp || t_[i + 1].word != "&" ||
        t_[i + 2].kind != Tok::kString || t_[i].end != t_[i + 1].begin || t_[i + 1].end != t_[i + 2].begin)
      return false;
    auto text = [&](size_t k) { return string_literal_value(s_.substr(t_[k].begin, t_[k].end - t_[k].begin)); };
    auto value = text(i + 2);
    if (!value) return false;
    const std::string forms = "Unicode escapes must be \\XXXX or \\+XXXXXX.";
    auto bad = [&](const char *what, bool hint) {
      return Error(sqlstate::kSyntaxError, what, 0, {}, hint ? forms : std::string());
    };
    char esc = '\\';
    size_t last = i + 2;
    if (word_at(i + 3, "uescape") && tok(i + 4) && t_[i + 4].kind == Tok::kString) {
      auto e = text(i + 4);
      if (!e || e->size() != 1 || std::isxdigit(static_cast<unsigned char>((*e)[0])) || std::strchr("+'\" \t\r\n", (*e)[0]))
        throw Error(sqlstate::kSyntaxError, "invalid Unicode escape character");
      esc = (*e)[0];
      last = i + 4;
    }
    std::string out;
    uint32_t high = 0;  // a pending high surrogate
    for (size_t k = 0; k < value->size(); ++k) {
      char c = (*value)[k];
      if (c != esc) {
        if (high) throw bad("invalid Unicode surrogate pair", false);
        out += c;
        continue;
      }
      if (k + 1 < value->size() && (*value)[k + 1] == esc) {
        out += esc;
        ++k;
        continue;
      }
      const bool six = k + 1 < value->size() && (*value)[k + 1] == '+';
      const size_t digits = six ? 6 : 4, from = k + (six ? 2 : 1);
      if (from + digits > value->size()) throw bad("invalid Unicode escape", true);
      uint32_t code = 0;
      const char *hex = value->data() + from;
      if (std::any_of(hex, hex + digits, [](char h) { return !std::isxdigit(static_cast<unsigned char>(h)); }))
        throw bad("invalid Unicode escape", true);
      std::from_chars(hex, hex + digits, code, 16);
      k = from + digits - 1;
      if (high) {
        if (code < 0xDC00 || code > 0xDFFF) throw bad("invalid Unicode surrogate pair", false);
        code = 0x10000 + ((high - 0xD800) << 10) + (code - 0xDC00);
        high = 0;
      } else if (code >= 0xD800 && code <= 0xDBFF) {
        high = code;
        continue;
      } else if (code >= 0xDC00 && code <= 0xDFFF) {
        throw bad("invalid Unicode surrogate pair", false);
      }
      if (code == 0 || code > 0x10FFFF) throw bad("invalid Unicode escape value", false);
      append_utf8(out, code);
    }
    if (high) throw bad("invalid Unicode surrogate pair", false);
    edits_.push_back({t_[i].begin, t_[last].end, sql_literal(out)});
    return true;
  }

  // jsonb_set(target, path, value [, create_missing]): Mallard's function (common/pg_jsonb.cpp),
  // with a literal path ('{a,0}') read as the array it is.
  bool jsonb_set_call(size_t i) {
    if (t_[i].word != "jsonb_set" || !followed_by(i, '(') || preceded_by_dot(i)) return false;
    const auto args = call_arguments(i + 1);
    if (args.size() < 3 || args.size() > 4) return false;
    edits_.push_back({t_[i].begin, t_[i].end, "__mallard_jsonb_set"});
    const Token &path = t_[args[1].first];
    if (args[1].second == args[1].first + 1 && path.kind == Tok::kString)
      if (auto list = array_text_literal(s_.substr(path.begin, path.end - path.begin)))
        edits_.push_back({path.begin, path.end, *list});
    name_select_item(i, i);
    return true;
  }

  // overlay(s PLACING r FROM f [FOR n]): the keywords become commas, for the macro of that name.
  void overlay_keywords(size_t i) {
    if (t_[i].word != "overlay" || !followed_by(i, '(') || preceded_by_dot(i)) return;
    const size_t close = matching(i + 1);
    int depth = 0;
    for (size_t k = i + 2; k < close; ++k) {
      if (is_punct(t_[k], '(')) ++depth;
      if (is_punct(t_[k], ')')) --depth;
      if (depth == 0 && (word_at(k, "placing") || word_at(k, "from") || word_at(k, "for")))
        edits_.push_back({t_[k].begin, t_[k].end, ","});
    }
  }

  // x [NOT] BETWEEN SYMMETRIC a AND b, which DuckDB cannot read: the bounds are put in order with
  // least() and greatest(), which names each twice, so only bounds that are a constant, a
  // parameter or a column (possibly signed or cast) are taken; others are 0A000. ASYMMETRIC, the
  // default, is dropped.
  bool between_symmetric(size_t i) {
    if ((t_[i].word != "symmetric" && t_[i].word != "asymmetric") || i == 0 || !word_at(i - 1, "between")) return false;
    if (t_[i].word == "asymmetric") {
      edits_.push_back({t_[i].begin, t_[i].end, ""});
      return true;
    }
    auto simple_end = [&](size_t k) -> size_t {  // one past a simple bound starting at k, or 0
      if (k < t_.size() && t_[k].kind == Tok::kOp && (t_[k].word == "-" || t_[k].word == "+")) ++k;
      if (k >= t_.size() || !(t_[k].kind == Tok::kNumber || t_[k].kind == Tok::kString || t_[k].kind == Tok::kParam ||
                              is_name(t_[k])))
        return 0;
      ++k;
      while (k + 1 < t_.size() && is_punct(t_[k], '.') && is_name(t_[k + 1])) k += 2;
      while (k + 1 < t_.size() && t_[k].kind == Tok::kCast && is_name(t_[k + 1])) k += 2;
      return k;
    };
    const size_t a = i + 1, a_end = simple_end(a);
    const size_t b = a_end + 1, b_end = a_end == 0 || !word_at(a_end, "and") ? 0 : simple_end(b);
    if (b_end == 0 || (b_end < t_.size() && pattern_end(b_end - 1) != b_end - 1))
      throw Error(sqlstate::kFeatureNotSupported,
                  "BETWEEN SYMMETRIC is supported with bounds that are constants, parameters or columns");
    auto text = [&](size_t from, size_t to) { return std::string(s_.substr(t_[from].begin, t_[to - 1].end - t_[from].begin)); };
    const std::string lo = text(a, a_end), hi = text(b, b_end);
    edits_.push_back({t_[i].begin, t_[b_end - 1].end,
                      "least(" + lo + ", " + hi + ") AND greatest(" + lo + ", " + hi + ")"});
    return true;
  }

  // `FROM unnest(a, b) AS t(x, y)`: PostgreSQL's unnest of several arrays, side by side (the
  // shorter padded with NULLs), is DuckDB's several unnests in one select list, which zip the same
  // way. WITH ORDINALITY numbers them with one more unnest, of 1 up to the longest's length, when
  // each array is a plain column (it is named twice); otherwise it is left to DuckDB.
  bool multi_unnest(size_t i) {
    if (t_[i].word != "unnest" || !followed_by(i, '(') || preceded_by_dot(i) || i == 0) return false;
    if (!(word_at(i - 1, "from") || word_at(i - 1, "join") || word_at(i - 1, "lateral") ||
          (is_punct(t_[i - 1], ',') && in_from_clause(i - 1))))
      return false;
    auto args = call_arguments(i + 1);
    if (args.size() < 2) return false;
    const size_t close = args.back().second;
    if (word_at(close + 1, "with") && word_at(close + 2, "ordinality")) {
      std::string cols, lens;
      for (auto [first, last] : args) {
        for (size_t k = first; k < last; ++k)
          if (!(is_name(t_[k]) || (is_punct(t_[k], '.') && k > first && k + 1 < last))) return false;
        std::string col(s_.substr(t_[first].begin, t_[last - 1].end - t_[first].begin));
        cols += "unnest(" + col + ") AS unnest, ";
        lens += (lens.empty() ? "len(" : ", len(") + col + ")";
      }
      edits_.push_back({t_[i].begin, t_[close + 2].end,
                        "(SELECT " + cols + "unnest(generate_series(1, greatest(" + lens + "))) AS ordinality)"});
      return true;
    }
    edits_.push_back({t_[i].begin, t_[i + 1].end, "(SELECT unnest("});
    for (size_t a = 1; a < args.size(); ++a)
      edits_.push_back({t_[args[a].first - 1].begin, t_[args[a].first - 1].end, ") AS unnest, unnest("});
    edits_.push_back({t_[close].begin, t_[close].end, ") AS unnest)"});
    return true;
  }

  // `FROM generate_series(1, 3) g`: in PostgreSQL the alias of a function returning one column
  // names that column, so `g` is the value; in DuckDB it would be the whole row (a struct). The
  // alias is made a column alias too: `g(g)`.
  bool scalar_function_alias(size_t i) {
    const std::string &w = t_[i].word;
    if ((w != "generate_series" && w != "unnest") || !followed_by(i, '(')) return false;
    return alias_names_the_column(i);
  }
  // The same for the call of any function of one column whose name is token i.
  bool alias_names_the_column(size_t i) {
    size_t start = i;
    if (i >= 2 && is_punct(t_[i - 1], '.') && t_[i - 2].word == "pg_catalog") start = i - 2;
    if (start == 0 || !(word_at(start - 1, "from") || word_at(start - 1, "join") || is_punct(t_[start - 1], ',')))
      return false;
    if (is_punct(t_[start - 1], ',') && !in_from_clause(start - 1)) return false;
    size_t close = matching(i + 1);
    if (close == 0) return false;
    size_t a = close + 1;
    if (word_at(a, "as")) ++a;
    if (a >= t_.size() || !is_name(t_[a])) return false;
    static constexpr std::string_view kClauseWords[] = {
        "where", "join", "left", "right", "inner", "cross", "full", "on", "group", "order", "limit", "union",
        "with", "natural", "lateral", "using", "offset", "having", "window", "except", "intersect", "fetch", "for"};
    if (t_[a].kind == Tok::kIdent &&
        std::find(std::begin(kClauseWords), std::end(kClauseWords), t_[a].word) != std::end(kClauseWords))
      return false;
    if (a + 1 < t_.size() && (is_punct(t_[a + 1], '(') || is_punct(t_[a + 1], '.'))) return false;
    std::string alias(s_.substr(t_[a].begin, t_[a].end - t_[a].begin));
    edits_.push_back({t_[a].end, t_[a].end, "(" + alias + ")"});
    return true;
  }

  // The clause keyword (select, from, where, ...) governing token k at its parenthesis depth, or
  // "" when k is inside parentheses that start no clause (function arguments).
  std::string clause_of(size_t k) const {
    int depth = 0;
    for (size_t j = k; j-- > 0;) {
      if (is_punct(t_[j], ')')) ++depth;
      if (is_punct(t_[j], '(')) {
        if (depth == 0) return "";
        --depth;
      }
      if (depth != 0 || t_[j].kind != Tok::kIdent) continue;
      const std::string &w = t_[j].word;
      if (w == "select" || w == "from" || w == "join" || w == "where" || w == "group" || w == "having" ||
          w == "order" || w == "on" || w == "returning" || w == "set" || w == "values")
        return w == "join" ? "from" : w;
    }
    return "";
  }

  // Whether token k (at some parenthesis depth) is in a FROM clause: the nearest clause keyword
  // before it at the same depth is FROM or JOIN.
  bool in_from_clause(size_t k) const {
    int depth = 0;
    for (size_t j = k; j-- > 0;) {
      if (is_punct(t_[j], ')')) ++depth;
      if (is_punct(t_[j], '(')) {
        if (depth == 0) return false;
        --depth;
      }
      if (depth != 0 || t_[j].kind != Tok::kIdent) continue;
      const std::string &w = t_[j].word;
      if (w == "from" || w == "join") return true;
      if (w == "select" || w == "where" || w == "group" || w == "having" || w == "order" || w == "on" ||
          w == "returning" || w == "set" || w == "values")
        return false;
    }
    return false;
  }

  // x = ANY (array) and x <> ALL (array): DuckDB reads an array there as a subquery over its
  // elements, which it cannot plan in an outer join's condition (SQLAlchemy's index reflection
  // joins on `a.attnum = ANY(ix.indkey)`). They become a compat macro over the list, with
  // PostgreSQL's NULL rules; the operands are wrapped in place, not copied. Subqueries and a
  // left operand that does not end the expression before it (a + b = ANY ...) are left to DuckDB.
  void quantified_equality(size_t i) {
    const std::string &w = t_[i].word;
    const size_t q = i + 1;
    const bool any = w == "=" && (word_at(q, "any") || word_at(q, "some"));
    const bool all = (w == "<>" || w == "!=") && word_at(q, "all");
    if ((!any && !all) || i == 0 || !followed_by(q, '(')) return;
    const size_t close = matching(q + 1);
    if (close == 0 || close == q + 2) return;
    const Token &e = t_[q + 2];
    std::optional<std::string> text_array;
    if (e.kind == Tok::kString && close == q + 3) {
      // An untyped string is an array of x's type in PostgreSQL: its elements become an IN list
      // of string constants, which DuckDB converts to x's type as PostgreSQL would. Empty or
      // unreadable text is left to DuckDB.
      text_array = array_text_literal(text_of(q + 2));
      if (!text_array || *text_array == "ARRAY[]") return;
    }
    if (word_at(q + 2, "select") || word_at(q + 2, "with") || word_at(q + 2, "values") || is_punct(e, '(')) return;
    const Token &prev = t_[i - 1];
    if (!(is_name(prev) || prev.kind == Tok::kNumber || prev.kind == Tok::kString || prev.kind == Tok::kParam ||
          is_punct(prev, ')') || is_punct(prev, ']')))
      return;
    const size_t first = operand_start(i - 1);
    if (first > 0 && (t_[first - 1].kind == Tok::kOp || t_[first - 1].kind == Tok::kCast)) return;
    if (text_array) {
      const std::string elements = text_array->substr(6, text_array->size() - 7);  // inside ARRAY[...]
      edits_.push_back({t_[i].begin, t_[close].end, std::string(all ? "NOT IN (" : "IN (") + elements + ")"});
      return;
    }
    edits_.push_back({t_[first].begin, t_[first].begin, std::string(all ? "NOT " : "") + compat("eq_any") + "(", true});
    edits_.push_back({t_[i].begin, t_[q + 1].end, ", ("});
    edits_.push_back({t_[close].end, t_[close].end, ")"});
  }

  // PostgreSQL's `~` finds the pattern anywhere in the string; DuckDB's matches the whole string.
  // The pattern (right operand) is wrapped so that a whole-string match means the same; `~*`
  // (case-insensitive, unknown to DuckDB) becomes `~` with the pattern in a (?i) group.
  void regex_match(size_t i) {
    const std::string &w = t_[i].word;
    if (w != "~" && w != "!~" && w != "~*" && w != "!~*") return;
    if (i == 0 || i + 1 >= t_.size()) return;
    // Prefix `~` is bitwise NOT: the match operator follows an operand.
    const Token &prev = t_[i - 1];
    static constexpr std::string_view kKeywords[] = {"select", "where", "and", "or", "not", "when", "then", "else",
                                                     "on", "by", "return", "having", "case", "in", "is"};
    bool operand = prev.kind == Tok::kNumber || prev.kind == Tok::kString || prev.kind == Tok::kParam ||
                   prev.kind == Tok::kQuotedIdent || is_punct(prev, ')') || is_punct(prev, ']') ||
                   (prev.kind == Tok::kIdent &&
                    std::find(std::begin(kKeywords), std::end(kKeywords), prev.word) == std::end(kKeywords));
    if (!operand) return;
    size_t end = operand_end(i + 1, true);
    if (end == 0) return;
    // `~` binds looser than arithmetic: a pattern followed by + - * / % || is left alone.
    if (end < t_.size() && t_[end].kind == Tok::kOp) return;
    bool icase = w.back() == '*';
    if (icase) edits_.push_back({t_[i].begin, t_[i].end, w.substr(0, w.size() - 1)});
    edits_.push_back({t_[i + 1].begin, t_[i + 1].begin, compat(icase ? "regex_anywhere_i" : "regex_anywhere") + "("});
    edits_.push_back({t_[end - 1].end, t_[end - 1].end, ")"});
  }

  // Index of the token closing the bracket opened at t_[k] ('(' or '['), or 0.
  size_t matching(size_t k) const {
    char open = t_[k].word[0], close = open == '(' ? ')' : ']';
    int depth = 0;
    for (size_t j = k; j < t_.size(); ++j) {
      if (is_punct(t_[j], open)) ++depth;
      if (is_punct(t_[j], close) && --depth == 0) return j;
    }
    return 0;
  }

  bool word_at(size_t k, std::string_view w) const { return k < t_.size() && t_[k].kind == Tok::kIdent && t_[k].word == w; }

  // One past the last token of an operand of `*`, `/` or `%` starting at token k (unary signs,
  // a primary, postfix casts and subscripts, `^` chains), or 0 when the form is not recognized.
  // With `collate_ok`, a following COLLATE (removed by collate()) ends the operand.
  size_t operand_end(size_t k, bool collate_ok = false) const {
    size_t e = unary_end(k);
    while (e != 0 && e < t_.size() && t_[e].kind == Tok::kOp && t_[e].word == "^") e = unary_end(e + 1);
    if (e == 0) return 0;
    // AT TIME ZONE and COLLATE bind tighter than `/`.
    if (word_at(e, "at") || (word_at(e, "collate") && !collate_ok)) return 0;
    return e;
  }

  size_t unary_end(size_t k) const {
    while (k < t_.size() && t_[k].kind == Tok::kOp && (t_[k].word == "-" || t_[k].word == "+")) ++k;
    if (k >= t_.size()) return 0;
    size_t e = primary_end(k);
    return e == 0 ? 0 : postfix_end(e);
  }

  size_t primary_end(size_t k) const {
    const Token &t = t_[k];
    switch (t.kind) {
      case Tok::kNumber:
      case Tok::kString:
      case Tok::kParam:
        return k + 1;
      case Tok::kPunct:
        if (t.word == "(") {
          size_t m = matching(k);
          return m == 0 ? 0 : m + 1;
        }
        return 0;
      case Tok::kIdent:
      case Tok::kQuotedIdent:
        break;
      default:
        return 0;
    }
    if (t.kind == Tok::kIdent) {
      static constexpr std::string_view kNotOperands[] = {"select", "not", "exists", "distinct", "all", "any",
                                                          "some", "from", "where", "and", "or", "when", "then",
                                                          "else", "end", "as", "on", "is", "in", "like"};
      if (std::find(std::begin(kNotOperands), std::end(kNotOperands), t.word) != std::end(kNotOperands)) return 0;
      if (t.word == "case") {
        int depth = 0;
        for (size_t j = k; j < t_.size(); ++j) {
          if (word_at(j, "case")) ++depth;
          if (word_at(j, "end") && --depth == 0) return j + 1;
        }
        return 0;
      }
      if (t.word == "array" && k + 1 < t_.size() && (is_punct(t_[k + 1], '[') || is_punct(t_[k + 1], '('))) {
        size_t m = matching(k + 1);
        return m == 0 ? 0 : m + 1;
      }
      // Typed literals: INTERVAL '1 day', DATE '2020-01-01', ...
      if (k + 1 < t_.size() && t_[k + 1].kind == Tok::kString) return k + 2;
    }
    size_t e = k + 1;
    while (e + 1 < t_.size() && is_punct(t_[e], '.') && is_name(t_[e + 1])) e += 2;
    if (e < t_.size() && is_punct(t_[e], '(')) {
      size_t m = matching(e);
      if (m == 0) return 0;
      e = m + 1;
      // Aggregate and window decorations belong to the call.
      if (word_at(e, "within") && word_at(e + 1, "group") && e + 2 < t_.size() && is_punct(t_[e + 2], '(')) {
        m = matching(e + 2);
        if (m == 0) return 0;
        e = m + 1;
      }
      if (word_at(e, "filter") && e + 1 < t_.size() && is_punct(t_[e + 1], '(')) {
        m = matching(e + 1);
        if (m == 0) return 0;
        e = m + 1;
      }
      if (word_at(e, "over")) {
        if (e + 1 < t_.size() && is_punct(t_[e + 1], '(')) {
          m = matching(e + 1);
          if (m == 0) return 0;
          e = m + 1;
        } else if (e + 1 < t_.size() && is_name(t_[e + 1])) {
          e += 2;
        } else {
          return 0;
        }
      }
    }
    return e;
  }

  size_t postfix_end(size_t e) const {
    while (e < t_.size()) {
      if (is_punct(t_[e], '[')) {
        size_t m = matching(e);
        if (m == 0) return 0;
        e = m + 1;
      } else if (is_punct(t_[e], '.') && e + 1 < t_.size() && is_name(t_[e + 1])) {
        e += 2;
      } else if (t_[e].kind == Tok::kCast) {
        size_t k = e + 1;
        if (k >= t_.size() || !is_name(t_[k])) return 0;
        while (k + 2 < t_.size() && is_punct(t_[k + 1], '.') && is_name(t_[k + 2])) k += 2;
        const std::string &type = t_[k].word;
        ++k;
        if (type == "double" && word_at(k, "precision")) ++k;
        if ((type == "character" || type == "char" || type == "bit") && word_at(k, "varying")) ++k;
        if ((type == "timestamp" || type == "time") && (word_at(k, "with") || word_at(k, "without")) &&
            word_at(k + 1, "time") && word_at(k + 2, "zone"))
          k += 3;
        if (k < t_.size() && is_punct(t_[k], '(')) {
          size_t m = matching(k);
          if (m == 0) return 0;
          k = m + 1;
        }
        e = k;
      } else {
        break;
      }
    }
    return e;
  }

  std::string_view s_;
  std::vector<Token> t_;
  std::vector<Edit> edits_;
  bool stored_;
};

}  // namespace

// CREATE TABLE ... WITH (fillfactor = 100): storage parameters tune PostgreSQL's heap and mean
// nothing to a columnar engine, so the clause is dropped rather than refused.
std::string without_storage_parameters(const std::string &statement) {
  auto words = leading_keywords(statement, 1);
  if (words.empty() || words[0] != "CREATE") return statement;
  std::string lower = to_lower(statement);
  if (lower.find("with") == std::string::npos) return statement;
  auto tree = parse(statement);
  if (!tree || !tree->contains("CreateStmt")) return statement;
  const auto &c = (*tree)["CreateStmt"];
  if (!c.contains("options") || c["options"].empty() || !c["options"][0].contains("DefElem")) return statement;
  size_t first = c["options"][0]["DefElem"].value("location", size_t(0));
  size_t open = statement.rfind('(', first);
  if (open == std::string::npos) return statement;
  size_t with = lower.rfind("with", open);
  if (with == std::string::npos) return statement;
  int depth = 0;
  for (size_t i = open; i < statement.size();) {
    if (statement[i] == '(') ++depth;
    if (statement[i] == ')' && --depth == 0) return statement.substr(0, with) + statement.substr(i + 1);
    i = skip_lexeme(statement, i);
  }
  return statement;
}

std::string rewrite_for_duckdb(const std::string &input) {
  const std::string statement = without_storage_parameters(input);
  if (!may_need_rewrite(statement)) return statement;
  // Expressions that DDL stores (views, defaults, CHECK constraints) keep DuckDB's own division:
  // they must not name the session-side compatibility database.
  auto first = leading_keywords(statement, 1);
  bool stored = !first.empty() && (first[0] == "CREATE" || first[0] == "ALTER");
  return Rewriter(statement, stored).run();
}

}  // namespace mallard::sql

namespace mallard::sql {

namespace {

std::string qualified_name(const nlohmann::json &items) {
  std::string out;
  for (const auto &part : items) {
    if (!part.contains("String")) return {};
    if (!out.empty()) out += '.';
    out += sql_ident(part["String"].value("sval", ""));
  }
  return out;
}

}  // namespace

std::vector<std::string> expand_multi_object(const std::string &statement) {
  auto words = leading_keywords(statement, 1);
  if (words.empty() || (words[0] != "DROP" && words[0] != "TRUNCATE") || statement.find(',') == std::string::npos)
    return {};
  auto tree = parse(statement);
  if (!tree) return {};
  std::vector<std::string> out;
  if (tree->contains("DropStmt")) {
    const auto &d = (*tree)["DropStmt"];
    static const std::pair<const char *, const char *> kKinds[] = {
        {"OBJECT_TABLE", "TABLE"}, {"OBJECT_VIEW", "VIEW"}, {"OBJECT_SEQUENCE", "SEQUENCE"},
        {"OBJECT_INDEX", "INDEX"}, {"OBJECT_SCHEMA", "SCHEMA"}};
    std::string kind;
    for (auto &[k, v] : kKinds)
      if (d.value("removeType", "") == k) kind = v;
    if (kind.empty() || !d.contains("objects") || d["objects"].size() < 2) return {};
    std::string prefix = "DROP " + kind + (d.value("missing_ok", false) ? " IF EXISTS " : " ");
    std::string suffix = d.value("behavior", "") == "DROP_CASCADE" ? " CASCADE" : "";
    for (const auto &o : d["objects"]) {
      std::string name;
      if (o.contains("List"))
        name = qualified_name(o["List"].value("items", nlohmann::json::array()));
      else if (o.contains("String"))
        name = sql_ident(o["String"].value("sval", ""));
      if (name.empty()) return {};
      out.push_back(prefix + name + suffix);
    }
  } else if (tree->contains("TruncateStmt")) {
    const auto &t = (*tree)["TruncateStmt"];
    if (!t.contains("relations") || t["relations"].size() < 2) return {};
    for (const auto &r : t["relations"]) {
      const auto &rv = r["RangeVar"];
      std::string name = sql_ident(rv.value("relname", ""));
      if (rv.contains("schemaname")) name = sql_ident(rv.value("schemaname", "")) + "." + name;
      out.push_back("TRUNCATE " + name);
    }
  }
  return out;
}

}  // namespace mallard::sql
