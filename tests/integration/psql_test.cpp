// The real psql client against the server, over plain TCP and TLS, including \copy.

#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <regex>
#include <sstream>

#include "support/process.hpp"
#include "support/server.hpp"

namespace mallard::it {
namespace {

using namespace std::chrono_literals;

bool have_psql() {
  ProcessResult r = run_process({"psql", "--version"}, {}, {}, 20s);
  return r.exit_code == 0;
}

class Psql : public ServerSuite<Psql> {
 protected:
  void SetUp() override {
    if (!have_psql()) GTEST_SKIP() << "psql not installed";
    ServerSuite<Psql>::SetUp();
  }

  ProcessResult psql(std::vector<std::string> args, const std::string &sslmode = "disable", const std::string &input = {},
                     const std::string &password = {}, bool unaligned_tuples = true) {
    std::vector<std::string> argv = {"psql", "-X", "-h", "127.0.0.1", "-p", std::to_string(server().port()),
                                     "-U", kUser, "-d", kDatabase};
    if (unaligned_tuples) argv.insert(argv.begin() + 2, {"-A", "-t"});
    argv.insert(argv.end(), args.begin(), args.end());
    SpawnOptions so;
    so.env_unset = {"PG*"};
    so.env_set = {{"PGPASSWORD", password.empty() ? server().password() : password},
                  {"PGSSLMODE", sslmode},
                  {"PGCONNECT_TIMEOUT", "15"},
                  {"PGGSSENCMODE", "disable"}};
    so.cwd = server().root_dir();
    return run_process(argv, so, input, 60s);
  }
};

std::string slurp(const std::string &path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

TEST_F(Psql, SelectOverTcp) {
  ProcessResult r = psql({"-c", "SELECT 1"});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out, "1\n");
  r = psql({"-c", "SELECT x, 'v' || x FROM generate_series(1, 3) AS t(x) ORDER BY x"});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out, "1|v1\n2|v2\n3|v3\n");
}

TEST_F(Psql, SelectOverTls) {
  ProcessResult r = psql({"-c", "SELECT 'secure'"}, "require");
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out, "secure\n");
  r = psql({"-c", "\\conninfo"}, "require");
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("SSL connection"), std::string::npos) << r.out;
}

TEST_F(Psql, SeveralStatementsInOneCommand) {
  ProcessResult r = psql({"-c", "SELECT 1; SELECT 2"});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out, "1\n2\n");
}

TEST_F(Psql, ScriptOnStdinWithTransaction) {
  ProcessResult r = psql({"-q", "-v", "ON_ERROR_STOP=1", "-f", "-"}, "disable",
                         "BEGIN;\n"
                         "CREATE TABLE ps_script (id integer, name text);\n"
                         "INSERT INTO ps_script VALUES (1, 'a'), (2, 'b');\n"
                         "COMMIT;\n"
                         "SELECT count(*) FROM ps_script;\n"
                         "DROP TABLE ps_script;\n");
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out, "2\n");
}

TEST_F(Psql, ErrorsGiveExitCodeAndMessage) {
  ProcessResult r = psql({"-v", "ON_ERROR_STOP=1", "-c", "SELECT * FROM ps_no_such_table"});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find("ERROR:"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("ps_no_such_table"), std::string::npos) << r.err;
}

TEST_F(Psql, WrongPasswordIsRefused) {
  ProcessResult r = psql({"-c", "SELECT 1"}, "disable", {}, "not-the-password");
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("password authentication failed"), std::string::npos) << r.err;
}

TEST_F(Psql, BackslashCopyInAndOut) {
  std::string in_path = server().scratch_path("ps_in.csv"), out_path = server().scratch_path("ps_out.csv");
  {
    std::ofstream f(in_path);
    f << "id,name\n1,alpha\n2,\"b,eta\"\n3,\n";
  }
  ProcessResult r = psql({"-c", "CREATE TABLE ps_copy (id integer, name text)"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  r = psql({"-c", "\\copy ps_copy FROM '" + in_path + "' WITH (FORMAT csv, HEADER)"});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out, "COPY 3\n");
  r = psql({"-c", "SELECT id, name FROM ps_copy ORDER BY id"});
  EXPECT_EQ(r.out, "1|alpha\n2|b,eta\n3|\n");
  r = psql({"-c", "\\copy (SELECT * FROM ps_copy ORDER BY id) TO '" + out_path + "' WITH (FORMAT csv, HEADER)"});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(slurp(out_path), "id,name\n1,alpha\n2,\"b,eta\"\n3,\n");
  // The same over TLS, text format, to stdout.
  r = psql({"-c", "\\copy (SELECT * FROM ps_copy ORDER BY id) TO STDOUT"}, "require");
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out, "1\talpha\n2\tb,eta\n3\t\\N\n");
  r = psql({"-c", "\\copy ps_copy FROM STDIN"}, "require", "4\tdelta\n5\t\\N\n\\.\n");
  EXPECT_EQ(r.exit_code, 0) << r.err;
  r = psql({"-c", "SELECT count(*), count(name) FROM ps_copy"});
  EXPECT_EQ(r.out, "5|3\n");
  psql({"-c", "DROP TABLE ps_copy"});
}

// psql's describe commands (\l, \dn, \dt, \d, \d+, \df, \dv), \x and \timing over TLS with SCRAM,
// checking what they print. Every object is listed once, under its own schema (DuckDB's `main` is
// PostgreSQL's `public`).
class PsqlDescribe : public ServerSuite<PsqlDescribe> {
 public:
  static ServerOptions suite_options() {
    ServerOptions o;
    o.auth_method = "scram-sha-256";
    return o;
  }

 protected:
  void SetUp() override {
    if (!have_psql()) GTEST_SKIP() << "psql not installed";
    ServerSuite<PsqlDescribe>::SetUp();
  }
  // Unaligned, tuples only (`-A -t`) unless `aligned`; always over TLS.
  ProcessResult psql(const std::vector<std::string> &args, bool aligned = false) {
    std::vector<std::string> argv = {"psql", "-X", "-v", "ON_ERROR_STOP=1", "-h", "127.0.0.1", "-p",
                                     std::to_string(server().port()), "-U", kUser, "-d", kDatabase};
    if (!aligned) argv.insert(argv.begin() + 2, {"-A", "-t"});
    argv.insert(argv.end(), args.begin(), args.end());
    SpawnOptions so;
    so.env_unset = {"PG*"};
    so.env_set = {{"PGPASSWORD", server().password()},
                  {"PGSSLMODE", "require"},
                  {"PGCONNECT_TIMEOUT", "15"},
                  {"PGGSSENCMODE", "disable"}};
    so.cwd = server().root_dir();
    return run_process(argv, so, {}, 60s);
  }
  static std::string main_schema() { return reference_mode() ? "public" : "main"; }

  static void SetUpTestSuite() {
    ServerSuite<PsqlDescribe>::SetUpTestSuite();
    if (!server_ || !server_->running()) return;
    Conn c = connect(*server_);
    if (!c) return;
    exec_ok(c.get(), "CREATE SCHEMA pd_s");
    // Lake tables: NOT NULL and defaults are their only constraints (keys, checks and indexes are
    // shown on a temporary table in DescribeTable).
    exec_ok(c.get(), "CREATE TABLE pd_items (id integer NOT NULL, name text NOT NULL DEFAULT 'n', price numeric(8,2))");
    exec_ok(c.get(), "CREATE VIEW pd_items_v AS SELECT id, name FROM pd_items");
    exec_ok(c.get(), "CREATE TABLE pd_s.pd_other (a integer, b text)");
    exec_ok(c.get(), "COMMENT ON TABLE pd_items IS 'things for sale'");
    exec_ok(c.get(), "COMMENT ON COLUMN pd_items.price IS 'in euros'");
    // A lake warehouse keeps no functions (see ListFunctions): the reference server gets one.
    if (reference_mode())
      exec_ok(c.get(), "CREATE FUNCTION pd_add(x integer) RETURNS integer LANGUAGE sql AS 'SELECT x + 1'");
  }
};

std::vector<std::string> lines_of(const std::string &out) {
  std::vector<std::string> lines;
  std::istringstream in(out);
  for (std::string l; std::getline(in, l);) lines.push_back(l);
  return lines;
}

size_t count_lines(const std::string &out, const std::string &line) {
  auto lines = lines_of(out);
  return static_cast<size_t>(std::count(lines.begin(), lines.end(), line));
}

size_t count_prefix(const std::string &out, const std::string &prefix) {
  size_t n = 0;
  for (auto &l : lines_of(out)) n += l.rfind(prefix, 0) == 0;
  return n;
}

TEST_F(PsqlDescribe, ConnectionIsTls) {
  ProcessResult r = psql({"-c", "\\conninfo"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("SSL connection"), std::string::npos) << r.out;
}

TEST_F(PsqlDescribe, ListDatabases) {
  ProcessResult r = psql({"-c", "\\l"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  // Name|Owner|Encoding|...: the warehouse once, owned by the user, in UTF8.
  EXPECT_EQ(count_prefix(r.out, "mallard|mallard|UTF8|"), 1u) << r.out;
}

// \l+ joins pg_tablespace; \db lists the tablespaces.
TEST_F(PsqlDescribe, ListDatabasesVerboseAndTablespaces) {
  ProcessResult r = psql({"-c", "\\l+"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(count_prefix(r.out, "mallard|mallard|UTF8|"), 1u) << r.out;
  EXPECT_NE(r.out.find("|pg_default|"), std::string::npos) << r.out;
  r = psql({"-c", "\\db"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(count_prefix(r.out, "pg_default|"), 1u) << r.out;
  EXPECT_EQ(count_prefix(r.out, "pg_global|"), 1u) << r.out;
}

TEST_F(PsqlDescribe, ListSchemas) {
  ProcessResult r = psql({"-c", "\\dn"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(count_lines(r.out, main_schema() + "|mallard") + count_lines(r.out, main_schema() + "|pg_database_owner"), 1u)
      << r.out;
  EXPECT_EQ(count_lines(r.out, "pd_s|mallard"), 1u) << r.out;
  EXPECT_EQ(r.out.find("pg_catalog"), std::string::npos) << r.out;
  EXPECT_EQ(r.out.find("information_schema"), std::string::npos) << r.out;
  EXPECT_EQ(r.out.find("pg_compat"), std::string::npos) << r.out;
}

TEST_F(PsqlDescribe, ListTablesAndViews) {
  ProcessResult r = psql({"-c", "\\dt"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(count_lines(r.out, main_schema() + "|pd_items|table|mallard"), 1u) << r.out;
  // Tables outside the search path are listed only when asked for by schema.
  EXPECT_EQ(r.out.find("pd_other"), std::string::npos) << r.out;
  EXPECT_EQ(r.out.find("base_types"), std::string::npos) << r.out;  // nothing of the emulation
  r = psql({"-c", "\\dt pd_s.*"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out, "pd_s|pd_other|table|mallard\n");

  r = psql({"-c", "\\dv"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out, main_schema() + "|pd_items_v|view|mallard\n");

  r = psql({"-c", "\\d"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out, main_schema() + "|pd_items|table|mallard\n" + main_schema() + "|pd_items_v|view|mallard\n");

  r = psql({"-c", "\\dt+ pd_items"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(count_prefix(r.out, main_schema() + "|pd_items|table|mallard|permanent|heap|"), 1u) << r.out;
  EXPECT_NE(r.out.find("|things for sale"), std::string::npos) << r.out;
}

TEST_F(PsqlDescribe, TemporaryTablesAndSequences) {
  ProcessResult r = psql({"-c", "CREATE TEMP TABLE pd_tmp (a integer)", "-c", "CREATE TEMP SEQUENCE pd_seq", "-c", "\\dt",
                          "-c", "\\ds", "-c", "DROP SEQUENCE pd_seq"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  // Temporary tables are listed once, under the session's temporary schema.
  std::smatch m;
  EXPECT_TRUE(std::regex_search(r.out, m, std::regex("\\npg_temp_[0-9]+\\|pd_tmp\\|table\\|mallard\\n"))) << r.out;
  EXPECT_EQ(count_lines(r.out, main_schema() + "|pd_items|table|mallard"), 1u) << r.out;
  EXPECT_TRUE(std::regex_search(r.out, m, std::regex("\npg_temp_[0-9]+\\|pd_seq\\|sequence\\|mallard\n"))) << r.out;
}

TEST_F(PsqlDescribe, DescribeTable) {
  ProcessResult r = psql({"-c", "\\d pd_items"}, true);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const std::string &o = r.out;
  EXPECT_NE(o.find("Table \"" + main_schema() + ".pd_items\""), std::string::npos) << o;
  for (const char *line : {" Column \\| +Type +\\| Collation \\| Nullable \\| +Default", " id +\\| integer +\\| +\\| not null \\| ",
                           " name +\\| text +\\| +\\| not null \\| 'n'", " price +\\| numeric\\(8,2\\) \\| +\\| +\\| "})
    EXPECT_TRUE(std::regex_search(o, std::regex(line))) << line << "\n" << o;
  EXPECT_EQ(o.find("Indexes:"), std::string::npos) << o;

  r = psql({"-c", "\\d pd_s.pd_other"}, true);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("Table \"pd_s.pd_other\""), std::string::npos) << r.out;

  // Keys, checks and indexes, on a session's temporary table (lake tables have none).
  r = psql({"-c",
            "CREATE TEMP TABLE pd_keys (id integer PRIMARY KEY, b text UNIQUE, price numeric(8,2) CHECK (price >= 0))",
            "-c", "CREATE INDEX pd_keys_b ON pd_keys (b)", "-c", "\\d pd_keys"},
           true);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const std::string &k = r.out;
  EXPECT_TRUE(std::regex_search(k, std::regex("Table \"pg_temp_[0-9]+\\.pd_keys\""))) << k;
  EXPECT_NE(k.find("Indexes:"), std::string::npos) << k;
  EXPECT_TRUE(std::regex_search(k, std::regex("\"pd_keys_[a-z_]*pkey\" PRIMARY KEY, btree \\(id\\)"))) << k;
  EXPECT_TRUE(std::regex_search(k, std::regex("\"pd_keys_b_key\" UNIQUE CONSTRAINT, btree \\(b\\)"))) << k;
  EXPECT_NE(k.find("\"pd_keys_b\" btree (b)"), std::string::npos) << k;
  EXPECT_NE(k.find("Check constraints:"), std::string::npos) << k;
  EXPECT_TRUE(std::regex_search(k, std::regex("\"pd_keys_price_check\" CHECK \\(\\(?price >= "))) << k;

  r = psql({"-c", "\\d pd_items_v"}, true);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("View \"" + main_schema() + ".pd_items_v\""), std::string::npos) << r.out;
  EXPECT_NE(r.out.find(" name   | text    |"), std::string::npos) << r.out;

  r = psql({"-c", "\\d pd_nothing"}, true);
  EXPECT_NE(r.exit_code, 0);
  EXPECT_NE(r.err.find("Did not find any relation named \"pd_nothing\""), std::string::npos) << r.err;
}

TEST_F(PsqlDescribe, DescribeTableVerbose) {
  ProcessResult r = psql({"-c", "\\d+ pd_items"}, true);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const std::string &o = r.out;
  EXPECT_NE(o.find("| Storage  | Compression | Stats target | Description"), std::string::npos) << o;
  EXPECT_TRUE(std::regex_search(o, std::regex(" price +\\| numeric\\(8,2\\) \\|[^\\n]*\\| main +\\|[^\\n]*\\| in euros")))
      << o;
  EXPECT_NE(o.find("Access method: heap"), std::string::npos) << o;

  r = psql({"-c", "\\d+ pd_items_v"}, true);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("View definition:"), std::string::npos) << r.out;
  EXPECT_TRUE(std::regex_search(r.out, std::regex("SELECT[\\s\\S]*id,[\\s\\S]*name[\\s\\S]*FROM pd_items"))) << r.out;
}

TEST_F(PsqlDescribe, ListFunctions) {
  // Schema|Name|Result data type|Argument data types|Type; a macro has no declared types. Here the
  // session's temporary macro (a lake warehouse keeps no functions).
  ProcessResult r = reference_mode() ? psql({"-c", "\\df"})
                                     : psql({"-c", "CREATE TEMP MACRO pd_add(x) AS x + 1", "-c", "\\df"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  if (reference_mode())
    EXPECT_EQ(r.out, "public|pd_add|integer|x integer|func\n");
  else
    EXPECT_TRUE(std::regex_search(r.out, std::regex("\npg_temp_[0-9]+\\|pd_add\\|unknown\\|x\\|func\n"))) << r.out;
  r = psql({"-c", "\\df pd_nothing*"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out, "");
}

TEST_F(PsqlDescribe, ExpandedOutput) {
  ProcessResult r = psql({"-c", "\\x on", "-c", "SELECT 1 AS a, 'two' AS bb"}, true);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out, "Expanded display is on.\n-[ RECORD 1 ]\na  | 1\nbb | two\n\n");
  r = psql({"-c", "\\x on", "-c", "SELECT 1 AS a, 'two' AS bb"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out, "Expanded display is on.\na|1\nbb|two\n");
}

TEST_F(PsqlDescribe, Timing) {
  ProcessResult r = psql({"-c", "\\timing on", "-c", "SELECT 42", "-c", "CREATE TABLE pd_timed (a integer)", "-c",
                          "DROP TABLE pd_timed"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  // The durations themselves are not checked: only that each statement reports one.
  EXPECT_TRUE(std::regex_match(r.out, std::regex("Timing is on\\.\\n42\\nTime: [0-9]+\\.[0-9]{3} ms\\n"
                                                 "CREATE TABLE\\nTime: [0-9]+\\.[0-9]{3} ms\\n"
                                                 "DROP TABLE\\nTime: [0-9]+\\.[0-9]{3} ms\\n")))
      << r.out;
}

TEST_F(PsqlDescribe, CopyInAndOutOverTls) {
  std::string in_path = server().scratch_path("pd_in.csv"), out_path = server().scratch_path("pd_out.txt");
  {
    std::ofstream f(in_path);
    f << "a,b\n1,x\n2,\"y, z\"\n";
  }
  ProcessResult r = psql({"-c", "CREATE TABLE pd_copy (a integer, b text)", "-c",
                          "\\copy pd_copy FROM '" + in_path + "' WITH (FORMAT csv, HEADER)", "-c",
                          "\\copy (SELECT * FROM pd_copy ORDER BY a) TO '" + out_path + "'", "-c",
                          "DROP TABLE pd_copy"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out, "CREATE TABLE\nCOPY 2\nCOPY 2\nDROP TABLE\n");
  EXPECT_EQ(slurp(out_path), "1\tx\n2\ty, z\n");
}

}  // namespace
}  // namespace mallard::it
