// Error reporting: SQLSTATEs and fields of ErrorResponse as PostgreSQL 15 sends them, and the
// connection limit.

#include <chrono>
#include <string>
#include <thread>
#include <vector>

#include "support/server.hpp"

namespace mallard::it {
namespace {

using namespace std::chrono_literals;

class Errors : public ServerSuite<Errors> {};

TEST_F(Errors, SyntaxErrorIs42601WithPosition) {
  Conn c = conn();
  ASSERT_TRUE(c);
  struct Case {
    std::string sql;
    int position;
  };
  const std::string tail = "SELECT * FROM (SELECT 1) AS t WHERE AND";
  std::vector<Case> cases = {
      {"SELEC 1", 1},
      {"SELECT 1 +", 11},  // "at end of input": one past the last character
      {tail, static_cast<int>(tail.find("AND")) + 1},
      // Positions count from the start of the whole Query message.
      {"SELECT 1; SELEC 2", 11},
  };
  for (const auto &k : cases) {
    SqlError e = exec_error(c.get(), k.sql);
    EXPECT_EQ(e.sqlstate, "42601") << k.sql << ": " << e;
    EXPECT_EQ(e.position, k.position) << k.sql << ": " << e;
    EXPECT_EQ(e.severity, "ERROR");
    EXPECT_FALSE(e.message.empty());
  }
  EXPECT_EQ(PQtransactionStatus(c.get()), PQTRANS_IDLE);
  EXPECT_EQ(query_value(c.get(), "SELECT 1"), "1");
}

TEST_F(Errors, SyntaxErrorPositionThroughExtendedProtocol) {
  Conn c = conn();
  ASSERT_TRUE(c);
  Result r(PQprepare(c.get(), "", "SELECT $1::integer FROM WHERE", 0, nullptr));
  SqlError e = error_of(r.get());
  EXPECT_EQ(e.sqlstate, "42601") << e;
  EXPECT_EQ(e.position, 25) << e;
}

TEST_F(Errors, UndefinedTableIs42P01) {
  Conn c = conn();
  ASSERT_TRUE(c);
  SqlError e = exec_error(c.get(), "SELECT * FROM er_missing_table");
  EXPECT_EQ(e.sqlstate, "42P01") << e;
  EXPECT_NE(e.message.find("er_missing_table"), std::string::npos) << e;
  e = exec_error(c.get(), "INSERT INTO er_missing_table VALUES (1)");
  EXPECT_EQ(e.sqlstate, "42P01") << e;
  e = exec_error(c.get(), "DROP TABLE er_missing_table");
  EXPECT_EQ(e.sqlstate, "42P01") << e;
}

TEST_F(Errors, UndefinedColumnIs42703) {
  Conn c = conn();
  ASSERT_TRUE(c);
  exec_ok(c.get(), "CREATE TABLE er_cols (a integer)");
  SqlError e = exec_error(c.get(), "SELECT b FROM er_cols");
  EXPECT_EQ(e.sqlstate, "42703") << e;
  EXPECT_NE(e.message.find('b'), std::string::npos) << e;
  e = exec_error(c.get(), "UPDATE er_cols SET nope = 1");
  EXPECT_EQ(e.sqlstate, "42703") << e;
  exec_ok(c.get(), "DROP TABLE er_cols");
}

TEST_F(Errors, InvalidTextRepresentationIs22P02) {
  Conn c = conn();
  ASSERT_TRUE(c);
  SqlError e = exec_error(c.get(), "SELECT 'abc'::integer");
  EXPECT_EQ(e.sqlstate, "22P02") << e;
  const char *vals[] = {"not a number"};
  Oid types[] = {23};
  Result r(PQexecParams(c.get(), "SELECT $1::integer", 1, types, vals, nullptr, nullptr, 0));
  EXPECT_EQ(error_of(r.get()).sqlstate, "22P02") << error_of(r.get());
  const char *bad_date[] = {"2024-13-45"};
  Oid date_type[] = {1082};
  Result d(PQexecParams(c.get(), "SELECT $1::date", 1, date_type, bad_date, nullptr, nullptr, 0));
  SqlError de = error_of(d.get());
  // PostgreSQL reports an out-of-range field as 22008; malformed input as 22P02.
  EXPECT_TRUE(de.sqlstate == "22008" || de.sqlstate == "22P02") << de;
}

TEST_F(Errors, NotNullViolationIs23502) {
  Conn c = conn();
  ASSERT_TRUE(c);
  exec_ok(c.get(), "CREATE TABLE er_nn (id integer NOT NULL, v text)");
  SqlError e = exec_error(c.get(), "INSERT INTO er_nn VALUES (NULL, 'x')");
  EXPECT_EQ(e.sqlstate, "23502") << e;
  e = exec_error(c.get(), "INSERT INTO er_nn (v) VALUES ('no id')");
  EXPECT_EQ(e.sqlstate, "23502") << e;
  EXPECT_EQ(query_value(c.get(), "SELECT count(*) FROM er_nn"), "0");
  exec_ok(c.get(), "DROP TABLE er_nn");
}

TEST_F(Errors, InFailedTransactionIs25P02UntilRollback) {
  Conn c = conn();
  ASSERT_TRUE(c);
  exec_ok(c.get(), "BEGIN");
  exec_error(c.get(), "SELECT 'x'::integer");
  for (const char *sql : {"SELECT 1", "CREATE TABLE er_never (a integer)"}) {
    SqlError e = exec_error(c.get(), sql);
    EXPECT_EQ(e.sqlstate, "25P02") << sql << ": " << e;
  }
  EXPECT_EQ(exec_ok(c.get(), "ROLLBACK"), "ROLLBACK");
  EXPECT_EQ(exec_error(c.get(), "SELECT * FROM er_never").sqlstate, "42P01");
}

TEST_F(Errors, DivisionByZeroIs22012) {
  Conn c = conn();
  ASSERT_TRUE(c);
  // Integer, numeric and float division and modulo by zero all raise, as in PostgreSQL.
  for (const char *sql : {"SELECT 1/0", "SELECT 7 % 0", "SELECT 1.5 / 0", "SELECT 2.5::float8 / 0.0",
                          "SELECT 5::numeric % 0", "SELECT 10 / (2 - 2)", "SELECT 1 / -(0)",
                          "SELECT sum(x) / count(*) FILTER (WHERE x > 100) FROM generate_series(1, 3) AS g(x)"}) {
    SqlError e = exec_error(c.get(), sql);
    EXPECT_EQ(e.sqlstate, "22012") << sql << ": " << e;
    EXPECT_EQ(e.message, "division by zero") << sql;
  }
  // Non-zero divisors keep PostgreSQL's answers; NULLIF is the usual guard.
  EXPECT_EQ(query_value(c.get(), "SELECT 7 / 2"), "3");
  EXPECT_EQ(query_value(c.get(), "SELECT -7 % 3"), "-1");
  EXPECT_EQ(query_value(c.get(), "SELECT 12 / 2 / 3"), "2");
  EXPECT_EQ(query_value(c.get(), "SELECT 1 / NULLIF(0, 0)"), "<NULL>");
  EXPECT_EQ(query_value(c.get(), "SELECT '1/0'"), "1/0");

  exec_ok(c.get(), "CREATE TABLE er_div (a integer, b integer)");
  exec_ok(c.get(), "INSERT INTO er_div VALUES (10, 2), (10, 0)");
  SqlError e = exec_error(c.get(), "SELECT a / b FROM er_div");
  EXPECT_EQ(e.sqlstate, "22012") << e;
  e = exec_error(c.get(), "UPDATE er_div SET a = a % b");
  EXPECT_EQ(e.sqlstate, "22012") << e;
  EXPECT_EQ(query_value(c.get(), "SELECT sum(a) FROM er_div"), "20");  // the UPDATE changed nothing
  // Parameters through the extended protocol.
  const char *values[] = {"0"};
  Result r(PQexecParams(c.get(), "SELECT a / $1::integer FROM er_div", 1, nullptr, values, nullptr, nullptr, 0));
  EXPECT_EQ(error_of(r.get()).sqlstate, "22012") << error_of(r.get());
  const char *four[] = {"4"};
  r.reset(PQexecParams(c.get(), "SELECT min(a) / $1::integer FROM er_div", 1, nullptr, four, nullptr, nullptr, 0));
  ASSERT_EQ(PQresultStatus(r.get()), PGRES_TUPLES_OK) << PQresultErrorMessage(r.get());
  EXPECT_STREQ(PQgetvalue(r.get(), 0, 0), "2");
  // An untyped parameter as the divisor keeps the type it gets from the dividend.
  const char *half[] = {"2.5"};
  r.reset(PQexecParams(c.get(), "SELECT 10.0 / $1", 1, nullptr, half, nullptr, nullptr, 0));
  ASSERT_EQ(PQresultStatus(r.get()), PGRES_TUPLES_OK) << PQresultErrorMessage(r.get());
  EXPECT_DOUBLE_EQ(std::stod(PQgetvalue(r.get(), 0, 0)), 4.0);
  EXPECT_NE(PQftype(r.get(), 0), 25u);  // a number, not text
  exec_ok(c.get(), "DROP TABLE er_div");
}

TEST_F(Errors, ErrorFieldsAreComplete) {
  Conn c = conn();
  ASSERT_TRUE(c);
  Result r = exec(c.get(), "SELECT * FROM er_missing_table");
  ASSERT_EQ(PQresultStatus(r.get()), PGRES_FATAL_ERROR);
  // Both the localized and non-localized severities, as PostgreSQL 9.6+ sends them.
  EXPECT_STREQ(PQresultErrorField(r.get(), PG_DIAG_SEVERITY), "ERROR");
  EXPECT_STREQ(PQresultErrorField(r.get(), PG_DIAG_SEVERITY_NONLOCALIZED), "ERROR");
  EXPECT_NE(PQresultErrorField(r.get(), PG_DIAG_MESSAGE_PRIMARY), nullptr);
  std::string full = PQresultErrorMessage(r.get());
  EXPECT_EQ(full.rfind("ERROR:  ", 0), 0u) << full;
}

TEST_F(Errors, ErrorsDoNotLeakIntoOtherSessions) {
  Conn a = conn(), b = conn();
  ASSERT_TRUE(a && b);
  exec_ok(a.get(), "BEGIN");
  exec_error(a.get(), "SELEC");
  EXPECT_EQ(PQtransactionStatus(a.get()), PQTRANS_INERROR);
  EXPECT_EQ(PQtransactionStatus(b.get()), PQTRANS_IDLE);
  EXPECT_EQ(query_value(b.get(), "SELECT 2"), "2");
  exec_ok(a.get(), "ROLLBACK");
}

class ConnectionLimit : public ServerSuite<ConnectionLimit> {
 public:
  static ServerOptions suite_options() {
    ServerOptions o;
    o.max_connections = 2;
    return o;
  }
};

TEST_F(ConnectionLimit, OverTheLimitIs53300AndFreedSlotsAreReused) {
  Conn a = conn(), b = conn();
  ASSERT_TRUE(a && b);
  ConnectAttempt third = try_connect(server().conninfo());
  EXPECT_FALSE(third.ok);
  EXPECT_EQ(third.sqlstate, "53300") << third.message;
  // The sessions already in are unaffected.
  EXPECT_EQ(query_value(a.get(), "SELECT 1"), "1");
  a.reset();
  // The server notices the departure asynchronously; retry for a bounded time.
  auto deadline = std::chrono::steady_clock::now() + 60s;
  ConnectAttempt again;
  while (std::chrono::steady_clock::now() < deadline) {
    again = try_connect(server().conninfo());
    if (again.ok) break;
    std::this_thread::sleep_for(100ms);
  }
  ASSERT_TRUE(again.ok) << again.message;
  EXPECT_EQ(query_value(again.conn.get(), "SELECT 2"), "2");
}

}  // namespace
}  // namespace mallard::it
