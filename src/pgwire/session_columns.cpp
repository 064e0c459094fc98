// Where result columns come from: RowDescription carries, for a column that is a relation's column
// as it is (`SELECT a, t.b, * FROM t`), the relation's OID and the column's number, as pg_class and
// pg_attribute give them; drivers read them for result-set metadata (pgjdbc's getTableName and
// isNullable, psycopg's Column.table_oid, editors that write changes back). Only what the
// statement's text shows for certain is attributed: plain SELECTs whose FROM names relations, and
// references that name exactly one of their columns; the rest is zero, which PostgreSQL also sends
// for computed columns.

#include <algorithm>

#include "common/pg_compat.hpp"
#include "common/strings.hpp"
#include "pgwire/session.hpp"

namespace mallard::pgwire {

namespace {

// The numbers in a list's text ("[1, 2]").
std::vector<int64_t> numbers_in(const std::string &text) {
  std::vector<int64_t> out;
  for (size_t i = 0; i < text.size();) {
    if (!std::isdigit(static_cast<unsigned char>(text[i]))) {
      ++i;
      continue;
    }
    size_t end = i;
    while (end < text.size() && std::isdigit(static_cast<unsigned char>(text[end]))) ++end;
    out.push_back(std::stoll(text.substr(i, end - i)));
    i = end;
  }
  return out;
}

// Where the table elements of CREATE TABLE name (...) end: their closing parenthesis.
size_t elements_end(const std::string &create) {
  int depth = 0;
  for (size_t i = 0; i < create.size(); i = sql::skip_lexeme(create, i)) {
    if (create[i] == '(') ++depth;
    if (create[i] == ')' && --depth == 0) return i;
  }
  return std::string::npos;
}

}  // namespace

// Other sessions change what names mean through the lake's schema (DDL they commit); this session
// also through its own DDL (temporary objects, uncommitted lake DDL) and its search path.
// A transaction reads the views as they were when it began; outside one, a lookup reads them as
// they are now.
std::pair<int64_t, uint64_t> Session::relations_key() const {
  return {tx_schema_version_ ? *tx_schema_version_ : lake_->lake().shown_schema_version(), ddl_};
}

// The relation `schema.name` (schema empty: along the search path, temporary objects first, as
// DuckDB looks it up) and its columns; nullptr when there is none.
const Session::RelationColumns *Session::relation_columns(const std::string &schema, const std::string &name) {
  if (relations_key_ != relations_key()) {
    relations_.clear();
    relations_key_ = relations_key();
  }
  auto key = std::pair{schema, name};
  if (auto it = relations_.find(key); it != relations_.end()) return it->second ? &*it->second : nullptr;
  materialize_open_portals(nullptr);  // the lookup needs the connection
  std::vector<std::pair<std::string, std::string>> places;  // database, schema
  if (schema.empty()) {
    places.emplace_back("temp", "main");
    for (const auto &s : search_schemas_) places.emplace_back("", s);
  } else if (schema == "pg_temp") {
    places.emplace_back("temp", "main");
  } else {
    places.emplace_back("", schema == "public" ? "main" : schema);
  }
  std::optional<RelationColumns> found;
  for (const auto &[database, in_schema] : places) {
    std::string db = database.empty() ? "current_database()" : sql_literal(database);
    // Each column's name, and a lake column's character type after chr(2) ("1043:7").
    std::string row = conn_->query_scalar(
        "SELECT coalesce(CAST(min(c.table_oid) AS VARCHAR) || chr(1) || string_agg(c.column_name || "
        "coalesce(chr(2) || ch.type_oid || ':' || ch.type_mod, ''), chr(1) ORDER BY c.column_index), '') "
        "FROM " + (lake_->shows_changes() ? std::string(kPgCompatCatalog) + ".main.session_columns" : "duckdb_columns()") +
        " c LEFT JOIN " +
        std::string(kPgCompatCatalog) + ".main.char_columns ch ON ch.database_name = c.database_name AND "
        "ch.schema_name = c.schema_name AND ch.table_name = c.table_name AND ch.column_name = c.column_name "
        "WHERE c.database_name = " + db +
        " AND lower(c.schema_name) = " + sql_literal(to_lower(in_schema)) + " AND lower(c.table_name) = " +
        sql_literal(to_lower(name)));
    if (row.empty()) continue;
    RelationColumns r;
    size_t at = row.find('\x01');
    r.oid = static_cast<uint32_t>(std::stoul(row.substr(0, at)));
    while (at != std::string::npos) {
      size_t next = row.find('\x01', at + 1);
      std::string column = row.substr(at + 1, next == std::string::npos ? std::string::npos : next - at - 1);
      std::pair<uint32_t, int32_t> char_type{0, -1};
      if (size_t mark = column.find('\x02'); mark != std::string::npos) {
        auto numbers = column.substr(mark + 1);
        char_type = {static_cast<uint32_t>(std::stoul(numbers)), std::stoi(numbers.substr(numbers.find(':') + 1))};
        column.resize(mark);
      }
      r.columns.push_back(std::move(column));
      r.char_types.push_back(char_type);
      at = next;
    }
    found = std::move(r);
    break;
  }
  auto &slot = relations_[key] = std::move(found);
  return slot ? &*slot : nullptr;
}

std::vector<ColumnOrigin> Session::column_origins(const sql::SelectShape &shape, size_t columns) {
  struct Rel {
    const sql::SelectShape::Relation *named;
    const RelationColumns *cols;
  };
  // Outside a transaction the statement will read the newest views: an embedded lake shows them
  // first if another session's commit is not shown yet (a cheap check when it is). An external
  // store's newest snapshot is read at the statement's transaction start, so there a DDL another
  // server committed can show in one statement's RowDescription late.
  if (!tx_schema_version_ && warehouse_->lake().store().profile().flavor == metastore::Flavor::kEmbedded)
    refresh_lake();
  std::vector<Rel> rels;
  for (const auto &r : shape.relations) rels.push_back({&r, relation_columns(r.schema, r.name)});
  // A reference's qualifier names a relation by its alias, else by its name.
  auto by_qualifier = [&](const std::string &q) -> const Rel * {
    const Rel *hit = nullptr;
    for (const auto &r : rels) {
      const std::string &visible = r.named->alias.empty() ? r.named->name : r.named->alias;
      if (to_lower(visible) != to_lower(q)) continue;
      if (hit) return nullptr;  // ambiguous: PostgreSQL would refuse it anyway
      hit = &r;
    }
    return hit;
  };
  // DuckDB matches names without regard to case (and keeps no two that differ only so).
  auto origin_of = [](const RelationColumns &c, const std::string &column) -> ColumnOrigin {
    const std::string want = to_lower(column);
    for (size_t i = 0; i < c.columns.size(); ++i)
      if (to_lower(c.columns[i]) == want)
        return {c.oid, static_cast<int16_t>(i + 1), c.char_types[i].first, c.char_types[i].second};
    return {};
  };
  std::vector<ColumnOrigin> out;
  for (const auto &item : shape.items) {
    using K = sql::SelectShape::Item;
    if (item.kind == K::kStar) {
      // Every column of the relation(s): known only when each relation is.
      if (!shape.only_relations) return {};
      for (const auto &r : rels) {
        if (!item.qualifier.empty() && &r != by_qualifier(item.qualifier)) continue;
        if (!r.cols) return {};
        for (size_t i = 0; i < r.cols->columns.size(); ++i)
          out.push_back({r.cols->oid, static_cast<int16_t>(i + 1), r.cols->char_types[i].first,
                         r.cols->char_types[i].second});
      }
      continue;
    }
    ColumnOrigin o;
    if (item.kind == K::kColumn) {
      if (!item.qualifier.empty()) {
        const Rel *r = by_qualifier(item.qualifier);
        if (r && r->cols) o = origin_of(*r->cols, item.column);
      } else if (shape.only_relations) {
        // Unqualified: the one relation that has the column.
        int hits = 0;
        for (const auto &r : rels) {
          if (!r.cols) {
            hits = 2;  // unknown relation: the column may be its
            break;
          }
          if (ColumnOrigin found = origin_of(*r.cols, item.column); found.column) {
            o = found;
            ++hits;
          }
        }
        if (hits != 1) o = {};
      }
      if (o.column == 0) o = {};
    }
    out.push_back(o);
  }
  if (out.size() != columns) return {};
  return out;
}

// CREATE TABLE t (LIKE s ...): each LIKE element becomes the source's column definitions (name,
// type with its declared length, NOT NULL; the default with INCLUDING DEFAULTS), read from the
// catalog as DuckDB resolves the source. DuckDB's parser takes no LIKE. Constraints, indexes and the rest have nothing to copy on
// lake tables.
std::optional<std::string> Session::expand_create_like(const std::string &text) {
  auto likes = sql::create_table_likes(text);
  if (likes.empty()) return std::nullopt;
  std::string out, keys;  // keys: table constraints copied, put after every element
  size_t at = 0;
  for (const auto &l : likes) {
    const RelationColumns *source = relation_columns(l.schema, l.name);
    if (!source)
      throw Error(sqlstate::kUndefinedTable,
                  "relation \"" + (l.schema.empty() ? "" : l.schema + ".") + l.name + "\" does not exist");
    auto rows = conn_->query_text(
        "SELECT c.column_name, CASE WHEN a.atttypid IN (1042, 1043) THEN " +
        std::string(kPgCompatCatalog) + ".main.format_type(a.atttypid, a.atttypmod) WHEN c.data_type = 'VARCHAR' "
        "THEN 'text' ELSE c.data_type END, "
        "CAST(a.attnotnull AS VARCHAR), d.adbin FROM duckdb_columns() c "
        "JOIN " + std::string(kPgCompatCatalog) + ".main.pg_attribute a ON a.attrelid = c.table_oid AND "
        "a.attnum = c.column_index LEFT JOIN " + std::string(kPgCompatCatalog) + ".main.pg_attrdef d "
        "ON d.adrelid = c.table_oid AND d.adnum = c.column_index WHERE c.table_oid = " + std::to_string(source->oid) +
        " ORDER BY c.column_index");
    std::string columns;
    for (const auto &r : rows) {
      if (!columns.empty()) columns += ", ";
      columns += sql_ident(r[0].value_or("")) + " " + r[1].value_or("VARCHAR");
      if (r[2].value_or("false") == "true") columns += " NOT NULL";
      if (l.defaults && r[3]) columns += " DEFAULT " + *r[3];
    }
    if (l.indexes) {
      // The primary key and unique constraints, named after the new table as PostgreSQL names them.
      for (const auto &k : conn_->query_text("SELECT contype, CAST(conkey AS VARCHAR) FROM " +
                                             std::string(kPgCompatCatalog) + ".main.pg_constraint WHERE conrelid = " +
                                             std::to_string(source->oid) + " AND contype IN ('p', 'u') ORDER BY contype, oid")) {
        std::string names;
        for (int64_t n : numbers_in(k[1].value_or("")))
          if (n >= 1 && static_cast<size_t>(n) <= rows.size())
            names += (names.empty() ? "" : ", ") + sql_ident(rows[n - 1][0].value_or(""));
        if (!names.empty()) keys += std::string(k[0] == "p" ? ", PRIMARY KEY (" : ", UNIQUE (") + names + ")";
      }
    }
    out += text.substr(at, l.begin - at) + columns;
    at = l.end;
  }
  out += text.substr(at);
  if (size_t end = elements_end(out); !keys.empty() && end != std::string::npos) out.insert(end, keys);
  return out;
}

void put_field_origin(std::string &out, const ColumnOrigin &o, const PgType &t) {
  put_i32(out, static_cast<int32_t>(o.table));
  put_i16(out, o.column);
  const bool declared = o.char_type && t.oid == 25;  // text: what DuckDB makes of a character type
  put_i32(out, static_cast<int32_t>(declared ? o.char_type : t.oid));
  put_i16(out, t.typlen);
  put_i32(out, declared ? o.char_typmod : t.typmod);
}

void Session::set_column_origins(PreparedStatement &ps, const sql::SelectShape *shape) {
  ps.column_origins.clear();
  ps.origins_key = relations_key();
  if (!shape) return;
  try {
    ps.column_origins = column_origins(*shape, ps.describing_plan().column_count());
    ps.origins_key = relations_key();  // as of the lookup (which may have shown newer views)
  } catch (const Error &) {
    ps.column_origins.clear();  // metadata only: the statement stands without it
  }
}

}  // namespace mallard::pgwire
