#include "control/catalog.hpp"

#include <cctype>
#include <chrono>
#include <initializer_list>
#include <tuple>
#include <string>

#include "common/error.hpp"
#include "common/pg_compat.hpp"
#include "common/pg_format.hpp"
#include "common/pg_jsonb.hpp"
#include "common/pg_number_format.hpp"
#include "common/pg_similar.hpp"
#include "common/strings.hpp"
#include "lake/sequences.hpp"
#include "lake/views.hpp"

namespace mallard::control {

namespace {

// DuckDB reserves the names pg_catalog and information_schema for its own system schemas and
// refuses entries in them, and its views there carry DuckDB's type ids and list every attached
// database. The replacements live in a separate in-memory database, rebuilt at each activation so
// nothing of it is stored with the warehouse's data; sql::rewrite_for_duckdb sends the catalog
// names clients use there.
constexpr const char *kCatalogDb = kPgCompatCatalog;

// For version(): PostgreSQL's form, which tools parse for the major and minor version.
#if defined(__x86_64__)
constexpr const char *kPlatform = "x86_64-pc-linux-gnu";
#elif defined(__aarch64__)
constexpr const char *kPlatform = "aarch64-unknown-linux-gnu";
#else
constexpr const char *kPlatform = "unknown-linux-gnu";
#endif
#if defined(__clang__)
constexpr const char *kCompiler = "clang " __clang_version__;
#else
constexpr const char *kCompiler = "gcc " __VERSION__;
#endif

// PostgreSQL's built-in types that Mallard's result columns and parameters can carry (see
// pgwire/types.cpp), with their real OIDs so that clients that look types up by OID find them.
// Columns: oid, typname, typlen, typbyval, typcategory, typarray.
constexpr const char *kBaseTypes = R"(
  (16, 'bool', 1, true, 'B', 1000), (17, 'bytea', -1, false, 'U', 1001),
  (18, 'char', 1, true, 'Z', 1002), (19, 'name', 64, false, 'S', 1003),
  (20, 'int8', 8, true, 'N', 1016), (21, 'int2', 2, true, 'N', 1005),
  (22, 'int2vector', -1, false, 'A', 1006), (30, 'oidvector', -1, false, 'A', 1013),
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
  (2249, 'record', -1, false, 'P', 0), (2283, 'anyelement', 4, true, 'P', 0),
  (3802, 'jsonb', -1, false, 'U', 3807)
)";

// Catalog relations clients name in casts such as 'pg_class'::regclass, with PostgreSQL's OIDs.
constexpr const char *kSystemRelations = R"(
  (1247, 'pg_type'), (1249, 'pg_attribute'), (1255, 'pg_proc'), (1259, 'pg_class'),
  (2615, 'pg_namespace'), (2604, 'pg_attrdef'), (2606, 'pg_constraint'), (2609, 'pg_description'),
  (2610, 'pg_index'), (3541, 'pg_range')
)";

// What psql's backslash commands and GUI tools (DBeaver, pgAdmin, Metabase, Grafana) read beyond
// the core relations: roles, databases, access methods, functions, indexes, constraints, the
// pg_get_* / *_description functions, and relations that are always empty here (inheritance,
// policies, triggers, publications, ...) with PostgreSQL's columns.
void add_tool_catalog(std::string &s, const std::string &q) {
  auto add = [&](const std::string &sql) { s += sql + ";\n"; };
  const std::string user = "coalesce(getvariable('mallard_user'), 'mallard')";
  add("CREATE VIEW " + q + "pg_roles AS SELECT CAST(10 AS UINTEGER) AS oid, " + user + " AS rolname, true AS rolsuper, "
      "true AS rolinherit, true AS rolcreaterole, true AS rolcreatedb, true AS rolcanlogin, false AS rolreplication, "
      "false AS rolbypassrls, -1 AS rolconnlimit, '********' AS rolpassword, CAST(NULL AS TIMESTAMPTZ) AS rolvaliduntil, "
      "CAST(NULL AS VARCHAR[]) AS rolconfig");
  add("CREATE VIEW " + q + "pg_user AS SELECT rolname AS usename, oid AS usesysid, rolcreatedb AS usecreatedb, "
      "rolsuper AS usesuper, rolreplication AS userepl, rolbypassrls AS usebypassrls, rolpassword AS passwd, "
      "rolvaliduntil AS valuntil, rolconfig AS useconfig FROM " + q + "pg_roles");
  add("CREATE MACRO " + q + "pg_get_userbyid(o) AS CASE WHEN o = 10 THEN " + user +
      " ELSE 'unknown (OID=' || CAST(o AS VARCHAR) || ')' END");
  add("CREATE VIEW " + q + "pg_database AS SELECT CAST(database_oid AS UINTEGER) AS oid, database_name AS datname, "
      "CAST(10 AS UINTEGER) AS datdba, 6 AS encoding, CAST('c' AS pg_char) AS datlocprovider, false AS datistemplate, "
      "true AS datallowconn, -1 AS datconnlimit, CAST(0 AS UINTEGER) AS datfrozenxid, CAST(1 AS UINTEGER) AS datminmxid, "
      "CAST(1663 AS UINTEGER) AS dattablespace, 'C' AS datcollate, 'C' AS datctype, CAST(NULL AS VARCHAR) AS daticulocale, "
      "CAST(NULL AS VARCHAR) AS datcollversion, CAST(NULL AS VARCHAR[]) AS datacl "
      "FROM duckdb_databases() WHERE database_name = current_database()");
  add("CREATE MACRO " + q + "regex_anywhere(p) AS '(?s:.*)(?:' || p || ')(?s:.*)'");
  add("CREATE MACRO " + q + "regex_anywhere_i(p) AS '(?s:.*)(?i:' || p || ')(?s:.*)'");
  add("CREATE MACRO " + q + "version() AS 'PostgreSQL " + std::string(kPgServerVersion) +
      " (Mallard, DuckDB ' || (SELECT library_version FROM pragma_version()) || ') on " + kPlatform +
      ", compiled by " + kCompiler + ", 64-bit'");
  // Session settings (published by the session as the variable pg_settings), with the read-only
  // ones for sessions that have not published yet.
  const std::string setting =
      "coalesce(getvariable('pg_settings')[lower(n)], CASE lower(n) WHEN 'server_version' THEN '" +
      std::string(kPgServerVersion) + "' WHEN 'server_version_num' THEN '" + kPgServerVersionNum +
      "' WHEN 'server_encoding' THEN 'UTF8' WHEN 'client_encoding' THEN 'UTF8' WHEN 'datestyle' THEN 'ISO, MDY' "
      "WHEN 'timezone' THEN 'UTC' WHEN 'integer_datetimes' THEN 'on' WHEN 'standard_conforming_strings' THEN 'on' "
      "WHEN 'max_identifier_length' THEN '63' WHEN 'search_path' THEN '\"$user\", public' END)";
  add("CREATE MACRO " + q + "current_setting(n) AS coalesce(" + setting +
      ", error('unrecognized configuration parameter \"' || n || '\"')), (n, missing_ok) AS CASE WHEN missing_ok THEN " +
      setting + " ELSE coalesce(" + setting + ", error('unrecognized configuration parameter \"' || n || '\"')) END");
  // set_config() cannot reach the session's settings from DuckDB: it confirms the current value
  // (what pgAdmin does with bytea_output) and refuses changes.
  add("CREATE MACRO " + q + "set_config(n, v, is_local) AS CASE WHEN " + q + "current_setting(n, true) = v THEN v "
      "ELSE error('feature not supported: set_config() cannot change settings in Mallard; use SET') END");
  add("CREATE MACRO " + q + "pg_backend_pid() AS CAST(coalesce(getvariable('mallard_backend_pid'), 0) AS INTEGER)");
  add("CREATE MACRO " + q + "txid_current() AS CAST(system.main.txid_current() AS BIGINT)");
  // The session's search path, as DuckDB holds it ("db.schema,db.schema").
  add("CREATE MACRO " + q + "current_schemas(implicit) AS (CASE WHEN implicit THEN ['pg_catalog'] ELSE [] END) || "
      "list_transform(string_split(system.main.current_setting('search_path'), ','), "
      "lambda e: " + q + "unquote_ident(regexp_replace(trim(e), '^[^.]*\\.', '')))");
  // DuckDB's grammar is PostgreSQL's, and so are its keywords and their categories.
  add("CREATE MACRO " + q + "pg_get_keywords() AS TABLE SELECT keyword_name AS word, "
      "CAST(CASE keyword_category WHEN 'reserved' THEN 'R' WHEN 'unreserved' THEN 'U' WHEN 'column_name' THEN 'C' "
      "ELSE 'T' END AS pg_char) AS catcode, keyword_category <> 'reserved' AS barelabel, "
      "CASE keyword_category WHEN 'reserved' THEN 'reserved' WHEN 'unreserved' THEN 'unreserved' "
      "WHEN 'column_name' THEN 'unreserved (cannot be function or type name)' "
      "ELSE 'reserved (can be function or type name)' END AS catdesc, "
      "CASE WHEN keyword_category <> 'reserved' THEN 'can be bare label' ELSE 'requires AS' END AS baredesc "
      "FROM duckdb_keywords() ORDER BY keyword_name");
  // information_schema._pg_expandarray(a): one row (x, n) per element, in the select list (pgjdbc's
  // key queries).
  add("CREATE MACRO " + q + "pg_expandarray(a) AS unnest(list_transform(range(1, len(a) + 1), "
      "lambda k: {'x': a[k], 'n': CAST(k AS INTEGER)}))");
  // x LIKE ANY / ALL (...) over the list of each element's match (sql::rewrite_for_duckdb): a
  // NULL array is NULL; otherwise a deciding match decides, else any NULL makes NULL.
  add("CREATE MACRO " + q + "matches_any(ms) AS CASE WHEN ms IS NULL THEN NULL WHEN list_bool_or(ms) THEN true "
      "WHEN len(list_filter(ms, lambda m: m IS NULL)) > 0 THEN NULL ELSE false END");
  add("CREATE MACRO " + q + "matches_all(ms) AS CASE WHEN ms IS NULL THEN NULL "
      "WHEN NOT list_bool_and(list_transform(ms, lambda m: coalesce(m, true))) THEN false "
      "WHEN len(list_filter(ms, lambda m: m IS NULL)) > 0 THEN NULL ELSE true END");
  // x = ANY (array) (sql::rewrite_for_duckdb): true if an element equals x; NULL for a NULL
  // array; false for an empty one; otherwise NULL if x or an element is NULL, else false.
  // list_contains comes first so that it types an untyped parameter as a list of x's type; no
  // len() or lambda, which leave a plan over a parameter unresolved until Execute.
  add("CREATE MACRO " + q + "eq_any(x, l) AS CASE WHEN list_contains(l, x) THEN true WHEN l IS NULL THEN NULL "
      "WHEN l = [] THEN false WHEN x IS NULL OR list_position(l, NULL) IS NOT NULL THEN NULL ELSE false END");
  // The session's settings (published by the session), read-only ones marked internal.
  add("CREATE VIEW " + q + "pg_settings AS SELECT e.key AS name, e.value AS setting, CAST(NULL AS VARCHAR) AS unit, "
      "'Mallard' AS category, '' AS short_desc, CAST(NULL AS VARCHAR) AS extra_desc, "
      "CASE WHEN e.key IN ('server_version', 'server_version_num', 'server_encoding', 'integer_datetimes', "
      "'max_identifier_length', 'max_index_keys', 'block_size', 'lc_collate', 'lc_ctype', 'in_hot_standby', "
      "'max_connections', 'ssl', 'is_superuser') THEN 'internal' ELSE 'user' END AS context, 'string' AS vartype, "
      "'session' AS source, CAST(NULL AS VARCHAR) AS min_val, CAST(NULL AS VARCHAR) AS max_val, "
      "CAST(NULL AS VARCHAR[]) AS enumvals, e.value AS boot_val, e.value AS reset_val, "
      "CAST(NULL AS VARCHAR) AS sourcefile, CAST(NULL AS INTEGER) AS sourceline, false AS pending_restart "
      "FROM (SELECT unnest(map_entries(coalesce(getvariable('pg_settings'), MAP {}))) AS e) ORDER BY name");
  // encode(bytea, format) / decode(text, format) as PostgreSQL has them; with one argument they
  // stay DuckDB's (string to blob and back). Base64 text is broken into lines of 76 characters,
  // and whitespace is ignored when decoding it, as in PostgreSQL.
  add("CREATE MACRO " + q + "encode(s) AS system.main.encode(s), (b, fmt) AS CASE lower(fmt) "
      "WHEN 'hex' THEN lower(hex(b)) "
      "WHEN 'base64' THEN rtrim(regexp_replace(to_base64(b), '(.{76})', '\\1' || chr(10), 'g'), chr(10)) "
      "ELSE error('feature not supported: encode() format \"' || fmt || '\" (only hex and base64)') END");
  add("CREATE MACRO " + q + "decode(b) AS system.main.decode(b), (s, fmt) AS CASE lower(fmt) "
      "WHEN 'hex' THEN unhex(s) "
      "WHEN 'base64' THEN from_base64(regexp_replace(s, '\\s', '', 'g')) "
      "ELSE error('feature not supported: decode() format \"' || fmt || '\" (only hex and base64)') END");
  // Advisory locks are taken by the session for a SELECT of the call alone (Session::run_advisory).
  for (std::string_view fv : kAdvisoryLockFunctions) {
    std::string f(fv);
    std::string refuse = "error('feature not supported: " + f + "() only as a statement of its own (SELECT " + f + "(...))')";
    add("CREATE MACRO " + q + f +
        (f == "pg_advisory_unlock_all" ? "() AS " + refuse : "(k) AS " + refuse + ", (a, b) AS " + refuse));
  }
  // btrim, cardinality (of arrays; DuckDB's counts map entries) and pg_typeof (PostgreSQL's type
  // name, not DuckDB's) as PostgreSQL has them.
  add("CREATE MACRO " + q + "btrim(s) AS trim(s), (s, chars) AS trim(s, chars)");
  // cardinality takes arrays (PostgreSQL) and maps (DuckDB); only a JSON form binds for both.
  add("CREATE MACRO " + q + "cardinality(a) AS CASE WHEN json_type(to_json(a)) = 'ARRAY' "
      "THEN json_array_length(to_json(a)) ELSE len(json_keys(to_json(a))) END");
  add("CREATE MACRO " + q + "pg_typeof(x) AS coalesce(" + q + "format_base_type(" + q + "type_oid(typeof(x)), NULL), "
      "lower(typeof(x)))");
  // json_typeof in PostgreSQL's words (DuckDB's json_type says OBJECT, VARCHAR, BIGINT, ...).
  add("CREATE MACRO " + q + "json_typeof(j) AS CASE WHEN j IS NULL THEN NULL ELSE CASE json_type(j) "
      "WHEN 'OBJECT' THEN 'object' WHEN 'ARRAY' THEN 'array' WHEN 'VARCHAR' THEN 'string' WHEN 'BOOLEAN' THEN 'boolean' "
      "WHEN 'NULL' THEN 'null' ELSE 'number' END END");
  add("CREATE MACRO " + q + "jsonb_typeof(j) AS " + q + "json_typeof(j)");
  add("CREATE MACRO " + q + "pg_is_in_recovery() AS false");
  add("CREATE MACRO " + q + "pg_is_wal_replay_paused() AS false");
  add("CREATE MACRO " + q + "quote_ident(s) AS __mallard_quote_ident(CAST(s AS VARCHAR))");
  add("CREATE MACRO " + q + "clock_timestamp() AS make_timestamptz(CAST(__mallard_clock() AS BIGINT))");
  // timeofday(): the wall clock as text, in PostgreSQL's layout.
  add("CREATE MACRO " + q + "timeofday() AS strftime(" + q + "clock_timestamp(), '%a %b %d %H:%M:%S.%f %Y %Z')");
  // initcap: each run of letters and digits capitalized, the rest of it in lower case.
  add("CREATE MACRO " + q + "initcap(s) AS array_to_string(list_transform(regexp_extract_all(CAST(s AS VARCHAR), "
      "'[\\pL\\pN]+|[^\\pL\\pN]+'), lambda w: upper(w[1]) || lower(w[2:])), '')");
  // width_bucket(x, b1, b2, n): the bucket (1..n) of n equal ones between b1 and b2 (either order)
  // x falls in; 0 before b1, n + 1 from b2 on.
  add("CREATE MACRO " + q + "width_bucket(x, b1, b2, n) AS CASE WHEN n <= 0 THEN "
      "error('count must be greater than zero') WHEN b1 = b2 THEN error('lower bound cannot equal upper bound') "
      "WHEN x IS NULL OR b1 IS NULL OR b2 IS NULL OR n IS NULL THEN NULL "
      "WHEN b1 < b2 THEN CASE WHEN x < b1 THEN 0 WHEN x >= b2 THEN n + 1 "
      "ELSE CAST(floor(CAST(x - b1 AS DOUBLE) * n / CAST(b2 - b1 AS DOUBLE)) AS INTEGER) + 1 END "
      "ELSE CASE WHEN x > b1 THEN 0 WHEN x <= b2 THEN n + 1 "
      "ELSE CAST(floor(CAST(b1 - x AS DOUBLE) * n / CAST(b1 - b2 AS DOUBLE)) AS INTEGER) + 1 END END");
  // Array functions under DuckDB's list functions; NULL elements match NULL, as in PostgreSQL.
  add("CREATE MACRO " + q + "array_remove(a, x) AS list_filter(a, lambda e: e IS DISTINCT FROM x)");
  add("CREATE MACRO " + q + "array_replace(a, x, y) AS "
      "list_transform(a, lambda e: CASE WHEN e IS NOT DISTINCT FROM x THEN y ELSE e END)");
  add("CREATE MACRO " + q + "array_cat(a, b) AS list_concat(a, b)");
  // pg_size_pretty as PostgreSQL writes it: bytes below 10 kB, then kB, MB, GB, TB, PB, each
  // while below 20 thousand of it, rounded half away from zero (DuckDB's writes KiB, MiB, ...).
  // No subquery for the value: an aggregate argument (pg_size_pretty(sum(x))) must stay outside.
  const std::string bytes = "CAST(n AS BIGINT)";
  auto half_rounded = [&](int shift) {
    std::string v = "(" + bytes + " >> " + std::to_string(shift) + ")";
    return "CAST(CAST(trunc((" + v + " + CASE WHEN " + v + " > 0 THEN 1 ELSE -1 END) / 2) AS BIGINT) AS VARCHAR)";
  };
  std::string size_pretty = "CASE WHEN abs(" + bytes + ") < 10240 THEN CAST(" + bytes + " AS VARCHAR) || ' bytes'";
  int shift = 9;
  for (const char *unit : {"kB", "MB", "GB", "TB"}) {
    size_pretty += " WHEN abs(" + bytes + " >> " + std::to_string(shift) + ") < 20479 THEN " + half_rounded(shift) +
                   " || ' " + unit + "'";
    shift += 10;
  }
  size_pretty += " ELSE " + half_rounded(shift) + " || ' PB' END";
  add("CREATE MACRO " + q + "pg_size_pretty(n) AS " + size_pretty);
  // json[b]_array_elements[_text]: one row per element of a JSON array; in a select list (scalar
  // macros around unnest) and in FROM (table macros, column `value`).
  for (const char *kind : {"json", "jsonb"}) {
    std::string elements = std::string(kind) + "_array_elements";
    add("CREATE MACRO " + q + elements + "(j) AS unnest(json_extract(CAST(j AS JSON), '$[*]'))");
    add("CREATE MACRO " + q + elements + "_text(j) AS unnest(json_extract_string(CAST(j AS JSON), '$[*]'))");
    add("CREATE MACRO " + q + elements + "_rows(j) AS TABLE SELECT unnest(json_extract(CAST(j AS JSON), '$[*]')) AS value");
    add("CREATE MACRO " + q + elements + "_text_rows(j) AS TABLE "
        "SELECT unnest(json_extract_string(CAST(j AS JSON), '$[*]')) AS value");
  }
  // json[b]_each[_text] in FROM: (key, value) as PostgreSQL has them (DuckDB's json_each has eight
  // columns); json[b]_object_keys: one row per key.
  for (const char *kind : {"json", "jsonb"}) {
    std::string k(kind);
    add("CREATE MACRO " + q + k + "_each_rows(j) AS TABLE SELECT e.key, e.value FROM json_each(CAST(j AS JSON)) AS e");
    add("CREATE MACRO " + q + k + "_each_text_rows(j) AS TABLE SELECT e.key, json_extract_string(e.value, '$') AS value "
        "FROM json_each(CAST(j AS JSON)) AS e");
    add("CREATE MACRO " + q + k + "_object_keys(j) AS unnest(json_keys(CAST(j AS JSON)))");
    add("CREATE MACRO " + q + k + "_object_keys_rows(j) AS TABLE SELECT unnest(json_keys(CAST(j AS JSON))) AS " + k +
        "_object_keys");
  }
  // A path of keys (text[]) as a JSON pointer, for jsonb's #> and #>> (sql::rewrite_for_duckdb).
  add("CREATE MACRO " + q + "json_pointer(p) AS CASE WHEN p IS NULL OR list_contains(list_transform(CAST(p AS VARCHAR[]), "
      "lambda e: e IS NULL), true) THEN NULL ELSE array_to_string(list_transform(CAST(p AS VARCHAR[]), "
      "lambda e: '/' || replace(replace(e, '~', '~0'), '/', '~1')), '') END");
  // regexp_split_to_table and string_to_table: one row per piece (string_to_table with a NULL
  // delimiter splits into characters, with an empty one gives the whole text).
  add("CREATE MACRO " + q + "regexp_split_to_table(s, p) AS unnest(string_split_regex(s, p))");
  add("CREATE MACRO " + q + "regexp_split_to_table_rows(s, p) AS TABLE "
      "SELECT unnest(string_split_regex(s, p)) AS regexp_split_to_table");
  const std::string pieces = "CASE WHEN d IS NULL THEN string_split(s, '') WHEN d = '' THEN [s] ELSE string_split(s, d) END";
  add("CREATE MACRO " + q + "string_to_table(s, d) AS unnest(" + pieces + ")");
  add("CREATE MACRO " + q + "string_to_table_rows(s, d) AS TABLE SELECT unnest(" + pieces + ") AS string_to_table");
  // Intervals: PostgreSQL keeps months, days and microseconds apart, as DuckDB does; these read
  // and build the three fields (the hours part of a DuckDB interval is not reduced modulo 24).
  add("CREATE MACRO " + q + "interval_months(i) AS datepart('year', i) * 12 + datepart('month', i)");
  add("CREATE MACRO " + q + "interval_micros(i) AS datepart('hour', i) * 3600000000 + "
      "datepart('minute', i) * 60000000 + datepart('microseconds', i)");
  add("CREATE MACRO " + q + "interval_of(m, d, us) AS to_months(CAST(m AS INTEGER)) + to_days(CAST(d AS INTEGER)) + "
      "to_microseconds(CAST(us AS BIGINT))");
  // make_interval(years, months, weeks, days, hours, mins, secs), by position or by name.
  add("CREATE MACRO " + q + "make_interval(years := 0, months := 0, weeks := 0, days := 0, hours := 0, mins := 0, "
      "secs := 0) AS " + q + "interval_of(CAST(years AS BIGINT) * 12 + months, CAST(weeks AS BIGINT) * 7 + days, "
      "round((CAST(hours AS DOUBLE) * 3600 + CAST(mins AS DOUBLE) * 60 + CAST(secs AS DOUBLE)) * 1000000))");
  // justify_days (30 days to a month), justify_hours (24 hours to a day) and justify_interval
  // (both), with the signs of the fields made to agree as PostgreSQL 15 does. The quotient
  // (d - d % 30) // 30 is exact, so it truncates whichever way DuckDB's // rounds.
  const std::string day = "86400000000";
  auto whole = [](const std::string &x, const std::string &unit) {
    return "(" + x + " - " + x + " % " + unit + ") // " + unit;
  };
  add("CREATE MACRO " + q + "justify_sign_days(m, d, t) AS " + q + "interval_of(m - CASE WHEN m > 0 AND d < 0 THEN 1 "
      "WHEN m < 0 AND d > 0 THEN -1 ELSE 0 END, d + CASE WHEN m > 0 AND d < 0 THEN 30 WHEN m < 0 AND d > 0 THEN -30 "
      "ELSE 0 END, t)");
  add("CREATE MACRO " + q + "justify_days(i) AS " + q + "justify_sign_days(" + q + "interval_months(i) + " +
      whole("datepart('day', i)", "30") + ", datepart('day', i) % 30, " + q + "interval_micros(i))");
  add("CREATE MACRO " + q + "justify_sign_hours(m, d, t) AS " + q + "interval_of(m, d - CASE WHEN d > 0 AND t < 0 "
      "THEN 1 WHEN d < 0 AND t > 0 THEN -1 ELSE 0 END, t + CASE WHEN d > 0 AND t < 0 THEN " + day +
      " WHEN d < 0 AND t > 0 THEN -" + day + " ELSE 0 END)");
  add("CREATE MACRO " + q + "justify_hours(i) AS " + q + "justify_sign_hours(" + q + "interval_months(i), "
      "datepart('day', i) + " + whole(q + "interval_micros(i)", day) + ", " + q + "interval_micros(i) % " + day + ")");
  add("CREATE MACRO " + q + "justify_sign_months(m, d, t) AS " + q + "justify_sign_hours(m - CASE WHEN m > 0 AND "
      "(d < 0 OR (d = 0 AND t < 0)) THEN 1 WHEN m < 0 AND (d > 0 OR (d = 0 AND t > 0)) THEN -1 ELSE 0 END, "
      "d + CASE WHEN m > 0 AND (d < 0 OR (d = 0 AND t < 0)) THEN 30 WHEN m < 0 AND (d > 0 OR (d = 0 AND t > 0)) "
      "THEN -30 ELSE 0 END, t)");
  add("CREATE MACRO " + q + "justify_whole_days(m, d, t) AS " + q + "justify_sign_months(m + " + whole("d", "30") +
      ", d % 30, t)");
  add("CREATE MACRO " + q + "justify_interval(i) AS " + q + "justify_whole_days(" + q + "interval_months(i), "
      "datepart('day', i) + " + whole(q + "interval_micros(i)", day) + ", " + q + "interval_micros(i) % " + day + ")");
  // div(a, b): the quotient truncated toward zero, a numeric with no fraction (computed in double
  // precision: exact below 2^53).
  add("CREATE MACRO " + q + "div(a, b) AS CAST(trunc(CAST(a AS DOUBLE) / CAST(" + q + "divisor(b) AS DOUBLE)) "
      "AS DECIMAL(38, 0))");
  // Arrays: dimensions (from the type's name: INTEGER[][] has two), array_fill of one dimension,
  // array_to_string with a text for NULL elements (without one they are skipped).
  add("CREATE MACRO " + q + "array_ndims(a) AS CASE WHEN a IS NULL OR len(a) = 0 THEN NULL "
      "ELSE (length(typeof(a)) - length(replace(typeof(a), '[]', ''))) // 2 END");
  add("CREATE MACRO " + q + "array_dims(a) AS CASE WHEN a IS NULL OR len(a) = 0 THEN NULL "
      "WHEN " + q + "array_ndims(a) = 1 THEN '[1:' || len(a) || ']' "
      "ELSE error('feature not supported: array_dims() of an array of more than one dimension') END");
  add("CREATE MACRO " + q + "array_fill(v, dims) AS CASE WHEN len(dims) = 1 THEN "
      "list_transform(range(dims[1]), lambda x: v) "
      "ELSE error('feature not supported: array_fill() of more than one dimension') END");
  add("CREATE MACRO " + q + "array_to_string(a, sep) AS system.main.array_to_string(a, sep), "
      "(a, sep, n) AS system.main.array_to_string(list_transform(a, lambda e: coalesce(CAST(e AS VARCHAR), n)), sep)");
  // A value's text as PostgreSQL's output function writes it, for format() and concat(): a boolean
  // is t or f (its cast to text, DuckDB's and PostgreSQL's alike, is true or false).
  add("CREATE MACRO " + q + "output_text(x) AS CASE WHEN typeof(x) = 'BOOLEAN' THEN "
      "CASE CAST(x AS VARCHAR) WHEN 'true' THEN 't' WHEN 'false' THEN 'f' END ELSE CAST(x AS VARCHAR) END");
  // octet_length of text (DuckDB's takes only bytea and bit strings): its UTF-8 bytes.
  add("CREATE MACRO " + q + "octet_length(x) AS CASE WHEN typeof(x) = 'BLOB' THEN system.main.octet_length(CAST(x AS BLOB)) "
      "ELSE strlen(CAST(x AS VARCHAR)) END");
  // lpad/rpad fill with spaces when no fill is given; overlay(s PLACING r FROM f [FOR n]) (its
  // keywords become commas, sql::rewrite_for_duckdb).
  add("CREATE MACRO " + q + "lpad(s, n) AS system.main.lpad(s, n, ' '), (s, n, f) AS system.main.lpad(s, n, f)");
  add("CREATE MACRO " + q + "rpad(s, n) AS system.main.rpad(s, n, ' '), (s, n, f) AS system.main.rpad(s, n, f)");
  add("CREATE MACRO " + q + "overlay(s, r, f) AS substr(s, 1, f - 1) || r || substr(s, f + length(r)), "
      "(s, r, f, n) AS substr(s, 1, f - 1) || r || substr(s, f + n)");
  add("CREATE MACRO " + q + "quote_literal(s) AS __mallard_quote_literal(CAST(s AS VARCHAR))");
  add("CREATE MACRO " + q + "quote_nullable(s) AS coalesce(__mallard_quote_literal(CAST(s AS VARCHAR)), 'NULL')");
  add("CREATE MACRO " + q + "pg_encoding_to_char(e) AS CASE e WHEN 6 THEN 'UTF8' WHEN 0 THEN 'SQL_ASCII' ELSE '' END");
  add("CREATE VIEW " + q + "pg_am AS SELECT CAST(oid AS UINTEGER) AS oid, amname, amhandler, CAST(amtype AS pg_char) AS amtype "
      "FROM (VALUES (2, 'heap', 'heap_tableam_handler', 't'), (403, 'btree', 'bthandler', 'i'), "
      "(405, 'hash', 'hashhandler', 'i')) AS a(oid, amname, amhandler, amtype)");

  // Functions: the warehouse's macros under their schema; DuckDB's built-ins and the lake's own
  // (ducklake_snapshots, a macro the lake defines in the warehouse) under pg_catalog; one row per
  // OID (DuckDB gives overloads one OID).
  add("CREATE VIEW " + q + "raw_pg_proc AS SELECT DISTINCT ON (f.function_oid) CAST(f.function_oid AS BIGINT) AS oid, "
      "f.function_name AS proname, CAST(CASE WHEN f.database_name = 'system' OR (f.schema_name = 'main' AND "
      "f.function_name = 'ducklake_snapshots') THEN 11 ELSE s.oid END AS BIGINT) AS pronamespace, "
      "CAST(10 AS BIGINT) AS proowner, CAST(CASE WHEN f.function_type LIKE '%macro' THEN 14 ELSE 12 END AS BIGINT) AS prolang, "
      "CAST(1 AS FLOAT) AS procost, CAST(CASE WHEN f.function_type LIKE 'table%' THEN 1000 ELSE 0 END AS FLOAT) AS prorows, "
      "CAST(0 AS BIGINT) AS provariadic, CAST(0 AS BIGINT) AS prosupport, "
      "CASE WHEN f.function_type = 'aggregate' THEN 'a' ELSE 'f' END AS prokind, false AS prosecdef, false AS proleakproof, "
      "false AS proisstrict, f.function_type LIKE 'table%' AS proretset, "
      "CASE WHEN f.stability = 'CONSISTENT' THEN 'i' WHEN f.stability = 'CONSISTENT_WITHIN_QUERY' THEN 's' ELSE 'v' END "
      "AS provolatile, 's' AS proparallel, CAST(len(f.parameters) AS SMALLINT) AS pronargs, "
      "CAST(0 AS SMALLINT) AS pronargdefaults, "
      "CAST(CASE WHEN f.function_type LIKE 'table%' THEN 2249 WHEN f.return_type IS NULL THEN 2283 "
      "ELSE " + q + "type_oid(f.return_type) END AS BIGINT) AS prorettype, "
      "CAST(array_to_string(list_transform(f.parameter_types, lambda t: coalesce(" + q + "scalar_type_oid(t), 2283)), ' ') "
      "AS pg_oidvector) AS proargtypes, "
      "CAST(NULL AS UINTEGER[]) AS proallargtypes, CAST(NULL AS VARCHAR[]) AS proargmodes, f.parameters AS proargnames, "
      "CAST(NULL AS VARCHAR) AS proargdefaults, CAST(NULL AS UINTEGER[]) AS protrftypes, "
      "coalesce(f.macro_definition, f.function_name) AS prosrc, CAST(NULL AS VARCHAR) AS probin, "
      "CAST(NULL AS VARCHAR) AS prosqlbody, CAST(NULL AS VARCHAR[]) AS proconfig, CAST(NULL AS VARCHAR[]) AS proacl, "
      "array_to_string(list_transform(range(1, len(f.parameters) + 1), lambda i: f.parameters[i] || "
      "coalesce(' ' || lower(f.parameter_types[i]), '')), ', ') AS proargs_text, "
      "CASE WHEN f.function_type LIKE 'table%' THEN 'SETOF record' ELSE coalesce(lower(f.return_type), 'unknown') END "
      "AS proresult_text "
      "FROM duckdb_functions() f LEFT JOIN duckdb_schemas() s ON s.database_name = f.database_name "
      "AND s.schema_name = f.schema_name WHERE f.function_type <> 'pragma' "
      // The lake's own macros (lake/views.hpp) are no user's functions.
      "AND NOT starts_with(f.function_name, '__mallard_') "
      "AND (f.database_name IN (current_database(), 'temp') OR (f.database_name = 'system' AND f.internal)) "
      "ORDER BY f.function_oid");
  add("CREATE VIEW " + q + "pg_proc AS SELECT * EXCLUDE (proargs_text, proresult_text) REPLACE ("
      "CAST(oid AS UINTEGER) AS oid, CAST(pronamespace AS UINTEGER) AS pronamespace, CAST(proowner AS UINTEGER) AS proowner, "
      "CAST(prolang AS UINTEGER) AS prolang, CAST(provariadic AS UINTEGER) AS provariadic, "
      "CAST(prosupport AS UINTEGER) AS prosupport, CAST(prorettype AS UINTEGER) AS prorettype, "
      "CAST(prokind AS pg_char) AS prokind, CAST(provolatile AS pg_char) AS provolatile, "
      "CAST(proparallel AS pg_char) AS proparallel) FROM " + q + "raw_pg_proc");
  add("CREATE MACRO " + q + "pg_get_function_arguments(o) AS (SELECT mp.proargs_text FROM " + q +
      "raw_pg_proc mp WHERE mp.oid = o)");
  add("CREATE MACRO " + q + "pg_get_function_identity_arguments(o) AS " + q + "pg_get_function_arguments(o)");
  add("CREATE MACRO " + q + "pg_get_function_result(o) AS (SELECT mp.proresult_text FROM " + q +
      "raw_pg_proc mp WHERE mp.oid = o)");
  add("CREATE MACRO " + q + "pg_function_is_visible(o) AS true");
  // Functions in information_schema's spelling (YES/NO).
  add("CREATE VIEW " + q + "information_schema_routines AS SELECT current_database() AS specific_catalog, "
      "n.nspname AS specific_schema, p.proname || '_' || CAST(p.oid AS VARCHAR) AS specific_name, "
      "current_database() AS routine_catalog, n.nspname AS routine_schema, p.proname AS routine_name, "
      "CASE p.prokind WHEN 'p' THEN 'PROCEDURE' ELSE 'FUNCTION' END AS routine_type, "
      "p.proresult_text AS data_type, CASE p.prolang WHEN 14 THEN 'SQL' ELSE 'EXTERNAL' END AS routine_body, "
      "CASE p.prolang WHEN 14 THEN p.prosrc END AS routine_definition, "
      "CASE p.prolang WHEN 14 THEN 'SQL' ELSE 'INTERNAL' END AS external_language, "
      "CASE p.provolatile WHEN 'i' THEN 'YES' ELSE 'NO' END AS is_deterministic, "
      "'MODIFIES' AS sql_data_access, 'YES' AS is_null_call, 'INVOKER' AS security_type "
      "FROM " + q + "raw_pg_proc p JOIN " + q + "raw_pg_namespace n ON n.oid = p.pronamespace");

  // Constraints PostgreSQL has (NOT NULL is a column property there).
  add("CREATE VIEW " + q + "raw_pg_constraint AS SELECT "
      "CAST(" + q + "constraint_oid(k.table_oid, k.constraint_index) AS BIGINT) AS oid, k.constraint_name AS conname, "
      "CAST(k.schema_oid AS BIGINT) AS connamespace, CASE k.constraint_type WHEN 'PRIMARY KEY' THEN 'p' "
      "WHEN 'UNIQUE' THEN 'u' WHEN 'CHECK' THEN 'c' ELSE 'f' END AS contype, k.is_deferrable AS condeferrable, "
      "k.is_deferred AS condeferred, true AS convalidated, CAST(k.table_oid AS BIGINT) AS conrelid, CAST(0 AS BIGINT) AS contypid, "
      "CAST(CASE WHEN k.constraint_type IN ('PRIMARY KEY', 'UNIQUE') THEN " + q +
      "constraint_index_oid(k.table_oid, k.constraint_index) ELSE 0 END AS BIGINT) AS conindid, "
      "CAST(0 AS BIGINT) AS conparentid, CAST(CASE WHEN k.constraint_type = 'FOREIGN KEY' THEN coalesce("
      "(SELECT r.table_oid FROM duckdb_tables() r WHERE r.database_name = k.database_name "
      "AND r.schema_name = k.referenced_schema AND r.table_name = k.referenced_table), "
      "(SELECT r.view_oid FROM duckdb_views() r WHERE r.database_name = k.database_name "
      "AND r.schema_name = k.referenced_schema AND r.view_name = k.referenced_table AND NOT r.internal)) END AS BIGINT) "
      "AS confrelid, "
      "CASE WHEN k.constraint_type = 'FOREIGN KEY' THEN k.update_rule ELSE ' ' END AS confupdtype, "
      "CASE WHEN k.constraint_type = 'FOREIGN KEY' THEN k.delete_rule ELSE ' ' END AS confdeltype, "
      "CASE WHEN k.constraint_type = 'FOREIGN KEY' THEN 's' ELSE ' ' END AS confmatchtype, true AS conislocal, "
      "0 AS coninhcount, true AS connoinherit, "
      "CAST(list_transform(k.constraint_column_indexes, lambda x: x + 1) AS SMALLINT[]) AS conkey, "
      "CAST(CASE WHEN k.referenced_column_indexes IS NOT NULL THEN "
      "list_transform(k.referenced_column_indexes, lambda x: x + 1) "
      "WHEN k.constraint_type = 'FOREIGN KEY' THEN (SELECT list(c.column_index ORDER BY "
      "list_position(k.referenced_column_names, c.column_name)) FROM duckdb_columns() c "
      "WHERE c.database_name = k.database_name AND c.schema_name = k.schema_name AND c.table_name = k.referenced_table "
      "AND list_contains(k.referenced_column_names, c.column_name)) END AS SMALLINT[]) AS confkey, "
      "CAST(NULL AS UINTEGER[]) AS conpfeqop, CAST(NULL AS UINTEGER[]) AS conppeqop, CAST(NULL AS UINTEGER[]) AS conffeqop, "
      "CAST(NULL AS UINTEGER[]) AS conexclop, CAST(NULL AS VARCHAR) AS conbin, "
      "CASE k.constraint_type WHEN 'PRIMARY KEY' THEN 'PRIMARY KEY (' || array_to_string(k.constraint_column_names, ', ') || ')' "
      "WHEN 'UNIQUE' THEN 'UNIQUE (' || array_to_string(k.constraint_column_names, ', ') || ')' "
      "WHEN 'CHECK' THEN 'CHECK (' || k.expression || ')' "
      "ELSE 'FOREIGN KEY (' || array_to_string(k.constraint_column_names, ', ') || ') REFERENCES ' || "
      "CASE WHEN k.referenced_schema NOT IN ('main', 'pg_temp_1', 'temp') THEN k.referenced_schema || '.' ELSE '' END || "
      "k.referenced_table || '(' || array_to_string(k.referenced_column_names, ', ') || ')' || "
      "CASE k.update_rule WHEN 'r' THEN ' ON UPDATE RESTRICT' ELSE '' END || "
      "CASE k.delete_rule WHEN 'r' THEN ' ON DELETE RESTRICT' ELSE '' END || "
      "CASE WHEN k.is_deferrable THEN ' DEFERRABLE' ELSE '' END || "
      "CASE WHEN k.is_deferred THEN ' INITIALLY DEFERRED' ELSE '' END END AS condef "
      "FROM " + q + "all_constraints k WHERE k.constraint_type IN ('PRIMARY KEY', 'UNIQUE', 'CHECK', 'FOREIGN KEY')");
  add("CREATE VIEW " + q + "pg_constraint AS SELECT * EXCLUDE (condef) REPLACE (CAST(oid AS UINTEGER) AS oid, "
      "CAST(connamespace AS UINTEGER) AS connamespace, CAST(conrelid AS UINTEGER) AS conrelid, "
      "CAST(contypid AS UINTEGER) AS contypid, CAST(conindid AS UINTEGER) AS conindid, "
      "CAST(conparentid AS UINTEGER) AS conparentid, CAST(confrelid AS UINTEGER) AS confrelid, "
      "CAST(contype AS pg_char) AS contype, CAST(confupdtype AS pg_char) AS confupdtype, "
      "CAST(confdeltype AS pg_char) AS confdeltype, CAST(confmatchtype AS pg_char) AS confmatchtype) FROM " + q +
      "raw_pg_constraint");
  // No table is a partition: no ancestors (psql's "Referenced by:" asks).
  add("CREATE MACRO " + q + "pg_partition_ancestors(rel) AS unnest(CAST([] AS UINTEGER[]))");
  // In FROM, psql adds WITH ORDINALITY (which DuckDB leaves out): the depth is a column of its own.
  add("CREATE MACRO " + q + "pg_partition_ancestors(rel) AS TABLE SELECT CAST(NULL AS UINTEGER) AS relid, "
      "CAST(NULL AS BIGINT) AS depth WHERE false");
  add("CREATE MACRO " + q + "pg_get_constraintdef(o) AS (SELECT mc.condef FROM " + q + "raw_pg_constraint mc WHERE mc.oid = o), "
      "(o, pretty) AS (SELECT mc.condef FROM " + q + "raw_pg_constraint mc WHERE mc.oid = o)");

  // Indexes: DuckDB's, and the ones behind PRIMARY KEY / UNIQUE constraints.
  // DuckDB gives an index's expressions as text ("['\"name\"']"): plain columns are found in it.
  add("CREATE VIEW " + q + "raw_pg_index AS SELECT CAST(i.index_oid AS BIGINT) AS indexrelid, "
      "CAST(i.table_oid AS BIGINT) AS indrelid, i.is_unique AS indisunique, i.is_primary AS indisprimary, "
      "CAST((SELECT list(c.column_index ORDER BY c.column_index) FROM duckdb_columns() c WHERE c.table_oid = i.table_oid "
      "AND (contains(i.expressions, '\"' || c.column_name || '\"') OR contains(i.expressions, chr(39) || c.column_name || chr(39)))) "
      "AS SMALLINT[]) AS indkey, "
      "'CREATE ' || CASE WHEN i.is_unique THEN 'UNIQUE ' ELSE '' END || 'INDEX ' || i.index_name || ' ON ' || "
      "i.schema_name || '.' || i.table_name || ' USING btree (' || regexp_replace(i.expressions, '[\\[\\]''\"]', '', 'g') "
      "|| ')' AS indexdef FROM duckdb_indexes() i "
      "WHERE i.database_name IN (current_database(), 'temp') "
      "UNION ALL SELECT " + q + "constraint_index_oid(k.table_oid, k.constraint_index), k.table_oid, "
      "k.constraint_type <> 'INDEX', k.constraint_type = 'PRIMARY KEY', "
      "list_transform(k.constraint_column_indexes, lambda x: x + 1), "
      "'CREATE ' || CASE WHEN k.constraint_type = 'INDEX' THEN '' ELSE 'UNIQUE ' END || 'INDEX ' || k.constraint_name || "
      "' ON ' || CASE k.schema_name WHEN 'main' THEN 'public' ELSE k.schema_name END || '.' || k.table_name || "
      "' USING btree (' || array_to_string(k.constraint_column_names, ', ') || ')' FROM " + q + "key_indexes k");
  add("CREATE VIEW " + q + "pg_index AS SELECT CAST(indexrelid AS UINTEGER) AS indexrelid, "
      "CAST(indrelid AS UINTEGER) AS indrelid, CAST(len(indkey) AS SMALLINT) AS indnatts, "
      "CAST(len(indkey) AS SMALLINT) AS indnkeyatts, indisunique, false AS indnullsnotdistinct, "
      "indisprimary, false AS indisexclusion, true AS indimmediate, false AS indisclustered, true AS indisvalid, "
      "false AS indcheckxmin, true AS indisready, true AS indislive, false AS indisreplident, indkey, "
      "CAST(NULL AS UINTEGER[]) AS indcollation, CAST(NULL AS UINTEGER[]) AS indclass, CAST(NULL AS SMALLINT[]) AS indoption, "
      "CAST(NULL AS VARCHAR) AS indexprs, CAST(NULL AS VARCHAR) AS indpred FROM " + q + "raw_pg_index");
  add("CREATE MACRO " + q + "pg_get_indexdef(o) AS (SELECT mi.indexdef FROM " + q + "raw_pg_index mi WHERE mi.indexrelid = o), "
      "(o, col, pretty) AS CASE WHEN col = 0 THEN (SELECT mi.indexdef FROM " + q + "raw_pg_index mi WHERE mi.indexrelid = o) "
      "ELSE (SELECT mc.column_name FROM " + q + "raw_pg_index mi JOIN duckdb_columns() mc ON mc.table_oid = mi.indrelid "
      "AND mc.column_index = mi.indkey[col] WHERE mi.indexrelid = o) END");
  add("CREATE VIEW " + q + "pg_indexes AS SELECT n.nspname AS schemaname, t.relname AS tablename, x.relname AS indexname, "
      "CAST(NULL AS VARCHAR) AS tablespace, i.indexdef FROM " + q + "raw_pg_index i JOIN " + q + "pg_class t "
      "ON t.oid = i.indrelid JOIN " + q + "pg_class x ON x.oid = i.indexrelid JOIN " + q + "pg_namespace n "
      "ON n.oid = t.relnamespace");

  // Visibility follows the search path: the warehouse's main schema and the session's temporary one.
  add("CREATE MACRO " + q + "pg_table_is_visible(o) AS coalesce((SELECT mn.nspname IN ('main', 'pg_temp_1') FROM " + q +
      "pg_class mc JOIN " + q + "pg_namespace mn ON mn.oid = mc.relnamespace WHERE mc.oid = o LIMIT 1), "
      "(SELECT true FROM " + q + "system_relations mr WHERE mr.oid = o), false)");
  add("CREATE MACRO " + q + "pg_relation_is_publishable(o) AS false");
  add("CREATE MACRO " + q + "array_upper(a, d) AS CASE WHEN d = 1 AND len(a) > 0 THEN len(a) END");
  add("CREATE MACRO " + q + "array_lower(a, d) AS CASE WHEN d = 1 AND len(a) > 0 THEN 1 END");
  add("CREATE MACRO " + q + "pg_get_ruledef(o) AS CAST(NULL AS VARCHAR), (o, pretty) AS CAST(NULL AS VARCHAR)");
  add("CREATE MACRO " + q + "pg_get_expr(e, rel) AS CAST(e AS VARCHAR), (e, rel, pretty) AS CAST(e AS VARCHAR)");
  const std::string viewdef = "(SELECT regexp_replace(regexp_replace(mv.sql, "
      "'^\\s*CREATE\\s+(OR\\s+REPLACE\\s+)?(TEMP(ORARY)?\\s+)?VIEW\\s+.*?\\s+AS\\s+', '', 'is'), ';\\s*$', '') "
      "FROM duckdb_views() mv WHERE mv.view_oid = " + q + "regclass_in(CAST(o AS VARCHAR)))";
  // The view by OID or (PostgreSQL's text form) by name.
  add("CREATE MACRO " + q + "pg_get_viewdef(o) AS " + viewdef + ", (o, pretty) AS " + viewdef);
  add("CREATE MACRO " + q + "obj_description(o) AS (SELECT md.description FROM " + q + "pg_description md "
      "WHERE md.objoid = o AND md.objsubid = 0 LIMIT 1), (o, cat) AS (SELECT md.description FROM " + q + "pg_description md "
      "WHERE md.objoid = o AND md.objsubid = 0 LIMIT 1)");
  add("CREATE MACRO " + q + "col_description(o, n) AS (SELECT md.description FROM " + q + "pg_description md "
      "WHERE md.objoid = o AND md.objsubid = n LIMIT 1)");
  add("CREATE MACRO " + q + "shobj_description(o, cat) AS CAST(NULL AS VARCHAR)");
  // Sizes are not tracked per relation: unknown (NULL) rather than a made-up number.
  add("CREATE MACRO " + q + "pg_table_size(o) AS CAST(NULL AS BIGINT)");
  add("CREATE MACRO " + q + "pg_relation_size(o) AS CAST(NULL AS BIGINT), (o, fork) AS CAST(NULL AS BIGINT)");
  add("CREATE MACRO " + q + "pg_total_relation_size(o) AS CAST(NULL AS BIGINT)");
  add("CREATE MACRO " + q + "pg_indexes_size(o) AS CAST(NULL AS BIGINT)");
  add("CREATE MACRO " + q + "pg_database_size(o) AS CAST(NULL AS BIGINT)");
  add("CREATE MACRO " + q + "pg_get_triggerdef(o) AS CAST(NULL AS VARCHAR), (o, pretty) AS CAST(NULL AS VARCHAR)");
  add("CREATE MACRO " + q + "pg_get_partkeydef(o) AS CAST(NULL AS VARCHAR)");
  add("CREATE MACRO " + q + "pg_get_statisticsobjdef_columns(o) AS CAST(NULL AS VARCHAR)");

  // Relations with no rows in Mallard, with the columns clients select.
  auto empty = [&](const std::string &name, const std::string &cols) {
    add("CREATE VIEW " + q + name + " AS SELECT * FROM (SELECT " + cols + ") WHERE false");
  };
  const std::string o = "CAST(NULL AS UINTEGER)", t = "CAST(NULL AS VARCHAR)", b = "CAST(NULL AS BOOLEAN)",
                    c = "CAST(NULL AS pg_char)", i = "CAST(NULL AS INTEGER)";
  // Nothing of these exists in Mallard: no two-phase transactions, replication, extensions to
  // install, foreign data, shared comments or default privileges.
  empty("pg_prepared_xacts", "CAST(NULL AS BIGINT) AS transaction, " + t + " AS gid, CAST(NULL AS TIMESTAMPTZ) AS prepared, " +
                                 t + " AS owner, " + t + " AS database");
  empty("pg_replication_slots", t + " AS slot_name, " + t + " AS plugin, " + t + " AS slot_type, " + o + " AS datoid, " + t +
                                    " AS database, " + b + " AS temporary, " + b + " AS active, " + i +
                                    " AS active_pid, " + t + " AS restart_lsn, " + t + " AS confirmed_flush_lsn, " + t +
                                    " AS wal_status");
  empty("pg_stat_replication", i + " AS pid, " + o + " AS usesysid, " + t + " AS usename, " + t + " AS application_name, " +
                                   t + " AS client_addr, " + t + " AS state, " + t + " AS sent_lsn, " + t +
                                   " AS write_lsn, " + t + " AS flush_lsn, " + t + " AS replay_lsn, " + t +
                                   " AS sync_state");
  empty("pg_available_extensions", t + " AS name, " + t + " AS default_version, " + t + " AS installed_version, " + t +
                                       " AS comment");
  empty("pg_shdescription", o + " AS objoid, " + o + " AS classoid, " + t + " AS description");
  empty("pg_foreign_data_wrapper", o + " AS oid, " + t + " AS fdwname, " + o + " AS fdwowner, " + o + " AS fdwhandler, " +
                                       o + " AS fdwvalidator, CAST(NULL AS VARCHAR[]) AS fdwacl, "
                                       "CAST(NULL AS VARCHAR[]) AS fdwoptions");
  empty("pg_foreign_server", o + " AS oid, " + t + " AS srvname, " + o + " AS srvowner, " + o + " AS srvfdw, " + t +
                                 " AS srvtype, " + t + " AS srvversion, CAST(NULL AS VARCHAR[]) AS srvacl, "
                                 "CAST(NULL AS VARCHAR[]) AS srvoptions");
  empty("pg_default_acl", o + " AS oid, " + o + " AS defaclrole, " + o + " AS defaclnamespace, " + c +
                              " AS defaclobjtype, CAST(NULL AS VARCHAR[]) AS defaclacl");
  empty("pg_auth_members", o + " AS roleid, " + o + " AS member, " + o + " AS grantor, " + b + " AS admin_option");
  empty("pg_matviews", t + " AS schemaname, " + t + " AS matviewname, " + t + " AS matviewowner, " + t +
                           " AS tablespace, " + b + " AS hasindexes, " + b + " AS ispopulated, " + t + " AS definition");
  empty("pg_inherits", o + " AS inhrelid, " + o + " AS inhparent, " + i + " AS inhseqno, " + b + " AS inhdetachpending");
  empty("pg_policy", o + " AS oid, " + t + " AS polname, " + o + " AS polrelid, " + c + " AS polcmd, " + b +
                         " AS polpermissive, CAST(NULL AS UINTEGER[]) AS polroles, " + t + " AS polqual, " + t +
                         " AS polwithcheck");
  empty("pg_statistic_ext", o + " AS oid, " + o + " AS stxrelid, " + t + " AS stxname, " + o + " AS stxnamespace, " + o +
                                " AS stxowner, " + i + " AS stxstattarget, CAST(NULL AS SMALLINT[]) AS stxkeys, "
                                "CAST(NULL AS VARCHAR[]) AS stxkind, " + t + " AS stxexprs");
  empty("pg_publication", o + " AS oid, " + t + " AS pubname, " + o + " AS pubowner, " + b + " AS puballtables, " + b +
                              " AS pubinsert, " + b + " AS pubupdate, " + b + " AS pubdelete, " + b + " AS pubtruncate, " +
                              b + " AS pubviaroot");
  empty("pg_publication_rel", o + " AS oid, " + o + " AS prpubid, " + o + " AS prrelid, " + t + " AS prqual, " +
                                  "CAST(NULL AS SMALLINT[]) AS prattrs");
  empty("pg_publication_namespace", o + " AS oid, " + o + " AS pnpubid, " + o + " AS pnnspid");
  empty("pg_trigger", o + " AS oid, " + o + " AS tgrelid, " + o + " AS tgparentid, " + t + " AS tgname, " + o +
                          " AS tgfoid, CAST(NULL AS SMALLINT) AS tgtype, " + c + " AS tgenabled, " + b +
                          " AS tgisinternal, " + o + " AS tgconstrrelid, " + o + " AS tgconstrindid, " + o +
                          " AS tgconstraint, " + b + " AS tgdeferrable, " + b + " AS tginitdeferred, "
                          "CAST(NULL AS SMALLINT) AS tgnargs, CAST(NULL AS SMALLINT[]) AS tgattr, " + t + " AS tgargs, " +
                          t + " AS tgqual, " + t + " AS tgoldtable, " + t + " AS tgnewtable");
  empty("pg_rewrite", o + " AS oid, " + t + " AS rulename, " + o + " AS ev_class, " + c + " AS ev_type, " + c +
                          " AS ev_enabled, " + b + " AS is_instead, " + t + " AS ev_qual, " + t + " AS ev_action");
  empty("pg_partitioned_table", o + " AS partrelid, " + c + " AS partstrat, CAST(NULL AS SMALLINT) AS partnatts, " + o +
                                    " AS partdefid, CAST(NULL AS SMALLINT[]) AS partattrs, CAST(NULL AS UINTEGER[]) AS "
                                    "partclass, CAST(NULL AS UINTEGER[]) AS partcollation, " + t + " AS partexprs");
  empty("pg_foreign_table", o + " AS ftrelid, " + o + " AS ftserver, CAST(NULL AS VARCHAR[]) AS ftoptions");
  empty("pg_extension", o + " AS oid, " + t + " AS extname, " + o + " AS extowner, " + o + " AS extnamespace, " + b +
                            " AS extrelocatable, " + t + " AS extversion, CAST(NULL AS UINTEGER[]) AS extconfig, "
                            "CAST(NULL AS VARCHAR[]) AS extcondition");
  empty("pg_event_trigger", o + " AS oid, " + t + " AS evtname, " + t + " AS evtevent, " + o + " AS evtowner, " + o +
                                " AS evtfoid, " + c + " AS evtenabled, CAST(NULL AS VARCHAR[]) AS evttags");
  const std::string no_count = "CAST(NULL AS BIGINT)", no_time = "CAST(NULL AS TIMESTAMPTZ)";
  // The database's statistics: the sessions are real; Mallard counts no transactions, blocks or
  // tuples, so those are NULL (pgAdmin's dashboard reads them).
  std::string db_stats;
  for (const char *c : {"xact_commit", "xact_rollback", "blks_read", "blks_hit", "tup_returned", "tup_fetched",
                        "tup_inserted", "tup_updated", "tup_deleted", "conflicts", "temp_files", "temp_bytes",
                        "deadlocks", "checksum_failures", "sessions", "sessions_abandoned", "sessions_fatal",
                        "sessions_killed"})
    db_stats += ", " + no_count + " AS " + c;
  for (const char *c : {"blk_read_time", "blk_write_time", "session_time", "active_time", "idle_in_transaction_time"})
    db_stats += ", CAST(NULL AS DOUBLE) AS " + std::string(c);
  add("CREATE VIEW " + q + "pg_stat_database AS SELECT CAST(d.database_oid AS UINTEGER) AS datid, d.database_name AS datname, "
      "CAST((SELECT count(*) FROM __mallard_activity()) AS INTEGER) AS numbackends" + db_stats +
      ", " + no_time + " AS checksum_last_failure, " + no_time + " AS stats_reset "
      "FROM duckdb_databases() d WHERE d.database_name = current_database()");
  // Per-index counters, like the tables' (NULL: not kept).
  std::string index_stats;
  for (const char *c : {"idx_scan", "idx_tup_read", "idx_tup_fetch"}) index_stats += ", " + no_count + " AS " + c;
  add("CREATE VIEW " + q + "pg_stat_all_indexes AS SELECT i.indrelid AS relid, i.indexrelid, n.nspname AS schemaname, "
      "t.relname, x.relname AS indexrelname" + index_stats + " FROM " + q + "pg_index i JOIN " + q +
      "pg_class t ON t.oid = i.indrelid JOIN " + q + "pg_class x ON x.oid = i.indexrelid JOIN " + q +
      "pg_namespace n ON n.oid = t.relnamespace");
  add("CREATE VIEW " + q + "pg_stat_user_indexes AS SELECT * FROM " + q + "pg_stat_all_indexes "
      "WHERE schemaname NOT IN ('pg_catalog', 'information_schema')");
  std::string io_stats;
  for (const char *c : {"heap_blks_read", "heap_blks_hit", "idx_blks_read", "idx_blks_hit", "toast_blks_read",
                        "toast_blks_hit", "tidx_blks_read", "tidx_blks_hit"})
    io_stats += ", " + no_count + " AS " + c;
  add("CREATE VIEW " + q + "pg_statio_user_tables AS SELECT relid, schemaname, relname" + io_stats + " FROM " + q +
      "pg_stat_user_tables");
  // DuckDB's ICU time zones, with PostgreSQL's columns.
  add("CREATE VIEW " + q + "pg_timezone_names AS SELECT name, abbrev, utc_offset, is_dst FROM pg_timezone_names()");
}

// Joins, for a column of a relation named by `database`, `schema`, `table` and `column`, its lake
// table (lake_tables, as `v`), the staging table column with its NOT NULL and default (as `s`)
// and its character type (char_columns, as `ch`); NULLs for other relations' columns. Each join
// is on columns alone: a condition on the left side only makes DuckDB's LEFT JOIN far slower.
std::string lake_column_joins(const std::string &database, const std::string &schema, const std::string &table,
                              const std::string &column) {
  const std::string q = std::string(kCatalogDb) + ".main.";
  return "LEFT JOIN " + q + "lake_tables v ON v.database_name = " + database + " AND v.schema_name = " + schema +
         " AND v.view_name = " + table + " LEFT JOIN " + q + "staging_columns s ON s.table_name = v.staging AND "
         "s.column_name = " + column + " LEFT JOIN " + q + "char_columns ch ON ch.database_name = " + database +
         " AND ch.schema_name = " + schema + " AND ch.table_name = " + table + " AND ch.column_name = " + column + " ";
}

// Macro arguments are expanded inside the macro's subqueries, so an argument such as `c.oid` would
// bind to a subquery alias `c` there: aliases inside macros are m-prefixed names (mc, mt, ...) that
// client queries do not use, and distinct between macros that call each other.
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
      "WHERE database_name = current_database() AND schema_name <> '__mallard' "
      "UNION ALL SELECT oid, 'pg_temp_1', 10, NULL FROM duckdb_schemas() WHERE database_name = 'temp' AND schema_name = 'main' "
      "UNION ALL SELECT 11, 'pg_catalog', 10, NULL UNION ALL SELECT 13183, 'information_schema', 10, NULL");
  add("CREATE VIEW " + q + "pg_namespace AS " + oids({"oid", "nspowner"}) + " FROM " + q + "raw_pg_namespace");

  add("CREATE VIEW " + q + "raw_pg_type AS "
      "SELECT CAST(oid AS BIGINT) AS oid, typname, CAST(11 AS BIGINT) AS typnamespace, CAST(10 AS BIGINT) AS typowner, "
      "typlen, typbyval, CASE WHEN oid IN (705, 2249, 2283) THEN 'p' ELSE 'b' END AS typtype, typcategory, false AS typispreferred, "
      "true AS typisdefined, ',' AS typdelim, CAST(0 AS BIGINT) AS typrelid, CAST(0 AS BIGINT) AS typsubscript, "
      "CAST(CASE oid WHEN 22 THEN 21 WHEN 30 THEN 26 ELSE 0 END AS BIGINT) AS typelem, "
      "CAST(typarray AS BIGINT) AS typarray, typname || 'in' AS typinput, "
      "typname || 'out' AS typoutput, typname || 'recv' AS typreceive, typname || 'send' AS typsend, "
      "'-' AS typmodin, '-' AS typmodout, '-' AS typanalyze, "
      "CASE WHEN typlen = 8 THEN 'd' WHEN typlen IN (4, 12) THEN 'i' WHEN typlen = 2 THEN 's' "
      "WHEN typlen = -1 THEN 'i' ELSE 'c' END AS typalign, "
      "CASE WHEN oid = 1700 THEN 'm' WHEN typlen = -1 THEN 'x' ELSE 'p' END AS typstorage, false AS typnotnull, "
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
  // PostgreSQL's two tablespaces (DuckDB lists one with OID 0, which pg_database does not name).
  add("CREATE VIEW " + q + "pg_tablespace AS SELECT CAST(oid AS UINTEGER) AS oid, spcname, CAST(10 AS UINTEGER) AS spcowner, "
      "CAST(NULL AS VARCHAR[]) AS spcacl, CAST(NULL AS VARCHAR[]) AS spcoptions "
      "FROM (VALUES (1663, 'pg_default'), (1664, 'pg_global')) AS t(oid, spcname)");
  add("CREATE MACRO " + q + "pg_tablespace_location(o) AS ''");  // both live in the data directory
  add("CREATE VIEW " + q + "pg_range AS " +
      oids({"rngtypid", "rngsubtype", "rngmultitypid", "rngcollation", "rngsubopc"}) + " FROM " + q + "raw_pg_range");

  // The PostgreSQL type OID of a column, from DuckDB's type text; the same mapping as
  // pgwire::pg_type_of (docs/types.md).
  add("CREATE MACRO " + q + "scalar_type_oid(dt) AS CASE regexp_replace(upper(dt), '\\(.*$', '') "
      "WHEN 'BOOLEAN' THEN 16 WHEN 'TINYINT' THEN 21 WHEN 'UTINYINT' THEN 21 WHEN 'SMALLINT' THEN 21 "
      "WHEN 'USMALLINT' THEN 23 WHEN 'INTEGER' THEN 23 WHEN 'UINTEGER' THEN 26 WHEN 'BIGINT' THEN 20 "
      "WHEN 'UBIGINT' THEN 1700 WHEN 'HUGEINT' THEN 1700 WHEN 'UHUGEINT' THEN 1700 WHEN 'BIGNUM' THEN 1700 "
      "WHEN 'DECIMAL' THEN 1700 WHEN 'FLOAT' THEN 700 WHEN 'DOUBLE' THEN 701 WHEN 'VARCHAR' THEN 25 "
      "WHEN 'JSON' THEN 114 WHEN 'BLOB' THEN 17 WHEN 'DATE' THEN 1082 WHEN 'TIME' THEN 1083 WHEN 'TIME_NS' THEN 1083 "
      "WHEN 'TIME WITH TIME ZONE' THEN 1266 WHEN 'TIMESTAMP' THEN 1114 WHEN 'TIMESTAMP_S' THEN 1114 "
      "WHEN 'TIMESTAMP_MS' THEN 1114 WHEN 'TIMESTAMP_NS' THEN 1114 WHEN 'TIMESTAMP WITH TIME ZONE' THEN 1184 "
      "WHEN 'INTERVAL' THEN 1186 WHEN 'UUID' THEN 2950 WHEN 'BIT' THEN 1562 WHEN 'PG_CHAR' THEN 18 "
      "WHEN 'PG_OIDVECTOR' THEN 30 ELSE "
      "CASE WHEN regexp_matches(upper(dt), '^(STRUCT|MAP|UNION)') THEN 114 ELSE 25 END END");
  add("CREATE MACRO " + q + "type_oid(dt) AS CASE "
      "WHEN regexp_matches(dt, '\\[[0-9]*\\]$') THEN CASE "
      "WHEN regexp_matches(regexp_replace(dt, '\\[[0-9]*\\]$', ''), '(\\]$)|^(STRUCT|MAP|UNION)') THEN 114 "
      "ELSE (SELECT mb.typarray FROM " + q + "base_types mb "
      "WHERE mb.oid = " + q + "scalar_type_oid(regexp_replace(dt, '\\[[0-9]*\\]$', ''))) END "
      "ELSE " + q + "scalar_type_oid(dt) END");
  // DECIMAL(38, 10 or more) is numeric without precision (pgwire::unconstrained_numeric).
  add("CREATE MACRO " + q + "type_mod(dt) AS CASE WHEN regexp_matches(dt, '^DECIMAL\\([0-9]+,[0-9]+\\)$') AND NOT "
      "(regexp_extract(dt, '\\(([0-9]+),', 1) = '38' AND CAST(regexp_extract(dt, ',([0-9]+)\\)', 1) AS INTEGER) >= 10) "
      "THEN ((CAST(regexp_extract(dt, '\\(([0-9]+),', 1) AS INTEGER) << 16) | "
      "CAST(regexp_extract(dt, ',([0-9]+)\\)', 1) AS INTEGER)) + 4 ELSE -1 END");

  // A lake table is a view over its files and staging table; clients see a table.
  add("CREATE MACRO " + q + "is_lake_table(view_sql) AS regexp_matches(view_sql, '__mallard\\.\"?[in][_0-9a-f]')");
  // OIDs for what DuckDB has no OID of its own for: constraints (DuckDB numbers them per table)
  // and the indexes behind PRIMARY KEY / UNIQUE constraints. Both stay below 2^32 while table
  // OIDs stay below 2^25.
  add("CREATE MACRO " + q + "constraint_oid(table_oid, idx) AS 1000000000 + table_oid * 64 + idx");
  add("CREATE MACRO " + q + "constraint_index_oid(table_oid, idx) AS 3000000000 + (table_oid * 64 + idx) % 1000000000");
  // The lake tables' keys and indexes in duckdb_constraints()'s shape; constraint_type 'UNIQUE
  // INDEX' or 'INDEX' for those made by CREATE INDEX.
  add("CREATE VIEW " + q + "lake_keys AS SELECT v.database_name, v.schema_name, v.schema_oid, "
      "v.view_name AS table_name, v.view_oid AS table_oid, lk.key_index AS constraint_index, "
      "CASE WHEN lk.is_index = 1 THEN CASE WHEN lk.is_unique = 1 THEN 'UNIQUE INDEX' ELSE 'INDEX' END "
      "WHEN lk.ref_table IS NOT NULL THEN 'FOREIGN KEY' WHEN lk.is_primary = 1 THEN 'PRIMARY KEY' ELSE 'UNIQUE' END "
      "AS constraint_type, "
      "first(lk.key_name) AS constraint_name, "
      "list(CAST(lk.column_index AS BIGINT) ORDER BY lk.key_position) AS constraint_column_indexes, "
      "list(lk.column_name ORDER BY lk.key_position) AS constraint_column_names, CAST(NULL AS VARCHAR) AS expression, "
      "lk.ref_table AS referenced_table, CASE WHEN lk.ref_table IS NOT NULL THEN list(lk.ref_column ORDER BY "
      "lk.key_position) END AS referenced_column_names, lk.ref_schema AS referenced_schema, "
      "CASE WHEN lk.ref_table IS NOT NULL THEN list(lk.ref_column_index ORDER BY lk.key_position) END "
      "AS referenced_column_indexes, coalesce(lk.is_deferrable = 1, false) AS is_deferrable, "
      "coalesce(lk.is_deferred = 1, false) AS is_deferred, lk.update_rule, lk.delete_rule "
      "FROM __mallard_lake_keys() lk JOIN duckdb_views() v ON v.database_name = current_database() "
      "AND v.schema_name = lk.schema_name AND v.view_name = lk.table_name AND NOT v.internal "
      "GROUP BY v.database_name, v.schema_name, v.schema_oid, v.view_name, v.view_oid, lk.key_index, lk.is_primary, "
      "lk.is_unique, lk.is_index, lk.ref_schema, lk.ref_table, lk.is_deferrable, lk.is_deferred, lk.update_rule, "
      "lk.delete_rule");
  // The constraints of DuckDB's tables (temporary ones) and of lake tables.
  add("CREATE VIEW " + q + "all_constraints AS SELECT database_name, schema_name, schema_oid, table_name, table_oid, "
      "constraint_index, constraint_type, constraint_name, constraint_column_indexes, constraint_column_names, "
      "expression, referenced_table, referenced_column_names, schema_name AS referenced_schema, "
      "CAST(NULL AS BIGINT[]) AS referenced_column_indexes, false AS is_deferrable, false AS is_deferred, "
      "CASE WHEN constraint_type = 'FOREIGN KEY' THEN 'a' END AS update_rule, "
      "CASE WHEN constraint_type = 'FOREIGN KEY' THEN 'a' END AS delete_rule FROM duckdb_constraints() "
      "WHERE database_name IN (current_database(), 'temp') "
      "UNION ALL SELECT * FROM " + q + "lake_keys WHERE constraint_type IN ('PRIMARY KEY', 'UNIQUE', 'FOREIGN KEY')");
  // The indexes PostgreSQL would have for them (PRIMARY KEY, UNIQUE), and the lake's CREATE INDEX ones.
  add("CREATE VIEW " + q + "key_indexes AS SELECT * FROM " + q + "all_constraints WHERE constraint_type IN "
      "('PRIMARY KEY', 'UNIQUE') UNION ALL SELECT * FROM " + q + "lake_keys WHERE constraint_type IN ('UNIQUE INDEX', 'INDEX')");
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
      "FROM duckdb_tables() WHERE database_name IN (current_database(), 'temp') AND schema_name <> '__mallard' "
      "UNION ALL SELECT view_oid, view_name, schema_oid, 0, 0, 10, CASE WHEN " + q + "is_lake_table(sql) THEN 2 ELSE 0 END, "
      "0, 0, CAST(coalesce(ceil(lt.data_bytes / 8192), 0) AS INTEGER), CAST(coalesce(lt.record_count, 0) AS FLOAT), "
      "0, 0, coalesce(lt.key_count > 0, false), false, "
      "CASE WHEN temporary THEN 't' ELSE 'p' END, CASE WHEN " + q + "is_lake_table(sql) THEN 'r' ELSE 'v' END, "
      "column_count, 0, NOT " + q + "is_lake_table(sql), coalesce(lt.reference_count > 0, false), false, false, false, true, "
      "CASE WHEN " + q + "is_lake_table(sql) THEN 'd' ELSE 'n' END, "
      "false, 0, 0, 0, NULL, NULL, NULL FROM duckdb_views() v LEFT JOIN __mallard_lake_tables() lt "
      "ON v.database_name = current_database() AND lt.schema_name = v.schema_name AND lt.table_name = v.view_name "
      "AND " + q + "is_lake_table(v.sql) WHERE v.database_name IN (current_database(), 'temp') "
      "AND NOT v.internal AND v.schema_name <> '__mallard' "
      "UNION ALL SELECT sequence_oid, sequence_name, schema_oid, 0, 0, 10, 0, 0, 0, 0, 0, 0, 0, false, false, "
      "CASE WHEN temporary THEN 't' ELSE 'p' END, 'S', 3, 0, false, false, false, false, false, true, 'n', false, "
      "0, 0, 0, NULL, NULL, NULL FROM duckdb_sequences() WHERE database_name IN (current_database(), 'temp') "
      "UNION ALL SELECT index_oid, index_name, schema_oid, 0, 0, 10, 403, 0, 0, 0, 0, 0, 0, false, false, 'p', 'i', "
      "0, 0, false, false, false, false, false, true, 'n', false, 0, 0, 0, NULL, NULL, NULL "
      "FROM duckdb_indexes() WHERE database_name IN (current_database(), 'temp') "
      // PRIMARY KEY and UNIQUE constraints are indexes in PostgreSQL (psql's "Indexes:").
      "UNION ALL SELECT " + q + "constraint_index_oid(table_oid, constraint_index), constraint_name, schema_oid, 0, 0, 10, "
      "403, 0, 0, 0, 0, 0, 0, false, false, 'p', 'i', len(constraint_column_indexes), 0, false, false, false, false, "
      "false, true, 'n', false, 0, 0, 0, NULL, NULL, NULL FROM " + q + "key_indexes");
  add("CREATE VIEW " + q + "pg_class AS " +
      oids({"oid", "relnamespace", "reltype", "reloftype", "relowner", "relam", "relfilenode", "reltablespace",
            "reltoastrelid", "relrewrite"},
           {"relpersistence", "relkind", "relreplident"}) +
      " FROM " + q + "raw_pg_class");

  // The lake tables whose columns this session's open transaction changed, or that it created
  // with character types (lake::kAlteredVariable).
  add("CREATE VIEW " + q + "altered_tables AS SELECT ma.s AS schema_name, ma.t AS table_name, ma.v AS row_view, "
      "ma.i AS staging, ma.k AS char_columns FROM (SELECT unnest(coalesce(getvariable('" +
      std::string(lake::kAlteredVariable) + "'), CAST([] AS " + lake::kAlteredType + "))) AS ma)");
  // The lake tables' views, with the staging table in __mallard that has their columns' NOT NULL
  // and defaults (the transaction's own for an altered table), and those staging tables' columns.
  add("CREATE VIEW " + q + "lake_tables AS SELECT v.database_name, v.schema_name, v.view_name, v.view_oid, "
      "coalesce(ma.staging, regexp_extract(v.sql, '__mallard\\.\"?([in][_0-9a-f]+)', 1)) AS staging "
      "FROM duckdb_views() v LEFT JOIN " + q + "altered_tables ma ON ma.schema_name = v.schema_name AND "
      "ma.table_name = v.view_name WHERE v.database_name = current_database() AND " + q + "is_lake_table(v.sql)");
  add("CREATE VIEW " + q + "staging_columns AS SELECT * FROM duckdb_columns() WHERE database_name = current_database() "
      "AND schema_name = '__mallard'");
  // duckdb_columns() as the session sees them: a table its transaction altered has its row view's
  // columns, under the table's schema, name and OID.
  add("CREATE VIEW " + q + "session_columns AS "
      "SELECT c.* FROM duckdb_columns() c WHERE NOT EXISTS (SELECT 1 FROM " + q + "altered_tables ma WHERE "
      "c.database_name = current_database() AND ma.schema_name = c.schema_name AND ma.table_name = c.table_name AND "
      "ma.row_view IS NOT NULL) "
      "UNION ALL SELECT r.* REPLACE (o.schema_oid AS schema_oid, o.schema_name AS schema_name, o.view_oid AS table_oid, "
      "o.view_name AS table_name) FROM " + q + "altered_tables ma JOIN duckdb_views() o ON "
      "o.database_name = current_database() AND o.schema_name = ma.schema_name AND o.view_name = ma.table_name "
      "JOIN " + q + "staging_columns r ON r.table_name = ma.row_view");
  // __mallard_lake_char_columns() as the session sees it: the tables in altered_tables as the
  // transaction has them.
  add("CREATE VIEW " + q + "char_columns AS SELECT current_database() AS database_name, * "
      "FROM __mallard_lake_char_columns() mc WHERE NOT EXISTS (SELECT 1 FROM " + q + "altered_tables ma WHERE "
      "ma.schema_name = mc.schema_name AND ma.table_name = mc.table_name) "
      "UNION ALL SELECT current_database(), mk.schema_name, mk.table_name, mk.k.n, mk.k.o, mk.k.m, mk.k.l FROM ("
      "SELECT schema_name, table_name, unnest(char_columns) AS k FROM " + q + "altered_tables) mk");
  add("CREATE VIEW " + q + "raw_pg_attribute AS "
      "SELECT CAST(c.table_oid AS BIGINT) AS attrelid, c.column_name AS attname, "
      "CAST(coalesce(ch.type_oid, " + q + "type_oid(c.data_type)) AS BIGINT) AS atttypid, -1 AS attstattarget, "
      "CAST(coalesce(t.typlen, -1) AS SMALLINT) AS attlen, CAST(c.column_index AS SMALLINT) AS attnum, "
      "CAST(CASE WHEN regexp_matches(c.data_type, '\\]$') THEN 1 ELSE 0 END AS INTEGER) AS attndims, "
      "-1 AS attcacheoff, coalesce(ch.type_mod, " + q + "type_mod(c.data_type)) AS atttypmod, "
      "coalesce(t.typbyval, false) AS attbyval, "
      "coalesce(t.typalign, 'i') AS attalign, coalesce(t.typstorage, 'x') AS attstorage, '' AS attcompression, "
      "NOT coalesce(s.is_nullable, c.is_nullable) AS attnotnull, "
      "coalesce(s.column_default, c.column_default) IS NOT NULL AS atthasdef, false AS atthasmissing, "
      "'' AS attidentity, '' AS attgenerated, false AS attisdropped, true AS attislocal, 0 AS attinhcount, "
      "CAST(coalesce(t.typcollation, 0) AS BIGINT) AS attcollation, CAST(NULL AS VARCHAR[]) AS attacl, "
      "CAST(NULL AS VARCHAR[]) AS attoptions, CAST(NULL AS VARCHAR[]) AS attfdwoptions, "
      "CAST(NULL AS VARCHAR) AS attmissingval "
      "FROM " + q + "session_columns c LEFT JOIN " + q + "pg_type t ON t.oid = " + q + "type_oid(c.data_type) " +
      // A lake table's NOT NULL and defaults live on its staging table.
      lake_column_joins("c.database_name", "c.schema_name", "c.table_name", "c.column_name") +
      "WHERE c.database_name IN (current_database(), 'temp') AND c.schema_name <> '__mallard'");
  add("CREATE VIEW " + q + "pg_attribute AS " + oids({"attrelid", "atttypid", "attcollation"}, {"attalign", "attstorage", "attcompression", "attidentity", "attgenerated"}) + " FROM " + q +
      "raw_pg_attribute");

  // A serial or identity column's default as PostgreSQL shows a serial's (lake/sequences.hpp).
  add("CREATE MACRO " + q + "shown_default(expr, tbl, col) AS CASE WHEN starts_with(expr, '" +
      std::string(lake::kNextvalFunction) + "(') THEN 'nextval(''' || tbl || '_' || col || '_seq''::regclass)' ELSE expr END");
  add("CREATE VIEW " + q + "raw_pg_attrdef AS "
      "SELECT CAST(table_oid * 1000 + column_index AS BIGINT) AS oid, CAST(table_oid AS BIGINT) AS adrelid, "
      "CAST(column_index AS SMALLINT) AS adnum, column_default AS adbin FROM duckdb_columns() "
      "WHERE column_default IS NOT NULL AND database_name IN (current_database(), 'temp') AND schema_name <> '__mallard' "
      "UNION ALL SELECT CAST(v.view_oid * 1000 + c.column_index AS BIGINT), CAST(v.view_oid AS BIGINT), "
      "CAST(c.column_index AS SMALLINT), " + q + "shown_default(c.column_default, v.view_name, c.column_name) "
      "FROM " + q + "lake_tables v JOIN " + q + "staging_columns c ON c.table_name = v.staging "
      "WHERE c.column_default IS NOT NULL");
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
      "WHERE database_name = current_database() AND NOT internal AND schema_name <> '__mallard' "
      "AND NOT " + q + "is_lake_table(sql)");

  // information_schema restricted to what a PostgreSQL session sees: the warehouse's own schemas
  // (not the compatibility objects or the lake's staging schema), the session's temporary objects
  // under pg_temp_1 (as pg_namespace names them), and the system catalog's pg_catalog and
  // information_schema; not DuckDB's own system views, which it keeps in a schema named main too.
  add("CREATE MACRO " + q + "listed(cat, sch) AS (cat = current_database() AND sch <> '__mallard') OR cat = 'temp' "
      "OR (cat = 'system' AND sch IN ('pg_catalog', 'information_schema'))");
  add("CREATE MACRO " + q + "listed_schema(cat, sch) AS CASE WHEN cat = 'temp' THEN 'pg_temp_1' ELSE sch END");
  add("CREATE VIEW " + q + "information_schema_tables AS SELECT t.* REPLACE (current_database() AS table_catalog, " +
      q + "listed_schema(t.table_catalog, t.table_schema) AS table_schema, CASE WHEN t.table_type = 'VIEW' AND "
      "EXISTS (SELECT 1 FROM duckdb_views() v WHERE v.database_name = t.table_catalog AND "
      "v.schema_name = t.table_schema AND v.view_name = t.table_name AND " + q + "is_lake_table(v.sql)) "
      "THEN 'BASE TABLE' WHEN t.table_catalog = 'temp' AND t.table_type = 'BASE TABLE' THEN 'LOCAL TEMPORARY' "
      "ELSE t.table_type END AS table_type) FROM information_schema.tables t "
      "WHERE " + q + "listed(t.table_catalog, t.table_schema)");
  add("CREATE VIEW " + q + "information_schema_views AS SELECT v.* REPLACE (current_database() AS table_catalog, " +
      q + "listed_schema(v.table_catalog, v.table_schema) AS table_schema) FROM information_schema.views v "
      "WHERE " + q + "listed(v.table_catalog, v.table_schema) AND NOT EXISTS (SELECT 1 FROM "
      "duckdb_views() d WHERE d.database_name = v.table_catalog AND d.schema_name = v.table_schema AND "
      "d.view_name = v.table_name AND " + q + "is_lake_table(d.sql))");
  // Sequences (temporary ones: a lake warehouse keeps none) in PostgreSQL's information_schema
  // spelling (numbers as text, YES/NO).
  add("CREATE VIEW " + q + "information_schema_sequences AS SELECT current_database() AS sequence_catalog, " + q +
      "listed_schema(s.database_name, s.schema_name) AS sequence_schema, s.sequence_name, 'bigint' AS data_type, "
      "64 AS numeric_precision, 2 AS numeric_precision_radix, 0 AS numeric_scale, "
      "CAST(s.start_value AS VARCHAR) AS start_value, CAST(s.min_value AS VARCHAR) AS minimum_value, "
      "CAST(s.max_value AS VARCHAR) AS maximum_value, CAST(s.increment_by AS VARCHAR) AS increment, "
      "CASE WHEN s.cycle THEN 'YES' ELSE 'NO' END AS cycle_option FROM duckdb_sequences() s "
      "WHERE s.database_name IN (current_database(), 'temp')");
  // PRIMARY KEY and UNIQUE constraints (the lake's keys and temporary tables'), and their columns.
  add("CREATE VIEW " + q + "information_schema_table_constraints AS SELECT current_database() AS constraint_catalog, " +
      q + "listed_schema(k.database_name, k.schema_name) AS constraint_schema, k.constraint_name, "
      "current_database() AS table_catalog, " + q + "listed_schema(k.database_name, k.schema_name) AS table_schema, "
      "k.table_name, k.constraint_type, CASE WHEN k.is_deferrable THEN 'YES' ELSE 'NO' END AS is_deferrable, "
      "CASE WHEN k.is_deferred THEN 'YES' ELSE 'NO' END AS initially_deferred, 'YES' AS enforced, "
      "CASE WHEN k.constraint_type = 'UNIQUE' THEN 'YES' END AS nulls_distinct FROM " + q + "all_constraints k "
      "WHERE k.constraint_type IN ('PRIMARY KEY', 'UNIQUE', 'CHECK', 'FOREIGN KEY')");
  add("CREATE VIEW " + q + "information_schema_key_column_usage AS SELECT current_database() AS constraint_catalog, " +
      q + "listed_schema(k.database_name, k.schema_name) AS constraint_schema, k.constraint_name, "
      "current_database() AS table_catalog, " + q + "listed_schema(k.database_name, k.schema_name) AS table_schema, "
      "k.table_name, unnest(k.constraint_column_names) AS column_name, "
      "CAST(generate_subscripts(k.constraint_column_names, 1) AS INTEGER) AS ordinal_position, "
      "CAST(CASE WHEN k.constraint_type = 'FOREIGN KEY' THEN generate_subscripts(k.constraint_column_names, 1) END "
      "AS INTEGER) AS position_in_unique_constraint FROM " + q + "all_constraints k "
      "WHERE k.constraint_type IN ('PRIMARY KEY', 'UNIQUE', 'FOREIGN KEY')");
  // The foreign keys, each with the unique key it references.
  add("CREATE VIEW " + q + "information_schema_referential_constraints AS SELECT current_database() AS constraint_catalog, " +
      q + "listed_schema(k.database_name, k.schema_name) AS constraint_schema, k.constraint_name, "
      "current_database() AS unique_constraint_catalog, " + q + "listed_schema(k.database_name, k.referenced_schema) "
      "AS unique_constraint_schema, (SELECT u.constraint_name FROM " + q + "all_constraints u WHERE "
      "u.database_name = k.database_name AND u.schema_name = k.referenced_schema AND u.table_name = k.referenced_table "
      "AND u.constraint_type IN ('PRIMARY KEY', 'UNIQUE') AND list_sort(u.constraint_column_names) = "
      "list_sort(k.referenced_column_names) LIMIT 1) AS unique_constraint_name, 'NONE' AS match_option, "
      "CASE k.update_rule WHEN 'r' THEN 'RESTRICT' ELSE 'NO ACTION' END AS update_rule, "
      "CASE k.delete_rule WHEN 'r' THEN 'RESTRICT' ELSE 'NO ACTION' END AS delete_rule FROM " + q + "all_constraints k "
      "WHERE k.constraint_type = 'FOREIGN KEY'");
  // The languages pg_proc.prolang names: built-ins are internal, macros sql.
  add("CREATE VIEW " + q + "pg_language AS SELECT CAST(oid AS UINTEGER) AS oid, lanname, CAST(10 AS UINTEGER) AS lanowner, "
      "false AS lanispl, lanname = 'sql' AS lanpltrusted, CAST(0 AS UINTEGER) AS lanplcallfoid, "
      "CAST(0 AS UINTEGER) AS laninline, CAST(0 AS UINTEGER) AS lanvalidator, CAST(NULL AS VARCHAR[]) AS lanacl "
      "FROM (VALUES (12, 'internal'), (13, 'c'), (14, 'sql')) AS l(oid, lanname)");
  // The warehouse's sessions and advisory locks, from the server (register_server_functions).
  add("CREATE MACRO " + q + "epoch_us_tz(us) AS CASE WHEN us > 0 THEN make_timestamptz(us) END");
  add("CREATE VIEW " + q + "pg_stat_activity AS SELECT (SELECT CAST(database_oid AS UINTEGER) FROM duckdb_databases() "
      "WHERE database_name = current_database()) AS datid, current_database() AS datname, CAST(a.pid AS INTEGER) AS pid, "
      "CAST(NULL AS INTEGER) AS leader_pid, CAST(10 AS UINTEGER) AS usesysid, a.usename, a.application_name, "
      "a.client_addr, CAST(NULL AS VARCHAR) AS client_hostname, CAST(a.client_port AS INTEGER) AS client_port, " +
      q + "epoch_us_tz(a.backend_start) AS backend_start, " + q + "epoch_us_tz(a.xact_start) AS xact_start, " + q +
      "epoch_us_tz(a.query_start) AS query_start, " + q + "epoch_us_tz(a.state_change) AS state_change, "
      "CASE WHEN w.pid IS NOT NULL THEN 'Lock' END AS wait_event_type, "
      "CASE WHEN w.pid IS NOT NULL THEN 'advisory' END AS wait_event, a.state, CAST(NULL AS BIGINT) AS backend_xid, "
      "CAST(NULL AS BIGINT) AS backend_xmin, CAST(NULL AS BIGINT) AS query_id, a.query, 'client backend' AS backend_type "
      "FROM __mallard_activity() a LEFT JOIN (SELECT DISTINCT pid FROM __mallard_locks() WHERE NOT granted) w "
      "ON w.pid = a.pid ORDER BY a.pid");
  add("CREATE VIEW " + q + "pg_locks AS SELECT 'advisory' AS locktype, (SELECT CAST(database_oid AS UINTEGER) "
      "FROM duckdb_databases() WHERE database_name = current_database()) AS database, CAST(NULL AS UINTEGER) AS relation, "
      "CAST(NULL AS INTEGER) AS page, CAST(NULL AS SMALLINT) AS tuple, CAST(NULL AS VARCHAR) AS virtualxid, "
      "CAST(NULL AS BIGINT) AS transactionid, CAST(l.classid AS UINTEGER) AS classid, CAST(l.objid AS UINTEGER) AS objid, "
      "CAST(l.objsubid AS SMALLINT) AS objsubid, CAST(NULL AS VARCHAR) AS virtualtransaction, "
      "CAST(l.pid AS INTEGER) AS pid, l.mode, l.granted, false AS fastpath, " + q + "epoch_us_tz(l.wait_start) AS waitstart "
      "FROM __mallard_locks() l ORDER BY l.pid, l.classid, l.objid");
  add("CREATE MACRO " + q + "pg_cancel_backend(p) AS __mallard_cancel_backend(p)");
  add("CREATE MACRO " + q + "pg_terminate_backend(p) AS __mallard_terminate_backend(p), "
      "(p, timeout) AS __mallard_terminate_backend(p)");
  // Per-table activity counters: Mallard keeps none, so they are NULL rather than a made-up 0. The
  // live rows of a user table are its row count (a lake table's from the lake's statistics).
  const std::string no_count = "CAST(NULL AS BIGINT)", no_time = "CAST(NULL AS TIMESTAMPTZ)";
  std::string stat_cols;
  for (const char *c : {"seq_scan", "seq_tup_read", "idx_scan", "idx_tup_fetch", "n_tup_ins", "n_tup_upd", "n_tup_del",
                        "n_tup_hot_upd", "n_live_tup", "n_dead_tup", "n_mod_since_analyze", "n_ins_since_vacuum"})
    stat_cols += std::string(c) == "n_live_tup"
                     ? ", CASE WHEN n.nspname NOT IN ('pg_catalog', 'information_schema') THEN CAST(c.reltuples AS "
                       "BIGINT) END AS n_live_tup"
                     : ", " + no_count + " AS " + c;
  for (const char *c : {"last_vacuum", "last_autovacuum", "last_analyze", "last_autoanalyze"})
    stat_cols += ", " + no_time + " AS " + c;
  for (const char *c : {"vacuum_count", "autovacuum_count", "analyze_count", "autoanalyze_count"})
    stat_cols += ", " + no_count + " AS " + c;
  add("CREATE VIEW " + q + "pg_stat_all_tables AS SELECT c.oid AS relid, n.nspname AS schemaname, c.relname" +
      stat_cols + " FROM " + q + "pg_class c JOIN " + q + "pg_namespace n ON n.oid = c.relnamespace "
      "WHERE c.relkind IN ('r', 'p', 'm')");
  add("CREATE VIEW " + q + "pg_stat_user_tables AS SELECT * FROM " + q + "pg_stat_all_tables "
      "WHERE schemaname NOT IN ('pg_catalog', 'information_schema')");
  add("CREATE VIEW " + q + "information_schema_schemata AS SELECT * REPLACE (current_database() AS catalog_name) "
      "FROM information_schema.schemata WHERE " + q + "listed(catalog_name, schema_name) AND catalog_name <> 'temp'");

  // x::int2/int4/int8 of a non-constant (sql::rewrite_for_duckdb): text as PostgreSQL's integer
  // input reads it (blanks, a sign, digits), where DuckDB would round '1.5'; other types as
  // DuckDB casts them (typeof is constant, so the test folds away for them).
  for (auto [fn, type, name] : {std::tuple{"cast_int2", "SMALLINT", "smallint"}, std::tuple{"cast_int4", "INTEGER", "integer"},
                                std::tuple{"cast_int8", "BIGINT", "bigint"}})
    add("CREATE MACRO " + q + fn + "(x) AS CASE WHEN typeof(x) = 'VARCHAR' AND NOT regexp_full_match(CAST(x AS VARCHAR), "
        "'\\s*[+-]?[0-9]+\\s*') THEN error('invalid input syntax for type " + name + ": \"' || CAST(x AS VARCHAR) || "
        "'\"') ELSE CAST(x AS " + type + ") END");
  // The divisor of `/` and `%` as PostgreSQL checks it (sql::rewrite_for_duckdb wraps it in this):
  // zero raises 22012 instead of DuckDB's NULL. duck::translate_error maps the message.
  add("CREATE MACRO " + q + "divisor(d) AS CASE WHEN d = 0 THEN error('division by zero') ELSE d END");
  // format_type over PostgreSQL OIDs, with PostgreSQL's SQL-standard spellings.
  add("CREATE MACRO " + q + "format_type(o, typmod) AS CASE WHEN o IS NULL THEN NULL ELSE coalesce("
      "(SELECT CASE WHEN mft.typcategory = 'A' AND mft.oid NOT IN (22, 30) THEN " + q + "format_base_type(mft.typelem, typmod) || '[]' "
      "ELSE " + q + "format_base_type(mft.oid, typmod) END FROM " + q + "pg_type mft WHERE mft.oid = o), '???') END");
  // format_named_type takes the type's name in pg_type (a join is much faster than the subquery).
  add("CREATE MACRO " + q + "format_named_type(o, typmod, typname) AS CASE o "
      "WHEN 16 THEN 'boolean' WHEN 18 THEN '\"char\"' WHEN 20 THEN 'bigint' WHEN 21 THEN 'smallint' "
      "WHEN 23 THEN 'integer' WHEN 700 THEN 'real' WHEN 701 THEN 'double precision' "
      "WHEN 1042 THEN 'character' || CASE WHEN typmod >= 5 THEN '(' || (typmod - 4) || ')' ELSE '' END "
      "WHEN 1043 THEN 'character varying' || CASE WHEN typmod >= 5 THEN '(' || (typmod - 4) || ')' ELSE '' END "
      "WHEN 1083 THEN 'time without time zone' WHEN 1114 THEN 'timestamp without time zone' "
      "WHEN 1184 THEN 'timestamp with time zone' WHEN 1266 THEN 'time with time zone' "
      "WHEN 1562 THEN 'bit varying' "
      "WHEN 1700 THEN CASE WHEN typmod IS NOT NULL AND typmod >= 4 THEN 'numeric(' || ((typmod - 4) >> 16) || ',' || "
      "((typmod - 4) & 65535) || ')' ELSE 'numeric' END "
      "ELSE typname END");
  add("CREATE MACRO " + q + "format_base_type(o, typmod) AS " + q + "format_named_type(o, typmod, "
      "(SELECT mb.typname FROM " + q + "base_types mb WHERE mb.oid = o))");
  // reg* casts. A name literal is looked up (schema-qualified or not, quoted or not); an OID is
  // shown as its name.
  add("CREATE MACRO " + q + "unquote_ident(s) AS CASE WHEN s LIKE '\"%\"' THEN replace(s[2:-2], '\"\"', '\"') "
      "ELSE lower(s) END");
  // Name lookups of ::regclass and friends; NULL when nothing has the name (to_regclass() and
  // friends), an error for the casts. "public" is main.
  add("CREATE MACRO " + q + "regclass_lookup(s) AS coalesce("
      "(SELECT mr.oid FROM " + q + "system_relations mr WHERE mr.relname = " + q + "unquote_ident("
      "regexp_replace(CAST(s AS VARCHAR), '^pg_catalog\\.', ''))), "
      "(SELECT mc.oid FROM " + q + "pg_class mc JOIN " + q + "pg_namespace mn ON mn.oid = mc.relnamespace "
      "WHERE mc.relname = " + q + "unquote_ident(regexp_extract(CAST(s AS VARCHAR), '([^.]+)$', 1)) "
      "AND (NOT contains(CAST(s AS VARCHAR), '.') OR mn.nspname = regexp_replace(" + q + "unquote_ident("
      "regexp_extract(CAST(s AS VARCHAR), '^([^.]+)\\.', 1)), '^public$', 'main')) ORDER BY mc.oid LIMIT 1))");
  add("CREATE MACRO " + q + "regclass_in(s) AS CASE WHEN regexp_full_match(CAST(s AS VARCHAR), '[0-9]+') "
      "THEN CAST(CAST(s AS VARCHAR) AS UINTEGER) ELSE coalesce(" + q + "regclass_lookup(s), "
      "error('relation \"' || CAST(s AS VARCHAR) || '\" does not exist')) END");
  add("CREATE MACRO " + q + "to_regclass(s) AS " + q + "regclass_lookup(s)");
  // Sequences owned by columns (serial) do not exist here.
  // The sequence PostgreSQL would name for a serial column (shown_default's), schema-qualified.
  // (A function of the server's: SQLAlchemy calls it for every column it reflects.)
  add("CREATE MACRO " + q + "pg_get_serial_sequence(t, c) AS __mallard_serial_sequence(CAST(t AS VARCHAR), "
      "CAST(c AS VARCHAR))");
  // setval() of a lake table's serial column, by its sequence's name (lake/sequences.hpp).
  add("CREATE MACRO " + q + "setval(s, v) AS CAST(__mallard_setval(CAST(s AS VARCHAR), "
      "CAST(CAST(v AS BIGINT) AS VARCHAR), 'true') AS BIGINT), (s, v, called) AS CAST(__mallard_setval("
      "CAST(s AS VARCHAR), CAST(CAST(v AS BIGINT) AS VARCHAR), CAST(CAST(called AS BOOLEAN) AS VARCHAR)) AS BIGINT)");
  add("CREATE MACRO " + q + "regclass_out(o) AS coalesce("
      "(SELECT mr.relname FROM " + q + "system_relations mr WHERE mr.oid = o), "
      "(SELECT mc.relname FROM " + q + "pg_class mc WHERE mc.oid = o LIMIT 1), CAST(o AS VARCHAR))");
  add("CREATE MACRO " + q + "regtype_lookup(s) AS coalesce("
      "(SELECT mt.oid FROM " + q + "pg_type mt WHERE mt.typname = " + q + "unquote_ident("
      "regexp_replace(CAST(s AS VARCHAR), '^pg_catalog\\.', ''))), "
      "(SELECT mt.oid FROM " + q + "pg_type mt WHERE " + q + "format_type(mt.oid, NULL) = lower(CAST(s AS VARCHAR))))");
  add("CREATE MACRO " + q + "regtype_in(s) AS coalesce(" + q + "regtype_lookup(s), "
      "error('type \"' || CAST(s AS VARCHAR) || '\" does not exist'))");
  add("CREATE MACRO " + q + "to_regtype(s) AS " + q + "regtype_lookup(s)");
  add("CREATE MACRO " + q + "regtype_out(o) AS CASE WHEN o IS NULL THEN NULL ELSE "
      "coalesce(" + q + "format_type(o, NULL), CAST(o AS VARCHAR)) END");
  add("CREATE MACRO " + q + "regnamespace_lookup(s) AS (SELECT mn.oid FROM " + q + "pg_namespace mn WHERE "
      "mn.nspname = regexp_replace(" + q + "unquote_ident(CAST(s AS VARCHAR)), '^public$', 'main'))");
  add("CREATE MACRO " + q + "regnamespace_in(s) AS coalesce(" + q + "regnamespace_lookup(s), "
      "error('schema \"' || CAST(s AS VARCHAR) || '\" does not exist'))");
  add("CREATE MACRO " + q + "to_regnamespace(s) AS " + q + "regnamespace_lookup(s)");
  add("CREATE MACRO " + q + "regnamespace_out(o) AS coalesce("
      "(SELECT mn.nspname FROM " + q + "pg_namespace mn WHERE mn.oid = o), CAST(o AS VARCHAR))");

  // Column types in PostgreSQL's spelling (data_type "character varying", udt_name "varchar").
  // A lake table's NOT NULL and defaults live on its staging table (as in pg_attribute).
  add("CREATE VIEW " + q + "information_schema_columns AS SELECT col.* REPLACE (current_database() AS table_catalog, " +
      q + "listed_schema(col.table_catalog, col.table_schema) AS table_schema, "
      "CASE WHEN " + q + "type_oid(col.data_type) IN (SELECT mb.typarray FROM " + q + "base_types mb) THEN 'ARRAY' "
      "WHEN " + q + "type_oid(col.data_type) = 1700 THEN 'numeric' "
      "ELSE coalesce(" + q + "format_named_type(ty.oid, NULL, ty.typname), lower(col.data_type)) END AS data_type, "
      "coalesce(ty.typname, lower(col.data_type)) AS udt_name, "
      "CASE WHEN ch.type_oid IS NULL THEN col.character_maximum_length ELSE ch.max_length END "
      "AS character_maximum_length, "
      "CASE WHEN ch.type_oid IS NULL THEN col.character_octet_length ELSE coalesce(ch.max_length * 4, 1073741824) END "
      "AS character_octet_length, "
      "CASE WHEN s.column_name IS NULL THEN col.is_nullable WHEN s.is_nullable THEN 'YES' ELSE 'NO' END AS is_nullable, "
      "coalesce(" + q + "shown_default(s.column_default, col.table_name, col.column_name), col.column_default) "
      "AS column_default, "
      "CASE WHEN col.data_type LIKE 'DECIMAL(%' AND " + q + "type_mod(col.data_type) = -1 THEN NULL "
      "ELSE col.numeric_precision END AS numeric_precision, "
      "CASE WHEN col.data_type LIKE 'DECIMAL(%' AND " + q + "type_mod(col.data_type) = -1 THEN NULL "
      "ELSE col.numeric_scale END AS numeric_scale) "
      // A table the open transaction changed the columns of: as its row view has them.
      "FROM (SELECT mi.* FROM information_schema.columns mi WHERE NOT EXISTS ("
      "SELECT 1 FROM " + q + "altered_tables ma WHERE mi.table_catalog = current_database() AND "
      "ma.schema_name = mi.table_schema AND ma.table_name = mi.table_name AND ma.row_view IS NOT NULL) "
      "UNION ALL SELECT mi.* REPLACE (ma.schema_name AS table_schema, ma.table_name AS table_name) "
      "FROM information_schema.columns mi JOIN " + q + "altered_tables ma ON mi.table_catalog = current_database() "
      "AND mi.table_schema = '__mallard' AND mi.table_name = ma.row_view) col " +
      lake_column_joins("col.table_catalog", "col.table_schema", "col.table_name", "col.column_name") +
      "LEFT JOIN " + q + "pg_type ty ON ty.oid = coalesce(ch.type_oid, " + q + "type_oid(col.data_type)) "
      "WHERE " + q + "listed(col.table_catalog, col.table_schema)");
  add_tool_catalog(s, q);
  return s;
}

// Each table of the snapshot the views show, with its schema's name.
template <class Fn>
void each_lake_table(const ShownSnapshot &shown, Fn fn) {
  auto snap = shown();
  if (!snap) return;
  for (const auto &[id, table] : snap->tables)
    if (auto schema = snap->schemas.find(table->schema_id); schema != snap->schemas.end())
      fn(schema->second.name, table.get(), *snap);
}

// The server's state that catalog views read (pg_stat_activity, pg_locks) and the signals
// sessions send each other. Registered in the warehouse's own DuckDB instance, so a session sees
// only its warehouse's sessions.
void register_server_functions(duck::Connection &conn, Activity &activity, AdvisoryLocks &locks, ShownSnapshot shown) {
  using duck::Cell;
  // Each lake table's live rows and data bytes, as the lake's statistics keep them.
  // pg_get_serial_sequence(table, column) of a lake table's serial column: the name PostgreSQL's
  // sequence would have, as the catalogs show its default; NULL for any other column.
  conn.register_variadic_text_function(
      "__mallard_serial_sequence", [shown](const std::vector<std::optional<std::string_view>> &args) -> std::optional<std::string> {
        if (args.size() != 2 || !args[0] || !args[1]) return std::nullopt;
        auto snap = shown();
        if (!snap) return std::nullopt;
        auto parts = split_qualified_name(*args[0]);  // [schema.]table
        std::string schema = parts.size() > 1 ? parts[parts.size() - 2] : "main";
        if (schema == "public") schema = "main";
        const lake::Schema *sc = snap->schema(schema);
        const lake::Table *t = sc ? snap->table(sc->id, parts.back()) : nullptr;
        auto serial = t ? lake::serial_column(schema, *t, std::string(*args[1])) : std::nullopt;
        if (!serial) return std::nullopt;
        return lake::sequence_name(*serial);
      });
  // The lake tables' PRIMARY KEY, UNIQUE and FOREIGN KEY constraints and indexes, a row per key
  // column: the key's number in its table, whether it is the primary key, its name, the column's
  // name and 0-based position in the table, whether it is unique and whether CREATE INDEX made
  // it; for a foreign key, the referenced table, column (name and position), whether it is
  // deferrable and initially deferred, and its update and delete actions (PostgreSQL's letters).
  conn.register_table_function(
      {"__mallard_lake_keys",
       {{"schema_name", DUCKDB_TYPE_VARCHAR}, {"table_name", DUCKDB_TYPE_VARCHAR}, {"key_index", DUCKDB_TYPE_BIGINT},
        {"is_primary", DUCKDB_TYPE_BIGINT}, {"key_name", DUCKDB_TYPE_VARCHAR}, {"column_name", DUCKDB_TYPE_VARCHAR},
        {"column_index", DUCKDB_TYPE_BIGINT}, {"key_position", DUCKDB_TYPE_BIGINT}, {"is_unique", DUCKDB_TYPE_BIGINT},
        {"is_index", DUCKDB_TYPE_BIGINT}, {"ref_schema", DUCKDB_TYPE_VARCHAR}, {"ref_table", DUCKDB_TYPE_VARCHAR},
        {"ref_column", DUCKDB_TYPE_VARCHAR}, {"ref_column_index", DUCKDB_TYPE_BIGINT},
        {"is_deferrable", DUCKDB_TYPE_BIGINT}, {"is_deferred", DUCKDB_TYPE_BIGINT}, {"update_rule", DUCKDB_TYPE_VARCHAR},
        {"delete_rule", DUCKDB_TYPE_VARCHAR}},
       [shown] {
         std::vector<std::vector<Cell>> out;
         each_lake_table(shown, [&](const std::string &schema, const lake::Table *table, const lake::Snapshot &snap) {
           for (size_t k = 0; k < table->keys.size(); ++k) {
             const auto &key = table->keys[k];
             std::string name = lake::key_name(*table, key);
             // The referenced table (gone: the key is not shown).
             const lake::Table *ref = nullptr;
             std::string ref_schema;
             if (key.references) {
               auto t = snap.tables.find(key.references->table);
               if (t == snap.tables.end()) continue;
               ref = t->second.get();
               auto sc = snap.schemas.find(ref->schema_id);
               if (sc == snap.schemas.end()) continue;
               ref_schema = sc->second.name;
             }
             for (size_t p = 0; p < key.columns.size(); ++p)
               for (size_t c = 0; c < table->columns.size(); ++c) {
                 if (table->columns[c].id != key.columns[p]) continue;
                 std::vector<Cell> row{Cell{schema}, Cell{table->name}, Cell{int64_t(k)}, Cell{int64_t(key.primary)},
                                       Cell{name}, Cell{table->columns[c].name}, Cell{int64_t(c)}, Cell{int64_t(p)},
                                       Cell{int64_t(key.unique)}, Cell{int64_t(key.index)}};
                 row.resize(18);
                 if (ref) {
                   const auto &r = *key.references;
                   for (size_t rc = 0; rc < ref->columns.size(); ++rc)
                     if (ref->columns[rc].id == r.columns[p]) {
                       row[12] = Cell{ref->columns[rc].name};
                       row[13] = Cell{int64_t(rc)};
                     }
                   row[10] = Cell{ref_schema};
                   row[11] = Cell{ref->name};
                   row[14] = Cell{int64_t(r.deferrable)};
                   row[15] = Cell{int64_t(r.deferred)};
                   row[16] = Cell{std::string(1, r.on_update)};
                   row[17] = Cell{std::string(1, r.on_delete)};
                 }
                 out.push_back(std::move(row));
               }
           }
         });
         return out;
       }});
  // The lake tables' columns declared character varying [(n)] or character(n): PostgreSQL's type
  // (1043 or 1042), type modifier (n + 4, or -1) and length, which DuckDB's text type lacks.
  conn.register_table_function(
      {"__mallard_lake_char_columns",
       {{"schema_name", DUCKDB_TYPE_VARCHAR}, {"table_name", DUCKDB_TYPE_VARCHAR}, {"column_name", DUCKDB_TYPE_VARCHAR},
        {"type_oid", DUCKDB_TYPE_BIGINT}, {"type_mod", DUCKDB_TYPE_BIGINT}, {"max_length", DUCKDB_TYPE_BIGINT}},
       [shown] {
         std::vector<std::vector<Cell>> out;
         each_lake_table(shown, [&](const std::string &schema, const lake::Table *table, const lake::Snapshot &) {
           for (const auto &c : table->columns)
             if (const auto &t = c.char_type)
               out.push_back({Cell{schema}, Cell{table->name}, Cell{c.name}, Cell{lake::pg_type_oid(*t)},
                              Cell{lake::pg_typmod(*t)}, t->length > 0 ? Cell{t->length} : Cell{}});
         });
         return out;
       }});
  conn.register_table_function(
      {"__mallard_lake_tables",
       {{"schema_name", DUCKDB_TYPE_VARCHAR}, {"table_name", DUCKDB_TYPE_VARCHAR}, {"record_count", DUCKDB_TYPE_BIGINT},
        {"data_bytes", DUCKDB_TYPE_BIGINT}, {"key_count", DUCKDB_TYPE_BIGINT}, {"reference_count", DUCKDB_TYPE_BIGINT}},
       [shown = std::move(shown)] {
         // key_count: keys and indexes (a foreign key is no index); reference_count: foreign keys
         // of the table, and of others to it.
         std::vector<std::vector<Cell>> out;
         std::map<int64_t, int64_t> references;
         each_lake_table(shown, [&](const std::string &, const lake::Table *table, const lake::Snapshot &) {
           for (const auto &k : table->keys)
             if (k.references) ++references[table->id], ++references[k.references->table];
         });
         each_lake_table(shown, [&](const std::string &schema, const lake::Table *table, const lake::Snapshot &) {
           int64_t bytes = 0;
           for (const auto &f : table->files) bytes += f.file_size;
           auto indexes = std::count_if(table->keys.begin(), table->keys.end(), [](const lake::Key &k) { return !k.references; });
           auto r = references.find(table->id);
           out.push_back({Cell{schema}, Cell{table->name}, Cell{table->record_count}, Cell{bytes}, Cell{int64_t(indexes)},
                          Cell{r == references.end() ? int64_t(0) : r->second}});
         });
         return out;
       }});
  auto text_or_null = [](const std::string &v) { return v.empty() ? Cell{} : Cell{v}; };
  auto positive_or_null = [](int64_t v) { return v > 0 ? Cell{v} : Cell{}; };
  conn.register_table_function(
      {"__mallard_activity",
       {{"pid", DUCKDB_TYPE_BIGINT}, {"usename", DUCKDB_TYPE_VARCHAR}, {"application_name", DUCKDB_TYPE_VARCHAR},
        {"client_addr", DUCKDB_TYPE_VARCHAR}, {"client_port", DUCKDB_TYPE_BIGINT}, {"backend_start", DUCKDB_TYPE_BIGINT},
        {"xact_start", DUCKDB_TYPE_BIGINT}, {"query_start", DUCKDB_TYPE_BIGINT}, {"state_change", DUCKDB_TYPE_BIGINT},
        {"state", DUCKDB_TYPE_VARCHAR}, {"query", DUCKDB_TYPE_VARCHAR}},
       [&activity, text_or_null, positive_or_null] {
         std::vector<std::vector<Cell>> out;
         for (auto &r : activity.rows())
           out.push_back({Cell{int64_t(r.pid)}, Cell{r.user}, Cell{r.application_name}, text_or_null(r.client_addr),
                          r.client_port >= 0 ? Cell{int64_t(r.client_port)} : Cell{}, positive_or_null(r.backend_start),
                          positive_or_null(r.xact_start), positive_or_null(r.query_start),
                          positive_or_null(r.state_change), Cell{r.state}, Cell{r.query}});
         return out;
       }});
  // An advisory lock's key as PostgreSQL shows it: one bigint in (classid, objid) as its high and
  // low halves with objsubid 1; two integers as (classid, objid) with objsubid 2.
  conn.register_table_function(
      {"__mallard_locks",
       {{"classid", DUCKDB_TYPE_BIGINT}, {"objid", DUCKDB_TYPE_BIGINT}, {"objsubid", DUCKDB_TYPE_BIGINT},
        {"pid", DUCKDB_TYPE_BIGINT}, {"mode", DUCKDB_TYPE_VARCHAR}, {"granted", DUCKDB_TYPE_BOOLEAN},
        {"wait_start", DUCKDB_TYPE_BIGINT}},
       [&locks, positive_or_null] {
         std::vector<std::vector<Cell>> out;
         for (auto &l : locks.locks()) {
           auto key = static_cast<uint64_t>(l.key.first);
           out.push_back({Cell{int64_t(key >> 32)}, Cell{int64_t(key & 0xFFFFFFFFu)}, Cell{int64_t(l.key.second)},
                          Cell{int64_t(l.owner)},
                          Cell{std::string(l.mode == AdvisoryLocks::Mode::kExclusive ? "ExclusiveLock" : "ShareLock")},
                          Cell{int64_t(l.granted)}, positive_or_null(l.wait_start_us)});
         }
         return out;
       }});
  // format(formatstr, args...) (sql::rewrite_for_duckdb passes every argument as text), and the
  // quoting it shares with quote_ident and quote_literal.
  conn.register_variadic_text_function("__mallard_format", [](const std::vector<std::optional<std::string_view>> &args)
                                                               -> std::optional<std::string> {
    if (args.empty() || !args[0]) return std::nullopt;
    std::vector<std::optional<std::string>> rest;
    for (size_t i = 1; i < args.size(); ++i) rest.emplace_back(args[i] ? std::optional<std::string>(*args[i]) : std::nullopt);
    return pg_format(*args[0], rest);
  });
  conn.register_text_function("__mallard_quote_ident", 1, [](const std::vector<std::string_view> &args) {
    return pg_quote_ident(args[0]);
  });
  conn.register_text_function("__mallard_quote_literal", 1, [](const std::vector<std::string_view> &args) {
    return pg_quote_literal(args[0]);
  });
  // jsonb's operators, under the operator names sql::rewrite_for_duckdb gives them (kJsonbHasKey
  // and the others in common/pg_compat.hpp).
  using Kind = duck::Connection::TextKind;
  auto truth = [](bool b) -> std::optional<std::string> { return std::string(b ? "t" : "f"); };
  conn.register_items_function(kJsonbHasKey, {Kind::kJson, Kind::kText}, Kind::kBool,
                               [truth](const auto &a) { return truth(jsonb_has_key(*a[0][0], *a[1][0])); });
  conn.register_items_function(kJsonbHasAnyKey, {Kind::kJson, Kind::kTextArray}, Kind::kBool,
                               [truth](const auto &a) { return truth(jsonb_has_keys(*a[0][0], a[1], false)); });
  conn.register_items_function(kJsonbHasAllKeys, {Kind::kJson, Kind::kTextArray}, Kind::kBool,
                               [truth](const auto &a) { return truth(jsonb_has_keys(*a[0][0], a[1], true)); });
  conn.register_items_function(kJsonbContains, {Kind::kJson, Kind::kJson}, Kind::kBool,
                               [truth](const auto &a) { return truth(jsonb_contains(*a[0][0], *a[1][0])); });
  conn.register_items_function(kJsonbContainedBy, {Kind::kJson, Kind::kJson}, Kind::kBool,
                               [truth](const auto &a) { return truth(jsonb_contains(*a[1][0], *a[0][0])); });
  conn.register_items_function(kJsonbConcat, {Kind::kJson, Kind::kJson}, Kind::kJson,
                               [](const auto &a) -> std::optional<std::string> { return jsonb_concat(*a[0][0], *a[1][0]); });
  // jsonb_set(target, path, value [, create_missing]) (sql::rewrite_for_duckdb reads a literal path).
  auto set = [](const auto &a) -> std::optional<std::string> {
    return jsonb_set(*a[0][0], a[1], *a[2][0], a.size() < 4 || *a[3][0] == "t");
  };
  conn.register_items_function("__mallard_jsonb_set", {Kind::kJson, Kind::kTextArray, Kind::kJson}, Kind::kJson, set);
  conn.register_items_function("__mallard_jsonb_set", {Kind::kJson, Kind::kTextArray, Kind::kJson, Kind::kBool},
                               Kind::kJson, set);
  // x SIMILAR TO pattern [ESCAPE e] (sql::rewrite_for_duckdb passes the pattern through this).
  conn.register_text_function("__mallard_similar_regex", 2, [](const std::vector<std::string_view> &args) {
    return similar_to_regex(args[0], args[1]);
  });
  // clock_timestamp(): the wall clock now (DuckDB's now() is the transaction's start), as text
  // DuckDB reads as a timestamptz.
  conn.register_text_function("__mallard_clock", 0, [](const std::vector<std::string_view> &) {
    auto us = std::chrono::duration_cast<std::chrono::microseconds>(std::chrono::system_clock::now().time_since_epoch())
                  .count();
    return std::to_string(us);
  });
  // to_char(number, template) (sql::rewrite_for_duckdb passes the number's text and type).
  conn.register_text_function("__mallard_to_char_number", 3, [](const std::vector<std::string_view> &args) {
    return format_number(parse_number_template(args[1]), args[0], args[2] == "DOUBLE" || args[2] == "FLOAT");
  });
  conn.register_predicate("__mallard_cancel_backend",
                          [&activity](int64_t pid) { return activity.cancel(static_cast<int32_t>(pid)); });
  conn.register_predicate("__mallard_terminate_backend",
                          [&activity](int64_t pid) { return activity.terminate(static_cast<int32_t>(pid)); });
}

}  // namespace

void install_pg_catalog(duck::Connection &conn, Activity &activity, AdvisoryLocks &locks, ShownSnapshot shown,
                        SetSequence setval) {
  register_server_functions(conn, activity, locks, std::move(shown));
  // Volatile: a setval() in a prepared statement runs at every execution, not once when planned.
  conn.register_variadic_text_function(
      "__mallard_setval",
      [setval = std::move(setval)](const std::vector<std::optional<std::string_view>> &args) -> std::optional<std::string> {
        if (args.size() != 3 || !args[0] || !args[1] || !args[2]) return std::nullopt;
        setval(*args[0], std::stoll(std::string(*args[1])), *args[2] == "true");
        return std::string(*args[1]);
      },
      true);
  conn.register_type_alias(DUCKDB_TYPE_VARCHAR, "pg_char");
  conn.register_type_alias(DUCKDB_TYPE_VARCHAR, "pg_oidvector");
  conn.query(std::string("ATTACH IF NOT EXISTS ':memory:' AS ") + kCatalogDb);
  // One statement at a time, so that a statement DuckDB refuses is named in the error.
  std::string all = statements();
  for (size_t at = 0; at < all.size();) {
    size_t end = all.find(";\n", at);
    if (end == std::string::npos) end = all.size();
    std::string one = all.substr(at, end - at);
    at = end + 2;
    try {
      conn.query(one);
    } catch (const Error &e) {
      throw Error(e.sqlstate(), "pg_catalog emulation: " + e.message() + " in: " + one.substr(0, 200));
    }
  }
}

}  // namespace mallard::control
