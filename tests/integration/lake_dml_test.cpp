// DML on lake tables through the wire: INSERT in its forms, INSERT ... SELECT from the target
// itself, COPY FROM STDIN / TO STDOUT, DELETE and UPDATE with WHERE, USING/FROM, subqueries and
// RETURNING, TRUNCATE, parameters over the extended protocol, and reads of files written before
// columns were renamed, added or dropped.

#include <algorithm>

#include "integration/lake_util.hpp"
#include "support/server.hpp"

namespace mallard::it {
namespace {

class LakeDml : public ServerSuite<LakeDml> {};

using Rows = std::vector<Row>;

// RETURNING rows come in no defined order.
Rows sorted(Rows rows) {
  std::sort(rows.begin(), rows.end());
  return rows;
}

TEST_F(LakeDml, InsertForms) {
  Conn c = conn();
  ASSERT_TRUE(c);
  exec_ok(c.get(), "CREATE TABLE ins (id integer, name text DEFAULT 'dflt', qty integer DEFAULT 1)");
  EXPECT_EQ(exec_ok(c.get(), "INSERT INTO ins VALUES (1, 'a', 10)"), "INSERT 0 1");
  EXPECT_EQ(exec_ok(c.get(), "INSERT INTO ins VALUES (2, 'b', 20), (3, 'c', 30)"), "INSERT 0 2");
  EXPECT_EQ(exec_ok(c.get(), "INSERT INTO ins (id) VALUES (4)"), "INSERT 0 1");
  EXPECT_EQ(exec_ok(c.get(), "INSERT INTO ins (qty, id) VALUES (50, 5)"), "INSERT 0 1");
  EXPECT_EQ(exec_ok(c.get(), "INSERT INTO ins DEFAULT VALUES"), "INSERT 0 1");
  EXPECT_EQ(exec_ok(c.get(), "INSERT INTO ins SELECT x, 'g' || x, x * 10 FROM generate_series(6, 8) AS g(x)"),
            "INSERT 0 3");
  EXPECT_EQ(exec_ok(c.get(), "INSERT INTO ins (id, name) SELECT 9, 'nine' WHERE false"), "INSERT 0 0");
  EXPECT_EQ(exec_ok(c.get(), "INSERT INTO ins AS i (id) VALUES (10)"), "INSERT 0 1");
  EXPECT_EQ(exec_ok(c.get(), "INSERT INTO public.ins (id, qty) VALUES (11, DEFAULT)"), "INSERT 0 1");
  EXPECT_EQ(query_rows(c.get(), "SELECT id, name, qty FROM ins ORDER BY id NULLS FIRST"),
            (Rows{{std::nullopt, "dflt", "1"},
                  {"1", "a", "10"},
                  {"2", "b", "20"},
                  {"3", "c", "30"},
                  {"4", "dflt", "1"},
                  {"5", "dflt", "50"},
                  {"6", "g6", "60"},
                  {"7", "g7", "70"},
                  {"8", "g8", "80"},
                  {"10", "dflt", "1"},
                  {"11", "dflt", "1"}}));

  // RETURNING, with expressions and aliases.
  Result r = exec(c.get(), "INSERT INTO ins (id, name) VALUES (20, 'x'), (21, 'y') RETURNING id, name || '!' AS shout, qty");
  ASSERT_EQ(PQresultStatus(r.get()), PGRES_TUPLES_OK) << PQresultErrorMessage(r.get());
  EXPECT_STREQ(PQcmdStatus(r.get()), "INSERT 0 2");
  EXPECT_STREQ(PQfname(r.get(), 1), "shout");
  EXPECT_EQ(sorted(rows_of(r.get())), (Rows{{"20", "x!", "1"}, {"21", "y!", "1"}}));
  r = exec(c.get(), "INSERT INTO ins DEFAULT VALUES RETURNING *");
  EXPECT_EQ(rows_of(r.get()), (Rows{{std::nullopt, "dflt", "1"}}));
  // Wrong column names and counts fail without inserting.
  EXPECT_EQ(exec_error(c.get(), "INSERT INTO ins (nope) VALUES (1)").sqlstate, "42703");
  EXPECT_NE(exec_error(c.get(), "INSERT INTO ins VALUES (1, 'a', 1, 1)").sqlstate, "");
  EXPECT_EQ(exec_error(c.get(), "INSERT INTO ins VALUES ('not a number', 'x', 1)").sqlstate, "22P02");
  EXPECT_EQ(query_value(c.get(), "SELECT count(*) FROM ins"), "14");
}

// PostgreSQL fills the columns a VALUES list leaves out with their defaults.
TEST_F(LakeDml, InsertWithFewerValuesThanColumns) {
  Conn c = conn();
  ASSERT_TRUE(c);
  exec_ok(c.get(), "CREATE TABLE ins_short (id integer, name text DEFAULT 'dflt', qty integer)");
  EXPECT_EQ(exec_ok(c.get(), "INSERT INTO ins_short VALUES (1)"), "INSERT 0 1");
  EXPECT_EQ(exec_ok(c.get(), "INSERT INTO ins_short VALUES (2, 'two'), (3, 'three')"), "INSERT 0 2");
  // Also when the source reads the target.
  EXPECT_EQ(exec_ok(c.get(), "INSERT INTO ins_short VALUES ((SELECT max(id) + 1 FROM ins_short), 'four')"), "INSERT 0 1");
  EXPECT_EQ(query_rows(c.get(), "SELECT id, name, qty FROM ins_short ORDER BY id"),
            (Rows{{"1", "dflt", std::nullopt},
                  {"2", "two", std::nullopt},
                  {"3", "three", std::nullopt},
                  {"4", "four", std::nullopt}}));
  // More values than columns is still an error.
  EXPECT_EQ(exec_error(c.get(), "INSERT INTO ins_short VALUES (5, 'x', 1, 2)").sqlstate, "42601");
  // The same for a query narrower than the table: through the simple and the extended protocol,
  // and when it reads the target.
  EXPECT_EQ(exec_ok(c.get(), "INSERT INTO ins_short SELECT 5, 'five'"), "INSERT 0 1");
  EXPECT_EQ(exec_ok(c.get(), "INSERT INTO ins_short SELECT g FROM generate_series(6, 7) AS s(g)"), "INSERT 0 2");
  const char *params[] = {"8"};
  Result r = Result(PQexecParams(c.get(), "INSERT INTO ins_short SELECT CAST($1 AS integer), 'eight'", 1, nullptr,
                                 params, nullptr, nullptr, 0));
  EXPECT_EQ(PQresultStatus(r.get()), PGRES_COMMAND_OK) << PQresultErrorMessage(r.get());
  EXPECT_EQ(exec_ok(c.get(), "INSERT INTO ins_short SELECT max(id) + 1 FROM ins_short"), "INSERT 0 1");
  EXPECT_EQ(query_rows(c.get(), "SELECT id, name, qty FROM ins_short WHERE id >= 5 ORDER BY id"),
            (Rows{{"5", "five", std::nullopt},
                  {"6", "dflt", std::nullopt},
                  {"7", "dflt", std::nullopt},
                  {"8", "eight", std::nullopt},
                  {"9", "dflt", std::nullopt}}));
  EXPECT_EQ(exec_error(c.get(), "INSERT INTO ins_short SELECT 10, 'x', 1, 2").sqlstate, "42601");
  EXPECT_EQ(query_value(c.get(), "SELECT count(*) FROM ins_short"), "9");
}

// RETURNING may name the columns by the table's name or alias, as SQLAlchemy's multi-row inserts
// write them (INSERT ... SELECT ... FROM (VALUES ...) ORDER BY ... RETURNING t.id).
TEST_F(LakeDml, ReturningColumnsQualifiedByTheTable) {
  Conn c = conn();
  ASSERT_TRUE(c);
  exec_ok(c.get(), "DROP TABLE IF EXISTS retq");
  exec_ok(c.get(), "CREATE TABLE retq (id integer, name text)");
  EXPECT_EQ(query_rows(c.get(), "INSERT INTO retq (id, name) SELECT p0, p1 FROM (VALUES (1, 'a', 0), (2, 'b', 1)) AS "
                                "imp(p0, p1, n) ORDER BY n RETURNING retq.id, retq.id AS id__1"),
            (Rows{{"1", "1"}, {"2", "2"}}));
  EXPECT_EQ(query_rows(c.get(), "INSERT INTO retq VALUES (3, 'c') RETURNING retq.*, \"retq\".name, public.retq.id"),
            (Rows{{"3", "c", "c", "3"}}));
  EXPECT_EQ(query_rows(c.get(), "INSERT INTO retq AS r VALUES (4, 'retq.') RETURNING r.id, r.name || 'x'"),
            (Rows{{"4", "retq.x"}}));
  // The source reads the table (its rows are gathered first).
  EXPECT_EQ(query_rows(c.get(), "INSERT INTO retq SELECT max(id) + 1, 'e' FROM retq RETURNING retq.id"), (Rows{{"5"}}));
  EXPECT_EQ(query_value(c.get(), "SELECT count(*) FROM retq"), "5");
}

TEST_F(LakeDml, InsertSelectFromTheSameTableDoesNotFeedItself) {
  Conn c = conn();
  ASSERT_TRUE(c);
  exec_ok(c.get(), "CREATE TABLE selfi (n integer)");
  exec_ok(c.get(), "INSERT INTO selfi VALUES (1), (2), (3)");
  EXPECT_EQ(exec_ok(c.get(), "INSERT INTO selfi SELECT n + 10 FROM selfi"), "INSERT 0 3");
  EXPECT_EQ(exec_ok(c.get(), "INSERT INTO selfi SELECT n + 100 FROM selfi"), "INSERT 0 6");
  EXPECT_EQ(query_value(c.get(), "SELECT count(*) FROM selfi"), "12");
  // In a transaction, over rows staged by the same transaction.
  exec_ok(c.get(), "BEGIN");
  exec_ok(c.get(), "INSERT INTO selfi VALUES (1000)");
  EXPECT_EQ(exec_ok(c.get(), "INSERT INTO selfi SELECT n + 5000 FROM selfi WHERE n >= 100"), "INSERT 0 7");
  Result r = exec(c.get(), "INSERT INTO selfi SELECT max(n) + 1 FROM selfi RETURNING n");
  EXPECT_EQ(rows_of(r.get()), (Rows{{"6001"}}));
  exec_ok(c.get(), "COMMIT");
  EXPECT_EQ(query_value(c.get(), "SELECT count(*) FROM selfi"), "21");
  EXPECT_EQ(query_value(c.get(), "SELECT count(DISTINCT n) FROM selfi"), "21");
}

TEST_F(LakeDml, CopyFromStdinAndToStdout) {
  Conn c = conn();
  ASSERT_TRUE(c);
  exec_ok(c.get(), "CREATE TABLE cp (id integer NOT NULL, name text, note text DEFAULT 'n')");
  const std::string text = "1\tone\t\\N\n2\ttwo\\tTab\tx\n3\t\\\\back\t\n";
  Result r = lake::copy_in(c.get(), "COPY cp FROM STDIN", text);
  ASSERT_EQ(PQresultStatus(r.get()), PGRES_COMMAND_OK) << PQresultErrorMessage(r.get());
  EXPECT_STREQ(PQcmdStatus(r.get()), "COPY 3");
  std::string tag;
  EXPECT_EQ(lake::copy_out(c.get(), "COPY (SELECT * FROM cp ORDER BY id) TO STDOUT", &tag), text);
  EXPECT_EQ(tag, "COPY 3");
  EXPECT_EQ(lake::copy_out(c.get(), "COPY cp TO STDOUT", &tag).size(), text.size());
  EXPECT_EQ(tag, "COPY 3");
  // A column list takes defaults for the others; CSV with a header.
  r = lake::copy_in(c.get(), "COPY cp (name, id) FROM STDIN WITH (FORMAT csv, HEADER true)", "name,id\nfour,4\n\"fi,ve\",5\n");
  ASSERT_EQ(PQresultStatus(r.get()), PGRES_COMMAND_OK) << PQresultErrorMessage(r.get());
  EXPECT_STREQ(PQcmdStatus(r.get()), "COPY 2");
  EXPECT_EQ(lake::copy_out(c.get(), "COPY (SELECT id, name, note FROM cp WHERE id >= 4 ORDER BY id) TO STDOUT WITH (FORMAT csv)",
                           &tag),
            "4,four,n\n5,\"fi,ve\",n\n");
  EXPECT_EQ(tag, "COPY 2");
  // A failing COPY (NOT NULL) leaves nothing behind.
  r = lake::copy_in(c.get(), "COPY cp FROM STDIN", "6\tsix\tx\n\\N\tnull id\tx\n");
  EXPECT_EQ(PQresultStatus(r.get()), PGRES_FATAL_ERROR);
  EXPECT_EQ(error_of(r.get()).sqlstate, "23502");
  EXPECT_EQ(query_value(c.get(), "SELECT count(*) FROM cp"), "5");
  // Inside a transaction: visible to it, gone with its rollback.
  exec_ok(c.get(), "BEGIN");
  r = lake::copy_in(c.get(), "COPY cp (id) FROM STDIN", "7\n8\n");
  EXPECT_STREQ(PQcmdStatus(r.get()), "COPY 2");
  EXPECT_EQ(query_value(c.get(), "SELECT count(*) FROM cp"), "7");
  exec_ok(c.get(), "ROLLBACK");
  EXPECT_EQ(query_value(c.get(), "SELECT count(*) FROM cp"), "5");
  // COPY TO of a table.
  EXPECT_EQ(lake::copy_out(c.get(), "COPY cp (id) TO STDOUT", &tag).size(), std::string("1\n2\n3\n4\n5\n").size());
  EXPECT_EQ(tag, "COPY 5");
  // Many rows in one COPY.
  std::string many;
  for (int i = 100; i < 2100; ++i) many += std::to_string(i) + "\tn" + std::to_string(i) + "\t\\N\n";
  r = lake::copy_in(c.get(), "COPY cp FROM STDIN", many, 4096);
  EXPECT_STREQ(PQcmdStatus(r.get()), "COPY 2000");
  EXPECT_EQ(query_value(c.get(), "SELECT sum(id) FROM cp WHERE id >= 100"), "2199000");
}

TEST_F(LakeDml, DeleteWithWhereUsingSubqueriesAndReturning) {
  Conn c = conn();
  ASSERT_TRUE(c);
  exec_ok(c.get(), "CREATE TABLE dl (id integer, grp text)");
  exec_ok(c.get(), "CREATE TABLE dl_keys (k integer)");
  exec_ok(c.get(), "INSERT INTO dl SELECT x, CASE WHEN x % 2 = 0 THEN 'even' ELSE 'odd' END FROM generate_series(1, 10) g(x)");
  exec_ok(c.get(), "INSERT INTO dl VALUES (11, 'odd')");  // a second data file
  exec_ok(c.get(), "INSERT INTO dl_keys VALUES (2), (4), (11)");

  EXPECT_EQ(exec_ok(c.get(), "DELETE FROM dl WHERE id = 1"), "DELETE 1");
  EXPECT_EQ(exec_ok(c.get(), "DELETE FROM dl WHERE id = 1"), "DELETE 0");
  EXPECT_EQ(exec_ok(c.get(), "DELETE FROM dl USING dl_keys WHERE dl.id = dl_keys.k"), "DELETE 3");
  EXPECT_EQ(exec_ok(c.get(), "DELETE FROM dl WHERE id IN (SELECT max(id) FROM dl)"), "DELETE 1");
  EXPECT_EQ(exec_ok(c.get(), "DELETE FROM dl d WHERE EXISTS (SELECT 1 FROM dl_keys k WHERE k.k + 1 = d.id)"), "DELETE 2");
  Result r = exec(c.get(), "DELETE FROM dl AS d WHERE d.grp = 'even' RETURNING d.id, upper(grp) AS g");
  ASSERT_EQ(PQresultStatus(r.get()), PGRES_TUPLES_OK) << PQresultErrorMessage(r.get());
  EXPECT_STREQ(PQcmdStatus(r.get()), "DELETE 2");
  EXPECT_EQ(sorted(rows_of(r.get())), (Rows{{"6", "EVEN"}, {"8", "EVEN"}}));
  EXPECT_EQ(query_rows(c.get(), "SELECT id FROM dl ORDER BY id"), (Rows{{"7"}, {"9"}}));
  EXPECT_EQ(exec_ok(c.get(), "DELETE FROM dl"), "DELETE 2");
  EXPECT_EQ(query_value(c.get(), "SELECT count(*) FROM dl"), "0");
  exec_ok(c.get(), "INSERT INTO dl VALUES (1, 'again')");
  EXPECT_EQ(query_rows(c.get(), "SELECT * FROM dl"), (Rows{{"1", "again"}}));
  EXPECT_EQ(exec_error(c.get(), "DELETE FROM dl WHERE nope = 1").sqlstate, "42703");
  EXPECT_EQ(exec_error(c.get(), "DELETE FROM dl_missing").sqlstate, "42P01");
}

TEST_F(LakeDml, UpdateWithWhereFromSubqueriesAndReturning) {
  Conn c = conn();
  ASSERT_TRUE(c);
  exec_ok(c.get(), "CREATE TABLE up (id integer, v integer, s text DEFAULT 'dflt')");
  exec_ok(c.get(), "CREATE TABLE up_src (id integer, nv integer)");
  exec_ok(c.get(), "INSERT INTO up SELECT x, x * 10, 's' || x FROM generate_series(1, 6) g(x)");
  exec_ok(c.get(), "INSERT INTO up_src VALUES (2, 200), (3, 300)");

  EXPECT_EQ(exec_ok(c.get(), "UPDATE up SET v = v + 1 WHERE id = 1"), "UPDATE 1");
  EXPECT_EQ(exec_ok(c.get(), "UPDATE up SET v = up_src.nv FROM up_src WHERE up.id = up_src.id"), "UPDATE 2");
  EXPECT_EQ(exec_ok(c.get(), "UPDATE up SET s = (SELECT max(s) FROM up) WHERE id = (SELECT min(id) + 3 FROM up)"),
            "UPDATE 1");
  EXPECT_EQ(exec_ok(c.get(), "UPDATE up SET s = NULL, v = -v WHERE id = 5"), "UPDATE 1");
  EXPECT_EQ(exec_ok(c.get(), "UPDATE up SET v = 0 WHERE false"), "UPDATE 0");
  Result r = exec(c.get(), "UPDATE up AS u SET v = u.v * 2 WHERE u.id = 6 RETURNING u.id, v AS doubled, s");
  ASSERT_EQ(PQresultStatus(r.get()), PGRES_TUPLES_OK) << PQresultErrorMessage(r.get());
  EXPECT_STREQ(PQcmdStatus(r.get()), "UPDATE 1");
  EXPECT_STREQ(PQfname(r.get(), 1), "doubled");
  EXPECT_EQ(rows_of(r.get()), (Rows{{"6", "120", "s6"}}));
  EXPECT_EQ(query_rows(c.get(), "SELECT id, v, s FROM up ORDER BY id"),
            (Rows{{"1", "11", "s1"}, {"2", "200", "s2"}, {"3", "300", "s3"}, {"4", "40", "s6"}, {"5", "-50", std::nullopt},
                  {"6", "120", "s6"}}));
  // Updating the same rows again (they now live in newer files), and every row at once.
  EXPECT_EQ(exec_ok(c.get(), "UPDATE up SET v = v + 1 WHERE id IN (1, 2)"), "UPDATE 2");
  EXPECT_EQ(exec_ok(c.get(), "UPDATE up SET v = v + 1000"), "UPDATE 6");
  EXPECT_EQ(query_value(c.get(), "SELECT sum(v) FROM up"), std::to_string(11 + 200 + 300 + 40 - 50 + 120 + 2 + 6000));
  EXPECT_EQ(query_value(c.get(), "SELECT count(*) FROM up"), "6");
  EXPECT_EQ(exec_error(c.get(), "UPDATE up SET nope = 1").sqlstate, "42703");
  EXPECT_EQ(exec_error(c.get(), "UPDATE up SET v = 'abc'").sqlstate.substr(0, 2), "22");
  EXPECT_EQ(query_value(c.get(), "SELECT sum(v) FROM up"), std::to_string(11 + 200 + 300 + 40 - 50 + 120 + 2 + 6000));
}

TEST_F(LakeDml, UpdateSetDefault) {
  Conn c = conn();
  ASSERT_TRUE(c);
  exec_ok(c.get(), "CREATE TABLE up_dflt (id integer, s text DEFAULT 'dflt')");
  exec_ok(c.get(), "INSERT INTO up_dflt VALUES (1, 'x')");
  EXPECT_EQ(exec_ok(c.get(), "UPDATE up_dflt SET s = DEFAULT WHERE id = 1"), "UPDATE 1");
  EXPECT_EQ(query_value(c.get(), "SELECT s FROM up_dflt"), "dflt");
}

TEST_F(LakeDml, Truncate) {
  Conn c = conn();
  ASSERT_TRUE(c);
  exec_ok(c.get(), "CREATE TABLE tr1 (a integer)");
  exec_ok(c.get(), "CREATE TABLE tr2 (a integer)");
  exec_ok(c.get(), "INSERT INTO tr1 VALUES (1), (2)");
  exec_ok(c.get(), "INSERT INTO tr1 VALUES (3)");
  exec_ok(c.get(), "INSERT INTO tr2 VALUES (1)");
  EXPECT_EQ(exec_ok(c.get(), "TRUNCATE tr1"), "TRUNCATE TABLE");
  EXPECT_EQ(query_value(c.get(), "SELECT count(*) FROM tr1"), "0");
  exec_ok(c.get(), "INSERT INTO tr1 VALUES (4)");
  EXPECT_EQ(exec_ok(c.get(), "TRUNCATE TABLE tr1, tr2"), "TRUNCATE TABLE");
  EXPECT_EQ(query_value(c.get(), "SELECT (SELECT count(*) FROM tr1) + (SELECT count(*) FROM tr2)"), "0");
  // In a transaction that rolls back, the rows stay.
  exec_ok(c.get(), "INSERT INTO tr2 VALUES (5)");
  exec_ok(c.get(), "BEGIN");
  exec_ok(c.get(), "TRUNCATE tr2");
  EXPECT_EQ(query_value(c.get(), "SELECT count(*) FROM tr2"), "0");
  exec_ok(c.get(), "ROLLBACK");
  EXPECT_EQ(query_value(c.get(), "SELECT count(*) FROM tr2"), "1");
  EXPECT_EQ(exec_error(c.get(), "TRUNCATE tr_missing").sqlstate, "42P01");
  // RESTART IDENTITY starts the tables' serial columns again, once the TRUNCATE commits; CASCADE
  // takes the tables whose foreign keys reference them along, which PostgreSQL otherwise refuses.
  exec_ok(c.get(), "CREATE TABLE tr_p (id serial PRIMARY KEY, v text)");
  exec_ok(c.get(), "CREATE TABLE tr_c (id bigserial, pid integer REFERENCES tr_p)");
  exec_ok(c.get(), "INSERT INTO tr_p (v) VALUES ('a'), ('b')");
  exec_ok(c.get(), "INSERT INTO tr_c (pid) VALUES (1)");
  SqlError e = exec_error(c.get(), "TRUNCATE tr_p");
  EXPECT_EQ(e.sqlstate, "0A000");
  EXPECT_EQ(e.message, "cannot truncate a table referenced in a foreign key constraint");
  EXPECT_EQ(e.detail, "Table \"tr_c\" references \"tr_p\".");
  exec_ok(c.get(), "BEGIN");
  exec_ok(c.get(), "TRUNCATE tr_p, tr_c RESTART IDENTITY");
  exec_ok(c.get(), "ROLLBACK");
  EXPECT_EQ(query_value(c.get(), "INSERT INTO tr_p (v) VALUES ('c') RETURNING id"), "3");
  NoticeLog notices;
  notices.attach(c.get());
  EXPECT_EQ(exec_ok(c.get(), "TRUNCATE TABLE tr_p RESTART IDENTITY CASCADE"), "TRUNCATE TABLE");
  ASSERT_EQ(notices.items.size(), 1u);
  EXPECT_EQ(notices.items[0].message, "truncate cascades to table \"tr_c\"");
  EXPECT_EQ(query_value(c.get(), "SELECT count(*) FROM tr_c"), "0");
  EXPECT_EQ(query_value(c.get(), "INSERT INTO tr_p (v) VALUES ('d') RETURNING id"), "1");
  EXPECT_EQ(query_value(c.get(), "INSERT INTO tr_c (pid) VALUES (1) RETURNING id"), "1");
  exec_ok(c.get(), "TRUNCATE tr_c CONTINUE IDENTITY RESTRICT");
  EXPECT_EQ(query_value(c.get(), "INSERT INTO tr_c (pid) VALUES (1) RETURNING id"), "2");
  exec_ok(c.get(), "DROP TABLE tr_c, tr_p");
}

TEST_F(LakeDml, ReadsOldFilesAfterColumnChanges) {
  Conn c = conn();
  ASSERT_TRUE(c);
  exec_ok(c.get(), "CREATE TABLE ev (id integer, a text, b integer, c text)");
  exec_ok(c.get(), "INSERT INTO ev VALUES (1, 'a1', 10, 'c1')");
  exec_ok(c.get(), "ALTER TABLE ev RENAME COLUMN a TO a_renamed");
  exec_ok(c.get(), "INSERT INTO ev VALUES (2, 'a2', 20, 'c2')");
  exec_ok(c.get(), "ALTER TABLE ev ADD COLUMN d integer DEFAULT 42");
  exec_ok(c.get(), "ALTER TABLE ev ADD COLUMN e text");
  exec_ok(c.get(), "INSERT INTO ev VALUES (3, 'a3', 30, 'c3', 33, 'e3')");
  exec_ok(c.get(), "ALTER TABLE ev DROP COLUMN b");
  exec_ok(c.get(), "INSERT INTO ev VALUES (4, 'a4', 'c4', 44, 'e4')");
  // The same name again: a new column, so the old files have no values for it.
  exec_ok(c.get(), "ALTER TABLE ev ADD COLUMN b text DEFAULT 'new b'");
  exec_ok(c.get(), "ALTER TABLE ev RENAME COLUMN c TO a");
  exec_ok(c.get(), "ALTER TABLE ev ALTER COLUMN id TYPE bigint");
  EXPECT_EQ(query_rows(c.get(), "SELECT id, a_renamed, a, d, e, b FROM ev ORDER BY id"),
            (Rows{{"1", "a1", "c1", "42", std::nullopt, "new b"},
                  {"2", "a2", "c2", "42", std::nullopt, "new b"},
                  {"3", "a3", "c3", "33", "e3", "new b"},
                  {"4", "a4", "c4", "44", "e4", "new b"}}));
  // Filters, deletes and updates address rows of old files correctly.
  EXPECT_EQ(query_value(c.get(), "SELECT string_agg(CAST(id AS text), ',' ORDER BY id) FROM ev WHERE d = 42"), "1,2");
  EXPECT_EQ(exec_ok(c.get(), "DELETE FROM ev WHERE a_renamed = 'a2'"), "DELETE 1");
  EXPECT_EQ(exec_ok(c.get(), "UPDATE ev SET e = 'upd' WHERE a = 'c1'"), "UPDATE 1");
  EXPECT_EQ(query_rows(c.get(), "SELECT id, e FROM ev ORDER BY id"),
            (Rows{{"1", "upd"}, {"3", "e3"}, {"4", "e4"}}));
}

TEST_F(LakeDml, ParametersOverTheExtendedProtocol) {
  Conn c = conn();
  ASSERT_TRUE(c);
  exec_ok(c.get(), "CREATE TABLE ep (id integer, name text)");
  auto run = [&](const char *sql, std::vector<const char *> params) {
    return Result(PQexecParams(c.get(), sql, static_cast<int>(params.size()), nullptr, params.data(), nullptr,
                               nullptr, 0));
  };
  Result r = run("INSERT INTO ep VALUES ($1, $2)", {"1", "one"});
  EXPECT_STREQ(PQcmdStatus(r.get()), "INSERT 0 1") << PQresultErrorMessage(r.get());
  r = run("INSERT INTO ep VALUES ($1, $2), ($3, $4) RETURNING id", {"2", "two", "3", "it's"});
  EXPECT_STREQ(PQcmdStatus(r.get()), "INSERT 0 2") << PQresultErrorMessage(r.get());
  EXPECT_EQ(sorted(rows_of(r.get())), (Rows{{"2"}, {"3"}}));
  r = run("UPDATE ep SET name = $1 WHERE id = $2", {"ONE", "1"});
  EXPECT_STREQ(PQcmdStatus(r.get()), "UPDATE 1") << PQresultErrorMessage(r.get());
  r = run("DELETE FROM ep WHERE id > $1", {"2"});
  EXPECT_STREQ(PQcmdStatus(r.get()), "DELETE 1") << PQresultErrorMessage(r.get());
  r = run("SELECT name FROM ep WHERE id = $1", {"1"});
  EXPECT_EQ(rows_of(r.get()), (Rows{{"ONE"}}));
  // A prepared INSERT executed several times.
  Result p(PQprepare(c.get(), "ins_ep", "INSERT INTO ep VALUES ($1, $2)", 2, nullptr));
  ASSERT_EQ(PQresultStatus(p.get()), PGRES_COMMAND_OK) << PQresultErrorMessage(p.get());
  for (int i = 10; i < 15; ++i) {
    std::string id = std::to_string(i), name = "n" + id;
    const char *vals[] = {id.c_str(), name.c_str()};
    Result e(PQexecPrepared(c.get(), "ins_ep", 2, vals, nullptr, nullptr, 0));
    EXPECT_STREQ(PQcmdStatus(e.get()), "INSERT 0 1") << PQresultErrorMessage(e.get());
  }
  EXPECT_EQ(query_value(c.get(), "SELECT count(*) FROM ep"), "7");
}

// What JDBC and psycopg send for DML with parameters: Parse, Bind, Describe (portal), Execute.
TEST_F(LakeDml, ReturningOverTheExtendedProtocol) {
  Conn c = conn();
  ASSERT_TRUE(c);
  exec_ok(c.get(), "CREATE TABLE epr (id integer, name text)");
  exec_ok(c.get(), "INSERT INTO epr VALUES (1, 'one'), (2, 'two'), (3, 'three')");
  auto run = [&](const char *sql, std::vector<const char *> params) {
    return Result(PQexecParams(c.get(), sql, static_cast<int>(params.size()), nullptr, params.data(), nullptr,
                               nullptr, 0));
  };
  Result r = run("UPDATE epr SET name = upper(name) WHERE id = $1 RETURNING id, name", {"1"});
  EXPECT_STREQ(PQcmdStatus(r.get()), "UPDATE 1") << PQresultErrorMessage(r.get());
  EXPECT_EQ(rows_of(r.get()), (Rows{{"1", "ONE"}}));
  r = run("DELETE FROM epr WHERE id = $1 RETURNING name", {"2"});
  EXPECT_STREQ(PQcmdStatus(r.get()), "DELETE 1") << PQresultErrorMessage(r.get());
  EXPECT_EQ(rows_of(r.get()), (Rows{{"two"}}));
  r = run("INSERT INTO epr SELECT id + 10, name FROM epr WHERE id = $1 RETURNING id", {"3"});
  EXPECT_STREQ(PQcmdStatus(r.get()), "INSERT 0 1") << PQresultErrorMessage(r.get());
  EXPECT_EQ(rows_of(r.get()), (Rows{{"13"}}));
  r = run("UPDATE epr SET name = name || '!' WHERE id = 3 RETURNING id, name", {});
  EXPECT_STREQ(PQcmdStatus(r.get()), "UPDATE 1") << PQresultErrorMessage(r.get());
  EXPECT_EQ(rows_of(r.get()), (Rows{{"3", "three!"}}));
  // Describe of the prepared statement names and types the RETURNING columns before any run.
  Result prep(PQprepare(c.get(), "epr_del", "DELETE FROM epr WHERE id = $1 RETURNING id, name AS label", 0, nullptr));
  ASSERT_EQ(PQresultStatus(prep.get()), PGRES_COMMAND_OK) << PQresultErrorMessage(prep.get());
  Result d(PQdescribePrepared(c.get(), "epr_del"));
  ASSERT_EQ(PQnfields(d.get()), 2);
  EXPECT_STREQ(PQfname(d.get(), 0), "id");
  EXPECT_STREQ(PQfname(d.get(), 1), "label");
  EXPECT_EQ(PQftype(d.get(), 0), 23u);  // int4
  EXPECT_EQ(PQftype(d.get(), 1), 25u);  // text
  EXPECT_EQ(PQnparams(d.get()), 1);
  EXPECT_EQ(PQparamtype(d.get(), 0), 23u);
  EXPECT_EQ(query_rows(c.get(), "SELECT id FROM epr ORDER BY id"), (Rows{{"1"}, {"3"}, {"13"}}));  // not run
}

// '\x..' is bytea's hex input form in PostgreSQL, also where a column's type makes it bytea.
TEST_F(LakeDml, ByteaHexLiteralIntoAColumn) {
  Conn c = conn();
  ASSERT_TRUE(c);
  exec_ok(c.get(), "CREATE TABLE bya (b bytea)");
  exec_ok(c.get(), "INSERT INTO bya VALUES ('\\x00ff10'::bytea)");
  EXPECT_EQ(query_value(c.get(), "SELECT b FROM bya"), "\\x00ff10");
  exec_ok(c.get(), "DELETE FROM bya");
  // An untyped literal takes its target column's type, as in PostgreSQL: hex input for bytea.
  exec_ok(c.get(), "INSERT INTO bya VALUES ('\\x00ff10')");
  EXPECT_EQ(query_value(c.get(), "SELECT b FROM bya"), "\\x00ff10");
  exec_ok(c.get(), "ALTER TABLE bya ADD COLUMN n integer");
  exec_ok(c.get(), "INSERT INTO bya (n, b) VALUES (1, '\\x01'), (2, ( '\\x0a0b' )), (3, 'plain')");
  EXPECT_EQ(query_rows(c.get(), "SELECT n, b FROM bya WHERE n IS NOT NULL ORDER BY n"),
            (Rows{{"1", "\\x01"}, {"2", "\\x0a0b"}, {"3", "\\x706c61696e"}}));
  exec_ok(c.get(), "UPDATE bya SET b = '\\xbeef' WHERE n = 1");
  EXPECT_EQ(query_value(c.get(), "SELECT b FROM bya WHERE n = 1"), "\\xbeef");
  // A text value stays text: only the bytea column reads hex.
  exec_ok(c.get(), "CREATE TABLE byt (t text, b bytea)");
  exec_ok(c.get(), "INSERT INTO byt VALUES ('\\x41', '\\x41')");
  EXPECT_EQ(query_rows(c.get(), "SELECT t, b FROM byt"), (Rows{{"\\x41", "\\x41"}}));
  EXPECT_EQ(exec_error(c.get(), "INSERT INTO bya VALUES ('\\x0g')").sqlstate, "22023");
}

TEST_F(LakeDml, QuotedAndMixedCaseNames) {
  Conn c = conn();
  ASSERT_TRUE(c);
  exec_ok(c.get(), "CREATE SCHEMA \"Odd Schema\"");
  exec_ok(c.get(), "CREATE TABLE \"Odd Schema\".\"Mixed Case\" (\"Col A\" integer, \"b\"\"q\" text, \"select\" integer)");
  EXPECT_EQ(exec_ok(c.get(), "INSERT INTO \"Odd Schema\".\"Mixed Case\" VALUES (1, 'x', 10), (2, 'y', 20)"), "INSERT 0 2");
  Result r = exec(c.get(), "UPDATE \"Odd Schema\".\"Mixed Case\" SET \"b\"\"q\" = 'z' WHERE \"Col A\" = 2 RETURNING *");
  EXPECT_STREQ(PQcmdStatus(r.get()), "UPDATE 1") << PQresultErrorMessage(r.get());
  EXPECT_STREQ(PQfname(r.get(), 1), "b\"q");
  EXPECT_EQ(rows_of(r.get()), (Rows{{"2", "z", "20"}}));
  EXPECT_EQ(exec_ok(c.get(), "DELETE FROM \"Odd Schema\".\"Mixed Case\" WHERE \"select\" = 10"), "DELETE 1");
  exec_ok(c.get(), "ALTER TABLE \"Odd Schema\".\"Mixed Case\" RENAME COLUMN \"Col A\" TO \"Col B\"");
  EXPECT_EQ(query_rows(c.get(), "SELECT \"Col B\", \"b\"\"q\" FROM \"Odd Schema\".\"Mixed Case\""), (Rows{{"2", "z"}}));
  // An unquoted name is folded to lower case, so it names another table.
  EXPECT_EQ(exec_error(c.get(), "SELECT * FROM \"Odd Schema\".Mixed_Case").sqlstate, "42P01");
}

TEST_F(LakeDml, ManyFilesAndMixedChanges) {
  Conn c = conn();
  ASSERT_TRUE(c);
  exec_ok(c.get(), "CREATE TABLE mf (id integer, v integer)");
  for (int i = 0; i < 20; ++i)
    exec_ok(c.get(), "INSERT INTO mf SELECT x, x FROM generate_series(" + std::to_string(i * 50) + ", " +
                         std::to_string(i * 50 + 49) + ") g(x)");
  EXPECT_EQ(exec_ok(c.get(), "DELETE FROM mf WHERE id % 7 = 0"), "DELETE 143");
  EXPECT_EQ(exec_ok(c.get(), "UPDATE mf SET v = -v WHERE id % 11 = 0"), "UPDATE 78");
  EXPECT_EQ(exec_ok(c.get(), "DELETE FROM mf WHERE id % 7 = 1 AND id < 500"), "DELETE 72");
  EXPECT_EQ(query_value(c.get(), "SELECT count(*) FROM mf"), std::to_string(1000 - 143 - 72));
  // 7 of the negated rows (22, 99, ..., 484) went with the second DELETE.
  EXPECT_EQ(query_value(c.get(), "SELECT count(*) FROM mf WHERE v < 0"), "71");
  EXPECT_EQ(query_value(c.get(), "SELECT count(DISTINCT id) FROM mf"), std::to_string(1000 - 143 - 72));
  EXPECT_EQ(query_value(c.get(), "SELECT sum(abs(v)) = sum(id) FROM mf"), "t");
}

// A session's temporary table hides a lake table of the same name, as PostgreSQL's pg_temp does:
// every statement on the unqualified name reaches the temporary one, and the lake table is unchanged.
TEST_F(LakeDml, TemporaryTableHidesALakeTable) {
  Conn c = conn(), other = conn();
  ASSERT_TRUE(c && other);
  exec_ok(c.get(), "CREATE TABLE shadowed (id integer, s text)");
  exec_ok(c.get(), "INSERT INTO shadowed VALUES (1, 'lake')");
  exec_ok(c.get(), "CREATE TEMPORARY TABLE shadowed (id integer, s text)");
  EXPECT_EQ(exec_ok(c.get(), "INSERT INTO shadowed VALUES (2, 'temp'), (3, 'temp')"), "INSERT 0 2");
  EXPECT_EQ(exec_ok(c.get(), "UPDATE shadowed SET s = 'temp!' WHERE id = 2"), "UPDATE 1");
  EXPECT_EQ(exec_ok(c.get(), "DELETE FROM shadowed WHERE id = 3"), "DELETE 1");
  Result r = lake::copy_in(c.get(), "COPY shadowed FROM STDIN", "4\tcopied\n");
  EXPECT_STREQ(PQcmdStatus(r.get()), "COPY 1") << PQresultErrorMessage(r.get());
  EXPECT_EQ(query_rows(c.get(), "SELECT id, s FROM shadowed ORDER BY id"), (Rows{{"2", "temp!"}, {"4", "copied"}}));
  EXPECT_EQ(query_rows(other.get(), "SELECT id, s FROM shadowed ORDER BY id"), (Rows{{"1", "lake"}}));
  exec_ok(c.get(), "DROP TABLE shadowed");  // the temporary one
  EXPECT_EQ(query_rows(c.get(), "SELECT id, s FROM shadowed ORDER BY id"), (Rows{{"1", "lake"}}));
  exec_ok(c.get(), "DROP TABLE shadowed");
}

}  // namespace
}  // namespace mallard::it
