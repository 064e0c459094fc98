// Extended query protocol: prepared statements and portals, parameter type inference, Describe,
// row-limited Execute with PortalSuspended, pipelining, and error recovery at Sync.

#include <string>
#include <vector>

#include "support/server.hpp"
#include "support/wire.hpp"

namespace mallard::it {
namespace {

class ExtendedQuery : public ServerSuite<ExtendedQuery> {};

// Sends `bytes` and returns every message up to and including ReadyForQuery.
std::vector<Msg> roundtrip(Wire &w, const std::string &bytes) {
  EXPECT_TRUE(w.send(bytes));
  ReadStatus st = ReadStatus::kOk;
  std::vector<Msg> msgs = w.read_until('Z', std::chrono::seconds(20), &st);
  EXPECT_EQ(st, ReadStatus::kOk) << "no ReadyForQuery; got " << types_of(msgs);
  return msgs;
}

std::string strip_types(const std::vector<Msg> &msgs) {
  std::string s;
  for (const auto &m : msgs) s += m.type;
  return s;
}

TEST_F(ExtendedQuery, NamedStatementExecutesWithDifferentParameters) {
  Conn c = conn();
  ASSERT_TRUE(c);
  Oid types[] = {23};
  Result prep(PQprepare(c.get(), "eq_add", "SELECT $1::integer + 1 AS next", 1, types));
  ASSERT_EQ(PQresultStatus(prep.get()), PGRES_COMMAND_OK) << PQresultErrorMessage(prep.get());
  for (int v : {41, -5, 0}) {
    std::string s = std::to_string(v);
    const char *vals[] = {s.c_str()};
    Result r(PQexecPrepared(c.get(), "eq_add", 1, vals, nullptr, nullptr, 0));
    ASSERT_EQ(PQresultStatus(r.get()), PGRES_TUPLES_OK) << PQresultErrorMessage(r.get());
    EXPECT_EQ(value_bytes(r.get(), 0, 0), std::to_string(v + 1));
    EXPECT_STREQ(PQcmdStatus(r.get()), "SELECT 1");
    EXPECT_STREQ(PQfname(r.get(), 0), "next");
  }
}

TEST_F(ExtendedQuery, DescribePreparedReportsParametersAndColumns) {
  Conn c = conn();
  ASSERT_TRUE(c);
  Result prep(PQprepare(c.get(), "eq_desc", "SELECT $1::integer AS a, $2::text AS b, $3::bigint AS c", 0, nullptr));
  ASSERT_EQ(PQresultStatus(prep.get()), PGRES_COMMAND_OK) << PQresultErrorMessage(prep.get());
  Result d(PQdescribePrepared(c.get(), "eq_desc"));
  ASSERT_EQ(PQresultStatus(d.get()), PGRES_COMMAND_OK) << PQresultErrorMessage(d.get());
  ASSERT_EQ(PQnparams(d.get()), 3);
  EXPECT_EQ(PQparamtype(d.get(), 0), 23u);
  EXPECT_TRUE(PQparamtype(d.get(), 1) == 25u || PQparamtype(d.get(), 1) == 1043u) << PQparamtype(d.get(), 1);
  EXPECT_EQ(PQparamtype(d.get(), 2), 20u);
  ASSERT_EQ(PQnfields(d.get()), 3);
  EXPECT_STREQ(PQfname(d.get(), 0), "a");
  EXPECT_STREQ(PQfname(d.get(), 1), "b");
  EXPECT_EQ(PQftype(d.get(), 0), 23u);
  EXPECT_EQ(PQftype(d.get(), 2), 20u);
}

TEST_F(ExtendedQuery, ParameterTypesAreInferredFromColumns) {
  Conn c = conn();
  ASSERT_TRUE(c);
  exec_ok(c.get(), "CREATE TABLE eq_infer (id integer, name text, amount bigint, ok boolean)");
  Result prep(PQprepare(c.get(), "eq_infer_ins", "INSERT INTO eq_infer VALUES ($1, $2, $3, $4)", 0, nullptr));
  ASSERT_EQ(PQresultStatus(prep.get()), PGRES_COMMAND_OK) << PQresultErrorMessage(prep.get());
  Result d(PQdescribePrepared(c.get(), "eq_infer_ins"));
  ASSERT_EQ(PQnparams(d.get()), 4);
  EXPECT_EQ(PQparamtype(d.get(), 0), 23u);
  EXPECT_TRUE(PQparamtype(d.get(), 1) == 25u || PQparamtype(d.get(), 1) == 1043u) << PQparamtype(d.get(), 1);
  EXPECT_EQ(PQparamtype(d.get(), 2), 20u);
  EXPECT_EQ(PQparamtype(d.get(), 3), 16u);
  EXPECT_EQ(PQnfields(d.get()), 0);
  const char *vals[] = {"7", "seven", "7000000000", "t"};
  Result r(PQexecPrepared(c.get(), "eq_infer_ins", 4, vals, nullptr, nullptr, 0));
  ASSERT_EQ(PQresultStatus(r.get()), PGRES_COMMAND_OK) << PQresultErrorMessage(r.get());
  EXPECT_STREQ(PQcmdStatus(r.get()), "INSERT 0 1");

  Result sel(PQprepare(c.get(), "eq_infer_sel", "SELECT name, amount FROM eq_infer WHERE id = $1", 0, nullptr));
  ASSERT_EQ(PQresultStatus(sel.get()), PGRES_COMMAND_OK) << PQresultErrorMessage(sel.get());
  Result sd(PQdescribePrepared(c.get(), "eq_infer_sel"));
  ASSERT_EQ(PQnparams(sd.get()), 1);
  EXPECT_EQ(PQparamtype(sd.get(), 0), 23u);
  const char *id[] = {"7"};
  Result row(PQexecPrepared(c.get(), "eq_infer_sel", 1, id, nullptr, nullptr, 0));
  ASSERT_EQ(PQntuples(row.get()), 1);
  EXPECT_EQ(value_bytes(row.get(), 0, 0), "seven");
  EXPECT_EQ(value_bytes(row.get(), 0, 1), "7000000000");
  exec_ok(c.get(), "DROP TABLE eq_infer");
}

TEST_F(ExtendedQuery, UnnamedStatementWithNullAndTextParameters) {
  Conn c = conn();
  ASSERT_TRUE(c);
  const char *vals[] = {"abc", nullptr};
  Result r(PQexecParams(c.get(), "SELECT $1::text || 'def', $2::integer IS NULL", 2, nullptr, vals, nullptr, nullptr, 0));
  ASSERT_EQ(PQresultStatus(r.get()), PGRES_TUPLES_OK) << PQresultErrorMessage(r.get());
  EXPECT_EQ(value_bytes(r.get(), 0, 0), "abcdef");
  EXPECT_EQ(value_bytes(r.get(), 0, 1), "t");
}

TEST_F(ExtendedQuery, BinaryParameterAndBinaryResult) {
  Conn c = conn();
  ASSERT_TRUE(c);
  std::string param = be32(1000000);
  const char *vals[] = {param.data()};
  int lens[] = {4};
  int fmts[] = {1};
  Oid types[] = {23};
  Result r(PQexecParams(c.get(), "SELECT $1::integer * 2", 1, types, vals, lens, fmts, 1));
  ASSERT_EQ(PQresultStatus(r.get()), PGRES_TUPLES_OK) << PQresultErrorMessage(r.get());
  EXPECT_EQ(PQfformat(r.get(), 0), 1);
  EXPECT_EQ(value_bytes(r.get(), 0, 0), be32(2000000));
}

TEST_F(ExtendedQuery, DuplicateStatementNameIs42P05) {
  Conn c = conn();
  ASSERT_TRUE(c);
  Result a(PQprepare(c.get(), "eq_dup", "SELECT 1", 0, nullptr));
  ASSERT_EQ(PQresultStatus(a.get()), PGRES_COMMAND_OK);
  Result b(PQprepare(c.get(), "eq_dup", "SELECT 2", 0, nullptr));
  EXPECT_EQ(error_of(b.get()).sqlstate, "42P05") << error_of(b.get());
  // The first definition is still the one in force.
  Result r(PQexecPrepared(c.get(), "eq_dup", 0, nullptr, nullptr, nullptr, 0));
  EXPECT_EQ(value_bytes(r.get(), 0, 0), "1");
}

TEST_F(ExtendedQuery, UnknownStatementIs26000) {
  Conn c = conn();
  ASSERT_TRUE(c);
  Result r(PQexecPrepared(c.get(), "eq_never_prepared", 0, nullptr, nullptr, nullptr, 0));
  EXPECT_EQ(error_of(r.get()).sqlstate, "26000") << error_of(r.get());
  Result d(PQdescribePrepared(c.get(), "eq_never_prepared"));
  EXPECT_EQ(error_of(d.get()).sqlstate, "26000") << error_of(d.get());
  EXPECT_EQ(query_value(c.get(), "SELECT 1"), "1");
}

TEST_F(ExtendedQuery, MultipleCommandsCannotBePrepared) {
  Conn c = conn();
  ASSERT_TRUE(c);
  Result r(PQprepare(c.get(), "eq_multi", "SELECT 1; SELECT 2", 0, nullptr));
  EXPECT_EQ(error_of(r.get()).sqlstate, "42601") << error_of(r.get());
}

TEST_F(ExtendedQuery, PipelineReturnsResultsInOrder) {
  Conn c = conn();
  ASSERT_TRUE(c);
  ASSERT_EQ(PQenterPipelineMode(c.get()), 1);
  for (int i = 1; i <= 3; ++i) {
    std::string v = std::to_string(i);
    const char *vals[] = {v.c_str()};
    ASSERT_EQ(PQsendQueryParams(c.get(), "SELECT $1::integer * 10", 1, nullptr, vals, nullptr, nullptr, 0), 1);
  }
  ASSERT_EQ(PQpipelineSync(c.get()), 1);
  for (int i = 1; i <= 3; ++i) {
    Result r(PQgetResult(c.get()));
    ASSERT_TRUE(r);
    ASSERT_EQ(PQresultStatus(r.get()), PGRES_TUPLES_OK) << PQresultErrorMessage(r.get());
    EXPECT_EQ(value_bytes(r.get(), 0, 0), std::to_string(i * 10));
    EXPECT_EQ(PQgetResult(c.get()), nullptr);
  }
  Result sync(PQgetResult(c.get()));
  ASSERT_TRUE(sync);
  EXPECT_EQ(PQresultStatus(sync.get()), PGRES_PIPELINE_SYNC);
  ASSERT_EQ(PQexitPipelineMode(c.get()), 1);
  EXPECT_EQ(query_value(c.get(), "SELECT 'after'"), "after");
}

TEST_F(ExtendedQuery, PipelineErrorAbortsUntilSync) {
  Conn c = conn();
  ASSERT_TRUE(c);
  exec_ok(c.get(), "CREATE TABLE eq_pipe (x integer)");
  ASSERT_EQ(PQenterPipelineMode(c.get()), 1);
  ASSERT_TRUE(PQsendQueryParams(c.get(), "INSERT INTO eq_pipe VALUES (1)", 0, nullptr, nullptr, nullptr, nullptr, 0));
  ASSERT_TRUE(PQsendQueryParams(c.get(), "SELECT * FROM eq_no_such_table", 0, nullptr, nullptr, nullptr, nullptr, 0));
  ASSERT_TRUE(PQsendQueryParams(c.get(), "INSERT INTO eq_pipe VALUES (2)", 0, nullptr, nullptr, nullptr, nullptr, 0));
  ASSERT_TRUE(PQpipelineSync(c.get()));
  ASSERT_TRUE(PQsendQueryParams(c.get(), "SELECT count(*) FROM eq_pipe", 0, nullptr, nullptr, nullptr, nullptr, 0));
  ASSERT_TRUE(PQpipelineSync(c.get()));

  Result r1(PQgetResult(c.get()));
  EXPECT_EQ(PQresultStatus(r1.get()), PGRES_COMMAND_OK) << PQresultErrorMessage(r1.get());
  EXPECT_STREQ(PQcmdStatus(r1.get()), "INSERT 0 1");
  EXPECT_EQ(PQgetResult(c.get()), nullptr);
  Result r2(PQgetResult(c.get()));
  EXPECT_EQ(PQresultStatus(r2.get()), PGRES_FATAL_ERROR);
  EXPECT_EQ(error_of(r2.get()).sqlstate, "42P01");
  EXPECT_EQ(PQgetResult(c.get()), nullptr);
  Result r3(PQgetResult(c.get()));
  EXPECT_EQ(PQresultStatus(r3.get()), PGRES_PIPELINE_ABORTED);
  EXPECT_EQ(PQgetResult(c.get()), nullptr);
  Result s1(PQgetResult(c.get()));
  EXPECT_EQ(PQresultStatus(s1.get()), PGRES_PIPELINE_SYNC);
  // Everything before Sync was one implicit transaction, so the first INSERT was rolled back too.
  Result r4(PQgetResult(c.get()));
  ASSERT_EQ(PQresultStatus(r4.get()), PGRES_TUPLES_OK) << PQresultErrorMessage(r4.get());
  EXPECT_EQ(value_bytes(r4.get(), 0, 0), "0");
  EXPECT_EQ(PQgetResult(c.get()), nullptr);
  Result s2(PQgetResult(c.get()));
  EXPECT_EQ(PQresultStatus(s2.get()), PGRES_PIPELINE_SYNC);
  ASSERT_EQ(PQexitPipelineMode(c.get()), 1);
  exec_ok(c.get(), "DROP TABLE eq_pipe");
}

TEST_F(ExtendedQuery, PipelinedPrepareDescribeAndExecute) {
  Conn c = conn();
  ASSERT_TRUE(c);
  ASSERT_EQ(PQenterPipelineMode(c.get()), 1);
  ASSERT_TRUE(PQsendPrepare(c.get(), "eq_pp", "SELECT $1::text AS greeting", 0, nullptr));
  ASSERT_TRUE(PQsendDescribePrepared(c.get(), "eq_pp"));
  const char *vals[] = {"hello"};
  ASSERT_TRUE(PQsendQueryPrepared(c.get(), "eq_pp", 1, vals, nullptr, nullptr, 0));
  ASSERT_TRUE(PQpipelineSync(c.get()));
  Result prep(PQgetResult(c.get()));
  EXPECT_EQ(PQresultStatus(prep.get()), PGRES_COMMAND_OK) << PQresultErrorMessage(prep.get());
  EXPECT_EQ(PQgetResult(c.get()), nullptr);
  Result desc(PQgetResult(c.get()));
  EXPECT_EQ(PQresultStatus(desc.get()), PGRES_COMMAND_OK) << PQresultErrorMessage(desc.get());
  EXPECT_EQ(PQnparams(desc.get()), 1);
  EXPECT_STREQ(PQfname(desc.get(), 0), "greeting");
  EXPECT_EQ(PQgetResult(c.get()), nullptr);
  Result run(PQgetResult(c.get()));
  ASSERT_EQ(PQresultStatus(run.get()), PGRES_TUPLES_OK) << PQresultErrorMessage(run.get());
  EXPECT_EQ(value_bytes(run.get(), 0, 0), "hello");
  EXPECT_EQ(PQgetResult(c.get()), nullptr);
  Result sync(PQgetResult(c.get()));
  EXPECT_EQ(PQresultStatus(sync.get()), PGRES_PIPELINE_SYNC);
  ASSERT_EQ(PQexitPipelineMode(c.get()), 1);
}

TEST_F(ExtendedQuery, DescribeOfReturningStatementDoesNotExecuteIt) {
  Conn c = conn();
  ASSERT_TRUE(c);
  exec_ok(c.get(), "CREATE TABLE eq_ret (id integer, v text)");
  Result prep(PQprepare(c.get(), "eq_ret_ins", "INSERT INTO eq_ret VALUES ($1, $2) RETURNING id, v", 0, nullptr));
  ASSERT_EQ(PQresultStatus(prep.get()), PGRES_COMMAND_OK) << PQresultErrorMessage(prep.get());
  Result d(PQdescribePrepared(c.get(), "eq_ret_ins"));
  ASSERT_EQ(PQresultStatus(d.get()), PGRES_COMMAND_OK) << PQresultErrorMessage(d.get());
  ASSERT_EQ(PQnfields(d.get()), 2);
  EXPECT_STREQ(PQfname(d.get(), 0), "id");
  EXPECT_STREQ(PQfname(d.get(), 1), "v");
  EXPECT_EQ(PQftype(d.get(), 0), 23u);
  EXPECT_EQ(query_value(c.get(), "SELECT count(*) FROM eq_ret"), "0") << "Describe executed the INSERT";

  const char *vals[] = {"5", "five"};
  Result r(PQexecPrepared(c.get(), "eq_ret_ins", 2, vals, nullptr, nullptr, 0));
  ASSERT_EQ(PQresultStatus(r.get()), PGRES_TUPLES_OK) << PQresultErrorMessage(r.get());
  ASSERT_EQ(PQntuples(r.get()), 1);
  EXPECT_EQ(value_bytes(r.get(), 0, 0), "5");
  EXPECT_EQ(value_bytes(r.get(), 0, 1), "five");
  EXPECT_STREQ(PQcmdStatus(r.get()), "INSERT 0 1");
  EXPECT_EQ(query_value(c.get(), "SELECT count(*) FROM eq_ret"), "1");
  exec_ok(c.get(), "DROP TABLE eq_ret");
}

TEST_F(ExtendedQuery, PortalDescribeWithoutExecuteRunsNothing) {
  Conn admin = conn();
  ASSERT_TRUE(admin);
  exec_ok(admin.get(), "CREATE TABLE eq_portal_ret (id integer)");
  Wire w = Wire::session(server());
  ASSERT_TRUE(w.ok());
  auto msgs = roundtrip(w, msg_parse("", "INSERT INTO eq_portal_ret VALUES ($1) RETURNING id * 2 AS doubled", {23}) +
                               msg_bind("", "", {std::string("21")}) + msg_describe('P', "") + msg_sync());
  ASSERT_EQ(strip_types(msgs), "12TZ") << types_of(msgs);
  auto fields = row_description(msgs[2]);
  ASSERT_EQ(fields.size(), 1u);
  EXPECT_EQ(fields[0].name, "doubled");
  EXPECT_EQ(fields[0].type_oid, 23u);
  EXPECT_EQ(query_value(admin.get(), "SELECT count(*) FROM eq_portal_ret"), "0");

  msgs = roundtrip(w, msg_parse("", "INSERT INTO eq_portal_ret VALUES ($1) RETURNING id * 2 AS doubled", {23}) +
                          msg_bind("", "", {std::string("21")}) + msg_describe('P', "") + msg_execute("", 0) +
                          msg_sync());
  ASSERT_EQ(strip_types(msgs), "12TDCZ") << types_of(msgs);
  EXPECT_EQ(data_row(msgs[3])[0], "42");
  EXPECT_EQ(command_tag(msgs[4]), "INSERT 0 1");
  EXPECT_EQ(query_value(admin.get(), "SELECT count(*) FROM eq_portal_ret"), "1");
  exec_ok(admin.get(), "DROP TABLE eq_portal_ret");
}

TEST_F(ExtendedQuery, StatementDescribeOfCommandWithoutRowsIsNoData) {
  Conn admin = conn();
  ASSERT_TRUE(admin);
  exec_ok(admin.get(), "CREATE TABLE eq_nodata (id integer)");
  Wire w = Wire::session(server());
  ASSERT_TRUE(w.ok());
  auto msgs = roundtrip(w, msg_parse("eq_nd", "INSERT INTO eq_nodata VALUES ($1)") + msg_describe('S', "eq_nd") + msg_sync());
  ASSERT_EQ(strip_types(msgs), "1tnZ") << types_of(msgs);
  EXPECT_EQ(parameter_description(msgs[1]), std::vector<uint32_t>{23});
  exec_ok(admin.get(), "DROP TABLE eq_nodata");
}

TEST_F(ExtendedQuery, ExecuteRowLimitSuspendsPortal) {
  Wire w = Wire::session(server());
  ASSERT_TRUE(w.ok());
  auto msgs = roundtrip(w, msg_parse("", "SELECT x FROM generate_series(1, 5) AS t(x) ORDER BY x") +
                               msg_bind("eq_p1", "", {}) + msg_execute("eq_p1", 2) + msg_execute("eq_p1", 2) +
                               msg_execute("eq_p1", 2) + msg_sync());
  ASSERT_EQ(strip_types(msgs), "12DDsDDsDCZ") << types_of(msgs);
  std::vector<std::string> got;
  for (const auto &m : msgs)
    if (m.type == 'D') got.push_back(*data_row(m)[0]);
  EXPECT_EQ(got, (std::vector<std::string>{"1", "2", "3", "4", "5"}));
  // The tag counts the rows of the final Execute only.
  EXPECT_EQ(command_tag(msgs[9]), "SELECT 1");
  EXPECT_EQ(msgs.back().body, "I");
}

TEST_F(ExtendedQuery, ExactRowLimitStillSuspends) {
  Wire w = Wire::session(server());
  ASSERT_TRUE(w.ok());
  // A limit equal to the row count suspends: the server cannot know no row follows until it looks.
  auto msgs = roundtrip(w, msg_parse("", "SELECT x FROM generate_series(1, 2) AS t(x) ORDER BY x") +
                               msg_bind("", "", {}) + msg_execute("", 2) + msg_execute("", 0) + msg_sync());
  ASSERT_EQ(strip_types(msgs), "12DDsCZ") << types_of(msgs);
  EXPECT_EQ(command_tag(msgs[5]), "SELECT 0");
}

TEST_F(ExtendedQuery, NamedPortalsInterleaveInsideATransaction) {
  Wire w = Wire::session(server());
  ASSERT_TRUE(w.ok());
  auto begin = roundtrip(w, msg_query("BEGIN"));
  ASSERT_EQ(begin.back().body, "T");
  std::string sql = "SELECT x * $1::integer AS v FROM generate_series(1, 3) AS t(x) ORDER BY x";
  auto msgs = roundtrip(w, msg_parse("eq_scaled", sql) + msg_bind("pa", "eq_scaled", {std::string("10")}) +
                               msg_bind("pb", "eq_scaled", {std::string("100")}) + msg_execute("pa", 1) +
                               msg_execute("pb", 1) + msg_execute("pa", 0) + msg_execute("pb", 0) + msg_sync());
  ASSERT_EQ(strip_types(msgs), "122DsDsDDCDDCZ") << types_of(msgs);
  std::vector<std::string> got;
  for (const auto &m : msgs)
    if (m.type == 'D') got.push_back(*data_row(m)[0]);
  EXPECT_EQ(got, (std::vector<std::string>{"10", "100", "20", "30", "200", "300"}));
  EXPECT_EQ(msgs.back().body, "T");
  // Portals of a transaction block outlive Sync: fetch-size style paging across round trips.
  msgs = roundtrip(w, msg_bind("pc", "eq_scaled", {std::string("7")}) + msg_execute("pc", 1) + msg_sync());
  ASSERT_EQ(strip_types(msgs), "2DsZ") << types_of(msgs);
  EXPECT_EQ(data_row(msgs[1])[0], "7");
  msgs = roundtrip(w, msg_execute("pc", 0) + msg_sync());
  ASSERT_EQ(strip_types(msgs), "DDCZ") << types_of(msgs);
  EXPECT_EQ(data_row(msgs[1])[0], "21");
  EXPECT_EQ(command_tag(msgs[2]), "SELECT 2");
  auto commit = roundtrip(w, msg_query("COMMIT"));
  EXPECT_EQ(commit.back().body, "I");
}

TEST_F(ExtendedQuery, ErrorSkipsMessagesUntilSync) {
  Wire w = Wire::session(server());
  ASSERT_TRUE(w.ok());
  auto msgs = roundtrip(w, msg_parse("", "SELEC 1") + msg_bind("", "", {}) + msg_describe('P', "") +
                               msg_execute("", 0) + msg_sync());
  ASSERT_EQ(strip_types(msgs), "EZ") << types_of(msgs);
  EXPECT_EQ(error_fields(msgs[0])['C'], "42601");
  EXPECT_EQ(msgs.back().body, "I");
  // A failing Execute in the middle (the failing cast reads table data, so no planner can fold it
  // into an earlier error): everything after it up to Sync is skipped.
  roundtrip(w, msg_query("CREATE TABLE eq_skip_texts (v text); INSERT INTO eq_skip_texts VALUES ('abc')"));
  msgs = roundtrip(w, msg_parse("", "SELECT CAST(v AS integer) FROM eq_skip_texts") + msg_bind("", "", {}) +
                          msg_execute("", 0) + msg_parse("eq_after", "SELECT 2") + msg_sync());
  ASSERT_EQ(strip_types(msgs), "12EZ") << types_of(msgs);
  EXPECT_EQ(error_fields(msgs[2])['C'], "22P02");
  roundtrip(w, msg_query("DROP TABLE eq_skip_texts"));
  // The skipped Parse never happened.
  msgs = roundtrip(w, msg_bind("", "eq_after", {}) + msg_sync());
  ASSERT_EQ(strip_types(msgs), "EZ") << types_of(msgs);
  EXPECT_EQ(error_fields(msgs[0])['C'], "26000");
  // And after Sync the session works normally.
  msgs = roundtrip(w, msg_parse("", "SELECT 3") + msg_bind("", "", {}) + msg_execute("", 0) + msg_sync());
  ASSERT_EQ(strip_types(msgs), "12DCZ") << types_of(msgs);
}

TEST_F(ExtendedQuery, ErrorInsideTransactionBlockReportsFailedState) {
  Wire w = Wire::session(server());
  ASSERT_TRUE(w.ok());
  roundtrip(w, msg_query("BEGIN"));
  auto msgs = roundtrip(w, msg_parse("", "SELECT * FROM eq_missing_table") + msg_sync());
  ASSERT_EQ(strip_types(msgs), "EZ") << types_of(msgs);
  EXPECT_EQ(msgs.back().body, "E");
  msgs = roundtrip(w, msg_parse("", "SELECT 1") + msg_bind("", "", {}) + msg_execute("", 0) + msg_sync());
  ASSERT_FALSE(msgs.empty());
  EXPECT_EQ(msgs[0].type, 'E');
  EXPECT_EQ(error_fields(msgs[0])['C'], "25P02");
  EXPECT_EQ(msgs.back().body, "E");
  msgs = roundtrip(w, msg_query("ROLLBACK"));
  EXPECT_EQ(msgs.back().body, "I");
}

TEST_F(ExtendedQuery, CloseStatementThenBindIs26000) {
  Wire w = Wire::session(server());
  ASSERT_TRUE(w.ok());
  auto msgs = roundtrip(w, msg_parse("eq_closing", "SELECT 1") + msg_close('S', "eq_closing") + msg_sync());
  ASSERT_EQ(strip_types(msgs), "13Z") << types_of(msgs);
  msgs = roundtrip(w, msg_bind("", "eq_closing", {}) + msg_sync());
  ASSERT_EQ(strip_types(msgs), "EZ") << types_of(msgs);
  EXPECT_EQ(error_fields(msgs[0])['C'], "26000");
  // Closing something that does not exist is not an error.
  msgs = roundtrip(w, msg_close('S', "eq_never_there") + msg_close('P', "eq_never_there") + msg_sync());
  EXPECT_EQ(strip_types(msgs), "33Z") << types_of(msgs);
}

TEST_F(ExtendedQuery, EmptyQueryThroughExtendedProtocol) {
  Wire w = Wire::session(server());
  ASSERT_TRUE(w.ok());
  auto msgs = roundtrip(w, msg_parse("", "") + msg_bind("", "", {}) + msg_describe('P', "") + msg_execute("", 0) + msg_sync());
  EXPECT_EQ(strip_types(msgs), "12nIZ") << types_of(msgs);
}

TEST_F(ExtendedQuery, FlushDeliversWithoutSync) {
  Wire w = Wire::session(server());
  ASSERT_TRUE(w.ok());
  ASSERT_TRUE(w.send(msg_parse("eq_flush", "SELECT 1") + msg_flush()));
  Msg m;
  ASSERT_EQ(w.read_msg(m, std::chrono::seconds(10)), ReadStatus::kOk);
  EXPECT_EQ(m.type, '1');
  auto rest = roundtrip(w, msg_sync());
  EXPECT_EQ(strip_types(rest), "Z");
}

TEST_F(ExtendedQuery, ResultFormatCodesAreReportedInRowDescription) {
  Wire w = Wire::session(server());
  ASSERT_TRUE(w.ok());
  auto msgs = roundtrip(w, msg_parse("", "SELECT 1::integer AS a, 'x'::text AS b") + msg_bind("", "", {}, {}, {1, 0}) +
                               msg_describe('P', "") + msg_execute("", 0) + msg_sync());
  ASSERT_EQ(strip_types(msgs), "12TDCZ") << types_of(msgs);
  auto fields = row_description(msgs[2]);
  ASSERT_EQ(fields.size(), 2u);
  EXPECT_EQ(fields[0].format, 1);
  EXPECT_EQ(fields[1].format, 0);
  auto row = data_row(msgs[3]);
  EXPECT_EQ(row[0], be32(1));
  EXPECT_EQ(row[1], "x");
}

TEST_F(ExtendedQuery, BindParameterCountMismatchIsProtocolViolation) {
  Wire w = Wire::session(server());
  ASSERT_TRUE(w.ok());
  auto msgs = roundtrip(w, msg_parse("eq_two", "SELECT $1::integer + $2::integer") +
                               msg_bind("", "eq_two", {std::string("1")}) + msg_execute("", 0) + msg_sync());
  ASSERT_EQ(strip_types(msgs), "1EZ") << types_of(msgs);
  EXPECT_EQ(error_fields(msgs[1])['C'], "08P01");
}

TEST_F(ExtendedQuery, UnknownPortalIs34000) {
  Wire w = Wire::session(server());
  ASSERT_TRUE(w.ok());
  auto msgs = roundtrip(w, msg_execute("eq_no_portal", 0) + msg_sync());
  ASSERT_EQ(strip_types(msgs), "EZ") << types_of(msgs);
  EXPECT_EQ(error_fields(msgs[0])['C'], "34000");
  msgs = roundtrip(w, msg_describe('P', "eq_no_portal") + msg_sync());
  ASSERT_EQ(strip_types(msgs), "EZ") << types_of(msgs);
  EXPECT_EQ(error_fields(msgs[0])['C'], "34000");
}

}  // namespace
}  // namespace mallard::it
