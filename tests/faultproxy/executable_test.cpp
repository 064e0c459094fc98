// The `faultproxy` executable as other tests and scripts use it: flags, the port it reports, psql
// through it, and a clean exit on SIGTERM with clients still connected.

#include <signal.h>
#include <sys/wait.h>

#include <fstream>
#include <regex>
#include <sstream>
#include <thread>

#include "faultproxy/pg_fixture.hpp"
#include "support/process.hpp"

namespace mallard::it {
namespace {

using namespace std::chrono_literals;

class FaultProxyExecutable : public FaultProxyTest {
 protected:
  std::string log_path() const { return pg().scratch_path("faultproxy.log"); }
  std::string log() const {
    std::ifstream in(log_path());
    std::stringstream ss;
    ss << in.rdbuf();
    return ss.str();
  }
  // Starts the executable; returns the port it reports, or 0.
  int spawn(std::vector<std::string> flags) {
    std::vector<std::string> argv = {FAULTPROXY_BINARY, "--listen", "127.0.0.1:0", "--upstream",
                                     "127.0.0.1:" + std::to_string(pg().port())};
    argv.insert(argv.end(), flags.begin(), flags.end());
    pid_ = spawn_background(argv, {}, log_path());
    static const std::regex listening(R"(faultproxy listening on 127\.0\.0\.1:(\d+))");
    for (auto deadline = std::chrono::steady_clock::now() + 20s; std::chrono::steady_clock::now() < deadline;) {
      std::smatch m;
      std::string text = log();
      if (std::regex_search(text, m, listening)) return std::stoi(m[1]);
      std::this_thread::sleep_for(20ms);
    }
    return 0;
  }
  // Waits for the process to end; its exit code, or -1 if it had to be killed or died of a signal.
  int wait_exit(std::chrono::seconds timeout) {
    int status = 0;
    for (auto deadline = std::chrono::steady_clock::now() + timeout; std::chrono::steady_clock::now() < deadline;) {
      if (waitpid(pid_, &status, WNOHANG) == pid_) {
        pid_ = -1;
        return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
      }
      std::this_thread::sleep_for(20ms);
    }
    kill(pid_, SIGKILL);
    waitpid(pid_, &status, 0);
    pid_ = -1;
    return -1;
  }
  void TearDown() override {
    if (pid_ > 0) wait_exit(0s);
    FaultProxyTest::TearDown();
  }
  pid_t pid_ = -1;
};

TEST_F(FaultProxyExecutable, ServesPsqlAndStopsCleanlyOnSigterm) {
  int port = spawn({"--inject-statement-40001", "0", "--seed", "11", "--latency-ms", "1"});
  ASSERT_GT(port, 0) << log();
  std::string conninfo = pg().conninfo("port=" + std::to_string(port) + " sslmode=prefer");

  auto ok = run_process({"psql", conninfo, "-X", "-At", "-c", "SELECT 40 + 2"}, {}, {}, 60s);
  EXPECT_EQ(ok.exit_code, 0) << ok.err;
  EXPECT_EQ(ok.out, "42\n");
  auto refused = run_process({"psql", conninfo, "-X", "-At", "-c", "SELECT ctid FROM pg_class LIMIT 1"}, {}, {}, 60s);
  EXPECT_EQ(refused.exit_code, 1);
  EXPECT_NE(refused.err.find("column \"ctid\" does not exist"), std::string::npos) << refused.err;

  // A client in the middle of a transaction when the proxy is told to stop.
  Conn c = connect_info(conninfo);
  ASSERT_TRUE(c);
  exec_ok(c.get(), "BEGIN");
  ASSERT_EQ(kill(pid_, SIGTERM), 0);
  EXPECT_EQ(wait_exit(10s), 0) << log();
  EXPECT_NE(PQresultStatus(exec(c.get(), "SELECT 1").get()), PGRES_TUPLES_OK);
  EXPECT_NE(log().find("stopped by signal"), std::string::npos) << log();
  EXPECT_NE(log().find("refused ctid 1"), std::string::npos) << log();
}

TEST_F(FaultProxyExecutable, InjectsFromFlags) {
  int port = spawn({"--inject-commit-40001", "1"});
  ASSERT_GT(port, 0) << log();
  Conn c = connect_info(pg().conninfo("port=" + std::to_string(port)));
  ASSERT_TRUE(c);
  exec_ok(c.get(), "BEGIN");
  EXPECT_EQ(exec_error(c.get(), "COMMIT").sqlstate, "40001");
  kill(pid_, SIGTERM);
  EXPECT_EQ(wait_exit(10s), 0) << log();
}

TEST_F(FaultProxyExecutable, RejectsBadFlags) {
  auto run = [](std::vector<std::string> flags) {
    std::vector<std::string> argv = {FAULTPROXY_BINARY};
    argv.insert(argv.end(), flags.begin(), flags.end());
    return run_process(argv, {}, {}, 30s);
  };
  EXPECT_NE(run({"--listen", "127.0.0.1:0"}).exit_code, 0) << "--upstream is required";
  EXPECT_NE(run({"--upstream", "127.0.0.1:5432", "--inject-statement-40001", "1.5"}).exit_code, 0);
  EXPECT_NE(run({"--upstream", "127.0.0.1:5432", "--latency-per", "fortnight"}).exit_code, 0);
  EXPECT_NE(run({"--upstream", "no-port-here"}).exit_code, 0);
}

}  // namespace
}  // namespace mallard::it
