#include "lake/statement.hpp"

#include <spdlog/spdlog.h>

#include <algorithm>

#include "common/strings.hpp"
#include "lake/format.hpp"
#include "lake/views.hpp"

namespace mallard::lake {

namespace {

std::string hidden(const std::string &name) { return std::string(kHiddenSchema) + "." + sql_ident(name); }

// A scratch temp table that carries a DML statement's selected rows between its steps.
constexpr const char *kScratch = "temp.main.__mallard_dml";

Error undefined_table(const QualifiedName &n) {
  std::string full = n.schema.empty() ? n.name : n.schema + "." + n.name;
  return Error(sqlstate::kUndefinedTable, "relation \"" + full + "\" does not exist");
}

// The comma-separated entries of a DuckDB type's parentheses ("a INTEGER, b DECIMAL(9,2)").
std::vector<std::string> type_entries(std::string_view s) {
  std::vector<std::string> out;
  int depth = 0;
  bool quoted = false;
  size_t start = 0;
  auto push = [&](size_t end) {
    std::string_view e = s.substr(start, end - start);
    while (!e.empty() && e.front() == ' ') e.remove_prefix(1);
    while (!e.empty() && e.back() == ' ') e.remove_suffix(1);
    out.emplace_back(e);
  };
  for (size_t i = 0; i < s.size(); ++i) {
    char ch = s[i];
    if (ch == '"') quoted = !quoted;  // a doubled quote inside a name toggles twice
    if (quoted) continue;
    if (ch == '(') ++depth;
    if (ch == ')') --depth;
    if (ch == ',' && depth == 0) {
      push(i);
      start = i + 1;
    }
  }
  push(s.size());
  return out;
}

// A column of DuckDB type `type`, as DuckDB spells it: a list (`T[]`) gets its "element" child, a
// `STRUCT(name T, ...)` a child per field, a `MAP(K, V)` its "key" and "value" children.
Column column_of_type(const std::string &name, const std::string &type) {
  Column c;
  c.name = name;
  auto unsupported = [&] { return Error(sqlstate::kFeatureNotSupported, "type " + type + " is not supported in lake tables"); };
  if (type.size() > 2 && type.ends_with("[]")) {
    c.lake_type = "list";
    c.children.push_back(column_of_type("element", type.substr(0, type.size() - 2)));
  } else if (type.starts_with("STRUCT(") && type.ends_with(")")) {
    c.lake_type = "struct";
    for (auto &entry : type_entries(std::string_view(type).substr(7, type.size() - 8))) {
      std::string field;
      size_t at = 0;
      if (!entry.empty() && entry[0] == '"') {
        for (at = 1; at < entry.size(); ++at) {
          if (entry[at] != '"') {
            field += entry[at];
          } else if (at + 1 < entry.size() && entry[at + 1] == '"') {
            field += '"';
            ++at;
          } else {
            break;
          }
        }
        ++at;
      } else {
        at = entry.find(' ');
        if (at == std::string::npos) throw unsupported();
        field = entry.substr(0, at);
      }
      while (at < entry.size() && entry[at] == ' ') ++at;
      if (field.empty() || at >= entry.size()) throw unsupported();
      c.children.push_back(column_of_type(field, entry.substr(at)));
    }
  } else if (type.starts_with("MAP(") && type.ends_with(")")) {
    c.lake_type = "map";
    auto kv = type_entries(std::string_view(type).substr(4, type.size() - 5));
    if (kv.size() != 2) throw unsupported();
    c.children.push_back(column_of_type("key", kv[0]));
    c.children.push_back(column_of_type("value", kv[1]));
  } else {
    c.lake_type = to_lake_type(type);
    c.duck_type = to_duckdb_type(c.lake_type);
    return c;
  }
  for (size_t i = 0; i < c.children.size(); ++i) c.children[i].order = static_cast<int64_t>(i) + 1;
  c.duck_type = nested_duck_type(c);
  return c;
}

// A default drawn from a sequence: the lake keeps no sequences, and a table whose default names
// one that is gone after a restart (every DuckDB sequence is, temporary or not) could not be set
// up again.
void refuse_sequence_default(const std::optional<std::string> &expr) {
  if (!expr) return;
  const std::string e = to_lower(*expr);
  if (e.find("nextval") != std::string::npos || e.find("currval") != std::string::npos)
    throw Error(sqlstate::kFeatureNotSupported, "DEFAULT nextval() is not supported on lake tables: the lake keeps no sequences");
}

// Column ids, depth first: a column, then its children.
void assign_ids(Column &c, int64_t &next_id) {
  c.id = next_id++;
  for (auto &child : c.children) assign_ids(child, next_id);
}

// Columns of a DuckDB table created from the user's definition: DuckDB has already checked the
// types, defaults and constraints the way it will enforce them. `constraints`: whether the
// definition may declare constraints besides NOT NULL, which are refused (looking for them scans
// the whole catalog; pragma_table_info reads the one table).
std::vector<Column> read_columns(duck::Connection &conn, const std::string &schema, const std::string &table,
                                 bool constraints, const std::string &catalog = {}) {
  std::vector<Column> cols;
  std::string name = (catalog.empty() ? "" : sql_ident(catalog) + ".") + sql_ident(schema) + "." + sql_ident(table);
  auto rows = conn.query_text("SELECT name, type, dflt_value, CAST(NOT \"notnull\" AS VARCHAR) FROM pragma_table_info(" +
                              sql_literal(name) + ") ORDER BY cid");
  int64_t next_id = 1;
  for (auto &r : rows) {
    Column c = column_of_type(r[0].value_or(""), r[1].value_or(""));
    c.order = static_cast<int64_t>(cols.size()) + 1;
    c.default_value = r[2];
    refuse_sequence_default(c.default_value);
    c.nulls_allowed = r[3].value_or("true") == "true";
    assign_ids(c, next_id);
    cols.push_back(c);
  }
  if (!constraints) return cols;
  auto cons = conn.query_text(
      "SELECT constraint_type FROM duckdb_constraints() WHERE database_name = coalesce($3, current_database()) AND "
      "schema_name = $1 AND table_name = $2 AND constraint_type <> 'NOT NULL'",
      {schema, table, catalog.empty() ? std::nullopt : std::optional<std::string>(catalog)});
  if (!cons.empty())
    throw Error(sqlstate::kFeatureNotSupported,
                cons[0][0].value_or("") + " constraints are not supported on lake tables",
                0, {}, "Lake tables enforce NOT NULL only; declare the column NOT NULL and drop the constraint.");
  return cols;
}

// What describe_sql() asks for: the statement's first query, not run.
Outcome described(const std::string &sql) {
  Outcome o;
  o.rows_sql = sql;
  return o;
}

std::string join(const std::vector<std::string> &v, const std::string &sep) {
  std::string s;
  for (auto &x : v) s += (s.empty() ? "" : sep) + x;
  return s;
}

// RETURNING items as select-list entries and the names PostgreSQL gives their columns.
struct Returning {
  std::vector<std::string> exprs, names;
};

// The objects a DROP names, in order.
std::vector<const QualifiedName *> targets(const Statement &st) {
  std::vector<const QualifiedName *> v{&st.target};
  for (auto &n : st.more) v.push_back(&n);
  return v;
}

// The column list PostgreSQL implies for an INSERT whose rows (`width` values, 0 when unknown) are
// narrower than the table: the first columns, the others taking their defaults. Empty when the
// statement needs none.
std::string implicit_columns(const Statement &st, const Table *t, size_t width) {
  if (!st.columns.empty() || width == 0 || !t) return {};
  if (width > t->columns.size())
    throw Error(sqlstate::kSyntaxError, "INSERT has more expressions than target columns");
  if (width == t->columns.size()) return {};
  std::vector<std::string> names;
  for (size_t i = 0; i < width; ++i) names.push_back(sql_ident(t->columns[i].name));
  return "(" + join(names, ", ") + ")";
}

// The INSERT's text with its VALUES literals read as their target column's type where DuckDB would
// read them differently: '\x..' into a bytea column is hex. The edits only touch the VALUES list.
std::string typed_literals(const Statement &st, const Table *t) {
  std::string text = st.text;
  if (!t) return text;
  for (auto it = st.values_literals.rbegin(); it != st.values_literals.rend(); ++it) {
    const Column *c = nullptr;
    if (st.column_names.empty()) c = it->column < t->columns.size() ? &t->columns[it->column] : nullptr;
    else if (it->column < st.column_names.size()) c = t->column(st.column_names[it->column]);
    if (!c || c->duck_type != "BLOB") continue;
    if (auto bytes = bytea_hex_literal(std::string_view(text).substr(it->begin, it->end - it->begin)))
      text.replace(it->begin, it->end - it->begin, *bytes);
  }
  return text;
}

Returning expand_returning(const std::vector<std::string> &items, const Table &t, const std::string &alias) {
  Returning r;
  for (auto &item : items) {
    std::string trimmed = item;
    while (!trimmed.empty() && std::isspace(static_cast<unsigned char>(trimmed.back()))) trimmed.pop_back();
    if (trimmed == "*" || trimmed == alias + ".*" || trimmed == sql_ident(alias) + ".*") {
      for (auto &c : t.columns) {
        r.exprs.push_back(sql_ident(alias) + "." + sql_ident(c.name));
        r.names.push_back(c.name);
      }
      continue;
    }
    r.exprs.push_back(trimmed);
    // Name: an explicit alias, else the column name of a plain reference, else ?column?.
    std::string name = "?column?";
    auto lower = to_lower(trimmed);
    auto as = lower.rfind(" as ");
    if (as != std::string::npos) {
      name = trimmed.substr(as + 4);
      r.exprs.back() = trimmed.substr(0, as);
      if (name.size() > 1 && name.front() == '"') name = name.substr(1, name.size() - 2);
    } else {
      std::string last = trimmed.substr(trimmed.rfind('.') == std::string::npos ? 0 : trimmed.rfind('.') + 1);
      bool ident = !last.empty();
      for (char ch : last) ident &= std::isalnum(static_cast<unsigned char>(ch)) || ch == '_';
      if (ident) name = to_lower(last);
      else if (last.size() > 1 && last.front() == '"' && last.back() == '"') name = last.substr(1, last.size() - 2);
    }
    r.names.push_back(name);
  }
  return r;
}

}  // namespace

std::shared_ptr<const Snapshot> Session::base(duck::Connection &conn) {
  if (!base_) base_ = lake_.snapshot(lake_.base_snapshot(conn));
  return base_;
}

std::string Session::schema_of(const QualifiedName &n) const {
  if (n.schema == "public") return "main";
  if (!n.schema.empty()) return n.schema;
  if (search_path_.empty()) throw Error("3F000", "no schema has been selected to create in");
  return search_path_.front();
}

bool Session::schema_exists(duck::Connection &conn, const std::string &schema) {
  for (auto &s : changes_.created_schemas)
    if (s == schema) return true;
  for (auto &[id, name] : changes_.dropped_schemas)
    if (name == schema) return false;
  return base(conn)->schema(schema) != nullptr;
}

bool Session::name_taken(duck::Connection &conn, const std::string &schema, const std::string &name) {
  auto b = base(conn);
  for (auto &nt : changes_.created_tables)
    if (nt.schema == schema && nt.table.name == name) return true;
  for (auto &v : changes_.created_views)
    if (v.schema == schema && v.name == name) return true;
  if (const Schema *sc = b->schema(schema)) {
    if (const Table *t = b->table(sc->id, name); t && !changes_.dropped_tables.count(t->id)) return true;
    if (const View *v = b->view(sc->id, name); v && !changes_.dropped_views.count(v->id)) return true;
  }
  return false;
}

std::optional<Session::Resolved> Session::resolve(duck::Connection &conn, const QualifiedName &n) {
  if (!n.schema.empty() || search_path_.size() == 1) return resolve_in(conn, n);
  for (const auto &schema : search_path_) {
    QualifiedName in = n;
    in.schema = schema;
    if (auto r = resolve_in(conn, in)) return r;
  }
  return std::nullopt;
}

std::optional<Session::Resolved> Session::resolve_in(duck::Connection &conn, const QualifiedName &n) {
  std::string schema = schema_of(n);
  for (size_t i = 0; i < changes_.created_tables.size(); ++i) {
    auto &nt = changes_.created_tables[i];
    if (nt.schema == schema && nt.table.name == n.name) {
      Resolved r;
      r.table = &nt.table;
      r.new_index = static_cast<int>(i);
      r.schema = schema;
      r.ins = nt.ins;
      r.del = nt.del;
      r.pos = nt.pos;
      return r;
    }
  }
  auto b = base(conn);
  const Schema *sc = b->schema(schema);
  if (!sc) return std::nullopt;
  const Table *t = b->table(sc->id, n.name);
  if (!t || changes_.dropped_tables.count(t->id)) return std::nullopt;
  if (changes_.altered.count(t->id))
    throw Error(sqlstate::kFeatureNotSupported,
                "table \"" + n.name + "\" was altered in this transaction; commit before changing its rows");
  Resolved r;
  r.table = t;
  r.id = t->id;
  r.schema = schema;
  r.ins = inserts_table(t->id);
  r.del = deletes_table(t->id);
  r.pos = positional_view(t->id);
  return r;
}

Session::Resolved Session::require(duck::Connection &conn, const QualifiedName &n) {
  auto r = resolve(conn, n);
  if (!r) throw undefined_table(n);
  return *r;
}

Outcome Session::prepare_insert(duck::Connection &conn, const Statement &st) {
  // Prepared outside a transaction, the snapshot read here must not stick to the next one.
  // (The resolved table points into that snapshot: everything that reads it is done first.)
  bool had_base = base_ != nullptr;
  Outcome o;
  try {
    std::optional<Resolved> found = resolve(conn, st.target);
    if (!found) throw undefined_table(st.target);
    auto &r = *found;
    std::string target = r.ins + " AS " + sql_ident(st.alias.empty() ? st.target.name : st.alias);
    if (!st.alias.empty()) target = r.ins;  // the user's alias follows the name
    std::string rest = typed_literals(st, r.table).substr(st.target.end);
    size_t width = st.values_width;
    if (width == 0 && st.columns.empty() && r.table && !st.body.empty() && to_lower(st.body.substr(0, 7)) != "default") {
      try {  // INSERT ... SELECT: as wide as its result
        width = duck::Prepared(conn, "SELECT * FROM (" + st.body + ") AS __mallard_w LIMIT 0").column_count();
      } catch (const Error &) {
        // DuckDB reports the source's own error when the INSERT itself is prepared
      }
    }
    if (std::string cols = implicit_columns(st, r.table, width); !cols.empty()) {
      size_t at = st.body_begin - st.target.end;
      rest = rest.substr(0, at) + cols + " " + rest.substr(at);
    }
    o.rewritten = st.text.substr(0, st.target.begin) + target + rest;
    if (r.id >= 0) o.written_tables.push_back(r.id);
  } catch (...) {
    if (!had_base) base_.reset();
    throw;
  }
  if (!had_base) base_.reset();
  return o;
}

std::pair<std::string, std::string> Session::copy_target(duck::Connection &conn, const std::string &schema,
                                                         const std::string &name) {
  QualifiedName n{schema, name};
  auto r = require(conn, n);
  preserve(conn, {r.ins});
  if (r.id >= 0) touched_.insert(r.id);
  // ins is kHiddenSchema."name"
  std::string table = r.ins.substr(std::string(kHiddenSchema).size() + 1);
  return {kHiddenSchema, table.substr(1, table.size() - 2)};
}

Outcome Session::execute(duck::Connection &conn, const Statement &st) {
  using K = Statement::Kind;
  switch (st.kind) {
    case K::kCreateSchema: return create_schema(conn, st);
    case K::kDropSchema: return drop_schema(conn, st);
    case K::kCreateTable: return create_table(conn, st);
    case K::kDropTable: {
      Outcome o;
      o.tag = "DROP TABLE";
      for (auto *n : targets(st)) {
        auto one = drop_table(conn, st, *n);
        o.notices.insert(o.notices.end(), one.notices.begin(), one.notices.end());
      }
      return o;
    }
    case K::kCreateView: return create_view(conn, st);
    case K::kDropView: {
      Outcome o;
      o.tag = "DROP VIEW";
      for (auto *n : targets(st)) {
        auto one = drop_view(conn, st, *n);
        o.notices.insert(o.notices.end(), one.notices.begin(), one.notices.end());
      }
      return o;
    }
    case K::kInsert: {
      // The source reads the target: gather its rows first, so the insert cannot see itself.
      auto r = require(conn, st.target);
      std::string alias = st.alias.empty() ? st.target.name : st.alias;
      if (describing_) {
        Outcome o = described(st.body);
        if (!st.returning.empty())
          o.result_sql = "SELECT " + join(st.returning, ", ") + " FROM " + r.ins + " AS " + sql_ident(alias);
        return o;
      }
      conn.query("CREATE OR REPLACE TEMP TABLE __mallard_src AS " + st.body);
      preserve(conn, {r.ins});
      if (r.id >= 0) touched_.insert(r.id);
      Outcome o;
      o.tag = "INSERT 0";
      o.has_count = true;
      o.count = std::stoll(conn.query_scalar("SELECT CAST(count(*) AS VARCHAR) FROM temp.main.__mallard_src"));
      size_t width = st.values_width;
      if (width == 0 && st.columns.empty() && r.table)  // INSERT ... SELECT: as wide as its result
        width = conn.query("SELECT * FROM temp.main.__mallard_src LIMIT 0").column_count();
      std::string insert = "INSERT INTO " + r.ins + " AS " + sql_ident(alias) + " " +
                           (st.columns.empty() ? implicit_columns(st, r.table, width) : st.columns) +
                           " SELECT * FROM temp.main.__mallard_src";
      if (st.returning.empty()) {
        conn.query(insert);
      } else {
        o.rows_sql = insert + " RETURNING " + join(st.returning, ", ");
      }
      return o;
    }
    case K::kDelete: return delete_rows(conn, st, false);
    case K::kTruncate: {
      Outcome o;
      Statement one = st;
      for (auto &n : st.more) {
        one.target = n;
        delete_rows(conn, one, true);
      }
      one.target = st.target;
      delete_rows(conn, one, true);
      o.tag = "TRUNCATE TABLE";
      return o;
    }
    case K::kUpdate: return update_rows(conn, st);
    case K::kAlterTable: return alter_table(conn, st);
    case K::kComment: return comment(conn, st);
    case K::kSetOption: {
      std::string name = conn.query_scalar("SELECT CAST((" + st.body + ") AS VARCHAR)");
      std::string value = conn.query_scalar("SELECT CAST((" + st.from + ") AS VARCHAR)");
      lake_.set_option(name, value);
      Outcome o;
      o.tag = "CALL";
      return o;
    }
    case K::kMaintenance: {
      // VACUUM and ANALYZE: lake files are immutable and statistics are kept at commit.
      Outcome o;
      o.tag = st.body;
      return o;
    }
  }
  throw Error(sqlstate::kInternalError, "unknown lake statement");
}

Outcome Session::create_schema(duck::Connection &conn, const Statement &st) {
  Outcome o;
  o.tag = "CREATE SCHEMA";
  std::string name = st.target.name == "public" ? "main" : st.target.name;
  if (schema_exists(conn, name)) {
    if (st.if_not_exists) {
      o.notices.push_back({"42P06", "schema \"" + name + "\" already exists, skipping"});
      return o;
    }
    throw Error(sqlstate::kDuplicateSchema, "schema \"" + name + "\" already exists");
  }
  conn.query("CREATE SCHEMA " + sql_ident(name));
  changes_.created_schemas.push_back(name);
  return o;
}

Outcome Session::drop_schema(duck::Connection &conn, const Statement &st) {
  Outcome o;
  o.tag = "DROP SCHEMA";
  std::string name = st.target.name == "public" ? "main" : st.target.name;
  if (!schema_exists(conn, name)) {
    if (st.if_exists) {
      o.notices.push_back({"00000", "schema \"" + st.target.name + "\" does not exist, skipping"});
      return o;
    }
    throw Error("3F000", "schema \"" + st.target.name + "\" does not exist");
  }
  if (name == "main") throw Error(sqlstate::kFeatureNotSupported, "the default schema cannot be dropped");
  auto b = base(conn);
  std::vector<QualifiedName> members;
  for (auto &nt : changes_.created_tables)
    if (nt.schema == name) members.push_back({name, nt.table.name});
  if (const Schema *sc = b->schema(name)) {
    for (auto &[id, t] : b->tables)
      if (t->schema_id == sc->id && !changes_.dropped_tables.count(id)) members.push_back({name, t->name});
  }
  if (!members.empty() && !st.cascade)
    throw Error("2BP01", "cannot drop schema " + name + " because other objects depend on it", 0, {},
                "Use DROP ... CASCADE to drop the dependent objects too.");
  for (auto &m : members) drop_table(conn, st, m);
  if (const Schema *sc = b->schema(name)) {
    for (auto &[id, v] : b->views)
      if (v.schema_id == sc->id && !changes_.dropped_views.count(id)) {
        if (!st.cascade)
          throw Error("2BP01", "cannot drop schema " + name + " because other objects depend on it");
        changes_.dropped_views.insert(id);
      }
    changes_.dropped_schemas.emplace_back(sc->id, name);
  } else {
    std::erase(changes_.created_schemas, name);
    conn.query("DROP SCHEMA " + sql_ident(name) + " CASCADE");
  }
  return o;
}

Outcome Session::create_table(duck::Connection &conn, const Statement &st) {
  Outcome o;
  o.tag = "CREATE TABLE";
  std::string schema = schema_of(st.target);
  if (!schema_exists(conn, schema)) throw Error("3F000", "schema \"" + schema + "\" does not exist");
  if (name_taken(conn, schema, st.target.name)) {
    if (st.if_not_exists) {
      o.notices.push_back({"42P07", "relation \"" + st.target.name + "\" already exists, skipping"});
      return o;
    }
    throw Error(sqlstate::kDuplicateTable, "relation \"" + st.target.name + "\" already exists");
  }
  std::string key = conn.query_scalar("SELECT CAST(replace(CAST(uuid() AS VARCHAR), '-', '') AS VARCHAR)");
  std::string ins_name = "n" + key;
  NewTable nt;
  nt.schema = schema;
  nt.ins = hidden(ins_name);
  created_names_[ins_name] = st.target.name;
  nt.del = hidden("e" + key);
  std::string text = st.text.substr(0, st.target.begin) + nt.ins + st.text.substr(st.target.end);
  auto r = conn.query(text);
  nt.table.id = -static_cast<int64_t>(changes_.created_tables.size()) - 1;
  nt.table.name = st.target.name;
  nt.table.columns = read_columns(conn, kHiddenSchema, ins_name, st.may_declare_constraints);
  conn.query("CREATE TABLE " + nt.del + " (fidx BIGINT, pos BIGINT)");
  nt.pos = hidden("q" + key);
  conn.query("CREATE VIEW " + nt.pos + " AS " + scan_sql(nt.table, 0, nt.ins, nt.del, true));
  conn.query("CREATE VIEW " + user_view(schema, nt.table.name) + " AS " + scan_sql(nt.table, 0, nt.ins, nt.del, false));
  if (st.as_select) {
    o.tag = "SELECT";
    o.has_count = true;
    o.count = std::stoll(conn.query_scalar("SELECT CAST(count(*) AS VARCHAR) FROM " + nt.ins));
  }
  changes_.created_tables.push_back(std::move(nt));
  return o;
}

Outcome Session::drop_table(duck::Connection &conn, const Statement &st, const QualifiedName &n) {
  Outcome o;
  std::string schema = schema_of(n);
  for (size_t i = 0; i < changes_.created_tables.size(); ++i) {
    auto &nt = changes_.created_tables[i];
    if (nt.schema != schema || nt.table.name != n.name) continue;
    conn.query("DROP VIEW " + user_view(schema, n.name));
    // Its staging objects stay until the DuckDB transaction ends; later ids must not shift.
    nt.table.name = "\x01dropped";
    return o;
  }
  auto b = base(conn);
  const Schema *sc = b->schema(schema);
  const Table *t = sc ? b->table(sc->id, n.name) : nullptr;
  if (!t || changes_.dropped_tables.count(t->id)) {
    if (!st.if_exists) throw undefined_table(n);
    o.notices.push_back({"00000", "table \"" + n.name + "\" does not exist, skipping"});
    return o;
  }
  changes_.dropped_tables.insert(t->id);
  touched_.erase(t->id);
  return o;
}

Outcome Session::create_view(duck::Connection &conn, const Statement &st) {
  Outcome o;
  o.tag = "CREATE VIEW";
  std::string schema = schema_of(st.target);
  if (!schema_exists(conn, schema)) throw Error("3F000", "schema \"" + schema + "\" does not exist");
  auto b = base(conn);
  const Schema *sc = b->schema(schema);
  const View *old = sc ? b->view(sc->id, st.target.name) : nullptr;
  if (old && st.or_replace && !changes_.dropped_views.count(old->id)) {
    changes_.dropped_views.insert(old->id);
  } else if (name_taken(conn, schema, st.target.name)) {
    throw Error(sqlstate::kDuplicateTable, "relation \"" + st.target.name + "\" already exists");
  }
  // Checked by DuckDB now (a bad query fails here); a replaced view keeps its old definition for
  // the rest of this transaction.
  if (!old) conn.query("CREATE VIEW " + user_view(schema, st.target.name) + " AS " + st.body);
  else conn.query("SELECT * FROM (" + st.body + ") LIMIT 0");
  changes_.created_views.push_back({schema, st.target.name, st.body, std::nullopt});
  return o;
}

Outcome Session::drop_view(duck::Connection &conn, const Statement &st, const QualifiedName &n) {
  Outcome o;
  std::string schema = schema_of(n);
  for (auto it = changes_.created_views.begin(); it != changes_.created_views.end(); ++it) {
    if (it->schema == schema && it->name == n.name) {
      conn.query("DROP VIEW " + user_view(schema, n.name));
      changes_.created_views.erase(it);
      return o;
    }
  }
  auto b = base(conn);
  const Schema *sc = b->schema(schema);
  const View *v = sc ? b->view(sc->id, n.name) : nullptr;
  if (!v || changes_.dropped_views.count(v->id)) {
    if (!st.if_exists) throw Error(sqlstate::kUndefinedTable, "view \"" + n.name + "\" does not exist");
    o.notices.push_back({"00000", "view \"" + n.name + "\" does not exist, skipping"});
    return o;
  }
  changes_.dropped_views.insert(v->id);
  return o;
}

// Materializes `sel` (rows with their identity __f, __p) as the scratch table, then takes those
// rows out: committed ones into the delete staging table, staged ones out of the insert staging.
void Session::remove_selected(duck::Connection &conn, const Resolved &r, const std::string &sel) {
  preserve(conn, {r.ins, r.del});
  conn.query(std::string("CREATE OR REPLACE TEMP TABLE __mallard_dml AS ") + sel);
  conn.query("INSERT INTO " + r.del + " SELECT __f, __p FROM " + kScratch + " WHERE __f <> -1");
  conn.query("DELETE FROM " + r.ins + " WHERE rowid IN (SELECT __p FROM " + std::string(kScratch) + " WHERE __f = -1)");
  if (r.id < 0) return;
  touched_.insert(r.id);
  // From now on this connection's view of the table leaves out the deletes it staged.
  if (!shadowed_.insert(r.id).second) return;
  if (std::string ddl = committed_rows_ddl(*r.table, true); !ddl.empty()) {
    conn.query(ddl);
    ++binding_epoch_;
  }
}

Outcome Session::delete_rows(duck::Connection &conn, const Statement &st, bool truncate) {
  auto r = require(conn, st.target);
  std::string alias = st.alias.empty() ? st.target.name : st.alias;
  Returning ret = expand_returning(st.returning, *r.table, alias);
  std::string sel = "SELECT DISTINCT ON (" + sql_ident(alias) + ".__f, " + sql_ident(alias) + ".__p) " +
                    sql_ident(alias) + ".__f, " + sql_ident(alias) + ".__p";
  for (size_t i = 0; i < ret.exprs.size(); ++i) sel += ", " + ret.exprs[i] + " AS \"__r" + std::to_string(i) + "\"";
  sel += " FROM " + r.pos + " AS " + sql_ident(alias);
  if (!st.from.empty()) sel += ", " + st.from;
  if (!st.where.empty()) sel += " WHERE " + st.where;
  // The RETURNING rows, read from the selected rows (the scratch table once materialized).
  std::vector<std::string> cols;
  for (size_t i = 0; i < ret.exprs.size(); ++i)
    cols.push_back("\"__r" + std::to_string(i) + "\" AS " + sql_ident(ret.names[i]));
  if (describing_) {
    Outcome o = described(sel);
    if (!cols.empty()) o.result_sql = "SELECT " + join(cols, ", ") + " FROM (" + sel + ") AS __d";
    return o;
  }
  remove_selected(conn, r, sel);
  Outcome o;
  o.tag = truncate ? "TRUNCATE TABLE" : "DELETE";
  o.has_count = !truncate;
  o.count = std::stoll(conn.query_scalar(std::string("SELECT CAST(count(*) AS VARCHAR) FROM ") + kScratch));
  if (!cols.empty()) o.rows_sql = "SELECT " + join(cols, ", ") + " FROM " + kScratch;
  return o;
}

Outcome Session::update_rows(duck::Connection &conn, const Statement &st) {
  auto r = require(conn, st.target);
  std::string alias = st.alias.empty() ? st.target.name : st.alias;
  std::string a = sql_ident(alias);
  std::vector<std::string> values, names;
  for (auto &c : r.table->columns) {
    std::string v = a + "." + sql_ident(c.name);
    for (auto &[col, expr] : st.set) {
      if (col != c.name) continue;
      std::string e = expr;
      auto first = e.find_first_not_of(" \t\r\n"), last = e.find_last_not_of(" \t\r\n");
      if (first != std::string::npos && to_lower(e.substr(first, last - first + 1)) == "default")
        e = c.default_value.value_or("NULL");
      else if (c.duck_type == "BLOB")
        e = bytea_hex_literal(e).value_or(e);
      v = "CAST((" + e + ") AS " + c.duck_type + ")";
    }
    values.push_back(v + " AS " + sql_ident(c.name));
    names.push_back(sql_ident(c.name));
  }
  for (auto &[col, expr] : st.set)
    if (!r.table->column(col))
      throw Error(sqlstate::kUndefinedColumn,
                  "column \"" + col + "\" of relation \"" + st.target.name + "\" does not exist");
  std::string sel = "SELECT DISTINCT ON (" + a + ".__f, " + a + ".__p) " + a + ".__f, " + a + ".__p, " + join(values, ", ") +
                    " FROM " + r.pos + " AS " + a;
  if (!st.from.empty()) sel += ", " + st.from;
  if (!st.where.empty()) sel += " WHERE " + st.where;
  // The RETURNING rows: the new values, from the selected rows (the scratch table once materialized).
  Returning ret = expand_returning(st.returning, *r.table, alias);
  std::vector<std::string> cols;
  for (size_t i = 0; i < ret.exprs.size(); ++i) cols.push_back(ret.exprs[i] + " AS " + sql_ident(ret.names[i]));
  if (describing_) {
    Outcome o = described(sel);
    if (!cols.empty()) o.result_sql = "SELECT " + join(cols, ", ") + " FROM (" + sel + ") AS " + a;
    return o;
  }
  remove_selected(conn, r, sel);
  conn.query("INSERT INTO " + r.ins + " (" + join(names, ", ") + ") SELECT " + join(names, ", ") + " FROM " + kScratch);
  Outcome o;
  o.tag = "UPDATE";
  o.has_count = true;
  o.count = std::stoll(conn.query_scalar(std::string("SELECT CAST(count(*) AS VARCHAR) FROM ") + kScratch));
  if (!cols.empty()) o.rows_sql = "SELECT " + join(cols, ", ") + " FROM " + kScratch + " AS " + a;
  return o;
}

Outcome Session::alter_table(duck::Connection &conn, const Statement &st) {
  Outcome o;
  o.tag = "ALTER TABLE";
  auto b = base(conn);
  std::string schema = schema_of(st.target);
  const Schema *sc = b->schema(schema);
  const Table *t = sc ? b->table(sc->id, st.target.name) : nullptr;
  if (!t || changes_.dropped_tables.count(t->id)) {
    for (auto &nt : changes_.created_tables)
      if (nt.schema == schema && nt.table.name == st.target.name)
        throw Error(sqlstate::kFeatureNotSupported,
                    "table \"" + st.target.name + "\" was created in this transaction; commit before altering it");
    if (st.if_exists) return o;
    throw undefined_table(st.target);
  }
  if (touched_.count(t->id))
    throw Error(sqlstate::kFeatureNotSupported,
                "rows of table \"" + t->name + "\" were changed in this transaction; commit before altering it");
  auto it = changes_.altered.find(t->id);
  Table def = it == changes_.altered.end() ? *t : it->second.table;
  int64_t next_id = 1;
  for (auto &c : def.columns) next_id = std::max(next_id, c.id + 1);
  // Column ids are never reused within a table: count the dropped ones from the store too.
  {
    auto txn = lake_.store().begin();
    auto r = txn->query("SELECT CAST(max(column_id) AS BIGINT) FROM ducklake_column WHERE table_id = CAST($1 AS BIGINT)",
                        {std::to_string(t->id)});
    if (!r.empty() && r[0][0]) next_id = std::max<int64_t>(next_id, std::stoll(*r[0][0]) + 1);
  }
  auto find = [&](const std::string &name, bool if_exists) -> Column * {
    for (auto &c : def.columns)
      if (c.name == name) return &c;
    if (if_exists) return nullptr;
    throw Error(sqlstate::kUndefinedColumn,
                "column \"" + name + "\" of relation \"" + t->name + "\" does not exist");
  };
  using AK = AlterAction::Kind;
  for (auto &a : st.actions) {
    switch (a.kind) {
      case AK::kAddColumn: {
        conn.query("CREATE OR REPLACE TEMP TABLE __mallard_coldef (" + a.text + ")");
        auto cols = read_columns(conn, "main", "__mallard_coldef", st.may_declare_constraints, "temp");
        conn.query("DROP TABLE temp.main.__mallard_coldef");
        if (cols.size() != 1) throw Error(sqlstate::kSyntaxError, "ADD COLUMN expects one column definition");
        Column c = cols[0];
        if (find(c.name, true)) {
          if (a.if_not_exists) {
            o.notices.push_back({"42701", "column \"" + c.name + "\" of relation \"" + t->name + "\" already exists, skipping"});
            continue;
          }
          throw Error(sqlstate::kDuplicateColumn, "column \"" + c.name + "\" of relation \"" + t->name + "\" already exists");
        }
        assign_ids(c, next_id);
        c.order = def.columns.empty() ? 1 : def.columns.back().order + 1;
        if (c.default_value) {
          // Rows written before the column existed read its default as of now.
          c.initial_default = conn.query_scalar("SELECT CAST((" + *c.default_value + ") AS VARCHAR)");
          if (c.initial_default->empty()) c.initial_default.reset();
        }
        if (!c.nulls_allowed && !c.initial_default && !t->files.empty())
          throw Error(sqlstate::kNotNullViolation, "column \"" + c.name + "\" of relation \"" + t->name +
                                                       "\" contains null values");
        def.columns.push_back(c);
        break;
      }
      case AK::kDropColumn: {
        Column *c = find(a.column, a.if_exists);
        if (!c) {
          o.notices.push_back({"00000", "column \"" + a.column + "\" of relation \"" + t->name + "\" does not exist, skipping"});
          continue;
        }
        if (def.columns.size() == 1) throw Error(sqlstate::kFeatureNotSupported, "a lake table needs at least one column");
        def.columns.erase(def.columns.begin() + (c - def.columns.data()));
        break;
      }
      case AK::kRenameColumn: {
        Column *c = find(a.column, false);
        if (find(a.text, true))
          throw Error(sqlstate::kDuplicateColumn, "column \"" + a.text + "\" of relation \"" + t->name + "\" already exists");
        c->name = a.text;
        break;
      }
      case AK::kRenameTable:
        if (name_taken(conn, schema, a.text))
          throw Error(sqlstate::kDuplicateTable, "relation \"" + a.text + "\" already exists");
        def.name = a.text;
        break;
      case AK::kSetDefault: {
        Column *c = find(a.column, false);
        conn.query("SELECT CAST((" + a.text + ") AS " + c->duck_type + ")");
        refuse_sequence_default(a.text);
        c->default_value = a.text;
        break;
      }
      case AK::kDropDefault: find(a.column, false)->default_value.reset(); break;
      case AK::kSetNotNull: {
        Column *c = find(a.column, false);
        auto n = conn.query_scalar("SELECT CAST(count(*) AS VARCHAR) FROM " + user_view(schema, t->name) + " WHERE " +
                                   sql_ident(c->name) + " IS NULL");
        if (n != "0")
          throw Error(sqlstate::kNotNullViolation,
                      "column \"" + c->name + "\" of relation \"" + t->name + "\" contains null values");
        c->nulls_allowed = false;
        break;
      }
      case AK::kDropNotNull: find(a.column, false)->nulls_allowed = true; break;
      case AK::kSetType: {
        Column *c = find(a.column, false);
        std::string duck = conn.query_scalar("SELECT CAST(typeof(CAST(NULL AS " + a.text + ")) AS VARCHAR)");
        Column target = column_of_type(c->name, duck);
        if (!c->children.empty() || !target.children.empty()) {
          if (target.duck_type == c->duck_type) break;
          throw Error(sqlstate::kFeatureNotSupported, "cannot change column \"" + c->name + "\" from " + c->duck_type +
                                                          " to " + duck + ": the type of a nested column cannot change");
        }
        std::string lake = target.lake_type;
        // Only widening changes: old files are read as the new type without rewriting them.
        static const std::vector<std::vector<std::string>> ladders = {
            {"int8", "int16", "int32", "int64"}, {"uint8", "uint16", "uint32", "uint64"}, {"float32", "float64"},
            {"uint8", "int16"}, {"uint16", "int32"}, {"uint32", "int64"}};
        bool ok = lake == c->lake_type;
        for (auto &l : ladders) {
          auto from = std::find(l.begin(), l.end(), c->lake_type), to = std::find(l.begin(), l.end(), lake);
          if (from != l.end() && to != l.end() && from <= to) ok = true;
        }
        if (!ok)
          throw Error(sqlstate::kFeatureNotSupported, "cannot change column \"" + c->name + "\" from " + c->duck_type +
                                                          " to " + duck + ": lake tables allow widening type changes only");
        c->lake_type = lake;
        c->duck_type = to_duckdb_type(lake);
        break;
      }
    }
  }
  changes_.altered[t->id] = {t->id, def, inserts_table(t->id), deletes_table(t->id)};
  return o;
}

Outcome Session::comment(duck::Connection &conn, const Statement &st) {
  Outcome o;
  o.tag = "COMMENT";
  auto b = base(conn);
  std::string schema = schema_of(st.target);
  const Schema *sc = b->schema(schema);
  std::optional<std::string> value;
  if (!st.body.empty()) value = conn.query_scalar("SELECT CAST(" + st.body + " AS VARCHAR)");
  if (!st.comment_column.empty()) return comment_column(b, schema, sc, st, value);
  // Objects this transaction created: a table by its placeholder key, a view by its definition.
  for (size_t i = 0; i < changes_.created_tables.size() && !st.comment_on_view; ++i) {
    auto &nt = changes_.created_tables[i];
    if (nt.schema != schema || nt.table.name != st.target.name) continue;
    changes_.comments[-static_cast<int64_t>(i) - 1] = value;
    return o;
  }
  for (auto &v : changes_.created_views) {
    if (v.schema != schema || v.name != st.target.name) continue;
    v.comment = value;
    return o;
  }
  if (sc) {
    if (const Table *t = b->table(sc->id, st.target.name); t && !st.comment_on_view) {
      changes_.comments[t->id] = value;
      return o;
    }
    if (const View *v = b->view(sc->id, st.target.name)) {
      changes_.comments[v->id] = value;
      return o;
    }
  }
  throw undefined_table(st.target);
}

// COMMENT ON COLUMN: kept by table and column id (a table this transaction created by its
// placeholder id, with column ids 1..n), so it follows renames of either.
Outcome Session::comment_column(const std::shared_ptr<const Snapshot> &b, const std::string &schema, const Schema *sc,
                                const Statement &st, const std::optional<std::string> &value) {
  Outcome o;
  o.tag = "COMMENT";
  auto column_of = [&](const Table &t) -> int64_t {
    for (auto &c : t.columns)
      if (c.name == st.comment_column) return c.id;
    throw Error(sqlstate::kUndefinedColumn,
                "column \"" + st.comment_column + "\" of relation \"" + st.target.name + "\" does not exist");
  };
  for (size_t i = 0; i < changes_.created_tables.size(); ++i) {
    auto &nt = changes_.created_tables[i];
    if (nt.schema != schema || nt.table.name != st.target.name) continue;
    changes_.column_comments[{-static_cast<int64_t>(i) - 1, column_of(nt.table)}] = value;
    return o;
  }
  const Table *t = sc ? b->table(sc->id, st.target.name) : nullptr;
  if (!t) {
    if (sc && b->view(sc->id, st.target.name))
      throw Error(sqlstate::kFeatureNotSupported, "COMMENT ON COLUMN of a view is not supported");
    throw undefined_table(st.target);
  }
  auto altered = changes_.altered.find(t->id);
  changes_.column_comments[{t->id, column_of(altered != changes_.altered.end() ? altered->second.table : *t)}] = value;
  return o;
}

Error Session::explain(const Error &e) const {
  static const std::string kNotNull = "NOT NULL constraint failed: ";
  std::string m = e.message();
  if (e.sqlstate() != "23502" || m.rfind(kNotNull, 0) != 0) return e;
  std::string where = m.substr(kNotNull.size());
  size_t dot = where.find('.');
  if (dot == std::string::npos) return e;
  std::string staging = where.substr(0, dot), column = where.substr(dot + 1), table;
  if (auto it = created_names_.find(staging); it != created_names_.end()) {
    table = it->second;
  } else if (staging.rfind("i_", 0) == 0 && staging.size() > 2 &&
             staging.find_first_not_of("0123456789", 2) == std::string::npos) {
    auto snap = lake_.current();
    auto t = snap->tables.find(std::stoll(staging.substr(2)));
    if (t == snap->tables.end()) return e;
    table = t->second->name;
  } else {
    return e;
  }
  return Error(e.sqlstate(),
               "null value in column \"" + column + "\" of relation \"" + table + "\" violates not-null constraint");
}

Session::Description Session::describe(duck::Connection &conn, const Statement &st) {
  using K = Statement::Kind;
  if (st.kind != K::kDelete && st.kind != K::kUpdate && st.kind != K::kInsert) return {};
  bool had_base = base_ != nullptr;
  describing_ = true;
  Outcome o;
  try {
    o = execute(conn, st);
  } catch (...) {
    describing_ = false;
    if (!had_base) base_.reset();
    throw;
  }
  describing_ = false;
  if (!had_base) base_.reset();
  return {o.rows_sql, o.result_sql};
}

void Session::commit(duck::Connection &conn) {
  for (int64_t id : touched_) {
    if (changes_.dropped_tables.count(id)) continue;
    if (conn.query_scalar("SELECT CAST(count(*) > 0 AS VARCHAR) FROM (SELECT 1 FROM " + inserts_table(id) + " LIMIT 1)") == "true")
      changes_.inserted.insert(id);
    if (conn.query_scalar("SELECT CAST(count(*) > 0 AS VARCHAR) FROM (SELECT 1 FROM " + deletes_table(id) + " LIMIT 1)") == "true")
      changes_.deleted.insert(id);
  }
  // A table created and dropped in the same transaction leaves nothing.
  std::vector<NewTable> kept;
  for (auto &nt : changes_.created_tables)
    if (nt.table.name != "\x01dropped") kept.push_back(std::move(nt));
  changes_.created_tables = std::move(kept);
  changes_.author = author_;
  changes_.commit_message = message_;
  if (changes_.empty()) return;
  base(conn);
  lake_.commit(conn, changes_);
}

void Session::savepoint(size_t depth) { savepoints_.resize(depth); }

void Session::preserve(duck::Connection &conn, const std::vector<std::string> &staging) {
  if (savepoints_.empty() || describing_) return;
  auto &innermost = savepoints_.back();
  for (const auto &table : staging) {
    if (innermost.count(table)) continue;
    // Temporary, in the DuckDB transaction: gone with it, however it ends.
    std::string name = "__mallard_savepoint_" + std::to_string(++copies_);
    conn.query("CREATE TEMP TABLE " + name + " AS SELECT * FROM " + table);
    std::string copy = "temp.main." + name;
    innermost.emplace(table, copy);
  }
}

void Session::before_insert(duck::Connection &conn, const std::vector<int64_t> &tables) {
  std::vector<std::string> staging;
  for (int64_t id : tables) {
    if (id >= 0) {
      staging.push_back(inserts_table(id));
    } else {
      for (const auto &nt : changes_.created_tables) staging.push_back(nt.ins);
    }
  }
  preserve(conn, staging);
}

void Session::rollback_to(duck::Connection &conn, size_t depth) {
  if (depth == 0 || depth > savepoints_.size()) return;
  // A table first written after a newer savepoint was as that one's copy has it.
  std::map<std::string, std::string> restore;
  for (size_t i = depth - 1; i < savepoints_.size(); ++i)
    for (const auto &[table, copy] : savepoints_[i]) restore.try_emplace(table, copy);
  for (const auto &[table, copy] : restore) {
    conn.query("DELETE FROM " + table);
    conn.query("INSERT INTO " + table + " SELECT * FROM " + copy);
  }
  for (size_t i = depth; i < savepoints_.size(); ++i)
    for (const auto &[table, copy] : savepoints_[i]) conn.query("DROP TABLE " + copy);
  savepoints_.resize(depth);
}

void Session::release(duck::Connection &conn, size_t depth) {
  if (depth == 0 || depth > savepoints_.size()) return;
  // The enclosing savepoint inherits the copies of tables it has none of: they were not written
  // between it and the released one.
  for (size_t i = depth - 1; i < savepoints_.size(); ++i)
    for (const auto &[table, copy] : savepoints_[i]) {
      if (depth >= 2 && savepoints_[depth - 2].emplace(table, copy).second) continue;
      conn.query("DROP TABLE " + copy);
    }
  savepoints_.resize(depth - 1);
}

void Session::finish(bool committed) noexcept {
  savepoints_.clear();
  // The temporary macros ended with the DuckDB transaction.
  if (!shadowed_.empty()) ++binding_epoch_;
  shadowed_.clear();
  base_.reset();
  changes_ = TxnChanges{};
  touched_.clear();
  // Only a commit of this session moves the views (so it reads its own writes next); other
  // writers' snapshots are picked up at transaction start (external stores) or by their own
  // committing session (the embedded store has no other writer).
  // The embedded store's check is one atomic compare, so it also retries a refresh that once gave up.
  // It never throws (a transaction's end cannot fail): a refresh that fails is logged, and the
  // next transaction's start tries again and reports the error to its client.
  if (committed || lake_.store().profile().flavor == metastore::Flavor::kEmbedded) {
    try {
      lake_.refresh();
    } catch (const std::exception &e) {
      spdlog::error("could not move the views to the latest snapshot: {}", e.what());
    } catch (...) {
      spdlog::error("could not move the views to the latest snapshot");
    }
  }
}

}  // namespace mallard::lake
