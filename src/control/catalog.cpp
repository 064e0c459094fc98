#include "control/catalog.hpp"

#include <initializer_list>
#include <string>

#include "common/pg_compat.hpp"

namespace mallard::control {

namespace {

// DuckDB reserves the names pg_catalog and information_schema for its own system schemas and
// refuses entries in them, and its views there carry DuckDB's type ids and list every attached
// database. The replacements live in a separate in-memory database, rebuilt at each activation so
// nothing of it is stored with the warehouse's data; sql::rewrite_for_duckdb sends the catalog
// names clients use there.
constexpr const char *kCatalogDb = kPgCompatCatalog;

// PostgreSQL's built-in types that Mallard's result columns and parameters can carry (see
// pgwire/types.cpp), with their real OIDs so that clients that look types up by OID find them.
// Columns: oid, typname, typlen, typbyval, typcategory, typarray.
constexpr const char *kBaseTypes = R"(
  (16, 'bool', 1, true, 'B', 1000), (17, 'bytea', -1, false, 'U', 1001),
  (18, 'char', 1, true, 'Z', 1002), (19, 'name', 64, false, 'S', 1003),
  (20, 'int8', 8, true, 'N', 1016), (21, 'int2', 2, true, 'N', 1005),
  (23, 'int4', 4, true, 'N', 1007), (24, 'regproc', 4, true, 'N', 1008),
  (25, 'text', -1, false, 'S', 1009), (26, 'oid', 4, true, 'N', 1028),
  (114, 'json', -1, false, 'U', 199), (700, 'float4', 4, true, 'N', 1021),
  (701, 'float8', 8, true, 'N', 1022), (705, 'unknown', -2, false, 'X', 0),
  (1042, 'bpchar', -1, false, 'S', 1014), (1043, 'varchar', -1, false, 'S', 1015),
  (1082, 'date', 4, true, 'D', 1182), (1083, 'time', 8, true, 'D', 1183),
  (1114, 'timestamp', 8, true, 'D', 1115), (1184, 'timestamptz', 8, true, 'D', 1185),
  (1186, 'interval', 16, false, 'T', 1187), (1266, 'timetz', 12, false, 'D', 1270),
  (1560, 'bit', -1, false, 'V', 1561), (1562, 'varbit', -1, false, 'V', 1563),
  (1700, 'numeric', -1, false, 'N', 1231), (2205, 'regclass', 4, true, 'N', 2210),
  (2206, 'regtype', 4, true, 'N', 2211), (2950, 'uuid', 16, false, 'U', 2951),
  (3802, 'jsonb', -1, false, 'U', 3807)
)";

// Catalog relations clients name in casts such as 'pg_class'::regclass, with PostgreSQL's OIDs.
constexpr const char *kSystemRelations = R"(
  (1247, 'pg_type'), (1249, 'pg_attribute'), (1255, 'pg_proc'), (1259, 'pg_class'),
  (2615, 'pg_namespace'), (2604, 'pg_attrdef'), (2606, 'pg_constraint'), (2609, 'pg_description'),
  (2610, 'pg_index'), (3541, 'pg_range')
)";

std::string statements() {
  std::string c = kCatalogDb;
  std::string q = c + ".main.";
  std::string s;
  auto add = [&](const std::string &sql) { s += sql + ";\n"; };

  // OID columns are UINTEGER, PostgreSQL's oid range exactly. Views compute OIDs as integers and
  // cast the OID columns at the end, so every branch of a UNION agrees.
  const std::string oid = "UINTEGER";
  // One-byte "char" columns (pg_type.typtype, pg_class.relkind, ...) are VARCHAR under the alias
  // pg_char, which pgwire reports as PostgreSQL's "char" (oid 18): clients such as asyncpg read
  // them as bytes.
  const std::string pg_char = "pg_char";  // registered by install_pg_catalog
  auto oids = [&](std::initializer_list<const char *> cols, std::initializer_list<const char *> chars = {}) {
    std::string r = "SELECT * REPLACE (";
    bool first = true;
    for (const char *col : cols) {
      if (!first) r += ", ";
      first = false;
      r += "CAST(" + std::string(col) + " AS " + oid + ") AS " + col;
    }
    for (const char *col : chars) r += ", CAST(" + std::string(col) + " AS " + pg_char + ") AS " + col;
    return r + ")";
  };

  add("CREATE TABLE " + q + "base_types (oid INTEGER, typname VARCHAR, typlen SMALLINT, typbyval BOOLEAN, "
      "typcategory VARCHAR, typarray INTEGER)");
  add("INSERT INTO " + q + "base_types VALUES " + kBaseTypes);
  add("CREATE TABLE " + q + "system_relations (oid " + oid + ", relname VARCHAR)");
  add("INSERT INTO " + q + "system_relations VALUES " + kSystemRelations);

  // Namespaces: the warehouse's schemas (and temp), plus the two system schemas at PostgreSQL's
  // OIDs so that pg_type rows join to pg_catalog.
  add("CREATE VIEW " + q + "raw_pg_namespace AS "
      "SELECT CAST(oid AS BIGINT) AS oid, schema_name AS nspname, CAST(10 AS BIGINT) AS nspowner, "
      "CAST(NULL AS VARCHAR[]) AS nspacl FROM duckdb_schemas() "
      "WHERE database_name = current_database() "
      "UNION ALL SELECT 11, 'pg_catalog', 10, NULL UNION ALL SELECT 13183, 'information_schema', 10, NULL");
  add("CREATE VIEW " + q + "pg_namespace AS " + oids({"oid", "nspowner"}) + " FROM " + q + "raw_pg_namespace");

  add("CREATE VIEW " + q + "raw_pg_type AS "
      "SELECT CAST(oid AS BIGINT) AS oid, typname, CAST(11 AS BIGINT) AS typnamespace, CAST(10 AS BIGINT) AS typowner, "
      "typlen, typbyval, CASE WHEN oid = 705 THEN 'p' ELSE 'b' END AS typtype, typcategory, false AS typispreferred, "
      "true AS typisdefined, ',' AS typdelim, CAST(0 AS BIGINT) AS typrelid, CAST(0 AS BIGINT) AS typsubscript, "
      "CAST(0 AS BIGINT) AS typelem, CAST(typarray AS BIGINT) AS typarray, typname || 'in' AS typinput, "
      "typname || 'out' AS typoutput, typname || 'recv' AS typreceive, typname || 'send' AS typsend, "
      "'-' AS typmodin, '-' AS typmodout, '-' AS typanalyze, "
      "CASE WHEN typlen = 8 THEN 'd' WHEN typlen IN (4, 12) THEN 'i' WHEN typlen = 2 THEN 's' "
      "WHEN typlen = -1 THEN 'i' ELSE 'c' END AS typalign, "
      "CASE WHEN typlen = -1 THEN 'x' ELSE 'p' END AS typstorage, false AS typnotnull, "
      "CAST(0 AS BIGINT) AS typbasetype, -1 AS typtypmod, 0 AS typndims, "
      "CAST(CASE WHEN typcategory = 'S' THEN 100 ELSE 0 END AS BIGINT) AS typcollation, "
      "CAST(NULL AS VARCHAR) AS typdefaultbin, CAST(NULL AS VARCHAR) AS typdefault, "
      "CAST(NULL AS VARCHAR[]) AS typacl FROM " + q + "base_types "
      "UNION ALL "
      "SELECT CAST(typarray AS BIGINT), '_' || typname, 11, 10, -1, false, 'b', 'A', false, true, ',', 0, 0, "
      "CAST(oid AS BIGINT), 0, 'array_in', 'array_out', 'array_recv', 'array_send', '-', '-', 'array_typanalyze', "
      "CASE WHEN typlen = 8 THEN 'd' ELSE 'i' END, 'x', false, 0, -1, 0, "
      "CASE WHEN typcategory = 'S' THEN 100 ELSE 0 END, NULL, NULL, NULL FROM " + q + "base_types WHERE typarray <> 0");
  add("CREATE VIEW " + q + "pg_type AS " +
      oids({"oid", "typnamespace", "typowner", "typrelid", "typelem", "typarray", "typbasetype", "typcollation"},
           {"typtype", "typcategory", "typdelim", "typalign", "typstorage"}) +
      " FROM " + q + "raw_pg_type");

  add("CREATE VIEW " + q + "raw_pg_range AS SELECT CAST(NULL AS BIGINT) AS rngtypid, CAST(NULL AS BIGINT) AS rngsubtype, "
      "CAST(NULL AS BIGINT) AS rngmultitypid, CAST(NULL AS BIGINT) AS rngcollation, "
      "CAST(NULL AS BIGINT) AS rngsubopc, CAST(NULL AS VARCHAR) AS rngcanonical, "
      "CAST(NULL AS VARCHAR) AS rngsubdiff WHERE false");
  add("CREATE VIEW " + q + "pg_range AS " +
      oids({"rngtypid", "rngsubtype", "rngmultitypid", "rngcollation", "rngsubopc"}) + " FROM " + q + "raw_pg_range");

  // The PostgreSQL type OID of a column, from DuckDB's type text; the same mapping as
  // pgwire::pg_type_of (docs/types.md).
  add("CREATE MACRO " + q + "scalar_type_oid(dt) AS CASE regexp_replace(upper(dt), '\\(.*$', '') "
      "WHEN 'BOOLEAN' THEN 16 WHEN 'TINYINT' THEN 21 WHEN 'UTINYINT' THEN 21 WHEN 'SMALLINT' THEN 21 "
      "WHEN 'USMALLINT' THEN 23 WHEN 'INTEGER' THEN 23 WHEN 'UINTEGER' THEN 20 WHEN 'BIGINT' THEN 20 "
      "WHEN 'UBIGINT' THEN 1700 WHEN 'HUGEINT' THEN 1700 WHEN 'UHUGEINT' THEN 1700 WHEN 'BIGNUM' THEN 1700 "
      "WHEN 'DECIMAL' THEN 1700 WHEN 'FLOAT' THEN 700 WHEN 'DOUBLE' THEN 701 WHEN 'VARCHAR' THEN 25 "
      "WHEN 'JSON' THEN 114 WHEN 'BLOB' THEN 17 WHEN 'DATE' THEN 1082 WHEN 'TIME' THEN 1083 WHEN 'TIME_NS' THEN 1083 "
      "WHEN 'TIME WITH TIME ZONE' THEN 1266 WHEN 'TIMESTAMP' THEN 1114 WHEN 'TIMESTAMP_S' THEN 1114 "
      "WHEN 'TIMESTAMP_MS' THEN 1114 WHEN 'TIMESTAMP_NS' THEN 1114 WHEN 'TIMESTAMP WITH TIME ZONE' THEN 1184 "
      "WHEN 'INTERVAL' THEN 1186 WHEN 'UUID' THEN 2950 WHEN 'BIT' THEN 1562 ELSE "
      "CASE WHEN regexp_matches(upper(dt), '^(STRUCT|MAP|UNION)') THEN 114 ELSE 25 END END");
  add("CREATE MACRO " + q + "type_oid(dt) AS CASE "
      "WHEN regexp_matches(dt, '\\[[0-9]*\\]$') THEN CASE "
      "WHEN regexp_matches(regexp_replace(dt, '\\[[0-9]*\\]$', ''), '(\\]$)|^(STRUCT|MAP|UNION)') THEN 114 "
      "ELSE (SELECT b.typarray FROM " + q + "base_types b "
      "WHERE b.oid = " + q + "scalar_type_oid(regexp_replace(dt, '\\[[0-9]*\\]$', ''))) END "
      "ELSE " + q + "scalar_type_oid(dt) END");
  add("CREATE MACRO " + q + "type_mod(dt) AS CASE WHEN regexp_matches(dt, '^DECIMAL\\([0-9]+,[0-9]+\\)$') THEN "
      "((CAST(regexp_extract(dt, '\\(([0-9]+),', 1) AS INTEGER) << 16) | "
      "CAST(regexp_extract(dt, ',([0-9]+)\\)', 1) AS INTEGER)) + 4 ELSE -1 END");

  add("CREATE VIEW " + q + "raw_pg_class AS "
      "SELECT CAST(table_oid AS BIGINT) AS oid, table_name AS relname, CAST(schema_oid AS BIGINT) AS relnamespace, "
      "CAST(0 AS BIGINT) AS reltype, CAST(0 AS BIGINT) AS reloftype, CAST(10 AS BIGINT) AS relowner, "
      "CAST(2 AS BIGINT) AS relam, CAST(0 AS BIGINT) AS relfilenode, CAST(0 AS BIGINT) AS reltablespace, 0 AS relpages, "
      "CAST(estimated_size AS FLOAT) AS reltuples, 0 AS relallvisible, CAST(0 AS BIGINT) AS reltoastrelid, "
      "index_count > 0 AS relhasindex, false AS relisshared, CASE WHEN temporary THEN 't' ELSE 'p' END AS relpersistence, "
      "'r' AS relkind, CAST(column_count AS SMALLINT) AS relnatts, CAST(check_constraint_count AS SMALLINT) AS relchecks, "
      "false AS relhasrules, false AS relhastriggers, false AS relhassubclass, false AS relrowsecurity, "
      "false AS relforcerowsecurity, true AS relispopulated, 'd' AS relreplident, false AS relispartition, "
      "CAST(0 AS BIGINT) AS relrewrite, CAST(0 AS BIGINT) AS relfrozenxid, CAST(0 AS BIGINT) AS relminmxid, "
      "CAST(NULL AS VARCHAR[]) AS relacl, CAST(NULL AS VARCHAR[]) AS reloptions, CAST(NULL AS VARCHAR) AS relpartbound "
      "FROM duckdb_tables() WHERE database_name IN (current_database(), 'temp') "
      "UNION ALL SELECT view_oid, view_name, schema_oid, 0, 0, 10, 0, 0, 0, 0, 0, 0, 0, false, false, "
      "CASE WHEN temporary THEN 't' ELSE 'p' END, 'v', column_count, 0, true, false, false, false, false, true, 'n', "
      "false, 0, 0, 0, NULL, NULL, NULL FROM duckdb_views() WHERE database_name IN (current_database(), 'temp') "
      "AND NOT internal "
      "UNION ALL SELECT sequence_oid, sequence_name, schema_oid, 0, 0, 10, 0, 0, 0, 0, 0, 0, 0, false, false, "
      "CASE WHEN temporary THEN 't' ELSE 'p' END, 'S', 3, 0, false, false, false, false, false, true, 'n', false, "
      "0, 0, 0, NULL, NULL, NULL FROM duckdb_sequences() WHERE database_name IN (current_database(), 'temp') "
      "UNION ALL SELECT index_oid, index_name, schema_oid, 0, 0, 10, 403, 0, 0, 0, 0, 0, 0, false, false, 'p', 'i', "
      "0, 0, false, false, false, false, false, true, 'n', false, 0, 0, 0, NULL, NULL, NULL "
      "FROM duckdb_indexes() WHERE database_name IN (current_database(), 'temp')");
  add("CREATE VIEW " + q + "pg_class AS " +
      oids({"oid", "relnamespace", "reltype", "reloftype", "relowner", "relam", "relfilenode", "reltablespace",
            "reltoastrelid", "relrewrite"},
           {"relpersistence", "relkind", "relreplident"}) +
      " FROM " + q + "raw_pg_class");

  add("CREATE VIEW " + q + "raw_pg_attribute AS "
      "SELECT CAST(c.table_oid AS BIGINT) AS attrelid, c.column_name AS attname, "
      "CAST(" + q + "type_oid(c.data_type) AS BIGINT) AS atttypid, -1 AS attstattarget, "
      "CAST(coalesce(t.typlen, -1) AS SMALLINT) AS attlen, CAST(c.column_index AS SMALLINT) AS attnum, "
      "CAST(CASE WHEN regexp_matches(c.data_type, '\\]$') THEN 1 ELSE 0 END AS INTEGER) AS attndims, "
      "-1 AS attcacheoff, " + q + "type_mod(c.data_type) AS atttypmod, coalesce(t.typbyval, false) AS attbyval, "
      "coalesce(t.typalign, 'i') AS attalign, coalesce(t.typstorage, 'x') AS attstorage, '' AS attcompression, "
      "NOT c.is_nullable AS attnotnull, c.column_default IS NOT NULL AS atthasdef, false AS atthasmissing, "
      "'' AS attidentity, '' AS attgenerated, false AS attisdropped, true AS attislocal, 0 AS attinhcount, "
      "CAST(coalesce(t.typcollation, 0) AS BIGINT) AS attcollation, CAST(NULL AS VARCHAR[]) AS attacl, "
      "CAST(NULL AS VARCHAR[]) AS attoptions, CAST(NULL AS VARCHAR[]) AS attfdwoptions, "
      "CAST(NULL AS VARCHAR) AS attmissingval "
      "FROM duckdb_columns() c LEFT JOIN " + q + "pg_type t ON t.oid = " + q + "type_oid(c.data_type) "
      "WHERE c.database_name IN (current_database(), 'temp')");
  add("CREATE VIEW " + q + "pg_attribute AS " + oids({"attrelid", "atttypid", "attcollation"}, {"attalign", "attstorage", "attcompression", "attidentity", "attgenerated"}) + " FROM " + q +
      "raw_pg_attribute");

  add("CREATE VIEW " + q + "raw_pg_attrdef AS "
      "SELECT CAST(table_oid * 1000 + column_index AS BIGINT) AS oid, CAST(table_oid AS BIGINT) AS adrelid, "
      "CAST(column_index AS SMALLINT) AS adnum, column_default AS adbin FROM duckdb_columns() "
      "WHERE column_default IS NOT NULL AND database_name IN (current_database(), 'temp')");
  add("CREATE VIEW " + q + "pg_attrdef AS " + oids({"oid", "adrelid"}) + " FROM " + q + "raw_pg_attrdef");

  add("CREATE VIEW " + q + "raw_pg_description AS "
      "SELECT CAST(table_oid AS BIGINT) AS objoid, CAST(1259 AS BIGINT) AS classoid, 0 AS objsubid, "
      "comment AS description FROM duckdb_tables() WHERE comment IS NOT NULL AND database_name = current_database() "
      "UNION ALL SELECT table_oid, 1259, column_index, comment FROM duckdb_columns() "
      "WHERE comment IS NOT NULL AND database_name = current_database() "
      "UNION ALL SELECT view_oid, 1259, 0, comment FROM duckdb_views() "
      "WHERE comment IS NOT NULL AND database_name = current_database()");
  add("CREATE VIEW " + q + "pg_description AS " + oids({"objoid", "classoid"}) + " FROM " + q + "raw_pg_description");

  add("CREATE VIEW " + q + "pg_tables AS SELECT n.nspname AS schemaname, c.relname AS tablename, "
      "'mallard' AS tableowner, CAST(NULL AS VARCHAR) AS tablespace, c.relhasindex AS hasindexes, "
      "false AS hasrules, false AS hastriggers, false AS rowsecurity "
      "FROM " + q + "pg_class c JOIN " + q + "pg_namespace n ON n.oid = c.relnamespace WHERE c.relkind = 'r'");
  add("CREATE VIEW " + q + "pg_views AS SELECT schema_name AS schemaname, view_name AS viewname, "
      "'mallard' AS viewowner, sql AS definition FROM duckdb_views() "
      "WHERE database_name = current_database() AND NOT internal");

  // information_schema restricted to the warehouse, so the compatibility objects stay out of
  // listings.
  add("CREATE VIEW " + q + "information_schema_tables AS SELECT * FROM information_schema.tables "
      "WHERE table_catalog <> '" + c + "'");
  add("CREATE VIEW " + q + "information_schema_columns AS SELECT * FROM information_schema.columns "
      "WHERE table_catalog <> '" + c + "'");
  add("CREATE VIEW " + q + "information_schema_views AS SELECT * FROM information_schema.views "
      "WHERE table_catalog <> '" + c + "'");
  add("CREATE VIEW " + q + "information_schema_schemata AS SELECT * FROM information_schema.schemata "
      "WHERE catalog_name <> '" + c + "'");

  // The divisor of `/` and `%` as PostgreSQL checks it (sql::rewrite_for_duckdb wraps it in this):
  // zero raises 22012 instead of DuckDB's NULL. duck::translate_error maps the message.
  add("CREATE MACRO " + q + "divisor(d) AS CASE WHEN d = 0 THEN error('division by zero') ELSE d END");
  // format_type over PostgreSQL OIDs, with PostgreSQL's SQL-standard spellings.
  add("CREATE MACRO " + q + "format_type(o, typmod) AS CASE WHEN o IS NULL THEN NULL ELSE coalesce("
      "(SELECT CASE WHEN t.typcategory = 'A' THEN " + q + "format_base_type(t.typelem, typmod) || '[]' "
      "ELSE " + q + "format_base_type(t.oid, typmod) END FROM " + q + "pg_type t WHERE t.oid = o), '???') END");
  add("CREATE MACRO " + q + "format_base_type(o, typmod) AS CASE o "
      "WHEN 16 THEN 'boolean' WHEN 18 THEN '\"char\"' WHEN 20 THEN 'bigint' WHEN 21 THEN 'smallint' "
      "WHEN 23 THEN 'integer' WHEN 700 THEN 'real' WHEN 701 THEN 'double precision' "
      "WHEN 1042 THEN 'character' WHEN 1043 THEN 'character varying' "
      "WHEN 1083 THEN 'time without time zone' WHEN 1114 THEN 'timestamp without time zone' "
      "WHEN 1184 THEN 'timestamp with time zone' WHEN 1266 THEN 'time with time zone' "
      "WHEN 1562 THEN 'bit varying' "
      "WHEN 1700 THEN CASE WHEN typmod IS NOT NULL AND typmod >= 4 THEN 'numeric(' || ((typmod - 4) >> 16) || ',' || "
      "((typmod - 4) & 65535) || ')' ELSE 'numeric' END "
      "ELSE (SELECT b.typname FROM " + q + "base_types b WHERE b.oid = o) END");
  // reg* casts. A name literal is looked up (schema-qualified or not, quoted or not); an OID is
  // shown as its name.
  add("CREATE MACRO " + q + "unquote_ident(s) AS CASE WHEN s LIKE '\"%\"' THEN replace(s[2:-2], '\"\"', '\"') "
      "ELSE lower(s) END");
  add("CREATE MACRO " + q + "regclass_in(s) AS coalesce("
      "(SELECT r.oid FROM " + q + "system_relations r WHERE r.relname = " + q + "unquote_ident("
      "regexp_replace(CAST(s AS VARCHAR), '^pg_catalog\\.', ''))), "
      "(SELECT c.oid FROM " + q + "pg_class c JOIN " + q + "pg_namespace n ON n.oid = c.relnamespace "
      "WHERE c.relname = " + q + "unquote_ident(regexp_extract(CAST(s AS VARCHAR), '([^.]+)$', 1)) "
      "AND (NOT contains(CAST(s AS VARCHAR), '.') OR n.nspname = " + q + "unquote_ident("
      "regexp_extract(CAST(s AS VARCHAR), '^([^.]+)\\.', 1))) ORDER BY c.oid LIMIT 1), "
      "error('relation \"' || CAST(s AS VARCHAR) || '\" does not exist'))");
  add("CREATE MACRO " + q + "regclass_out(o) AS coalesce("
      "(SELECT r.relname FROM " + q + "system_relations r WHERE r.oid = o), "
      "(SELECT c.relname FROM " + q + "pg_class c WHERE c.oid = o LIMIT 1), CAST(o AS VARCHAR))");
  add("CREATE MACRO " + q + "regtype_in(s) AS coalesce("
      "(SELECT t.oid FROM " + q + "pg_type t WHERE t.typname = " + q + "unquote_ident("
      "regexp_replace(CAST(s AS VARCHAR), '^pg_catalog\\.', ''))), "
      "(SELECT t.oid FROM " + q + "pg_type t WHERE " + q + "format_type(t.oid, NULL) = lower(CAST(s AS VARCHAR))), "
      "error('type \"' || CAST(s AS VARCHAR) || '\" does not exist'))");
  add("CREATE MACRO " + q + "regtype_out(o) AS CASE WHEN o IS NULL THEN NULL ELSE "
      "coalesce(" + q + "format_type(o, NULL), CAST(o AS VARCHAR)) END");
  add("CREATE MACRO " + q + "regnamespace_in(s) AS coalesce("
      "(SELECT n.oid FROM " + q + "pg_namespace n WHERE n.nspname = " + q + "unquote_ident(CAST(s AS VARCHAR))), "
      "error('schema \"' || CAST(s AS VARCHAR) || '\" does not exist'))");
  add("CREATE MACRO " + q + "regnamespace_out(o) AS coalesce("
      "(SELECT n.nspname FROM " + q + "pg_namespace n WHERE n.oid = o), CAST(o AS VARCHAR))");

  return s;
}

}  // namespace

void install_pg_catalog(duck::Connection &conn) {
  conn.register_type_alias(DUCKDB_TYPE_VARCHAR, "pg_char");
  conn.query(std::string("ATTACH IF NOT EXISTS ':memory:' AS ") + kCatalogDb);
  conn.query(statements());
}

}  // namespace mallard::control
