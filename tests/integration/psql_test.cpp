// The real psql client against the server, over plain TCP and TLS, including \copy.

#include <unistd.h>

#include <filesystem>
#include <fstream>
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
                     const std::string &password = {}) {
    std::vector<std::string> argv = {"psql", "-X", "-A", "-t", "-h", "127.0.0.1", "-p", std::to_string(server().port()),
                                     "-U", kUser, "-d", kDatabase};
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

}  // namespace
}  // namespace mallard::it
