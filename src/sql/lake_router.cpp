#include "sql/lake_router.hpp"

#include <cctype>

#include <nlohmann/json.hpp>

#include "common/strings.hpp"
#include "sql/statement.hpp"

namespace mallard::sql {

namespace {

struct Token {
  size_t b = 0, e = 0;
  enum Kind { kWord, kQuoted, kOther } kind = kOther;
  std::string upper;  // words: upper-cased; others: the text
  std::string ident;  // words: lower-cased; quoted identifiers: unquoted
};

bool ident_start(char c) { return std::isalpha(static_cast<unsigned char>(c)) || c == '_' || static_cast<unsigned char>(c) >= 0x80; }
bool ident_char(char c) { return ident_start(c) || std::isdigit(static_cast<unsigned char>(c)) || c == '$'; }

std::vector<Token> tokenize(std::string_view s) {
  std::vector<Token> out;
  size_t i = 0;
  while (i < s.size()) {
    char c = s[i];
    if (std::isspace(static_cast<unsigned char>(c))) {
      ++i;
      continue;
    }
    Token t;
    t.b = i;
    if (ident_start(c) && !((c == 'E' || c == 'e') && i + 1 < s.size() && s[i + 1] == '\'')) {
      size_t j = i;
      while (j < s.size() && ident_char(s[j])) ++j;
      t.e = j;
      t.kind = Token::kWord;
      std::string w(s.substr(i, j - i));
      t.ident = to_lower(w);
      for (auto &ch : w) ch = static_cast<char>(std::toupper(static_cast<unsigned char>(ch)));
      t.upper = w;
    } else {
      t.e = skip_lexeme(s, i);
      if ((c == '-' && t.e > i + 1 && s[i + 1] == '-') || (c == '/' && t.e > i + 1 && s[i + 1] == '*')) {
        i = t.e;
        continue;
      }
      if (c == '"') {
        t.kind = Token::kQuoted;
        std::string v;
        for (size_t k = i + 1; k + 1 < t.e; ++k) {
          v += s[k];
          if (s[k] == '"') ++k;
        }
        t.ident = v;
      }
      t.upper = std::string(s.substr(i, t.e - i));
    }
    out.push_back(t);
    i = t.e;
  }
  return out;
}

class Parser {
 public:
  explicit Parser(std::string_view text) : text_(text), toks_(tokenize(text)) {}

  bool at_end() const { return i_ >= toks_.size(); }
  bool is(const char *word, size_t ahead = 0) const {
    return i_ + ahead < toks_.size() && toks_[i_ + ahead].kind == Token::kWord && toks_[i_ + ahead].upper == word;
  }
  bool is_punct(const char *p) const { return !at_end() && toks_[i_].kind == Token::kOther && toks_[i_].upper == p; }
  bool accept_punct(const char *p) {
    if (!is_punct(p)) return false;
    ++i_;
    return true;
  }
  bool accept(const char *word) {
    if (!is(word)) return false;
    ++i_;
    return true;
  }
  bool accept_all(std::initializer_list<const char *> words) {
    size_t k = 0;
    for (auto *w : words)
      if (!is(w, k++)) return false;
    i_ += words.size();
    return true;
  }
  bool is_identifier() const {
    return !at_end() && (toks_[i_].kind == Token::kQuoted || toks_[i_].kind == Token::kWord);
  }
  std::string identifier() {
    if (!is_identifier()) throw Error(sqlstate::kSyntaxError, "syntax error: a name was expected");
    return toks_[i_++].ident;
  }
  // (name, ...): a parenthesised list of one or more names.
  std::vector<std::string> identifier_list(const std::string &what) {
    std::vector<std::string> names;
    if (accept_punct("(")) {
      while (is_identifier()) {
        names.push_back(identifier());
        if (!accept_punct(",")) break;
      }
    }
    if (!accept_punct(")") || names.empty())
      throw Error(sqlstate::kSyntaxError, "syntax error: " + what + " needs a list of columns");
    return names;
  }
  // name [. name [. name]]; false when a catalog other than the warehouse's own is named.
  std::optional<lake::QualifiedName> name() {
    if (!is_identifier()) return std::nullopt;
    lake::QualifiedName n;
    n.begin = toks_[i_].b;
    std::vector<std::string> parts{identifier()};
    while (is_punct(".") && i_ + 1 < toks_.size()) {
      ++i_;
      parts.push_back(identifier());
    }
    n.end = toks_[i_ - 1].e;
    if (parts.size() > 3) return std::nullopt;
    if (parts.size() == 3) {
      catalog_ = parts[0];
      parts.erase(parts.begin());
    }
    n.name = parts.back();
    if (parts.size() == 2) n.schema = parts[0];
    return n;
  }
  const std::string &catalog() const { return catalog_; }
  // Whether a keyword that declares a constraint (besides NOT NULL) is a token of the statement.
  bool names_constraint() const {
    for (auto &t : toks_)
      if (t.kind == Token::kWord && word_in(t, {"PRIMARY", "UNIQUE", "CHECK", "REFERENCES", "FOREIGN", "CONSTRAINT"}))
        return true;
    return false;
  }
  // The text from the current token up to (not including) the first top-level token for which
  // stop() holds, or to the end; advances past it.
  template <class Stop>
  std::string until(Stop stop) {
    int depth = 0;
    size_t start = at_end() ? text_.size() : toks_[i_].b;
    while (!at_end()) {
      auto &t = toks_[i_];
      // Brackets nest too: DuckDB's list [..] and struct and map {..} literals.
      bool open = t.kind == Token::kOther && (t.upper == "(" || t.upper == "[" || t.upper == "{");
      bool close = t.kind == Token::kOther && (t.upper == ")" || t.upper == "]" || t.upper == "}");
      // A closing parenthesis at the top level ends an enclosing list: stop() may take it.
      if (depth == 0 && !open && stop(t)) break;
      depth += open ? 1 : close ? -1 : 0;
      ++i_;
    }
    size_t end = at_end() ? text_.size() : toks_[i_].b;
    return std::string(text_.substr(start, end - start));
  }
  std::string rest() { return until([](const Token &) { return false; }); }
  std::vector<std::string> comma_list(const std::vector<const char *> &stops) {
    std::vector<std::string> items;
    while (!at_end()) {
      items.push_back(until([&](const Token &t) {
        if (t.kind == Token::kOther && t.upper == ",") return true;
        if (t.kind != Token::kWord) return false;
        for (auto *s : stops)
          if (t.upper == s) return true;
        return false;
      }));
      if (!is_punct(",")) break;
      ++i_;
    }
    return items;
  }
  bool word_in(const Token &t, std::initializer_list<const char *> words) const {
    if (t.kind != Token::kWord) return false;
    for (auto *w : words)
      if (t.upper == w) return true;
    return false;
  }
  size_t pos() const { return i_; }
  size_t count() const { return toks_.size(); }
  const Token &token(size_t i) const { return toks_[i]; }
  size_t offset() const { return at_end() ? text_.size() : toks_[i_].b; }
  const std::string &peek_ident() const { return toks_[i_].ident; }
  void skip() { ++i_; }

 private:
  std::string_view text_;
  std::vector<Token> toks_;
  size_t i_ = 0;
  std::string catalog_;
};

Error unsupported(const std::string &what) {
  return Error(sqlstate::kFeatureNotSupported, what + " is not supported on lake tables");
}

// The rest of a foreign key after REFERENCES: table [(columns)] [MATCH SIMPLE | FULL]
// [ON DELETE | UPDATE action] [[NOT] DEFERRABLE] [INITIALLY DEFERRED | IMMEDIATE]. The lake keeps
// NO ACTION and RESTRICT; the actions that change other rows are refused.
void references(Parser &p, lake::ForeignKeySpec &fk) {
  auto n = p.name();
  if (!n) throw Error(sqlstate::kSyntaxError, "syntax error: REFERENCES needs a table");
  fk.table = *n;
  if (p.is_punct("(")) fk.ref_columns = p.identifier_list("REFERENCES");
  std::optional<bool> deferrable;
  while (true) {
    if (p.accept("MATCH")) {
      if (p.accept("FULL")) {
        if (fk.columns.size() > 1) throw unsupported("MATCH FULL on a foreign key of several columns");
      } else if (!p.accept("SIMPLE")) {
        throw unsupported("MATCH PARTIAL");
      }
    } else if (p.is("ON") && (p.is("DELETE", 1) || p.is("UPDATE", 1))) {
      p.skip();
      char &action = p.accept("DELETE") ? fk.on_delete : (p.skip(), fk.on_update);
      if (p.accept_all({"NO", "ACTION"})) action = 'a';
      else if (p.accept("RESTRICT")) action = 'r';
      else throw unsupported("ON DELETE and ON UPDATE actions other than NO ACTION and RESTRICT");
    } else if (p.accept("DEFERRABLE")) {
      deferrable = true;
    } else if (p.accept_all({"NOT", "DEFERRABLE"})) {
      deferrable = false;
    } else if (p.accept("INITIALLY")) {
      if (p.accept("DEFERRED")) fk.deferred = true;
      else if (p.accept("IMMEDIATE")) fk.deferred = false;
      else throw Error(sqlstate::kSyntaxError, "syntax error: INITIALLY needs DEFERRED or IMMEDIATE");
    } else if (p.is("NOT") && p.is("VALID", 1)) {
      throw unsupported("NOT VALID");
    } else {
      break;
    }
  }
  if (fk.deferred && deferrable == false)
    throw Error(sqlstate::kSyntaxError, "constraint declared INITIALLY DEFERRED must be DEFERRABLE");
  fk.deferrable = deferrable.value_or(fk.deferred);
}

// The type of a column definition (libpg_query's ColumnDef) when it is character varying [(n)]
// or character(n); not for arrays of them.
std::optional<lake::ColumnCharType> char_type_of(const nlohmann::json &column_def) {
  const auto &type = column_def.value("typeName", nlohmann::json::object());
  const auto &names = type.value("names", nlohmann::json::array());
  const auto &mods = type.value("typmods", nlohmann::json::array());
  if (names.empty() || mods.size() > 1 || type.contains("arrayBounds")) return std::nullopt;
  std::string name = names.back().value("String", nlohmann::json::object()).value("sval", "");
  if (name == "varchar" && mods.empty()) return lake::ColumnCharType{column_def.value("colname", ""), {}};
  if ((name != "varchar" && name != "bpchar") || mods.empty()) return std::nullopt;
  const auto &value = mods[0].value("A_Const", nlohmann::json::object());
  if (!value.contains("ival")) return std::nullopt;  // not a number: DuckDB says what is wrong
  int64_t n = value["ival"].value("ival", int64_t(0));  // libpg_query leaves a 0 out
  const std::string shown = name == "bpchar" ? "char" : name;  // as PostgreSQL's messages name it
  if (n < 1) throw Error(sqlstate::kInvalidParameterValue, "length for type " + shown + " must be at least 1");
  if (n > 10485760) throw Error(sqlstate::kInvalidParameterValue, "length for type " + shown + " cannot exceed 10485760");
  return lake::ColumnCharType{column_def.value("colname", ""), {n, name == "bpchar"}};
}

// The character types of CREATE TABLE's columns (st.char_types) and of ALTER TABLE's ADD COLUMN
// and ALTER COLUMN TYPE actions, read with PostgreSQL's parser (text it cannot parse has none).
void declared_char_types(lake::Statement &st) {
  if (to_lower(st.original).find("char") == std::string::npos) return;
  auto tree = parse(st.original);
  if (!tree) return;
  if (st.kind == lake::Statement::Kind::kCreateTable) {
    for (const auto &e : tree->value("CreateStmt", nlohmann::json::object()).value("tableElts", nlohmann::json::array()))
      if (e.contains("ColumnDef"))
        if (auto ct = char_type_of(e["ColumnDef"])) st.char_types.push_back(*ct);
    return;
  }
  // ALTER TABLE: the commands that define a column type, in the order of those actions.
  using AK = lake::AlterAction::Kind;
  auto action = st.actions.begin();
  auto next_typed = [&] {
    while (action != st.actions.end() && action->kind != AK::kAddColumn && action->kind != AK::kSetType) ++action;
  };
  for (const auto &c : tree->value("AlterTableStmt", nlohmann::json::object()).value("cmds", nlohmann::json::array())) {
    const auto &cmd = c.value("AlterTableCmd", nlohmann::json::object());
    std::string subtype = cmd.value("subtype", "");
    if (subtype != "AT_AddColumn" && subtype != "AT_AlterColumnType") continue;
    next_typed();
    if (action == st.actions.end()) return;
    const auto &def = cmd.value("def", nlohmann::json::object()).value("ColumnDef", nlohmann::json::object());
    if (auto ct = char_type_of(def)) {
      if (subtype == "AT_AlterColumnType") ct->column = cmd.value("name", "");
      action->char_type = ct;
    }
    ++action;
  }
}

// The FOREIGN KEY constraints of a CREATE TABLE's definitions, at the parser's '(': each taken
// into st.foreign_keys and blanked out of st.text (DuckDB makes the table without them).
void foreign_keys(Parser &p, lake::Statement &st) {
  if (!p.accept_punct("(")) return;
  auto blank = [&](size_t b, size_t e) { st.text.replace(b, e - b, std::string(e - b, ' ')); };
  auto stop = [&](const Token &t) {
    return (t.kind == Token::kOther && (t.upper == "," || t.upper == ")")) || p.word_in(t, {"REFERENCES", "CONSTRAINT"});
  };
  std::optional<size_t> comma;  // the comma before this element
  while (!p.at_end()) {
    size_t begin = p.offset();
    std::string name;
    if (p.accept("CONSTRAINT")) name = p.identifier();
    if (p.accept_all({"FOREIGN", "KEY"})) {
      lake::ForeignKeySpec fk;
      fk.name = name;
      fk.columns = p.identifier_list("FOREIGN KEY");
      if (!p.accept("REFERENCES")) throw Error(sqlstate::kSyntaxError, "syntax error: FOREIGN KEY needs REFERENCES");
      references(p, fk);
      st.foreign_keys.push_back(std::move(fk));
      // The element goes with a comma: the one before it, or for the first element the one after.
      if (comma) {
        blank(*comma, p.offset());
      } else {
        if (p.is_punct(",")) p.skip();
        blank(begin, p.offset());
        continue;
      }
    } else if (name.empty() && !p.is("PRIMARY") && !p.is("UNIQUE") && !p.is("CHECK") && !p.is("EXCLUDE") &&
               !p.is("LIKE") && p.is_identifier()) {
      // A column definition: its REFERENCES constraints (each maybe named) name this column.
      std::string column = p.identifier();
      while (true) {
        p.until(stop);
        size_t b = p.offset();
        std::string cname;
        if (p.accept("CONSTRAINT")) {
          cname = p.identifier();
          if (!p.is("REFERENCES")) continue;
        }
        if (!p.accept("REFERENCES")) break;
        lake::ForeignKeySpec fk;
        fk.name = cname;
        fk.columns = {column};
        references(p, fk);
        st.foreign_keys.push_back(std::move(fk));
        blank(b, p.offset());
      }
    }
    p.until([](const Token &t) { return t.kind == Token::kOther && (t.upper == "," || t.upper == ")"); });
    if (!p.is_punct(",")) break;
    comma = p.offset();
    p.skip();
  }
  p.accept_punct(")");
}

// column = expression, ... (UPDATE ... SET, ON CONFLICT DO UPDATE SET) up to a word of `stops`.
std::vector<std::pair<std::string, std::string>> assignments(Parser &p, const std::vector<const char *> &stops) {
  std::vector<std::pair<std::string, std::string>> out;
  for (auto &item : p.comma_list(stops)) {
    Parser ip(item);
    if (ip.is_punct("(")) throw unsupported("SET (columns) = (...)");
    std::string col = ip.identifier();
    if (!ip.is_punct("=")) throw Error(sqlstate::kSyntaxError, "syntax error in SET: column = expression expected");
    out.emplace_back(col, item.substr(item.find('=') + 1));
  }
  return out;
}

void names_list(Parser &p, lake::Statement &st) {
  auto first = p.name();
  if (!first) throw Error(sqlstate::kSyntaxError, "syntax error: a name was expected");
  st.target = *first;
  while (p.accept_punct(",")) {
    auto n = p.name();
    if (!n) break;
    st.more.push_back(*n);
  }
}

// CREATE [UNIQUE] INDEX [CONCURRENTLY] [[IF NOT EXISTS] name] ON [ONLY] table [USING method]
// (column [COLLATE c] [opclass] [ASC | DESC] [NULLS FIRST | LAST], ...) [INCLUDE (...)] [WITH (...)]
// [TABLESPACE t]: an index of plain columns. Expressions, partial indexes and NULLS NOT DISTINCT
// would change what a unique index means, and are refused.
std::optional<lake::Statement> route_create_index(Parser &p, lake::Statement &st, bool unique) {
  st.kind = lake::Statement::Kind::kCreateIndex;
  st.unique = unique;
  p.accept("CONCURRENTLY");
  st.if_not_exists = p.accept_all({"IF", "NOT", "EXISTS"});
  if (!p.is("ON")) st.body = p.identifier();
  if (!p.accept("ON")) return std::nullopt;
  p.accept("ONLY");
  auto n = p.name();
  if (!n) return std::nullopt;
  st.target = *n;
  if (p.accept("USING")) p.identifier();  // the access method: the lake keeps no index structure
  if (!p.accept_punct("(")) throw Error(sqlstate::kSyntaxError, "syntax error: CREATE INDEX needs a list of columns");
  auto stop = [](const Token &t) { return t.kind == Token::kOther && (t.upper == "," || t.upper == ")"); };
  do {
    std::string element = p.until(stop);
    Parser ep(element);
    if (!ep.is_identifier() || element.find('(') != std::string::npos)
      throw unsupported("an index on an expression");
    st.index_columns.push_back(ep.identifier());
  } while (p.accept_punct(","));
  if (!p.accept_punct(")")) throw Error(sqlstate::kSyntaxError, "syntax error in CREATE INDEX");
  if (p.accept("INCLUDE") || p.accept("WITH")) {
    if (p.accept_punct("(")) p.until([](const Token &t) { return t.kind == Token::kOther && t.upper == ")"; });
    p.accept_punct(")");
  }
  if (p.is("NULLS")) throw unsupported("NULLS NOT DISTINCT");
  if (p.accept("TABLESPACE")) p.identifier();
  if (p.is("WHERE")) throw unsupported("a partial index (CREATE INDEX ... WHERE)");
  p.accept_punct(";");
  if (!p.at_end()) throw Error(sqlstate::kSyntaxError, "syntax error at the end of CREATE INDEX");
  return st;
}

std::optional<lake::Statement> route_create(Parser &p, lake::Statement &st) {
  bool or_replace = p.accept_all({"OR", "REPLACE"});
  if (p.accept("TEMP") || p.accept("TEMPORARY") || p.accept("LOCAL") || p.accept("GLOBAL")) return std::nullopt;
  p.accept("UNLOGGED");
  bool unique = p.accept("UNIQUE");
  if (p.accept("INDEX")) return route_create_index(p, st, unique);
  if (unique) return std::nullopt;
  if (p.accept("SCHEMA")) {
    st.kind = lake::Statement::Kind::kCreateSchema;
    st.if_not_exists = p.accept_all({"IF", "NOT", "EXISTS"});
    auto n = p.name();
    if (!n) return std::nullopt;  // CREATE SCHEMA AUTHORIZATION role
    st.target = *n;
    return st;
  }
  if (p.accept("TABLE")) {
    st.kind = lake::Statement::Kind::kCreateTable;
    st.if_not_exists = p.accept_all({"IF", "NOT", "EXISTS"});
    auto n = p.name();
    if (!n) return std::nullopt;
    st.target = *n;
    if (or_replace) throw unsupported("CREATE OR REPLACE TABLE");
    st.may_declare_constraints = p.names_constraint();
    if (st.may_declare_constraints && p.is_punct("(")) foreign_keys(p, st);
    p.until([&](const Token &t) { return p.word_in(t, {"AS"}); });
    st.as_select = p.accept("AS");
    if (!st.as_select) declared_char_types(st);
    return st;
  }
  if (p.accept("VIEW")) {
    st.kind = lake::Statement::Kind::kCreateView;
    st.or_replace = or_replace;
    st.if_not_exists = p.accept_all({"IF", "NOT", "EXISTS"});
    auto n = p.name();
    if (!n) return std::nullopt;
    st.target = *n;
    std::string cols;
    if (p.is_punct("(")) cols = p.until([&](const Token &t) { return p.word_in(t, {"AS"}); });
    if (!p.accept("AS")) throw Error(sqlstate::kSyntaxError, "syntax error: CREATE VIEW needs AS");
    st.body = p.rest();
    if (!cols.empty()) st.body = "SELECT * FROM (" + st.body + ") AS __v" + cols;
    return st;
  }
  // Catalog objects the lake does not keep: DuckDB would hold them in memory only, and they would
  // be gone after the next restart. Temporary ones (and any in the temp catalog) are DuckDB's.
  for (const char *kind : {"SEQUENCE", "MACRO", "FUNCTION", "TYPE"}) {
    if (!p.accept(kind)) continue;
    p.accept("TABLE");  // CREATE MACRO name(...) AS TABLE ...
    p.accept_all({"IF", "NOT", "EXISTS"});
    auto n = p.name();
    if (n && (n->schema == "temp" || n->schema == "pg_temp" || p.catalog() == "temp")) return std::nullopt;
    std::string what = kind;
    throw Error(sqlstate::kFeatureNotSupported,
                "CREATE " + what + " is not supported in a lake warehouse: the lake keeps schemas, tables and views",
                0, "", "CREATE TEMP " + what + " makes one for this session.");
  }
  return std::nullopt;
}

std::optional<lake::Statement> route_drop(Parser &p, lake::Statement &st) {
  if (p.accept("SCHEMA")) st.kind = lake::Statement::Kind::kDropSchema;
  else if (p.accept("TABLE")) st.kind = lake::Statement::Kind::kDropTable;
  else if (p.accept("VIEW")) st.kind = lake::Statement::Kind::kDropView;
  else if (p.accept("INDEX")) st.kind = lake::Statement::Kind::kDropIndex;
  else return std::nullopt;
  if (st.kind == lake::Statement::Kind::kDropIndex) p.accept("CONCURRENTLY");
  st.if_exists = p.accept_all({"IF", "EXISTS"});
  names_list(p, st);
  st.cascade = p.accept("CASCADE");
  return st;
}

std::vector<lake::AlterAction> alter_actions(Parser &p) {
  using AK = lake::AlterAction::Kind;
  std::vector<lake::AlterAction> out;
  do {
    lake::AlterAction a;
    if (p.accept("ADD")) {
      if (p.is("CONSTRAINT") || p.is("PRIMARY") || p.is("UNIQUE") || p.is("CHECK") || p.is("FOREIGN")) {
        // [CONSTRAINT name] PRIMARY KEY (columns) | UNIQUE (columns) | FOREIGN KEY (columns)
        // REFERENCES ...; other constraints are refused.
        if (p.accept("CONSTRAINT")) a.column = p.identifier();
        if (p.accept_all({"PRIMARY", "KEY"})) a.text = "PRIMARY KEY";
        else if (p.accept("UNIQUE")) a.text = "UNIQUE";
        else if (p.accept_all({"FOREIGN", "KEY"})) a.text = "FOREIGN KEY";
        else throw unsupported("ALTER TABLE ADD CONSTRAINT other than PRIMARY KEY, UNIQUE or FOREIGN KEY");
        if (!p.is_punct("(")) throw unsupported("ALTER TABLE ADD " + a.text + " without a column list");
        a.columns = p.identifier_list(a.text);
        if (a.text == "FOREIGN KEY") {
          if (!p.accept("REFERENCES")) throw Error(sqlstate::kSyntaxError, "syntax error: FOREIGN KEY needs REFERENCES");
          a.foreign.emplace();
          a.foreign->name = a.column;
          a.foreign->columns = a.columns;
          references(p, *a.foreign);
        } else if (p.is("USING") || p.is("INCLUDE") || p.is("WITH") || p.is("DEFERRABLE") || p.is("INITIALLY")) {
          throw unsupported("options of ALTER TABLE ADD " + a.text);
        }
        a.kind = AK::kAddKey;
        out.push_back(a);
        continue;
      }
      p.accept("COLUMN");
      a.kind = AK::kAddColumn;
      a.if_not_exists = p.accept_all({"IF", "NOT", "EXISTS"});
      // The definition; a REFERENCES constraint in it (as Django adds a ForeignKey) is taken out.
      auto stop = [&](const Token &t) {
        return (t.kind == Token::kOther && t.upper == ",") || p.word_in(t, {"REFERENCES", "CONSTRAINT"});
      };
      a.text = p.until(stop);
      while (p.is("CONSTRAINT") || p.is("REFERENCES")) {
        std::string name;
        if (p.accept("CONSTRAINT")) {
          name = p.identifier();
          if (!p.is("REFERENCES")) {
            a.text += " CONSTRAINT " + sql_ident(name) + " " + p.until(stop);
            continue;
          }
        }
        p.accept("REFERENCES");
        if (a.foreign) throw unsupported("several foreign keys on one added column");
        a.foreign.emplace();
        a.foreign->name = name;
        references(p, *a.foreign);
        a.text += " " + p.until(stop);
      }
    } else if (p.accept("DROP")) {
      if (p.accept("CONSTRAINT")) {
        a.kind = AK::kDropConstraint;
        a.if_exists = p.accept_all({"IF", "EXISTS"});
        a.column = p.identifier();
        a.cascade = p.accept("CASCADE");
        p.accept("RESTRICT");
        out.push_back(a);
        continue;
      }
      p.accept("COLUMN");
      a.kind = AK::kDropColumn;
      a.if_exists = p.accept_all({"IF", "EXISTS"});
      a.column = p.identifier();
      a.cascade = p.accept("CASCADE");
      p.accept("RESTRICT");
    } else if (p.accept("RENAME")) {
      if (p.accept("TO")) {
        a.kind = AK::kRenameTable;
        a.text = p.identifier();
      } else {
        if (p.is("CONSTRAINT")) throw unsupported("ALTER TABLE RENAME CONSTRAINT");
        p.accept("COLUMN");
        a.kind = AK::kRenameColumn;
        a.column = p.identifier();
        if (!p.accept("TO")) throw Error(sqlstate::kSyntaxError, "syntax error: RENAME COLUMN needs TO");
        a.text = p.identifier();
      }
    } else if (p.accept("ALTER")) {
      p.accept("COLUMN");
      a.column = p.identifier();
      if (p.accept_all({"SET", "DEFAULT"})) {
        a.kind = AK::kSetDefault;
        a.text = p.until([](const Token &t) { return t.kind == Token::kOther && t.upper == ","; });
      } else if (p.accept_all({"DROP", "DEFAULT"})) {
        a.kind = AK::kDropDefault;
      } else if (p.accept_all({"SET", "NOT", "NULL"})) {
        a.kind = AK::kSetNotNull;
      } else if (p.accept_all({"DROP", "NOT", "NULL"})) {
        a.kind = AK::kDropNotNull;
      } else if (p.accept_all({"SET", "DATA", "TYPE"}) || p.accept("TYPE")) {
        a.kind = AK::kSetType;
        a.text = p.until([&](const Token &t) {
          return (t.kind == Token::kOther && t.upper == ",") || p.word_in(t, {"USING", "COLLATE"});
        });
        if (p.is("USING")) throw unsupported("ALTER COLUMN TYPE ... USING");
      } else {
        throw unsupported("this ALTER COLUMN form");
      }
    } else {
      throw unsupported("this ALTER TABLE form");
    }
    out.push_back(a);
  } while (p.accept_punct(","));
  return out;
}

}  // namespace

std::vector<TimeTravel> find_time_travel(std::string_view text) {
  std::vector<TimeTravel> out;
  auto toks = tokenize(text);
  auto punct = [&](size_t k, const char *p) { return k < toks.size() && toks[k].kind == Token::kOther && toks[k].upper == p; };
  auto word = [&](size_t k, const char *w) { return k < toks.size() && toks[k].kind == Token::kWord && toks[k].upper == w; };
  auto ident = [&](size_t k) { return k < toks.size() && (toks[k].kind == Token::kWord || toks[k].kind == Token::kQuoted); };
  for (size_t k = 1; k < toks.size(); ++k) {
    if (!word(k, "AT") || !punct(k + 1, "(") || !(word(k + 2, "VERSION") || word(k + 2, "TIMESTAMP")) ||
        !punct(k + 3, "=") || !punct(k + 4, ">") || !ident(k - 1))
      continue;
    TimeTravel tt;
    tt.by_version = word(k + 2, "VERSION");
    size_t first = k - 1;
    std::vector<std::string> parts{toks[first].ident};
    while (first >= 2 && punct(first - 1, ".") && ident(first - 2)) {
      first -= 2;
      parts.insert(parts.begin(), toks[first].ident);
    }
    if (parts.size() == 3) parts.erase(parts.begin());
    tt.name.name = parts.back();
    if (parts.size() == 2) tt.name.schema = parts[0];
    tt.name.begin = toks[first].b;
    tt.name.end = toks[k - 1].e;
    int depth = 0;
    size_t j = k + 5, expr_begin = j < toks.size() ? toks[j].b : text.size();
    for (; j < toks.size(); ++j) {
      if (punct(j, "(")) ++depth;
      if (punct(j, ")")) {
        if (depth == 0) break;
        --depth;
      }
    }
    if (j >= toks.size()) continue;
    tt.expr = std::string(text.substr(expr_begin, toks[j].b - expr_begin));
    tt.end = toks[j].e;
    static const char *const kFollowers[] = {"WHERE", "JOIN", "INNER", "LEFT", "RIGHT", "FULL", "CROSS", "NATURAL",
                                             "ON", "USING", "GROUP", "ORDER", "LIMIT", "OFFSET", "UNION", "EXCEPT",
                                             "INTERSECT", "HAVING", "WINDOW", "QUALIFY", "FETCH", "FOR", "POSITIONAL",
                                             "ASOF", "ANTI", "SEMI"};
    if (j + 1 < toks.size()) {
      bool follower = false;
      for (auto *f : kFollowers) follower |= word(j + 1, f);
      tt.aliased = word(j + 1, "AS") || (ident(j + 1) && !follower);
    }
    out.push_back(tt);
  }
  return out;
}

std::vector<TableChangesCall> find_table_changes(std::string_view text) {
  std::vector<TableChangesCall> out;
  auto toks = tokenize(text);
  for (size_t k = 0; k + 1 < toks.size(); ++k) {
    if (toks[k].kind != Token::kWord || toks[k].ident != "table_changes" || toks[k + 1].upper != "(") continue;
    TableChangesCall call;
    call.begin = toks[k].b;
    int depth = 0;
    size_t arg_begin = toks[k + 1].e;
    size_t j = k + 2;
    for (; j < toks.size(); ++j) {
      const auto &t = toks[j];
      if (t.kind != Token::kOther) continue;
      if (t.upper == "(") ++depth;
      if (t.upper == ")" && depth-- == 0) break;
      if (t.upper == "," && depth == 0) {
        call.args.emplace_back(text.substr(arg_begin, t.b - arg_begin));
        arg_begin = t.e;
      }
    }
    if (j >= toks.size()) break;
    call.args.emplace_back(text.substr(arg_begin, toks[j].b - arg_begin));
    call.end = toks[j].e;
    out.push_back(call);
    k = j;
  }
  return out;
}

std::optional<lake::QualifiedName> name_at(std::string_view text, size_t offset) {
  if (offset >= text.size()) return std::nullopt;
  Parser p(text.substr(offset));
  auto n = p.name();
  if (!n) return std::nullopt;
  n->begin += offset;
  n->end += offset;
  if (n->schema == "public") n->schema = "main";
  return n;
}

// INSERT ... VALUES: the width of the first row (when there is no column list) and the elements that
// are a single string literal.
void values_rows(std::string_view source, lake::Statement &st) {
  Parser vp(source);
  if (!vp.accept("VALUES")) return;
  while (vp.accept_punct("(")) {
    size_t column = 0;
    while (!vp.at_end()) {
      size_t first = vp.pos();
      vp.until([&](const Token &t) { return t.kind == Token::kOther && (t.upper == "," || t.upper == ")"); });
      // A literal, perhaps in parentheses: ('x') is as untyped as 'x'.
      size_t a = first, b = vp.pos();
      while (b - a >= 3 && vp.token(a).upper == "(" && vp.token(b - 1).upper == ")") ++a, --b;
      if (b == a + 1 && source[vp.token(a).b] == '\'')
        st.values_literals.push_back({column, st.body_begin + vp.token(a).b, st.body_begin + vp.token(a).e});
      ++column;
      if (!vp.accept_punct(",")) break;
    }
    if (!vp.accept_punct(")")) return;
    if (st.columns.empty() && st.values_width == 0) st.values_width = column;
    if (!vp.accept_punct(",")) return;
  }
}

std::optional<lake::Statement> route_lake(std::string_view text) {
  Parser p(text);
  lake::Statement st;
  st.text = std::string(text);
  st.original = st.text;
  std::optional<lake::Statement> out;
  using K = lake::Statement::Kind;
  if (p.accept("CREATE")) {
    out = route_create(p, st);
  } else if (p.accept("DROP")) {
    out = route_drop(p, st);
  } else if (p.accept("INSERT")) {
    if (!p.accept("INTO")) return std::nullopt;  // INSERT OR REPLACE/IGNORE: DuckDB's, needs a key
    auto n = p.name();
    if (!n) return std::nullopt;
    st.kind = K::kInsert;
    st.target = *n;
    if (p.accept("AS")) st.alias = p.identifier();
    // A column list, unless the parenthesis opens the source query.
    if (p.is_punct("(") && !p.is("SELECT", 1) && !p.is("WITH", 1) && !p.is("VALUES", 1)) {
      p.accept_punct("(");
      st.columns = "(" + p.until([](const Token &t) { return t.kind == Token::kOther && t.upper == ")"; }) + ")";
      p.accept_punct(")");
      Parser cp(std::string_view(st.columns).substr(1, st.columns.size() - 2));
      while (cp.is_identifier()) {
        st.column_names.push_back(cp.identifier());
        if (!cp.accept_punct(",")) break;
      }
    }
    st.body_begin = p.offset();
    std::string source = p.until([&](const Token &t) { return p.word_in(t, {"ON", "RETURNING"}); });
    st.body = source;
    values_rows(source, st);
    for (Parser sp(source); !sp.at_end(); sp.skip())
      if (sp.is_identifier() && sp.peek_ident() == st.target.name) st.reads_target = true;
    if (p.is("ON")) {
      // The lake decides (it knows the table's keys); the source is gathered first to leave out
      // the rows that conflict.
      size_t on = p.offset();
      p.accept("ON");
      if (!p.accept("CONFLICT")) return std::nullopt;
      if (p.is_punct("(")) {
        try {
          st.conflict_columns = p.identifier_list("ON CONFLICT");
        } catch (const Error &) {
          throw unsupported("an ON CONFLICT target other than a list of columns");
        }
        if (p.is("WHERE")) throw unsupported("ON CONFLICT ... WHERE");
      } else if (p.accept_all({"ON", "CONSTRAINT"})) {
        st.conflict_constraint = p.identifier();
      }
      if (!p.accept("DO")) throw Error(sqlstate::kSyntaxError, "syntax error at or near ON CONFLICT");
      if (p.accept("NOTHING")) {
        st.on_conflict = lake::Statement::OnConflict::kNothing;
      } else if (p.accept("UPDATE")) {
        if (st.conflict_columns.empty() && st.conflict_constraint.empty())
          throw Error(sqlstate::kSyntaxError, "ON CONFLICT DO UPDATE requires inference specification or constraint name");
        st.on_conflict = lake::Statement::OnConflict::kUpdate;
        if (!p.accept("SET")) throw Error(sqlstate::kSyntaxError, "syntax error: DO UPDATE needs SET");
        st.set = assignments(p, {"WHERE", "RETURNING"});
        if (p.accept("WHERE")) st.where = p.until([&](const Token &t) { return p.word_in(t, {"RETURNING"}); });
      } else {
        throw Error(sqlstate::kSyntaxError, "syntax error at or near DO");
      }
      st.reads_target = true;
      st.text.replace(on, p.offset() - on, std::string(p.offset() - on, ' '));  // offsets stay as they are
    }
    if (p.accept("RETURNING")) {
      // DuckDB's RETURNING knows the target only by its own name, which the lake's staging table
      // replaces: a column qualified by the target's name (or alias) is named alone instead.
      const std::string &qualifier = st.alias.empty() ? st.target.name : st.alias;
      std::string edited(text);
      bool cut = false;
      for (size_t i = p.pos(); i + 1 < p.count(); ++i) {
        const Token &t = p.token(i), &dot = p.token(i + 1);
        if ((t.kind != Token::kWord && t.kind != Token::kQuoted) || t.ident != qualifier || dot.kind != Token::kOther ||
            dot.upper != ".")
          continue;
        size_t from = t.b;  // schema.table.column: the schema goes too
        if (i >= p.pos() + 2 && p.token(i - 1).upper == ".") from = p.token(i - 2).b;
        edited.replace(from, dot.e - from, std::string(dot.e - from, ' '));  // offsets stay as they are
        cut = true;
      }
      if (cut) return route_lake(edited);
      st.returning = p.comma_list({});
    }
    out = st;
  } else if (p.accept("DELETE")) {
    if (!p.accept("FROM")) return std::nullopt;
    p.accept("ONLY");
    auto n = p.name();
    if (!n) return std::nullopt;
    st.kind = K::kDelete;
    st.target = *n;
    auto stop = [&](const Token &t) { return p.word_in(t, {"USING", "WHERE", "RETURNING"}); };
    if (p.accept("AS") || (p.is_identifier() && !p.is("USING") && !p.is("WHERE") && !p.is("RETURNING")))
      st.alias = p.identifier();
    if (p.accept("USING")) st.from = p.until(stop);
    if (p.accept("WHERE")) {
      if (p.is("CURRENT")) throw unsupported("WHERE CURRENT OF");
      st.where = p.until(stop);
    }
    if (p.accept("RETURNING")) st.returning = p.comma_list({});
    out = st;
  } else if (p.accept("UPDATE")) {
    p.accept("ONLY");
    auto n = p.name();
    if (!n) return std::nullopt;
    st.kind = K::kUpdate;
    st.target = *n;
    if (p.accept("AS") || (p.is_identifier() && !p.is("SET"))) st.alias = p.identifier();
    if (!p.accept("SET")) throw Error(sqlstate::kSyntaxError, "syntax error: UPDATE needs SET");
    st.set = assignments(p, {"FROM", "WHERE", "RETURNING"});
    auto stop = [&](const Token &t) { return p.word_in(t, {"FROM", "WHERE", "RETURNING"}); };
    if (p.accept("FROM")) st.from = p.until(stop);
    if (p.accept("WHERE")) {
      if (p.is("CURRENT")) throw unsupported("WHERE CURRENT OF");
      st.where = p.until(stop);
    }
    if (p.accept("RETURNING")) st.returning = p.comma_list({});
    out = st;
  } else if (p.accept("TRUNCATE")) {
    p.accept("TABLE");
    p.accept("ONLY");
    st.kind = K::kTruncate;
    names_list(p, st);
    while (!p.at_end()) {
      if (p.accept_all({"RESTART", "IDENTITY"})) st.restart_identity = true;
      else if (p.accept_all({"CONTINUE", "IDENTITY"})) st.restart_identity = false;
      else if (p.accept("CASCADE")) st.cascade = true;
      else if (!p.accept("RESTRICT")) break;
    }
    out = st;
  } else if (p.accept("ALTER")) {
    if (!p.accept("TABLE")) return std::nullopt;
    st.kind = K::kAlterTable;
    st.if_exists = p.accept_all({"IF", "EXISTS"});
    p.accept("ONLY");
    auto n = p.name();
    if (!n) return std::nullopt;
    st.target = *n;
    if (p.accept("OWNER") || p.is("SET") || p.is("ENABLE") || p.is("DISABLE"))
      throw unsupported("this ALTER TABLE form");
    st.actions = alter_actions(p);
    st.may_declare_constraints = p.names_constraint();
    declared_char_types(st);
    out = st;
  } else if (p.accept("CALL")) {
    // CALL [catalog.]set_option('name', value): a lake setting, as DuckLake spells it.
    auto n = p.name();
    if (!n || n->name != "set_option" || !p.accept_punct("(")) return std::nullopt;
    auto args = p.comma_list({});
    if (args.size() != 2 || args[1].empty() || args[1].back() != ')')
      throw Error(sqlstate::kSyntaxError, "set_option takes a name and a value");
    args[1].pop_back();
    st.kind = K::kSetOption;
    st.body = args[0];
    st.from = args[1];
    return st;
  } else if (p.is("VACUUM") || p.is("ANALYZE") || p.is("ANALYSE")) {
    st.kind = K::kMaintenance;
    st.body = p.is("VACUUM") ? "VACUUM" : "ANALYZE";
    return st;
  } else if (p.accept("COMMENT")) {
    if (!p.accept("ON")) return std::nullopt;
    bool column = false;
    if (p.accept("TABLE")) st.comment_on_view = false;
    else if (p.accept("VIEW")) st.comment_on_view = true;
    else if (p.accept("COLUMN")) column = true;
    else return std::nullopt;
    auto n = p.name();
    if (!n || !p.accept("IS")) return std::nullopt;
    if (column) {
      // [schema.]table.column: the name parser read a three-part name as catalog.schema.table.
      if (n->schema.empty()) throw Error(sqlstate::kSyntaxError, "column name must be qualified");
      st.comment_column = n->name;
      n->name = n->schema;
      n->schema = p.catalog();
    }
    st.kind = K::kComment;
    st.target = *n;
    st.body = p.rest();
    if (to_lower(st.body) == "null") st.body.clear();
    out = st;
  }
  if (!out) return std::nullopt;
  // Objects in the temp schema or in another catalog (pg_compat, system) are DuckDB's.
  if (out->target.schema == "temp" || out->target.schema == "pg_catalog" ||
      out->target.schema == "information_schema")
    return std::nullopt;
  if (p.catalog() == "temp" || p.catalog() == "system" || p.catalog() == "pg_compat") return std::nullopt;
  return out;
}

}  // namespace mallard::sql
