// Transactions on lake tables: autocommit and implicit transactions, BEGIN..COMMIT/ROLLBACK (a
// transaction sees its own work; a rollback leaves no snapshot and no file), snapshot isolation
// between sessions, conflicts between concurrent writers (40001 naming the table), time travel
// (AT VERSION / AT TIMESTAMP) and commit messages in ducklake_snapshots().

#include <map>

#include "integration/lake_util.hpp"
#include "support/server.hpp"

namespace mallard::it {
namespace {

class LakeTxn : public ServerSuite<LakeTxn> {};

using Rows = std::vector<Row>;

int64_t snapshot_count(PGconn *c) { return std::stoll(query_value(c, "SELECT count(*) FROM ducklake_snapshots()")); }

// The single value a named prepared statement returns ("?" when it returns no single row).
std::string prepared_value(PGconn *c, const char *name) {
  Result r(PQexecPrepared(c, name, 0, nullptr, nullptr, nullptr, 0));
  EXPECT_EQ(PQresultStatus(r.get()), PGRES_TUPLES_OK) << PQresultErrorMessage(r.get());
  return std::string(PQntuples(r.get()) == 1 ? PQgetvalue(r.get(), 0, 0) : "?");
}

TEST_F(LakeTxn, AutocommitAndImplicitTransactions) {
  Conn c = conn();
  ASSERT_TRUE(c);
  exec_ok(c.get(), "CREATE TABLE ac (a integer NOT NULL)");
  int64_t s0 = lake::latest_snapshot(c.get());
  exec_ok(c.get(), "INSERT INTO ac VALUES (1)");
  exec_ok(c.get(), "INSERT INTO ac VALUES (2)");
  EXPECT_EQ(lake::latest_snapshot(c.get()), s0 + 2) << "one snapshot per autocommit statement";
  // Reads and statements that change nothing make no snapshot.
  query_value(c.get(), "SELECT count(*) FROM ac");
  exec_ok(c.get(), "DELETE FROM ac WHERE a = 99");
  exec_ok(c.get(), "BEGIN");
  exec_ok(c.get(), "COMMIT");
  EXPECT_EQ(lake::latest_snapshot(c.get()), s0 + 2);
  // Several statements in one Query: one implicit transaction, one snapshot.
  exec_ok(c.get(), "INSERT INTO ac VALUES (3); INSERT INTO ac VALUES (4); DELETE FROM ac WHERE a = 1");
  EXPECT_EQ(lake::latest_snapshot(c.get()), s0 + 3);
  EXPECT_EQ(query_value(c.get(), "SELECT string_agg(CAST(a AS text), ',' ORDER BY a) FROM ac"), "2,3,4");
  // ... which fails as a whole.
  SqlError e = exec_error(c.get(), "INSERT INTO ac VALUES (5); INSERT INTO ac VALUES (NULL)");
  EXPECT_EQ(e.sqlstate, "23502");
  EXPECT_EQ(lake::latest_snapshot(c.get()), s0 + 3);
  EXPECT_EQ(query_value(c.get(), "SELECT count(*) FROM ac"), "3");
  EXPECT_EQ(PQtransactionStatus(c.get()), PQTRANS_IDLE);
}

TEST_F(LakeTxn, TransactionSeesItsOwnWork) {
  Conn a = conn(), b = conn();
  ASSERT_TRUE(a && b);
  exec_ok(a.get(), "CREATE TABLE own_old (id integer, v text)");
  exec_ok(a.get(), "INSERT INTO own_old VALUES (1, 'one'), (2, 'two'), (3, 'three')");
  int64_t before = lake::latest_snapshot(a.get());

  EXPECT_EQ(exec_ok(a.get(), "BEGIN"), "BEGIN");
  EXPECT_EQ(exec_ok(a.get(), "CREATE TABLE own_new (x integer)"), "CREATE TABLE");
  exec_ok(a.get(), "INSERT INTO own_new VALUES (1), (2), (3)");
  EXPECT_EQ(exec_ok(a.get(), "UPDATE own_new SET x = x * 10 WHERE x = 2"), "UPDATE 1");
  EXPECT_EQ(exec_ok(a.get(), "DELETE FROM own_new WHERE x = 3"), "DELETE 1");
  EXPECT_EQ(query_value(a.get(), "SELECT string_agg(CAST(x AS text), ',' ORDER BY x) FROM own_new"), "1,20");
  exec_ok(a.get(), "INSERT INTO own_old VALUES (4, 'four')");
  EXPECT_EQ(exec_ok(a.get(), "DELETE FROM own_old WHERE id = 1"), "DELETE 1");
  EXPECT_EQ(exec_ok(a.get(), "UPDATE own_old SET v = upper(v) WHERE id IN (2, 4)"), "UPDATE 2");
  EXPECT_EQ(exec_ok(a.get(), "DELETE FROM own_old WHERE v = 'FOUR'"), "DELETE 1") << "a staged row can be deleted";
  EXPECT_EQ(query_rows(a.get(), "SELECT id, v FROM own_old ORDER BY id"), (Rows{{"2", "TWO"}, {"3", "three"}}));
  EXPECT_EQ(query_value(a.get(), "SELECT count(*) FROM own_old o JOIN own_new n ON n.x = o.id"), "0");
  EXPECT_EQ(PQtransactionStatus(a.get()), PQTRANS_INTRANS);

  // Nothing of it is visible elsewhere yet.
  EXPECT_EQ(exec_error(b.get(), "SELECT * FROM own_new").sqlstate, "42P01");
  EXPECT_EQ(query_rows(b.get(), "SELECT id, v FROM own_old ORDER BY id"),
            (Rows{{"1", "one"}, {"2", "two"}, {"3", "three"}}));
  EXPECT_EQ(lake::latest_snapshot(b.get()), before);

  EXPECT_EQ(exec_ok(a.get(), "COMMIT"), "COMMIT");
  EXPECT_EQ(lake::latest_snapshot(b.get()), before + 1) << "the whole transaction is one snapshot";
  EXPECT_EQ(query_value(b.get(), "SELECT string_agg(CAST(x AS text), ',' ORDER BY x) FROM own_new"), "1,20");
  EXPECT_EQ(query_rows(b.get(), "SELECT id, v FROM own_old ORDER BY id"), (Rows{{"2", "TWO"}, {"3", "three"}}));
}

TEST_F(LakeTxn, RollbackLeavesNoTrace) {
  Conn c = conn();
  ASSERT_TRUE(c);
  exec_ok(c.get(), "CREATE TABLE rb (a integer, b text)");
  exec_ok(c.get(), "INSERT INTO rb VALUES (1, 'x'), (2, 'y')");
  exec_ok(c.get(), "CREATE TABLE rb_alter (a integer)");
  int64_t snaps = snapshot_count(c.get());
  auto files = lake::files_under(lake::lake_dir(server()), "");

  exec_ok(c.get(), "BEGIN");
  exec_ok(c.get(), "INSERT INTO rb SELECT x, 'g' FROM generate_series(10, 1000) g(x)");
  exec_ok(c.get(), "DELETE FROM rb WHERE a = 1");
  exec_ok(c.get(), "UPDATE rb SET b = 'changed' WHERE a = 2");
  exec_ok(c.get(), "CREATE TABLE rb_new (x integer)");
  exec_ok(c.get(), "INSERT INTO rb_new VALUES (1)");
  exec_ok(c.get(), "CREATE SCHEMA rb_schema");
  exec_ok(c.get(), "CREATE TABLE rb_schema.t (x integer)");
  exec_ok(c.get(), "ALTER TABLE rb_alter ADD COLUMN c text");
  exec_ok(c.get(), "CREATE VIEW rb_view AS SELECT * FROM rb");
  exec_ok(c.get(), "COMMENT ON TABLE rb IS 'never'");
  EXPECT_EQ(query_value(c.get(), "SELECT count(*) FROM rb"), "992");
  EXPECT_EQ(exec_ok(c.get(), "ROLLBACK"), "ROLLBACK");

  EXPECT_EQ(snapshot_count(c.get()), snaps);
  EXPECT_EQ(lake::files_under(lake::lake_dir(server()), ""), files) << "no file written, none left behind";
  EXPECT_EQ(query_rows(c.get(), "SELECT a, b FROM rb ORDER BY a"), (Rows{{"1", "x"}, {"2", "y"}}));
  EXPECT_EQ(exec_error(c.get(), "SELECT * FROM rb_new").sqlstate, "42P01");
  EXPECT_EQ(exec_error(c.get(), "SELECT * FROM rb_view").sqlstate, "42P01");
  EXPECT_NE(exec_error(c.get(), "SELECT * FROM rb_schema.t").sqlstate, "");
  EXPECT_EQ(exec_error(c.get(), "SELECT c FROM rb_alter").sqlstate, "42703");
  EXPECT_EQ(query_value(c.get(), "SELECT count(*) FROM pg_namespace WHERE nspname = 'rb_schema'"), "0");

  // A transaction that failed commits nothing: COMMIT answers ROLLBACK.
  exec_ok(c.get(), "BEGIN");
  exec_ok(c.get(), "INSERT INTO rb VALUES (3, 'z')");
  exec_ok(c.get(), "CREATE TABLE rb_failed (x integer)");
  EXPECT_EQ(exec_error(c.get(), "SELECT no_such_column FROM rb").sqlstate, "42703");
  EXPECT_EQ(PQtransactionStatus(c.get()), PQTRANS_INERROR);
  EXPECT_EQ(exec_error(c.get(), "INSERT INTO rb VALUES (4, 'w')").sqlstate, "25P02");
  EXPECT_EQ(exec_ok(c.get(), "COMMIT"), "ROLLBACK");
  EXPECT_EQ(snapshot_count(c.get()), snaps);
  EXPECT_EQ(lake::files_under(lake::lake_dir(server()), ""), files);
  EXPECT_EQ(query_value(c.get(), "SELECT count(*) FROM rb"), "2");
  EXPECT_EQ(exec_error(c.get(), "SELECT * FROM rb_failed").sqlstate, "42P01");
}

// A session's own deletes are left out of its reads only (the shared view does not read them;
// see lake/views.hpp), also by statements it prepared before it deleted anything.
TEST_F(LakeTxn, OwnDeletesAreSeenByEarlierPreparedStatementsOnly) {
  Conn a = conn(), b = conn();
  ASSERT_TRUE(a && b);
  exec_ok(a.get(), "CREATE TABLE odf (id integer)");
  exec_ok(a.get(), "INSERT INTO odf SELECT x FROM generate_series(1, 200) g(x)");  // a Parquet file
  exec_ok(a.get(), "CREATE TABLE odi (id integer)");
  exec_ok(a.get(), "INSERT INTO odi VALUES (1), (2), (3)");  // inlined
  Result p1(PQprepare(a.get(), "odf_count", "SELECT count(*) FROM odf", 0, nullptr));
  Result p2(PQprepare(a.get(), "odi_sum", "SELECT sum(id) FROM public.odi", 0, nullptr));
  Result p3(PQprepare(a.get(), "odf_copy", "INSERT INTO odi SELECT id + 1000 FROM odf WHERE id <= 20", 0, nullptr));
  ASSERT_EQ(PQresultStatus(p1.get()), PGRES_COMMAND_OK);
  ASSERT_EQ(PQresultStatus(p2.get()), PGRES_COMMAND_OK);
  ASSERT_EQ(PQresultStatus(p3.get()), PGRES_COMMAND_OK);

  exec_ok(a.get(), "BEGIN");
  EXPECT_EQ(prepared_value(a.get(), "odf_count"), "200");
  EXPECT_EQ(query_value(a.get(), "SELECT count(*) FROM odf"), "200");
  EXPECT_EQ(exec_ok(a.get(), "DELETE FROM odf WHERE id <= 10"), "DELETE 10");
  EXPECT_EQ(exec_ok(a.get(), "DELETE FROM odi WHERE id = 1"), "DELETE 1");
  EXPECT_EQ(prepared_value(a.get(), "odf_count"), "190");
  EXPECT_EQ(query_value(a.get(), "SELECT count(*) FROM odf"), "190");
  EXPECT_EQ(query_value(a.get(), "SELECT count(*) FROM main.odf WHERE id <= 10"), "0");
  EXPECT_EQ(prepared_value(a.get(), "odi_sum"), "5");
  EXPECT_EQ(exec_ok(a.get(), "SET search_path = pg_catalog"), "SET");
  EXPECT_EQ(query_value(a.get(), "SELECT count(*) FROM public.odf"), "190") << "whatever the search path";
  exec_ok(a.get(), "RESET search_path");
  {
    Result r(PQexecPrepared(a.get(), "odf_copy", 0, nullptr, nullptr, nullptr, 0));
    EXPECT_STREQ(PQcmdStatus(r.get()), "INSERT 0 10") << PQresultErrorMessage(r.get());
  }
  // Other sessions see none of it, and a commit by one of them leaves this one's snapshot alone.
  EXPECT_EQ(query_value(b.get(), "SELECT count(*) FROM odf"), "200");
  EXPECT_EQ(query_value(b.get(), "SELECT sum(id) FROM odi"), "6");
  exec_ok(b.get(), "INSERT INTO odf SELECT x FROM generate_series(201, 400) g(x)");
  EXPECT_EQ(query_value(b.get(), "SELECT count(*) FROM odf"), "400");
  EXPECT_EQ(query_value(a.get(), "SELECT count(*) FROM odf"), "190");
  EXPECT_EQ(prepared_value(a.get(), "odf_count"), "190");
  // Nothing of this shows as a function.
  EXPECT_EQ(query_value(a.get(), "SELECT count(*) FROM pg_catalog.pg_proc WHERE proname LIKE '%mallard%'"), "0");
  EXPECT_EQ(exec_ok(a.get(), "ROLLBACK"), "ROLLBACK");
  EXPECT_EQ(prepared_value(a.get(), "odf_count"), "400");
  EXPECT_EQ(prepared_value(a.get(), "odi_sum"), "6");

  // Committed, the deletes are everyone's.
  exec_ok(a.get(), "BEGIN");
  EXPECT_EQ(exec_ok(a.get(), "DELETE FROM odf WHERE id > 10"), "DELETE 390");
  EXPECT_EQ(prepared_value(a.get(), "odf_count"), "10");
  EXPECT_EQ(exec_ok(a.get(), "COMMIT"), "COMMIT");
  EXPECT_EQ(prepared_value(a.get(), "odf_count"), "10");
  EXPECT_EQ(query_value(b.get(), "SELECT count(*) FROM odf"), "10");
  EXPECT_EQ(exec_ok(b.get(), "DELETE FROM odf"), "DELETE 10");
  EXPECT_EQ(prepared_value(a.get(), "odf_count"), "0");
}

// DuckDB plans with the statistics of the rows a table holds (a transaction's own uncommitted rows
// included) and may drop a filter they decide, but keeps a prepared plan while only rows change. A
// statement prepared before a write must still see it: in a lake table (staged rows, rows another
// session committed into the inlined-data mirror) and in a temporary table.
TEST_F(LakeTxn, PreparedStatementsSeeRowsWrittenAfterThem) {
  Conn a = conn(), b = conn();
  ASSERT_TRUE(a && b);
  exec_ok(a.get(), "CREATE TABLE pst (k integer, b text)");
  exec_ok(a.get(), "INSERT INTO pst VALUES (1, 'x')");  // inlined; b has no NULL yet
  exec_ok(a.get(), "CREATE TEMP TABLE pst_tmp (k integer, b text)");
  exec_ok(a.get(), "INSERT INTO pst_tmp VALUES (1, 'x')");
  for (auto [name, sql] : {std::pair{"nulls", "SELECT count(*) FROM pst WHERE b IS NULL"},
                           std::pair{"big", "SELECT count(*) FROM pst WHERE k > 5"},
                           std::pair{"tmp_nulls", "SELECT count(*) FROM pst_tmp WHERE b IS NULL"},
                           std::pair{"add", "INSERT INTO pst VALUES (20, NULL)"}}) {
    Result r(PQprepare(a.get(), name, sql, 0, nullptr));
    ASSERT_EQ(PQresultStatus(r.get()), PGRES_COMMAND_OK) << PQresultErrorMessage(r.get());
  }
  EXPECT_EQ(prepared_value(a.get(), "nulls"), "0");
  EXPECT_EQ(prepared_value(a.get(), "big"), "0");
  EXPECT_EQ(prepared_value(a.get(), "tmp_nulls"), "0");

  exec_ok(a.get(), "BEGIN");
  exec_ok(a.get(), "INSERT INTO pst VALUES (10, NULL)");
  exec_ok(a.get(), "INSERT INTO pst_tmp VALUES (10, NULL)");
  EXPECT_EQ(prepared_value(a.get(), "nulls"), "1");
  EXPECT_EQ(prepared_value(a.get(), "big"), "1");
  EXPECT_EQ(prepared_value(a.get(), "tmp_nulls"), "1");
  Result added(PQexecPrepared(a.get(), "add", 0, nullptr, nullptr, nullptr, 0));
  EXPECT_EQ(PQresultStatus(added.get()), PGRES_COMMAND_OK) << PQresultErrorMessage(added.get());
  EXPECT_EQ(prepared_value(a.get(), "nulls"), "2");
  exec_ok(a.get(), "DELETE FROM pst WHERE k = 10");
  EXPECT_EQ(prepared_value(a.get(), "nulls"), "1");
  EXPECT_EQ(prepared_value(a.get(), "big"), "1");
  exec_ok(a.get(), "ROLLBACK");
  EXPECT_EQ(prepared_value(a.get(), "nulls"), "0");
  EXPECT_EQ(prepared_value(a.get(), "big"), "0");
  EXPECT_EQ(prepared_value(a.get(), "tmp_nulls"), "0");

  // Another session's commits: into the inlined rows, and one that deletes them all.
  exec_ok(b.get(), "INSERT INTO pst VALUES (30, NULL)");
  EXPECT_EQ(prepared_value(a.get(), "nulls"), "1");
  EXPECT_EQ(prepared_value(a.get(), "big"), "1");
  exec_ok(b.get(), "DELETE FROM pst");
  EXPECT_EQ(prepared_value(a.get(), "nulls"), "0");
  EXPECT_EQ(prepared_value(a.get(), "big"), "0");
  exec_ok(b.get(), "INSERT INTO pst VALUES (40, NULL)");
  EXPECT_EQ(prepared_value(a.get(), "nulls"), "1");
  EXPECT_EQ(prepared_value(a.get(), "big"), "1");
}

TEST_F(LakeTxn, ReaderKeepsItsSnapshot) {
  Conn reader = conn(), writer = conn();
  ASSERT_TRUE(reader && writer);
  exec_ok(writer.get(), "CREATE TABLE si (a integer)");
  exec_ok(writer.get(), "INSERT INTO si VALUES (1), (2), (3)");
  exec_ok(writer.get(), "CREATE TABLE si_dropped (x integer)");
  exec_ok(writer.get(), "INSERT INTO si_dropped VALUES (7)");

  exec_ok(reader.get(), "BEGIN ISOLATION LEVEL REPEATABLE READ");
  EXPECT_EQ(query_value(reader.get(), "SELECT sum(a) FROM si"), "6");
  exec_ok(writer.get(), "DROP TABLE si_dropped");
  exec_ok(writer.get(), "INSERT INTO si VALUES (10)");
  exec_ok(writer.get(), "DELETE FROM si WHERE a = 1");
  exec_ok(writer.get(), "UPDATE si SET a = 200 WHERE a = 2");
  exec_ok(writer.get(), "CREATE TABLE si_later (x integer)");
  exec_ok(writer.get(), "ALTER TABLE si ADD COLUMN b text DEFAULT 'b'");
  EXPECT_EQ(query_value(writer.get(), "SELECT sum(a) FROM si"), "213");

  EXPECT_EQ(query_value(reader.get(), "SELECT sum(a) FROM si"), "6");
  EXPECT_EQ(query_value(reader.get(), "SELECT count(*) FROM si"), "3");
  Result r = exec(reader.get(), "SELECT * FROM si LIMIT 1");
  EXPECT_EQ(PQnfields(r.get()), 1) << "the column added since is not there";
  EXPECT_EQ(query_value(reader.get(), "SELECT x FROM si_dropped"), "7") << "a table dropped since is still there";
  EXPECT_EQ(exec_error(reader.get(), "SELECT * FROM si_later").sqlstate, "42P01");
  EXPECT_EQ(exec_ok(reader.get(), "ROLLBACK"), "ROLLBACK");
  EXPECT_EQ(exec_error(reader.get(), "SELECT * FROM si_dropped").sqlstate, "42P01");
  EXPECT_EQ(query_value(reader.get(), "SELECT sum(a) FROM si"), "213");
  EXPECT_EQ(query_value(reader.get(), "SELECT min(b) FROM si"), "b");
  EXPECT_EQ(query_value(reader.get(), "SELECT count(*) FROM si_later"), "0");
}

TEST_F(LakeTxn, ConcurrentDisjointInsertsBothCommit) {
  Conn a = conn(), b = conn();
  ASSERT_TRUE(a && b);
  exec_ok(a.get(), "CREATE TABLE cdi (who text, n integer)");
  exec_ok(a.get(), "INSERT INTO cdi VALUES ('seed', 0)");
  exec_ok(a.get(), "BEGIN");
  exec_ok(b.get(), "BEGIN");
  exec_ok(a.get(), "INSERT INTO cdi SELECT 'a', x FROM generate_series(1, 100) g(x)");
  exec_ok(b.get(), "INSERT INTO cdi SELECT 'b', x FROM generate_series(1, 50) g(x)");
  EXPECT_EQ(query_value(a.get(), "SELECT count(*) FROM cdi"), "101");
  EXPECT_EQ(query_value(b.get(), "SELECT count(*) FROM cdi"), "51");
  EXPECT_EQ(exec_ok(a.get(), "COMMIT"), "COMMIT");
  EXPECT_EQ(exec_ok(b.get(), "COMMIT"), "COMMIT");
  EXPECT_EQ(query_rows(a.get(), "SELECT who, count(*) FROM cdi GROUP BY who ORDER BY who"),
            (Rows{{"a", "100"}, {"b", "50"}, {"seed", "1"}}));
  // Deleting rows of different files of one table does not conflict either.
  exec_ok(a.get(), "BEGIN");
  exec_ok(b.get(), "BEGIN");
  EXPECT_EQ(exec_ok(a.get(), "DELETE FROM cdi WHERE who = 'a' AND n <= 10"), "DELETE 10");
  EXPECT_EQ(exec_ok(b.get(), "DELETE FROM cdi WHERE who = 'b' AND n <= 5"), "DELETE 5");
  EXPECT_EQ(exec_ok(a.get(), "COMMIT"), "COMMIT");
  EXPECT_EQ(exec_ok(b.get(), "COMMIT"), "COMMIT");
  EXPECT_EQ(query_value(b.get(), "SELECT count(*) FROM cdi"), "136");
}

TEST_F(LakeTxn, ConcurrentDeletesOfTheSameRowsConflict) {
  Conn a = conn(), b = conn();
  ASSERT_TRUE(a && b);
  exec_ok(a.get(), "CREATE TABLE cdel (id integer, v integer)");
  // More rows than data_inlining_row_limit: a Parquet file, so the deletes write delete files.
  exec_ok(a.get(), "INSERT INTO cdel SELECT x, 0 FROM generate_series(1, 20) g(x)");
  exec_ok(a.get(), "BEGIN");
  exec_ok(b.get(), "BEGIN");
  EXPECT_EQ(exec_ok(a.get(), "DELETE FROM cdel WHERE id = 1"), "DELETE 1");
  EXPECT_EQ(exec_ok(b.get(), "DELETE FROM cdel WHERE id = 1"), "DELETE 1");
  EXPECT_EQ(exec_ok(a.get(), "COMMIT"), "COMMIT");
  auto files = lake::files_under(lake::lake_dir(server()), "");
  SqlError e = exec_error(b.get(), "COMMIT");
  EXPECT_EQ(e.sqlstate, "40001") << e;
  EXPECT_NE(e.message.find("cdel"), std::string::npos) << "the message names the table: " << e;
  EXPECT_EQ(lake::files_under(lake::lake_dir(server()), ""), files) << "the loser's files are removed";
  EXPECT_EQ(PQtransactionStatus(b.get()), PQTRANS_IDLE);
  EXPECT_EQ(query_value(b.get(), "SELECT count(*) FROM cdel"), "19");

  // UPDATE against UPDATE of the same row: one wins, the other retries and sees the winner.
  exec_ok(a.get(), "BEGIN");
  exec_ok(b.get(), "BEGIN");
  exec_ok(a.get(), "UPDATE cdel SET v = v + 1 WHERE id = 2");
  exec_ok(b.get(), "UPDATE cdel SET v = v + 1 WHERE id = 2");
  EXPECT_EQ(exec_ok(b.get(), "COMMIT"), "COMMIT");
  EXPECT_EQ(exec_error(a.get(), "COMMIT").sqlstate, "40001");
  exec_ok(a.get(), "UPDATE cdel SET v = v + 1 WHERE id = 2");
  EXPECT_EQ(query_value(a.get(), "SELECT v FROM cdel WHERE id = 2"), "2");
  EXPECT_EQ(query_value(a.get(), "SELECT count(*) FROM cdel"), "19");

  // Autocommit statements conflict the same way against an open transaction.
  exec_ok(a.get(), "BEGIN");
  exec_ok(a.get(), "DELETE FROM cdel WHERE id = 3");
  exec_ok(b.get(), "DELETE FROM cdel WHERE id = 3");
  EXPECT_EQ(exec_error(a.get(), "COMMIT").sqlstate, "40001");
  EXPECT_EQ(query_value(a.get(), "SELECT count(*) FROM cdel"), "18");
}

// The same with rows small inserts left inlined in the metadata store.
TEST_F(LakeTxn, ConcurrentDeletesOfTheSameInlinedRowsConflict) {
  Conn a = conn(), b = conn();
  ASSERT_TRUE(a && b);
  exec_ok(a.get(), "CREATE TABLE cdel_inl (id integer, v integer)");
  exec_ok(a.get(), "INSERT INTO cdel_inl SELECT x, 0 FROM generate_series(1, 5) g(x)");
  exec_ok(a.get(), "BEGIN");
  exec_ok(b.get(), "BEGIN");
  EXPECT_EQ(exec_ok(a.get(), "UPDATE cdel_inl SET v = 1 WHERE id = 1"), "UPDATE 1");
  EXPECT_EQ(exec_ok(b.get(), "DELETE FROM cdel_inl WHERE id = 1"), "DELETE 1");
  EXPECT_EQ(exec_ok(a.get(), "COMMIT"), "COMMIT");
  SqlError e = exec_error(b.get(), "COMMIT");
  EXPECT_EQ(e.sqlstate, "40001") << e;
  EXPECT_EQ(PQtransactionStatus(b.get()), PQTRANS_IDLE);
  EXPECT_EQ(query_rows(b.get(), "SELECT id, v FROM cdel_inl ORDER BY id"),
            (Rows{{"1", "1"}, {"2", "0"}, {"3", "0"}, {"4", "0"}, {"5", "0"}}));
  EXPECT_NE(e.message.find("cdel_inl"), std::string::npos) << "the message names the table: " << e;
}

TEST_F(LakeTxn, ConcurrentDdlConflicts) {
  Conn a = conn(), b = conn();
  ASSERT_TRUE(a && b);
  // The same new table name from two transactions: one of them fails.
  exec_ok(a.get(), "BEGIN");
  exec_ok(b.get(), "BEGIN");
  exec_ok(a.get(), "CREATE TABLE cct (a integer)");
  lake::Outcome second = lake::run(b.get(), "CREATE TABLE cct (b text)");
  EXPECT_EQ(exec_ok(a.get(), "COMMIT"), "COMMIT");
  if (second.ok) {
    SqlError e = exec_error(b.get(), "COMMIT");
    EXPECT_TRUE(e.sqlstate == "40001" || e.sqlstate == "42P07") << e;
  } else {
    EXPECT_TRUE(second.sqlstate == "40001" || second.sqlstate == "42P07") << lake::to_string(second);
    exec_ok(b.get(), "ROLLBACK");
  }
  EXPECT_EQ(query_value(b.get(), "SELECT column_name FROM information_schema.columns WHERE table_name = 'cct'"), "a");

  // Inserting into a table another transaction dropped, and altering one another altered.
  exec_ok(a.get(), "CREATE TABLE ccd (a integer)");
  exec_ok(a.get(), "BEGIN");
  exec_ok(b.get(), "BEGIN");
  exec_ok(a.get(), "INSERT INTO ccd VALUES (1)");
  exec_ok(b.get(), "DROP TABLE ccd");
  EXPECT_EQ(exec_ok(b.get(), "COMMIT"), "COMMIT");
  SqlError e = exec_error(a.get(), "COMMIT");
  EXPECT_EQ(e.sqlstate, "40001") << e;
  EXPECT_NE(e.message.find("ccd"), std::string::npos) << e;

  exec_ok(a.get(), "CREATE TABLE cca (a integer)");
  exec_ok(a.get(), "BEGIN");
  exec_ok(b.get(), "BEGIN");
  exec_ok(a.get(), "ALTER TABLE cca ADD COLUMN x integer");
  exec_ok(b.get(), "ALTER TABLE cca ADD COLUMN y integer");
  EXPECT_EQ(exec_ok(a.get(), "COMMIT"), "COMMIT");
  EXPECT_EQ(exec_error(b.get(), "COMMIT").sqlstate, "40001");
  EXPECT_EQ(query_rows(b.get(), "SELECT column_name FROM information_schema.columns WHERE table_name = 'cca' ORDER BY "
                                "ordinal_position"),
            (Rows{{"a"}, {"x"}}));
}

// ROLLBACK TO SAVEPOINT undoes the rows lake statements wrote since the savepoint (and a
// transaction left with nothing commits no snapshot); after DDL it is refused (0A000) and nothing
// of the transaction commits.
TEST_F(LakeTxn, RollbackToSavepointUndoesRowsAndRefusesDdl) {
  Conn c = conn();
  ASSERT_TRUE(c);
  exec_ok(c.get(), "CREATE TABLE sp_lake (a integer)");
  exec_ok(c.get(), "INSERT INTO sp_lake VALUES (10)");
  int64_t snaps = snapshot_count(c.get());
  for (const char *change : {"DROP TABLE sp_lake", "ALTER TABLE sp_lake ADD COLUMN b integer",
                             "CREATE TABLE sp_lake_new (b integer)", "CREATE SCHEMA sp_lake_schema",
                             "CREATE VIEW sp_lake_view AS SELECT 1 AS one", "COMMENT ON TABLE sp_lake IS 'x'"}) {
    exec_ok(c.get(), "BEGIN");
    exec_ok(c.get(), "SAVEPOINT s");
    exec_ok(c.get(), change);
    EXPECT_EQ(exec_error(c.get(), "ROLLBACK TO SAVEPOINT s").sqlstate, "0A000") << change;
    EXPECT_EQ(PQtransactionStatus(c.get()), PQTRANS_INERROR) << change;
    EXPECT_EQ(exec_ok(c.get(), "COMMIT"), "ROLLBACK") << change;
  }
  for (const char *change : {"UPDATE sp_lake SET a = a + 1", "DELETE FROM sp_lake", "TRUNCATE sp_lake",
                             "INSERT INTO sp_lake SELECT a + 1 FROM sp_lake"}) {
    exec_ok(c.get(), "BEGIN");
    exec_ok(c.get(), "SAVEPOINT s");
    exec_ok(c.get(), change);
    EXPECT_EQ(exec_ok(c.get(), "ROLLBACK TO SAVEPOINT s"), "ROLLBACK") << change;
    EXPECT_EQ(query_rows(c.get(), "SELECT * FROM sp_lake"), (Rows{{"10"}})) << change;
    EXPECT_EQ(exec_ok(c.get(), "COMMIT"), "COMMIT") << change;
  }
  EXPECT_EQ(snapshot_count(c.get()), snaps);
  EXPECT_EQ(query_rows(c.get(), "SELECT * FROM sp_lake"), (Rows{{"10"}}));
  // What came before the savepoint commits.
  exec_ok(c.get(), "BEGIN");
  exec_ok(c.get(), "UPDATE sp_lake SET a = 20");
  exec_ok(c.get(), "SAVEPOINT s");
  exec_ok(c.get(), "UPDATE sp_lake SET a = 30");
  EXPECT_EQ(exec_ok(c.get(), "ROLLBACK TO SAVEPOINT s"), "ROLLBACK");
  EXPECT_EQ(exec_ok(c.get(), "COMMIT"), "COMMIT");
  EXPECT_EQ(snapshot_count(c.get()), snaps + 1);
  EXPECT_EQ(query_rows(c.get(), "SELECT * FROM sp_lake"), (Rows{{"20"}}));
}

// A table created in a transaction can be commented on before the commit, as in PostgreSQL.
TEST_F(LakeTxn, CommentOnTableCreatedInTheSameTransaction) {
  Conn c = conn();
  ASSERT_TRUE(c);
  exec_ok(c.get(), "BEGIN");
  exec_ok(c.get(), "CREATE TABLE cm_new (a integer)");
  lake::Outcome comment = lake::run(c.get(), "COMMENT ON TABLE cm_new IS 'made with it'");
  exec_ok(c.get(), "ROLLBACK");
  EXPECT_TRUE(comment.ok) << lake::to_string(comment);
  // Committed, the comment is the table's (and a view's), in pg_description as in ducklake_tag.
  exec_ok(c.get(), "BEGIN");
  exec_ok(c.get(), "CREATE TABLE cm_new (a integer)");
  exec_ok(c.get(), "COMMENT ON TABLE cm_new IS 'made with it'");
  exec_ok(c.get(), "CREATE VIEW cm_new_v AS SELECT a FROM cm_new");
  exec_ok(c.get(), "COMMENT ON VIEW cm_new_v IS 'and a view'");
  exec_ok(c.get(), "COMMIT");
  EXPECT_EQ(query_value(c.get(), "SELECT obj_description('cm_new'::regclass, 'pg_class')"), "made with it");
  EXPECT_EQ(query_value(c.get(), "SELECT obj_description('cm_new_v'::regclass, 'pg_class')"), "and a view");
}

// A migration changes a table and then its rows (or the other way round) in one transaction, as
// PostgreSQL allows: the statements after an ALTER see the new columns, the rows staged before it
// are rewritten for them, and other sessions see neither until the commit.
TEST_F(LakeTxn, RowsAndDefinitionChangeInOneTransaction) {
  Conn c = conn(), other = conn();
  ASSERT_TRUE(c && other);
  exec_ok(c.get(), "CREATE TABLE mig (id integer, a integer)");
  exec_ok(c.get(), "INSERT INTO mig SELECT x, x * 10 FROM generate_series(1, 20) g(x)");  // a Parquet file
  exec_ok(c.get(), "INSERT INTO mig VALUES (21, 210)");                                   // an inlined row
  // (PostgreSQL answers the same, snapshots aside.)
  const bool lake = !reference_mode();
  int64_t before = lake ? lake::latest_snapshot(c.get()) : 0;
  exec_ok(c.get(), "BEGIN");
  exec_ok(c.get(), "INSERT INTO mig VALUES (22, 220)");  // staged before the ALTER
  exec_ok(c.get(), "ALTER TABLE mig ADD COLUMN b integer DEFAULT 7");
  EXPECT_EQ(query_value(c.get(), "SELECT count(*) || ',' || sum(b) FROM mig"), "22,154");
  EXPECT_EQ(exec_ok(c.get(), "UPDATE mig SET b = id WHERE id % 2 = 0"), "UPDATE 11");
  exec_ok(c.get(), "INSERT INTO mig (id, a, b) VALUES (23, 230, NULL)");
  EXPECT_EQ(exec_ok(c.get(), "DELETE FROM mig WHERE id IN (1, 21)"), "DELETE 2");
  EXPECT_EQ(exec_error(c.get(), "ALTER TABLE mig ALTER COLUMN b SET NOT NULL").sqlstate, "23502");
  exec_ok(c.get(), "ROLLBACK");
  EXPECT_EQ(query_rows(c.get(), "SELECT column_name FROM information_schema.columns WHERE table_name = 'mig' "
                                "ORDER BY ordinal_position"),
            (Rows{{"id"}, {"a"}}));
  if (lake) EXPECT_EQ(lake::latest_snapshot(c.get()), before);

  exec_ok(c.get(), "BEGIN");
  exec_ok(c.get(), "INSERT INTO mig VALUES (22, 220)");
  exec_ok(c.get(), "ALTER TABLE mig ADD COLUMN b integer DEFAULT 7");
  exec_ok(c.get(), "UPDATE mig SET b = id WHERE id % 2 = 0");
  exec_ok(c.get(), "INSERT INTO mig (id, a, b) VALUES (23, 230, NULL)");
  exec_ok(c.get(), "DELETE FROM mig WHERE id IN (1, 21)");
  exec_ok(c.get(), "UPDATE mig SET b = 0 WHERE b IS NULL");
  exec_ok(c.get(), "ALTER TABLE mig ALTER COLUMN b SET NOT NULL, ALTER COLUMN b DROP DEFAULT");
  exec_ok(c.get(), "ALTER TABLE mig RENAME COLUMN a TO amount");
  exec_ok(c.get(), "ALTER TABLE mig ALTER COLUMN id TYPE bigint");
  // Qualified, aliased, in a subquery and a join: every reading sees the new columns.
  EXPECT_EQ(query_value(c.get(), "SELECT sum(mig.amount) FROM public.mig WHERE mig.b = 7"), "990");
  EXPECT_EQ(query_value(c.get(), "SELECT count(*) FROM mig m JOIN mig n ON n.id = m.id + 1 "
                                 "WHERE m.amount IN (SELECT amount FROM mig WHERE b > 0)"),
            "19");
  EXPECT_EQ(query_value(c.get(), "WITH mig AS (SELECT 1 AS amount) SELECT amount FROM mig"), "1");
  EXPECT_EQ(query_value(c.get(), "SELECT pg_typeof(id) FROM mig LIMIT 1"), "bigint");
  EXPECT_EQ(lake::copy_out(c.get(), "COPY (SELECT * FROM mig WHERE id > 21) TO STDOUT"), "22\t220\t22\n23\t230\t0\n");
  std::string copied = lake::copy_out(c.get(), "COPY mig (amount, b) TO STDOUT");
  EXPECT_EQ(std::count(copied.begin(), copied.end(), '\n'), 21);
  EXPECT_NE(copied.find("230\t0\n"), std::string::npos) << copied;
  // Another session sees the committed table only (PostgreSQL makes it wait for the commit).
  if (lake) {
    EXPECT_EQ(query_value(other.get(), "SELECT count(*) || ',' || sum(a) FROM mig"), "21,2310");
    EXPECT_EQ(exec_error(other.get(), "SELECT amount FROM mig").sqlstate, "42703");
  }
  EXPECT_EQ(exec_ok(c.get(), "COMMIT"), "COMMIT");
  if (lake) EXPECT_EQ(lake::latest_snapshot(c.get()), before + 1);
  for (PGconn *s : {c.get(), other.get()})
    EXPECT_EQ(query_rows(s, "SELECT id, amount, b FROM mig WHERE id IN (2, 3, 20, 22, 23) OR id < 1 ORDER BY id"),
              (Rows{{"2", "20", "2"}, {"3", "30", "7"}, {"20", "200", "20"}, {"22", "220", "22"}, {"23", "230", "0"}}));
  EXPECT_EQ(query_value(other.get(), "SELECT count(*) || ',' || sum(amount) || ',' || sum(b) FROM mig"), "21,2540,195");
  exec_ok(c.get(), "BEGIN");
  exec_ok(c.get(), "ALTER TABLE mig ADD COLUMN c integer NOT NULL DEFAULT 1");
  exec_ok(c.get(), "ALTER TABLE mig ALTER COLUMN c DROP DEFAULT");
  EXPECT_EQ(exec_error(c.get(), "INSERT INTO mig (id, amount, b) VALUES (24, 240, 0)").sqlstate, "23502");
  exec_ok(c.get(), "ROLLBACK");
}

// The same for a table the transaction created (migrations add columns to tables they made), a
// rename, tables outside the first schema, keys added since, and statements prepared before.
TEST_F(LakeTxn, AlterInTheTransactionThatWritesTheTable) {
  Conn c = conn();
  ASSERT_TRUE(c);
  exec_ok(c.get(), "CREATE SCHEMA mig_s");
  exec_ok(c.get(), "CREATE TABLE mig_s.old (k integer)");
  exec_ok(c.get(), "INSERT INTO mig_s.old VALUES (1), (2)");
  exec_ok(c.get(), "BEGIN");
  exec_ok(c.get(), "CREATE TABLE mig_new (id integer PRIMARY KEY, name text)");
  exec_ok(c.get(), "INSERT INTO mig_new VALUES (1, 'one'), (2, 'two')");
  exec_ok(c.get(), "ALTER TABLE mig_new ADD COLUMN parent integer");
  exec_ok(c.get(), "UPDATE mig_new SET parent = 1 WHERE id = 2");
  exec_ok(c.get(), "ALTER TABLE mig_new RENAME TO mig_made");
  exec_ok(c.get(), "ALTER TABLE mig_made ADD CONSTRAINT mig_made_parent FOREIGN KEY (parent) REFERENCES mig_made (id)");
  EXPECT_EQ(exec_error(c.get(), "INSERT INTO mig_made VALUES (3, 'three', 9)").sqlstate, "23503");
  exec_ok(c.get(), "ROLLBACK");

  exec_ok(c.get(), "BEGIN");
  exec_ok(c.get(), "CREATE TABLE mig_new (id integer PRIMARY KEY, name text)");
  exec_ok(c.get(), "INSERT INTO mig_new VALUES (1, 'one'), (2, 'two')");
  exec_ok(c.get(), "ALTER TABLE mig_new ADD COLUMN parent integer");
  exec_ok(c.get(), "UPDATE mig_new SET parent = 1 WHERE id = 2");
  exec_ok(c.get(), "ALTER TABLE mig_new RENAME TO mig_made");
  exec_ok(c.get(), "ALTER TABLE mig_s.old ADD COLUMN note text DEFAULT 'n'");
  exec_ok(c.get(), "ALTER TABLE mig_s.old RENAME TO renamed");
  exec_ok(c.get(), "INSERT INTO mig_s.renamed VALUES (3, 'm')");
  exec_ok(c.get(), "ALTER TABLE mig_s.renamed ADD PRIMARY KEY (k)");
  exec_ok(c.get(), "COMMIT");
  EXPECT_EQ(query_rows(c.get(), "SELECT id, name, parent FROM mig_made ORDER BY id"),
            (Rows{{"1", "one", std::nullopt}, {"2", "two", "1"}}));
  EXPECT_EQ(query_rows(c.get(), "SELECT k, note FROM mig_s.renamed ORDER BY k"),
            (Rows{{"1", "n"}, {"2", "n"}, {"3", "m"}}));
  // The names a rename took away, and a key added in the transaction.
  for (const char *gone : {"SELECT * FROM mig_new", "SELECT * FROM mig_s.renamed", "INSERT INTO mig_s.renamed VALUES (4)",
                           "SELECT 1 FROM mig_made JOIN mig_s.renamed ON true"}) {
    exec_ok(c.get(), "BEGIN");
    exec_ok(c.get(), "ALTER TABLE mig_s.renamed RENAME TO again");
    EXPECT_EQ(exec_error(c.get(), gone).sqlstate, "42P01") << gone;
    exec_ok(c.get(), "ROLLBACK");
  }
  exec_ok(c.get(), "BEGIN");
  exec_ok(c.get(), "ALTER TABLE mig_s.renamed ADD COLUMN more integer");
  EXPECT_EQ(exec_error(c.get(), "INSERT INTO mig_s.renamed VALUES (3, 'again', 0)").sqlstate, "23505");
  exec_ok(c.get(), "ROLLBACK");

  // Statements prepared before the ALTER run against the new definition after it.
  Result p(PQprepare(c.get(), "mig_ins", "INSERT INTO mig_made (id, name) VALUES ($1, 'p')", 1, nullptr));
  ASSERT_EQ(PQresultStatus(p.get()), PGRES_COMMAND_OK) << PQresultErrorMessage(p.get());
  Result q(PQprepare(c.get(), "mig_count", "SELECT count(*) FROM mig_made", 0, nullptr));
  ASSERT_EQ(PQresultStatus(q.get()), PGRES_COMMAND_OK) << PQresultErrorMessage(q.get());
  auto insert = [&](const char *id) {
    const char *values[] = {id};
    Result r(PQexecPrepared(c.get(), "mig_ins", 1, values, nullptr, nullptr, 0));
    EXPECT_EQ(PQresultStatus(r.get()), PGRES_COMMAND_OK) << PQresultErrorMessage(r.get());
  };
  insert("10");
  exec_ok(c.get(), "BEGIN");
  insert("11");
  exec_ok(c.get(), "ALTER TABLE mig_made ADD COLUMN extra integer DEFAULT 5");
  insert("12");
  EXPECT_EQ(prepared_value(c.get(), "mig_count"), "5");
  EXPECT_EQ(query_value(c.get(), "SELECT sum(extra) FROM mig_made"), "25");
  exec_ok(c.get(), "COMMIT");
  insert("13");
  EXPECT_EQ(prepared_value(c.get(), "mig_count"), "6");
  EXPECT_EQ(query_rows(c.get(), "SELECT id, extra FROM mig_made WHERE id >= 10 ORDER BY id"),
            (Rows{{"10", "5"}, {"11", "5"}, {"12", "5"}, {"13", "5"}}));
  // The name a rename gave is taken; the table is dropped by it.
  exec_ok(c.get(), "CREATE TABLE mig_gone (a integer)");
  exec_ok(c.get(), "BEGIN");
  exec_ok(c.get(), "ALTER TABLE mig_gone RENAME TO mig_gone2");
  EXPECT_EQ(exec_error(c.get(), "CREATE TABLE mig_gone2 (b integer)").sqlstate, "42P07");
  exec_ok(c.get(), "ROLLBACK");
  exec_ok(c.get(), "BEGIN");
  exec_ok(c.get(), "ALTER TABLE mig_gone RENAME TO mig_gone2");
  exec_ok(c.get(), "DROP TABLE mig_gone2");
  exec_ok(c.get(), "COMMIT");
  EXPECT_EQ(exec_error(c.get(), "SELECT * FROM mig_gone").sqlstate, "42P01");
  EXPECT_EQ(exec_error(c.get(), "SELECT * FROM mig_gone2").sqlstate, "42P01");
  // A temporary table of the same name still hides the altered one.
  exec_ok(c.get(), "BEGIN");
  exec_ok(c.get(), "ALTER TABLE mig_made ADD COLUMN more integer");
  exec_ok(c.get(), "CREATE TEMP TABLE mig_made (z integer)");
  EXPECT_EQ(query_value(c.get(), "SELECT count(*) FROM mig_made"), "0");
  EXPECT_EQ(query_value(c.get(), "SELECT count(*) || ',' || count(more) FROM public.mig_made"), "6,0");
  exec_ok(c.get(), "ROLLBACK");
}

// A migration reads the catalogs after changing a table (Rails' reset_column_information, psql's
// \d): the transaction's columns, defaults, NOT NULL and character types, while other sessions
// see the committed ones, and a rollback puts them back.
TEST_F(LakeTxn, CatalogsShowTheTransactionsColumns) {
  Conn c = conn(), other = conn();
  ASSERT_TRUE(c && other);
  exec_ok(c.get(), "CREATE TABLE mig_users (id serial PRIMARY KEY, name varchar(20) NOT NULL)");
  exec_ok(c.get(), "INSERT INTO mig_users (name) VALUES ('a'), ('b')");
  const std::string rails =
      "SELECT a.attname, format_type(a.atttypid, a.atttypmod), pg_get_expr(d.adbin, d.adrelid), a.attnotnull "
      "FROM pg_attribute a LEFT JOIN pg_attrdef d ON a.attrelid = d.adrelid AND a.attnum = d.adnum "
      "WHERE a.attrelid = '\"mig_users\"'::regclass AND a.attnum > 0 AND NOT a.attisdropped ORDER BY a.attnum";
  const std::vector<Row> committed = {{"id", "integer", "nextval('mig_users_id_seq'::regclass)", "t"},
                                      {"name", "character varying(20)", std::nullopt, "t"}};
  ASSERT_EQ(query_rows(c.get(), rails), committed);
  exec_ok(c.get(), "BEGIN");
  exec_ok(c.get(), "ALTER TABLE mig_users ADD COLUMN age integer NOT NULL DEFAULT 7");
  exec_ok(c.get(), "ALTER TABLE mig_users RENAME COLUMN name TO full_name");
  exec_ok(c.get(), "ALTER TABLE mig_users ADD COLUMN code char(2)");
  exec_ok(c.get(), "CREATE TABLE mig_fresh (a varchar(5), b text)");
  const std::vector<Row> changed = {{"id", "integer", "nextval('mig_users_id_seq'::regclass)", "t"},
                                    {"full_name", "character varying(20)", std::nullopt, "t"},
                                    {"age", "integer", "7", "t"},
                                    {"code", "character(2)", std::nullopt, "f"}};
  EXPECT_EQ(query_rows(c.get(), rails), changed);
  EXPECT_EQ(query_rows(c.get(), "SELECT column_name, data_type, is_nullable, character_maximum_length FROM "
                                "information_schema.columns WHERE table_name = 'mig_users' ORDER BY ordinal_position"),
            (std::vector<Row>{{"id", "integer", "NO", std::nullopt},
                              {"full_name", "character varying", "NO", "20"},
                              {"age", "integer", "NO", std::nullopt},
                              {"code", "character", "YES", "2"}}));
  EXPECT_EQ(query_rows(c.get(), "SELECT attname, format_type(atttypid, atttypmod) FROM pg_attribute WHERE attrelid = "
                                "'mig_fresh'::regclass AND attnum > 0 ORDER BY attnum"),
            (std::vector<Row>{{"a", "character varying(5)"}, {"b", "text"}}));
  {
    Result r = exec(c.get(), "SELECT * FROM mig_users ORDER BY id");
    ASSERT_EQ(PQresultStatus(r.get()), PGRES_TUPLES_OK) << PQresultErrorMessage(r.get());
    ASSERT_EQ(PQnfields(r.get()), 4);
    EXPECT_EQ(PQftype(r.get(), 1), 1043u);
    EXPECT_EQ(PQfmod(r.get(), 1), 24);
    EXPECT_EQ(PQftablecol(r.get(), 2), 3);
    EXPECT_EQ(std::to_string(PQftable(r.get(), 2)),
              query_value(c.get(), "SELECT oid FROM pg_class WHERE relname = 'mig_users'"));
    EXPECT_EQ(PQftype(r.get(), 3), 1042u);
  }
  if (!reference_mode()) EXPECT_EQ(query_rows(other.get(), rails), committed);  // PostgreSQL waits for the lock
  exec_ok(c.get(), "ROLLBACK");
  EXPECT_EQ(query_rows(c.get(), rails), committed);
  EXPECT_EQ(query_value(c.get(), "SELECT count(*) FROM information_schema.columns WHERE table_name = 'mig_fresh'"), "0");
  // Committed, everyone sees the new columns; a later transaction starts from them.
  exec_ok(c.get(), "BEGIN");
  exec_ok(c.get(), "ALTER TABLE mig_users ADD COLUMN age integer NOT NULL DEFAULT 7");
  exec_ok(c.get(), "ALTER TABLE mig_users RENAME COLUMN name TO full_name");
  exec_ok(c.get(), "ALTER TABLE mig_users ADD COLUMN code char(2)");
  exec_ok(c.get(), "COMMIT");
  EXPECT_EQ(query_rows(other.get(), rails), changed);
  EXPECT_EQ(query_rows(c.get(), rails), changed);
  exec_ok(c.get(), "DROP TABLE mig_users");
}

TEST_F(LakeTxn, TimeTravelByVersionAndTimestamp) {
  Conn c = conn();
  ASSERT_TRUE(c);
  exec_ok(c.get(), "CREATE TABLE ttv (a integer)");
  int64_t created = lake::latest_snapshot(c.get());
  exec_ok(c.get(), "INSERT INTO ttv VALUES (1)");
  int64_t one = lake::latest_snapshot(c.get());
  exec_ok(c.get(), "INSERT INTO ttv VALUES (2)");
  int64_t two = lake::latest_snapshot(c.get());
  exec_ok(c.get(), "DELETE FROM ttv WHERE a = 1");
  int64_t deleted = lake::latest_snapshot(c.get());
  exec_ok(c.get(), "ALTER TABLE ttv ADD COLUMN b text");
  exec_ok(c.get(), "UPDATE ttv SET b = 'x'");
  int64_t updated = lake::latest_snapshot(c.get());
  auto at = [&](int64_t v, const std::string &what = "string_agg(CAST(a AS text), ',' ORDER BY a)") {
    return query_value(c.get(), "SELECT " + what + " FROM ttv AT (VERSION => " + std::to_string(v) + ")");
  };
  EXPECT_EQ(at(created, "count(*)"), "0");
  EXPECT_EQ(at(one), "1");
  EXPECT_EQ(at(two), "1,2");
  EXPECT_EQ(at(deleted), "2");
  EXPECT_EQ(at(updated, "string_agg(CAST(a AS text) || b, ',')"), "2x");
  // The columns are those of the version read.
  EXPECT_EQ(exec_error(c.get(), "SELECT b FROM ttv AT (VERSION => " + std::to_string(two) + ")").sqlstate, "42703");
  EXPECT_EQ(query_rows(c.get(), "SELECT * FROM ttv AT (VERSION => " + std::to_string(two) + ") ORDER BY a"),
            (Rows{{"1"}, {"2"}}));
  // Two versions in one query, with aliases.
  EXPECT_EQ(query_value(c.get(), "SELECT count(*) FROM ttv AT (VERSION => " + std::to_string(two) +
                                     ") AS old JOIN ttv AT (VERSION => " + std::to_string(deleted) +
                                     ") new ON old.a = new.a"),
            "1");
  EXPECT_EQ(exec_error(c.get(), "SELECT * FROM ttv AT (VERSION => " + std::to_string(created - 1) + ")").sqlstate,
            "42P01");
  EXPECT_EQ(exec_error(c.get(), "SELECT * FROM ttv AT (VERSION => 999999)").sqlstate, "22023");

  // By timestamp: the newest snapshot at or before it.
  std::string ts = query_value(c.get(), "SELECT CAST(snapshot_time AS text) FROM ducklake_snapshots() WHERE snapshot_id = " +
                                            std::to_string(two));
  std::string expected_version = query_value(
      c.get(), "SELECT max(snapshot_id) FROM ducklake_snapshots() WHERE snapshot_time <= CAST('" + ts + "' AS timestamptz)");
  EXPECT_EQ(query_value(c.get(), "SELECT string_agg(CAST(a AS text), ',' ORDER BY a) FROM ttv AT (TIMESTAMP => CAST('" +
                                     ts + "' AS timestamptz))"),
            at(std::stoll(expected_version)));
  EXPECT_EQ(query_value(c.get(), "SELECT count(*) FROM ttv AT (TIMESTAMP => (SELECT snapshot_time FROM "
                                 "ducklake_snapshots() WHERE snapshot_id = " + std::to_string(one) + "))"),
            "1");
  EXPECT_EQ(exec_error(c.get(), "SELECT * FROM ttv AT (TIMESTAMP => CAST('1999-01-01' AS timestamptz))").sqlstate,
            "22023");
}

// A dropped table's past stays readable, from its files and from its inlined rows.
TEST_F(LakeTxn, TimeTravelToADroppedTable) {
  Conn c = conn();
  ASSERT_TRUE(c);
  exec_ok(c.get(), "CREATE TABLE tt_files (a integer)");
  exec_ok(c.get(), "INSERT INTO tt_files SELECT * FROM generate_series(1, 50)");
  exec_ok(c.get(), "CREATE TABLE tt_inlined (a integer)");
  exec_ok(c.get(), "INSERT INTO tt_inlined VALUES (1), (2)");
  std::string before = std::to_string(lake::latest_snapshot(c.get()));
  exec_ok(c.get(), "DROP TABLE tt_files");
  exec_ok(c.get(), "DROP TABLE tt_inlined");
  EXPECT_EQ(query_value(c.get(), "SELECT sum(a) FROM tt_files AT (VERSION => " + before + ")"), "1275");
  lake::Outcome inlined = lake::run(c.get(), "SELECT sum(a) FROM tt_inlined AT (VERSION => " + before + ")");
  EXPECT_EQ(lake::to_string(inlined), "SELECT 1\n  3");
}

// After each commit the shared views take in only the inlined rows it added or ended. Many small
// commits (inserts, deletes, updates, a larger insert written to a file, a new column that starts
// a second inlined-data table) must leave every reader, and every past snapshot read back in full
// from the metadata store, with exactly the rows of a model kept here.
TEST_F(LakeTxn, SmallCommitsKeepEveryReaderExact) {
  Conn w = conn(), r = conn();
  ASSERT_TRUE(w && r);
  exec_ok(w.get(), "CREATE TABLE small (k integer, v text)");
  std::map<int, std::string> model;  // k → v, or v || '|' || w once the column exists
  bool has_w = false;
  auto text = [&] {
    std::string s;
    for (auto &[k, v] : model) s += (s.empty() ? "" : ",") + std::to_string(k) + ":" + v;
    return s;
  };
  auto select = [&](const std::string &from = "small") {
    return std::string("SELECT coalesce(string_agg(CAST(k AS text) || ':' || v") + (has_w ? " || '|' || w" : "") +
           ", ',' ORDER BY k), '') FROM " + from;
  };
  struct Seen {
    int64_t snapshot;
    bool has_w;
    std::string rows;
  };
  std::vector<Seen> seen;
  for (int i = 1; i <= 40; ++i) {
    std::string v = "v" + std::to_string(i);
    if (i == 20) {
      exec_ok(w.get(), "ALTER TABLE small ADD COLUMN w text DEFAULT 'd'");
      has_w = true;
      for (auto &[k, val] : model) val += "|d";
    }
    exec_ok(w.get(), "INSERT INTO small VALUES (" + std::to_string(i) + ", '" + v + "')");
    model[i] = has_w ? v + "|d" : v;
    if (i % 3 == 0) {
      exec_ok(w.get(), "DELETE FROM small WHERE k = " + std::to_string(i - 1));
      model.erase(i - 1);
    }
    if (i % 5 == 0) {
      exec_ok(w.get(), "UPDATE small SET v = v || 'u' WHERE k < " + std::to_string(i - 2));
      for (auto &[k, val] : model)
        if (k < i - 2) val.insert(val.find('|') == std::string::npos ? val.size() : val.find('|'), "u");
    }
    if (i % 7 == 0) {  // one transaction: a row in, a row out
      exec_ok(w.get(), "BEGIN");
      exec_ok(w.get(), "INSERT INTO small VALUES (" + std::to_string(1000 + i) + ", 't')");
      exec_ok(w.get(), "DELETE FROM small WHERE k = " + std::to_string(i));
      exec_ok(w.get(), "COMMIT");
      model[1000 + i] = has_w ? "t|d" : "t";
      model.erase(i);
    }
    if (i == 25) {  // more rows than the inlining limit: a data file
      exec_ok(w.get(), "INSERT INTO small SELECT 2000 + g, 'f' FROM generate_series(1, 30) AS s(g)");
      for (int g = 1; g <= 30; ++g) model[2000 + g] = "f|d";
    }
    if (i == 32) {  // ... and rows deleted from it and from the inlined rows together
      exec_ok(w.get(), "DELETE FROM small WHERE k % 4 = 1");
      std::erase_if(model, [](const auto &e) { return e.first % 4 == 1; });
    }
    ASSERT_EQ(query_value(r.get(), select()), text()) << "after step " << i;
    seen.push_back({lake::latest_snapshot(w.get()), has_w, text()});
  }
  // Past snapshots are read back from the metadata store in full, not built up commit by commit,
  // each with the columns it had.
  for (auto &past : seen) {
    has_w = past.has_w;
    EXPECT_EQ(query_value(r.get(), select("small AT (VERSION => " + std::to_string(past.snapshot) + ")")), past.rows)
        << "at snapshot " << past.snapshot;
  }
}

TEST_F(LakeTxn, CommitMessageAndAuthorInSnapshots) {
  Conn c = conn(), other = conn();
  ASSERT_TRUE(c && other);
  exec_ok(c.get(), "CREATE TABLE cmsg (a integer)");
  exec_ok(c.get(), "SET mallard.commit_message = 'load the first row'");
  exec_ok(c.get(), "INSERT INTO cmsg VALUES (1)");
  auto last = [&] {
    return query_rows(c.get(), "SELECT author, commit_message FROM ducklake_snapshots() ORDER BY snapshot_id DESC LIMIT 1");
  };
  EXPECT_EQ(last(), (Rows{{std::nullopt, "load the first row"}}));
  // A message labels one commit.
  exec_ok(c.get(), "INSERT INTO cmsg VALUES (2)");
  EXPECT_EQ(last(), (Rows{{std::nullopt, std::nullopt}}));

  exec_ok(c.get(), "SET mallard.commit_author = 'alice'");
  exec_ok(c.get(), "BEGIN");
  exec_ok(c.get(), "SET mallard.commit_message = 'two rows, one commit'");
  exec_ok(c.get(), "INSERT INTO cmsg VALUES (3)");
  exec_ok(c.get(), "INSERT INTO cmsg VALUES (4)");
  exec_ok(c.get(), "COMMIT");
  EXPECT_EQ(last(), (Rows{{"alice", "two rows, one commit"}}));
  EXPECT_EQ(query_value(c.get(), "SELECT changes LIKE 'inserted_into_table:%' FROM ducklake_snapshots() "
                                 "ORDER BY snapshot_id DESC LIMIT 1"),
            "t");
  // The author stays for the session; other sessions are not labelled.
  exec_ok(c.get(), "INSERT INTO cmsg VALUES (5)");
  EXPECT_EQ(last(), (Rows{{"alice", std::nullopt}}));
  exec_ok(other.get(), "INSERT INTO cmsg VALUES (6)");
  EXPECT_EQ(last(), (Rows{{std::nullopt, std::nullopt}}));
  EXPECT_EQ(query_value(c.get(), "SELECT count(*) FROM ducklake_snapshots() WHERE commit_message IS NOT NULL"), "2");
}

// The lake option require_commit_message: a commit without a message fails (55000) and leaves
// nothing; with one it goes through. Other sessions are held to it at once.
TEST_F(LakeTxn, RequireCommitMessageRefusesUnlabelledCommits) {
  SKIP_IN_REFERENCE("a DuckLake option");
  Conn c = conn(), other = conn();
  ASSERT_TRUE(c && other);
  exec_ok(c.get(), "CREATE TABLE creq (a integer)");
  EXPECT_EQ(exec_error(c.get(), "CALL set_option('require_commit_message', 'maybe')").sqlstate, "22023");
  exec_ok(c.get(), "CALL set_option('require_commit_message', true)");
  struct Reset {
    PGconn *c;
    ~Reset() { exec_ok(c, "CALL set_option('require_commit_message', false)"); }
  } reset{c.get()};
  SqlError e = exec_error(other.get(), "INSERT INTO creq VALUES (1)");
  EXPECT_EQ(e.sqlstate, "55000") << e;
  exec_ok(c.get(), "BEGIN");
  exec_ok(c.get(), "INSERT INTO creq VALUES (2)");
  EXPECT_EQ(exec_error(c.get(), "COMMIT").sqlstate, "55000");
  EXPECT_EQ(PQtransactionStatus(c.get()), PQTRANS_IDLE);
  EXPECT_EQ(query_value(c.get(), "SELECT count(*) FROM creq"), "0");
  exec_ok(other.get(), "SET mallard.commit_message = 'labelled'");
  exec_ok(other.get(), "INSERT INTO creq VALUES (3)");
  EXPECT_EQ(query_rows(c.get(), "SELECT commit_message FROM ducklake_snapshots() ORDER BY snapshot_id DESC LIMIT 1"),
            (Rows{{"labelled"}}));
  exec_ok(c.get(), "CALL set_option('require_commit_message', false)");
  exec_ok(c.get(), "INSERT INTO creq VALUES (4)");
  EXPECT_EQ(query_value(c.get(), "SELECT string_agg(CAST(a AS text), ',' ORDER BY a) FROM creq"), "3,4");
}

// SET is transactional in PostgreSQL: a ROLLBACK undoes it, so the message labels nothing.
TEST_F(LakeTxn, CommitMessageSetInARolledBackTransactionIsDropped) {
  Conn c = conn();
  ASSERT_TRUE(c);
  exec_ok(c.get(), "CREATE TABLE cmsg_rb (a integer)");
  exec_ok(c.get(), "BEGIN");
  exec_ok(c.get(), "SET mallard.commit_message = 'rolled back'");
  exec_ok(c.get(), "INSERT INTO cmsg_rb VALUES (1)");
  exec_ok(c.get(), "ROLLBACK");
  exec_ok(c.get(), "INSERT INTO cmsg_rb VALUES (2)");
  EXPECT_EQ(query_rows(c.get(), "SELECT commit_message FROM ducklake_snapshots() ORDER BY snapshot_id DESC LIMIT 1"),
            (Rows{{std::nullopt}}));
}

}  // namespace
}  // namespace mallard::it
