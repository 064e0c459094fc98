// What drivers and frameworks send that DuckDB reads differently or not at all: row-locking
// clauses, LIKE with ANY/ALL, set_config(), the settings they SET on connect, the catalog
// functions they call, FETCH from a cursor through the extended protocol, and information_schema
// listings. Every test also runs against PostgreSQL 15 itself in reference mode.

#include <arpa/inet.h>
#include <unistd.h>

#include <algorithm>
#include <cstring>
#include <optional>
#include <string>
#include <vector>

#include "support/server.hpp"

namespace mallard::it {
namespace {

class ClientCompat : public ServerSuite<ClientCompat> {};

std::string expected_schema() { return reference_mode() ? "public" : "main"; }

// Each `SELECT expr` answers `expected` ("<NULL>" for NULL).
struct ValueCase {
  const char *expr, *expected;
};
void expect_values(PGconn *c, std::initializer_list<ValueCase> cases) {
  for (const auto &k : cases) EXPECT_EQ(query_value(c, std::string("SELECT ") + k.expr), k.expected) << k.expr;
}

TEST_F(ClientCompat, RowLockingClausesAreAcceptedAndChangeNothing) {
  Conn c = conn();
  ASSERT_TRUE(c);
  exec_ok(c.get(), "DROP TABLE IF EXISTS locked");
  exec_ok(c.get(), "CREATE TABLE locked (id integer, v text)");
  exec_ok(c.get(), "INSERT INTO locked VALUES (1, 'a'), (2, 'b')");
  exec_ok(c.get(), "BEGIN");
  for (const char *q : {"SELECT id, v FROM locked ORDER BY id FOR UPDATE",
                        "SELECT id, v FROM locked ORDER BY id FOR NO KEY UPDATE OF locked SKIP LOCKED",
                        "SELECT id, v FROM locked ORDER BY id FOR SHARE NOWAIT",
                        "SELECT id, v FROM locked l ORDER BY id FOR KEY SHARE OF l FOR UPDATE OF l",
                        "SELECT id, v FROM public.locked ORDER BY id\n  FOR UPDATE"}) {
    auto rows = query_rows(c.get(), q);
    ASSERT_EQ(rows.size(), 2u) << q;
    EXPECT_EQ(*rows[1][1], "b") << q;
  }
  exec_ok(c.get(), "UPDATE locked SET v = 'c' WHERE id = 2");
  exec_ok(c.get(), "COMMIT");
  // Through the extended protocol too, with a parameter.
  const char *param = "2";
  Result r(PQexecParams(c.get(), "SELECT v FROM locked WHERE id = $1 FOR UPDATE", 1, nullptr, &param, nullptr, nullptr, 0));
  ASSERT_EQ(PQresultStatus(r.get()), PGRES_TUPLES_OK) << PQresultErrorMessage(r.get());
  EXPECT_EQ(std::string(PQgetvalue(r.get(), 0, 0)), "c");
  // The words stay what they are elsewhere: a column named "for" is not a locking clause.
  EXPECT_EQ(query_value(c.get(), "SELECT 'for update' AS \"for\""), "for update");
}

TEST_F(ClientCompat, LikeWithAnyAndAllFollowsPostgres) {
  Conn c = conn();
  ASSERT_TRUE(c);
  expect_values(c.get(), {
      {"'Mallard' ILIKE ANY (ARRAY['%duck%', 'mal%'])", "t"},
      {"'Mallard' LIKE ANY (ARRAY['%duck%', 'mal%'])", "f"},
      {"'Mallard' LIKE SOME (ARRAY['M%'])", "t"},
      {"'Mallard' NOT ILIKE ALL (ARRAY['%duck%', 'goose'])", "t"},
      {"'Mallard' ILIKE ALL (ARRAY['m%', '%D'])", "t"},
      {"'Mallard' LIKE ALL (ARRAY['M%', '%D'])", "f"},
      // NULLs: a match decides; otherwise a NULL element makes the answer unknown.
      {"'x' LIKE ANY (ARRAY['x', NULL])", "t"},
      {"'x' LIKE ANY (ARRAY['y', NULL])", "<NULL>"},
      {"'x' LIKE ALL (ARRAY['y', NULL])", "f"},
      {"'x' LIKE ALL (ARRAY['x', NULL])", "<NULL>"},
      {"NULL::text LIKE ANY (ARRAY['x'])", "<NULL>"},
      {"'x' LIKE ANY (NULL::text[])", "<NULL>"},
      // Empty sets: ANY is false, ALL is true.
      {"'x' LIKE ANY (ARRAY[]::text[])", "f"},
      {"'x' LIKE ALL (ARRAY[]::text[])", "t"},
      // A subquery instead of an array.
      {"'Mallard' ILIKE ANY (SELECT p FROM (VALUES ('%LAR%'), ('z')) AS v(p))", "t"},
      {"'Mallard' LIKE ANY (SELECT 'z' WHERE false)", "f"},
      // Backslash escapes the next character, unless ESCAPE names another (Django escapes _ and %).
      {"'a_c' LIKE 'a\\_c'", "t"},
      {"'abc' LIKE 'a\\_c'", "f"},
      {"'50%' LIKE '50\\%'", "t"},
      {"'500' LIKE '50\\%'", "f"},
      {"'X_Y' ILIKE '%\\_%'", "t"},
      {"'a\\b' LIKE 'a\\\\b'", "t"},
      {"'a_c' LIKE 'a#_c' ESCAPE '#'", "t"},
      {"'ab' NOT LIKE 'a' || '\\%'", "t"},
      {"'a%' LIKE ANY (ARRAY['a\\%'])", "t"},
      {"'ab' LIKE ANY (ARRAY['a\\%'])", "f"},
  });
  // Over table rows, in WHERE, with the left operand a qualified column.
  exec_ok(c.get(), "DROP TABLE IF EXISTS birds");
  exec_ok(c.get(), "CREATE TABLE birds (name text)");
  exec_ok(c.get(), "INSERT INTO birds VALUES ('Mallard'), ('Teal'), ('Goose'), (NULL)");
  EXPECT_EQ(query_value(c.get(), "SELECT string_agg(b.name, ',' ORDER BY b.name) FROM birds b "
                                 "WHERE b.name ILIKE ANY (ARRAY['%a%l%', 'g%'])"),
            "Goose,Mallard,Teal");
  EXPECT_EQ(query_value(c.get(), "SELECT count(*) FROM birds WHERE name NOT LIKE ALL (ARRAY['M%', 'T%'])"), "1");
  const char *pattern = "%ea%";
  Result r(PQexecParams(c.get(), "SELECT name FROM birds WHERE name LIKE ANY (ARRAY[$1::text])", 1, nullptr, &pattern,
                        nullptr, nullptr, 0));
  ASSERT_EQ(PQresultStatus(r.get()), PGRES_TUPLES_OK) << PQresultErrorMessage(r.get());
  ASSERT_EQ(PQntuples(r.get()), 1);
  EXPECT_EQ(std::string(PQgetvalue(r.get(), 0, 0)), "Teal");
}

// x = ANY (array) and x <> ALL (array), with PostgreSQL's NULL rules, also where DuckDB cannot
// read the array as a subquery: an outer join's condition (SQLAlchemy's index reflection).
TEST_F(ClientCompat, EqualityWithAnyAndAllFollowsPostgres) {
  Conn c = conn();
  ASSERT_TRUE(c);
  expect_values(c.get(), {
      {"2 = ANY (ARRAY[1, 2])", "t"},          {"3 = SOME (ARRAY[1, 2])", "f"},
      {"3 = ANY (ARRAY[1, NULL])", "<NULL>"},  {"1 = ANY (ARRAY[1, NULL])", "t"},
      {"NULL::int = ANY (ARRAY[1])", "<NULL>"}, {"1 = ANY (NULL::int[])", "<NULL>"},
      {"1 = ANY (ARRAY[]::int[])", "f"},       {"NULL::int = ANY (ARRAY[]::int[])", "f"},
      {"1 <> ALL (ARRAY[2, 3])", "t"},         {"2 != ALL (ARRAY[2, 3])", "f"},
      {"3 <> ALL (ARRAY[1, NULL])", "<NULL>"}, {"NULL::int <> ALL (ARRAY[]::int[])", "t"},
      {"'b' = ANY (ARRAY['a', 'b'])", "t"},    {"NOT 2 = ANY (ARRAY[1, 2])", "f"},
      {"(1 + 1) = ANY (ARRAY[2])", "t"},       {"2 = ANY ('{1,2}'::int[])", "t"},
      {"2 = ANY (SELECT 2)", "t"},             {"2 = ANY (SELECT 3 WHERE false)", "f"},
      // An untyped string constant is an array of the other side's type.
      {"2 = ANY ('{1,2}')", "t"},              {"2.0 = ANY ('{1, 2}')", "t"},
      {"3 = ANY ('{1,NULL}')", "<NULL>"},      {"3 <> ALL ('{1,2}')", "t"},
      {"DATE '2024-01-02' = ANY ('{2024-01-02}')", "t"}, {"'b c' = ANY ('{a,\"b c\"}')", "t"},
  });
  exec_ok(c.get(), "DROP TABLE IF EXISTS any_keys");
  exec_ok(c.get(), "DROP TABLE IF EXISTS any_cols");
  exec_ok(c.get(), "CREATE TABLE any_keys (name text, keys int[])");
  exec_ok(c.get(), "CREATE TABLE any_cols (num int, col text)");
  exec_ok(c.get(), "INSERT INTO any_keys VALUES ('ab', ARRAY[1, 2]), ('none', ARRAY[]::int[]), ('c', ARRAY[3])");
  exec_ok(c.get(), "INSERT INTO any_cols VALUES (1, 'a'), (2, 'b'), (4, 'd')");
  // In a LEFT JOIN's condition: the row without a match is kept with NULLs.
  EXPECT_EQ(query_rows(c.get(), "SELECT k.name, c.col FROM any_keys k LEFT OUTER JOIN any_cols c "
                                "ON c.num = ANY (k.keys) ORDER BY k.name, c.col"),
            (std::vector<std::vector<std::optional<std::string>>>{
                {"ab", "a"}, {"ab", "b"}, {"c", std::nullopt}, {"none", std::nullopt}}));
  EXPECT_EQ(query_value(c.get(), "SELECT string_agg(col, ',' ORDER BY col) FROM any_cols WHERE num <> ALL "
                                 "(SELECT unnest(keys) FROM any_keys)"),
            "d");
  // A parameter as the array, declared or not: the result keeps its column type.
  for (Oid declared : {Oid{1007}, Oid{0}}) {
    Oid types[] = {declared};
    const char *values[] = {"{1,4}"};
    Result r(PQexecParams(c.get(), "SELECT num FROM any_cols WHERE num = ANY ($1) ORDER BY num", 1, types, values,
                          nullptr, nullptr, 0));
    ASSERT_EQ(PQresultStatus(r.get()), PGRES_TUPLES_OK) << PQresultErrorMessage(r.get());
    EXPECT_EQ(PQftype(r.get(), 0), 23u) << declared;
    ASSERT_EQ(PQntuples(r.get()), 2) << declared;
    EXPECT_EQ(std::string(PQgetvalue(r.get(), 1, 0)), "4");
  }
  exec_ok(c.get(), "DROP TABLE any_keys");
  exec_ok(c.get(), "DROP TABLE any_cols");
}

// Where DuckDB chooses among a function's forms only once it sees a parameter's value
// (array_length of a parameter), Describe still reports every result column with its type.
TEST_F(ClientCompat, DescribeOfAStatementDuckDbTypesAtExecute) {
  Conn c = conn();
  ASSERT_TRUE(c);
  const char *values[] = {"{5,6,7}"};
  Result r(PQexecParams(c.get(), "SELECT array_length($1::int[], 1) AS n, 'x' AS t, array_to_string($1::int[], '-') AS s",
                        1, nullptr, values, nullptr, nullptr, 0));
  ASSERT_EQ(PQresultStatus(r.get()), PGRES_TUPLES_OK) << PQresultErrorMessage(r.get());
  ASSERT_EQ(PQnfields(r.get()), 3);
  EXPECT_EQ(PQftype(r.get(), 1), 25u);
  EXPECT_EQ(PQftype(r.get(), 2), 25u);
  EXPECT_EQ(std::string(PQgetvalue(r.get(), 0, 0)), "3");
  EXPECT_EQ(std::string(PQgetvalue(r.get(), 0, 1)), "x");
  EXPECT_EQ(std::string(PQgetvalue(r.get(), 0, 2)), "5-6-7");
  // Prepared once, described, then executed with other values.
  Result p(PQprepare(c.get(), "arr_len", "SELECT array_length($1::int[], 1) AS n, 2 AS two", 1, nullptr));
  ASSERT_EQ(PQresultStatus(p.get()), PGRES_COMMAND_OK) << PQresultErrorMessage(p.get());
  Result d(PQdescribePrepared(c.get(), "arr_len"));
  ASSERT_EQ(PQresultStatus(d.get()), PGRES_COMMAND_OK) << PQresultErrorMessage(d.get());
  ASSERT_EQ(PQnfields(d.get()), 2);
  EXPECT_EQ(std::string(PQfname(d.get(), 1)), "two");
  EXPECT_EQ(PQftype(d.get(), 1), 23u);
  for (const char *v : {"{1}", "{1,2,3,4}"}) {
    Result e(PQexecPrepared(c.get(), "arr_len", 1, &v, nullptr, nullptr, 0));
    ASSERT_EQ(PQresultStatus(e.get()), PGRES_TUPLES_OK) << PQresultErrorMessage(e.get());
    ASSERT_EQ(PQnfields(e.get()), 2);
    EXPECT_EQ(std::string(PQgetvalue(e.get(), 0, 1)), "2");
  }
}

// SQL PREPARE / EXECUTE / DEALLOCATE share the namespace of protocol-level statements, take
// declared parameter types, and run what they name as any statement runs (a lake write too).
TEST_F(ClientCompat, SqlPrepareAndExecute) {
  Conn c = conn();
  ASSERT_TRUE(c);
  exec_ok(c.get(), "DROP TABLE IF EXISTS prep_items");
  exec_ok(c.get(), "CREATE TABLE prep_items (id integer, label text, price numeric(8,2))");
  EXPECT_EQ(exec_ok(c.get(), "PREPARE add_item (int, text, numeric) AS INSERT INTO prep_items VALUES ($1, $2, $3)"),
            "PREPARE");
  EXPECT_EQ(exec_ok(c.get(), "EXECUTE add_item(1, 'one', 1.5)"), "INSERT 0 1");
  // Arguments are expressions, converted to the declared types.
  EXPECT_EQ(exec_ok(c.get(), "EXECUTE add_item ('2', upper('two'), 2)"), "INSERT 0 1");
  exec_ok(c.get(), "BEGIN");
  exec_ok(c.get(), "EXECUTE add_item(3, 'three', 3)");
  exec_ok(c.get(), "ROLLBACK");
  EXPECT_EQ(query_rows(c.get(), "SELECT id, label, price FROM prep_items ORDER BY id"),
            (std::vector<Row>{{"1", "one", "1.50"}, {"2", "TWO", "2.00"}}));
  // Prepared statements outlive a rollback, as in PostgreSQL.
  exec_ok(c.get(), "BEGIN");
  exec_ok(c.get(), "PREPARE by_id (bigint) AS SELECT label, price FROM prep_items WHERE id = $1");
  exec_ok(c.get(), "ROLLBACK");
  Result r = exec(c.get(), "EXECUTE by_id(2)");
  ASSERT_EQ(PQresultStatus(r.get()), PGRES_TUPLES_OK) << PQresultErrorMessage(r.get());
  ASSERT_EQ(PQntuples(r.get()), 1);
  EXPECT_EQ(std::string(PQgetvalue(r.get(), 0, 0)), "TWO");
  EXPECT_EQ(PQftype(r.get(), 1), 1700u);
  EXPECT_EQ(std::string(PQcmdStatus(r.get())), "SELECT 1");
  exec_ok(c.get(), "PREPARE drop_item AS DELETE FROM prep_items WHERE label = $1");
  EXPECT_EQ(exec_ok(c.get(), "EXECUTE drop_item('one')"), "DELETE 1");
  // Through the extended protocol.
  Result x(PQexecParams(c.get(), "EXECUTE by_id(2)", 0, nullptr, nullptr, nullptr, nullptr, 0));
  ASSERT_EQ(PQresultStatus(x.get()), PGRES_TUPLES_OK) << PQresultErrorMessage(x.get());
  EXPECT_EQ(std::string(PQgetvalue(x.get(), 0, 1)), "2.00");
  const char *two = "2";
  // A statement prepared by Parse is found by EXECUTE, and one prepared by PREPARE by Bind.
  Result p(PQprepare(c.get(), "proto_count", "SELECT count(*) FROM prep_items WHERE id >= $1", 1, nullptr));
  ASSERT_EQ(PQresultStatus(p.get()), PGRES_COMMAND_OK) << PQresultErrorMessage(p.get());
  EXPECT_EQ(query_value(c.get(), "EXECUTE proto_count(0)"), "1");
  Result b(PQexecPrepared(c.get(), "by_id", 1, &two, nullptr, nullptr, 0));
  ASSERT_EQ(PQresultStatus(b.get()), PGRES_TUPLES_OK) << PQresultErrorMessage(b.get());
  EXPECT_EQ(std::string(PQgetvalue(b.get(), 0, 0)), "TWO");
  // Errors.
  EXPECT_EQ(exec_error(c.get(), "PREPARE by_id AS SELECT 1").sqlstate, "42P05");
  EXPECT_EQ(exec_error(c.get(), "EXECUTE nothing_here").sqlstate, "26000");
  SqlError wrong = exec_error(c.get(), "EXECUTE by_id(1, 2)");
  EXPECT_EQ(wrong.sqlstate, "42601");
  EXPECT_EQ(wrong.message, "wrong number of parameters for prepared statement \"by_id\"");
  EXPECT_EQ(exec_error(c.get(), "PREPARE bad AS SELECT no_such_column FROM prep_items").sqlstate, "42703");
  EXPECT_EQ(exec_error(c.get(), "EXECUTE bad").sqlstate, "26000");
  EXPECT_EQ(exec_ok(c.get(), "DEALLOCATE by_id"), "DEALLOCATE");
  EXPECT_EQ(exec_error(c.get(), "EXECUTE by_id(1)").sqlstate, "26000");
  EXPECT_EQ(exec_error(c.get(), "DEALLOCATE by_id").sqlstate, "26000");
  EXPECT_EQ(exec_ok(c.get(), "DEALLOCATE ALL"), "DEALLOCATE ALL");
  EXPECT_EQ(exec_error(c.get(), "EXECUTE add_item(4, 'four', 4)").sqlstate, "26000");
  exec_ok(c.get(), "DROP TABLE prep_items");
}

// RowDescription names the relation (pg_class OID) and column (pg_attribute number) of a result
// column that is a relation's column as it is; zero for computed ones. Drivers look them up for
// result-set metadata (pgjdbc's getBaseTableName and isNullable).
TEST_F(ClientCompat, RowDescriptionNamesEachColumnsRelation) {
  Conn c = conn();
  ASSERT_TRUE(c);
  exec_ok(c.get(), "DROP TABLE IF EXISTS origin_a");
  exec_ok(c.get(), "DROP TABLE IF EXISTS origin_b");
  exec_ok(c.get(), "CREATE TABLE origin_a (id integer NOT NULL, label text, weight float8)");
  exec_ok(c.get(), "CREATE TABLE origin_b (id integer, note text)");
  exec_ok(c.get(), "CREATE TEMP TABLE origin_t (x integer, y integer)");
  // Each result column as "relation.column" through the catalog, or "-" for none.
  auto origins = [&](PGresult *r) {
    std::vector<std::string> out;
    for (int i = 0; i < PQnfields(r); ++i) {
      Oid table = PQftable(r, i);
      int column = PQftablecol(r, i);
      if (table == InvalidOid || column == 0) {
        EXPECT_EQ(table, InvalidOid) << i;
        EXPECT_EQ(column, 0) << i;
        out.push_back("-");
        continue;
      }
      out.push_back(query_value(c.get(), "SELECT c.relname || '.' || a.attname FROM pg_class c JOIN pg_attribute a "
                                         "ON a.attrelid = c.oid WHERE c.oid = " + std::to_string(table) +
                                         " AND a.attnum = " + std::to_string(column)));
    }
    return out;
  };
  using V = std::vector<std::string>;
  struct Case {
    const char *sql;
    V want;
  } cases[] = {
      {"SELECT * FROM origin_a", V{"origin_a.id", "origin_a.label", "origin_a.weight"}},
      {"SELECT label, id + 1, weight AS w, id FROM origin_a", V{"origin_a.label", "-", "origin_a.weight", "origin_a.id"}},
      {"SELECT a.*, b.note FROM origin_a a JOIN origin_b b ON a.id = b.id",
       V{"origin_a.id", "origin_a.label", "origin_a.weight", "origin_b.note"}},
      {"SELECT x.label, note, y.id FROM origin_a x, origin_b y", V{"origin_a.label", "origin_b.note", "origin_b.id"}},
      {"SELECT label, count(*) FROM public.origin_a GROUP BY label", V{"origin_a.label", "-"}},
      {"SELECT y, x FROM origin_t", V{"origin_t.y", "origin_t.x"}},
      {"SELECT 1 AS one, 'x' AS two", V{"-", "-"}},
  };
  for (const auto &k : cases) {
    Result r = exec(c.get(), k.sql);
    ASSERT_EQ(PQresultStatus(r.get()), PGRES_TUPLES_OK) << k.sql << ": " << PQresultErrorMessage(r.get());
    EXPECT_EQ(origins(r.get()), k.want) << k.sql;
    // Describe of a prepared statement says the same.
    Result p(PQprepare(c.get(), "origin_stmt", k.sql, 0, nullptr));
    ASSERT_EQ(PQresultStatus(p.get()), PGRES_COMMAND_OK) << PQresultErrorMessage(p.get());
    Result d(PQdescribePrepared(c.get(), "origin_stmt"));
    EXPECT_EQ(origins(d.get()), k.want) << k.sql;
    exec_ok(c.get(), "DEALLOCATE origin_stmt");
  }
  // Unquoted names fold to lower case.
  Result folded = exec(c.get(), "SELECT Label, ID FROM Origin_A");
  EXPECT_EQ(origins(folded.get()), (V{"origin_a.label", "origin_a.id"}));
  // A relation made again with other columns is looked up again.
  exec_ok(c.get(), "DROP TABLE origin_b");
  exec_ok(c.get(), "CREATE TABLE origin_b (note text, id integer)");
  Result again = exec(c.get(), "SELECT id, note FROM origin_b");
  EXPECT_EQ(origins(again.get()), (V{"origin_b.id", "origin_b.note"}));
  EXPECT_EQ(PQftablecol(again.get(), 0), 2);
  // So is one another session made again.
  Conn other = conn();
  ASSERT_TRUE(other);
  exec_ok(other.get(), "DROP TABLE origin_b");
  exec_ok(other.get(), "CREATE TABLE origin_b (extra text, id integer, note text)");
  Result remade = exec(c.get(), "SELECT id, note FROM origin_b");
  EXPECT_EQ(origins(remade.get()), (V{"origin_b.id", "origin_b.note"}));
  EXPECT_EQ(PQftablecol(remade.get(), 0), 2);
  // An unqualified name is looked up along the search path in force.
  exec_ok(c.get(), "DROP SCHEMA IF EXISTS origin_s CASCADE");
  exec_ok(c.get(), "CREATE SCHEMA origin_s");
  exec_ok(c.get(), "CREATE TABLE origin_p (m integer)");
  exec_ok(c.get(), "CREATE TABLE origin_s.origin_p (n integer, m integer)");
  EXPECT_EQ(PQftablecol(exec(c.get(), "SELECT m FROM origin_p").get(), 0), 1);
  exec_ok(c.get(), "SET search_path = origin_s, public");
  EXPECT_EQ(PQftablecol(exec(c.get(), "SELECT m FROM origin_p").get(), 0), 2);
  exec_ok(c.get(), "RESET search_path");
  EXPECT_EQ(PQftablecol(exec(c.get(), "SELECT m FROM origin_p").get(), 0), 1);
  exec_ok(c.get(), "DROP SCHEMA origin_s CASCADE");
  exec_ok(c.get(), "DROP TABLE origin_p");
  exec_ok(c.get(), "DROP TABLE origin_a");
  exec_ok(c.get(), "DROP TABLE origin_b");
}

// A lake table's row count and size are what pg_class (reltuples, relpages) and
// pg_stat_user_tables (n_live_tup) report: dashboards and editors show them as the table's rows.
// PostgreSQL estimates them (after ANALYZE), so this checks Mallard only.
TEST_F(ClientCompat, TableStatisticsAreTheLakeRowCounts) {
  if (reference_mode()) GTEST_SKIP() << "PostgreSQL's counts are estimates";
  Conn c = conn();
  ASSERT_TRUE(c);
  exec_ok(c.get(), "DROP TABLE IF EXISTS stats_rows");
  exec_ok(c.get(), "CREATE TABLE stats_rows (id integer, label text)");
  auto stats = [&] {
    return query_rows(c.get(), "SELECT c.reltuples::bigint, c.relpages > 0, s.n_live_tup FROM pg_class c "
                               "JOIN pg_stat_user_tables s ON s.relid = c.oid WHERE c.relname = 'stats_rows'");
  };
  EXPECT_EQ(stats(), (std::vector<Row>{{"0", "f", "0"}}));
  exec_ok(c.get(), "INSERT INTO stats_rows VALUES (1, 'a'), (2, 'b')");  // small: inlined in the metadata
  EXPECT_EQ(stats(), (std::vector<Row>{{"2", "f", "2"}}));
  exec_ok(c.get(), "INSERT INTO stats_rows SELECT i, 'row ' || i FROM generate_series(3, 5000) AS g(i)");
  exec_ok(c.get(), "DELETE FROM stats_rows WHERE id % 10 = 0");
  EXPECT_EQ(query_value(c.get(), "SELECT count(*) FROM stats_rows"), "4500");
  EXPECT_EQ(stats(), (std::vector<Row>{{"4500", "t", "4500"}}));
  // Another session's commit shows too.
  Conn other = conn();
  ASSERT_TRUE(other);
  exec_ok(other.get(), "DELETE FROM stats_rows WHERE id <= 100");
  EXPECT_EQ(stats(), (std::vector<Row>{{"4410", "t", "4410"}}));
  exec_ok(c.get(), "DROP TABLE stats_rows");
}

// format() is PostgreSQL's (%s, %I, %L, positions, widths), not DuckDB's ({}), which returned a
// PostgreSQL format string unchanged.
TEST_F(ClientCompat, FormatIsPostgresFormat) {
  Conn c = conn();
  ASSERT_TRUE(c);
  expect_values(c.get(), {
      {"format('%s-%s', 'a', 1)", "a-1"},
      {"format('%I.%I', 'public', 'My Table')", "public.\"My Table\""},
      {"format('%I %I %I %I', 'abc', 'select', 'a$1', '_x9')", "abc \"select\" \"a$1\" _x9"},
      {"format('%L, %L', 'it''s', NULL)", "'it''s', NULL"},
      {"format('%L', 'a\\b')", "E'a\\\\b'"},
      {"format('%s|%s', NULL, 'x')", "|x"},
      {"format('Hello %s, again %1$s', 'you')", "Hello you, again you"},
      {"format('%2$s %1$s %s', 'a', 'b')", "b a b"},
      {"format('|%5s|%-5s|%*s|%-*s|', 'x', 'y', 3, 'z', 3, 'w')", "|    x|y    |  z|w  |"},
      {"format('100%%')", "100%"},
      {"format(NULL, 1)", "<NULL>"},
      {"format('%s and %s', 2.50, DATE '2024-01-02')", "2.50 and 2024-01-02"},
      {"format('INSERT INTO %I VALUES (%L)', 'orders', 'O''Reilly')", "INSERT INTO orders VALUES ('O''Reilly')"},
      {"pg_catalog.format('%s', 'q')", "q"},
      {"quote_ident('Foo') || quote_ident('foo') || quote_ident('user')", "\"Foo\"foo\"user\""},
      {"quote_literal('a\\b') || quote_nullable(NULL)", "E'a\\\\b'NULL"},
  });
  EXPECT_EQ(query_rows(c.get(), "SELECT format('%s', 1)").size(), 1u);
  Result named = exec(c.get(), "SELECT format('%s', 1)");
  EXPECT_EQ(std::string(PQfname(named.get(), 0)), "format");
  // Over rows, with a parameter as the format.
  const char *fmt = "<%s:%s>";
  Result r(PQexecParams(c.get(), "SELECT format($1, x, x * 2) FROM generate_series(1, 2) AS g(x) ORDER BY x", 1,
                        nullptr, &fmt, nullptr, nullptr, 0));
  ASSERT_EQ(PQresultStatus(r.get()), PGRES_TUPLES_OK) << PQresultErrorMessage(r.get());
  EXPECT_EQ(std::string(PQgetvalue(r.get(), 1, 0)), "<2:4>");
  for (auto [q, state] : {std::pair{"SELECT format('%d', 1)", "22023"}, std::pair{"SELECT format('%s %s', 'a')", "22023"},
                          std::pair{"SELECT format('%I', NULL)", "22004"}, std::pair{"SELECT format('%0$s', 'a')", "22023"}}) {
    SqlError e = exec_error(c.get(), q);
    EXPECT_EQ(e.sqlstate, state) << q << ": " << e.message;
  }
}

// PostgreSQL functions DuckDB lacks or names otherwise: every, initcap, width_bucket and the JSON
// array element functions, in a select list and in FROM.
TEST_F(ClientCompat, FunctionsDuckDbLacks) {
  Conn c = conn();
  ASSERT_TRUE(c);
  expect_values(c.get(), {
      {"every(x < 3) FROM generate_series(1, 3) AS g(x)", "f"},
      {"initcap('hELLO wORLD-foo bar_baz 3rd')", "Hello World-Foo Bar_Baz 3rd"},
      {"initcap('') || 'x'", "x"},
      {"initcap(NULL)", "<NULL>"},
      {"width_bucket(5.35, 0.024, 10.06, 5)", "3"},
      {"width_bucket(-1, 0, 10, 4) || ',' || width_bucket(10, 0, 10, 4) || ',' || width_bucket(7, 10, 0, 5)", "0,5,2"},
      {"string_agg(v::text, ',') FROM json_array_elements('[1,\"a\",{\"b\":2}]') AS e(v)", "1,\"a\",{\"b\":2}"},
      {"string_agg(value, ',') FROM jsonb_array_elements_text('[\"a\",\"b\",1]')", "a,b,1"},
      {"count(*) FROM json_array_elements('[]')", "0"},
      {"pg_size_pretty(123456789::bigint) || ',' || pg_size_pretty(10239::bigint) || ',' || "
       "pg_size_pretty(-123456789::bigint) || ',' || pg_size_pretty(5000000000000000000::bigint)",
       "118 MB,10239 bytes,-118 MB,4441 PB"},
      {"pg_size_pretty(sum(x)) FROM (VALUES (100000), (200000)) AS v(x)", "293 kB"},
      {"num_nulls(1, NULL, 2) || ',' || num_nonnulls(1, NULL, 2) || ',' || num_nulls(NULL)", "1,2,1"},
      {"clock_timestamp() >= now() AND pg_typeof(clock_timestamp())::text = 'timestamp with time zone'", "t"},
      {"count(DISTINCT clock_timestamp()) > 1 FROM generate_series(1, 100000)", "t"},
  });
  // array || element, element || array.
  EXPECT_EQ(query_rows(c.get(), "SELECT ARRAY[1, 2] || 3, 0 || ARRAY[1, 2], ARRAY[1, 2] || 3 || 4, '{1,2}'::int[] || 3, "
                                "array_append(ARRAY[1], 2) || 3, ARRAY[1] || 2 = ARRAY[1, 2]"),
            (std::vector<Row>{{"{1,2,3}", "{0,1,2}", "{1,2,3,4}", "{1,2,3}", "{1,2,3}", "t"}}));
  EXPECT_EQ(query_rows(c.get(), "SELECT array_remove(ARRAY[1, 2, 1, NULL], 1), array_replace(ARRAY[1, NULL], NULL, 9), "
                                "array_cat(ARRAY[1], ARRAY[2, 3])"),
            (std::vector<Row>{{"{2,NULL}", "{1,9}", "{1,2,3}"}}));
  EXPECT_EQ(query_rows(c.get(), "SELECT json_array_elements_text('[\"x\",null,\"y\"]') AS v"),
            (std::vector<Row>{{"x"}, {std::nullopt}, {"y"}}));
  EXPECT_EQ(query_rows(c.get(), "SELECT t.id, e.value::text FROM (VALUES (1, '[10,20]'::json), (2, '[30]'::json)) "
                                "AS t(id, j), json_array_elements(t.j) AS e ORDER BY 2"),
            (std::vector<Row>{{"1", "10"}, {"1", "20"}, {"2", "30"}}));
  // Letters beyond ASCII are letters (as in PostgreSQL with a UTF-8 locale; the reference server's
  // C locale says otherwise).
  if (!reference_mode()) {
    EXPECT_EQ(query_value(c.get(), "SELECT initcap('élan ÉCOLE')"), "Élan École");
  }
  EXPECT_EQ(exec_error(c.get(), "SELECT width_bucket(1, 0, 10, 0)").sqlstate, "2201G");
  EXPECT_EQ(exec_error(c.get(), "SELECT width_bucket(1, 5, 5, 3)").sqlstate, "2201G");
}

// regexp_matches is PostgreSQL's set-returning function of text[] (DuckDB's answers a boolean).
TEST_F(ClientCompat, RegexpMatchesReturnsTheCaptures) {
  Conn c = conn();
  ASSERT_TRUE(c);
  auto rows = [&](const char *q) { return query_rows(c.get(), q); };
  EXPECT_EQ(rows("SELECT regexp_matches('a1b22', '(\\d)(\\w)')"), (std::vector<Row>{{"{1,b}"}}));
  EXPECT_EQ(rows("SELECT regexp_matches('a1b22', '\\d+', 'g')"), (std::vector<Row>{{"{1}"}, {"{22}"}}));
  EXPECT_EQ(rows("SELECT regexp_matches('a1b22c333', '([a-z])(\\d+)', 'g')"),
            (std::vector<Row>{{"{a,1}"}, {"{b,22}"}, {"{c,333}"}}));
  EXPECT_EQ(rows("SELECT regexp_matches('abc', 'x')"), (std::vector<Row>{}));
  EXPECT_EQ(rows("SELECT regexp_matches('ABC', '(?:a)(b)', 'i')"), (std::vector<Row>{{"{B}"}}));
  EXPECT_EQ(query_value(c.get(), "SELECT (regexp_matches('foo123', '(\\d+)'))[1]"), "123");
  EXPECT_EQ(query_value(c.get(), "SELECT count(*) FROM (SELECT regexp_matches(s, '(\\d+)', 'g') FROM "
                                 "(VALUES ('a1b2'), ('c3'), (NULL)) AS v(s)) AS q"),
            "3");
  Result named = exec(c.get(), "SELECT regexp_matches('a', 'a')");
  EXPECT_EQ(std::string(PQfname(named.get(), 0)), "regexp_matches");
  if (!reference_mode()) {
    EXPECT_EQ(exec_error(c.get(), "SELECT regexp_matches('a', 'a', 'x')").sqlstate, "0A000");
    EXPECT_EQ(exec_error(c.get(), "SELECT regexp_matches('a', repeat('a', 1))").sqlstate, "0A000");
  }
}

// to_date(text, template) and to_timestamp(text, template) read dates with PostgreSQL's template
// patterns; to_timestamp(seconds) stays the epoch conversion.
TEST_F(ClientCompat, ToDateAndToTimestampReadTemplates) {
  Conn c = conn();
  ASSERT_TRUE(c);
  exec_ok(c.get(), "SET TimeZone = 'UTC'");
  expect_values(c.get(), {
      {"to_date('2024-03-05', 'YYYY-MM-DD')", "2024-03-05"},
      {"to_date('05/03/2024', 'DD/MM/YYYY')", "2024-03-05"},
      {"to_date('20240305', 'YYYYMMDD')", "2024-03-05"},
      {"to_date('5 Mar 2024', 'DD Mon YYYY')", "2024-03-05"},
      {"to_date('March 5, 2024', 'Month DD, YYYY')", "2024-03-05"},
      {"to_timestamp('2024-03-05 01:02:03 PM', 'YYYY-MM-DD HH12:MI:SS AM')", "2024-03-05 13:02:03+00"},
      {"to_timestamp('2024-03-05 10:11', 'YYYY-MM-DD HH24:MI')", "2024-03-05 10:11:00+00"},
      {"to_timestamp(0)", "1970-01-01 00:00:00+00"},
      {"to_date(NULL, 'YYYY')", "<NULL>"},
      {"pg_typeof(to_date('2024-01-02', 'YYYY-MM-DD'))::text || pg_typeof(to_timestamp('2024', 'YYYY'))::text",
       "datetimestamp with time zone"},
  });
  EXPECT_EQ(query_value(c.get(), "SELECT max(to_date(s, 'YYYY-MM-DD')) FROM (VALUES ('2024-01-02'), ('2023-12-31')) "
                                 "AS v(s)"),
            "2024-01-02");
  Result named = exec(c.get(), "SELECT to_date('2024-01-02', 'YYYY-MM-DD')");
  EXPECT_EQ(std::string(PQfname(named.get(), 0)), "to_date");
  EXPECT_EQ(exec_error(c.get(), "SELECT to_date('x', 'YYYY-MM-DD')").sqlstate, "22007");
}

// serial, bigserial and identity columns count from 1 on their own counter, as PostgreSQL's
// sequences do: the value is taken whether or not the insert commits, and later inserts (other
// sessions too) never get it again. RETURNING hands the values back.
TEST_F(ClientCompat, SerialAndIdentityColumnsCount) {
  Conn c = conn();
  ASSERT_TRUE(c);
  for (const char *t : {"seq_a", "seq_b", "seq_c"}) exec_ok(c.get(), std::string("DROP TABLE IF EXISTS ") + t);
  exec_ok(c.get(), "CREATE TABLE seq_a (id serial PRIMARY KEY, v text)");
  exec_ok(c.get(), "CREATE TABLE seq_b (id bigint GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY, big bigserial, v text)");
  EXPECT_EQ(query_rows(c.get(), "INSERT INTO seq_a (v) VALUES ('x'), ('y') RETURNING id, v"),
            (std::vector<Row>{{"1", "x"}, {"2", "y"}}));
  exec_ok(c.get(), "BEGIN");
  exec_ok(c.get(), "INSERT INTO seq_a (v) VALUES ('rolled back')");
  exec_ok(c.get(), "ROLLBACK");
  Conn other = conn();
  EXPECT_EQ(query_value(other.get(), "INSERT INTO seq_a (v) VALUES ('z') RETURNING id"), "4");
  // An explicit value is taken as given (and checked against the key); the counter goes on.
  exec_ok(c.get(), "INSERT INTO seq_a VALUES (10, 'ten')");
  EXPECT_EQ(exec_error(c.get(), "INSERT INTO seq_a VALUES (4, 'dup')").sqlstate, "23505");
  EXPECT_EQ(query_value(c.get(), "INSERT INTO seq_a (v) VALUES ('next') RETURNING id"), "5");
  // Many rows at once take consecutive values; each column has its own counter.
  exec_ok(c.get(), "INSERT INTO seq_b (v) SELECT 'r' || g FROM generate_series(1, 3000) AS g");
  EXPECT_EQ(query_rows(c.get(), "SELECT count(DISTINCT id), min(id), max(id), count(DISTINCT big), max(big) FROM seq_b"),
            (std::vector<Row>{{"3000", "1", "3000", "3000", "3000"}}));
  EXPECT_EQ(query_rows(c.get(), "SELECT count(*) FROM seq_b WHERE id <> big"), (std::vector<Row>{{"0"}}));
  // Through the extended protocol, and with DEFAULT written out.
  Result r(PQexecParams(c.get(), "INSERT INTO seq_a (id, v) VALUES (DEFAULT, $1) RETURNING id", 1, nullptr,
                        std::vector<const char *>{"p"}.data(), nullptr, nullptr, 0));
  ASSERT_EQ(PQresultStatus(r.get()), PGRES_TUPLES_OK) << PQresultErrorMessage(r.get());
  EXPECT_EQ(std::string(PQgetvalue(r.get(), 0, 0)), "6");
  // The column is NOT NULL and its type the integer type named.
  EXPECT_EQ(query_rows(c.get(), "SELECT column_name, data_type, is_nullable FROM information_schema.columns WHERE "
                                "table_name = 'seq_b' ORDER BY ordinal_position"),
            (std::vector<Row>{{"id", "bigint", "NO"}, {"big", "bigint", "NO"}, {"v", "text", "YES"}}));
  for (const char *t : {"seq_a", "seq_b"}) exec_ok(c.get(), std::string("DROP TABLE ") + t);
}

// What cannot be honoured is refused clearly: not "type serial does not exist" or DuckDB's
// "Constraint not implemented".
TEST_F(ClientCompat, SequenceColumnsRefusedWhereUnsupported) {
  if (reference_mode()) GTEST_SKIP() << "PostgreSQL has all of these";
  Conn c = conn();
  ASSERT_TRUE(c);
  for (const char *q : {"CREATE TEMP TABLE seq_t (id smallserial)",
                        "CREATE TABLE seq_t (id int GENERATED ALWAYS AS IDENTITY, v text)",
                        "CREATE TABLE seq_t (id bigint GENERATED BY DEFAULT AS IDENTITY (START 10))",
                        "CREATE TABLE seq_t (id bigint DEFAULT nextval('some_seq'))"}) {
    SqlError e = exec_error(c.get(), q);
    EXPECT_TRUE(e.sqlstate == "0A000" || e.sqlstate == "42704") << q << ": " << e;
  }
  EXPECT_EQ(exec_error(c.get(), "SELECT * FROM seq_t").sqlstate, "42P01");
  exec_ok(c.get(), "DROP TABLE IF EXISTS seq_b");
  exec_ok(c.get(), "CREATE TABLE seq_b (id integer)");
  EXPECT_EQ(exec_error(c.get(), "ALTER TABLE seq_b ADD COLUMN n serial").sqlstate, "0A000");
  EXPECT_EQ(exec_error(c.get(), "ALTER TABLE seq_b ALTER COLUMN id SET DEFAULT __mallard_nextval('new')").sqlstate,
            "0A000");
  // The words stay names elsewhere.
  exec_ok(c.get(), "CREATE TABLE seq_c (serial integer, identity text)");
  EXPECT_EQ(query_value(c.get(), "SELECT 'serial' AS serial"), "serial");
  exec_ok(c.get(), "DROP TABLE seq_c");
  exec_ok(c.get(), "DROP TABLE seq_b");
}

// setval() on a serial column's sequence, by the name the catalogs show (Django's loaddata and
// sqlsequencereset write it with pg_get_serial_sequence, one call per row of an aggregate).
TEST_F(ClientCompat, SetvalMovesASerialColumnsSequence) {
  Conn c = conn();
  ASSERT_TRUE(c);
  exec_ok(c.get(), "DROP TABLE IF EXISTS sv");
  exec_ok(c.get(), "CREATE TABLE sv (id serial PRIMARY KEY, v text)");
  exec_ok(c.get(), "INSERT INTO sv (v) VALUES ('a'), ('b')");
  EXPECT_EQ(query_value(c.get(), "SELECT setval('sv_id_seq', 10)"), "10");
  EXPECT_EQ(query_value(c.get(), "INSERT INTO sv (v) VALUES ('c') RETURNING id"), "11");
  exec_ok(c.get(), "INSERT INTO sv VALUES (40, 'by hand')");
  EXPECT_EQ(query_value(c.get(), "SELECT setval(pg_get_serial_sequence('\"sv\"','id'), coalesce(max(\"id\"), 1), "
                                 "max(\"id\") IS NOT null) FROM \"sv\""),
            "40");
  EXPECT_EQ(query_value(c.get(), "INSERT INTO sv (v) VALUES ('d') RETURNING id"), "41");
  // Not yet called: the value itself comes next.
  EXPECT_EQ(query_value(c.get(), "SELECT pg_catalog.setval('\"public\".\"sv_id_seq\"', 50, false)"), "50");
  EXPECT_EQ(query_value(c.get(), "INSERT INTO sv (v) VALUES ('e') RETURNING id"), "50");
  EXPECT_EQ(query_value(c.get(), "SELECT pg_typeof(setval('sv_id_seq', 60))::text"), "bigint");
  // Each execution of a prepared statement sets it again.
  exec_ok(c.get(), "PREPARE sv_set AS SELECT setval('sv_id_seq', $1)");
  exec_ok(c.get(), "EXECUTE sv_set(70)");
  exec_ok(c.get(), "EXECUTE sv_set(80)");
  EXPECT_EQ(query_value(c.get(), "INSERT INTO sv (v) VALUES ('f') RETURNING id"), "81");
  exec_ok(c.get(), "DEALLOCATE sv_set");
  SqlError e = exec_error(c.get(), "SELECT setval('sv_id_seq', 0)");
  EXPECT_EQ(e.sqlstate, "22003");
  EXPECT_EQ(e.message, "setval: value 0 is out of bounds for sequence \"sv_id_seq\" (1..2147483647)");
  EXPECT_EQ(exec_error(c.get(), "SELECT setval('no_such_seq', 5)").sqlstate, "42P01");
  exec_ok(c.get(), "DROP TABLE sv");
}

// CREATE TABLE ... (LIKE source) copies the source's columns: names, types and NOT NULL, and the
// defaults with INCLUDING DEFAULTS (or ALL); DuckDB's parser takes no LIKE.
TEST_F(ClientCompat, CreateTableLikeCopiesColumns) {
  Conn c = conn();
  ASSERT_TRUE(c);
  for (const char *t : {"like_c", "like_b", "like_a"}) exec_ok(c.get(), std::string("DROP TABLE IF EXISTS ") + t);
  exec_ok(c.get(), "CREATE TABLE like_a (id integer NOT NULL, label text DEFAULT 'x', price numeric(10,2), tags text[])");
  exec_ok(c.get(), "CREATE TABLE like_b (LIKE like_a)");
  exec_ok(c.get(), "CREATE TABLE like_c (first text, LIKE public.like_a INCLUDING ALL, last integer)");
  auto columns = [&](const char *table) {
    return query_rows(c.get(), std::string("SELECT a.attname, format_type(a.atttypid, a.atttypmod), a.attnotnull "
                                           "FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid WHERE c.relname = '") +
                                   table + "' AND a.attnum > 0 ORDER BY a.attnum");
  };
  std::vector<Row> copied = {{"id", "integer", "t"}, {"label", "text", "f"}, {"price", "numeric(10,2)", "f"},
                             {"tags", "text[]", "f"}};
  EXPECT_EQ(columns("like_b"), copied);
  std::vector<Row> around = copied;
  around.insert(around.begin(), Row{"first", "text", "f"});
  around.push_back(Row{"last", "integer", "f"});
  EXPECT_EQ(columns("like_c"), around);
  exec_ok(c.get(), "INSERT INTO like_b (id) VALUES (1)");
  exec_ok(c.get(), "INSERT INTO like_c (id) VALUES (1)");
  EXPECT_EQ(query_value(c.get(), "SELECT coalesce(label, '<none>') FROM like_b"), "<none>");
  EXPECT_EQ(query_value(c.get(), "SELECT label FROM like_c"), "x");
  EXPECT_EQ(exec_error(c.get(), "INSERT INTO like_b (label) VALUES ('no id')").sqlstate, "23502");
  EXPECT_EQ(exec_error(c.get(), "CREATE TABLE like_d (LIKE like_nothing)").sqlstate, "42P01");
  for (const char *t : {"like_c", "like_b", "like_a"}) exec_ok(c.get(), std::string("DROP TABLE ") + t);
  // INCLUDING INDEXES (or ALL) copies the primary key and unique constraints, named after the new
  // table; without it they are not copied.
  for (const char *t : {"like_k2", "like_k3", "like_k"}) exec_ok(c.get(), std::string("DROP TABLE IF EXISTS ") + t);
  exec_ok(c.get(), "CREATE TABLE like_k (a integer, b text, c integer, PRIMARY KEY (a), UNIQUE (c, b))");
  exec_ok(c.get(), "CREATE TABLE like_k2 (LIKE like_k INCLUDING ALL, extra integer)");
  exec_ok(c.get(), "CREATE TABLE like_k3 (LIKE like_k)");
  EXPECT_EQ(query_rows(c.get(), "SELECT conname, pg_get_constraintdef(oid) FROM pg_constraint WHERE conrelid = "
                                "'like_k2'::regclass ORDER BY conname"),
            (std::vector<Row>{{"like_k2_c_b_key", "UNIQUE (c, b)"}, {"like_k2_pkey", "PRIMARY KEY (a)"}}));
  exec_ok(c.get(), "INSERT INTO like_k2 VALUES (1, 'x', 1, 0)");
  EXPECT_EQ(exec_error(c.get(), "INSERT INTO like_k2 VALUES (1, 'y', 2, 0)").sqlstate, "23505");
  EXPECT_EQ(exec_error(c.get(), "INSERT INTO like_k2 VALUES (2, 'x', 1, 0)").sqlstate, "23505");
  EXPECT_EQ(query_value(c.get(), "SELECT count(*) FROM pg_constraint WHERE conrelid = 'like_k3'::regclass"), "0");
  exec_ok(c.get(), "INSERT INTO like_k3 VALUES (1, 'x', 1), (1, 'x', 1)");
  for (const char *t : {"like_k2", "like_k3", "like_k"}) exec_ok(c.get(), std::string("DROP TABLE ") + t);
}

// unnest of several arrays in FROM: the arrays side by side, the shorter padded with NULLs. Drivers'
// users insert batches so: INSERT ... SELECT * FROM unnest($1::int[], $2::text[]).
TEST_F(ClientCompat, UnnestOfSeveralArrays) {
  Conn c = conn();
  ASSERT_TRUE(c);
  EXPECT_EQ(query_rows(c.get(), "SELECT * FROM unnest(ARRAY[1, 2], ARRAY['a', 'b', 'c']) AS t(n, s)"),
            (std::vector<Row>{{"1", "a"}, {"2", "b"}, {std::nullopt, "c"}}));
  EXPECT_EQ(query_rows(c.get(), "SELECT t.id, u.x, u.y FROM (VALUES (1, ARRAY[1, 2], ARRAY[3, 4])) AS t(id, a, b), "
                                "unnest(t.a, t.b) AS u(x, y) ORDER BY 2"),
            (std::vector<Row>{{"1", "1", "3"}, {"1", "2", "4"}}));
  // WITH ORDINALITY numbers the rows up to the longest array (Django's index introspection
  // unnests pg_index.indkey and indoption so, the second NULL here).
  EXPECT_EQ(query_rows(c.get(), "SELECT t.id, u.x, u.y, u.n FROM (VALUES (1, ARRAY[10, 20, 30], ARRAY[3, 4])) "
                                "AS t(id, a, b), unnest(t.a, t.b) WITH ORDINALITY u(x, y, n) ORDER BY u.n"),
            (std::vector<Row>{{"1", "10", "3", "1"}, {"1", "20", "4", "2"}, {"1", "30", std::nullopt, "3"}}));
  EXPECT_EQ(query_rows(c.get(), "SELECT count(*) FROM pg_index i, unnest(i.indkey, i.indoption) WITH ORDINALITY "
                                "koi(key, option, arridx) WHERE false"),
            (std::vector<Row>{{"0"}}));
  exec_ok(c.get(), "DROP TABLE IF EXISTS unnest_batch");
  exec_ok(c.get(), "CREATE TABLE unnest_batch (id integer, label text)");
  const char *values[] = {"{1,2,3}", "{one,two,three}"};
  Result r(PQexecParams(c.get(), "INSERT INTO unnest_batch SELECT * FROM unnest($1::int[], $2::text[])", 2, nullptr,
                        values, nullptr, nullptr, 0));
  ASSERT_EQ(PQresultStatus(r.get()), PGRES_COMMAND_OK) << PQresultErrorMessage(r.get());
  EXPECT_EQ(std::string(PQcmdStatus(r.get())), "INSERT 0 3");
  EXPECT_EQ(query_value(c.get(), "SELECT string_agg(id || ':' || label, ',' ORDER BY id) FROM unnest_batch"),
            "1:one,2:two,3:three");
  exec_ok(c.get(), "DROP TABLE unnest_batch");
}

// CHECKPOINT is a command (no rows); LISTEN/NOTIFY and LOCK TABLE, which Mallard does not have, are
// 0A000 saying so rather than syntax errors.
TEST_F(ClientCompat, UtilityCommandsDuckDbReadsOtherwise) {
  Conn c = conn();
  ASSERT_TRUE(c);
  Result r = exec(c.get(), "CHECKPOINT");
  ASSERT_EQ(PQresultStatus(r.get()), PGRES_COMMAND_OK) << PQresultErrorMessage(r.get());
  EXPECT_EQ(std::string(PQcmdStatus(r.get())), "CHECKPOINT");
  if (reference_mode()) return;
  // DuckDB's own PRAGMA and CALL statements still return their rows.
  Result pragma = exec(c.get(), "PRAGMA version");
  ASSERT_EQ(PQresultStatus(pragma.get()), PGRES_TUPLES_OK) << PQresultErrorMessage(pragma.get());
  EXPECT_EQ(PQntuples(pragma.get()), 1);
  EXPECT_EQ(std::string(PQcmdStatus(pragma.get())), "SELECT 1");
  Result call = exec(c.get(), "CALL pragma_version()");
  ASSERT_EQ(PQresultStatus(call.get()), PGRES_TUPLES_OK) << PQresultErrorMessage(call.get());
  EXPECT_EQ(std::string(PQcmdStatus(call.get())), "SELECT 1");
  for (const char *q : {"LISTEN jobs", "NOTIFY jobs, 'x'", "UNLISTEN *", "LOCK TABLE pg_class IN ACCESS SHARE MODE"}) {
    SqlError e = exec_error(c.get(), q);
    EXPECT_EQ(e.sqlstate, "0A000") << q;
    EXPECT_NE(e.message.find("not supported"), std::string::npos) << q << ": " << e.message;
  }
}

// current_role and user are the session's user (DuckDB's answer "duckdb"); SET ROLE takes NONE or
// the session's own user, as a user without other roles may in PostgreSQL.
TEST_F(ClientCompat, RoleIsTheSessionUser) {
  Conn c = conn();
  ASSERT_TRUE(c);
  std::string me = query_value(c.get(), "SELECT session_user");
  EXPECT_EQ(query_rows(c.get(), "SELECT current_role, user, current_user"), (std::vector<Row>{{me, me, me}}));
  EXPECT_EQ(query_value(c.get(), "SELECT count(*) WHERE user = current_user AND current_role = session_user"), "1");
  EXPECT_EQ(query_value(c.get(), "SHOW role"), "none");
  exec_ok(c.get(), "SET ROLE " + me);
  EXPECT_EQ(query_value(c.get(), "SHOW role"), me);
  exec_ok(c.get(), "RESET ROLE");
  EXPECT_EQ(query_value(c.get(), "SHOW role"), "none");
  exec_ok(c.get(), "SET ROLE NONE");
  if (!reference_mode()) {
    EXPECT_EQ(exec_error(c.get(), "SET ROLE someone_else").sqlstate, "42501");
  }
}

TEST_F(ClientCompat, CatalogFunctionsDriversCall) {
  Conn c = conn();
  ASSERT_TRUE(c);
  EXPECT_EQ(query_value(c.get(), "SELECT pg_backend_pid()"), std::to_string(PQbackendPID(c.get())));
  EXPECT_EQ(query_value(c.get(), "SELECT pg_typeof(txid_current())::text"), "bigint");
  EXPECT_EQ(query_value(c.get(), "SELECT txid_current() > 0"), "t");
  EXPECT_EQ(query_value(c.get(), "SELECT current_schemas(true)"), "{pg_catalog," + expected_schema() + "}");
  EXPECT_EQ(query_value(c.get(), "SELECT current_schemas(false)"), "{" + expected_schema() + "}");
  auto kw = query_rows(c.get(), "SELECT word, catcode::text, catdesc FROM pg_catalog.pg_get_keywords() "
                                "WHERE word IN ('select', 'abort', 'between', 'authorization') ORDER BY word");
  ASSERT_EQ(kw.size(), 4u);
  EXPECT_EQ(*kw[0][1], "U");  // abort
  EXPECT_EQ(*kw[1][1], "T");  // authorization: reserved, can be a function or type name
  EXPECT_EQ(*kw[2][1], "C");  // between
  EXPECT_EQ(*kw[3][1], "R");  // select
  EXPECT_EQ(*kw[3][2], "reserved");
  // The spelled-out cast reads names as ::regclass does (SQLAlchemy writes it so).
  EXPECT_EQ(query_value(c.get(), "SELECT CAST('pg_catalog.pg_class' AS REGCLASS) = 'pg_class'::regclass"), "t");
  EXPECT_EQ(query_value(c.get(), "SELECT CAST('int4' AS regtype) = 23"), "t");
  // encode/decode of bytea in hex and base64 (lines of 76 characters).
  EXPECT_EQ(query_value(c.get(), "SELECT encode('\\x0a0bff'::bytea, 'hex')"), "0a0bff");
  EXPECT_EQ(query_value(c.get(), "SELECT encode('hello'::bytea, 'base64')"), "aGVsbG8=");
  EXPECT_EQ(query_value(c.get(), "SELECT decode('aGVs\nbG8=', 'base64')"), "\\x68656c6c6f");
  EXPECT_EQ(query_value(c.get(), "SELECT decode('0A0bff', 'hex')"), "\\x0a0bff");
  EXPECT_EQ(query_value(c.get(), "SELECT length(encode(decode(repeat('ab', 100), 'hex'), 'base64')) || ',' || "
                                 "position(chr(10) in encode(decode(repeat('ab', 100), 'hex'), 'base64'))"),
            "137,77");
  // A set-returning function in the select list gives rows, not one list.
  auto series = query_rows(c.get(), "SELECT generate_series(1, 3) ORDER BY 1 DESC");
  ASSERT_EQ(series.size(), 3u);
  EXPECT_EQ(*series[0][0], "3");
  EXPECT_EQ(query_value(c.get(), "SELECT count(*) FROM (SELECT generate_series(1, 10) AS g) s WHERE g % 2 = 0"), "5");
  // to_reg*() answer NULL where the casts raise errors; "public" names the default schema.
  exec_ok(c.get(), "DROP TABLE IF EXISTS looked_up");
  exec_ok(c.get(), "CREATE TABLE looked_up (a integer)");
  EXPECT_EQ(query_value(c.get(), "SELECT to_regclass('looked_up') = 'public.looked_up'::regclass"), "t");
  EXPECT_EQ(query_value(c.get(), "SELECT to_regclass('public.looked_up') = 'looked_up'::regclass"), "t");
  EXPECT_EQ(query_value(c.get(), "SELECT to_regclass('no_such_table') IS NULL"), "t");
  EXPECT_EQ(query_value(c.get(), "SELECT to_regtype('int4') = 'integer'::regtype"), "t");
  EXPECT_EQ(query_value(c.get(), "SELECT to_regtype('no_such_type') IS NULL"), "t");
  EXPECT_EQ(query_value(c.get(), "SELECT to_regnamespace('public') = 'public'::regnamespace"), "t");
  EXPECT_EQ(query_value(c.get(), "SELECT pg_get_serial_sequence('looked_up', 'a')"), "<NULL>");
  // Over a column of OIDs, CAST(... AS regclass) names the relation (SQLAlchemy 2's reflection).
  EXPECT_EQ(query_value(c.get(), "SELECT CAST(CAST(c.oid AS REGCLASS) AS TEXT) FROM pg_catalog.pg_class c "
                                 "WHERE c.relname = 'looked_up'"),
            "looked_up");
  // Catalog columns named with their schema and relation, as SQLAlchemy 2 writes them.
  EXPECT_EQ(query_value(c.get(), "SELECT pg_catalog.pg_class.relname FROM pg_catalog.pg_class JOIN pg_catalog.pg_namespace "
                                 "ON pg_catalog.pg_namespace.oid = pg_catalog.pg_class.relnamespace WHERE "
                                 "pg_catalog.pg_class.relname = 'looked_up' AND pg_catalog.pg_namespace.nspname = '" +
                                     expected_schema() + "'"),
            "looked_up");
  exec_ok(c.get(), "DROP TABLE looked_up");
  EXPECT_EQ(query_value(c.get(), "SELECT format_type(1043, 20)"), "character varying(16)");
  EXPECT_EQ(query_value(c.get(), "SELECT format_type(1042, 5)"), "character(1)");
  EXPECT_EQ(query_value(c.get(), "SELECT format_type(1043, -1)"), "character varying");
  EXPECT_EQ(query_value(c.get(), "SELECT format_type(1043, NULL)"), "character varying");
  // Failed lookups raise what PostgreSQL raises (psycopg's TypeInfo.fetch expects 42704).
  EXPECT_EQ(exec_error(c.get(), "SELECT 'no_such_type'::regtype").sqlstate, "42704");
  EXPECT_EQ(exec_error(c.get(), "SELECT 'no_such_table'::regclass").sqlstate, "42P01");
  EXPECT_EQ(exec_error(c.get(), "SELECT 'no_such_schema'::regnamespace").sqlstate, "3F000");
}

// Interval, array, text and set-returning functions of PostgreSQL that DuckDB lacks or has with
// other arguments or columns, and BETWEEN SYMMETRIC.
TEST_F(ClientCompat, MoreFunctionsDuckDbLacks) {
  Conn c = conn();
  ASSERT_TRUE(c);
  expect_values(c.get(), {
      {"make_interval(days => 10)", "10 days"},
      {"make_interval(1, 2, 3, 4, 5, 6, 7.5)", "1 year 2 mons 25 days 05:06:07.5"},
      {"make_interval(hours => 1, mins => 30) = interval '90 minutes'", "t"},
      {"div(9, 4) || ',' || div(-9, 4) || ',' || div(9.5, 2)", "2,-2,4"},
      {"array_dims(ARRAY[1, 2, 3]) || ',' || array_ndims(ARRAY[1, 2]) || ',' || array_ndims(ARRAY[[1], [2]])", "[1:3],1,2"},
      {"array_dims('{}'::int[])", "<NULL>"},
      {"array_fill(7, ARRAY[3])", "{7,7,7}"},
      {"array_to_string(ARRAY[1, NULL, 3], ',', '*') || ';' || array_to_string(ARRAY[1, NULL, 3], ',')", "1,*,3;1,3"},
      {"lpad('ab', 5, '*') || rpad('ab', 5) || lpad('abcdef', 3) || '|'", "***abab   abc|"},
      {"overlay('abcdef' placing 'zz' from 2 for 3) || ',' || overlay('abcdef' placing 'zz' from 2)", "azzef,azzdef"},
      {"encode(sha256('abc'::bytea), 'hex')", "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"},
      {"(5 BETWEEN SYMMETRIC 10 AND 1)::text || (5 NOT BETWEEN SYMMETRIC 10 AND 6)::text || "
       "(5 BETWEEN ASYMMETRIC 10 AND 1)::text",
       "truetruefalse"},
      {"string_agg(x::text, ',' ORDER BY x) FROM generate_series(1, 5) AS g(x) WHERE x BETWEEN SYMMETRIC 4 AND 2", "2,3,4"},
      // generate_series of timestamps with string constants, typed from the other arguments.
      {"count(*) FROM generate_series('2020-01-01'::date, '2020-12-31', '1 mon')", "12"},
      {"string_agg(g::date::text, ',') FROM generate_series(timestamp '2020-01-01', '2020-01-03', '1 day') AS g",
       "2020-01-01,2020-01-02,2020-01-03"},
      {"count(*) FROM generate_series('2020-01-01', '2020-12-31'::timestamp, '1 week')", "53"},
      // format() and concat() write booleans as t and f (their output function); || and ::text as
      // true and false (their cast).
      {"format('%s|%L', false, true) || concat('a', true) || concat_ws(',', 'b', NULL, false) || ('c' || true) || true::text",
       "f|'t'atb,fctruetrue"},
      {"string_agg(concat(x, '!'), ',') FROM (VALUES (true), (NULL)) AS v(x)", "t!,!"},
      // Strings with Unicode escapes, and the wall clock as text.
      {"U&'d\\0061t\\+000061' || U&'d!0061t!+000061' UESCAPE '!' || u&'\\00e9\\\\'", "datadataé\\"},
      {"U&'\\D83D\\DE00' = '\xF0\x9F\x98\x80' AND U&'\\20AC' = '\xE2\x82\xAC'", "t"},
      {"length(timeofday()) > 20", "t"},
      // An explicit cast to varchar(n) cuts the text.
      {"'abc'::varchar(2) || cast('abcdef' AS varchar(3)) || 'xyz'::character varying(1) || 12345::varchar(3)",
       "ababcx123"},
      {"string_agg(x::varchar(2), ',') FROM (VALUES ('hello'), ('éa'), ('b')) AS v(x)", "he,éa,b"},
  });
  // Intervals as the wire writes them (DuckDB's interval::text has its own words).
  EXPECT_EQ(query_rows(c.get(), "SELECT justify_days(interval '35 days'), justify_days(interval '-35 days'), "
                                "justify_days(interval '1 mon -35 days')"),
            (std::vector<Row>{{"1 mon 5 days", "-1 mons -5 days", "-5 days"}}));
  EXPECT_EQ(query_rows(c.get(), "SELECT justify_hours(interval '27 hours'), justify_hours(interval '-27 hours'), "
                                "justify_hours(interval '1 day -27 hours'), justify_hours(interval '-1 day 3 hours')"),
            (std::vector<Row>{{"1 day 03:00:00", "-1 days -03:00:00", "-03:00:00", "-21:00:00"}}));
  EXPECT_EQ(query_rows(c.get(), "SELECT justify_interval(interval '1 mon -1 hour'), "
                                "justify_interval(interval '-1 mon 1 hour'), justify_interval(interval '65 days 30 hours'), "
                                "justify_interval(interval '1 mon -30 days')"),
            (std::vector<Row>{{"29 days 23:00:00", "-29 days -23:00:00", "2 mons 6 days 06:00:00", "00:00:00"}}));
  EXPECT_EQ(query_rows(c.get(), "SELECT * FROM regexp_split_to_table('a1b2c', '[0-9]')"),
            (std::vector<Row>{{"a"}, {"b"}, {"c"}}));
  EXPECT_EQ(query_rows(c.get(), "SELECT regexp_split_to_table('a1b', '[0-9]') AS p"), (std::vector<Row>{{"a"}, {"b"}}));
  EXPECT_EQ(query_rows(c.get(), "SELECT x FROM string_to_table('a,b', ',') AS t(x)"), (std::vector<Row>{{"a"}, {"b"}}));
  EXPECT_EQ(query_rows(c.get(), "SELECT * FROM string_to_table('ab', NULL)"), (std::vector<Row>{{"a"}, {"b"}}));
  // json[b]_each[_text] have PostgreSQL's two columns.
  Result each = exec(c.get(), "SELECT * FROM jsonb_each('{\"a\":1,\"b\":\"x\"}') ORDER BY key");
  ASSERT_EQ(PQresultStatus(each.get()), PGRES_TUPLES_OK) << PQresultErrorMessage(each.get());
  EXPECT_EQ(PQnfields(each.get()), 2);
  EXPECT_EQ(std::string(PQfname(each.get(), 0)), "key");
  EXPECT_EQ(std::string(PQfname(each.get(), 1)), "value");
  EXPECT_EQ(query_rows(c.get(), "SELECT key, value FROM json_each_text('{\"a\":1,\"b\":\"x\",\"c\":null}') ORDER BY key"),
            (std::vector<Row>{{"a", "1"}, {"b", "x"}, {"c", std::nullopt}}));
  EXPECT_EQ(query_rows(c.get(), "SELECT e.value::text FROM json_each('{\"a\":[1,2]}') AS e"), (std::vector<Row>{{"[1,2]"}}));
  EXPECT_EQ(query_rows(c.get(), "SELECT jsonb_object_keys('{\"a\":1,\"b\":2}') AS k ORDER BY k"),
            (std::vector<Row>{{"a"}, {"b"}}));
  EXPECT_EQ(query_rows(c.get(), "SELECT * FROM json_object_keys('{\"a\":1}')"), (std::vector<Row>{{"a"}}));
  // The alias of a function of one column names the value, not the row.
  EXPECT_EQ(query_rows(c.get(), "SELECT k FROM jsonb_object_keys('{\"a\":1}') AS k"), (std::vector<Row>{{"a"}}));
  EXPECT_EQ(query_rows(c.get(), "SELECT p FROM regexp_split_to_table('a1b', '[0-9]') p WHERE p = 'b'"),
            (std::vector<Row>{{"b"}}));
  EXPECT_EQ(query_rows(c.get(), "SELECT s || '!' FROM string_to_table('a,b', ',') AS s ORDER BY s"),
            (std::vector<Row>{{"a!"}, {"b!"}}));
  EXPECT_EQ(query_rows(c.get(), "SELECT octet_length('é'), octet_length('\\xc3a9'::bytea), octet_length(x), "
                                "octet_length(NULL::text) FROM (VALUES ('ab'::text)) AS v(x)"),
            (std::vector<Row>{{"2", "2", "2", std::nullopt}}));
  EXPECT_EQ(exec_error(c.get(), "SELECT div(1, 0)").sqlstate, "22012");
  for (const char *bad : {"SELECT U&'\\0000'", "SELECT U&'\\D83D'", "SELECT U&'\\12'", "SELECT U&'x' UESCAPE 'ab'"})
    EXPECT_EQ(exec_error(c.get(), bad).sqlstate, "42601") << bad;
  if (!reference_mode())
    EXPECT_EQ(exec_error(c.get(), "SELECT 1 BETWEEN SYMMETRIC 2 + 1 AND 0").sqlstate, "0A000");
}

// jsonb's key, path, containment and concatenation operators (what ORMs' JSON lookups write), on
// a table's jsonb column, with literals and with parameters.
TEST_F(ClientCompat, JsonbOperators) {
  Conn c = conn();
  ASSERT_TRUE(c);
  exec_ok(c.get(), "DROP TABLE IF EXISTS jdocs_ops");
  exec_ok(c.get(), "CREATE TABLE jdocs_ops (id integer, d jsonb)");
  exec_ok(c.get(), "INSERT INTO jdocs_ops VALUES (1, '{\"k\": 1, \"tags\": [\"x\", \"y\"], \"n\": {\"m\": \"deep\"}}'), "
                   "(2, '{\"j\": 2, \"tags\": [\"z\"]}'), (3, '[\"k\", \"w\"]'), (4, NULL)");
  auto ids = [&](const std::string &where) {
    return query_value(c.get(), "SELECT coalesce(string_agg(id::text, ',' ORDER BY id), '-') FROM jdocs_ops WHERE " + where);
  };
  EXPECT_EQ(ids("d ? 'k'"), "1,3");
  EXPECT_EQ(ids("d ?| ARRAY['j', 'w']"), "2,3");
  EXPECT_EQ(ids("d ?& '{k,tags}'"), "1");
  EXPECT_EQ(ids("d @> '{\"tags\": [\"x\"]}'"), "1");
  EXPECT_EQ(ids("d @> '{\"tags\": [\"x\"]}'::jsonb OR d @> '[\"w\"]'"), "1,3");
  EXPECT_EQ(ids("'{\"j\": 2}'::jsonb <@ d"), "2");
  EXPECT_EQ(ids("(d -> 'n') ? 'm'"), "1");
  EXPECT_EQ(ids("d #>> '{n,m}' = 'deep'"), "1");
  EXPECT_EQ(ids("d #>> '{tags,0}' = 'z'"), "2");
  EXPECT_EQ(ids("d @> jsonb_build_object('k', 1)"), "1");
  // -> binds as tightly as the other json operators (DuckDB reads it as its lambda arrow).
  EXPECT_EQ(ids("d -> 'n' IS NOT NULL"), "1");
  EXPECT_EQ(ids("d #> '{n}' IS NOT NULL AND d -> 'k' = '1'::jsonb"), "1");
  EXPECT_EQ(ids("d -> 'n' ->> 'm' = 'deep' AND d -> 'tags' -> 0 IS NOT NULL"), "1");
  if (!reference_mode())  // DuckDB's own lambdas stay lambdas
    EXPECT_EQ(query_value(c.get(), "SELECT list_transform([1, 2], x -> x + 1)::text"), "[2, 3]");
  expect_values(c.get(), {
      {"'[1,2,[1,3]]'::jsonb @> '[1,3]'", "f"},
      {"'[1,2,[1,3]]'::jsonb @> '[[1,3]]'", "t"},
      {"'[\"foo\",\"bar\"]'::jsonb @> '\"foo\"'::jsonb", "t"},
      {"'{\"a\":{\"b\":[1,2]}}'::jsonb @> '{\"a\":{\"b\":[2]}}'", "t"},
      {"'{\"a\": 1}'::jsonb @> '{\"a\": 1.0}'", "t"},
      {"('{\"a\":1}'::jsonb || '{\"b\":2}') = '{\"a\":1,\"b\":2}'::jsonb", "t"},
      {"jsonb_array_length('[1,2]'::jsonb || '[3]'::jsonb || '4'::jsonb)", "4"},
      {"('{\"a\":1}'::jsonb || '{\"a\":2}'::jsonb) ->> 'a'", "2"},
      // Arrays and text keep their own operators.
      {"(ARRAY[1, 2] @> ARRAY[1])::text || (ARRAY[1] <@ ARRAY[1, 2])::text || ('x' || '{\"a\":1}')", "truetruex{\"a\":1}"},
      {"'{\"a\":1}'::jsonb ? 'a' AND true", "t"},
      // jsonb_set with a literal path, positions from either end, and create_missing.
      {"jsonb_set('{\"a\":{\"b\":[1,2]}}', '{a,b,0}', '\"x\"') #>> '{a,b,0}'", "x"},
      {"jsonb_set('{\"a\":[1,2]}', '{a,-1}', '9') #>> '{a,1}'", "9"},
      {"jsonb_array_length(jsonb_set('{\"a\":[1,2]}', '{a,5}', '3') -> 'a')", "3"},
      {"jsonb_set('{\"a\":[1,2]}', '{a,-5}', '0') #>> '{a,0}'", "0"},
      {"(jsonb_set('{\"a\":1}', '{b}', '2', false) ? 'b')::text || (jsonb_set('{\"a\":1}', '{b}', '2') ? 'b')::text",
       "falsetrue"},
      {"jsonb_set('{\"a\":1}', '{x,y}', '2') ? 'x'", "f"},
      {"jsonb_set('{\"a\":1}', '{a}', NULL) IS NULL", "t"},
      {"('{\"a\":1}'::jsonb ? NULL) IS NULL", "t"},
  });
  EXPECT_EQ(exec_error(c.get(), "SELECT jsonb_set('[1,2]', '{x}', '2')").sqlstate, "22P02");
  EXPECT_EQ(exec_error(c.get(), "SELECT jsonb_set('{\"a\":1}', ARRAY['a', NULL], '2')").sqlstate, "22004");
  EXPECT_EQ(exec_error(c.get(), "SELECT jsonb_set('1', '{a}', '2')").sqlstate, "22023");
  // Parameters: a key, a path of keys and a document.
  const char *key[] = {"tags"};
  Result r(PQexecParams(c.get(), "SELECT string_agg(id::text, ',' ORDER BY id) FROM jdocs_ops WHERE d ? $1", 1, nullptr,
                        key, nullptr, nullptr, 0));
  ASSERT_EQ(PQresultStatus(r.get()), PGRES_TUPLES_OK) << PQresultErrorMessage(r.get());
  EXPECT_EQ(std::string(PQgetvalue(r.get(), 0, 0)), "1,2");
  const char *path[] = {"{n,m}"};
  Result p(PQexecParams(c.get(), "SELECT d #>> $1::text[] FROM jdocs_ops WHERE id = 1", 1, nullptr, path, nullptr,
                        nullptr, 0));
  ASSERT_EQ(PQresultStatus(p.get()), PGRES_TUPLES_OK) << PQresultErrorMessage(p.get());
  EXPECT_EQ(std::string(PQgetvalue(p.get(), 0, 0)), "deep");
  const char *doc[] = {"{\"tags\": [\"z\"]}"};
  Result d(PQexecParams(c.get(), "SELECT string_agg(id::text, ',') FROM jdocs_ops WHERE d @> $1::jsonb", 1, nullptr, doc,
                        nullptr, nullptr, 0));
  ASSERT_EQ(PQresultStatus(d.get()), PGRES_TUPLES_OK) << PQresultErrorMessage(d.get());
  EXPECT_EQ(std::string(PQgetvalue(d.get(), 0, 0)), "2");
  exec_ok(c.get(), "UPDATE jdocs_ops SET d = jsonb_set(d, '{n,m}', '\"shallow\"') WHERE id = 1");
  EXPECT_EQ(ids("d #>> '{n,m}' = 'shallow'"), "1");
  exec_ok(c.get(), "DROP TABLE jdocs_ops");
}

// What Ruby on Rails' PostgreSQL adapter sends when it connects: IntervalStyle iso_8601 (durations
// are read and written as ISO 8601), its settings, and the type map query, which finds array
// types by their input function written as a regprocedure.
TEST_F(ClientCompat, RailsConnectStatements) {
  Conn c = conn();
  ASSERT_TRUE(c);
  for (const char *q : {"SET client_min_messages TO 'warning'", "SET standard_conforming_strings = on",
                        "SET intervalstyle = iso_8601", "SET SESSION timezone TO 'UTC'"})
    exec_ok(c.get(), q);
  EXPECT_EQ(query_value(c.get(), "SHOW intervalstyle"), "iso_8601");
  EXPECT_EQ(query_rows(c.get(), "SELECT interval '1 year 2 months 3 days 04:05:06.5', interval '-1 days', "
                                "interval '-4 hours -5 minutes -6.5 seconds', interval '0', "
                                "interval '14 months -3 days 1 hour', ARRAY[interval '1 day', interval '2 hours']"),
            (std::vector<Row>{{"P1Y2M3DT4H5M6.5S", "P-1D", "PT-4H-5M-6.5S", "PT0S", "P1Y2M-3DT1H", "{P1D,PT2H}"}}));
  const char *iso[] = {"P1DT2H"};
  Result r(PQexecParams(c.get(), "SELECT $1::interval + interval '1 hour'", 1, nullptr, iso, nullptr, nullptr, 0));
  ASSERT_EQ(PQresultStatus(r.get()), PGRES_TUPLES_OK) << PQresultErrorMessage(r.get());
  EXPECT_EQ(std::string(PQgetvalue(r.get(), 0, 0)), "P1DT3H");
  EXPECT_EQ(query_value(c.get(), "SELECT count(*) > 5 FROM pg_type AS t LEFT JOIN pg_range AS r ON oid = rngtypid "
                                 "WHERE t.typname IN ('int2', 'int4', 'int8', 'text') OR t.typtype IN ('r', 'e', 'd') "
                                 "OR t.typinput = 'array_in(cstring,oid,integer)'::regprocedure OR t.typelem != 0"),
            "t");
  EXPECT_EQ(query_value(c.get(), "SELECT count(*) > 5 FROM pg_type t "
                                 "WHERE t.typinput = 'array_in(cstring,oid,integer)'::regprocedure"),
            "t");
  exec_ok(c.get(), "RESET intervalstyle");
  EXPECT_EQ(query_value(c.get(), "SELECT interval '1 day 2 hours'"), "1 day 02:00:00");
  if (!reference_mode())  // the other styles are not written here
    EXPECT_EQ(exec_error(c.get(), "SET intervalstyle = sql_standard").sqlstate, "0A000");
}

// SIMILAR TO takes SQL regular expressions: '%' and '_' as in LIKE, a literal '.', and an escape
// character (backslash unless ESCAPE says otherwise).
TEST_F(ClientCompat, SimilarToReadsSqlRegularExpressions) {
  Conn c = conn();
  ASSERT_TRUE(c);
  expect_values(c.get(), {
      {"'abc' SIMILAR TO 'a%'", "t"},
      {"('abc' SIMILAR TO 'a_c')::text || ('abc' SIMILAR TO 'a.c')::text || ('a.c' SIMILAR TO 'a.c')::text",
       "truefalsetrue"},
      {"'abd' SIMILAR TO '%(b|d)%' AND 'xyz' NOT SIMILAR TO '%(b|d)%'", "t"},
      {"('a%c' SIMILAR TO 'a\\%c')::text || ('abc' SIMILAR TO 'a\\%c')::text", "truefalse"},
      {"'a%c' SIMILAR TO 'a#%c' ESCAPE '#'", "t"},
      {"'a\\c' SIMILAR TO 'a\\c' ESCAPE ''", "t"},
      {"('abc' SIMILAR TO '[a-c]+')::text || ('abcd' SIMILAR TO '[a-c]+')::text", "truefalse"},
      {"'ab' SIMILAR TO 'a' || 'b'", "t"},
      {"('aaa' SIMILAR TO 'a{2,3}')::text || ('a' SIMILAR TO 'a{2,3}')::text", "truefalse"},
      {"E'a\\nb' SIMILAR TO 'a_b'", "t"},
      {"count(*) FROM (VALUES ('apple'), ('banana'), ('cherry')) AS v(x) WHERE x SIMILAR TO '(a|b)%'", "2"},
      {"CASE WHEN 'abc' SIMILAR TO 'a%' THEN 1 ELSE 0 END", "1"},
      {"NULL SIMILAR TO 'a'", "<NULL>"},
  });
  EXPECT_EQ(exec_error(c.get(), "SELECT 'x' SIMILAR TO 'x' ESCAPE 'ab'").sqlstate, "22025");
}

// A name cast to regclass, regtype or regnamespace compares as an OID but is shown by name, as
// PostgreSQL's reg* types are; the column is named after the type.
TEST_F(ClientCompat, RegCastsAreShownByName) {
  Conn c = conn();
  ASSERT_TRUE(c);
  Result r = exec(c.get(), "SELECT 'pg_class'::regclass, 'int4'::regtype, 'pg_catalog'::regnamespace, "
                           "CAST('pg_type' AS regclass), to_regclass('pg_class') AS t, 'pg_type'::regclass::text");
  ASSERT_EQ(PQresultStatus(r.get()), PGRES_TUPLES_OK) << PQresultErrorMessage(r.get());
  const char *shown[] = {"pg_class", "integer", "pg_catalog", "pg_type", "pg_class", "pg_type"};
  const char *names[] = {"regclass", "regtype", "regnamespace", "regclass", "t", "text"};
  for (int i = 0; i < 6; ++i) {
    EXPECT_EQ(std::string(PQgetvalue(r.get(), 0, i)), shown[i]) << i;
    EXPECT_EQ(std::string(PQfname(r.get(), i)), names[i]) << i;
  }
  EXPECT_EQ(query_value(c.get(), "SELECT to_regclass('no_such_table')"), "<NULL>");
  // In expressions they stay OIDs.
  expect_values(c.get(), {
      {"'pg_class'::regclass = 'pg_catalog.pg_class'::regclass", "t"},
      {"'pg_class'::regclass::oid = 1259", "t"},
      {"r = 'pg_class'::regclass FROM (SELECT 'pg_class'::regclass AS r) s", "t"},
      {"(SELECT 'int4'::regtype) = 23", "t"},
      // Cast to text, anywhere, it is the name.
      {"'pg_class'::regclass::text || '/' || 'int8'::regtype::text", "pg_class/bigint"},
      {"count(*) FROM (VALUES ('pg_class')) AS v(n) WHERE 'pg_class'::regclass::text = n", "1"},
  });
  exec_ok(c.get(), "DROP TABLE IF EXISTS reg_shown");
  exec_ok(c.get(), "CREATE TABLE reg_shown (a integer)");
  EXPECT_EQ(query_value(c.get(), "SELECT 'reg_shown'::regclass"), "reg_shown");
  EXPECT_EQ(query_value(c.get(), "SELECT attname FROM pg_attribute WHERE attrelid = 'reg_shown'::regclass AND attnum = 1"),
            "a");
  EXPECT_EQ(query_value(c.get(), "SELECT relname FROM pg_class WHERE oid = (SELECT 'reg_shown'::regclass)"), "reg_shown");
  // pg_get_viewdef takes the view's name as well as its OID.
  exec_ok(c.get(), "CREATE VIEW reg_shown_v AS SELECT a FROM reg_shown");
  EXPECT_EQ(query_value(c.get(), "SELECT pg_get_viewdef('reg_shown_v') = pg_get_viewdef('reg_shown_v'::regclass) AND "
                                 "pg_get_viewdef('reg_shown_v') LIKE '%reg_shown%'"),
            "t");
  exec_ok(c.get(), "DROP VIEW reg_shown_v");
  exec_ok(c.get(), "DROP TABLE reg_shown");
}

TEST_F(ClientCompat, SettingsDriversSetOnConnect) {
  Conn c = conn();
  ASSERT_TRUE(c);
  NoticeLog log;
  log.attach(c.get());
  // Rails, Django, pgAdmin and pools send these; they change nothing an answer depends on here.
  for (const char *set : {"SET work_mem = '64MB'", "SET maintenance_work_mem TO '256MB'", "SET lock_timeout = '5s'",
                          "SET jit = off", "SET row_security = on", "SET synchronous_commit TO off",
                          "SET check_function_bodies = false"})
    exec_ok(c.get(), set);
  EXPECT_EQ(query_value(c.get(), "SHOW work_mem"), "64MB");
  EXPECT_EQ(query_value(c.get(), "SHOW lock_timeout"), "5s");
  EXPECT_EQ(query_value(c.get(), "SHOW lc_collate"), reference_mode() ? query_value(c.get(), "SHOW lc_collate") : "C");
  EXPECT_EQ(exec_error(c.get(), "SET lc_collate = 'C'").sqlstate, "55P02");
  EXPECT_EQ(query_value(c.get(), "SHOW max_index_keys"), "32");
  EXPECT_EQ(query_value(c.get(), "SELECT setting FROM pg_catalog.pg_settings WHERE name = 'max_index_keys'"), "32");
  EXPECT_EQ(query_value(c.get(), "SELECT setting FROM pg_settings WHERE name = 'work_mem'"),
            reference_mode() ? "65536" : "64MB");
  // pgAdmin's form: one row per matching setting.
  EXPECT_EQ(query_value(c.get(), "SELECT set_config('bytea_output', 'hex', false) FROM pg_settings "
                                 "WHERE name = 'bytea_output'"),
            "hex");
  // client_min_messages filters notices by level.
  exec_ok(c.get(), "SET client_min_messages TO 'warning'");
  EXPECT_EQ(query_value(c.get(), "SHOW client_min_messages"), "warning");
  exec_ok(c.get(), "BEGIN");
  exec_ok(c.get(), "BEGIN");  // a WARNING: still sent
  exec_ok(c.get(), "COMMIT");
  ASSERT_EQ(log.items.size(), 1u);
  EXPECT_EQ(log.items[0].sqlstate, "25001");
  exec_ok(c.get(), "SET client_min_messages = error");
  exec_ok(c.get(), "BEGIN");
  exec_ok(c.get(), "BEGIN");
  exec_ok(c.get(), "COMMIT");
  EXPECT_EQ(log.items.size(), 1u);
  EXPECT_EQ(exec_error(c.get(), "SET client_min_messages = loud").sqlstate, "22023");
  exec_ok(c.get(), "RESET client_min_messages");
  EXPECT_EQ(query_value(c.get(), "SHOW client_min_messages"), "notice");
}

TEST_F(ClientCompat, SetConfigChangesSettingsLikeSet) {
  Conn c = conn();
  ASSERT_TRUE(c);
  // Django's time zone statement, with the value as a literal and as a parameter.
  EXPECT_EQ(query_value(c.get(), "SELECT set_config('TimeZone', 'Europe/Paris', false)"), "Europe/Paris");
  EXPECT_EQ(query_value(c.get(), "SHOW TimeZone"), "Europe/Paris");
  EXPECT_EQ(query_value(c.get(), "SELECT TIMESTAMPTZ '2024-01-01 12:00:00+00'::text"), "2024-01-01 13:00:00+01");
  const char *zone = "America/New_York";
  Result r(PQexecParams(c.get(), "SELECT set_config('TimeZone', $1, false)", 1, nullptr, &zone, nullptr, nullptr, 0));
  ASSERT_EQ(PQresultStatus(r.get()), PGRES_TUPLES_OK) << PQresultErrorMessage(r.get());
  EXPECT_EQ(std::string(PQfname(r.get(), 0)), "set_config");
  EXPECT_EQ(std::string(PQgetvalue(r.get(), 0, 0)), "America/New_York");
  EXPECT_EQ(query_value(c.get(), "SHOW TimeZone"), "America/New_York");
  const char *args[] = {"application_name", "from-params", "false"};
  r.reset(PQexecParams(c.get(), "SELECT pg_catalog.set_config($1, $2, $3::boolean) AS applied", 3, nullptr, args,
                       nullptr, nullptr, 0));
  ASSERT_EQ(PQresultStatus(r.get()), PGRES_TUPLES_OK) << PQresultErrorMessage(r.get());
  EXPECT_EQ(std::string(PQfname(r.get(), 0)), "applied");
  EXPECT_EQ(query_value(c.get(), "SHOW application_name"), "from-params");
  // is_local: until the end of the transaction.
  exec_ok(c.get(), "SET work_mem = '4MB'");
  exec_ok(c.get(), "BEGIN");
  EXPECT_EQ(query_value(c.get(), "SELECT set_config('work_mem', '1MB', true)"), "1MB");
  EXPECT_EQ(query_value(c.get(), "SHOW work_mem"), "1MB");
  exec_ok(c.get(), "COMMIT");
  EXPECT_EQ(query_value(c.get(), "SHOW work_mem"), "4MB");
  EXPECT_EQ(query_value(c.get(), "SELECT set_config('work_mem', '2MB', true)"), "2MB");
  EXPECT_EQ(query_value(c.get(), "SHOW work_mem"), "4MB");  // its own transaction ended with it
  // A session-wide set_config in a transaction that rolls back is undone, as SET is.
  exec_ok(c.get(), "BEGIN");
  EXPECT_EQ(query_value(c.get(), "SELECT set_config('work_mem', '3MB', false)"), "3MB");
  exec_ok(c.get(), "ROLLBACK");
  EXPECT_EQ(query_value(c.get(), "SHOW work_mem"), "4MB");
  // Custom settings, and errors.
  EXPECT_EQ(query_value(c.get(), "SELECT set_config('myapp.tenant', '42', false)"), "42");
  EXPECT_EQ(query_value(c.get(), "SELECT current_setting('myapp.tenant')"), "42");
  EXPECT_EQ(exec_error(c.get(), "SELECT set_config('no_such_setting', '1', false)").sqlstate, "42704");
  EXPECT_EQ(exec_error(c.get(), "SELECT set_config('lc_collate', 'C', false)").sqlstate, "55P02");
  exec_ok(c.get(), "SET TimeZone = 'UTC'");
}

// Connection pools send DISCARD ALL before handing a connection to the next client.
TEST_F(ClientCompat, DiscardAllResetsTheSession) {
  Conn c = conn();
  ASSERT_TRUE(c);
  exec_ok(c.get(), "SET work_mem = '9MB'");
  exec_ok(c.get(), "CREATE TEMP TABLE discarded (x integer)");
  exec_ok(c.get(), "PREPARE discarded_stmt AS SELECT 1");
  Result prep(PQprepare(c.get(), "discarded_proto", "SELECT 2", 0, nullptr));
  ASSERT_EQ(PQresultStatus(prep.get()), PGRES_COMMAND_OK);
  exec_ok(c.get(), "BEGIN");
  exec_ok(c.get(), "DECLARE discarded_cur CURSOR WITH HOLD FOR SELECT 1");
  EXPECT_EQ(exec_error(c.get(), "DISCARD ALL").sqlstate, "25001");
  exec_ok(c.get(), "ROLLBACK");
  exec_ok(c.get(), "BEGIN");
  exec_ok(c.get(), "DECLARE discarded_cur CURSOR WITH HOLD FOR SELECT 1");
  exec_ok(c.get(), "COMMIT");
  EXPECT_EQ(exec_ok(c.get(), "DISCARD ALL"), "DISCARD ALL");
  EXPECT_EQ(query_value(c.get(), "SHOW work_mem"), "4MB");
  EXPECT_EQ(exec_error(c.get(), "SELECT * FROM discarded").sqlstate, "42P01");
  EXPECT_EQ(exec_error(c.get(), "FETCH 1 FROM discarded_cur").sqlstate, "34000");
  Result gone(PQdescribePrepared(c.get(), "discarded_proto"));
  EXPECT_EQ(error_of(gone.get()).sqlstate, "26000");
  EXPECT_EQ(exec_error(c.get(), "EXECUTE discarded_stmt").sqlstate, "26000");
  // The other forms.
  exec_ok(c.get(), "CREATE TEMP TABLE discarded (x integer)");
  EXPECT_EQ(exec_ok(c.get(), "DISCARD TEMP"), "DISCARD TEMP");
  EXPECT_EQ(exec_error(c.get(), "SELECT * FROM discarded").sqlstate, "42P01");
  EXPECT_EQ(exec_ok(c.get(), "DISCARD PLANS"), "DISCARD PLANS");
  EXPECT_EQ(exec_ok(c.get(), "DISCARD SEQUENCES"), "DISCARD SEQUENCES");
  EXPECT_EQ(query_value(c.get(), "SELECT 1"), "1");
}

// search_path decides where unqualified names are found and created, for queries and for
// writes to lake tables alike; schemas that do not exist are passed over.
TEST_F(ClientCompat, SearchPathFindsAndCreatesUnqualifiedNames) {
  Conn c = conn();
  ASSERT_TRUE(c);
  const std::string s = expected_schema();
  exec_ok(c.get(), "DROP TABLE IF EXISTS sp_home");
  exec_ok(c.get(), "CREATE TABLE sp_home (h integer)");
  exec_ok(c.get(), "INSERT INTO sp_home VALUES (1)");
  exec_ok(c.get(), "CREATE SCHEMA sp");
  exec_ok(c.get(), "CREATE TABLE sp.inside (a integer)");
  exec_ok(c.get(), "INSERT INTO sp.inside VALUES (5)");
  EXPECT_EQ(exec_error(c.get(), "SELECT a FROM inside").sqlstate, "42P01");

  exec_ok(c.get(), "SET search_path = sp, public");
  EXPECT_EQ(query_value(c.get(), "SHOW search_path"), "sp, public");
  EXPECT_EQ(query_value(c.get(), "SELECT current_schema()"), "sp");
  EXPECT_EQ(query_value(c.get(), "SELECT current_schemas(false)"), "{sp," + s + "}");
  EXPECT_EQ(query_value(c.get(), "SELECT a FROM inside"), "5");
  EXPECT_EQ(query_value(c.get(), "SELECT h FROM sp_home"), "1");  // found further along the path
  // Writes: to the table the path finds, and new tables in its first schema.
  exec_ok(c.get(), "INSERT INTO inside VALUES (6)");
  EXPECT_EQ(exec_ok(c.get(), "UPDATE inside SET a = a * 10 WHERE a = 6"), "UPDATE 1");
  exec_ok(c.get(), "CREATE TABLE made (b integer)");
  exec_ok(c.get(), "INSERT INTO made VALUES (7)");
  EXPECT_EQ(query_value(c.get(), "SELECT table_schema FROM information_schema.tables WHERE table_name = 'made'"), "sp");
  EXPECT_EQ(query_value(c.get(), "SELECT b FROM sp.made"), "7");
  EXPECT_EQ(exec_ok(c.get(), "DELETE FROM made"), "DELETE 1");
  exec_ok(c.get(), "DROP TABLE made");
  EXPECT_EQ(query_value(c.get(), "SELECT string_agg(a::text, ',' ORDER BY a) FROM sp.inside"), "5,60");

  // A schema that does not exist is passed over; SET LOCAL lasts until the transaction ends.
  exec_ok(c.get(), "SET search_path = no_such_schema, public");
  EXPECT_EQ(query_value(c.get(), "SELECT current_schema()"), s);
  exec_ok(c.get(), "BEGIN");
  exec_ok(c.get(), "SET LOCAL search_path = sp");
  EXPECT_EQ(query_value(c.get(), "SELECT count(*) FROM inside"), "2");
  exec_ok(c.get(), "COMMIT");
  EXPECT_EQ(exec_error(c.get(), "SELECT a FROM inside").sqlstate, "42P01");
  exec_ok(c.get(), "RESET search_path");
  EXPECT_EQ(query_value(c.get(), "SELECT current_schema()"), s);
  exec_ok(c.get(), "DROP TABLE sp.inside");
  exec_ok(c.get(), "DROP SCHEMA sp");
  exec_ok(c.get(), "DROP TABLE sp_home");
}

// Drivers and ORMs read result columns by name: they carry PostgreSQL's names, whatever DuckDB
// calls the expression, in the simple protocol and in Describe.
TEST_F(ClientCompat, ResultColumnsAreNamedAsPostgresNamesThem) {
  Conn c = conn();
  ASSERT_TRUE(c);
  exec_ok(c.get(), "DROP TABLE IF EXISTS named");
  exec_ok(c.get(), "CREATE TABLE named (a integer, \"B\" text)");
  exec_ok(c.get(), "INSERT INTO named VALUES (1, 'x')");
  const char *q =
      "SELECT count(*), 1, max(a) + 1, sum(a), max(a)::text, 'x'::text, coalesce(max(a), 0), CASE WHEN true THEN 1 END, "
      "EXISTS (SELECT 1), ARRAY[1], (SELECT max(\"B\") FROM named), max(a) IS NOT NULL, max(a) AS m, 1::int, "
      "'{1,2}'::integer[], current_date IS NOT NULL, 4 / 10, nullif(1, 2), greatest(1, 2), max(named.\"B\") "
      "FROM named";
  const std::vector<std::string> expected = {"count", "?column?", "?column?", "sum",      "max",   "text",  "coalesce",
                                             "case",  "exists",   "array",    "max",      "?column?", "m", "int4",
                                             "int4",  "?column?", "?column?", "nullif",   "greatest", "max"};
  Result r = exec(c.get(), q);
  ASSERT_EQ(PQresultStatus(r.get()), PGRES_TUPLES_OK) << PQresultErrorMessage(r.get());
  ASSERT_EQ(PQnfields(r.get()), int(expected.size()));
  for (int i = 0; i < PQnfields(r.get()); ++i) EXPECT_EQ(std::string(PQfname(r.get(), i)), expected[size_t(i)]) << i;
  EXPECT_EQ(std::string(PQgetvalue(r.get(), 0, 14)), "{1,2}");
  EXPECT_EQ(std::string(PQgetvalue(r.get(), 0, 16)), "0");
  // Describe of a prepared statement gives the same names.
  Result prep(PQprepare(c.get(), "named_cols", "SELECT count(*), a::text FROM named GROUP BY a", 0, nullptr));
  ASSERT_EQ(PQresultStatus(prep.get()), PGRES_COMMAND_OK) << PQresultErrorMessage(prep.get());
  Result desc(PQdescribePrepared(c.get(), "named_cols"));
  ASSERT_EQ(PQnfields(desc.get()), 2);
  EXPECT_EQ(std::string(PQfname(desc.get(), 0)), "count");
  EXPECT_EQ(std::string(PQfname(desc.get(), 1)), "a");
  // Set operations are named by their first branch; `*` keeps the table's names.
  r = exec(c.get(), "SELECT 1 UNION ALL SELECT 2 AS two");
  EXPECT_EQ(std::string(PQfname(r.get(), 0)), "?column?");
  r = exec(c.get(), "SELECT *, a FROM named");
  ASSERT_EQ(PQnfields(r.get()), 3);
  EXPECT_EQ(std::string(PQfname(r.get(), 1)), "B");
  // Array literals in PostgreSQL's text form, as pgjdbc writes them.
  EXPECT_EQ(query_value(c.get(), "SELECT '{a,\"b c\",NULL,\"NULL\", d e }'::text[]"), "{a,\"b c\",NULL,\"NULL\",\"d e\"}");
  EXPECT_EQ(query_value(c.get(), "SELECT 'b' = ANY ('{a,b}'::text[])"), "t");
  EXPECT_EQ(query_value(c.get(), "SELECT ('{7,8}'::int[])[2]"), "8");
  EXPECT_EQ(query_value(c.get(), "SELECT '{}'::int[]"), "{}");
  exec_ok(c.get(), "DROP TABLE named");
}

// FETCH from a SQL cursor through Parse/Bind/Describe/Execute, as psycopg's named cursors do: the
// Describe answers with the cursor's columns, the rows come in the formats Bind asked for.
TEST_F(ClientCompat, FetchFromACursorThroughTheExtendedProtocol) {
  Conn c = conn();
  ASSERT_TRUE(c);
  exec_ok(c.get(), "BEGIN");
  exec_ok(c.get(), "DECLARE cur NO SCROLL CURSOR FOR SELECT i::integer AS n, 'r' || i AS label FROM generate_series(1, 10) AS g(i)");
  Result r(PQexecParams(c.get(), "FETCH FORWARD 3 FROM cur", 0, nullptr, nullptr, nullptr, nullptr, 0));
  ASSERT_EQ(PQresultStatus(r.get()), PGRES_TUPLES_OK) << PQresultErrorMessage(r.get());
  ASSERT_EQ(PQnfields(r.get()), 2);
  EXPECT_EQ(std::string(PQfname(r.get(), 0)), "n");
  EXPECT_EQ(PQftype(r.get(), 0), 23u);
  ASSERT_EQ(PQntuples(r.get()), 3);
  EXPECT_EQ(std::string(PQgetvalue(r.get(), 2, 1)), "r3");
  EXPECT_EQ(std::string(PQcmdStatus(r.get())), "FETCH 3");
  // Binary this time: the next rows, in the format this FETCH asked for.
  r.reset(PQexecParams(c.get(), "FETCH 2 FROM cur", 0, nullptr, nullptr, nullptr, nullptr, 1));
  ASSERT_EQ(PQresultStatus(r.get()), PGRES_TUPLES_OK) << PQresultErrorMessage(r.get());
  ASSERT_EQ(PQntuples(r.get()), 2);
  EXPECT_EQ(PQfformat(r.get(), 0), 1);
  ASSERT_EQ(PQgetlength(r.get(), 0, 0), 4);
  uint32_t n;
  std::memcpy(&n, PQgetvalue(r.get(), 0, 0), 4);
  EXPECT_EQ(ntohl(n), 4u);
  // And text again from the simple protocol: the cursor's own formats are untouched.
  auto rest = query_rows(c.get(), "FETCH ALL FROM cur");
  ASSERT_EQ(rest.size(), 5u);
  EXPECT_EQ(*rest[0][0], "6");
  r.reset(PQexecParams(c.get(), "FETCH 1 FROM no_such_cursor", 0, nullptr, nullptr, nullptr, nullptr, 0));
  EXPECT_EQ(error_of(r.get()).sqlstate, "34000");
  exec_ok(c.get(), "ROLLBACK");
  // DECLARE with parameters, bound through the extended protocol (psycopg's named cursors).
  exec_ok(c.get(), "BEGIN");
  const char *params[] = {"7", "r"};
  r.reset(PQexecParams(c.get(), "DECLARE pc CURSOR FOR SELECT i, $2 || i AS label FROM generate_series(1, 10) AS g(i) "
                                "WHERE i > $1 ORDER BY i", 2, nullptr, params, nullptr, nullptr, 0));
  ASSERT_EQ(PQresultStatus(r.get()), PGRES_COMMAND_OK) << PQresultErrorMessage(r.get());
  auto fetched = query_rows(c.get(), "FETCH ALL FROM pc");
  ASSERT_EQ(fetched.size(), 3u);
  EXPECT_EQ(*fetched[0][1], "r8");
  exec_ok(c.get(), "ROLLBACK");
}

TEST_F(ClientCompat, InformationSchemaListsEachObjectOnceUnderItsSchema) {
  Conn c = conn();
  ASSERT_TRUE(c);
  exec_ok(c.get(), "DROP TABLE IF EXISTS listed");
  exec_ok(c.get(), "CREATE TABLE listed (a integer)");
  exec_ok(c.get(), "CREATE TEMP TABLE listed (b text, c text)");
  const std::string s = expected_schema();
  EXPECT_EQ(query_value(c.get(), "SELECT count(*) FROM information_schema.schemata WHERE schema_name = '" + s + "'"),
            "1");
  EXPECT_EQ(query_value(c.get(), "SELECT count(*) FROM information_schema.schemata WHERE schema_name = 'pg_catalog'"),
            "1");
  EXPECT_EQ(query_value(c.get(), "SELECT count(DISTINCT catalog_name) FROM information_schema.schemata"), "1");
  // The permanent table under its schema, the temporary one under the session's temporary schema.
  auto tables = query_rows(c.get(), "SELECT table_schema, table_type FROM information_schema.tables "
                                    "WHERE table_name = 'listed' ORDER BY table_type");
  ASSERT_EQ(tables.size(), 2u);
  EXPECT_EQ(*tables[0][0], s);
  EXPECT_EQ(*tables[0][1], "BASE TABLE");
  EXPECT_EQ(tables[1][0]->rfind("pg_temp_", 0), 0u) << *tables[1][0];
  EXPECT_EQ(*tables[1][1], "LOCAL TEMPORARY");
  EXPECT_EQ(query_value(c.get(), "SELECT string_agg(column_name, ',' ORDER BY ordinal_position) FROM "
                                 "information_schema.columns WHERE table_name = 'listed' AND table_schema = '" + s + "'"),
            "a");
  // No engine-internal views in the user's schema.
  EXPECT_EQ(query_value(c.get(), "SELECT count(*) FROM information_schema.views WHERE table_schema = '" + s + "'"),
            "0");
  EXPECT_EQ(query_value(c.get(), "SELECT count(*) FROM information_schema.tables WHERE table_schema = '" + s +
                                     "' AND table_name IN ('duckdb_columns', 'sqlite_master', 'pragma_database_list')"),
            "0");
  exec_ok(c.get(), "DROP TABLE listed");  // the temporary one
  exec_ok(c.get(), "DROP TABLE listed");
}

}  // namespace
// numeric without precision keeps every digit PostgreSQL keeps (up to 10 fraction digits here),
// in casts, typed literals and columns, in text and in binary, and is listed as plain numeric.
TEST_F(ClientCompat, NumericWithoutPrecisionKeepsItsDigits) {
  Conn c = conn();
  ASSERT_TRUE(c);
  auto row = query_rows(c.get(), "SELECT 1.23456::numeric, '0.000001'::numeric, CAST(2.5 AS numeric), "
                                 "numeric '10', 1.5::pg_catalog.numeric * 2.25::numeric, 1.50::numeric(10,2)");
  ASSERT_EQ(row.size(), 1u);
  std::vector<std::string> want = {"1.23456", "0.000001", "2.5", "10", "3.375", "1.50"};
  for (size_t i = 0; i < want.size(); ++i) EXPECT_EQ(*row[0][i], want[i]) << i;
  exec_ok(c.get(), "DROP TABLE IF EXISTS amounts");
  exec_ok(c.get(), "CREATE TABLE amounts (id integer, a numeric, b numeric(10,2))");
  exec_ok(c.get(), "ALTER TABLE amounts ADD COLUMN c decimal");
  exec_ok(c.get(), "INSERT INTO amounts VALUES (1, 1234567.891011, 1.234, -0.0000000001), (2, 0, 0, 100)");
  auto rows = query_rows(c.get(), "SELECT a, b, c FROM amounts ORDER BY id");
  ASSERT_EQ(rows.size(), 2u);
  EXPECT_EQ(*rows[0][0], "1234567.891011");
  EXPECT_EQ(*rows[0][1], "1.23");
  EXPECT_EQ(*rows[0][2], "-0.0000000001");
  EXPECT_EQ(*rows[1][0], "0");
  EXPECT_EQ(*rows[1][2], "100");
  // Binary: PostgreSQL's base-10000 digits, with the value's own display scale.
  Result r(PQexecParams(c.get(), "SELECT a FROM amounts WHERE id = 1", 0, nullptr, nullptr, nullptr, nullptr, 1));
  ASSERT_EQ(PQresultStatus(r.get()), PGRES_TUPLES_OK) << PQresultErrorMessage(r.get());
  EXPECT_EQ(PQftype(r.get(), 0), 1700u);
  EXPECT_EQ(PQfmod(r.get(), 0), -1);
  const unsigned char want_bin[] = {0, 4, 0, 1, 0, 0, 0, 6, 0, 123, 0x11, 0xd7, 0x22, 0xce, 0x04, 0x4c};
  ASSERT_EQ(PQgetlength(r.get(), 0, 0), int(sizeof want_bin));
  EXPECT_EQ(std::memcmp(PQgetvalue(r.get(), 0, 0), want_bin, sizeof want_bin), 0);
  auto cols = query_rows(c.get(), "SELECT column_name, data_type, numeric_precision, numeric_scale "
                                  "FROM information_schema.columns WHERE table_name = 'amounts' ORDER BY ordinal_position");
  ASSERT_EQ(cols.size(), 4u);
  EXPECT_EQ(*cols[1][1], "numeric");
  EXPECT_FALSE(cols[1][2].has_value());
  EXPECT_FALSE(cols[1][3].has_value());
  EXPECT_EQ(*cols[2][2], "10");
  EXPECT_EQ(*cols[2][3], "2");
  EXPECT_EQ(query_value(c.get(), "SELECT format_type(atttypid, atttypmod) FROM pg_attribute "
                                 "WHERE attrelid = 'amounts'::regclass AND attname = 'c'"), "numeric");
  // A column may be called numeric.
  exec_ok(c.get(), "DROP TABLE IF EXISTS named");
  exec_ok(c.get(), "CREATE TABLE named (\"numeric\" integer)");
  exec_ok(c.get(), "INSERT INTO named VALUES (5)");
  EXPECT_EQ(query_value(c.get(), "SELECT numeric FROM named WHERE numeric > 1"), "5");
}

// Functions ORMs and drivers call that DuckDB lacks or has under another name or meaning. JSON is
// compared without whitespace: PostgreSQL writes `"a" : 1`, Mallard `"a":1`.
TEST_F(ClientCompat, StringArrayJsonAndTypeFunctions) {
  Conn c = conn();
  ASSERT_TRUE(c);
  auto row = query_rows(c.get(), "SELECT btrim('  xx  '), btrim('xxaxx', 'x'), cardinality(ARRAY[1,2,3]), "
                                 "cardinality(ARRAY[]::int[]), pg_typeof(1), pg_typeof(1.5::numeric(10,2)), "
                                 "pg_typeof('a'::text), pg_typeof(ARRAY[1]), pg_typeof(1.5::float8)");
  ASSERT_EQ(row.size(), 1u);
  std::vector<std::string> want = {"xx", "a", "3", "0", "integer", "numeric", "text", "integer[]", "double precision"};
  for (size_t i = 0; i < want.size(); ++i) EXPECT_EQ(*row[0][i], want[i]) << i;
  auto compact = [](std::string s) {
    s.erase(std::remove(s.begin(), s.end(), ' '), s.end());
    return s;
  };
  auto json = query_rows(c.get(), "SELECT json_build_object('a', 1, 'b', 'x'), json_agg(x), "
                                  "jsonb_agg(x ORDER BY x DESC), json_agg(x) FILTER (WHERE x > 1), "
                                  "json_build_array(1, 'a') FROM generate_series(1, 3) AS t(x)");
  ASSERT_EQ(json.size(), 1u);
  std::vector<std::string> want_json = {R"({"a":1,"b":"x"})", "[1,2,3]", "[3,2,1]", "[2,3]", R"([1,"a"])"};
  for (size_t i = 0; i < want_json.size(); ++i) EXPECT_EQ(compact(*json[0][i]), want_json[i]) << i;
  EXPECT_EQ(query_rows(c.get(), "SELECT json_agg(x) FROM generate_series(1, 0) AS t(x)")[0][0], std::nullopt);
  // A string constant cast to an integer type is read as PostgreSQL reads it, not rounded.
  for (auto [q, state] : {std::pair{"SELECT '1.5'::int", "22P02"}, std::pair{"SELECT 'x'::bigint", "22P02"},
                          std::pair{"SELECT '32768'::int2", "22003"}}) {
    Result r = exec(c.get(), q);
    ASSERT_EQ(PQresultStatus(r.get()), PGRES_FATAL_ERROR) << q;
    EXPECT_EQ(error_of(r.get()).sqlstate, state) << q;
  }
  EXPECT_EQ(query_value(c.get(), "SELECT ' -12 '::int + '7'::int2"), "-5");
  // So is text from a column or an expression; other types are cast (and rounded) as before.
  exec_ok(c.get(), "CREATE TEMP TABLE int_text (v text, n numeric(5,2), d float8)");
  exec_ok(c.get(), "INSERT INTO int_text VALUES (' 12 ', 2.5, 2.5), ('-3', -1.5, -1.5), (NULL, NULL, NULL)");
  EXPECT_EQ(query_rows(c.get(), "SELECT v::int, n::int, d::int, upper(v)::bigint FROM int_text ORDER BY 1"),
            (std::vector<std::vector<std::optional<std::string>>>{
                {"-3", "-2", "-2", "-3"}, {"12", "3", "2", "12"}, {std::nullopt, std::nullopt, std::nullopt, std::nullopt}}));
  exec_ok(c.get(), "INSERT INTO int_text VALUES ('1.5', 0, 0)");
  SqlError bad = exec_error(c.get(), "SELECT v::int FROM int_text");
  EXPECT_EQ(bad.sqlstate, "22P02");
  EXPECT_EQ(bad.message, "invalid input syntax for type integer: \"1.5\"");
  EXPECT_EQ(exec_error(c.get(), "SELECT CAST(v AS bigint) FROM int_text").sqlstate, "22P02");
  exec_ok(c.get(), "DROP TABLE int_text");
  // A numeric parameter is a numeric, with every digit.
  Oid types[] = {1700};
  const char *values[] = {"1.23456789"};
  Result r(PQexecParams(c.get(), "SELECT $1", 1, types, values, nullptr, nullptr, 0));
  ASSERT_EQ(PQresultStatus(r.get()), PGRES_TUPLES_OK) << PQresultErrorMessage(r.get());
  EXPECT_EQ(PQftype(r.get(), 0), 1700u);
  EXPECT_EQ(std::string(PQgetvalue(r.get(), 0, 0)), "1.23456789");
}

// ORMs write INSERT ... ON CONFLICT DO NOTHING; on a table without unique constraints nothing
// conflicts, and a conflict target names a constraint that does not exist (tables with keys:
// LakeDdl.OnConflictDoNothingSkipsTakenKeys).
TEST_F(ClientCompat, OnConflictOnATableWithoutUniqueConstraints) {
  Conn c = conn();
  ASSERT_TRUE(c);
  exec_ok(c.get(), "DROP TABLE IF EXISTS upserted");
  exec_ok(c.get(), "CREATE TABLE upserted (id integer, v text)");
  EXPECT_EQ(exec_ok(c.get(), "INSERT INTO upserted VALUES (1, 'a'), (1, 'b') ON CONFLICT DO NOTHING"), "INSERT 0 2");
  EXPECT_EQ(query_value(c.get(), "INSERT INTO upserted SELECT 2, 'c' ON CONFLICT DO NOTHING RETURNING id"), "2");
  EXPECT_EQ(exec_error(c.get(), "INSERT INTO upserted VALUES (1, 'x') ON CONFLICT (id) DO NOTHING").sqlstate, "42P10");
  EXPECT_EQ(exec_error(c.get(), "INSERT INTO upserted VALUES (1, 'x') ON CONFLICT (id) DO UPDATE SET v = 'y'").sqlstate,
            "42P10");
  EXPECT_EQ(exec_error(c.get(), "INSERT INTO upserted VALUES (1, 'x') ON CONFLICT DO UPDATE SET v = 'y'").sqlstate,
            "42601");
  EXPECT_EQ(query_value(c.get(), "SELECT count(*) FROM upserted"), "3");
}

// Advisory locks (migration tools take one before migrating) are shared by the sessions of a
// warehouse: exclusive and shared modes, two key spaces, session and transaction scope, waiting
// until released or until statement_timeout, and released when the session ends.
TEST_F(ClientCompat, AdvisoryLocksAreSharedBySessions) {
  Conn a = conn(), b = conn();
  ASSERT_TRUE(a);
  ASSERT_TRUE(b);
  EXPECT_EQ(query_value(a.get(), "SELECT pg_advisory_lock(7)"), "");
  EXPECT_EQ(query_value(b.get(), "SELECT pg_try_advisory_lock(7)"), "f");
  EXPECT_EQ(query_value(a.get(), "SELECT pg_try_advisory_lock(7)"), "t");  // a session never waits for itself
  // A waiting lock ends with the statement timeout.
  exec_ok(b.get(), "SET statement_timeout = '200ms'");
  EXPECT_EQ(exec_error(b.get(), "SELECT pg_advisory_lock(7)").sqlstate, "57014");
  exec_ok(b.get(), "SET statement_timeout = 0");
  // ... or when the holder releases it, as often as it took it.
  ASSERT_TRUE(PQsendQuery(b.get(), "SELECT pg_advisory_lock(7)"));
  EXPECT_EQ(query_value(a.get(), "SELECT pg_advisory_unlock(7)"), "t");
  EXPECT_EQ(query_value(a.get(), "SELECT pg_advisory_unlock(7)"), "t");
  Result got(PQgetResult(b.get()));
  EXPECT_EQ(PQresultStatus(got.get()), PGRES_TUPLES_OK) << PQresultErrorMessage(got.get());
  while (Result more{PQgetResult(b.get())}) {
  }
  EXPECT_EQ(query_value(a.get(), "SELECT pg_try_advisory_lock(7)"), "f");
  EXPECT_EQ(query_value(a.get(), "SELECT pg_advisory_unlock(7)"), "f");  // with a WARNING: not held
  // Shared holders do not exclude each other; an exclusive lock waits for them.
  EXPECT_EQ(query_value(a.get(), "SELECT pg_advisory_lock_shared(8)"), "");
  EXPECT_EQ(query_value(b.get(), "SELECT pg_try_advisory_lock_shared(8)"), "t");
  EXPECT_EQ(query_value(b.get(), "SELECT pg_try_advisory_lock(8)"), "f");
  // Two integers are a key space of their own.
  EXPECT_EQ(query_value(a.get(), "SELECT pg_advisory_lock(1, 2)"), "");
  EXPECT_EQ(query_value(b.get(), "SELECT pg_try_advisory_lock(1, 2)"), "f");
  EXPECT_EQ(query_value(b.get(), "SELECT pg_try_advisory_lock(4294967298)"), "t");
  // Transaction scope: released at COMMIT; a parameter is a key too.
  exec_ok(a.get(), "BEGIN");
  const char *nine = "9";
  Result x(PQexecParams(a.get(), "SELECT pg_advisory_xact_lock($1)", 1, nullptr, &nine, nullptr, nullptr, 0));
  ASSERT_EQ(PQresultStatus(x.get()), PGRES_TUPLES_OK) << PQresultErrorMessage(x.get());
  EXPECT_EQ(query_value(b.get(), "SELECT pg_try_advisory_lock(9)"), "f");
  exec_ok(a.get(), "COMMIT");
  EXPECT_EQ(query_value(b.get(), "SELECT pg_try_advisory_lock(9)"), "t");
  EXPECT_EQ(query_rows(b.get(), "SELECT pg_try_advisory_lock(NULL)")[0][0], std::nullopt);
  // The session's end releases what it holds (the server notices the close a moment later).
  b.reset();
  std::string free_now = "f";
  for (int i = 0; i < 500 && free_now == "f"; ++i) {
    free_now = query_value(a.get(), "SELECT pg_try_advisory_lock(9)");
    if (free_now == "f") usleep(10000);
  }
  EXPECT_EQ(free_now, "t");
  exec_ok(a.get(), "SELECT pg_advisory_unlock_all()");
  if (!reference_mode()) {
    EXPECT_EQ(exec_error(a.get(), "SELECT pg_advisory_lock(1), 1").sqlstate, "0A000");
  }
}

// jsonb is accepted wherever a type is named (casts, columns, parameters) and behaves as json:
// operators, jsonb_* functions, and invalid text rejected with 22P02.
TEST_F(ClientCompat, JsonbIsAcceptedAsJson) {
  Conn c = conn();
  ASSERT_TRUE(c);
  auto compact = [](std::string s) {
    s.erase(std::remove(s.begin(), s.end(), ' '), s.end());
    return s;
  };
  EXPECT_EQ(compact(query_value(c.get(), "SELECT ('{\"a\": 1, \"b\": [1, 2]}'::jsonb -> 'b')::text")), "[1,2]");
  auto row = query_rows(c.get(), "SELECT '[1,2]'::jsonb ->> 0, jsonb_array_length('[1,2]'::jsonb), "
                                 "jsonb_typeof('{}'::jsonb), json_typeof('\"x\"'::json), jsonb_typeof('1.5'), "
                                 "jsonb_typeof(NULL), pg_catalog.jsonb_typeof('[]'), CAST('true' AS jsonb)::text");
  ASSERT_EQ(row.size(), 1u);
  std::vector<std::optional<std::string>> want = {"1", "2", "object", "string", "number", std::nullopt, "array", "true"};
  EXPECT_EQ(row[0], want);
  exec_ok(c.get(), "DROP TABLE IF EXISTS jdocs");
  exec_ok(c.get(), "CREATE TABLE jdocs (id integer, doc jsonb)");
  exec_ok(c.get(), "ALTER TABLE jdocs ADD COLUMN extra jsonb");
  Oid types[] = {23, 3802};
  const char *values[] = {"1", "{\"k\": [7, 8]}"};
  Result ins(PQexecParams(c.get(), "INSERT INTO jdocs (id, doc) VALUES ($1, $2)", 2, types, values, nullptr, nullptr, 0));
  ASSERT_EQ(PQresultStatus(ins.get()), PGRES_COMMAND_OK) << PQresultErrorMessage(ins.get());
  EXPECT_EQ(query_value(c.get(), "SELECT doc -> 'k' ->> 1 FROM jdocs WHERE id = 1"), "8");
  EXPECT_EQ(query_value(c.get(), "SELECT format_type(atttypid, atttypmod) IN ('json', 'jsonb') FROM pg_attribute "
                                 "WHERE attrelid = 'jdocs'::regclass AND attname = 'doc'"),
            "t");
  EXPECT_EQ(exec_error(c.get(), "SELECT 'not json'::jsonb").sqlstate, "22P02");
  exec_ok(c.get(), "DROP TABLE jdocs");
}

// MERGE works on temporary tables with PostgreSQL's tag; what Mallard cannot run on lake tables
// (MERGE, WITH before a write) and data-modifying WITH are refused with 0A000, not with the
// engine's misleading errors.
TEST_F(ClientCompat, MergeAndWritesInWith) {
  Conn c = conn();
  ASSERT_TRUE(c);
  exec_ok(c.get(), "CREATE TEMP TABLE merged (a integer)");
  EXPECT_EQ(exec_ok(c.get(), "MERGE INTO merged USING (SELECT 1 AS a) s ON merged.a = s.a "
                             "WHEN NOT MATCHED THEN INSERT VALUES (s.a)"),
            "MERGE 1");
  EXPECT_EQ(exec_ok(c.get(), "MERGE INTO merged USING (SELECT 1 AS a) s ON merged.a = s.a "
                             "WHEN MATCHED THEN UPDATE SET a = 5"),
            "MERGE 1");
  EXPECT_EQ(query_value(c.get(), "SELECT a FROM merged"), "5");
  exec_ok(c.get(), "DROP TABLE merged");
  if (reference_mode()) return;  // PostgreSQL runs the rest
  exec_ok(c.get(), "DROP TABLE IF EXISTS lake_merged");
  exec_ok(c.get(), "CREATE TABLE lake_merged (a integer)");
  for (const char *q : {"MERGE INTO lake_merged USING (SELECT 1 AS a) s ON lake_merged.a = s.a WHEN MATCHED THEN DELETE",
                        "WITH x AS (SELECT 1 AS a) DELETE FROM lake_merged WHERE a IN (SELECT a FROM x)",
                        "WITH x AS (SELECT 1 AS a) INSERT INTO lake_merged SELECT a FROM x",
                        "WITH x AS (INSERT INTO lake_merged VALUES (1) RETURNING a) SELECT * FROM x"}) {
    SqlError e = exec_error(c.get(), q);
    EXPECT_EQ(e.sqlstate, "0A000") << q << ": " << e;
    EXPECT_NE(e.message.find("not supported"), std::string::npos) << e;
  }
  EXPECT_EQ(query_value(c.get(), "SELECT count(*) FROM lake_merged"), "0");
  exec_ok(c.get(), "DROP TABLE lake_merged");
}

// pg_proc.proargtypes is an oidvector: blank-separated OIDs in text (pgjdbc splits it), an array
// numbered from 0 in binary.
TEST_F(ClientCompat, ProcArgumentTypesAreAnOidVector) {
  Conn c = conn();
  ASSERT_TRUE(c);
  exec_ok(c.get(), reference_mode() ? "CREATE FUNCTION pg_temp.two_args(a integer, b text) RETURNS integer "
                                      "LANGUAGE sql AS 'SELECT 1'"
                                    : "CREATE TEMP MACRO two_args(a, b) AS 1");
  const char *sql = "SELECT proargtypes FROM pg_proc WHERE proname = 'two_args'";
  Result text(PQexec(c.get(), sql));
  ASSERT_EQ(PQresultStatus(text.get()), PGRES_TUPLES_OK) << PQresultErrorMessage(text.get());
  ASSERT_EQ(PQntuples(text.get()), 1);
  EXPECT_EQ(PQftype(text.get(), 0), 30u);
  std::string args = PQgetvalue(text.get(), 0, 0);
  ASSERT_NE(args.find(' '), std::string::npos) << args;
  uint32_t first = std::stoul(args.substr(0, args.find(' '))), second = std::stoul(args.substr(args.find(' ') + 1));
  Result bin(PQexecParams(c.get(), sql, 0, nullptr, nullptr, nullptr, nullptr, 1));
  ASSERT_EQ(PQresultStatus(bin.get()), PGRES_TUPLES_OK) << PQresultErrorMessage(bin.get());
  ASSERT_EQ(PQgetlength(bin.get(), 0, 0), 20 + 2 * 8);
  uint32_t words[9];
  std::memcpy(words, PQgetvalue(bin.get(), 0, 0), sizeof(words));
  for (auto &w : words) w = ntohl(w);
  // dimensions, no NULLs, element type oid, two elements from 0, then (length, value) pairs
  std::vector<uint32_t> expected = {1, 0, 26, 2, 0, 4, first, 4, second};
  EXPECT_EQ(std::vector<uint32_t>(words, words + 9), expected);
  EXPECT_EQ(query_value(c.get(), "SELECT format_type(30, NULL)"), "oidvector");
}

// pg_stat_activity and pg_locks show the warehouse's sessions and advisory locks as they are;
// pg_cancel_backend and pg_terminate_backend reach another session (what admin tools offer).
TEST_F(ClientCompat, SessionsAndLocksAreListedAndSignalled) {
  Conn holder = conn(), waiter = conn(), admin = conn();
  ASSERT_TRUE(holder);
  ASSERT_TRUE(waiter);
  ASSERT_TRUE(admin);
  std::string holder_pid = std::to_string(PQbackendPID(holder.get()));
  std::string waiter_pid = std::to_string(PQbackendPID(waiter.get()));
  exec_ok(waiter.get(), "SET application_name = 'waiting app'");
  EXPECT_EQ(query_value(holder.get(), "SELECT pg_advisory_lock(42)"), "");
  const char *wait_sql = "SELECT pg_advisory_lock(42)";
  ASSERT_TRUE(PQsendQuery(waiter.get(), wait_sql));
  // The waiter shows as active, waiting for a lock, once its wait began.
  std::string waiting;
  for (int i = 0; i < 500 && waiting != "Lock"; ++i) {
    waiting = query_value(admin.get(), "SELECT coalesce(wait_event_type, '') FROM pg_stat_activity WHERE pid = " +
                                           waiter_pid);
    if (waiting != "Lock") usleep(10000);
  }
  ASSERT_EQ(waiting, "Lock");
  auto rows = query_rows(admin.get(),
                         "SELECT state, query, application_name, wait_event, datname = current_database(), "
                         "usename = current_user, backend_start <= now(), query_start >= backend_start, "
                         "client_addr IS NOT NULL, client_port > 0, xact_start IS NOT NULL "
                         "FROM pg_stat_activity WHERE pid = " + waiter_pid);
  ASSERT_EQ(rows.size(), 1u);
  std::vector<std::optional<std::string>> expected = {"active", wait_sql, "waiting app", "advisory", "t", "t", "t",
                                                      "t",      "t",      "t",           "t"};
  EXPECT_EQ(rows[0], expected);
  EXPECT_EQ(query_value(admin.get(), "SELECT state FROM pg_stat_activity WHERE pid = " + holder_pid), "idle");
  EXPECT_EQ(query_value(admin.get(), "SELECT state || ' ' || query FROM pg_stat_activity WHERE pid = pg_backend_pid()"),
            "active SELECT state || ' ' || query FROM pg_stat_activity WHERE pid = pg_backend_pid()");
  // A long query's text is kept to its first 1023 bytes, as PostgreSQL keeps it by default.
  EXPECT_EQ(query_value(admin.get(), "SELECT length(query) FROM pg_stat_activity WHERE pid = pg_backend_pid() AND '" +
                                         std::string(3000, 'x') + "' <> ''"),
            "1023");
  // One granted and one waiting lock, the bigint key split as PostgreSQL splits it.
  rows = query_rows(admin.get(),
                    "SELECT pid = " + holder_pid + ", classid, objid, objsubid, mode, granted, waitstart IS NULL "
                    "FROM pg_locks WHERE locktype = 'advisory' ORDER BY granted DESC");
  std::vector<std::vector<std::optional<std::string>>> locks = {{"t", "0", "42", "1", "ExclusiveLock", "t", "t"},
                                                                {"f", "0", "42", "1", "ExclusiveLock", "f", "f"}};
  EXPECT_EQ(rows, locks);
  // A cancel ends the wait with 57014; the waiter's session goes on.
  EXPECT_EQ(query_value(admin.get(), "SELECT pg_cancel_backend(" + waiter_pid + ")"), "t");
  Result got(PQgetResult(waiter.get()));
  EXPECT_EQ(PQresultStatus(got.get()), PGRES_FATAL_ERROR);
  EXPECT_STREQ(PQresultErrorField(got.get(), PG_DIAG_SQLSTATE), "57014");
  while (Result more{PQgetResult(waiter.get())}) {
  }
  EXPECT_EQ(query_value(waiter.get(), "SELECT 7"), "7");
  EXPECT_EQ(query_value(admin.get(), "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND NOT granted"), "0");
  // Inside a transaction block the state says so, and xact_start stays the block's start.
  exec_ok(holder.get(), "BEGIN");
  exec_ok(holder.get(), "SELECT 1");
  EXPECT_EQ(query_value(admin.get(), "SELECT state || ', ' || (xact_start < query_start)::text FROM pg_stat_activity "
                                     "WHERE pid = " + holder_pid),
            "idle in transaction, true");
  // Terminating a session ends its connection and releases its locks.
  EXPECT_EQ(query_value(admin.get(), "SELECT pg_terminate_backend(" + holder_pid + ")"), "t");
  std::string gone = "1";
  for (int i = 0; i < 500 && gone != "0"; ++i) {
    gone = query_value(admin.get(), "SELECT count(*) FROM pg_stat_activity WHERE pid = " + holder_pid);
    if (gone != "0") usleep(10000);
  }
  EXPECT_EQ(gone, "0");
  Result dead(PQexec(holder.get(), "SELECT 1"));
  EXPECT_NE(PQresultStatus(dead.get()), PGRES_TUPLES_OK);
  EXPECT_EQ(query_value(admin.get(), "SELECT pg_try_advisory_lock(42)"), "t");
  exec_ok(admin.get(), "SELECT pg_advisory_unlock_all()");
  EXPECT_EQ(query_value(admin.get(), "SELECT pg_cancel_backend(999999)"), "f");  // with a WARNING in PostgreSQL
  // Tables are listed for the statistics views (counters Mallard does not keep are NULL).
  exec_ok(admin.get(), "DROP TABLE IF EXISTS counted");
  exec_ok(admin.get(), "CREATE TABLE counted (a integer)");
  EXPECT_EQ(query_value(admin.get(), "SELECT schemaname || '.' || relname FROM pg_stat_user_tables "
                                     "WHERE relname = 'counted'"),
            expected_schema() + ".counted");
  exec_ok(admin.get(), "DROP TABLE counted");
}

// to_char with a date/time template (dashboards format with it), as PostgreSQL writes it.
TEST_F(ClientCompat, ToCharFormatsDatesAndTimes) {
  Conn c = conn();
  ASSERT_TRUE(c);
  struct Case {
    const char *value, *tmpl, *expected;
  } cases[] = {
      {"TIMESTAMP '2024-03-05 13:04:05.123456'", "YYYY-MM-DD HH24:MI:SS.US", "2024-03-05 13:04:05.123456"},
      {"TIMESTAMP '2024-03-05 13:04:05.123456'", "FMDD Month YYYY, Dy HH12:MI AM \"at\" D", "5 March     2024, Tue 01:04 PM at 3"},
      {"DATE '2024-03-05'", "MON mon Mon DDD IW IYYY MS", "MAR mar Mar 065 10 2024 000"},
      {"TIMESTAMP '2024-12-01 00:00:00'", "Day|DAY|FMDay|day|MONTH|FMMonth|yy", "Sunday   |SUNDAY   |Sunday|sunday   |DECEMBER |December|24"},
      {"TIMESTAMP '2024-07-09 08:05:03'", "FMHH24h FMMIm FMSSs FMMM/FMDD", "8h 5m 3s 7/9"},
      {"TIMESTAMP '2024-07-09 08:05:03'", "yyyy-mm-dd hh24:mi:ss dy", "2024-07-09 08:05:03 tue"},
  };
  for (auto &k : cases) {
    std::string q = std::string("SELECT to_char(") + k.value + ", '" + k.tmpl + "')";
    EXPECT_EQ(query_value(c.get(), q), k.expected) << q;
  }
  EXPECT_EQ(query_rows(c.get(), "SELECT to_char(CAST(NULL AS timestamp), 'YYYY')")[0][0], std::nullopt);
  auto named = query_rows(c.get(), "SELECT to_char(x, 'YYYY') FROM (SELECT DATE '2020-01-01' AS x) AS t");
  EXPECT_EQ(*named[0][0], "2020");
  if (!reference_mode()) {
    EXPECT_EQ(exec_error(c.get(), "SELECT to_char(1.5, '9V9')").sqlstate, "0A000");
    EXPECT_EQ(exec_error(c.get(), "SELECT to_char(now(), 'Q')").sqlstate, "0A000");
  }
}

// to_char with a number template, as PostgreSQL writes it: digit positions, fill mode, groups,
// signs, rounding (numeric half away from zero, float8 as printf rounds), overflow as '#'.
TEST_F(ClientCompat, ToCharFormatsNumbers) {
  Conn c = conn();
  ASSERT_TRUE(c);
  struct Case {
    const char *value, *tmpl, *expected;
  } cases[] = {
      {"0", "999", "   0"},          {"0.5", "9.9", "  .5"},           {"0", "FM9.99", "0."},
      {"-0.5", "9.9", " -.5"},       {"12", "S999", " +12"},            {"-12", "999MI", " 12-"},
      {"-12", "999PR", " <12>"},     {"12", "999PR", "  12 "},          {"-1234.5", "99.9", "-##.#"},
      {"12", "9,999", "    12"},     {"1234567.891", "FM9,999,999.00", "1,234,567.89"},
      {"5", "9909", "   05"},        {"-5", "FM0099", "-0005"},         {"2.5", "9", " 3"},
      {"0.125::float8", "0.99", " 0.12"}, {"12", "$999", "$  12"},      {"12.3", "999D99", "  12.30"},
      {"-0.0001", "9.99", "  .00"},  {"9.96", "9.9", " #.#"},          {"1e20::float8", "999", " ###"},
      {"1234.5678::numeric(10,4)", "FM999G999D99", "1,234.57"},        {"12", "999 \"units\"", "  12 units"},
  };
  for (auto &k : cases) {
    std::string q = std::string("SELECT to_char(") + k.value + ", '" + k.tmpl + "')";
    EXPECT_EQ(query_value(c.get(), q), k.expected) << q;
  }
  EXPECT_EQ(query_rows(c.get(), "SELECT to_char(CAST(NULL AS integer), '999')")[0][0], std::nullopt);
  EXPECT_EQ(query_value(c.get(), "SELECT string_agg(to_char(x, 'FM990.0'), ',' ORDER BY x) "
                                 "FROM (VALUES (1.25), (-3), (10)) AS t(x)"),
            "-3.0,1.3,10.0");
}

// Catalog relations schema browsers read: information_schema.sequences and .routines, pg_language.
TEST_F(ClientCompat, SequencesRoutinesAndLanguagesAreListed) {
  Conn c = conn();
  ASSERT_TRUE(c);
  exec_ok(c.get(), "CREATE TEMP SEQUENCE cc_seq START 3");
  EXPECT_EQ(query_rows(c.get(), "SELECT sequence_schema LIKE 'pg_temp%', data_type, start_value, increment, cycle_option "
                                "FROM information_schema.sequences WHERE sequence_name = 'cc_seq'"),
            (std::vector<Row>{{"t", "bigint", "3", "1", "NO"}}));
  EXPECT_EQ(query_rows(c.get(), "SELECT routine_schema, routine_type, external_language FROM information_schema.routines "
                                "WHERE routine_name = 'abs' LIMIT 1"),
            (std::vector<Row>{{"pg_catalog", "FUNCTION", "INTERNAL"}}));
  EXPECT_EQ(query_value(c.get(), "SELECT l.lanname FROM pg_proc p JOIN pg_language l ON l.oid = p.prolang "
                                 "WHERE p.proname = 'abs' LIMIT 1"),
            "internal");
  EXPECT_EQ(query_value(c.get(), "SELECT count(*) FROM pg_language WHERE lanname IN ('internal', 'c', 'sql')"), "3");
}

}  // namespace mallard::it
