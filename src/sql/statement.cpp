#include "sql/statement.hpp"

#include <pg_query.h>

#include <strings.h>

#include <cctype>
#include <map>
#include <set>

#include <nlohmann/json.hpp>

#include "common/error.hpp"
#include "common/strings.hpp"

namespace mallard::sql {

namespace {

bool is_space(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v'; }

std::string_view trim(std::string_view s) {
  while (!s.empty() && (is_space(s.front()))) s.remove_prefix(1);
  while (!s.empty() && (is_space(s.back()) || s.back() == ';')) s.remove_suffix(1);
  return s;
}

// Skips whitespace and comments ("--" to end of line, nested "/* */").
size_t skip_blank(std::string_view s, size_t i) {
  while (i < s.size()) {
    if (is_space(s[i])) {
      ++i;
    } else if (s.compare(i, 2, "--") == 0) {
      while (i < s.size() && s[i] != '\n') ++i;
    } else if (s.compare(i, 2, "/*") == 0) {
      int depth = 0;
      while (i < s.size()) {
        if (s.compare(i, 2, "/*") == 0) {
          ++depth;
          i += 2;
        } else if (s.compare(i, 2, "*/") == 0) {
          i += 2;
          if (--depth == 0) break;
        } else {
          ++i;
        }
      }
    } else {
      break;
    }
  }
  return i;
}

bool only_blank(std::string_view s) {
  size_t i = 0;
  while (true) {
    i = skip_blank(s, i);
    if (i < s.size() && s[i] == ';') {
      ++i;
      continue;
    }
    return i >= s.size();
  }
}

std::string join_words(const std::vector<std::string> &w, size_t from, size_t count) {
  std::string out;
  for (size_t i = from; i < from + count && i < w.size(); ++i) {
    if (!out.empty()) out += ' ';
    out += w[i];
  }
  return out;
}

// Object words PostgreSQL puts into CREATE/DROP/ALTER tags.
const char *const kObjectWords[] = {"TABLE",    "VIEW",     "SCHEMA",   "SEQUENCE", "INDEX", "FUNCTION",
                                    "TYPE",     "DATABASE", "ROLE",     "USER",     "MACRO", "EXTENSION",
                                    "TRIGGER",  "SECRET",   "PROCEDURE", "DOMAIN",  "AGGREGATE"};

std::string object_tag(const std::string &verb, const std::vector<std::string> &w) {
  for (size_t i = 1; i < w.size(); ++i) {
    if (w[i] == "MATERIALIZED" && i + 1 < w.size() && w[i + 1] == "VIEW") return verb + " MATERIALIZED VIEW";
    for (const char *obj : kObjectWords) {
      if (w[i] == obj) {
        if (w[i] == "MACRO") return verb + " FUNCTION";
        return verb + " " + w[i];
      }
    }
  }
  return verb;
}

}  // namespace

size_t skip_lexeme(std::string_view s, size_t i) {
  char c = s[i];
  auto ident_char = [&](size_t k) {
    return std::isalnum(static_cast<unsigned char>(s[k])) || s[k] == '_' || static_cast<unsigned char>(s[k]) >= 0x80;
  };
  if (c == '\'' || c == '"') {
    bool backslash = c == '\'' && i > 0 && (s[i - 1] == 'E' || s[i - 1] == 'e') && !(i > 1 && ident_char(i - 2));
    size_t j = i + 1;
    while (j < s.size()) {
      if (backslash && s[j] == '\\') {
        j += 2;
        continue;
      }
      if (s[j] == c) {
        if (j + 1 < s.size() && s[j + 1] == c) {
          j += 2;
          continue;
        }
        return j + 1;
      }
      ++j;
    }
    return s.size();
  }
  if ((c == '-' && i + 1 < s.size() && s[i + 1] == '-') || (c == '/' && i + 1 < s.size() && s[i + 1] == '*')) {
    size_t j = skip_blank(s, i);
    return j > i ? j : i + 1;
  }
  if (c == '$' && !(i > 0 && ident_char(i - 1))) {
    size_t k = i + 1;
    if (k < s.size() && std::isdigit(static_cast<unsigned char>(s[k]))) return i + 1;  // $1 parameter
    while (k < s.size() && (std::isalnum(static_cast<unsigned char>(s[k])) || s[k] == '_')) ++k;
    if (k < s.size() && s[k] == '$') {
      std::string_view tag = s.substr(i, k - i + 1);
      auto end = s.find(tag, k + 1);
      return end == std::string_view::npos ? s.size() : end + tag.size();
    }
  }
  return i + 1;
}

std::vector<Statement> split(std::string_view query) {
  std::vector<Statement> out;
  auto emit = [&](size_t from, size_t to) {
    std::string_view piece = query.substr(from, to - from);
    if (only_blank(piece)) return;
    size_t lead = 0;
    while (lead < piece.size() && is_space(piece[lead])) ++lead;
    out.push_back({std::string(trim(piece)), from + lead});
  };
  size_t start = 0, i = 0;
  while (i < query.size()) {
    if (query[i] == ';') {
      emit(start, i);
      start = ++i;
      continue;
    }
    i = skip_lexeme(query, i);
  }
  emit(start, query.size());
  return out;
}

std::vector<std::string> leading_keywords(std::string_view s, size_t max_words) {
  std::vector<std::string> words;
  size_t i = 0;
  while (words.size() < max_words) {
    i = skip_blank(s, i);
    while (i < s.size() && s[i] == '(') i = skip_blank(s, i + 1);
    if (i >= s.size()) break;
    size_t start = i;
    while (i < s.size() && (std::isalnum(static_cast<unsigned char>(s[i])) || s[i] == '_')) ++i;
    if (i == start) break;
    std::string w(s.substr(start, i - start));
    for (auto &c : w) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    words.push_back(std::move(w));
  }
  return words;
}

Classified classify(std::string_view statement) {
  auto w = leading_keywords(statement, 8);
  Classified c;
  if (w.empty()) return c;
  const std::string &first = w[0];
  if (first == "SELECT" || first == "VALUES" || first == "TABLE" || first == "WITH" || first == "FROM" ||
      first == "INSERT" || first == "UPDATE" || first == "DELETE" || first == "MERGE" || first == "DESCRIBE" ||
      first == "SUMMARIZE" || first == "PIVOT" || first == "UNPIVOT" || first == "CALL" || first == "PRAGMA" ||
      first == "EXPLAIN" || first == "EXECUTE") {
    c.kind = Kind::kQuery;
    if (first == "EXPLAIN") c.tag = "EXPLAIN";
    return c;
  }
  if (first == "BEGIN" || (first == "START" && w.size() > 1 && w[1] == "TRANSACTION")) {
    c.kind = Kind::kBegin;
    c.tag = first == "BEGIN" ? "BEGIN" : "START TRANSACTION";
  } else if (first == "COMMIT" || first == "END") {
    if (w.size() > 1 && w[1] == "PREPARED") {
      c.tag = "COMMIT PREPARED";
      return c;
    }
    c.kind = Kind::kCommit;
    c.tag = "COMMIT";
  } else if (first == "ROLLBACK" || first == "ABORT") {
    bool to_savepoint = (w.size() > 1 && w[1] == "TO") || (w.size() > 2 && w[2] == "TO");
    if (to_savepoint) {
      c.kind = Kind::kSavepoint;
      c.tag = "ROLLBACK";
      return c;
    }
    c.kind = Kind::kRollback;
    c.tag = "ROLLBACK";
  } else if (first == "SET" || first == "RESET") {
    c.kind = Kind::kSet;
    c.tag = first == "SET" && w.size() > 1 && w[1] == "CONSTRAINTS" ? "SET CONSTRAINTS" : first;
  } else if (first == "DISCARD") {
    c.kind = Kind::kSet;  // session state, run by the session
    c.tag = join_words(w, 0, 2);
  } else if (first == "SHOW") {
    c.kind = Kind::kShow;
    c.tag = "SHOW";
  } else if (first == "COPY") {
    c.kind = Kind::kCopy;
    c.tag = "COPY";
  } else if (first == "INSTALL" || first == "LOAD" || (first == "FORCE" && w.size() > 1 && w[1] == "INSTALL")) {
    c.kind = Kind::kExtension;
  } else if (first == "CREATE" || first == "DROP" || first == "ALTER") {
    c.tag = object_tag(first, w);
  } else if (first == "TRUNCATE") {
    c.tag = "TRUNCATE TABLE";
  } else if (first == "COMMENT") {
    c.tag = "COMMENT";
  } else if (first == "PREPARE") {
    bool transaction = w.size() > 1 && w[1] == "TRANSACTION";
    if (!transaction) c.kind = Kind::kPrepare;
    c.tag = transaction ? "PREPARE TRANSACTION" : "PREPARE";
  } else if (first == "DECLARE" || first == "FETCH" || first == "MOVE" || first == "CLOSE") {
    c.kind = Kind::kCursor;
    c.tag = first == "DECLARE" ? "DECLARE CURSOR" : first == "CLOSE" ? "CLOSE CURSOR" : first;
  } else if (first == "SAVEPOINT" || first == "RELEASE") {
    c.kind = Kind::kSavepoint;
    c.tag = first;
  } else if (first == "DEALLOCATE") {
    c.kind = Kind::kDeallocate;
    bool all = (w.size() > 1 && w[1] == "ALL") || (w.size() > 2 && w[1] == "PREPARE" && w[2] == "ALL");
    c.tag = all ? "DEALLOCATE ALL" : "DEALLOCATE";
  } else {
    c.tag = join_words(w, 0, 1);
  }
  return c;
}

bool allowed_in_failed_transaction(const Classified &c) {
  return c.kind == Kind::kCommit || c.kind == Kind::kRollback || (c.kind == Kind::kSavepoint && c.tag == "ROLLBACK");
}

std::optional<nlohmann::json> parse(const std::string &statement) {
  PgQueryParseResult r = pg_query_parse(statement.c_str());
  std::optional<nlohmann::json> out;
  if (!r.error && r.parse_tree) {
    auto tree = nlohmann::json::parse(r.parse_tree, nullptr, false);
    if (!tree.is_discarded() && tree.contains("stmts") && tree["stmts"].size() == 1)
      out = std::move(tree["stmts"][0]["stmt"]);
  }
  pg_query_free_parse_result(r);
  return out;
}

namespace {

// End of the name, qualified or not, that begins at s[i].
size_t name_end(std::string_view s, size_t i) {
  for (;;) {
    if (i < s.size() && s[i] == '"') {
      i = skip_lexeme(s, i);
    } else {
      while (i < s.size() && (std::isalnum(static_cast<unsigned char>(s[i])) || s[i] == '_' || s[i] == '$' ||
                              static_cast<unsigned char>(s[i]) >= 0x80))
        ++i;
    }
    size_t dot = skip_blank(s, i);
    if (dot >= s.size() || s[dot] != '.') return i;
    i = skip_blank(s, dot + 1);
  }
}

void collect_cte_names(const nlohmann::json &node, std::set<std::string> &out) {
  if (node.is_object()) {
    for (auto it = node.begin(); it != node.end(); ++it) {
      if (it.key() == "ctename" && it.value().is_string()) out.insert(it.value().get<std::string>());
      collect_cte_names(it.value(), out);
    }
  } else if (node.is_array()) {
    for (const auto &x : node) collect_cte_names(x, out);
  }
}

}  // namespace

std::string redirect_relations(const std::string &statement, const RelationRedirect &redirect) {
  auto tree = parse(statement);
  if (!tree || !tree->is_object() || tree->empty()) return statement;
  static const std::set<std::string> kKinds = {"SelectStmt", "InsertStmt", "UpdateStmt", "DeleteStmt",
                                               "CreateTableAsStmt", "CopyStmt", "DeclareCursorStmt"};
  if (!kKinds.count(tree->begin().key())) return statement;
  std::set<std::string> ctes;
  collect_cte_names(*tree, ctes);
  std::map<size_t, std::string> edits;  // location → replacement
  std::function<void(const nlohmann::json &, bool)> walk = [&](const nlohmann::json &node, bool top) {
    if (node.is_array()) {
      for (const auto &x : node) walk(x, false);
      return;
    }
    if (!node.is_object()) return;
    for (auto it = node.begin(); it != node.end(); ++it) {
      const std::string &key = it.key();
      // The written table, CREATE TABLE AS's new one, and FOR UPDATE OF's names stay.
      if ((top && (key == "relation" || key == "into")) || key == "lockingClause") continue;
      if (key != "RangeVar") {
        walk(it.value(), false);
        continue;
      }
      const auto &rv = it.value();
      std::string catalog = rv.value("catalogname", ""), schema = rv.value("schemaname", "");
      std::string name = rv.value("relname", "");
      if (catalog.empty() && schema.empty() && ctes.count(name)) continue;
      auto to = redirect(catalog, schema, name);
      int location = rv.value("location", -1);
      if (!to || location < 0 || static_cast<size_t>(location) >= statement.size()) continue;
      edits[static_cast<size_t>(location)] = *to + (rv.contains("alias") ? "" : " AS " + sql_ident(name));
    }
  };
  walk(tree->begin().value(), true);
  std::string out = statement;
  for (auto e = edits.rbegin(); e != edits.rend(); ++e) out.replace(e->first, name_end(out, e->first) - e->first, e->second);
  return out;
}

std::optional<LoneCall> lone_call(const std::string &statement, const std::function<bool(const std::string &)> &wanted) {
  auto tree = parse(statement);
  if (!tree || !tree->contains("SelectStmt")) return std::nullopt;
  const auto &sel = (*tree)["SelectStmt"];
  for (const char *clause : {"fromClause", "whereClause", "groupClause", "havingClause", "sortClause", "limitCount",
                             "valuesClause", "withClause", "distinctClause", "larg", "intoClause"})
    if (sel.contains(clause)) return std::nullopt;
  const auto targets = sel.value("targetList", nlohmann::json::array());
  if (targets.size() != 1 || !targets[0].contains("ResTarget")) return std::nullopt;
  const auto &target = targets[0]["ResTarget"];
  if (!target.contains("val") || !target["val"].contains("FuncCall")) return std::nullopt;
  const auto &call = target["val"]["FuncCall"];
  const auto names = call.value("funcname", nlohmann::json::array());
  if (names.empty() || names.size() > 2) return std::nullopt;
  auto name_at = [&](size_t i) { return names[i].contains("String") ? names[i]["String"].value("sval", "") : ""; };
  LoneCall out;
  out.function = name_at(names.size() - 1);
  if (!wanted(out.function) || (names.size() == 2 && name_at(0) != "pg_catalog")) return std::nullopt;
  const auto args = call.value("args", nlohmann::json::array());
  // The text of each argument: from its location to the next one's (or the call's end).
  std::vector<int> starts;
  for (const auto &a : args) {
    // A cast's location is its `::`; the argument starts at what it casts.
    const auto &node = a.contains("TypeCast") && a["TypeCast"].contains("arg") ? a["TypeCast"]["arg"].begin().value()
                                                                              : a.begin().value();
    starts.push_back(node.value("location", -1));
  }
  const size_t close = statement.rfind(')');
  for (size_t i = 0; i < args.size(); ++i) {
    const auto &a = args[i];
    const int from = starts[i];
    const size_t to = i + 1 < args.size() ? statement.rfind(',', size_t(starts[i + 1])) : close;
    if (from < 0 || to == std::string::npos || to <= size_t(from)) return std::nullopt;
    LoneCall::Arg arg;
    arg.text = std::string(statement.substr(size_t(from), to - size_t(from)));
    while (!arg.text.empty() && std::isspace(static_cast<unsigned char>(arg.text.back()))) arg.text.pop_back();
    // A constant or a parameter, possibly cast ('x'::text, $3::boolean).
    const nlohmann::json &v = a.contains("TypeCast") && a["TypeCast"].contains("arg") ? a["TypeCast"]["arg"] : a;
    const nlohmann::json *c = v.contains("A_Const") ? &v["A_Const"] : nullptr;
    if (v.contains("ParamRef")) {
      arg.param = v["ParamRef"].value("number", 0);
      if (arg.param <= 0) return std::nullopt;
    } else if (c && c->contains("sval")) {
      arg.constant = (*c)["sval"].value("sval", "");
    } else if (c && c->contains("boolval")) {
      arg.constant = (*c)["boolval"].value("boolval", false) ? "true" : "false";
    } else if (c && c->value("isnull", false)) {
      arg.null = true;
    } else if (c && c->contains("ival")) {  // zero is written as an empty object
      arg.constant = std::to_string((*c)["ival"].value("ival", 0));
    } else if (c && c->contains("fval")) {  // integers beyond 32 bits, and decimals
      arg.constant = (*c)["fval"].value("fval", "");
    } else {
      return std::nullopt;
    }
    out.args.push_back(std::move(arg));
  }
  out.alias = target.value("name", out.function);
  return out;
}

std::optional<SetConfigCall> set_config_call(const std::string &statement) {
  // A cheap look before parsing: nearly every statement is something else.
  if (to_lower(statement).find("set_config") == std::string::npos) return std::nullopt;
  auto call = lone_call(statement, [](const std::string &f) { return f == "set_config"; });
  if (!call || call->args.size() != 3) return std::nullopt;
  return SetConfigCall{call->args[0], call->args[1], call->args[2], call->alias};
}

namespace {

// Index just past the name starting at s[i] (quoted, or an unquoted identifier).
size_t skip_name(std::string_view s, size_t i) {
  if (i < s.size() && s[i] == '"') return skip_lexeme(s, i);
  while (i < s.size() && (std::isalnum(static_cast<unsigned char>(s[i])) || s[i] == '_' || s[i] == '$' ||
                          static_cast<unsigned char>(s[i]) >= 0x80))
    ++i;
  return i;
}

// The items of the parenthesized list opening at s[open], split at its top-level commas, and the
// index past its ')'. nullopt when it does not close.
std::optional<std::pair<std::vector<std::string>, size_t>> paren_list(std::string_view s, size_t open) {
  std::vector<std::string> items;
  int depth = 0;
  size_t start = open + 1;
  for (size_t i = open; i < s.size(); i = skip_lexeme(s, i)) {
    char c = s[i];
    if (c == '(' || c == '[') {
      ++depth;
    } else if ((c == ')' || c == ']') && --depth == 0) {
      auto last = trim(s.substr(start, i - start));
      if (!last.empty() || !items.empty()) items.emplace_back(last);
      return std::pair{std::move(items), i + 1};
    } else if (c == ',' && depth == 1) {
      items.emplace_back(trim(s.substr(start, i - start)));
      start = i + 1;
    }
  }
  return std::nullopt;
}

// `KEYWORD name [(list)]` at the start of a statement whose parse tree is a `node` with a `name`:
// the name, the list, and the index past them.
struct NamedList {
  std::string name;
  std::vector<std::string> list;
  size_t end = 0;
};
std::optional<NamedList> named_list(const std::string &statement, const char *node, size_t keyword_length) {
  auto tree = parse(statement);
  if (!tree || !tree->contains(node)) return std::nullopt;
  NamedList out;
  out.name = (*tree)[node].value("name", "");
  std::string_view s(statement);
  size_t i = skip_blank(s, skip_blank(s, 0) + keyword_length);
  i = skip_blank(s, skip_name(s, i));
  if (i < s.size() && s[i] == '(') {
    auto list = paren_list(s, i);
    if (!list) return std::nullopt;
    out.list = std::move(list->first);
    i = skip_blank(s, list->second);
  }
  out.end = i;
  return out;
}

}  // namespace

std::optional<PrepareText> prepare_text(const std::string &statement) {
  auto head = named_list(statement, "PrepareStmt", 7);
  if (!head) return std::nullopt;
  std::string_view s(statement);
  size_t i = head->end;
  if (i + 2 > s.size() || strncasecmp(s.data() + i, "as", 2) != 0) return std::nullopt;
  return PrepareText{head->name, std::move(head->list), std::string(trim(s.substr(i + 2)))};
}

std::optional<ExecuteText> execute_text(const std::string &statement) {
  auto head = named_list(statement, "ExecuteStmt", 7);
  if (!head) return std::nullopt;
  return ExecuteText{head->name, std::move(head->list)};
}

std::vector<LikeElement> create_table_likes(const std::string &statement) {
  std::vector<LikeElement> out;
  auto tree = parse(statement);
  if (!tree || !tree->contains("CreateStmt")) return out;
  std::string_view s(statement);
  for (const auto &e : (*tree)["CreateStmt"].value("tableElts", nlohmann::json::array())) {
    if (!e.contains("TableLikeClause")) continue;
    const auto &like = e["TableLikeClause"];
    const auto &rel = like.value("relation", nlohmann::json::object());
    LikeElement l;
    l.schema = rel.value("schemaname", "");
    l.name = rel.value("relname", "");
    l.defaults = (like.value("options", 0) & 8) != 0;  // CREATE_TABLE_LIKE_DEFAULTS (ALL has it too)
    l.indexes = (like.value("options", 0) & 64) != 0;  // CREATE_TABLE_LIKE_INDEXES
    // The element runs from its LIKE (the last one before the relation's name) to the comma or
    // parenthesis that ends it.
    const size_t at = rel.value("location", size_t{0});
    for (size_t i = 0; i < at && i < s.size(); i = skip_lexeme(s, i))
      if (i + 4 <= s.size() && strncasecmp(s.data() + i, "like", 4) == 0 &&
          (i + 4 == s.size() || !std::isalnum(static_cast<unsigned char>(s[i + 4]))))
        l.begin = i;
    int depth = 0;
    size_t i = at;
    for (; i < s.size(); i = skip_lexeme(s, i)) {
      if (s[i] == '(') ++depth;
      if ((s[i] == ')' && depth-- == 0) || (s[i] == ',' && depth == 0)) break;
    }
    l.end = i;
    if (l.begin == 0 || l.end <= at) return {};
    out.push_back(std::move(l));
  }
  return out;
}

bool valid_utf8(std::string_view text, size_t *bad_offset) {
  const auto *s = reinterpret_cast<const unsigned char *>(text.data());
  size_t n = text.size(), i = 0;
  while (i < n) {
    unsigned char c = s[i];
    if (c < 0x80) {
      if (c == 0) break;  // NUL is not allowed inside PostgreSQL text
      ++i;
      continue;
    }
    size_t len;
    uint32_t cp;
    if ((c & 0xE0) == 0xC0) {
      len = 2;
      cp = c & 0x1F;
    } else if ((c & 0xF0) == 0xE0) {
      len = 3;
      cp = c & 0x0F;
    } else if ((c & 0xF8) == 0xF0) {
      len = 4;
      cp = c & 0x07;
    } else {
      break;
    }
    if (i + len > n) break;
    bool ok = true;
    for (size_t k = 1; k < len; ++k) {
      if ((s[i + k] & 0xC0) != 0x80) {
        ok = false;
        break;
      }
      cp = (cp << 6) | (s[i + k] & 0x3F);
    }
    if (!ok) break;
    if ((len == 2 && cp < 0x80) || (len == 3 && cp < 0x800) || (len == 4 && (cp < 0x10000 || cp > 0x10FFFF)) ||
        (cp >= 0xD800 && cp <= 0xDFFF))
      break;
    i += len;
  }
  if (i < n) {
    if (bad_offset) *bad_offset = i;
    return false;
  }
  return true;
}

}  // namespace mallard::sql

namespace mallard::sql {

std::string replace_parameters(std::string_view s, const std::vector<std::string> &casts) {
  std::string out;
  out.reserve(s.size() + 32);
  size_t i = 0;
  while (i < s.size()) {
    if (s[i] == '$' && i + 1 < s.size() && std::isdigit(static_cast<unsigned char>(s[i + 1])) &&
        !(i > 0 && (std::isalnum(static_cast<unsigned char>(s[i - 1])) || s[i - 1] == '_'))) {
      size_t j = i + 1;
      while (j < s.size() && std::isdigit(static_cast<unsigned char>(s[j]))) ++j;
      size_t n = j - i - 1 <= 6 ? std::stoul(std::string(s.substr(i + 1, j - i - 1))) : 0;
      if (n >= 1 && n <= casts.size() && !casts[n - 1].empty()) {
        out += casts[n - 1];
      } else {
        out.append(s.substr(i, j - i));
      }
      i = j;
      continue;
    }
    size_t next = skip_lexeme(s, i);
    out.append(s.substr(i, next - i));
    i = next;
  }
  return out;
}

}  // namespace mallard::sql

namespace mallard::sql {

namespace {

// The last String of a list of name nodes (funcname, typeName.names, ColumnRef.fields).
std::string last_name(const nlohmann::json &names) {
  if (!names.is_array() || names.empty()) return {};
  const auto &n = names.back();
  return n.contains("String") ? n["String"].value("sval", "") : std::string();
}

// How PostgreSQL names a result column it has no alias for: the column a reference names, the
// function a call names, else the kind of expression; "?column?" for the rest. A strong name (2)
// comes from the expression's own words; a weak one (1) from its kind, which a cast's type
// outranks.
std::pair<std::string, int> column_name_of(const nlohmann::json &node) {
  if (!node.is_object() || node.empty()) return {"?column?", 0};
  const std::string kind = node.begin().key();
  const nlohmann::json &n = node.begin().value();
  if (kind == "ColumnRef") {
    const auto &fields = n.value("fields", nlohmann::json::array());
    std::string name = last_name(fields);
    return name.empty() ? std::pair<std::string, int>{"?column?", 0} : std::pair<std::string, int>{name, 2};
  }
  if (kind == "A_Indirection") {
    const auto &ind = n.value("indirection", nlohmann::json::array());
    if (!ind.empty() && ind.back().contains("String")) return {ind.back()["String"].value("sval", ""), 2};
    return column_name_of(n.value("arg", nlohmann::json::object()));
  }
  if (kind == "FuncCall") return {last_name(n.value("funcname", nlohmann::json::array())), 2};
  if (kind == "A_Expr" && n.value("kind", "") == "AEXPR_NULLIF") return {"nullif", 2};
  if (kind == "TypeCast") {
    auto inner = column_name_of(n.value("arg", nlohmann::json::object()));
    if (inner.second == 2) return inner;
    std::string type = last_name(n.value("typeName", nlohmann::json::object()).value("names", nlohmann::json::array()));
    return type.empty() ? inner : std::pair<std::string, int>{type, 1};
  }
  if (kind == "CollateClause") return column_name_of(n.value("arg", nlohmann::json::object()));
  if (kind == "GroupingFunc") return {"grouping", 2};
  if (kind == "SubLink") {
    const std::string type = n.value("subLinkType", "");
    if (type == "EXISTS_SUBLINK") return {"exists", 2};
    if (type == "ARRAY_SUBLINK") return {"array", 2};
    if (type == "EXPR_SUBLINK" && n.contains("subselect") && n["subselect"].contains("SelectStmt")) {
      const auto &targets = n["subselect"]["SelectStmt"].value("targetList", nlohmann::json::array());
      if (targets.size() == 1 && targets[0].contains("ResTarget")) {
        const auto &t = targets[0]["ResTarget"];
        if (t.contains("name")) return {t.value("name", ""), 2};
        return column_name_of(t.value("val", nlohmann::json::object()));
      }
    }
    return {"?column?", 0};
  }
  if (kind == "CaseExpr") return {"case", 1};
  if (kind == "A_ArrayExpr") return {"array", 1};
  if (kind == "RowExpr") return {"row", 1};
  if (kind == "CoalesceExpr") return {"coalesce", 2};
  if (kind == "MinMaxExpr") return {n.value("op", "") == "IS_LEAST" ? "least" : "greatest", 2};
  if (kind == "SQLValueFunction") {
    static const std::pair<const char *, const char *> kNames[] = {
        {"SVFOP_CURRENT_DATE", "current_date"},     {"SVFOP_CURRENT_TIME", "current_time"},
        {"SVFOP_CURRENT_TIME_N", "current_time"},   {"SVFOP_CURRENT_TIMESTAMP", "current_timestamp"},
        {"SVFOP_CURRENT_TIMESTAMP_N", "current_timestamp"}, {"SVFOP_LOCALTIME", "localtime"},
        {"SVFOP_LOCALTIME_N", "localtime"},         {"SVFOP_LOCALTIMESTAMP", "localtimestamp"},
        {"SVFOP_LOCALTIMESTAMP_N", "localtimestamp"}, {"SVFOP_CURRENT_ROLE", "current_role"},
        {"SVFOP_CURRENT_USER", "current_user"},     {"SVFOP_USER", "user"},
        {"SVFOP_SESSION_USER", "session_user"},     {"SVFOP_CURRENT_CATALOG", "current_catalog"},
        {"SVFOP_CURRENT_SCHEMA", "current_schema"}};
    const std::string op = n.value("op", "");
    for (const auto &[k, v] : kNames)
      if (op == k) return {v, 2};
  }
  return {"?column?", 0};
}

}  // namespace

namespace {

std::vector<std::optional<std::string>> select_list_names(const nlohmann::json &targets, bool &has_star) {
  std::vector<std::optional<std::string>> out;
  for (const auto &item : targets) {
    if (!item.contains("ResTarget")) {
      has_star = true;  // not a select list this reads: no item-by-item correspondence
      return out;
    }
    const auto &t = item["ResTarget"];
    const auto &val = t.value("val", nlohmann::json::object());
    // `*` and `t.*` stand for several columns: no item-by-item correspondence.
    if (val.contains("ColumnRef"))
      for (const auto &f : val["ColumnRef"].value("fields", nlohmann::json::array()))
        if (f.contains("A_Star")) has_star = true;
    if (t.contains("name"))
      out.emplace_back(std::nullopt);
    else
      out.emplace_back(column_name_of(val).first);
  }
  return out;
}

SelectShape::Item shape_item(const nlohmann::json &item) {
  SelectShape::Item out;
  if (!item.contains("ResTarget")) return out;
  const auto &val = item["ResTarget"].value("val", nlohmann::json::object());
  if (!val.contains("ColumnRef")) return out;
  const auto &fields = val["ColumnRef"].value("fields", nlohmann::json::array());
  if (fields.empty() || fields.size() > 2) return out;
  if (fields.size() == 2) {
    if (!fields[0].contains("String")) return out;
    out.qualifier = fields[0]["String"].value("sval", "");
  }
  if (fields.back().contains("A_Star")) {
    out.kind = SelectShape::Item::kStar;
  } else if (fields.back().contains("String")) {
    out.kind = SelectShape::Item::kColumn;
    out.column = fields.back()["String"].value("sval", "");
  }
  return out;
}

void shape_from(const nlohmann::json &node, SelectShape &shape) {
  if (node.contains("RangeVar")) {
    const auto &r = node["RangeVar"];
    if (r.contains("catalogname")) {
      shape.only_relations = false;
      return;
    }
    std::string alias = r.contains("alias") ? r["alias"].value("aliasname", "") : "";
    // Column aliases (t AS x(a, b)) rename the columns: left out.
    if (r.contains("alias") && r["alias"].contains("colnames")) {
      shape.only_relations = false;
      return;
    }
    shape.relations.push_back({r.value("schemaname", ""), r.value("relname", ""), alias});
  } else if (node.contains("JoinExpr")) {
    const auto &j = node["JoinExpr"];
    if (j.contains("usingClause") || j.value("isNatural", false) || j.contains("alias")) shape.only_relations = false;
    shape_from(j.value("larg", nlohmann::json::object()), shape);
    shape_from(j.value("rarg", nlohmann::json::object()), shape);
  } else {
    shape.only_relations = false;  // a subquery, a function, ...
  }
}

}  // namespace

SelectColumns select_columns(const std::string &statement) {
  SelectColumns out;
  auto tree = parse(statement);
  if (!tree || !tree->contains("SelectStmt")) return out;
  const nlohmann::json *sel = &(*tree)["SelectStmt"];
  const bool plain = !sel->contains("larg") && !sel->contains("withClause");
  while (sel->contains("larg") && (*sel)["larg"].is_object()) sel = &(*sel)["larg"];  // a set operation: its first branch
  if (!sel->contains("targetList")) return out;  // VALUES
  const auto &targets = (*sel)["targetList"];
  bool has_star = false;
  auto names = select_list_names(targets, has_star);
  if (!has_star) out.names = std::move(names);
  if (plain && sel->contains("fromClause")) {
    SelectShape shape;
    for (const auto &item : targets) shape.items.push_back(shape_item(item));
    for (const auto &from : (*sel)["fromClause"]) shape_from(from, shape);
    out.shape = std::move(shape);
  }
  return out;
}

}  // namespace mallard::sql
