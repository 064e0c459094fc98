// SAVEPOINT, RELEASE SAVEPOINT and ROLLBACK TO SAVEPOINT: what PostgreSQL answers where Mallard
// can give the same answer (rows of lake tables are undone), and 0A000 (never a different answer)
// where it would have to undo what it cannot.

#include <string>

#include "support/server.hpp"

namespace mallard::it {
namespace {

class Savepoints : public ServerSuite<Savepoints> {
 protected:
  static std::string tx_status(PGconn *c) {
    switch (PQtransactionStatus(c)) {
      case PQTRANS_IDLE: return "I";
      case PQTRANS_INTRANS: return "T";
      case PQTRANS_INERROR: return "E";
      default: return "?";
    }
  }
};

TEST_F(Savepoints, OutsideATransactionBlockIs25P01) {
  Conn c = conn();
  ASSERT_TRUE(c);
  SqlError e = exec_error(c.get(), "SAVEPOINT a");
  EXPECT_EQ(e.sqlstate, "25P01") << e;
  EXPECT_EQ(e.message, "SAVEPOINT can only be used in transaction blocks");
  e = exec_error(c.get(), "RELEASE SAVEPOINT a");
  EXPECT_EQ(e.sqlstate, "25P01") << e;
  EXPECT_EQ(e.message, "RELEASE SAVEPOINT can only be used in transaction blocks");
  e = exec_error(c.get(), "ROLLBACK TO SAVEPOINT a");
  EXPECT_EQ(e.sqlstate, "25P01") << e;
  EXPECT_EQ(e.message, "ROLLBACK TO SAVEPOINT can only be used in transaction blocks");
  // The implicit transaction of a multi-statement Query is not a transaction block either.
  e = exec_error(c.get(), "SELECT 1; SAVEPOINT a; SELECT 2");
  EXPECT_EQ(e.sqlstate, "25P01") << e;
  EXPECT_EQ(tx_status(c.get()), "I");
}

TEST_F(Savepoints, SavepointAndReleaseInsideABlock) {
  Conn c = conn();
  ASSERT_TRUE(c);
  exec_ok(c.get(), "CREATE TABLE sp_rel (a integer)");
  exec_ok(c.get(), "BEGIN");
  EXPECT_EQ(exec_ok(c.get(), "SAVEPOINT one"), "SAVEPOINT");
  exec_ok(c.get(), "INSERT INTO sp_rel VALUES (1)");
  EXPECT_EQ(exec_ok(c.get(), "SAVEPOINT \"Two\""), "SAVEPOINT");
  exec_ok(c.get(), "INSERT INTO sp_rel VALUES (2)");
  EXPECT_EQ(exec_ok(c.get(), "RELEASE SAVEPOINT \"Two\""), "RELEASE");
  EXPECT_EQ(exec_ok(c.get(), "RELEASE one"), "RELEASE");
  // Released savepoints are gone; an unknown one is 3B001 and fails the transaction.
  SqlError e = exec_error(c.get(), "RELEASE one");
  EXPECT_EQ(e.sqlstate, "3B001") << e;
  EXPECT_EQ(e.message, "savepoint \"one\" does not exist");
  EXPECT_EQ(tx_status(c.get()), "E");
  exec_ok(c.get(), "ROLLBACK");
  EXPECT_EQ(query_value(c.get(), "SELECT count(*) FROM sp_rel"), "0");

  exec_ok(c.get(), "BEGIN");
  exec_ok(c.get(), "SAVEPOINT s");
  exec_ok(c.get(), "INSERT INTO sp_rel VALUES (3)");
  exec_ok(c.get(), "RELEASE s");
  EXPECT_EQ(exec_ok(c.get(), "COMMIT"), "COMMIT");
  EXPECT_EQ(query_value(c.get(), "SELECT sum(a) FROM sp_rel"), "3");
  exec_ok(c.get(), "DROP TABLE sp_rel");
}

TEST_F(Savepoints, RollbackToWithNothingToUndo) {
  Conn c = conn();
  ASSERT_TRUE(c);
  exec_ok(c.get(), "CREATE TABLE sp_ro (a integer)");
  exec_ok(c.get(), "BEGIN");
  exec_ok(c.get(), "INSERT INTO sp_ro VALUES (1)");  // rolled back with the whole transaction below
  exec_ok(c.get(), "SAVEPOINT s");
  EXPECT_EQ(query_value(c.get(), "SELECT count(*) FROM sp_ro"), "1");
  EXPECT_EQ(exec_ok(c.get(), "ROLLBACK TO SAVEPOINT s"), "ROLLBACK");
  EXPECT_EQ(tx_status(c.get()), "T");
  // The savepoint survives ROLLBACK TO; newer ones do not.
  exec_ok(c.get(), "SAVEPOINT inner_one");
  exec_ok(c.get(), "ROLLBACK TO s");
  SqlError e = exec_error(c.get(), "RELEASE inner_one");
  EXPECT_EQ(e.sqlstate, "3B001") << e;
  exec_ok(c.get(), "ROLLBACK");

  // An error found before execution (unknown relation) leaves the transaction usable: ROLLBACK TO
  // a savepoint set before it returns to normal, and what came before the savepoint is kept.
  exec_ok(c.get(), "BEGIN");
  exec_ok(c.get(), "INSERT INTO sp_ro VALUES (2)");
  exec_ok(c.get(), "SAVEPOINT s");
  e = exec_error(c.get(), "SELECT * FROM sp_no_such_table");
  EXPECT_EQ(e.sqlstate, "42P01") << e;
  EXPECT_EQ(tx_status(c.get()), "E");
  e = exec_error(c.get(), "SELECT 1");
  EXPECT_EQ(e.sqlstate, "25P02") << e;
  EXPECT_EQ(exec_ok(c.get(), "ROLLBACK TO SAVEPOINT s"), "ROLLBACK");
  EXPECT_EQ(tx_status(c.get()), "T");
  exec_ok(c.get(), "INSERT INTO sp_ro VALUES (3)");
  EXPECT_EQ(exec_ok(c.get(), "COMMIT"), "COMMIT");
  EXPECT_EQ(query_value(c.get(), "SELECT string_agg(CAST(a AS text), ',' ORDER BY a) FROM sp_ro"), "2,3");
  exec_ok(c.get(), "DROP TABLE sp_ro");
}

TEST_F(Savepoints, RollbackToInFailedStateThroughExtendedProtocol) {
  Conn c = conn();
  ASSERT_TRUE(c);
  exec_ok(c.get(), "BEGIN");
  Result r(PQexecParams(c.get(), "SAVEPOINT ext", 0, nullptr, nullptr, nullptr, nullptr, 0));
  ASSERT_EQ(PQresultStatus(r.get()), PGRES_COMMAND_OK) << PQresultErrorMessage(r.get());
  r.reset(PQexecParams(c.get(), "SELECT nope FROM (SELECT 1 AS a) AS t", 0, nullptr, nullptr, nullptr, nullptr, 0));
  EXPECT_EQ(error_of(r.get()).sqlstate, "42703");
  EXPECT_EQ(tx_status(c.get()), "E");
  r.reset(PQexecParams(c.get(), "ROLLBACK TO SAVEPOINT ext", 0, nullptr, nullptr, nullptr, nullptr, 0));
  ASSERT_EQ(PQresultStatus(r.get()), PGRES_COMMAND_OK) << PQresultErrorMessage(r.get());
  EXPECT_STREQ(PQcmdStatus(r.get()), "ROLLBACK");
  EXPECT_EQ(tx_status(c.get()), "T");
  const char *v[] = {"41"};
  r.reset(PQexecParams(c.get(), "SELECT $1::integer + 1", 1, nullptr, v, nullptr, nullptr, 0));
  ASSERT_EQ(PQresultStatus(r.get()), PGRES_TUPLES_OK) << PQresultErrorMessage(r.get());
  EXPECT_STREQ(PQgetvalue(r.get(), 0, 0), "42");
  exec_ok(c.get(), "COMMIT");
}

// Rows written to lake tables since a savepoint are undone by ROLLBACK TO, as in PostgreSQL:
// INSERT (simple and extended protocol), UPDATE, DELETE, TRUNCATE and COPY FROM, in nested
// savepoints, released ones included; so are settings.
TEST_F(Savepoints, RollbackToUndoesRowWrites) {
  Conn c = conn();
  ASSERT_TRUE(c);
  auto rows = [&](const char *table) {
    std::string out;
    for (auto &r : query_rows(c.get(), std::string("SELECT a FROM ") + table + " ORDER BY a"))
      out += (out.empty() ? "" : ",") + r[0].value_or("NULL");
    return out;
  };
  auto copy_in = [&](const char *sql, const std::string &data) {
    Result r(PQexec(c.get(), sql));
    ASSERT_EQ(PQresultStatus(r.get()), PGRES_COPY_IN) << PQresultErrorMessage(r.get());
    PQputCopyData(c.get(), data.data(), static_cast<int>(data.size()));
    PQputCopyEnd(c.get(), nullptr);
    while (Result rest{PQgetResult(c.get())}) {
      EXPECT_EQ(PQresultStatus(rest.get()), PGRES_COMMAND_OK) << PQresultErrorMessage(rest.get());
    }
  };
  exec_ok(c.get(), "DROP TABLE IF EXISTS sp_rows");
  exec_ok(c.get(), "CREATE TABLE sp_rows (a integer NOT NULL, b text)");
  exec_ok(c.get(), "INSERT INTO sp_rows VALUES (1, 'one'), (2, 'two')");
  exec_ok(c.get(), "BEGIN");
  exec_ok(c.get(), "INSERT INTO sp_rows VALUES (3, 'three')");
  exec_ok(c.get(), "SAVEPOINT s");
  exec_ok(c.get(), "INSERT INTO sp_rows VALUES (4, 'four')");
  const char *five = "5";
  Result ext(PQexecParams(c.get(), "INSERT INTO sp_rows (a) VALUES ($1)", 1, nullptr, &five, nullptr, nullptr, 0));
  ASSERT_EQ(PQresultStatus(ext.get()), PGRES_COMMAND_OK) << PQresultErrorMessage(ext.get());
  exec_ok(c.get(), "UPDATE sp_rows SET a = a * 10 WHERE a IN (1, 3)");
  exec_ok(c.get(), "DELETE FROM sp_rows WHERE a = 2");
  copy_in("COPY sp_rows (a) FROM STDIN", "6\n");
  EXPECT_EQ(rows("sp_rows"), "4,5,6,10,30");
  EXPECT_EQ(exec_ok(c.get(), "ROLLBACK TO SAVEPOINT s"), "ROLLBACK");
  EXPECT_EQ(rows("sp_rows"), "1,2,3");
  // The savepoint stays: written again, rolled back again.
  exec_ok(c.get(), "TRUNCATE sp_rows");
  EXPECT_EQ(rows("sp_rows"), "");
  EXPECT_EQ(exec_ok(c.get(), "ROLLBACK TO s"), "ROLLBACK");
  EXPECT_EQ(rows("sp_rows"), "1,2,3");
  // Nested: rolling back to the inner one keeps what came between the two.
  exec_ok(c.get(), "INSERT INTO sp_rows VALUES (7, 'seven')");
  exec_ok(c.get(), "SAVEPOINT inner_sp");
  exec_ok(c.get(), "DELETE FROM sp_rows");
  exec_ok(c.get(), "ROLLBACK TO inner_sp");
  EXPECT_EQ(rows("sp_rows"), "1,2,3,7");
  // A released savepoint's writes belong to the enclosing one.
  exec_ok(c.get(), "SAVEPOINT released");
  exec_ok(c.get(), "UPDATE sp_rows SET a = 8 WHERE a = 7");
  exec_ok(c.get(), "RELEASE released");
  EXPECT_EQ(rows("sp_rows"), "1,2,3,8");
  EXPECT_EQ(exec_ok(c.get(), "ROLLBACK TO s"), "ROLLBACK");
  EXPECT_EQ(rows("sp_rows"), "1,2,3");
  exec_ok(c.get(), "INSERT INTO sp_rows VALUES (9, 'nine')");
  exec_ok(c.get(), "COMMIT");
  EXPECT_EQ(rows("sp_rows"), "1,2,3,9");

  // Settings: ROLLBACK TO puts back what was set since (SET, SET LOCAL, custom settings); what was
  // set before the savepoint stays and commits.
  exec_ok(c.get(), "BEGIN");
  exec_ok(c.get(), "SET TimeZone = 'Asia/Tokyo'");
  exec_ok(c.get(), "SAVEPOINT s");
  exec_ok(c.get(), "SET TimeZone = 'Europe/Paris'");
  exec_ok(c.get(), "SET LOCAL statement_timeout = '5s'");
  exec_ok(c.get(), "SELECT set_config('sp_app.name', 'inner', false)");
  EXPECT_EQ(query_value(c.get(), "SHOW TimeZone"), "Europe/Paris");
  EXPECT_EQ(exec_ok(c.get(), "ROLLBACK TO SAVEPOINT s"), "ROLLBACK");
  EXPECT_EQ(query_value(c.get(), "SHOW TimeZone"), "Asia/Tokyo");
  EXPECT_EQ(std::string(PQparameterStatus(c.get(), "TimeZone")), "Asia/Tokyo");
  EXPECT_EQ(query_value(c.get(), "SHOW statement_timeout"), "0");
  EXPECT_EQ(query_value(c.get(), "SELECT coalesce(current_setting('sp_app.name', true), '')"), "");
  exec_ok(c.get(), "COMMIT");
  EXPECT_EQ(query_value(c.get(), "SHOW TimeZone"), "Asia/Tokyo");
  exec_ok(c.get(), "SET TimeZone = 'UTC'");

  // A table created before the savepoint, in the same transaction.
  exec_ok(c.get(), "DROP TABLE IF EXISTS sp_new");
  exec_ok(c.get(), "BEGIN");
  exec_ok(c.get(), "CREATE TABLE sp_new (a integer)");
  exec_ok(c.get(), "INSERT INTO sp_new VALUES (1)");
  exec_ok(c.get(), "SAVEPOINT s");
  exec_ok(c.get(), "INSERT INTO sp_new VALUES (2)");
  exec_ok(c.get(), "DELETE FROM sp_new WHERE a = 1");
  EXPECT_EQ(exec_ok(c.get(), "ROLLBACK TO s"), "ROLLBACK");
  exec_ok(c.get(), "COMMIT");
  EXPECT_EQ(rows("sp_new"), "1");
  exec_ok(c.get(), "DROP TABLE sp_new");
  exec_ok(c.get(), "DROP TABLE sp_rows");
}

// Where PostgreSQL would undo other changes made since the savepoint (DDL, DuckDB's own settings,
// rows of DuckDB's temporary tables), Mallard refuses (0A000) and the transaction stays failed: the
// client can only roll it back, so nothing it asked to discard is ever committed.
TEST_F(Savepoints, RollbackToAfterOtherChangesIsRefused) {
  SKIP_IN_REFERENCE("PostgreSQL undoes the changes");
  Conn c = conn();
  ASSERT_TRUE(c);
  exec_ok(c.get(), "CREATE TABLE sp_chg (a integer NOT NULL)");
  exec_ok(c.get(), "CREATE TEMP TABLE sp_tmp (a integer)");
  for (const char *change : {"CREATE TABLE sp_chg_new (b integer)", "SET enable_progress_bar = false",
                             "INSERT INTO sp_tmp VALUES (1)", "COPY sp_tmp FROM STDIN"}) {
    exec_ok(c.get(), "BEGIN");
    exec_ok(c.get(), "INSERT INTO sp_chg VALUES (1)");
    exec_ok(c.get(), "SAVEPOINT s");
    if (std::string(change).rfind("COPY", 0) == 0) {
      Result r(PQexec(c.get(), change));
      ASSERT_EQ(PQresultStatus(r.get()), PGRES_COPY_IN);
      PQputCopyData(c.get(), "9\n", 2);
      PQputCopyEnd(c.get(), nullptr);
      while (Result rest{PQgetResult(c.get())}) {
      }
    } else {
      exec_ok(c.get(), change);
    }
    SqlError e = exec_error(c.get(), "ROLLBACK TO SAVEPOINT s");
    EXPECT_EQ(e.sqlstate, "0A000") << change << ": " << e;
    EXPECT_NE(e.message.find("ROLLBACK TO SAVEPOINT is not supported"), std::string::npos) << e;
    EXPECT_EQ(tx_status(c.get()), "E") << change;
    EXPECT_EQ(exec_error(c.get(), "SELECT 1").sqlstate, "25P02");
    EXPECT_EQ(exec_ok(c.get(), "COMMIT"), "ROLLBACK") << change;  // a failed transaction commits nothing
    EXPECT_EQ(query_value(c.get(), "SELECT count(*) FROM sp_chg"), "0") << change;
  }

  // A statement that fails while executing aborts DuckDB's whole transaction: not recoverable
  // even when it changed nothing.
  exec_ok(c.get(), "BEGIN");
  exec_ok(c.get(), "INSERT INTO sp_chg VALUES (1)");
  exec_ok(c.get(), "SAVEPOINT s");
  EXPECT_EQ(exec_error(c.get(), "SELECT 1 / (a - 1) FROM sp_chg").sqlstate, "22012");
  SqlError e = exec_error(c.get(), "ROLLBACK TO s");
  EXPECT_EQ(e.sqlstate, "0A000") << e;
  EXPECT_EQ(tx_status(c.get()), "E");
  exec_ok(c.get(), "ROLLBACK");

  // The usual framework pattern: a failed INSERT inside a savepoint. Refused, not half-applied.
  exec_ok(c.get(), "BEGIN");
  exec_ok(c.get(), "INSERT INTO sp_chg VALUES (1)");
  exec_ok(c.get(), "SAVEPOINT s");
  EXPECT_EQ(exec_error(c.get(), "INSERT INTO sp_chg VALUES (NULL)").sqlstate, "23502");
  EXPECT_EQ(exec_error(c.get(), "ROLLBACK TO SAVEPOINT s").sqlstate, "0A000");
  exec_ok(c.get(), "ROLLBACK");
  EXPECT_EQ(query_value(c.get(), "SELECT count(*) FROM sp_chg"), "0");

  // Reads after the savepoint do not count as changes; changes before it do not either.
  exec_ok(c.get(), "BEGIN");
  exec_ok(c.get(), "INSERT INTO sp_chg VALUES (5)");
  exec_ok(c.get(), "SAVEPOINT s");
  exec_ok(c.get(), "SELECT * FROM sp_chg");
  exec_ok(c.get(), "SHOW statement_timeout");
  exec_ok(c.get(), "EXPLAIN SELECT * FROM sp_chg");
  EXPECT_EQ(exec_ok(c.get(), "ROLLBACK TO SAVEPOINT s"), "ROLLBACK");
  exec_ok(c.get(), "COMMIT");
  EXPECT_EQ(query_value(c.get(), "SELECT a FROM sp_chg"), "5");
  // A new transaction starts with no savepoints.
  exec_ok(c.get(), "BEGIN");
  EXPECT_EQ(exec_error(c.get(), "ROLLBACK TO s").sqlstate, "3B001");
  exec_ok(c.get(), "ROLLBACK");
  exec_ok(c.get(), "DROP TABLE sp_chg");
}

}  // namespace
}  // namespace mallard::it
