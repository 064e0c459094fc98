// version() in PostgreSQL's form, and the TimeZone setting with numeric offsets, POSIX strings and
// intervals read as PostgreSQL reads them.

#include <regex>
#include <string>

#include "support/server.hpp"

namespace mallard::it {
namespace {

class VersionTimeZone : public ServerSuite<VersionTimeZone> {};

TEST_F(VersionTimeZone, VersionHasPostgresForm) {
  Conn c = conn();
  ASSERT_TRUE(c);
  std::string v = query_value(c.get(), "SELECT version()");
  // What tools parse: "PostgreSQL <major>.<minor> ... on <platform>, compiled by <compiler>, 64-bit".
  std::smatch m;
  ASSERT_TRUE(std::regex_match(v, m, std::regex(R"(PostgreSQL (\d+)\.(\d+)\b.* on [a-z0-9_]+-[a-z0-9_-]+, compiled by .+, 64-bit)")))
      << v;
  EXPECT_EQ(m[1].str(), "15") << v;
  std::string server_version = PQparameterStatus(c.get(), "server_version");
  EXPECT_EQ(server_version.rfind(m[1].str() + "." + m[2].str(), 0), 0u) << server_version;
  EXPECT_EQ(query_value(c.get(), "SELECT pg_catalog.version() = version()"), "t");
  EXPECT_EQ(query_value(c.get(), "SHOW server_version_num"),
            m[1].str() + (m[2].str().size() == 1 ? "000" : "00") + m[2].str());
  if (!reference_mode()) EXPECT_NE(v.find("Mallard"), std::string::npos) << v;
}

TEST_F(VersionTimeZone, CurrentSettingReadsSessionSettings) {
  Conn c = conn();
  ASSERT_TRUE(c);
  EXPECT_EQ(query_value(c.get(), "SELECT current_setting('server_version_num')"),
            query_value(c.get(), "SHOW server_version_num"));
  EXPECT_EQ(query_value(c.get(), "SELECT pg_catalog.current_setting('DateStyle')"), "ISO, MDY");
  exec_ok(c.get(), "SET application_name = 'vt-app'");
  EXPECT_EQ(query_value(c.get(), "SELECT current_setting('application_name')"), "vt-app");
  exec_ok(c.get(), "SET TIME ZONE -5");
  EXPECT_EQ(query_value(c.get(), "SELECT current_setting('TimeZone')"), "<-05>+05");
  exec_ok(c.get(), "SET myapp.flag = 'on'");
  EXPECT_EQ(query_value(c.get(), "SELECT current_setting('myapp.flag')"), "on");
  EXPECT_EQ(query_value(c.get(), "SELECT current_setting('no_such.setting', true)"), "<NULL>");
  SqlError e = exec_error(c.get(), "SELECT current_setting('no_such_setting')");
  EXPECT_EQ(e.sqlstate, "42704") << e;
  EXPECT_EQ(e.message, "unrecognized configuration parameter \"no_such_setting\"");
}

struct ZoneCase {
  const char *set;    // statement
  const char *shown;  // SHOW TimeZone / ParameterStatus
  const char *noon;   // '2024-01-01 12:00:00+00'::timestamptz as text
};

TEST_F(VersionTimeZone, NumericOffsetsPosixStringsAndIntervals) {
  Conn c = conn();
  ASSERT_TRUE(c);
  const ZoneCase cases[] = {
      // A number of hours: ISO sign (east of UTC is positive).
      {"SET TIME ZONE -5", "<-05>+05", "2024-01-01 07:00:00-05"},
      {"SET TIME ZONE 3", "<+03>-03", "2024-01-01 15:00:00+03"},
      {"SET TimeZone = '-3'", "<-03>+03", "2024-01-01 09:00:00-03"},
      {"SET TIME ZONE 0", "<+00>-00", "2024-01-01 12:00:00+00"},
      // An interval: ISO sign.
      {"SET TIME ZONE INTERVAL '-08:00' HOUR TO MINUTE", "<-08>+08", "2024-01-01 04:00:00-08"},
      {"SET TIME ZONE INTERVAL '+02:00'", "<+02>-02", "2024-01-01 14:00:00+02"},
      // POSIX strings: the offset counts hours west of UTC.
      {"SET TIME ZONE '+02:00'", "+02:00", "2024-01-01 10:00:00-02"},
      {"SET TimeZone = 'UTC+2'", "UTC+2", "2024-01-01 10:00:00-02"},
      {"SET TimeZone TO 'EST5'", "EST5", "2024-01-01 07:00:00-05"},
      // Names.
      {"SET TIME ZONE 'Europe/Berlin'", "Europe/Berlin", "2024-01-01 13:00:00+01"},
      {"SET TimeZone = 'UTC'", "UTC", "2024-01-01 12:00:00+00"},
  };
  for (const auto &k : cases) {
    exec_ok(c.get(), k.set);
    EXPECT_EQ(query_value(c.get(), "SHOW TimeZone"), k.shown) << k.set;
    const char *reported = PQparameterStatus(c.get(), "TimeZone");
    EXPECT_STREQ(reported ? reported : "", k.shown) << k.set;
    EXPECT_EQ(query_value(c.get(), "SELECT TIMESTAMPTZ '2024-01-01 12:00:00+00'"), k.noon) << k.set;
  }
  // Times without an offset are read in the session's zone.
  exec_ok(c.get(), "SET TIME ZONE '+02:00'");
  EXPECT_EQ(query_value(c.get(), "SELECT CAST(EXTRACT(epoch FROM TIMESTAMPTZ '1970-01-01 00:00:00') AS integer)"), "7200");
  exec_ok(c.get(), "SET TIME ZONE -5");
  EXPECT_EQ(query_value(c.get(), "SELECT CAST(EXTRACT(hour FROM TIMESTAMPTZ '2024-01-01 12:00:00+00') AS integer)"), "7");
  // LOCAL and DEFAULT go back to the server's zone; unknown names are 22023.
  exec_ok(c.get(), "SET TIME ZONE LOCAL");
  exec_ok(c.get(), "RESET TimeZone");
  SqlError e = exec_error(c.get(), "SET TimeZone = 'Nowhere/Special'");
  EXPECT_EQ(e.sqlstate, "22023") << e;
  EXPECT_EQ(e.message, "invalid value for parameter \"TimeZone\": \"Nowhere/Special\"");
}

TEST_F(VersionTimeZone, OffsetsDuckDbCannotComputeWithAreRefused) {
  SKIP_IN_REFERENCE("PostgreSQL accepts any fixed offset");
  Conn c = conn();
  ASSERT_TRUE(c);
  exec_ok(c.get(), "SET TimeZone = 'UTC'");
  // DuckDB's zones with a fixed offset are whole hours: half-hour offsets would compute wrongly.
  for (const char *sql : {"SET TIME ZONE 5.5", "SET TIME ZONE INTERVAL '+05:30' HOUR TO MINUTE", "SET TIME ZONE 20"}) {
    SqlError e = exec_error(c.get(), sql);
    EXPECT_EQ(e.sqlstate, "0A000") << sql << ": " << e;
  }
  EXPECT_EQ(query_value(c.get(), "SHOW TimeZone"), "UTC");  // unchanged
}

}  // namespace
}  // namespace mallard::it
