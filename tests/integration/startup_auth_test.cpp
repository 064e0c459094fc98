// Start-up: parameters reported to the client, the authentication exchanges, and how refusals are
// reported (SQLSTATE as PostgreSQL 15 sends it).

#include <sys/stat.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "support/server.hpp"
#include "support/wire.hpp"

namespace mallard::it {
namespace {

using namespace std::chrono_literals;

// The first message after a start-up packet: AuthenticationXXX ('R') with its int32 code.
int32_t first_auth_code(Server &server, std::string *rest = nullptr, Wire *keep = nullptr) {
  Wire w = Wire::connect_tcp(server.port());
  EXPECT_TRUE(w.ok());
  EXPECT_TRUE(w.send(default_startup()));
  Msg m;
  EXPECT_EQ(w.read_msg(m), ReadStatus::kOk);
  EXPECT_EQ(m.type, 'R') << types_of({m});
  if (rest) *rest = m.body.size() > 4 ? m.body.substr(4) : "";
  if (keep) *keep = std::move(w);
  return m.type == 'R' ? get32(m.body, 0) : -1;
}

class StartupAuth : public ServerSuite<StartupAuth> {};

TEST_F(StartupAuth, ReportsParameterStatusLikePostgres15) {
  Conn c = conn("application_name=it_startup");
  ASSERT_TRUE(c);
  auto ps = [&](const char *name) {
    const char *v = PQparameterStatus(c.get(), name);
    return std::string(v ? v : "<missing>");
  };
  EXPECT_EQ(ps("server_version").rfind("15.", 0), 0u) << ps("server_version");
  EXPECT_GE(PQserverVersion(c.get()), 150000);
  EXPECT_LT(PQserverVersion(c.get()), 160000);
  EXPECT_EQ(PQprotocolVersion(c.get()), 3);
  EXPECT_EQ(ps("server_encoding"), "UTF8");
  EXPECT_EQ(ps("client_encoding"), "UTF8");
  EXPECT_EQ(ps("DateStyle"), "ISO, MDY");
  EXPECT_NE(ps("TimeZone"), "<missing>");
  EXPECT_FALSE(ps("TimeZone").empty());
  EXPECT_EQ(ps("integer_datetimes"), "on");
  EXPECT_EQ(ps("standard_conforming_strings"), "on");
  EXPECT_EQ(ps("application_name"), "it_startup");
  EXPECT_TRUE(ps("is_superuser") == "on" || ps("is_superuser") == "off") << ps("is_superuser");
  EXPECT_EQ(ps("session_authorization"), "mallard");
  EXPECT_EQ(PQtransactionStatus(c.get()), PQTRANS_IDLE);
  // BackendKeyData must have been sent: libpq needs it for cancel requests.
  EXPECT_GT(PQbackendPID(c.get()), 0);
}

TEST_F(StartupAuth, DefaultAuthenticationIsScramSha256) {
  std::string rest;
  EXPECT_EQ(first_auth_code(server(), &rest), 10);  // AuthenticationSASL
  EXPECT_NE(rest.find(std::string("SCRAM-SHA-256") + '\0'), std::string::npos) << "mechanisms: " << rest;
}

TEST_F(StartupAuth, ScramLoginWorks) {
  Conn c = conn();
  ASSERT_TRUE(c);
  EXPECT_EQ(query_value(c.get(), "SELECT 1"), "1");
}

TEST_F(StartupAuth, WrongPasswordIs28P01) {
  ConnectAttempt a = try_connect(server().conninfo("password=definitely-wrong"));
  EXPECT_FALSE(a.ok);
  EXPECT_EQ(a.sqlstate, "28P01") << a.message;
  EXPECT_TRUE(server_healthy(server()));
}

TEST_F(StartupAuth, UnknownUserIs28P01LikeAWrongPassword) {
  // PostgreSQL runs a mock SCRAM exchange for unknown roles, so the refusal looks the same.
  ConnectAttempt a = try_connect(server().conninfo("user=no_such_role"));
  EXPECT_FALSE(a.ok);
  EXPECT_EQ(a.sqlstate, "28P01") << a.message;
}

TEST_F(StartupAuth, UnknownDatabaseIs3D000) {
  ConnectAttempt a = try_connect(server().conninfo("dbname=no_such_database"));
  EXPECT_FALSE(a.ok);
  EXPECT_EQ(a.sqlstate, "3D000") << a.message;
  EXPECT_NE(a.message.find("no_such_database"), std::string::npos) << a.message;
}

TEST_F(StartupAuth, GssEncRequestIsAnsweredNAndStartupContinues) {
  SKIP_IN_REFERENCE("Debian's PostgreSQL is built with GSSAPI and answers 'G'");
  Wire w = Wire::connect_tcp(server().port());
  ASSERT_TRUE(w.ok());
  ASSERT_TRUE(w.send(gssenc_request()));
  char answer = 0;
  ASSERT_EQ(w.read_byte(answer), ReadStatus::kOk);
  EXPECT_EQ(answer, 'N');
  // After a refusal the client may go on in plain text on the same connection.
  ASSERT_TRUE(w.send(default_startup()));
  Msg m;
  ASSERT_EQ(w.read_msg(m), ReadStatus::kOk);
  EXPECT_EQ(m.type, 'R') << types_of({m});
}

TEST_F(StartupAuth, GssencmodePreferFallsBackToPlainConnection) {
  // gssencmode=prefer sends GSSENCRequest only when credentials exist; require-less TCP must work either way.
  Conn c = conn("gssencmode=prefer");
  ASSERT_TRUE(c);
  EXPECT_EQ(query_value(c.get(), "SELECT 'ok'"), "ok");
}

TEST_F(StartupAuth, StartupWithoutDatabaseUsesUserName) {
  // PostgreSQL defaults the database to the user name when the packet names none.
  Wire w = Wire::connect_tcp(server().port());
  ASSERT_TRUE(w.ok());
  ASSERT_TRUE(w.send(startup_packet(196608, {{"user", kUser}})));
  Msg m;
  ASSERT_EQ(w.read_msg(m), ReadStatus::kOk);
  EXPECT_EQ(m.type, 'R') << types_of({m});
}

// Failed logins are throttled per address; one suite of its own so the delay hurts no other test.
TEST_F(StartupAuth, StartupOptionsSetSessionParameters) {
  // PGOPTIONS-style settings travel in the startup packet's "options" parameter.
  Conn c = conn("options='-c statement_timeout=5s --application_name=from-options'");
  ASSERT_TRUE(c) << PQerrorMessage(c.get());
  EXPECT_EQ(query_value(c.get(), "SHOW statement_timeout"), "5s");
  EXPECT_STREQ(PQparameterStatus(c.get(), "application_name"), "from-options");
  PGconn *bad = PQconnectdb(server().conninfo("options='-c statement_timeout=soon'").c_str());
  EXPECT_NE(PQstatus(bad), CONNECTION_OK);
  EXPECT_NE(std::string(PQerrorMessage(bad)).find("statement_timeout"), std::string::npos) << PQerrorMessage(bad);
  PQfinish(bad);
}

class AuthThrottle : public ServerSuite<AuthThrottle> {};

TEST_F(AuthThrottle, RepeatedFailuresStayRefusedAndTheRightPasswordStillWorks) {
  std::ostringstream durations;
  for (int i = 0; i < 6; ++i) {
    auto t0 = std::chrono::steady_clock::now();
    ConnectAttempt a = try_connect(server().conninfo("password=wrong-" + std::to_string(i)), 40s);
    auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - t0).count();
    durations << ms << "ms ";
    EXPECT_FALSE(a.ok);
    // A throttled refusal may also come as a closed connection or an error other than 28P01, but
    // never as a success.
    if (!a.sqlstate.empty()) {
      EXPECT_EQ(a.sqlstate, "28P01") << a.message;
    }
  }
  // The durations are informative only: the suite never asserts a lower bound on time.
  RecordProperty("failed_login_durations", durations.str());
  auto deadline = std::chrono::steady_clock::now() + 60s;
  ConnectAttempt ok;
  while (std::chrono::steady_clock::now() < deadline) {
    ok = try_connect(server().conninfo(), 40s);
    if (ok.ok) break;
  }
  ASSERT_TRUE(ok.ok) << ok.message;
  EXPECT_EQ(query_value(ok.conn.get(), "SELECT 7"), "7");
}

class Md5Auth : public ServerSuite<Md5Auth> {
 public:
  static ServerOptions suite_options() {
    ServerOptions o;
    o.auth_method = "md5";
    o.password_encryption = "md5";
    return o;
  }
};

TEST_F(Md5Auth, AsksForMd5PasswordWithSalt) {
  std::string rest;
  EXPECT_EQ(first_auth_code(server(), &rest), 5);  // AuthenticationMD5Password
  EXPECT_EQ(rest.size(), 4u);
}

TEST_F(Md5Auth, LoginWorksAndWrongPasswordIs28P01) {
  Conn c = conn();
  ASSERT_TRUE(c);
  EXPECT_EQ(query_value(c.get(), "SELECT 2"), "2");
  ConnectAttempt a = try_connect(server().conninfo("password=nope"));
  EXPECT_FALSE(a.ok);
  EXPECT_EQ(a.sqlstate, "28P01") << a.message;
}

class CleartextAuth : public ServerSuite<CleartextAuth> {
 public:
  static ServerOptions suite_options() {
    ServerOptions o;
    o.auth_method = "password";
    return o;
  }
};

TEST_F(CleartextAuth, AsksForCleartextPasswordOnLoopback) {
  Wire w;
  EXPECT_EQ(first_auth_code(server(), nullptr, &w), 3);  // AuthenticationCleartextPassword
  ASSERT_TRUE(w.send(frame('p', cstr(kPassword))));
  std::vector<Msg> msgs = w.read_until('Z');
  ASSERT_FALSE(msgs.empty());
  EXPECT_EQ(msgs[0].type, 'R');
  EXPECT_EQ(get32(msgs[0].body, 0), 0) << "AuthenticationOk expected";
  EXPECT_EQ(msgs.back().type, 'Z') << types_of(msgs);
  bool has_key = false;
  for (const auto &m : msgs) has_key = has_key || m.type == 'K';
  EXPECT_TRUE(has_key) << "no BackendKeyData: " << types_of(msgs);
}

TEST_F(CleartextAuth, WrongCleartextPasswordIs28P01AndCloses) {
  Wire w;
  ASSERT_EQ(first_auth_code(server(), nullptr, &w), 3);
  ASSERT_TRUE(w.send(frame('p', cstr("wrong"))));
  std::vector<Msg> msgs;
  EXPECT_TRUE(w.wait_closed(30s, &msgs));
  ASSERT_FALSE(msgs.empty());
  EXPECT_EQ(msgs[0].type, 'E');
  EXPECT_EQ(error_fields(msgs[0])['C'], "28P01");
  EXPECT_EQ(error_fields(msgs[0])['V'], "FATAL");
}

TEST_F(CleartextAuth, LibpqLoginWorksInPlainTextAndOverTls) {
  Conn plain = conn();
  ASSERT_TRUE(plain);
  EXPECT_EQ(query_value(plain.get(), "SELECT 3"), "3");
  Conn tls = conn("sslmode=require");
  ASSERT_TRUE(tls);
  EXPECT_EQ(PQsslInUse(tls.get()), 1);
  EXPECT_EQ(query_value(tls.get(), "SELECT 4"), "4");
}

// Configuration from the environment and from a file instead of flags.
class ConfigFromEnv : public ServerSuite<ConfigFromEnv> {
 public:
  static ServerOptions suite_options() {
    ServerOptions o;
    o.flags_via_env = true;
    // Two-word flags map to MALLARD_<FLAG_UPPER_SNAKE>.
    o.extra_env = {{"MALLARD_AUTH_METHOD", "md5"}, {"MALLARD_PASSWORD_ENCRYPTION", "md5"}};
    return o;
  }
};

TEST_F(ConfigFromEnv, FlagsFromEnvironment) {
  SKIP_IN_REFERENCE("mallard configuration");
  Conn c = conn();
  ASSERT_TRUE(c);
  EXPECT_EQ(query_value(c.get(), "SELECT 5"), "5");
  // The warehouse went where MALLARD_DATA_DIR pointed.
  EXPECT_FALSE(std::filesystem::is_empty(server().data_dir()));
  EXPECT_EQ(first_auth_code(server()), 5) << "MALLARD_AUTH_METHOD=md5 not applied";
}

class ConfigFromFile : public ServerSuite<ConfigFromFile> {
 public:
  static ServerOptions suite_options() {
    ServerOptions o;
    o.listen_via_config = true;
    o.config_lines = {"auth-method = \"password\""};
    return o;
  }
};

TEST_F(ConfigFromFile, FlagsFromConfigFile) {
  SKIP_IN_REFERENCE("mallard configuration");
  Conn c = conn();
  ASSERT_TRUE(c);
  EXPECT_EQ(query_value(c.get(), "SELECT 6"), "6");
  EXPECT_EQ(first_auth_code(server()), 3) << "auth-method from the config file not applied";
}

class GeneratedPassword : public ServerSuite<GeneratedPassword> {
 public:
  static ServerOptions suite_options() {
    ServerOptions o;
    o.password = std::nullopt;
    return o;
  }
};

TEST_F(GeneratedPassword, WrittenOnceWithMode0600AndPrintedToStderr) {
  SKIP_IN_REFERENCE("mallard first-start behaviour");
  std::string path = server().data_dir() + "/initial-password";
  struct stat st {};
  ASSERT_EQ(stat(path.c_str(), &st), 0) << path << " missing";
  EXPECT_EQ(st.st_mode & 0777, 0600u);
  std::string pw = server().password();
  ASSERT_GE(pw.size(), 8u) << "password too short: '" << pw << "'";
  EXPECT_NE(server().log().find(pw), std::string::npos) << "password not printed to stderr";
  Conn c = conn();
  ASSERT_TRUE(c);
  EXPECT_EQ(query_value(c.get(), "SELECT 8"), "8");
  ConnectAttempt a = try_connect(server().conninfo("password=" + std::string(kPassword)));
  EXPECT_FALSE(a.ok) << "a generated password must not be the test's fixed one";
}

}  // namespace
}  // namespace mallard::it
