#include <unistd.h>
// COPY FROM STDIN / TO STDOUT in text, CSV (HEADER, DELIMITER, NULL, QUOTE) and binary formats.

#include <string>
#include <vector>

#include "support/server.hpp"
#include "support/wire.hpp"

namespace mallard::it {
namespace {

class Copy : public ServerSuite<Copy> {};

// Runs a COPY ... FROM STDIN, feeding `chunks` one PQputCopyData each; `abort_reason` ends it with
// CopyFail instead of CopyDone. Returns the final result.
Result copy_in(PGconn *c, const std::string &sql, const std::vector<std::string> &chunks,
               const char *abort_reason = nullptr) {
  Result start = exec(c, sql);
  if (PQresultStatus(start.get()) != PGRES_COPY_IN) {
    return start;
  }
  EXPECT_EQ(PQnfields(start.get()) >= 0, true);
  for (const auto &chunk : chunks) EXPECT_EQ(PQputCopyData(c, chunk.data(), static_cast<int>(chunk.size())), 1);
  EXPECT_EQ(PQputCopyEnd(c, abort_reason), 1);
  Result done(PQgetResult(c));
  while (PGresult *extra = PQgetResult(c)) PQclear(extra);
  return done;
}

struct CopyOut {
  std::string data;
  std::string tag;
  bool ok = false;
  int binary_format = -1;
};

CopyOut copy_out(PGconn *c, const std::string &sql) {
  CopyOut out;
  Result start = exec(c, sql);
  if (PQresultStatus(start.get()) != PGRES_COPY_OUT) {
    ADD_FAILURE() << sql << ": " << PQresultErrorMessage(start.get());
    return out;
  }
  out.binary_format = PQbinaryTuples(start.get());
  char *buf = nullptr;
  int n;
  while ((n = PQgetCopyData(c, &buf, 0)) > 0) {
    out.data.append(buf, static_cast<size_t>(n));
    PQfreemem(buf);
  }
  EXPECT_EQ(n, -1) << PQerrorMessage(c);
  Result done(PQgetResult(c));
  out.ok = PQresultStatus(done.get()) == PGRES_COMMAND_OK;
  EXPECT_TRUE(out.ok) << PQresultErrorMessage(done.get());
  out.tag = PQcmdStatus(done.get());
  while (PGresult *extra = PQgetResult(c)) PQclear(extra);
  return out;
}

const std::string kPgCopySignature = std::string("PGCOPY\n\xff\r\n", 10) + std::string(1, '\0');

TEST_F(Copy, TextInAndOut) {
  Conn c = conn();
  ASSERT_TRUE(c);
  exec_ok(c.get(), "CREATE TABLE cp_text (id integer, name text, note text)");
  const std::string data = "1\tone\t\\N\n2\ttwo\\tTab\tx\n3\t\\\\back\t\n";
  // Chunk boundaries in the middle of rows and escapes.
  Result r = copy_in(c.get(), "COPY cp_text FROM STDIN", {data.substr(0, 5), data.substr(5, 14), data.substr(19)});
  ASSERT_EQ(PQresultStatus(r.get()), PGRES_COMMAND_OK) << PQresultErrorMessage(r.get());
  EXPECT_STREQ(PQcmdStatus(r.get()), "COPY 3");
  auto rows = query_rows(c.get(), "SELECT id, name, note FROM cp_text ORDER BY id");
  ASSERT_EQ(rows.size(), 3u);
  EXPECT_EQ(rows[0][2], std::nullopt);
  EXPECT_EQ(rows[1][1], "two\tTab");
  EXPECT_EQ(rows[2][1], "\\back");
  EXPECT_EQ(rows[2][2], "");
  CopyOut out = copy_out(c.get(), "COPY (SELECT * FROM cp_text ORDER BY id) TO STDOUT");
  EXPECT_EQ(out.data, data);
  EXPECT_EQ(out.tag, "COPY 3");
  EXPECT_EQ(out.binary_format, 0);
  out = copy_out(c.get(), "COPY cp_text TO STDOUT");
  EXPECT_EQ(out.tag, "COPY 3");
  EXPECT_EQ(out.data.size(), data.size());
  exec_ok(c.get(), "DROP TABLE cp_text");
}

// Text and CSV fields are read as PostgreSQL reads them where DuckDB's casts from text differ:
// timestamptz offsets and the session's time zone, booleans such as 'off', bytea hex, arrays.
// Intervals in PostgreSQL's text forms (DuckDB's appender has no cast from text to interval).
TEST_F(Copy, IntervalFieldsInText) {
  Conn c = conn();
  ASSERT_TRUE(c);
  exec_ok(c.get(), "DROP TABLE IF EXISTS cp_iv");
  exec_ok(c.get(), "CREATE TABLE cp_iv (id integer, d interval)");
  // PostgreSQL's verbose form, ISO 8601, SQL-standard fields and its own output with '+' signs.
  Result r = copy_in(c.get(), "COPY cp_iv FROM STDIN",
                     {"1\t1 day 02:00:00\n2\t@ 1 hour\n3\t1 year 2 mons 3 days 04:05:06.5\n4\t-00:30:00\n5\t\\N\n"
                      "7\tP1Y2M3DT4H5M6S\n8\t1-2 3 4:05:06\n9\t-1 days +02:03:00\n"});
  ASSERT_EQ(PQresultStatus(r.get()), PGRES_COMMAND_OK) << PQresultErrorMessage(r.get());
  const std::vector<Row> want = {{"1", "1 day 02:00:00"}, {"2", "01:00:00"}, {"3", "1 year 2 mons 3 days 04:05:06.5"},
                                 {"4", "-00:30:00"}, {"5", std::nullopt}, {"7", "1 year 2 mons 3 days 04:05:06"},
                                 {"8", "1 year 2 mons 3 days 04:05:06"}, {"9", "-1 days +02:03:00"}};
  EXPECT_EQ(query_rows(c.get(), "SELECT id, d FROM cp_iv ORDER BY id"), want);
  Result bad = copy_in(c.get(), "COPY cp_iv FROM STDIN", {"6\tbogus\n"});
  EXPECT_EQ(PQresultStatus(bad.get()), PGRES_FATAL_ERROR);
  EXPECT_EQ(error_of(bad.get()).sqlstate, "22007");
  EXPECT_EQ(query_value(c.get(), "SELECT count(*) FROM cp_iv"), "8");
  // The same forms as constants and as text parameters.
  EXPECT_EQ(query_rows(c.get(), "SELECT 'P1DT2H'::interval, INTERVAL '1-2', CAST('1 2:03:04' AS interval), "
                                "'-1 days +02:03:00'::interval, 'PT0.5S'::interval"),
            (std::vector<Row>{{"1 day 02:00:00", "1 year 2 mons", "1 day 02:03:04", "-1 days +02:03:00", "00:00:00.5"}}));
  Oid types[] = {1186};
  const char *values[] = {"P2W"};
  Result p(PQexecParams(c.get(), "SELECT $1::interval", 1, types, values, nullptr, nullptr, 0));
  ASSERT_EQ(PQresultStatus(p.get()), PGRES_TUPLES_OK) << PQresultErrorMessage(p.get());
  EXPECT_EQ(std::string(PQgetvalue(p.get(), 0, 0)), "14 days");
}

TEST_F(Copy, TextFieldsReadAsPostgresReadsThem) {
  Conn c = conn();
  ASSERT_TRUE(c);
  exec_ok(c.get(), "CREATE TABLE cp_typed (ts timestamptz, tags text[], b boolean, bin bytea)");
  const std::string data =
      "2024-01-01 10:00:00+02\t{a,b}\toff\t\\\\x0102\n"
      "2024-01-01 10:00:00\t{}\tt\t\\\\x\n"
      "2024-07-01 10:00:00.5-04:30\t{\"x y\",NULL}\tyes\t\\\\xff\n"
      "2024-01-01 10:00:00 America/New_York\t\\N\tno\t\\N\n"
      "2024-01-01T10:00Z\t{c}\t1\t\\N\n"
      "infinity\t\\N\t\\N\t\\N\n";
  for (const char *zone : {"UTC", "Europe/Paris"}) {
    exec_ok(c.get(), std::string("SET TimeZone = '") + zone + "'");
    Result r = copy_in(c.get(), "COPY cp_typed FROM STDIN", {data});
    ASSERT_EQ(PQresultStatus(r.get()), PGRES_COMMAND_OK) << PQresultErrorMessage(r.get());
    exec_ok(c.get(), "SET TimeZone = 'UTC'");
    auto rows = query_rows(c.get(), "SELECT ts, tags, b, bin FROM cp_typed ORDER BY ts");
    ASSERT_EQ(rows.size(), 6u) << zone;
    EXPECT_EQ(*rows[5][0], "infinity");
    const bool paris = std::string(zone) != "UTC";
    EXPECT_EQ(*rows[0][0], "2024-01-01 08:00:00+00") << zone;
    EXPECT_EQ(*rows[0][1], "{a,b}");
    EXPECT_EQ(*rows[0][2], "f");
    EXPECT_EQ(*rows[0][3], "\\x0102");
    // Without an offset: the session's time zone when the COPY ran.
    EXPECT_EQ(*rows[paris ? 1 : 2][0], paris ? "2024-01-01 09:00:00+00" : "2024-01-01 10:00:00+00") << zone;
    EXPECT_EQ(*rows[paris ? 2 : 1][0], "2024-01-01 10:00:00+00") << zone;  // Z
    EXPECT_EQ(*rows[3][0], "2024-01-01 15:00:00+00");                      // a zone name
    EXPECT_EQ(*rows[4][0], "2024-07-01 14:30:00.5+00");
    EXPECT_EQ(*rows[4][1], "{\"x y\",NULL}");
    EXPECT_EQ(*rows[4][2], "t");
    EXPECT_EQ(*rows[4][3], "\\xff");
    exec_ok(c.get(), "TRUNCATE cp_typed");
  }
  // A malformed value fails the COPY and leaves nothing behind.
  Result bad = copy_in(c.get(), "COPY cp_typed FROM STDIN", {"2024-01-01 10:00:00+02\t{a}\tt\t\\N\n2024-02-30 10:00:00+00\t{}\tt\t\\N\n"});
  EXPECT_EQ(PQresultStatus(bad.get()), PGRES_FATAL_ERROR);
  EXPECT_EQ(query_value(c.get(), "SELECT count(*) FROM cp_typed"), "0");
  exec_ok(c.get(), "DROP TABLE cp_typed");
}

TEST_F(Copy, CopyOfAQueryReportsRowCount) {
  Conn c = conn();
  ASSERT_TRUE(c);
  CopyOut out = copy_out(c.get(), "COPY (SELECT * FROM generate_series(1, 5)) TO STDOUT");
  EXPECT_EQ(out.data, "1\n2\n3\n4\n5\n");
  EXPECT_EQ(out.tag, "COPY 5");
}

TEST_F(Copy, CsvInWithHeaderDelimiterNullAndQuotes) {
  Conn c = conn();
  ASSERT_TRUE(c);
  exec_ok(c.get(), "CREATE TABLE cp_csv (id integer, name text, note text)");
  const std::string data =
      "id;name;note\n"
      "1;\"semi;colon\";NA\n"
      "2;\"line\nbreak\";\"\"\n"
      "3;plain;\"quoted \"\"q\"\"\"\n";
  Result r = copy_in(c.get(), "COPY cp_csv FROM STDIN WITH (FORMAT csv, HEADER true, DELIMITER ';', NULL 'NA')", {data});
  ASSERT_EQ(PQresultStatus(r.get()), PGRES_COMMAND_OK) << PQresultErrorMessage(r.get());
  EXPECT_STREQ(PQcmdStatus(r.get()), "COPY 3");
  auto rows = query_rows(c.get(), "SELECT id, name, note FROM cp_csv ORDER BY id");
  ASSERT_EQ(rows.size(), 3u);
  EXPECT_EQ(rows[0][1], "semi;colon");
  EXPECT_EQ(rows[0][2], std::nullopt);
  EXPECT_EQ(rows[1][1], "line\nbreak");
  EXPECT_EQ(rows[1][2], "");
  EXPECT_EQ(rows[2][2], "quoted \"q\"");

  CopyOut out = copy_out(c.get(), "COPY (SELECT * FROM cp_csv ORDER BY id) TO STDOUT WITH (FORMAT csv, HEADER)");
  EXPECT_EQ(out.data,
            "id,name,note\n"
            "1,semi;colon,\n"
            "2,\"line\nbreak\",\"\"\n"
            "3,plain,\"quoted \"\"q\"\"\"\n");
  EXPECT_EQ(out.tag, "COPY 3");
  // An empty string is quoted only when it could be mistaken for the NULL string.
  out = copy_out(c.get(), "COPY (SELECT * FROM cp_csv ORDER BY id) TO STDOUT WITH (FORMAT csv, DELIMITER '|', NULL 'NULL')");
  EXPECT_EQ(out.data,
            "1|semi;colon|NULL\n"
            "2|\"line\nbreak\"|\n"
            "3|plain|\"quoted \"\"q\"\"\"\n");
  exec_ok(c.get(), "DROP TABLE cp_csv");
}

TEST_F(Copy, CsvCustomQuoteCharacter) {
  Conn c = conn();
  ASSERT_TRUE(c);
  exec_ok(c.get(), "CREATE TABLE cp_quote (id integer, name text)");
  Result r = copy_in(c.get(), "COPY cp_quote FROM STDIN WITH (FORMAT csv, QUOTE '''')", {"1,'a,b'\n2,'it''s'\n"});
  ASSERT_EQ(PQresultStatus(r.get()), PGRES_COMMAND_OK) << PQresultErrorMessage(r.get());
  EXPECT_STREQ(PQcmdStatus(r.get()), "COPY 2");
  auto rows = query_rows(c.get(), "SELECT name FROM cp_quote ORDER BY id");
  ASSERT_EQ(rows.size(), 2u);
  EXPECT_EQ(rows[0][0], "a,b");
  EXPECT_EQ(rows[1][0], "it's");
  CopyOut out = copy_out(c.get(), "COPY (SELECT * FROM cp_quote ORDER BY id) TO STDOUT WITH (FORMAT csv, QUOTE '''')");
  EXPECT_EQ(out.data, "1,'a,b'\n2,'it''s'\n");
  exec_ok(c.get(), "DROP TABLE cp_quote");
}

TEST_F(Copy, BinaryOutIsPgcopyFormat) {
  Conn c = conn();
  ASSERT_TRUE(c);
  exec_ok(c.get(), "CREATE TABLE cp_bin (id integer, name text, n bigint)");
  exec_ok(c.get(), "INSERT INTO cp_bin VALUES (1, 'a', NULL), (2, 'bc', 5)");
  CopyOut out = copy_out(c.get(), "COPY (SELECT * FROM cp_bin ORDER BY id) TO STDOUT WITH (FORMAT binary)");
  std::string want = kPgCopySignature + be32(0) + be32(0) +                            //
                     be16(3) + be32(4) + be32(1) + be32(1) + "a" + be32(-1) +           //
                     be16(3) + be32(4) + be32(2) + be32(2) + "bc" + be32(8) + be64(5) +  //
                     be16(-1);
  EXPECT_EQ(out.data, want);
  EXPECT_EQ(out.tag, "COPY 2");
  EXPECT_EQ(out.binary_format, 1);
  exec_ok(c.get(), "DROP TABLE cp_bin");
}

TEST_F(Copy, BinaryIn) {
  Conn c = conn();
  ASSERT_TRUE(c);
  exec_ok(c.get(), "CREATE TABLE cp_bin_in (id integer, name text, n bigint)");
  std::string data = kPgCopySignature + be32(0) + be32(0) +                                //
                     be16(3) + be32(4) + be32(7) + be32(5) + "seven" + be32(8) + be64(-7) +  //
                     be16(3) + be32(4) + be32(8) + be32(-1) + be32(-1) +                    //
                     be16(-1);
  Result r = copy_in(c.get(), "COPY cp_bin_in FROM STDIN WITH (FORMAT binary)", {data.substr(0, 7), data.substr(7)});
  ASSERT_EQ(PQresultStatus(r.get()), PGRES_COMMAND_OK) << PQresultErrorMessage(r.get());
  EXPECT_STREQ(PQcmdStatus(r.get()), "COPY 2");
  auto rows = query_rows(c.get(), "SELECT id, name, n FROM cp_bin_in ORDER BY id");
  ASSERT_EQ(rows.size(), 2u);
  EXPECT_EQ(rows[0], (Row{"7", "seven", "-7"}));
  EXPECT_EQ(rows[1], (Row{"8", std::nullopt, std::nullopt}));
  exec_ok(c.get(), "DROP TABLE cp_bin_in");
}

TEST_F(Copy, BadTextDataIs22P02AndLoadsNothing) {
  Conn c = conn();
  ASSERT_TRUE(c);
  exec_ok(c.get(), "CREATE TABLE cp_bad (id integer, name text)");
  Result r = copy_in(c.get(), "COPY cp_bad FROM STDIN", {"1\tok\nnot_a_number\tbad\n3\tok\n"});
  ASSERT_EQ(PQresultStatus(r.get()), PGRES_FATAL_ERROR);
  EXPECT_EQ(error_of(r.get()).sqlstate, "22P02") << error_of(r.get());
  EXPECT_EQ(PQtransactionStatus(c.get()), PQTRANS_IDLE);
  EXPECT_EQ(query_value(c.get(), "SELECT count(*) FROM cp_bad"), "0");
  // A short row names the first column it lacks, with or without a column list (22P04).
  for (auto [sql, missing] : {std::pair{"COPY cp_bad FROM STDIN", "name"}, std::pair{"COPY cp_bad (name, id) FROM STDIN", "id"}}) {
    Result short_row = copy_in(c.get(), sql, {"1\n"});
    ASSERT_EQ(PQresultStatus(short_row.get()), PGRES_FATAL_ERROR);
    EXPECT_EQ(error_of(short_row.get()).sqlstate, "22P04");
    EXPECT_EQ(error_of(short_row.get()).message, std::string("missing data for column \"") + missing + "\"");
  }
  exec_ok(c.get(), "DROP TABLE cp_bad");
}

TEST_F(Copy, ClientAbortIs57014AndLoadsNothing) {
  Conn c = conn();
  ASSERT_TRUE(c);
  exec_ok(c.get(), "CREATE TABLE cp_abort (id integer)");
  Result r = copy_in(c.get(), "COPY cp_abort FROM STDIN", {"1\n2\n"}, "client gave up");
  ASSERT_EQ(PQresultStatus(r.get()), PGRES_FATAL_ERROR);
  EXPECT_EQ(error_of(r.get()).sqlstate, "57014") << error_of(r.get());
  EXPECT_EQ(query_value(c.get(), "SELECT count(*) FROM cp_abort"), "0");
  exec_ok(c.get(), "DROP TABLE cp_abort");
}

TEST_F(Copy, ServerFilesOnlyUnderTheWarehouseDataPath) {
  Conn c = conn();
  ASSERT_TRUE(c);
  exec_ok(c.get(), "CREATE TABLE cp_file AS SELECT range AS x FROM range(7)");
  std::string inside = server().data_dir() + "/warehouses/mallard/cp_file.csv";
  EXPECT_EQ(exec_ok(c.get(), "COPY cp_file TO '" + inside + "'"), "COPY 7");
  EXPECT_EQ(exec_ok(c.get(), "COPY cp_file FROM '" + inside + "'"), "COPY 7");
  EXPECT_EQ(query_value(c.get(), "SELECT count(*) FROM cp_file"), "14");
  SqlError e = exec_error(c.get(), "COPY cp_file TO '/tmp/mallard-outside-" + std::to_string(getpid()) + ".csv'");
  EXPECT_EQ(e.sqlstate, "42501") << e;
  e = exec_error(c.get(), "SELECT * FROM read_csv('/etc/passwd')");
  EXPECT_EQ(e.sqlstate, "42501") << e;
  exec_ok(c.get(), "DROP TABLE cp_file");
}

TEST_F(Copy, CopyIntoMissingTableIs42P01) {
  Conn c = conn();
  ASSERT_TRUE(c);
  Result r = exec(c.get(), "COPY cp_no_such_table FROM STDIN");
  ASSERT_EQ(PQresultStatus(r.get()), PGRES_FATAL_ERROR);
  EXPECT_EQ(error_of(r.get()).sqlstate, "42P01");
  EXPECT_EQ(query_value(c.get(), "SELECT 1"), "1");
}

TEST_F(Copy, RolledBackCopyLeavesNoRows) {
  Conn c = conn();
  ASSERT_TRUE(c);
  exec_ok(c.get(), "CREATE TABLE cp_tx (id integer)");
  exec_ok(c.get(), "BEGIN");
  Result r = copy_in(c.get(), "COPY cp_tx FROM STDIN", {"1\n2\n3\n"});
  EXPECT_STREQ(PQcmdStatus(r.get()), "COPY 3");
  EXPECT_EQ(PQtransactionStatus(c.get()), PQTRANS_INTRANS);
  exec_ok(c.get(), "ROLLBACK");
  EXPECT_EQ(query_value(c.get(), "SELECT count(*) FROM cp_tx"), "0");
  exec_ok(c.get(), "DROP TABLE cp_tx");
}

TEST_F(Copy, LargeTextCopyIn) {
  Conn c = conn();
  ASSERT_TRUE(c);
  exec_ok(c.get(), "CREATE TABLE cp_large (id integer, label text)");
  std::vector<std::string> chunks;
  std::string chunk;
  for (int i = 1; i <= 50000; ++i) {
    chunk += std::to_string(i) + "\tlabel number " + std::to_string(i) + "\n";
    if (chunk.size() > 8000) {
      chunks.push_back(std::move(chunk));
      chunk.clear();
    }
  }
  chunks.push_back(chunk);
  Result r = copy_in(c.get(), "COPY cp_large FROM STDIN", chunks);
  ASSERT_EQ(PQresultStatus(r.get()), PGRES_COMMAND_OK) << PQresultErrorMessage(r.get());
  EXPECT_STREQ(PQcmdStatus(r.get()), "COPY 50000");
  EXPECT_EQ(query_value(c.get(), "SELECT sum(id) FROM cp_large"), "1250025000");
  EXPECT_EQ(query_value(c.get(), "SELECT label FROM cp_large WHERE id = 31337"), "label number 31337");
  exec_ok(c.get(), "DROP TABLE cp_large");
}

// Many chunks out, whole and in order; an error in a late chunk ends the COPY with it.
TEST_F(Copy, LargeCopyOutInOrderAndALateError) {
  Conn c = conn();
  ASSERT_TRUE(c);
  CopyOut out = copy_out(c.get(), "COPY (SELECT x, 'n' || x FROM generate_series(1, 300000) AS t(x)) TO STDOUT");
  EXPECT_EQ(out.tag, "COPY 300000");
  std::string expected;
  for (int i = 1; i <= 300000; ++i) expected += std::to_string(i) + "\tn" + std::to_string(i) + "\n";
  EXPECT_TRUE(out.data == expected) << "COPY TO STDOUT sent " << out.data.size() << " bytes, not the "
                                    << expected.size() << " expected, or not in order";
  Result start = exec(c.get(), "COPY (SELECT CASE WHEN x < 250000 THEN x ELSE CAST('n' || x AS integer) END "
                               "FROM generate_series(1, 300000) AS t(x)) TO STDOUT");
  if (PQresultStatus(start.get()) == PGRES_COPY_OUT) {
    char *buf = nullptr;
    int n;
    while ((n = PQgetCopyData(c.get(), &buf, 0)) > 0) PQfreemem(buf);
    Result done(PQgetResult(c.get()));
    EXPECT_EQ(error_of(done.get()).sqlstate, "22P02") << error_of(done.get());
    while (PGresult *extra = PQgetResult(c.get())) PQclear(extra);
  } else {
    EXPECT_EQ(error_of(start.get()).sqlstate, "22P02") << error_of(start.get());
  }
  EXPECT_EQ(PQtransactionStatus(c.get()), PQTRANS_IDLE);
  EXPECT_EQ(query_value(c.get(), "SELECT 6 * 7"), "42");
}

}  // namespace
}  // namespace mallard::it
