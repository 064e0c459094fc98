// sql::rewrite_for_duckdb: the division check wraps exactly the divisor, and statements with
// nothing to translate come back unchanged.
#include <gtest/gtest.h>

#include "common/error.hpp"
#include "sql/rewrite.hpp"

using mallard::sql::rewrite_for_duckdb;

namespace {

const std::string D = "pg_compat.main.divisor(";

TEST(RewriteDivision, WrapsTheDivisorOnly) {
  EXPECT_EQ(rewrite_for_duckdb("SELECT a / b"), "SELECT a / " + D + "b)");
  EXPECT_EQ(rewrite_for_duckdb("SELECT a % 3"), "SELECT a % " + D + "3)");
  EXPECT_EQ(rewrite_for_duckdb("SELECT a // b"), "SELECT a // " + D + "b)");
  EXPECT_EQ(rewrite_for_duckdb("SELECT a / b + c"), "SELECT a / " + D + "b) + c");
  EXPECT_EQ(rewrite_for_duckdb("SELECT a / b * c"), "SELECT a / " + D + "b) * c");
  EXPECT_EQ(rewrite_for_duckdb("SELECT a / -b"), "SELECT a / " + D + "-b)");
  EXPECT_EQ(rewrite_for_duckdb("SELECT a /-b"), "SELECT a /" + D + "-b)");
  EXPECT_EQ(rewrite_for_duckdb("SELECT a / b ^ 2"), "SELECT a / " + D + "b ^ 2)");
  EXPECT_EQ(rewrite_for_duckdb("SELECT a / t.b::numeric(10, 2)[1]"), "SELECT a / " + D + "t.b::numeric(10, 2)[1])");
  EXPECT_EQ(rewrite_for_duckdb("SELECT a / b::double precision"), "SELECT a / " + D + "b::double precision)");
  EXPECT_EQ(rewrite_for_duckdb("SELECT a / (b - 1)"), "SELECT a / " + D + "(b - 1))");
  EXPECT_EQ(rewrite_for_duckdb("SELECT a / $1::integer"), "SELECT a / " + D + "$1::integer)");
  EXPECT_EQ(rewrite_for_duckdb("SELECT a / sum(b) OVER (PARTITION BY c)"),
            "SELECT a / " + D + "sum(b) OVER (PARTITION BY c))");
  EXPECT_EQ(rewrite_for_duckdb("SELECT a / count(*) FILTER (WHERE b)"), "SELECT a / " + D + "count(*) FILTER (WHERE b))");
  EXPECT_EQ(rewrite_for_duckdb("SELECT a / CASE WHEN b THEN 1 ELSE CASE WHEN c THEN 2 END END FROM t"),
            "SELECT a / " + D + "CASE WHEN b THEN 1 ELSE CASE WHEN c THEN 2 END END) FROM t");
  EXPECT_EQ(rewrite_for_duckdb("SELECT a / (SELECT count(*) FROM t)"),
            "SELECT a / " + D + "(SELECT count(*) AS \"count\" FROM t))");
  EXPECT_EQ(rewrite_for_duckdb("SELECT x / interval '1 day'"), "SELECT x / " + D + "interval '1 day')");
  EXPECT_EQ(rewrite_for_duckdb("SELECT a / (b / c)"), "SELECT a / " + D + "(b / " + D + "c)))");
  EXPECT_EQ(rewrite_for_duckdb("SELECT a / b / c"), "SELECT a / " + D + "b) / " + D + "c)");
}

TEST(RewriteDivision, LeavesOtherSlashesAlone) {
  for (const char *s : {"SELECT '1/0', 'a%'", "SELECT 1 /* 1/0 */", "SELECT 1 -- 1/0", "SELECT $$1/0$$",
                        "SELECT \"a/b\" FROM t", "CREATE VIEW v AS SELECT a / b FROM t",
                        "ALTER TABLE t ADD CHECK (a / b > 0)"})
    EXPECT_EQ(rewrite_for_duckdb(s), s) << s;
  // A bare parameter keeps the type DuckDB infers from the dividend.
  EXPECT_EQ(rewrite_for_duckdb("SELECT a / $1, b % -$2"), "SELECT a / $1, b % -$2");
  // Forms whose extent is not certain are left as they are rather than guessed.
  EXPECT_EQ(rewrite_for_duckdb("SELECT a / b AT TIME ZONE 'UTC'"), "SELECT a / b AT TIME ZONE 'UTC'");
}

TEST(RewriteDivision, StatementsWithoutTriggersAreUntouched) {
  std::string s = "SELECT a, b + c * 2 FROM t WHERE d = $1";
  EXPECT_EQ(rewrite_for_duckdb(s), s);
}

}  // namespace

namespace {

TEST(RewriteFunctionAlias, SingleColumnFunctionAliasNamesTheColumn) {
  EXPECT_EQ(rewrite_for_duckdb("SELECT g FROM generate_series(1, 3) g"), "SELECT g FROM generate_series(1, 3) g(g)");
  EXPECT_EQ(rewrite_for_duckdb("SELECT x FROM t, unnest(t.a) AS x WHERE x > 1"),
            "SELECT x FROM t, unnest(t.a) AS x(x) WHERE x > 1");
  // Already a column alias, no alias, or not in FROM: unchanged.
  for (const char *s : {"SELECT g FROM generate_series(1, 3) AS g(x)", "SELECT * FROM generate_series(1, 3) WHERE true",
                        "SELECT a, unnest(b) x FROM t", "SELECT unnest(b) AS x FROM t"})
    EXPECT_EQ(rewrite_for_duckdb(s), s) << s;
}

TEST(RewriteRegex, PatternMatchesAnywhereAsInPostgres) {
  EXPECT_EQ(rewrite_for_duckdb("SELECT a ~ '^x'"), "SELECT a ~ pg_compat.main.regex_anywhere('^x')");
  EXPECT_EQ(rewrite_for_duckdb("SELECT a !~ 'x' COLLATE \"C\""), "SELECT a !~ pg_compat.main.regex_anywhere('x') ");
  EXPECT_EQ(rewrite_for_duckdb("SELECT a ~* $1"), "SELECT a ~ pg_compat.main.regex_anywhere_i($1)");
  // Prefix ~ is bitwise NOT.
  EXPECT_EQ(rewrite_for_duckdb("SELECT ~5, a WHERE ~b = 1"), "SELECT ~5, a WHERE ~b = 1");
  // A pattern built with operators binds looser than the match: left alone.
  EXPECT_EQ(rewrite_for_duckdb("SELECT a ~ 'x' || b"), "SELECT a ~ 'x' || b");
}

}  // namespace

namespace {

TEST(RewriteNames, BareCallsInTheSelectListAreNamedAfterTheFunction) {
  EXPECT_EQ(rewrite_for_duckdb("SELECT version()"), "SELECT pg_compat.main.version() AS \"version\"");
  EXPECT_EQ(rewrite_for_duckdb("SELECT current_schema(), 1"), "SELECT current_schema() AS \"current_schema\", 1");
  // Not a bare select item: no alias.
  EXPECT_EQ(rewrite_for_duckdb("SELECT version() AS v"), "SELECT pg_compat.main.version() AS v");
  // The outer call names the column.
  EXPECT_EQ(rewrite_for_duckdb("SELECT lower(version())"), "SELECT lower(pg_compat.main.version()) AS \"lower\"");
  // Any function: aggregates too (DuckDB would say count_star() and sum(x)); not CAST, not
  // calls followed by OVER or FILTER, not in FROM.
  EXPECT_EQ(rewrite_for_duckdb("SELECT count(*), sum(x) FROM t"),
            "SELECT count(*) AS \"count\", sum(x) AS \"sum\" FROM t");
  EXPECT_EQ(rewrite_for_duckdb("SELECT CAST(x AS text), sum(x) OVER () FROM t"),
            "SELECT CAST(x AS text), sum(x) OVER () FROM t");
  EXPECT_EQ(rewrite_for_duckdb("SELECT * FROM range(3)"), "SELECT * FROM range(3)");
  EXPECT_EQ(rewrite_for_duckdb("SELECT 1 FROM t WHERE current_schema() = 'x'"),
            "SELECT 1 FROM t WHERE current_schema() = 'x'");
}

TEST(RewriteNames, SessionUserIsTheConnectedUser) {
  const std::string u = "coalesce(getvariable('mallard_user'), 'mallard')";
  EXPECT_EQ(rewrite_for_duckdb("SELECT current_user"), "SELECT " + u + " AS current_user");
  EXPECT_EQ(rewrite_for_duckdb("SELECT 1 WHERE session_user = 'a'"), "SELECT 1 WHERE " + u + " = 'a'");
}

TEST(RewriteRegclass, NameLookupWhenCastOnToOid) {
  EXPECT_EQ(rewrite_for_duckdb("SELECT ('\"s\".' || t)::regclass::oid"),
            "SELECT pg_compat.main.regclass_in(('\"s\".' || t))::UINTEGER");
  EXPECT_EQ(rewrite_for_duckdb("SELECT c.oid::regclass FROM c"), "SELECT pg_compat.main.regclass_out(c.oid) FROM c");
}

}  // namespace

namespace {

// A bare numeric holds any value in PostgreSQL: it becomes DECIMAL(38,10) where it names a type,
// never where it names a column, and numeric(p,s) stays as written.
TEST(RewriteNumeric, BareNumericIsWideWhereItNamesAType) {
  const std::string N = "DECIMAL(38,10)";
  EXPECT_EQ(rewrite_for_duckdb("SELECT 1.5::numeric, CAST(x AS decimal), numeric '2'"),
            "SELECT 1.5::" + N + ", CAST(x AS " + N + "), " + N + " '2'");
  EXPECT_EQ(rewrite_for_duckdb("SELECT x::pg_catalog.numeric"), "SELECT x::" + N);
  EXPECT_EQ(rewrite_for_duckdb("SELECT x::numeric[], x::numeric(10,2)"), "SELECT x::" + N + "[], x::numeric(10,2)");
  EXPECT_EQ(rewrite_for_duckdb("CREATE TABLE IF NOT EXISTS s.t (a numeric, b numeric(5,1), c decimal NOT NULL)"),
            "CREATE TABLE IF NOT EXISTS s.t (a " + N + ", b numeric(5,1), c " + N + " NOT NULL)");
  EXPECT_EQ(rewrite_for_duckdb("ALTER TABLE t ADD COLUMN a numeric"), "ALTER TABLE t ADD COLUMN a " + N);
  EXPECT_EQ(rewrite_for_duckdb("ALTER TABLE t ADD a numeric"), "ALTER TABLE t ADD a " + N);
  EXPECT_EQ(rewrite_for_duckdb("ALTER TABLE t ALTER COLUMN a TYPE numeric"), "ALTER TABLE t ALTER COLUMN a TYPE " + N);
  // Columns called numeric.
  EXPECT_EQ(rewrite_for_duckdb("SELECT numeric, t.numeric FROM t WHERE numeric > 1 ORDER BY numeric"),
            "SELECT numeric, t.numeric FROM t WHERE numeric > 1 ORDER BY numeric");
  EXPECT_EQ(rewrite_for_duckdb("SELECT 1 AS numeric FROM t"), "SELECT 1 AS numeric FROM t");
  EXPECT_EQ(rewrite_for_duckdb("INSERT INTO t (a, numeric) VALUES (1, 2)"), "INSERT INTO t (a, numeric) VALUES (1, 2)");
  EXPECT_EQ(rewrite_for_duckdb("SELECT 1 FROM t WHERE f(a, numeric)"), "SELECT 1 FROM t WHERE f(a, numeric)");
  EXPECT_EQ(rewrite_for_duckdb("SELECT CAST(x AS pg_catalog.numeric)"), "SELECT CAST(x AS " + N + ")");
}

// A string constant cast to an integer type follows PostgreSQL's integer input: digits only, and
// in range (DuckDB would round '1.5' to 2).
TEST(RewriteNumeric, IntegerConstantsAreReadAsPostgresReadsThem) {
  EXPECT_EQ(rewrite_for_duckdb("SELECT '12'::int, ' -5 '::int2, '-32768'::smallint, '+7'::int8"),
            "SELECT '12'::int, ' -5 '::int2, '-32768'::smallint, '+7'::int8");
  EXPECT_EQ(rewrite_for_duckdb("SELECT '-9223372036854775808'::bigint"), "SELECT '-9223372036854775808'::bigint");
  auto sqlstate_of = [](const std::string &q) {
    try {
      rewrite_for_duckdb(q);
    } catch (const mallard::Error &e) {
      return std::string(e.sqlstate()) + " " + e.message();
    }
    return std::string("no error");
  };
  EXPECT_EQ(sqlstate_of("SELECT '1.5'::int"), "22P02 invalid input syntax for type integer: \"1.5\"");
  EXPECT_EQ(sqlstate_of("SELECT ''::bigint"), "22P02 invalid input syntax for type bigint: \"\"");
  EXPECT_EQ(sqlstate_of("SELECT 'abc'::pg_catalog.int4"), "22P02 invalid input syntax for type integer: \"abc\"");
  EXPECT_EQ(sqlstate_of("SELECT '32768'::int2"), "22003 value \"32768\" is out of range for type smallint");
  EXPECT_EQ(sqlstate_of("SELECT '9223372036854775808'::int8"),
            "22003 value \"9223372036854775808\" is out of range for type bigint");
  EXPECT_EQ(sqlstate_of("SELECT 'a' || '1'::int"), "no error");
}

TEST(RewriteTypes, JsonbIsJson) {
  EXPECT_EQ(rewrite_for_duckdb("SELECT '{}'::jsonb, CAST(x AS jsonb), '[]'::pg_catalog.jsonb FROM t"),
            "SELECT '{}'::JSON, CAST(x AS JSON), '[]'::JSON FROM t");
  EXPECT_EQ(rewrite_for_duckdb("CREATE TABLE t (id int, doc jsonb, docs jsonb[])"),
            "CREATE TABLE t (id int, doc JSON, docs JSON[])");
  EXPECT_EQ(rewrite_for_duckdb("ALTER TABLE t ADD COLUMN d jsonb"), "ALTER TABLE t ADD COLUMN d JSON");
  EXPECT_EQ(rewrite_for_duckdb("SELECT jsonb FROM t"), "SELECT jsonb FROM t");  // a column named jsonb
}

TEST(RewriteTypes, IntervalConstantsInPostgresFormsDuckDbDoesNotRead) {
  EXPECT_EQ(rewrite_for_duckdb("SELECT 'P1DT2H'::interval, INTERVAL '1-2', CAST('1 2:03:04' AS interval)"),
            "SELECT '0 months 1 days 7200000000 microseconds'::interval, "
            "INTERVAL '14 months 0 days 0 microseconds', CAST('0 months 1 days 7384000000 microseconds' AS interval)");
  EXPECT_EQ(rewrite_for_duckdb("SELECT '1 day'::interval, interval '2 hours'"),
            "SELECT '1 day'::interval, interval '2 hours'");
}

TEST(RewriteFunctions, QualifiedToChar) {
  EXPECT_EQ(rewrite_for_duckdb("SELECT pg_catalog.to_char(d, 'YYYY') FROM t"),
            rewrite_for_duckdb("SELECT to_char(d, 'YYYY') FROM t"));
}

// Other operands cast to an integer type go through a macro that reads text as PostgreSQL does;
// parameters, numbers and operands that are themselves cast keep the plain cast.
TEST(RewriteNumeric, IntegerCastsOfExpressionsCheckText) {
  EXPECT_EQ(rewrite_for_duckdb("SELECT v::int, t.v::int8, lower(v)::smallint, (a + b)::integer FROM t"),
            "SELECT pg_compat.main.cast_int4(v), pg_compat.main.cast_int8(t.v), pg_compat.main.cast_int2(lower(v)), "
            "pg_compat.main.cast_int4((a + b)) FROM t");
  EXPECT_EQ(rewrite_for_duckdb("SELECT CAST(v AS int), CAST(lower(v) AS pg_catalog.int8) FROM t"),
            "SELECT pg_compat.main.cast_int4(v), pg_compat.main.cast_int8(lower(v)) FROM t");
  for (const char *q : {"SELECT $1::int", "SELECT 1.5::int", "SELECT v::text::int FROM t", "SELECT v::int[] FROM t",
                        "SELECT v::interval FROM t", "SELECT CAST($1 AS int)", "SELECT CAST($1 + 1 AS int)",
                        "SELECT CAST(2.5 AS bigint)", "SELECT CAST(v AS text) FROM t",
                        // stored by DuckDB (and the lake): must not name the compatibility database
                        "CREATE VIEW w AS SELECT v::int, CAST(v AS int8) FROM t"})
    EXPECT_EQ(rewrite_for_duckdb(q), q);
}

}  // namespace
