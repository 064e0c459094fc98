// Simple query protocol: results, command tags as PostgreSQL writes them, multiple statements in
// one message (an implicit transaction), empty queries, and transaction status.

#include <string>
#include <vector>

#include "support/server.hpp"

namespace mallard::it {
namespace {

class SimpleQuery : public ServerSuite<SimpleQuery> {};

struct Outcome {
  ExecStatusType status;
  std::string tag;
  std::vector<Row> rows;
  SqlError error;
};

// All results of one simple-query message, in order.
std::vector<Outcome> run_all(PGconn *c, const std::string &sql) {
  std::vector<Outcome> out;
  if (!PQsendQuery(c, sql.c_str())) {
    ADD_FAILURE() << "PQsendQuery: " << PQerrorMessage(c);
    return out;
  }
  while (PGresult *r = PQgetResult(c)) {
    out.push_back({PQresultStatus(r), PQcmdStatus(r), rows_of(r), error_of(r)});
    PQclear(r);
  }
  return out;
}

TEST_F(SimpleQuery, SelectReturnsValuesTypeAndTag) {
  Conn c = conn();
  ASSERT_TRUE(c);
  Result r = exec(c.get(), "SELECT 1 AS one, 'two' AS two");
  ASSERT_EQ(PQresultStatus(r.get()), PGRES_TUPLES_OK) << PQresultErrorMessage(r.get());
  EXPECT_EQ(PQntuples(r.get()), 1);
  ASSERT_EQ(PQnfields(r.get()), 2);
  EXPECT_STREQ(PQfname(r.get(), 0), "one");
  EXPECT_STREQ(PQfname(r.get(), 1), "two");
  EXPECT_EQ(PQftype(r.get(), 0), 23u);
  EXPECT_EQ(PQfformat(r.get(), 0), 0);
  EXPECT_STREQ(PQgetvalue(r.get(), 0, 0), "1");
  EXPECT_STREQ(PQgetvalue(r.get(), 0, 1), "two");
  EXPECT_STREQ(PQcmdStatus(r.get()), "SELECT 1");
}

TEST_F(SimpleQuery, DuckDbRangeTableFunction) {
  SKIP_IN_REFERENCE("DuckDB dialect");
  Conn c = conn();
  ASSERT_TRUE(c);
  Result r = exec(c.get(), "SELECT range FROM range(10)");
  ASSERT_EQ(PQresultStatus(r.get()), PGRES_TUPLES_OK) << PQresultErrorMessage(r.get());
  ASSERT_EQ(PQntuples(r.get()), 10);
  for (int i = 0; i < 10; ++i) EXPECT_EQ(value_bytes(r.get(), i, 0), std::to_string(i));
  EXPECT_STREQ(PQcmdStatus(r.get()), "SELECT 10");
}

TEST_F(SimpleQuery, GenerateSeries) {
  Conn c = conn();
  ASSERT_TRUE(c);
  Result r = exec(c.get(), "SELECT * FROM generate_series(1, 5)");
  ASSERT_EQ(PQresultStatus(r.get()), PGRES_TUPLES_OK) << PQresultErrorMessage(r.get());
  ASSERT_EQ(PQntuples(r.get()), 5);
  for (int i = 0; i < 5; ++i) EXPECT_EQ(value_bytes(r.get(), i, 0), std::to_string(i + 1));
  EXPECT_STREQ(PQcmdStatus(r.get()), "SELECT 5");
  EXPECT_STREQ(PQcmdTuples(r.get()), "5");
}

TEST_F(SimpleQuery, CommandTagsMatchPostgres) {
  Conn c = conn();
  ASSERT_TRUE(c);
  PGconn *p = c.get();
  EXPECT_EQ(exec_ok(p, "CREATE TABLE sq_tags (id integer NOT NULL, name text)"), "CREATE TABLE");
  Result ins = exec(p, "INSERT INTO sq_tags VALUES (1, 'a'), (2, 'b')");
  EXPECT_STREQ(PQcmdStatus(ins.get()), "INSERT 0 2");
  EXPECT_STREQ(PQcmdTuples(ins.get()), "2");
  EXPECT_EQ(exec_ok(p, "INSERT INTO sq_tags SELECT id + 10, name FROM sq_tags"), "INSERT 0 2");
  EXPECT_EQ(exec_ok(p, "UPDATE sq_tags SET name = 'c' WHERE id = 1"), "UPDATE 1");
  EXPECT_EQ(exec_ok(p, "UPDATE sq_tags SET name = 'c' WHERE id = 999"), "UPDATE 0");
  EXPECT_EQ(exec_ok(p, "UPDATE sq_tags SET name = 'd' WHERE id > 10"), "UPDATE 2");
  EXPECT_EQ(exec_ok(p, "DELETE FROM sq_tags WHERE id = 2"), "DELETE 1");
  EXPECT_EQ(exec_ok(p, "SELECT * FROM sq_tags"), "SELECT 3");
  EXPECT_EQ(exec_ok(p, "SELECT * FROM sq_tags WHERE false"), "SELECT 0");
  EXPECT_EQ(exec_ok(p, "CREATE TABLE sq_tags_copy AS SELECT * FROM sq_tags"), "SELECT 3");
  EXPECT_EQ(exec_ok(p, "BEGIN"), "BEGIN");
  EXPECT_EQ(exec_ok(p, "COMMIT"), "COMMIT");
  EXPECT_EQ(exec_ok(p, "BEGIN"), "BEGIN");
  EXPECT_EQ(exec_ok(p, "ROLLBACK"), "ROLLBACK");
  EXPECT_EQ(exec_ok(p, "SET application_name = 'tags'"), "SET");
  EXPECT_EQ(exec_ok(p, "DELETE FROM sq_tags"), "DELETE 3");
  EXPECT_EQ(exec_ok(p, "DROP TABLE sq_tags"), "DROP TABLE");
  EXPECT_EQ(exec_ok(p, "DROP TABLE sq_tags_copy"), "DROP TABLE");
}

TEST_F(SimpleQuery, MultipleStatementsReturnOneResultEach) {
  Conn c = conn();
  ASSERT_TRUE(c);
  auto out = run_all(c.get(),
                     "SELECT 1; SELECT 'two', 3; CREATE TABLE sq_multi (x integer); "
                     "INSERT INTO sq_multi VALUES (1), (2), (3); SELECT x FROM sq_multi ORDER BY x");
  ASSERT_EQ(out.size(), 5u);
  EXPECT_EQ(out[0].status, PGRES_TUPLES_OK);
  EXPECT_EQ(out[0].tag, "SELECT 1");
  ASSERT_EQ(out[0].rows.size(), 1u);
  EXPECT_EQ(out[0].rows[0][0], "1");
  ASSERT_EQ(out[1].rows.size(), 1u);
  ASSERT_EQ(out[1].rows[0].size(), 2u);
  EXPECT_EQ(out[1].rows[0][0], "two");
  EXPECT_EQ(out[1].rows[0][1], "3");
  EXPECT_EQ(out[2].status, PGRES_COMMAND_OK);
  EXPECT_EQ(out[2].tag, "CREATE TABLE");
  EXPECT_EQ(out[3].tag, "INSERT 0 3");
  EXPECT_EQ(out[4].tag, "SELECT 3");
  ASSERT_EQ(out[4].rows.size(), 3u);
  EXPECT_EQ(out[4].rows[2][0], "3");
  EXPECT_EQ(PQtransactionStatus(c.get()), PQTRANS_IDLE);
  exec_ok(c.get(), "DROP TABLE sq_multi");
}

TEST_F(SimpleQuery, ErrorInMultiStatementRollsBackTheWholeMessage) {
  Conn c = conn();
  ASSERT_TRUE(c);
  exec_ok(c.get(), "CREATE TABLE sq_implicit (x integer)");
  auto out = run_all(c.get(),
                     "INSERT INTO sq_implicit VALUES (1); SELECT * FROM sq_no_such_table; "
                     "INSERT INTO sq_implicit VALUES (2)");
  ASSERT_EQ(out.size(), 2u) << "statements after the failing one must not run";
  EXPECT_EQ(out[0].tag, "INSERT 0 1");
  EXPECT_EQ(out[1].status, PGRES_FATAL_ERROR);
  EXPECT_EQ(out[1].error.sqlstate, "42P01");
  EXPECT_EQ(PQtransactionStatus(c.get()), PQTRANS_IDLE);
  // The statements of one Query message form one implicit transaction.
  EXPECT_EQ(query_value(c.get(), "SELECT count(*) FROM sq_implicit"), "0");
  exec_ok(c.get(), "DROP TABLE sq_implicit");
}

TEST_F(SimpleQuery, ExplicitTransactionInsideOneMessage) {
  Conn c = conn();
  ASSERT_TRUE(c);
  exec_ok(c.get(), "CREATE TABLE sq_explicit (x integer)");
  auto out = run_all(c.get(), "BEGIN; INSERT INTO sq_explicit VALUES (1); INSERT INTO sq_explicit VALUES (2); COMMIT");
  ASSERT_EQ(out.size(), 4u);
  EXPECT_EQ(out[0].tag, "BEGIN");
  EXPECT_EQ(out[3].tag, "COMMIT");
  Conn other = conn();
  ASSERT_TRUE(other);
  EXPECT_EQ(query_value(other.get(), "SELECT sum(x) FROM sq_explicit"), "3");
  exec_ok(c.get(), "DROP TABLE sq_explicit");
}

TEST_F(SimpleQuery, EmptyQueries) {
  Conn c = conn();
  ASSERT_TRUE(c);
  for (const char *q : {"", "   ", ";", "-- only a comment\n", " ; ; "}) {
    Result r = exec(c.get(), q);
    EXPECT_EQ(PQresultStatus(r.get()), PGRES_EMPTY_QUERY) << "query: '" << q << "' gave " << PQresStatus(PQresultStatus(r.get()));
    EXPECT_EQ(PQtransactionStatus(c.get()), PQTRANS_IDLE);
  }
  // Empty statements between real ones produce no results of their own.
  auto out = run_all(c.get(), "SELECT 1;;SELECT 2;");
  ASSERT_EQ(out.size(), 2u);
  EXPECT_EQ(out[0].rows[0][0], "1");
  EXPECT_EQ(out[1].rows[0][0], "2");
}

TEST_F(SimpleQuery, FailedTransactionRejectsStatementsAndCommitRollsBack) {
  Conn c = conn();
  ASSERT_TRUE(c);
  PGconn *p = c.get();
  exec_ok(p, "CREATE TABLE sq_failed (x integer)");
  EXPECT_EQ(PQtransactionStatus(p), PQTRANS_IDLE);
  EXPECT_EQ(exec_ok(p, "BEGIN"), "BEGIN");
  EXPECT_EQ(PQtransactionStatus(p), PQTRANS_INTRANS);
  exec_ok(p, "INSERT INTO sq_failed VALUES (1)");
  SqlError e = exec_error(p, "SELECT * FROM sq_no_such_table");
  EXPECT_EQ(e.sqlstate, "42P01") << e;
  EXPECT_EQ(PQtransactionStatus(p), PQTRANS_INERROR);
  SqlError blocked = exec_error(p, "SELECT 1");
  EXPECT_EQ(blocked.sqlstate, "25P02") << blocked;
  EXPECT_EQ(PQtransactionStatus(p), PQTRANS_INERROR);
  Result commit = exec(p, "COMMIT");
  EXPECT_EQ(PQresultStatus(commit.get()), PGRES_COMMAND_OK);
  EXPECT_STREQ(PQcmdStatus(commit.get()), "ROLLBACK");
  EXPECT_EQ(PQtransactionStatus(p), PQTRANS_IDLE);
  EXPECT_EQ(query_value(p, "SELECT count(*) FROM sq_failed"), "0");
  exec_ok(p, "DROP TABLE sq_failed");
}

TEST_F(SimpleQuery, RollbackAfterErrorReturnsToIdle) {
  Conn c = conn();
  ASSERT_TRUE(c);
  exec_ok(c.get(), "BEGIN");
  exec_error(c.get(), "SELEC broken");
  EXPECT_EQ(PQtransactionStatus(c.get()), PQTRANS_INERROR);
  EXPECT_EQ(exec_ok(c.get(), "ROLLBACK"), "ROLLBACK");
  EXPECT_EQ(PQtransactionStatus(c.get()), PQTRANS_IDLE);
  EXPECT_EQ(query_value(c.get(), "SELECT 5"), "5");
}

TEST_F(SimpleQuery, BeginInsideTransactionWarns25001AndSucceeds) {
  Conn c = conn();
  ASSERT_TRUE(c);
  NoticeLog notices;
  notices.attach(c.get());
  exec_ok(c.get(), "BEGIN");
  EXPECT_TRUE(notices.items.empty());
  Result r = exec(c.get(), "BEGIN");
  EXPECT_EQ(PQresultStatus(r.get()), PGRES_COMMAND_OK);
  EXPECT_STREQ(PQcmdStatus(r.get()), "BEGIN");
  ASSERT_EQ(notices.items.size(), 1u);
  EXPECT_EQ(notices.items[0].severity, "WARNING");
  EXPECT_EQ(notices.items[0].sqlstate, "25001");
  EXPECT_EQ(PQtransactionStatus(c.get()), PQTRANS_INTRANS);
  EXPECT_EQ(exec_ok(c.get(), "COMMIT"), "COMMIT");
  EXPECT_EQ(PQtransactionStatus(c.get()), PQTRANS_IDLE);
}

TEST_F(SimpleQuery, CommittedDataIsVisibleToOtherSessions) {
  Conn a = conn(), b = conn();
  ASSERT_TRUE(a && b);
  exec_ok(a.get(), "CREATE TABLE sq_visible (x integer)");
  exec_ok(a.get(), "BEGIN");
  exec_ok(a.get(), "INSERT INTO sq_visible VALUES (42)");
  EXPECT_EQ(query_value(b.get(), "SELECT count(*) FROM sq_visible"), "0") << "uncommitted row visible";
  exec_ok(a.get(), "COMMIT");
  EXPECT_EQ(query_value(b.get(), "SELECT max(x) FROM sq_visible"), "42");
  exec_ok(b.get(), "DROP TABLE sq_visible");
}

TEST_F(SimpleQuery, SetReportsParameterStatusChanges) {
  Conn c = conn();
  ASSERT_TRUE(c);
  EXPECT_EQ(exec_ok(c.get(), "SET application_name = 'renamed_app'"), "SET");
  EXPECT_STREQ(PQparameterStatus(c.get(), "application_name"), "renamed_app");
  EXPECT_EQ(exec_ok(c.get(), "SET TimeZone = 'UTC'"), "SET");
  EXPECT_STREQ(PQparameterStatus(c.get(), "TimeZone"), "UTC");
}

TEST_F(SimpleQuery, NullsAndEmptyStringsDiffer) {
  Conn c = conn();
  ASSERT_TRUE(c);
  Result r = exec(c.get(), "SELECT NULL::integer AS n, '' AS e");
  ASSERT_EQ(PQresultStatus(r.get()), PGRES_TUPLES_OK);
  EXPECT_TRUE(PQgetisnull(r.get(), 0, 0));
  EXPECT_FALSE(PQgetisnull(r.get(), 0, 1));
  EXPECT_EQ(PQgetlength(r.get(), 0, 1), 0);
}

TEST_F(SimpleQuery, Utf8RoundTrip) {
  Conn c = conn();
  ASSERT_TRUE(c);
  const std::string text = "h\xC3\xA9llo w\xC3\xB6rld \xE2\x98\x83 \xF0\x9F\x98\x80";
  EXPECT_EQ(query_value(c.get(), "SELECT '" + text + "'"), text);
  EXPECT_EQ(query_value(c.get(), "SELECT length('\xE2\x98\x83\xF0\x9F\x98\x80')"), "2");
}

TEST_F(SimpleQuery, StandardConformingStringsKeepBackslashes) {
  Conn c = conn();
  ASSERT_TRUE(c);
  EXPECT_EQ(query_value(c.get(), "SELECT 'a\\nb'"), "a\\nb");
  EXPECT_EQ(query_value(c.get(), "SELECT 'it''s'"), "it's");
}

TEST_F(SimpleQuery, LargeResult) {
  Conn c = conn();
  ASSERT_TRUE(c);
  Result r = exec(c.get(), "SELECT x, 'row ' || x AS label FROM generate_series(1, 100000) AS t(x) ORDER BY x");
  ASSERT_EQ(PQresultStatus(r.get()), PGRES_TUPLES_OK) << PQresultErrorMessage(r.get());
  ASSERT_EQ(PQntuples(r.get()), 100000);
  EXPECT_EQ(value_bytes(r.get(), 0, 0), "1");
  EXPECT_EQ(value_bytes(r.get(), 99999, 0), "100000");
  EXPECT_EQ(value_bytes(r.get(), 99999, 1), "row 100000");
  EXPECT_STREQ(PQcmdStatus(r.get()), "SELECT 100000");
}

// A result of many chunks arrives whole and in order (the server computes chunks ahead of the one
// it sends), and an error in a late chunk ends it with that error, the session intact.
TEST_F(SimpleQuery, ManyChunksInOrderAndALateError) {
  Conn c = conn();
  ASSERT_TRUE(c);
  for (const char *q : {"SELECT x FROM generate_series(1, 400000) AS t(x)",
                        "SELECT x FROM (SELECT x FROM generate_series(1, 400000) AS t(x) ORDER BY x DESC) AS s ORDER BY x"}) {
    Result r = exec(c.get(), q);
    ASSERT_EQ(PQresultStatus(r.get()), PGRES_TUPLES_OK) << PQresultErrorMessage(r.get());
    ASSERT_EQ(PQntuples(r.get()), 400000);
    for (int i = 0; i < 400000; ++i)
      ASSERT_EQ(value_bytes(r.get(), i, 0), std::to_string(i + 1)) << q << ", row " << i;
  }
  // The failing row may be computed on one of DuckDB's worker threads, which DuckDB can report as
  // an interrupt: the server must still answer with the cause, every time.
  for (int i = 0; i < 20; ++i) {
    Result bad = exec(c.get(), "SELECT CASE WHEN x < 300000 THEN x ELSE CAST('n' || x AS integer) END "
                               "FROM generate_series(1, 400000) AS t(x)");
    ASSERT_EQ(PQresultStatus(bad.get()), PGRES_FATAL_ERROR);
    EXPECT_EQ(error_of(bad.get()).sqlstate, "22P02") << error_of(bad.get()) << ", run " << i;
    EXPECT_EQ(PQtransactionStatus(c.get()), PQTRANS_IDLE);
  }
  EXPECT_EQ(query_value(c.get(), "SELECT count(*) FROM generate_series(1, 400000) AS t(x)"), "400000");
}

TEST_F(SimpleQuery, SingleRowModeStreamsRows) {
  Conn c = conn();
  ASSERT_TRUE(c);
  ASSERT_TRUE(PQsendQuery(c.get(), "SELECT x FROM generate_series(1, 1000) AS t(x) ORDER BY x"));
  ASSERT_TRUE(PQsetSingleRowMode(c.get()));
  int single = 0;
  std::string last_tag;
  while (PGresult *r = PQgetResult(c.get())) {
    if (PQresultStatus(r) == PGRES_SINGLE_TUPLE) {
      ++single;
      EXPECT_EQ(value_bytes(r, 0, 0), std::to_string(single));
    } else {
      EXPECT_EQ(PQresultStatus(r), PGRES_TUPLES_OK);
      last_tag = PQcmdStatus(r);
    }
    PQclear(r);
  }
  EXPECT_EQ(single, 1000);
  EXPECT_EQ(last_tag, "SELECT 1000");
}

TEST_F(SimpleQuery, ColumnTypesOfCommonExpressions) {
  Conn c = conn();
  ASSERT_TRUE(c);
  Result r = exec(c.get(), "SELECT 1::smallint AS a, 2::bigint AS b, 'x'::text AS c, true AS d, 1.5::double precision AS e");
  ASSERT_EQ(PQresultStatus(r.get()), PGRES_TUPLES_OK) << PQresultErrorMessage(r.get());
  EXPECT_EQ(PQftype(r.get(), 0), 21u);
  EXPECT_EQ(PQftype(r.get(), 1), 20u);
  EXPECT_TRUE(PQftype(r.get(), 2) == 25u || PQftype(r.get(), 2) == 1043u) << PQftype(r.get(), 2);
  EXPECT_EQ(PQftype(r.get(), 3), 16u);
  EXPECT_EQ(PQftype(r.get(), 4), 701u);
  EXPECT_STREQ(PQgetvalue(r.get(), 0, 3), "t");
}

TEST_F(SimpleQuery, RepeatedSelectSeesSchemaChangesFromOtherSessions) {
  // Plans of repeated SELECTs are reused per session; a change by another session must still show.
  Conn a = conn(), b = conn();
  ASSERT_TRUE(a);
  ASSERT_TRUE(b);
  exec_ok(a.get(), "CREATE TABLE sq_plan (x integer)");
  exec_ok(a.get(), "INSERT INTO sq_plan VALUES (1)");
  Result r1 = exec(a.get(), "SELECT * FROM sq_plan");
  EXPECT_EQ(PQnfields(r1.get()), 1);
  exec_ok(b.get(), "ALTER TABLE sq_plan ADD COLUMN y integer DEFAULT 5");
  Result r2 = exec(a.get(), "SELECT * FROM sq_plan");
  ASSERT_EQ(PQresultStatus(r2.get()), PGRES_TUPLES_OK) << PQresultErrorMessage(r2.get());
  EXPECT_EQ(PQnfields(r2.get()), 2);
  EXPECT_STREQ(PQgetvalue(r2.get(), 0, 1), "5");
  exec_ok(b.get(), "DROP TABLE sq_plan");
  SqlError e = exec_error(a.get(), "SELECT * FROM sq_plan");
  EXPECT_EQ(e.sqlstate, "42P01") << e;
}

TEST_F(SimpleQuery, SqlCursorsDeclareFetchMoveClose) {
  Conn c = conn();
  ASSERT_TRUE(c);
  SqlError outside = exec_error(c.get(), "DECLARE sq_cur CURSOR FOR SELECT 1");
  EXPECT_EQ(outside.sqlstate, "25P01") << outside;
  EXPECT_EQ(exec_ok(c.get(), "BEGIN"), "BEGIN");
  EXPECT_EQ(exec_ok(c.get(), "DECLARE sq_cur CURSOR FOR SELECT x FROM range(10) t(x) ORDER BY x"), "DECLARE CURSOR");
  Result r = exec(c.get(), "FETCH 3 FROM sq_cur");
  ASSERT_EQ(PQresultStatus(r.get()), PGRES_TUPLES_OK) << PQresultErrorMessage(r.get());
  EXPECT_STREQ(PQcmdStatus(r.get()), "FETCH 3");
  ASSERT_EQ(PQntuples(r.get()), 3);
  EXPECT_STREQ(PQgetvalue(r.get(), 2, 0), "2");
  EXPECT_EQ(exec_ok(c.get(), "MOVE 4 FROM sq_cur"), "MOVE 4");
  Result rest = exec(c.get(), "FETCH ALL FROM sq_cur");
  EXPECT_STREQ(PQcmdStatus(rest.get()), "FETCH 3");
  ASSERT_EQ(PQntuples(rest.get()), 3);
  EXPECT_STREQ(PQgetvalue(rest.get(), 0, 0), "7");
  Result none = exec(c.get(), "FETCH NEXT FROM sq_cur");
  EXPECT_STREQ(PQcmdStatus(none.get()), "FETCH 0");
  // Another statement in between does not disturb an open cursor.
  EXPECT_EQ(exec_ok(c.get(), "DECLARE sq_two CURSOR FOR SELECT x FROM range(3) t(x) ORDER BY x"), "DECLARE CURSOR");
  EXPECT_EQ(query_value(c.get(), "SELECT 42"), "42");
  Result two = exec(c.get(), "FETCH 2 FROM sq_two");
  ASSERT_EQ(PQntuples(two.get()), 2);
  EXPECT_STREQ(PQgetvalue(two.get(), 1, 0), "1");
  EXPECT_EQ(exec_ok(c.get(), "CLOSE sq_cur"), "CLOSE CURSOR");
  SqlError gone = exec_error(c.get(), "FETCH 1 FROM sq_cur");
  EXPECT_EQ(gone.sqlstate, "34000") << gone;
  EXPECT_EQ(exec_ok(c.get(), "ROLLBACK"), "ROLLBACK");
  // WITH HOLD cursors outlive their transaction.
  EXPECT_EQ(exec_ok(c.get(), "BEGIN"), "BEGIN");
  EXPECT_EQ(exec_ok(c.get(), "DECLARE sq_held CURSOR WITH HOLD FOR SELECT x FROM range(5) t(x) ORDER BY x"), "DECLARE CURSOR");
  EXPECT_EQ(exec_ok(c.get(), "COMMIT"), "COMMIT");
  Result held = exec(c.get(), "FETCH ALL FROM sq_held");
  EXPECT_STREQ(PQcmdStatus(held.get()), "FETCH 5");
  EXPECT_EQ(exec_ok(c.get(), "CLOSE ALL"), "CLOSE CURSOR ALL");
  SqlError back = exec_error(c.get(), "BEGIN; DECLARE b CURSOR FOR SELECT 1; FETCH BACKWARD 1 FROM b");
  EXPECT_EQ(back.sqlstate, "55000") << back;
  exec_ok(c.get(), "ROLLBACK");
}

TEST_F(SimpleQuery, ByteaHexLiteralsMeanBytes) {
  Conn c = conn();
  ASSERT_TRUE(c);
  EXPECT_EQ(query_value(c.get(), "SELECT '\\x00ff'::bytea"), "\\x00ff");
  EXPECT_EQ(query_value(c.get(), "SELECT octet_length('\\x00ff'::bytea)"), "2");
  SqlError e = exec_error(c.get(), "SELECT '\\x0g'::bytea");
  EXPECT_EQ(e.sqlstate, "22023") << e;
  EXPECT_EQ(e.message, "invalid hexadecimal digit: \"g\"");
  e = exec_error(c.get(), "SELECT '\\x0'::bytea");
  EXPECT_EQ(e.sqlstate, "22023") << e;
  EXPECT_EQ(e.message, "invalid hexadecimal data: odd number of digits");
}

TEST_F(SimpleQuery, IntegerDivisionAndNullOrderingFollowPostgres) {
  Conn c = conn();
  ASSERT_TRUE(c);
  EXPECT_EQ(query_value(c.get(), "SELECT 4/10"), "0");
  EXPECT_EQ(query_value(c.get(), "SELECT 7/2"), "3");
  EXPECT_EQ(query_value(c.get(), "SELECT 7.0/2"), "3.5");
  EXPECT_EQ(query_value(c.get(), "SELECT string_agg(coalesce(x::text, 'null'), ',' ORDER BY x) FROM (VALUES (2), (NULL), (1)) t(x)"),
            "1,2,null");
  EXPECT_EQ(query_value(c.get(), "SELECT string_agg(coalesce(x::text, 'null'), ',' ORDER BY x DESC) FROM (VALUES (2), (NULL), (1)) t(x)"),
            "null,2,1");
}

}  // namespace
}  // namespace mallard::it
