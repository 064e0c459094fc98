#pragma once
// Statement splitting (PostgreSQL's lexical rules), classification by leading keywords, and
// parsing with PostgreSQL's own parser (libpg_query) where the session needs the parse tree.
// Text that PostgreSQL cannot parse (DuckDB-only syntax) is still split and classified, and then
// handed to DuckDB unchanged.

#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json_fwd.hpp>

namespace mallard::sql {

struct Statement {
  std::string text;  // without surrounding whitespace or the trailing ';'
  size_t offset;     // byte offset of text in the query string
};

// The statements of a query string, split at ';' outside quotes, dollar quotes and comments
// (PostgreSQL's lexical rules). Empty statements (only whitespace, comments or ';') are dropped.
std::vector<Statement> split(std::string_view query);

enum class Kind {
  kQuery,      // returns rows or changes rows: SELECT, VALUES, TABLE, WITH, INSERT, UPDATE, DELETE, ...
  kBegin,      // BEGIN, START TRANSACTION
  kCommit,     // COMMIT, END
  kRollback,   // ROLLBACK, ABORT
  kSet,        // SET, RESET
  kShow,       // SHOW
  kCopy,       // COPY
  kExtension,  // INSTALL, LOAD: never allowed
  kCursor,     // DECLARE ... CURSOR, FETCH, MOVE, CLOSE: SQL-level cursors over the session's portals
  kPrepare,    // PREPARE name [(type, ...)] AS statement: a session prepared statement
  kDeallocate, // DEALLOCATE [PREPARE] name | ALL: the session's prepared statements
  kSavepoint,  // SAVEPOINT, RELEASE [SAVEPOINT], ROLLBACK [WORK | TRANSACTION] TO [SAVEPOINT]
  kUtility,    // DDL and everything else: CommandComplete carries `tag`
};

struct Classified {
  Kind kind = Kind::kUtility;
  // CommandComplete tag for statements whose tag does not carry a row count
  // ("CREATE TABLE", "DROP VIEW", "BEGIN", ...). Empty for kQuery: the tag then comes from the
  // executed statement's type and row count.
  std::string tag;
};

Classified classify(std::string_view statement);

// Statements accepted in a failed transaction (PostgreSQL's state E): COMMIT, ROLLBACK and
// ROLLBACK TO SAVEPOINT.
bool allowed_in_failed_transaction(const Classified &c);

// Upper-cased leading keywords of a statement (skipping comments and opening parentheses).
std::vector<std::string> leading_keywords(std::string_view statement, size_t max_words);

// End of the lexeme starting at s[i]: a quoted string or identifier, a comment, a dollar-quoted
// string, or else the single character.
size_t skip_lexeme(std::string_view s, size_t i);

// The parse tree of one statement as libpg_query's JSON, or nullopt when PostgreSQL's grammar
// cannot parse it.
std::optional<nlohmann::json> parse(const std::string &statement);

// SELECT [pg_catalog.]f(args) [[AS] alias], alone, for a function f the server runs itself
// (set_config, advisory locks). Each argument is a constant or a parameter ($n, 1-based in
// `param`, else 0), possibly cast; `text` is the argument as written. `alias` names the column.
struct LoneCall {
  struct Arg {
    std::string text, constant;
    int param = 0;
    bool null = false;  // the constant NULL
  };
  std::string function;
  std::vector<Arg> args;
  std::string alias;
};
// nullopt when the statement is not such a call of a function whose name satisfies `wanted`.
std::optional<LoneCall> lone_call(const std::string &statement, const std::function<bool(const std::string &)> &wanted);

// SELECT set_config(name, value, is_local) alone: drivers send it to change a setting (Django:
// TimeZone).
struct SetConfigCall {
  using Arg = LoneCall::Arg;
  Arg name, value, local;
  std::string alias;
};
std::optional<SetConfigCall> set_config_call(const std::string &statement);

// What the select list and FROM clause of a plain SELECT (no set operation, no WITH) name, enough
// to tell which result columns are a relation's columns as they are (RowDescription's table OID
// and column number).
struct SelectShape {
  struct Item {
    enum Kind { kColumn, kStar, kOther } kind = kOther;
    std::string qualifier, column;  // `q.column`, `column` (no qualifier), `q.*`, `*`
  };
  struct Relation {
    std::string schema, name, alias;  // schema empty when unqualified; alias empty when none
  };
  std::vector<Item> items;
  std::vector<Relation> relations;
  // FROM lists relations only (no subquery or function) and no join merges columns (USING,
  // NATURAL): `*` is then every column of each relation, in order.
  bool only_relations = true;
};

struct SelectColumns {
  // The names PostgreSQL gives the result columns, one per select-list item: nullopt for items
  // with an alias (named by it anyway). nullopt overall when the items do not map one to one onto
  // columns (`*`) or the statement is not a SELECT PostgreSQL's grammar parses.
  std::optional<std::vector<std::optional<std::string>>> names;
  std::optional<SelectShape> shape;  // nullopt: not a plain SELECT
};
SelectColumns select_columns(const std::string &statement);
inline std::optional<std::vector<std::optional<std::string>>> postgres_column_names(const std::string &statement) {
  return select_columns(statement).names;
}

// PREPARE name [(type, ...)] AS statement: the name (folded unless quoted), the types as written
// and the statement. nullopt when PostgreSQL's grammar does not read it so.
struct PrepareText {
  std::string name;
  std::vector<std::string> types;
  std::string body;
};
std::optional<PrepareText> prepare_text(const std::string &statement);

// EXECUTE name [(argument, ...)]: the name and the arguments as written. nullopt when PostgreSQL's
// grammar does not read it so.
struct ExecuteText {
  std::string name;
  std::vector<std::string> args;
};
std::optional<ExecuteText> execute_text(const std::string &statement);

// CREATE TABLE ... (LIKE source [INCLUDING ...], ...): for each LIKE element, the source relation,
// whether INCLUDING DEFAULTS (or ALL) is given, and the bytes [begin, end) of the element in the
// statement. Empty when the statement is no such CREATE TABLE.
struct LikeElement {
  std::string schema, name;
  bool defaults = false;
  bool indexes = false;  // INCLUDING INDEXES (or ALL): the source's primary key and unique constraints
  size_t begin = 0, end = 0;
};
std::vector<LikeElement> create_table_likes(const std::string &statement);

// The statement with each table it reads (not the table an INSERT, UPDATE, DELETE or COPY
// writes, nor one a WITH query's name hides) replaced by the relation `redirect` gives for it, if
// any, keeping the name as its alias. Statements other than queries and DML come back unchanged.
using RelationRedirect =
    std::function<std::optional<std::string>(const std::string &catalog, const std::string &schema, const std::string &name)>;
std::string redirect_relations(const std::string &statement, const RelationRedirect &redirect);

// True when text is valid UTF-8 (no overlongs, no surrogates). On failure `bad_offset` is set.
bool valid_utf8(std::string_view text, size_t *bad_offset = nullptr);

}  // namespace mallard::sql

namespace mallard::sql {

// Replaces every `$n` placeholder (outside quotes, comments and dollar quotes) whose 1-based number
// has a non-empty entry in `replacements` by that SQL text.
std::string replace_parameters(std::string_view text, const std::vector<std::string> &replacements);

}  // namespace mallard::sql
